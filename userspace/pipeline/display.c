// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * display: the last stage of the pipeline (Documentation/pipeline.rst).
 *
 * Imports gpu's XRGB8888 ring into vkms as framebuffers, shows each frame
 * it is given on the primary plane with an atomic commit (the plane waits
 * for gpu's write fence through IN_FENCE_FD), captures what the CRTC
 * composed through the writeback connector into a buffer of its own, and
 * checks the capture against the test pattern computed from scratch. At
 * the end it prints the pipeline's report and writes the last capture as
 * a PNG.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "convert.h"
#include "kms.h"
#include "png.h"
#include "stage.h"

#define DISPLAY_FENCE_WAIT_MS	10000
/* A writeback takes some 100 ms under TCG; after this, suspect the vkms race. */
#define DISPLAY_STALL_MS	2000

struct display {
	const char *in, *heap, *png;
	uint32_t timeout_s, progress;
	int drm, imp, up;
	struct kms kms;
	struct imp_dev dev;
	bool have_dev;
	uint32_t width, height, stride;
	struct pl_ring ring;			/* busy: given to us, not released */
	int cap_fd;
	struct ldma_map *cap_map;
	uint32_t cap_gem, cap_fb;
	int shown;				/* buffer on screen, -1: none */
	uint32_t shown_seq, next_seq;
	struct nv12_layout model_layout;
	uint8_t *model_nv12, *model_xrgb;
	uint32_t frames, verified, mismatches, ids_same, stalls;
	/* What camera's V4L2 device said about its frames (PL_FRAME_V4L2). */
	uint32_t v4l2_frames, v4l2_seq_first, v4l2_seq_last, v4l2_disorder;
	uint64_t v4l2_ts_first, v4l2_ts_last;
	uint64_t t_first, t_last;
	struct pl_samples show, verify, latency;
	struct pl_msg gpu_end;
	char cam_heap[LDMA_HEAP_NAME_MAX], gpu_heap[LDMA_HEAP_NAME_MAX];
	char chosen[LDMA_HEAP_NAME_MAX];	/* the heap, when --heap names none */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: display [options]\n"
		"  --in PATH        socket to listen on for gpu (default %s)\n"
		"  --heap NAME      heap of the writeback capture buffer (default: the best\n"
		"                   for vkms, as 'dmabuf which' ranks them)\n"
		"  --png PATH       write the last captured frame there as a PNG\n"
		"  --progress N     report every N verified frames (default 10, 0: never)\n"
		"  --timeout S      give up on a silent peer after S seconds (default 60)\n",
		PL_DISPLAY_SOCK);
}

static int parse(struct display *d, int argc, char **argv)
{
	const struct pl_opt opts[] = {
		PL_OPT_STRING("in", &d->in),
		PL_OPT_STRING("heap", &d->heap),
		PL_OPT_STRING("png", &d->png),
		PL_OPT_NUMBER("progress", &d->progress, 0, UINT32_MAX, "frames"),
		PL_OPT_NUMBER("timeout", &d->timeout_s, 1, 3600, "seconds"),
		PL_OPT_END
	};

	d->in = PL_DISPLAY_SOCK;
	d->heap = NULL;
	d->progress = 10;
	d->timeout_s = 60;
	return pl_options(argc, argv, opts, usage);
}

/* gpu sent something we cannot take (see gpu.c: reject()). */
static int reject(struct display *d, const char *why)
{
	pl_ring_release(&d->ring, d->kms.fd, d->imp);
	return pl_reject(d->up, "gpu", why);
}

static int check_ring(struct display *d, char *why, size_t len)
{
	const struct ldma_meta *m0 = &d->ring.meta[0];
	int ret = pl_check_ring(d->ring.meta, d->ring.depth, DRM_FORMAT_XRGB8888, why, len);

	if (ret)
		return ret;
	if (m0->planes[0].offset) {
		snprintf(why, len, "buffer 0: plane offset %u: scanout starts at 0 here",
			 m0->planes[0].offset);
		return -EBADMSG;
	}
	d->width = m0->width;
	d->height = m0->height;
	d->stride = m0->planes[0].stride;
	snprintf(d->gpu_heap, sizeof(d->gpu_heap), "%s", m0->heap);
	return 0;
}

