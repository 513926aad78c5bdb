// SPDX-License-Identifier: GPL-2.0
/*
 * Cache maintenance, proven on the importer's cache model
 * (Documentation/importer.rst, "The cache model"): the non-coherent camera
 * sees a cached carveout buffer's DRAM, which holds the CPU's data only
 * where the kernel cleaned, and the CPU sees what the camera wrote only
 * where the kernel invalidated. Each test is a contract of dma-buf: what
 * a CPU writes outside the DMA_BUF_IOCTL_SYNC bracket does not reach a
 * mapped device, what it writes inside does, what a device wrote reaches
 * the CPU at the bracket or the unmap, and a freed buffer reaches the next
 * owner's device as zeros. A buffer the CPU cannot have written since it
 * was last cleaned is mapped without a clean, and one it can have written
 * (through a mapping it still holds, too) is cleaned. Without the model (the release kernel) every
 * test is skipped; the mutants of `make mutants` must each fail one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_test.h"

#define BUF_SIZE	(64 * 1024UL)
#define MODEL_PARAM	"/sys/module/dmabuf_importer/parameters/cache_model"
#define CLEANED_PARAM	"/sys/module/dmabuf_importer/parameters/model_cleaned"
#define SEED		0x5eed0001u

FIXTURE(cache) {
	int imp;
	int heap_fd;
	struct cv_heap heap;
	int buf;
	int bounce;	/* allow_bounce to restore (cv_imp_bounce_if_forced) */
	struct dmabuf_importer_device_info camera;
	struct dmabuf_importer_device_info gpu;
	uint8_t *p;
	uint32_t handle;
	uint64_t zero_sum;
};

FIXTURE_SETUP(cache)
{
	char on[8] = "";

	self->p = MAP_FAILED;
	self->imp = self->heap_fd = self->buf = self->bounce = -1;
	if (cv_read_str(MODEL_PARAM, on, sizeof(on)) >= 0)
		on[strcspn(on, "\n")] = '\0';
	if (on[0] != '1')
		SKIP(return, "cache model off (%s: '%s')", MODEL_PARAM, on);
	CACHED_BUF_SETUP(BUF_SIZE, O_RDWR | O_CLOEXEC);
	ASSERT_EQ(0, cv_imp_find_device(self->imp, ROLE_CAMERA, 0, &self->camera));
	ASSERT_EQ(0, cv_imp_find_device(self->imp, ROLE_GPU, 0, &self->gpu));
	ASSERT_FALSE(dev_has(&self->camera, DMABUF_IMPORTER_DEV_COHERENT));
	if (cv_imp_expect_reach(&self->camera, self->heap.name) != CV_IMP_REACH_OK)
		SKIP(return, "the camera cannot map heap %s without a copy",
		     self->heap.name);
	self->p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->buf, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	self->zero_sum = cv_imp_hash((const uint8_t[BUF_SIZE]){ 0 }, BUF_SIZE);
}

FIXTURE_TEARDOWN(cache)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, BUF_SIZE);
	CACHED_BUF_TEARDOWN();
}

static uint32_t cam_map(struct __test_metadata *_metadata,
			FIXTURE_DATA(cache) *self, int buf, uint32_t dir)
{
	uint32_t h;

	ASSERT_EQ(0, cv_imp_attach(self->imp, buf, self->camera.index, &h));
	ASSERT_EQ(0, cv_imp_map(self->imp, h, dir, NULL));
	return h;
}

static uint64_t dev_sum(struct __test_metadata *_metadata, int imp, uint32_t h)
{
	uint64_t sum = 0;

	EXPECT_EQ(0, cv_imp_checksum(imp, h, 0, BUF_SIZE, &sum));
	return sum;
}

/* The CPU writes the pattern of @seed, inside a bracket if @sync. */
static void cpu_write(struct __test_metadata *_metadata, int buf, uint8_t *p,
		      uint32_t seed, int sync)
{
	if (sync)
		ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	ASSERT_EQ(0, imp_pattern(p, 0, BUF_SIZE, seed));
	if (sync)
		ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
}

/* Does the CPU see the pattern of @seed, inside a bracket if @sync? */
static int cpu_sees(struct __test_metadata *_metadata, int buf, uint8_t *p,
		    uint32_t seed, int sync)
{
	uint64_t good;

	if (sync)
		EXPECT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	good = cv_imp_verify(p, 0, BUF_SIZE, seed);
	if (sync)
		EXPECT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	return good == BUF_SIZE;
}

/* The clean at map: what the CPU wrote before it reaches the device. */
TEST_F(cache, cpu_write_before_the_map_is_seen_by_the_device)
{
	cpu_write(_metadata, self->buf, self->p, SEED, 1);
	self->handle = cam_map(_metadata, self, self->buf, DIR_TO);
	EXPECT_EQ(expected_hash(0, BUF_SIZE, SEED),
		  dev_sum(_metadata, self->imp, self->handle));
}

