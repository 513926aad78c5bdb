// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the carveout heap's drain of dirty ranges
 *
 * carveout_zero_drain() runs when an allocation finds no room: it zeroes
 * the ranges that are dirty at that moment and waits for the ones that
 * others are zeroing. Each test builds a region on vmalloc memory (the
 * zeroing only writes through zero_vaddr, and the allocator never touches
 * the memory it manages), plays the worker's part itself with
 * carveout_zero_take() and carveout_zero_return(), and runs the drain in
 * a kthread of its own so that a drain that waits too long fails the test
 * instead of hanging it.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "carveout_heap.h"
#include "dmabuf_compat.h"

#define P(n)		((size_t)(n) << PAGE_SHIFT)
#define ZT_PAGES	16
#define ZT_BASE		((phys_addr_t)0x80000000)
#define ZT_GARBAGE	0xa5
/* How long a drain that must finish may take, and one that must wait is watched */
#define ZT_PROMPT_MS	5000
#define ZT_WATCH_MS	200

struct zt {
	struct carveout_region r;
	struct completion done;
	bool kill;		/* the drainer takes a SIGKILL before draining */
	bool running;		/* a drainer was started and has not finished */
	int ret;		/* what its drain returned */
};

static int zt_init(struct kunit *test)
{
	struct carveout_region *r;
	struct zt *t;

	/* Not kunit_kzalloc(): a drainer that never ends must keep it. */
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	r = &t->r;
	r->name = "kunit";
	r->base = ZT_BASE;
	r->size = P(ZT_PAGES);
	spin_lock_init(&r->lock);
	INIT_LIST_HEAD(&r->dirty);
	INIT_LIST_HEAD(&r->zeroing);
	init_waitqueue_head(&r->zero_done);
	init_completion(&t->done);

	r->zero_vaddr = vmalloc(r->size);
	KUNIT_ASSERT_NOT_NULL(test, r->zero_vaddr);
	memset(r->zero_vaddr, ZT_GARBAGE, r->size);
	KUNIT_ASSERT_EQ(test, carveout_alloc_init(&r->alloc, r->base, r->size,
						  PAGE_SIZE,
						  &carveout_policy_first_fit), 0);
	/* Every page is taken (live or dirty) until a test frees some. */
	KUNIT_ASSERT_EQ(test, carveout_alloc_claim(&r->alloc, 0, r->size), 0);
	return 0;
}

static void zt_exit(struct kunit *test)
{
	struct zt *t = test->priv;
	struct carveout_range *range, *tmp;
	struct carveout_region *r;
	unsigned long nbits, bit;
	unsigned long *bits;

	if (!t)
		return;
	r = &t->r;
	if (t->running) {
		kunit_err(test, "a drain never finished: its region is leaked\n");
		return;
	}
	list_splice_init(&r->zeroing, &r->dirty);
	list_for_each_entry_safe(range, tmp, &r->dirty, node) {
		list_del(&range->node);
		kfree(range);
	}
	if (r->alloc.pool) {
		/* genalloc refuses to destroy a pool with live ranges. */
		nbits = carveout_alloc_nbits(&r->alloc);
		bits = bitmap_zalloc(nbits, GFP_KERNEL);
		if (bits) {
			carveout_alloc_copy_bitmap(&r->alloc, bits);
			for_each_set_bit(bit, bits, nbits)
				carveout_alloc_free(&r->alloc, P(bit), P(1));
			bitmap_free(bits);
			carveout_alloc_destroy(&r->alloc);
		}
	}
	vfree(r->zero_vaddr);
	kfree(t);
}

/* A buffer of @n pages at page @first is freed: its range turns dirty. */
static struct carveout_range *zt_free(struct kunit *test, size_t first,
				      size_t n)
{
	struct zt *t = test->priv;
	struct carveout_range *range;

	range = kzalloc(sizeof(*range), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, range);
	range->region = &t->r;
	range->ext.offset = P(first);
	range->ext.size = P(n);
	carveout_zero_enqueue(range);
	return range;
}

/* Someone else (the worker, another allocation) starts zeroing @want. */
static void zt_take(struct kunit *test, struct carveout_range *want)
{
	struct zt *t = test->priv;

	KUNIT_ASSERT_PTR_EQ(test, carveout_zero_take(&t->r, U64_MAX), want);
}

/* ... and finishes: the range is zero and back in the pool. */
static void zt_finish(struct zt *t, struct carveout_range *range)
{
	memset((char *)t->r.zero_vaddr + range->ext.offset, 0,
	       range->ext.size);
	carveout_zero_return(&t->r, range);
}

static bool zt_is(struct zt *t, size_t first, size_t n, u8 val)
{
	const u8 *p = (const u8 *)t->r.zero_vaddr + P(first);
	size_t i;

	for (i = 0; i < P(n); i++)
		if (p[i] != val)
			return false;
	return true;
}

static int zt_drainer(void *data)
{
	struct zt *t = data;

	if (t->kill)
		force_sig(SIGKILL);
	t->ret = carveout_zero_drain(&t->r);
	kthread_complete_and_exit(&t->done, 0);
}

static void zt_start(struct kunit *test, bool kill)
{
	struct zt *t = test->priv;
	struct task_struct *task;

	t->kill = kill;
	task = kthread_run(zt_drainer, t, "carveout-zt");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	t->running = true;
}

/* Did the drainer finish within @ms? */
static bool zt_finished(struct zt *t, unsigned int ms)
{
	if (!t->running)
		return true;
	if (!wait_for_completion_timeout(&t->done, msecs_to_jiffies(ms)))
		return false;
	t->running = false;
	return true;
}

