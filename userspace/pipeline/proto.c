// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The messages between the pipeline's stages (see proto.h), and the checks
 * a receiver makes before it trusts them.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "proto.h"

#define PL_HDR_LEN	offsetof(struct pl_msg, u)

static const char *const pl_names[] = {
	[PL_HELLO] = "HELLO", [PL_FRAME] = "FRAME", [PL_DONE] = "DONE",
	[PL_RELEASE] = "RELEASE", [PL_END] = "END", [PL_ABORT] = "ABORT",
	[PL_REJECT] = "REJECT",
};

const char *pl_type_name(unsigned int type)
{
	return type < sizeof(pl_names) / sizeof(pl_names[0]) && pl_names[type] ?
	       pl_names[type] : "unknown";
}

/* The exact length of a message of @type, 0 for an unknown type. */
static size_t pl_length(unsigned int type)
{
	switch (type) {
	case PL_HELLO:
		return PL_HDR_LEN + sizeof(struct pl_hello);
	case PL_FRAME:
	case PL_DONE:
		return PL_HDR_LEN + sizeof(struct pl_frame);
	case PL_RELEASE:
		return PL_HDR_LEN + sizeof(struct pl_release);
	case PL_END:
		return PL_HDR_LEN + sizeof(struct pl_end);
	case PL_ABORT:
	case PL_REJECT:
		return PL_HDR_LEN + sizeof(struct pl_abort);
	default:
		return 0;
	}
}

static void pl_why(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pl_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

int pl_send(int sock, struct pl_msg *msg, unsigned int type)
{
	size_t len = pl_length(type);
	ssize_t n;

	if (!len)
		return -EINVAL;
	msg->magic = PL_MAGIC;
	msg->version = PL_VERSION;
	msg->type = (uint16_t)type;
	msg->length = (uint32_t)len;
	msg->__pad = 0;
	do {
		n = send(sock, msg, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE ? -ECONNRESET : -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

int pl_send_abort(int sock, unsigned int type, const char *stage, const char *reason)
{
	struct pl_msg msg;

	memset(&msg, 0, sizeof(msg));
	snprintf(msg.u.abort.stage, sizeof(msg.u.abort.stage), "%s", stage);
	snprintf(msg.u.abort.reason, sizeof(msg.u.abort.reason), "%s", reason);
	return pl_send(sock, &msg, type);
}

int pl_send_release(int sock, uint32_t index, uint32_t seq)
{
	struct pl_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.u.release.index = index;
	msg.u.release.seq = seq;
	return pl_send(sock, &msg, PL_RELEASE);
}

/* Wait until @sock is readable; 0, -ETIMEDOUT, -EINTR (a signal) or -errno. */
static int pl_wait(int sock, int timeout_ms)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);

	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

/* Close every descriptor a message brought; true if there was one. */
static bool pl_close_fds(struct msghdr *mh)
{
	struct cmsghdr *c;
	bool any = false;
	size_t i, n;
	int fd;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
			any = true;
		}
	}
	return any;
}

static bool pl_has_nul(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

int pl_recv(int sock, struct pl_msg *msg, int timeout_ms)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * LDMA_MAX_FDS)];
	} ctrl;
	struct {
		struct pl_msg msg;
		char extra;	/* a longer datagram shows as MSG_TRUNC */
	} buf;
	struct iovec iov = { .iov_base = &buf, .iov_len = sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctrl.buf, .msg_controllen = sizeof(ctrl.buf),
	};
	ssize_t n;
	int ret;

	ret = pl_wait(sock, timeout_ms);
	if (ret)
		return ret;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	/*
	 * A peer that closes with our messages unread leaves ECONNRESET
	 * pending, which the next receive reports even when the peer's last
	 * messages (its ABORT, which says why) are still queued: take those
	 * first.
	 */
	if (n < 0 && errno == ECONNRESET)
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return errno == ECONNRESET || errno == EPIPE || errno == EAGAIN ?
		       -ECONNRESET : -errno;
	if (pl_close_fds(&mh) || mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC))
		return -EBADMSG;
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n < PL_HDR_LEN || buf.msg.magic != PL_MAGIC ||
	    buf.msg.version != PL_VERSION || !pl_length(buf.msg.type) ||
	    buf.msg.length != (size_t)n || (size_t)n != pl_length(buf.msg.type))
		return -EBADMSG;
	memcpy(msg, &buf.msg, (size_t)n);
	switch (msg->type) {
	case PL_HELLO:
		if (!pl_has_nul(msg->u.hello.stage, sizeof(msg->u.hello.stage)) ||
		    !pl_has_nul(msg->u.hello.device, sizeof(msg->u.hello.device)) ||
		    !pl_has_nul(msg->u.hello.source_heap, sizeof(msg->u.hello.source_heap)))
			return -EBADMSG;
		break;
	case PL_ABORT:
	case PL_REJECT:
		if (!pl_has_nul(msg->u.abort.stage, sizeof(msg->u.abort.stage)) ||
		    !pl_has_nul(msg->u.abort.reason, sizeof(msg->u.abort.reason)))
			return -EBADMSG;
		break;
	case PL_END:
		if (msg->u.end.nstats > PL_MAX_STATS)
			return -EBADMSG;
		for (unsigned int i = 0; i < msg->u.end.nstats; i++)
			if (!pl_has_nul(msg->u.end.stats[i].name, PL_NAME_LEN))
				return -EBADMSG;
		break;
	}
	return msg->type;
}

