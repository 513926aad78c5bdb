// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_bench: carveout, system and CMA heaps measured in one run.
 *
 * Usage: dmabuf_bench [--quick] [--seed N] [--json FILE]
 *
 * Prints tables on stdout and writes every figure to the JSON file. With
 * --quick (used by make check) each section runs a few iterations only,
 * to prove that it works; the output is then KTAP, one result per section
 * ("ok" when the section ran as intended, never a judgement of a figure).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(struct bench_ctx *b);
	} sections[] = {
		{ "alloc_latency", bench_alloc_latency },
		{ "first_touch", bench_first_touch },
		{ "map_sync_latency", bench_map_sync },
		{ "fragmentation_churn", bench_churn },
		{ "memory_pressure", bench_pressure },
	};
	const char *json = "/dev/null";
	struct bench_ctx b;
	unsigned int i;
	time_t now;
	int ret;

	memset(&b, 0, sizeof(b));
	b.opts.seed = 20261122;
	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			b.opts.quick = 1;
		else if (!strcmp(argv[i], "--seed") && i + 1 < (unsigned int)argc)
			b.opts.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--json") && i + 1 < (unsigned int)argc)
			json = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--quick] [--seed N] [--json FILE]\n", argv[0]);
			return 2;
		}
	}
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
		ksft_print_header();
		ksft_set_plan(sizeof(sections) / sizeof(sections[0]));
	}

	now = time(NULL);
	fprintf(b.opts.json, "{\n  \"date\": %lld,\n  \"quick\": %d,\n  \"seed\": %llu,\n"
		"  \"page_size\": %ld,\n  \"heaps\": [", (long long)now, b.opts.quick,
		(unsigned long long)b.opts.seed, sysconf(_SC_PAGESIZE));
	for (i = 0; i < (unsigned int)b.nheaps; i++)
		fprintf(b.opts.json, "%s{\"name\": \"%s\", \"kind\": \"%s\", \"size\": %llu}",
			i ? ", " : "", b.heaps[i].name, b.heaps[i].kind,
			(unsigned long long)b.heaps[i].size);
	fputc(']', b.opts.json);

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		int before = b.errors;

		sections[i].run(&b);
		fflush(stdout);
		if (b.opts.quick)
			ksft_test_result(b.errors == before, "%s\n", sections[i].name);
	}
	fputs("\n}\n", b.opts.json);
	fclose(b.opts.json);
	return b.errors ? 1 : 0;
}
