// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Choosing heaps by device constraints, over a fake /sys: every rule of
 * ldma_heap_choose(), the device facts behind them, and the bad inputs.
 *
 * The fake board: carveouts "camera" (cached, the camera's memory-region),
 * "video" (cached, the largest), "display" (uncached) below 2^31,
 * "video-high" above 4 GiB (33 bits), and the mainline heaps "system" and
 * "linux,cma", which publish nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "harness.h"
#include "test_util.h"

#define DT "sysfs/firmware/devicetree/base"
#define PLAT "sysfs/devices/platform"

struct fake_heap {
	const char *name, *node, *cached, *size, *largest, *bits;
	uint32_t phandle;
};

static const struct fake_heap fake_heaps[] = {
	{ "camera", "isp-carveout@78000000", "1", "50331648", "50331648", "31", 5 },
	{ "video", "video@70000000", "1", "67108864", "67108864", "31", 6 },
	{ "display", "display@74000000", "0", "67108864", "33554432", "31", 0 },
	{ "video-high", "video-high@110000000", "1", "67108864", "67108864", "33", 0 },
};

static int be32(const char *root, const char *rel, const uint32_t *v, unsigned int n)
{
	unsigned char buf[64];
	unsigned int i;

	for (i = 0; i < n; i++) {
		buf[4 * i] = v[i] >> 24;
		buf[4 * i + 1] = v[i] >> 16;
		buf[4 * i + 2] = v[i] >> 8;
		buf[4 * i + 3] = v[i];
	}
	return tree_write_bytes(root, rel, buf, 4 * n);
}

static int make_heap(const char *root, const struct fake_heap *h)
{
	static const char *const files[] = { "contiguous", "cached", "size", "free",
					     "largest_free", "align", "addr_bits" };
	const char *vals[] = { "1", h->cached, h->size, h->size, h->largest, "4096", h->bits };
	char rel[256], target[512];
	unsigned int i;
	int ret;

	ret = tree_heap(root, h->name, NULL);
	for (i = 0; !ret && i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(rel, sizeof(rel), "sys/%s/%s", h->name, files[i]);
		ret = tree_write(root, rel, vals[i]);
	}
	snprintf(rel, sizeof(rel), DT "/reserved-memory/%s/reg", h->node);
	if (!ret)
		ret = tree_write(root, rel, "");
	if (!ret && h->phandle) {
		snprintf(rel, sizeof(rel), DT "/reserved-memory/%s/phandle", h->node);
		ret = be32(root, rel, &h->phandle, 1);
	}
	snprintf(rel, sizeof(rel), "sys/%s/of_node", h->name);
	snprintf(target, sizeof(target), "%s/" DT "/reserved-memory/%s", root, h->node);
	return ret ? ret : tree_symlink(root, rel, target);
}

/* A platform device with an optional DT node under base/. */
static int make_platform(const char *root, const char *name, const char *node)
{
	char rel[256], target[512];
	int ret;

	snprintf(rel, sizeof(rel), PLAT "/%s/uevent", name);
	ret = tree_write(root, rel, "");
	if (ret || !node)
		return ret;
	snprintf(rel, sizeof(rel), DT "/%s/name", node);
	ret = tree_write(root, rel, node);
	snprintf(rel, sizeof(rel), PLAT "/%s/of_node", name);
	snprintf(target, sizeof(target), "%s/" DT "/%s", root, node);
	return ret ? ret : tree_symlink(root, rel, target);
}

static int make_iommu(const char *root, const char *dev, int group, const char *type)
{
	char rel[256], target[512];
	int ret;

	snprintf(rel, sizeof(rel), "sysfs/kernel/iommu_groups/%d/type", group);
	ret = tree_write(root, rel, type);
	snprintf(rel, sizeof(rel), PLAT "/%s/iommu_group", dev);
	snprintf(target, sizeof(target), "%s/sysfs/kernel/iommu_groups/%d", root, group);
	return ret ? ret : tree_symlink(root, rel, target);
}

/* Point /sys/dev/char/<rdev of fd> at @target (relative to the root). */
static int map_chardev(const char *root, int fd, const char *target)
{
	char rel[64], abs[512];
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	snprintf(rel, sizeof(rel), "sysfs/dev/char/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	snprintf(abs, sizeof(abs), "%s/%s", root, target);
	unlink(tree_path(root, rel));
	return tree_symlink(root, rel, abs);
}

static int make_board(const char *root)
{
	uint32_t camera_region = 5;
	char target[512];
	unsigned int i;
	int ret;

	ret = tree_heap(root, "system", NULL);
	if (!ret)
		ret = tree_heap(root, "linux,cma", NULL);
	for (i = 0; !ret && i < sizeof(fake_heaps) / sizeof(fake_heaps[0]); i++)
		ret = make_heap(root, &fake_heaps[i]);
	/* The camera: non-coherent, no IOMMU, its frames in "camera". */
	if (!ret)
		ret = make_platform(root, "camera", "camera");
	if (!ret)
		ret = be32(root, DT "/camera/memory-region", &camera_region, 1);
	/* A coherent GPU behind an SMMU. */
	if (!ret)
		ret = make_platform(root, "gpu", "gpu");
	if (!ret)
		ret = tree_write(root, DT "/gpu/dma-coherent", "");
	if (!ret)
		ret = make_iommu(root, "gpu", 0, "DMA-FQ\n");
	/* vivid: no DT node, no IOMMU, a V4L2 class device under it. */
	if (!ret)
		ret = make_platform(root, "vivid.0", NULL);
	if (!ret)
		ret = tree_write(root, "sysfs/class/video4linux/.keep", "");
	snprintf(target, sizeof(target), "%s/" PLAT "/vivid.0", root);
	if (!ret)
		ret = tree_symlink(root, PLAT "/vivid.0/video4linux/video3/device", target);
	snprintf(target, sizeof(target), "%s/sysfs/class/video4linux", root);
	if (!ret)
		ret = tree_symlink(root, PLAT "/vivid.0/video4linux/video3/subsystem", target);
	/* A PCI function with a 28-bit mask under a coherent host bridge. */
	if (!ret)
		ret = make_platform(root, "4010000000.pcie", "pcie@10000000");
	if (!ret)
		ret = tree_write(root, DT "/pcie@10000000/dma-coherent", "");
	if (!ret)
		ret = tree_write(root, PLAT "/4010000000.pcie/pci0000:00/0000:00:02.0/dma_mask_bits",
				 "28\n");
	/* The importer's node and its platform camera. */
	if (!ret)
		ret = tree_write(root, "sysfs/devices/virtual/misc/dmabuf_importer/uevent", "");
	snprintf(target, sizeof(target), "%s/" PLAT "/camera", root);
	if (!ret)
		ret = tree_symlink(root, "sysfs/bus/platform/devices/camera", target);
	return ret;
}

FIXTURE(board) {
	char *root;
	struct ldma_ctx *ctx;
	char path[512];
};

FIXTURE_SETUP(board)
{
	self->root = tree_new();
	ASSERT_NE(NULL, self->root);
	ASSERT_EQ(0, make_board(self->root));
	self->ctx = tree_ctx(self->root);
	ASSERT_NE(NULL, self->ctx);
}

FIXTURE_TEARDOWN(board)
{
	fake.importer_fd = 0;
	ldma_ctx_free(self->ctx);
	tree_free(self->root);
}

static struct ldma_device dev_at(char *buf, size_t size, const char *root, const char *rel)
{
	struct ldma_device d = { .fd = -1 };

	snprintf(buf, size, "%s/%s", root, rel);
	d.path = buf;
	return d;
}

static const struct ldma_choice *find(const struct ldma_choice *list, int n,
				      const char *heap, int *pos)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(list[i].heap.name, heap)) {
			if (pos)
				*pos = i;
			return &list[i];
		}
	}
	return NULL;
}

