// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmabuf list / dmabuf stats: the heaps, what they publish about
 * themselves, and how full they are. What a heap does not publish is shown
 * as "unknown" (JSON null), never guessed.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf.h"

enum heaps_view { VIEW_CAPS, VIEW_USAGE };

static const char *tri_text(enum ldma_tristate t)
{
	return t == LDMA_YES ? "yes" : t == LDMA_NO ? "no" : "unknown";
}

static const char *tri_json(enum ldma_tristate t)
{
	return t == LDMA_YES ? "true" : t == LDMA_NO ? "false" : "null";
}

static uint64_t heap_used(const struct ldma_heap_info *h)
{
	if (h->size == LDMA_SIZE_UNKNOWN || h->free == LDMA_SIZE_UNKNOWN ||
	    h->free > h->size)
		return LDMA_SIZE_UNKNOWN;
	return h->size - h->free;
}

static void heaps_json(const struct ldma_heap_info *heaps, int n,
		       enum heaps_view view)
{
	int i;

	putchar('[');
	for (i = 0; i < n; i++) {
		const struct ldma_heap_info *h = &heaps[i];

		printf("%s\n  {\"name\": ", i ? "," : "");
		cli_json_str(stdout, h->name);
		if (view == VIEW_CAPS)
			printf(", \"contiguous\": %s, \"cached\": %s",
			       tri_json(h->contiguous), tri_json(h->cached));
		fputs(", \"size\": ", stdout);
		cli_json_u64(stdout, h->size);
		if (view == VIEW_USAGE) {
			fputs(", \"used\": ", stdout);
			cli_json_u64(stdout, heap_used(h));
		}
		fputs(", \"free\": ", stdout);
		cli_json_u64(stdout, h->free);
		fputs(", \"largest_free\": ", stdout);
		cli_json_u64(stdout, h->largest_free);
		if (view == VIEW_CAPS) {
			fputs(", \"align\": ", stdout);
			cli_json_u64(stdout, h->align);
			fputs(", \"addr_bits\": ", stdout);
			if (h->addr_bits)
				printf("%u", h->addr_bits);
			else
				fputs("null", stdout);
			fputs(", \"node\": ", stdout);
			if (h->node[0])
				cli_json_str(stdout, h->node);
			else
				fputs("null", stdout);
		}
		putchar('}');
	}
	puts(n ? "\n]" : "]");
}

static void heaps_table(const struct ldma_heap_info *heaps, int n,
			enum heaps_view view)
{
	char a[32], b[32], c[32], d[32], reach[16];
	int i, w = 4;

	for (i = 0; i < n; i++)
		if ((int)strlen(heaps[i].name) > w)
			w = (int)strlen(heaps[i].name);

	if (view == VIEW_CAPS)
		printf("%-*s  %-10s  %-7s  %10s  %10s  %12s  %10s  %-7s  %s\n", w, "HEAP",
		       "CONTIGUOUS", "CACHED", "SIZE", "FREE", "LARGEST FREE",
		       "ALIGN", "BELOW", "DT NODE");
	else
		printf("%-*s  %10s  %10s  %10s  %12s  %7s\n", w, "HEAP", "SIZE",
		       "USED", "FREE", "LARGEST FREE", "USE%");

	for (i = 0; i < n; i++) {
		const struct ldma_heap_info *h = &heaps[i];
		uint64_t used = heap_used(h);
		char pct[8] = "unknown";

		if (view == VIEW_CAPS) {
			snprintf(reach, sizeof(reach), h->addr_bits ? "2^%u" : "unknown",
				 h->addr_bits);
			printf("%-*s  %-10s  %-7s  %10s  %10s  %12s  %10s  %-7s  %s\n", w,
			       h->name, tri_text(h->contiguous),
			       tri_text(h->cached),
			       cli_size(h->size, a, sizeof(a)),
			       cli_size(h->free, b, sizeof(b)),
			       cli_size(h->largest_free, c, sizeof(c)),
			       cli_size(h->align, d, sizeof(d)), reach,
			       h->node[0] ? h->node : "-");
			continue;
		}
		if (used != LDMA_SIZE_UNKNOWN && h->size)
			snprintf(pct, sizeof(pct), "%u%%",
				 (unsigned int)(used * 100 / h->size));
		printf("%-*s  %10s  %10s  %10s  %12s  %7s\n", w, h->name,
		       cli_size(h->size, a, sizeof(a)),
		       cli_size(used, b, sizeof(b)),
		       cli_size(h->free, c, sizeof(c)),
		       cli_size(h->largest_free, d, sizeof(d)), pct);
	}
	if (!n)
		fprintf(stderr, "dmabuf: no heaps (is CONFIG_DMABUF_HEAPS set and a heap module loaded?)\n");
}

static int heaps_cmd(int argc, char **argv, enum heaps_view view)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct ldma_heap_info *heaps;
	bool json = false;
	int opt, n;

	while ((opt = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (opt != 'j')
			return cli_usage("%s: bad option", argv[0]);
		json = true;
	}
	if (optind != argc)
		return cli_usage("%s: unexpected argument '%s'", argv[0],
				 argv[optind]);

	n = ldma_heap_list(NULL, &heaps);
	if (n < 0)
		return cli_fail(n, "cannot list the heaps");
	if (json)
		heaps_json(heaps, n, view);
	else
		heaps_table(heaps, n, view);
	free(heaps);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	return heaps_cmd(argc, argv, VIEW_CAPS);
}

int cmd_stats(int argc, char **argv)
{
	return heaps_cmd(argc, argv, VIEW_USAGE);
}
