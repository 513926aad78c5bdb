// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gpu: the middle stage of the pipeline (Documentation/pipeline.rst).
 *
 * Takes camera's NV12 ring, imports each frame into vgem, and converts
 * each frame it is given into XRGB8888 in a ring of its own, which it
 * hands to display. Access is ordered with fences: before reading a frame
 * it waits on the frame's sync_file; while it writes an output buffer, a
 * vgem write fence sits on that buffer, so that display (and KMS, which
 * takes it as the plane's IN_FENCE_FD) can queue the buffer at once and
 * the hardware waits. Buffers go back upstream as soon as it is done.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include "convert.h"
#include "stage.h"

#define GPU_FENCE_WAIT_MS	10000


struct gpu {
	const char *in, *out, *heap;
	char chosen[LDMA_HEAP_NAME_MAX];	/* the heap, when --heap names none */
	uint32_t depth, timeout_s;
	int vgem, imp, up, down;
	struct imp_dev dev;
	bool have_dev;
	struct nv12_layout l;
	uint32_t width, height, stride;
	struct pl_ring in_ring, out_ring;	/* busy: downstream or in use */
	struct pl_frame queue[PL_MAX_DEPTH];	/* frames from camera, oldest first */
	unsigned int queued, next_out;
	uint32_t next_seq, planned, frames, mismatches, ids_same;
	bool camera_done, end_sent;
	struct pl_msg camera_end;
	struct pl_samples wait, convert;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gpu [options]\n"
		"  --in PATH        socket to listen on for camera (default %s)\n"
		"  --out PATH       display's socket (default %s)\n"
		"  --heap NAME      heap of the XRGB8888 buffers (default: the best for\n"
		"                   vgem and the importer's gpu, as 'dmabuf which' ranks them)\n"
		"  --depth N        XRGB8888 buffers, 2..%d (default: as many as camera sends,\n"
		"                   at least 2)\n"
		"  --timeout S      give up on a silent peer after S seconds (default 60)\n",
		PL_GPU_SOCK, PL_DISPLAY_SOCK, PL_MAX_DEPTH);
}

static int parse(struct gpu *g, int argc, char **argv)
{
	const struct pl_opt opts[] = {
		PL_OPT_STRING("in", &g->in),
		PL_OPT_STRING("out", &g->out),
		PL_OPT_STRING("heap", &g->heap),
		PL_OPT_NUMBER("depth", &g->depth, 2, PL_MAX_DEPTH, "buffers"),
		PL_OPT_NUMBER("timeout", &g->timeout_s, 1, 3600, "seconds"),
		PL_OPT_END
	};

	g->in = PL_GPU_SOCK;
	g->out = PL_DISPLAY_SOCK;
	g->heap = NULL;
	g->timeout_s = 60;
	return pl_options(argc, argv, opts, usage);
}

/*
 * camera sent something we cannot take: its buffers are let go before it
 * hears why, and it is given the time to hang up.
 */
static int reject(struct gpu *g, const char *why)
{
	pl_ring_release(&g->in_ring, g->vgem, g->imp);
	return pl_reject(g->up, "camera", why);
}

static int check_input(struct gpu *g, char *why, size_t len)
{
	const struct ldma_meta *m0 = &g->in_ring.meta[0];
	int ret = pl_check_ring(g->in_ring.meta, g->in_ring.depth, DRM_FORMAT_NV12, why, len);

	if (ret)
		return ret;
	g->l.width = m0->width;
	g->l.height = m0->height;
	g->l.y_offset = m0->planes[0].offset;
	g->l.stride = m0->planes[0].stride;
	g->l.uv_offset = m0->planes[1].offset;
	g->l.uv_stride = m0->planes[1].stride;
	g->l.size = m0->size;
	return 0;
}

/* Import buffer @i of @r into vgem, map it for the CPU, and identify it. */
static int import_buffer(struct gpu *g, struct pl_ring *r, unsigned int i,
		       unsigned int access, const char *what)
{
	int ret;

	ret = pl_vgem_import(g->vgem, r->fds[i], &r->gem[i]);
	if (ret) {
		pl_err("vgem cannot import %s %u: %s", what, i, strerror(-ret));
		return PL_EXIT_FAIL;
	}
	ret = ldma_map(r->fds[i], 0, access, &r->maps[i]);
	if (ret) {
		pl_err("cannot map %s %u: %s", what, i, strerror(-ret));
		return PL_EXIT_FAIL;
	}
	memset(&r->ids[i], 0, sizeof(r->ids[i]));
	r->ids[i].inode = pl_inode(r->fds[i]);
	if (g->have_dev)
		pl_importer_id(g->imp, &g->dev, r->fds[i], IMP_BIDIRECTIONAL,
			       &r->imp[i], &r->ids[i]);
	return 0;
}

