/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vivid's default test pattern, the eight 75% colour bars (white, yellow,
 * cyan, green, magenta, red, blue, black), checked pixel by pixel in an
 * NV12 frame. Part of libpipeline.
 */
#ifndef PIPELINE_BARS_H
#define PIPELINE_BARS_H

#include <stddef.h>
#include <stdint.h>

#include "pattern.h"

#define BARS_COUNT	8
/* Largest difference from the expected Y', Cb or Cr value that passes. */
#define BARS_TOLERANCE	3

/** struct bars_bar - what one bar holds: mean Y', Cb, Cr of its samples */
struct bars_bar {
	uint8_t y, cb, cr;
};

/*
 * bars_check() - does @frame show the 75% colour bars?
 * @bars: receives the mean of each bar, for messages
 *
 * Samples the middle half of each bar in the rows between 5/8 and 7/8 of
 * the height, below vivid's text overlay. Every sample, not only the mean,
 * must be within BARS_TOLERANCE of the bar's value.
 * Return: 0, or -EBADMSG with @why saying which bar is wrong and how.
 */
int bars_check(const struct nv12_layout *l, const uint8_t *frame,
	       struct bars_bar bars[BARS_COUNT], char *why, size_t len);

#endif
