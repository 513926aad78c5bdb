// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the carveout range allocator
 *
 * The allocator never touches the memory it manages, so every test runs
 * on a made-up physical range: no reserved memory is needed. Offsets and
 * sizes are in pages so that the tests hold for any PAGE_SIZE.
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/prandom.h>

#include "carveout_alloc.h"
#include "carveout_extent.h"
#include "dmabuf_compat.h"

#define P(n)		((size_t)(n) << PAGE_SHIFT)
/* A fake region base, aligned well beyond any max-align used below */
#define FAKE_BASE	((phys_addr_t)0x80000000)

struct carveout_alloc_test {
	struct carveout_alloc a;
	bool ready;
};

static void carveout_test_setup(struct kunit *test, phys_addr_t base,
				size_t size, size_t max_align,
				const struct carveout_alloc_policy *policy)
{
	struct carveout_alloc_test *t = test->priv;
	int ret;

	ret = carveout_alloc_init(&t->a, base, size, max_align, policy);
	KUNIT_ASSERT_EQ(test, ret, 0);
	t->ready = true;
}

static size_t carveout_test_get(struct kunit *test, size_t size)
{
	struct carveout_alloc_test *t = test->priv;
	size_t offset = SIZE_MAX;

	KUNIT_ASSERT_EQ(test, carveout_alloc_range(&t->a, size, &offset), 0);
	return offset;
}

static int carveout_test_init(struct kunit *test)
{
	struct carveout_alloc_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	return 0;
}

/* genalloc refuses to destroy a pool with live ranges: free them all. */
static void carveout_test_exit(struct kunit *test)
{
	struct carveout_alloc_test *t = test->priv;
	unsigned long nbits, bit;
	unsigned long *bits;

	if (!t->ready)
		return;

	nbits = carveout_alloc_nbits(&t->a);
	bits = bitmap_zalloc(nbits, GFP_KERNEL);
	if (bits) {
		carveout_alloc_copy_bitmap(&t->a, bits);
		for_each_set_bit(bit, bits, nbits)
			carveout_alloc_free(&t->a, P(bit), P(1));
		bitmap_free(bits);
	}
	carveout_alloc_destroy(&t->a);
}

static void carveout_alloc_test_policy_names(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, carveout_alloc_policy_find("best-fit"),
			    &carveout_policy_best_fit);
	KUNIT_EXPECT_PTR_EQ(test, carveout_alloc_policy_find("first-fit\n"),
			    &carveout_policy_first_fit);
	KUNIT_EXPECT_PTR_EQ(test, carveout_alloc_policy_find("two-ended"),
			    &carveout_policy_two_ended);
	KUNIT_EXPECT_NULL(test, carveout_alloc_policy_find("worst-fit"));
}

static void carveout_alloc_test_init_rejects(struct kunit *test)
{
	struct carveout_alloc a;

	KUNIT_EXPECT_EQ(test, carveout_alloc_init(&a, FAKE_BASE, 0, P(1),
						  &carveout_policy_best_fit),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, carveout_alloc_init(&a, FAKE_BASE, P(1) + 1, P(1),
						  &carveout_policy_best_fit),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, carveout_alloc_init(&a, FAKE_BASE, P(4), P(3),
						  &carveout_policy_best_fit),
			-EINVAL);
}

static void carveout_alloc_test_page_granular(struct kunit *test)
{
	struct carveout_alloc_test *t = test->priv;

	carveout_test_setup(test, FAKE_BASE, P(16), P(16),
			    &carveout_policy_best_fit);

	KUNIT_EXPECT_EQ(test, carveout_test_get(test, 1), 0);
	KUNIT_EXPECT_EQ(test, carveout_alloc_avail(&t->a), P(15));
	KUNIT_EXPECT_EQ(test, carveout_alloc_align(&t->a, 1), P(1));
	/* The next page is free: a 1-byte request took exactly one page. */
	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(1)), P(1));
}

/*
 * max-align or more: aligned to max-align. Less: to the largest power of
 * two not above the size, at most CARVEOUT_ALLOC_SMALL_ALIGN (64 KiB).
 */
