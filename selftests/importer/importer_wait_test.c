// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting in the importer: for a buffer's fences, and for a device that
 * another caller is using.
 *
 * A job waits for its buffer's fences without holding the device, so a
 * fence that is never signalled (a sw_sync fence nobody advances) holds
 * up that job only; any signal interrupts the wait. A caller blocked
 * behind a long edu transfer on the same device can be killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/types.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_test.h"

/* drivers/dma-buf/sw_sync.c: the uAPI is not exported as a header. */
struct sw_sync_create_fence_data {
	__u32 value;
	char name[32];
	__s32 fence;
};

#define SW_SYNC_IOC_MAGIC		'W'
#define SW_SYNC_IOC_CREATE_FENCE	_IOWR(SW_SYNC_IOC_MAGIC, 0, \
					      struct sw_sync_create_fence_data)
#define SW_SYNC_IOC_INC			_IOW(SW_SYNC_IOC_MAGIC, 1, __u32)
#define SW_SYNC_PATH			"/sys/kernel/debug/sync/sw_sync"

#define BUF_SIZE (64 * 1024UL)
#define MiB (1024UL * 1024UL)

FIXTURE(wait) {
	int imp;
	int heap_fd;
	struct cv_heap heap;
	struct dmabuf_importer_device_info camera;
	int timeline;
	int buf;
	pid_t child[2];
	int bounce;	/* allow_bounce to restore (cv_imp_bounce_if_forced) */
};

FIXTURE_SETUP(wait)
{
	self->timeline = -1;
	self->child[0] = self->child[1] = -1;
	CACHED_BUF_SETUP(BUF_SIZE, O_RDWR | O_CLOEXEC);
	ASSERT_EQ(0, cv_imp_find_device(self->imp, DMABUF_IMPORTER_ROLE_CAMERA, 0,
		  &self->camera));
	self->timeline = open(SW_SYNC_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->timeline) TH_LOG("open %s: %s", SW_SYNC_PATH, strerror(errno));
}

FIXTURE_TEARDOWN(wait)
{
	int i, status;

	cv_imp_bounce_restore(self->bounce);
	for (i = 0; i < 2; i++) {
		if (self->child[i] <= 0)
			continue;
		kill(self->child[i], SIGKILL);
		waitpid(self->child[i], &status, 0);
	}
	/* Signals whatever fence is left, so that nothing waits on it. */
	if (self->timeline >= 0)
		close(self->timeline);
	CACHED_BUF_TEARDOWN();
}

/* A write fence on @buf that signals when @timeline reaches 1. */
static int add_unsignalled_fence(int timeline, int buf)
{
	struct sw_sync_create_fence_data f = { .value = 1, .name = "imp" };
	struct dma_buf_import_sync_file imp = { .flags = DMA_BUF_SYNC_WRITE };
	int ret = 0;

	if (ioctl(timeline, SW_SYNC_IOC_CREATE_FENCE, &f))
		return -errno;
	imp.fd = f.fence;
	if (ioctl(buf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &imp))
		ret = -errno;
	close(f.fence);
	return ret;
}

static int signal_timeline(int timeline)
{
	__u32 one = 1;

	return ioctl(timeline, SW_SYNC_IOC_INC, &one) ? -errno : 0;
}

/*
 * Fork a child that attaches @buf to @device and maps it for the device
 * to write, says so, then FILLs @len bytes (a wait for the fences, or a
 * long transfer). With @device_only, it only opens the importer, says so,
 * and then ATTACHes (blocked while the device is busy).
 */
struct filler {
	int buf;
	uint32_t device;
	uint64_t len;
	int device_only;
	int imp;
	uint32_t h;
};

static int filler_setup(void *arg)
{
	struct filler *f = arg;

	f->imp = cv_imp_open();
	if (f->imp < 0)
		return -1;
	if (f->device_only)
		return 0;
	if (cv_imp_attach(f->imp, f->buf, f->device, &f->h) ||
	    cv_imp_map(f->imp, f->h, DMABUF_IMPORTER_DIR_FROM_DEVICE, NULL))
		return -1;
	return 0;
}

static int filler_work(void *arg)
{
	struct filler *f = arg;

	if (f->device_only)
		return cv_imp_attach(f->imp, f->buf, f->device, &f->h) ? 1 : 0;
	return cv_imp_fill(f->imp, f->h, 0, f->len, 0x1234) ? 1 : 0;
}

static pid_t spawn_filler(int buf, uint32_t device, uint64_t len,
			  int device_only)
{
	struct filler f = {
		.buf = buf, .device = device, .len = len, .device_only = device_only,
	};

	return cv_spawn(filler_setup, filler_work, &f);
}

/* Has @pid exited within @secs? Reaps it. */
static int exits_within(pid_t pid, double secs, int *status)
{
	double t0;

	t0 = cv_now();
	do {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
		usleep(10 * 1000);
	} while (cv_now() - t0 < secs);
	return 0;
}

