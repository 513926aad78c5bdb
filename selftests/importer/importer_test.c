// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer kselftests
 *
 * - pair: every device role (camera, GPU, display, edu with a 64-bit and
 *   with a 28-bit DMA mask) against every heap kind (cached and uncached
 *   carveout, system, CMA): data round trips CPU -> device and device ->
 *   CPU inside sync brackets, and what the mapping looks like.
 * - every heap in /dev/dma_heap against every device, once each.
 * - edu: its IOMMU state and the 28-bit mask, with and without SMMUv3.
 * - sync: the DMA tracepoints show the cache maintenance begin/end
 *   cpu_access does for each kind of importer.
 * - bad input, each with its documented errno; threads racing on one
 *   attachment; what a closed file and a killed process leave behind.
 *
 * The devices move data through the DMA addresses of the mapping, so a
 * checksum or pattern that matches shows what the device really saw.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include "importer_util.h"

#define MiB (1024UL * 1024UL)
/* edu moves ~20 KiB/s: it works on a window across the buffer's middle. */
#define EDU_WINDOW 4096UL
#define MAX_KEEP 8

#define ROLE_CAMERA DMABUF_IMPORTER_ROLE_CAMERA
#define ROLE_GPU DMABUF_IMPORTER_ROLE_GPU
#define ROLE_DISPLAY DMABUF_IMPORTER_ROLE_DISPLAY
#define ROLE_EDU DMABUF_IMPORTER_ROLE_EDU
#define DIR_TO DMABUF_IMPORTER_DIR_TO_DEVICE
#define DIR_FROM DMABUF_IMPORTER_DIR_FROM_DEVICE
#define DIR_BIDI DMABUF_IMPORTER_DIR_BIDIRECTIONAL
#define CONTIGUOUS DMABUF_IMPORTER_MAPPING_CONTIGUOUS

static int dev_has(const struct dmabuf_importer_device_info *d, uint32_t flag)
{
	return (d->flags & flag) != 0;
}

/* The range a device works on: the whole buffer, or edu's window. */
static void work_range(const struct dmabuf_importer_device_info *dev,
		       uint64_t size, uint64_t *off, uint64_t *len)
{
	if (dev->role == ROLE_EDU) {
		*off = size / 2 - EDU_WINDOW / 2;
		*len = EDU_WINDOW;
	} else {
		*off = 0;
		*len = size;
	}
}

static uint64_t expected_hash(uint64_t off, uint64_t len, uint32_t seed)
{
	void *p = malloc(len);
	uint64_t h;

	imp_pattern(p, off, len, seed);
	h = imp_hash(p, len);
	free(p);
	return h;
}

static size_t first_nonzero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return i;
	return len;
}

/*
 * Is a mapping of @buf on @dev (a device without an IOMMU) contiguous?
 * 1 or 0, or -errno.
 */
