// SPDX-License-Identifier: GPL-2.0
/*
 * A peer that sends malformed metadata: the receiving stage (gpu, then
 * display) must reject it, let go of every buffer that came with it before
 * it says so, and exit with status 4 (PL_EXIT_PROTO) once the sender hangs
 * up.
 *
 * The test plays the upstream stage. Its buffers come from the carveout
 * heap "camera", which nothing else of the run uses, so that the heap's
 * live buffer count shows whether the receiver still holds any of them
 * (descriptor, mapping, vgem or KMS import, importer attachment) at the
 * moment it answers REJECT, while it is still running.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "kselftest_harness.h"

#include <libdma.h>

#include "proto.h"
#include "stage.h"

#define HEAP		"camera"
#define NBUF		2
#define WAIT_MS		60000

static const char *bin_dir(void)
{
	const char *dir = getenv("PIPELINE_BIN");

	return dir ? dir : "/usr/bin";
}

/* A value of the heap's debugfs statistics, or -1. */
static long heap_stat(const char *key)
{
	char line[128];
	size_t len = strlen(key);
	long v = -1;
	FILE *f = fopen("/sys/kernel/debug/carveout_heap/" HEAP "/stats", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Wait up to 5 s for the heap to hold no buffer. */
static long heap_wait_idle(void)
{
	long live = -1;
	int i;

	for (i = 0; i < 50; i++) {
		live = heap_stat("live_buffers");
		if (!live)
			break;
		usleep(100 * 1000);
	}
	return live;
}

FIXTURE(receiver) {
	char dir[64], in[96], out[96], err[96];
	pid_t pid;
	int sock, lsock, down;
	int fds[NBUF];
	struct ldma_meta meta[NBUF];
	struct pl_msg hello;
};

FIXTURE_VARIANT(receiver) {
	const char *stage;
	uint32_t fourcc;
};

FIXTURE_VARIANT_ADD(receiver, gpu) {
	.stage = "gpu",
	.fourcc = DRM_FORMAT_NV12,
};

FIXTURE_VARIANT_ADD(receiver, display) {
	.stage = "display",
	.fourcc = DRM_FORMAT_XRGB8888,
};

/* Well-formed records for the receiver's format: 64x64 images. */
static void good_meta(struct ldma_meta *m, uint32_t fourcc)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->heap, sizeof(m->heap), HEAP);
	m->width = 64;
	m->height = 64;
	m->fourcc = fourcc;
	if (fourcc == DRM_FORMAT_NV12) {
		m->size = 64 * 64 * 3 / 2;
		m->num_planes = 2;
		m->planes[0].stride = 64;
		m->planes[1].stride = 64;
		m->planes[1].offset = 64 * 64;
	} else {
		m->size = 64 * 64 * 4;
		m->num_planes = 1;
		m->planes[0].stride = 64 * 4;
	}
}

