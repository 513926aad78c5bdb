// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * encoder: a pipeline stage beside gpu (Documentation/pipeline.rst).
 *
 * Takes camera's NV12 ring and compresses each frame with vicodec's
 * stateful FWHT encoder: the frame's own dma-buf is queued on the
 * encoder's OUTPUT queue (V4L2_MEMORY_DMABUF, index = ring index), the
 * compressed frame comes back in an MMAP buffer of its CAPTURE queue and is
 * appended to the stream file. With --verify, each compressed frame goes
 * through vicodec's stateful decoder into a carveout buffer and is compared
 * with its source while camera's buffer is still held: PSNR and largest
 * error per frame, and a floor (codec.h, pl_codec_intra_bound()) below
 * which a frame is a mismatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "codec.h"
#include "stage.h"

#define ENC_V4L2_WAIT_MS	10000
#define ENC_CHECK_BUFS		2	/* decoded frames on the decoder's CAPTURE queue */
#define ENC_COMP_BUFS		2	/* compressed frames on each compressed queue */

struct encoder {
	const char *in, *stream_path, *verify;
	char chosen[LDMA_HEAP_NAME_MAX];	/* the heap of --verify auto */
	uint32_t qp, gop, timeout_s;
	int up, stream;
	struct nv12_layout l;
	struct pl_ring ring;			/* camera's frames; busy: queued here */
	struct pl_frame queue[PL_MAX_DEPTH];	/* frames from camera, oldest first */
	unsigned int queued;
	struct pl_codec enc, dec;
	bool verifying, dec_streaming, camera_done;
	int check_fds[ENC_CHECK_BUFS];
	struct ldma_map *check_maps[ENC_CHECK_BUFS];
	double bound;
	uint32_t next_seq, planned, frames, mismatches, ids_same, iframes;
	uint64_t bytes;
	double *psnr_y, *psnr_c;	/* per frame, the first @psnr_cap */
	size_t psnr_cap;
	double min_y[2], min_c[2];	/* lowest PSNR of [0] P-frames, [1] I-frames */
	unsigned int max_y, max_c;
	struct pl_samples encode, decode;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: encoder [options]\n"
		"  --in PATH        socket to listen on for camera (default %s)\n"
		"  --stream PATH    append the FWHT stream to this file (default: none)\n"
		"  --qp N           FWHT quantiser of I- and P-frames, 1..31 (default 1, the finest)\n"
		"  --gop N          frames per group of pictures, 1..16 (default 1: every\n"
		"                   frame an I-frame, so that qp's floor holds for each)\n"
		"  --verify HEAP    decode every frame into a buffer of HEAP and compare it\n"
		"                   with its source (default auto: the best heap for the\n"
		"                   decoder, as 'dmabuf which' ranks them; none: no check)\n"
		"  --timeout S      give up on a silent peer after S seconds (default 60)\n",
		PL_ENCODER_SOCK);
}

static int parse(struct encoder *e, int argc, char **argv)
{
	const struct pl_opt opts[] = {
		PL_OPT_STRING("in", &e->in),
		PL_OPT_STRING("stream", &e->stream_path),
		PL_OPT_NUMBER("qp", &e->qp, 1, 31, NULL),
		PL_OPT_NUMBER("gop", &e->gop, 1, 16, "frames"),
		PL_OPT_STRING("verify", &e->verify),
		PL_OPT_NUMBER("timeout", &e->timeout_s, 1, 3600, "seconds"),
		PL_OPT_END
	};

	e->in = PL_ENCODER_SOCK;
	e->qp = 1;
	e->gop = 1;
	e->verify = "auto";
	e->timeout_s = 60;
	return pl_options(argc, argv, opts, usage);
}

static int reject(struct encoder *e, const char *why)
{
	pl_ring_release(&e->ring, -1, -1);
	return pl_reject(e->up, "camera", why);
}

/* Tell camera why we stop, and with which status. */
static int give_up(struct encoder *e, int status, const char *reason)
{
	pl_send_abort(e->up, PL_ABORT, "encoder", reason);
	return status;
}

