/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf_importer internals shared by importer_main.c (uAPI, attachment
 * bookkeeping), importer_platform.c (emulated camera, GPU and display)
 * and importer_edu.c (QEMU's edu PCI device).
 */
#ifndef _IMPORTER_H
#define _IMPORTER_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct device;
struct imp_device;

/**
 * struct imp_device_ops - how a device moves data
 * @write: the device writes @len bytes from @src to DMA address @addr.
 *	[@addr, @addr + @len) lies inside one DMA segment of a mapping
 *	and @len is at most &imp_device.max_xfer.
 * @read: the device reads @len bytes at DMA address @addr into @dst;
 *	same rules as @write.
 * @release: free the structure that embeds the &struct imp_device, once
 *	the last reference is gone.
 *
 * @write and @read are called with &imp_device.lock held and only while
 * the device is registered.
 */
struct imp_device_ops {
	int (*write)(struct imp_device *idev, dma_addr_t addr,
		     const void *src, size_t len);
	int (*read)(struct imp_device *idev, dma_addr_t addr,
		    void *dst, size_t len);
	void (*release)(struct imp_device *idev);
};

/**
 * struct imp_device - one importing device, as the uAPI sees it
 * @dev: the device that attaches and maps buffers
 * @ops: data movement
 * @role: &enum dmabuf_importer_role
 * @flags: DMABUF_IMPORTER_DEV_* flags known at probe time
 * @dma_bits: width of the DMA mask the driver asked for
 * @max_xfer: largest transfer @ops take at once
 * @index: uAPI device index, set by imp_device_register()
 * @ref: held by the driver while bound and by every attachment
 * @lock: serializes the device's DMA and protects @dead and @attachments
 * @dead: unregistered: no new attachment, no more DMA
 * @attachments: every live attachment of the device, from any open file
 */
struct imp_device {
	struct device *dev;
	const struct imp_device_ops *ops;
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

/* importer_main.c */
void imp_device_init(struct imp_device *idev, struct device *dev,
		     const struct imp_device_ops *ops);
int imp_device_register(struct imp_device *idev);
void imp_device_unregister(struct imp_device *idev);
void imp_device_put(struct imp_device *idev);

/* importer_platform.c */
int imp_platform_register(void);
void imp_platform_unregister(void);

/* importer_edu.c */
int imp_edu_register(void);
void imp_edu_unregister(void);

#endif /* _IMPORTER_H */
