// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: small helpers every other file uses (ioctl with retry, paths,
 * one-value text files, number parsing).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ldma_internal.h"

/*
 * Like libdrm's drmIoctl(): a signal or a busy exporter is not a failure
 * the caller can do anything about, so retry.
 */
int ldma_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));

	return ret == -1 ? -errno : ret;
}

int ldma_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Read a small text file into @buf (NUL-terminated). Returns length or -errno. */
int ldma_read_text(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return err ? err : (int)len;
}

/* A decimal value as sysfs writes it: digits, then at most one newline. */
int ldma_parse_u64(const char *str, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)str[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(str, &end, 10);
	if (errno)
		return -errno;
	if (*end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	*val = v;
	return 0;
}

/* A sysfs file of one decimal value. */
int ldma_read_u64(const char *path, uint64_t *val)
{
	char text[32];
	int ret;

	ret = ldma_read_text(path, text, sizeof(text));
	if (ret < 0)
		return ret;
	return ldma_parse_u64(text, val);
}

/*
 * A device-tree property of big-endian 32-bit cells (a phandle, a
 * memory-region list): up to @max cells into @cells. Returns how many the
 * file holds (which may exceed @max), or -EINVAL if its size is not a
 * whole number of cells, or -errno.
 */
int ldma_read_be32(const char *path, uint32_t *cells, unsigned int max)
{
	unsigned char buf[4 * 64 + 1];
	unsigned int i, n;
	int len;

	len = ldma_read_text(path, (char *)buf, sizeof(buf));
	if (len < 0)
		return len;
	if (len % 4)
		return -EINVAL;
	n = (unsigned int)len / 4;
	for (i = 0; i < n && i < max; i++)
		cells[i] = (uint32_t)buf[4 * i] << 24 | (uint32_t)buf[4 * i + 1] << 16 |
			   (uint32_t)buf[4 * i + 2] << 8 | buf[4 * i + 3];
	return (int)n;
}

/* The last component of what the symbolic link @path points to. */
int ldma_link_name(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	return ldma_path(buf, size, "%s", base);
}

/*
 * Build a sorted array from the entries of directory @path: @fill gets each
 * entry name and the next element, and returns 1 to keep it, 0 to skip it,
 * or -errno to stop. On success *@array (NULL when empty) is the caller's
 * to free() and the count is returned.
 */
int ldma_scan_dir(const char *path, size_t size, ldma_fill_fn fill,
		  void *priv, int (*cmp)(const void *, const void *),
		  void **array)
{
	size_t n = 0, cap = 0;
	struct dirent *de;
	char *elems = NULL, *tmp;
	DIR *dir;
	int ret;

	*array = NULL;
	dir = opendir(path);
	if (!dir)
		return -errno;
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			ret = -errno;
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			tmp = cap > INT_MAX ? NULL : realloc(elems, cap * size);
			if (!tmp) {
				ret = -ENOMEM;
				break;
			}
			elems = tmp;
		}
		ret = fill(priv, de->d_name, elems + n * size);
		if (ret < 0)
			break;
		n += (size_t)ret;
	}
	closedir(dir);

	if (ret < 0 || !n) {
		free(elems);
		return ret;
	}
	qsort(elems, n, size, cmp);
	*array = elems;
	return (int)n;
}

bool ldma_access_valid(unsigned int access)
{
	return access && !(access & ~LDMA_RW);
}