/* A device round trip on a buffer of its own, in a session of its own. */
static void round_trip(struct __test_metadata *_metadata, int heap_fd,
		       uint32_t device)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	int imp = cv_imp_open(), buf;
	uint64_t sum = 0;
	uint32_t h;
	void *p;

	ASSERT_LE(0, imp);
	buf = cv_alloc(heap_fd, BUF_SIZE, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, buf);
	ASSERT_EQ(0, cv_imp_attach(imp, buf, device, &h));
	ASSERT_EQ(0, cv_imp_map(imp, h, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL));
	ASSERT_EQ(0, cv_imp_fill(imp, h, 0, BUF_SIZE, 0xabcd));
	p = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync));
	EXPECT_EQ(BUF_SIZE, cv_imp_verify(p, 0, BUF_SIZE, 0xabcd));
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	ASSERT_EQ(0, ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync));
	ASSERT_EQ(0, cv_imp_checksum(imp, h, 0, BUF_SIZE, &sum));
	EXPECT_EQ(cv_imp_hash(p, BUF_SIZE), sum);
	munmap(p, BUF_SIZE);
	close(buf);
	close(imp);
}

TEST_F_TIMEOUT(wait, fence_waiter_holds_up_no_other_session_and_dies_on_sigkill, 60)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	double t0;
	uint64_t i;
	int status;
	uint8_t *p;

	ASSERT_EQ(0, add_unsignalled_fence(self->timeline, self->buf));
	self->child[0] = spawn_filler(self->buf, self->camera.index, BUF_SIZE, 0);
	ASSERT_LT(0, self->child[0]);
	usleep(300 * 1000);

	/* The waiter waits 10 s: the other job must not wait with it. */
	t0 = cv_now();
	round_trip(_metadata, self->heap_fd, self->camera.index);
	EXPECT_GT(3.0, cv_now() - t0) TH_LOG("a job on the same device took %.1f s",
					     cv_now() - t0);
	EXPECT_EQ(0, waitpid(self->child[0], &status, WNOHANG))
		TH_LOG("the waiter ended before its fence signalled");

	ASSERT_EQ(0, kill(self->child[0], SIGKILL));
	ASSERT_TRUE(exits_within(self->child[0], 2.0, &status))
		TH_LOG("the killed waiter did not end");
	self->child[0] = -1;
	EXPECT_TRUE(WIFSIGNALED(status));

	/* The killed job never wrote. */
	ASSERT_EQ(0, signal_timeline(self->timeline));
	p = mmap(NULL, BUF_SIZE, PROT_READ, MAP_SHARED, self->buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, ioctl(self->buf, DMA_BUF_IOCTL_SYNC, &sync));
	for (i = 0; i < BUF_SIZE && !p[i]; i++)
		;
	EXPECT_EQ(BUF_SIZE, i);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	EXPECT_EQ(0, ioctl(self->buf, DMA_BUF_IOCTL_SYNC, &sync));
	munmap(p, BUF_SIZE);
}

static void on_alarm(int sig)
{
}

TEST_F(wait, fence_wait_is_interrupted_by_a_signal_eintr)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { 0, 200 * 1000 } };
	double t0;
	uint32_t h;
	int ret;

	ASSERT_EQ(0, add_unsignalled_fence(self->timeline, self->buf));
	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->camera.index, &h));
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DMABUF_IMPORTER_DIR_FROM_DEVICE, NULL));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	t0 = cv_now();
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	ret = cv_imp_fill(self->imp, h, 0, BUF_SIZE, 1);
	EXPECT_EQ(-EINTR, ret);
	EXPECT_GT(2.0, cv_now() - t0);

	/* Once the fence signals, the same job runs. */
	ASSERT_EQ(0, signal_timeline(self->timeline));
	EXPECT_EQ(0, cv_imp_fill(self->imp, h, 0, BUF_SIZE, 1));
	signal(SIGALRM, SIG_DFL);
}

TEST_F_TIMEOUT(wait, caller_blocked_behind_a_long_edu_transfer_dies_on_sigkill, 60)
{
	struct dmabuf_importer_device_info edu;
	int status, big, exited;

	ASSERT_EQ(0, cv_imp_find_device(self->imp, DMABUF_IMPORTER_ROLE_EDU, 64, &edu));
	if (edu.flags & DMABUF_IMPORTER_DEV_NO_DMA)
		SKIP(return, "the 64-bit edu cannot do DMA here");
	big = cv_alloc(self->heap_fd, MiB, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, big);
	/* 1 MiB through edu takes about a minute and a half. */
	self->child[0] = spawn_filler(big, edu.index, MiB, 0);
	close(big);
	ASSERT_LT(0, self->child[0]);
	usleep(300 * 1000);

	self->child[1] = spawn_filler(self->buf, edu.index, 0, 1);
	ASSERT_LT(0, self->child[1]);
	usleep(300 * 1000);
	EXPECT_EQ(0, waitpid(self->child[1], &status, WNOHANG))
		TH_LOG("ATTACH did not wait for the busy device");

	ASSERT_EQ(0, kill(self->child[1], SIGKILL));
	exited = exits_within(self->child[1], 2.0, &status);
	/* If not, the teardown reaps it once the transfer is killed. */
	ASSERT_TRUE(exited) TH_LOG("a caller waiting for the device could not be killed");
	self->child[1] = -1;
	EXPECT_TRUE(WIFSIGNALED(status));
}

TEST_HARNESS_MAIN
