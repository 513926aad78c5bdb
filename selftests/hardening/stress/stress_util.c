// SPDX-License-Identifier: GPL-2.0
/*
 * stress_util.c - helpers of the stress_test operations: random choices,
 * counters, the error log, a thread's buffer slots, random ranges and what
 * a buffer should hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "carveout_util.h"
#include "stress.h"

/* ------------------------------------------------------------------------
 * Small helpers
 */

static uint64_t rnd(struct thr *t)
{
	return cv_rand(&t->rng);
}

/* Uniform in [0, n), n > 0 */
uint64_t st_rnd_below(struct thr *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

bool st_chance(struct thr *t, unsigned int percent)
{
	return st_rnd_below(t, 100) < percent;
}

uint32_t st_new_seed(struct thr *t)
{
	uint32_t s;

	do
		s = (uint32_t)rnd(t);
	while (!s);
	return s;
}

void st_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

bool st_stopping(void)
{
	return __atomic_load_n(&st_g.shm->stop, __ATOMIC_ACQUIRE);
}

void st_count(struct thr *t, int c, uint64_t n)
{
	__atomic_fetch_add(&st_g.shm->cnt[t->p->w][c], n, __ATOMIC_RELAXED);
}

static void vlog(int w, int gen, int thr, const char *kind, const char *op,
		 int err, const char *fmt, va_list ap)
{
	int i = __atomic_fetch_add(&st_g.shm->nlog, 1, __ATOMIC_RELAXED);
	struct logent *e;

	if (i >= LOG_MAX)
		return;
	e = &st_g.shm->log[i];
	e->w = w;
	e->gen = gen;
	e->thr = thr;
	e->err = err;
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	snprintf(e->op, sizeof(e->op), "%s", op);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	__atomic_store_n(&e->valid, 1, __ATOMIC_RELEASE);
}

/* An error that none of the expected causes explains: fails the run. */
__attribute__((format(printf, 4, 5)))
void st_unexpected(struct thr *t, const char *op, int err, const char *fmt, ...)
{
	va_list ap;

	st_count(t, C_UNEXPECTED, 1);
	va_start(ap, fmt);
	vlog(t->p->w, t->p->gen, t->idx, "error", op, err, fmt, ap);
	va_end(ap);
}

/* Data that is not what was written: fails the run. */
__attribute__((format(printf, 3, 4)))
void st_corrupt(struct thr *t, const char *op, const char *fmt, ...)
{
	va_list ap;

	st_count(t, C_CORRUPT, 1);
	va_start(ap, fmt);
	vlog(t->p->w, t->p->gen, t->idx, "corruption", op, 0, fmt, ap);
	va_end(ap);
}

/* An error of a whole worker process (setup), or of the parent. */
__attribute__((format(printf, 4, 5)))
void st_proc_error(int w, int gen, const char *op, const char *fmt, ...)
{
	va_list ap;

	if (w >= 0)
		__atomic_fetch_add(&st_g.shm->cnt[w][C_UNEXPECTED], 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	vlog(w, gen, -1, "error", op, 0, fmt, ap);
	va_end(ap);
}

const char *st_heap_name(const struct buf *b)
{
	return st_g.heaps[b->heap].name;
}

/* ------------------------------------------------------------------------
 * Buffers and their expected content
 */

int st_free_slot(struct thr *t)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		if (t->b[i].fd < 0)
			return i;
	return -1;
}

int st_pick_slot(struct thr *t, int what, int except)
{
	int idx[SLOTS], n = 0, i;

	for (i = 0; i < SLOTS; i++) {
		const struct buf *b = &t->b[i];

		if (b->fd < 0 || i == except)
			continue;
		if (what == PICK_KNOWN && b->state == ST_UNKNOWN)
			continue;
		if (what == PICK_PATTERN && b->state != ST_PAT)
			continue;
		if (what == PICK_CARVEOUT && !st_g.heaps[b->heap].carveout)
			continue;
		idx[n++] = i;
	}
	return n ? idx[st_rnd_below(t, n)] : -1;
}

void st_drop_slot(struct thr *t, int s)
{
	if (s < 0 || t->b[s].fd < 0)
		return;
	close(t->b[s].fd);
	t->b[s].fd = -1;
	st_count(t, C_CLOSE, 1);
}

/* A word-aligned range: the whole buffer half of the time. */
void st_pick_range(struct thr *t, uint64_t size, uint64_t *off, uint64_t *len)
{
	uint64_t words = size / 4, o;

	if (st_chance(t, 50)) {
		*off = 0;
		*len = size;
		return;
	}
	o = st_rnd_below(t, words);
	*off = o * 4;
	*len = (1 + st_rnd_below(t, words - o)) * 4;
}

/* What [off, off + len) of @b should hold, into the scratch buffer. */
static void expected(struct thr *t, const struct buf *b, uint64_t off, size_t len)
{
	if (b->state == ST_PAT)
		imp_pattern(t->scratch, off, len, b->seed);
	else
		memset(t->scratch, 0, len);
}

uint64_t st_expected_hash(struct thr *t, const struct buf *b,
			  uint64_t off, uint64_t len)
{
	uint64_t h = IMP_HASH_INIT, done, n;

	for (done = 0; done < len; done += n) {
		n = len - done < CHUNK ? len - done : CHUNK;
		expected(t, b, off + done, n);
		imp_hash(&h, t->scratch, n);
	}
	return h;
}

const char *st_state_name(const struct buf *b)
{
	return b->state == ST_PAT ? "pattern" : b->state == ST_ZERO ? "zero" : "unknown";
}

/* Compare [off, off + len) of a CPU mapping of @b with what it should hold. */
int st_compare(struct thr *t, const struct buf *b, const uint8_t *base,
	       uint64_t off, uint64_t len, const char *what)
{
	uint64_t done, n, i;

	for (done = 0; done < len; done += n) {
		n = len - done < CHUNK ? len - done : CHUNK;
		expected(t, b, off + done, n);
		if (!memcmp(base + off + done, t->scratch, n))
			continue;
		for (i = 0; i + 4 <= n; i += 4)
			if (memcmp(base + off + done + i, t->scratch + i, 4))
				break;
		{
			uint32_t got, want;

			memcpy(&got, base + off + done + i, 4);
			memcpy(&want, t->scratch + i, 4);
			st_corrupt(t, what, "heap %s size %" PRIu64 " (%s %#x): word at %#" PRIx64
				   " is %#x, want %#x", st_heap_name(b), b->size, st_state_name(b),
				   b->seed, off + done + i, got, want);
		}
		return -1;
	}
	st_count(t, C_BYTES_CHECKED, len);
	return 0;
}