static int maps_contiguous(int imp, int buf, uint32_t dev)
{
	struct dmabuf_importer_map m;
	uint32_t h;
	int ret;

	ret = imp_attach(imp, buf, dev, &h);
	if (ret)
		return ret;
	ret = imp_map(imp, h, DIR_BIDI, &m);
	if (!ret)
		ret = !!(m.flags & CONTIGUOUS);
	imp_detach(imp, h);
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

static void close_all(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
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
	int bounce;	/* allow_bounce to restore (imp_bounce_if_forced) */
};

FIXTURE_VARIANT(pair) {
	uint32_t role;
	uint32_t dma_bits;
	enum imp_heap_kind kind;
};

#define PAIR(_name, _role, _bits, _kind)				\
	FIXTURE_VARIANT_ADD(pair, _name) {				\
		.role = _role, .dma_bits = _bits, .kind = _kind,	\
	}

PAIR(camera_cached, ROLE_CAMERA, 0, IMP_HEAP_CACHED);
PAIR(camera_uncached, ROLE_CAMERA, 0, IMP_HEAP_UNCACHED);
PAIR(camera_system, ROLE_CAMERA, 0, IMP_HEAP_SYSTEM);
PAIR(camera_cma, ROLE_CAMERA, 0, IMP_HEAP_CMA);
PAIR(gpu_cached, ROLE_GPU, 0, IMP_HEAP_CACHED);
PAIR(gpu_uncached, ROLE_GPU, 0, IMP_HEAP_UNCACHED);
PAIR(gpu_system, ROLE_GPU, 0, IMP_HEAP_SYSTEM);
PAIR(gpu_cma, ROLE_GPU, 0, IMP_HEAP_CMA);
PAIR(display_cached, ROLE_DISPLAY, 0, IMP_HEAP_CACHED);
PAIR(display_uncached, ROLE_DISPLAY, 0, IMP_HEAP_UNCACHED);
PAIR(display_system, ROLE_DISPLAY, 0, IMP_HEAP_SYSTEM);
PAIR(display_cma, ROLE_DISPLAY, 0, IMP_HEAP_CMA);
PAIR(edu64_cached, ROLE_EDU, 64, IMP_HEAP_CACHED);
PAIR(edu64_uncached, ROLE_EDU, 64, IMP_HEAP_UNCACHED);
PAIR(edu64_system, ROLE_EDU, 64, IMP_HEAP_SYSTEM);
PAIR(edu64_cma, ROLE_EDU, 64, IMP_HEAP_CMA);
PAIR(edu28_cached, ROLE_EDU, 28, IMP_HEAP_CACHED);
PAIR(edu28_uncached, ROLE_EDU, 28, IMP_HEAP_UNCACHED);
PAIR(edu28_system, ROLE_EDU, 28, IMP_HEAP_SYSTEM);
PAIR(edu28_cma, ROLE_EDU, 28, IMP_HEAP_CMA);

FIXTURE_SETUP(pair)
{
	int ret;

	self->imp = self->heap_fd = self->buf = self->bounce = -1;
	self->handle = 0;
	/* Under swiotlb=force: the default refusal, not the opt-in bounce. */
	ASSERT_EQ(0, imp_bounce_if_forced(0, &self->bounce));
	self->imp = imp_open();
	ASSERT_LE(0, self->imp) TH_LOG("open %s: %s", IMP_DEV_PATH, strerror(-self->imp));
	ASSERT_EQ(0, imp_find_device(self->imp, variant->role, variant->dma_bits, &self->dev))
		TH_LOG("no device of role %u (%u-bit)", variant->role, variant->dma_bits);
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_GPU, 0, &self->gpu));

	if (imp_find_heap(variant->kind, self->heap))
		SKIP(return, "no %s heap", imp_heap_kind_name(variant->kind));
	self->heap_fd = cv_heap_open(self->heap);
	ASSERT_LE(0, self->heap_fd) TH_LOG("open heap %s", self->heap);
	self->carveout = cv_is_carveout(self->heap);
	if (self->carveout)
		ASSERT_EQ(0, cv_wait_idle(self->heap));

	if (variant->kind == IMP_HEAP_SYSTEM) {
		self->size = 4 * MiB;
		self->buf = scattered_system_buffer(self->heap_fd, self->imp,
						    self->gpu.index, self->size,
						    self->keep);
		if (imp_mainline_bounce_failed(self->buf) &&
		    imp_mainline_may_bounce(&self->gpu)) {
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

	ret = imp_attach(self->imp, self->buf, self->dev.index, &self->handle);
	if (dev_has(&self->dev, DMABUF_IMPORTER_DEV_NO_DMA)) {
		/* The one way such a device may fail: cleanly, at once. */
		ASSERT_EQ(-ENXIO, ret);
		ASSERT_FALSE(dev_has(&self->dev, DMABUF_IMPORTER_DEV_IOMMU));
		self->handle = 0;
		SKIP(return, "%s: a %u-bit DMA mask reaches no memory without an IOMMU (attach: ENXIO)",
		     self->dev.name, self->dev.dma_bits);
	}
	if (self->carveout && imp_expect_reach(&self->dev, self->heap) == IMP_REACH_REFUSED) {
		/* Out of the device's direct reach: refused, never bounced. */
		ASSERT_EQ(-ERANGE, ret) TH_LOG("%s on %s", self->heap, self->dev.name);
		self->handle = 0;
		SKIP(return, "%s cannot address %s directly: attach refused with ERANGE as documented",
		     self->dev.name, self->heap);
	}
	ASSERT_EQ(0, ret) TH_LOG("attach to %s: %s", self->dev.name, strerror(-ret));
	if (!self->carveout && imp_mainline_may_bounce(&self->dev)) {
		/* dma-direct bounces a mainline heap's buffer it cannot reach. */
		ret = imp_map(self->imp, self->handle, DIR_BIDI, NULL);
		if (imp_mainline_bounce_failed(ret))
			SKIP(return, "%s: a %s buffer must bounce (%s) and swiotlb cannot take its segments above 256 KiB (map: %s)",
			     self->dev.name, self->heap,
			     cv_swiotlb_forced() ? "swiotlb=force" : "beyond the DMA mask",
			     strerror(-ret));
		ASSERT_EQ(0, ret) TH_LOG("trial map on %s: %s", self->dev.name, strerror(-ret));
		ASSERT_EQ(0, imp_unmap(self->imp, self->handle));
	}
}

FIXTURE_TEARDOWN(pair)
{
	imp_bounce_restore(self->bounce);
	if (self->handle)
		EXPECT_EQ(0, imp_detach(self->imp, self->handle));
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
	EXPECT_EQ(-EXDEV, imp_map(self->imp, self->handle, dir, NULL));
	EXPECT_EQ(0, imp_query(self->imp, self->handle, &q));
	EXPECT_EQ(0U, q.state);
	return 1;
}

TEST_F(pair, cpu_writes_device_reads)
{
	uint64_t off, len, sum = 0, want;
	uint32_t seed = 0xc0ffee00 ^ self->dev.index;
	struct timespec t0, t1;
	uint8_t *p;

	if (display_refuses(_metadata, self, DIR_TO))
		return;
	ASSERT_EQ(0, imp_map(self->imp, self->handle, DIR_TO, NULL));

	p = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, self->buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	imp_pattern(p, 0, self->size, seed);
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	munmap(p, self->size);

	work_range(&self->dev, self->size, &off, &len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, imp_checksum(self->imp, self->handle, off, len, &sum));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%s read %llu bytes of %s in %ld ms", self->dev.name,
	       (unsigned long long)len, self->heap,
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	want = expected_hash(off, len, seed);
	EXPECT_EQ(want, sum) TH_LOG("%s read [%#llx, +%#llx) of a %s buffer wrong",
				    self->dev.name, (unsigned long long)off,
				    (unsigned long long)len, self->heap);

	/* A sub-range at an odd word offset reads what it should, too. */
	ASSERT_EQ(0, imp_checksum(self->imp, self->handle, off + 12, len - 20, &sum));
	EXPECT_EQ(expected_hash(off + 12, len - 20, seed), sum);

	EXPECT_EQ(0, imp_unmap(self->imp, self->handle));
}

TEST_F(pair, device_writes_cpu_reads)
{
	uint32_t seed = 0x5eed0000 ^ self->dev.index;
	uint64_t off, len, bad;
	uint8_t *p;

	if (display_refuses(_metadata, self, DIR_FROM))
		return;
	ASSERT_EQ(0, imp_map(self->imp, self->handle, DIR_FROM, NULL));

	work_range(&self->dev, self->size, &off, &len);
	if (len > 8) {
		/* Leave the edges alone: the device must write only its range. */
		off += 4;
		len -= 8;
	}
	ASSERT_EQ(0, imp_fill(self->imp, self->handle, off, len, seed));

	p = mmap(NULL, self->size, PROT_READ, MAP_SHARED, self->buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	bad = imp_verify(p + off, off, len, seed);
	EXPECT_EQ(len, bad) TH_LOG("%s wrote offset %#llx of a %s buffer wrong",
				   self->dev.name, (unsigned long long)(off + bad),
				   self->heap);
	/* Fresh buffers are zeroed; nothing outside the range changed. */
	EXPECT_EQ(off, first_nonzero(p, off));
	EXPECT_EQ(self->size - off - len,
		  first_nonzero(p + off + len, self->size - off - len));
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(p, self->size);

	EXPECT_EQ(0, imp_unmap(self->imp, self->handle));
}

TEST_F(pair, contiguity_is_reported)
{
	int translated = dev_has(&self->dev, DMABUF_IMPORTER_DEV_IOMMU);
	struct dmabuf_importer_query q;
	struct dmabuf_importer_map m;
	uint64_t base;
	int ret;

	ret = imp_map(self->imp, self->handle, DIR_BIDI, &m);
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
		ASSERT_EQ(0, imp_heap_base(self->heap, &base));
		EXPECT_LE(base, m.dma_start);
		EXPECT_GT(base + 64 * MiB, m.dma_start);
	}

	ASSERT_EQ(0, imp_query(self->imp, self->handle, &q));
	EXPECT_EQ((uint32_t)DMABUF_IMPORTER_STATE_MAPPED, q.state);
	EXPECT_EQ((uint32_t)DIR_BIDI, q.direction);
	EXPECT_EQ(m.flags, q.flags);
	EXPECT_EQ(m.nents, q.nents);
	EXPECT_EQ(m.dma_start, q.dma_start);
	EXPECT_EQ(m.dma_end, q.dma_end);
	EXPECT_EQ(self->size, q.size);
	EXPECT_EQ(self->dev.index, q.device);

	EXPECT_EQ(0, imp_unmap(self->imp, self->handle));
	ASSERT_EQ(0, imp_query(self->imp, self->handle, &q));
	EXPECT_EQ(0U, q.state);
	EXPECT_EQ(0U, q.nents);
}

/* Common state of the single-fixture tests: an importer and a buffer. */
FIXTURE(imp) {
	int imp;
	int heap_fd;
	struct cv_heap heap;
	struct dmabuf_importer_device_info camera, gpu, display, edu64, edu28;
	int buf;
	uint64_t size;
	int bounce;	/* allow_bounce to restore (imp_bounce_if_forced) */
	uint32_t scanout;	/* the display, or edu64 when maps bounce */
};

FIXTURE_SETUP(imp)
{
	int ret;

	self->imp = self->heap_fd = self->buf = self->bounce = -1;
	self->imp = imp_open();
	ASSERT_LE(0, self->imp) TH_LOG("open %s: %s", IMP_DEV_PATH, strerror(-self->imp));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_CAMERA, 0, &self->camera));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_GPU, 0, &self->gpu));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_DISPLAY, 0, &self->display));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_EDU, 64, &self->edu64));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_EDU, 28, &self->edu28));
	ret = imp_open_cached_heap(&self->heap, &self->heap_fd);
	if (ret == -ENOENT)
		SKIP(return, "no cached carveout heap");
	ASSERT_EQ(0, ret) TH_LOG("cached carveout heap: %s", strerror(-ret));
	self->size = MiB;
	self->buf = cv_alloc(self->heap_fd, self->size, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, self->buf);
	ASSERT_EQ(0, imp_bounce_if_forced(1, &self->bounce));
	/*
	 * A bounced copy lies in 256 KiB pieces wherever swiotlb had room,
	 * which the display may refuse (EXDEV): tests that need a third
	 * device that maps take the 64-bit edu then.
	 */
	self->scanout = imp_bounces(&self->display) ? self->edu64.index :
						     self->display.index;
}

