/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What camera, gpu and display say to each other (Documentation/pipeline.rst).
 *
 * Each hop is a connected SOCK_SEQPACKET UNIX socket: the downstream stage
 * listens, the upstream one connects. At start-up the upstream stage sends
 * its whole ring once: the buffers with their libdma metadata records
 * (ldma_send()), then a HELLO naming the ring's depth and, per buffer, its
 * identity at the producer (dma-buf inode, DMA address), so that the
 * receiver can show that it got the very same buffers. From then on only
 * small fixed-size messages travel, V4L2-style by buffer index:
 *
 *   upstream -> downstream   FRAME   buffer @index holds frame @seq
 *                            DONE    (gpu -> display) the gpu has finished
 *                                    writing @index; @checksum is what it wrote
 *                            END     no more frames; stage statistics
 *   downstream -> upstream   RELEASE buffer @index may be reused
 *                            REJECT  your buffers or a message were malformed
 *   either way               ABORT   a stage went away or gave up; @reason
 *
 * A message is a struct pl_msg of exactly the length its type has; anything
 * else (wrong magic, version, length, a descriptor attached where none is
 * expected) is malformed: the receiver closes what came with it and stops.
 */
#ifndef PIPELINE_PROTO_H
#define PIPELINE_PROTO_H

#include <stdint.h>

#include <libdma.h>

#define PL_MAGIC	0x4c504950u	/* "PIPL" in little endian */
#define PL_VERSION	2
#define PL_MAX_DEPTH	LDMA_MAX_FDS
#define PL_MAX_STATS	6
#define PL_NAME_LEN	16
#define PL_REASON_LEN	200

enum pl_type {
	PL_HELLO = 1,
	PL_FRAME,
	PL_DONE,
	PL_RELEASE,
	PL_END,
	PL_ABORT,
	PL_REJECT,
};

/**
 * struct pl_buffer_id - a ring buffer as its producer sees it
 * @inode: inode of the dma-buf (the same buffer has the same inode in
 *         every process)
 * @dma_addr: DMA address of its first segment at the producer's importer
 *            device, 0 if none
 * @dma_phys: 1 if @dma_addr is a bus address without an IOMMU in between
 *            (comparable between devices), else 0
 * @nents: DMA segments of that mapping
 */
struct pl_buffer_id {
	uint64_t inode;
	uint64_t dma_addr;
	uint32_t dma_phys;
	uint32_t nents;
};

/** struct pl_stat - one timing statistic, in nanoseconds */
struct pl_stat {
	char name[PL_NAME_LEN];
	uint32_t count;
	uint32_t __pad;
	uint64_t median;
	uint64_t p99;
	uint64_t max;
};

struct pl_hello {
	char stage[PL_NAME_LEN];	/* who sends */
	char device[32];		/* what fills or writes the buffers */
	char source_heap[LDMA_HEAP_NAME_MAX];	/* heap of what the sender was fed, or "" */
	uint32_t depth;			/* buffers in the ring, as just sent */
	uint32_t frames;		/* frames planned, 0 if open-ended */
	struct pl_buffer_id ids[PL_MAX_DEPTH];
};

struct pl_frame {
	uint32_t index;
	uint32_t seq;
	uint64_t checksum;		/* hash of the buffer's bytes (see below) */
	uint64_t t_start;		/* CLOCK_MONOTONIC ns: capture started */
	/* Capture from a V4L2 device (flags & PL_FRAME_V4L2), else 0: */
	uint32_t flags;
	uint32_t v4l2_sequence;		/* struct v4l2_buffer's sequence */
	uint64_t v4l2_timestamp;	/* and its timestamp, in ns */
};

#define PL_FRAME_V4L2	(1u << 0)	/* v4l2_sequence and v4l2_timestamp are set */

struct pl_release {
	uint32_t index;
	uint32_t seq;
};

struct pl_end {
	uint32_t frames;		/* frames sent */
	uint32_t mismatches;		/* frames found wrong on the way */
	uint32_t ids_checked;		/* ring buffers compared with their producer */
	uint32_t ids_same;		/* ... and found to be the same buffer */
	uint32_t nstats;
	uint32_t __pad;
	struct pl_stat stats[PL_MAX_STATS];
};

struct pl_abort {
	char stage[PL_NAME_LEN];	/* the stage that sends it */
	char reason[PL_REASON_LEN];
};

struct pl_msg {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t length;		/* of the whole message */
	uint32_t __pad;
	union {
		struct pl_hello hello;
		struct pl_frame frame;	/* FRAME and DONE */
		struct pl_release release;
		struct pl_end end;
		struct pl_abort abort;	/* ABORT and REJECT */
	} u;
};

const char *pl_type_name(unsigned int type);

/* Send one message of @type with its body from @msg->u. 0 or -errno. */
int pl_send(int sock, struct pl_msg *msg, unsigned int type);
/* Convenience senders. */
int pl_send_abort(int sock, unsigned int type, const char *stage, const char *reason);
int pl_send_release(int sock, uint32_t index, uint32_t seq);

/*
 * pl_recv() - receive one message
 * @timeout_ms: negative waits forever
 * Return: its type; -ECONNRESET (the peer closed or died), -ETIMEDOUT,
 * -EINTR (a signal arrived first), -EBADMSG (malformed: any descriptors
 * that came with it were closed), or another -errno.
 */
int pl_recv(int sock, struct pl_msg *msg, int timeout_ms);

/*
 * The ring at start-up: descriptors with their records, then the HELLO.
 * pl_recv_ring() checks that the HELLO matches the descriptors; on any
 * error every descriptor received is closed. Its errors: those of
 * ldma_recv() and pl_recv(); -EBADMSG, -EPROTO and -EMSGSIZE (the peer
 * sent something malformed) come with @why filled in.
 */
int pl_send_ring(int sock, const int *fds, const struct ldma_meta *meta,
		 struct pl_msg *hello);
int pl_recv_ring(int sock, int *fds, struct ldma_meta *meta,
		 struct pl_msg *hello, int timeout_ms, char *why, size_t why_len);

/*
 * pl_check_image() - does @m describe a @fourcc image the stage can take?
 * Return: 0, or -EBADMSG with @why saying what is wrong.
 */
int pl_check_image(const struct ldma_meta *m, uint32_t fourcc, char *why,
		   size_t why_len);

/*
 * pl_check_ring() - pl_check_image() for each of @n records, which must
 * also all describe the same size and layout. Return: 0 or -EBADMSG.
 */
int pl_check_ring(const struct ldma_meta *meta, unsigned int n, uint32_t fourcc,
		  char *why, size_t why_len);

#endif