/* vicodec's limits (vicodec-core.c): coded sizes are multiples of 16 for NV12. */
static int check_size(struct encoder *e, char *why, size_t len)
{
	const struct nv12_layout *l = &e->l;

	if (l->width < 640 || l->height < 360 || l->width > 4096 || l->height > 2160 ||
	    l->width % 16 || l->height % 16 || l->stride != l->width || l->uv_stride != l->width ||
	    l->uv_offset != (uint64_t)l->width * l->height || l->y_offset) {
		snprintf(why, len, "vicodec encodes NV12 frames of 640x360 to 4096x2160 in multiples of 16 with lines of the width and the chroma right after the luma; camera sends %ux%u (stride %u, chroma at %llu)",
			 l->width, l->height, l->stride, (unsigned long long)l->uv_offset);
		return -EINVAL;
	}
	return 0;
}

static int take_ring(struct encoder *e, const struct pl_msg *hello, char *why, size_t len)
{
	const struct ldma_meta *m0 = &e->ring.meta[0];
	struct pl_buffer_id ours;
	unsigned int i;
	int ret;

	ret = pl_check_ring(e->ring.meta, e->ring.depth, DRM_FORMAT_NV12, why, len);
	if (ret)
		return reject(e, why);
	e->l.width = m0->width;
	e->l.height = m0->height;
	e->l.y_offset = m0->planes[0].offset;
	e->l.stride = m0->planes[0].stride;
	e->l.uv_offset = m0->planes[1].offset;
	e->l.uv_stride = m0->planes[1].stride;
	e->l.size = (uint64_t)e->l.stride * e->l.height * 3 / 2;
	if (check_size(e, why, len)) {
		pl_err("%s", why);
		return give_up(e, PL_EXIT_USAGE, why);
	}
	for (i = 0; i < e->ring.depth; i++) {
		ret = ldma_map(e->ring.fds[i], 0, LDMA_READ, &e->ring.maps[i]);
		if (ret) {
			pl_err("cannot map frame buffer %u: %s", i, strerror(-ret));
			return give_up(e, PL_EXIT_FAIL, "encoder could not set up");
		}
		memset(&ours, 0, sizeof(ours));
		ours.inode = pl_inode(e->ring.fds[i]);
		e->ids_same += pl_same_buffer("camera", i, &hello->u.hello.ids[i], &ours);
	}
	pl_info("took %u %ux%u NV12 frames from camera (heap '%s', written by %s)",
		e->ring.depth, e->l.width, e->l.height, m0->heap, hello->u.hello.device);
	return 0;
}

static int set_ctrl(struct encoder *e, uint32_t id, const char *name, int32_t value)
{
	int32_t got = 0;
	int ret = pl_codec_ctrl(&e->enc.out, id, value, &got);

	if (!ret && got != value)
		ret = -ERANGE;
	if (ret)
		pl_err("%s: cannot set %s to %d: %s", e->enc.out.path, name, value, strerror(-ret));
	return ret;
}

/* dev-encoder.rst "Initialization": coded format, raw format, controls, buffers. */
static int setup_encoder(struct encoder *e)
{
	struct pl_codec *c = &e->enc;
	uint32_t size, i;
	int ret;

	ret = pl_codec_set_fwht(&c->cap, e->l.width, e->l.height, &size);
	if (!ret)
		ret = pl_v4l2_set_nv12(&c->out, e->l.width, e->l.height, e->l.stride);
	if (!ret)
		ret = set_ctrl(e, V4L2_CID_MPEG_VIDEO_GOP_SIZE, "the GOP size", (int32_t)e->gop);
	if (!ret)
		ret = set_ctrl(e, V4L2_CID_FWHT_I_FRAME_QP, "the I-frame QP", (int32_t)e->qp);
	if (!ret)
		ret = set_ctrl(e, V4L2_CID_FWHT_P_FRAME_QP, "the P-frame QP", (int32_t)e->qp);
	if (!ret)
		ret = pl_v4l2_reqbufs(&c->out, e->ring.depth);
	if (!ret)
		ret = pl_codec_mmap(c, &c->cap, ENC_COMP_BUFS);
	for (i = 0; !ret && i < ENC_COMP_BUFS; i++)
		ret = pl_codec_qbuf(&c->cap, i, 0);
	if (!ret)
		ret = pl_v4l2_streamon(&c->out);
	if (!ret)
		ret = pl_v4l2_streamon(&c->cap);
	if (ret)
		return PL_EXIT_FAIL;
	pl_info("%s (vicodec stateful encoder): NV12 %ux%u to FWHT, qp %u, GOP of %u frames",
		c->out.path, e->l.width, e->l.height, e->qp, e->gop);
	return 0;
}

