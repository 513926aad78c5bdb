// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: which heaps exist and what they publish about themselves.
 *
 * Only the carveout heap publishes capabilities (sysfs, one decimal value
 * per file). Anything it does not say is reported as unknown rather than
 * inferred from the heap's name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldma_internal.h"

static int ldma_sysfs_u64(struct ldma_ctx *ctx, const char *heap,
			  const char *attr, uint64_t *val)
{
	char path[PATH_MAX];
	int ret;

	ret = ldma_path(path, sizeof(path), "%s/%s/%s",
			ldma_ctx_root(ctx, LDMA_ROOT_SYSFS), heap, attr);
	return ret < 0 ? ret : ldma_read_u64(path, val);
}

static uint64_t ldma_sysfs_size(struct ldma_ctx *ctx, const char *heap,
				const char *attr)
{
	uint64_t v;

	if (ldma_sysfs_u64(ctx, heap, attr, &v) < 0 || v == LDMA_SIZE_UNKNOWN)
		return LDMA_SIZE_UNKNOWN;
	return v;
}

static enum ldma_tristate ldma_sysfs_bool(struct ldma_ctx *ctx,
					  const char *heap, const char *attr)
{
	uint64_t v;

	if (ldma_sysfs_u64(ctx, heap, attr, &v) < 0 || v > 1)
		return LDMA_UNKNOWN;
	return v ? LDMA_YES : LDMA_NO;
}

/* The device-tree node behind <sysfs root>/<heap>/of_node, if any. */
static void ldma_heap_node(struct ldma_ctx *ctx, const char *heap,
			   struct ldma_heap_info *info)
{
	char path[PATH_MAX];
	uint32_t phandle;

	info->phandle = 0;
	info->node[0] = '\0';
	if (ldma_path(path, sizeof(path), "%s/%s/of_node",
		      ldma_ctx_root(ctx, LDMA_ROOT_SYSFS), heap) < 0 ||
	    ldma_link_name(path, info->node, sizeof(info->node)) < 0) {
		info->node[0] = '\0';
		return;
	}
	/* A node that no property references has no phandle. */
	if (ldma_path(path, sizeof(path), "%s/%s/of_node/phandle",
		      ldma_ctx_root(ctx, LDMA_ROOT_SYSFS), heap) == 0 &&
	    ldma_read_be32(path, &phandle, 1) == 1)
		info->phandle = phandle;
}

/* @heap is a valid name of an existing heap. */
static void ldma_heap_caps(struct ldma_ctx *ctx, const char *heap,
			   struct ldma_heap_info *info)
{
	uint64_t v;

	strcpy(info->name, heap);
	info->contiguous = ldma_sysfs_bool(ctx, heap, "contiguous");
	info->cached = ldma_sysfs_bool(ctx, heap, "cached");
	info->size = ldma_sysfs_size(ctx, heap, "size");
	info->free = ldma_sysfs_size(ctx, heap, "free");
	info->largest_free = ldma_sysfs_size(ctx, heap, "largest_free");
	info->align = ldma_sysfs_size(ctx, heap, "align");
	info->addr_bits = 0;
	if (ldma_sysfs_u64(ctx, heap, "addr_bits", &v) == 0 && v >= 1 && v <= 64)
		info->addr_bits = (unsigned int)v;
	ldma_heap_node(ctx, heap, info);
}

LDMA_EXPORT int ldma_heap_query(struct ldma_ctx *ctx, const char *name,
				struct ldma_heap_info *info)
{
	int ret;

	if (!name || !info)
		return -EINVAL;
	ret = ldma_heap_exists(ctx, name);
	if (ret < 0)
		return ret;
	ldma_heap_caps(ctx, name, info);
	return 0;
}

static int ldma_heap_info_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ldma_heap_info *)a)->name,
		      ((const struct ldma_heap_info *)b)->name);
}

static int ldma_heap_fill(void *ctx, const char *name, void *elem)
{
	if (!ldma_heap_name_valid(name))
		return 0;
	ldma_heap_caps(ctx, name, elem);
	return 1;
}

LDMA_EXPORT int ldma_heap_list(struct ldma_ctx *ctx,
			       struct ldma_heap_info **list)
{
	void *heaps;
	int n;

	if (!list)
		return -EINVAL;
	n = ldma_scan_dir(ldma_ctx_root(ctx, LDMA_ROOT_DEV), sizeof(**list),
			  ldma_heap_fill, ctx, ldma_heap_info_cmp, &heaps);
	*list = heaps;
	/* No heap directory: a machine without heaps, not an error. */
	return n == -ENOENT ? 0 : n;
}

LDMA_EXPORT int ldma_heap_names(struct ldma_ctx *ctx, char *buf, size_t size)
{
	struct ldma_heap_info *heaps;
	size_t len = 0, used = 0;
	int i, n;

	if (!buf || !size)
		return -EINVAL;
	n = ldma_heap_list(ctx, &heaps);
	if (n < 0)
		return n;

	/* snprintf() semantics: @used stays within @buf, @len keeps counting. */
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(buf + used, size - used, "%s%s",
					i ? " " : "", heaps[i].name);
		used = len < size - 1 ? len : size - 1;
	}
	free(heaps);
	if (!n)
		len = (size_t)snprintf(buf, size, "(none)");
	return len > INT_MAX ? INT_MAX : (int)len;
}
