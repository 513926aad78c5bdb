// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_bench: allocation, first-touch, map and sync latencies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm/drm.h>
#include <linux/dma-buf.h>

#include "bench.h"
#include "libimp.h"

static const size_t sizes[] = { 4 * KiB, 64 * KiB, 1 * MiB, 8 * MiB, 32 * MiB };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

struct series {
	uint64_t *ns;
	size_t n;
	int failed;
};

static int fits(const struct bench_heap *h, size_t size)
{
	return !h->size || size <= h->size / 2;
}

static void series_json(struct bench_ctx *b, const char *heap, const char *op,
			size_t size, struct series *s, int *first)
{
	bench_sort(s->ns, s->n);
	fprintf(b->opts.json,
		"%s\n    {\"heap\": \"%s\", \"op\": \"%s\", \"size\": %zu, \"n\": %zu, "
		"\"failed\": %d, \"median_ns\": %llu, \"p99_ns\": %llu}",
		*first ? "" : ",", heap, op, size, s->n, s->failed,
		(unsigned long long)bench_pct(s->ns, s->n, 50),
		(unsigned long long)bench_pct(s->ns, s->n, 99));
	*first = 0;
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static uint64_t anon_memset_ns(size_t size)
{
	uint64_t t0 = cv_now_ns();
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	memset(p, 0, size);
	t0 = cv_now_ns() - t0;
	munmap(p, size);
	return t0;
}

/* Wait (untimed) until a carveout heap has no zeroing backlog. */
static void drain_backlog(const struct bench_heap *h)
{
	uint64_t backlog = 1;
	int i;

	for (i = 0; h->carveout && backlog && i < 2000; i++) {
		if (cv_stat(h->name, "zero_backlog", &backlog))
			return;
		if (backlog)
			usleep(1000);
	}
}

/*
 * Allocate + close, every heap in turn per iteration, plus the anonymous
 * memset reference, in a new random order each iteration: the
 * reference's munmap flushes TLBs, which under TCG slows whatever runs
 * next. The ioctl times of the attempts that came right after it are
 * also kept apart (@after), to measure that. @prezeroed waits for the
 * zeroing worker before each carveout allocation, outside the timing.
 */
static void alloc_round(struct bench_ctx *b, size_t size, size_t iters,
			int prezeroed, struct series *s, struct series *only,
			struct series *after, struct series *ref)
{
	int n = b->nheaps + 1, order[BENCH_MAX_HEAPS + 1], j, prev = -1;
	size_t i;

	for (i = 0; i < iters; i++) {
		bench_order(b, order, n);
		for (j = 0; j < n; j++) {
			int h = order[j], follows = prev == b->nheaps;
			const struct bench_heap *hp = &b->heaps[h];
			uint64_t t0, t;
			int fd;

			prev = h;
			if (h == b->nheaps) {
				ref->ns[ref->n++] = anon_memset_ns(size);
				continue;
			}
			if (!fits(hp, size) || (prezeroed && !hp->carveout))
				continue;
			if (prezeroed)
				drain_backlog(hp);
			t0 = cv_now_ns();
			fd = ldma_heap_ioctl_alloc(hp->fd, size, O_RDWR | O_CLOEXEC);
			if (fd < 0) {
				s[h].failed++;
				only[h].failed++;
				continue;
			}
			t = cv_now_ns() - t0;
			only[h].ns[only[h].n++] = t;
			if (follows)
				after[h].ns[after[h].n++] = t;
			close(fd);
			s[h].ns[s[h].n++] = cv_now_ns() - t0;
		}
	}
}

static void print_row(struct bench_ctx *b, const char *label, struct series *s,
		      struct series *ref)
{
	int h;

	printf("%-12s", label);
	for (h = 0; h < b->nheaps; h++) {
		if (!s[h].n) {
			printf(" %21s", s[h].failed ? "failed" : "-");
			continue;
		}
		bench_sort(s[h].ns, s[h].n);
		printf(" %9.1f/%-11.1f", us(bench_pct(s[h].ns, s[h].n, 50)),
		       us(bench_pct(s[h].ns, s[h].n, 99)));
	}
	if (!ref) {
		printf("\n");
		return;
	}
	bench_sort(ref->ns, ref->n);
	printf(" %9.1f/%-9.1f\n", us(bench_pct(ref->ns, ref->n, 50)),
	       us(bench_pct(ref->ns, ref->n, 99)));
}

static void header(struct bench_ctx *b, const char *title, const char *ref)
{
	int h;

	printf("\n%s (median/p99 in us)\n%-12s", title, "size");
	for (h = 0; h < b->nheaps; h++)
		printf(" %-21s", b->heaps[h].name);
	printf(" %s\n", ref);
}

static void alloc_section(struct bench_ctx *b, const char *key, int prezeroed)
{
	struct series s[BENCH_MAX_HEAPS], only[BENCH_MAX_HEAPS];
	struct series after[BENCH_MAX_HEAPS], ref;
	char only_key[32], after_key[48];
	int first = 1, h;
	size_t k;

	header(b, prezeroed ? "Allocate+close, pre-zeroed carveout" :
	       "Allocate+close", "anon memset");
	bench_json_key(b, key);
	fputc('[', b->opts.json);
	for (k = 0; k < NSIZES; k++) {
		size_t size = sizes[k];
		size_t iters = b->opts.quick ? 3 : size >= 32 * MiB ? 50 : 200;
		char label[24];

		if (prezeroed && size < 8 * MiB)
			continue;
		memset(s, 0, sizeof(s));
		memset(only, 0, sizeof(only));
		memset(after, 0, sizeof(after));
		for (h = 0; h < b->nheaps; h++) {
			s[h].ns = calloc(iters, sizeof(uint64_t));
			only[h].ns = calloc(iters, sizeof(uint64_t));
			after[h].ns = calloc(iters, sizeof(uint64_t));
		}
		ref.ns = calloc(iters, sizeof(uint64_t));
		ref.n = 0;
		ref.failed = 0;
		alloc_round(b, size, iters, prezeroed, s, only, after, &ref);
		snprintf(label, sizeof(label), "%zuK", size / KiB);
		print_row(b, label, s, &ref);
		for (h = 0; h < b->nheaps; h++) {
			if (s[h].n || s[h].failed) {
				/* the ioctl alone, without the release */
				snprintf(only_key, sizeof(only_key), "%s_only", key);
				snprintf(after_key, sizeof(after_key), "%s_only_after_munmap",
					 key);
				series_json(b, b->heaps[h].name, key, size, &s[h], &first);
				series_json(b, b->heaps[h].name, only_key, size, &only[h],
					    &first);
				if (after[h].n)
					series_json(b, b->heaps[h].name, after_key, size,
						    &after[h], &first);
			}
			free(only[h].ns);
			free(after[h].ns);
			if (s[h].failed && !prezeroed)
				b->errors++;
			free(s[h].ns);
		}
		series_json(b, "anon-memset", key, size, &ref, &first);
		free(ref.ns);
	}
	fputs("\n  ]", b->opts.json);
}

void bench_alloc_latency(struct bench_ctx *b)
{
	alloc_section(b, "alloc", 0);
	alloc_section(b, "alloc_prezeroed", 1);
}

/* Write every byte of a fresh mapping: GB/s, against an anonymous mapping. */
void bench_first_touch(struct bench_ctx *b)
{
	size_t size = b->opts.quick ? 1 * MiB : 8 * MiB;
	int iters = b->opts.quick ? 2 : 10, i, h;
	uint64_t best[BENCH_MAX_HEAPS + 1] = { 0 };

	printf("\nFirst touch of a fresh %zu MiB mapping (GB/s, best of %d)\n",
	       size / MiB, iters);
	for (i = 0; i < iters; i++) {
		for (h = 0; h <= b->nheaps; h++) {
			uint64_t t0, t;
			void *p;
			int fd = -1;

			if (h < b->nheaps) {
				fd = ldma_heap_ioctl_alloc(b->heaps[h].fd, size,
							   O_RDWR | O_CLOEXEC);
				if (fd < 0)
					continue;
			}
			t0 = cv_now_ns();
			p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED, fd, 0);
			if (p == MAP_FAILED) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			if (fd >= 0)
				ldma_cpu_begin(fd, LDMA_WRITE);
			memset(p, 0x5a, size);
			if (fd >= 0)
				ldma_cpu_end(fd, LDMA_WRITE);
			t = cv_now_ns() - t0;
			munmap(p, size);
			if (fd >= 0)
				close(fd);
			if (!best[h] || t < best[h])
				best[h] = t;
		}
	}
	bench_json_key(b, "first_touch");
	fprintf(b->opts.json, "{\"size\": %zu, \"gbps\": {", size);
	for (h = 0; h <= b->nheaps; h++) {
		const char *name = h < b->nheaps ? b->heaps[h].name : "anon-memset";
		double gbps = best[h] ? (double)size / (double)best[h] : 0.0;

		printf("  %-20s %6.2f\n", name, gbps);
		fprintf(b->opts.json, "%s\"%s\": %.3f", h ? ", " : "", name, gbps);
	}
	fputs("}}", b->opts.json);
}

