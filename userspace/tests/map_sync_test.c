// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mappings, the CPU-access bracket and the sync_file helpers. Mappings use
 * memfds; the bracket uses fake dma-bufs (fake_kernel.c) so that EINTR and
 * EAGAIN can be injected; the sync_file wait uses pipes and eventfds, which
 * poll like a sync_file.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "fake_kernel.h"
#include "harness.h"
#include "test_util.h"

TEST(map_whole_buffer_remembers_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct ldma_map *map;
	int fd = memfd_sized(3 * page);
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ldma_map(fd, 0, LDMA_RW, &map));
	EXPECT_EQ(3 * page, ldma_map_size(map));
	p = ldma_map_addr(map);
	ASSERT_NE(NULL, p);
	p[0] = 'a';
	p[3 * page - 1] = 'z';
	EXPECT_EQ(0, ldma_unmap(map));
	close(fd);
}

TEST(map_partial_length)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct ldma_map *map;
	int fd = memfd_sized(4 * page);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ldma_map(fd, page, LDMA_READ, &map));
	EXPECT_EQ(page, ldma_map_size(map));
	EXPECT_EQ(0, ldma_unmap(map));
	close(fd);
}

TEST(map_keeps_its_own_fd_after_caller_closes)
{
	int before = count_fds(), fd = memfd_sized(4096);
	struct ldma_map *map;
	uint64_t size;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ldma_map(fd, 0, LDMA_RW, &map));
	close(fd);
	ASSERT_LE(0, ldma_map_fd(map));
	EXPECT_EQ(0, ldma_buf_size(ldma_map_fd(map), &size));
	EXPECT_EQ(4096u, size);
	EXPECT_EQ(FD_CLOEXEC, fcntl(ldma_map_fd(map), F_GETFD));
	memset(ldma_map_addr(map), 0x5a, 4096);
	EXPECT_EQ(before + 1, count_fds());
	EXPECT_EQ(0, ldma_unmap(map));
	EXPECT_EQ(before, count_fds());
}

TEST(map_of_non_buffer_fails)
{
	struct ldma_map *map;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-ESPIPE, ldma_map(p[0], 0, LDMA_READ, &map));
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(-EBADF, ldma_map(p[0], 0, LDMA_READ, &map));
}

TEST(map_rejects_bad_arguments)
{
	struct ldma_map *map;
	int fd = memfd_sized(4096);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, ldma_map(fd, 0, 0, &map));
	EXPECT_EQ(-EINVAL, ldma_map(fd, 0, 4, &map));
	EXPECT_EQ(-EINVAL, ldma_map(fd, 0, LDMA_RW, NULL));
	EXPECT_EQ(NULL, ldma_map_addr(NULL));
	EXPECT_EQ(0u, ldma_map_size(NULL));
	EXPECT_EQ(-EINVAL, ldma_map_fd(NULL));
	EXPECT_EQ(0, ldma_unmap(NULL));
	close(fd);
}

/* A fake dma-buf, allocated through the library from a fake heap. */
FIXTURE(fakebuf) {
	char *root;
	struct ldma_ctx *ctx;
	int fd;
};

FIXTURE_SETUP(fakebuf)
{
	self->root = tree_new();
	ASSERT_NE(NULL, self->root);
	ASSERT_EQ(0, tree_heap(self->root, "system", NULL));
	self->ctx = tree_ctx(self->root);
	ASSERT_NE(NULL, self->ctx);
	self->fd = ldma_alloc(self->ctx, "system", 4096, 0, NULL);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(fakebuf)
{
	if (self->fd >= 0)
		close(self->fd);
	ldma_ctx_free(self->ctx);
	tree_free(self->root);
}

TEST_F(fakebuf, cpu_begin_end_retry_on_eintr_and_eagain)
{
	fake.sync_errs[0] = EINTR;
	fake.sync_errs[1] = EAGAIN;
	fake.sync_errs[2] = EINTR;
	EXPECT_EQ(0, ldma_cpu_begin(self->fd, LDMA_WRITE));
	EXPECT_EQ(4u, fake.sync_calls);

	fake.sync_calls = 0;
	fake.sync_errs[0] = EAGAIN;
	fake.sync_errs[1] = 0;
	EXPECT_EQ(0, ldma_cpu_end(self->fd, LDMA_WRITE));
	EXPECT_EQ(2u, fake.sync_calls);
}

TEST_F(fakebuf, cpu_begin_end_pass_direction_and_phase)
{
	EXPECT_EQ(0, ldma_cpu_begin(self->fd, LDMA_READ));
	EXPECT_EQ((uint64_t)(DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), fake.sync_flags);
	EXPECT_EQ(0, ldma_cpu_end(self->fd, LDMA_RW));
	EXPECT_EQ((uint64_t)(DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW), fake.sync_flags);
}

TEST_F(fakebuf, cpu_sync_reports_other_errors_at_once)
{
	fake.sync_errs[0] = EIO;
	EXPECT_EQ(-EIO, ldma_cpu_begin(self->fd, LDMA_READ));
	EXPECT_EQ(1u, fake.sync_calls);
}

TEST_F(fakebuf, cpu_sync_bad_access_fails_einval_without_ioctl)
{
	EXPECT_EQ(-EINVAL, ldma_cpu_begin(self->fd, 0));
	EXPECT_EQ(-EINVAL, ldma_cpu_end(self->fd, LDMA_RW + 1));
	EXPECT_EQ(0u, fake.sync_calls);
}

TEST(sync_wrappers_on_non_dmabuf_fail_enotty)
{
	int fd = memfd_sized(4096);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, ldma_cpu_begin(fd, LDMA_READ));
	EXPECT_EQ(-ENOTTY, ldma_cpu_end(fd, LDMA_READ));
	EXPECT_EQ(-ENOTTY, ldma_sync_file_export(fd, LDMA_READ));
	EXPECT_EQ(-ENOTTY, ldma_sync_file_import(fd, LDMA_WRITE, fd));
	close(fd);
}

TEST(sync_wrappers_on_closed_fd_fail_ebadf)
{
	int fd = memfd_sized(4096);

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-EBADF, ldma_cpu_begin(fd, LDMA_READ));
	EXPECT_EQ(-EBADF, ldma_sync_file_export(fd, LDMA_READ));
	EXPECT_EQ(-EBADF, ldma_sync_file_import(fd, LDMA_READ, 0));
	EXPECT_EQ(-EBADF, ldma_sync_file_wait(fd, 0));
	EXPECT_EQ(-EBADF, ldma_sync_file_wait(-1, 0));
}

TEST(sync_file_bad_access_fails_einval)
{
	EXPECT_EQ(-EINVAL, ldma_sync_file_export(0, 0));
	EXPECT_EQ(-EINVAL, ldma_sync_file_import(0, 8, 0));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST(sync_file_wait_times_out_with_etime)
{
	int64_t t0;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-ETIME, ldma_sync_file_wait(p[0], 0));
	t0 = now_ms();
	EXPECT_EQ(-ETIME, ldma_sync_file_wait(p[0], 50));
	EXPECT_LE(45, now_ms() - t0);
	close(p[0]);
	close(p[1]);
}

TEST(sync_file_wait_returns_zero_when_signalled)
{
	uint64_t one = 1;
	int fd = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(one), write(fd, &one, sizeof(one)));
	EXPECT_EQ(0, ldma_sync_file_wait(fd, 0));
	EXPECT_EQ(0, ldma_sync_file_wait(fd, -1));
	close(fd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST(sync_file_wait_keeps_its_timeout_across_signals)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };	/* every 10 ms */
	int64_t t0, waited;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	t0 = now_ms();
	EXPECT_EQ(-ETIME, ldma_sync_file_wait(p[0], 100));
	waited = now_ms() - t0;
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	EXPECT_LE(95, waited);
	EXPECT_GT(1000, waited);
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN
