/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Carveout range allocator: lib/genalloc with a swappable placement policy.
 *
 * The mechanism is genalloc's bitmap, one bit per page. The policy is a
 * genpool_algo_t picked per allocation, so it can be switched at run time
 * (a benchmark runs first-fit against best-fit on the same region).
 */
#ifndef _CARVEOUT_ALLOC_H
#define _CARVEOUT_ALLOC_H

#include <linux/genalloc.h>
#include <linux/minmax.h>
#include <linux/sizes.h>
#include <linux/types.h>

/*
 * Alignment cap of buffers smaller than the region's max-align: the span
 * of a contiguous run of page-table entries that arm64 maps as one TLB
 * entry with 4 KiB pages (64 KiB); with 64 KiB pages, one page.
 */
#define CARVEOUT_ALLOC_SMALL_ALIGN	max_t(size_t, SZ_64K, PAGE_SIZE)

/**
 * struct carveout_alloc_policy - a placement policy
 * @name: stable name, as written to the policy knobs ("best-fit").
 * @algo: genalloc search function. It receives a
 *	&struct carveout_alloc_request as its data.
 */
struct carveout_alloc_policy {
	const char *name;
	genpool_algo_t algo;
};

/**
 * struct carveout_alloc_request - per-allocation data for the policies
 * @align: required alignment of the physical address, in bytes; a power of
 *	two, at least PAGE_SIZE.
 */
struct carveout_alloc_request {
	unsigned long align;
};

/**
 * struct carveout_alloc - allocator state of one region
 * @pool: genalloc pool; genalloc itself is lockless.
 * @pool_base: address of offset 0 in @pool's address space.
 * @size: region size in bytes.
 * @max_align: alignment of buffers of this size or more, and cap on any
 *	alignment; a power of two >= PAGE_SIZE.
 * @policy: current policy; read once per allocation, so switching it at
 *	any time is safe.
 *
 * Ranges are handed out as byte offsets into the region. Pool addresses
 * are offsets moved by a bias (@pool_base) that is non-zero, because
 * genalloc reports failure as address 0, and congruent to the physical
 * base modulo @max_align, so that aligning a pool address aligns the
 * physical address.
 */
struct carveout_alloc {
	struct gen_pool *pool;
	unsigned long pool_base;
	size_t size;
	size_t max_align;
	const struct carveout_alloc_policy *policy;
};

extern const struct carveout_alloc_policy carveout_policy_best_fit;
extern const struct carveout_alloc_policy carveout_policy_first_fit;
extern const struct carveout_alloc_policy carveout_policy_two_ended;

const struct carveout_alloc_policy *carveout_alloc_policy_find(const char *name);

int carveout_alloc_init(struct carveout_alloc *a, phys_addr_t base,
			size_t size, size_t max_align,
			const struct carveout_alloc_policy *policy);
void carveout_alloc_destroy(struct carveout_alloc *a);

void carveout_alloc_set_policy(struct carveout_alloc *a,
			       const struct carveout_alloc_policy *policy);
const struct carveout_alloc_policy *
carveout_alloc_get_policy(const struct carveout_alloc *a);

size_t carveout_alloc_align(const struct carveout_alloc *a, size_t size);
int carveout_alloc_range(struct carveout_alloc *a, size_t size,
			 size_t *offset);
int carveout_alloc_claim(struct carveout_alloc *a, size_t offset,
			 size_t size);
void carveout_alloc_free(struct carveout_alloc *a, size_t offset,
			 size_t size);

size_t carveout_alloc_avail(struct carveout_alloc *a);
unsigned long carveout_alloc_nbits(const struct carveout_alloc *a);
void carveout_alloc_copy_bitmap(struct carveout_alloc *a,
				unsigned long *bits);
size_t carveout_alloc_largest_run(const unsigned long *bits,
				  unsigned long nbits);
size_t carveout_alloc_largest_free(struct carveout_alloc *a);

#endif /* _CARVEOUT_ALLOC_H */
