// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer kselftests: every device role (camera, GPU, display,
 * edu with a 64-bit and with a 28-bit DMA mask) against every heap kind
 * (cached and uncached carveout, system, CMA): data round trips CPU ->
 * device and device -> CPU inside sync brackets, and what the mapping
 * looks like.
 *
 * The devices move data through the DMA addresses of the mapping, so a
 * checksum or pattern that matches shows what the device really saw.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_test.h"

/*
 * Is a mapping of @buf on @dev (a device without an IOMMU) contiguous?
 * 1 or 0, or -errno.
 */
static int maps_contiguous(int imp, int buf, uint32_t dev)
{
	struct dmabuf_importer_map m;
	uint32_t h;
	int ret;

	ret = cv_imp_attach(imp, buf, dev, &h);
	if (ret)
		return ret;
	ret = cv_imp_map(imp, h, DIR_BIDI, &m);
	if (!ret)
		ret = !!(m.flags & CONTIGUOUS);
	cv_imp_detach(imp, h);
	return ret;
}

/*
 * A system heap buffer of @size whose pages are physically scattered.
 * A fresh guest's page allocator hands out neighbouring blocks, so the
 * heap's chunks often follow each other. Allocating 1 MiB buffers, freeing
 * every other one and then allocating @size takes the freed chunks back,
 * with a gap between each. The buffers kept to make the gaps are returned
 * in @keep (-1 where unused). The GPU (no IOMMU) checks the result.
 */
static int scattered_system_buffer(int heap_fd, int imp, uint32_t gpu,
				   uint64_t size, int keep[MAX_KEEP])
{
	int tmp[2 * MAX_KEEP], attempt, i, buf, ret;

	for (i = 0; i < MAX_KEEP; i++)
		keep[i] = -1;
	for (attempt = 0; attempt < 4; attempt++) {
		for (i = 0; i < MAX_KEEP; i++) {
			if (keep[i] >= 0)
				close(keep[i]);
			keep[i] = -1;
		}
		for (i = 0; i < 2 * MAX_KEEP; i++)
			tmp[i] = cv_alloc(heap_fd, MiB, O_RDWR | O_CLOEXEC, 0);
		for (i = 0; i < 2 * MAX_KEEP; i++) {
			if (i % 2 && tmp[i] >= 0)
				close(tmp[i]);
			else
				keep[i / 2] = tmp[i];
		}
		buf = cv_alloc(heap_fd, size, O_RDWR | O_CLOEXEC, 0);
		if (buf < 0)
			return buf;
		ret = maps_contiguous(imp, buf, gpu);
		if (ret == 0)
			return buf;
		close(buf);
		if (ret < 0)
			return ret;
	}
	return -EAGAIN;
}

/*
 * pair: one device role against one heap kind. Setup allocates a buffer
 * (a scattered one from the system heap) and attaches it; the tests map.
 */
FIXTURE(pair) {
	int imp;
	int heap_fd;
	char heap[64];
	struct dmabuf_importer_device_info dev;
	struct dmabuf_importer_device_info gpu;
	int buf;
	int keep[MAX_KEEP];
	uint64_t size;
	uint32_t handle;
	int carveout;
	int scattered;
	int bounce;	/* allow_bounce to restore (cv_imp_bounce_if_forced) */
};

FIXTURE_VARIANT(pair) {
	uint32_t role;
	uint32_t dma_bits;
	enum cv_imp_heap_kind kind;
};

#define PAIR(_name, _role, _bits, _kind)				\
	FIXTURE_VARIANT_ADD(pair, _name) {				\
		.role = _role, .dma_bits = _bits, .kind = _kind,	\
	}

