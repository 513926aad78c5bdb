// SPDX-License-Identifier: GPL-2.0
/*
 * stress_buf.c - buffers and CPU access: allocate, fill a carveout heap
 * up, close, write a pattern inside a CPU access bracket, and check by CPU
 * what a buffer holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "stress.h"

static bool heap_full(int err)
{
	return err == -ENOMEM || err == -ENOSPC;
}

/* A size of 4 KiB .. 4 MiB in whole pages, small sizes more often. */
static uint64_t rand_size(struct thr *t)
{
	uint64_t maxp = st_g.max_pages, lo, hi, p;
	int bits = 0;

	while ((2ULL << bits) <= maxp)
		bits++;
	if (st_chance(t, 25)) {
		p = 1 + st_rnd_below(t, maxp);
	} else {
		lo = 1ULL << st_rnd_below(t, bits + 1);
		hi = (lo << 1) - 1 < maxp ? (lo << 1) - 1 : maxp;
		p = lo + st_rnd_below(t, hi - lo + 1);
	}
	return p * st_g.page;
}

/* Map (a prefix of) @b, bracket a CPU read and check a random range. */
int st_cpu_check(struct thr *t, const struct buf *b, const char *what)
{
	uint64_t off, len, maplen;
	struct ldma_map *m;
	int fd, ret, bad;

	if (b->state == ST_UNKNOWN)
		return 0;
	st_pick_range(t, b->size, &off, &len);
	maplen = (off + len + st_g.page - 1) / st_g.page * st_g.page;
	if (maplen > b->size)
		maplen = b->size;
	ret = ldma_map(b->fd, st_chance(t, 50) ? 0 : maplen, LDMA_READ, &m);
	if (ret) {
		st_unexpected(t, "mmap", ret, "heap %s size %" PRIu64, st_heap_name(b), b->size);
		return ret;
	}
	st_count(t, C_CPU_MAP, 1);
	/* The mapping's own descriptor is the same buffer. */
	fd = st_chance(t, 50) ? b->fd : ldma_map_fd(m);
	ret = ldma_cpu_begin(fd, LDMA_READ);
	if (ret) {
		st_unexpected(t, "cpu_begin(read)", ret, "heap %s", st_heap_name(b));
		ldma_unmap(m);
		return ret;
	}
	bad = st_compare(t, b, ldma_map_addr(m), off, len, what);
	st_count(t, b->state == ST_ZERO ? C_ZERO_CHECK : C_CPU_VERIFY, 1);
	ret = ldma_cpu_end(fd, LDMA_READ);
	if (ret)
		st_unexpected(t, "cpu_end(read)", ret, "heap %s", st_heap_name(b));
	ret = ldma_unmap(m);
	if (ret)
		st_unexpected(t, "munmap", ret, "heap %s", st_heap_name(b));
	return bad;
}

void op_alloc(struct thr *t)
{
	int s = st_free_slot(t), h, fd, ret;
	uint64_t size, real;
	char name[32];

	if (s < 0) {
		s = st_pick_slot(t, PICK_ANY, -1);
		st_drop_slot(t, s);
	}
	h = (int)st_rnd_below(t, st_g.nheaps);
	size = rand_size(t);
	snprintf(name, sizeof(name), "stress-%d.%d-%d", t->p->w, t->p->gen, t->idx);
	fd = ldma_alloc(t->p->ctx, st_g.heaps[h].name, size, 0, st_chance(t, 50) ? name : NULL);
	if (fd < 0) {
		if (heap_full(fd))
			st_count(t, C_ENOMEM, 1);
		else
			st_unexpected(t, "alloc", fd, "heap %s size %" PRIu64,
				      st_g.heaps[h].name, size);
		return;
	}
	st_count(t, C_ALLOC, 1);
	ret = ldma_buf_size(fd, &real);
	if (ret || real != size)
		st_unexpected(t, "buffer size", ret, "heap %s: asked %" PRIu64 ", got %" PRIu64,
			      st_g.heaps[h].name, size, ret ? 0 : real);
	t->b[s] = (struct buf){ .fd = fd, .heap = h, .size = size, .state = ST_ZERO };
	/* No buffer may show a previous owner's data. */
	if (st_chance(t, 50))
		st_cpu_check(t, &t->b[s], "new buffer not zero");
}