/* Wait until the drainer sleeps on zero_done, or has finished. */
static bool zt_sleeping(struct zt *t)
{
	unsigned int ms;

	for (ms = 0; ms < ZT_PROMPT_MS; ms += 20) {
		/*
		 * A lockless peek is enough: the drainer adds itself under
		 * the waitqueue lock, and a late look only costs 20 ms.
		 */
		if (waitqueue_active(&t->r.zero_done) ||
		    completion_done(&t->done))
			return true;
		msleep(20);
	}
	return false;
}

static void carveout_zero_test_nothing_dirty(struct kunit *test)
{
	struct zt *t = test->priv;

	KUNIT_EXPECT_EQ(test, carveout_zero_drain(&t->r), 0);
}

/* The caller zeroes every dirty range itself and gives it back. */
static void carveout_zero_test_drain_zeroes_and_frees(struct kunit *test)
{
	struct zt *t = test->priv;
	size_t offset = SIZE_MAX;

	zt_free(test, 0, 2);
	zt_free(test, 4, 1);
	KUNIT_EXPECT_EQ(test, carveout_zero_drain(&t->r), 1);
	KUNIT_EXPECT_TRUE(test, zt_is(t, 0, 2, 0));
	KUNIT_EXPECT_TRUE(test, zt_is(t, 2, 2, ZT_GARBAGE));
	KUNIT_EXPECT_TRUE(test, zt_is(t, 4, 1, 0));
	KUNIT_EXPECT_TRUE(test, list_empty(&t->r.dirty));
	KUNIT_EXPECT_TRUE(test, list_empty(&t->r.zeroing));
	KUNIT_EXPECT_EQ(test, t->r.backlog, 0);
	KUNIT_EXPECT_EQ(test, carveout_alloc_range(&t->r.alloc, P(2), &offset), 0);
	KUNIT_EXPECT_EQ(test, offset, 0);
}

/*
 * A range that someone else is zeroing when the drain starts is waited
 * for: without it, the retry would miss room that is about to be free.
 */
static void carveout_zero_test_drain_waits_for_others(struct kunit *test)
{
	struct zt *t = test->priv;
	struct carveout_range *a = zt_free(test, 0, 4);

	zt_take(test, a);
	zt_start(test, false);
	KUNIT_EXPECT_TRUE(test, zt_sleeping(t));
	KUNIT_EXPECT_FALSE_MSG(test, zt_finished(t, ZT_WATCH_MS),
			       "the drain returned while a range it must wait for was being zeroed");
	zt_finish(t, a);
	KUNIT_ASSERT_TRUE_MSG(test, zt_finished(t, ZT_PROMPT_MS),
			      "the drain did not notice the range come back");
	KUNIT_EXPECT_EQ(test, t->ret, 1);
}

/*
 * Under steady frees the ranges freed after the drain started are not
 * its business: it neither zeroes them nor waits for whoever does. (It
 * used to wait until nothing at all was being zeroed, which under steady
 * frees may never happen.)
 */
static void carveout_zero_test_drain_ignores_later_frees(struct kunit *test)
{
	struct zt *t = test->priv;
	struct carveout_range *a = zt_free(test, 0, 4), *b, *c;
	bool finished;

	zt_take(test, a);
	zt_start(test, false);
	KUNIT_EXPECT_TRUE(test, zt_sleeping(t));

	/* Freed while the drain waits: b is being zeroed, c is queued. */
	b = zt_free(test, 4, 4);
	zt_take(test, b);
	c = zt_free(test, 8, 4);
	zt_finish(t, a);
	finished = zt_finished(t, ZT_PROMPT_MS);
	KUNIT_EXPECT_TRUE_MSG(test, finished,
			      "the drain still waits for a range freed after it started");
	KUNIT_EXPECT_TRUE(test, zt_is(t, 8, 4, ZT_GARBAGE));

	zt_finish(t, b);
	if (!finished)
		KUNIT_ASSERT_TRUE(test, zt_finished(t, ZT_PROMPT_MS));
	KUNIT_EXPECT_EQ(test, t->ret, 1);
	zt_take(test, c);
	zt_finish(t, c);
}

/* A task with a fatal signal pending does not sleep in the drain. */
static void carveout_zero_test_fatal_signal_ends_the_wait(struct kunit *test)
{
	struct zt *t = test->priv;
	struct carveout_range *a = zt_free(test, 0, 4);
	bool finished;

	zt_take(test, a);
	zt_start(test, true);
	finished = zt_finished(t, ZT_PROMPT_MS);
	KUNIT_EXPECT_TRUE_MSG(test, finished,
			      "a killed task still waits for someone else's zeroing");
	zt_finish(t, a);
	if (!finished)
		KUNIT_ASSERT_TRUE(test, zt_finished(t, ZT_PROMPT_MS));
	KUNIT_EXPECT_EQ(test, t->ret, -EINTR);
}

static struct kunit_case carveout_zero_test_cases[] = {
	KUNIT_CASE(carveout_zero_test_nothing_dirty),
	KUNIT_CASE(carveout_zero_test_drain_zeroes_and_frees),
	KUNIT_CASE(carveout_zero_test_drain_waits_for_others),
	KUNIT_CASE(carveout_zero_test_drain_ignores_later_frees),
	KUNIT_CASE(carveout_zero_test_fatal_signal_ends_the_wait),
	{}
};

static struct kunit_suite carveout_zero_test_suite = {
	.name = "carveout_zero",
	.init = zt_init,
	.exit = zt_exit,
	.test_cases = carveout_zero_test_cases,
};

kunit_test_suite(carveout_zero_test_suite);

MODULE_DESCRIPTION("KUnit tests for the carveout heap's deferred zeroing");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMABUF_NS(EXPORTED_FOR_KUNIT_TESTING));