#define FIT(list, n, heap) (find((list), (n), (heap), NULL) ? \
			    (int)find((list), (n), (heap), NULL)->fit : -1)

TEST_F(board, heap_info_has_reach_and_node)
{
	struct ldma_heap_info h;

	ASSERT_EQ(0, ldma_heap_query(self->ctx, "camera", &h));
	EXPECT_EQ(31u, h.addr_bits);
	EXPECT_EQ(5u, h.phandle);
	EXPECT_STREQ("isp-carveout@78000000", h.node);
	ASSERT_EQ(0, ldma_heap_query(self->ctx, "display", &h));
	EXPECT_EQ(0u, h.phandle);	/* no property names it */
	EXPECT_STREQ("display@74000000", h.node);
	ASSERT_EQ(0, ldma_heap_query(self->ctx, "system", &h));
	EXPECT_EQ(0u, h.addr_bits);
	EXPECT_STREQ("", h.node);
}

TEST_F(board, platform_device_facts_and_assumptions)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/camera");
	struct ldma_device_info info;

	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_STREQ("camera", info.name);
	EXPECT_EQ(LDMA_NO, info.iommu);
	EXPECT_EQ(LDMA_NO, info.coherent);
	EXPECT_EQ(0u, info.assumed & LDMA_ASSUMED_COHERENT);	/* the DT says so */
	EXPECT_EQ(32u, info.dma_bits);
	EXPECT_EQ(LDMA_ASSUMED_DMA_BITS, info.assumed);
	EXPECT_NE(NULL, strstr(info.notes, "assumed 32 bits")) TH_LOG("%s", info.notes);
	ASSERT_EQ(1u, info.nregions);
	EXPECT_EQ(5u, info.regions[0]);

	d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/gpu");
	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_EQ(LDMA_YES, info.iommu);
	EXPECT_EQ(LDMA_YES, info.coherent);
}

TEST_F(board, pci_function_has_its_mask_and_its_bridge_coherence)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root,
				      PLAT "/4010000000.pcie/pci0000:00/0000:00:02.0");
	struct ldma_device_info info;

	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_STREQ("0000:00:02.0", info.name);
	EXPECT_EQ(28u, info.dma_bits);
	EXPECT_EQ(LDMA_YES, info.coherent);
	EXPECT_EQ(0u, info.assumed);
}

TEST_F(board, device_without_dt_node_is_assumed_non_coherent)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/vivid.0");
	struct ldma_device_info info;

	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_EQ(LDMA_NO, info.coherent);
	EXPECT_EQ(LDMA_ASSUMED_DMA_BITS | LDMA_ASSUMED_COHERENT, info.assumed);
	EXPECT_NE(NULL, strstr(info.notes, "assumed not cache-coherent")) TH_LOG("%s", info.notes);
}

TEST_F(board, class_device_path_and_fd_stand_for_the_parent)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root,
				      PLAT "/vivid.0/video4linux/video3");
	struct ldma_device_info info;
	int fd;

	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_STREQ("vivid.0", info.name);

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, map_chardev(self->root, fd, PLAT "/vivid.0/video4linux/video3"));
	d.fd = fd;
	d.path = NULL;
	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_STREQ("vivid.0", info.name);
	EXPECT_EQ(LDMA_NO, info.iommu);
	close(fd);
}

TEST_F(board, passthrough_iommu_needs_contiguity)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/camera");
	struct ldma_device_info info;

	ASSERT_EQ(0, make_iommu(self->root, "camera", 1, "identity\n"));
	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_EQ(LDMA_NO, info.iommu);
	EXPECT_NE(NULL, strstr(info.notes, "passthrough")) TH_LOG("%s", info.notes);
}

TEST_F(board, importer_device_describes_itself)
{
	struct ldma_device d = { .fd = -1, .index = 0 };
	struct ldma_device_info info;
	int fd;

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, map_chardev(self->root, fd, "sysfs/devices/virtual/misc/dmabuf_importer"));
	fake.importer_fd = fd;
	d.fd = fd;
	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_STREQ("camera", info.name);	/* the fake's device 0 */
	EXPECT_EQ(32u, info.dma_bits);
	EXPECT_EQ(0u, info.assumed);
	EXPECT_EQ(LDMA_NO, info.iommu);
	ASSERT_EQ(1u, info.nregions);		/* from its sysfs node */
	EXPECT_EQ(5u, info.regions[0]);

	d.index = 1;				/* edu: its mask reaches no RAM */
	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_EQ(28u, info.dma_bits);
	EXPECT_NE(NULL, strstr(info.notes, "no sysfs node")) TH_LOG("%s", info.notes);
	d.index = 2;
	EXPECT_EQ(-ENOENT, ldma_device_query(self->ctx, &d, &info));
	close(fd);
}

