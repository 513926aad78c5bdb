// SPDX-License-Identifier: GPL-2.0
/*
 * stress_share.c - passing buffers between workers: ldma_send() over a
 * UNIX socket to a random worker, and the receiver's side (check, keep,
 * hold the connection unread, or drop it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "stress.h"

/* What a peer that was killed (or has not been started again yet) gives. */
static bool peer_gone(int err)
{
	return err == -ECONNRESET || err == -EPIPE || err == -ECONNREFUSED;
}

socklen_t st_sock_name(struct sockaddr_un *sa, int w)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* Abstract name: freed with the socket, so a respawn can take it. */
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "dmabuf-stress.%d.%d",
		     (int)st_g.parent, w);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

void op_send(struct thr *t)
{
	struct ldma_meta meta[SEND_MAX];
	int fds[SEND_MAX], slots[SEND_MAX], n = 0, i, sock, ret, want;
	struct sockaddr_un sa;
	socklen_t len;

	want = 1 + (int)st_rnd_below(t, SEND_MAX);
	for (i = 0; i < SLOTS && n < want; i++) {
		const struct buf *b = &t->b[i];

		if (b->fd < 0 || b->state != ST_PAT)
			continue;
		memset(&meta[n], 0, sizeof(meta[n]));
		meta[n].size = b->size;
		snprintf(meta[n].heap, sizeof(meta[n].heap), "%s", st_heap_name(b));
		fds[n] = b->fd;
		slots[n++] = i;
	}
	if (!n) {
		op_cpu_write(t);
		return;
	}
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		st_unexpected(t, "socket", -errno, "AF_UNIX stream");
		return;
	}
	len = st_sock_name(&sa, (int)st_rnd_below(t, st_g.procs));
	if (connect(sock, (struct sockaddr *)&sa, len) < 0) {
		ret = -errno;
		if (ret == -EAGAIN)
			st_count(t, C_EAGAIN, 1);	/* its backlog is full */
		else if (peer_gone(ret))
			st_count(t, C_PEER_GONE, 1);
		else
			st_unexpected(t, "connect", ret, "%s", sa.sun_path + 1);
		close(sock);
		return;
	}
	ret = ldma_send(sock, fds, meta, (unsigned int)n);
	if (ret) {
		if (ret == -EAGAIN)
			st_count(t, C_EAGAIN, 1);
		else if (peer_gone(ret))
			st_count(t, C_PEER_GONE, 1);
		else
			st_unexpected(t, "ldma_send", ret, "%d fds", n);
		close(sock);
		return;
	}
	st_count(t, C_MSG_SENT, 1);
	st_count(t, C_FDS_SENT, (uint64_t)n);
	/* The receiver owns them now. */
	for (i = 0; i < n; i++) {
		close(t->b[slots[i]].fd);
		t->b[slots[i]].fd = -1;
	}
	/* Sometimes keep the connection open a while. */
	if (t->out_sock >= 0)
		close(t->out_sock);
	t->out_sock = -1;
	if (st_chance(t, 30))
		t->out_sock = sock;
	else
		close(sock);
}

