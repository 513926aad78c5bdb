/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpipeline: what the three pipeline programs share besides the protocol
 * (proto.h), one file per topic; the prototypes below are grouped by the
 * file that defines them.
 */
#ifndef PIPELINE_STAGE_H
#define PIPELINE_STAGE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libdma.h>
#include <libimp.h>

#include "proto.h"

/* Exit statuses, the same in all three programs. */
#define PL_EXIT_OK	0	/* every frame made it and matched */
#define PL_EXIT_FAIL	1	/* a frame did not match, or a device failed */
#define PL_EXIT_USAGE	2	/* bad option, unknown heap, frames that do not fit */
#define PL_EXIT_PEER	3	/* another stage went away or gave up */
#define PL_EXIT_PROTO	4	/* a peer sent malformed buffers or messages */
#define PL_EXIT_HEAP	5	/* the heap's buffers do not fit a device */

#define PL_SOCK_DIR	"/tmp/pipeline"
#define PL_GPU_SOCK	PL_SOCK_DIR "/gpu.sock"
#define PL_DISPLAY_SOCK	PL_SOCK_DIR "/display.sock"
#define PL_ENCODER_SOCK	PL_SOCK_DIR "/encoder.sock"

/* --- log.c: messages and signals --- */

/* The name this process prints before every line ("camera", ...). */
extern const char *pl_stage;
/* Set by SIGINT and SIGTERM. */
extern volatile sig_atomic_t pl_stop;

void pl_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Catch SIGINT and SIGTERM (pl_stop), ignore SIGPIPE, line-buffer stdout. */
void pl_init(const char *stage);

/* --- stats.c: the clock and per-frame statistics --- */

uint64_t pl_now(void);			/* CLOCK_MONOTONIC, ns */
double pl_ms(uint64_t ns);

/* Samples of one per-frame time, summarised as median, p99 and max. */
struct pl_samples {
	char name[PL_NAME_LEN];
	uint64_t *v;
	size_t n, cap;
};
int pl_samples_init(struct pl_samples *s, const char *name, size_t cap);
void pl_samples_add(struct pl_samples *s, uint64_t ns);
void pl_samples_stat(const struct pl_samples *s, struct pl_stat *st);
void pl_samples_free(struct pl_samples *s);

/* --- options.c: command-line options --- */

/* Option values: "640x480", and a decimal count in [min, max]. */
int pl_parse_size(const char *s, uint32_t *w, uint32_t *h);
int pl_parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *v);

/**
 * struct pl_opt - one "--name VALUE" option
 * @name: without the dashes
 * @kind: PL_OPT_STR (@value is a const char **), PL_OPT_UINT (a uint32_t *
 *        in [@min, @max]) or PL_OPT_SIZE (a uint32_t[2], "WxH")
 * @unit: what the number counts, for the error message, or NULL
 */
struct pl_opt {
	const char *name;
	enum { PL_OPT_STR, PL_OPT_UINT, PL_OPT_SIZE } kind;
	void *value;
	uint32_t min, max;
	const char *unit;
};

#define PL_OPT_STRING(n, v)	{ .name = (n), .kind = PL_OPT_STR, .value = (v) }
#define PL_OPT_NUMBER(n, v, lo, hi, u) \
	{ .name = (n), .kind = PL_OPT_UINT, .value = (v), .min = (lo), .max = (hi), .unit = (u) }
#define PL_OPT_WXH(n, v)	{ .name = (n), .kind = PL_OPT_SIZE, .value = (v) }
#define PL_OPT_END		{ .name = NULL }

/*
 * pl_options() - parse the command line against @opts (ended by a NULL
 * name), plus --help, which prints @usage and exits. Values that are
 * wrong are reported. Return: 0 or -EINVAL.
 */
int pl_options(int argc, char **argv, const struct pl_opt *opts,
	       void (*usage)(FILE *f));

/* --- sock.c: sockets between the stages --- */

/*
 * Sockets. pl_listen() replaces a stale socket file and creates its
 * directory; pl_accept() waits up to @timeout_ms, then unlinks @path;
 * pl_connect() retries while the listener is not there yet.
 */
