/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * V4L2 video nodes that import the pipeline's dma-bufs
 * (V4L2_MEMORY_DMABUF): finding a node, setting its format, queueing
 * buffers by descriptor, and the errors a person can act on.
 * Part of libpipeline (stage.h).
 */
#ifndef PIPELINE_V4L2_H
#define PIPELINE_V4L2_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/videodev2.h>

/* Returned by pl_v4l2_qbuf() when the driver refuses a dma-buf it cannot map. */
#define PL_V4L2_REFUSED	(-EFAULT)

/* ioctl() retried on EINTR: 0 or -errno. */
int pl_v4l2_ioctl(int fd, unsigned long req, void *arg);
/* Wait up to @timeout_ms for @events on @fd: 0, -ETIMEDOUT or -errno. */
int pl_v4l2_wait(int fd, short events, int timeout_ms);

/**
 * struct pl_v4l2 - one open video node and one of its queues
 * @fd: the node
 * @path: its /dev path
 * @driver: its driver, from VIDIOC_QUERYCAP ("vivid", "vicodec", ...)
 * @card: its card name
 * @type: the queue: V4L2_BUF_TYPE_VIDEO_CAPTURE or _OUTPUT
 * @memory: its buffers: V4L2_MEMORY_DMABUF, or _MMAP (codec.c's)
 * @fmt: the format the driver took, after pl_v4l2_set_nv12()
 * @count: buffers allocated by pl_v4l2_reqbufs()
 * @streaming: between STREAMON and STREAMOFF
 */
struct pl_v4l2 {
	int fd;
	char path[64];
	char driver[16];
	char card[32];
	uint32_t type;
	uint32_t memory;
	struct v4l2_pix_format fmt;
	uint32_t count;
	bool streaming;
};

/*
 * pl_v4l2_open() - open the video node @what for queue @type
 * @what: a /dev path, or a driver name: the first /dev/video* node of that
 *        driver whose queue @type streams
 *
 * Checks that the node has the queue and streams (V4L2_CAP_STREAMING).
 * Return: 0, -ENOENT (no such node or driver), -ENOTTY (not a V4L2 node,
 * or no streaming queue of @type), or another -errno; a message is printed.
 */
int pl_v4l2_open(struct pl_v4l2 *v, const char *what, uint32_t type);

/*
 * pl_v4l2_set_nv12() - set single-planar NV12 at @width x @height
 *
 * The driver must take exactly that, with lines of @stride bytes and the
 * chroma plane right after the luma plane, the layout the pipeline's
 * buffers have (struct nv12_layout). Return: 0, or -EINVAL with the format the driver offered
 * instead printed.
 */
int pl_v4l2_set_nv12(struct pl_v4l2 *v, uint32_t width, uint32_t height, uint32_t stride);

/*
 * pl_v4l2_reqbufs() - @count DMABUF buffers on the queue (0 frees them)
 *
 * Return: 0, -EOPNOTSUPP (the queue does not import dma-bufs), -ENOMEM
 * (the driver gave fewer than @count), or another -errno; a message is
 * printed.
 */
int pl_v4l2_reqbufs(struct pl_v4l2 *v, uint32_t count);

/*
 * pl_v4l2_qbuf() - queue @fd as buffer @index (@bytesused: for OUTPUT)
 *
 * Return: 0, PL_V4L2_REFUSED (the driver cannot map this dma-buf, e.g.
 * vb2-dma-contig and a buffer that is not contiguous), -ENODEV (the
 * device went away), or another -errno. Prints nothing.
 */
int pl_v4l2_qbuf(struct pl_v4l2 *v, uint32_t index, int fd, uint32_t length,
		 uint32_t bytesused);

/*
 * pl_v4l2_dqbuf() - wait up to @timeout_ms for a buffer of the queue's
 * memory, and dequeue it
 * @buf: the dequeued buffer (index, sequence, timestamp, bytesused, flags)
 *
 * Return: 0, -ETIMEDOUT, -ENODEV (the device went away), -EIO (the
 * driver marked the buffer as failed; @buf is still filled in), -EPIPE
 * (the empty buffer with V4L2_BUF_FLAG_LAST: an m2m codec stopped, for a
 * drain or a source change), -EINTR, or another -errno. Prints nothing.
 */
int pl_v4l2_dqbuf(struct pl_v4l2 *v, struct v4l2_buffer *buf, int timeout_ms);

int pl_v4l2_streamon(struct pl_v4l2 *v);
/* STREAMOFF, if streaming, then free the buffers and close the node. */
void pl_v4l2_close(struct pl_v4l2 *v);

#endif