/*
 * Allocate from one carveout heap until it is full, then free it all: the
 * others meet ENOMEM meanwhile, and the heap's failure path (zeroing the
 * dirty ranges itself, retrying) runs under load.
 */
void op_exhaust(struct thr *t)
{
	int fds[HOG_MAX], n = 0, i, fd, h, carveouts[MAX_HEAPS], nc = 0;

	for (i = 0; i < st_g.nheaps; i++)
		if (st_g.heaps[i].carveout)
			carveouts[nc++] = i;
	if (!nc) {
		op_alloc(t);
		return;
	}
	h = carveouts[st_rnd_below(t, nc)];
	while (n < HOG_MAX && !st_stopping()) {
		fd = ldma_alloc(t->p->ctx, st_g.heaps[h].name,
				(1 + st_rnd_below(t, st_g.max_pages)) * st_g.page, 0, NULL);
		if (fd < 0) {
			if (heap_full(fd))
				st_count(t, C_ENOMEM, 1);
			else
				st_unexpected(t, "alloc", fd, "filling heap %s",
					      st_g.heaps[h].name);
			break;
		}
		st_count(t, C_ALLOC, 1);
		fds[n++] = fd;
	}
	st_count(t, C_EXHAUST, 1);
	for (i = 0; i < n; i++)
		close(fds[i]);
	st_count(t, C_CLOSE, (uint64_t)n);
}

void op_close(struct thr *t)
{
	st_drop_slot(t, st_pick_slot(t, PICK_ANY, -1));
}

/* CPU writes a new pattern inside a begin/end bracket, and reads it back. */
void op_cpu_write(struct thr *t)
{
	int s = st_pick_slot(t, PICK_ANY, -1), ret;
	unsigned int access;
	struct ldma_map *m;
	uint64_t off, len;
	struct buf *b;
	uint32_t seed;

	if (s < 0) {
		op_alloc(t);
		return;
	}
	b = &t->b[s];
	ret = ldma_map(b->fd, 0, LDMA_RW, &m);
	if (ret) {
		st_unexpected(t, "mmap", ret, "heap %s size %" PRIu64, st_heap_name(b), b->size);
		return;
	}
	st_count(t, C_CPU_MAP, 1);
	access = st_chance(t, 50) ? LDMA_WRITE : LDMA_RW;
	ret = ldma_cpu_begin(b->fd, access);
	if (ret) {
		st_unexpected(t, "cpu_begin(write)", ret, "heap %s", st_heap_name(b));
		goto out;
	}
	seed = st_new_seed(t);
	b->state = ST_UNKNOWN;
	imp_pattern(ldma_map_addr(m), 0, b->size, seed);
	b->state = ST_PAT;
	b->seed = seed;
	st_count(t, C_CPU_WRITE, 1);
	if (access == LDMA_RW && st_chance(t, 50)) {
		st_pick_range(t, b->size, &off, &len);
		st_compare(t, b, ldma_map_addr(m), off, len, "cpu read back (same bracket)");
		st_count(t, C_CPU_VERIFY, 1);
	}
	ret = ldma_cpu_end(b->fd, access);
	if (ret)
		st_unexpected(t, "cpu_end(write)", ret, "heap %s", st_heap_name(b));
out:
	ret = ldma_unmap(m);
	if (ret)
		st_unexpected(t, "munmap", ret, "heap %s", st_heap_name(b));
	if (b->state == ST_PAT && st_chance(t, 40))
		st_cpu_check(t, b, "cpu read back");
}

void op_cpu_verify(struct thr *t)
{
	int s = st_pick_slot(t, PICK_KNOWN, -1);

	if (s < 0) {
		op_cpu_write(t);
		return;
	}
	st_cpu_check(t, &t->b[s], t->b[s].state == ST_ZERO ? "new buffer not zero" :
		     "cpu verify");
}