static int import_ring(struct display *d, const struct pl_msg *hello)
{
	struct pl_buffer_id ours;
	bool told = false;
	unsigned int i;
	int ret;

	for (i = 0; i < d->ring.depth; i++) {
		memset(&ours, 0, sizeof(ours));
		ours.inode = pl_inode(d->ring.fds[i]);
		if (d->have_dev) {
			ret = pl_importer_id(d->imp, &d->dev, d->ring.fds[i], IMP_BIDIRECTIONAL,
					     &d->ring.imp[i], &ours);
			if (ret && !told)
				pl_info("importer display device %s cannot map buffer %u: %s%s",
					d->dev.name, i, strerror(-ret),
					ret == -EXDEV ? " (it scans out DMA-contiguous buffers only)" : "");
			told |= ret != 0;
		}
		d->ids_same += pl_same_buffer("gpu", i, &hello->u.hello.ids[i], &ours);
		ret = kms_add_fb(&d->kms, d->ring.fds[i], d->width, d->height, d->stride,
				 &d->ring.gem[i], &d->ring.fb[i]);
		if (ret) {
			pl_err("vkms cannot take buffer %u as a framebuffer: %s", i, strerror(-ret));
			return PL_EXIT_FAIL;
		}
	}
	pl_info("%u %ux%u XRGB8888 buffers from gpu (heap '%s') are vkms framebuffers",
		d->ring.depth, d->width, d->height, d->gpu_heap);
	return 0;
}

static int setup_capture(struct display *d)
{
	uint64_t size = (uint64_t)d->width * 4 * d->height;
	char what[64], caps[64];
	int ret;

	snprintf(what, sizeof(what), "writeback buffers of %ux%u XRGB8888", d->width, d->height);
	if (!d->heap) {
		struct pl_visit v;

		/* The CPU reads every capture to check it. */
		pl_visit_fd(&v, d->drm, NULL);
		ret = pl_heap_choose(&v, 1, size, 0, d->chosen, sizeof(d->chosen));
		if (ret)
			return ret;
		d->heap = d->chosen;
	}
	ret = pl_alloc_ring(d->heap, size, 1, "display-capture", what, &d->cap_fd);
	if (ret)
		return ret == -ENOENT || ret == -ENOSPC ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	ret = ldma_map(d->cap_fd, 0, LDMA_READ, &d->cap_map);
	if (!ret)
		ret = kms_add_fb(&d->kms, d->cap_fd, d->width, d->height, d->width * 4,
				 &d->cap_gem, &d->cap_fb);
	if (ret) {
		pl_err("cannot set up the capture buffer: %s", strerror(-ret));
		return PL_EXIT_FAIL;
	}
	pl_heap_caps(d->heap, caps, sizeof(caps));
	pl_info("capturing through writeback connector %u into a buffer from heap '%s' (%s)",
		d->kms.wb, d->heap, caps);

	/* The reference the captures are checked against. */
	if (nv12_layout_init(&d->model_layout, d->width, d->height)) {
		pl_err("%ux%u is not a size camera makes", d->width, d->height);
		return PL_EXIT_USAGE;
	}
	d->model_nv12 = malloc(d->model_layout.size);
	d->model_xrgb = malloc(size);
	if (!d->model_nv12 || !d->model_xrgb) {
		pl_err("out of memory");
		return PL_EXIT_FAIL;
	}
	return 0;
}

/*
 * Hash of the capture, inside a CPU-access bracket. vkms composes the
 * writeback with the CPU through the exporter's vmap and brackets
 * nothing: on a cached heap its writes can sit dirty in the CPU caches,
 * where the invalidate of our own READ bracket would discard them. So
 * close its write bracket first (END | WRITE cleans the lines), as camera
 * does for vivid (v4l2_check() there); on an uncached heap it costs
 * nothing.
 */
