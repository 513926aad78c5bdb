// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: passing buffers and their metadata over UNIX sockets.
 *
 * One message is a wire header plus one record per descriptor (wire.c),
 * with the descriptors attached as SCM_RIGHTS to its first bytes. On a
 * stream socket the receiver reads exactly the header, then exactly the
 * length the header announces, so it never eats into the next message; a
 * malformed but well-framed message therefore leaves the stream at a
 * message boundary. Every descriptor that arrives is either handed to the
 * caller or closed.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ldma_internal.h"

union ldma_cmsg_buf {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * LDMA_MAX_FDS)];
};

/* What one ldma_recv() has collected so far. */
struct ldma_rx {
	int fds[LDMA_MAX_FDS];
	unsigned int nfds;
	bool overflow;		/* descriptors lost or closed: MSG_CTRUNC or too many */
	bool truncated;		/* datagram longer than any valid message */
	bool started;		/* part of a message has arrived */
};

/* Wait until a socket that said EAGAIN mid-message is ready again. */
static int ldma_wait_ready(int sock, short events)
{
	struct pollfd pfd = { .fd = sock, .events = events };

	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

LDMA_EXPORT int ldma_send(int sock, const int *fds,
			  const struct ldma_meta *meta, unsigned int n)
{
	union ldma_cmsg_buf ctrl;
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	size_t sent = 0;
	unsigned int i;
	ssize_t ret;
	int len;

	if (!fds || !meta || !n || n > LDMA_MAX_FDS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (fds[i] < 0)
			return -EBADF;
	len = ldma_wire_encode(meta, n, buf, sizeof(buf));
	if (len < 0)
		return len;

	memset(&ctrl, 0, sizeof(ctrl));
	msg.msg_control = ctrl.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);

	while (sent < (size_t)len) {
		iov.iov_base = buf + sent;
		iov.iov_len = (size_t)len - sent;
		ret = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && sent) {
				ret = ldma_wait_ready(sock, POLLOUT);
				if (ret < 0)
					return (int)ret;
				continue;
			}
			return -errno;
		}
		sent += (size_t)ret;
		/* The descriptors travel with the first bytes only. */
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	return 0;
}

/* Keep the descriptors of one recvmsg(); close those beyond LDMA_MAX_FDS. */
static void ldma_rx_take(struct ldma_rx *rx, struct msghdr *msg)
{
	struct cmsghdr *c;
	size_t i, n;
	int fd;

	if (msg->msg_flags & MSG_CTRUNC)
		rx->overflow = true;
	if (msg->msg_flags & MSG_TRUNC)
		rx->truncated = true;
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (rx->nfds < LDMA_MAX_FDS) {
				rx->fds[rx->nfds++] = fd;
			} else {
				close(fd);
				rx->overflow = true;
			}
		}
	}
}

static void ldma_rx_close(struct ldma_rx *rx)
{
	while (rx->nfds)
		close(rx->fds[--rx->nfds]);
}

/*
 * One recvmsg() into @buf. Returns the byte count, or -ECONNRESET at EOF,
 * -EAGAIN before a message has started, or another -errno.
 */
static int ldma_rx_once(int sock, uint8_t *buf, size_t len, struct ldma_rx *rx)
{
	union ldma_cmsg_buf ctrl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctrl.buf,
		.msg_controllen = sizeof(ctrl.buf),
	};
	ssize_t n;
	int ret;

	for (;;) {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || !rx->started)
			return -errno;
		ret = ldma_wait_ready(sock, POLLIN);
		if (ret < 0)
			return ret;
	}
	ldma_rx_take(rx, &msg);
	if (n == 0)
		return -ECONNRESET;
	rx->started = true;
	return (int)n;
}

/* Stream sockets: exactly @len bytes, however the kernel splits them. */
static int ldma_rx_exact(int sock, uint8_t *buf, size_t len, struct ldma_rx *rx)
{
	size_t got = 0;
	int n;

	while (got < len) {
		n = ldma_rx_once(sock, buf + got, len - got, rx);
		if (n < 0)
			return n;
		got += (size_t)n;
	}
	return 0;
}

/* Read one message into @buf; returns its length or -errno. */
static int ldma_rx_message(int sock, uint8_t *buf, struct ldma_rx *rx)
{
	uint32_t total;
	socklen_t optlen = sizeof(int);
	int type, ret;

	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &optlen))
		return -errno;

	if (type != SOCK_STREAM) {
		/* A datagram is read whole; one longer than any message is bad. */
		ret = ldma_rx_once(sock, buf, LDMA_WIRE_MAX_LEN, rx);
		if (ret >= 0 && rx->truncated)
			return -EBADMSG;
		return ret;
	}

	ret = ldma_rx_exact(sock, buf, LDMA_WIRE_HDR_LEN, rx);
	if (ret < 0)
		return ret;
	ret = ldma_wire_header(buf, LDMA_WIRE_HDR_LEN, &total);
	if (ret < 0)
		return ret;
	ret = ldma_rx_exact(sock, buf + LDMA_WIRE_HDR_LEN,
			    total - LDMA_WIRE_HDR_LEN, rx);
	return ret < 0 ? ret : (int)total;
}

/* Each record's size must fit in the buffer that came with it. */
static int ldma_rx_check_sizes(const struct ldma_rx *rx,
			       const struct ldma_meta *meta)
{
	uint64_t size;
	unsigned int i;

	for (i = 0; i < rx->nfds; i++) {
		if (ldma_buf_size(rx->fds[i], &size) < 0 || size < meta[i].size)
			return -EBADMSG;
	}
	return 0;
}

LDMA_EXPORT int ldma_recv(int sock, int *fds, struct ldma_meta *meta,
			  unsigned int max)
{
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	struct ldma_rx rx = { .nfds = 0 };
	int len, count;

	if (!fds || !meta || !max || max > LDMA_MAX_FDS)
		return -EINVAL;

	len = ldma_rx_message(sock, buf, &rx);
	if (len < 0) {
		count = len;
		goto err_close;
	}
	if (rx.overflow) {
		count = -EMSGSIZE;
		goto err_close;
	}
	count = ldma_wire_decode(buf, (size_t)len, meta, max);
	if (count < 0)
		goto err_close;
	if (rx.nfds != (unsigned int)count) {
		count = -EBADMSG;
		goto err_close;
	}
	if (ldma_rx_check_sizes(&rx, meta) < 0) {
		count = -EBADMSG;
		goto err_close;
	}
	memcpy(fds, rx.fds, sizeof(int) * rx.nfds);
	return count;

err_close:
	ldma_rx_close(&rx);
	return count;
}
