// SPDX-License-Identifier: GPL-2.0
/*
 * Carveout range allocator
 *
 * A gen_pool per region, one bit per page. Every allocation is rounded up
 * to whole pages and aligned so that CPU and IOMMU page tables can use
 * their larger entries: a buffer of the region's max-align or more starts
 * on a max-align boundary (block mappings), a smaller one on the largest
 * power of two not above its size, up to CARVEOUT_ALLOC_SMALL_ALIGN
 * (carveout_alloc_align()). A buffer smaller than a block cannot use one
 * anyway, so aligning it further would only leave holes.
 *
 * Placement policy is separate from the mechanism, as in lib/genalloc.c:
 *
 * - best-fit-aligned (default): among the free holes that can hold the
 *   aligned request, take the smallest; ties go to the lowest address.
 *   Small buffers fill small holes and large holes stay whole.
 * - first-fit-aligned: the lowest aligned address that fits. The baseline
 *   for benchmarks.
 */
#include <kunit/visibility.h>
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/error-injection.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "carveout_alloc.h"

/* Alignment of a request, in bits, as bitmap_find_next_zero_area_off wants */
static void carveout_align_bits(const struct carveout_alloc_request *req,
				unsigned long start_addr, unsigned long *mask,
				unsigned long *off)
{
	*mask = (req->align >> PAGE_SHIFT) - 1;
	*off = (start_addr >> PAGE_SHIFT) & *mask;
}

static unsigned long carveout_first_fit_align(unsigned long *map,
					      unsigned long size,
					      unsigned long start,
					      unsigned int nr, void *data,
					      struct gen_pool *pool,
					      unsigned long start_addr)
{
	unsigned long mask, off;

	carveout_align_bits(data, start_addr, &mask, &off);
	return bitmap_find_next_zero_area_off(map, size, start, nr, mask, off);
}

/*
 * The highest start in the free hole [@hole, @end) for @nr bits with
 * (start + @off) & @mask == 0, or @end if there is none.
 */
static unsigned long carveout_top_of_hole(unsigned long hole, unsigned long end,
					  unsigned int nr, unsigned long mask,
					  unsigned long off)
{
	unsigned long top = ((end - nr + off) & ~mask);

	return top >= hole + off ? top - off : end;
}

/*
 * Best fit: the smallest free hole that holds the aligned request. With
 * @top the request goes to the highest aligned start of that hole,
 * otherwise to the lowest.
 */
static unsigned long carveout_best_hole(unsigned long *map, unsigned long size,
					unsigned long start, unsigned int nr,
					void *data, unsigned long start_addr,
					bool top)
{
	unsigned long best = size, best_len = ULONG_MAX;
	unsigned long hole, end, len, bit, mask, off;

	carveout_align_bits(data, start_addr, &mask, &off);

	hole = find_next_zero_bit(map, size, start);
	while (hole < size) {
		end = find_next_bit(map, size, hole);
		len = end - hole;
		if (len >= nr && len < best_len) {
			/* Searching up to @end keeps the fit inside this hole. */
			if (top)
				bit = carveout_top_of_hole(hole, end, nr, mask, off);
			else
				bit = bitmap_find_next_zero_area_off(map, end, hole,
								     nr, mask, off);
			if (bit + nr <= end) {
				best = bit;
				best_len = len;
				if (len == nr)
					break;
			}
		}
		if (end >= size)
			break;
		hole = find_next_zero_bit(map, size, end);
	}
	return best;
}

static unsigned long carveout_best_fit_align(unsigned long *map,
					     unsigned long size,
					     unsigned long start,
					     unsigned int nr, void *data,
					     struct gen_pool *pool,
					     unsigned long start_addr)
{
	return carveout_best_hole(map, size, start, nr, data, start_addr, false);
}

/*
 * Two-ended best fit: large buffers at the low end of their hole, small
 * ones (under CARVEOUT_TWO_ENDED_SPLIT) at the high end, so that small
 * buffers gather away from the room, and the alignment, that large ones
 * need. bench/churn_model.py and Documentation/performance.rst compare it.
 */
#define CARVEOUT_TWO_ENDED_SPLIT	SZ_1M

static unsigned long carveout_two_ended_align(unsigned long *map,
					      unsigned long size,
					      unsigned long start,
					      unsigned int nr, void *data,
					      struct gen_pool *pool,
					      unsigned long start_addr)
{
	bool small = nr < (CARVEOUT_TWO_ENDED_SPLIT >> PAGE_SHIFT);

	return carveout_best_hole(map, size, start, nr, data, start_addr, small);
}

const struct carveout_alloc_policy carveout_policy_best_fit = {
	.name = "best-fit",
	.algo = carveout_best_fit_align,
};
EXPORT_SYMBOL_IF_KUNIT(carveout_policy_best_fit);

const struct carveout_alloc_policy carveout_policy_first_fit = {
	.name = "first-fit",
	.algo = carveout_first_fit_align,
};
EXPORT_SYMBOL_IF_KUNIT(carveout_policy_first_fit);

