// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer: a model of non-coherent DMA on cacheable memory
 *
 * QEMU's TCG has no CPU caches: every clean and invalidate is without
 * effect, so no data check could tell whether a heap does the maintenance
 * that a non-coherent SoC needs. With the model on, every mapped
 * ("dma-heap-carveout" without no-map) reserved-memory region gets a
 * second copy, its DRAM, behind a write-back CPU cache:
 *
 * - the CPU's view is the linear map, as before;
 * - a non-coherent importer device reads and writes the DRAM copy only;
 * - a coherent device reads the CPU's view, and its writes reach both;
 * - the DRAM copy takes the CPU's data only where the kernel cleans:
 *   arch_sync_dma_for_device(), the one way the DMA API cleans (a map
 *   without DMA_ATTR_SKIP_CPU_SYNC, dma_sync_*_for_device()), and only
 *   for the lines the CPU dirtied since the line was last clean;
 * - the CPU sees DRAM only where the kernel invalidates:
 *   arch_sync_dma_for_cpu() for DMA_FROM_DEVICE or DMA_BIDIRECTIONAL (an
 *   unmap, dma_sync_*_for_cpu()). The invalidate discards CPU writes that
 *   were not cleaned; lines it covers only in part are cleaned and
 *   invalidated, as arm64's dcache_inval_poc() does.
 *
 * Whether a line is dirty: each line has a tag, a hash of what the CPU
 * saw when the line was last clean (0: never, so dirty). A line whose
 * content no longer matches its tag was written by the CPU.
 *
 * Kprobes on the two arch functions see every maintenance the DMA API
 * does, whoever calls it (the exporter, vgem, the DMA core, swiotlb). What
 * happened before the model was loaded is unknown, so it starts from a
 * coherent machine: the DRAM copy equals the CPU's view and every line
 * counts as dirty. model_cleaned counts the bytes of the regions that
 * were cleaned, so a test can tell a map that skipped the clean. Memory
 * outside the regions (system and CMA heaps, no-map
 * regions, swiotlb) keeps one copy. Documentation/importer.rst, "The cache
 * model", has what the model cannot see.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/dma-direction.h>
#include <linux/ioport.h>
#include <linux/kprobes.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "importer_priv.h"

#define IMPORTER_MODEL_REGIONS	32

static int cache_model = -1;
module_param(cache_model, int, 0444);
MODULE_PARM_DESC(cache_model,
		 "Model CPU caches for the emulated devices on mapped carveouts: 1 on, 0 off, -1 (default) on when the kernel has CONFIG_DMA_API_DEBUG and CONFIG_KPROBES. Reads back what is in effect");

struct importer_model_region {
	phys_addr_t base;
	size_t size;
	u8 *dram;
	u64 *tag;	/* per line: hash of the clean content, 0: dirty */
};

static unsigned long model_cleaned;
module_param(model_cleaned, ulong, 0444);
MODULE_PARM_DESC(model_cleaned,
		 "With the cache model on: bytes of the modelled regions that arch_sync_dma_for_device() cleaned since the module was loaded");

static struct importer_model_region model_regions[IMPORTER_MODEL_REGIONS];
static unsigned int model_nr;
/* Orders the copies between the kprobes and the devices */
static DEFINE_RAW_SPINLOCK(model_lock);
static unsigned int model_line;

static struct importer_model_region *model_region(phys_addr_t phys, size_t len)
{
	unsigned int i;

	for (i = 0; i < model_nr; i++) {
		struct importer_model_region *r = &model_regions[i];

		if (phys >= r->base && len <= r->size &&
		    phys - r->base <= r->size - len)
			return r;
	}
	return NULL;
}

static bool model_region_overlaps(phys_addr_t base, size_t size)
{
	unsigned int i;

	for (i = 0; i < model_nr; i++)
		if (base < model_regions[i].base + model_regions[i].size &&
		    model_regions[i].base < base + size)
			return true;
	return false;
}

