// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmabuf(1): list heaps, show their usage, allocate test buffers and show
 * which dma-bufs a process holds. Each command lives in its own file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmabuf.h"

static const char usage_text[] =
	"usage: dmabuf COMMAND [ARGS]\n"
	"\n"
	"  list [--json]                       heaps and their capabilities\n"
	"  stats [--json]                      per-heap usage\n"
	"  alloc HEAPS SIZE [--name N] [--count K]\n"
	"                                      allocate K buffers, touch every page,\n"
	"                                      report timings\n"
	"  info PID|self [--json]              dma-bufs a process holds\n"
	"  info --fd FD [--json]               one dma-buf descriptor of dmabuf itself\n"
	"  which DEVICE... [--size SIZE] [--cpu-rarely] [--json]\n"
	"                                      the heaps ranked for these devices, and why\n"
	"\n"
	"HEAPS is a heap name or a preference list such as \"video,linux,cma:system\".\n"
	"DEVICE is a device node (/dev/video0), a sysfs device directory, or\n"
	"importer:NAME for a device of /dev/dmabuf_importer.\n"
	"SIZE takes a K, M or G suffix (powers of 1024).\n"
	"Environment: LDMA_DEV_ROOT, LDMA_SYSFS_ROOT, LDMA_PROC_ROOT, LDMA_SYS_ROOT\n"
	"move the /dev/dma_heap, /sys/kernel/carveout_heap, /proc and /sys roots.\n";

int cli_fail(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("dmabuf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err < 0 ? -err : err));
	return 1;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("dmabuf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n%s", usage_text);
	return 2;
}

int cli_no_heap(const char *what)
{
	char names[1024];
	int ret;

	ret = ldma_heap_names(NULL, names, sizeof(names));
	if (ret < 0)
		snprintf(names, sizeof(names), "(cannot list: %s)", strerror(-ret));
	fprintf(stderr, "dmabuf: no heap '%s': %s\n", what, strerror(ENOENT));
	fprintf(stderr, "dmabuf: heaps that exist: %s\n", names);
	return 1;
}

const char *cli_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	if (bytes == LDMA_SIZE_UNKNOWN) {
		snprintf(buf, size, "unknown");
		return buf;
	}
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

void cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void cli_json_u64(FILE *f, uint64_t v)
{
	if (v == LDMA_SIZE_UNKNOWN)
		fputs("null", f);
	else
		fprintf(f, "%llu", (unsigned long long)v);
}

uint64_t cli_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} cmds[] = {
		{ "list", cmd_list },
		{ "stats", cmd_stats },
		{ "alloc", cmd_alloc },
		{ "info", cmd_info },
		{ "which", cmd_which },
	};
	size_t i;

	if (argc < 2)
		return cli_usage("missing command");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	return cli_usage("unknown command '%s'", argv[1]);
}
