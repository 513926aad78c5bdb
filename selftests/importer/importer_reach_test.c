// SPDX-License-Identifier: GPL-2.0
/*
 * Reach: every carveout heap against every importer device.
 *
 * A device that cannot address a buffer directly (its DMA mask or bus
 * limit ends below the buffer, or it bounces every DMA through swiotlb) is
 * refused at attach with ERANGE and one kernel message; a device that can
 * maps it zero-copy, and the data it reads and writes is checked. Nothing
 * is ever bounced silently, and a refusal leaves the heap idle. The
 * expectation of each pair comes from the heap's physical range and the
 * device's mask (cv_imp_expect_reach()), so the test holds on every board
 * profile: on BOARD=imx8q the 32-bit camera and edu are refused the heap
 * above 4 GiB, on the default board nothing is refused, and under
 * swiotlb=force every direct-mapped device is refused unless the
 * exporter's allow_bounce parameter lets cached buffers bounce.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_util.h"

#define MiB (1024UL * 1024UL)
/* edu moves ~20 KiB/s: it works on a window in the buffer's middle. */
#define EDU_WINDOW 4096UL
#define MAX_HEAPS 16
#define MAX_DEVICES 16

FIXTURE(reach) {
	int imp;
	int bounce;	/* allow_bounce at setup, restored at teardown */
};

FIXTURE_SETUP(reach)
{
	self->bounce = -1;
	self->imp = cv_imp_open();
	if (self->imp == -ENOENT)
		SKIP(return, "no %s (dmabuf_importer.ko not loaded)", CV_IMP_DEV_PATH);
	ASSERT_LE(0, self->imp);
	self->bounce = cv_allow_bounce();
	ASSERT_LE(0, self->bounce) TH_LOG("contig_exporter has no allow_bounce parameter");
}

FIXTURE_TEARDOWN(reach)
{
	if (self->bounce >= 0)
		cv_imp_set_allow_bounce(self->bounce);
	if (self->imp >= 0)
		close(self->imp);
}

/* Does the kernel log hold a refusal naming @dev and @heap? */
static int refusal_logged(const char *dev, const char *heap)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *log, *line, *save;
	char want[128];
	int found = 0;

	if (len <= 0)
		return 0;
	log = malloc(len + 1);
	if (!log)
		return 0;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
	log[len > 0 ? len : 0] = '\0';
	snprintf(want, sizeof(want), "contig: %.63s buffer [bus ", heap);
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, dev) && strstr(line, want) &&
		    strstr(line, "refused (ERANGE)"))
			found = 1;
	free(log);
	return found;
}

/* CPU writes, device reads; device writes, CPU reads: 0 if both match. */
static int round_trip(struct __test_metadata *_metadata, int imp, int buf,
		      uint32_t h, const struct dmabuf_importer_device_info *dev,
		      uint64_t size, uint32_t seed)
{
	uint64_t off = 0, len = size, sum;
	uint8_t *p, *want;
	int bad = 0;

	if (dev->role == DMABUF_IMPORTER_ROLE_EDU) {
		off = size / 2 - EDU_WINDOW / 2;
		len = EDU_WINDOW;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (p == MAP_FAILED)
		return -errno;
	want = malloc(len);
	if (!want) {
		munmap(p, size);
		return -ENOMEM;
	}
	imp_pattern(want, off, len, seed);

	EXPECT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	memcpy(p + off, want, len);
	EXPECT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	EXPECT_EQ(0, cv_imp_checksum(imp, h, off, len, &sum));
	if (sum != cv_imp_hash(want, len))
		bad |= 1;

	EXPECT_EQ(0, cv_imp_fill(imp, h, off, len, ~seed));
	EXPECT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	if (cv_imp_verify(p + off, off, len, ~seed) != len)
		bad |= 2;
	EXPECT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));

	free(want);
	munmap(p, size);
	return bad;
}

/*
 * One pass over every carveout heap and device. Counts what happened;
 * every pair either round-trips with correct data or is refused with
 * ERANGE at attach, as cv_imp_expect_reach() predicts. The message is
 * ratelimited (10 in 5 s, for every device together), so only the pass's
 * first refusal is looked up in the log, after a pause that lets an
 * earlier test's burst expire.
 */
