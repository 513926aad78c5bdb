/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal PNG writer: 8-bit RGB, no filtering, zlib "stored" blocks (no
 * compression), CRC-32 and Adler-32 computed here. Enough to leave a frame
 * where a person can open it, without libpng in the guest.
 */
#ifndef PIPELINE_PNG_H
#define PIPELINE_PNG_H

#include <stddef.h>
#include <stdint.h>

/*
 * png_write_xrgb() - write an XRGB8888 image as an RGB PNG
 * @path: file to create (replaced atomically: written to @path.tmp, renamed)
 * @pixels: little-endian XRGB8888, @stride bytes per line
 * Return: 0 or -errno.
 */
int png_write_xrgb(const char *path, const uint8_t *pixels, uint32_t width,
		   uint32_t height, uint32_t stride);

/* The PNG CRC-32 of @len bytes, continuing @crc (start with 0). */
uint32_t png_crc32(uint32_t crc, const uint8_t *buf, size_t len);
/* The zlib Adler-32 of @len bytes, continuing @adler (start with 1). */
uint32_t png_adler32(uint32_t adler, const uint8_t *buf, size_t len);

#endif