static int capture_hash(struct display *d, uint64_t *sum)
{
	int ret = ldma_cpu_end(d->cap_fd, LDMA_WRITE);

	if (!ret)
		ret = ldma_cpu_begin(d->cap_fd, LDMA_READ);
	if (ret)
		return ret;
	*sum = IMP_HASH_INIT;
	imp_hash(sum, ldma_map_addr(d->cap_map), (size_t)d->width * 4 * d->height);
	return ldma_cpu_end(d->cap_fd, LDMA_READ);
}

static uint64_t model_hash(struct display *d, uint32_t seq)
{
	uint64_t sum = IMP_HASH_INIT;

	pattern_render(&d->model_layout, seq, d->model_nv12);
	nv12_to_xrgb(&d->model_layout, d->model_nv12, d->model_xrgb, d->width * 4);
	imp_hash(&sum, d->model_xrgb, (size_t)d->width * 4 * d->height);
	return sum;
}

/*
 * V4L2's sequence and timestamp of each frame, as they travelled camera ->
 * gpu -> display: both must only grow.
 */
static void v4l2_meta(struct display *d, const struct pl_frame *f)
{
	if (!(f->flags & PL_FRAME_V4L2))
		return;
	if (!d->v4l2_frames++) {
		d->v4l2_seq_first = f->v4l2_sequence;
		d->v4l2_ts_first = f->v4l2_timestamp;
	} else if (f->v4l2_sequence <= d->v4l2_seq_last ||
		   f->v4l2_timestamp <= d->v4l2_ts_last) {
		if (!d->v4l2_disorder++)
			pl_err("frame %u: V4L2 sequence %u, timestamp %llu ns after sequence %u, timestamp %llu ns",
			       f->seq, f->v4l2_sequence, (unsigned long long)f->v4l2_timestamp,
			       d->v4l2_seq_last, (unsigned long long)d->v4l2_ts_last);
	}
	d->v4l2_seq_last = f->v4l2_sequence;
	d->v4l2_ts_last = f->v4l2_timestamp;
}

static int gpu_stopped(struct display *d, int ret, const struct pl_msg *msg)
{
	char reason[PL_REASON_LEN];
	int status = pl_explain("gpu", ret, msg, reason, sizeof(reason));

	if (ret == -ETIMEDOUT)
		pl_send_abort(d->up, PL_ABORT, "display", reason);
	else if (status == PL_EXIT_PROTO && ret != PL_REJECT)
		return reject(d, reason);
	return status;
}

/* Wait for the writeback of frame @seq; see kms_rearm_composer(). */
static int wait_writeback(struct display *d, uint32_t seq, int fence)
{
	int ret = ldma_sync_file_wait(fence, DISPLAY_STALL_MS), crc;

	if (ret != -ETIME)
		return ret;
	crc = kms_rearm_composer(&d->kms);
	if (crc < 0) {
		pl_err("frame %u: the writeback is late, and vkms's composer cannot be restarted: %s",
		       seq, strerror(-crc));
		return ldma_sync_file_wait(fence, DISPLAY_FENCE_WAIT_MS);
	}
	ret = ldma_sync_file_wait(fence, DISPLAY_FENCE_WAIT_MS);
	close(crc);
	if (!ret) {
		d->stalls++;
		pl_info("frame %u: the writeback stalled (vkms turned its composer off under a queued job) and was restarted",
			seq);
	}
	return ret;
}

