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

struct dentry;
struct dma_heap;
struct kobject;

/**
 * struct carveout_range - a range of a region, live or waiting for zeroing
 * @region: region the range belongs to
 * @offset: offset from the region base
 * @size: bytes, a multiple of PAGE_SIZE
 * @node: entry in &carveout_region.dirty once freed
 * @busy: being zeroed by the worker or by an allocating task
 *
 * Allocated with the buffer, so that freeing a buffer never allocates.
 */
struct carveout_range {
	struct carveout_region *region;
	size_t offset;
	size_t size;
	struct list_head node;
	bool busy;
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
 * @zero_work: background zeroing
 * @zero_done: woken whenever a zeroed range returns to the pool
 * @zeroing: ranges being zeroed right now (marked busy)
 * @lock: protects @dirty, every &carveout_range.busy, @backlog and the
 *	counters below; never held across zeroing
 * @dirty: freed ranges not yet zeroed; still allocated in @alloc
 * @backlog: bytes on @dirty
 * @used: bytes in live buffers
 * @peak: highest @used seen
 * @live: live buffers
 * @failures: failed allocation requests, for any reason
 * @debugfs: debugfs directory
 * @kobj: sysfs directory
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
	struct work_struct zero_work;
	wait_queue_head_t zero_done;
	unsigned int zeroing;

	spinlock_t lock;		/* dirty list, busy flags, counters */
	struct list_head dirty;
	size_t backlog;
	size_t used;
	size_t peak;
	unsigned long live;
	unsigned long failures;

	struct dentry *debugfs;
	struct kobject *kobj;
};

/* carveout_zero.c */
int carveout_zero_init(struct carveout_region *r);
void carveout_zero_destroy(struct carveout_region *r);
void carveout_zero_free(struct carveout_range *range);
bool carveout_zero_drain(struct carveout_region *r);
size_t carveout_zero_largest_free(struct carveout_region *r);

/* carveout_stats.c */
int carveout_stats_init(void);
int carveout_stats_register(struct carveout_region *r);
void carveout_stats_unregister(struct carveout_region *r);
void carveout_stats_alloc(struct carveout_region *r, size_t size);
void carveout_stats_free(struct carveout_region *r, size_t size);
void carveout_stats_failure(struct carveout_region *r);

#endif /* _CARVEOUT_HEAP_H */