/*
 * The decoder's OUTPUT side now; its CAPTURE side once it has seen the
 * first header (dev-decoder.rst "Initialization").
 */
static int setup_decoder(struct encoder *e)
{
	struct pl_codec *c = &e->dec;
	char what[64];
	uint32_t size;
	unsigned int i;
	int ret;

	ret = pl_codec_set_fwht(&c->out, e->l.width, e->l.height, &size);
	if (!ret)
		ret = pl_codec_mmap(c, &c->out, 1);
	if (!ret)
		ret = pl_codec_subscribe(&c->out, V4L2_EVENT_SOURCE_CHANGE);
	if (!ret)
		ret = pl_v4l2_streamon(&c->out);
	if (ret)
		return PL_EXIT_FAIL;
	snprintf(what, sizeof(what), "decoded frames of %ux%u NV12", e->l.width, e->l.height);
	if (!strcmp(e->verify, "auto")) {
		struct pl_visit v;

		/* The CPU reads every decoded frame to compare it. */
		pl_visit_fd(&v, c->out.fd, c->out.path);
		ret = pl_heap_choose(&v, 1, e->l.size, 0, e->chosen, sizeof(e->chosen));
		if (ret)
			return ret;
		e->verify = e->chosen;
	}
	ret = pl_alloc_ring(e->verify, e->l.size, ENC_CHECK_BUFS, "encoder-check", what,
			    e->check_fds);
	if (ret)
		return ret == -ENOENT || ret == -ENOSPC ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	for (i = 0; i < ENC_CHECK_BUFS; i++) {
		ret = ldma_map(e->check_fds[i], 0, LDMA_READ, &e->check_maps[i]);
		if (ret) {
			pl_err("cannot map decode buffer %u: %s", i, strerror(-ret));
			return PL_EXIT_FAIL;
		}
	}
	pl_info("%s (vicodec stateful decoder) decodes every frame back into %u buffers of heap '%s'",
		c->out.path, ENC_CHECK_BUFS, e->verify);
	return 0;
}

/*
 * The decoder has parsed the first header and says so with
 * V4L2_EVENT_SOURCE_CHANGE: check the format it found, choose NV12 (its
 * first choice for 4:2:0 is YUV420) and give it our buffers.
 */
static int start_decoding(struct encoder *e)
{
	struct pl_codec *c = &e->dec;
	struct v4l2_format f;
	struct v4l2_event ev;
	unsigned int i;
	int ret;

	ret = pl_codec_event(&c->cap, &ev, ENC_V4L2_WAIT_MS);
	if (ret || ev.type != V4L2_EVENT_SOURCE_CHANGE ||
	    !(ev.u.src_change.changes & V4L2_EVENT_SRC_CH_RESOLUTION)) {
		pl_err("%s: no source change event after the first frame (%s)", c->out.path,
		       ret ? strerror(-ret) : "another event came");
		return -EPROTO;
	}
	memset(&f, 0, sizeof(f));
	f.type = c->cap.type;
	if (ioctl(c->cap.fd, VIDIOC_G_FMT, &f) < 0)
		return -errno;
	if (f.fmt.pix.width != e->l.width || f.fmt.pix.height != e->l.height) {
		pl_err("%s: the stream decodes to %ux%u, not %ux%u", c->out.path,
		       f.fmt.pix.width, f.fmt.pix.height, e->l.width, e->l.height);
		return -EPROTO;
	}
	ret = pl_v4l2_set_nv12(&c->cap, e->l.width, e->l.height, e->l.stride);
	if (!ret)
		ret = pl_v4l2_reqbufs(&c->cap, ENC_CHECK_BUFS);
	for (i = 0; !ret && i < ENC_CHECK_BUFS; i++)
		ret = pl_v4l2_qbuf(&c->cap, i, e->check_fds[i], (uint32_t)e->l.size, 0);
	if (!ret)
		ret = pl_v4l2_streamon(&c->cap);
	e->dec_streaming = !ret;
	return ret;
}