/* One vgem import (attach + map) and one sync pair with it mapped. */
static void map_sync_once(struct bench_ctx *b, int vgem, int h, size_t size,
			  struct series *map, struct series *sync)
{
	struct drm_prime_handle ph = { 0 };
	uint64_t t0;
	int fd;

	fd = ldma_heap_ioctl_alloc(b->heaps[h].fd, size, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		map->failed++;
		return;
	}
	ph.fd = fd;
	drain_backlog(&b->heaps[h]);
	t0 = cv_now_ns();
	if (ioctl(vgem, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph)) {
		map->failed++;
		close(fd);
		return;
	}
	map->ns[map->n++] = cv_now_ns() - t0;
	t0 = cv_now_ns();
	if (ldma_cpu_begin(fd, LDMA_RW) || ldma_cpu_end(fd, LDMA_RW))
		sync->failed++;
	else
		sync->ns[sync->n++] = cv_now_ns() - t0;
	cv_vgem_close(vgem, ph.handle);
	close(fd);
}

/*
 * vgem import = dma_buf_attach + dma_buf_map_attachment; the sync pair is
 * DMA_BUF_IOCTL_SYNC begin + end while that attachment is mapped, so a
 * cached heap does its cache maintenance for vgem's device.
 */
void bench_map_sync(struct bench_ctx *b)
{
	struct series map[NSIZES][BENCH_MAX_HEAPS], sync[NSIZES][BENCH_MAX_HEAPS];
	size_t iters = b->opts.quick ? 3 : 30, k, i;
	int vgem = cv_vgem_open(), h, j, first = 1, pass;
	int order[BENCH_MAX_HEAPS];
	char label[24];

	if (vgem < 0) {
		printf("\nMap and sync: no vgem device, skipped\n");
		b->errors++;
		return;
	}
	memset(map, 0, sizeof(map));
	memset(sync, 0, sizeof(sync));
	for (k = 0; k < NSIZES; k++) {
		for (h = 0; h < b->nheaps; h++) {
			map[k][h].ns = calloc(iters, sizeof(uint64_t));
			sync[k][h].ns = calloc(iters, sizeof(uint64_t));
		}
		for (i = 0; i < iters; i++) {
			bench_order(b, order, b->nheaps);
			for (j = 0; j < b->nheaps; j++) {
				h = order[j];
				/*
				 * The 6.12 system and CMA heaps hand vgem sg
				 * entries longer than its 64 KiB limit, which
				 * the debug kernel of make check reports; the
				 * quick run measures the carveout heaps only.
				 */
				if (b->opts.quick && !b->heaps[h].carveout)
					continue;
				if (fits(&b->heaps[h], sizes[k]))
					map_sync_once(b, vgem, h, sizes[k], &map[k][h],
						      &sync[k][h]);
			}
		}
	}
	close(vgem);

	bench_json_key(b, "map_sync_vgem");
	fputc('[', b->opts.json);
	for (pass = 0; pass < 2; pass++) {
		struct series (*s)[BENCH_MAX_HEAPS] = pass ? sync : map;

		header(b, pass ? "DMA_BUF_IOCTL_SYNC begin+end, vgem attachment mapped" :
		       "vgem import (attach+map)", "");
		for (k = 0; k < NSIZES; k++) {
			snprintf(label, sizeof(label), "%zuK", sizes[k] / KiB);
			print_row(b, label, s[k], NULL);
			for (h = 0; h < b->nheaps; h++) {
				if (s[k][h].n || s[k][h].failed)
					series_json(b, b->heaps[h].name, pass ? "sync" : "map",
						    sizes[k], &s[k][h], &first);
				b->errors += s[k][h].failed;
				free(s[k][h].ns);
			}
		}
	}
	fputs("\n  ]", b->opts.json);
}