static void carveout_alloc_test_alignment_rule(struct kunit *test)
{
	struct carveout_alloc_test *t = test->priv;
	size_t small = CARVEOUT_ALLOC_SMALL_ALIGN, off;
	bool pages_4k = PAGE_SIZE == SZ_4K;

	carveout_test_setup(test, FAKE_BASE, SZ_16M, SZ_2M,
			    &carveout_policy_first_fit);

	KUNIT_EXPECT_EQ(test, carveout_alloc_align(&t->a, SZ_2M), SZ_2M);
	KUNIT_EXPECT_EQ(test, carveout_alloc_align(&t->a, SZ_2M + 1), SZ_2M);
	KUNIT_EXPECT_EQ(test, carveout_alloc_align(&t->a, SZ_8M), SZ_2M);
	/* A 720p frame (1.3 MiB) cannot use a 2 MiB block: no 2 MiB start. */
	KUNIT_EXPECT_EQ(test, carveout_alloc_align(&t->a, 1382400), small);
	KUNIT_EXPECT_EQ(test, carveout_alloc_align(&t->a, SZ_64K + 1),
			pages_4k ? SZ_64K : PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, carveout_alloc_align(&t->a, 3 * PAGE_SIZE),
			pages_4k ? SZ_8K : SZ_64K);
	KUNIT_EXPECT_EQ(test, carveout_alloc_align(&t->a, 1), PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(1)), 0);
	/* 1.5 MiB starts at the next 64 KiB boundary, not at 2 MiB. */
	off = carveout_test_get(test, SZ_1M + SZ_512K);
	KUNIT_EXPECT_EQ(test, off, small);
	/* 2 MiB and more: the next 2 MiB boundary. */
	off = carveout_test_get(test, SZ_2M + P(1));
	KUNIT_EXPECT_EQ(test, off, SZ_2M);
	/* The gap the 64 KiB start left (none with 64 KiB pages) is used. */
	off = carveout_test_get(test, P(1));
	KUNIT_EXPECT_EQ(test, off,
			P(1) < small ? P(1) : small + SZ_1M + SZ_512K);
}

/* Alignment is of the physical address, whatever the region base is. */
static void carveout_alloc_test_physical_alignment(struct kunit *test)
{
	phys_addr_t base = FAKE_BASE + P(1);
	size_t off;

	carveout_test_setup(test, base, P(64), P(4),
			    &carveout_policy_best_fit);

	off = carveout_test_get(test, P(4));
	KUNIT_EXPECT_EQ(test, (base + off) % P(4), 0);
	KUNIT_EXPECT_EQ(test, off, P(3));
	off = carveout_test_get(test, P(16));
	KUNIT_EXPECT_EQ(test, (base + off) % P(4), 0);
}

static void carveout_alloc_test_alignment_cap(struct kunit *test)
{
	struct carveout_alloc_test *t = test->priv;

	carveout_test_setup(test, FAKE_BASE, P(64), P(4),
			    &carveout_policy_first_fit);

	KUNIT_EXPECT_EQ(test, carveout_alloc_align(&t->a, P(16)), P(4));
	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(1)), 0);
	/* 16 pages are more than max-align: aligned to max-align, 4. */
	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(16)), P(4));
}

/*
 * Allocate every page of a @npages region one by one, then free the pages
 * in @holes, to leave a known pattern of free holes.
 */
static void carveout_test_punch(struct kunit *test, unsigned int npages,
				const unsigned int *holes, unsigned int nholes)
{
	struct carveout_alloc_test *t = test->priv;
	unsigned int i;

	for (i = 0; i < npages; i++)
		KUNIT_ASSERT_EQ(test, carveout_test_get(test, P(1)), P(i));
	for (i = 0; i < nholes; i++)
		carveout_alloc_free(&t->a, P(holes[i]), P(1));
}

/* Holes: pages 1-3 (three pages) and page 8 (one page). */
static const unsigned int carveout_test_holes[] = { 1, 2, 3, 8 };

static void carveout_alloc_test_best_fit_smallest_hole(struct kunit *test)
{
	carveout_test_setup(test, FAKE_BASE, P(16), P(16),
			    &carveout_policy_best_fit);
	carveout_test_punch(test, 16, carveout_test_holes,
			    ARRAY_SIZE(carveout_test_holes));

	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(1)), P(8));
}

static void carveout_alloc_test_first_fit_first_hole(struct kunit *test)
{
	carveout_test_setup(test, FAKE_BASE, P(16), P(16),
			    &carveout_policy_first_fit);
	carveout_test_punch(test, 16, carveout_test_holes,
			    ARRAY_SIZE(carveout_test_holes));

	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(1)), P(1));
}

