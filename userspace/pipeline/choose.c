// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Choosing a stage's heap by the devices its buffers visit, when --heap
 * does not name one: libdma's ldma_heap_choose(), with the choice and its
 * reason in the log, and the `dmabuf which` command that gives the same
 * ranking. Part of libpipeline (stage.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stage.h"

int pl_device_name(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

void pl_visit_fd(struct pl_visit *v, int fd, const char *name)
{
	memset(v, 0, sizeof(*v));
	v->dev.fd = fd;
	if (name)
		snprintf(v->name, sizeof(v->name), "%s", name);
	else if (pl_device_name(fd, v->name, sizeof(v->name)))
		snprintf(v->name, sizeof(v->name), "fd %d", fd);
}

void pl_visit_importer(struct pl_visit *v, int imp_fd, const struct imp_dev *dev)
{
	memset(v, 0, sizeof(*v));
	v->dev.fd = imp_fd;
	v->dev.index = dev->index;
	snprintf(v->name, sizeof(v->name), "importer:%s", dev->name);
}

int pl_heap_choose(const struct pl_visit *v, unsigned int n, uint64_t size,
		   unsigned int flags, char *heap, size_t len)
{
	struct ldma_device devs[PL_MAX_VISITS];
	char cmd[256] = "dmabuf which";
	struct ldma_choice *list;
	unsigned int i;
	int count;

	if (!n || n > PL_MAX_VISITS)
		return PL_EXIT_FAIL;
	for (i = 0; i < n; i++) {
		devs[i] = v[i].dev;
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " %s", v[i].name);
	}
	snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s --size %llu",
		 flags & LDMA_CHOOSE_CPU_RARELY ? " --cpu-rarely" : "",
		 (unsigned long long)size);

	count = ldma_heap_choose(NULL, devs, n, size, flags, &list);
	if (count < 0) {
		pl_err("cannot choose a heap for %s: %s", cmd + strlen("dmabuf which "),
		       strerror(-count));
		return PL_EXIT_FAIL;
	}
	if (!count || list[0].fit == LDMA_FIT_NO) {
		pl_err("no heap fits the devices (%s):", cmd);
		for (i = 0; i < (unsigned int)count; i++)
			pl_err("  heap '%s': %s", list[i].heap.name, list[i].reason);
		free(list);
		return PL_EXIT_HEAP;
	}
	snprintf(heap, len, "%s", list[0].heap.name);
	pl_info("heap '%s' chosen (%s)%s: %s", heap, cmd,
		list[0].fit == LDMA_FIT_UNSURE ? ", though it may be refused" : "",
		list[0].reason);
	free(list);
	return 0;
}
