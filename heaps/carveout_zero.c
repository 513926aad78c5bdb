// SPDX-License-Identifier: GPL-2.0
/*
 * Carveout heap: deferred zeroing
 *
 * Freed ranges are zeroed by a worker before they return to the pool, so
 * the pool holds only clean memory; an allocation that finds no room
 * drains what was dirty when it failed (carveout_zero_drain()).
 * Documentation/heap-design.rst, "Zeroing", has the design: the probe-time
 * pieces, the CPU the worker is queued for, the bounded and killable
 * drain, and the cache policy of the memset (linear map for mapped
 * regions, one write-combine mapping plus wmb() for no-map ones).
 *
 * Locking: a range moves from the dirty list to the zeroing list when
 * someone takes it, and leaves that list under the region lock in the
 * same step that returns it to the pool. Both lists stay in the order the
 * ranges were freed (carveout_range.seq). The lock is never held across a
 * memset.
 *
 * Cleaning: on a mapped (cached) region the zeros land in the CPU caches.
 * Each step of the memset is then cleaned to memory through the DMA API,
 * with a map and unmap for a device of the heap's own that is not
 * coherent, so every range in the pool is clean and the exporter may skip
 * the clean at a device's first map (contig_buffer_info.clean). Where that
 * device would bounce (swiotlb=force) or a map fails, the region stops
 * claiming clean buffers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/cpumask.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swiotlb.h>

#include "carveout_heap.h"

/* memset per step; the zeroing task reschedules between steps */
#define CARVEOUT_ZERO_STEP	SZ_1M
/* size of the dirty pieces a region starts as */
#define CARVEOUT_ZERO_BATCH	SZ_4M

/* The device whose DMA mappings clean what the zeroing wrote; or NULL */
static struct device *carveout_clean_dev;

/**
 * carveout_zero_clean_init() - set up the device that cleans zeroed ranges
 *
 * A platform device of the heap's own, never bound to a driver: not
 * coherent (no DT node says so) and with a 64-bit mask, so a map of it
 * cleans the CPU caches to memory and nothing else. Without it the
 * regions still work; their buffers then start dirty.
 *
 * Context: module init, before any region is probed.
 */
void carveout_zero_clean_init(void)
{
	struct platform_device *pdev;

	pdev = platform_device_register_simple("carveout_heap",
					       PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(pdev)) {
		pr_info("no cleaning device (%ld): buffers start dirty\n",
			PTR_ERR(pdev));
		return;
	}
	if (dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64)) ||
	    is_swiotlb_force_bounce(&pdev->dev)) {
		pr_info("zeroed ranges cannot be cleaned without a bounce: buffers start dirty\n");
		platform_device_unregister(pdev);
		return;
	}
	carveout_clean_dev = &pdev->dev;
}

/* Clean [@offset, @offset + @len) of a mapped region to memory. */
static void carveout_zero_clean(struct carveout_region *r, size_t offset,
				size_t len)
{
	struct page *page = pfn_to_page(PHYS_PFN(r->base + offset));
	struct device *dev = carveout_clean_dev;
	dma_addr_t dma;

	if (!READ_ONCE(r->zero_cleans))
		return;
	dma = dma_map_page(dev, page, 0, len, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, dma)) {
		/* Before the range returns to the pool: no buffer lies. */
		WRITE_ONCE(r->zero_cleans, false);
		pr_warn("%s: cannot clean zeroed memory: its buffers start dirty from now on\n",
			r->name);
		return;
	}
	dma_unmap_page_attrs(dev, dma, len, DMA_TO_DEVICE,
			     DMA_ATTR_SKIP_CPU_SYNC);
}

static void carveout_zero_range(struct carveout_region *r,
				struct carveout_range *range)
{
	char *vaddr = (char *)r->zero_vaddr + range->ext.offset;
	size_t done, len;

	for (done = 0; done < range->ext.size; done += len) {
		len = min_t(size_t, range->ext.size - done, CARVEOUT_ZERO_STEP);
		memset(vaddr + done, 0, len);
		carveout_zero_clean(r, range->ext.offset + done, len);
		cond_resched();
	}
	if (r->no_map)
		wmb();	/* drain write-combine buffers before any device use */
}

