// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Buffer rings: heap checks with errors a person can act on, allocation,
 * and the ring every stage keeps.
 * Part of libpipeline (stage.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "stage.h"

int pl_heap_check(const char *heap)
{
	struct ldma_heap_info info;
	char names[512];

	if (!ldma_heap_query(NULL, heap, &info))
		return 0;
	ldma_heap_names(NULL, names, sizeof(names));
	pl_err("no heap named '%s'; the heaps here are: %s", heap, names);
	return -ENOENT;
}

static void pl_bytes(char *buf, size_t len, uint64_t n)
{
	if (n == LDMA_SIZE_UNKNOWN)
		snprintf(buf, len, "unknown");
	else if (n >= 1 << 20)
		snprintf(buf, len, "%llu bytes (%.1f MiB)", (unsigned long long)n,
			 (double)n / (1 << 20));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
}

static const char *pl_tri(enum ldma_tristate t, const char *yes, const char *no)
{
	return t == LDMA_YES ? yes : t == LDMA_NO ? no : NULL;
}

void pl_heap_caps(const char *heap, char *buf, size_t len)
{
	struct ldma_heap_info info;
	const char *c, *k;

	if (ldma_heap_query(NULL, heap, &info)) {
		snprintf(buf, len, "unknown heap");
		return;
	}
	c = pl_tri(info.contiguous, "contiguous", "not contiguous");
	k = pl_tri(info.cached, "cached", "uncached");
	if (!c && !k)
		snprintf(buf, len, "publishes no capabilities");
	else
		snprintf(buf, len, "%s, %s", c ? c : "contiguity unknown",
			 k ? k : "caching unknown");
}

static void pl_no_room(const char *heap, const char *what, uint64_t size,
		       unsigned int n, const struct ldma_heap_info *info)
{
	char one[48], all[48], freeb[48], largest[48];

	pl_bytes(one, sizeof(one), size);
	pl_bytes(all, sizeof(all), size * n);
	pl_bytes(freeb, sizeof(freeb), info->free);
	pl_bytes(largest, sizeof(largest), info->largest_free);
	pl_err("%u %s do not fit in heap '%s': each needs %s, %s in all; the heap has %s free (largest free extent %s)",
	       n, what, heap, one, all, freeb, largest);
}

int pl_alloc_ring(const char *heap, uint64_t size, unsigned int n,
		  const char *prefix, const char *what, int *fds)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t rounded = (size + page - 1) / page * page;
	struct ldma_heap_info info;
	char name[LDMA_BUF_NAME_MAX];
	unsigned int i;
	int ret;

	ret = pl_heap_check(heap);
	if (ret)
		return ret;
	ret = ldma_heap_query(NULL, heap, &info);
	if (ret) {
		pl_err("cannot look up heap '%s': %s", heap, strerror(-ret));
		return ret;
	}
	if ((info.free != LDMA_SIZE_UNKNOWN && rounded * n > info.free) ||
	    (info.largest_free != LDMA_SIZE_UNKNOWN && info.contiguous == LDMA_YES &&
	     rounded > info.largest_free)) {
		pl_no_room(heap, what, rounded, n, &info);
		return -ENOSPC;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s-%u", prefix, i);
		ret = ldma_alloc(NULL, heap, size, 0, name);
		if (ret < 0) {
			if (ret == -ENOMEM && !ldma_heap_query(NULL, heap, &info))
				pl_no_room(heap, what, rounded, n, &info);
			else
				pl_err("allocating buffer %u of %llu bytes from heap '%s' failed: %s",
				       i, (unsigned long long)size, heap, strerror(-ret));
			while (i)
				close(fds[--i]);
			return ret == -ENOMEM ? -ENOSPC : ret;
		}
		fds[i] = ret;
	}
	return 0;
}

void pl_ring_init(struct pl_ring *r)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < PL_MAX_DEPTH; i++)
		r->fds[i] = -1;
}

void pl_ring_release(struct pl_ring *r, int drm_fd, int imp_fd)
{
	unsigned int i;

	for (i = 0; i < PL_MAX_DEPTH; i++) {
		ldma_unmap(r->maps[i]);
		r->maps[i] = NULL;
		if (r->fb[i] && drm_fd >= 0)
			drmModeRmFB(drm_fd, r->fb[i]);
		if (r->gem[i] && drm_fd >= 0)
			drmCloseBufferHandle(drm_fd, r->gem[i]);
		r->fb[i] = r->gem[i] = 0;
		if (r->imp[i] && imp_fd >= 0)
			imp_detach(imp_fd, r->imp[i]);
		r->imp[i] = 0;
		if (r->fds[i] >= 0)
			close(r->fds[i]);
		r->fds[i] = -1;
	}
}

void pl_heap_contiguous(const char *except, char *buf, size_t len)
{
	struct ldma_heap_info info;
	char names[512], *name, *save;
	size_t n = 0;

	buf[0] = '\0';
	if (ldma_heap_names(NULL, names, sizeof(names)) < 0)
		return;
	for (name = strtok_r(names, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
		if (!strcmp(name, except) || ldma_heap_query(NULL, name, &info) ||
		    info.contiguous != LDMA_YES)
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "", name);
		if (n >= len)
			break;
	}
}
