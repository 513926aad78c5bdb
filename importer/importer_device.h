/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf_importer: what a backend (importer_platform.c: the emulated
 * camera, GPU and display; importer_edu.c: QEMU's edu PCI device) sees of
 * the core. A backend describes its device, registers it with the
 * registry (importer_device.c) and moves data when the core asks it to.
 */
#ifndef _IMPORTER_DEVICE_H
#define _IMPORTER_DEVICE_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct device;
struct importer_device;

/**
 * struct importer_device_ops - how a device moves data
 * @write: the device writes @len bytes from @src to DMA address @addr.
 *	[@addr, @addr + @len) lies inside one DMA segment of a mapping
 *	and @len is at most &importer_device.max_xfer.
 * @read: the device reads @len bytes at DMA address @addr into @dst;
 *	same rules as @write.
 * @release: free the structure that embeds the &struct importer_device, once
 *	the last reference is gone.
 *
 * @write and @read are called with &importer_device.lock held and only while
 * the device is registered.
 */
struct importer_device_ops {
	int (*write)(struct importer_device *idev, dma_addr_t addr,
		     const void *src, size_t len);
	int (*read)(struct importer_device *idev, dma_addr_t addr,
		    void *dst, size_t len);
	void (*release)(struct importer_device *idev);
};

/**
 * struct importer_device - one importing device, as the uAPI sees it
 * @dev: the device that attaches and maps buffers
 * @ops: data movement
 * @role: &enum dmabuf_importer_role
 * @flags: DMABUF_IMPORTER_DEV_* flags known at probe time
 * @dma_bits: width of the DMA mask the driver asked for
 * @max_xfer: largest transfer @ops take at once
 * @index: uAPI device index, set by importer_device_register()
 * @ref: held by the driver while bound and by every attachment
 * @lock: serializes the device's DMA and protects @dead and @attachments
 * @dead: unregistered: no new attachment, no more DMA
 * @attachments: every live attachment of the device, from any open file
 */
struct importer_device {
	struct device *dev;
	const struct importer_device_ops *ops;
	u32 role;
	u32 flags;
	u32 dma_bits;
	size_t max_xfer;
	u32 index;
	struct kref ref;
	struct mutex lock;	/* DMA, @dead, @attachments */
	bool dead;
	struct list_head attachments;
};

/* importer_device.c */
void importer_device_init(struct importer_device *idev, struct device *dev,
			  const struct importer_device_ops *ops);
int importer_device_register(struct importer_device *idev);
void importer_device_unregister(struct importer_device *idev);
void importer_device_put(struct importer_device *idev);
int importer_translate(struct device *dev, dma_addr_t addr, size_t len,
		       phys_addr_t *phys, size_t *span);

/* importer_model.c: the cache model (Documentation/importer.rst) */
bool importer_model_access(phys_addr_t phys, void *buf, size_t len,
			   bool to_mem, bool coherent);
void importer_model_wrote(phys_addr_t phys, size_t len);

#endif /* _IMPORTER_DEVICE_H */
