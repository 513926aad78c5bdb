// SPDX-License-Identifier: GPL-2.0
/*
 * Carveout heap kselftests for what the driver publishes about itself:
 * probe decisions, sysfs capability files, debugfs knobs and tracepoints.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "carveout_util.h"

#define RESERVED_MEMORY "/proc/device-tree/reserved-memory"
#define TRACING "/sys/kernel/tracing"

/* Does the kernel log hold a line containing both @a and @b? */
static int kmsg_has(const char *a, const char *b)
{
	char rec[1024];
	int fd, found = 0;
	ssize_t n;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten record: keep reading */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, a) && strstr(rec, b))
			found = 1;
	}
	close(fd);
	return found;
}

/* The well-formed heaps both QEMU boards declare. */
static const char *const good_heaps[] = { "camera", "display", "video" };
/* A node only the default board's overlay (qemu-virt-carveout) declares. */
#define VIRT_BAD_NODE RESERVED_MEMORY "/over-firmware@7cc00000"

/*
 * The full name ("broken@7c000000") of the reserved-memory node called
 * @name, wherever the board puts it; 0, or -ENOENT if there is none.
 */
static int reserved_node(const char *name, char *node, size_t len)
{
	size_t n = strlen(name);
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	d = opendir(RESERVED_MEMORY);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, name, n) && de->d_name[n] == '@') {
			snprintf(node, len, "%s", de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

/*
 * The QEMU boards' overlays declare malformed regions (too small,
 * unaligned, two that overlap each other; on the default board also one
 * overlapping a reserved region that is not a heap), regions that other
 * reserved-memory users own (reusable, a device coherent pool), and names
 * that the binding's pattern refuses: each is skipped with its reason, and
 * the well-formed heaps still come up. Nodes a board does not declare are
 * not looked for; "broken" every board has. A NULL heap is a name ("." or
 * "..") that no stat() can check.
 */
TEST(malformed_regions_are_skipped_with_a_reason)
{
	static const struct {
		const char *node, *heap, *reason;
	} bad[] = {
		{ "broken", "broken", "smaller than one page" },
		{ "unaligned", "unaligned", "not aligned to the page size" },
		{ "overlap-a", "overlap-a", "overlaps /reserved-memory/overlap-b@" },
		{ "overlap-b", "overlap-b", "overlaps /reserved-memory/overlap-a@" },
		{ "reusable", "reusable", "is reusable" },
		{ "coherent-pool", "coherent-pool", "claimed by another reserved-memory driver" },
		{ "over-firmware", "over-firmware",
		  "overlaps /reserved-memory/firmware@7ce00000, which is not a carveout" },
		{ "name-dot", NULL, "dma-heap-name \".\" does not match" },
		{ "name-dotdot", NULL, "dma-heap-name \"..\" does not match" },
		{ "name-upper", "Camera", "dma-heap-name \"Camera\" does not match" },
		{ "name-long", "a123456789012345678901234567890123456789012345678901234567890123",
		  "does not match" },
	};
	char path[256], node[256], line[288];
	struct stat st;
	unsigned int i;

	if (reserved_node("broken", node, sizeof(node)))
		SKIP(return, "this board declares no malformed region");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (reserved_node(bad[i].node, node, sizeof(node)))
			continue;
		snprintf(line, sizeof(line), "%s: skipped:", node);
		EXPECT_EQ(1, kmsg_has(line, bad[i].reason))
			TH_LOG("no '%s ... %s' in the kernel log", line, bad[i].reason);
		if (!bad[i].heap)
			continue;
		snprintf(path, sizeof(path), "/dev/dma_heap/%s", bad[i].heap);
		EXPECT_NE(0, stat(path, &st)) TH_LOG("%s exists", path);
		snprintf(path, sizeof(path), CV_SYSFS "/%s", bad[i].heap);
		EXPECT_NE(0, stat(path, &st)) TH_LOG("%s exists", path);
	}
	for (i = 0; i < sizeof(good_heaps) / sizeof(good_heaps[0]); i++) {
		snprintf(path, sizeof(path), "/dev/dma_heap/%s", good_heaps[i]);
		EXPECT_EQ(0, stat(path, &st)) TH_LOG("%s is missing", path);
	}
}

/* Entries of @dir other than one "." and one ".."; -1 if it cannot be read. */
static int count_entries(const char *dir, int *dots)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	*dots = 0;
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			(*dots)++;
		else
			n++;
	}
	closedir(d);
	return n;
}

/*
 * Exactly the well-formed regions became heaps: the carveout sysfs
 * directory holds their three entries and nothing else, and no heap
 * device is named "." or ".." (a directory lists each of those once).
 */
