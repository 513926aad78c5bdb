// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the contiguous exporter: segment splitting against the
 * importer's limits, refcounted vmap, CPU access and release.
 *
 * The range is a block of pages from the page allocator, so most tests
 * need no reserved memory; the importer is a KUnit device with a 64-bit
 * DMA mask (direct mapping, not cache-coherent). The uncached cases use
 * the no-map reserved-memory node "exporter-kunit" of the test board's
 * device tree (dts/qemu-virt-exporter-kunit.dtso) and skip without it.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/delay.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/gfp.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
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

/* Split [start, start + size) and check every segment against the limits. */
static void contig_test_split_one(struct kunit *test, u64 start, size_t size,
				  unsigned int max_seg, size_t max_mapping,
				  unsigned long boundary, bool pages)
{
	size_t cap = contig_seg_max(max_seg, max_mapping);
	struct scatterlist *sg;
	struct sg_table table;
	unsigned long nents;
	u64 pos = start;
	unsigned int i;

	KUNIT_ASSERT_GE(test, cap, (size_t)PAGE_SIZE);
	nents = contig_split(start, size, cap, boundary, NULL, pages);
	KUNIT_ASSERT_GE(test, nents, (unsigned long)DIV_ROUND_UP(size, cap));
	KUNIT_ASSERT_EQ(test, sg_alloc_table(&table, nents, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, contig_split(start, size, cap, boundary,
					   table.sgl, pages), nents);

	for_each_sg(table.sgl, sg, nents, i) {
		u64 addr = pages ? page_to_phys(sg_page(sg)) + sg->offset :
				   sg_dma_address(sg);
		size_t len = pages ? sg->length : sg_dma_len(sg);

		KUNIT_EXPECT_EQ(test, addr, pos);
		KUNIT_EXPECT_LE(test, len, max_mapping);
		KUNIT_EXPECT_LE(test, len, (size_t)max_seg);
		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(len));
		KUNIT_EXPECT_EQ(test, addr & ~(u64)boundary,
				(addr + len - 1) & ~(u64)boundary);
		if (!pages)
			KUNIT_EXPECT_NULL(test, sg_page(sg));
		pos += len;
	}
	KUNIT_EXPECT_EQ(test, pos, start + size);
	sg_free_table(&table);
}

/*
 * With swiotlb active for a device, dma_max_mapping_size() is 256 KiB:
 * every segment, whatever the device's own maximum, must stay below it.
 */
static void contig_test_split_under_max_mapping(struct kunit *test)
{
	struct contig_test *t = test->priv;
	u64 phys = page_to_phys(t->pages);

	contig_test_split_one(test, phys, t->size, UINT_MAX, SZ_256K, ULONG_MAX, true);
	contig_test_split_one(test, phys, t->size, UINT_MAX, SZ_256K, ULONG_MAX, false);
	/* A mapping limit that is no multiple of the page size. */
	contig_test_split_one(test, phys, t->size, UINT_MAX, 3 * PAGE_SIZE + 5,
			      ULONG_MAX, true);
	/* The smaller of segment size and mapping size wins, either way. */
	contig_test_split_one(test, phys, t->size, 2 * PAGE_SIZE, SZ_256K,
			      ULONG_MAX, false);
	contig_test_split_one(test, phys, t->size, SZ_1M, 4 * PAGE_SIZE,
			      8 * PAGE_SIZE - 1, false);
	/* A large buffer that is not aligned to the cap, DMA entries only. */
	contig_test_split_one(test, SZ_4G - 3 * PAGE_SIZE, SZ_8M + PAGE_SIZE,
			      UINT_MAX, SZ_256K, SZ_1M - 1, false);
}

static void contig_test_seg_max(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, contig_seg_max(UINT_MAX, SZ_256K), (size_t)SZ_256K);
	KUNIT_EXPECT_EQ(test, contig_seg_max(SZ_64K, SIZE_MAX), (size_t)SZ_64K);
	KUNIT_EXPECT_EQ(test, contig_seg_max(UINT_MAX, 3 * PAGE_SIZE + 5),
			(size_t)(3 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, contig_seg_max(PAGE_SIZE - 1, SIZE_MAX), (size_t)0);
	KUNIT_EXPECT_EQ(test, contig_seg_max(UINT_MAX, PAGE_SIZE - 1), (size_t)0);
}