/* Two-ended: buffers under 1 MiB from the top of the region, others low. */
static void carveout_alloc_test_two_ended_ends(struct kunit *test)
{
	carveout_test_setup(test, FAKE_BASE, SZ_4M, P(1),
			    &carveout_policy_two_ended);

	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(1)), SZ_4M - P(1));
	KUNIT_EXPECT_EQ(test, carveout_test_get(test, SZ_1M), 0);
	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(1)), SZ_4M - P(2));
	KUNIT_EXPECT_EQ(test, carveout_test_get(test, SZ_1M), SZ_1M);
}

/* The top placement keeps the physical alignment of an unaligned base. */
static void carveout_alloc_test_two_ended_top_aligned(struct kunit *test)
{
	struct carveout_alloc_test *t = test->priv;
	phys_addr_t base = FAKE_BASE + P(1);
	size_t align, off;

	carveout_test_setup(test, base, SZ_4M, P(4), &carveout_policy_two_ended);
	align = carveout_alloc_align(&t->a, P(4));
	off = carveout_test_get(test, P(4));
	KUNIT_EXPECT_EQ(test, (base + off) % align, 0);
	KUNIT_EXPECT_LE(test, off + P(4), SZ_4M);
	/* The highest such start: one alignment step up would not fit. */
	KUNIT_EXPECT_GT(test, off + P(4) + align, SZ_4M);
}

/*
 * Holes: pages 0-1 (two pages, 2-aligned) and page 4. Requests: one page,
 * then two. First-fit puts the page at 0 and leaves no aligned pair;
 * best-fit puts it in the one-page hole and the pair still fits.
 */
static const unsigned int carveout_test_frag_holes[] = { 0, 1, 4 };

static void carveout_alloc_test_fragmentation(struct kunit *test)
{
	struct carveout_alloc_test *t = test->priv;
	size_t off;

	carveout_test_setup(test, FAKE_BASE, P(8), P(8),
			    &carveout_policy_first_fit);
	carveout_test_punch(test, 8, carveout_test_frag_holes,
			    ARRAY_SIZE(carveout_test_frag_holes));

	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(1)), 0);
	KUNIT_EXPECT_EQ(test, carveout_alloc_range(&t->a, P(2), &off), -ENOMEM);

	/* Same pattern, best-fit: switched at run time on the same pool. */
	carveout_alloc_free(&t->a, 0, P(1));
	carveout_alloc_set_policy(&t->a, &carveout_policy_best_fit);
	KUNIT_EXPECT_PTR_EQ(test, carveout_alloc_get_policy(&t->a),
			    &carveout_policy_best_fit);

	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(1)), P(4));
	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(2)), 0);
	KUNIT_EXPECT_EQ(test, carveout_alloc_avail(&t->a), 0);
}

static void carveout_alloc_test_exhaustion_recovery(struct kunit *test)
{
	struct carveout_alloc_test *t = test->priv;
	size_t off, first;
	unsigned int n = 0;

	carveout_test_setup(test, FAKE_BASE, P(32), P(4),
			    &carveout_policy_best_fit);

	while (!carveout_alloc_range(&t->a, P(4), &off))
		n++;
	KUNIT_EXPECT_EQ(test, n, 8);
	KUNIT_EXPECT_EQ(test, carveout_alloc_avail(&t->a), 0);
	KUNIT_EXPECT_EQ(test, carveout_alloc_range(&t->a, P(1), &off), -ENOMEM);
	/* Larger than the region: fails without a search. */
	KUNIT_EXPECT_EQ(test, carveout_alloc_range(&t->a, P(33), &off), -ENOMEM);

	first = P(8);
	carveout_alloc_free(&t->a, first, P(4));
	KUNIT_EXPECT_EQ(test, carveout_test_get(test, P(4)), first);
	KUNIT_EXPECT_EQ(test, carveout_alloc_range(&t->a, P(1), &off), -ENOMEM);
}

static void carveout_alloc_test_largest_free(struct kunit *test)
{
	struct carveout_alloc_test *t = test->priv;
	size_t a, b, c;

	carveout_test_setup(test, FAKE_BASE, P(32), P(4),
			    &carveout_policy_first_fit);
	KUNIT_EXPECT_EQ(test, carveout_alloc_largest_free(&t->a), P(32));

	a = carveout_test_get(test, P(4));	/* pages 0-3 */
	b = carveout_test_get(test, P(4));	/* pages 4-7 */
	c = carveout_test_get(test, P(4));	/* pages 8-11 */
	KUNIT_EXPECT_EQ(test, carveout_alloc_largest_free(&t->a), P(20));

	carveout_alloc_free(&t->a, b, P(4));
	KUNIT_EXPECT_EQ(test, carveout_alloc_largest_free(&t->a), P(20));
	KUNIT_EXPECT_EQ(test, carveout_alloc_avail(&t->a), P(24));

	carveout_alloc_free(&t->a, c, P(4));
	KUNIT_EXPECT_EQ(test, carveout_alloc_largest_free(&t->a), P(28));

	carveout_alloc_free(&t->a, a, P(4));
	KUNIT_EXPECT_EQ(test, carveout_alloc_largest_free(&t->a), P(32));
	KUNIT_EXPECT_EQ(test, carveout_alloc_avail(&t->a), P(32));
}

