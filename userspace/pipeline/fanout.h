/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A ring that one producer hands to several consumers (camera to gpu and
 * encoder): a buffer goes to every consumer with FRAME and is free again
 * once each has sent RELEASE for it. Part of libpipeline.
 */
#ifndef PIPELINE_FANOUT_H
#define PIPELINE_FANOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "stage.h"

#define PL_FANOUT_MAX	2

/** struct pl_peer - one consumer: its name, its socket's path, the socket */
struct pl_peer {
	const char *name;
	const char *path;
	int sock;
};

/**
 * struct pl_fanout - the producer's side of its consumers
 * @peers: the consumers, @npeers of them
 * @held: per buffer, bit p while @peers[p] holds it
 * @ring: the ring; busy[i] is seq + 1 while some consumer holds buffer i
 * @in_flight: buffers that some consumer holds
 * @ended: END has gone out: a consumer that holds nothing may hang up
 * @on_free: called when the last consumer has released buffer @i; returns
 *           0 or an exit status (may be NULL)
 * @arg: for @on_free
 */
struct pl_fanout {
	struct pl_peer peers[PL_FANOUT_MAX];
	unsigned int npeers;
	uint8_t held[PL_MAX_DEPTH];
	struct pl_ring *ring;
	unsigned int in_flight;
	bool ended;
	int (*on_free)(void *arg, unsigned int i);
	void *arg;
};

/* Add a consumer named @name at socket @path (not yet connected). */
void pl_fanout_add(struct pl_fanout *f, const char *name, const char *path);
/* Send ABORT (or REJECT) with @reason to every consumer still connected. */
void pl_fanout_abort(struct pl_fanout *f, unsigned int type, const char *reason);
/*
 * pl_fanout_failed() - consumer @p cannot be told anything any more (error
 * @err of a send): say why, close it, tell the others. Return: the exit
 * status.
 */
int pl_fanout_failed(struct pl_fanout *f, unsigned int p, int err);
/*
 * pl_fanout_wait() - wait up to @timeout_ms for the consumers' messages and
 * handle them; @fd (or -1) is a descriptor of the producer's to wait on too.
 * Return: 0 (something arrived), -ETIMEDOUT, -EAGAIN (a signal), or an exit
 * status (a consumer went away, misbehaved, or @on_free failed).
 */
int pl_fanout_wait(struct pl_fanout *f, int timeout_ms, int fd);
/*
 * pl_fanout_timed_out() - nothing arrived within the time limit: blame the
 * first consumer that holds a buffer, tell the others. Return: the exit
 * status, or -ENOENT if no consumer holds any buffer (the producer's own
 * source is silent).
 */
int pl_fanout_timed_out(struct pl_fanout *f);
/*
 * pl_fanout_deliver() - hand frame @fr to every consumer, then take back
 * whatever they have returned. Without consumers the frame is free at once.
 * Return: 0 or an exit status.
 */
int pl_fanout_deliver(struct pl_fanout *f, const struct pl_frame *fr);
/*
 * Send END (@msg->u.end) to every consumer. From then on a consumer that
 * has returned every buffer and hangs up is done, not gone.
 * Return: 0 or an exit status.
 */
int pl_fanout_end(struct pl_fanout *f, struct pl_msg *msg);
/* Close every consumer's socket. */
void pl_fanout_close(struct pl_fanout *f);

#endif
