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
#include <sys/stat.h>
#include <unistd.h>

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
 * unaligned, and two that overlap each other): each is skipped with its
 * reason, and the well-formed heaps still come up.
 */
TEST(malformed_regions_are_skipped_with_a_reason)
{
	static const struct {
		const char *heap, *reason;
	} bad[] = {
		{ "broken", "smaller than one page" },
		{ "unaligned", "not aligned to the page size" },
		{ "overlap-a", "overlaps /reserved-memory/overlap-b@" },
		{ "overlap-b", "overlaps /reserved-memory/overlap-a@" },
	};
	char path[256], node[256], line[288];
	struct stat st;
	unsigned int i;

	if (reserved_node("broken", node, sizeof(node)))
		SKIP(return, "this board declares no malformed region");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(0, reserved_node(bad[i].heap, node, sizeof(node)))
			TH_LOG("no %s node under " RESERVED_MEMORY, bad[i].heap);
		snprintf(line, sizeof(line), "%s: skipped:", node);
		snprintf(path, sizeof(path), "/dev/dma_heap/%s", bad[i].heap);
		EXPECT_NE(0, stat(path, &st)) TH_LOG("%s exists", path);
		snprintf(path, sizeof(path), CV_SYSFS "/%s", bad[i].heap);
		EXPECT_NE(0, stat(path, &st)) TH_LOG("%s exists", path);
		EXPECT_EQ(1, kmsg_has(line, bad[i].reason))
			TH_LOG("no '%s ... %s' in the kernel log", line, bad[i].reason);
	}
	EXPECT_EQ(0, stat("/dev/dma_heap/video", &st));
}

TEST(every_heap_publishes_world_readable_capabilities)
{
	static const char *const attrs[] = {
		"contiguous", "cached", "size", "free", "largest_free", "align",
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