FIXTURE_TEARDOWN(imp)
{
	imp_bounce_restore(self->bounce);
	if (self->buf >= 0)
		close(self->buf);
	if (self->imp >= 0)
		close(self->imp);
	if (self->heap_fd >= 0)
		EXPECT_EQ(0, imp_close_heap(self->heap_fd, self->heap.name))
			TH_LOG("heap %s did not return to zero used", self->heap.name);
}

TEST_F(imp, device_info_describes_every_role)
{
	struct dmabuf_importer_device_info *d;

	d = &self->camera;
	EXPECT_FALSE(dev_has(d, DMABUF_IMPORTER_DEV_COHERENT));
	EXPECT_FALSE(dev_has(d, DMABUF_IMPORTER_DEV_CONTIG));
	EXPECT_EQ(32U, d->dma_bits);
	EXPECT_STREQ("camera", d->name);
	d = &self->gpu;
	EXPECT_TRUE(dev_has(d, DMABUF_IMPORTER_DEV_COHERENT));
	EXPECT_EQ(64U, d->dma_bits);
	EXPECT_STREQ("gpu", d->name);
	d = &self->display;
	EXPECT_TRUE(dev_has(d, DMABUF_IMPORTER_DEV_CONTIG));
	EXPECT_STREQ("display", d->name);
	d = &self->edu64;
	EXPECT_TRUE(dev_has(d, DMABUF_IMPORTER_DEV_HW_DMA));
	EXPECT_FALSE(dev_has(d, DMABUF_IMPORTER_DEV_NO_DMA));
	d = &self->edu28;
	EXPECT_TRUE(dev_has(d, DMABUF_IMPORTER_DEV_HW_DMA));
	EXPECT_NE(self->edu64.index, self->edu28.index);
	/* The emulated devices sit outside any IOMMU on this board. */
	EXPECT_FALSE(dev_has(&self->camera, DMABUF_IMPORTER_DEV_IOMMU));
	EXPECT_FALSE(dev_has(&self->gpu, DMABUF_IMPORTER_DEV_IOMMU));
	EXPECT_FALSE(dev_has(&self->display, DMABUF_IMPORTER_DEV_IOMMU));
	EXPECT_EQ(0xffffffffU, self->gpu.max_segment);
}

TEST_F(imp, device_info_past_the_last_fails_enodev)
{
	struct dmabuf_importer_device_info info;

	EXPECT_EQ(-ENODEV, imp_device_info(self->imp, 64, &info));
	EXPECT_EQ(-ENODEV, imp_device_info(self->imp, 0xffffffff, &info));
}

/* edu: the SMMUv3 decides whether a 28-bit DMA mask can work. */
TEST_F(imp, edu_iommu_state_matches_sysfs)
{
	int iommu64 = imp_pci_has_iommu_group(self->edu64.name);
	int iommu28 = imp_pci_has_iommu_group(self->edu28.name);

	EXPECT_EQ(iommu64, dev_has(&self->edu64, DMABUF_IMPORTER_DEV_IOMMU));
	EXPECT_EQ(iommu28, dev_has(&self->edu28, DMABUF_IMPORTER_DEV_IOMMU));
	EXPECT_EQ(iommu64, iommu28);
	/* No RAM of this board lies below 256 MiB: only IOVAs can serve. */
	EXPECT_EQ(!iommu28, dev_has(&self->edu28, DMABUF_IMPORTER_DEV_NO_DMA));
	TH_LOG("edu %s and %s: %s", self->edu64.name, self->edu28.name,
	       iommu64 ? "behind an IOMMU" : "no IOMMU");
}

TEST_F(imp, edu_28bit_mask_fails_enxio_or_gets_iovas_below_256mib)
{
	struct dmabuf_importer_map m;
	uint32_t h = 0;
	uint64_t sum, off = self->size / 2 - EDU_WINDOW / 2;
	uint8_t *p;

	if (!dev_has(&self->edu28, DMABUF_IMPORTER_DEV_IOMMU)) {
		EXPECT_EQ(-ENXIO, imp_attach(self->imp, self->buf, self->edu28.index, &h));
		EXPECT_EQ(0U, h);
		return;
	}
	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->edu28.index, &h));
	ASSERT_EQ(0, imp_map(self->imp, h, DIR_BIDI, &m));
	/* The carveout lies at >= 1.75 GiB; the device sees it below 256 MiB. */
	EXPECT_GE(1ULL << 28, m.dma_end);
	EXPECT_TRUE(!!(m.flags & CONTIGUOUS));
	TH_LOG("IOVA %#llx-%#llx", (unsigned long long)m.dma_start,
	       (unsigned long long)m.dma_end);

	ASSERT_EQ(0, imp_fill(self->imp, h, off, EDU_WINDOW, 0x28282828));
	p = mmap(NULL, self->size, PROT_READ, MAP_SHARED, self->buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(EDU_WINDOW, imp_verify(p + off, off, EDU_WINDOW, 0x28282828));
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(p, self->size);
	ASSERT_EQ(0, imp_checksum(self->imp, h, off, EDU_WINDOW, &sum));
	EXPECT_EQ(expected_hash(off, EDU_WINDOW, 0x28282828), sum);
	EXPECT_EQ(0, imp_detach(self->imp, h));
}

/* Every heap in /dev/dma_heap against every device that can do DMA. */
TEST_F_TIMEOUT(imp, every_heap_round_trips_on_every_device, 300)
{
	struct dmabuf_importer_device_info dev;
	char names[16][64];
	uint32_t idx, h, seed;
	uint64_t off, len, sum, size = MiB;
	int n, i, heap, buf, ret, reach, pairs = 0, refused = 0, done = 0;
	uint8_t *p;

	/* Only this test's buffers count in the heaps' stats. */
	close(self->buf);
	self->buf = -1;
	n = cv_heap_names(names, 16);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		heap = cv_heap_open(names[i]);
		ASSERT_LE(0, heap) TH_LOG("open heap %s", names[i]);
		for (idx = 0; idx < 64; idx++) {
			if (imp_device_info(self->imp, idx, &dev))
				continue;
			if (dev_has(&dev, DMABUF_IMPORTER_DEV_NO_DMA))
				continue;
			pairs++;
			seed = 0xa5000000 ^ (i << 8) ^ idx;
			buf = cv_alloc(heap, size, O_RDWR | O_CLOEXEC, 0);
			ASSERT_LE(0, buf) TH_LOG("alloc from %s", names[i]);
			reach = cv_is_carveout(names[i]) ?
				imp_expect_reach(&dev, names[i]) : IMP_REACH_OK;
			ret = imp_attach(self->imp, buf, idx, &h);
			if (reach == IMP_REACH_REFUSED) {
				/* importer_reach_test checks these in depth. */
				EXPECT_EQ(-ERANGE, ret) TH_LOG("%s on %s", names[i], dev.name);
				if (!ret)
					imp_detach(self->imp, h);
				refused++;
				close(buf);
				continue;
			}
			ASSERT_EQ(0, ret) TH_LOG("attach %s on %s: %s", names[i], dev.name,
						 strerror(-ret));
			ret = imp_map(self->imp, h, DIR_BIDI, NULL);
			if (ret == -EXDEV && dev_has(&dev, DMABUF_IMPORTER_DEV_CONTIG) &&
			    (!cv_is_carveout(names[i]) || imp_bounces(&dev))) {
				/* A scattered buffer (or copy) is the display's to refuse. */
				TH_LOG("%s refuses a scattered %s buffer", dev.name, names[i]);
				refused++;
				EXPECT_EQ(0, imp_detach(self->imp, h));
				close(buf);
				continue;
			}
			if (imp_mainline_bounce_failed(ret) && !cv_is_carveout(names[i]) &&
			    imp_mainline_may_bounce(&dev)) {
				TH_LOG("%s cannot bounce a %s buffer beyond its reach", dev.name,
				       names[i]);
				refused++;
				EXPECT_EQ(0, imp_detach(self->imp, h));
				close(buf);
				continue;
			}
			ASSERT_EQ(0, ret) TH_LOG("map %s on %s: %s", names[i], dev.name,
						 strerror(-ret));

			p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
			ASSERT_NE(MAP_FAILED, p);
			work_range(&dev, size, &off, &len);
			ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
			imp_pattern(p + off, off, len, seed);
			ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
			ASSERT_EQ(0, imp_checksum(self->imp, h, off, len, &sum));
			EXPECT_EQ(expected_hash(off, len, seed), sum)
				TH_LOG("%s read a %s buffer wrong", dev.name, names[i]);
			ASSERT_EQ(0, imp_fill(self->imp, h, off, len, ~seed));
			ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
			EXPECT_EQ(len, imp_verify(p + off, off, len, ~seed))
				TH_LOG("%s wrote a %s buffer wrong", dev.name, names[i]);
			ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
			munmap(p, size);
			EXPECT_EQ(0, imp_detach(self->imp, h));
			close(buf);
			done++;
		}
		close(heap);
		if (cv_is_carveout(names[i]))
			EXPECT_EQ(0, cv_wait_idle(names[i]));
	}
	TH_LOG("%d heap/device pairs round-tripped, %d refused", done, refused);
	EXPECT_EQ(pairs, done + refused);
	EXPECT_LE(4 * n, pairs);
}

/* Bad input: each case has its documented errno and leaves nothing. */

TEST_F(imp, attach_non_dmabuf_fd_fails_einval)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	uint32_t h = 0;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, imp_attach(self->imp, fd, self->gpu.index, &h));
	EXPECT_EQ(-EINVAL, imp_attach(self->imp, self->imp, self->gpu.index, &h));
	EXPECT_EQ(-EINVAL, imp_attach(self->imp, self->heap_fd, self->gpu.index, &h));
	close(fd);
}

TEST_F(imp, attach_closed_fd_fails_ebadf)
{
	uint32_t h = 0;
	int fd = dup(self->buf);

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-EBADF, imp_attach(self->imp, fd, self->gpu.index, &h));
	EXPECT_EQ(-EBADF, imp_attach(self->imp, -1, self->gpu.index, &h));
	EXPECT_EQ(-EBADF, imp_attach(self->imp, 1 << 30, self->gpu.index, &h));
}

TEST_F(imp, attach_unknown_device_fails_enodev)
{
	uint32_t h = 0;

	EXPECT_EQ(-ENODEV, imp_attach(self->imp, self->buf, 64, &h));
	EXPECT_EQ(-ENODEV, imp_attach(self->imp, self->buf, 0xffffffff, &h));
}

TEST_F(imp, attach_nonzero_flags_fails_einval)
{
	struct dmabuf_importer_attach a = {
		.fd = self->buf, .device = self->gpu.index, .flags = 1,
	};

	EXPECT_EQ(-1, ioctl(self->imp, DMABUF_IMPORTER_IOC_ATTACH, &a));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(imp, attachments_beyond_1024_fail_enospc)
{
	uint32_t h;
	int i, ret = 0;

	for (i = 0; i < 1024 && !ret; i++)
		ret = imp_attach(self->imp, self->buf, self->gpu.index, &h);
	ASSERT_EQ(0, ret) TH_LOG("attachment %d: %s", i, strerror(-ret));
	EXPECT_EQ(-ENOSPC, imp_attach(self->imp, self->buf, self->gpu.index, &h));
	/* Detaching one frees its slot. */
	EXPECT_EQ(0, imp_detach(self->imp, 7));
	EXPECT_EQ(0, imp_attach(self->imp, self->buf, self->gpu.index, &h));
	EXPECT_EQ(7U, h);
}

TEST_F(imp, map_twice_fails_ebusy)
{
	struct dmabuf_importer_query q;
	uint32_t h;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->camera.index, &h));
	ASSERT_EQ(0, imp_map(self->imp, h, DIR_TO, NULL));
	EXPECT_EQ(-EBUSY, imp_map(self->imp, h, DIR_TO, NULL));
	EXPECT_EQ(-EBUSY, imp_map(self->imp, h, DIR_FROM, NULL));
	EXPECT_EQ(-EBUSY, imp_map(self->imp, h, DIR_BIDI, NULL));
	ASSERT_EQ(0, imp_query(self->imp, h, &q));
	EXPECT_EQ((uint32_t)DMABUF_IMPORTER_STATE_MAPPED, q.state);
	EXPECT_EQ((uint32_t)DIR_TO, q.direction);
	EXPECT_EQ(0, imp_unmap(self->imp, h));
	EXPECT_EQ(0, imp_map(self->imp, h, DIR_FROM, NULL));
	EXPECT_EQ(0, imp_detach(self->imp, h));
}

TEST_F(imp, map_bad_direction_fails_einval)
{
	struct dmabuf_importer_query q;
	uint32_t h;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->gpu.index, &h));
	EXPECT_EQ(-EINVAL, imp_map(self->imp, h, 0, NULL));
	EXPECT_EQ(-EINVAL, imp_map(self->imp, h, 4, NULL));
	EXPECT_EQ(-EINVAL, imp_map(self->imp, h, 0xffffffff, NULL));
	ASSERT_EQ(0, imp_query(self->imp, h, &q));
	EXPECT_EQ(0U, q.state);
	EXPECT_EQ(0, imp_detach(self->imp, h));
}

TEST_F(imp, unknown_handle_fails_enoent)
{
	struct dmabuf_importer_query q;
	uint32_t bad[] = { 0, 1, 4242, 0xffffffff };
	uint64_t sum;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-ENOENT, imp_map(self->imp, bad[i], DIR_TO, NULL));
		EXPECT_EQ(-ENOENT, imp_unmap(self->imp, bad[i]));
		EXPECT_EQ(-ENOENT, imp_fill(self->imp, bad[i], 0, 4, 0));
		EXPECT_EQ(-ENOENT, imp_checksum(self->imp, bad[i], 0, 4, &sum));
		EXPECT_EQ(-ENOENT, imp_sync(self->imp, bad[i], DMABUF_IMPORTER_SYNC_READ));
		EXPECT_EQ(-ENOENT, imp_query(self->imp, bad[i], &q));
		EXPECT_EQ(-ENOENT, imp_detach(self->imp, bad[i]));
	}
}

