// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

char *tree_new(void)
{
	const char *tmp = getenv("TMPDIR");
	char *root;

	if (asprintf(&root, "%s/libdma-test.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		return NULL;
	if (!mkdtemp(root)) {
		free(root);
		return NULL;
	}
	return root;
}

static int tree_rm(const char *path, const struct stat *st, int flag,
		   struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void tree_free(char *root)
{
	if (!root)
		return;
	nftw(root, tree_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

const char *tree_path(const char *root, const char *rel)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return path;
}

static int mkdir_parents(char *path)
{
	char *p;

	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

int tree_write(const char *root, const char *rel, const char *text)
{
	return tree_write_bytes(root, rel, text, strlen(text));
}

int tree_write_bytes(const char *root, const char *rel, const void *text,
		     size_t len)
{
	char path[PATH_MAX];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ret = mkdir_parents(path);
	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ret = write(fd, text, len) == (ssize_t)len ? 0 : -EIO;
	close(fd);
	return ret;
}

int tree_symlink(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ret = mkdir_parents(path);
	if (ret)
		return ret;
	return symlink(target, path) ? -errno : 0;
}

struct ldma_ctx *tree_ctx(const char *root)
{
	char dev[PATH_MAX], sys[PATH_MAX], proc[PATH_MAX], sysroot[PATH_MAX];
	struct ldma_roots roots = {
		.dev = dev, .sysfs = sys, .proc = proc, .sys = sysroot,
	};
	struct ldma_ctx *ctx;

	snprintf(dev, sizeof(dev), "%s/dev", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sysroot, sizeof(sysroot), "%s/sysfs", root);
	return ldma_ctx_new(&ctx, &roots) ? NULL : ctx;
}

int tree_heap(const char *root, const char *name, const char *behaviour)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "dev/%s", name);
	return tree_write(root, rel, behaviour ? behaviour : "");
}

int tree_standard_heaps(const char *root)
{
	static const char *const files[][2] = {
		{ "sys/video/contiguous", "1\n" },
		{ "sys/video/cached", "0\n" },
		{ "sys/video/size", "67108864\n" },
		{ "sys/video/free", "50331648\n" },
		{ "sys/video/largest_free", "33554432\n" },
		{ "sys/video/align", "1048576\n" },
	};
	size_t i;
	int ret;

	ret = tree_heap(root, "system", NULL);
	if (!ret)
		ret = tree_heap(root, "linux,cma", NULL);
	if (!ret)
		ret = tree_heap(root, "video", NULL);
	for (i = 0; !ret && i < sizeof(files) / sizeof(files[0]); i++)
		ret = tree_write(root, files[i][0], files[i][1]);
	return ret;
}

int count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;	/* the directory's own descriptor */
}

int memfd_sized(size_t size)
{
	int fd = memfd_create("ldma-test-buffer", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		close(fd);
		return -errno;
	}
	return fd;
}