static int import_ring(struct gpu *g, const struct pl_msg *hello)
{
	struct pl_ring *r = &g->in_ring;
	unsigned int i;
	int ret;

	for (i = 0; i < r->depth; i++) {
		ret = import_buffer(g, r, i, LDMA_READ, "frame buffer");
		if (ret)
			return ret;
		g->ids_same += pl_same_buffer("camera", i, &hello->u.hello.ids[i], &r->ids[i]);
	}
	pl_info("imported %u %ux%u NV12 frames from camera (heap '%s', written by %s) into vgem",
		r->depth, g->l.width, g->l.height, r->meta[0].heap, hello->u.hello.device);
	return 0;
}

static int setup_output(struct gpu *g)
{
	struct pl_ring *r = &g->out_ring;
	char what[64], caps[64];
	uint64_t size;
	unsigned int i;
	int ret;

	/* display keeps one buffer on screen: two at least keep frames moving. */
	r->depth = g->depth ? g->depth : g->in_ring.depth < 2 ? 2 : g->in_ring.depth;
	g->stride = g->l.width * 4;
	size = (uint64_t)g->stride * g->l.height;
	snprintf(what, sizeof(what), "XRGB8888 buffers of %ux%u", g->l.width, g->l.height);
	if (!g->heap) {
		struct pl_visit v[2];
		unsigned int n = 1;

		/* The CPU writes every frame: no LDMA_CHOOSE_CPU_RARELY. */
		pl_visit_fd(&v[0], g->vgem, NULL);
		if (g->have_dev)
			pl_visit_importer(&v[n++], g->imp, &g->dev);
		ret = pl_heap_choose(v, n, size, 0, g->chosen, sizeof(g->chosen));
		if (ret)
			return ret;
		g->heap = g->chosen;
	}
	ret = pl_alloc_ring(g->heap, size, r->depth, "gpu-out", what, r->fds);
	if (ret)
		return ret == -ENOENT || ret == -ENOSPC ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	for (i = 0; i < r->depth; i++) {
		memset(&r->meta[i], 0, sizeof(r->meta[i]));
		r->meta[i].size = size;
		snprintf(r->meta[i].heap, sizeof(r->meta[i].heap), "%s", g->heap);
		r->meta[i].width = g->l.width;
		r->meta[i].height = g->l.height;
		r->meta[i].fourcc = DRM_FORMAT_XRGB8888;
		r->meta[i].num_planes = 1;
		r->meta[i].planes[0].stride = g->stride;
		ret = import_buffer(g, r, i, LDMA_RW, "output buffer");
		if (ret)
			return ret;
	}
	pl_heap_caps(g->heap, caps, sizeof(caps));
	pl_info("%u %s, %llu bytes each, from heap '%s' (%s)", r->depth, what,
		(unsigned long long)size, g->heap, caps);
	return 0;
}

static int send_output(struct gpu *g)
{
	struct pl_msg hello;

	memset(&hello, 0, sizeof(hello));
	snprintf(hello.u.hello.stage, sizeof(hello.u.hello.stage), "gpu");
	snprintf(hello.u.hello.device, sizeof(hello.u.hello.device), "vgem");
	snprintf(hello.u.hello.source_heap, sizeof(hello.u.hello.source_heap), "%s",
		 g->in_ring.meta[0].heap);
	hello.u.hello.depth = g->out_ring.depth;
	hello.u.hello.frames = g->planned;
	memcpy(hello.u.hello.ids, g->out_ring.ids, sizeof(g->out_ring.ids));
	return pl_send_ring(g->down, g->out_ring.fds, g->out_ring.meta, &hello);
}

/* Wait until every writer of @fd is done, through its sync_file. */
static int wait_writers(int fd)
{
	int sync = ldma_sync_file_export(fd, LDMA_READ), ret;

	if (sync < 0)
		return sync;
	ret = ldma_sync_file_wait(sync, GPU_FENCE_WAIT_MS);
	close(sync);
	return ret;
}

/* @peer cannot be reached: say so, tell the other side, and stop. */
static int gone(struct gpu *g, const char *peer, int ret)
{
	bool camera = !strcmp(peer, "camera");
	char reason[PL_REASON_LEN];
	int status = pl_send_failed(camera ? g->up : g->down, peer, ret, reason, sizeof(reason));

	pl_send_abort(camera ? g->down : g->up, PL_ABORT, "gpu", reason);
	return status;
}

