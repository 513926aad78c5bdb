/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory-to-memory codecs (vicodec's stateful FWHT encoder and decoder,
 * Documentation/userspace-api/media/v4l/dev-encoder.rst and dev-decoder.rst)
 * and the quality of what comes back: what v4l2.h lacks for them (both
 * queues of one node, MMAP buffers, controls, events), and PSNR.
 * Part of libpipeline (stage.h).
 */
#ifndef PIPELINE_CODEC_H
#define PIPELINE_CODEC_H

#include <stdint.h>

#include "pattern.h"
#include "v4l2.h"

#define PL_CODEC_MAX_BUFS	8

/**
 * struct pl_codec - one open m2m node and its two queues
 * @out: the OUTPUT queue (what the codec reads)
 * @cap: the CAPTURE queue (what it writes); same fd as @out
 * @addr: MMAP buffers of the queue that has them, mapped; [0] output
 * @len: their lengths
 */
struct pl_codec {
	struct pl_v4l2 out, cap;
	void *addr[2][PL_CODEC_MAX_BUFS];
	uint32_t len[2][PL_CODEC_MAX_BUFS];
};

/*
 * pl_codec_open() - open the m2m node whose sysfs name is @name
 * ("stateful-encoder", "stateful-decoder"). Return: 0 or -errno (printed).
 */
int pl_codec_open(struct pl_codec *c, const char *name);
/* STREAMOFF both queues, free and unmap their buffers, close the node. */
void pl_codec_close(struct pl_codec *c);

/*
 * pl_codec_set_fwht() - set V4L2_PIX_FMT_FWHT at @width x @height on @v
 * (the encoder's CAPTURE or the decoder's OUTPUT queue); @sizeimage gets
 * the largest compressed frame the driver will take. Return: 0 or -errno.
 */
int pl_codec_set_fwht(struct pl_v4l2 *v, uint32_t width, uint32_t height,
		      uint32_t *sizeimage);

/*
 * REQBUFS of @count MMAP buffers on @v, each mapped (@v is c->out or
 * c->cap); @v's memory becomes V4L2_MEMORY_MMAP, for pl_v4l2_dqbuf().
 */
int pl_codec_mmap(struct pl_codec *c, struct pl_v4l2 *v, uint32_t count);
/* The mapping of MMAP buffer @index of @v. */
void *pl_codec_addr(const struct pl_codec *c, const struct pl_v4l2 *v, uint32_t index);
/* QBUF of MMAP buffer @index with @bytesused (0 for CAPTURE). Prints nothing. */
int pl_codec_qbuf(struct pl_v4l2 *v, uint32_t index, uint32_t bytesused);

/* Set control @id to @value and read back what the driver took. */
int pl_codec_ctrl(struct pl_v4l2 *v, uint32_t id, int32_t value, int32_t *got);

int pl_codec_subscribe(struct pl_v4l2 *v, uint32_t type);
/* Wait up to @timeout_ms for an event and dequeue it: 0, -ETIMEDOUT, -errno. */
int pl_codec_event(struct pl_v4l2 *v, struct v4l2_event *ev, int timeout_ms);

/* --- psnr.c: how far a decoded frame is from its source --- */

/**
 * struct pl_codec_diff - a decoded NV12 frame against its source
 * @psnr_y: luma PSNR in dB (peak 255); PL_CODEC_PSNR_EXACT if identical
 * @psnr_c: the same over both chroma components
 * @max_y: largest absolute error of a luma sample
 * @max_c: and of a chroma sample
 */
struct pl_codec_diff {
	double psnr_y, psnr_c;
	unsigned int max_y, max_c;
};

/* What pl_codec_compare() reports for a plane without any error. */
#define PL_CODEC_PSNR_EXACT	99.0

/* Compare the visible @l->width x @l->height of two frames laid out as @l. */
void pl_codec_compare(const struct nv12_layout *l, const uint8_t *src,
		      const uint8_t *dec, struct pl_codec_diff *d);

/*
 * pl_codec_intra_bound() - the PSNR that vicodec's intra coding with
 * quantiser @qp guarantees for any 8-bit picture, from codec-fwht.c's
 * quantisation (see psnr.c): every I-frame decodes at least this close.
 */
double pl_codec_intra_bound(unsigned int qp);

#endif
