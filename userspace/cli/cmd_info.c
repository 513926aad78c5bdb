// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmabuf info: the dma-bufs a process holds (or one descriptor of ours),
 * from /proc/PID/fdinfo. The inode identifies a buffer across processes:
 * two descriptors with the same inode share one buffer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf.h"

static void info_json(const struct ldma_buf_info *bufs, int n)
{
	int i;

	putchar('[');
	for (i = 0; i < n; i++) {
		const struct ldma_buf_info *b = &bufs[i];

		printf("%s\n  {\"fd\": %d, \"inode\": %llu, \"size\": %llu, "
		       "\"count\": %lld, \"exp_name\": ", i ? "," : "", b->fd,
		       (unsigned long long)b->inode,
		       (unsigned long long)b->size, (long long)b->count);
		cli_json_str(stdout, b->exp_name);
		fputs(", \"name\": ", stdout);
		cli_json_str(stdout, b->name);
		putchar('}');
	}
	puts(n ? "\n]" : "]");
}

static void info_table(const char *who, const struct ldma_buf_info *bufs, int n)
{
	char sz[32];
	uint64_t total = 0;
	int i;

	for (i = 0; i < n; i++)
		total += bufs[i].size;
	printf("%s: %d dma-buf descriptor%s, %s\n", who, n, n == 1 ? "" : "s",
	       cli_size(total, sz, sizeof(sz)));
	if (!n)
		return;
	printf("%5s  %10s  %10s  %-20s  %s\n", "FD", "INODE", "SIZE",
	       "EXPORTER", "NAME");
	for (i = 0; i < n; i++)
		printf("%5d  %10llu  %10s  %-20s  %s\n", bufs[i].fd,
		       (unsigned long long)bufs[i].inode,
		       cli_size(bufs[i].size, sz, sizeof(sz)), bufs[i].exp_name,
		       bufs[i].name[0] ? bufs[i].name : "-");
}

static int parse_int(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return !errno && *s && !*end && *out >= 0 && *out <= max ? 0 : -EINVAL;
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fd", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct ldma_buf_info one, *bufs = &one;
	bool json = false;
	long fd = -1, pid = 0;
	char who[64];
	int opt, n;

	while ((opt = getopt_long(argc, argv, "f:j", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (parse_int(optarg, INT32_MAX, &fd) < 0)
				return cli_usage("info: --fd wants a descriptor, not '%s'", optarg);
			break;
		case 'j':
			json = true;
			break;
		default:
			return cli_usage("info: bad option");
		}
	}
	if (argc - optind != (fd < 0 ? 1 : 0))
		return cli_usage("info: wants PID (or self), or --fd FD");

	if (fd >= 0) {
		n = ldma_buf_info(NULL, 0, (int)fd, &one);
		if (n == -ENOTTY) {
			fprintf(stderr, "dmabuf: info: descriptor %ld is not a dma-buf\n", fd);
			return 1;
		}
		if (n < 0)
			return cli_fail(n, "info: descriptor %ld", fd);
		n = 1;
		snprintf(who, sizeof(who), "fd %ld", fd);
	} else {
		if (strcmp(argv[optind], "self") &&
		    (parse_int(argv[optind], INT32_MAX, &pid) < 0 || !pid))
			return cli_usage("info: '%s' is not a PID", argv[optind]);
		n = ldma_buf_list(NULL, (pid_t)pid, &bufs);
		if (n < 0)
			return cli_fail(n, "info: process %s", argv[optind]);
		snprintf(who, sizeof(who), "process %s", argv[optind]);
	}

	if (json)
		info_json(bufs, n);
	else
		info_table(who, bufs, n);
	if (bufs != &one)
		free(bufs);
	return 0;
}