PAIR(camera_cached, ROLE_CAMERA, 0, CV_IMP_HEAP_CACHED);
PAIR(camera_uncached, ROLE_CAMERA, 0, CV_IMP_HEAP_UNCACHED);
PAIR(camera_system, ROLE_CAMERA, 0, CV_IMP_HEAP_SYSTEM);
PAIR(camera_cma, ROLE_CAMERA, 0, CV_IMP_HEAP_CMA);
PAIR(gpu_cached, ROLE_GPU, 0, CV_IMP_HEAP_CACHED);
PAIR(gpu_uncached, ROLE_GPU, 0, CV_IMP_HEAP_UNCACHED);
PAIR(gpu_system, ROLE_GPU, 0, CV_IMP_HEAP_SYSTEM);
PAIR(gpu_cma, ROLE_GPU, 0, CV_IMP_HEAP_CMA);
PAIR(display_cached, ROLE_DISPLAY, 0, CV_IMP_HEAP_CACHED);
PAIR(display_uncached, ROLE_DISPLAY, 0, CV_IMP_HEAP_UNCACHED);
PAIR(display_system, ROLE_DISPLAY, 0, CV_IMP_HEAP_SYSTEM);
PAIR(display_cma, ROLE_DISPLAY, 0, CV_IMP_HEAP_CMA);
PAIR(edu64_cached, ROLE_EDU, 64, CV_IMP_HEAP_CACHED);
PAIR(edu64_uncached, ROLE_EDU, 64, CV_IMP_HEAP_UNCACHED);
PAIR(edu64_system, ROLE_EDU, 64, CV_IMP_HEAP_SYSTEM);
PAIR(edu64_cma, ROLE_EDU, 64, CV_IMP_HEAP_CMA);
PAIR(edu28_cached, ROLE_EDU, 28, CV_IMP_HEAP_CACHED);
PAIR(edu28_uncached, ROLE_EDU, 28, CV_IMP_HEAP_UNCACHED);
PAIR(edu28_system, ROLE_EDU, 28, CV_IMP_HEAP_SYSTEM);
PAIR(edu28_cma, ROLE_EDU, 28, CV_IMP_HEAP_CMA);

FIXTURE_SETUP(pair)
{
	int ret;

	self->imp = self->heap_fd = self->buf = self->bounce = -1;
	self->handle = 0;
	/* Under swiotlb=force: the default refusal, not the opt-in bounce. */
	ASSERT_EQ(0, cv_imp_bounce_if_forced(0, &self->bounce));
	self->imp = cv_imp_open();
	ASSERT_LE(0, self->imp) TH_LOG("open %s: %s", CV_IMP_DEV_PATH, strerror(-self->imp));
	ASSERT_EQ(0, cv_imp_find_device(self->imp, variant->role, variant->dma_bits, &self->dev))
		TH_LOG("no device of role %u (%u-bit)", variant->role, variant->dma_bits);
	ASSERT_EQ(0, cv_imp_find_device(self->imp, ROLE_GPU, 0, &self->gpu));

	if (cv_imp_find_heap(variant->kind, self->heap))
		SKIP(return, "no %s heap", cv_imp_heap_kind_name(variant->kind));
	self->heap_fd = cv_heap_open(self->heap);
	ASSERT_LE(0, self->heap_fd) TH_LOG("open heap %s", self->heap);
	self->carveout = cv_is_carveout(self->heap);
	if (self->carveout)
		ASSERT_EQ(0, cv_wait_idle(self->heap));

	if (variant->kind == CV_IMP_HEAP_SYSTEM) {
		self->size = 4 * MiB;
		self->buf = scattered_system_buffer(self->heap_fd, self->imp,
						    self->gpu.index, self->size,
						    self->keep);
		if (cv_imp_mainline_bounce_failed(self->buf) &&
		    cv_imp_mainline_may_bounce(&self->gpu)) {
			/* It is found by mapping it on the GPU, which bounces. */
			self->scattered = 1;
			SKIP(return, "gpu: swiotlb cannot bounce the %s heap's segments above 256 KiB (map: %s)",
			     self->heap, strerror(-self->buf));
		}
		ASSERT_LE(0, self->buf) TH_LOG("no scattered system buffer: %s",
					       strerror(-self->buf));
		self->scattered = 1;
	} else {
		self->size = 2 * MiB;
		self->buf = cv_alloc(self->heap_fd, self->size, O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, self->buf) TH_LOG("alloc from %s: %s", self->heap,
					       strerror(-self->buf));
	}

	ret = cv_imp_attach(self->imp, self->buf, self->dev.index, &self->handle);
	if (dev_has(&self->dev, DMABUF_IMPORTER_DEV_NO_DMA)) {
		/* The one way such a device may fail: cleanly, at once. */
		ASSERT_EQ(-ENXIO, ret);
		ASSERT_FALSE(dev_has(&self->dev, DMABUF_IMPORTER_DEV_IOMMU));
		self->handle = 0;
		SKIP(return, "%s: a %u-bit DMA mask reaches no memory without an IOMMU (attach: ENXIO)",
		     self->dev.name, self->dev.dma_bits);
	}
	if (self->carveout && cv_imp_expect_reach(&self->dev, self->heap) == CV_IMP_REACH_REFUSED) {
		/* Out of the device's direct reach: refused, never bounced. */
		ASSERT_EQ(-ERANGE, ret) TH_LOG("%s on %s", self->heap, self->dev.name);
		self->handle = 0;
		SKIP(return, "%s cannot address %s directly: attach refused with ERANGE as documented",
		     self->dev.name, self->heap);
	}
	ASSERT_EQ(0, ret) TH_LOG("attach to %s: %s", self->dev.name, strerror(-ret));
	if (!self->carveout && cv_imp_mainline_may_bounce(&self->dev)) {
		/* dma-direct bounces a mainline heap's buffer it cannot reach. */
		ret = cv_imp_map(self->imp, self->handle, DIR_BIDI, NULL);
		if (cv_imp_mainline_bounce_failed(ret))
			SKIP(return, "%s: a %s buffer must bounce (%s) and swiotlb cannot take its segments above 256 KiB (map: %s)",
			     self->dev.name, self->heap,
			     cv_swiotlb_forced() ? "swiotlb=force" : "beyond the DMA mask",
			     strerror(-ret));
		ASSERT_EQ(0, ret) TH_LOG("trial map on %s: %s", self->dev.name, strerror(-ret));
		ASSERT_EQ(0, cv_imp_unmap(self->imp, self->handle));
	}
}

