/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf_bench: heaps compared in one run. Shared declarations.
 *
 * Every figure is a measurement of this run; nothing is asserted. Heaps
 * are interleaved (each iteration visits every heap in turn), and so are
 * the repetitions (every section once, then every section again), so that
 * drift of the machine during the run affects all of them alike.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libdma.h>

#include "carveout_util.h"

#define KiB (1024UL)
#define MiB (1024UL * 1024UL)
#define BENCH_MAX_HEAPS 8

struct bench_heap {
	char name[LDMA_HEAP_NAME_MAX];
	char kind[32];		/* "carveout-cached", "system", "cma", ... */
	int fd;			/* /dev/dma_heap/<name> */
	int carveout;		/* publishes carveout sysfs and debugfs */
	uint64_t size;		/* bytes, 0 if unknown */
};

struct bench_opts {
	int quick;		/* a few iterations: proves it works */
	int reps;		/* repetitions of every section, interleaved */
	uint64_t seed;
	FILE *json;
	const char *disk;	/* a mounted filesystem on the bench disk */
	const char *blockdev;	/* the bench disk's block device */
};

struct bench_ctx {
	struct bench_opts opts;
	struct bench_heap heaps[BENCH_MAX_HEAPS];
	int nheaps;
	int errors;		/* sections that could not run as intended */
	int json_first;		/* no comma before the next JSON member */
	uint64_t rng;		/* bench_order()'s state */
};

/*
 * statistics and JSON (bench_stats.c); the clock (cv_now_ns()), the PRNG
 * (cv_rand()), the heap statistics (cv_stat()) and vgem come from
 * selftests/lib/carveout_util.h
 */
void bench_sort(uint64_t *v, size_t n);
uint64_t bench_pct(const uint64_t *sorted, size_t n, unsigned int pct);
void bench_json_key(struct bench_ctx *b, const char *key);
void bench_order(struct bench_ctx *b, int *order, int n);

/* sections */
void bench_alloc_latency(struct bench_ctx *b);
void bench_first_touch(struct bench_ctx *b);
void bench_map_sync(struct bench_ctx *b);
void bench_map_importer(struct bench_ctx *b);
void bench_churn(struct bench_ctx *b);
void bench_pressure(struct bench_ctx *b);
/* KTAP results bench_pressure() reports itself in a quick run */
unsigned int bench_pressure_cases(void);
/* One KTAP result of a quick run: passed if @ran, else skipped for @why */
void bench_ktap(int ran, const char *name, const char *why);

#endif