TEST_F(board, memory_region_wins_and_32_bit_camera_stays_low)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/camera");
	const struct ldma_choice *c;
	struct ldma_choice *list;
	int n;

	n = ldma_heap_choose(self->ctx, &d, 1, 1 << 20, 0, &list);
	ASSERT_EQ(6, n);
	EXPECT_STREQ("camera", list[0].heap.name);
	EXPECT_EQ(LDMA_FIT_YES, list[0].fit);
	EXPECT_EQ(1, list[0].named);
	EXPECT_NE(NULL, strstr(list[0].reason, "memory-region of camera")) TH_LOG("%s", list[0].reason);
	c = find(list, n, "video-high", NULL);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(LDMA_FIT_NO, c->fit);
	EXPECT_NE(NULL, strstr(c->reason, "beyond the 32-bit DMA mask (assumed) of camera"))
		TH_LOG("%s", c->reason);
	EXPECT_EQ(LDMA_FIT_UNSURE, FIT(list, n, "system"));
	EXPECT_EQ(LDMA_FIT_UNSURE, FIT(list, n, "linux,cma"));
	/* Rejected heaps come last. */
	EXPECT_STREQ("video-high", list[n - 1].heap.name);
	free(list);
}

TEST_F(board, device_without_iommu_gets_a_contiguous_heap_in_reach)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/vivid.0");
	struct ldma_choice *list;
	int n, i;

	n = ldma_heap_choose(self->ctx, &d, 1, 1 << 20, 0, &list);
	ASSERT_EQ(6, n);
	/* Cached first (the CPU touches it often), the largest free first. */
	EXPECT_STREQ("video", list[0].heap.name);
	EXPECT_STREQ("camera", list[1].heap.name);
	EXPECT_STREQ("display", list[2].heap.name);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(LDMA_FIT_YES, list[i].fit);
	EXPECT_EQ(0, list[1].named);	/* vivid's DT names nothing */
	EXPECT_EQ(LDMA_FIT_UNSURE, list[3].fit);
	EXPECT_NE(NULL, strstr(list[3].reason, "does not say whether it is contiguous"))
		TH_LOG("%s", list[3].reason);
	free(list);
}

TEST_F(board, non_coherent_device_and_rare_cpu_prefer_uncached)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/vivid.0");
	struct ldma_choice *list;
	int n;

	n = ldma_heap_choose(self->ctx, &d, 1, 1 << 20, LDMA_CHOOSE_CPU_RARELY, &list);
	ASSERT_EQ(6, n);
	EXPECT_STREQ("display", list[0].heap.name);
	EXPECT_NE(NULL, strstr(list[0].reason, "uncached, preferred")) TH_LOG("%s", list[0].reason);
	free(list);
}

TEST_F(board, device_behind_iommu_accepts_the_system_heap_first)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/gpu");
	struct ldma_choice *list;
	int n, i;

	n = ldma_heap_choose(self->ctx, &d, 1, 1 << 20, 0, &list);
	ASSERT_EQ(6, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(LDMA_FIT_YES, list[i].fit) TH_LOG("%s: %s", list[i].heap.name,
							     list[i].reason);
	/* Carveouts stay for devices that need them; then cached first. */
	EXPECT_STREQ("linux,cma", list[0].heap.name);
	EXPECT_STREQ("system", list[1].heap.name);
	EXPECT_STREQ("video", list[2].heap.name);
	EXPECT_NE(NULL, strstr(list[2].reason, "no device here needs")) TH_LOG("%s", list[2].reason);
	free(list);
}