int pl_listen(const char *path);
int pl_accept(int lfd, const char *path, int timeout_ms);
int pl_connect(const char *path, int timeout_ms);
/*
 * pl_wait_peer() - listen on @path until @peer connects (at most
 * @timeout_s): the connected socket, or -errno with a message printed.
 */
int pl_wait_peer(const char *path, const char *peer, uint32_t timeout_s);

/* Is @err from pl_recv_ring() the peer's fault (malformed input)? */
bool pl_malformed(int err);

/* --- ring.c: heaps and buffer rings --- */

/**
 * struct pl_ring - the buffers a stage shares with one neighbour
 * @depth: buffers in the ring
 * @fds: the dma-bufs (-1: none)
 * @meta: what each buffer holds, as sent or received with it
 * @maps: CPU mappings (gpu), or NULL
 * @gem: GEM handles on the stage's DRM device (gpu: vgem, display: vkms), or 0
 * @fb: KMS framebuffers (display), or 0
 * @imp: importer attachments of the identity proof, or 0
 * @ids: each buffer's inode and DMA address, for the identity proof
 * @busy: while a peer or the stage holds the buffer, the frame's seq + 1;
 *        0 when it is free
 */
struct pl_ring {
	uint32_t depth;
	int fds[PL_MAX_DEPTH];
	struct ldma_meta meta[PL_MAX_DEPTH];
	struct ldma_map *maps[PL_MAX_DEPTH];
	uint32_t gem[PL_MAX_DEPTH];
	uint32_t fb[PL_MAX_DEPTH];
	uint32_t imp[PL_MAX_DEPTH];
	struct pl_buffer_id ids[PL_MAX_DEPTH];
	int busy[PL_MAX_DEPTH];
};

/* An empty ring: no descriptors, nothing held. */
void pl_ring_init(struct pl_ring *r);
/*
 * pl_ring_release() - drop every reference to the ring's buffers, in this
 * order: CPU mappings, framebuffers and GEM handles on @drm_fd, importer
 * attachments on @imp_fd (either fd may be -1: those stay), descriptors.
 */
void pl_ring_release(struct pl_ring *r, int drm_fd, int imp_fd);

/*
 * pl_heap_check() - does @heap exist? If not, say which heaps do.
 * Return: 0 or -ENOENT.
 */
int pl_heap_check(const char *heap);

/*
 * pl_alloc_ring() - @n buffers of @size bytes from @heap, named "@prefix-N"
 * @what: what the buffers hold, for messages ("frames of 640x480 NV12")
 *
 * Checks first that they fit: an unknown heap, or a carveout heap without
 * room for them, is reported with what exists (the heaps; the size asked
 * and the free space) and gives -ENOENT or -ENOSPC. On failure nothing
 * stays allocated.
 */
int pl_alloc_ring(const char *heap, uint64_t size, unsigned int n,
		  const char *prefix, const char *what, int *fds);
/* Human summary of a heap's capabilities ("contiguous, cached"). */
void pl_heap_caps(const char *heap, char *buf, size_t len);
/* The heaps that publish contiguous buffers, but @except, as "a, b, c". */
void pl_heap_contiguous(const char *except, char *buf, size_t len);

/* --- choose.c: a heap chosen by the devices --- */

#define PL_MAX_VISITS	4

/**
 * struct pl_visit - a device the buffers visit
 * @dev: the device, for ldma_heap_choose()
 * @name: the same device as `dmabuf which` takes it ("/dev/video3",
 *        "importer:camera")
 */
struct pl_visit {
	struct ldma_device dev;
	char name[64];
};

/* The path @fd was opened by ("/dev/dri/card1"). 0 or -errno. */
int pl_device_name(int fd, char *buf, size_t len);
/* A device node the stage opened; @name NULL: the path it was opened by. */
void pl_visit_fd(struct pl_visit *v, int fd, const char *name);
/* Importer device @dev of the importer @imp_fd. */
void pl_visit_importer(struct pl_visit *v, int imp_fd, const struct imp_dev *dev);