/* The importer's first device with @role, or -1. */
static int imp_find(int imp, uint32_t role)
{
	struct imp_dev *list;
	int n = imp_list(imp, &list), i, found = -1;

	for (i = 0; i < n && found < 0; i++)
		if (list[i].role == role && !(list[i].flags & IMP_DEV_NO_DMA))
			found = (int)list[i].index;
	free(list);
	return found;
}

/* A fresh buffer; @written maps it for the CPU and writes every byte. */
static int imp_buffer(struct bench_ctx *b, int h, size_t size, int written)
{
	int fd = ldma_heap_ioctl_alloc(b->heaps[h].fd, size, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0 || !written)
		return fd;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -1;
	}
	memset(p, 0x5a, size);
	munmap(p, size);
	return fd;
}

/* Camera attach + map of @fd, timed into @s if it is not NULL; detached. */
static void imp_map_once(int imp, int dev, int fd, struct series *s)
{
	uint32_t handle;
	uint64_t t0 = cv_now_ns();
	int ret;

	ret = imp_attach(imp, fd, (uint32_t)dev, &handle, NULL);
	if (!ret) {
		ret = imp_map(imp, handle, IMP_TO_DEVICE, NULL);
		if (!ret && s)
			s->ns[s->n++] = cv_now_ns() - t0;
		imp_detach(imp, handle);
	}
	/* ERANGE: the camera cannot reach this heap (32-bit, RAM above 4 GiB). */
	if (ret && ret != -ERANGE && s)
		s->failed++;
}