/* Show frame @f, capture it, and check the capture. */
static int show_frame(struct display *d, const struct pl_frame *f)
{
	uint64_t t0 = pl_now(), t1, cap, want;
	char why[PL_REASON_LEN];
	int in_fence, out_fence, ret;
	struct pl_msg done;
	uint32_t i = f->index;

	if (i >= d->ring.depth || d->ring.busy[i] || f->seq != d->next_seq) {
		snprintf(why, sizeof(why),
			 "FRAME %u in buffer %u: expected frame %u in a buffer gpu holds",
			 f->seq, i, d->next_seq);
		return reject(d, why);
	}
	d->ring.busy[i] = (int)f->seq + 1;
	d->next_seq++;
	if (!d->t_first)
		d->t_first = t0;

	/* KMS waits for gpu's write fence; the capture's fence tells us when it is done. */
	in_fence = ldma_sync_file_export(d->ring.fds[i], LDMA_READ);
	if (in_fence < 0) {
		pl_err("frame %u: no sync_file for buffer %u: %s", f->seq, i, strerror(-in_fence));
		return PL_EXIT_FAIL;
	}
	ret = kms_show(&d->kms, d->ring.fb[i], in_fence, d->cap_fb, &out_fence);
	close(in_fence);
	if (ret) {
		pl_err("frame %u: atomic commit of buffer %u failed: %s", f->seq, i, strerror(-ret));
		return PL_EXIT_FAIL;
	}
	ret = wait_writeback(d, f->seq, out_fence);
	close(out_fence);
	if (ret) {
		pl_err("frame %u: the writeback did not complete: %s", f->seq, strerror(-ret));
		return PL_EXIT_FAIL;
	}
	t1 = pl_now();
	pl_samples_add(&d->show, t1 - t0);

	/* gpu says when it is done writing, and what it wrote. */
	do {
		ret = pl_recv(d->up, &done, (int)d->timeout_s * 1000);
	} while (ret == -EINTR && !pl_stop);
	if (ret != PL_DONE)
		return gpu_stopped(d, ret, &done);
	if (done.u.frame.index != i || done.u.frame.seq != f->seq) {
		snprintf(why, sizeof(why), "DONE %u in buffer %u after FRAME %u in buffer %u",
			 done.u.frame.seq, done.u.frame.index, f->seq, i);
		return reject(d, why);
	}

	t1 = pl_now();
	ret = capture_hash(d, &cap);
	if (ret) {
		pl_err("frame %u: CPU access to the capture failed: %s", f->seq, strerror(-ret));
		return PL_EXIT_FAIL;
	}
	/*
	 * The test pattern display computes itself; a V4L2 device's frames
	 * have none, and camera checked them: then gpu's word is all there is.
	 */
	want = f->flags & PL_FRAME_V4L2 ? done.u.frame.checksum : model_hash(d, f->seq);
	d->t_last = pl_now();
	pl_samples_add(&d->verify, d->t_last - t1);
	pl_samples_add(&d->latency, d->t_last - f->t_start);
	d->frames++;
	v4l2_meta(d, f);
	if (cap == want && cap == done.u.frame.checksum) {
		d->verified++;
	} else {
		d->mismatches++;
		pl_err("frame %u: MISMATCH: capture 0x%016llx, gpu wrote 0x%016llx, the pattern is 0x%016llx",
		       f->seq, (unsigned long long)cap,
		       (unsigned long long)done.u.frame.checksum, (unsigned long long)want);
	}
	if (d->progress && d->frames % d->progress == 0)
		pl_info("%u frames shown, captured and verified (%u mismatched)",
			d->frames, d->mismatches);

	/* The buffer it replaced on screen goes back to gpu. */
	if (d->shown >= 0) {
		d->ring.busy[d->shown] = 0;
		ret = pl_send_release(d->up, (uint32_t)d->shown, d->shown_seq);
		if (ret)
			return pl_send_failed(d->up, "gpu", ret, why, sizeof(why));
	}
	d->shown = (int)i;
	d->shown_seq = f->seq;
	if (d->ring.depth == 1) {
		/* One buffer: give it back at once, or gpu could not go on. */
		d->ring.busy[i] = 0;
		d->shown = -1;
		ret = pl_send_release(d->up, i, f->seq);
		if (ret)
			return pl_send_failed(d->up, "gpu", ret, why, sizeof(why));
	}
	return 0;
}

static const char *const stat_notes[][2] = {
	{ "capture", "camera: a device writes a frame (V4L2: wait for DQBUF)" },
	{ "wait", "gpu: sync_file wait before reading" },
	{ "convert", "gpu: NV12 to XRGB8888 on the CPU" },
	{ "display", "display: commit until the writeback is done" },
	{ "verify", "display: checksum of the capture" },
	{ "end-to-end", "camera start to verified capture" },
};