/* Read camera's frame @f into output buffer @j, checking it on the way. */
static int convert_frame(struct gpu *g, const struct pl_frame *f, unsigned int j)
{
	struct pl_ring *in = &g->in_ring, *out = &g->out_ring;
	const uint8_t *src = ldma_map_addr(in->maps[f->index]);
	uint8_t *dst = ldma_map_addr(out->maps[j]);
	uint64_t sum = IMP_HASH_INIT, t0 = pl_now(), t1;
	struct pl_msg msg;
	uint32_t fence = 0;
	int ret;

	ret = wait_writers(in->fds[f->index]);
	if (ret) {
		pl_err("frame %u: waiting for the writers of buffer %u failed: %s",
		       f->seq, f->index, strerror(-ret));
		return PL_EXIT_FAIL;
	}
	t1 = pl_now();
	pl_samples_add(&g->wait, t1 - t0);

	/*
	 * Claim the output buffer: wait for its readers (CPU access bracket),
	 * then fence it, so that display can queue it before it is written.
	 */
	ret = ldma_cpu_begin(out->fds[j], LDMA_WRITE);
	if (!ret)
		ret = pl_vgem_fence(g->vgem, out->gem[j], &fence);
	if (ret) {
		pl_err("frame %u: cannot claim output buffer %u: %s", f->seq, j, strerror(-ret));
		return PL_EXIT_FAIL;
	}
	memset(&msg, 0, sizeof(msg));
	msg.u.frame = *f;
	msg.u.frame.index = j;
	msg.u.frame.checksum = 0;
	ret = pl_send(g->down, &msg, PL_FRAME);
	if (ret) {
		ldma_cpu_end(out->fds[j], LDMA_WRITE);
		pl_vgem_signal(g->vgem, fence);
		return gone(g, "display", ret);
	}

	ret = ldma_cpu_begin(in->fds[f->index], LDMA_READ);
	if (!ret) {
		imp_hash(&sum, src, g->l.size);
		/* A V4L2 device's frame carries no counter of ours. */
		if (sum != f->checksum || (!(f->flags & PL_FRAME_V4L2) &&
					   pattern_frame_seq(src) != (f->seq & 0xffff))) {
			pl_err("frame %u: buffer %u does not hold what camera wrote: checksum 0x%016llx, expected 0x%016llx; the frame says it is frame %u (mod 65536)",
			       f->seq, f->index, (unsigned long long)sum,
			       (unsigned long long)f->checksum, pattern_frame_seq(src));
			g->mismatches++;
		}
		nv12_to_xrgb(&g->l, src, dst, g->stride);
		ret = ldma_cpu_end(in->fds[f->index], LDMA_READ);
	}
	sum = IMP_HASH_INIT;
	imp_hash(&sum, dst, (size_t)g->stride * g->l.height);
	ldma_cpu_end(out->fds[j], LDMA_WRITE);
	pl_vgem_signal(g->vgem, fence);
	pl_samples_add(&g->convert, pl_now() - t1);
	if (ret) {
		pl_err("frame %u: CPU access to buffer %u failed: %s", f->seq, f->index,
		       strerror(-ret));
		return PL_EXIT_FAIL;
	}

	msg.u.frame.checksum = sum;
	ret = pl_send(g->down, &msg, PL_DONE);
	if (ret)
		return gone(g, "display", ret);
	ret = pl_send_release(g->up, f->index, f->seq);
	/* After END, camera may hang up without waiting for its buffers. */
	return ret && !g->camera_done ? gone(g, "camera", ret) : 0;
}

/* Tell both neighbours, as far as they are there, that we stop. */
static void abort_all(struct gpu *g, const char *reason)
{
	if (g->up >= 0)
		pl_send_abort(g->up, PL_ABORT, "gpu", reason);
	if (g->down >= 0)
		pl_send_abort(g->down, PL_ABORT, "gpu", reason);
}

