// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_bench: carveout, system and CMA heaps measured in one run.
 *
 * Usage: dmabuf_bench [--quick] [--reps N] [--seed N] [--json FILE]
 *                     [--disk DIR --blockdev DEV]
 *
 * Prints tables on stdout and writes every figure to the JSON file, one
 * object per repetition ("reps"); report.py takes the median of the
 * repetitions. --reps (default 3) runs every section N times, the
 * sections in turn. --disk and --blockdev name the bench disk that two of
 * the CMA adversaries need. With --quick (used by make check) there is
 * one repetition of a few iterations, to prove that every section works;
 * the output is then KTAP, one result per section and one per adversary
 * ("ok" when it ran as intended, never a judgement of a figure).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "bench.h"

static const char *heap_kind(const struct ldma_heap_info *info)
{
	if (info->contiguous == LDMA_YES)
		return info->cached == LDMA_YES ? "carveout-cached" : "carveout-uncached";
	if (!strcmp(info->name, "system"))
		return "system";
	if (!strcmp(info->name, "reserved") || !strcmp(info->name, "linux,cma") ||
	    !strcmp(info->name, "default_cma_region"))
		return "cma";
	return "other";
}

/* Carveout heaps first, then system, then CMA: the table's column order. */
static int heap_rank(const char *kind)
{
	if (!strncmp(kind, "carveout", 8))
		return 0;
	return !strcmp(kind, "system") ? 1 : 2;
}

static int open_heaps(struct bench_ctx *b)
{
	struct ldma_heap_info *list;
	int n, i, rank;

	n = ldma_heap_list(NULL, &list);
	if (n < 0)
		return n;
	for (rank = 0; rank < 3; rank++) {
		for (i = 0; i < n && b->nheaps < BENCH_MAX_HEAPS; i++) {
			struct bench_heap *h = &b->heaps[b->nheaps];
			const char *kind = heap_kind(&list[i]);
			char path[128];

			if (heap_rank(kind) != rank)
				continue;
			snprintf(path, sizeof(path), "/dev/dma_heap/%s", list[i].name);
			h->fd = open(path, O_RDONLY | O_CLOEXEC);
			if (h->fd < 0)
				continue;
			snprintf(h->name, sizeof(h->name), "%s", list[i].name);
			snprintf(h->kind, sizeof(h->kind), "%s", kind);
			h->carveout = !strncmp(kind, "carveout", 8);
			h->size = list[i].size == LDMA_SIZE_UNKNOWN ? 0 : list[i].size;
			if (!strcmp(kind, "cma"))
				h->size = 64 * MiB;	/* CONFIG_CMA_SIZE_MBYTES of the board */
			b->nheaps++;
		}
	}
	free(list);
	return b->nheaps ? 0 : -ENOENT;
}

/* kselftest.h keeps its counters per file: every result goes through here. */
void bench_ktap(int ran, const char *name, const char *why)
{
	if (ran)
		ksft_test_result_pass("%s\n", name);
	else
		ksft_test_result_skip("%s: %s\n", name, why);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(struct bench_ctx *b);
		unsigned int (*cases)(void);	/* reports its own results */
	} sections[] = {
		{ "alloc_latency", bench_alloc_latency, NULL },
		{ "first_touch", bench_first_touch, NULL },
		{ "map_sync_latency", bench_map_sync, NULL },
		{ "map_camera_latency", bench_map_importer, NULL },
		{ "fragmentation_churn", bench_churn, NULL },
		{ "cma_adversaries", bench_pressure, bench_pressure_cases },
	};
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "json", required_argument, NULL, 'j' },
		{ "disk", required_argument, NULL, 'd' },
		{ "blockdev", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *json = "/dev/null";
	unsigned int i, plan = 0;
	struct bench_ctx b;
	int ret, rep, c;
	time_t now;

	memset(&b, 0, sizeof(b));
	b.opts.seed = 20261122;
	b.opts.reps = 3;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			b.opts.quick = 1;
			break;
		case 'r':
			b.opts.reps = atoi(optarg);
			break;
		case 's':
			b.opts.seed = strtoull(optarg, NULL, 0);
			break;
		case 'j':
			json = optarg;
			break;
		case 'd':
			b.opts.disk = optarg;
			break;
		case 'b':
			b.opts.blockdev = optarg;
			break;
		default:
			c = -2;
			break;
		}
		if (c == -2)
			break;
	}
	if (c == -2 || optind != argc || b.opts.reps < 1 || b.opts.reps > 99) {
		fprintf(stderr, "usage: %s [--quick] [--reps 1-99] [--seed N] [--json FILE] "
			"[--disk DIR --blockdev DEV]\n", argv[0]);
		return 2;
	}
	if (b.opts.quick)
		b.opts.reps = 1;
	b.opts.json = fopen(json, "we");
	if (!b.opts.json) {
		fprintf(stderr, "dmabuf_bench: %s: %s\n", json, strerror(errno));
		return 1;
	}
	ret = open_heaps(&b);
	if (ret) {
		fprintf(stderr, "dmabuf_bench: no usable heap: %s\n", strerror(-ret));
		return 1;
	}
	if (b.opts.quick) {
		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			plan += sections[i].cases ? sections[i].cases() : 1;
		ksft_print_header();
		ksft_set_plan(plan);
	}

	now = time(NULL);
	fprintf(b.opts.json, "{\n  \"date\": %lld,\n  \"quick\": %d,\n  \"seed\": %llu,\n"
		"  \"page_size\": %ld,\n  \"heaps\": [", (long long)now, b.opts.quick,
		(unsigned long long)b.opts.seed, sysconf(_SC_PAGESIZE));
	for (i = 0; i < (unsigned int)b.nheaps; i++)
		fprintf(b.opts.json, "%s{\"name\": \"%s\", \"kind\": \"%s\", \"size\": %llu}",
			i ? ", " : "", b.heaps[i].name, b.heaps[i].kind,
			(unsigned long long)b.heaps[i].size);
	fprintf(b.opts.json, "],\n  \"reps\": [");

	for (rep = 0; rep < b.opts.reps; rep++) {
		if (b.opts.reps > 1)
			printf("\n=== Repetition %d of %d ===\n", rep + 1, b.opts.reps);
		fprintf(b.opts.json, "%s{", rep ? ",\n  " : "");
		b.json_first = 1;
		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
			int before = b.errors;

			sections[i].run(&b);
			fflush(stdout);
			if (b.opts.quick && !sections[i].cases)
				ksft_test_result(b.errors == before, "%s\n",
						 sections[i].name);
		}
		fputs("\n  }", b.opts.json);
	}
	fputs("]\n}\n", b.opts.json);
	fclose(b.opts.json);
	return b.errors ? 1 : 0;
}