TEST_F(board, every_device_constrains_the_choice)
{
	struct ldma_device d[2];
	char p2[512];
	struct ldma_choice *list;
	int n, i;

	d[0] = dev_at(self->path, sizeof(self->path), self->root, PLAT "/gpu");
	d[1] = dev_at(p2, sizeof(p2), self->root, PLAT "/camera");
	n = ldma_heap_choose(self->ctx, d, 2, 1 << 20, 0, &list);
	ASSERT_EQ(6, n);
	EXPECT_STREQ("camera", list[0].heap.name);	/* the camera's region */
	EXPECT_EQ(LDMA_FIT_NO, FIT(list, n, "video-high"));
	free(list);

	/* A 28-bit PCI function reaches no heap of this board. */
	d[1] = dev_at(p2, sizeof(p2), self->root, PLAT "/4010000000.pcie/pci0000:00/0000:00:02.0");
	d[0] = dev_at(self->path, sizeof(self->path), self->root, PLAT "/camera");
	n = ldma_heap_choose(self->ctx, d, 2, 1 << 20, 0, &list);
	ASSERT_EQ(6, n);
	for (i = 0; i < (int)(sizeof(fake_heaps) / sizeof(fake_heaps[0])); i++)
		EXPECT_EQ(LDMA_FIT_NO, FIT(list, n, fake_heaps[i].name)) TH_LOG("heap %d", i);
	free(list);
}

TEST_F(board, buffer_size_rejects_small_heaps_and_demotes_full_ones)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/vivid.0");
	const struct ldma_choice *c;
	struct ldma_choice *list;
	int n, pos;

	/* 40 MiB: "display" has only 32 MiB free in one piece now. */
	n = ldma_heap_choose(self->ctx, &d, 1, 40 << 20, LDMA_CHOOSE_CPU_RARELY, &list);
	ASSERT_EQ(6, n);
	c = find(list, n, "display", &pos);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(LDMA_FIT_YES, c->fit);
	EXPECT_EQ(2, pos) TH_LOG("display is at %d", pos);
	EXPECT_NE(NULL, strstr(c->reason, "too small now")) TH_LOG("%s", c->reason);
	free(list);

	/* 56 MiB: larger than the camera heap, which is refused. */
	n = ldma_heap_choose(self->ctx, &d, 1, 56 << 20, 0, &list);
	ASSERT_EQ(6, n);
	c = find(list, n, "camera", NULL);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(LDMA_FIT_NO, c->fit);
	EXPECT_NE(NULL, strstr(c->reason, "less than the 56 MiB buffer")) TH_LOG("%s", c->reason);
	free(list);
}

TEST_F(board, alloc_takes_the_best_heap_and_falls_back_on_enomem)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/camera");
	char chosen[LDMA_HEAP_NAME_MAX];
	int fd;

	fd = ldma_alloc_choose(self->ctx, &d, 1, 4096, 0, "t", chosen, sizeof(chosen));
	ASSERT_LE(0, fd);
	EXPECT_STREQ("camera", chosen);
	EXPECT_STREQ("camera", fake.alloc_heap);
	close(fd);

	ASSERT_EQ(0, tree_heap(self->root, "camera", "enomem"));
	fd = ldma_alloc_choose(self->ctx, &d, 1, 4096, 0, NULL, chosen, sizeof(chosen));
	ASSERT_LE(0, fd);
	EXPECT_STREQ("video", chosen);
	close(fd);
}

TEST_F(board, alloc_fails_with_enoent_when_nothing_fits)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root,
				      PLAT "/4010000000.pcie/pci0000:00/0000:00:02.0");
	unsigned int calls = fake.alloc_calls;
	int before = count_fds();

	/* system and linux,cma are only UNSURE, and are tried: refuse them. */
	ASSERT_EQ(0, tree_heap(self->root, "system", "enomem"));
	ASSERT_EQ(0, tree_heap(self->root, "linux,cma", "enomem"));
	EXPECT_EQ(-ENOMEM, ldma_alloc_choose(self->ctx, &d, 1, 4096, 0, NULL, NULL, 0));
	EXPECT_EQ(calls + 2, fake.alloc_calls);
	ASSERT_EQ(0, unlink(tree_path(self->root, "dev/system")));
	ASSERT_EQ(0, unlink(tree_path(self->root, "dev/linux,cma")));
	EXPECT_EQ(-ENOENT, ldma_alloc_choose(self->ctx, &d, 1, 4096, 0, NULL, NULL, 0));
	ldma_ctx_free(self->ctx);	/* its cached heap fds */
	self->ctx = tree_ctx(self->root);
	ASSERT_NE(NULL, self->ctx);
	EXPECT_EQ(before, count_fds());
}