TEST_F(imp, handles_belong_to_their_file)
{
	int other = imp_open();
	struct dmabuf_importer_query q;
	uint32_t h;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->gpu.index, &h));
	EXPECT_EQ(-ENOENT, imp_query(other, h, &q));
	EXPECT_EQ(-ENOENT, imp_detach(other, h));
	close(other);
	EXPECT_EQ(0, imp_query(self->imp, h, &q));
}

TEST_F(imp, detach_twice_fails_enoent)
{
	uint32_t h;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->gpu.index, &h));
	EXPECT_EQ(0, imp_detach(self->imp, h));
	EXPECT_EQ(-ENOENT, imp_detach(self->imp, h));
}

TEST_F(imp, detach_while_mapped_unmaps_and_frees)
{
	uint32_t h1, h2;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->camera.index, &h1));
	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->scanout, &h2));
	ASSERT_EQ(0, imp_map(self->imp, h1, DIR_FROM, NULL));
	ASSERT_EQ(0, imp_map(self->imp, h2, DIR_TO, NULL));
	close(self->buf);
	self->buf = -1;
	EXPECT_EQ(0, imp_detach(self->imp, h1));
	EXPECT_EQ(0, imp_detach(self->imp, h2));
	/* The attachments held the last references. */
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
}

TEST_F(imp, operations_on_unmapped_attachment_fail_enotconn)
{
	uint64_t sum;
	uint32_t h;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->gpu.index, &h));
	EXPECT_EQ(-ENOTCONN, imp_unmap(self->imp, h));
	EXPECT_EQ(-ENOTCONN, imp_fill(self->imp, h, 0, 4096, 1));
	EXPECT_EQ(-ENOTCONN, imp_checksum(self->imp, h, 0, 4096, &sum));
	ASSERT_EQ(0, imp_map(self->imp, h, DIR_BIDI, NULL));
	EXPECT_EQ(0, imp_unmap(self->imp, h));
	EXPECT_EQ(-ENOTCONN, imp_unmap(self->imp, h));
	EXPECT_EQ(0, imp_detach(self->imp, h));
}

TEST_F(imp, range_out_of_bounds_or_unaligned_fails_einval)
{
	uint64_t size = self->size, sum;
	struct {
		uint64_t off, len;
	} bad[] = {
		{ 0, 0 },			/* empty */
		{ size, 4 },			/* starts at the end */
		{ 0, size + 4 },		/* one word too long */
		{ size - 4, 8 },		/* runs over the end */
		{ ~0ULL - 3, 8 },		/* offset + length wraps */
		{ 4, ~0ULL - 3 },		/* length wraps */
		{ 2, 4 },			/* unaligned offset */
		{ 0, 6 },			/* unaligned length */
		{ 1, 1 },
	};
	unsigned int i;
	uint32_t h;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->gpu.index, &h));
	ASSERT_EQ(0, imp_map(self->imp, h, DIR_BIDI, NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, imp_fill(self->imp, h, bad[i].off, bad[i].len, 1))
			TH_LOG("fill [%#llx, +%#llx)", (unsigned long long)bad[i].off,
			       (unsigned long long)bad[i].len);
		EXPECT_EQ(-EINVAL, imp_checksum(self->imp, h, bad[i].off, bad[i].len, &sum));
	}
	/* The last word is in bounds. */
	EXPECT_EQ(0, imp_fill(self->imp, h, size - 4, 4, 1));
	EXPECT_EQ(0, imp_detach(self->imp, h));
}

TEST_F(imp, direction_mismatch_fails_eperm)
{
	uint32_t to, from, bidi;
	uint64_t sum;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->camera.index, &to));
	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->gpu.index, &from));
	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->scanout, &bidi));
	ASSERT_EQ(0, imp_map(self->imp, to, DIR_TO, NULL));
	ASSERT_EQ(0, imp_map(self->imp, from, DIR_FROM, NULL));
	ASSERT_EQ(0, imp_map(self->imp, bidi, DIR_BIDI, NULL));

	/* A device that only reads may not write, and the other way round. */
	EXPECT_EQ(-EPERM, imp_fill(self->imp, to, 0, 4096, 1));
	EXPECT_EQ(-EPERM, imp_checksum(self->imp, from, 0, 4096, &sum));
	EXPECT_EQ(0, imp_checksum(self->imp, to, 0, 4096, &sum));
	EXPECT_EQ(0, imp_fill(self->imp, from, 0, 4096, 1));
	EXPECT_EQ(0, imp_fill(self->imp, bidi, 0, 4096, 2));
	EXPECT_EQ(0, imp_checksum(self->imp, bidi, 0, 4096, &sum));
	EXPECT_EQ(expected_hash(0, 4096, 2), sum);
}

TEST_F(imp, sync_flags_are_checked)
{
	uint32_t h;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->camera.index, &h));
	EXPECT_EQ(-EINVAL, imp_sync(self->imp, h, 0));
	EXPECT_EQ(-EINVAL, imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_END));
	EXPECT_EQ(-EINVAL, imp_sync(self->imp, h, 8 | DMABUF_IMPORTER_SYNC_READ));
	/* Unmapped or mapped, a bracket is fine. */
	EXPECT_EQ(0, imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_START | DMABUF_IMPORTER_SYNC_RW));
	EXPECT_EQ(0, imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_END | DMABUF_IMPORTER_SYNC_RW));
	ASSERT_EQ(0, imp_map(self->imp, h, DIR_FROM, NULL));
	EXPECT_EQ(0, imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_START | DMABUF_IMPORTER_SYNC_READ));
	EXPECT_EQ(0, imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_END | DMABUF_IMPORTER_SYNC_READ));
}

/* Struct versioning: the size lives in the ioctl number. */
#define ATTACH_SIZED(size) \
	_IOC(_IOC_READ | _IOC_WRITE, DMABUF_IMPORTER_IOC_MAGIC, 0x1, (size))
#define IOC_SIZE_MAX ((1U << _IOC_SIZEBITS) - 1)

TEST_F(imp, struct_smaller_than_v1_fails_einval)
{
	uint8_t raw[64] = { 0 };
	struct dmabuf_importer_attach *a = (void *)raw;
	unsigned int size;

	a->fd = self->buf;
	a->device = self->gpu.index;
	for (size = 0; size < sizeof(*a); size += 4) {
		EXPECT_EQ(-1, ioctl(self->imp, ATTACH_SIZED(size), raw)) TH_LOG("size %u", size);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(0, ioctl(self->imp, ATTACH_SIZED(sizeof(*a)), raw));
	EXPECT_NE(0U, a->handle);
}

TEST_F(imp, struct_larger_with_zero_tail_is_accepted)
{
	size_t sizes[] = { sizeof(struct dmabuf_importer_attach) + 8, 4096, IOC_SIZE_MAX };
	struct dmabuf_importer_query q;
	unsigned int i;
	uint8_t *raw;

	raw = calloc(1, IOC_SIZE_MAX + 64);
	ASSERT_NE(NULL, raw);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct dmabuf_importer_attach *a = (void *)raw;

		memset(raw, 0, IOC_SIZE_MAX + 64);
		memset(raw + sizes[i], 0xff, 64);	/* beyond what is passed */
		a->fd = self->buf;
		a->device = self->gpu.index;
		EXPECT_EQ(0, ioctl(self->imp, ATTACH_SIZED(sizes[i]), raw))
			TH_LOG("size %zu: %s", sizes[i], strerror(errno));
		EXPECT_NE(0U, a->handle);
		EXPECT_EQ(self->size, a->size);
		/* The kernel wrote its own struct back, not the tail. */
		EXPECT_EQ(sizes[i] - sizeof(*a), first_nonzero(raw + sizeof(*a), sizes[i] - sizeof(*a)));
		EXPECT_EQ(0, imp_query(self->imp, a->handle, &q));
	}
	free(raw);
}

