// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: which heap for the devices a buffer will visit.
 *
 * The rules are spelled out at ldma_heap_choose() in libdma.h. Each heap
 * gets a verdict (fits, may fit, rejected) from the hard constraints, then
 * a rank among the heaps with the same verdict from the preferences, and a
 * sentence that says both.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldma_internal.h"

#define LDMA_CHOOSE_FLAGS	LDMA_CHOOSE_CPU_RARELY
#define LDMA_ALLOC_FLAGS	(LDMA_ALLOC_NO_CLOEXEC | LDMA_ALLOC_RDONLY)

/* What the devices need together. */
struct ldma_needs {
	const struct ldma_device_info *devs;
	unsigned int ndevs;
	size_t len;
	bool contig;			/* some device has no IOMMU */
	enum ldma_tristate want_cached;	/* LDMA_UNKNOWN: no preference */
	const char *why_cache;
};

/* A heap being ranked: the result, and the keys it sorts by. */
struct ldma_ranked {
	struct ldma_choice c;
	int keys[4];
	uint64_t room;
};

static void ldma_say(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ldma_say(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len >= size - 1)
		return;
	if (len) {
		snprintf(buf + len, size - len, "; ");
		len = strlen(buf);
	}
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

static const char *ldma_size_str(uint64_t v, char *buf, size_t size)
{
	if (v >= (1u << 20) && !(v % (1u << 20)))
		snprintf(buf, size, "%llu MiB", (unsigned long long)(v >> 20));
	else if (v >= (1u << 20))
		snprintf(buf, size, "%.1f MiB", (double)v / (1u << 20));
	else if (v >= 1024 && !(v % 1024))
		snprintf(buf, size, "%llu KiB", (unsigned long long)(v >> 10));
	else
		snprintf(buf, size, "%llu bytes", (unsigned long long)v);
	return buf;
}

static void ldma_needs_init(struct ldma_needs *n, const struct ldma_device_info *devs,
			    unsigned int ndevs, size_t len, unsigned int flags)
{
	bool noncoherent = false;
	unsigned int i;

	memset(n, 0, sizeof(*n));
	n->devs = devs;
	n->ndevs = ndevs;
	n->len = len;
	for (i = 0; i < ndevs; i++) {
		if (devs[i].iommu != LDMA_YES)
			n->contig = true;
		if (devs[i].coherent != LDMA_YES)
			noncoherent = true;
	}
	if (!noncoherent) {
		n->want_cached = LDMA_YES;
		n->why_cache = "every device is cache-coherent";
	} else if (flags & LDMA_CHOOSE_CPU_RARELY) {
		n->want_cached = LDMA_NO;
		n->why_cache = "a device is not cache-coherent and the CPU seldom touches the buffer";
	} else {
		n->want_cached = LDMA_YES;
		n->why_cache = "the CPU touches the buffer often";
	}
}

/* The hard constraints of one device without an IOMMU. */
static void ldma_check_reach(const struct ldma_device_info *d,
			     struct ldma_ranked *r)
{
	const struct ldma_heap_info *h = &r->c.heap;
	const char *assumed = d->assumed & LDMA_ASSUMED_DMA_BITS ? " (assumed)" : "";

	if (h->contiguous == LDMA_NO) {
		r->c.fit = LDMA_FIT_NO;
		ldma_say(r->c.reason, sizeof(r->c.reason),
			 "not contiguous, and %s has no IOMMU", d->name);
	} else if (h->contiguous == LDMA_UNKNOWN) {
		if (r->c.fit > LDMA_FIT_UNSURE)
			r->c.fit = LDMA_FIT_UNSURE;
		ldma_say(r->c.reason, sizeof(r->c.reason),
			 "does not say whether it is contiguous, and %s has no IOMMU", d->name);
	}
	if (h->addr_bits > d->dma_bits) {
		r->c.fit = LDMA_FIT_NO;
		ldma_say(r->c.reason, sizeof(r->c.reason),
			 "reaches up to 2^%u, beyond the %u-bit DMA mask%s of %s",
			 h->addr_bits, d->dma_bits, assumed, d->name);
	} else if (!h->addr_bits && d->dma_bits < 64) {
		if (r->c.fit > LDMA_FIT_UNSURE)
			r->c.fit = LDMA_FIT_UNSURE;
		ldma_say(r->c.reason, sizeof(r->c.reason),
			 "does not say where it lies, and %s reaches only %u bits%s",
			 d->name, d->dma_bits, assumed);
	}
}

static void ldma_rank(const struct ldma_needs *n, struct ldma_ranked *r)
{
	const struct ldma_heap_info *h = &r->c.heap;
	char *why = r->c.reason, a[24], b[24];
	const char *named_by = NULL;
	unsigned int i, k;

	r->c.fit = LDMA_FIT_YES;
	for (i = 0; i < n->ndevs && h->phandle; i++)
		for (k = 0; k < n->devs[i].nregions; k++)
			if (n->devs[i].regions[k] == h->phandle)
				named_by = n->devs[i].name;
	r->c.named = named_by != NULL;
	if (named_by)
		ldma_say(why, sizeof(r->c.reason), "named by the memory-region of %s", named_by);

	if (n->len && h->size != LDMA_SIZE_UNKNOWN && h->size < n->len) {
		r->c.fit = LDMA_FIT_NO;
		ldma_say(why, sizeof(r->c.reason), "holds %s, less than the %s buffer",
			 ldma_size_str(h->size, a, sizeof(a)),
			 ldma_size_str(n->len, b, sizeof(b)));
	}
	for (i = 0; i < n->ndevs; i++)
		if (n->devs[i].iommu != LDMA_YES)
			ldma_check_reach(&n->devs[i], r);
	if (r->c.fit == LDMA_FIT_YES && n->contig && h->addr_bits)
		ldma_say(why, sizeof(r->c.reason), "contiguous below 2^%u, within every device's reach",
			 h->addr_bits);
	else if (r->c.fit == LDMA_FIT_YES && n->contig)
		ldma_say(why, sizeof(r->c.reason), "contiguous, and every device reaches 64 bits");

	/*
	 * Preferences, strongest first: the DT's word, room for the buffer
	 * now, contiguous memory kept for the devices that need it, cache
	 * attributes; then the larger free extent.
	 */
	r->keys[0] = r->c.named;
	r->room = h->largest_free == LDMA_SIZE_UNKNOWN ? 0 : h->largest_free;
	r->keys[1] = 1;
	if (h->largest_free != LDMA_SIZE_UNKNOWN) {
		r->keys[1] = !n->len || h->largest_free >= n->len;
		ldma_say(why, sizeof(r->c.reason), "largest free extent %s%s",
			 ldma_size_str(h->largest_free, a, sizeof(a)),
			 r->keys[1] ? "" : ", too small now");
	}
	r->keys[2] = 0;
	if (!n->contig) {
		r->keys[2] = h->contiguous != LDMA_YES;
		if (h->contiguous == LDMA_YES)
			ldma_say(why, sizeof(r->c.reason),
				 "contiguous memory that no device here needs (every one has an IOMMU)");
	}
	r->keys[3] = 1;
	if (h->cached != LDMA_UNKNOWN) {
		r->keys[3] = h->cached == n->want_cached ? 2 : 0;
		ldma_say(why, sizeof(r->c.reason), "%s, %spreferred as %s",
			 h->cached == LDMA_YES ? "cached" : "uncached",
			 r->keys[3] ? "" : "not ", n->why_cache);
	}
}

static int ldma_ranked_cmp(const void *pa, const void *pb)
{
	const struct ldma_ranked *a = pa, *b = pb;
	unsigned int i;

	if (a->c.fit != b->c.fit)
		return a->c.fit > b->c.fit ? -1 : 1;
	for (i = 0; i < sizeof(a->keys) / sizeof(a->keys[0]); i++)
		if (a->keys[i] != b->keys[i])
			return a->keys[i] > b->keys[i] ? -1 : 1;
	if (a->room != b->room)
		return a->room > b->room ? -1 : 1;
	return strcmp(a->c.heap.name, b->c.heap.name);
}

LDMA_EXPORT int ldma_heap_choose(struct ldma_ctx *ctx, const struct ldma_device *devs,
				 unsigned int ndevs, size_t len, unsigned int flags,
				 struct ldma_choice **list)
{
	struct ldma_device_info *info;
	struct ldma_heap_info *heaps;
	struct ldma_ranked *ranked;
	struct ldma_choice *out;
	struct ldma_needs needs;
	unsigned int i;
	int n, ret;

	if (!devs || !ndevs || ndevs > 64 || !list || (flags & ~LDMA_CHOOSE_FLAGS))
		return -EINVAL;
	*list = NULL;
	info = calloc(ndevs, sizeof(*info));
	if (!info)
		return -ENOMEM;
	for (i = 0; i < ndevs; i++) {
		ret = ldma_device_query(ctx, &devs[i], &info[i]);
		if (ret < 0) {
			free(info);
			return ret;
		}
	}
	n = ldma_heap_list(ctx, &heaps);
	if (n <= 0) {
		free(info);
		return n;
	}
	ranked = calloc((size_t)n, sizeof(*ranked));
	out = calloc((size_t)n, sizeof(*out));
	if (!ranked || !out) {
		free(ranked);
		free(out);
		free(heaps);
		free(info);
		return -ENOMEM;
	}
	ldma_needs_init(&needs, info, ndevs, len, flags);
	for (i = 0; i < (unsigned int)n; i++) {
		ranked[i].c.heap = heaps[i];
		ldma_rank(&needs, &ranked[i]);
	}
	qsort(ranked, (size_t)n, sizeof(*ranked), ldma_ranked_cmp);
	for (i = 0; i < (unsigned int)n; i++)
		out[i] = ranked[i].c;
	free(ranked);
	free(heaps);
	free(info);
	*list = out;
	return n;
}

LDMA_EXPORT int ldma_alloc_choose(struct ldma_ctx *ctx, const struct ldma_device *devs,
				  unsigned int ndevs, size_t len, unsigned int flags,
				  const char *name, char *chosen, size_t chosen_size)
{
	struct ldma_choice *list;
	int i, n, fd = -ENOENT;

	if ((chosen && !chosen_size) ||
	    ldma_alloc_check(len, flags & ~LDMA_CHOOSE_FLAGS) < 0)
		return -EINVAL;
	n = ldma_heap_choose(ctx, devs, ndevs, len, flags & ~LDMA_ALLOC_FLAGS, &list);
	if (n < 0)
		return n;
	for (i = 0; i < n && list[i].fit != LDMA_FIT_NO; i++) {
		fd = ldma_alloc_from(ctx, list[i].heap.name, len, flags & LDMA_ALLOC_FLAGS, name);
		if (fd != -ENOMEM)
			break;
	}
	if (fd >= 0 && chosen && ldma_path(chosen, chosen_size, "%s", list[i].heap.name) < 0) {
		close(fd);
		fd = -ENAMETOOLONG;
	}
	free(list);
	return fd;
}
