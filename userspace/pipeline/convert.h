/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "GPU" work of the pipeline: NV12 (BT.601, limited range) to
 * XRGB8888, in integer arithmetic so that every process that computes a
 * frame gets the same bytes.
 */
#ifndef PIPELINE_CONVERT_H
#define PIPELINE_CONVERT_H

#include <stdint.h>

#include "pattern.h"

/*
 * nv12_to_xrgb() - convert one frame
 * @l: layout of @src
 * @src: the NV12 frame
 * @dst: l->width x l->height pixels, @dst_stride bytes per line; the X byte
 *       is 0xff, as vkms writes it back
 */
void nv12_to_xrgb(const struct nv12_layout *l, const uint8_t *src,
		  uint8_t *dst, uint32_t dst_stride);

#endif
