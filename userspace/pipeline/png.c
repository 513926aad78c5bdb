// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A minimal PNG writer (see png.h). The image data is one zlib stream of
 * stored blocks, each block in an IDAT chunk of its own, so the writer
 * never holds more than one block.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png.h"

#define PNG_BLOCK	65535u	/* most bytes a stored deflate block holds */

uint32_t png_crc32(uint32_t crc, const uint8_t *buf, size_t len)
{
	size_t i;
	int k;

	crc = ~crc;
	for (i = 0; i < len; i++) {
		crc ^= buf[i];
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

uint32_t png_adler32(uint32_t adler, const uint8_t *buf, size_t len)
{
	uint32_t a = adler & 0xffff, b = adler >> 16;
	size_t i;

	for (i = 0; i < len; i++) {
		a = (a + buf[i]) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One chunk: length, type, data, CRC of type and data. */
static int png_chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len)
{
	uint8_t head[8], tail[4];
	uint32_t crc;

	put_be32(head, len);
	memcpy(head + 4, type, 4);
	crc = png_crc32(png_crc32(0, head + 4, 4), data, len);
	put_be32(tail, crc);
	if (fwrite(head, 1, 8, f) != 8 || (len && fwrite(data, 1, len, f) != len) ||
	    fwrite(tail, 1, 4, f) != 4)
		return -EIO;
	return 0;
}

/* The image data: rows of filter byte 0 then R, G, B per pixel. */
struct png_stream {
	FILE *f;
	uint8_t *chunk;		/* zlib header (first chunk), block header, data */
	uint32_t head;		/* bytes before the block's data in @chunk */
	uint32_t fill;		/* data bytes in the current block */
	uint64_t left;		/* raw bytes not yet put in a block */
	uint32_t adler;
};

static int png_flush_block(struct png_stream *s)
{
	uint8_t *h = s->chunk + s->head - 5;
	int last = s->left == 0;

	h[0] = (uint8_t)last;			/* BFINAL, BTYPE 00: stored */
	h[1] = (uint8_t)s->fill;
	h[2] = (uint8_t)(s->fill >> 8);
	h[3] = (uint8_t)~s->fill;
	h[4] = (uint8_t)(~s->fill >> 8);
	s->adler = png_adler32(s->adler, s->chunk + s->head, s->fill);
	if (last) {
		put_be32(s->chunk + s->head + s->fill, s->adler);
		s->fill += 4;
	}
	if (png_chunk(s->f, "IDAT", s->chunk, s->head + s->fill))
		return -EIO;
	s->head = 5;				/* the zlib header only comes once */
	s->fill = 0;
	return 0;
}

static int png_put(struct png_stream *s, const uint8_t *buf, uint32_t len)
{
	uint32_t n;

	while (len) {
		n = PNG_BLOCK - s->fill;
		if (n > len)
			n = len;
		memcpy(s->chunk + s->head + s->fill, buf, n);
		s->fill += n;
		s->left -= n;
		buf += n;
		len -= n;
		if ((s->fill == PNG_BLOCK || !s->left) && png_flush_block(s))
			return -EIO;
	}
	return 0;
}

static int png_write_file(FILE *f, const uint8_t *pixels, uint32_t width,
			  uint32_t height, uint32_t stride)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	struct png_stream s = { .f = f, .head = 7, .adler = 1 };
	uint8_t ihdr[13] = { 0 }, *row;
	uint32_t x, y;
	int ret = -ENOMEM;

	s.left = (uint64_t)height * (1 + 3ull * width);
	s.chunk = malloc(7 + PNG_BLOCK + 4);
	row = malloc(1 + 3ull * width);
	if (!s.chunk || !row)
		goto out;
	s.chunk[0] = 0x78;	/* deflate, 32 KiB window */
	s.chunk[1] = 0x01;	/* no preset dictionary; (0x78 << 8 | 1) % 31 == 0 */

	put_be32(ihdr, width);
	put_be32(ihdr + 4, height);
	ihdr[8] = 8;		/* bits per sample */
	ihdr[9] = 2;		/* truecolour RGB */
	ret = -EIO;
	if (fwrite(sig, 1, sizeof(sig), f) != sizeof(sig) ||
	    png_chunk(f, "IHDR", ihdr, sizeof(ihdr)))
		goto out;

	row[0] = 0;		/* filter: none */
	for (y = 0; y < height; y++) {
		const uint8_t *p = pixels + (size_t)y * stride;

		for (x = 0; x < width; x++) {
			row[1 + 3 * x] = p[4 * x + 2];
			row[2 + 3 * x] = p[4 * x + 1];
			row[3 + 3 * x] = p[4 * x];
		}
		if (png_put(&s, row, 1 + 3 * width))
			goto out;
	}
	ret = png_chunk(f, "IEND", NULL, 0);
out:
	free(row);
	free(s.chunk);
	return ret;
}

int png_write_xrgb(const char *path, const uint8_t *pixels, uint32_t width,
		   uint32_t height, uint32_t stride)
{
	char tmp[4096];
	FILE *f;
	int ret;

	if (!path || !pixels || !width || !height || stride / 4 < width ||
	    width > (UINT32_MAX - 1) / 3)
		return -EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "wb");
	if (!f)
		return -errno;
	ret = png_write_file(f, pixels, width, height, stride);
	if (fclose(f) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		remove(tmp);
	return ret;
}
