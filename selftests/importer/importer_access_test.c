// SPDX-License-Identifier: GPL-2.0
/*
 * A dma-buf held read-only (its file opened O_RDONLY: DMA_HEAP_IOCTL_ALLOC
 * with fd_flags O_RDONLY) may be read by a device but never written: a
 * mapping the device could write through and FILL fail with EACCES, as
 * mmap(PROT_WRITE) of the same fd does; CHECKSUM works.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_test.h"

#define BUF_SIZE (64 * 1024UL)

FIXTURE(access) {
	int imp;
	int heap_fd;
	struct cv_heap heap;
	struct dmabuf_importer_device_info gpu;
	int buf;
	uint32_t handle;
	int bounce;	/* allow_bounce to restore (cv_imp_bounce_if_forced) */
};

FIXTURE_SETUP(access)
{
	CACHED_BUF_SETUP(BUF_SIZE, O_RDONLY | O_CLOEXEC);
	ASSERT_EQ(0, cv_imp_find_device(self->imp, DMABUF_IMPORTER_ROLE_GPU, 0, &self->gpu));
	ASSERT_EQ(O_RDONLY, fcntl(self->buf, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &self->handle));
}

FIXTURE_TEARDOWN(access)
{
	CACHED_BUF_TEARDOWN();
}

/* Offset of the first non-zero byte of the buffer, or its size. */
static uint64_t buf_first_nonzero(int buf)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	uint8_t *p = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, buf, 0);
	uint64_t i;

	if (p == MAP_FAILED)
		return 0;
	ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync);
	i = first_nonzero(p, BUF_SIZE);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync);
	munmap(p, BUF_SIZE);
	return i;
}

TEST_F(access, read_only_buffer_refuses_a_writable_cpu_mapping)
{
	/* The reference the importer follows: mmap(2) on the same fd. */
	void *p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->buf, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	if (p != MAP_FAILED)
		munmap(p, BUF_SIZE);
}

TEST_F(access, map_for_device_writes_of_a_read_only_buffer_fails_eacces)
{
	struct dmabuf_importer_query q;

	EXPECT_EQ(-EACCES, cv_imp_map(self->imp, self->handle,
		  DMABUF_IMPORTER_DIR_FROM_DEVICE, NULL));
	EXPECT_EQ(-EACCES, cv_imp_map(self->imp, self->handle,
		  DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL));
	ASSERT_EQ(0, cv_imp_query(self->imp, self->handle, &q));
	EXPECT_EQ(0U, q.state);
	EXPECT_EQ(0, cv_imp_map(self->imp, self->handle,
		  DMABUF_IMPORTER_DIR_TO_DEVICE, NULL));
}

TEST_F(access, fill_on_a_read_only_buffer_fails_eacces_and_writes_nothing)
{
	/* Whatever mapping the device got, it must not write. */
	if (cv_imp_map(self->imp, self->handle, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL))
		ASSERT_EQ(0, cv_imp_map(self->imp, self->handle,
			  DMABUF_IMPORTER_DIR_TO_DEVICE, NULL));
	EXPECT_EQ(-EACCES, cv_imp_fill(self->imp, self->handle, 0, BUF_SIZE, 0x77));
	EXPECT_EQ(BUF_SIZE, buf_first_nonzero(self->buf));
	/* Unmapped, the answer is the same. */
	ASSERT_EQ(0, cv_imp_unmap(self->imp, self->handle));
	EXPECT_EQ(-EACCES, cv_imp_fill(self->imp, self->handle, 0, BUF_SIZE, 0x77));
}

TEST_F(access, checksum_on_a_read_only_buffer_works)
{
	uint8_t zero[BUF_SIZE] = { 0 };
	uint64_t sum = 0;

	ASSERT_EQ(0, cv_imp_map(self->imp, self->handle,
		  DMABUF_IMPORTER_DIR_TO_DEVICE, NULL));
	ASSERT_EQ(0, cv_imp_checksum(self->imp, self->handle, 0, BUF_SIZE, &sum));
	EXPECT_EQ(cv_imp_hash(zero, BUF_SIZE), sum);
}

/* The control: the same heap, opened read-write, is filled. */
TEST_F(access, fill_on_a_read_write_buffer_works)
{
	int buf = cv_alloc(self->heap_fd, BUF_SIZE, O_RDWR | O_CLOEXEC, 0);
	uint32_t h;

	ASSERT_LE(0, buf);
	ASSERT_EQ(0, cv_imp_attach(self->imp, buf, self->gpu.index, &h));
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL));
	EXPECT_EQ(0, cv_imp_fill(self->imp, h, 0, BUF_SIZE, 0x77));
	EXPECT_EQ(0ULL, buf_first_nonzero(buf));
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
	close(buf);
}

TEST_HARNESS_MAIN
