// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmabuf which DEVICE...: the heaps ranked for the devices a buffer will
 * visit, with the facts about each device and the reason for each rank
 * (ldma_heap_choose()).
 *
 * DEVICE is a device node (/dev/video3, /dev/dri/card0), a sysfs device
 * directory (/sys/devices/..., /sys/class/video4linux/video3), or
 * importer:NAME for a device of /dev/dmabuf_importer ("importer:camera",
 * or its index, "importer:0").
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmabuf.h"

#define WHICH_MAX_DEVICES	16
#define WHICH_IMPORTER		"/dev/dmabuf_importer"

static const char *const fit_word[] = {
	[LDMA_FIT_NO] = "rejected",
	[LDMA_FIT_UNSURE] = "unsure",
	[LDMA_FIT_YES] = "fits",
};

/* importer:NAME or importer:INDEX: find the index by name. */
static int which_importer(const char *what, struct ldma_device *dev)
{
	struct ldma_device_info info;
	const char *name = what + strlen("importer:");
	unsigned int i;
	char *end;
	int ret;

	dev->fd = open(WHICH_IMPORTER, O_RDONLY | O_CLOEXEC);
	if (dev->fd < 0)
		return -errno;
	dev->index = (unsigned int)strtoul(name, &end, 10);
	if (*name && !*end)
		return 0;
	for (i = 0; i < 64; i++) {
		dev->index = i;
		ret = ldma_device_query(NULL, dev, &info);
		if (ret < 0)
			break;
		if (!strcmp(info.name, name))
			return 0;
	}
	close(dev->fd);
	dev->fd = -1;
	return -ENOENT;
}

