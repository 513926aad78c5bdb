// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * NV12 to XRGB8888 with the usual fixed-point BT.601 coefficients
 * (limited range, 8 fractional bits).
 */
#include "convert.h"

static uint8_t clamp255(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

void nv12_to_xrgb(const struct nv12_layout *l, const uint8_t *src,
		  uint8_t *dst, uint32_t dst_stride)
{
	uint32_t x, y;

	for (y = 0; y < l->height; y++) {
		const uint8_t *luma = src + l->y_offset + (size_t)y * l->stride;
		const uint8_t *cbcr = src + l->uv_offset + (size_t)(y / 2) * l->uv_stride;
		uint32_t *out = (uint32_t *)(void *)(dst + (size_t)y * dst_stride);

		for (x = 0; x < l->width; x += 2) {
			int d = cbcr[x] - 128, e = cbcr[x + 1] - 128;
			int r = 409 * e + 128, g = -100 * d - 208 * e + 128, b = 516 * d + 128;
			int c0 = 298 * (luma[x] - 16), c1 = 298 * (luma[x + 1] - 16);

			/* Little-endian XRGB8888: B, G, R, X in memory. */
			out[x] = 0xff000000u | (uint32_t)clamp255((c0 + r) >> 8) << 16 |
				 (uint32_t)clamp255((c0 + g) >> 8) << 8 |
				 clamp255((c0 + b) >> 8);
			out[x + 1] = 0xff000000u | (uint32_t)clamp255((c1 + r) >> 8) << 16 |
				     (uint32_t)clamp255((c1 + g) >> 8) << 8 |
				     clamp255((c1 + b) >> 8);
		}
	}
}
