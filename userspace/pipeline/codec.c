// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Memory-to-memory codec nodes: both queues of one node, MMAP buffers for
 * the compressed side, controls and events.
 * Part of libpipeline (codec.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "codec.h"
#include "stage.h"

static unsigned int codec_q(const struct pl_v4l2 *v)
{
	return V4L2_TYPE_IS_OUTPUT(v->type) ? 0 : 1;
}

int pl_codec_open(struct pl_codec *c, const char *name)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->cap.fd = -1;
	ret = pl_v4l2_open(&c->out, name, V4L2_BUF_TYPE_VIDEO_OUTPUT);
	if (ret)
		return ret;
	/* vicodec is single-planar unless loaded with multiplanar=1. */
	c->cap = c->out;
	c->cap.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	return 0;
}

static void codec_unmap(struct pl_codec *c, unsigned int q)
{
	unsigned int i;

	for (i = 0; i < PL_CODEC_MAX_BUFS; i++) {
		if (c->addr[q][i])
			munmap(c->addr[q][i], c->len[q][i]);
		c->addr[q][i] = NULL;
	}
}

static void codec_free(struct pl_codec *c, struct pl_v4l2 *v)
{
	struct v4l2_requestbuffers rb;
	int type = (int)v->type;

	if (v->streaming)
		pl_v4l2_ioctl(v->fd, VIDIOC_STREAMOFF, &type);
	v->streaming = false;
	codec_unmap(c, codec_q(v));
	if (v->count) {
		memset(&rb, 0, sizeof(rb));
		rb.type = v->type;
		rb.memory = v->memory;
		pl_v4l2_ioctl(v->fd, VIDIOC_REQBUFS, &rb);
	}
	v->count = 0;
}

void pl_codec_close(struct pl_codec *c)
{
	if (c->out.fd < 0)
		return;
	codec_free(c, &c->cap);
	codec_free(c, &c->out);
	close(c->out.fd);
	c->out.fd = c->cap.fd = -1;
}

int pl_codec_set_fwht(struct pl_v4l2 *v, uint32_t width, uint32_t height,
		      uint32_t *sizeimage)
{
	struct v4l2_format f;
	int ret;

	memset(&f, 0, sizeof(f));
	f.type = v->type;
	f.fmt.pix.width = width;
	f.fmt.pix.height = height;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_FWHT;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	ret = pl_v4l2_ioctl(v->fd, VIDIOC_S_FMT, &f);
	if (!ret && f.fmt.pix.pixelformat != V4L2_PIX_FMT_FWHT)
		ret = -EINVAL;
	if (ret) {
		pl_err("%s (%s) refuses FWHT %ux%u: %s", v->path, v->driver, width, height,
		       strerror(-ret));
		return ret;
	}
	v->fmt = f.fmt.pix;
	*sizeimage = f.fmt.pix.sizeimage;
	return 0;
}

int pl_codec_mmap(struct pl_codec *c, struct pl_v4l2 *v, uint32_t count)
{
	unsigned int q = codec_q(v), i;
	struct v4l2_requestbuffers rb;
	struct v4l2_buffer b;
	void *p;
	int ret;

	memset(&rb, 0, sizeof(rb));
	rb.count = count;
	rb.type = v->type;
	rb.memory = V4L2_MEMORY_MMAP;
	ret = pl_v4l2_ioctl(v->fd, VIDIOC_REQBUFS, &rb);
	if (!ret && (rb.count < count || rb.count > PL_CODEC_MAX_BUFS))
		ret = -ENOMEM;
	v->memory = V4L2_MEMORY_MMAP;
	v->count = rb.count;
	for (i = 0; !ret && i < rb.count; i++) {
		memset(&b, 0, sizeof(b));
		b.type = v->type;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		ret = pl_v4l2_ioctl(v->fd, VIDIOC_QUERYBUF, &b);
		if (ret)
			break;
		p = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, b.m.offset);
		if (p == MAP_FAILED) {
			ret = -errno;
			break;
		}
		c->addr[q][i] = p;
		c->len[q][i] = b.length;
	}
	if (ret) {
		pl_err("%s (%s): %u MMAP buffers on its %s queue: %s", v->path, v->driver, count,
		       q ? "capture" : "output", strerror(-ret));
		codec_free(c, v);
	}
	return ret;
}

void *pl_codec_addr(const struct pl_codec *c, const struct pl_v4l2 *v, uint32_t index)
{
	return index < PL_CODEC_MAX_BUFS ? c->addr[codec_q(v)][index] : NULL;
}

int pl_codec_qbuf(struct pl_v4l2 *v, uint32_t index, uint32_t bytesused)
{
	struct v4l2_buffer b;

	memset(&b, 0, sizeof(b));
	b.type = v->type;
	b.memory = V4L2_MEMORY_MMAP;
	b.index = index;
	b.bytesused = bytesused;
	b.field = V4L2_FIELD_NONE;
	return pl_v4l2_ioctl(v->fd, VIDIOC_QBUF, &b);
}

int pl_codec_ctrl(struct pl_v4l2 *v, uint32_t id, int32_t value, int32_t *got)
{
	struct v4l2_control ctl = { .id = id, .value = value };
	int ret;

	ret = pl_v4l2_ioctl(v->fd, VIDIOC_S_CTRL, &ctl);
	if (!ret)
		ret = pl_v4l2_ioctl(v->fd, VIDIOC_G_CTRL, &ctl);
	if (!ret)
		*got = ctl.value;
	return ret;
}

int pl_codec_subscribe(struct pl_v4l2 *v, uint32_t type)
{
	struct v4l2_event_subscription sub;

	memset(&sub, 0, sizeof(sub));
	sub.type = type;
	return pl_v4l2_ioctl(v->fd, VIDIOC_SUBSCRIBE_EVENT, &sub);
}

int pl_codec_event(struct pl_v4l2 *v, struct v4l2_event *ev, int timeout_ms)
{
	int ret;

	for (;;) {
		memset(ev, 0, sizeof(*ev));
		ret = pl_v4l2_ioctl(v->fd, VIDIOC_DQEVENT, ev);
		if (ret != -ENOENT)
			return ret;
		ret = pl_v4l2_wait(v->fd, POLLPRI, timeout_ms);
		if (ret)
			return ret;
	}
}
