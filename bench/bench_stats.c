// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_bench: statistics and JSON. The clock, the PRNG and the heap
 * statistics come from the project's test library (selftests/lib).
 */
#include <stdlib.h>

#include "bench.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void bench_sort(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
}

/* Nearest-rank percentile of a sorted array. */
uint64_t bench_pct(const uint64_t *sorted, size_t n, unsigned int pct)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (pct * n + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}

/*
 * The order in which one iteration visits @n items: a fresh shuffle each
 * time (Fisher-Yates, from the run's seed), so that no item always runs
 * right after another one. A rotation of a fixed order would not do:
 * item k would still follow item k - 1 in every iteration but one.
 */
void bench_order(struct bench_ctx *b, int *order, int n)
{
	int i, j, t;

	if (!b->rng)
		b->rng = cv_seed(b->opts.seed);
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = (int)(cv_rand(&b->rng) % (uint64_t)(i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/* Start a member of the top-level JSON object. */
void bench_json_key(struct bench_ctx *b, const char *key)
{
	fprintf(b->opts.json, "%s\n  \"%s\": ", b->json_first ? "" : ",", key);
	b->json_first = 0;
}
