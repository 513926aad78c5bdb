// SPDX-License-Identifier: GPL-2.0
/* The project's test library: see carveout_util.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <drm/drm.h>

#include "carveout_util.h"

size_t cv_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

double cv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t cv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t cv_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

uint64_t cv_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

int cv_sysfs_u64(const char *heap, const char *attr, uint64_t *val)
{
	char path[256], buf[64], *end;
	int ret;

	snprintf(path, sizeof(path), CV_SYSFS "/%s/%s", heap, attr);
	ret = cv_read_str(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int cv_find_heap(int cached, struct cv_heap *heap)
{
	struct dirent *de;
	uint64_t c;
	DIR *d;
	int ret = -ENOENT;

	d = opendir(CV_SYSFS);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (cv_sysfs_u64(de->d_name, "cached", &c) || (int)c != cached)
			continue;
		snprintf(heap->name, sizeof(heap->name), "%s", de->d_name);
		heap->cached = cached;
		if (cv_sysfs_u64(heap->name, "size", &heap->size) ||
		    cv_sysfs_u64(heap->name, "align", &heap->align))
			continue;
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

int cv_stat(const char *heap, const char *key, uint64_t *val)
{
	char path[256], buf[4096], *p;
	size_t klen = strlen(key);
	int ret;

	snprintf(path, sizeof(path), CV_DEBUGFS "/%s/stats", heap);
	ret = cv_read_str(path, buf, sizeof(buf));
	if (ret)
		return ret;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			*val = strtoull(p + klen + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

int cv_wait_stat_zero(const char *heap, const char *key)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	uint64_t val = 1;
	int i, ret;

	for (i = 0; i < 500; i++) {
		ret = cv_stat(heap, key, &val);
		if (ret || !val)
			return ret;
		nanosleep(&ts, NULL);
	}
	return -EBUSY;
}

int cv_wait_idle(const char *heap)
{
	/* Freeing is synchronous for "used"; allow a moment for fput work. */
	int ret = cv_wait_stat_zero(heap, "used");

	return ret ? ret : cv_wait_stat_zero(heap, "live_buffers");
}

int cv_heap_open(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int cv_alloc(int heap_fd, uint64_t len, uint32_t fd_flags, uint64_t heap_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
		.heap_flags = heap_flags,
	};

	if (ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0)
		return -errno;
	return (int)data.fd;
}

int cv_sync(int buf_fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(buf_fd, DMA_BUF_IOCTL_SYNC, &sync) < 0 ? -errno : 0;
}

int cv_vgem_open(void)
{
	char path[64], name[8];
	int i, fd;

	for (i = 0; i < 16; i++) {
		struct drm_version v = { .name_len = 4, .name = name };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && v.name_len == 4 &&
		    !memcmp(name, "vgem", 4))
			return fd;
		close(fd);
	}
	return -ENODEV;
}

int cv_vgem_import(int vgem_fd, int buf_fd, uint32_t *handle)
{
	struct drm_prime_handle h = { .fd = buf_fd };

	if (ioctl(vgem_fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &h) < 0)
		return -errno;
	*handle = h.handle;
	return 0;
}

int cv_vgem_close(int vgem_fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return ioctl(vgem_fd, DRM_IOCTL_GEM_CLOSE, &c) < 0 ? -errno : 0;
}

int cv_fdinfo(int fd, const char *key, char *out, size_t outlen)
{
	char path[64], buf[4096], *p, *e;
	size_t klen = strlen(key);
	int ret;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ret = cv_read_str(path, buf, sizeof(buf));
	if (ret)
		return ret;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) || p[klen] != ':')
			continue;
		p += klen + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		snprintf(out, outlen, "%.*s", (int)(e - p), p);
		return 0;
	}
	return -ENOENT;
}

static int cv_name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int cv_heap_names(char (*names)[64], int max)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir("/dev/dma_heap");
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(names[n++], sizeof(names[0]), "%.63s", de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cv_name_cmp);
	return n;
}

int cv_is_carveout(const char *name)
{
	char path[320];

	snprintf(path, sizeof(path), CV_SYSFS "/%s", name);
	return access(path, F_OK) == 0;
}

int cv_read_str(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1 &&
	       (n = read(fd, buf + total, len - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return 0;
}

int cv_write_str(const char *path, const char *s)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

int cv_swiotlb_forced(void)
{
	char buf[4096], *arg, *save, *opt;
	int forced = 0;

	if (cv_read_str("/proc/cmdline", buf, sizeof(buf)))
		return 0;
	/* swiotlb=<slabs>[,<areas>][,force]; the last one counts. */
	for (arg = strtok_r(buf, " \n", &save); arg; arg = strtok_r(NULL, " \n", &save)) {
		if (strncmp(arg, "swiotlb=", 8))
			continue;
		opt = strrchr(arg, ',');
		forced = !strcmp(opt ? opt + 1 : arg + 8, "force");
	}
	return forced;
}

int cv_allow_bounce(void)
{
	char buf[8];
	int ret;

	ret = cv_read_str(CV_ALLOW_BOUNCE, buf, sizeof(buf));
	if (ret)
		return ret;
	return buf[0] == 'Y' || buf[0] == '1';
}

int cv_bounce_refused(int cached)
{
	if (!cv_swiotlb_forced())
		return 0;
	return !cached || cv_allow_bounce() != 1;
}

pid_t cv_spawn(int (*setup)(void *arg), int (*work)(void *arg), void *arg)
{
	int pipefd[2], status;
	char ok = 0;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		ok = !setup(arg);
		if (write(pipefd[1], &ok, 1) != 1 || !ok)
			_exit(2);
		_exit(work(arg));
	}
	close(pipefd[1]);
	if (pid > 0 && (read(pipefd[0], &ok, 1) != 1 || !ok)) {
		waitpid(pid, &status, 0);
		pid = -1;
	}
	close(pipefd[0]);
	return pid;
}