/*
 * pl_heap_choose() - the best heap for buffers of @size bytes that visit
 * @n devices, into @heap (@len bytes); logs the choice, its reason and the
 * `dmabuf which` command that ranks the same way.
 * Return: 0; PL_EXIT_HEAP if no heap fits (each heap's reason is logged);
 * PL_EXIT_FAIL if a device cannot be described.
 */
int pl_heap_choose(const struct pl_visit *v, unsigned int n, uint64_t size,
		   unsigned int flags, char *heap, size_t len);

/* --- identity.c: the proof that buffers are shared --- */

/* The dma-buf inode of @fd, 0 on error. */
uint64_t pl_inode(int fd);

/*
 * The importer, for the proof that buffers are shared and not copied:
 * pl_importer_find() gives the index of the first DMA-capable device of
 * @role (or -ENODEV); pl_importer_id() attaches @fd to it and maps it,
 * filling @id with the buffer's inode and DMA address; the attachment
 * stays until the importer fd is closed. Return: 0, -EXDEV (the device
 * needs contiguous buffers and this is not one), or another -errno.
 *
 * Map for identity only with IMP_BIDIRECTIONAL: exporters sync
 * every attachment when the CPU brackets an access, and the mainline
 * system heap does so in the CPU's direction, which DMA-API debug reports
 * against a mapping made in the other one.
 */
int pl_importer_find(int imp, uint32_t role, struct imp_dev *dev);
/*
 * pl_importer_for() - open the importer for the identity checks of a
 * stage whose device has @role: the importer fd, or -errno (no importer,
 * or no such device: then it says that DMA addresses are not compared).
 */
int pl_importer_for(uint32_t role, struct imp_dev *dev);
int pl_importer_id(int imp, const struct imp_dev *dev, int fd,
		   unsigned int direction, uint32_t *handle, struct pl_buffer_id *id);
/* Compare what arrived with what its producer said; prints one line. */
bool pl_same_buffer(const char *from, unsigned int index, const struct pl_buffer_id *theirs,
		    const struct pl_buffer_id *ours);

/* --- peer.c: when a peer stops or misbehaves --- */

/*
 * pl_explain() - say why a peer stopped the pipeline, and how to exit
 * @peer: the peer's stage name
 * @ret: what pl_recv() returned: a negative errno or a message type that
 *       ends the run (ABORT, REJECT, or any type that was not expected)
 * @msg: the message, for ABORT and REJECT
 * @reason: receives a one-line reason to pass on to the other neighbour
 *
 * Prints the reason. Return: the exit status (PL_EXIT_PEER, PL_EXIT_PROTO
 * or PL_EXIT_FAIL).
 */
int pl_explain(const char *peer, int ret, const struct pl_msg *msg,
	       char *reason, size_t len);

/*
 * pl_send_failed() - a message to @peer could not be sent (error @err)
 *
 * A peer that stops sends ABORT or REJECT before it closes its socket:
 * look for such a message first, as it says why; else explain @err. Same
 * output and return value as pl_explain().
 */
int pl_send_failed(int sock, const char *peer, int err, char *reason, size_t len);

/*
 * pl_reject() - refuse what @peer sent: print why, send REJECT, and wait
 * (up to 10 s) until @peer hangs up. The caller lets go of @peer's
 * buffers first. Return: PL_EXIT_PROTO.
 */
int pl_reject(int sock, const char *peer, const char *why);

/* --- drm.c: DRM devices --- */

/* The /dev/dri/card* node whose driver is @driver, opened; -ENOENT if none. */
int pl_drm_open(const char *driver);


/* --- vgem.c: the gpu stage's device --- */

/* The vgem node, opened, or -ENOENT (and a message). */
int pl_vgem_open(void);
/* Import @buf_fd: its GEM handle in @handle. 0 or -errno. */
int pl_vgem_import(int vgem, int buf_fd, uint32_t *handle);
/* A write fence on @handle's buffer, in @fence; pl_vgem_signal() ends it. */
int pl_vgem_fence(int vgem, uint32_t handle, uint32_t *fence);
int pl_vgem_signal(int vgem, uint32_t fence);

#endif
