// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the contiguous exporter: segment splitting against the
 * importer's limits, refcounted vmap, CPU access and release.
 *
 * The range is a block of pages from the page allocator, so the tests
 * need no reserved memory; the importer is a KUnit device with a 64-bit
 * DMA mask (direct mapping).
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/gfp.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>

#include "contig_exporter.h"
#include "dmabuf_compat.h"

#define CONTIG_TEST_ORDER	5	/* 32 pages */

struct contig_test {
	struct page *pages;
	size_t size;
	struct dma_buf *dmabuf;
	struct device *dev;
	int released;
};

static void contig_test_release(void *priv, phys_addr_t phys, size_t size)
{
	struct contig_test *t = priv;

	t->released++;
}

static int contig_test_init(struct kunit *test)
{
	struct contig_buffer_info info = { };
	struct contig_test *t;

	/* Not kunit_kzalloc(): the release callback may outlive the case. */
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	t->pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, CONTIG_TEST_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, t->pages);
	t->size = PAGE_SIZE << CONTIG_TEST_ORDER;

	KUNIT_ASSERT_EQ(test, contig_range_usable(page_to_phys(t->pages), t->size,
						  false), 0);
	info.phys = page_to_phys(t->pages);
	info.size = t->size;
	info.exp_name = "contig-kunit";
	info.release = contig_test_release;
	info.priv = t;
	info.owner = THIS_MODULE;
	t->dmabuf = contig_export(&info, O_RDWR | O_CLOEXEC);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->dmabuf));

	t->dev = kunit_device_register(test, "contig-importer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->dev));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(t->dev, DMA_BIT_MASK(64)), 0);
	return 0;
}

static void contig_test_exit(struct kunit *test)
{
	struct contig_test *t = test->priv;
	int i;

	if (!t)
		return;
	if (!t->dmabuf || IS_ERR(t->dmabuf)) {
		if (t->pages)
			__free_pages(t->pages, CONTIG_TEST_ORDER);
		kfree(t);
		return;
	}
	/*
	 * A kernel thread's last fput is deferred to a workqueue: run the
	 * deferred list, then give a concurrent run of it a moment.
	 */
	dma_buf_put(t->dmabuf);
	flush_delayed_fput();
	for (i = 0; i < 100 && !READ_ONCE(t->released); i++)
		usleep_range(10000, 20000);
	/* The release callback ran exactly once, when the last ref went. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->released), 1);
	if (!READ_ONCE(t->released))
		return;		/* still exported: leak rather than free under it */
	__free_pages(t->pages, CONTIG_TEST_ORDER);
	kfree(t);
}

/* Map for @dev and check every DMA segment against the device's limits. */
static void contig_test_map_check(struct kunit *test, unsigned int max_seg)
{
	struct contig_test *t = test->priv;
	struct dma_buf_attachment *att;
	struct scatterlist *sg;
	struct sg_table *sgt;
	size_t total = 0;
	unsigned int i;

	att = dma_buf_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(att));
	sgt = dma_buf_map_attachment_unlocked(att, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));

	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_LE(test, sg_dma_len(sg), max_seg);
		total += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, total, t->size);
	KUNIT_EXPECT_GE(test, sgt->nents, (unsigned int)DIV_ROUND_UP(t->size, max_seg));

	dma_buf_unmap_attachment_unlocked(att, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(t->dmabuf, att);
}

static void contig_test_default_max_seg(struct kunit *test)
{
	struct contig_test *t = test->priv;

	/* No dma_parms: the DMA API's default of 64 KiB applies. */
	contig_test_map_check(test, dma_get_max_seg_size(t->dev));
}