TEST(only_well_formed_regions_become_heaps)
{
	char path[256];
	struct stat st;
	unsigned int i;
	int dots;

	if (stat(VIRT_BAD_NODE, &st))
		SKIP(return, "counts the heaps of the default board's overlay, which this board does not apply");
	EXPECT_EQ((int)(sizeof(good_heaps) / sizeof(good_heaps[0])),
		  count_entries(CV_SYSFS, &dots));
	EXPECT_EQ(2, dots) TH_LOG(CV_SYSFS " lists a heap named \".\" or \"..\"");
	for (i = 0; i < sizeof(good_heaps) / sizeof(good_heaps[0]); i++) {
		snprintf(path, sizeof(path), CV_SYSFS "/%s", good_heaps[i]);
		EXPECT_EQ(0, stat(path, &st)) TH_LOG("%s is missing", path);
	}
	EXPECT_LE(0, count_entries("/sys/class/dma_heap", &dots));
	EXPECT_EQ(2, dots) TH_LOG("/sys/class/dma_heap lists a heap named \".\" or \"..\"");
	EXPECT_LE(0, count_entries("/dev/dma_heap", &dots));
	EXPECT_EQ(2, dots) TH_LOG("/dev/dma_heap lists a heap named \".\" or \"..\"");
}

TEST(every_heap_publishes_world_readable_capabilities)
{
	static const char *const attrs[] = {
		"contiguous", "cached", "size", "free", "largest_free", "align",
		"addr_bits",
	};
	struct cv_heap heap;
	char path[512];
	struct stat st;
	unsigned int i;
	int cached;

	for (cached = 0; cached <= 1; cached++) {
		if (cv_find_heap(cached, &heap))
			continue;
		snprintf(path, sizeof(path), "/dev/dma_heap/%s", heap.name);
		EXPECT_EQ(0, stat(path, &st)) TH_LOG("%s has no device node", heap.name);
		for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			snprintf(path, sizeof(path), CV_SYSFS "/%s/%s", heap.name, attrs[i]);
			ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
			EXPECT_EQ(0444U, st.st_mode & 0777) TH_LOG("%s", path);
		}
	}
}

#define DT_BASE "/sys/firmware/devicetree/base"

/* A big-endian cell array of the DT as a number (1 or 2 cells). */
static uint64_t dt_cells(const unsigned char *p, int cells)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 4 * cells; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Every heap links to the reserved-memory node it came from (a device's
 * memory-region phandles are matched against it), and addr_bits is what
 * that node's reg says: the bits of the region's last byte address. The
 * boards' reserved-memory nodes have two address and two size cells.
 */