/* A line's content as a tag: never 0. */
static u64 model_hash(const void *line)
{
	const u64 *w = line;
	u64 h = 0x243f6a8885a308d3ULL;
	unsigned int i;

	for (i = 0; i < model_line / sizeof(*w); i++) {
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h | 1;
}

enum model_op {
	MODEL_CLEAN,		/* dirty lines to DRAM */
	MODEL_INVAL,		/* DRAM to the CPU, dirty or not */
	MODEL_CLEAN_INVAL,	/* dirty lines to DRAM, the others from it */
};

/*
 * @op on the lines of [@start, @end) (line-aligned), in every region.
 * Return: the bytes of the regions that the range covers.
 */
static size_t model_lines_locked(phys_addr_t start, phys_addr_t end,
				 enum model_op op)
{
	size_t covered = 0;
	unsigned int i;

	for (i = 0; i < model_nr; i++) {
		struct importer_model_region *r = &model_regions[i];
		phys_addr_t s = max(start, r->base);
		phys_addr_t e = min(end, r->base + r->size);

		if (s < e)
			covered += e - s;
		for (; s < e; s += model_line) {
			size_t n = (s - r->base) / model_line;
			u8 *dram = r->dram + (s - r->base);
			u8 *cpu = phys_to_virt(s);
			bool dirty = model_hash(cpu) != r->tag[n];

			if (dirty && op != MODEL_INVAL)
				memcpy(dram, cpu, model_line);
			else if (op != MODEL_CLEAN)
				memcpy(cpu, dram, model_line);
			r->tag[n] = model_hash(cpu);
		}
	}
	return covered;
}

static int model_for_device(struct kprobe *p, struct pt_regs *regs)
{
	phys_addr_t paddr = regs_get_kernel_argument(regs, 0);
	size_t size = regs_get_kernel_argument(regs, 1);
	unsigned long flags;

	raw_spin_lock_irqsave(&model_lock, flags);
	model_cleaned += model_lines_locked(ALIGN_DOWN(paddr, model_line),
					    ALIGN(paddr + size, model_line),
					    MODEL_CLEAN);
	raw_spin_unlock_irqrestore(&model_lock, flags);
	return 0;
}

NOKPROBE_SYMBOL(model_for_device);

static int model_for_cpu(struct kprobe *p, struct pt_regs *regs)
{
	phys_addr_t paddr = regs_get_kernel_argument(regs, 0);
	size_t size = regs_get_kernel_argument(regs, 1);
	int dir = regs_get_kernel_argument(regs, 2);
	phys_addr_t first = ALIGN_DOWN(paddr, model_line);
	phys_addr_t last = ALIGN(paddr + size, model_line);
	phys_addr_t s = ALIGN(paddr, model_line);
	phys_addr_t e = ALIGN_DOWN(paddr + size, model_line);
	unsigned long flags;

	if (dir == DMA_TO_DEVICE)
		return 0;
	raw_spin_lock_irqsave(&model_lock, flags);
	if (s >= e) {
		model_lines_locked(first, last, MODEL_CLEAN_INVAL);
	} else {
		model_lines_locked(first, s, MODEL_CLEAN_INVAL);
		model_lines_locked(e, last, MODEL_CLEAN_INVAL);
		model_lines_locked(s, e, MODEL_INVAL);
	}
	raw_spin_unlock_irqrestore(&model_lock, flags);
	return 0;
}

NOKPROBE_SYMBOL(model_for_cpu);

static struct kprobe model_kp_device = {
	.symbol_name = "arch_sync_dma_for_device",
	.pre_handler = model_for_device,
};

static struct kprobe model_kp_cpu = {
	.symbol_name = "arch_sync_dma_for_cpu",
	.pre_handler = model_for_cpu,
};

/**
 * importer_model_access() - a device access through the model
 * @phys: physical address the bus sends the access to
 * @buf: the device's side of the data
 * @len: bytes; [@phys, @phys + @len) is physically contiguous
 * @to_mem: the device writes memory
 * @coherent: the device snoops the CPU caches
 *
 * Return: true if the model moved the data (the range lies in a modelled
 * region), false if the caller moves it through memory as usual.
 */
bool importer_model_access(phys_addr_t phys, void *buf, size_t len,
			   bool to_mem, bool coherent)
{
	phys_addr_t first = ALIGN_DOWN(phys, model_line);
	phys_addr_t last = ALIGN(phys + len, model_line);
	struct importer_model_region *r;
	unsigned long flags;
	u8 *dram;

	if (!model_nr)
		return false;
	r = model_region(phys, len);
	if (!r)
		return false;
	dram = r->dram + (phys - r->base);

	raw_spin_lock_irqsave(&model_lock, flags);
	if (to_mem && coherent) {
		/* A snooping write: the lines end up clean, in both copies. */
		model_lines_locked(first, last, MODEL_CLEAN);
		memcpy(phys_to_virt(phys), buf, len);
		memcpy(dram, buf, len);
		model_lines_locked(first, last, MODEL_CLEAN);
	} else if (to_mem) {
		memcpy(dram, buf, len);
	} else {
		memcpy(buf, coherent ? phys_to_virt(phys) : dram, len);
	}
	raw_spin_unlock_irqrestore(&model_lock, flags);
	return true;
}

/**
 * importer_model_wrote() - a device wrote memory behind the model's back
 * @phys: physical address it wrote
 * @len: bytes, physically contiguous
 *
 * QEMU's edu moves data with its own DMA, on the memory the CPU sees: to
 * the model that is a coherent write, which reaches DRAM too.
 */
void importer_model_wrote(phys_addr_t phys, size_t len)
{
	unsigned long flags;

	if (!model_nr)
		return;
	/* The lines it touched are clean now, holding what it wrote. */
	raw_spin_lock_irqsave(&model_lock, flags);
	model_lines_locked(ALIGN_DOWN(phys, model_line),
			   ALIGN(phys + len, model_line), MODEL_CLEAN);
	raw_spin_unlock_irqrestore(&model_lock, flags);
}

/* The mapped carveouts: cacheable System RAM in the linear map. */
static int model_find_regions(void)
{
	struct device_node *np;

	for_each_compatible_node(np, NULL, "dma-heap-carveout") {
		struct importer_model_region *r = &model_regions[model_nr];
		struct reserved_mem *rmem;

		if (of_property_read_bool(np, "no-map"))
			continue;
		rmem = of_reserved_mem_lookup(np);
		if (!rmem || !rmem->size || !PAGE_ALIGNED(rmem->base) ||
		    !PAGE_ALIGNED(rmem->size) ||
		    region_intersects(rmem->base, rmem->size,
				      IORESOURCE_SYSTEM_RAM,
				      IORES_DESC_NONE) != REGION_INTERSECTS)
			continue;
		/* The heap refuses overlapping regions: one copy is enough. */
		if (model_region_overlaps(rmem->base, rmem->size))
			continue;
		if (model_nr == IMPORTER_MODEL_REGIONS) {
			of_node_put(np);
			return -ENOSPC;
		}
		r->dram = vmalloc(rmem->size);
		r->tag = vzalloc(rmem->size / model_line * sizeof(*r->tag));
		if (!r->dram || !r->tag) {
			vfree(r->dram);
			vfree(r->tag);
			of_node_put(np);
			return -ENOMEM;
		}
		/*
		 * What happened before is unknown: start from a coherent
		 * machine, DRAM equal to the CPU's view, every line dirty.
		 */
		memcpy(r->dram, phys_to_virt(rmem->base), rmem->size);
		r->base = rmem->base;
		r->size = rmem->size;
		model_nr++;
	}
	return 0;
}

static void model_free_regions(void)
{
	while (model_nr) {
		model_nr--;
		vfree(model_regions[model_nr].dram);
		vfree(model_regions[model_nr].tag);
		model_regions[model_nr].dram = NULL;
		model_regions[model_nr].tag = NULL;
	}
}

/**
 * importer_model_init() - switch the model on if asked (or by default)
 *
 * Return: 0 (also when the model stays off), or -errno when cache_model=1
 * was asked for and cannot be had.
 */
int importer_model_init(void)
{
	bool asked = cache_model == 1;
	int ret;

	if (cache_model == -1)
		cache_model = IS_ENABLED(CONFIG_DMA_API_DEBUG) &&
			      IS_ENABLED(CONFIG_KPROBES);
	if (!cache_model)
		return 0;
	cache_model = 0;
	if (!IS_ENABLED(CONFIG_KPROBES)) {
		pr_info("cache model off: the kernel has no kprobes\n");
		return asked ? -EOPNOTSUPP : 0;
	}

	model_line = cache_line_size();
	ret = model_find_regions();
	if (ret)
		goto fail;
	ret = register_kprobe(&model_kp_device);
	if (ret)
		goto fail;
	ret = register_kprobe(&model_kp_cpu);
	if (ret) {
		unregister_kprobe(&model_kp_device);
		goto fail;
	}
	cache_model = 1;
	pr_info("cache model on: %u mapped carveout region(s), %u-byte lines\n",
		model_nr, model_line);
	return 0;

fail:
	model_free_regions();
	pr_info("cache model off: %d\n", ret);
	return asked ? ret : 0;
}

/* After every device is gone: no access can race with this. */
void importer_model_exit(void)
{
	if (!cache_model)
		return;
	unregister_kprobe(&model_kp_cpu);
	unregister_kprobe(&model_kp_device);
	model_free_regions();
	cache_model = 0;
}
