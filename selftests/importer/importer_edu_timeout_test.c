// SPDX-License-Identifier: GPL-2.0
/*
 * An edu DMA transfer that times out: edu cannot abort one, so the driver
 * must cut the device off the bus before the caller hears of the failure
 * and frees the buffer, and turn it back on for the next transfer only
 * once the engine is idle.
 *
 * QEMU's edu takes ~100 ms per transfer; the edu_dma_timeout_ms module
 * parameter, set to 1 ms here, makes every transfer time out. Bus
 * mastering is bit 2 of the PCI command register, read from sysfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_util.h"

#define TIMEOUT_PARAM "/sys/module/dmabuf_importer/parameters/edu_dma_timeout_ms"
#define PCI_COMMAND_MASTER 0x4
#define BUF_SIZE (64 * 1024UL)
/* edu's window of the buffer: two transfers */
#define WIN_OFF (16 * 1024UL)
#define WIN_LEN 4096UL

FIXTURE(edu_timeout) {
	int imp;
	int heap_fd;
	struct cv_heap heap;
	struct dmabuf_importer_device_info edu;
	char timeout[32];
	int bounce;	/* allow_bounce to restore (cv_imp_bounce_if_forced) */
};

FIXTURE_SETUP(edu_timeout)
{
	int ret;

	self->imp = self->heap_fd = self->bounce = -1;
	self->timeout[0] = 0;
	self->imp = cv_imp_open();
	ASSERT_LE(0, self->imp) TH_LOG("open %s: %s", CV_IMP_DEV_PATH, strerror(-self->imp));
	ASSERT_EQ(0, cv_imp_find_device(self->imp, DMABUF_IMPORTER_ROLE_EDU, 64, &self->edu));
	if (self->edu.flags & DMABUF_IMPORTER_DEV_NO_DMA)
		SKIP(return, "the 64-bit edu cannot do DMA here");
	ASSERT_EQ(0, cv_read_str(TIMEOUT_PARAM, self->timeout, sizeof(self->timeout)))
		TH_LOG("no %s", TIMEOUT_PARAM);
	ret = cv_imp_open_cached_heap(&self->heap, &self->heap_fd);
	if (ret == -ENOENT)
		SKIP(return, "no cached carveout heap");
	ASSERT_EQ(0, ret) TH_LOG("cached carveout heap: %s", strerror(-ret));
	ASSERT_EQ(0, cv_imp_bounce_if_forced(1, &self->bounce));
}

FIXTURE_TEARDOWN(edu_timeout)
{
	cv_imp_bounce_restore(self->bounce);
	if (self->timeout[0])
		EXPECT_EQ(0, cv_write_str(TIMEOUT_PARAM, self->timeout));
	if (self->imp >= 0)
		close(self->imp);
	if (self->heap_fd >= 0)
		EXPECT_EQ(0, cv_imp_close_heap(self->heap_fd, self->heap.name));
}

static int bus_master(const char *name)
{
	uint16_t cmd;
	int ret = cv_imp_pci_command(name, &cmd);

	return ret ? ret : !!(cmd & PCI_COMMAND_MASTER);
}

/*
 * One FILL that times out on a buffer of its own, which is then freed.
 * The edu is left stopped. Returns the FILL's result.
 */
static int fill_times_out(struct __test_metadata *_metadata,
			  FIXTURE_DATA(edu_timeout) *self)
{
	int buf = cv_alloc(self->heap_fd, BUF_SIZE, O_RDWR | O_CLOEXEC, 0);
	uint32_t h;
	int ret;

	if (buf < 0)
		return buf;
	ret = cv_imp_attach(self->imp, buf, self->edu.index, &h);
	if (!ret)
		ret = cv_imp_map(self->imp, h, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL);
	if (!ret) {
		EXPECT_EQ(0, cv_write_str(TIMEOUT_PARAM, "1"));
		ret = cv_imp_fill(self->imp, h, WIN_OFF, WIN_LEN, 0x5eed);
		EXPECT_EQ(0, cv_write_str(TIMEOUT_PARAM, self->timeout));
		EXPECT_EQ(0, cv_imp_detach(self->imp, h));
	}
	close(buf);
	return ret;
}

TEST_F(edu_timeout, timeout_fails_etimedout_with_bus_mastering_off)
{
	ASSERT_EQ(-ETIMEDOUT, fill_times_out(_metadata, self));
	/* The buffer is gone; the device may still run, but off the bus. */
	EXPECT_EQ(0, bus_master(self->edu.name));
	EXPECT_EQ(0, cv_wait_idle(self->heap.name))
		TH_LOG("heap %s did not return to zero used", self->heap.name);
	/* Nothing turns it back on but the next transfer. */
	usleep(300 * 1000);
	EXPECT_EQ(0, bus_master(self->edu.name));
}

TEST_F(edu_timeout, timeout_param_refuses_zero)
{
	/* 0 would be "wait forever" to the poll loop. */
	EXPECT_EQ(-EINVAL, cv_write_str(TIMEOUT_PARAM, "0"));
	EXPECT_EQ(-EINVAL, cv_write_str(TIMEOUT_PARAM, "60001"));
}

TEST_F(edu_timeout, transfer_after_a_timeout_moves_the_right_data)
{
	struct dma_buf_sync sync = { 0 };
	uint64_t sum = 0, i;
	uint32_t h;
	uint8_t *p;
	int buf;

	ASSERT_EQ(-ETIMEDOUT, fill_times_out(_metadata, self));
	ASSERT_EQ(0, bus_master(self->edu.name));

	buf = cv_alloc(self->heap_fd, BUF_SIZE, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, buf);
	p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cv_imp_attach(self->imp, buf, self->edu.index, &h));
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL));

	/* Device -> CPU: the window has the pattern, the rest is untouched. */
	ASSERT_EQ(0, cv_imp_fill(self->imp, h, WIN_OFF, WIN_LEN, 0xc0ffee));
	EXPECT_EQ(1, bus_master(self->edu.name));
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	ASSERT_EQ(0, ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync));
	EXPECT_EQ(WIN_LEN, cv_imp_verify(p + WIN_OFF, WIN_OFF, WIN_LEN, 0xc0ffee));
	for (i = 0; i < BUF_SIZE; i++)
		if ((i < WIN_OFF || i >= WIN_OFF + WIN_LEN) && p[i])
			break;
	EXPECT_EQ(BUF_SIZE, i) TH_LOG("byte %#llx outside the window changed",
				      (unsigned long long)i);

	/* CPU -> device: the checksum is the new content's. */
	imp_pattern(p + WIN_OFF, WIN_OFF, WIN_LEN, 0xbeef);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	ASSERT_EQ(0, ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync));
	ASSERT_EQ(0, cv_imp_checksum(self->imp, h, WIN_OFF, WIN_LEN, &sum));
	EXPECT_EQ(cv_imp_hash(p + WIN_OFF, WIN_LEN), sum);

	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
	munmap(p, BUF_SIZE);
	close(buf);
}

TEST_HARNESS_MAIN