static void carveout_alloc_test_claim(struct kunit *test)
{
	struct carveout_alloc_test *t = test->priv;

	carveout_test_setup(test, FAKE_BASE, P(16), P(16),
			    &carveout_policy_best_fit);

	KUNIT_EXPECT_EQ(test, carveout_alloc_claim(&t->a, P(4), P(4)), 0);
	KUNIT_EXPECT_EQ(test, carveout_alloc_claim(&t->a, P(6), P(1)), -EBUSY);
	KUNIT_EXPECT_EQ(test, carveout_alloc_claim(&t->a, P(15), P(2)), -EINVAL);
	KUNIT_EXPECT_EQ(test, carveout_alloc_largest_free(&t->a), P(8));

	/* A claimed range may be given back piece by piece. */
	carveout_alloc_free(&t->a, P(4), P(2));
	carveout_alloc_free(&t->a, P(6), P(2));
	KUNIT_EXPECT_EQ(test, carveout_alloc_largest_free(&t->a), P(16));
}

static void carveout_alloc_test_largest_run(struct kunit *test)
{
	unsigned long bits[1] = { 0 };

	KUNIT_EXPECT_EQ(test, carveout_alloc_largest_run(bits, 10), P(10));
	bitmap_set(bits, 3, 2);		/* free: 0-2, 5-9 */
	KUNIT_EXPECT_EQ(test, carveout_alloc_largest_run(bits, 10), P(5));
	bitmap_set(bits, 0, 10);
	KUNIT_EXPECT_EQ(test, carveout_alloc_largest_run(bits, 10), 0);
}

static void carveout_test_extent(struct carveout_extents *x,
				 struct carveout_extent *e, size_t offset,
				 size_t size)
{
	e->offset = offset;
	e->size = size;
	carveout_extents_insert(x, e);
}

/* Gaps before, between and after extents, as they come and go. */
static void carveout_alloc_test_extents_gaps(struct kunit *test)
{
	struct carveout_extent e[3];
	struct carveout_extents x;

	carveout_extents_init(&x, P(32));
	KUNIT_EXPECT_EQ(test, carveout_extents_largest_gap(&x), P(32));

	carveout_test_extent(&x, &e[0], P(10), P(4));	/* gaps 10, 18 */
	KUNIT_EXPECT_EQ(test, carveout_extents_largest_gap(&x), P(18));
	carveout_test_extent(&x, &e[1], P(20), P(2));	/* 10, 6, 10 */
	KUNIT_EXPECT_EQ(test, carveout_extents_largest_gap(&x), P(10));
	carveout_test_extent(&x, &e[2], P(0), P(3));	/* 7, 6, 10 */
	KUNIT_EXPECT_EQ(test, carveout_extents_largest_gap(&x), P(10));

	carveout_extents_remove(&x, &e[1]);		/* 7, 18 */
	KUNIT_EXPECT_EQ(test, carveout_extents_largest_gap(&x), P(18));
	carveout_extents_remove(&x, &e[0]);		/* 29 */
	KUNIT_EXPECT_EQ(test, carveout_extents_largest_gap(&x), P(29));
	carveout_extents_remove(&x, &e[2]);
	KUNIT_EXPECT_EQ(test, carveout_extents_largest_gap(&x), P(32));
}

/* The largest run of pages that no live extent covers, the slow way. */
static size_t carveout_test_brute_gap(struct kunit *test,
				      const struct carveout_extent *live,
				      const bool *in, unsigned int n,
				      unsigned long nbits)
{
	unsigned long *bits;
	unsigned int i;
	size_t largest;

	bits = bitmap_zalloc(nbits, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bits);
	for (i = 0; i < n; i++)
		if (in[i])
			bitmap_set(bits, live[i].offset >> PAGE_SHIFT,
				   live[i].size >> PAGE_SHIFT);
	largest = carveout_alloc_largest_run(bits, nbits);
	bitmap_free(bits);
	return largest;
}