const struct carveout_alloc_policy carveout_policy_two_ended = {
	.name = "two-ended",
	.algo = carveout_two_ended_align,
};
EXPORT_SYMBOL_IF_KUNIT(carveout_policy_two_ended);

static const struct carveout_alloc_policy *const carveout_policies[] = {
	&carveout_policy_best_fit,
	&carveout_policy_first_fit,
	&carveout_policy_two_ended,
};

/**
 * carveout_alloc_policy_find() - look a policy up by name
 * @name: "best-fit", "first-fit" or "two-ended"; a trailing newline is ignored, so a
 *	string written to a sysfs or debugfs file can be passed as is.
 *
 * Return: the policy, or NULL if @name matches none.
 */
const struct carveout_alloc_policy *carveout_alloc_policy_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(carveout_policies); i++)
		if (sysfs_streq(name, carveout_policies[i]->name))
			return carveout_policies[i];
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_policy_find);

/**
 * carveout_alloc_init() - set up the allocator of one region
 * @a: allocator to initialise
 * @base: physical base of the region, PAGE_SIZE aligned. Only its value
 *	modulo @max_align matters: no memory is touched, so a test may pass
 *	a made-up range.
 * @size: region size, a non-zero multiple of PAGE_SIZE
 * @max_align: alignment of buffers of this size or more, and cap on any
 *	alignment; a power of two >= PAGE_SIZE
 * @policy: initial placement policy
 *
 * The whole region starts free.
 *
 * Return: 0, -EINVAL for a malformed argument, or -ENOMEM.
 */
int carveout_alloc_init(struct carveout_alloc *a, phys_addr_t base,
			size_t size, size_t max_align,
			const struct carveout_alloc_policy *policy)
{
	int ret;

	if (!size || !PAGE_ALIGNED(size) || !PAGE_ALIGNED(base) ||
	    !is_power_of_2(max_align) || max_align < PAGE_SIZE || !policy ||
	    size > ULONG_MAX - 2 * max_align)
		return -EINVAL;

	a->pool = gen_pool_create(PAGE_SHIFT, NUMA_NO_NODE);
	if (!a->pool)
		return -ENOMEM;

	a->pool_base = max_align + (base & (max_align - 1));
	a->size = size;
	a->max_align = max_align;
	a->policy = policy;

	ret = gen_pool_add(a->pool, a->pool_base, size, NUMA_NO_NODE);
	if (ret)
		goto destroy_pool;
	return 0;

destroy_pool:
	gen_pool_destroy(a->pool);
	a->pool = NULL;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_init);

/**
 * carveout_alloc_destroy() - tear down an allocator
 * @a: allocator; every range must have been freed.
 */
void carveout_alloc_destroy(struct carveout_alloc *a)
{
	gen_pool_destroy(a->pool);
	a->pool = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_destroy);

/**
 * carveout_alloc_set_policy() - switch the placement policy
 * @a: allocator
 * @policy: new policy; takes effect with the next allocation.
 */
void carveout_alloc_set_policy(struct carveout_alloc *a,
			       const struct carveout_alloc_policy *policy)
{
	WRITE_ONCE(a->policy, policy);
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_set_policy);

/**
 * carveout_alloc_get_policy() - current placement policy
 * @a: allocator
 *
 * Return: the policy the next allocation will use.
 */
const struct carveout_alloc_policy *
carveout_alloc_get_policy(const struct carveout_alloc *a)
{
	return READ_ONCE(a->policy);
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_get_policy);

/**
 * carveout_alloc_align() - alignment given to a request
 * @a: allocator
 * @size: request size in bytes, non-zero
 *
 * Return: the region's max-align if PAGE_ALIGN(@size) is at least that,
 * else rounddown_pow_of_two(PAGE_ALIGN(@size)) capped at
 * CARVEOUT_ALLOC_SMALL_ALIGN and at max-align. Always a power of two, at
 * least PAGE_SIZE.
 */
size_t carveout_alloc_align(const struct carveout_alloc *a, size_t size)
{
	size = PAGE_ALIGN(size);
	if (size >= a->max_align)
		return a->max_align;
	return min3(rounddown_pow_of_two(size),
		    (size_t)CARVEOUT_ALLOC_SMALL_ALIGN, a->max_align);
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_align);

/**
 * carveout_alloc_range() - allocate a range
 * @a: allocator
 * @size: bytes, rounded up to PAGE_SIZE
 * @offset: on success, offset of the range from the region base
 *
 * The range is aligned as carveout_alloc_align() says and placed by the
 * current policy. Lockless; safe against concurrent calls.
 *
 * Return: 0, -EINVAL if @size is 0, or -ENOMEM if no free hole fits.
 */
