// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * camera: the first stage of the pipeline (Documentation/pipeline.rst).
 *
 * Allocates a ring of NV12 frames from a heap, has an importer device fill
 * each frame by DMA with the test pattern of pattern.h, and hands the
 * frames to gpu by index; gpu returns each one when it is done with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "pattern.h"
#include "stage.h"

/* A device that would need longer than this per frame is not used by default. */
#define CAMERA_EDU_BUDGET_MS	1000

struct camera {
	struct nv12_layout l;
	uint32_t frames, timeout_s;
	const char *heap, *out, *device;
	int imp, sock;
	struct imp_dev dev;
	struct pl_ring ring;		/* the frames; busy: at gpu */
	unsigned int in_flight;
	struct pl_samples capture;
	uint8_t *model;			/* the frame as the CPU computes it */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: camera [options]\n"
		"  --size WxH       frame size (default 640x480; even, 16x64 and up)\n"
		"  --frames N       frames to capture (default 60; 0: until SIGINT/SIGTERM)\n"
		"  --depth N        frames in the ring, 1..%d (default 4)\n"
		"  --heap NAME      heap of the frames (default camera)\n"
		"  --device D       importer device that writes the frames: auto, camera,\n"
		"                   edu or an index (default auto: edu if it is fast enough,\n"
		"                   else the emulated camera)\n"
		"  --out PATH       gpu's socket (default %s)\n"
		"  --timeout S      give up on a silent peer after S seconds (default 60)\n",
		PL_MAX_DEPTH, PL_GPU_SOCK);
}

static int parse(struct camera *c, int argc, char **argv)
{
	uint32_t size[2] = { 640, 480 };
	const struct pl_opt opts[] = {
		PL_OPT_WXH("size", size),
		PL_OPT_NUMBER("frames", &c->frames, 0, UINT32_MAX, "frames"),
		PL_OPT_NUMBER("depth", &c->ring.depth, 1, PL_MAX_DEPTH, "buffers"),
		PL_OPT_STRING("heap", &c->heap),
		PL_OPT_STRING("device", &c->device),
		PL_OPT_STRING("out", &c->out),
		PL_OPT_NUMBER("timeout", &c->timeout_s, 1, 3600, "seconds"),
		PL_OPT_END
	};
	uint32_t w, h;

	c->ring.depth = 4;
	c->frames = 60;
	c->timeout_s = 60;
	c->heap = "camera";
	c->device = "auto";
	c->out = PL_GPU_SOCK;
	if (pl_options(argc, argv, opts, usage))
		return -EINVAL;
	w = size[0];
	h = size[1];
	if (nv12_layout_init(&c->l, w, h)) {
		pl_err("--size %ux%u: width and height must be even, at least %dx%d and at most %dx%d",
		       w, h, PATTERN_MIN_WIDTH, PATTERN_MIN_HEIGHT, PATTERN_MAX_DIM, PATTERN_MAX_DIM);
		return -EINVAL;
	}
	return 0;
}

