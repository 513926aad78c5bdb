// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Passing buffers over UNIX sockets: ldma_send() and ldma_recv() over a
 * socketpair, with memfds standing in for dma-bufs. Every failing receive
 * must close every descriptor that arrived: each test compares the number
 * of open descriptors before and after.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ldma_internal.h"
#include "test_util.h"

#define BUF_SIZE 8192

FIXTURE(share) {
	int sk[2];
	int fds_open;	/* descriptors open once the socketpair exists */
};

FIXTURE_VARIANT(share) {
	int type;
};

FIXTURE_VARIANT_ADD(share, stream) { .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(share, seqpacket) { .type = SOCK_SEQPACKET };

FIXTURE_SETUP(share)
{
	ASSERT_EQ(0, socketpair(AF_UNIX, variant->type | SOCK_CLOEXEC, 0, self->sk));
	self->fds_open = count_fds();
}

FIXTURE_TEARDOWN(share)
{
	if (self->sk[0] >= 0)
		close(self->sk[0]);
	if (self->sk[1] >= 0)
		close(self->sk[1]);
}

static struct ldma_meta plain(uint64_t size, const char *heap)
{
	struct ldma_meta m = { .size = size };

	snprintf(m.heap, sizeof(m.heap), "%s", heap);
	return m;
}

/* sendmsg() of raw bytes with @n descriptors, bypassing ldma_send(). */
static ssize_t send_raw(int sock, const void *buf, size_t len, const int *fds,
			unsigned int n)
{
	char ctrl[CMSG_SPACE(sizeof(int) * 64)] = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (n) {
		msg.msg_control = ctrl;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

/*
 * Send, raw, a one-record message for a 4 KiB buffer named "a", with the
 * byte at @off set to @val (@off < 0: intact). Returns the bytes sent.
 */
static ssize_t send_record(int sock, int off, uint8_t val, const int *fds,
			   unsigned int n)
{
	struct ldma_meta m = plain(4096, "a");
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	int len;

	len = ldma_wire_encode(&m, 1, buf, sizeof(buf));
	if (len < 0)
		return len;
	if (off >= 0)
		buf[off] = val;
	return send_raw(sock, buf, (size_t)len, fds, n);
}

#define RECORD_LEN ((ssize_t)(LDMA_WIRE_HDR_LEN + LDMA_WIRE_REC_LEN))

TEST_F(share, send_recv_three_fds_with_metadata)
{
	struct ldma_meta in[3] = {
		plain(BUF_SIZE, "linux,cma"),
		{ .size = BUF_SIZE, .heap = "video", .width = 64, .height = 32,
		  .fourcc = 0x3231564e, .num_planes = 2,
		  .planes = { { 64, 0 }, { 64, 4096 } } },
		plain(4096, ""),
	};
	struct ldma_meta out[4];
	int fds[3], got[4], i;

	for (i = 0; i < 3; i++) {
		fds[i] = memfd_sized(in[i].size);
		ASSERT_LE(0, fds[i]);
	}
	ASSERT_EQ(0, ldma_send(self->sk[1], fds, in, 3));
	ASSERT_EQ(3, ldma_recv(self->sk[0], got, out, 4));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, memcmp(&in[i], &out[i], sizeof(in[i])));
		EXPECT_TRUE(same_file(fds[i], got[i]));
		EXPECT_EQ(FD_CLOEXEC, fcntl(got[i], F_GETFD) & FD_CLOEXEC);
		close(got[i]);
		close(fds[i]);
	}
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(share, send_recv_max_fds_in_one_message)
{
	struct ldma_meta in[LDMA_MAX_FDS], out[LDMA_MAX_FDS];
	int fds[LDMA_MAX_FDS], got[LDMA_MAX_FDS], fd, i;

	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	for (i = 0; i < LDMA_MAX_FDS; i++) {
		fds[i] = fd;
		in[i] = plain(4096, "system");
	}
	ASSERT_EQ(0, ldma_send(self->sk[1], fds, in, LDMA_MAX_FDS));
	ASSERT_EQ(LDMA_MAX_FDS, ldma_recv(self->sk[0], got, out, LDMA_MAX_FDS));
	for (i = 0; i < LDMA_MAX_FDS; i++)
		close(got[i]);
	close(fd);
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(share, recv_short_reads_are_reassembled)
{
	struct ldma_meta in = plain(BUF_SIZE, "reserved"), out;
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	int fd, got, len, i, status;
	pid_t child;

	if (variant->type != SOCK_STREAM)
		SKIP(return, "a packet socket has no short reads");
	fd = memfd_sized(BUF_SIZE);
	ASSERT_LE(0, fd);
	len = ldma_wire_encode(&in, 1, buf, sizeof(buf));
	ASSERT_LT(0, len);

	/* A writer that dribbles the message out one byte at a time. */
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		for (i = 0; i < len; i++) {
			if (send_raw(self->sk[1], buf + i, 1, &fd, i == 0) != 1)
				_exit(1);
			usleep(200);
		}
		_exit(0);
	}
	ASSERT_EQ(1, ldma_recv(self->sk[0], &got, &out, 1));
	EXPECT_EQ(0, memcmp(&in, &out, sizeof(in)));
	EXPECT_TRUE(same_file(fd, got));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, status);
	close(got);
	close(fd);
}

TEST_F(share, recv_truncated_cmsg_closes_fds_and_fails)
{
	struct ldma_meta in[LDMA_MAX_FDS], out[LDMA_MAX_FDS];
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	int fds[LDMA_MAX_FDS + 4], got[LDMA_MAX_FDS], fd, len, i;

	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	for (i = 0; i < LDMA_MAX_FDS; i++)
		in[i] = plain(4096, "system");
	for (i = 0; i < LDMA_MAX_FDS + 4; i++)
		fds[i] = fd;
	len = ldma_wire_encode(in, LDMA_MAX_FDS, buf, sizeof(buf));
	ASSERT_LT(0, len);
	/* More descriptors than the receiver's control buffer holds. */
	ASSERT_EQ(len, send_raw(self->sk[1], buf, (size_t)len, fds, LDMA_MAX_FDS + 4));
	close(fd);

	EXPECT_EQ(-EMSGSIZE, ldma_recv(self->sk[0], got, out, LDMA_MAX_FDS));
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(share, recv_more_fds_than_max_closes_them_and_fails)
{
	struct ldma_meta in[3] = { plain(4096, "a"), plain(4096, "b"), plain(4096, "c") };
	struct ldma_meta out[2];
	int fds[3], got[2], fd;

	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	fds[0] = fds[1] = fds[2] = fd;
	ASSERT_EQ(0, ldma_send(self->sk[1], fds, in, 3));
	close(fd);

	EXPECT_EQ(-EMSGSIZE, ldma_recv(self->sk[0], got, out, 2));
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(share, recv_fewer_fds_than_records_fails_ebadmsg)
{
	struct ldma_meta in[2] = { plain(4096, "a"), plain(4096, "b") }, out[2];
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	int got[2], fd, len;

	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	len = ldma_wire_encode(in, 2, buf, sizeof(buf));
	ASSERT_EQ(len, send_raw(self->sk[1], buf, (size_t)len, &fd, 1));
	close(fd);

	EXPECT_EQ(-EBADMSG, ldma_recv(self->sk[0], got, out, 2));
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(share, recv_without_fds_fails_ebadmsg)
{
	struct ldma_meta out;
	int got;

	ASSERT_EQ(RECORD_LEN, send_record(self->sk[1], -1, 0, NULL, 0));
	EXPECT_EQ(-EBADMSG, ldma_recv(self->sk[0], &got, &out, 1));
}

TEST_F(share, recv_bad_magic_fails_eproto_and_closes_fds)
{
	struct ldma_meta out;
	int got, fd;

	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	ASSERT_EQ(RECORD_LEN, send_record(self->sk[1], 0, 'X', &fd, 1));
	close(fd);

	EXPECT_EQ(-EPROTO, ldma_recv(self->sk[0], &got, &out, 1));
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(share, recv_malformed_record_fails_ebadmsg_and_keeps_framing)
{
	struct ldma_meta out;
	int got, fd;

	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	/* num_planes 5, then an intact message. */
	ASSERT_EQ(RECORD_LEN, send_record(self->sk[1], LDMA_WIRE_HDR_LEN + 28, 5, &fd, 1));
	ASSERT_EQ(RECORD_LEN, send_record(self->sk[1], -1, 0, &fd, 1));

	EXPECT_EQ(-EBADMSG, ldma_recv(self->sk[0], &got, &out, 1));
	/* The bad message was consumed whole: the next one is intact. */
	ASSERT_EQ(1, ldma_recv(self->sk[0], &got, &out, 1));
	EXPECT_STREQ("a", out.heap);
	close(got);
	close(fd);
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(share, recv_size_larger_than_buffer_fails_ebadmsg)
{
	struct ldma_meta in = plain(2 * BUF_SIZE, "a"), out;
	int got, fd;

	fd = memfd_sized(BUF_SIZE);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ldma_send(self->sk[1], &fd, &in, 1));
	close(fd);

	EXPECT_EQ(-EBADMSG, ldma_recv(self->sk[0], &got, &out, 1));
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(share, recv_non_buffer_fd_fails_ebadmsg)
{
	struct ldma_meta in = plain(4096, "a"), out;
	int got, p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, ldma_send(self->sk[1], &p[0], &in, 1));
	close(p[0]);
	close(p[1]);

	EXPECT_EQ(-EBADMSG, ldma_recv(self->sk[0], &got, &out, 1));
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(share, recv_peer_died_returns_econnreset)
{
	struct ldma_meta out;
	int got;

	close(self->sk[1]);
	self->sk[1] = -1;
	EXPECT_EQ(-ECONNRESET, ldma_recv(self->sk[0], &got, &out, 1));
}

TEST_F(share, recv_peer_died_mid_message_closes_fds_and_fails)
{
	struct ldma_meta in = plain(4096, "a"), out;
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	int got, fd;

	if (variant->type != SOCK_STREAM)
		SKIP(return, "a packet socket delivers whole messages");
	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, ldma_wire_encode(&in, 1, buf, sizeof(buf)));
	ASSERT_EQ(LDMA_WIRE_HDR_LEN + 10,
		  send_raw(self->sk[1], buf, LDMA_WIRE_HDR_LEN + 10, &fd, 1));
	close(fd);
	close(self->sk[1]);
	self->sk[1] = -1;

	EXPECT_EQ(-ECONNRESET, ldma_recv(self->sk[0], &got, &out, 1));
	EXPECT_EQ(self->fds_open - 1, count_fds());
}

TEST_F(share, send_to_dead_peer_returns_epipe_without_sigpipe)
{
	struct ldma_meta in = plain(4096, "a");
	int fd;

	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	close(self->sk[0]);
	self->sk[0] = -1;
	/* SIGPIPE's default action would kill the test: MSG_NOSIGNAL. */
	EXPECT_EQ(-EPIPE, ldma_send(self->sk[1], &fd, &in, 1));
	close(fd);
}

TEST_F(share, send_invalid_metadata_sends_nothing)
{
	struct ldma_meta in = plain(0, "a");
	char byte;
	int fd;

	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, ldma_send(self->sk[1], &fd, &in, 1));
	EXPECT_EQ(-1, recv(self->sk[0], &byte, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

TEST_F(share, recv_on_empty_nonblocking_socket_returns_eagain)
{
	struct ldma_meta out;
	int got;

	ASSERT_EQ(0, fcntl(self->sk[0], F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-EAGAIN, ldma_recv(self->sk[0], &got, &out, 1));
}

TEST_F(share, recv_garbage_fails_and_closes_fds)
{
	static uint8_t junk[LDMA_WIRE_MAX_LEN + 100];
	struct ldma_meta out;
	int got, fd;

	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)sizeof(junk), send_raw(self->sk[1], junk, sizeof(junk), &fd, 1));
	close(fd);
	/* A stream sees a bad header; a packet socket an oversized message. */
	EXPECT_EQ(variant->type == SOCK_STREAM ? -EPROTO : -EBADMSG,
		  ldma_recv(self->sk[0], &got, &out, 1));
	EXPECT_EQ(self->fds_open, count_fds());
}

TEST_F(share, send_recv_reject_bad_arguments)
{
	struct ldma_meta m = plain(4096, "a");
	int fd = 0, bad = -1;

	EXPECT_EQ(-EINVAL, ldma_send(self->sk[1], NULL, &m, 1));
	EXPECT_EQ(-EINVAL, ldma_send(self->sk[1], &fd, NULL, 1));
	EXPECT_EQ(-EINVAL, ldma_send(self->sk[1], &fd, &m, 0));
	EXPECT_EQ(-EINVAL, ldma_send(self->sk[1], &fd, &m, LDMA_MAX_FDS + 1));
	EXPECT_EQ(-EBADF, ldma_send(self->sk[1], &bad, &m, 1));
	EXPECT_EQ(-EINVAL, ldma_recv(self->sk[0], NULL, &m, 1));
	EXPECT_EQ(-EINVAL, ldma_recv(self->sk[0], &fd, NULL, 1));
	EXPECT_EQ(-EINVAL, ldma_recv(self->sk[0], &fd, &m, 0));
	EXPECT_EQ(-EINVAL, ldma_recv(self->sk[0], &fd, &m, LDMA_MAX_FDS + 1));
	EXPECT_EQ(-ENOTSOCK, ldma_recv(fd, &fd, &m, 1));
}

TEST_HARNESS_MAIN