/* Claim the oldest dirty range, if it was freed no later than @limit. */
VISIBLE_IF_KUNIT struct carveout_range *
carveout_zero_take(struct carveout_region *r, u64 limit)
{
	struct carveout_range *range;

	spin_lock(&r->lock);
	range = list_first_entry_or_null(&r->dirty, struct carveout_range,
					 node);
	if (range && range->seq <= limit)
		list_move_tail(&range->node, &r->zeroing);
	else
		range = NULL;
	spin_unlock(&r->lock);
	return range;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_zero_take);

/* Move a zeroed range from the zeroing list to the pool in one step. */
VISIBLE_IF_KUNIT void carveout_zero_return(struct carveout_region *r,
					   struct carveout_range *range)
{
	spin_lock(&r->lock);
	list_del(&range->node);
	r->backlog -= range->ext.size;
	carveout_alloc_free(&r->alloc, range->ext.offset, range->ext.size);
	spin_unlock(&r->lock);
	kfree(range);
	wake_up_all(&r->zero_done);
}
EXPORT_SYMBOL_IF_KUNIT(carveout_zero_return);

/* Put a freed range at the tail of the dirty list; the worker is not told. */
VISIBLE_IF_KUNIT void carveout_zero_enqueue(struct carveout_range *range)
{
	struct carveout_region *r = range->region;

	spin_lock(&r->lock);
	range->seq = ++r->dirty_seq;
	list_add_tail(&range->node, &r->dirty);
	r->backlog += range->ext.size;
	spin_unlock(&r->lock);
}
EXPORT_SYMBOL_IF_KUNIT(carveout_zero_enqueue);

/* Is every range freed no later than @limit back in the pool? */
static bool carveout_zero_done(struct carveout_region *r, u64 limit)
{
	struct carveout_range *dirty, *zeroing;
	bool done;

	spin_lock(&r->lock);
	dirty = list_first_entry_or_null(&r->dirty, struct carveout_range,
					 node);
	zeroing = list_first_entry_or_null(&r->zeroing, struct carveout_range,
					   node);
	done = (!dirty || dirty->seq > limit) &&
	       (!zeroing || zeroing->seq > limit);
	spin_unlock(&r->lock);
	return done;
}

static void carveout_zero_worker(struct work_struct *work)
{
	struct carveout_region *r = container_of(work, struct carveout_region,
						 zero_work);
	struct carveout_range *range;

	while ((range = carveout_zero_take(r, U64_MAX))) {
		carveout_zero_range(r, range);
		carveout_zero_return(r, range);
	}
}

/**
 * carveout_zero_free() - queue a freed range for zeroing
 * @range: range of a released buffer; ownership passes to the zeroing
 *	code, which frees it once the range is back in the pool.
 *
 * Context: process context. Does not allocate and does not wait.
 */
void carveout_zero_free(struct carveout_range *range)
{
	struct carveout_region *r = range->region;
	unsigned int cpu;

	carveout_zero_enqueue(range);

	/*
	 * Zero on another CPU than the one that freed the buffer when there
	 * is one: an unbound work item runs in the pod of the CPU it is
	 * queued for, and queued here it would preempt the task that closed
	 * the buffer and charge it the memset that deferring was meant to
	 * spare it (measured by make bench as allocate+close latency).
	 */
	cpu = cpumask_next_wrap(raw_smp_processor_id(), cpu_online_mask,
				raw_smp_processor_id(), false);
	if (cpu >= nr_cpu_ids)
		cpu = WORK_CPU_UNBOUND;
	queue_work_on(cpu, system_unbound_wq, &r->zero_work);
}

/**
 * carveout_zero_drain() - zero, in the caller, the ranges dirty right now
 * @r: region
 *
 * For an allocation that found no room in the pool: zeroes the ranges
 * that are dirty at entry and that nobody is working on, then waits until
 * the ones that others (the worker, other allocating tasks) took are back
 * in the pool too, so that a retry sees every range that was dirty when
 * it was called. Ranges freed later are left to the worker: under steady
 * frees, waiting for them would never end. No lock is held while waiting
 * or zeroing, and a fatal signal ends both.
 *
 * Context: process context, sleeps.
 * Return: 1 if there were dirty ranges, so a retry may succeed; 0 if there
 * were none; -EINTR if a fatal signal is pending.
 */