/*
 * Random allocations and frees, as the heap does them: a live buffer is
 * in the index; a freed one leaves the index at once but, half the time,
 * stays allocated in the pool for a while (dirty, waiting for zeroing).
 * After every step the O(1) answer must equal a walk over the pages, and
 * with nothing dirty, the pool's own largest free run.
 */
static void carveout_alloc_test_extents_match_brute_force(struct kunit *test)
{
	enum { SLOTS = 64, STEPS = 3000, NPAGES = 1024 };
	struct carveout_alloc_test *t = test->priv;
	struct carveout_extent *live;
	struct carveout_extents x;
	struct rnd_state rnd;
	unsigned int i, step, ndirty = 0;
	bool *in, *dirty;
	size_t off;

	live = kunit_kcalloc(test, SLOTS, sizeof(*live), GFP_KERNEL);
	in = kunit_kcalloc(test, SLOTS, sizeof(*in), GFP_KERNEL);
	dirty = kunit_kcalloc(test, SLOTS, sizeof(*dirty), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, live);
	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, dirty);
	prandom_seed_state(&rnd, 0xca7e0u);
	carveout_test_setup(test, FAKE_BASE, P(NPAGES), P(16),
			    &carveout_policy_best_fit);
	carveout_extents_init(&x, P(NPAGES));

	for (step = 0; step < STEPS; step++) {
		i = prandom_u32_state(&rnd) % SLOTS;
		if (step % 500 == 0)
			carveout_alloc_set_policy(&t->a, step % 1000 ?
						  &carveout_policy_first_fit :
						  &carveout_policy_best_fit);
		if (in[i]) {
			carveout_extents_remove(&x, &live[i]);
			in[i] = false;
			if (prandom_u32_state(&rnd) & 1) {
				dirty[i] = true;
				ndirty++;
			} else {
				carveout_alloc_free(&t->a, live[i].offset,
						    live[i].size);
			}
		} else if (dirty[i]) {
			carveout_alloc_free(&t->a, live[i].offset,
					    live[i].size);
			dirty[i] = false;
			ndirty--;
		} else {
			size_t size = P(1 + prandom_u32_state(&rnd) % 64);

			if (carveout_alloc_range(&t->a, size, &off))
				continue;
			carveout_test_extent(&x, &live[i], off, size);
			in[i] = true;
		}
		KUNIT_ASSERT_EQ_MSG(test, carveout_extents_largest_gap(&x),
				    carveout_test_brute_gap(test, live, in,
							    SLOTS, NPAGES),
				    "step %u", step);
		if (!ndirty)
			KUNIT_ASSERT_EQ_MSG(test,
					    carveout_extents_largest_gap(&x),
					    carveout_alloc_largest_free(&t->a),
					    "step %u", step);
	}
}

static struct kunit_case carveout_alloc_test_cases[] = {
	KUNIT_CASE(carveout_alloc_test_policy_names),
	KUNIT_CASE(carveout_alloc_test_init_rejects),
	KUNIT_CASE(carveout_alloc_test_page_granular),
	KUNIT_CASE(carveout_alloc_test_alignment_rule),
	KUNIT_CASE(carveout_alloc_test_physical_alignment),
	KUNIT_CASE(carveout_alloc_test_alignment_cap),
	KUNIT_CASE(carveout_alloc_test_best_fit_smallest_hole),
	KUNIT_CASE(carveout_alloc_test_first_fit_first_hole),
	KUNIT_CASE(carveout_alloc_test_two_ended_ends),
	KUNIT_CASE(carveout_alloc_test_two_ended_top_aligned),
	KUNIT_CASE(carveout_alloc_test_fragmentation),
	KUNIT_CASE(carveout_alloc_test_exhaustion_recovery),
	KUNIT_CASE(carveout_alloc_test_largest_free),
	KUNIT_CASE(carveout_alloc_test_claim),
	KUNIT_CASE(carveout_alloc_test_largest_run),
	KUNIT_CASE(carveout_alloc_test_extents_gaps),
	KUNIT_CASE(carveout_alloc_test_extents_match_brute_force),
	{}
};

static struct kunit_suite carveout_alloc_test_suite = {
	.name = "carveout_alloc",
	.init = carveout_test_init,
	.exit = carveout_test_exit,
	.test_cases = carveout_alloc_test_cases,
};

kunit_test_suite(carveout_alloc_test_suite);

MODULE_DESCRIPTION("KUnit tests for the carveout heap allocator");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMABUF_NS(EXPORTED_FOR_KUNIT_TESTING));