/* Decode @n bytes of compressed frame @comp and compare it with @f's source. */
static int check_frame(struct encoder *e, const struct pl_frame *f, const void *comp,
		       uint32_t n, bool intra)
{
	struct pl_codec *c = &e->dec;
	const uint8_t *src = ldma_map_addr(e->ring.maps[f->index]);
	struct pl_codec_diff d;
	struct v4l2_buffer b, ob;
	struct v4l2_event ev;
	uint64_t t = pl_now();
	int ret, fd;

	if (n > c->len[0][0])
		return -EMSGSIZE;
	memcpy(pl_codec_addr(c, &c->out, 0), comp, n);
	ret = pl_codec_qbuf(&c->out, 0, n);
	if (!ret && !e->dec_streaming)
		ret = start_decoding(e);
	if (!ret)
		ret = pl_v4l2_dqbuf(&c->cap, &b, ENC_V4L2_WAIT_MS);
	if (ret == -EPIPE && !pl_codec_event(&c->cap, &ev, 0) &&
	    ev.type == V4L2_EVENT_SOURCE_CHANGE) {
		/* vicodec changes resolution only for a header that differs. */
		pl_err("frame %u: the decoder found a new resolution in the middle of the stream",
		       f->seq);
		return -EPROTO;
	}
	if (ret)
		return ret;
	ret = pl_v4l2_dqbuf(&c->out, &ob, ENC_V4L2_WAIT_MS);
	if (ret)
		return ret;

	fd = e->check_fds[b.index];
	ret = ldma_cpu_begin(fd, LDMA_READ);
	if (ret)
		return ret;
	pl_codec_compare(&e->l, src, ldma_map_addr(e->check_maps[b.index]), &d);
	ldma_cpu_end(fd, LDMA_READ);
	pl_samples_add(&e->decode, pl_now() - t);

	if (e->frames < e->psnr_cap) {
		e->psnr_y[e->frames] = d.psnr_y;
		e->psnr_c[e->frames] = d.psnr_c;
	}
	if (d.psnr_y < e->min_y[intra])
		e->min_y[intra] = d.psnr_y;
	if (d.psnr_c < e->min_c[intra])
		e->min_c[intra] = d.psnr_c;
	if (d.max_y > e->max_y)
		e->max_y = d.max_y;
	if (d.max_c > e->max_c)
		e->max_c = d.max_c;
	if (d.psnr_y < e->bound || d.psnr_c < e->bound) {
		pl_err("frame %u: decoded with PSNR %.2f dB luma, %.2f dB chroma (largest errors %u, %u): below the %.2f dB that qp %u guarantees",
		       f->seq, d.psnr_y, d.psnr_c, d.max_y, d.max_c, e->bound, e->qp);
		e->mismatches++;
	}
	return pl_v4l2_qbuf(&c->cap, b.index, fd, (uint32_t)e->l.size, 0);
}

/*
 * The frame's type, from its header (codec-fwht.h: struct fwht_cframe_hdr,
 * big-endian flags after the magic, version, width and height): vicodec's
 * encoder sets no V4L2_BUF_FLAG_KEYFRAME.
 */