FIXTURE_TEARDOWN(pair)
{
	cv_imp_bounce_restore(self->bounce);
	if (self->handle)
		EXPECT_EQ(0, cv_imp_detach(self->imp, self->handle));
	if (self->buf >= 0)
		close(self->buf);
	if (self->scattered)
		close_all(self->keep, MAX_KEEP);
	if (self->imp >= 0)
		close(self->imp);
	if (self->heap_fd >= 0)
		close(self->heap_fd);
	if (self->carveout)
		EXPECT_EQ(0, cv_wait_idle(self->heap))
			TH_LOG("heap %s did not return to zero used", self->heap);
}

/* A display engine cannot scan out a scattered buffer: EXDEV, unmapped. */
static int display_refuses(struct __test_metadata *_metadata,
			   FIXTURE_DATA(pair) *self, uint32_t dir)
{
	struct dmabuf_importer_query q;

	if (!dev_has(&self->dev, DMABUF_IMPORTER_DEV_CONTIG) || !self->scattered)
		return 0;
	EXPECT_EQ(-EXDEV, cv_imp_map(self->imp, self->handle, dir, NULL));
	EXPECT_EQ(0, cv_imp_query(self->imp, self->handle, &q));
	EXPECT_EQ(0U, q.state);
	return 1;
}

TEST_F(pair, cpu_writes_device_reads)
{
	uint64_t off, len, sum = 0, want;
	uint32_t seed = 0xc0ffee00 ^ self->dev.index;
	double t0, t1;
	uint8_t *p;

	if (display_refuses(_metadata, self, DIR_TO))
		return;
	ASSERT_EQ(0, cv_imp_map(self->imp, self->handle, DIR_TO, NULL));

	p = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, self->buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	imp_pattern(p, 0, self->size, seed);
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	munmap(p, self->size);

	work_range(&self->dev, self->size, &off, &len);
	t0 = cv_now();
	ASSERT_EQ(0, cv_imp_checksum(self->imp, self->handle, off, len, &sum));
	t1 = cv_now();
	TH_LOG("%s read %llu bytes of %s in %ld ms", self->dev.name,
	       (unsigned long long)len, self->heap,
	       (long)((t1 - t0) * 1000));
	want = expected_hash(off, len, seed);
	EXPECT_EQ(want, sum) TH_LOG("%s read [%#llx, +%#llx) of a %s buffer wrong",
				    self->dev.name, (unsigned long long)off,
				    (unsigned long long)len, self->heap);

	/* A sub-range at an odd word offset reads what it should, too. */
	ASSERT_EQ(0, cv_imp_checksum(self->imp, self->handle, off + 12, len - 20, &sum));
	EXPECT_EQ(expected_hash(off + 12, len - 20, seed), sum);

	EXPECT_EQ(0, cv_imp_unmap(self->imp, self->handle));
}

