// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer: emulated camera, GPU and display engines
 *
 * Platform devices declared in the device tree (dts/qemu-virt-importer.dtso,
 * Documentation/devicetree/bindings/misc/dmabuf-carveout,emu-importer.yaml).
 * The compatible string gives the role, which fixes the DMA mask and
 * whether the device needs contiguous mappings; "dma-coherent" is the
 * standard property, applied by the OF core.
 *
 * The CPU plays the device, but only through what a device would have:
 * the DMA addresses of the mapping. Each address goes back to a physical
 * address the way the bus would take it (dma_to_phys() on a direct
 * mapping, the IOMMU's page table otherwise), and the data moves through
 * a kernel mapping of that physical range:
 *
 * - a coherent device on memory in the linear map uses the linear map,
 *   cached, as its snooping DMA would;
 * - anything else uses a temporary write-combine mapping: a non-coherent
 *   device bypasses the CPU caches, and no-map memory has no cacheable
 *   alias to use at all (on arm64 touching its linear address faults).
 *
 * With the cache model on (importer_model.c), an access to a mapped
 * carveout goes to the model's DRAM copy instead, or for a coherent device
 * to the CPU's view with writes reaching DRAM too.
 *
 * A wrong DMA address therefore moves the wrong bytes, and the check in
 * userspace fails.
 */
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include <linux/dmabuf_importer.h>

#include "importer_backend.h"
#include "importer_device.h"

/* Pages mapped at once for a write-combine access */
#define EMU_WINDOW_PAGES	16
#define EMU_MAX_XFER		SZ_64K

static unsigned int display_max_segment;
module_param(display_max_segment, uint, 0444);
MODULE_PARM_DESC(display_max_segment,
		 "Largest DMA segment of the display engine in bytes, a multiple of PAGE_SIZE (default 0: no limit). Exporters that ignore segment limits (the 6.12 system and CMA heaps) then trip DMA-API debug on it");

/**
 * struct emu_role - what a compatible string stands for
 * @role: &enum dmabuf_importer_role
 * @dma_bits: DMA mask width
 * @contig: needs contiguous mappings
 */
struct emu_role {
	u32 role;
	unsigned int dma_bits;
	bool contig;
};

static const struct emu_role emu_camera = {
	.role = DMABUF_IMPORTER_ROLE_CAMERA, .dma_bits = 32,
};

static const struct emu_role emu_gpu = {
	.role = DMABUF_IMPORTER_ROLE_GPU, .dma_bits = 64,
};

static const struct emu_role emu_display = {
	.role = DMABUF_IMPORTER_ROLE_DISPLAY, .dma_bits = 64, .contig = true,
};

struct emu_device {
	struct importer_device idev;
};

static struct emu_device *to_emu(struct importer_device *idev)
{
	return container_of(idev, struct emu_device, idev);
}

static bool emu_range_has_pages(phys_addr_t phys, size_t len)
{
	unsigned long pfn;

	for (pfn = PHYS_PFN(phys); pfn <= PHYS_PFN(phys + len - 1); pfn++)
		if (!pfn_valid(pfn))
			return false;
	return true;
}

static void emu_copy(void *mem, void *buf, size_t len, bool to_mem)
{
	if (to_mem)
		memcpy(mem, buf, len);
	else
		memcpy(buf, mem, len);
}

/* Through a temporary write-combine mapping, EMU_WINDOW_PAGES at a time. */
static int emu_access_wc(phys_addr_t phys, void *buf, size_t len, bool to_mem)
{
	struct page *pages[EMU_WINDOW_PAGES];
	size_t off, n;
	unsigned int i, count;
	void *vaddr;

	while (len) {
		off = offset_in_page(phys);
		count = min_t(size_t, DIV_ROUND_UP(off + len, PAGE_SIZE),
			      EMU_WINDOW_PAGES);
		n = min_t(size_t, len, count * PAGE_SIZE - off);
		for (i = 0; i < count; i++)
			pages[i] = pfn_to_page(PHYS_PFN(phys) + i);

		vaddr = vmap(pages, count, VM_MAP,
			     pgprot_writecombine(PAGE_KERNEL));
		if (!vaddr)
			return -ENOMEM;
		emu_copy(vaddr + off, buf, n, to_mem);
		vunmap(vaddr);

		phys += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int emu_access(struct importer_device *idev, dma_addr_t addr, void *buf,
		      size_t len, bool to_mem)
{
	struct device *dev = idev->dev;
	bool coherent = dev_is_dma_coherent(dev);
	phys_addr_t phys;
	size_t span;
	int ret;

	while (len) {
		ret = importer_translate(dev, addr, len, &phys, &span);
		if (ret)
			return ret;
		if (!emu_range_has_pages(phys, span))
			return -EFAULT;

		if (importer_model_access(phys, buf, span, to_mem, coherent)) {
			/* a mapped carveout, under the cache model */
		} else if (coherent &&
			   region_intersects(phys, span, IORESOURCE_SYSTEM_RAM,
					     IORES_DESC_NONE) == REGION_INTERSECTS) {
			emu_copy(phys_to_virt(phys), buf, span, to_mem);
		} else if (emu_access_wc(phys, buf, span, to_mem)) {
			return -ENOMEM;
		}

		addr += span;
		buf += span;
		len -= span;
	}
	return 0;
}

static int emu_write(struct importer_device *idev, dma_addr_t addr,
		     const void *src, size_t len)
{
	return emu_access(idev, addr, (void *)src, len, true);
}

static int emu_read(struct importer_device *idev, dma_addr_t addr, void *dst,
		    size_t len)
{
	return emu_access(idev, addr, dst, len, false);
}

static void emu_release(struct importer_device *idev)
{
	kfree(to_emu(idev));
}

static const struct importer_device_ops emu_ops = {
	.write = emu_write,
	.read = emu_read,
	.release = emu_release,
};

static int emu_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	const struct emu_role *desc = of_device_get_match_data(dev);
	unsigned int max_seg = UINT_MAX;
	struct emu_device *emu;
	int ret;

	if (!desc)
		return -ENODEV;

	/*
	 * No limit by default: the mainline system and CMA heaps hand out
	 * segments of up to their whole buffer whatever the importer says,
	 * and DMA-API debug reports each one that is too long.
	 */
	if (desc->role == DMABUF_IMPORTER_ROLE_DISPLAY && display_max_segment) {
		if (display_max_segment < PAGE_SIZE ||
		    !PAGE_ALIGNED(display_max_segment))
			return dev_err_probe(dev, -EINVAL,
					     "display_max_segment=%u is not a multiple of the page size\n",
					     display_max_segment);
		max_seg = display_max_segment;
	}

	emu = kzalloc(sizeof(*emu), GFP_KERNEL);
	if (!emu)
		return -ENOMEM;

	importer_device_init(&emu->idev, dev, &emu_ops);
	emu->idev.role = desc->role;
	emu->idev.dma_bits = desc->dma_bits;
	emu->idev.max_xfer = EMU_MAX_XFER;
	if (desc->contig)
		emu->idev.flags |= DMABUF_IMPORTER_DEV_CONTIG;
	if (dev_is_dma_coherent(dev))
		emu->idev.flags |= DMABUF_IMPORTER_DEV_COHERENT;

	dma_set_max_seg_size(dev, max_seg);
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(desc->dma_bits)))
		emu->idev.flags |= DMABUF_IMPORTER_DEV_NO_DMA;

	ret = importer_device_register(&emu->idev);
	if (ret) {
		importer_device_put(&emu->idev);
		return ret;
	}
	platform_set_drvdata(pdev, emu);
	return 0;
}

