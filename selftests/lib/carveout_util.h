/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test library of the project (selftests/lib), shared by every suite
 * (carveout, importer, hardening) and by bench/: finding a heap by its
 * capabilities, allocating, reading the heap's statistics, vgem, small
 * files, the clock and the PRNG. importer_util.h adds the importer's
 * ioctl wrappers. Every function that can fail returns 0 (or an fd) on
 * success and -errno on failure.
 */
#ifndef CARVEOUT_UTIL_H
#define CARVEOUT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CV_SYSFS "/sys/kernel/carveout_heap"
#define CV_DEBUGFS "/sys/kernel/debug/carveout_heap"

struct cv_heap {
	char name[256];
	int cached;
	uint64_t size;
	uint64_t align;
};

/* Find the first carveout heap whose "cached" capability equals @cached. */
int cv_find_heap(int cached, struct cv_heap *heap);
/* Read one decimal value from the heap's sysfs directory. */
int cv_sysfs_u64(const char *heap, const char *attr, uint64_t *val);
/* Read "key: value" from the heap's debugfs stats file. */
int cv_stat(const char *heap, const char *key, uint64_t *val);
/* Wait (bounded, 5 s) until the debugfs stat @key of @heap reads 0. */
int cv_wait_stat_zero(const char *heap, const char *key);
/* Wait (bounded) until the heap reports nothing in use and nothing live. */
int cv_wait_idle(const char *heap);

int cv_heap_open(const char *name);
/* DMA_HEAP_IOCTL_ALLOC; returns the dma-buf fd or -errno. */
int cv_alloc(int heap_fd, uint64_t len, uint32_t fd_flags, uint64_t heap_flags);
int cv_sync(int buf_fd, uint64_t flags);

/* vgem: open the vgem card, import a dma-buf, close a GEM handle. */
int cv_vgem_open(void);
int cv_vgem_import(int vgem_fd, int buf_fd, uint32_t *handle);
int cv_vgem_close(int vgem_fd, uint32_t handle);

/*
 * 1 if the kernel command line forces every DMA through swiotlb
 * ("swiotlb=force", "swiotlb=32768,force", ...), 0 otherwise.
 */
int cv_swiotlb_forced(void);
/*
 * 1 if the exporter refuses every direct-mapped device a buffer of a heap
 * that is @cached or not: swiotlb=force is on the command line and the
 * buffer cannot bounce (uncached, or contig_exporter.allow_bounce is 0).
 * Attach then fails with ERANGE (Documentation/heap-design.rst, "Reach").
 */
int cv_bounce_refused(int cached);
/* contig_exporter's allow_bounce parameter: 0, 1, or -errno. */
#define CV_ALLOW_BOUNCE "/sys/module/contig_exporter/parameters/allow_bounce"
int cv_allow_bounce(void);

/* Value of "key:" in /proc/self/fdinfo/<fd>, copied into @out. */
int cv_fdinfo(int fd, const char *key, char *out, size_t outlen);

/*
 * Every heap in /dev/dma_heap, sorted by name, at most @max; returns the
 * number of names or -errno.
 */
int cv_heap_names(char (*names)[64], int max);
/* 1 if @name is a carveout heap (it has a sysfs directory), else 0. */
int cv_is_carveout(const char *name);

/* Small files: the whole content (truncated to @len - 1), or write @s. */
int cv_read_str(const char *path, char *buf, size_t len);
int cv_write_str(const char *path, const char *s);

size_t cv_page_size(void);
/* CLOCK_MONOTONIC in seconds, and in nanoseconds. */
double cv_now(void);
uint64_t cv_now_ns(void);

/*
 * The PRNG of every test and benchmark: xorshift64*, so that a seed
 * replays the same sequence. cv_seed() turns any seed, 0 included, into
 * a well-mixed nonzero state (splitmix64); cv_rand() draws from it.
 */
uint64_t cv_seed(uint64_t seed);
uint64_t cv_rand(uint64_t *state);

/*
 * cv_spawn() - fork a child that runs @setup(@arg), tells the parent how
 * it went, then exits with @work(@arg). Returns the child's pid once
 * @setup has succeeded; -1 if the fork failed or @setup did not return 0
 * (the child is reaped).
 */
pid_t cv_spawn(int (*setup)(void *arg), int (*work)(void *arg), void *arg);

#endif
