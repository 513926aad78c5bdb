// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A ring shared with several consumers (fanout.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fanout.h"

void pl_fanout_add(struct pl_fanout *f, const char *name, const char *path)
{
	if (f->npeers < PL_FANOUT_MAX)
		f->peers[f->npeers++] = (struct pl_peer){ name, path, -1 };
}

void pl_fanout_abort(struct pl_fanout *f, unsigned int type, const char *reason)
{
	unsigned int p;

	for (p = 0; p < f->npeers; p++)
		if (f->peers[p].sock >= 0)
			pl_send_abort(f->peers[p].sock, type, pl_stage, reason);
}

/* Nobody holds buffer @i any more. */
static int pl_fanout_free(struct pl_fanout *f, unsigned int i)
{
	f->ring->busy[i] = 0;
	f->in_flight--;
	return f->on_free ? f->on_free(f->arg, i) : 0;
}

/* Does consumer @p hold any buffer? */
static bool pl_fanout_holds(const struct pl_fanout *f, unsigned int p)
{
	unsigned int i;

	for (i = 0; i < f->ring->depth; i++)
		if (f->held[i] & (1u << p))
			return true;
	return false;
}

/* Consumer @p has gone: close it, and pass @reason on to the others. */
static void pl_fanout_drop(struct pl_fanout *f, unsigned int p, const char *reason)
{
	close(f->peers[p].sock);
	f->peers[p].sock = -1;
	pl_fanout_abort(f, PL_ABORT, reason);
}

/*
 * One message from consumer @p. Return: 0 (a buffer came back), -EAGAIN
 * (nothing there, or a signal), or an exit status.
 */
static int pl_fanout_recv(struct pl_fanout *f, unsigned int p)
{
	struct pl_peer *peer = &f->peers[p];
	char reason[PL_REASON_LEN];
	struct pl_msg msg;
	uint32_t i;
	int ret, status;

	ret = pl_recv(peer->sock, &msg, 0);
	if (ret == -ETIMEDOUT || ret == -EINTR)
		return -EAGAIN;
	if (ret == PL_RELEASE) {
		i = msg.u.release.index;
		if (i < f->ring->depth && (f->held[i] & (1u << p)) &&
		    (uint32_t)(f->ring->busy[i] - 1) == msg.u.release.seq) {
			f->held[i] &= (uint8_t)~(1u << p);
			return f->held[i] ? 0 : pl_fanout_free(f, i);
		}
		pl_err("stopping: %s released buffer %u (frame %u), which it does not hold",
		       peer->name, i, msg.u.release.seq);
		snprintf(reason, sizeof(reason), "RELEASE of a buffer %s does not hold", peer->name);
		pl_send_abort(peer->sock, PL_REJECT, pl_stage, reason);
		pl_fanout_drop(f, p, reason);
		return PL_EXIT_PROTO;
	}
	if (ret == -ECONNRESET && f->ended && !pl_fanout_holds(f, p)) {
		/* Finished: it returned everything after END. */
		close(peer->sock);
		peer->sock = -1;
		return 0;
	}
	status = pl_explain(peer->name, ret, &msg, reason, sizeof(reason));
	if (status == PL_EXIT_PROTO && ret != PL_REJECT)
		pl_send_abort(peer->sock, PL_REJECT, pl_stage, reason);
	pl_fanout_drop(f, p, reason);
	return status;
}

int pl_fanout_failed(struct pl_fanout *f, unsigned int p, int err)
{
	char reason[PL_REASON_LEN];
	int status;

	status = pl_send_failed(f->peers[p].sock, f->peers[p].name, err, reason, sizeof(reason));
	pl_fanout_drop(f, p, reason);
	return status;
}

int pl_fanout_timed_out(struct pl_fanout *f)
{
	char reason[PL_REASON_LEN];
	struct pl_msg msg;
	unsigned int p, i;
	int status;

	memset(&msg, 0, sizeof(msg));
	for (p = 0; p < f->npeers; p++)
		for (i = 0; i < f->ring->depth; i++) {
			if (!(f->held[i] & (1u << p)))
				continue;
			status = pl_explain(f->peers[p].name, -ETIMEDOUT, &msg, reason,
					    sizeof(reason));
			pl_fanout_abort(f, PL_ABORT, reason);
			return status;
		}
	return -ENOENT;
}

int pl_fanout_wait(struct pl_fanout *f, int timeout_ms, int fd)
{
	struct pollfd pfd[PL_FANOUT_MAX + 1];
	unsigned int n = 0, p;
	int ret;

	for (p = 0; p < f->npeers; p++)
		pfd[n++] = (struct pollfd){ .fd = f->peers[p].sock, .events = POLLIN };
	if (fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	ret = poll(pfd, n, timeout_ms);
	if (ret < 0)
		return -EAGAIN;
	if (!ret)
		return -ETIMEDOUT;
	for (p = 0; p < f->npeers; p++) {
		if (!pfd[p].revents)
			continue;
		ret = pl_fanout_recv(f, p);
		if (ret > 0)
			return ret;
	}
	return 0;
}

int pl_fanout_deliver(struct pl_fanout *f, const struct pl_frame *fr)
{
	struct pl_msg msg;
	unsigned int p;
	int ret;

	f->ring->busy[fr->index] = (int)fr->seq + 1;
	f->in_flight++;
	for (p = 0; p < f->npeers; p++) {
		memset(&msg, 0, sizeof(msg));
		msg.u.frame = *fr;
		ret = pl_send(f->peers[p].sock, &msg, PL_FRAME);
		if (ret)
			return pl_fanout_failed(f, p, ret);
		f->held[fr->index] |= (uint8_t)(1u << p);
	}
	if (!f->held[fr->index]) {
		ret = pl_fanout_free(f, fr->index);
		if (ret)
			return ret;
	}
	while (!(ret = pl_fanout_wait(f, 0, -1)))
		;
	return ret > 0 ? ret : 0;
}

int pl_fanout_end(struct pl_fanout *f, struct pl_msg *msg)
{
	unsigned int p;
	int ret;

	f->ended = true;
	for (p = 0; p < f->npeers; p++) {
		ret = pl_send(f->peers[p].sock, msg, PL_END);
		if (ret)
			return pl_fanout_failed(f, p, ret);
	}
	return 0;
}

void pl_fanout_close(struct pl_fanout *f)
{
	unsigned int p;

	for (p = 0; p < f->npeers; p++) {
		if (f->peers[p].sock >= 0)
			close(f->peers[p].sock);
		f->peers[p].sock = -1;
	}
}
