// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_bench: 8 MiB allocations while another process holds most free
 * memory populated and mlock()ed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static uint64_t mem_available(void)
{
	char line[128];
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* Child: pin @bytes of anonymous memory, report on @wfd, wait to be killed. */
static void hog(uint64_t bytes, int wfd)
{
	char ok = 1;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED || mlock(p, bytes))
		ok = 0;
	if (write(wfd, &ok, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

void bench_pressure(struct bench_ctx *b)
{
	int attempts = b->opts.quick ? 4 : 20, pfd[2], h, i, first = 1;
	uint64_t avail = mem_available(), hogged;
	char ok = 0;
	pid_t pid;

	hogged = b->opts.quick ? avail / 2 : avail > 256 * MiB ? avail - 192 * MiB : 0;
	printf("\nMemory pressure: %d x 8 MiB allocations while %llu MiB are mlock()ed\n",
	       attempts, (unsigned long long)(hogged / MiB));
	if (!hogged || pipe2(pfd, O_CLOEXEC)) {
		b->errors++;
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		hog(hogged, pfd[1]);
	}
	close(pfd[1]);
	if (pid < 0 || read(pfd[0], &ok, 1) != 1 || !ok) {
		printf("  could not pin the memory\n");
		b->errors++;
		goto out;
	}
	bench_json_key(b, "pressure");
	fprintf(b->opts.json, "{\"pinned\": %llu, \"attempts\": %d, \"success\": {",
		(unsigned long long)hogged, attempts);
	for (h = 0; h < b->nheaps; h++) {
		const struct bench_heap *hp = &b->heaps[h];
		int good = 0;

		/* The system heap would only wake the OOM killer. */
		if (!strcmp(hp->kind, "system"))
			continue;
		for (i = 0; i < attempts; i++) {
			int fd = ldma_heap_ioctl_alloc(hp->fd, 8 * MiB, O_RDWR | O_CLOEXEC);

			if (fd >= 0) {
				good++;
				close(fd);
			}
		}
		printf("  %-20s %3d/%d (%.0f%%)\n", hp->name, good, attempts,
		       100.0 * good / attempts);
		fprintf(b->opts.json, "%s\"%s\": %.3f", first ? "" : ", ", hp->name,
			(double)good / attempts);
		first = 0;
	}
	fputs("}}", b->opts.json);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(pfd[0]);
}