static void every_pair(struct __test_metadata *_metadata, int imp,
		       int *ok, int *refused, int *unknown)
{
	struct dmabuf_importer_device_info dev;
	char names[MAX_HEAPS][64];
	int n, i, heap, buf, ret, expect, bad;
	uint64_t size;
	uint32_t idx, h;

	n = cv_heap_names(names, MAX_HEAPS);
	ASSERT_LT(0, n);
	sleep(6);
	for (i = 0; i < n; i++) {
		if (!cv_is_carveout(names[i]))
			continue;
		ASSERT_EQ(0, cv_sysfs_u64(names[i], "size", &size));
		size = size < MiB ? size : MiB;
		heap = cv_heap_open(names[i]);
		ASSERT_LE(0, heap) TH_LOG("open heap %s", names[i]);
		ASSERT_EQ(0, cv_wait_idle(names[i]));
		for (idx = 0; idx < MAX_DEVICES; idx++) {
			if (cv_imp_device_info(imp, idx, &dev))
				break;
			if (dev.flags & DMABUF_IMPORTER_DEV_NO_DMA)
				continue;
			expect = cv_imp_expect_reach(&dev, names[i]);
			ASSERT_LE(0, expect) TH_LOG("expectation for %s on %s: %s",
						    names[i], dev.name, strerror(-expect));
			if (expect == CV_IMP_REACH_UNKNOWN) {
				TH_LOG("%s straddles the %u-bit limit of %s: not judged",
				       names[i], dev.dma_bits, dev.name);
				(*unknown)++;
				continue;
			}
			buf = cv_alloc(heap, size, O_RDWR | O_CLOEXEC, 0);
			ASSERT_LE(0, buf) TH_LOG("alloc from %s", names[i]);
			ret = cv_imp_attach(imp, buf, idx, &h);
			if (expect == CV_IMP_REACH_REFUSED) {
				EXPECT_EQ(-ERANGE, ret)
					TH_LOG("%s on %s (%u-bit): expected ERANGE, got %s",
					       names[i], dev.name, dev.dma_bits,
					       ret ? strerror(-ret) : "success");
				if (!ret)
					cv_imp_detach(imp, h);
				else if (!*refused)
					EXPECT_TRUE(refusal_logged(dev.name, names[i]))
						TH_LOG("no kernel message names %s and %s",
						       dev.name, names[i]);
				close(buf);
				(*refused)++;
				continue;
			}
			ASSERT_EQ(0, ret) TH_LOG("attach %s on %s: %s", names[i],
						 dev.name, strerror(-ret));
			ret = cv_imp_map(imp, h, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL);
			if (cv_imp_refuses_bounced_copy(&dev, ret)) {
				/* The copy's 256 KiB pieces need not be adjacent. */
				TH_LOG("%s refuses a bounced copy of a %s buffer (EXDEV)",
				       dev.name, names[i]);
				EXPECT_EQ(0, cv_imp_detach(imp, h));
				close(buf);
				(*refused)++;
				continue;
			}
			ASSERT_EQ(0, ret) TH_LOG("map %s on %s: %s", names[i], dev.name,
						 strerror(-ret));
			bad = round_trip(_metadata, imp, buf, h, &dev, size,
					 0x5eed0000 ^ (i << 8) ^ idx);
			EXPECT_EQ(0, bad) TH_LOG("%s on %s: %s%s", names[i], dev.name,
						 bad & 1 ? "device read wrong data " : "",
						 bad & 2 ? "CPU read wrong data" : "");
			EXPECT_EQ(0, cv_imp_detach(imp, h));
			close(buf);
			(*ok)++;
		}
		close(heap);
		/* Refused or not, nothing stays allocated. */
		EXPECT_EQ(0, cv_wait_idle(names[i]))
			TH_LOG("heap %s did not return to idle", names[i]);
	}
}

TEST_F_TIMEOUT(reach, every_heap_on_every_device_maps_or_fails_erange, 300)
{
	int ok = 0, refused = 0, unknown = 0;

	every_pair(_metadata, self->imp, &ok, &refused, &unknown);
	ksft_print_msg("reach: %d pairs mapped with correct data, %d refused with ERANGE, %d not judged (swiotlb=force: %s, allow_bounce %d)\n",
		       ok, refused, unknown, cv_swiotlb_forced() ? "yes" : "no",
		       cv_allow_bounce());
	EXPECT_LT(0, ok + refused);
}

/*
 * With every DMA forced through swiotlb, allow_bounce=1 lets cached
 * buffers bounce: the copies must carry the right data both ways, with
 * 1 MiB buffers whose segments swiotlb takes 256 KiB at a time. No-map
 * buffers are still refused: swiotlb cannot copy memory without a linear
 * alias.
 */
TEST_F_TIMEOUT(reach, allow_bounce_bounces_cached_buffers_with_correct_data, 300)
{
	int ok = 0, refused = 0, unknown = 0;

	if (!cv_swiotlb_forced())
		SKIP(return, "needs swiotlb=force on the kernel command line (make check SWIOTLB=force)");
	ASSERT_EQ(0, cv_imp_set_allow_bounce(1));
	every_pair(_metadata, self->imp, &ok, &refused, &unknown);
	ksft_print_msg("reach: allow_bounce=1: %d pairs bounced with correct data, %d refused\n",
		       ok, refused);
	EXPECT_LT(0, ok);
}

TEST_HARNESS_MAIN
