// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * V4L2 video nodes that import the pipeline's dma-bufs.
 * Part of libpipeline (v4l2.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "stage.h"
#include "v4l2.h"

int pl_v4l2_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

int pl_v4l2_wait(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ret = poll(&p, 1, timeout_ms);

	if (ret < 0)
		return -errno;
	return ret ? 0 : -ETIMEDOUT;
}

static uint32_t v4l2_caps_for(uint32_t type)
{
	return type == V4L2_BUF_TYPE_VIDEO_CAPTURE ?
	       V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_M2M :
	       V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_VIDEO_M2M;
}

static const char *v4l2_queue_name(uint32_t type)
{
	return type == V4L2_BUF_TYPE_VIDEO_CAPTURE ? "video capture" : "video output";
}

/* The node's name in sysfs ("vivid-000-vid-cap", "stateful-encoder"). */
static void v4l2_sysfs_name(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	char p[96];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(p, sizeof(p), "/sys/class/video4linux/%s/name", base ? base + 1 : path);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * Open @path and check it: 0, -ENOTTY (not V4L2, or no streaming queue of
 * @type), or -errno from open(). @quiet: print nothing.
 */
static int v4l2_try(struct pl_v4l2 *v, const char *path, uint32_t type, bool quiet)
{
	struct v4l2_capability cap;
	uint32_t caps;
	int fd, ret;

	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (!quiet)
			pl_err("cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	memset(&cap, 0, sizeof(cap));
	ret = pl_v4l2_ioctl(fd, VIDIOC_QUERYCAP, &cap);
	if (ret) {
		if (!quiet)
			pl_err("%s is not a V4L2 device (VIDIOC_QUERYCAP: %s)", path, strerror(-ret));
		close(fd);
		return -ENOTTY;
	}
	caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ? cap.device_caps : cap.capabilities;
	if (!(caps & v4l2_caps_for(type)) || !(caps & V4L2_CAP_STREAMING)) {
		if (!quiet)
			pl_err("%s (%s, %s) has no streaming %s queue (capabilities 0x%08x)",
			       path, (char *)cap.driver, (char *)cap.card, v4l2_queue_name(type), caps);
		close(fd);
		return -ENOTTY;
	}
	memset(v, 0, sizeof(*v));
	v->fd = fd;
	v->type = type;
	v->memory = V4L2_MEMORY_DMABUF;
	snprintf(v->path, sizeof(v->path), "%s", path);
	snprintf(v->driver, sizeof(v->driver), "%s", (char *)cap.driver);
	snprintf(v->card, sizeof(v->card), "%s", (char *)cap.card);
	return 0;
}

int pl_v4l2_open(struct pl_v4l2 *v, const char *what, uint32_t type)
{
	char name[64];
	glob_t g;
	size_t i;

	v->fd = -1;
	if (strchr(what, '/'))
		return v4l2_try(v, what, type, false);
	if (glob("/dev/video*", 0, NULL, &g)) {
		pl_err("no V4L2 device of driver '%s': there are no /dev/video* nodes", what);
		return -ENOENT;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		if (v4l2_try(v, g.gl_pathv[i], type, true))
			continue;
		v4l2_sysfs_name(v->path, name, sizeof(name));
		if (!strcmp(v->driver, what) || !strcmp(v->card, what) || !strcmp(name, what)) {
			globfree(&g);
			return 0;
		}
		close(v->fd);
		v->fd = -1;
	}
	globfree(&g);
	pl_err("no V4L2 device of driver '%s' with a streaming %s queue", what,
	       v4l2_queue_name(type));
	return -ENOENT;
}

int pl_v4l2_set_nv12(struct pl_v4l2 *v, uint32_t width, uint32_t height, uint32_t stride)
{
	struct v4l2_format f;
	struct v4l2_pix_format *p = &f.fmt.pix;
	char fcc[5];
	int ret;

	memset(&f, 0, sizeof(f));
	f.type = v->type;
	p->width = width;
	p->height = height;
	p->pixelformat = V4L2_PIX_FMT_NV12;
	p->field = V4L2_FIELD_NONE;
	p->bytesperline = stride;
	ret = pl_v4l2_ioctl(v->fd, VIDIOC_S_FMT, &f);
	if (ret) {
		pl_err("%s (%s) refuses NV12 %ux%u: VIDIOC_S_FMT: %s", v->path, v->driver,
		       width, height, strerror(-ret));
		return -EINVAL;
	}
	v->fmt = *p;
	if (p->pixelformat == V4L2_PIX_FMT_NV12 && p->width == width && p->height == height &&
	    p->bytesperline == stride && p->sizeimage >= stride * height / 2 * 3 &&
	    (p->field == V4L2_FIELD_NONE || p->field == V4L2_FIELD_ANY))
		return 0;
	memcpy(fcc, &p->pixelformat, 4);
	fcc[4] = '\0';
	pl_err("%s (%s) does not take NV12 %ux%u with %u-byte lines: it offers %.4s %ux%u, %u-byte lines, field %u",
	       v->path, v->driver, width, height, stride, fcc, p->width, p->height,
	       p->bytesperline, p->field);
	return -EINVAL;
}

int pl_v4l2_reqbufs(struct pl_v4l2 *v, uint32_t count)
{
	struct v4l2_requestbuffers rb;
	int ret;

	memset(&rb, 0, sizeof(rb));
	rb.count = count;
	rb.type = v->type;
	rb.memory = V4L2_MEMORY_DMABUF;
	ret = pl_v4l2_ioctl(v->fd, VIDIOC_REQBUFS, &rb);
	if (ret == -EINVAL && count) {
		pl_err("%s (%s) does not import dma-bufs (VIDIOC_REQBUFS with V4L2_MEMORY_DMABUF: %s)",
		       v->path, v->driver, strerror(-ret));
		return -EOPNOTSUPP;
	}
	if (ret) {
		if (count)
			pl_err("%s (%s): VIDIOC_REQBUFS of %u dma-bufs: %s", v->path, v->driver,
			       count, strerror(-ret));
		return ret;
	}
	if (count && !(rb.capabilities & V4L2_BUF_CAP_SUPPORTS_DMABUF)) {
		pl_err("%s (%s) does not import dma-bufs (no V4L2_BUF_CAP_SUPPORTS_DMABUF)",
		       v->path, v->driver);
		pl_v4l2_reqbufs(v, 0);
		return -EOPNOTSUPP;
	}
	v->count = rb.count;
	if (rb.count < count) {
		pl_err("%s (%s) gives %u buffers, not %u", v->path, v->driver, rb.count, count);
		pl_v4l2_reqbufs(v, 0);
		return -ENOMEM;
	}
	return 0;
}

int pl_v4l2_qbuf(struct pl_v4l2 *v, uint32_t index, int fd, uint32_t length,
		 uint32_t bytesused)
{
	struct v4l2_buffer b;

	memset(&b, 0, sizeof(b));
	b.type = v->type;
	b.memory = V4L2_MEMORY_DMABUF;
	b.index = index;
	b.m.fd = fd;
	b.length = length;
	b.bytesused = bytesused;
	return pl_v4l2_ioctl(v->fd, VIDIOC_QBUF, &b);
}

int pl_v4l2_dqbuf(struct pl_v4l2 *v, struct v4l2_buffer *buf, int timeout_ms)
{
	short events = V4L2_TYPE_IS_OUTPUT(v->type) ? POLLOUT : POLLIN;
	int ret;

	for (;;) {
		memset(buf, 0, sizeof(*buf));
		buf->type = v->type;
		buf->memory = v->memory;
		ret = pl_v4l2_ioctl(v->fd, VIDIOC_DQBUF, buf);
		if (!ret && (buf->flags & V4L2_BUF_FLAG_LAST) && !buf->bytesused)
			return -EPIPE;
		if (!ret)
			return buf->flags & V4L2_BUF_FLAG_ERROR ? -EIO : 0;
		if (ret != -EAGAIN)
			return ret;
		/* A device that was unplugged reports POLLERR; DQBUF says ENODEV. */
		ret = pl_v4l2_wait(v->fd, events, timeout_ms);
		if (ret)
			return ret;
	}
}

int pl_v4l2_streamon(struct pl_v4l2 *v)
{
	int type = (int)v->type, ret;

	ret = pl_v4l2_ioctl(v->fd, VIDIOC_STREAMON, &type);
	if (ret) {
		pl_err("%s (%s): VIDIOC_STREAMON: %s", v->path, v->driver, strerror(-ret));
		return ret;
	}
	v->streaming = true;
	return 0;
}

void pl_v4l2_close(struct pl_v4l2 *v)
{
	int type = (int)v->type;

	if (v->fd < 0)
		return;
	if (v->streaming)
		pl_v4l2_ioctl(v->fd, VIDIOC_STREAMOFF, &type);
	if (v->count)
		pl_v4l2_reqbufs(v, 0);
	close(v->fd);
	v->fd = -1;
	v->streaming = false;
	v->count = 0;
}