static void print_stat(const struct pl_stat *st)
{
	const char *note = "";
	size_t i;

	for (i = 0; i < sizeof(stat_notes) / sizeof(stat_notes[0]); i++)
		if (!strcmp(st->name, stat_notes[i][0]))
			note = stat_notes[i][1];
	pl_info("  %-11s %9.2f %9.2f %9.2f %7u   %s", st->name, pl_ms(st->median),
		pl_ms(st->p99), pl_ms(st->max), st->count, note);
}

static int report(struct display *d)
{
	const struct pl_end *e = &d->gpu_end.u.end;
	struct pl_stat st;
	double secs = d->t_last > d->t_first ? (double)(d->t_last - d->t_first) / 1e9 : 0;
	uint32_t i, frames_ok, copies, copies_same;
	bool pass;

	pl_info("per-frame times in ms (TCG guest: compare, do not trust absolutely):");
	pl_info("  %-11s %9s %9s %9s %7s", "stage", "median", "p99", "max", "frames");
	for (i = 0; i < e->nstats; i++)
		print_stat(&e->stats[i]);
	pl_samples_stat(&d->show, &st);
	snprintf(st.name, sizeof(st.name), "display");
	print_stat(&st);
	pl_samples_stat(&d->verify, &st);
	print_stat(&st);
	pl_samples_stat(&d->latency, &st);
	print_stat(&st);

	frames_ok = d->verified;
	copies = e->ids_checked + d->ring.depth;
	copies_same = e->ids_same + d->ids_same;
	pl_info("frames: %u converted by gpu, %u shown and captured, %u verified, %u mismatched (gpu found %u)",
		e->frames, d->frames, frames_ok, d->mismatches, e->mismatches);
	pl_info("zero copy: camera->gpu %u of %u buffers and gpu->display %u of %u are the very same dma-bufs",
		e->ids_same, e->ids_checked, d->ids_same, d->ring.depth);
	if (d->v4l2_frames)
		pl_info("V4L2: %u frames with sequence %u..%u over %.3f s of capture timestamps, %u out of order",
			d->v4l2_frames, d->v4l2_seq_first, d->v4l2_seq_last,
			(double)(d->v4l2_ts_last - d->v4l2_ts_first) / 1e9, d->v4l2_disorder);
	if (d->stalls)
		pl_info("vkms writeback stalls restarted: %u (Documentation/pipeline.rst)", d->stalls);
	pass = d->frames && frames_ok == d->frames && !e->mismatches &&
	       e->frames == d->frames && copies_same == copies && !d->v4l2_disorder;
	printf("pipeline: %s: %u frames %ux%u camera(%s) -> gpu(%s) -> display, %u/%u verified, zero copy %u/%u buffers, %.1f frames/s\n",
	       pass ? "PASS" : "FAIL", d->frames, d->width, d->height, d->cam_heap,
	       d->gpu_heap, frames_ok, d->frames, copies_same, copies,
	       secs > 0 ? (d->frames > 1 ? d->frames - 1 : 1) / secs : 0.0);
	return pass ? PL_EXIT_OK : PL_EXIT_FAIL;
}

static int write_png(struct display *d)
{
	int ret;

	if (!d->png || !d->frames)
		return 0;
	ret = ldma_cpu_begin(d->cap_fd, LDMA_READ);
	if (!ret) {
		ret = png_write_xrgb(d->png, ldma_map_addr(d->cap_map), d->width, d->height,
				     d->width * 4);
		ldma_cpu_end(d->cap_fd, LDMA_READ);
	}
	if (ret)
		pl_err("cannot write %s: %s", d->png, strerror(-ret));
	else
		pl_info("last frame (%u) written to %s", d->shown_seq, d->png);
	return ret;
}