TEST_F(board, dangling_memory_region_is_reported_and_ignored)
{
	struct ldma_device d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/camera");
	uint32_t regions[2] = { 0x99, 5 };
	struct ldma_device_info info;
	struct ldma_choice *list;
	int n;

	ASSERT_EQ(0, be32(self->root, DT "/camera/memory-region", regions, 2));
	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_EQ(2u, info.nregions);
	EXPECT_NE(NULL, strstr(info.notes, "phandle 0x99) names no heap")) TH_LOG("%s", info.notes);
	n = ldma_heap_choose(self->ctx, &d, 1, 4096, 0, &list);
	ASSERT_EQ(6, n);
	EXPECT_STREQ("camera", list[0].heap.name);	/* the entry that is valid */
	free(list);

	/* A property that is no list of cells: noted, not fatal. */
	ASSERT_EQ(0, tree_write(self->root, DT "/camera/memory-region", "abc"));
	ASSERT_EQ(0, ldma_device_query(self->ctx, &d, &info));
	EXPECT_EQ(0u, info.nregions);
	EXPECT_NE(NULL, strstr(info.notes, "memory-region cannot be read")) TH_LOG("%s", info.notes);
}

TEST_F(board, bad_devices_give_clear_errors)
{
	struct ldma_device d = { .fd = -1 };
	struct ldma_device_info info;
	struct ldma_choice *list = (void *)1;
	int fd;

	EXPECT_EQ(-EINVAL, ldma_device_query(self->ctx, &d, &info));	/* no fd, no path */
	EXPECT_EQ(-EINVAL, ldma_device_query(self->ctx, NULL, &info));

	/* An fd that is no device. */
	fd = memfd_sized(4096);
	ASSERT_LE(0, fd);
	d.fd = fd;
	EXPECT_EQ(-ENODEV, ldma_device_query(self->ctx, &d, &info));
	EXPECT_EQ(-ENODEV, ldma_heap_choose(self->ctx, &d, 1, 0, 0, &list));
	EXPECT_EQ(NULL, list);
	close(fd);

	/* A character device with no sysfs node. */
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	d.fd = fd;
	EXPECT_EQ(-ENOENT, ldma_device_query(self->ctx, &d, &info));
	/* ...and one whose class device has no parent. */
	ASSERT_EQ(0, tree_write(self->root, "sysfs/devices/virtual/mem/zero/dev", "1:5\n"));
	ASSERT_EQ(0, map_chardev(self->root, fd, "sysfs/devices/virtual/mem/zero"));
	EXPECT_EQ(-ENODEV, ldma_device_query(self->ctx, &d, &info));
	close(fd);

	/* A path that does not exist. */
	d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/nothing");
	EXPECT_EQ(-ENOENT, ldma_device_query(self->ctx, &d, &info));

	/* Unreadable sysfs: a DMA mask that cannot be read. */
	ASSERT_EQ(0, tree_write(self->root, PLAT "/vivid.0/dma_mask_bits/x", ""));
	d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/vivid.0");
	EXPECT_EQ(-EISDIR, ldma_device_query(self->ctx, &d, &info));

	/* Bad arguments to the chooser. */
	d = dev_at(self->path, sizeof(self->path), self->root, PLAT "/camera");
	EXPECT_EQ(-EINVAL, ldma_heap_choose(self->ctx, NULL, 1, 0, 0, &list));
	EXPECT_EQ(-EINVAL, ldma_heap_choose(self->ctx, &d, 0, 0, 0, &list));
	EXPECT_EQ(-EINVAL, ldma_heap_choose(self->ctx, &d, 1, 0, 1u << 30, &list));
	EXPECT_EQ(-EINVAL, ldma_heap_choose(self->ctx, &d, 1, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, ldma_alloc_choose(self->ctx, &d, 1, 0, 0, NULL, NULL, 0));
	EXPECT_EQ(-EINVAL, ldma_alloc_choose(self->ctx, &d, 1, 4096, 1u << 30, NULL, NULL, 0));
}

TEST_HARNESS_MAIN