FIXTURE_SETUP(receiver)
{
	char path[256];
	int i, fd;

	self->pid = -1;
	self->sock = self->lsock = self->down = -1;
	for (i = 0; i < NBUF; i++)
		self->fds[i] = -1;
	if (access("/sys/kernel/debug/carveout_heap/" HEAP "/stats", R_OK))
		SKIP(return, "no carveout heap '" HEAP "'");
	ASSERT_EQ(0, heap_wait_idle());

	strcpy(self->dir, "/tmp/badmeta.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->in, sizeof(self->in), "%s/in.sock", self->dir);
	snprintf(self->out, sizeof(self->out), "%s/out.sock", self->dir);
	snprintf(self->err, sizeof(self->err), "%s/stderr", self->dir);
	/* gpu goes on to a display: the test is that display too. */
	self->lsock = pl_listen(self->out);
	ASSERT_LE(0, self->lsock);

	snprintf(path, sizeof(path), "%s/%s", bin_dir(), variant->stage);
	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (!self->pid) {
		fd = open(self->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		dup2(fd, 1);
		if (!strcmp(variant->stage, "gpu"))
			execl(path, "gpu", "--in", self->in, "--out", self->out,
			      "--timeout", "60", (char *)NULL);
		else
			execl(path, "display", "--in", self->in, "--timeout", "60", (char *)NULL);
		_exit(127);
	}
	self->sock = pl_connect(self->in, WAIT_MS);
	ASSERT_LE(0, self->sock);

	/* Room for a 64x64 image of either format: only the records lie. */
	for (i = 0; i < NBUF; i++) {
		good_meta(&self->meta[i], variant->fourcc);
		self->fds[i] = ldma_alloc(NULL, HEAP, 64 * 64 * 4, 0, "badmeta");
		ASSERT_LE(0, self->fds[i]);
	}
	memset(&self->hello, 0, sizeof(self->hello));
	snprintf(self->hello.u.hello.stage, PL_NAME_LEN, "badmeta");
	snprintf(self->hello.u.hello.device, sizeof(self->hello.u.hello.device), "badmeta");
	self->hello.u.hello.depth = NBUF;
}

FIXTURE_TEARDOWN(receiver)
{
	char cmd[128];
	int i;

	for (i = 0; i < NBUF; i++)
		if (self->fds[i] >= 0)
			close(self->fds[i]);
	if (self->sock >= 0)
		close(self->sock);
	if (self->down >= 0)
		close(self->down);
	if (self->lsock >= 0)
		close(self->lsock);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (self->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
		if (system(cmd))
			TH_LOG("cannot remove %s", self->dir);
	}
}

/* Print what the receiver said, as diagnostics. */
static void show_stderr(struct __test_metadata *_metadata, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		TH_LOG("| %s", line);
	}
	fclose(f);
}

/*
 * The receiver must answer REJECT, and by then hold none of our buffers:
 * once we drop ours, the heap is empty while the receiver still runs. It
 * exits with status 4 when we hang up.
 */
static void expect_rejected(struct __test_metadata *_metadata,
			    FIXTURE_DATA(receiver) *self)
{
	struct pl_msg msg;
	int i, status, ret;

	ret = pl_recv(self->sock, &msg, WAIT_MS);
	if (ret != PL_REJECT)
		show_stderr(_metadata, self->err);
	ASSERT_EQ(PL_REJECT, ret);
	TH_LOG("rejected: %s", msg.u.abort.reason);
	for (i = 0; i < NBUF; i++) {
		close(self->fds[i]);
		self->fds[i] = -1;
	}
	EXPECT_EQ(0, heap_wait_idle());
	/* Still running: it let go of the buffers itself, before exiting. */
	EXPECT_EQ(0, kill(self->pid, 0));

	close(self->sock);
	self->sock = -1;
	ASSERT_EQ(self->pid, waitpid(self->pid, &status, 0));
	self->pid = -1;
	show_stderr(_metadata, self->err);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(PL_EXIT_PROTO, WEXITSTATUS(status));
}

static int send_ring(FIXTURE_DATA(receiver) *self)
{
	return pl_send_ring(self->sock, self->fds, self->meta, &self->hello);
}

TEST_F(receiver, plane_past_the_end_is_rejected)
{
	if (variant->fourcc == DRM_FORMAT_NV12)
		self->meta[1].planes[1].offset = 64 * 64 + 64 * 8;	/* 32 lines past */
	else
		self->meta[1].planes[0].offset = 64 * 4 * 8;		/* 8 lines past */
	ASSERT_EQ(0, send_ring(self));
	expect_rejected(_metadata, self);
}

TEST_F(receiver, wrong_fourcc_is_rejected)
{
	uint32_t other = variant->fourcc == DRM_FORMAT_NV12 ? DRM_FORMAT_XRGB8888 :
			 DRM_FORMAT_NV12;
	int i;

	for (i = 0; i < NBUF; i++)
		good_meta(&self->meta[i], other);
	ASSERT_EQ(0, send_ring(self));
	expect_rejected(_metadata, self);
}

TEST_F(receiver, stride_shorter_than_a_line_is_rejected)
{
	self->meta[0].planes[0].stride = 32;
	ASSERT_EQ(0, send_ring(self));
	expect_rejected(_metadata, self);
}

TEST_F(receiver, record_larger_than_its_buffer_is_rejected)
{
	/* libdma's own check: the record claims more than the buffer has. */
	self->meta[0].size = 1 << 20;
	ASSERT_EQ(0, send_ring(self));
	expect_rejected(_metadata, self);
}

TEST_F(receiver, hello_that_miscounts_the_buffers_is_rejected)
{
	self->hello.u.hello.depth = NBUF + 1;
	ASSERT_EQ(0, ldma_send(self->sock, self->fds, self->meta, NBUF));
	ASSERT_EQ(0, pl_send(self->sock, &self->hello, PL_HELLO));
	expect_rejected(_metadata, self);
}

TEST_F(receiver, buffers_without_libdma_record_are_rejected)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * NBUF)];
	} ctrl;
	char junk[64] = "not a libdma message";
	struct iovec iov = { .iov_base = junk, .iov_len = sizeof(junk) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctrl.buf, .msg_controllen = sizeof(ctrl.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * NBUF);
	memcpy(CMSG_DATA(c), self->fds, sizeof(int) * NBUF);
	ASSERT_EQ((ssize_t)sizeof(junk), sendmsg(self->sock, &mh, 0));
	expect_rejected(_metadata, self);
}

TEST_F(receiver, frame_in_an_unknown_buffer_is_rejected)
{
	struct ldma_meta meta[PL_MAX_DEPTH];
	int fds[PL_MAX_DEPTH], i, n;
	struct pl_msg msg;
	char why[PL_REASON_LEN];

	ASSERT_EQ(0, send_ring(self));
	if (!strcmp(variant->stage, "gpu")) {
		/* Be gpu's display long enough for it to start. */
		self->down = pl_accept(self->lsock, self->out, WAIT_MS);
		ASSERT_LE(0, self->down);
		n = pl_recv_ring(self->down, fds, meta, &msg, WAIT_MS, why, sizeof(why));
		ASSERT_LE(1, n);
		for (i = 0; i < n; i++)
			close(fds[i]);
	}
	memset(&msg, 0, sizeof(msg));
	msg.u.frame.index = NBUF + 5;
	ASSERT_EQ(0, pl_send(self->sock, &msg, PL_FRAME));
	expect_rejected(_metadata, self);
}

TEST_HARNESS_MAIN