TEST_F(pair, device_writes_cpu_reads)
{
	uint32_t seed = 0x5eed0000 ^ self->dev.index;
	uint64_t off, len, bad;
	uint8_t *p;

	if (display_refuses(_metadata, self, DIR_FROM))
		return;
	ASSERT_EQ(0, cv_imp_map(self->imp, self->handle, DIR_FROM, NULL));

	work_range(&self->dev, self->size, &off, &len);
	if (len > 8) {
		/* Leave the edges alone: the device must write only its range. */
		off += 4;
		len -= 8;
	}
	ASSERT_EQ(0, cv_imp_fill(self->imp, self->handle, off, len, seed));

	p = mmap(NULL, self->size, PROT_READ, MAP_SHARED, self->buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	bad = cv_imp_verify(p + off, off, len, seed);
	EXPECT_EQ(len, bad) TH_LOG("%s wrote offset %#llx of a %s buffer wrong",
				   self->dev.name, (unsigned long long)(off + bad),
				   self->heap);
	/* Fresh buffers are zeroed; nothing outside the range changed. */
	EXPECT_EQ(off, first_nonzero(p, off));
	EXPECT_EQ(self->size - off - len,
		  first_nonzero(p + off + len, self->size - off - len));
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(p, self->size);

	EXPECT_EQ(0, cv_imp_unmap(self->imp, self->handle));
}

TEST_F(pair, contiguity_is_reported)
{
	int translated = dev_has(&self->dev, DMABUF_IMPORTER_DEV_IOMMU);
	struct dmabuf_importer_query q;
	struct dmabuf_importer_map m;
	uint64_t base;
	int ret;

	ret = cv_imp_map(self->imp, self->handle, DIR_BIDI, &m);
	if (dev_has(&self->dev, DMABUF_IMPORTER_DEV_CONTIG) && self->scattered &&
	    !translated) {
		ASSERT_EQ(-EXDEV, ret);
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("map: %s", strerror(-ret));
	TH_LOG("%s on %s: %u segment(s), DMA %#llx-%#llx%s", self->heap, self->dev.name,
	       m.nents, (unsigned long long)m.dma_start, (unsigned long long)m.dma_end,
	       m.flags & CONTIGUOUS ? ", contiguous" : "");

	EXPECT_EQ(self->size, m.dma_size);
	EXPECT_LE(1U, m.nents);
	if (m.flags & CONTIGUOUS) {
		EXPECT_EQ(m.dma_size, m.dma_end - m.dma_start);
	} else {
		EXPECT_LT(1U, m.nents);
	}

	if (!self->scattered || translated) {
		EXPECT_TRUE(!!(m.flags & CONTIGUOUS))
			TH_LOG("a %s buffer on %s should map contiguous", self->heap,
			       self->dev.name);
	} else {
		EXPECT_FALSE(!!(m.flags & CONTIGUOUS));
	}
	if (self->dev.dma_bits < 64)
		EXPECT_GE(1ULL << self->dev.dma_bits, m.dma_end);

	/* Without an IOMMU a carveout buffer's DMA address is its own. */
	if (self->carveout && !translated) {
		ASSERT_EQ(0, cv_imp_heap_base(self->heap, &base));
		EXPECT_LE(base, m.dma_start);
		EXPECT_GT(base + 64 * MiB, m.dma_start);
	}

	ASSERT_EQ(0, cv_imp_query(self->imp, self->handle, &q));
	EXPECT_EQ((uint32_t)DMABUF_IMPORTER_STATE_MAPPED, q.state);
	EXPECT_EQ((uint32_t)DIR_BIDI, q.direction);
	EXPECT_EQ(m.flags, q.flags);
	EXPECT_EQ(m.nents, q.nents);
	EXPECT_EQ(m.dma_start, q.dma_start);
	EXPECT_EQ(m.dma_end, q.dma_end);
	EXPECT_EQ(self->size, q.size);
	EXPECT_EQ(self->dev.index, q.device);

	EXPECT_EQ(0, cv_imp_unmap(self->imp, self->handle));
	ASSERT_EQ(0, cv_imp_query(self->imp, self->handle, &q));
	EXPECT_EQ(0U, q.state);
	EXPECT_EQ(0U, q.nents);
}

TEST_HARNESS_MAIN
