// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma against the real heaps of a running kernel (the guest), every heap
 * in /dev/dma_heap: allocation, naming, mapping with the CPU bracket,
 * sync_file, capabilities, and buffers passed between processes. The host
 * tests cover everything that does not need a heap.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "libdma.h"

#define LEN (64 * 1024)

FIXTURE(heaps) {
	struct ldma_heap_info *list;
	int n;
	size_t page;
};

FIXTURE_SETUP(heaps)
{
	self->n = ldma_heap_list(NULL, &self->list);
	ASSERT_LE(0, self->n);
	if (!self->n)
		SKIP(return, "no heaps in /dev/dma_heap");
	self->page = (size_t)sysconf(_SC_PAGESIZE);
}

FIXTURE_TEARDOWN(heaps)
{
	free(self->list);
}

/* Fill through a mapping with the CPU bracket, or check what is there. */
static int fill(int fd, size_t len, uint8_t seed)
{
	struct ldma_map *map;
	uint8_t *p;
	size_t i;
	int ret;

	ret = ldma_map(fd, len, LDMA_RW, &map);
	if (ret < 0)
		return ret;
	ret = ldma_cpu_begin(fd, LDMA_WRITE);
	if (!ret) {
		p = ldma_map_addr(map);
		for (i = 0; i < len; i++)
			p[i] = (uint8_t)(seed + i);
		ret = ldma_cpu_end(fd, LDMA_WRITE);
	}
	ldma_unmap(map);
	return ret;
}

/* 0 if every byte is seed + i (or 0 when @zero), 1 if not, or -errno. */
static int check(int fd, size_t len, uint8_t seed, bool zero)
{
	struct ldma_map *map;
	const uint8_t *p;
	size_t i;
	int ret, bad = 0;

	ret = ldma_map(fd, len, LDMA_READ, &map);
	if (ret < 0)
		return ret;
	ret = ldma_cpu_begin(fd, LDMA_READ);
	if (!ret) {
		p = ldma_map_addr(map);
		for (i = 0; i < len && !bad; i++)
			bad = p[i] != (zero ? 0 : (uint8_t)(seed + i));
		ret = ldma_cpu_end(fd, LDMA_READ);
	}
	ldma_unmap(map);
	return ret ? ret : bad;
}

TEST_F(heaps, every_heap_allocates_zeroed_buffers_that_map_and_sync)
{
	uint64_t size;
	int i, fd;

	for (i = 0; i < self->n; i++) {
		const char *heap = self->list[i].name;

		fd = ldma_alloc(NULL, heap, LEN, 0, NULL);
		ASSERT_LE(0, fd) TH_LOG("heap %s: %s", heap, strerror(-fd));
		EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD)) TH_LOG("heap %s", heap);
		EXPECT_EQ(0, ldma_buf_size(fd, &size));
		EXPECT_EQ((uint64_t)LEN, size) TH_LOG("heap %s", heap);
		EXPECT_EQ(0, check(fd, LEN, 0, true)) TH_LOG("heap %s: not zeroed", heap);
		EXPECT_EQ(0, fill(fd, LEN, (uint8_t)i)) TH_LOG("heap %s", heap);
		EXPECT_EQ(0, check(fd, LEN, (uint8_t)i, false)) TH_LOG("heap %s", heap);
		close(fd);
	}
}

TEST_F(heaps, every_heap_buffer_name_shows_in_fdinfo_truncated)
{
	const char *name = "libdma-guest-test-name-longer-than-31-bytes";
	struct ldma_buf_info info;
	int i, fd;

	for (i = 0; i < self->n; i++) {
		fd = ldma_alloc(NULL, self->list[i].name, LEN, 0, name);
		ASSERT_LE(0, fd) TH_LOG("heap %s: %s", self->list[i].name, strerror(-fd));
		ASSERT_EQ(0, ldma_buf_info(NULL, 0, fd, &info));
		EXPECT_EQ((uint64_t)LEN, info.size);
		EXPECT_NE(0, info.exp_name[0]);
		EXPECT_EQ(LDMA_BUF_NAME_MAX - 1, (int)strlen(info.name));
		EXPECT_EQ(0, strncmp(name, info.name, LDMA_BUF_NAME_MAX - 1))
			TH_LOG("heap %s: name '%s'", self->list[i].name, info.name);
		close(fd);
	}
}

TEST_F(heaps, every_heap_idle_buffer_sync_file_signals_at_once)
{
	int i, fd, sync_fd;

	for (i = 0; i < self->n; i++) {
		fd = ldma_alloc(NULL, self->list[i].name, LEN, 0, NULL);
		ASSERT_LE(0, fd);
		sync_fd = ldma_sync_file_export(fd, LDMA_WRITE);
		if (sync_fd == -ENOTTY) {
			close(fd);
			SKIP(return, "kernel without CONFIG_SYNC_FILE");
		}
		ASSERT_LE(0, sync_fd) TH_LOG("heap %s: %s", self->list[i].name,
					     strerror(-sync_fd));
		EXPECT_EQ(0, ldma_sync_file_wait(sync_fd, 1000));
		EXPECT_EQ(0, ldma_sync_file_import(fd, LDMA_READ, sync_fd));
		EXPECT_EQ(-EINVAL, ldma_sync_file_import(fd, LDMA_READ, fd));
		close(sync_fd);
		close(fd);
	}
}

