// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test's random numbers: the PRNG of a target child, and what it
 * draws (bounds, odds, bytes, interesting values, ioctl magics, sizes).
 */
#define _GNU_SOURCE
#include <stdint.h>

#include <linux/dma-heap.h>

#include "carveout_util.h"
#include "fuzz.h"

/* PRNG (cv_seed(), cv_rand()): one state per target child. */
uint64_t fz_rng;

uint64_t fz_rnd(void)
{
	return cv_rand(&fz_rng);
}

uint64_t fz_below(uint64_t n)
{
	return n ? fz_rnd() % n : 0;
}

bool fz_chance(unsigned int pct)
{
	return fz_below(100) < pct;
}

void fz_rnd_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	while (n--)
		*b++ = (uint8_t)fz_rnd();
}

uint64_t fz_interesting64(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 0x10, 0x7f, 0x80, 0xff, 0x100, 0xfff,
		0x1000, 0x1001, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
		0xfffffffe, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, 0xfffffffffffff000ULL,
		0xfffffffffffffffcULL, ~0ULL,
	};

	return fz_chance(25) ? fz_rnd() : v[fz_below(ARRAY_SIZE(v))];
}

uint32_t fz_interesting32(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x3ff,
		0x400, 0x401, 0xfff, 0x1000, 0xffff, 0x10000, 0x7fffffff,
		0x80000000, 0xfffffffe, 0xffffffff,
	};

	return fz_chance(25) ? (uint32_t)fz_rnd() : v[fz_below(ARRAY_SIZE(v))];
}

/*
 * A random ioctl magic, but none that do_vfs_ioctl() serves for every
 * file (FIOCLEX 'T', FIFREEZE 'X', FS_IOC_SETFLAGS 'f', FICLONE 0x94,
 * FS_IOC_GETFSUUID 0x15, FIGETBSZ 0): as root those would change the
 * state of /dev, not fuzz the drivers.
 */
unsigned int fz_rnd_type(void)
{
	static const unsigned int vfs[] = { 0x00, 0x15, 'T', 'X', 'f', 0x94 };
	unsigned int t = (unsigned int)fz_below(256), i;

	for (i = 0; i < ARRAY_SIZE(vfs); i++)
		if (t == vfs[i])
			return DMA_HEAP_IOC_MAGIC;
	return t;
}

size_t fz_pick_size(size_t ksize)
{
	static const size_t v[] = {
		0, 1, 4, 7, 8, 9, 12, 16, 20, 23, 24, 25, 32, 40, 56, 64, 127,
		128, 129, 256, 4096, MAX_IOC,
	};

	switch (fz_below(4)) {
	case 0:
		return ksize ? ksize - 1 : 0;
	case 1:
		return ksize + (fz_chance(50) ? 4 : 8);
	case 2:
		return fz_below(MAX_IOC + 1);
	default:
		return v[fz_below(ARRAY_SIZE(v))];
	}
}