static int from_camera(struct gpu *g)
{
	char reason[PL_REASON_LEN];
	struct pl_msg msg;
	const struct pl_frame *f = &msg.u.frame;
	int ret, status;

	ret = pl_recv(g->up, &msg, 0);
	if (ret == PL_FRAME && !g->camera_done) {
		if (f->index >= g->in_ring.depth || g->in_ring.busy[f->index] ||
		    f->seq != g->next_seq) {
			snprintf(reason, sizeof(reason),
				 "FRAME %u in buffer %u: expected frame %u in a buffer camera holds",
				 f->seq, f->index, g->next_seq);
			pl_send_abort(g->down, PL_ABORT, "gpu", "camera sent a malformed message");
			return reject(g, reason);
		}
		g->in_ring.busy[f->index] = (int)f->seq + 1;
		g->queue[g->queued++] = *f;
		g->next_seq++;
		return 0;
	}
	if (ret == PL_END && !g->camera_done) {
		g->camera_done = true;
		g->camera_end = msg;
		return 0;
	}
	if (ret == -ETIMEDOUT)
		return 0;
	if (ret == -ECONNRESET && g->camera_done) {
		/* camera is done and has all its buffers back. */
		close(g->up);
		g->up = -1;
		return 0;
	}
	status = pl_explain("camera", ret, &msg, reason, sizeof(reason));
	pl_send_abort(g->down, PL_ABORT, "gpu", reason);
	if (status == PL_EXIT_PROTO && ret != PL_REJECT)
		return reject(g, reason);
	return status;
}

static int from_display(struct gpu *g)
{
	char reason[PL_REASON_LEN];
	struct pl_msg msg;
	uint32_t j;
	int ret, status;

	ret = pl_recv(g->down, &msg, 0);
	if (ret == PL_RELEASE) {
		j = msg.u.release.index;
		if (j < g->out_ring.depth && g->out_ring.busy[j] &&
		    (uint32_t)(g->out_ring.busy[j] - 1) == msg.u.release.seq) {
			g->out_ring.busy[j] = 0;
			return 0;
		}
		snprintf(reason, sizeof(reason), "display released buffer %u (frame %u), which it does not hold",
			 j, msg.u.release.seq);
		pl_err("stopping: %s", reason);
		pl_send_abort(g->down, PL_REJECT, "gpu", reason);
		pl_send_abort(g->up, PL_ABORT, "gpu", "display sent a malformed message");
		return PL_EXIT_PROTO;
	}
	if (ret == -ETIMEDOUT)
		return 0;
	if (ret == -ECONNRESET && g->camera_done && !g->queued && g->end_sent)
		return -ECONNRESET;	/* the normal end: display is done */
	status = pl_explain("display", ret, &msg, reason, sizeof(reason));
	pl_send_abort(g->up, PL_ABORT, "gpu", reason);
	if (status == PL_EXIT_PROTO && ret != PL_REJECT)
		pl_send_abort(g->down, PL_REJECT, "gpu", reason);
	return status;
}

static int free_output(struct gpu *g)
{
	unsigned int k, j;

	for (k = 0; k < g->out_ring.depth; k++) {
		j = (g->next_out + k) % g->out_ring.depth;
		if (!g->out_ring.busy[j]) {
			g->next_out = (j + 1) % g->out_ring.depth;
			return (int)j;
		}
	}
	return -1;
}

static int send_end(struct gpu *g)
{
	const struct pl_end *cam = &g->camera_end.u.end;
	struct pl_msg msg;
	unsigned int n = 0, i;

	memset(&msg, 0, sizeof(msg));
	msg.u.end.frames = g->frames;
	msg.u.end.mismatches = cam->mismatches + g->mismatches;
	msg.u.end.ids_checked = g->in_ring.depth;
	msg.u.end.ids_same = g->ids_same;
	for (i = 0; i < cam->nstats && n < PL_MAX_STATS - 2; i++)
		msg.u.end.stats[n++] = cam->stats[i];
	pl_samples_stat(&g->wait, &msg.u.end.stats[n++]);
	pl_samples_stat(&g->convert, &msg.u.end.stats[n++]);
	msg.u.end.nstats = n;
	return pl_send(g->down, &msg, PL_END);
}

