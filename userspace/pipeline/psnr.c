// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * How far a decoded frame is from its source (PSNR, largest error), and
 * the PSNR that vicodec's intra coding guarantees.
 * Part of libpipeline (codec.h).
 */
#include <math.h>
#include <stdlib.h>

#include "codec.h"

/*
 * The shifts of vicodec's intra quantiser, quant_table[] in
 * drivers/media/test-drivers/vicodec/codec-fwht.c (Linux 6.12): one per
 * coefficient of the 8x8 Walsh-Hadamard transform, in raster order.
 */
static const unsigned char fwht_intra_shift[64] = {
	2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 3,
	2, 2, 2, 2, 2, 2, 3, 6,
	2, 2, 2, 2, 2, 3, 6, 6,
	2, 2, 2, 2, 3, 6, 6, 6,
	2, 2, 2, 3, 6, 6, 6, 6,
	2, 2, 3, 6, 6, 6, 6, 8,
};

/*
 * An intra block is transformed without scaling, C = H (X - 128) H^T with
 * H the 8x8 +-1 Hadamard matrix, so |C| <= 64 * 128. quantize_intra()
 * shifts each coefficient right by s (a floor) and zeroes it when the
 * result lies in [-qp, qp]: the error of a coefficient is c - (c >> s << s),
 * in [0, 2^s - 1] when it is kept and c itself, in [-qp 2^s, (qp+1) 2^s - 1],
 * when it is zeroed. So |e| <= E = min((qp+1) 2^s - 1, 64 * 128).
 *
 * The decoder computes X' = H^T C' H / 64 (ifwht(), the ">> 6" a floor)
 * and clamps to 0..255. H H^T = 8 I gives sum(dX^2) = sum(e^2) / 64 over
 * the block, so the mean squared error before the floor is at most
 * sum(E^2) / 4096; the floor adds less than 1 to each sample, and the
 * clamp only brings a sample closer to its (8-bit) source. So
 *	RMS error <= sqrt(sum(E^2) / 4096) + 1
 * for every block, hence for every frame, of each plane. The high
 * frequencies dominate: shifts of 6 and 8 alone allow errors of 127 and
 * 511 in their coefficients at the finest quantiser (qp 1).
 */
double pl_codec_intra_bound(unsigned int qp)
{
	double sum = 0, e;
	unsigned int k;

	for (k = 0; k < 64; k++) {
		e = (double)(qp + 1) * (1u << fwht_intra_shift[k]) - 1;
		if (e > 64 * 128)
			e = 64 * 128;
		sum += e * e;
	}
	return 20 * log10(255 / (sqrt(sum / 4096) + 1));
}

static double psnr(uint64_t sq, uint64_t n)
{
	if (!sq)
		return PL_CODEC_PSNR_EXACT;
	return 10 * log10(255.0 * 255.0 * (double)n / (double)sq);
}

static void plane_err(const uint8_t *a, const uint8_t *b, uint32_t stride, uint32_t step,
		      uint32_t w, uint32_t h, uint64_t *sq, unsigned int *max)
{
	uint32_t x, y;
	int d;

	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			d = abs((int)a[y * stride + x * step] - (int)b[y * stride + x * step]);
			*sq += (uint64_t)(d * d);
			if ((unsigned int)d > *max)
				*max = (unsigned int)d;
		}
	}
}

void pl_codec_compare(const struct nv12_layout *l, const uint8_t *src,
		      const uint8_t *dec, struct pl_codec_diff *d)
{
	uint32_t cw = l->width / 2, ch = l->height / 2;
	uint64_t sq_y = 0, sq_c = 0;

	d->max_y = d->max_c = 0;
	plane_err(src + l->y_offset, dec + l->y_offset, l->stride, 1, l->width, l->height,
		  &sq_y, &d->max_y);
	/* Cb and Cr interleaved: one pass over each. */
	plane_err(src + l->uv_offset, dec + l->uv_offset, l->uv_stride, 2, cw, ch,
		  &sq_c, &d->max_c);
	plane_err(src + l->uv_offset + 1, dec + l->uv_offset + 1, l->uv_stride, 2, cw, ch,
		  &sq_c, &d->max_c);
	d->psnr_y = psnr(sq_y, (uint64_t)l->width * l->height);
	d->psnr_c = psnr(sq_c, (uint64_t)cw * ch * 2);
}
