// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * camera: the first stage of the pipeline (Documentation/pipeline.rst).
 *
 * Allocates a ring of NV12 frames from a heap and has them written either
 * by a V4L2 capture device that imports them (--v4l2, V4L2_MEMORY_DMABUF)
 * or by an importer device's DMA with the test pattern of pattern.h. It
 * hands each frame by index to its consumers, gpu and encoder; a frame is
 * reused once every consumer has returned it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "bars.h"
#include "fanout.h"
#include "pattern.h"
#include "stage.h"
#include "v4l2.h"

/* A device that would need longer than this per frame is not used by default. */
#define CAMERA_EDU_BUDGET_MS	1000
/* Mismatching frames reported one by one; the rest are only counted. */
#define CAMERA_MAX_REPORTS	5

struct camera {
	struct nv12_layout l;
	uint32_t frames, timeout_s, flush;
	const char *heap, *device, *source;
	char chosen[LDMA_HEAP_NAME_MAX];	/* the heap, when --heap names none */
	int imp;
	struct imp_dev dev;
	bool have_dev;			/* an importer device: writer or identity */
	struct pl_v4l2 v4l2;		/* the capture device (fd -1: none) */
	unsigned int queued;		/* frames queued at the capture device */
	bool ending;			/* END sent: do not queue frames again */
	struct pl_ring ring;		/* the frames */
	struct pl_fanout out;		/* gpu and encoder, who hold them */
	uint32_t mismatches;
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
		"  --heap NAME      heap of the frames (default: the best for the capture\n"
		"                   device, as 'dmabuf which' ranks them)\n"
		"  --v4l2 DEV       capture from a V4L2 device, by /dev path or driver name\n"
		"                   (vivid): it imports the frames (V4L2_MEMORY_DMABUF)\n"
		"  --flush 0|1      close the capture driver's CPU write bracket for it\n"
		"                   (default 1; 0 shows what skipping it does, see v4l2_check())\n"
		"  --device D       else, the importer device that writes the frames: auto,\n"
		"                   camera, edu or an index (default auto: edu if it is fast\n"
		"                   enough, else the emulated camera)\n"
		"  --out PATH       gpu's socket (default %s; none: no gpu)\n"
		"  --encoder PATH   encoder's socket (default none)\n"
		"  --timeout S      give up on a silent peer after S seconds (default 60)\n"
		"exit status: 0 all frames good, 1 a bad frame or a failed device,\n"
		"  2 usage, 3 a peer went away, 4 a peer misbehaved, 5 the heap does not\n"
		"  fit the capture device\n",
		PL_MAX_DEPTH, PL_GPU_SOCK);
}

