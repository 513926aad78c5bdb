// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vivid's 75% colour bars in an NV12 frame (bars.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "bars.h"

static const char *const bars_names[BARS_COUNT] = {
	"white", "yellow", "cyan", "green", "magenta", "red", "blue", "black",
};

/*
 * 75% bars in Y'CbCr, BT.601, limited range: vivid's default for its
 * webcam input (sRGB colorspace).
 */
static const struct bars_bar bars_want[BARS_COUNT] = {
	{ 180, 128, 128 }, { 162, 44, 142 }, { 131, 156, 44 }, { 112, 72, 58 },
	{ 84, 184, 198 }, { 65, 100, 212 }, { 35, 212, 114 }, { 16, 128, 128 },
};

static int bars_off(unsigned int v, unsigned int want)
{
	return abs((int)v - (int)want) > BARS_TOLERANCE;
}

int bars_check(const struct nv12_layout *l, const uint8_t *frame,
	       struct bars_bar bars[BARS_COUNT], char *why, size_t len)
{
	uint32_t bw = l->width / BARS_COUNT, y0 = l->height * 5 / 8, y1 = l->height * 7 / 8;
	const uint8_t *uv = frame + l->uv_offset;
	int ret = 0;

	for (unsigned int b = 0; b < BARS_COUNT; b++) {
		/* The middle half of the bar, in whole chroma pairs. */
		uint32_t x0 = (b * bw + bw / 4) & ~1u, x1 = (b * bw + bw * 3 / 4) & ~1u;
		const struct bars_bar *w = &bars_want[b];
		uint64_t sy = 0, scb = 0, scr = 0, ny = 0, nc = 0;
		unsigned int bad = 0, bx = 0, by = 0;

		for (uint32_t y = y0; y < y1; y++) {
			const uint8_t *row = frame + l->y_offset + (uint64_t)y * l->stride;
			const uint8_t *crow = uv + (uint64_t)(y / 2) * l->uv_stride;

			for (uint32_t x = x0; x < x1; x++, ny++) {
				sy += row[x];
				if (bars_off(row[x], w->y) && !bad++) {
					bx = x;
					by = y;
				}
			}
			if (y & 1)
				continue;
			for (uint32_t x = x0; x < x1; x += 2, nc++) {
				scb += crow[x];
				scr += crow[x + 1];
				if ((bars_off(crow[x], w->cb) || bars_off(crow[x + 1], w->cr)) &&
				    !bad++) {
					bx = x;
					by = y;
				}
			}
		}
		bars[b].y = (uint8_t)(ny ? sy / ny : 0);
		bars[b].cb = (uint8_t)(nc ? scb / nc : 0);
		bars[b].cr = (uint8_t)(nc ? scr / nc : 0);
		if (bad && !ret) {
			snprintf(why, len,
				 "the %s bar (%u of %u) is not %s: %u of its samples are off by more than %d, the first at (%u,%u); its mean is Y' %u Cb %u Cr %u, expected %u %u %u",
				 bars_names[b], b + 1, BARS_COUNT, bars_names[b], bad, BARS_TOLERANCE,
				 bx, by, bars[b].y, bars[b].cb, bars[b].cr, w->y, w->cb, w->cr);
			ret = -EBADMSG;
		}
	}
	return ret;
}
