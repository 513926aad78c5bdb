// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_bench: fragmentation. A seeded churn of video-like buffer sizes
 * on the largest carveout heap, once per allocator policy. The same seed
 * replays the same operations, so the policies see identical requests up
 * to the first failure of either.
 *
 * Phase 1 churns around a target occupancy (allocate more often below
 * it, free more often above it), which is what fragments a heap; a
 * request that fails there is counted and dropped, as a pipeline would
 * retry it later. Phase 2 keeps allocating from the same size mix until
 * the first failure. The utilization at that failure is the figure. A perfect allocator fails a
 * request of R bytes only when less than R is free, so for a heap of S
 * bytes the failure can come as early as 1 - R/S: that bound is reported
 * beside each result.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* 4 KiB metadata, 64 KiB bitstream chunks, NV12 VGA, 720p, 1080p, 8 MiB. */
static const size_t churn_size[] = { 4096, 65536, 460800, 1382400, 3110400, 8 * MiB };
static const unsigned int churn_weight[] = { 20, 15, 15, 20, 20, 10 };
#define NCHURN (sizeof(churn_size) / sizeof(churn_size[0]))
#define MAX_LIVE 4096
#define MAX_SAMPLES 256

struct churn_result {
	double utilization;	/* used / size at the first failure */
	size_t failed_size;	/* the request that failed */
	unsigned int ops;	/* operations before it */
	unsigned int churn_failures;	/* failed requests in phase 1 */
	uint64_t min_largest;	/* smallest largest-free extent seen */
	uint64_t samples[MAX_SAMPLES][2];	/* (op, largest_free) */
	unsigned int nsamples;
};

static size_t pick_size(uint64_t *rng)
{
	unsigned int r = cv_rand(rng) % 100, i, acc = 0;

	for (i = 0; i < NCHURN; i++) {
		acc += churn_weight[i];
		if (r < acc)
			return churn_size[i];
	}
	return churn_size[0];
}

static int churn_once(const struct bench_heap *h, uint64_t seed,
		      unsigned int churn_ops, struct churn_result *res)
{
	static int live[MAX_LIVE];
	static size_t live_size[MAX_LIVE];
	uint64_t rng = seed ? seed : 1, used = 0, largest;
	struct ldma_heap_info info;
	unsigned int nlive = 0, op, i, p_alloc;
	int ret = -EAGAIN;

	memset(res, 0, sizeof(*res));
	res->min_largest = h->size;
	for (op = 0; op < 200000 && ret == -EAGAIN; op++) {
		/* phase 1: around 70% occupancy; phase 2: allocate only */
		p_alloc = op >= churn_ops ? 100 : used * 10 < h->size * 7 ? 75 : 25;
		if (!nlive || cv_rand(&rng) % 100 < p_alloc) {
			size_t size = pick_size(&rng);
			int fd = ldma_heap_ioctl_alloc(h->fd, size, O_RDWR | O_CLOEXEC);

			if (fd == -ENOMEM && op < churn_ops) {
				res->churn_failures++;
			} else if (fd == -ENOMEM || nlive == MAX_LIVE) {
				if (fd >= 0)
					close(fd);
				cv_stat(h->name, "used", &used);
				res->utilization = (double)used / (double)h->size;
				res->failed_size = size;
				res->ops = op;
				ret = 0;
			} else if (fd < 0) {
				ret = fd;
			} else {
				live_size[nlive] = size;
				live[nlive++] = fd;
				used += size;
			}
		} else {
			i = cv_rand(&rng) % nlive;
			close(live[i]);
			used -= live_size[i];
			live_size[i] = live_size[--nlive];
			live[i] = live[nlive];
		}
		if (op % 16 == 0 && !ldma_heap_query(NULL, h->name, &info) &&
		    info.largest_free != LDMA_SIZE_UNKNOWN) {
			largest = info.largest_free;
			if (largest < res->min_largest)
				res->min_largest = largest;
			if (res->nsamples < MAX_SAMPLES) {
				res->samples[res->nsamples][0] = op;
				res->samples[res->nsamples++][1] = largest;
			}
		}
	}
	while (nlive)
		close(live[--nlive]);
	for (i = 0; i < 2000; i++) {
		if (!cv_stat(h->name, "used", &used) && !used)
			break;
		usleep(1000);
	}
	return ret;
}

void bench_churn(struct bench_ctx *b)
{
	static const char *const policies[] = { "best-fit", "first-fit", "two-ended" };
	static struct churn_result res;
	unsigned int nseeds = b->opts.quick ? 1 : 20, s, p, k, first = 1;
	double bound;
	const struct bench_heap *h = NULL;
	char path[256];
	int i;

	for (i = 0; i < b->nheaps; i++)
		if (b->heaps[i].carveout && (!h || b->heaps[i].size > h->size))
			h = &b->heaps[i];
	if (!h) {
		printf("\nFragmentation: no carveout heap, skipped\n");
		b->errors++;
		return;
	}
	snprintf(path, sizeof(path), "/sys/kernel/debug/carveout_heap/%s/policy", h->name);
	printf("\nFragmentation churn on %s (%llu MiB), %u seed(s) from %llu\n", h->name,
	       (unsigned long long)(h->size / MiB), nseeds, (unsigned long long)b->opts.seed);
	printf("%-10s %-9s %-12s %-12s %-13s %-6s %-8s %s\n", "policy", "seed", "utilization",
	       "ideal bound", "failed (KiB)", "ops", "churn-ENOMEM", "min largest free (KiB)");
	bench_json_key(b, "churn");
	fprintf(b->opts.json, "{\"heap\": \"%s\", \"size\": %llu, \"runs\": [", h->name,
		(unsigned long long)h->size);
	for (s = 0; s < nseeds; s++) {
		for (p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
			uint64_t seed = b->opts.seed + s;

			if (cv_write_str(path, policies[p])) {
				printf("cannot set policy %s (debugfs)\n", policies[p]);
				b->errors++;
				continue;
			}
			if (churn_once(h, seed, b->opts.quick ? 100 : 2000, &res)) {
				printf("%-10s churn failed before exhaustion\n", policies[p]);
				b->errors++;
				continue;
			}
			bound = 1.0 - (double)res.failed_size / (double)h->size;
			printf("%-10s %-9llu %10.1f%%  %10.1f%%  %-13zu %-6u %-8u %llu\n", policies[p],
			       (unsigned long long)seed, 100.0 * res.utilization, 100.0 * bound,
			       res.failed_size / KiB, res.ops, res.churn_failures,
			       (unsigned long long)(res.min_largest / KiB));
			fprintf(b->opts.json,
				"%s\n    {\"policy\": \"%s\", \"seed\": %llu, \"utilization\": %.4f, "
				"\"ideal_bound\": %.4f, \"failed_size\": %zu, \"ops\": %u, "
				"\"churn_failures\": %u, \"largest_free\": [",
				first ? "" : ",", policies[p], (unsigned long long)seed,
				res.utilization, bound, res.failed_size, res.ops,
				res.churn_failures);
			first = 0;
			for (k = 0; k < res.nsamples; k++)
				fprintf(b->opts.json, "%s[%llu, %llu]", k ? ", " : "",
					(unsigned long long)res.samples[k][0],
					(unsigned long long)res.samples[k][1]);
			fputs("]}", b->opts.json);
		}
	}
	fputs("\n  ]}", b->opts.json);
	cv_write_str(path, "best-fit");
}
