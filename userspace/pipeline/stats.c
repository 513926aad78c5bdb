// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The clock and the per-frame statistics (median, p99, max).
 * Part of libpipeline (stage.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stage.h"

uint64_t pl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double pl_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

int pl_samples_init(struct pl_samples *s, const char *name, size_t cap)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->cap = cap ? cap : 64;
	s->v = calloc(s->cap, sizeof(*s->v));
	return s->v ? 0 : -ENOMEM;
}

void pl_samples_add(struct pl_samples *s, uint64_t ns)
{
	uint64_t *v;

	if (s->n == s->cap) {
		v = realloc(s->v, 2 * s->cap * sizeof(*v));
		if (!v)
			return;		/* statistics are not worth failing for */
		s->v = v;
		s->cap *= 2;
	}
	s->v[s->n++] = ns;
}

static int pl_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void pl_samples_stat(const struct pl_samples *s, struct pl_stat *st)
{
	uint64_t *v;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", s->name);
	st->count = (uint32_t)s->n;
	if (!s->n)
		return;
	v = malloc(s->n * sizeof(*v));
	if (!v)
		return;
	memcpy(v, s->v, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), pl_cmp_u64);
	st->median = v[(s->n - 1) / 2];
	/* Nearest rank: the smallest sample at or above 99% of them. */
	st->p99 = v[(s->n * 99 + 99) / 100 - 1];
	st->max = v[s->n - 1];
	free(v);
}

void pl_samples_free(struct pl_samples *s)
{
	free(s->v);
	s->v = NULL;
}