/* A second map of one attachment would lose the first mapping. */
static void contig_test_second_map_fails_ebusy(struct kunit *test)
{
	struct contig_test *t = test->priv;
	struct dma_buf_attachment *att;
	struct sg_table *sgt, *again;

	att = dma_buf_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(att));
	sgt = dma_buf_map_attachment_unlocked(att, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	again = dma_buf_map_attachment_unlocked(att, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(again), -EBUSY);
	if (!IS_ERR(again))
		dma_buf_unmap_attachment_unlocked(att, again, DMA_TO_DEVICE);
	dma_buf_unmap_attachment_unlocked(att, sgt, DMA_TO_DEVICE);
	/* Unmapped, it maps again. */
	sgt = dma_buf_map_attachment_unlocked(att, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, IS_ERR(sgt));
	if (!IS_ERR(sgt))
		dma_buf_unmap_attachment_unlocked(att, sgt, DMA_TO_DEVICE);
	dma_buf_detach(t->dmabuf, att);
}

/*
 * Reach: a mask or bus limit that ends below the buffer refuses the
 * attachment, and a mask that shrinks after attach refuses the map; one
 * that covers the last byte exactly is enough.
 */
static void contig_test_reach(struct kunit *test)
{
	struct contig_test *t = test->priv;
	u64 last = page_to_phys(t->pages) + t->size - 1;
	struct dma_buf_attachment *att;
	struct sg_table *sgt;

	*t->dev->dma_mask = last - 1;
	att = dma_buf_attach(t->dmabuf, t->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(att), -ERANGE);
	if (!IS_ERR(att))
		dma_buf_detach(t->dmabuf, att);

	*t->dev->dma_mask = DMA_BIT_MASK(64);
	t->dev->bus_dma_limit = last - PAGE_SIZE;
	att = dma_buf_attach(t->dmabuf, t->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(att), -ERANGE);
	if (!IS_ERR(att))
		dma_buf_detach(t->dmabuf, att);

	t->dev->bus_dma_limit = 0;
	*t->dev->dma_mask = last;
	att = dma_buf_attach(t->dmabuf, t->dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(att));
	*t->dev->dma_mask = last >> 1;
	sgt = dma_buf_map_attachment_unlocked(att, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), -ERANGE);
	if (!IS_ERR(sgt))
		dma_buf_unmap_attachment_unlocked(att, sgt, DMA_BIDIRECTIONAL);
	*t->dev->dma_mask = last;
	sgt = dma_buf_map_attachment_unlocked(att, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_FALSE(test, IS_ERR(sgt));
	if (!IS_ERR(sgt))
		dma_buf_unmap_attachment_unlocked(att, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(t->dmabuf, att);
}

/* Memory in the linear map can never be exported as uncached. */
static void contig_test_uncached_linear_range_refused(struct kunit *test)
{
	struct contig_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, contig_range_usable(page_to_phys(t->pages), t->size,
						  true), -EINVAL);
	KUNIT_EXPECT_EQ(test, contig_range_usable(page_to_phys(t->pages), t->size,
						  false), 0);
}

/* The test board's no-map region, or skip. */
static void contig_test_nomap_range(struct kunit *test, phys_addr_t *phys,
				    size_t *size)
{
	struct device_node *np = of_find_node_by_path("/reserved-memory");
	struct reserved_mem *rmem = NULL;
	struct device_node *child;

	if (np) {
		child = of_get_child_by_name(np, "exporter-kunit");
		if (child)
			rmem = of_reserved_mem_lookup(child);
		of_node_put(child);
		of_node_put(np);
	}
	if (!rmem || !rmem->size)
		kunit_skip(test, "no reserved-memory node exporter-kunit (no-map) here");
	*phys = rmem->base;
	*size = min_t(size_t, rmem->size, SZ_1M);
}

static int contig_test_nomap_released;

static void contig_test_nomap_release(void *priv, phys_addr_t phys,
				      size_t size)
{
	WRITE_ONCE(contig_test_nomap_released, 1);
}

/*
 * An uncached buffer of no-map memory maps through dma_map_resource():
 * DMA entries without pages that cover the range at its physical address
 * (direct mapping), and an importer's dma_sync_sgtable_*() on a
 * non-coherent device finds no CPU entry to maintain. With struct-page
 * entries the sync would clean through the missing linear alias, which
 * faults on hardware; QEMU's TCG treats cache maintenance as a no-op and
 * does not fault, so the table's shape is what is checked here.
 */