static int run(struct gpu *g)
{
	int timeout_ms = (int)g->timeout_s * 1000, n, j, ret;
	char reason[PL_REASON_LEN];
	struct pollfd pfd[2];
	struct pl_frame f;

	for (;;) {
		while (g->queued && (j = free_output(g)) >= 0) {
			f = g->queue[0];
			memmove(g->queue, g->queue + 1, --g->queued * sizeof(g->queue[0]));
			g->out_ring.busy[j] = (int)f.seq + 1;
			ret = convert_frame(g, &f, (unsigned int)j);
			g->in_ring.busy[f.index] = 0;
			if (ret) {
				if (ret != PL_EXIT_PEER)
					abort_all(g, "gpu failed to process a frame");
				return ret;
			}
			g->frames++;
		}
		if (g->camera_done && !g->queued && !g->end_sent) {
			ret = send_end(g);
			if (ret)
				return gone(g, "display", ret);
			g->end_sent = true;
		}
		if (pl_stop) {
			pl_err("stopping: interrupted");
			abort_all(g, "gpu was interrupted");
			return PL_EXIT_PEER;
		}

		pfd[0].fd = g->up;
		pfd[0].events = POLLIN;
		pfd[1].fd = g->down;
		pfd[1].events = POLLIN;
		n = poll(pfd, 2, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pl_err("poll: %s", strerror(errno));
			return PL_EXIT_FAIL;
		}
		if (n == 0) {
			/* Waiting for an output buffer, or for the end: display's turn. */
			bool display = g->queued || g->end_sent;

			pl_explain(display ? "display" : "camera", -ETIMEDOUT, NULL,
				   reason, sizeof(reason));
			abort_all(g, reason);
			return PL_EXIT_PEER;
		}
		if (pfd[1].revents) {
			ret = from_display(g);
			if (ret == -ECONNRESET) {
				pl_info("%u frames converted; display is done", g->frames);
				return g->mismatches ? PL_EXIT_FAIL : PL_EXIT_OK;
			}
			if (ret)
				return ret;
		}
		if (pfd[0].revents && g->up >= 0) {
			ret = from_camera(g);
			if (ret)
				return ret;
		}
	}
}

int main(int argc, char **argv)
{
	char why[PL_REASON_LEN];
	struct pl_msg hello;
	struct gpu g;
	int n, ret;

	memset(&g, 0, sizeof(g));
	g.vgem = g.imp = g.up = g.down = -1;
	pl_ring_init(&g.in_ring);
	pl_ring_init(&g.out_ring);
	pl_init("gpu");
	if (parse(&g, argc, argv))
		return PL_EXIT_USAGE;
	/* A wrong heap name is the user's mistake: say so before anything runs. */
	if (g.heap && pl_heap_check(g.heap))
		return PL_EXIT_USAGE;
	if (pl_samples_init(&g.wait, "wait", 1024) || pl_samples_init(&g.convert, "convert", 1024)) {
		pl_err("out of memory");
		return PL_EXIT_FAIL;
	}

	ret = PL_EXIT_FAIL;
	g.vgem = pl_vgem_open();
	if (g.vgem < 0)
		goto out;
	g.imp = pl_importer_for(IMP_GPU, &g.dev);
	g.have_dev = g.imp >= 0;

	g.up = pl_wait_peer(g.in, "camera", g.timeout_s);
	if (g.up < 0) {
		ret = PL_EXIT_PEER;
		goto out;
	}
	why[0] = '\0';
	n = pl_recv_ring(g.up, g.in_ring.fds, g.in_ring.meta, &hello,
			 (int)g.timeout_s * 1000, why, sizeof(why));
	if (n < 0) {
		ret = pl_malformed(n) ? reject(&g, why) :
		      pl_explain("camera", n, NULL, why, sizeof(why));
		goto out;
	}
	g.in_ring.depth = (unsigned int)n;
	if (check_input(&g, why, sizeof(why))) {
		ret = reject(&g, why);
		goto out;
	}
	g.planned = hello.u.hello.frames;
	ret = import_ring(&g, &hello);
	if (!ret)
		ret = setup_output(&g);
	if (ret) {
		pl_send_abort(g.up, PL_ABORT, "gpu", "gpu could not set up");
		goto out;
	}

	g.down = pl_connect(g.out, (int)g.timeout_s * 1000);
	if (g.down < 0) {
		pl_err("cannot connect to display at %s: %s", g.out, strerror(-g.down));
		pl_send_abort(g.up, PL_ABORT, "gpu", "gpu cannot reach display");
		ret = PL_EXIT_PEER;
		goto out;
	}
	ret = send_output(&g);
	if (ret) {
		ret = gone(&g, "display", ret);
		goto out;
	}
	ret = run(&g);
out:
	pl_ring_release(&g.in_ring, g.vgem, g.imp);
	pl_ring_release(&g.out_ring, g.vgem, g.imp);
	if (g.imp >= 0)
		close(g.imp);
	if (g.vgem >= 0)
		close(g.vgem);
	if (g.up >= 0)
		close(g.up);
	if (g.down >= 0)
		close(g.down);
	pl_samples_free(&g.wait);
	pl_samples_free(&g.convert);
	return ret;
}