static bool is_iframe(const uint8_t *p, uint32_t n)
{
	uint32_t flags;

	if (n < 24)
		return false;
	flags = (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23];
	return flags & V4L2_FWHT_FL_I_FRAME;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Does frame @f hold what camera wrote? (A V4L2 capture carries no hash.) */
static void check_source(struct encoder *e, const struct pl_frame *f, const uint8_t *src)
{
	uint64_t sum = IMP_HASH_INIT;

	if (f->flags & PL_FRAME_V4L2)
		return;
	imp_hash(&sum, src, e->l.size);
	if (sum == f->checksum)
		return;
	pl_err("frame %u: buffer %u does not hold what camera wrote: checksum 0x%016llx, expected 0x%016llx",
	       f->seq, f->index, (unsigned long long)sum, (unsigned long long)f->checksum);
	e->mismatches++;
}

/*
 * One frame through the encoder. vicodec reads the dma-buf through the
 * exporter's vmap, with the CPU, and vb2-vmalloc brackets nothing: our
 * CPU-access bracket around the whole encode is what makes the camera
 * device's writes visible to it on a cached heap.
 */
static int encode_frame(struct encoder *e, const struct pl_frame *f)
{
	int fd = e->ring.fds[f->index], ret;
	char reason[PL_REASON_LEN];
	struct pl_codec *c = &e->enc;
	struct v4l2_buffer b, ob;
	uint64_t t = pl_now();
	const uint8_t *comp;
	bool intra;

	ret = ldma_cpu_begin(fd, LDMA_READ);
	if (ret) {
		pl_err("frame %u: CPU access to buffer %u failed: %s", f->seq, f->index,
		       strerror(-ret));
		return PL_EXIT_FAIL;
	}
	check_source(e, f, ldma_map_addr(e->ring.maps[f->index]));
	ret = pl_v4l2_qbuf(&c->out, f->index, fd, (uint32_t)e->ring.meta[f->index].size,
			   (uint32_t)e->l.size);
	if (ret) {
		pl_err("frame %u: %s refuses buffer %u: %s", f->seq, c->out.path, f->index,
		       strerror(-ret));
		goto fail;
	}
	ret = pl_v4l2_dqbuf(&c->cap, &b, ENC_V4L2_WAIT_MS);
	if (!ret)
		ret = pl_v4l2_dqbuf(&c->out, &ob, ENC_V4L2_WAIT_MS);
	if (ret) {
		pl_err("frame %u: encoding buffer %u failed: %s", f->seq, f->index, strerror(-ret));
		goto fail;
	}
	pl_samples_add(&e->encode, pl_now() - t);
	comp = pl_codec_addr(c, &c->cap, b.index);
	e->bytes += b.bytesused;
	intra = is_iframe(comp, b.bytesused);
	e->iframes += intra;
	if (e->stream >= 0) {
		ret = write_all(e->stream, comp, b.bytesused);
		if (ret) {
			pl_err("writing %s: %s", e->stream_path, strerror(-ret));
			goto fail;
		}
	}
	if (e->verifying) {
		ret = check_frame(e, f, comp, b.bytesused, intra);
		if (ret) {
			pl_err("frame %u: the decode check failed: %s", f->seq, strerror(-ret));
			goto fail;
		}
	}
	ret = pl_codec_qbuf(&c->cap, b.index, 0);
	ldma_cpu_end(fd, LDMA_READ);
	if (ret) {
		pl_err("frame %u: requeueing a compressed buffer: %s", f->seq, strerror(-ret));
		return PL_EXIT_FAIL;
	}
	e->frames++;
	ret = pl_send_release(e->up, f->index, f->seq);
	if (ret && !e->camera_done)
		return pl_send_failed(e->up, "camera", ret, reason, sizeof(reason));
	return 0;
fail:
	ldma_cpu_end(fd, LDMA_READ);
	return PL_EXIT_FAIL;
}

static int from_camera(struct encoder *e)
{
	char reason[PL_REASON_LEN];
	struct pl_msg msg;
	const struct pl_frame *f = &msg.u.frame;
	int ret, status;

	ret = pl_recv(e->up, &msg, 0);
	if (ret == PL_FRAME && !e->camera_done) {
		if (f->index >= e->ring.depth || e->ring.busy[f->index] ||
		    f->seq != e->next_seq || (e->planned && f->seq >= e->planned)) {
			snprintf(reason, sizeof(reason),
				 "FRAME %u in buffer %u: expected frame %u in a buffer camera holds",
				 f->seq, f->index, e->next_seq);
			return reject(e, reason);
		}
		e->ring.busy[f->index] = (int)f->seq + 1;
		e->queue[e->queued++] = *f;
		e->next_seq++;
		return 0;
	}
	if (ret == PL_END && !e->camera_done) {
		e->camera_done = true;
		return 0;
	}
	if (ret == -ETIMEDOUT || ret == -EINTR)
		return 0;
	status = pl_explain("camera", ret, &msg, reason, sizeof(reason));
	if (status == PL_EXIT_PROTO && ret != PL_REJECT)
		return reject(e, reason);
	return status;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Min and median of @n values (sorted in place). */
static void min_median(double *v, unsigned int n, double *min, double *median)
{
	qsort(v, n, sizeof(*v), cmp_double);
	*min = n ? v[0] : 0;
	*median = n ? v[(n - 1) / 2] : 0;
}

static void report(struct encoder *e)
{
	struct pl_stat enc, dec;
	double ymin, ymed, cmin, cmed;
	uint32_t raw = (uint32_t)e->l.size;
	unsigned int n;

	pl_samples_stat(&e->encode, &enc);
	pl_samples_stat(&e->decode, &dec);
	pl_info("%u frames encoded (%u I-frames), %llu bytes, %llu bytes per frame (%.1f:1 against NV12)%s%s",
		e->frames, e->iframes, (unsigned long long)e->bytes,
		(unsigned long long)(e->frames ? e->bytes / e->frames : 0),
		e->bytes ? (double)raw * e->frames / (double)e->bytes : 0.0,
		e->stream >= 0 ? ", stream in " : "", e->stream >= 0 ? e->stream_path : "");
	pl_info("encode: median %.2f ms, p99 %.2f ms, max %.2f ms", pl_ms(enc.median),
		pl_ms(enc.p99), pl_ms(enc.max));
	if (e->verifying) {
		n = e->frames < e->psnr_cap ? e->frames : (unsigned int)e->psnr_cap;
		min_median(e->psnr_y, n, &ymin, &ymed);
		min_median(e->psnr_c, n, &cmin, &cmed);
		pl_info("decode check (heap '%s'): luma PSNR min %.2f dB, median %.2f dB; chroma PSNR min %.2f dB, median %.2f dB; largest error %u (luma), %u (chroma); floor %.2f dB for qp %u",
			e->verify, ymin, ymed, cmin, cmed, e->max_y, e->max_c, e->bound, e->qp);
		if (e->iframes < e->frames)
			pl_info("lowest PSNR of the I-frames %.2f dB luma, %.2f dB chroma; of the P-frames (no guarantee) %.2f dB luma, %.2f dB chroma",
				e->min_y[1], e->min_c[1], e->min_y[0], e->min_c[0]);
		pl_info("decode and compare: median %.2f ms, p99 %.2f ms, max %.2f ms",
			pl_ms(dec.median), pl_ms(dec.p99), pl_ms(dec.max));
	}
	pl_info("zero copy %u/%u buffers", e->ids_same, e->ring.depth);
	pl_info("%s: %u frames %ux%u camera(%s) -> encoder(FWHT qp %u)%s, %u/%u %s",
		e->mismatches || e->ids_same != e->ring.depth ? "FAIL" : "PASS", e->frames,
		e->l.width, e->l.height, e->ring.meta[0].heap, e->qp,
		e->verifying ? " -> decoder" : "", e->frames - e->mismatches, e->frames,
		e->verifying ? "above the floor" : "encoded");
}

static int run(struct encoder *e)
{
	int timeout_ms = (int)e->timeout_s * 1000, n, ret;
	char reason[PL_REASON_LEN];
	struct pollfd pfd;
	struct pl_frame f;

	for (;;) {
		while (e->queued) {
			f = e->queue[0];
			memmove(e->queue, e->queue + 1, --e->queued * sizeof(e->queue[0]));
			ret = encode_frame(e, &f);
			e->ring.busy[f.index] = 0;
			if (ret)
				return ret == PL_EXIT_PEER ? ret :
				       give_up(e, ret, "encoder failed to process a frame");
		}
		if (e->camera_done) {
			report(e);
			return e->mismatches || e->ids_same != e->ring.depth ? PL_EXIT_FAIL :
			       PL_EXIT_OK;
		}
		if (pl_stop) {
			pl_err("stopping: interrupted");
			return give_up(e, PL_EXIT_PEER, "encoder was interrupted");
		}
		pfd.fd = e->up;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pl_err("poll: %s", strerror(errno));
			return give_up(e, PL_EXIT_FAIL, "encoder failed");
		}
		if (n == 0) {
			pl_explain("camera", -ETIMEDOUT, NULL, reason, sizeof(reason));
			return give_up(e, PL_EXIT_PEER, reason);
		}
		ret = from_camera(e);
		if (ret)
			return ret;
	}
}

static int setup(struct encoder *e)
{
	size_t cap = e->planned ? e->planned : 1u << 16;

	e->psnr_cap = cap;
	e->psnr_y = calloc(cap, sizeof(double));
	e->psnr_c = calloc(cap, sizeof(double));
	if (!e->psnr_y || !e->psnr_c || pl_samples_init(&e->encode, "encode", cap) ||
	    pl_samples_init(&e->decode, "decode", cap)) {
		pl_err("out of memory");
		return PL_EXIT_FAIL;
	}
	e->bound = pl_codec_intra_bound(e->qp);
	e->min_y[0] = e->min_y[1] = e->min_c[0] = e->min_c[1] = PL_CODEC_PSNR_EXACT;
	return 0;
}

int main(int argc, char **argv)
{
	char why[PL_REASON_LEN];
	struct pl_msg hello;
	struct encoder e;
	unsigned int i;
	int n, ret;

	memset(&e, 0, sizeof(e));
	e.up = e.stream = -1;
	e.enc.out.fd = e.enc.cap.fd = e.dec.out.fd = e.dec.cap.fd = -1;
	for (i = 0; i < ENC_CHECK_BUFS; i++)
		e.check_fds[i] = -1;
	pl_ring_init(&e.ring);
	pl_init("encoder");
	if (parse(&e, argc, argv))
		return PL_EXIT_USAGE;
	e.verifying = strcmp(e.verify, "none");
	if (e.verifying && strcmp(e.verify, "auto") && pl_heap_check(e.verify))
		return PL_EXIT_USAGE;

	if (e.stream_path) {
		e.stream = open(e.stream_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (e.stream < 0) {
			pl_err("cannot create %s: %s", e.stream_path, strerror(errno));
			return PL_EXIT_USAGE;
		}
	}

	ret = PL_EXIT_FAIL;
	if (pl_codec_open(&e.enc, "stateful-encoder"))
		goto out;
	if (e.verifying && pl_codec_open(&e.dec, "stateful-decoder"))
		goto out;

	e.up = pl_wait_peer(e.in, "camera", e.timeout_s);
	if (e.up < 0) {
		ret = PL_EXIT_PEER;
		goto out;
	}
	why[0] = '\0';
	n = pl_recv_ring(e.up, e.ring.fds, e.ring.meta, &hello, (int)e.timeout_s * 1000,
			 why, sizeof(why));
	if (n < 0) {
		ret = pl_malformed(n) ? reject(&e, why) :
		      pl_explain("camera", n, NULL, why, sizeof(why));
		goto out;
	}
	e.ring.depth = (unsigned int)n;
	e.planned = hello.u.hello.frames;
	/* take_ring() tells camera itself when it cannot take the ring. */
	ret = take_ring(&e, &hello, why, sizeof(why));
	if (ret)
		goto out;
	ret = setup(&e);
	if (!ret)
		ret = setup_encoder(&e);
	if (!ret && e.verifying)
		ret = setup_decoder(&e);
	ret = ret ? give_up(&e, ret, "encoder could not set up") : run(&e);
out:
	/* The codecs let go of camera's buffers before we close them. */
	pl_codec_close(&e.dec);
	pl_codec_close(&e.enc);
	for (i = 0; i < ENC_CHECK_BUFS; i++) {
		ldma_unmap(e.check_maps[i]);
		if (e.check_fds[i] >= 0)
			close(e.check_fds[i]);
	}
	pl_ring_release(&e.ring, -1, -1);
	if (e.stream >= 0)
		close(e.stream);
	if (e.up >= 0)
		close(e.up);
	pl_samples_free(&e.encode);
	pl_samples_free(&e.decode);
	free(e.psnr_y);
	free(e.psnr_c);
	return ret;
}