static void contig_test_small_max_seg(struct kunit *test)
{
	struct contig_test *t = test->priv;

	t->dev->dma_parms = kunit_kzalloc(test, sizeof(*t->dev->dma_parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->dev->dma_parms);
	dma_set_max_seg_size(t->dev, PAGE_SIZE);
	contig_test_map_check(test, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, t->size / PAGE_SIZE, (size_t)(1 << CONTIG_TEST_ORDER));
}

static void contig_test_segment_boundary(struct kunit *test)
{
	struct contig_test *t = test->priv;
	struct dma_buf_attachment *att;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned long mask = 2 * PAGE_SIZE - 1;
	unsigned int i;

	t->dev->dma_parms = kunit_kzalloc(test, sizeof(*t->dev->dma_parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->dev->dma_parms);
	dma_set_max_seg_size(t->dev, SZ_1G);
	dma_set_seg_boundary(t->dev, mask);

	att = dma_buf_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(att));
	sgt = dma_buf_map_attachment_unlocked(att, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	/* No segment crosses a 2-page boundary. */
	for_each_sgtable_dma_sg(sgt, sg, i)
		KUNIT_EXPECT_EQ(test, sg_dma_address(sg) & ~(dma_addr_t)mask,
				(sg_dma_address(sg) + sg_dma_len(sg) - 1) & ~(dma_addr_t)mask);
	dma_buf_unmap_attachment_unlocked(att, sgt, DMA_TO_DEVICE);
	dma_buf_detach(t->dmabuf, att);
}

static void contig_test_vmap_refcounted(struct kunit *test)
{
	struct contig_test *t = test->priv;
	struct iosys_map a, b;

	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(t->dmabuf, &a), 0);
	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(t->dmabuf, &b), 0);
	KUNIT_EXPECT_PTR_EQ(test, a.vaddr, b.vaddr);
	KUNIT_EXPECT_PTR_EQ(test, a.vaddr, page_address(t->pages));
	dma_buf_vunmap_unlocked(t->dmabuf, &b);
	/* Still mapped for the first user. */
	KUNIT_EXPECT_EQ(test, ((u8 *)a.vaddr)[t->size - 1], 0);
	dma_buf_vunmap_unlocked(t->dmabuf, &a);
}

static void contig_test_cpu_access_with_mapping(struct kunit *test)
{
	struct contig_test *t = test->priv;
	struct dma_buf_attachment *att;
	struct sg_table *sgt;

	att = dma_buf_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(att));
	sgt = dma_buf_map_attachment_unlocked(att, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	KUNIT_EXPECT_EQ(test, dma_buf_begin_cpu_access(t->dmabuf, DMA_FROM_DEVICE), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_end_cpu_access(t->dmabuf, DMA_FROM_DEVICE), 0);
	dma_buf_unmap_attachment_unlocked(att, sgt, DMA_FROM_DEVICE);
	dma_buf_detach(t->dmabuf, att);
}

static void contig_test_release_waits_for_last_ref(struct kunit *test)
{
	struct contig_test *t = test->priv;

	get_dma_buf(t->dmabuf);
	dma_buf_put(t->dmabuf);
	KUNIT_EXPECT_EQ(test, t->released, 0);
	/* contig_test_exit() drops the last reference and checks release. */
}

static void contig_test_rejects_unaligned(struct kunit *test)
{
	struct contig_test *t = test->priv;
	struct contig_buffer_info info = {
		.phys = page_to_phys(t->pages) + 1,
		.size = PAGE_SIZE,
		.release = contig_test_release,
	};

	KUNIT_EXPECT_EQ(test, PTR_ERR(contig_export(&info, O_RDWR)), -EINVAL);
	info.phys = page_to_phys(t->pages);
	info.size = PAGE_SIZE + 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(contig_export(&info, O_RDWR)), -EINVAL);
	KUNIT_EXPECT_EQ(test, contig_range_usable(info.phys, 0, false), -EINVAL);
}

static struct kunit_case contig_test_cases[] = {
	KUNIT_CASE(contig_test_default_max_seg),
	KUNIT_CASE(contig_test_small_max_seg),
	KUNIT_CASE(contig_test_segment_boundary),
	KUNIT_CASE(contig_test_vmap_refcounted),
	KUNIT_CASE(contig_test_cpu_access_with_mapping),
	KUNIT_CASE(contig_test_release_waits_for_last_ref),
	KUNIT_CASE(contig_test_rejects_unaligned),
	{}
};

static struct kunit_suite contig_test_suite = {
	.name = "contig_exporter",
	.init = contig_test_init,
	.exit = contig_test_exit,
	.test_cases = contig_test_cases,
};

kunit_test_suite(contig_test_suite);

MODULE_DESCRIPTION("KUnit tests for the contiguous dma-buf exporter");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMABUF_NS(DMABUF_CONTIG));
MODULE_IMPORT_NS(DMABUF_NS(DMA_BUF));