static void emu_remove(struct platform_device *pdev)
{
	struct emu_device *emu = platform_get_drvdata(pdev);

	importer_device_unregister(&emu->idev);
	importer_device_put(&emu->idev);
}

static const struct of_device_id emu_of_match[] = {
	{ .compatible = "dmabuf-carveout,emu-camera", .data = &emu_camera },
	{ .compatible = "dmabuf-carveout,emu-gpu", .data = &emu_gpu },
	{ .compatible = "dmabuf-carveout,emu-display", .data = &emu_display },
	{ }
};
MODULE_DEVICE_TABLE(of, emu_of_match);

static struct platform_driver emu_driver = {
	.probe = emu_probe,
	.remove = emu_remove,
	.driver = {
		.name = "dmabuf_importer_emu",
		.of_match_table = emu_of_match,
		/* Unbinding is the module's business (rmmod), not sysfs'. */
		.suppress_bind_attrs = true,
	},
};

/**
 * importer_platform_register() - register the emulated devices' driver
 *
 * Return: 0 or a platform_driver_register() error.
 */
int importer_platform_register(void)
{
	return platform_driver_register(&emu_driver);
}

/**
 * importer_platform_unregister() - unregister the emulated devices' driver
 */
void importer_platform_unregister(void)
{
	platform_driver_unregister(&emu_driver);
}
