// SPDX-License-Identifier: GPL-2.0
/*
 * Carveout heap kselftests: allocation, mapping, zeroing, exhaustion,
 * failing allocations under steady frees, import into vgem, CPU-access
 * sync, naming and bad input.
 *
 * Each test runs once on a cached carveout heap and once on an uncached
 * one, found through the heap's sysfs capabilities. Every test ends by
 * checking that the heap is back to nothing used and no live buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "kselftest_harness.h"
#include "carveout_util.h"

#define MiB (1024UL * 1024UL)

FIXTURE(heap) {
	struct cv_heap heap;
	int heap_fd;
	size_t page;
};

FIXTURE_VARIANT(heap) {
	int cached;
};

FIXTURE_VARIANT_ADD(heap, cached) {
	.cached = 1,
};

FIXTURE_VARIANT_ADD(heap, uncached) {
	.cached = 0,
};

FIXTURE_SETUP(heap)
{
	self->heap_fd = -1;
	self->page = cv_page_size();
	if (cv_find_heap(variant->cached, &self->heap))
		SKIP(return, "no %s carveout heap on this board",
		     variant->cached ? "cached" : "uncached");
	self->heap_fd = cv_heap_open(self->heap.name);
	ASSERT_LE(0, self->heap_fd) TH_LOG("open /dev/dma_heap/%s", self->heap.name);
	ASSERT_EQ(0, cv_wait_idle(self->heap.name))
		TH_LOG("heap %s busy before the test", self->heap.name);
}

FIXTURE_TEARDOWN(heap)
{
	if (self->heap_fd < 0)
		return;
	close(self->heap_fd);
	EXPECT_EQ(0, cv_wait_idle(self->heap.name))
		TH_LOG("heap %s did not return to zero used", self->heap.name);
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i += sizeof(uint32_t))
		*(uint32_t *)(p + i) = seed ^ (uint32_t)i;
}

/* Returns the offset of the first mismatch, or @len if all match. */
static size_t verify(const uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i += sizeof(uint32_t))
		if (*(const uint32_t *)(p + i) != (seed ^ (uint32_t)i))
			return i;
	return len;
}

static size_t first_nonzero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += sizeof(uint64_t))
		if (*(const uint64_t *)(p + i))
			return i;
	return len;
}

TEST_F(heap, capabilities_match_the_region)
{
	uint64_t v;

	ASSERT_EQ(0, cv_sysfs_u64(self->heap.name, "contiguous", &v));
	EXPECT_EQ(1ULL, v);
	EXPECT_EQ(0ULL, self->heap.size % self->page);
	EXPECT_LE((uint64_t)self->page, self->heap.align);
	EXPECT_EQ(0ULL, self->heap.align & (self->heap.align - 1));
	ASSERT_EQ(0, cv_sysfs_u64(self->heap.name, "free", &v));
	EXPECT_EQ(self->heap.size, v);
	ASSERT_EQ(0, cv_sysfs_u64(self->heap.name, "largest_free", &v));
	EXPECT_EQ(self->heap.size, v);
}

TEST_F(heap, alloc_mmap_write_read_back_all_sizes)
{
	size_t len;

	for (len = self->page; len <= self->heap.size; len *= 4) {
		uint8_t *p;
		int fd;

		fd = cv_alloc(self->heap_fd, len, O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, fd) TH_LOG("alloc %zu: %s", len, strerror(-fd));
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap %zu", len);
		ASSERT_EQ(0, cv_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
		fill(p, len, 0x5eed0000u + (uint32_t)len);
		ASSERT_EQ(0, cv_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
		ASSERT_EQ(0, cv_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		EXPECT_EQ(len, verify(p, len, 0x5eed0000u + (uint32_t)len));
		ASSERT_EQ(0, cv_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
		munmap(p, len);
		close(fd);
	}
}

TEST_F(heap, alloc_whole_region_succeeds)
{
	int fd = cv_alloc(self->heap_fd, self->heap.size, O_RDWR | O_CLOEXEC, 0);

	ASSERT_LE(0, fd) TH_LOG("alloc of the whole region: %s", strerror(-fd));
	close(fd);
}

TEST_F(heap, mmap_offset_maps_the_right_page)
{
	size_t len = 4 * self->page;
	uint8_t *p, *q;
	int fd;

	fd = cv_alloc(self->heap_fd, len, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, len, 0xabcd);
	q = mmap(NULL, self->page, PROT_READ, MAP_SHARED, fd, 2 * self->page);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, memcmp(p + 2 * self->page, q, self->page));
	munmap(q, self->page);
	munmap(p, len);
	close(fd);
}

/* Fill the whole region, free it, take it again at once: the allocator
 * must zero synchronously because nothing pre-zeroed is left.
 */
TEST_F(heap, realloc_after_free_is_zeroed_sync_path)
{
	size_t len = self->heap.size;
	uint8_t *p;
	int fd;

	fd = cv_alloc(self->heap_fd, len, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0xa5, len);
	munmap(p, len);
	close(fd);

	fd = cv_alloc(self->heap_fd, len, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cv_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(len, first_nonzero(p, len));
	munmap(p, len);
	close(fd);
}

/* Dirty many small buffers, let the zeroing worker catch up, reallocate. */
TEST_F(heap, realloc_after_free_is_zeroed_deferred_path)
{
	enum { N = 16 };
	size_t len = 256 * 1024 < self->page ? self->page : 256 * 1024;
	uint64_t backlog = 1;
	int fds[N], i, tries;
	uint8_t *p;

	for (i = 0; i < N; i++) {
		fds[i] = cv_alloc(self->heap_fd, len, O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, fds[i]);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
		ASSERT_NE(MAP_FAILED, p);
		memset(p, 0x5a, len);
		munmap(p, len);
	}
	for (i = 0; i < N; i++)
		close(fds[i]);
	for (tries = 0; tries < 500 && backlog; tries++) {
		ASSERT_EQ(0, cv_stat(self->heap.name, "zero_backlog", &backlog));
		if (backlog)
			usleep(10000);
	}
	EXPECT_EQ(0ULL, backlog) TH_LOG("zeroing worker did not drain the backlog");
	for (i = 0; i < N; i++) {
		fds[i] = cv_alloc(self->heap_fd, len, O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, fds[i]);
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, fds[i], 0);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_EQ(len, first_nonzero(p, len)) TH_LOG("buffer %d", i);
		munmap(p, len);
	}
	for (i = 0; i < N; i++)
		close(fds[i]);
}

TEST_F(heap, exhaustion_fails_enomem_then_smaller_fits)
{
	size_t quarter = self->heap.size / 4;
	int fds[3], big, small, i;
	uint64_t v;

	for (i = 0; i < 3; i++) {
		fds[i] = cv_alloc(self->heap_fd, quarter, O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, fds[i]) TH_LOG("quarter %d: %s", i, strerror(-fds[i]));
	}
	big = cv_alloc(self->heap_fd, 2 * quarter, O_RDWR | O_CLOEXEC, 0);
	EXPECT_EQ(-ENOMEM, big);
	ASSERT_EQ(0, cv_stat(self->heap.name, "alloc_failures", &v));
	EXPECT_LE(1ULL, v);
	small = cv_alloc(self->heap_fd, quarter, O_RDWR | O_CLOEXEC, 0);
	EXPECT_LE(0, small) TH_LOG("last quarter: %s", strerror(-small));
	ASSERT_EQ(0, cv_sysfs_u64(self->heap.name, "free", &v));
	EXPECT_EQ(0ULL, v);
	if (small >= 0)
		close(small);
	if (big >= 0)
		close(big);
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

/*
 * Steady frees: processes that allocate and free buffers of @len in a
 * loop, so the zeroing worker is never idle. Each allocates only while the
 * pool holds clean memory to spare (size - used - zero_backlog), so that
 * its own allocations never fail and never wait for zeroing: it goes on
 * freeing whatever the task under test does. They stop when killed, or
 * after CHURN_MAX_S on their own.
 */
#define CHURNERS	3
#define CHURN_MAX_S	30.0
/* An allocation that fails must not take longer than this, churn or not. */
#define PROMPT_S	5.0

static void churn_start(const struct cv_heap *heap, int heap_fd, size_t len,
			pid_t *pids)
{
	double end = cv_now() + CHURN_MAX_S;
	uint64_t used, backlog;
	int i, fd;

	for (i = 0; i < CHURNERS; i++) {
		pids[i] = fork();
		if (pids[i])
			continue;
		while (cv_now() < end) {
			if (cv_stat(heap->name, "used", &used) ||
			    cv_stat(heap->name, "zero_backlog", &backlog))
				_exit(1);
			if (used + backlog + 4 * len > heap->size) {
				usleep(200);
				continue;
			}
			fd = cv_alloc(heap_fd, len, O_RDWR | O_CLOEXEC, 0);
			if (fd >= 0)
				close(fd);
		}
		_exit(0);
	}
}

static void churn_stop(pid_t *pids)
{
	int i;

	for (i = 0; i < CHURNERS; i++) {
		if (pids[i] <= 0)
			continue;
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
}

/* Reap @pid within @limit seconds; returns the wait status or -1. */
static int reap_within(pid_t pid, double limit)
{
	double end = cv_now() + limit;
	int status;

	while (cv_now() < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	return -1;
}

/*
 * A request that the heap cannot meet (half of it is held) drains the
 * dirty ranges and retries. The drain waits only for the ranges that were
 * dirty when it started, so while other processes keep freeing it still
 * fails with ENOMEM promptly instead of waiting for zeroing to go idle.
 */
TEST_F(heap, failing_alloc_returns_enomem_promptly_under_steady_frees)
{
	size_t len = self->heap.size / 32 < self->page ? self->page : self->heap.size / 32;
	pid_t churn[CHURNERS], waiter;
	int hold, status, pipefd[2];
	double t0, elapsed;
	uint64_t backlog;
	int err = 0, late;

	hold = cv_alloc(self->heap_fd, self->heap.size / 2, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, hold);
	ASSERT_EQ(0, pipe(pipefd));
	churn_start(&self->heap, self->heap_fd, len, churn);
	usleep(300000);		/* let the backlog build up */
	if (!cv_stat(self->heap.name, "zero_backlog", &backlog))
		TH_LOG("zero_backlog when the allocation starts: %llu bytes",
		       (unsigned long long)backlog);

	t0 = cv_now();
	waiter = fork();
	if (!waiter) {
		err = cv_alloc(self->heap_fd, self->heap.size, O_RDWR | O_CLOEXEC, 0);
		if (write(pipefd[1], &err, sizeof(err)) != sizeof(err))
			_exit(2);
		_exit(0);
	}
	status = reap_within(waiter, PROMPT_S);
	elapsed = cv_now() - t0;
	churn_stop(churn);
	late = status == -1;
	if (late)
		waitpid(waiter, &status, 0);	/* returns once the churn stopped */
	EXPECT_FALSE(late) TH_LOG("the failing allocation took more than %.1f s under steady frees",
				  PROMPT_S);
	ASSERT_EQ((ssize_t)sizeof(err), read(pipefd[0], &err, sizeof(err)));
	EXPECT_EQ(-ENOMEM, err) TH_LOG("allocation of the whole heap: %s", strerror(-err));
	TH_LOG("failing allocation under steady frees took %.3f s", elapsed);
	close(pipefd[0]);
	close(pipefd[1]);
	close(hold);
}

/*
 * A task that keeps retrying a request the heap cannot meet, while other
 * processes keep freeing, spends its time waiting for zeroing: SIGKILL
 * must end it promptly (the wait is killable), not after the frees stop.
 */
TEST_F(heap, sigkilled_waiter_dies_promptly_under_steady_frees)
{
	size_t len = self->heap.size / 32 < self->page ? self->page : self->heap.size / 32;
	pid_t churn[CHURNERS], waiter;
	double t0, elapsed;
	int hold, status, late;

	hold = cv_alloc(self->heap_fd, self->heap.size / 2, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, hold);
	churn_start(&self->heap, self->heap_fd, len, churn);
	usleep(300000);

	waiter = fork();
	if (!waiter) {
		for (;;)
			cv_alloc(self->heap_fd, self->heap.size, O_RDWR | O_CLOEXEC, 0);
	}
	usleep(500000);
	t0 = cv_now();
	kill(waiter, SIGKILL);
	status = reap_within(waiter, PROMPT_S);
	elapsed = cv_now() - t0;
	churn_stop(churn);
	late = status == -1;
	if (late)
		waitpid(waiter, &status, 0);
	EXPECT_FALSE(late) TH_LOG("SIGKILLed waiter still alive after %.1f s", PROMPT_S);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	TH_LOG("SIGKILLed waiter reaped after %.3f s", elapsed);
	close(hold);
}

TEST_F(heap, alloc_zero_len_fails_einval)
{
	EXPECT_EQ(-EINVAL, cv_alloc(self->heap_fd, 0, O_RDWR | O_CLOEXEC, 0));
}

TEST_F(heap, alloc_larger_than_region_fails_einval)
{
	EXPECT_EQ(-EINVAL, cv_alloc(self->heap_fd, self->heap.size + self->page,
				    O_RDWR | O_CLOEXEC, 0));
	EXPECT_EQ(-EINVAL, cv_alloc(self->heap_fd, 1ULL << 62, O_RDWR | O_CLOEXEC, 0));
}

TEST_F(heap, alloc_len_near_size_max_fails_einval)
{
	EXPECT_EQ(-EINVAL, cv_alloc(self->heap_fd, UINT64_MAX, O_RDWR | O_CLOEXEC, 0));
	EXPECT_EQ(-EINVAL, cv_alloc(self->heap_fd, UINT64_MAX - self->page + 2,
				    O_RDWR | O_CLOEXEC, 0));
}

TEST_F(heap, alloc_nonzero_heap_flags_fails_einval)
{
	EXPECT_EQ(-EINVAL, cv_alloc(self->heap_fd, self->page, O_RDWR | O_CLOEXEC, 1));
	EXPECT_EQ(-EINVAL, cv_alloc(self->heap_fd, self->page, O_RDWR | O_CLOEXEC,
				    1ULL << 63));
}

TEST_F(heap, alloc_bad_fd_flags_fails_einval)
{
	EXPECT_EQ(-EINVAL, cv_alloc(self->heap_fd, self->page, O_RDWR | O_NONBLOCK, 0));
	EXPECT_EQ(-EINVAL, cv_alloc(self->heap_fd, self->page, O_RDWR | O_APPEND, 0));
}

TEST_F(heap, mmap_beyond_buffer_fails)
{
	size_t len = 2 * self->page;
	void *p;
	int fd;

	fd = cv_alloc(self->heap_fd, len, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, len);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 2 * len, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, self->page);
	EXPECT_EQ(MAP_FAILED, p);
	close(fd);
}

/* A private mapping would give the process its own copy-on-write pages,
 * which is never what a shared device buffer wants; every carveout heap
 * refuses it.
 */
TEST_F(heap, mmap_private_fails_einval)
{
	void *p;
	int fd;

	fd = cv_alloc(self->heap_fd, self->page, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	p = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_F(heap, sync_every_flag_combination)
{
	uint64_t flags;
	int fd;

	fd = cv_alloc(self->heap_fd, self->page, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	for (flags = 0; flags < 8; flags++) {
		int want = (flags & DMA_BUF_SYNC_RW) ? 0 : -EINVAL;

		EXPECT_EQ(want, cv_sync(fd, flags)) TH_LOG("flags %#llx",
							    (unsigned long long)flags);
	}
	EXPECT_EQ(-EINVAL, cv_sync(fd, DMA_BUF_SYNC_RW | (1ULL << 3)));
	EXPECT_EQ(-EINVAL, cv_sync(fd, DMA_BUF_SYNC_RW | (1ULL << 63)));
	close(fd);
}

TEST_F(heap, fdinfo_names_the_heap)
{
	char val[128];
	int fd;

	fd = cv_alloc(self->heap_fd, self->page, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cv_fdinfo(fd, "exp_name", val, sizeof(val)));
	EXPECT_STREQ(self->heap.name, val);
	close(fd);
}

TEST_F(heap, set_name_shows_in_fdinfo)
{
	char val[128];
	int fd;

	fd = cv_alloc(self->heap_fd, self->page, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, DMA_BUF_SET_NAME_B, "frame-7"));
	ASSERT_EQ(0, cv_fdinfo(fd, "name", val, sizeof(val)));
	EXPECT_STREQ("frame-7", val);
	close(fd);
}

/*
 * Under swiotlb=force every device bounces, vgem's too: the exporter
 * refuses the import with ERANGE (unless allow_bounce lets a cached buffer
 * bounce). Check that, then skip what needs the import.
 */
static int vgem_refused(struct __test_metadata *_metadata, int vgem, int fd,
			int cached)
{
	uint32_t handle;

	if (!cv_bounce_refused(cached))
		return 0;
	EXPECT_EQ(-ERANGE, cv_vgem_import(vgem, fd, &handle));
	return 1;
}

static void vgem_import_len(struct __test_metadata *_metadata, int heap_fd,
			    int cached, size_t len)
{
	uint32_t handle;
	int vgem, fd;

	vgem = cv_vgem_open();
	if (vgem < 0)
		SKIP(return, "no vgem device");
	fd = cv_alloc(heap_fd, len, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd) TH_LOG("alloc %zu", len);
	if (vgem_refused(_metadata, vgem, fd, cached)) {
		close(fd);
		close(vgem);
		SKIP(return, "swiotlb=force: vgem's import refused with ERANGE as documented");
	}
	EXPECT_EQ(0, cv_vgem_import(vgem, fd, &handle)) TH_LOG("import %zu", len);
	EXPECT_EQ(0, cv_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_EQ(0, cv_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	EXPECT_EQ(0, cv_vgem_close(vgem, handle));
	close(fd);
	close(vgem);
}

TEST_F(heap, vgem_import_one_page)
{
	vgem_import_len(_metadata, self->heap_fd, self->heap.cached, self->page);
}

TEST_F(heap, vgem_import_1mib)
{
	vgem_import_len(_metadata, self->heap_fd, self->heap.cached, MiB);
}

/* vgem's device allows 64 KiB segments: 32 MiB must be split into 512
 * sg entries, or DMA-API debug reports an over-long segment.
 */
TEST_F(heap, vgem_import_32mib_splits_segments)
{
	if (self->heap.size < 32 * MiB)
		SKIP(return, "heap %s smaller than 32 MiB", self->heap.name);
	vgem_import_len(_metadata, self->heap_fd, self->heap.cached, 32 * MiB);
}

/* The importer holds a reference: closing the fd must not free the
 * memory under it; closing the GEM handle does.
 */
TEST_F(heap, release_waits_for_importer)
{
	uint32_t handle;
	uint64_t live;
	int vgem, fd;

	vgem = cv_vgem_open();
	if (vgem < 0)
		SKIP(return, "no vgem device");
	fd = cv_alloc(self->heap_fd, MiB, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	if (vgem_refused(_metadata, vgem, fd, self->heap.cached)) {
		close(fd);
		close(vgem);
		SKIP(return, "swiotlb=force: vgem's import refused with ERANGE as documented");
	}
	ASSERT_EQ(0, cv_vgem_import(vgem, fd, &handle));
	close(fd);
	usleep(20000);
	ASSERT_EQ(0, cv_stat(self->heap.name, "live_buffers", &live));
	EXPECT_EQ(1ULL, live);
	EXPECT_EQ(0, cv_vgem_close(vgem, handle));
	close(vgem);
}

TEST_HARNESS_MAIN