static int run(struct display *d)
{
	struct pl_msg msg;
	int ret;

	for (;;) {
		if (pl_stop) {
			pl_err("stopping: interrupted");
			pl_send_abort(d->up, PL_ABORT, "display", "display was interrupted");
			return PL_EXIT_PEER;
		}
		ret = pl_recv(d->up, &msg, (int)d->timeout_s * 1000);
		if (ret == PL_FRAME) {
			ret = show_frame(d, &msg.u.frame);
			if (ret == PL_EXIT_FAIL)
				pl_send_abort(d->up, PL_ABORT, "display", "display failed to show a frame");
			if (ret)
				return ret;
			continue;
		}
		if (ret == PL_END) {
			d->gpu_end = msg;
			write_png(d);
			return report(d);
		}
		if (ret == -EINTR)
			continue;
		return gpu_stopped(d, ret, &msg);
	}
}

int main(int argc, char **argv)
{
	char why[PL_REASON_LEN];
	struct pl_msg hello;
	struct display d;
	int n, ret;

	memset(&d, 0, sizeof(d));
	d.drm = d.imp = d.up = d.cap_fd = -1;
	d.shown = -1;
	pl_ring_init(&d.ring);
	pl_init("display");
	if (parse(&d, argc, argv))
		return PL_EXIT_USAGE;
	if (d.heap && pl_heap_check(d.heap))
		return PL_EXIT_USAGE;
	if (pl_samples_init(&d.show, "display", 1024) || pl_samples_init(&d.verify, "verify", 1024) ||
	    pl_samples_init(&d.latency, "end-to-end", 1024)) {
		pl_err("out of memory");
		return PL_EXIT_FAIL;
	}

	ret = PL_EXIT_FAIL;
	d.drm = pl_drm_open("vkms");
	if (d.drm < 0) {
		pl_err("no vkms device in /dev/dri (CONFIG_DRM_VKMS)");
		goto out;
	}
	d.kms.fd = d.drm;
	d.imp = pl_importer_for(IMP_DISPLAY, &d.dev);
	d.have_dev = d.imp >= 0;

	d.up = pl_wait_peer(d.in, "gpu", d.timeout_s);
	if (d.up < 0) {
		ret = PL_EXIT_PEER;
		goto out;
	}
	why[0] = '\0';
	n = pl_recv_ring(d.up, d.ring.fds, d.ring.meta, &hello, (int)d.timeout_s * 1000, why, sizeof(why));
	if (n < 0) {
		ret = pl_malformed(n) ? reject(&d, why) :
		      pl_explain("gpu", n, NULL, why, sizeof(why));
		goto out;
	}
	d.ring.depth = (unsigned int)n;
	if (check_ring(&d, why, sizeof(why))) {
		ret = reject(&d, why);
		goto out;
	}
	if (kms_open(&d.kms, d.drm, d.width, d.height)) {
		pl_send_abort(d.up, PL_ABORT, "display", "display cannot drive vkms");
		goto out;
	}
	pl_info("vkms: CRTC %u driving writeback connector %u, primary plane %u, mode %s",
		d.kms.crtc, d.kms.wb, d.kms.plane, d.kms.mode.name);
	ret = import_ring(&d, &hello);
	if (!ret)
		ret = setup_capture(&d);
	if (ret) {
		pl_send_abort(d.up, PL_ABORT, "display", "display could not set up");
		goto out;
	}
	snprintf(d.cam_heap, sizeof(d.cam_heap), "%s", hello.u.hello.source_heap);
	ret = run(&d);
out:
	pl_ring_release(&d.ring, d.kms.fd, d.imp);
	kms_rm_fb(&d.kms, d.cap_gem, d.cap_fb);
	kms_close(&d.kms);
	ldma_unmap(d.cap_map);
	if (d.cap_fd >= 0)
		close(d.cap_fd);
	if (d.imp >= 0)
		close(d.imp);
	if (d.drm >= 0)
		close(d.drm);
	if (d.up >= 0)
		close(d.up);
	free(d.model_nv12);
	free(d.model_xrgb);
	pl_samples_free(&d.show);
	pl_samples_free(&d.verify);
	pl_samples_free(&d.latency);
	return ret;
}
