// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test's argument memory: the arena, a read-only copy, the scratch
 * reservation for MAP_FIXED, and the places a garbage pointer points to.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"

uint64_t fz_page_align(uint64_t x)
{
	return (x + fz_pg - 1) & ~((uint64_t)fz_pg - 1);
}

const char *const fz_pk_name[NR_PK] = {
	"buf", "straddle", "rdonly", "null", "small", "kernel", "unmapped",
	"tagged", "top",
};

uint8_t *fz_arena, *fz_scratch;
size_t fz_scratch_len;
static uint8_t *rdonly, *unmapped_pg;
static size_t arena_rw, rdonly_len;

int fz_mem_setup(void)
{
	arena_rw = fz_page_align(MAX_IOC + 64);
	fz_arena = mmap(NULL, arena_rw + fz_pg, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz_arena == MAP_FAILED ||
	    mprotect(fz_arena + arena_rw, fz_pg, PROT_NONE))
		return -errno;
	rdonly_len = arena_rw;
	rdonly = mmap(NULL, rdonly_len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (rdonly == MAP_FAILED)
		return -errno;
	fz_scratch_len = 256 * fz_pg;
	fz_scratch = mmap(NULL, fz_scratch_len, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (fz_scratch == MAP_FAILED)
		return -errno;
	return 0;
}

static bool is_unmapped(const void *p)
{
	unsigned char v;

	return mincore((void *)((uintptr_t)p & ~((uintptr_t)fz_pg - 1)), 1, &v) < 0;
}

/* A page that is not mapped right now (mappings come and go). */
static uint8_t *get_unmapped(void)
{
	void *p;

	if (unmapped_pg && is_unmapped(unmapped_pg))
		return unmapped_pg;
	p = mmap(NULL, fz_pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	munmap(p, fz_pg);
	unmapped_pg = p;
	return p;
}

enum pk fz_pick_pk(unsigned int garbage_pct)
{
	return fz_chance(garbage_pct) ? (enum pk)(1 + fz_below(NR_PK - 1)) :
					PK_BUF;
}

/*
 * Put @len bytes of @data where @k says. Wherever the kernel can read,
 * it reads @data (or the part of it before a PROT_NONE page): nothing
 * else is ever behind a pointer the fuzzer passes.
 */
struct place fz_place(enum pk k, const void *data, size_t len)
{
	struct place pl = { .kind = k };
	uintptr_t top = (1ULL << 48) - 8;
	size_t off;

	switch (k) {
	case PK_BUF:
		off = fz_chance(20) ? fz_below(8) : 0;
		pl.p = fz_arena + off;
		memcpy(pl.p, data, len);
		pl.readable = arena_rw - off;
		pl.writable = true;
		break;
	case PK_STRADDLE:
		off = len > 1 ? 1 + fz_below(len - 1) : 0;
		pl.p = fz_arena + arena_rw - off;
		memcpy(pl.p, data, off);
		pl.readable = off;
		pl.writable = true;
		break;
	case PK_RDONLY:
		if (!mprotect(rdonly, rdonly_len, PROT_READ | PROT_WRITE)) {
			memcpy(rdonly, data, len);
			mprotect(rdonly, rdonly_len, PROT_READ);
			pl.p = rdonly;
			pl.readable = rdonly_len;
		}
		break;
	case PK_NULL:
		break;
	case PK_SMALL:
		pl.p = (void *)(uintptr_t)(fz_chance(50) ? 0x10 : 0xff8);
		break;
	case PK_KERNEL:
		pl.p = (void *)(uintptr_t)(fz_chance(70) ?
					   0xffff800008000000ULL :
					   0xffff000000000000ULL +
					   fz_below(1 << 30));
		break;
	case PK_UNMAPPED:
		pl.p = get_unmapped();
		if (pl.p && fz_chance(50))
			pl.p = (uint8_t *)pl.p + fz_pg - 8;
		break;
	case PK_TAGGED:
		memcpy(fz_arena, data, len);
		pl.p = (void *)((uintptr_t)fz_arena | (0x5aULL << 56));
		break;
	case PK_TOP:
		/* Only while nothing is mapped there (the stack is close). */
		if (is_unmapped((void *)top))
			pl.p = (void *)top;
		break;
	default:
		break;
	}
	return pl;
}