TEST_F(imp, struct_larger_with_nonzero_tail_fails_e2big)
{
	size_t sizes[] = { sizeof(struct dmabuf_importer_attach) + 8, 4096, IOC_SIZE_MAX };
	struct dmabuf_importer_query q;
	unsigned int i;
	uint8_t *raw;

	raw = calloc(1, IOC_SIZE_MAX);
	ASSERT_NE(NULL, raw);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct dmabuf_importer_attach *a = (void *)raw;

		memset(raw, 0, IOC_SIZE_MAX);
		a->fd = self->buf;
		a->device = self->gpu.index;
		raw[sizes[i] - 1] = 1;		/* a field this kernel lacks */
		EXPECT_EQ(-1, ioctl(self->imp, ATTACH_SIZED(sizes[i]), raw))
			TH_LOG("size %zu", sizes[i]);
		EXPECT_EQ(E2BIG, errno);
	}
	/* Nothing was attached. */
	EXPECT_EQ(-ENOENT, imp_query(self->imp, 1, &q));
	free(raw);
}

TEST_F(imp, unknown_ioctl_fails_enotty)
{
	uint8_t raw[64] = { 0 };

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->imp, _IOWR(DMABUF_IMPORTER_IOC_MAGIC, 0x40, raw), raw));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	/* Known number, wrong direction bits */
	EXPECT_EQ(-1, ioctl(self->imp, _IOR(DMABUF_IMPORTER_IOC_MAGIC, 0x1,
					    struct dmabuf_importer_attach), raw));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->imp, DMA_BUF_IOCTL_SYNC, raw));
	EXPECT_EQ(ENOTTY, errno);
}

/* Threads racing on one attachment see each other's results. */

struct racer {
	int imp;
	uint32_t handle;
	int op;
	pthread_barrier_t *barrier;
	int ret;
	int unexpected;
};

static void *race_once(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->barrier);
	if (r->op == 0)
		r->ret = imp_map(r->imp, r->handle, DIR_BIDI, NULL);
	else
		r->ret = imp_detach(r->imp, r->handle);
	return NULL;
}

/* Two threads start @op (0: map, 1: detach) on @handle at once; 0 or -errno. */
static int race_two(int imp, uint32_t handle, int op, int ret[2])
{
	pthread_barrier_t barrier;
	struct racer r[2];
	pthread_t t[2];
	int i, err = 0;

	pthread_barrier_init(&barrier, NULL, 2);
	for (i = 0; i < 2; i++) {
		r[i] = (struct racer){ .imp = imp, .handle = handle, .op = op,
				       .barrier = &barrier };
		err = -pthread_create(&t[i], NULL, race_once, &r[i]);
		if (err)
			break;
	}
	/* A lone thread would wait at the barrier for ever: run its twin. */
	if (i == 1)
		race_once(&r[1]);
	for (int j = 0; j < i; j++)
		pthread_join(t[j], NULL);
	pthread_barrier_destroy(&barrier);
	ret[0] = r[0].ret;
	ret[1] = r[1].ret;
	return err;
}

TEST_F_TIMEOUT(imp, racing_maps_one_wins_the_other_ebusy, 120)
{
	int round, ret[2];
	uint32_t h;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->camera.index, &h));
	for (round = 0; round < 50; round++) {
		ASSERT_EQ(0, race_two(self->imp, h, 0, ret));
		EXPECT_EQ(-EBUSY, ret[0] + ret[1])
			TH_LOG("round %d: %d and %d", round, ret[0], ret[1]);
		ASSERT_EQ(0, imp_unmap(self->imp, h));
	}
	EXPECT_EQ(0, imp_detach(self->imp, h));
}

TEST_F_TIMEOUT(imp, racing_detaches_one_wins_the_other_enoent, 120)
{
	int round, ret[2];
	uint32_t h;

	for (round = 0; round < 50; round++) {
		ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->gpu.index, &h));
		ASSERT_EQ(0, imp_map(self->imp, h, DIR_TO, NULL));
		ASSERT_EQ(0, race_two(self->imp, h, 1, ret));
		EXPECT_EQ(-ENOENT, ret[0] + ret[1])
			TH_LOG("round %d: %d and %d", round, ret[0], ret[1]);
	}
}

static void *race_mapper(void *arg)
{
	struct racer *r = arg;
	int i, ret;

	pthread_barrier_wait(r->barrier);
	for (i = 0; i < 200; i++) {
		ret = imp_map(r->imp, r->handle, DIR_BIDI, NULL);
		if (ret && ret != -EBUSY)
			r->unexpected++;
		ret = imp_unmap(r->imp, r->handle);
		if (ret && ret != -ENOTCONN)
			r->unexpected++;
	}
	return NULL;
}

static void *race_user(void *arg)
{
	struct racer *r = arg;
	struct dmabuf_importer_query q;
	uint64_t sum, want;
	int i, ret;

	/* The buffer is zeroed; then it holds the last pattern written. */
	want = imp_hash((const uint8_t[4096]){ 0 }, 4096);
	pthread_barrier_wait(r->barrier);
	for (i = 0; i < 200; i++) {
		ret = imp_fill(r->imp, r->handle, 4096, 4096, i);
		if (ret && ret != -ENOTCONN)
			r->unexpected++;
		if (!ret)
			want = expected_hash(4096, 4096, i);
		ret = imp_checksum(r->imp, r->handle, 4096, 4096, &sum);
		if (ret && ret != -ENOTCONN)
			r->unexpected++;
		if (!ret && sum != want)
			r->unexpected++;
		ret = imp_query(r->imp, r->handle, &q);
		if (ret || (q.state & ~DMABUF_IMPORTER_STATE_MAPPED) ||
		    (q.state && q.direction != DIR_BIDI) || (!q.state && q.nents))
			r->unexpected++;
		ret = imp_sync(r->imp, r->handle,
			       DMABUF_IMPORTER_SYNC_START | DMABUF_IMPORTER_SYNC_RW);
		ret |= imp_sync(r->imp, r->handle,
				DMABUF_IMPORTER_SYNC_END | DMABUF_IMPORTER_SYNC_RW);
		if (ret)
			r->unexpected++;
	}
	return NULL;
}

TEST_F_TIMEOUT(imp, racing_ioctls_on_one_attachment_stay_consistent, 300)
{
	struct dmabuf_importer_query q;
	pthread_barrier_t barrier;
	struct racer r[2];
	pthread_t t[2];
	uint32_t h;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->camera.index, &h));
	pthread_barrier_init(&barrier, NULL, 2);
	r[0] = (struct racer){ .imp = self->imp, .handle = h, .barrier = &barrier };
	r[1] = r[0];
	ASSERT_EQ(0, pthread_create(&t[0], NULL, race_mapper, &r[0]));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, race_user, &r[1]));
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_barrier_destroy(&barrier);
	EXPECT_EQ(0, r[0].unexpected);
	EXPECT_EQ(0, r[1].unexpected);
	/* The mapper's last word was an unmap. */
	ASSERT_EQ(0, imp_query(self->imp, h, &q));
	EXPECT_EQ(0U, q.state);
	EXPECT_EQ(0, imp_detach(self->imp, h));
}

/* Lifecycle: nothing outlives the file or the process. */

static int attach_everywhere(int imp, int buf, const uint32_t *devs, int n)
{
	uint32_t h;
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = imp_attach(imp, buf, devs[i], &h);
		if (!ret)
			ret = imp_map(imp, h, DIR_BIDI, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * An ATTACH or MAP whose answer cannot be written back (the struct sits
 * in a read-only page) fails with EFAULT and leaves nothing behind: the
 * caller never learnt the handle, so a live attachment or mapping would
 * be one it cannot name.
 */
TEST_F(imp, attach_and_map_that_cannot_answer_leave_nothing)
{
	struct dmabuf_importer_attach *att;
	struct dmabuf_importer_map *map;
	struct dmabuf_importer_query q;
	size_t pg = cv_page_size();
	uint32_t h;
	char *page;

	page = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	att = (void *)page;
	map = (void *)(page + 256);
	memset(page, 0, pg);
	att->fd = self->buf;
	att->device = self->gpu.index;
	ASSERT_EQ(0, mprotect(page, pg, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->imp, DMABUF_IMPORTER_IOC_ATTACH, att));
	EXPECT_EQ(EFAULT, errno);
	/* No attachment holds the buffer: it goes as soon as we close it. */
	close(self->buf);
	self->buf = -1;
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));

	self->buf = cv_alloc(self->heap_fd, self->size, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, self->buf);
	ASSERT_EQ(0, imp_attach(self->imp, self->buf, self->gpu.index, &h));
	ASSERT_EQ(0, mprotect(page, pg, PROT_READ | PROT_WRITE));
	map->handle = h;
	map->direction = DMABUF_IMPORTER_DIR_BIDIRECTIONAL;
	ASSERT_EQ(0, mprotect(page, pg, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->imp, DMABUF_IMPORTER_IOC_MAP, map));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, imp_query(self->imp, h, &q));
	EXPECT_EQ(0U, q.state & DMABUF_IMPORTER_STATE_MAPPED);
	/* And it maps normally afterwards. */
	EXPECT_EQ(0, imp_map(self->imp, h, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL));
	EXPECT_EQ(0, imp_detach(self->imp, h));
	munmap(page, pg);
}

TEST_F(imp, close_with_mapped_attachments_frees_every_buffer)
{
	uint32_t devs[] = { self->camera.index, self->gpu.index,
			    self->scanout, self->edu64.index };
	struct cv_heap other;
	int other_fd = -1, buf2 = -1, imp2;
	uint64_t used;

	imp2 = imp_open();
	ASSERT_LE(0, imp2);
	ASSERT_EQ(0, attach_everywhere(imp2, self->buf, devs, 4));
	if (!cv_find_heap(0, &other)) {
		other_fd = cv_heap_open(other.name);
		ASSERT_LE(0, other_fd);
		buf2 = cv_alloc(other_fd, MiB, O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, buf2);
		/* swiotlb=force: no-map buffers cannot bounce. */
		ASSERT_EQ(cv_bounce_refused(0) ? -ERANGE : 0,
			  attach_everywhere(imp2, buf2, devs, 4));
		close(buf2);
	}
	close(self->buf);
	self->buf = -1;

	/* The importer's attachments keep the buffers alive... */
	ASSERT_EQ(0, cv_stat(self->heap.name, "used", &used));
	EXPECT_EQ(self->size, used);
	/* ...until its file goes. */
	close(imp2);
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
	if (other_fd >= 0) {
		EXPECT_EQ(0, cv_wait_idle(other.name));
		close(other_fd);
	}
}

/* A child process that holds attachments until it is killed */
struct victim {
	int heap_fd;
	int buf;
	uint32_t devs[4];
	uint32_t edu;
	uint64_t size;
	int imp;
	uint32_t handle;
};

static int victim_attach_everywhere(struct victim *v)
{
	v->imp = imp_open();
	v->buf = cv_alloc(v->heap_fd, 4 * MiB, O_RDWR | O_CLOEXEC, 0);
	if (v->imp < 0 || v->buf < 0)
		return -1;
	return attach_everywhere(v->imp, v->buf, v->devs, 4);
}

static void victim_wait(struct victim *v)
{
	pause();
}

static int victim_map_edu(struct victim *v)
{
	v->imp = imp_open();
	if (v->imp < 0 || imp_attach(v->imp, v->buf, v->edu, &v->handle))
		return -1;
	return imp_map(v->imp, v->handle, DIR_FROM, NULL);
}

static void victim_fill_with_edu(struct victim *v)
{
	/* 1 MiB through edu takes minutes. */
	imp_fill(v->imp, v->handle, 0, v->size, 0xdead);
}

/* Fork a child that runs @setup, then @work; its pid once @setup is done. */
static pid_t spawn(struct victim *v, int (*setup)(struct victim *),
		   void (*work)(struct victim *))
{
	int pipefd[2], status;
	char ok = 0;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		ok = !setup(v);
		if (write(pipefd[1], &ok, 1) != 1 || !ok)
			_exit(1);
		work(v);
		_exit(0);
	}
	close(pipefd[1]);
	if (pid > 0 && (read(pipefd[0], &ok, 1) != 1 || !ok)) {
		waitpid(pid, &status, 0);
		pid = -1;
	}
	close(pipefd[0]);
	return pid;
}

TEST_F_TIMEOUT(imp, killed_process_leaks_nothing, 120)
{
	struct victim v = {
		.heap_fd = self->heap_fd,
		.devs = { self->camera.index, self->gpu.index,
			  self->scanout, self->edu64.index },
	};
	int status;
	pid_t pid;

	pid = spawn(&v, victim_attach_everywhere, victim_wait);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));

	close(self->buf);
	self->buf = -1;
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
}

/* A process killed while edu is busy stops it between transfers. */
TEST_F_TIMEOUT(imp, killed_during_edu_dma_leaks_nothing, 120)
{
	struct victim v = {
		.buf = self->buf, .edu = self->edu64.index, .size = self->size,
	};
	struct timespec t0, t1;
	int status;
	pid_t pid;

	pid = spawn(&v, victim_map_edu, victim_fill_with_edu);
	ASSERT_LT(0, pid);
	usleep(500 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_TRUE(WIFSIGNALED(status));
	/* One transfer at most (~100 ms), far from the whole fill. */
	EXPECT_GT(10, t1.tv_sec - t0.tv_sec);

	close(self->buf);
	self->buf = -1;
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
}

/*
 * Sync semantics through the DMA tracepoints. begin/end_cpu_access of a
 * cached buffer mapped by the non-coherent camera must sync that mapping
 * in the direction it was mapped with; an uncached buffer needs (and gets)
 * no maintenance; a coherent device needs none either, and the DMA API
 * skips it before the tracepoint.
 */
FIXTURE(cpu_sync) {
	int imp;
	int heap_fd;
	int buf;
	char heap[64];
	struct dmabuf_importer_device_info camera, gpu;
	int bounce;	/* allow_bounce to restore (imp_bounce_if_forced) */
};

FIXTURE_VARIANT(cpu_sync) {
	enum imp_heap_kind kind;
};

FIXTURE_VARIANT_ADD(cpu_sync, cached) {
	.kind = IMP_HEAP_CACHED,
};

FIXTURE_VARIANT_ADD(cpu_sync, uncached) {
	.kind = IMP_HEAP_UNCACHED,
};

FIXTURE_SETUP(cpu_sync)
{
	self->imp = self->heap_fd = self->buf = self->bounce = -1;
	if (access(IMP_TRACING "/events/dma/dma_sync_sg_for_cpu", F_OK))
		SKIP(return, "no dma tracepoints in tracefs");
	self->imp = imp_open();
	ASSERT_LE(0, self->imp);
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_CAMERA, 0, &self->camera));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_GPU, 0, &self->gpu));
	if (imp_find_heap(variant->kind, self->heap))
		SKIP(return, "no %s heap", imp_heap_kind_name(variant->kind));
	self->heap_fd = cv_heap_open(self->heap);
	ASSERT_LE(0, self->heap_fd);
	self->buf = cv_alloc(self->heap_fd, MiB, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, self->buf);
	ASSERT_EQ(0, imp_trace_event("dma/dma_sync_sg_for_cpu", 1));
	ASSERT_EQ(0, imp_trace_event("dma/dma_sync_sg_for_device", 1));
	ASSERT_EQ(0, imp_trace_clear());
	ASSERT_EQ(0, imp_bounce_if_forced(1, &self->bounce));
}

FIXTURE_TEARDOWN(cpu_sync)
{
	imp_bounce_restore(self->bounce);
	imp_trace_event("dma/dma_sync_sg_for_cpu", 0);
	imp_trace_event("dma/dma_sync_sg_for_device", 0);
	if (self->buf >= 0)
		close(self->buf);
	if (self->imp >= 0)
		close(self->imp);
	if (self->heap_fd < 0)
		return;
	close(self->heap_fd);
	EXPECT_EQ(0, cv_wait_idle(self->heap));
}

/* Sync brackets, then how many for_cpu and for_device events @dev saw. */
static void sync_and_count(struct __test_metadata *_metadata, int buf,
			   uint64_t rw, const char *dev, int *cpu, int *device)
{
	char *trace, who[64];

	ASSERT_EQ(0, imp_trace_clear());
	ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | rw));
	ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | rw));
	trace = imp_trace_read();
	ASSERT_NE(NULL, trace);
	snprintf(who, sizeof(who), ": %s dir=", dev);
	*cpu = imp_trace_count(trace, "dma_sync_sg_for_cpu", who);
	*device = imp_trace_count(trace, "dma_sync_sg_for_device", who);
	free(trace);
}

static int trace_has(const char *event, const char *dev, const char *dir)
{
	char *trace = imp_trace_read(), who[96];
	int n;

	if (!trace)
		return -1;
	snprintf(who, sizeof(who), ": %s dir=%s ", dev, dir);
	n = imp_trace_count(trace, event, who);
	free(trace);
	return n;
}

TEST_F(cpu_sync, noncoherent_camera_is_synced_in_its_mapping_direction)
{
	int cached = variant->kind == IMP_HEAP_CACHED, cpu, device, ret;
	uint32_t h;

	ret = imp_attach(self->imp, self->buf, self->camera.index, &h);
	if (cv_bounce_refused(cached)) {
		ASSERT_EQ(-ERANGE, ret);
		SKIP(return, "swiotlb=force: uncached buffers cannot bounce, attach refused with ERANGE");
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, imp_map(self->imp, h, DIR_FROM, NULL));
	ASSERT_EQ(0, imp_fill(self->imp, h, 0, MiB, 7));

	/* CPU reads what the camera wrote: invalidate, then hand back. */
	sync_and_count(_metadata, self->buf, DMA_BUF_SYNC_READ, "camera", &cpu, &device);
	EXPECT_EQ(cached, cpu);
	EXPECT_EQ(cached, device);
	if (cached) {
		EXPECT_EQ(0, imp_trace_clear());
		ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		EXPECT_EQ(1, trace_has("dma_sync_sg_for_cpu", "camera", "FROM_DEVICE"));
		ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
		EXPECT_EQ(1, trace_has("dma_sync_sg_for_device", "camera", "FROM_DEVICE"));
	}

	/* A camera that reads: the CPU's writes are cleaned out to it. */
	ASSERT_EQ(0, imp_unmap(self->imp, h));
	ASSERT_EQ(0, imp_map(self->imp, h, DIR_TO, NULL));
	EXPECT_EQ(0, imp_trace_clear());
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	EXPECT_EQ(cached, trace_has("dma_sync_sg_for_cpu", "camera", "TO_DEVICE"));
	EXPECT_EQ(cached, trace_has("dma_sync_sg_for_device", "camera", "TO_DEVICE"));

	/* The importer's own CPU bracket goes through the same path. */
	EXPECT_EQ(0, imp_trace_clear());
	ASSERT_EQ(0, imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_START | DMABUF_IMPORTER_SYNC_READ));
	ASSERT_EQ(0, imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_END | DMABUF_IMPORTER_SYNC_READ));
	EXPECT_EQ(cached, trace_has("dma_sync_sg_for_cpu", "camera", "TO_DEVICE"));
	EXPECT_EQ(cached, trace_has("dma_sync_sg_for_device", "camera", "TO_DEVICE"));

	/* Unmapped: nothing to sync. */
	ASSERT_EQ(0, imp_unmap(self->imp, h));
	sync_and_count(_metadata, self->buf, DMA_BUF_SYNC_RW, "camera", &cpu, &device);
	EXPECT_EQ(0, cpu + device);
	EXPECT_EQ(0, imp_detach(self->imp, h));
}

/*
 * The DMA API does no cache maintenance for a coherent device. Without
 * DMA_API_DEBUG it skips the call before the tracepoint; with it, every
 * sync is made (so that it can be checked) and traced, and still does no
 * maintenance. Either way an uncached buffer is never synced at all.
 */
TEST_F(cpu_sync, coherent_gpu_is_synced_only_under_dma_api_debug)
{
	int debug = access("/sys/kernel/debug/dma-api", F_OK) == 0;
	int synced = debug && variant->kind == IMP_HEAP_CACHED;
	int cpu, device, ret;
	uint32_t h;

	ret = imp_attach(self->imp, self->buf, self->gpu.index, &h);
	if (cv_bounce_refused(variant->kind == IMP_HEAP_CACHED)) {
		ASSERT_EQ(-ERANGE, ret);
		SKIP(return, "swiotlb=force: uncached buffers cannot bounce, attach refused with ERANGE");
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, imp_map(self->imp, h, DIR_BIDI, NULL));
	sync_and_count(_metadata, self->buf, DMA_BUF_SYNC_RW, "gpu", &cpu, &device);
	EXPECT_EQ(synced, cpu) TH_LOG("DMA_API_DEBUG %s", debug ? "on" : "off");
	EXPECT_EQ(synced, device);
	EXPECT_EQ(0, imp_detach(self->imp, h));
}

TEST_HARNESS_MAIN