/* No bracket, no clean: the device still reads what DRAM held. */
TEST_F(cache, cpu_write_without_sync_is_not_seen_by_the_device)
{
	self->handle = cam_map(_metadata, self, self->buf, DIR_TO);
	cpu_write(_metadata, self->buf, self->p, SEED, 0);
	EXPECT_EQ(self->zero_sum, dev_sum(_metadata, self->imp, self->handle));
}

/* end_cpu_access cleans for every mapped attachment. */
TEST_F(cache, cpu_write_in_a_sync_bracket_is_seen_by_the_device)
{
	self->handle = cam_map(_metadata, self, self->buf, DIR_TO);
	cpu_write(_metadata, self->buf, self->p, SEED, 1);
	EXPECT_EQ(expected_hash(0, BUF_SIZE, SEED),
		  dev_sum(_metadata, self->imp, self->handle));
}

/* No bracket, no invalidate: the CPU still reads its own cached lines. */
TEST_F(cache, device_write_is_not_seen_by_the_cpu_without_sync)
{
	self->handle = cam_map(_metadata, self, self->buf, DIR_FROM);
	ASSERT_EQ(0, cv_imp_fill(self->imp, self->handle, 0, BUF_SIZE, SEED));
	EXPECT_FALSE(cpu_sees(_metadata, self->buf, self->p, SEED, 0));
	EXPECT_EQ(BUF_SIZE, first_nonzero(self->p, BUF_SIZE));
}

/* begin_cpu_access invalidates for every mapped attachment. */
TEST_F(cache, device_write_is_seen_in_a_sync_bracket)
{
	self->handle = cam_map(_metadata, self, self->buf, DIR_FROM);
	ASSERT_EQ(0, cv_imp_fill(self->imp, self->handle, 0, BUF_SIZE, SEED));
	EXPECT_TRUE(cpu_sees(_metadata, self->buf, self->p, SEED, 1));
}

/* The invalidate at unmap: nothing is mapped at the bracket any more. */
TEST_F(cache, device_write_is_seen_after_the_unmap)
{
	self->handle = cam_map(_metadata, self, self->buf, DIR_FROM);
	ASSERT_EQ(0, cv_imp_fill(self->imp, self->handle, 0, BUF_SIZE, SEED));
	ASSERT_EQ(0, cv_imp_unmap(self->imp, self->handle));
	EXPECT_TRUE(cpu_sees(_metadata, self->buf, self->p, SEED, 1));
}

/* Device to device: the camera's DRAM reaches the coherent GPU's view. */
TEST_F(cache, camera_write_reaches_the_gpu_through_the_unmap)
{
	uint32_t g;

	self->handle = cam_map(_metadata, self, self->buf, DIR_FROM);
	ASSERT_EQ(0, cv_imp_fill(self->imp, self->handle, 0, BUF_SIZE, SEED));
	ASSERT_EQ(0, cv_imp_detach(self->imp, self->handle));
	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &g));
	ASSERT_EQ(0, cv_imp_map(self->imp, g, DIR_TO, NULL));
	EXPECT_EQ(expected_hash(0, BUF_SIZE, SEED), dev_sum(_metadata, self->imp, g));
}

/*
 * The previous owner's data reach DRAM through its device's map; the
 * zeroing worker's zeros sit in the CPU's view until the next owner's map
 * cleans them. Its device must read zeros, never the old data.
 */