int pl_send_ring(int sock, const int *fds, const struct ldma_meta *meta,
		 struct pl_msg *hello)
{
	int ret = ldma_send(sock, fds, meta, hello->u.hello.depth);

	if (ret == -EPIPE)
		ret = -ECONNRESET;
	return ret ? ret : pl_send(sock, hello, PL_HELLO);
}

int pl_recv_ring(int sock, int *fds, struct ldma_meta *meta,
		 struct pl_msg *hello, int timeout_ms, char *why, size_t why_len)
{
	int n, ret, i;

	ret = pl_wait(sock, timeout_ms);
	if (ret)
		return ret;
	n = ldma_recv(sock, fds, meta, PL_MAX_DEPTH);
	if (n == -EPROTO)
		pl_why(why, why_len, "the buffers came without a libdma message");
	else if (n == -EBADMSG)
		pl_why(why, why_len, "libdma refused the buffers' records (a malformed field, a record larger than its buffer, or records and buffers that do not pair up)");
	else if (n == -EMSGSIZE)
		pl_why(why, why_len, "more than %d buffers, or a truncated message", PL_MAX_DEPTH);
	if (n < 0)
		return n;
	ret = pl_recv(sock, hello, timeout_ms);
	if (ret == PL_HELLO && hello->u.hello.depth == (uint32_t)n)
		return n;
	if (ret == PL_HELLO)
		pl_why(why, why_len, "HELLO announces %u buffers but %d arrived",
		       hello->u.hello.depth, n);
	else if (ret >= 0)
		pl_why(why, why_len, "expected HELLO after the buffers, got %s",
		       pl_type_name((unsigned int)ret));
	else
		pl_why(why, why_len, "no valid HELLO after the buffers: %s", strerror(-ret));
	for (i = 0; i < n; i++)
		close(fds[i]);
	return ret < 0 ? ret : -EBADMSG;
}

/* A fourcc as its four characters, unprintable ones as '?'. */
static const char *pl_fourcc(uint32_t fourcc, char *buf)
{
	int i;

	for (i = 0; i < 4; i++) {
		char c = (char)(fourcc >> (8 * i));

		buf[i] = c >= ' ' && c <= '~' ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

/* Does plane @p (@lines lines of at least @row bytes) lie inside the buffer? */
static int pl_check_plane(const struct ldma_meta *m, unsigned int p, uint64_t row,
			  uint32_t lines, char *why, size_t why_len)
{
	const struct ldma_plane *pl = &m->planes[p];

	if (pl->stride < row) {
		pl_why(why, why_len, "plane %u: stride %u is shorter than a line (%llu bytes)",
		       p, pl->stride, (unsigned long long)row);
		return -EBADMSG;
	}
	if (pl->stride % 4 || pl->offset % 4) {
		pl_why(why, why_len, "plane %u: stride %u or offset %u is not a multiple of 4",
		       p, pl->stride, pl->offset);
		return -EBADMSG;
	}
	if ((uint64_t)pl->offset + (uint64_t)pl->stride * (lines - 1) + row > m->size) {
		pl_why(why, why_len,
		       "plane %u: %u lines of %u bytes from offset %u end past the buffer (%llu bytes)",
		       p, lines, pl->stride, pl->offset, (unsigned long long)m->size);
		return -EBADMSG;
	}
	return 0;
}

int pl_check_image(const struct ldma_meta *m, uint32_t fourcc, char *why,
		   size_t why_len)
{
	unsigned int planes = fourcc == DRM_FORMAT_NV12 ? 2 : 1;
	int ret;

	if (m->fourcc != fourcc) {
		char got[5], want[5];

		pl_why(why, why_len, "fourcc %s (0x%08x), expected %s",
		       pl_fourcc(m->fourcc, got), m->fourcc, pl_fourcc(fourcc, want));
		return -EBADMSG;
	}
	if (m->num_planes != planes) {
		pl_why(why, why_len, "%u planes, expected %u", m->num_planes, planes);
		return -EBADMSG;
	}
	if (m->width < 2 || m->height < 2 || m->width > 8192 || m->height > 8192 ||
	    (fourcc == DRM_FORMAT_NV12 && (m->width | m->height) & 1)) {
		pl_why(why, why_len, "size %ux%u is out of range", m->width, m->height);
		return -EBADMSG;
	}
	if (m->size % 4) {
		pl_why(why, why_len, "buffer size %llu is not a multiple of 4",
		       (unsigned long long)m->size);
		return -EBADMSG;
	}
	if (fourcc == DRM_FORMAT_NV12) {
		ret = pl_check_plane(m, 0, m->width, m->height, why, why_len);
		if (!ret)
			ret = pl_check_plane(m, 1, m->width, m->height / 2, why, why_len);
		return ret;
	}
	return pl_check_plane(m, 0, 4ull * m->width, m->height, why, why_len);
}

int pl_check_ring(const struct ldma_meta *meta, unsigned int n, uint32_t fourcc,
		  char *why, size_t why_len)
{
	char what[160];
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (pl_check_image(&meta[i], fourcc, what, sizeof(what))) {
			pl_why(why, why_len, "malformed metadata for buffer %u: %s", i, what);
			return -EBADMSG;
		}
		if (meta[i].width != meta[0].width || meta[i].height != meta[0].height ||
		    memcmp(meta[i].planes, meta[0].planes, sizeof(meta[i].planes))) {
			pl_why(why, why_len, "buffer %u is not laid out as buffer 0", i);
			return -EBADMSG;
		}
	}
	return 0;
}