/* One frame, written by the device: the fills of the plan, in order. */
static int capture(struct camera *c, unsigned int i, uint32_t seq)
{
	struct pattern_fill fills[PATTERN_MAX_FILLS];
	int n = pattern_plan(&c->l, seq, fills), k, ret;

	for (k = 0; k < n; k++) {
		ret = imp_fill(c->imp, c->ring.imp[i], fills[k].seed,
			       fills[k].offset, fills[k].length);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * edu copies through a bounce buffer with transfers that take about 100 ms
 * each in QEMU: time one fill to see whether a frame would take too long.
 */
static bool edu_fast_enough(struct camera *c, const struct imp_dev *edu)
{
	struct pattern_fill fills[PATTERN_MAX_FILLS];
	struct pl_buffer_id id;
	uint32_t handle;
	uint64_t t;
	double est;
	int ret, n;

	ret = pl_importer_id(c->imp, edu, c->ring.fds[0], IMP_FROM_DEVICE, &handle, &id);
	if (ret) {
		pl_info("edu %s cannot map the frames (%s); using the emulated camera",
			edu->name, strerror(-ret));
		return false;
	}
	t = pl_now();
	ret = imp_fill(c->imp, handle, 0, 0, IMP_ALIGN);
	t = pl_now() - t;
	imp_detach(c->imp, handle);
	if (ret) {
		pl_info("edu %s failed a test fill (%s); using the emulated camera",
			edu->name, strerror(-ret));
		return false;
	}
	/* At least one transfer per fill of the plan. */
	n = pattern_plan(&c->l, 0, fills);
	est = pl_ms(t) * n;
	if (est <= CAMERA_EDU_BUDGET_MS)
		return true;
	pl_info("edu %s takes %.0f ms per DMA transfer: a frame (%d fills) would take at least %.1f s; using the emulated camera (--device edu forces edu)",
		edu->name, pl_ms(t), n, est / 1000);
	return false;
}

static int pick_device(struct camera *c)
{
	struct imp_dev *list, edu;
	uint32_t index;
	int n, i, ret = -ENODEV;
	bool have_edu = false;

	n = imp_list(c->imp, &list);
	if (n < 0)
		return n;
	if (!pl_parse_uint(c->device, 0, UINT32_MAX, &index)) {
		for (i = 0; i < n; i++)
			if (list[i].index == index) {
				c->dev = list[i];
				ret = 0;
			}
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (list[i].flags & IMP_DEV_NO_DMA)
			continue;
		if (list[i].role == IMP_EDU && !have_edu) {
			edu = list[i];
			have_edu = true;
		}
		if (list[i].role == IMP_CAMERA && ret) {
			c->dev = list[i];
			ret = 0;
		}
	}
	if (!strcmp(c->device, "edu")) {
		ret = have_edu ? 0 : -ENODEV;
		if (have_edu)
			c->dev = edu;
	} else if (!strcmp(c->device, "auto")) {
		if (have_edu && edu_fast_enough(c, &edu)) {
			c->dev = edu;
			ret = 0;
		}
	} else if (strcmp(c->device, "camera")) {
		ret = -EINVAL;
	}
out:
	free(list);
	return ret;
}

static int setup_device(struct camera *c)
{
	unsigned int i;
	int ret;

	c->imp = imp_open(NULL);
	if (c->imp < 0) {
		pl_err("cannot open %s (%s): the frames are written by an importer device; is dmabuf_importer loaded?",
		       IMP_PATH, strerror(-c->imp));
		return PL_EXIT_FAIL;
	}
	ret = pick_device(c);
	if (ret) {
		pl_err("--device %s: %s", c->device,
		       ret == -EINVAL ? "expected auto, camera, edu or a device index" :
		       "no such importer device that can do DMA here");
		return ret == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	}
	for (i = 0; i < c->ring.depth; i++) {
		ret = pl_importer_id(c->imp, &c->dev, c->ring.fds[i], IMP_FROM_DEVICE,
				     &c->ring.imp[i], &c->ring.ids[i]);
		if (ret) {
			pl_err("importer device %u (%s) cannot map frame %u: %s", c->dev.index,
			       c->dev.name, i, strerror(-ret));
			return PL_EXIT_FAIL;
		}
		pl_info("frame buffer %u: dma-buf inode %llu, DMA address 0x%llx (%u segment%s) at %s",
			i, (unsigned long long)c->ring.ids[i].inode,
			(unsigned long long)c->ring.ids[i].dma_addr, c->ring.ids[i].nents,
			c->ring.ids[i].nents == 1 ? "" : "s", c->dev.name);
	}
	return 0;
}

static int setup_ring(struct camera *c)
{
	char what[64], caps[64];
	int ret;

	snprintf(what, sizeof(what), "frames of %ux%u NV12", c->l.width, c->l.height);
	ret = pl_alloc_ring(c->heap, c->l.size, c->ring.depth, "camera-frame", what, c->ring.fds);
	if (ret)
		return ret == -ENOENT || ret == -ENOSPC ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	pl_heap_caps(c->heap, caps, sizeof(caps));
	pl_info("%u %s, %llu bytes each, from heap '%s' (%s)", c->ring.depth, what,
		(unsigned long long)c->l.size, c->heap, caps);
	return 0;
}

static int send_ring(struct camera *c)
{
	struct ldma_meta *meta = c->ring.meta;
	struct pl_msg hello;
	unsigned int i;

	memset(&hello, 0, sizeof(hello));
	for (i = 0; i < c->ring.depth; i++) {
		meta[i].size = c->l.size;
		snprintf(meta[i].heap, sizeof(meta[i].heap), "%s", c->heap);
		meta[i].width = c->l.width;
		meta[i].height = c->l.height;
		meta[i].fourcc = DRM_FORMAT_NV12;
		meta[i].num_planes = 2;
		meta[i].planes[0].stride = c->l.stride;
		meta[i].planes[0].offset = (uint32_t)c->l.y_offset;
		meta[i].planes[1].stride = c->l.uv_stride;
		meta[i].planes[1].offset = (uint32_t)c->l.uv_offset;
		hello.u.hello.ids[i] = c->ring.ids[i];
	}
	snprintf(hello.u.hello.stage, sizeof(hello.u.hello.stage), "camera");
	snprintf(hello.u.hello.device, sizeof(hello.u.hello.device), "%s", c->dev.name);
	hello.u.hello.depth = c->ring.depth;
	hello.u.hello.frames = c->frames;
	return pl_send_ring(c->sock, c->ring.fds, meta, &hello);
}

/*
 * Take one message from gpu, waiting up to @timeout_ms. Return: 0 (a
 * buffer came back), -EAGAIN (@timeout_ms is 0 and nothing was there), or
 * an exit status if the run is over.
 */
static int handle_gpu(struct camera *c, int timeout_ms)
{
	char reason[PL_REASON_LEN];
	struct pl_msg msg;
	uint32_t i;
	int ret, status;

	ret = pl_recv(c->sock, &msg, timeout_ms);
	if ((ret == -ETIMEDOUT && timeout_ms == 0) || ret == -EINTR)
		return -EAGAIN;	/* nothing yet; the caller looks at pl_stop */
	if (ret == PL_RELEASE) {
		i = msg.u.release.index;
		if (i < c->ring.depth && c->ring.busy[i] &&
		    (uint32_t)(c->ring.busy[i] - 1) == msg.u.release.seq) {
			c->ring.busy[i] = 0;
			c->in_flight--;
			return 0;
		}
		pl_err("stopping: gpu released buffer %u (frame %u), which it does not hold",
		       i, msg.u.release.seq);
		pl_send_abort(c->sock, PL_REJECT, "camera", "RELEASE of a buffer gpu does not hold");
		return PL_EXIT_PROTO;
	}
	status = pl_explain("gpu", ret, &msg, reason, sizeof(reason));
	if (ret == -ETIMEDOUT)
		pl_send_abort(c->sock, PL_ABORT, "camera", reason);
	else if (status == PL_EXIT_PROTO && ret != PL_REJECT)
		pl_send_abort(c->sock, PL_REJECT, "camera", reason);
	return status;
}

/* gpu cannot be told anything any more: say why. */
static int send_failed(struct camera *c, int ret)
{
	char reason[PL_REASON_LEN];

	return pl_send_failed(c->sock, "gpu", ret, reason, sizeof(reason));
}

static int send_end(struct camera *c, uint32_t frames)
{
	struct pl_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.u.end.frames = frames;
	msg.u.end.nstats = 1;
	pl_samples_stat(&c->capture, &msg.u.end.stats[0]);
	return pl_send(c->sock, &msg, PL_END);
}

static int run(struct camera *c)
{
	int timeout_ms = (int)c->timeout_s * 1000, ret;
	unsigned int i = 0;
	struct pl_msg msg;
	uint32_t seq;
	uint64_t t;

	for (seq = 0; !c->frames || seq < c->frames; seq++, i = (i + 1) % c->ring.depth) {
		while (c->ring.busy[i] && !pl_stop) {
			ret = handle_gpu(c, timeout_ms);
			if (ret > 0)
				return ret;
		}
		if (pl_stop)
			break;

		t = pl_now();
		ret = capture(c, i, seq);
		if (ret) {
			pl_err("frame %u: importer device %s failed to write buffer %u: %s",
			       seq, c->dev.name, i, strerror(-ret));
			pl_send_abort(c->sock, PL_ABORT, "camera", "the capture device failed");
			return PL_EXIT_FAIL;
		}
		pl_samples_add(&c->capture, pl_now() - t);

		/* The checksum of what the device should have written. */
		pattern_render(&c->l, seq, c->model);
		memset(&msg, 0, sizeof(msg));
		msg.u.frame.index = i;
		msg.u.frame.seq = seq;
		msg.u.frame.checksum = IMP_HASH_INIT;
		imp_hash(&msg.u.frame.checksum, c->model, c->l.size);
		msg.u.frame.t_start = t;
		ret = pl_send(c->sock, &msg, PL_FRAME);
		if (ret)
			return send_failed(c, ret);
		c->ring.busy[i] = (int)seq + 1;
		c->in_flight++;
		/* Take back whatever gpu has returned meanwhile. */
		while (!(ret = handle_gpu(c, 0)))
			;
		if (ret > 0)
			return ret;
	}
	if (pl_stop)
		pl_info("interrupted: ending the stream after %u frames", seq);
	ret = send_end(c, seq);
	if (ret)
		return send_failed(c, ret);
	/* gpu returns every buffer before it hangs up. */
	while (c->in_flight) {
		ret = handle_gpu(c, timeout_ms);
		if (ret > 0)
			return ret;
	}
	pl_info("%u frames captured by %s", seq, c->dev.name);
	return PL_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct camera c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.imp = c.sock = -1;
	pl_ring_init(&c.ring);
	pl_init("camera");
	if (parse(&c, argc, argv))
		return PL_EXIT_USAGE;

	ret = setup_ring(&c);
	if (!ret)
		ret = setup_device(&c);
	if (ret)
		goto out;
	c.model = malloc(c.l.size);
	if (!c.model || pl_samples_init(&c.capture, "capture", c.frames ? c.frames : 1024)) {
		pl_err("out of memory");
		ret = PL_EXIT_FAIL;
		goto out;
	}
	pl_info("filling frames by DMA through importer device %u '%s' (%s)", c.dev.index,
		c.dev.name, imp_role_name(c.dev.role));

	c.sock = pl_connect(c.out, (int)c.timeout_s * 1000);
	if (c.sock < 0) {
		pl_err("cannot connect to gpu at %s: %s", c.out, strerror(-c.sock));
		ret = PL_EXIT_PEER;
		goto out;
	}
	ret = send_ring(&c);
	ret = ret ? send_failed(&c, ret) : run(&c);
out:
	/* Closing the importer detaches every buffer. */
	if (c.imp >= 0)
		close(c.imp);
	if (c.sock >= 0)
		close(c.sock);
	pl_ring_release(&c.ring, -1, -1);
	pl_samples_free(&c.capture);
	free(c.model);
	return ret;
}
