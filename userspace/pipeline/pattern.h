/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The camera's test pattern: an NV12 frame that the importer's camera
 * device writes by DMA, and that every later stage can compute for itself.
 *
 * The device has one way to write: a fill of a buffer range with a seed,
 * after which the 32-bit little-endian word at buffer offset o holds
 * seed ^ o (imp_fill()). A frame is a short list of such fills,
 * a "plan": a fill is a few hundred microseconds of ioctl overhead on the
 * debug kernel, so a plan has a few dozen fills, each covering whole
 * lines. A frame is therefore made of horizontal bands, with the
 * offset-XOR texture the device leaves inside each band:
 *
 * - colour bands that scroll down by PATTERN_SCROLL lines per frame (the
 *   movement);
 * - below them, the frame counter as PATTERN_COUNTER_BITS stripes, most
 *   significant bit first, light for 1 and dark for 0 (the counter that a
 *   person can read), and in the first word of the frame (the counter that
 *   a program can read: pattern_frame_seq()).
 */
#ifndef PIPELINE_PATTERN_H
#define PIPELINE_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define PATTERN_MIN_WIDTH	16
#define PATTERN_MIN_HEIGHT	32
#define PATTERN_MAX_DIM		8192
#define PATTERN_COUNTER_BITS	12
#define PATTERN_BANDS		7
#define PATTERN_SCROLL		4
/* Most fills one frame needs (bands that wrap, counter stripes, chroma). */
#define PATTERN_MAX_FILLS	(2 * (PATTERN_BANDS + 1) + PATTERN_COUNTER_BITS + 2)

/**
 * struct nv12_layout - where the planes of an NV12 frame lie
 * @width: pixels, even
 * @height: lines, even
 * @y_offset: byte offset of the luma plane
 * @stride: bytes per luma line
 * @uv_offset: byte offset of the interleaved CbCr plane
 * @uv_stride: bytes per chroma line
 * @size: bytes the frame occupies (a multiple of IMP_ALIGN)
 *
 * The camera's own layout (nv12_layout_init()) has the luma plane at 0,
 * both strides equal and a multiple of 16, and the chroma plane right after
 * the luma plane; a consumer takes any layout its metadata describes.
 */
struct nv12_layout {
	uint32_t width;
	uint32_t height;
	uint64_t y_offset;
	uint32_t stride;
	uint32_t uv_stride;
	uint64_t uv_offset;
	uint64_t size;
};

/** struct pattern_fill - one device fill: @length bytes at @offset with @seed */
struct pattern_fill {
	uint64_t offset;
	uint64_t length;
	uint32_t seed;
};

/*
 * nv12_layout_init() - the layout the camera uses for @width x @height
 * Return: 0, or -EINVAL if the size is odd, too small or too large.
 */
int nv12_layout_init(struct nv12_layout *l, uint32_t width, uint32_t height);

/*
 * pattern_plan() - the fills that make frame @seq
 * @fills: room for PATTERN_MAX_FILLS
 * Return: the number of fills. They do not overlap and cover the frame.
 */
int pattern_plan(const struct nv12_layout *l, uint32_t seq,
		 struct pattern_fill *fills);

/* pattern_render() - what the device writes for frame @seq, into @frame (l->size bytes) */
void pattern_render(const struct nv12_layout *l, uint32_t seq, void *frame);

/* pattern_frame_seq() - the counter a frame carries, read from its first word */
uint32_t pattern_frame_seq(const void *frame);

#endif
