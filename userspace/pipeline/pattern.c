// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The camera's test pattern (see pattern.h): a plan of device fills per
 * frame, and the same plan played by the CPU.
 */
#include <errno.h>
#include <string.h>

#include <libdma.h>
#include <libimp.h>

#include "pattern.h"

/* 75% colour bars, BT.601 limited range: Y, Cb, Cr. */
static const uint8_t pattern_bars[PATTERN_BANDS][3] = {
	{ 180, 128, 128 },	/* white */
	{ 162, 44, 142 },	/* yellow */
	{ 131, 156, 44 },	/* cyan */
	{ 112, 72, 58 },	/* green */
	{ 84, 184, 198 },	/* magenta */
	{ 65, 100, 212 },	/* red */
	{ 35, 212, 114 },	/* blue */
};

#define PATTERN_ONE	235	/* luma of a counter bit that is set */
#define PATTERN_ZERO	16	/* and of one that is clear */
#define PATTERN_GREY	128	/* neutral chroma */

int nv12_layout_init(struct nv12_layout *l, uint32_t width, uint32_t height)
{
	if (width < PATTERN_MIN_WIDTH || height < PATTERN_MIN_HEIGHT ||
	    width > PATTERN_MAX_DIM || height > PATTERN_MAX_DIM ||
	    (width | height) & 1)
		return -EINVAL;
	l->width = width;
	l->height = height;
	l->y_offset = 0;
	l->stride = (width + 15) & ~15u;
	l->uv_stride = l->stride;
	l->uv_offset = (uint64_t)l->stride * height;
	l->size = (uint64_t)l->stride * height * 3 / 2;
	return 0;
}

/*
 * The seed of a fill starting at @offset that puts @want in every word
 * (@want ^ @offset ^ o for the word at o): bytes 2 and 3 come out as asked
 * wherever offset bits 16 to 31 do not change inside the fill, bytes 0 and
 * 1 carry the offset-XOR texture of the device.
 */
static uint32_t pattern_seed(uint64_t offset, uint32_t want)
{
	return want ^ (uint32_t)offset;
}

static uint32_t pattern_bytes(uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	return b0 | (uint32_t)b1 << 8 | (uint32_t)b2 << 16 | (uint32_t)b3 << 24;
}

/* One fill of lines [@y0, @y1) of the luma plane, or of their chroma. */
static void pattern_lines(const struct nv12_layout *l, uint32_t y0, uint32_t y1,
			  int chroma, uint32_t want, struct pattern_fill *f)
{
	if (chroma) {
		f->offset = l->uv_offset + (uint64_t)(y0 / 2) * l->stride;
		f->length = (uint64_t)(y1 - y0) / 2 * l->stride;
	} else {
		f->offset = (uint64_t)y0 * l->stride;
		f->length = (uint64_t)(y1 - y0) * l->stride;
	}
	f->seed = pattern_seed(f->offset, want);
}

/* Lines of one counter stripe: even, so that chroma lines stay whole. */
static uint32_t pattern_stripe(const struct nv12_layout *l)
{
	uint32_t h = l->height / 4 / PATTERN_COUNTER_BITS & ~1u;

	return h ? h : 2;
}

/* A colour band over lines [@y0, @y1): luma, then chroma. */
static int pattern_band(const struct nv12_layout *l, uint32_t y0, uint32_t y1,
			const uint8_t *c, struct pattern_fill *f)
{
	pattern_lines(l, y0, y1, 0, pattern_bytes(c[0], c[0], c[0], c[0]), f);
	pattern_lines(l, y0, y1, 1, pattern_bytes(c[1], c[2], c[1], c[2]), f + 1);
	return 2;
}

int pattern_plan(const struct nv12_layout *l, uint32_t seq,
		 struct pattern_fill *fills)
{
	uint32_t stripe = pattern_stripe(l);
	uint32_t top = stripe * PATTERN_COUNTER_BITS;
	uint32_t region = l->height - top;
	uint32_t shift = (uint32_t)((uint64_t)seq * PATTERN_SCROLL % region);
	uint32_t i, a, b, y = 0;
	int n = 0;

	/*
	 * The counter, on top: one luma fill per bit, whose first word also
	 * holds the low 16 bits of @seq, and one grey chroma fill. The very
	 * first word of the frame is the first stripe's.
	 */
	for (i = 0; i < PATTERN_COUNTER_BITS; i++, y += stripe) {
		uint8_t luma = seq >> (PATTERN_COUNTER_BITS - 1 - i) & 1 ?
			       PATTERN_ONE : PATTERN_ZERO;

		pattern_lines(l, y, y + stripe, 0,
			      pattern_bytes((uint8_t)seq, (uint8_t)(seq >> 8), luma, luma),
			      fills + n++);
	}
	pattern_lines(l, 0, top, 1, pattern_bytes(PATTERN_GREY, PATTERN_GREY,
						   PATTERN_GREY, PATTERN_GREY),
		      fills + n++);

	/* Colour bands below it, each moved down by @shift lines and wrapped. */
	for (i = 0; i < PATTERN_BANDS; i++) {
		a = ((i * region / PATTERN_BANDS & ~1u) + shift) % region;
		b = (((i + 1) * region / PATTERN_BANDS & ~1u) + shift) % region;
		if (a < b) {
			n += pattern_band(l, top + a, top + b, pattern_bars[i], fills + n);
			continue;
		}
		n += pattern_band(l, top + a, top + region, pattern_bars[i], fills + n);
		if (b)
			n += pattern_band(l, top, top + b, pattern_bars[i], fills + n);
	}
	return n;
}

void pattern_render(const struct nv12_layout *l, uint32_t seq, void *frame)
{
	struct pattern_fill fills[PATTERN_MAX_FILLS];
	int i, n = pattern_plan(l, seq, fills);

	for (i = 0; i < n; i++)
		imp_pattern((char *)frame + fills[i].offset, fills[i].offset,
			    fills[i].length, fills[i].seed);
}

uint32_t pattern_frame_seq(const void *frame)
{
	uint32_t w;

	memcpy(&w, frame, sizeof(w));
	return w & 0xffff;
}