static int which_open(const char *what, struct ldma_device *dev)
{
	dev->fd = -1;
	dev->index = 0;
	dev->path = NULL;
	if (!strncmp(what, "importer:", strlen("importer:")))
		return which_importer(what, dev);
	if (!strncmp(what, "/dev/", 5)) {
		dev->fd = open(what, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		return dev->fd < 0 ? -errno : 0;
	}
	dev->path = what;
	return 0;
}

static const char *tri(enum ldma_tristate t, const char *yes, const char *no)
{
	return t == LDMA_YES ? yes : t == LDMA_NO ? no : "unknown";
}

static void which_device_text(const char *what, const struct ldma_device_info *d)
{
	unsigned int i;

	printf("device %s: %s%s%s%s, %s%s%s, DMA mask %u bits%s", what, d->name,
	       d->driver[0] ? " (driver " : "", d->driver, d->driver[0] ? ")" : "",
	       tri(d->iommu, "behind an IOMMU", "no IOMMU"),
	       tri(d->coherent, ", cache-coherent", ", not cache-coherent"),
	       d->assumed & LDMA_ASSUMED_COHERENT ? " (assumed)" : "",
	       d->dma_bits, d->assumed & LDMA_ASSUMED_DMA_BITS ? " (assumed)" : "");
	for (i = 0; i < d->nregions; i++)
		printf("%s%#x", i ? ", " : ", memory-region phandles ", d->regions[i]);
	putchar('\n');
	if (d->notes[0])
		printf("  note: %s\n", d->notes);
}

static void which_text(const struct ldma_choice *list, int n)
{
	int i, w = 4, rank = 0;

	for (i = 0; i < n; i++)
		if ((int)strlen(list[i].heap.name) > w)
			w = (int)strlen(list[i].heap.name);
	printf("%4s  %-*s  %-8s  %s\n", "RANK", w, "HEAP", "FIT", "WHY");
	for (i = 0; i < n; i++) {
		char r[16] = "-";

		if (list[i].fit != LDMA_FIT_NO)
			snprintf(r, sizeof(r), "%d", ++rank);
		printf("%4s  %-*s  %-8s  %s\n", r, w, list[i].heap.name,
		       fit_word[list[i].fit], list[i].reason);
	}
	if (n && list[0].fit != LDMA_FIT_NO)
		printf("choice: %s\n", list[0].heap.name);
	else
		printf("choice: none\n");
}

static void which_json(char **what, const struct ldma_device_info *devs,
		       unsigned int ndevs, const struct ldma_choice *list, int n)
{
	unsigned int i, k;

	fputs("{\"devices\": [", stdout);
	for (i = 0; i < ndevs; i++) {
		const struct ldma_device_info *d = &devs[i];

		printf("%s\n  {\"device\": ", i ? "," : "");
		cli_json_str(stdout, what[i]);
		fputs(", \"name\": ", stdout);
		cli_json_str(stdout, d->name);
		fputs(", \"driver\": ", stdout);
		cli_json_str(stdout, d->driver);
		printf(", \"iommu\": %s, \"coherent\": %s, \"dma_bits\": %u",
		       tri(d->iommu, "true", "false"), tri(d->coherent, "true", "false"),
		       d->dma_bits);
		printf(", \"dma_bits_assumed\": %s, \"coherent_assumed\": %s",
		       d->assumed & LDMA_ASSUMED_DMA_BITS ? "true" : "false",
		       d->assumed & LDMA_ASSUMED_COHERENT ? "true" : "false");
		fputs(", \"memory_region\": [", stdout);
		for (k = 0; k < d->nregions; k++)
			printf("%s%u", k ? ", " : "", d->regions[k]);
		fputs("], \"notes\": ", stdout);
		cli_json_str(stdout, d->notes);
		putchar('}');
	}
	fputs("],\n \"heaps\": [", stdout);
	for (i = 0; i < (unsigned int)n; i++) {
		printf("%s\n  {\"name\": ", i ? "," : "");
		cli_json_str(stdout, list[i].heap.name);
		printf(", \"fit\": \"%s\", \"named\": %s, \"reason\": ",
		       fit_word[list[i].fit], list[i].named ? "true" : "false");
		cli_json_str(stdout, list[i].reason);
		putchar('}');
	}
	fputs("],\n \"choice\": ", stdout);
	if (n && list[0].fit != LDMA_FIT_NO)
		cli_json_str(stdout, list[0].heap.name);
	else
		fputs("null", stdout);
	puts("}");
}

int cmd_which(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "size", required_argument, NULL, 's' },
		{ "cpu-rarely", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct ldma_device devs[WHICH_MAX_DEVICES];
	struct ldma_device_info info[WHICH_MAX_DEVICES];
	unsigned int flags = 0, ndevs, i;
	struct ldma_choice *list = NULL;
	bool json = false;
	size_t len = 0;
	int opt, n, ret = 0;

	while ((opt = getopt_long(argc, argv, "js:r", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 's':
			if (cli_parse_size(optarg, &len) < 0 || !len)
				return cli_usage("%s: bad size '%s'", argv[0], optarg);
			break;
		case 'r':
			flags |= LDMA_CHOOSE_CPU_RARELY;
			break;
		default:
			return cli_usage("%s: bad option", argv[0]);
		}
	}
	if (optind == argc)
		return cli_usage("%s: name at least one device", argv[0]);
	if (argc - optind > WHICH_MAX_DEVICES)
		return cli_usage("%s: at most %d devices", argv[0], WHICH_MAX_DEVICES);
	ndevs = (unsigned int)(argc - optind);

	for (i = 0; i < ndevs && !ret; i++) {
		const char *what = argv[optind + i];

		ret = which_open(what, &devs[i]);
		if (ret < 0) {
			ret = cli_fail(ret, "which: cannot open device '%s'", what);
			break;
		}
		ret = ldma_device_query(NULL, &devs[i], &info[i]);
		if (ret < 0) {
			ret = cli_fail(ret, "which: cannot tell what '%s' needs%s", what,
				       ret == -ENODEV ? " (not a device, or a node without a parent device)" :
				       ret == -ENOENT ? " (no such device in sysfs)" : "");
			i++;
			break;
		}
	}
	if (!ret) {
		n = ldma_heap_choose(NULL, devs, ndevs, len, flags, &list);
		if (n < 0) {
			ret = cli_fail(n, "which: cannot rank the heaps");
		} else if (json) {
			which_json(argv + optind, info, ndevs, list, n);
		} else {
			for (i = 0; i < ndevs; i++)
				which_device_text(argv[optind + i], &info[i]);
			which_text(list, n);
		}
		if (n >= 0 && (!n || list[0].fit == LDMA_FIT_NO))
			ret = 1;
		free(list);
		i = ndevs;
	}
	while (i--)
		if (devs[i].fd >= 0)
			close(devs[i].fd);
	return ret;
}
