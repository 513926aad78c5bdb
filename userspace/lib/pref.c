// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: heap preference lists ("video,linux,cma,system").
 *
 * Heap names may contain commas, so a comma separates entries only where
 * it does not belong to the name of an existing heap: at each position the
 * longest comma-joined run that names a heap wins. ':' and whitespace
 * always separate. The rule is spelled out at ldma_pref_next() in libdma.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ldma_internal.h"

static bool ldma_pref_hard_sep(char c)
{
	return c == ':' || isspace((unsigned char)c);
}

static bool ldma_pref_sep(char c)
{
	return c == ',' || ldma_pref_hard_sep(c);
}

/* Does list[start, end) name an existing heap? */
static bool ldma_pref_is_heap(struct ldma_ctx *ctx, const char *list,
			      size_t start, size_t end)
{
	char heap[LDMA_HEAP_NAME_MAX];

	if (end - start >= sizeof(heap))
		return false;
	memcpy(heap, list + start, end - start);
	heap[end - start] = '\0';
	return ldma_heap_exists(ctx, heap) == 0;
}

LDMA_EXPORT int ldma_pref_next(struct ldma_ctx *ctx, const char *list,
			       size_t *pos, char *name, size_t size)
{
	size_t len, p, run_end, end;

	if (!list || !pos || !name || !size)
		return -EINVAL;
	len = strlen(list);
	if (*pos > len)
		return -EINVAL;

	for (p = *pos;; ) {
		while (p < len && ldma_pref_sep(list[p]))
			p++;
		if (p == len) {
			*pos = p;
			return -ENOENT;
		}
		run_end = p;
		while (run_end < len && !ldma_pref_hard_sep(list[run_end]))
			run_end++;

		/* Candidates end at run_end, then at each comma, longest first. */
		for (end = run_end; end > p; ) {
			if (ldma_pref_is_heap(ctx, list, p, end)) {
				if (end - p >= size)
					return -ENAMETOOLONG;
				memcpy(name, list + p, end - p);
				name[end - p] = '\0';
				*pos = end;
				return 0;
			}
			do
				end--;
			while (end > p && list[end] != ',');
		}

		/* Nothing exists here: skip one word, a missing heap. */
		while (p < run_end && list[p] != ',')
			p++;
	}
}

LDMA_EXPORT int ldma_alloc_pref(struct ldma_ctx *ctx, const char *list,
				size_t len, unsigned int flags,
				const char *name, char *chosen,
				size_t chosen_size)
{
	char heap[LDMA_HEAP_NAME_MAX];
	size_t pos = 0;
	int fd = -ENOENT;

	if (!list || (chosen && !chosen_size))
		return -EINVAL;
	if (ldma_alloc_check(len, flags) < 0)
		return -EINVAL;

	while (ldma_pref_next(ctx, list, &pos, heap, sizeof(heap)) == 0) {
		fd = ldma_alloc_from(ctx, heap, len, flags, name);
		if (fd >= 0) {
			if (chosen)
				snprintf(chosen, chosen_size, "%s", heap);
			return fd;
		}
	}
	return fd;
}
