// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The heap chooser against the board's real devices and heaps, on every
 * board profile: the importer's devices (camera with its DT memory-region,
 * the edu DMA engines with their PCI masks, behind an SMMUv3 or not),
 * vivid, and `dmabuf which`, which must print the library's choice. The
 * host tests (tests/choose_test.c) cover every rule over a fake /sys.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "libdma.h"

#define IMPORTER "/dev/dmabuf_importer"
#define LEN (1u << 20)

FIXTURE(board) {
	int imp;
	struct ldma_device_info devs[8];
	unsigned int ndevs;
};

FIXTURE_SETUP(board)
{
	struct ldma_device d = { .fd = -1 };
	unsigned int i;

	self->ndevs = 0;
	self->imp = open(IMPORTER, O_RDWR | O_CLOEXEC);
	if (self->imp < 0)
		return;
	d.fd = self->imp;
	for (i = 0; i < 8; i++) {
		d.index = i;
		if (ldma_device_query(NULL, &d, &self->devs[i]))
			break;
		self->ndevs++;
	}
}

FIXTURE_TEARDOWN(board)
{
	if (self->imp >= 0)
		close(self->imp);
}

/* The importer device called @name, as an ldma_device; -1 if none. */
static int importer_dev(FIXTURE_DATA(board) *self, const char *name,
			struct ldma_device *d)
{
	unsigned int i;

	for (i = 0; i < self->ndevs; i++) {
		if (!strcmp(self->devs[i].name, name)) {
			d->fd = self->imp;
			d->index = i;
			d->path = NULL;
			return (int)i;
		}
	}
	return -1;
}

/* What `dmabuf which ARGS` prints after "choice: ". */
static void cli_choice(const char *args, char *out, size_t len)
{
	char cmd[256], line[256];
	FILE *p;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "dmabuf which %s 2>&1", args);
	p = popen(cmd, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p))
		if (!strncmp(line, "choice: ", 8))
			snprintf(out, len, "%.*s", (int)strcspn(line + 8, "\n"), line + 8);
	pclose(p);
}

static void expect_nothing_beyond(struct __test_metadata *_metadata,
				  const struct ldma_choice *list, int n, unsigned int bits)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i].heap.addr_bits > bits)
			EXPECT_EQ(LDMA_FIT_NO, list[i].fit)
				TH_LOG("heap %s (below 2^%u) for a %u-bit device: %s",
				       list[i].heap.name, list[i].heap.addr_bits, bits,
				       list[i].reason);
}

/*
 * The camera's DT node names the camera carveout (memory-region): it
 * ranks first, it lies within the camera's 32-bit reach, and any heap
 * beyond that reach (imx8q's video-high) is refused unless an IOMMU
 * translates for the camera.
 */
TEST_F(board, camera_gets_its_memory_region_below_its_reach)
{
	struct ldma_device d;
	struct ldma_choice *list;
	char cli[LDMA_HEAP_NAME_MAX], args[64];
	int i, n;

	i = importer_dev(self, "camera", &d);
	if (i < 0)
		SKIP(return, "no importer camera device (is dmabuf_importer loaded?)");
	ASSERT_LE(1u, self->devs[i].nregions) TH_LOG("the camera's DT node has no memory-region");
	n = ldma_heap_choose(NULL, &d, 1, LEN, 0, &list);
	ASSERT_LT(0, n);
	EXPECT_EQ(LDMA_FIT_YES, list[0].fit) TH_LOG("%s", list[0].reason);
	EXPECT_EQ(1, list[0].named) TH_LOG("%s: %s", list[0].heap.name, list[0].reason);
	EXPECT_EQ(self->devs[i].regions[0], list[0].heap.phandle);
	EXPECT_STREQ("camera", list[0].heap.name);
	EXPECT_LE(list[0].heap.addr_bits, 32u);
	if (self->devs[i].iommu != LDMA_YES)
		expect_nothing_beyond(_metadata, list, n, self->devs[i].dma_bits);

	snprintf(args, sizeof(args), "importer:camera --size %u", LEN);
	cli_choice(args, cli, sizeof(cli));
	EXPECT_STREQ(list[0].heap.name, cli);
	free(list);
}

/*
 * Every edu DMA engine (PCI): its mask from the importer matches sysfs's
 * dma_mask_bits; without an IOMMU, a contiguous heap within its reach wins
 * (none, for the 28-bit one), and with an SMMUv3 the system heap fits.
 */