int carveout_alloc_range(struct carveout_alloc *a, size_t size,
			 size_t *offset)
{
	const struct carveout_alloc_policy *policy = READ_ONCE(a->policy);
	struct carveout_alloc_request req;
	unsigned long addr;

	if (!size)
		return -EINVAL;
	size = PAGE_ALIGN(size);
	if (!size || size > a->size)
		return -ENOMEM;

	req.align = carveout_alloc_align(a, size);
	addr = gen_pool_alloc_algo(a->pool, size, policy->algo, &req);
	if (!addr)
		return -ENOMEM;

	*offset = addr - a->pool_base;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_range);
/* fail_function: the hardening tests fail placement (reliability.rst). */
ALLOW_ERROR_INJECTION(carveout_alloc_range, ERRNO);

/**
 * carveout_alloc_claim() - allocate a given range
 * @a: allocator
 * @offset: offset from the region base, PAGE_SIZE aligned
 * @size: bytes, a multiple of PAGE_SIZE
 *
 * For ranges that must leave the pool at a fixed place, such as the whole
 * region while it waits for its first zeroing.
 *
 * Return: 0, -EINVAL for a range outside the region or not page aligned,
 * -EBUSY if part of it is allocated.
 */
int carveout_alloc_claim(struct carveout_alloc *a, size_t offset,
			 size_t size)
{
	struct genpool_data_fixed fixed = { .offset = offset };

	if (!size || !PAGE_ALIGNED(offset) || !PAGE_ALIGNED(size) ||
	    offset > a->size || size > a->size - offset)
		return -EINVAL;

	if (!gen_pool_alloc_algo(a->pool, size, gen_pool_fixed_alloc, &fixed))
		return -EBUSY;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_claim);

/**
 * carveout_alloc_free() - free a range
 * @a: allocator
 * @offset: offset returned by carveout_alloc_range(), or a page-aligned
 *	part of an allocated range
 * @size: bytes, rounded up to PAGE_SIZE
 */
void carveout_alloc_free(struct carveout_alloc *a, size_t offset,
			 size_t size)
{
	gen_pool_free(a->pool, a->pool_base + offset, PAGE_ALIGN(size));
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_free);

/**
 * carveout_alloc_avail() - free bytes in the pool
 * @a: allocator
 *
 * Return: bytes not allocated, wherever they are.
 */
size_t carveout_alloc_avail(struct carveout_alloc *a)
{
	return gen_pool_avail(a->pool);
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_avail);

/**
 * carveout_alloc_nbits() - size of the allocation bitmap
 * @a: allocator
 *
 * Return: number of bits (pages) for carveout_alloc_copy_bitmap().
 */
unsigned long carveout_alloc_nbits(const struct carveout_alloc *a)
{
	return a->size >> PAGE_SHIFT;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_nbits);

static void carveout_copy_chunk(struct gen_pool *pool,
				struct gen_pool_chunk *chunk, void *data)
{
	unsigned long nbits = (chunk->end_addr - chunk->start_addr + 1) >>
			      pool->min_alloc_order;

	bitmap_copy(data, chunk->bits, nbits);
}

/**
 * carveout_alloc_copy_bitmap() - snapshot the allocation bitmap
 * @a: allocator
 * @bits: carveout_alloc_nbits() bits; bit n set means page n is allocated
 *
 * The copy is not atomic against concurrent allocations; it is meant for
 * statistics. Does not sleep.
 */
void carveout_alloc_copy_bitmap(struct carveout_alloc *a, unsigned long *bits)
{
	gen_pool_for_each_chunk(a->pool, carveout_copy_chunk, bits);
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_copy_bitmap);

/**
 * carveout_alloc_largest_run() - largest run of clear bits in a bitmap
 * @bits: bitmap, a bit per page, set when allocated
 * @nbits: bits in @bits
 *
 * Return: length of the longest run of clear bits, in bytes.
 */
size_t carveout_alloc_largest_run(const unsigned long *bits,
				  unsigned long nbits)
{
	unsigned long start, end, best = 0;

	start = find_first_zero_bit(bits, nbits);
	while (start < nbits) {
		end = find_next_bit(bits, nbits, start);
		best = max(best, end - start);
		if (end >= nbits)
			break;
		start = find_next_zero_bit(bits, nbits, end);
	}
	return (size_t)best << PAGE_SHIFT;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_largest_run);

static void carveout_largest_chunk(struct gen_pool *pool,
				   struct gen_pool_chunk *chunk, void *data)
{
	unsigned long nbits = (chunk->end_addr - chunk->start_addr + 1) >>
			      pool->min_alloc_order;
	size_t *largest = data;

	*largest = max(*largest, carveout_alloc_largest_run(chunk->bits, nbits));
}

/**
 * carveout_alloc_largest_free() - largest free extent in the pool
 * @a: allocator
 *
 * The largest allocation that could succeed ignoring alignment is this
 * size; an aligned one may need more.
 *
 * Return: bytes in the longest run of free pages.
 */
size_t carveout_alloc_largest_free(struct carveout_alloc *a)
{
	size_t largest = 0;

	gen_pool_for_each_chunk(a->pool, carveout_largest_chunk, &largest);
	return largest;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_alloc_largest_free);