static void contig_test_nomap_table_has_no_pages(struct kunit *test)
{
	struct contig_buffer_info info = { };
	struct contig_test *t = test->priv;
	struct device *dev = t->dev;
	struct dma_buf_attachment *att;
	struct dma_buf *dmabuf;
	struct scatterlist *sg;
	struct iosys_map map;
	struct sg_table *sgt;
	phys_addr_t phys, pos;
	unsigned int i;
	size_t size;
	int n;

	contig_test_nomap_range(test, &phys, &size);
	KUNIT_ASSERT_FALSE(test, dev_is_dma_coherent(dev));
	KUNIT_ASSERT_EQ(test, contig_range_usable(phys, size, true), 0);
	/* no-map memory has no linear alias: cached export is refused. */
	KUNIT_EXPECT_EQ(test, contig_range_usable(phys, size, false), -EINVAL);

	info.phys = phys;
	info.size = size;
	info.uncached = true;
	info.exp_name = "contig-kunit-nomap";
	info.release = contig_test_nomap_release;
	info.owner = THIS_MODULE;
	WRITE_ONCE(contig_test_nomap_released, 0);
	dmabuf = contig_export(&info, O_RDWR | O_CLOEXEC);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));

	att = dma_buf_attach(dmabuf, dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(att));
	sgt = dma_buf_map_attachment_unlocked(att, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));

	KUNIT_EXPECT_EQ(test, sgt->orig_nents, 0U);
	KUNIT_EXPECT_GE(test, sgt->nents, (unsigned int)(size / dma_get_max_seg_size(dev)));
	pos = phys;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_NULL(test, sg_page(sg));
		KUNIT_EXPECT_EQ(test, (u64)sg_dma_address(sg), (u64)pos);
		KUNIT_EXPECT_LE(test, sg_dma_len(sg), dma_get_max_seg_size(dev));
		pos += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, (u64)pos, (u64)(phys + size));

	/* What a careless importer does: must find nothing to clean. */
	dma_sync_sgtable_for_cpu(dev, sgt, DMA_BIDIRECTIONAL);
	dma_sync_sgtable_for_device(dev, sgt, DMA_BIDIRECTIONAL);
	n = 0;
	for_each_sgtable_sg(sgt, sg, i)
		n++;
	KUNIT_EXPECT_EQ(test, n, 0);

	/* CPU access through a write-combine kernel mapping, no struct page. */
	KUNIT_ASSERT_EQ(test, dma_buf_vmap_unlocked(dmabuf, &map), 0);
	((u32 *)map.vaddr)[0] = 0xc0ffee;
	((u32 *)map.vaddr)[size / 4 - 1] = 0xfeed;
	KUNIT_EXPECT_EQ(test, ((u32 *)map.vaddr)[0], 0xc0ffeeU);
	KUNIT_EXPECT_EQ(test, ((u32 *)map.vaddr)[size / 4 - 1], 0xfeedU);
	dma_buf_vunmap_unlocked(dmabuf, &map);

	dma_buf_unmap_attachment_unlocked(att, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(dmabuf, att);
	dma_buf_put(dmabuf);
	flush_delayed_fput();
	for (i = 0; i < 100 && !READ_ONCE(contig_test_nomap_released); i++)
		usleep_range(10000, 20000);
	KUNIT_EXPECT_EQ(test, READ_ONCE(contig_test_nomap_released), 1);
}

static struct kunit_case contig_test_cases[] = {
	KUNIT_CASE(contig_test_default_max_seg),
	KUNIT_CASE(contig_test_small_max_seg),
	KUNIT_CASE(contig_test_segment_boundary),
	KUNIT_CASE(contig_test_vmap_refcounted),
	KUNIT_CASE(contig_test_cpu_access_with_mapping),
	KUNIT_CASE(contig_test_release_waits_for_last_ref),
	KUNIT_CASE(contig_test_rejects_unaligned),
	KUNIT_CASE(contig_test_seg_max),
	KUNIT_CASE(contig_test_split_under_max_mapping),
	KUNIT_CASE(contig_test_second_map_fails_ebusy),
	KUNIT_CASE(contig_test_reach),
	KUNIT_CASE(contig_test_uncached_linear_range_refused),
	KUNIT_CASE(contig_test_nomap_table_has_no_pages),
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
MODULE_IMPORT_NS(DMABUF_NS(EXPORTED_FOR_KUNIT_TESTING));