static int parse(struct camera *c, int argc, char **argv)
{
	uint32_t size[2] = { 640, 480 };
	const char *out = PL_GPU_SOCK, *encoder = "none";
	const struct pl_opt opts[] = {
		PL_OPT_WXH("size", size),
		PL_OPT_NUMBER("frames", &c->frames, 0, UINT32_MAX, "frames"),
		PL_OPT_NUMBER("depth", &c->ring.depth, 1, PL_MAX_DEPTH, "buffers"),
		PL_OPT_STRING("heap", &c->heap),
		PL_OPT_STRING("v4l2", &c->source),
		PL_OPT_NUMBER("flush", &c->flush, 0, 1, NULL),
		PL_OPT_STRING("device", &c->device),
		PL_OPT_STRING("out", &out),
		PL_OPT_STRING("encoder", &encoder),
		PL_OPT_NUMBER("timeout", &c->timeout_s, 1, 3600, "seconds"),
		PL_OPT_END
	};
	uint32_t w, h;

	c->ring.depth = 4;
	c->frames = 60;
	c->timeout_s = 60;
	c->heap = NULL;
	c->device = "auto";
	c->flush = 1;
	if (pl_options(argc, argv, opts, usage))
		return -EINVAL;
	if (strcmp(out, "none"))
		pl_fanout_add(&c->out, "gpu", out);
	if (strcmp(encoder, "none"))
		pl_fanout_add(&c->out, "encoder", encoder);
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

/*
 * The importer device of --device. For "auto", the emulated camera (or edu
 * if there is no camera) until @try_edu, when edu replaces it if it is fast
 * enough; that test needs a frame of the ring.
 */
static int pick_device(struct camera *c, bool try_edu)
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
		if (have_edu && (try_edu ? edu_fast_enough(c, &edu) : ret != 0)) {
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

/* The importer, and the device of --device that will write the frames. */
static int open_importer(struct camera *c)
{
	int ret;

	c->imp = imp_open(NULL);
	if (c->imp < 0) {
		pl_err("cannot open %s (%s): the frames are written by an importer device; is dmabuf_importer loaded?",
		       IMP_PATH, strerror(-c->imp));
		return PL_EXIT_FAIL;
	}
	ret = pick_device(c, false);
	if (ret) {
		pl_err("--device %s: %s", c->device,
		       ret == -EINVAL ? "expected auto, camera, edu or a device index" :
		       "no such importer device that can do DMA here");
		return ret == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	}
	return 0;
}

/* The importer device that writes the frames, mapped FROM_DEVICE. */
static int setup_device(struct camera *c)
{
	unsigned int i;
	int ret;

	if (!strcmp(c->device, "auto") && pick_device(c, true))
		return PL_EXIT_FAIL;
	c->have_dev = true;
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
	pl_info("filling frames by DMA through importer device %u '%s' (%s)", c->dev.index,
		c->dev.name, imp_role_name(c->dev.role));
	return 0;
}

/*
 * The frames' identity for the consumers when a V4L2 device writes them:
 * the inode always, the DMA address where the importer's camera device can
 * map the frame (BIDIRECTIONAL, see stage.h).
 */
static void v4l2_identity(struct camera *c)
{
	unsigned int i;

	for (i = 0; i < c->ring.depth; i++)
		c->ring.ids[i].inode = pl_inode(c->ring.fds[i]);
	c->imp = pl_importer_for(IMP_CAMERA, &c->dev);
	if (c->imp < 0)
		return;
	c->have_dev = true;
	for (i = 0; i < c->ring.depth; i++)
		if (pl_importer_id(c->imp, &c->dev, c->ring.fds[i], IMP_BIDIRECTIONAL,
				   &c->ring.imp[i], &c->ring.ids[i])) {
			pl_info("importer device %s cannot map frame %u: DMA addresses are not compared",
				c->dev.name, i);
			memset(c->ring.ids, 0, sizeof(c->ring.ids));
			for (i = 0; i < c->ring.depth; i++)
				c->ring.ids[i].inode = pl_inode(c->ring.fds[i]);
			return;
		}
}

/* The capture device refused frame @i (@err): say why and what would fit. */
static int v4l2_unfit(struct camera *c, unsigned int i, int err)
{
	char alt[256], segs[64] = "";

	pl_heap_contiguous(c->heap, alt, sizeof(alt));
	if (c->have_dev && c->ring.ids[i].nents > 1)
		snprintf(segs, sizeof(segs), ", and this one is in %u DMA segments",
			 c->ring.ids[i].nents);
	if (err == PL_V4L2_REFUSED)
		pl_err("heap '%s' does not fit %s (%s): the driver refused frame %u (VIDIOC_QBUF: %s): it needs each buffer in one contiguous DMA chunk%s; use a contiguous heap instead: %s",
		       c->heap, c->v4l2.path, c->v4l2.driver, i, strerror(-err), segs,
		       alt[0] ? alt : "none here");
	else
		pl_err("heap '%s' does not fit %s (%s): it cannot import frame %u (VIDIOC_QBUF: %s)%s; use a heap within the device's DMA reach: %s",
		       c->heap, c->v4l2.path, c->v4l2.driver, i, strerror(-err),
		       err == -ERANGE ? ": the buffer lies beyond its DMA mask" : "",
		       alt[0] ? alt : "none here");
	return PL_EXIT_HEAP;
}

/* Queue frame @i at the capture device. */
static int v4l2_queue(struct camera *c, unsigned int i)
{
	int ret = pl_v4l2_qbuf(&c->v4l2, i, c->ring.fds[i], (uint32_t)c->l.size, 0);

	if (!ret) {
		c->queued++;
		return 0;
	}
	if (ret == -ENODEV) {
		/* The same words as next_v4l2()'s: either may see it first. */
		pl_err("frame buffer %u: %s (%s): the device went away", i, c->v4l2.path,
		       c->v4l2.driver);
		return PL_EXIT_FAIL;
	}
	if (ret == PL_V4L2_REFUSED || ret == -ERANGE || ret == -EXDEV)
		return v4l2_unfit(c, i, ret);
	pl_err("%s (%s): VIDIOC_QBUF of frame %u: %s", c->v4l2.path, c->v4l2.driver, i,
	       strerror(-ret));
	return PL_EXIT_FAIL;
}

/*
 * The capture device: NV12 at the ring's size, every frame imported and
 * queued, streaming. The frames are mapped for the CPU, which checks them.
 */
static int open_v4l2(struct camera *c)
{
	int ret;

	ret = pl_v4l2_open(&c->v4l2, c->source, V4L2_BUF_TYPE_VIDEO_CAPTURE);
	if (ret)
		return ret == -ENOENT || ret == -ENOTTY ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	if (pl_v4l2_set_nv12(&c->v4l2, c->l.width, c->l.height, c->l.stride))
		return PL_EXIT_USAGE;
	return 0;
}

/* Without --heap: the heap libdma ranks first for the capture device. */
static int choose_heap(struct camera *c)
{
	struct pl_visit v;
	int ret;

	if (c->heap)
		return 0;
	if (c->source)
		pl_visit_fd(&v, c->v4l2.fd, c->v4l2.path);
	else
		pl_visit_importer(&v, c->imp, &c->dev);
	ret = pl_heap_choose(&v, 1, c->l.size, 0, c->chosen, sizeof(c->chosen));
	if (!ret)
		c->heap = c->chosen;
	return ret;
}

static int setup_v4l2(struct camera *c)
{
	unsigned int i;
	int ret;

	ret = pl_v4l2_reqbufs(&c->v4l2, c->ring.depth);
	if (ret)
		return ret == -EOPNOTSUPP ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	v4l2_identity(c);
	for (i = 0; i < c->ring.depth; i++) {
		ret = ldma_map(c->ring.fds[i], 0, LDMA_READ, &c->ring.maps[i]);
		if (ret) {
			pl_err("cannot map frame %u for the CPU: %s", i, strerror(-ret));
			return PL_EXIT_FAIL;
		}
		ret = v4l2_queue(c, i);
		if (ret)
			return ret;
	}
	if (pl_v4l2_streamon(&c->v4l2))
		return PL_EXIT_FAIL;
	pl_info("capturing from %s (%s, '%s') into heap '%s' by V4L2_MEMORY_DMABUF",
		c->v4l2.path, c->v4l2.driver, c->v4l2.card, c->heap);
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

static int send_ring(struct camera *c, int sock)
{
	struct ldma_meta *meta = c->ring.meta;
	struct pl_msg hello;
	unsigned int i;

	memset(&hello, 0, sizeof(hello));
	for (i = 0; i < c->ring.depth; i++) {
		memset(&meta[i], 0, sizeof(meta[i]));
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
	snprintf(hello.u.hello.device, sizeof(hello.u.hello.device), "%s",
		 c->v4l2.fd >= 0 ? c->v4l2.card : c->dev.name);
	hello.u.hello.depth = c->ring.depth;
	hello.u.hello.frames = c->frames;
	return pl_send_ring(sock, c->ring.fds, meta, &hello);
}

/* No consumer holds frame @i any more: the capture device may have it back. */
static int frame_free(void *arg, unsigned int i)
{
	struct camera *c = arg;
	int ret;

	if (c->v4l2.fd < 0 || c->ending)
		return 0;
	ret = v4l2_queue(c, i);
	if (ret)
		pl_fanout_abort(&c->out, PL_ABORT, "the capture device failed");
	return ret;
}

/* Nothing arrived for the timeout: a consumer, or the capture device. */
static int timed_out(struct camera *c)
{
	int ret = pl_fanout_timed_out(&c->out);

	if (ret != -ENOENT)
		return ret;
	pl_err("%s (%s) delivered no frame for %u s", c->v4l2.path, c->v4l2.driver, c->timeout_s);
	pl_fanout_abort(&c->out, PL_ABORT, "the capture device delivered no frame");
	return PL_EXIT_FAIL;
}

/* Importer mode: the device writes frame @seq into buffer seq % depth. */
static int next_fill(struct camera *c, uint32_t seq, struct pl_frame *f)
{
	int timeout_ms = (int)c->timeout_s * 1000, ret;
	unsigned int i = seq % c->ring.depth;
	uint64_t t;

	while (c->ring.busy[i] && !pl_stop) {
		ret = pl_fanout_wait(&c->out, timeout_ms, -1);
		if (ret == -ETIMEDOUT)
			return timed_out(c);
		if (ret > 0)
			return ret;
	}
	if (pl_stop)
		return -EINTR;
	t = pl_now();
	ret = capture(c, i, seq);
	if (ret) {
		pl_err("frame %u: importer device %s failed to write buffer %u: %s",
		       seq, c->dev.name, i, strerror(-ret));
		pl_fanout_abort(&c->out, PL_ABORT, "the capture device failed");
		return PL_EXIT_FAIL;
	}
	pl_samples_add(&c->capture, pl_now() - t);
	/* The checksum of what the device should have written. */
	pattern_render(&c->l, seq, c->model);
	f->index = i;
	f->checksum = IMP_HASH_INIT;
	imp_hash(&f->checksum, c->model, c->l.size);
	f->t_start = t;
	return 0;
}

/*
 * The frame the capture device wrote into buffer @i: check vivid's bars
 * and take its checksum for the consumers.
 *
 * The driver writes with the CPU through the exporter's vmap and does not
 * bracket those writes (vb2 calls no dma_buf_end_cpu_access() for it): on
 * a cached heap they sit dirty in the CPU's caches, and the next
 * invalidate for a non-coherent mapping of the frame (the driver's own,
 * for DMA_FROM_DEVICE, at the CPU access below) may discard them. camera
 * closes the driver's write bracket for it (DMA_BUF_SYNC_END | WRITE,
 * which cleans the lines) before it opens its own. Under the importer's
 * cache model a run with --flush 0 loses every frame on a cached heap.
 */
static int v4l2_check(struct camera *c, unsigned int i, struct pl_frame *f)
{
	const uint8_t *frame = ldma_map_addr(c->ring.maps[i]);
	struct bars_bar bars[BARS_COUNT];
	char why[256];
	int ret;

	ret = c->flush ? ldma_cpu_end(c->ring.fds[i], LDMA_WRITE) : 0;
	if (!ret)
		ret = ldma_cpu_begin(c->ring.fds[i], LDMA_READ);
	if (ret) {
		pl_err("frame %u: CPU access to buffer %u failed: %s", f->seq, i, strerror(-ret));
		return PL_EXIT_FAIL;
	}
	if (bars_check(&c->l, frame, bars, why, sizeof(why))) {
		if (c->mismatches++ < CAMERA_MAX_REPORTS)
			pl_err("frame %u (V4L2 sequence %u): MISMATCH: %s", f->seq,
			       f->v4l2_sequence, why);
	} else if (!f->seq) {
		pl_info("frame 0 holds the 75%% colour bars: Y' %u %u %u %u %u %u %u %u",
			bars[0].y, bars[1].y, bars[2].y, bars[3].y, bars[4].y, bars[5].y,
			bars[6].y, bars[7].y);
	}
	f->checksum = IMP_HASH_INIT;
	imp_hash(&f->checksum, frame, c->l.size);
	ret = ldma_cpu_end(c->ring.fds[i], LDMA_READ);
	if (ret) {
		pl_err("frame %u: CPU access to buffer %u failed: %s", f->seq, i, strerror(-ret));
		return PL_EXIT_FAIL;
	}
	return 0;
}

/* The capture device failed: say so, and tell the consumers. */
static int v4l2_failed(struct camera *c, const struct pl_frame *f, const char *what)
{
	pl_err("frame %u: %s (%s): %s", f->seq, c->v4l2.path, c->v4l2.driver, what);
	pl_fanout_abort(&c->out, PL_ABORT, "the capture device failed");
	return PL_EXIT_FAIL;
}

/* V4L2 mode: the next frame the capture device delivers, in any buffer. */
static int next_v4l2(struct camera *c, struct pl_frame *f)
{
	int timeout_ms = (int)c->timeout_s * 1000, ret;
	uint64_t t = pl_now();
	struct v4l2_buffer b;

	for (;;) {
		if (pl_stop)
			return -EINTR;
		ret = c->queued ? pl_v4l2_dqbuf(&c->v4l2, &b, 0) : -ETIMEDOUT;
		if (!ret)
			break;
		if (ret == -EIO)
			return v4l2_failed(c, f, "the driver marked a buffer as failed");
		if (ret == -ENODEV)
			return v4l2_failed(c, f, "the device went away");
		if (ret != -ETIMEDOUT && ret != -EINTR)
			return v4l2_failed(c, f, strerror(-ret));
		ret = pl_fanout_wait(&c->out, timeout_ms, c->queued ? c->v4l2.fd : -1);
		if (ret == -ETIMEDOUT)
			return timed_out(c);
		if (ret > 0)
			return ret;
	}
	c->queued--;
	if (b.index >= c->ring.depth || c->ring.busy[b.index])
		return v4l2_failed(c, f, "the driver returned a buffer it does not hold");
	f->index = b.index;
	f->flags = PL_FRAME_V4L2;
	f->v4l2_sequence = b.sequence;
	f->v4l2_timestamp = (uint64_t)b.timestamp.tv_sec * 1000000000u +
			    (uint64_t)b.timestamp.tv_usec * 1000u;
	/*
	 * The capture time is camera's wait for the frame. V4L2 timestamps
	 * are CLOCK_MONOTONIC, but vivid stamps the end of the frame period,
	 * after it has handed the frame over: they travel, and time nothing.
	 */
	f->t_start = t;
	pl_samples_add(&c->capture, pl_now() - t);
	return v4l2_check(c, b.index, f);
}

static int send_end(struct camera *c, uint32_t frames)
{
	struct pl_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.u.end.frames = frames;
	msg.u.end.mismatches = c->mismatches;
	msg.u.end.nstats = 1;
	pl_samples_stat(&c->capture, &msg.u.end.stats[0]);
	return pl_fanout_end(&c->out, &msg);
}

static int run(struct camera *c)
{
	int timeout_ms = (int)c->timeout_s * 1000, ret;
	struct pl_frame f;
	uint32_t seq;

	for (seq = 0; !c->frames || seq < c->frames; seq++) {
		memset(&f, 0, sizeof(f));
		f.seq = seq;
		ret = c->v4l2.fd >= 0 ? next_v4l2(c, &f) : next_fill(c, seq, &f);
		if (ret == -EINTR)
			break;
		if (!ret)
			ret = pl_fanout_deliver(&c->out, &f);
		if (ret)
			return ret;
	}
	if (pl_stop)
		pl_info("interrupted: ending the stream after %u frames", seq);
	c->ending = true;
	ret = send_end(c, seq);
	if (ret)
		return ret;
	/* The consumers return every frame before they hang up. */
	while (c->out.in_flight) {
		ret = pl_fanout_wait(&c->out, timeout_ms, -1);
		if (ret == -ETIMEDOUT)
			return timed_out(c);
		if (ret > 0)
			return ret;
	}
	pl_info("%u frames captured by %s%s", seq,
		c->v4l2.fd >= 0 ? c->v4l2.card : c->dev.name,
		c->v4l2.fd >= 0 ? ", each checked for the colour bars" : "");
	if (c->mismatches) {
		pl_err("%u of %u frames did not hold the colour bars", c->mismatches, seq);
		return PL_EXIT_FAIL;
	}
	return PL_EXIT_OK;
}

static int connect_peers(struct camera *c)
{
	struct pl_peer *peer;
	unsigned int p;
	int ret;

	for (p = 0; p < c->out.npeers; p++) {
		peer = &c->out.peers[p];
		peer->sock = pl_connect(peer->path, (int)c->timeout_s * 1000);
		if (peer->sock < 0) {
			pl_err("cannot connect to %s at %s: %s", peer->name, peer->path,
			       strerror(-peer->sock));
			pl_fanout_abort(&c->out, PL_ABORT, "camera could not reach all its consumers");
			return PL_EXIT_PEER;
		}
		ret = send_ring(c, peer->sock);
		if (ret)
			return pl_fanout_failed(&c->out, p, ret);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct camera c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.imp = -1;
	c.v4l2.fd = -1;
	pl_ring_init(&c.ring);
	c.out.ring = &c.ring;
	c.out.on_free = frame_free;
	c.out.arg = &c;
	pl_init("camera");
	if (parse(&c, argc, argv))
		return PL_EXIT_USAGE;

	ret = c.source ? open_v4l2(&c) : open_importer(&c);
	if (!ret)
		ret = choose_heap(&c);
	if (!ret)
		ret = setup_ring(&c);
	if (!ret)
		ret = c.source ? setup_v4l2(&c) : setup_device(&c);
	if (ret)
		goto out;
	c.model = malloc(c.l.size);
	if (!c.model || pl_samples_init(&c.capture, "capture", c.frames ? c.frames : 1024)) {
		pl_err("out of memory");
		ret = PL_EXIT_FAIL;
		goto out;
	}
	ret = connect_peers(&c);
	if (!ret)
		ret = run(&c);
out:
	/* The capture device lets go of the frames first. */
	pl_v4l2_close(&c.v4l2);
	/* Closing the importer detaches every buffer. */
	if (c.imp >= 0)
		close(c.imp);
	pl_fanout_close(&c.out);
	pl_ring_release(&c.ring, -1, -1);
	pl_samples_free(&c.capture);
	free(c.model);
	return ret;
}