TEST_F(board, edu_engines_are_steered_by_mask_and_iommu)
{
	struct ldma_device d, sys = { .fd = -1 };
	struct ldma_device_info viasysfs;
	struct ldma_choice *list;
	char path[128];
	unsigned int i, seen = 0, iommu = 0;
	int k, n;

	for (i = 0; i < self->ndevs; i++) {
		const struct ldma_device_info *e = &self->devs[i];

		if (!strchr(e->name, ':'))
			continue;	/* not a PCI function */
		seen++;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", e->name);
		sys.path = path;
		ASSERT_EQ(0, ldma_device_query(NULL, &sys, &viasysfs)) TH_LOG("%s", path);
		/*
		 * A mask that reaches no memory is refused by dma_set_mask(),
		 * and sysfs keeps showing the default 32 bits: only the
		 * importer knows the device's real reach then.
		 */
		if (!strstr(e->notes, "reaches no memory"))
			EXPECT_EQ(e->dma_bits, viasysfs.dma_bits) TH_LOG("%s", e->name);
		EXPECT_EQ(0u, viasysfs.assumed & LDMA_ASSUMED_DMA_BITS) TH_LOG("%s", viasysfs.notes);
		EXPECT_EQ(e->iommu, viasysfs.iommu) TH_LOG("%s: %s", e->name, viasysfs.notes);

		d.fd = self->imp;
		d.index = i;
		d.path = NULL;
		n = ldma_heap_choose(NULL, &d, 1, LEN, 0, &list);
		ASSERT_LT(0, n);
		if (e->iommu == LDMA_YES) {
			iommu++;
			for (k = 0; k < n; k++)
				if (!strcmp(list[k].heap.name, "system"))
					EXPECT_EQ(LDMA_FIT_YES, list[k].fit) TH_LOG("%s", list[k].reason);
			EXPECT_NE(LDMA_YES, list[0].heap.contiguous) TH_LOG("%s for %s behind an IOMMU",
									  list[0].heap.name, e->name);
		} else {
			expect_nothing_beyond(_metadata, list, n, e->dma_bits);
			if (list[0].fit == LDMA_FIT_YES)
				EXPECT_EQ(LDMA_YES, list[0].heap.contiguous);
			if (e->dma_bits == 32) {
				EXPECT_EQ(LDMA_FIT_YES, list[0].fit) TH_LOG("%s", list[0].reason);
				EXPECT_LE(list[0].heap.addr_bits, 32u);
			}
			if (e->dma_bits < 31)	/* below every carveout of both boards */
				EXPECT_NE(LDMA_FIT_YES, list[0].fit) TH_LOG("%s", list[0].reason);
		}
		free(list);
	}
	if (!seen)
		SKIP(return, "no edu device");
	TH_LOG("%u edu devices, %u behind an IOMMU", seen, iommu);
}

/* The first vivid capture node, or "" */
static void vivid_node(char *node, size_t len)
{
	char path[300], name[64] = "";
	struct dirent *de;
	FILE *f;
	DIR *d;

	node[0] = '\0';
	d = opendir("/sys/class/video4linux");
	if (!d)
		return;
	while ((de = readdir(d)) && !node[0]) {
		if (strncmp(de->d_name, "video", 5))
			continue;
		snprintf(path, sizeof(path), "/sys/class/video4linux/%s/name", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) && strstr(name, "vivid") && strstr(name, "vid-cap"))
			snprintf(node, len, "/dev/%s", de->d_name);
		fclose(f);
	}
	closedir(d);
}

/* vivid (vb2-dma-contig, no IOMMU, no DT node) gets a contiguous heap. */
TEST(vivid_gets_a_contiguous_heap)
{
	struct ldma_device d = { .fd = -1 };
	struct ldma_device_info info;
	struct ldma_choice *list;
	char node[300], args[340], cli[LDMA_HEAP_NAME_MAX];
	int n;

	vivid_node(node, sizeof(node));
	if (!node[0])
		SKIP(return, "no vivid capture node");
	d.fd = open(node, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, d.fd) TH_LOG("%s", node);
	ASSERT_EQ(0, ldma_device_query(NULL, &d, &info));
	EXPECT_NE(NULL, strstr(info.name, "vivid")) TH_LOG("%s", info.name);
	EXPECT_EQ(LDMA_NO, info.iommu);
	EXPECT_NE(0u, info.assumed & LDMA_ASSUMED_DMA_BITS) TH_LOG("%s", info.notes);
	n = ldma_heap_choose(NULL, &d, 1, LEN, 0, &list);
	ASSERT_LT(0, n);
	EXPECT_EQ(LDMA_FIT_YES, list[0].fit) TH_LOG("%s", list[0].reason);
	EXPECT_EQ(LDMA_YES, list[0].heap.contiguous);
	EXPECT_LE(list[0].heap.addr_bits, 32u);
	snprintf(args, sizeof(args), "%s --size %u", node, LEN);
	cli_choice(args, cli, sizeof(cli));
	EXPECT_STREQ(list[0].heap.name, cli);
	free(list);
	close(d.fd);
}

TEST_HARNESS_MAIN