/*
 * One iteration at one size: a buffer per heap first, then, with every
 * zeroing worker idle and one untimed map of @warm (the waits leave the
 * vCPU idle, and under TCG the first calls after that run slower), each
 * heap's map timed in a fresh order, one right after the other.
 */
static void imp_map_round(struct bench_ctx *b, int imp, int dev, int warm,
			  size_t size, int written, struct series *s)
{
	int fds[BENCH_MAX_HEAPS], order[BENCH_MAX_HEAPS], h, j;

	for (h = 0; h < b->nheaps; h++) {
		fds[h] = fits(&b->heaps[h], size) ? imp_buffer(b, h, size, written) : -2;
		if (fds[h] == -1)
			s[h].failed++;
	}
	for (h = 0; h < b->nheaps; h++)
		drain_backlog(&b->heaps[h]);
	imp_map_once(imp, dev, warm, NULL);
	bench_order(b, order, b->nheaps);
	for (j = 0; j < b->nheaps; j++) {
		h = order[j];
		if (fds[h] >= 0)
			imp_map_once(imp, dev, fds[h], &s[h]);
	}
	for (h = 0; h < b->nheaps; h++)
		if (fds[h] >= 0)
			close(fds[h]);
}

/*
 * Attach + map for the importer's camera: non-coherent, no segment
 * limit, so a carveout buffer is one segment and the cost is the
 * clean, which a buffer the CPU never wrote does not need.
 */
void bench_map_importer(struct bench_ctx *b)
{
	struct series s[2][NSIZES][BENCH_MAX_HEAPS];
	size_t iters = b->opts.quick ? 2 : 20, k, i;
	int imp = imp_open(NULL), cam, h, w, warm, first = 1;
	char label[24];

	cam = imp < 0 ? -1 : imp_find(imp, IMP_CAMERA);
	if (cam < 0) {
		printf("\nCamera attach+map: no importer camera, skipped\n");
		if (imp >= 0)
			close(imp);
		b->errors++;
		return;
	}
	warm = imp_buffer(b, 0, 4 * KiB, 0);
	memset(s, 0, sizeof(s));
	for (w = 0; w < 2; w++) {
		for (k = 0; k < NSIZES; k++) {
			for (h = 0; h < b->nheaps; h++)
				s[w][k][h].ns = calloc(iters, sizeof(uint64_t));
			for (i = 0; i < iters; i++)
				imp_map_round(b, imp, cam, warm, sizes[k], w, s[w][k]);
		}
	}
	if (warm >= 0)
		close(warm);
	close(imp);

	bench_json_key(b, "map_camera");
	fputc('[', b->opts.json);
	for (w = 0; w < 2; w++) {
		header(b, w ? "Camera attach+map, buffer written through a CPU mapping first" :
		       "Camera attach+map, buffer the CPU never wrote", "");
		for (k = 0; k < NSIZES; k++) {
			snprintf(label, sizeof(label), "%zuK", sizes[k] / KiB);
			print_row(b, label, s[w][k], NULL);
			for (h = 0; h < b->nheaps; h++) {
				if (s[w][k][h].n || s[w][k][h].failed)
					series_json(b, b->heaps[h].name,
						    w ? "map_written" : "map_unwritten",
						    sizes[k], &s[w][k][h], &first);
				b->errors += s[w][k][h].failed;
				free(s[w][k][h].ns);
			}
		}
	}
	fputs("\n  ]", b->opts.json);
}
