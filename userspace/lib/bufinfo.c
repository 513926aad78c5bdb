// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: the dma-bufs a process holds, from /proc/PID/fdinfo.
 *
 * A dma-buf's fdinfo adds "size:", "count:", "exp_name:" and, once named,
 * "name:" to the generic "pos/flags/mnt_id/ino" lines. The exp_name line is
 * what tells a dma-buf from any other file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ldma_internal.h"

static void ldma_copy_field(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int ldma_field_u64(const char *val, size_t len, uint64_t *out)
{
	char num[24];

	if (len >= sizeof(num))
		return -EINVAL;
	ldma_copy_field(num, sizeof(num), val, len);
	return ldma_parse_u64(num, out);
}

static bool ldma_key_is(const char *line, const char *colon, const char *key)
{
	size_t len = strlen(key);

	return (size_t)(colon - line) == len && !strncmp(line, key, len);
}

/* Parse fdinfo text. Returns 0, or -ENOTTY if it is not a dma-buf's. */
int ldma_fdinfo_parse(const char *text, struct ldma_buf_info *info)
{
	const char *line, *next, *colon, *val;
	bool is_dmabuf = false;
	size_t len, vlen;
	uint64_t v;

	memset(info, 0, sizeof(*info));
	info->count = -1;
	for (line = text; *line; line = next) {
		next = strchr(line, '\n');
		len = next ? (size_t)(next - line) : strlen(line);
		next = line + len + (next ? 1 : 0);
		colon = memchr(line, ':', len);
		if (!colon)
			continue;
		val = colon + 1;
		while (val < line + len && (*val == '\t' || *val == ' '))
			val++;
		vlen = (size_t)(line + len - val);

		if (ldma_key_is(line, colon, "exp_name")) {
			is_dmabuf = true;
			ldma_copy_field(info->exp_name, sizeof(info->exp_name),
					val, vlen);
		} else if (ldma_key_is(line, colon, "name")) {
			ldma_copy_field(info->name, sizeof(info->name), val, vlen);
		} else if (ldma_key_is(line, colon, "size")) {
			if (!ldma_field_u64(val, vlen, &v))
				info->size = v;
		} else if (ldma_key_is(line, colon, "count")) {
			if (!ldma_field_u64(val, vlen, &v) && v <= INT64_MAX)
				info->count = (int64_t)v;
		} else if (ldma_key_is(line, colon, "ino")) {
			if (!ldma_field_u64(val, vlen, &v))
				info->inode = v;
		}
	}
	return is_dmabuf ? 0 : -ENOTTY;
}

static int ldma_proc_path(struct ldma_ctx *ctx, char *buf, size_t size,
			  pid_t pid, const char *what, int fd)
{
	const char *root = ldma_ctx_root(ctx, LDMA_ROOT_PROC);
	char proc[24];

	if (pid)
		snprintf(proc, sizeof(proc), "%d", (int)pid);
	else
		strcpy(proc, "self");
	if (fd < 0)
		return ldma_path(buf, size, "%s/%s/%s", root, proc, what);
	return ldma_path(buf, size, "%s/%s/%s/%d", root, proc, what, fd);
}

LDMA_EXPORT int ldma_buf_info(struct ldma_ctx *ctx, pid_t pid, int fd,
			      struct ldma_buf_info *info)
{
	char path[PATH_MAX], text[4096];
	struct stat st;
	int ret;

	if (!info || pid < 0 || fd < 0)
		return -EINVAL;
	ret = ldma_proc_path(ctx, path, sizeof(path), pid, "fdinfo", fd);
	if (ret < 0)
		return ret;
	ret = ldma_read_text(path, text, sizeof(text));
	if (ret < 0)
		return ret;
	ret = ldma_fdinfo_parse(text, info);
	if (ret < 0)
		return ret;
	info->fd = fd;

	/* The buffer's own inode: stat() follows the magic link. */
	ret = ldma_proc_path(ctx, path, sizeof(path), pid, "fd", fd);
	if (ret == 0 && stat(path, &st) == 0)
		info->inode = (uint64_t)st.st_ino;
	return 0;
}

static int ldma_buf_info_cmp(const void *a, const void *b)
{
	const struct ldma_buf_info *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

struct ldma_buf_scan {
	struct ldma_ctx *ctx;
	pid_t pid;
};

static int ldma_buf_fill(void *priv, const char *name, void *elem)
{
	const struct ldma_buf_scan *scan = priv;
	char *end;
	long fd;
	int ret;

	fd = strtol(name, &end, 10);
	if (*end || end == name || fd < 0 || fd > INT_MAX)
		return 0;
	ret = ldma_buf_info(scan->ctx, scan->pid, (int)fd, elem);
	/* Not a dma-buf, or closed since readdir(): not ours to list. */
	if (ret == -ENOTTY || ret == -ENOENT)
		return 0;
	return ret < 0 ? ret : 1;
}

LDMA_EXPORT int ldma_buf_list(struct ldma_ctx *ctx, pid_t pid,
			      struct ldma_buf_info **list)
{
	struct ldma_buf_scan scan = { .ctx = ctx, .pid = pid };
	char path[PATH_MAX];
	void *bufs;
	int ret;

	if (!list || pid < 0)
		return -EINVAL;
	*list = NULL;
	ret = ldma_proc_path(ctx, path, sizeof(path), pid, "fdinfo", -1);
	if (ret < 0)
		return ret;
	ret = ldma_scan_dir(path, sizeof(**list), ldma_buf_fill, &scan,
			    ldma_buf_info_cmp, &bufs);
	*list = bufs;
	return ret;
}