TEST(every_heap_links_its_node_and_publishes_its_reach)
{
	char names[16][64], path[512], link[512], compat[128] = "";
	unsigned char reg[16];
	uint64_t bits, last;
	int i, n, fd, want;
	ssize_t len;

	n = cv_heap_names(names, 16);
	ASSERT_LE(0, n);
	for (i = 0; i < n; i++) {
		if (!cv_is_carveout(names[i]))
			continue;
		snprintf(path, sizeof(path), CV_SYSFS "/%.63s/of_node", names[i]);
		len = readlink(path, link, sizeof(link) - 1);
		ASSERT_LT(0, len) TH_LOG("%s: %s", path, strerror(errno));
		link[len] = '\0';
		EXPECT_NE(NULL, strstr(link, "firmware/devicetree/base/reserved-memory/"))
			TH_LOG("%s -> %s", path, link);

		snprintf(path, sizeof(path), CV_SYSFS "/%.63s/of_node/compatible", names[i]);
		EXPECT_EQ(0, cv_read_str(path, compat, sizeof(compat))) TH_LOG("%s", path);
		EXPECT_NE(NULL, memmem(compat, sizeof(compat), "dma-heap-carveout", 17))
			TH_LOG("%s does not name a carveout node", path);

		snprintf(path, sizeof(path), CV_SYSFS "/%.63s/of_node/reg", names[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		len = read(fd, reg, sizeof(reg));
		close(fd);
		ASSERT_EQ(16, len) TH_LOG("%s: not two address and two size cells", path);
		last = dt_cells(reg, 2) + dt_cells(reg + 8, 2) - 1;
		want = 64 - __builtin_clzll(last);
		ASSERT_EQ(0, cv_sysfs_u64(names[i], "addr_bits", &bits));
		EXPECT_EQ((uint64_t)want, bits) TH_LOG("heap %s ends at %#llx", names[i],
						       (unsigned long long)last);
	}
}

/* Does the uevent in @msg (@len bytes of NUL-separated strings) hold @kv? */
static int uevent_has(const char *msg, size_t len, const char *kv)
{
	size_t off;

	for (off = 0; off < len; off += strlen(msg + off) + 1)
		if (!strcmp(msg + off, kv))
			return 1;
	return 0;
}

/*
 * A heap is announced to udev by its dma_heap class device (which
 * udev/60-dma-heap.rules matches), not by the carveout sysfs directory,
 * which has no kset and sends no uevent. Replaying the device's "add"
 * must give a uevent that names the subsystem and the device node.
 */
TEST(heap_is_announced_by_its_dma_heap_device_uevent)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	struct timeval tv = { .tv_sec = 2 };
	char path[512], head[300], devname[300];
	static char msg[8192];
	struct cv_heap heap;
	int sock, found = 0;
	ssize_t n;

	if (cv_find_heap(1, &heap) && cv_find_heap(0, &heap))
		SKIP(return, "no carveout heap");
	sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	ASSERT_LE(0, sock);
	ASSERT_EQ(0, bind(sock, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));

	snprintf(path, sizeof(path), "/sys/class/dma_heap/%s/uevent", heap.name);
	ASSERT_EQ(0, cv_write_str(path, "add"));
	snprintf(head, sizeof(head), "add@/devices/virtual/dma_heap/%s", heap.name);
	snprintf(devname, sizeof(devname), "DEVNAME=dma_heap/%s", heap.name);
	while (!found && (n = recv(sock, msg, sizeof(msg) - 1, 0)) > 0) {
		msg[n] = '\0';
		if (strcmp(msg, head))
			continue;
		found = 1;
		EXPECT_TRUE(uevent_has(msg, n, "SUBSYSTEM=dma_heap"));
		EXPECT_TRUE(uevent_has(msg, n, devname)) TH_LOG("no %s", devname);
	}
	EXPECT_TRUE(found) TH_LOG("no uevent '%s'", head);
	close(sock);
}

TEST(policy_switch_accepts_known_and_refuses_unknown)
{
	char path[512], buf[64];
	struct cv_heap heap;

	if (cv_find_heap(1, &heap) && cv_find_heap(0, &heap))
		SKIP(return, "no carveout heap");
	snprintf(path, sizeof(path), CV_DEBUGFS "/%s/policy", heap.name);
	ASSERT_EQ(0, cv_write_str(path, "first-fit\n"));
	ASSERT_EQ(0, cv_read_str(path, buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "first-fit", 9));
	EXPECT_EQ(-EINVAL, cv_write_str(path, "worst-fit\n"));
	ASSERT_EQ(0, cv_write_str(path, "best-fit\n"));
	ASSERT_EQ(0, cv_read_str(path, buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "best-fit", 8));
}

TEST(alloc_and_free_emit_tracepoints)
{
	static char trace[1 << 16];
	char want_alloc[384], want_free[384];
	struct cv_heap heap;
	size_t page = cv_page_size();
	int heap_fd, fd;

	if (cv_find_heap(1, &heap) && cv_find_heap(0, &heap))
		SKIP(return, "no carveout heap");
	if (access(TRACING "/events/carveout_heap/enable", W_OK))
		SKIP(return, "no tracefs or no carveout_heap events");
	ASSERT_EQ(0, cv_write_str(TRACING "/trace", ""));
	ASSERT_EQ(0, cv_write_str(TRACING "/events/carveout_heap/enable", "1"));

	heap_fd = cv_heap_open(heap.name);
	ASSERT_LE(0, heap_fd);
	fd = cv_alloc(heap_fd, 3 * page, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	close(fd);
	close(heap_fd);
	ASSERT_EQ(0, cv_wait_idle(heap.name));

	ASSERT_EQ(0, cv_write_str(TRACING "/events/carveout_heap/enable", "0"));
	ASSERT_EQ(0, cv_read_str(TRACING "/trace", trace, sizeof(trace)));
	snprintf(want_alloc, sizeof(want_alloc), "carveout_heap_alloc: heap=%s size=%zu ",
		 heap.name, 3 * page);
	snprintf(want_free, sizeof(want_free), "carveout_heap_free: heap=%s size=%zu ",
		 heap.name, 3 * page);
	EXPECT_NE(NULL, strstr(trace, want_alloc)) TH_LOG("no '%s' in the trace", want_alloc);
	EXPECT_NE(NULL, strstr(trace, want_free)) TH_LOG("no '%s' in the trace", want_free);
}

TEST_HARNESS_MAIN
