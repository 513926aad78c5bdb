// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer kselftests: what a failed ioctl, a closed file and a
 * killed process leave behind: nothing.
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
#include "importer_fixture.h"
#include "importer_test.h"

/* Lifecycle: nothing outlives the file or the process. */

static int attach_everywhere(int imp, int buf, const uint32_t *devs, int n)
{
	uint32_t h;
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = cv_imp_attach(imp, buf, devs[i], &h);
		if (!ret)
			ret = cv_imp_map(imp, h, DIR_BIDI, NULL);
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
	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &h));
	ASSERT_EQ(0, mprotect(page, pg, PROT_READ | PROT_WRITE));
	map->handle = h;
	map->direction = DMABUF_IMPORTER_DIR_BIDIRECTIONAL;
	ASSERT_EQ(0, mprotect(page, pg, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->imp, DMABUF_IMPORTER_IOC_MAP, map));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, cv_imp_query(self->imp, h, &q));
	EXPECT_EQ(0U, q.state & DMABUF_IMPORTER_STATE_MAPPED);
	/* And it maps normally afterwards. */
	EXPECT_EQ(0, cv_imp_map(self->imp, h, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL));
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
	munmap(page, pg);
}

TEST_F(imp, close_with_mapped_attachments_frees_every_buffer)
{
	uint32_t devs[] = { self->camera.index, self->gpu.index,
			    self->scanout, self->edu64.index };
	struct cv_heap other;
	int other_fd = -1, buf2 = -1, imp2;
	uint64_t used;

	imp2 = cv_imp_open();
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

static int victim_attach_everywhere(void *arg)
{
	struct victim *v = arg;

	v->imp = cv_imp_open();
	v->buf = cv_alloc(v->heap_fd, 4 * MiB, O_RDWR | O_CLOEXEC, 0);
	if (v->imp < 0 || v->buf < 0)
		return -1;
	return attach_everywhere(v->imp, v->buf, v->devs, 4);
}

static int victim_wait(void *arg)
{
	pause();
	return 0;
}

static int victim_map_edu(void *arg)
{
	struct victim *v = arg;

	v->imp = cv_imp_open();
	if (v->imp < 0 || cv_imp_attach(v->imp, v->buf, v->edu, &v->handle))
		return -1;
	return cv_imp_map(v->imp, v->handle, DIR_FROM, NULL);
}

static int victim_fill_with_edu(void *arg)
{
	struct victim *v = arg;

	/* 1 MiB through edu takes minutes. */
	cv_imp_fill(v->imp, v->handle, 0, v->size, 0xdead);
	return 0;
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

	pid = cv_spawn(victim_attach_everywhere, victim_wait, &v);
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
	double t0, t1;
	int status;
	pid_t pid;

	pid = cv_spawn(victim_map_edu, victim_fill_with_edu, &v);
	ASSERT_LT(0, pid);
	usleep(500 * 1000);
	t0 = cv_now();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t1 = cv_now();
	EXPECT_TRUE(WIFSIGNALED(status));
	/* One transfer at most (~100 ms), far from the whole fill. */
	EXPECT_GT(10.0, t1 - t0);

	close(self->buf);
	self->buf = -1;
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
}

TEST_HARNESS_MAIN