TEST_F(heaps, capabilities_are_published_or_unknown)
{
	int i;

	for (i = 0; i < self->n; i++) {
		const struct ldma_heap_info *h = &self->list[i];

		if (h->contiguous == LDMA_UNKNOWN) {
			/* A heap without sysfs says nothing at all. */
			EXPECT_EQ(LDMA_UNKNOWN, h->cached) TH_LOG("heap %s", h->name);
			EXPECT_EQ(LDMA_SIZE_UNKNOWN, h->size) TH_LOG("heap %s", h->name);
			continue;
		}
		EXPECT_EQ(LDMA_YES, h->contiguous) TH_LOG("heap %s", h->name);
		EXPECT_NE(LDMA_UNKNOWN, h->cached) TH_LOG("heap %s", h->name);
		EXPECT_LT(0u, h->size) TH_LOG("heap %s", h->name);
		EXPECT_GE(h->size, h->free) TH_LOG("heap %s", h->name);
		EXPECT_GE(h->free, h->largest_free) TH_LOG("heap %s", h->name);
		EXPECT_LE((uint64_t)self->page, h->align) TH_LOG("heap %s", h->name);
	}
}

TEST_F(heaps, carveout_free_drops_while_a_buffer_lives)
{
	struct ldma_heap_info before, during;
	int i, fd, tested = 0;

	for (i = 0; i < self->n; i++) {
		const char *heap = self->list[i].name;

		if (self->list[i].free == LDMA_SIZE_UNKNOWN)
			continue;
		ASSERT_EQ(0, ldma_heap_query(NULL, heap, &before));
		fd = ldma_alloc(NULL, heap, 1 << 20, 0, NULL);
		ASSERT_LE(0, fd) TH_LOG("heap %s: %s", heap, strerror(-fd));
		ASSERT_EQ(0, ldma_heap_query(NULL, heap, &during));
		EXPECT_LE((uint64_t)(1 << 20), before.free - during.free)
			TH_LOG("heap %s: free %llu -> %llu", heap,
			       (unsigned long long)before.free,
			       (unsigned long long)during.free);
		close(fd);
		tested++;
	}
	if (!tested)
		SKIP(return, "no heap publishes its free bytes");
}

TEST_F(heaps, carveout_larger_than_region_fails_at_once)
{
	int i, fd, tested = 0;

	for (i = 0; i < self->n; i++) {
		const struct ldma_heap_info *h = &self->list[i];

		if (h->size == LDMA_SIZE_UNKNOWN || h->size > SIZE_MAX / 2)
			continue;
		fd = ldma_alloc(NULL, h->name, (size_t)h->size + self->page, 0, NULL);
		EXPECT_GT(0, fd) TH_LOG("heap %s: a buffer larger than the heap", h->name);
		if (fd >= 0)
			close(fd);
		tested++;
	}
	if (!tested)
		SKIP(return, "no heap publishes its size");
}

TEST_F(heaps, preference_list_picks_an_existing_heap)
{
	char list[4 * LDMA_HEAP_NAME_MAX], chosen[LDMA_HEAP_NAME_MAX];
	const char *last = self->list[self->n - 1].name;
	int fd;

	snprintf(list, sizeof(list), "no-such-heap:%s,system", last);
	fd = ldma_alloc_pref(NULL, list, LEN, 0, NULL, chosen, sizeof(chosen));
	ASSERT_LE(0, fd) TH_LOG("%s: %s", list, strerror(-fd));
	EXPECT_STREQ(last, chosen);
	close(fd);
	EXPECT_EQ(-ENOENT, ldma_alloc(NULL, "no-such-heap", LEN, 0, NULL));
}

/* The child maps what it receives, checks the parent's pattern, writes its own. */
static int child_side(int sock)
{
	struct ldma_meta meta;
	int fd, ret;
	char ack = 'k';

	ret = ldma_recv(sock, &fd, &meta, 1);
	if (ret != 1)
		return 10;
	if (check(fd, (size_t)meta.size, 0x11, false))
		return 11;
	if (fill(fd, (size_t)meta.size, 0x22))
		return 12;
	close(fd);
	return write(sock, &ack, 1) == 1 ? 0 : 13;
}

TEST_F(heaps, every_heap_buffer_crosses_processes_with_metadata)
{
	int i, fd, sk[2], status;
	struct ldma_meta meta;
	char ack;
	pid_t pid;

	for (i = 0; i < self->n; i++) {
		const char *heap = self->list[i].name;

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));
		fd = ldma_alloc(NULL, heap, LEN, 0, NULL);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fill(fd, LEN, 0x11));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(sk[0]);
			_exit(child_side(sk[1]));
		}
		close(sk[1]);
		meta = (struct ldma_meta){ .size = LEN };
		snprintf(meta.heap, sizeof(meta.heap), "%s", heap);
		/* The real size check of ldma_recv() runs on a real dma-buf. */
		EXPECT_EQ(0, ldma_send(sk[0], &fd, &meta, 1));
		EXPECT_EQ(1, read(sk[0], &ack, 1));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("heap %s: child step %d",
							 heap, WEXITSTATUS(status));
		EXPECT_EQ(0, check(fd, LEN, 0x22, false)) TH_LOG("heap %s", heap);
		close(fd);
		close(sk[0]);
	}
}

TEST_HARNESS_MAIN