TEST_F(cache, freed_buffer_reaches_the_next_owners_device_as_zeros)
{
	struct dmabuf_importer_query q1, q2;
	uint32_t h;
	uint8_t *p;
	int a, b;

	a = cv_alloc(self->heap_fd, BUF_SIZE, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, a);
	p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	ASSERT_NE(MAP_FAILED, p);
	cpu_write(_metadata, a, p, SEED, 1);
	munmap(p, BUF_SIZE);
	h = cam_map(_metadata, self, a, DIR_TO);
	ASSERT_EQ(expected_hash(0, BUF_SIZE, SEED), dev_sum(_metadata, self->imp, h));
	ASSERT_EQ(0, cv_imp_query(self->imp, h, &q1));
	ASSERT_EQ(0, cv_imp_detach(self->imp, h));
	close(a);

	b = cv_alloc(self->heap_fd, BUF_SIZE, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, b);
	h = cam_map(_metadata, self, b, DIR_TO);
	ASSERT_EQ(0, cv_imp_query(self->imp, h, &q2));
	if (q1.dma_start != q2.dma_start)
		TH_LOG("the new buffer is not at the old one's address (%#llx, %#llx)",
		       (unsigned long long)q2.dma_start,
		       (unsigned long long)q1.dma_start);
	EXPECT_EQ(self->zero_sum, dev_sum(_metadata, self->imp, h));
	ASSERT_EQ(0, cv_imp_detach(self->imp, h));
	p = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, b, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cv_sync(b, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(BUF_SIZE, first_nonzero(p, BUF_SIZE));
	ASSERT_EQ(0, cv_sync(b, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(p, BUF_SIZE);
	close(b);
}

/* Bytes the model saw cleaned so far. */
static uint64_t cleaned(struct __test_metadata *_metadata)
{
	char v[32] = "";

	EXPECT_EQ(0, cv_read_str(CLEANED_PARAM, v, sizeof(v)));
	return strtoull(v, NULL, 0);
}

/*
 * A fresh buffer that nobody mapped yet, with every carveout's zeroing
 * worker idle, so that the model sees no clean but the test's.
 */
static int fresh(struct __test_metadata *_metadata, FIXTURE_DATA(cache) *self)
{
	int b = cv_alloc(self->heap_fd, BUF_SIZE, O_RDWR | O_CLOEXEC, 0);
	char names[16][64];
	int n = cv_heap_names(names, 16), i;

	EXPECT_LE(0, b);
	for (i = 0; i < n; i++)
		if (cv_is_carveout(names[i]))
			EXPECT_EQ(0, cv_wait_stat_zero(names[i], "zero_backlog"));
	return b;
}

/* Camera map of @b in @dir: the bytes cleaned meanwhile; detaches again. */
static uint64_t map_cleans(struct __test_metadata *_metadata,
			   FIXTURE_DATA(cache) *self, int b, uint64_t want)
{
	uint64_t before = cleaned(_metadata), after;
	uint32_t h = cam_map(_metadata, self, b, DIR_TO);

	after = cleaned(_metadata);
	EXPECT_EQ(want, dev_sum(_metadata, self->imp, h));
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
	return after - before;
}

/*
 * The heap cleans what it zeroes, so a buffer nobody mapped for the CPU
 * is mapped without a clean, and its device reads zeros. A writable
 * mapping, even one that is gone again, makes the next map clean; after
 * that clean, with no mapping left, the buffer is clean again.
 */
TEST_F(cache, unwritten_buffer_is_mapped_without_a_clean)
{
	uint8_t *p;
	int b;

	/* Then the heap cannot clean without a bounce, and claims nothing. */
	if (cv_imp_bounces(&self->camera))
		SKIP(return, "DMA bounces through swiotlb: no buffer starts clean");
	b = fresh(_metadata, self);
	ASSERT_LE(0, b);
	EXPECT_EQ(0ULL, map_cleans(_metadata, self, b, self->zero_sum));
	p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, BUF_SIZE);
	EXPECT_LE(BUF_SIZE, map_cleans(_metadata, self, b, self->zero_sum));
	EXPECT_EQ(0ULL, map_cleans(_metadata, self, b, self->zero_sum));
	close(b);
}

/* A fresh buffer mapped for the CPU, which writes the pattern of SEED. */
static int fresh_written(struct __test_metadata *_metadata,
			 FIXTURE_DATA(cache) *self, uint8_t **p)
{
	int b = fresh(_metadata, self);

	*p = b < 0 ? MAP_FAILED :
	     mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	EXPECT_NE(MAP_FAILED, *p);
	if (*p != MAP_FAILED)
		EXPECT_EQ(0, imp_pattern(*p, 0, BUF_SIZE, SEED));
	return b;
}

/* A writable mapping dirties the buffer, bracket or not. */
TEST_F(cache, cpu_write_through_a_new_mapping_is_seen_at_the_first_map)
{
	uint64_t cleaned;
	uint8_t *p;
	int b = fresh_written(_metadata, self, &p);

	ASSERT_NE(MAP_FAILED, p);
	munmap(p, BUF_SIZE);
	cleaned = map_cleans(_metadata, self, b, expected_hash(0, BUF_SIZE, SEED));
	/* A bounce cleans the bounce buffer, which the model does not count. */
	if (!cv_imp_bounces(&self->camera))
		EXPECT_LE(BUF_SIZE, cleaned);
	close(b);
}

/*
 * While a writable mapping exists the CPU may store at any time, so a
 * clean does not make the buffer clean: the next map cleans again.
 */
TEST_F(cache, cpu_write_through_a_kept_mapping_is_seen_at_every_map)
{
	uint8_t *p;
	int b = fresh_written(_metadata, self, &p);

	ASSERT_NE(MAP_FAILED, p);
	map_cleans(_metadata, self, b, expected_hash(0, BUF_SIZE, SEED));
	cpu_write(_metadata, b, p, SEED + 1, 0);
	map_cleans(_metadata, self, b, expected_hash(0, BUF_SIZE, SEED + 1));
	munmap(p, BUF_SIZE);
	close(b);
}

TEST_HARNESS_MAIN