int carveout_zero_drain(struct carveout_region *r)
{
	struct carveout_range *range;
	bool pending;
	u64 limit;

	spin_lock(&r->lock);
	limit = r->dirty_seq;
	pending = !list_empty(&r->dirty) || !list_empty(&r->zeroing);
	spin_unlock(&r->lock);
	if (!pending)
		return 0;

	while ((range = carveout_zero_take(r, limit))) {
		carveout_zero_range(r, range);
		carveout_zero_return(r, range);
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	if (wait_event_killable(r->zero_done, carveout_zero_done(r, limit)))
		return -EINTR;
	return 1;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_zero_drain);

/**
 * carveout_zero_init() - map a region for zeroing and queue all of it
 * @r: region with its allocator set up; must not have been used yet
 *
 * Takes the whole region out of the pool as dirty and starts the worker,
 * which returns it piece by piece.
 *
 * Return: 0, -ENOMEM, or -ENXIO if the region cannot be mapped.
 */
int carveout_zero_init(struct carveout_region *r)
{
	struct carveout_range *range, *tmp;
	LIST_HEAD(pieces);
	size_t offset, len;
	int ret;

	INIT_LIST_HEAD(&r->dirty);
	INIT_LIST_HEAD(&r->zeroing);
	INIT_WORK(&r->zero_work, carveout_zero_worker);
	init_waitqueue_head(&r->zero_done);

	r->zero_vaddr = memremap(r->base, r->size,
				 r->no_map ? MEMREMAP_WC : MEMREMAP_WB);
	if (!r->zero_vaddr)
		return -ENXIO;
	r->zero_cleans = !r->no_map && carveout_clean_dev;

	ret = carveout_alloc_claim(&r->alloc, 0, r->size);
	if (ret)
		goto unmap;

	for (offset = 0; offset < r->size; offset += len) {
		len = min_t(size_t, r->size - offset, CARVEOUT_ZERO_BATCH);
		range = kzalloc(sizeof(*range), GFP_KERNEL);
		if (!range) {
			ret = -ENOMEM;
			goto free_pieces;
		}
		range->region = r;
		range->ext.offset = offset;
		range->ext.size = len;
		list_add_tail(&range->node, &pieces);
	}

	spin_lock(&r->lock);
	list_for_each_entry(range, &pieces, node)
		range->seq = ++r->dirty_seq;
	list_splice_tail(&pieces, &r->dirty);
	r->backlog = r->size;
	spin_unlock(&r->lock);

	queue_work(system_unbound_wq, &r->zero_work);
	return 0;

free_pieces:
	list_for_each_entry_safe(range, tmp, &pieces, node) {
		list_del(&range->node);
		kfree(range);
	}
	carveout_alloc_free(&r->alloc, 0, r->size);
unmap:
	memunmap(r->zero_vaddr);
	r->zero_vaddr = NULL;
	return ret;
}

/**
 * carveout_zero_destroy() - undo carveout_zero_init()
 * @r: region that was never registered, so no buffer exists
 *
 * Stops the worker, puts the remaining dirty ranges back in the pool
 * unzeroed (the pool is about to be destroyed) and unmaps the region.
 * With the worker stopped and no heap, nobody is zeroing: the zeroing
 * list is empty.
 */
void carveout_zero_destroy(struct carveout_region *r)
{
	struct carveout_range *range, *tmp;

	cancel_work_sync(&r->zero_work);

	list_for_each_entry_safe(range, tmp, &r->dirty, node) {
		list_del(&range->node);
		carveout_alloc_free(&r->alloc, range->ext.offset,
				    range->ext.size);
		kfree(range);
	}
	r->backlog = 0;

	memunmap(r->zero_vaddr);
	r->zero_vaddr = NULL;
}
