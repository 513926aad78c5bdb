// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer: the device registry
 *
 * The backends (importer_platform.c, importer_edu.c) register their
 * devices here; userspace names them by index. Unregistering revokes
 * every attachment of the device, in whatever file holds it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/iommu.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

#include <linux/dmabuf_importer.h>

#include "importer_priv.h"

#define IMPORTER_MAX_DEVICES	64

static DEFINE_XARRAY_ALLOC(importer_devices);
static DEFINE_MUTEX(importer_devices_lock);

static void importer_device_release(struct kref *ref)
{
	struct importer_device *idev = container_of(ref, struct importer_device, ref);
	struct device *dev = idev->dev;

	mutex_destroy(&idev->lock);
	idev->ops->release(idev);
	put_device(dev);
}

/**
 * importer_device_init() - prepare an importer device before registration
 * @idev: the device, embedded in the driver's own structure
 * @dev: the struct device that attaches and maps buffers
 * @ops: data movement; @ops->release frees the embedding structure
 *
 * The caller sets &importer_device.role, .flags, .dma_bits and .max_xfer
 * before importer_device_register(). From here on, the embedding structure is
 * freed through importer_device_put() only. A reference to @dev is held until
 * then, as open files may keep revoked attachments after the device left.
 */
void importer_device_init(struct importer_device *idev, struct device *dev,
			  const struct importer_device_ops *ops)
{
	idev->dev = get_device(dev);
	idev->ops = ops;
	kref_init(&idev->ref);
	mutex_init(&idev->lock);
	INIT_LIST_HEAD(&idev->attachments);
}

static const char *importer_role_name(u32 role)
{
	switch (role) {
	case DMABUF_IMPORTER_ROLE_CAMERA:
		return "camera";
	case DMABUF_IMPORTER_ROLE_GPU:
		return "gpu";
	case DMABUF_IMPORTER_ROLE_DISPLAY:
		return "display";
	case DMABUF_IMPORTER_ROLE_EDU:
		return "edu";
	}
	return "unknown";
}

/**
 * importer_device_register() - make a device visible to userspace
 * @idev: a device set up by importer_device_init()
 *
 * Context: process context.
 * Return: 0, or -ENOSPC when every device index is in use.
 */
int importer_device_register(struct importer_device *idev)
{
	int ret;

	mutex_lock(&importer_devices_lock);
	ret = xa_alloc(&importer_devices, &idev->index, idev,
		       XA_LIMIT(0, IMPORTER_MAX_DEVICES - 1), GFP_KERNEL);
	mutex_unlock(&importer_devices_lock);
	if (ret)
		return ret == -EBUSY ? -ENOSPC : ret;

	dev_info(idev->dev, "importer device %u: %s, %u-bit DMA%s%s%s\n",
		 idev->index, importer_role_name(idev->role), idev->dma_bits,
		 idev->flags & DMABUF_IMPORTER_DEV_COHERENT ? ", coherent" : "",
		 idev->flags & DMABUF_IMPORTER_DEV_CONTIG ? ", contiguous only" : "",
		 idev->flags & DMABUF_IMPORTER_DEV_NO_DMA ? ", no DMA" : "");
	return 0;
}

/**
 * importer_device_unregister() - remove a device from userspace's view
 * @idev: a registered device
 *
 * Every attachment of the device, in any open file, is unmapped and
 * detached here (the file keeps a revoked handle), and the device's ops are
 * never called again, so the driver may release its hardware afterwards.
 * The caller still holds its reference and drops it with
 * importer_device_put().
 *
 * Context: process context.
 */
void importer_device_unregister(struct importer_device *idev)
{
	struct importer_attachment *a, *tmp;

	mutex_lock(&importer_devices_lock);
	xa_erase(&importer_devices, idev->index);
	mutex_unlock(&importer_devices_lock);

	mutex_lock(&idev->lock);
	idev->dead = true;
	list_for_each_entry_safe(a, tmp, &idev->attachments, dev_node) {
		importer_attachment_drop_buffer(a);
		a->revoked = true;
	}
	mutex_unlock(&idev->lock);
}

/**
 * importer_device_put() - drop a reference to an importer device
 * @idev: the device
 *
 * The last reference calls &importer_device_ops.release.
 */
void importer_device_put(struct importer_device *idev)
{
	kref_put(&idev->ref, importer_device_release);
}

struct importer_device *importer_device_get(u32 index)
{
	struct importer_device *idev;

	mutex_lock(&importer_devices_lock);
	idev = xa_load(&importer_devices, index);
	if (idev)
		kref_get(&idev->ref);
	mutex_unlock(&importer_devices_lock);
	return idev;
}

/**
 * importer_translate() - where the bus sends a DMA address
 * @dev: the device that issues @addr
 * @addr: a DMA address of one of its mappings
 * @len: bytes the device accesses from @addr on
 * @phys: the physical address
 * @span: how many bytes from there on are physically contiguous (at most @len)
 *
 * Through the IOMMU's page table when @dev has a paging domain, else
 * dma_to_phys() of the direct mapping.
 *
 * Return: 0, or -EFAULT for an address that leads nowhere, as a bus error
 * would.
 */
int importer_translate(struct device *dev, dma_addr_t addr, size_t len,
		       phys_addr_t *phys, size_t *span)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	if (domain && (domain->type & __IOMMU_DOMAIN_PAGING)) {
		*phys = iommu_iova_to_phys(domain, addr);
		*span = min_t(size_t, len, PAGE_SIZE - offset_in_page(addr));
		return *phys ? 0 : -EFAULT;
	}

	/* One segment of a direct mapping never crosses a dma-range. */
	*phys = dma_to_phys(dev, addr);
	*span = len;
	return *phys == (phys_addr_t)-1 ? -EFAULT : 0;
}