/* Check a received buffer, by the CPU or by a device; keep it or close it. */
static void adopt(struct thr *t, int fd, const struct ldma_meta *meta)
{
	const struct imp_dev *dev = NULL;
	struct buf b = { .fd = fd, .heap = -1, .state = ST_PAT };
	struct ldma_map *m;
	uint32_t seed, h;
	int i, s, ret, imp;

	for (i = 0; i < st_g.nheaps; i++)
		if (!strcmp(st_g.heaps[i].name, meta->heap))
			b.heap = i;
	ret = ldma_buf_size(fd, &b.size);
	if (b.heap < 0 || ret || b.size != meta->size) {
		st_unexpected(t, "received buffer", ret, "heap '%s' size %" PRIu64 "/%" PRIu64,
			      meta->heap, ret ? 0 : b.size, (uint64_t)meta->size);
		close(fd);
		return;
	}
	/* Word 0 of the pattern is its seed. */
	ret = ldma_map(fd, st_g.page, LDMA_READ, &m);
	if (ret) {
		st_unexpected(t, "mmap", ret, "received buffer, heap %s", meta->heap);
		close(fd);
		return;
	}
	st_count(t, C_CPU_MAP, 1);
	ret = ldma_cpu_begin(fd, LDMA_READ);
	memcpy(&seed, ldma_map_addr(m), sizeof(seed));
	if (!ret)
		ret = ldma_cpu_end(fd, LDMA_READ);
	ldma_unmap(m);
	if (ret) {
		st_unexpected(t, "cpu_begin/end(read)", ret, "received buffer, heap %s",
			      meta->heap);
		close(fd);
		return;
	}
	b.seed = seed;
	imp = st_pick_imp(t);
	if (imp >= 0 && st_chance(t, 35))
		dev = st_pick_dev(t, true);
	if (dev && !st_attach_map(t, imp, &b, dev, IMP_TO_DEVICE, &h)) {
		st_device_checksum(t, &b, imp, dev, h);
		st_unmap_detach(t, imp, h, true);
	} else {
		st_cpu_check(t, &b, "received buffer");
	}
	s = st_free_slot(t);
	if (s >= 0 && st_chance(t, 60)) {
		t->b[s] = b;
		return;
	}
	close(fd);
	st_count(t, C_CLOSE, 1);
}

/*
 * Read one message from an accepted connection.
 * Return: 1 when the connection is done with, 0 when nothing has arrived yet.
 */
static int take_message(struct thr *t, int sock)
{
	struct ldma_meta meta[LDMA_MAX_FDS];
	int fds[LDMA_MAX_FDS], n, i;

	n = ldma_recv(sock, fds, meta, LDMA_MAX_FDS);
	if (n == -EAGAIN)
		return 0;
	if (peer_gone(n)) {
		/* The sender died (or gave up) before sending. */
		st_count(t, C_PEER_GONE, 1);
		return 1;
	}
	if (n < 0) {
		st_unexpected(t, "ldma_recv", n, "stream socket");
		return 1;
	}
	st_count(t, C_MSG_RECV, 1);
	st_count(t, C_FDS_RECV, (uint64_t)n);
	for (i = 0; i < n; i++)
		adopt(t, fds[i], &meta[i]);
	return 1;
}

/* Keep @sock unread in a free slot of @t's held connections, if any. */
static bool hold(struct thr *t, int sock)
{
	int i;

	for (i = 0; i < HELD; i++) {
		if (t->held[i] < 0) {
			t->held[i] = sock;
			t->held_age[i] = 0;
			return true;
		}
	}
	return false;
}

void op_recv(struct thr *t)
{
	int i, sock, k;

	/* Connections kept earlier: read them now, or give up on them. */
	for (i = 0; i < HELD; i++) {
		if (t->held[i] < 0)
			continue;
		if (take_message(t, t->held[i]) || ++t->held_age[i] > 3 || st_chance(t, 20)) {
			close(t->held[i]);
			t->held[i] = -1;
		}
	}
	for (k = 0; k < 2; k++) {
		sock = accept4(t->p->lsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (sock < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR)
				st_unexpected(t, "accept", -errno, "listening socket");
			return;
		}
		i = (int)st_rnd_below(t, 100);
		if (i < 60) {
			/* Connected, not sent yet: keep it if there is room. */
			if (!take_message(t, sock) && hold(t, sock))
				continue;
			close(sock);
		} else if (i < 80) {
			if (!hold(t, sock)) {
				close(sock);
				st_count(t, C_CONN_DROPPED, 1);
			}
		} else {
			/* Closed unread: the kernel frees whatever is in flight. */
			close(sock);
			st_count(t, C_CONN_DROPPED, 1);
		}
	}
}
