/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Carveout heap internals shared by carveout_main.c (DT and dma-heap),
 * carveout_zero.c (deferred zeroing) and carveout_stats.c (debugfs, sysfs).
 */
#ifndef _CARVEOUT_HEAP_H
#define _CARVEOUT_HEAP_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "carveout_alloc.h"
#include "carveout_extent.h"

struct dentry;
struct dma_heap;
struct device_node;
struct kobject;

/**
 * struct carveout_range - a range of a region, live or waiting for zeroing
 * @region: region the range belongs to
 * @ext: offset from the region base and size in bytes (a multiple of
 *	PAGE_SIZE); in &carveout_region.live_ranges while the buffer lives
 * @node: once freed, entry in &carveout_region.dirty, then in
 *	&carveout_region.zeroing while someone zeroes it
 * @seq: when it joined the dirty list; the lists are in @seq order
 *
 * Allocated with the buffer, so that freeing a buffer never allocates.
 */
struct carveout_range {
	struct carveout_region *region;
	struct carveout_extent ext;
	struct list_head node;
	u64 seq;
};

/**
 * struct carveout_region - one reserved-memory region and its heap
 * @name: heap name; also the dma-buf exp_name, so it lives forever
 * @base: physical base
 * @size: bytes
 * @max_align: cap on natural alignment of buffers
 * @no_map: outside the linear map: uncached heap
 * @alloc: range allocator
 * @heap: the registered dma-heap
 * @list: entry in the list of accepted regions
 * @zero_vaddr: kernel mapping of the whole region used for zeroing:
 *	the linear map (mapped) or a write-combine mapping (no-map)
 * @zero_cleans: every range in the pool is clean in the CPU caches (a
 *	mapped region whose zeroing cleans); cleared, never set again, if
 *	a clean fails
 * @zero_work: background zeroing
 * @zero_done: woken whenever a zeroed range returns to the pool
 * @lock: protects @dirty, @zeroing, @dirty_seq, @live_ranges, @backlog
 *	and the counters below; never held across zeroing
 * @dirty: freed ranges nobody zeroes yet; still allocated in @alloc
 * @zeroing: ranges being zeroed right now, by the worker or by an
 *	allocating task; still allocated in @alloc
 * @dirty_seq: &carveout_range.seq of the last range freed
 * @live_ranges: live buffers' ranges, for the largest free extent
 * @backlog: bytes on @dirty and @zeroing
 * @used: bytes in live buffers
 * @peak: highest @used seen
 * @live: live buffers
 * @failures: failed allocation requests, for any reason
 * @debugfs: debugfs directory
 * @kobj: sysfs directory
 * @np: the reserved-memory node the region came from (a reference)
 */
struct carveout_region {
	const char *name;
	phys_addr_t base;
	size_t size;
	size_t max_align;
	bool no_map;
	struct carveout_alloc alloc;
	struct dma_heap *heap;
	struct list_head list;

	void *zero_vaddr;
	bool zero_cleans;
	struct work_struct zero_work;
	wait_queue_head_t zero_done;

	spinlock_t lock;		/* lists, live index, counters */
	struct list_head dirty;
	struct list_head zeroing;
	u64 dirty_seq;
	struct carveout_extents live_ranges;
	size_t backlog;
	size_t used;
	size_t peak;
	unsigned long live;
	unsigned long failures;

	struct dentry *debugfs;
	struct kobject *kobj;
	struct device_node *np;
};

/* carveout_zero.c */
void carveout_zero_clean_init(void);
int carveout_zero_init(struct carveout_region *r);
void carveout_zero_destroy(struct carveout_region *r);
void carveout_zero_free(struct carveout_range *range);
int carveout_zero_drain(struct carveout_region *r);
#if IS_ENABLED(CONFIG_KUNIT)
/* Exported to the KUnit suite only (EXPORTED_FOR_KUNIT_TESTING). */
struct carveout_range *carveout_zero_take(struct carveout_region *r,
					  u64 limit);
void carveout_zero_return(struct carveout_region *r,
			  struct carveout_range *range);
void carveout_zero_enqueue(struct carveout_range *range);
#endif

/* carveout_stats.c */
int carveout_stats_init(void);
int carveout_stats_register(struct carveout_region *r);
void carveout_stats_unregister(struct carveout_region *r);
void carveout_stats_alloc(struct carveout_range *range);
void carveout_stats_free(struct carveout_range *range);
void carveout_stats_failure(struct carveout_region *r);
size_t carveout_stats_largest_free(struct carveout_region *r);

#endif /* _CARVEOUT_HEAP_H */
