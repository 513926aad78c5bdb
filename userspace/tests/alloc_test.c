// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Allocation by heap name, flags, naming and the heap-fd cache, against
 * the fake heaps of fake_kernel.c.
 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "harness.h"
#include "test_util.h"

FIXTURE(alloc) {
	char *root;
	struct ldma_ctx *ctx;
	int fds_open;
};

FIXTURE_SETUP(alloc)
{
	self->root = tree_new();
	ASSERT_NE(NULL, self->root);
	ASSERT_EQ(0, tree_heap(self->root, "system", NULL));
	ASSERT_EQ(0, tree_heap(self->root, "video", "enomem"));
	self->ctx = tree_ctx(self->root);
	ASSERT_NE(NULL, self->ctx);
	self->fds_open = count_fds();
}

FIXTURE_TEARDOWN(alloc)
{
	ldma_ctx_free(self->ctx);
	tree_free(self->root);
}

TEST_F(alloc, alloc_by_name_returns_cloexec_rdwr_buffer_of_len)
{
	uint64_t size;
	int fd;

	fd = ldma_alloc(self->ctx, "system", 12345, 0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_STREQ("system", fake.alloc_heap);
	EXPECT_EQ(12345u, fake.alloc_len);
	EXPECT_EQ((uint32_t)(O_RDWR | O_CLOEXEC), fake.alloc_fd_flags);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	ASSERT_EQ(0, ldma_buf_size(fd, &size));
	EXPECT_EQ(12345u, size);
	EXPECT_EQ(0u, fake.set_name_calls);
	close(fd);
}

TEST_F(alloc, alloc_no_cloexec_flag_leaves_fd_inheritable)
{
	int fd;

	fd = ldma_alloc(self->ctx, "system", 4096, LDMA_ALLOC_NO_CLOEXEC, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ((uint32_t)O_RDWR, fake.alloc_fd_flags);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST_F(alloc, alloc_rdonly_flag_asks_for_o_rdonly)
{
	int fd;

	fd = ldma_alloc(self->ctx, "system", 4096, LDMA_ALLOC_RDONLY, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ((uint32_t)(O_RDONLY | O_CLOEXEC), fake.alloc_fd_flags);
	close(fd);
}

TEST_F(alloc, alloc_zero_len_fails_einval_before_any_ioctl)
{
	EXPECT_EQ(-EINVAL, ldma_alloc(self->ctx, "system", 0, 0, NULL));
	EXPECT_EQ(0u, fake.alloc_calls);
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(alloc, alloc_overflowing_len_fails_einval_before_any_ioctl)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd;

	EXPECT_EQ(-EINVAL, ldma_alloc(self->ctx, "system", SIZE_MAX, 0, NULL));
	EXPECT_EQ(-EINVAL, ldma_alloc(self->ctx, "system", SIZE_MAX - page + 2, 0, NULL));
	EXPECT_EQ(0u, fake.alloc_calls);
	/* The largest length that still rounds up to a page reaches the heap. */
	fd = ldma_alloc(self->ctx, "system", SIZE_MAX - page + 1, 0, NULL);
	EXPECT_EQ(1u, fake.alloc_calls);
	if (fd >= 0)
		close(fd);
}

TEST_F(alloc, alloc_unknown_flags_fail_einval)
{
	EXPECT_EQ(-EINVAL, ldma_alloc(self->ctx, "system", 4096, 1u << 7, NULL));
	EXPECT_EQ(0u, fake.alloc_calls);
}

TEST_F(alloc, alloc_bad_heap_name_fails_einval)
{
	char longname[LDMA_HEAP_NAME_MAX + 1];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	EXPECT_EQ(-EINVAL, ldma_alloc(self->ctx, NULL, 4096, 0, NULL));
	EXPECT_EQ(-EINVAL, ldma_alloc(self->ctx, "", 4096, 0, NULL));
	EXPECT_EQ(-EINVAL, ldma_alloc(self->ctx, ".", 4096, 0, NULL));
	EXPECT_EQ(-EINVAL, ldma_alloc(self->ctx, "../dev/system", 4096, 0, NULL));
	EXPECT_EQ(-EINVAL, ldma_alloc(self->ctx, longname, 4096, 0, NULL));
	EXPECT_EQ(0u, fake.alloc_calls);
}

TEST_F(alloc, alloc_unknown_heap_fails_enoent)
{
	EXPECT_EQ(-ENOENT, ldma_alloc(self->ctx, "nope", 4096, 0, NULL));
	/* A single name is never split at commas. */
	EXPECT_EQ(-ENOENT, ldma_alloc(self->ctx, "system,video", 4096, 0, NULL));
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(alloc, alloc_failure_leaves_no_fd)
{
	EXPECT_EQ(-ENOMEM, ldma_alloc(self->ctx, "video", 4096, 0, NULL));
	/* Only the cached heap node stays open. */
	EXPECT_EQ(self->fds_open + 1, count_fds());
}

TEST_F(alloc, alloc_reuses_cached_heap_fd)
{
	int a, b, heap_fd;

	a = ldma_alloc(self->ctx, "system", 4096, 0, NULL);
	ASSERT_LE(0, a);
	heap_fd = fake.alloc_heap_fd;
	b = ldma_alloc(self->ctx, "system", 4096, 0, NULL);
	ASSERT_LE(0, b);
	EXPECT_EQ(heap_fd, fake.alloc_heap_fd);
	close(a);
	close(b);
	EXPECT_EQ(self->fds_open + 1, count_fds());
}

TEST_F(alloc, ctx_free_closes_cached_heap_fds)
{
	close(ldma_alloc(self->ctx, "system", 4096, 0, NULL));
	EXPECT_EQ(-ENOMEM, ldma_alloc(self->ctx, "video", 4096, 0, NULL));
	EXPECT_EQ(self->fds_open + 2, count_fds());
	ldma_ctx_free(self->ctx);
	self->ctx = NULL;
	EXPECT_EQ(self->fds_open, count_fds());
}

struct alloc_thread {
	struct ldma_ctx *ctx;
	int failures;
};

static void *alloc_many(void *arg)
{
	struct alloc_thread *t = arg;
	int i, fd;

	for (i = 0; i < 50; i++) {
		fd = ldma_alloc(t->ctx, "system", 4096, 0, NULL);
		if (fd < 0)
			t->failures++;
		else
			close(fd);
	}
	return NULL;
}

TEST_F(alloc, concurrent_allocs_share_one_cached_heap_fd)
{
	struct alloc_thread t[8];
	pthread_t tid[8];
	int i;

	for (i = 0; i < 8; i++) {
		t[i] = (struct alloc_thread){ .ctx = self->ctx };
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, alloc_many, &t[i]));
	}
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
		EXPECT_EQ(0, t[i].failures);
	}
	EXPECT_EQ(self->fds_open + 1, count_fds());
}

TEST_F(alloc, set_name_too_long_is_truncated)
{
	const char *name = "a-name-much-longer-than-thirty-one-bytes-allows";
	int fd;

	fd = ldma_alloc(self->ctx, "system", 4096, 0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ldma_set_name(fd, name));
	EXPECT_EQ(LDMA_BUF_NAME_MAX - 1, (int)strlen(fake.name));
	EXPECT_EQ(0, strncmp(name, fake.name, LDMA_BUF_NAME_MAX - 1));
	close(fd);
}

TEST_F(alloc, set_name_short_is_passed_unchanged)
{
	int fd;

	fd = ldma_alloc(self->ctx, "system", 4096, 0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ldma_set_name(fd, "camera0"));
	EXPECT_STREQ("camera0", fake.name);
	EXPECT_EQ(-EINVAL, ldma_set_name(fd, NULL));
	close(fd);
}

TEST_F(alloc, alloc_with_long_name_truncates_it)
{
	int fd;

	fd = ldma_alloc(self->ctx, "system", 4096, 0,
			"0123456789012345678901234567890123456789");
	ASSERT_LE(0, fd);
	EXPECT_EQ(1u, fake.set_name_calls);
	EXPECT_STREQ("0123456789012345678901234567890", fake.name);
	close(fd);
}

TEST(set_name_on_non_dmabuf_fails_enotty)
{
	int fd = memfd_sized(4096);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, ldma_set_name(fd, "x"));
	close(fd);
	EXPECT_EQ(-EBADF, ldma_set_name(fd, "x"));
}

TEST(heap_ioctl_alloc_checks_arguments_and_fd)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-EINVAL, ldma_heap_ioctl_alloc(p[0], 0, O_RDWR));
	EXPECT_EQ(-EINVAL, ldma_heap_ioctl_alloc(p[0], 4096, O_RDWR | O_NONBLOCK));
	EXPECT_EQ(-ENOTTY, ldma_heap_ioctl_alloc(p[0], 4096, O_RDWR));
	EXPECT_EQ(-EBADF, ldma_heap_ioctl_alloc(-1, 4096, O_RDWR));
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN
