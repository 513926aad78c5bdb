// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer kselftests that unload and reload the module
 *
 * While a file of /dev/dmabuf_importer is open the module cannot go (the
 * misc device's fops hold it). Closing the file unmaps and detaches every
 * buffer it still holds, after which rmmod succeeds, the buffers the test
 * still owns are unharmed, and the module loads again. One reload also
 * limits the display's DMA segments, to check that segments that follow
 * each other count as one contiguous mapping.
 *
 * The module is reloaded from /lib/modules/dmabuf_importer.ko with the
 * parameters it had; the teardown always leaves it loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_util.h"

#define MiB (1024UL * 1024UL)
#define MODULE_NAME "dmabuf_importer"
#define MODULE_FILE "/lib/modules/" MODULE_NAME ".ko"
#define MODULE_SYSFS "/sys/module/" MODULE_NAME

static int module_loaded(void)
{
	return access(MODULE_SYSFS, F_OK) == 0;
}

static int rmmod(void)
{
	return syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK) ? -errno : 0;
}

static int insmod(const char *params)
{
	int fd = open(MODULE_FILE, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* "name=value" for one module parameter, or "" if it has none. */
static void param(const char *name, char *out, size_t len)
{
	char path[256], val[128];

	snprintf(path, sizeof(path), MODULE_SYSFS "/parameters/%s", name);
	out[0] = '\0';
	if (cv_read_str(path, val, sizeof(val)))
		return;
	val[strcspn(val, "\n")] = '\0';
	if (val[0])
		snprintf(out, len, "%s=%s", name, val);
}

FIXTURE(unload) {
	char params[256];
	int heap_fd;
	struct cv_heap heap;
	int bounce;	/* allow_bounce to restore (cv_imp_bounce_if_forced) */
};

FIXTURE_SETUP(unload)
{
	int ret;

	char bits[160];

	self->heap_fd = self->bounce = -1;
	if (!module_loaded() || access(MODULE_FILE, R_OK))
		SKIP(return, "%s is not loaded from %s", MODULE_NAME, MODULE_FILE);
	param("edu_dma_bits", bits, sizeof(bits));
	snprintf(self->params, sizeof(self->params), "%s", bits);
	ret = cv_imp_open_cached_heap(&self->heap, &self->heap_fd);
	if (ret == -ENOENT)
		SKIP(return, "no cached carveout heap");
	ASSERT_EQ(0, ret) TH_LOG("cached carveout heap: %s", strerror(-ret));
	ASSERT_EQ(0, cv_imp_bounce_if_forced(1, &self->bounce));
}

/*
 * The direction in which @info maps a buffer that only the writer writes.
 * When maps bounce, each device's mapping is a copy of its own and the
 * unmap of a bidirectional one copies it back over the buffer, the last
 * one winning: the others then map it to-device only, and the display may
 * refuse the copy's scattered pieces (cv_imp_refuses_bounced_copy()).
 */
static uint32_t shared_dir(const struct dmabuf_importer_device_info *info,
			   int writer)
{
	if (cv_imp_bounces(info) && !writer)
		return DMABUF_IMPORTER_DIR_TO_DEVICE;
	return DMABUF_IMPORTER_DIR_BIDIRECTIONAL;
}

/* Reload with the saved parameters plus @extra; 0 or -errno. */
static int reload(FIXTURE_DATA(unload) *self, const char *extra)
{
	char params[512];
	int ret = rmmod();

	if (ret)
		return ret;
	snprintf(params, sizeof(params), "%s %s", self->params, extra);
	return insmod(params);
}

FIXTURE_TEARDOWN(unload)
{
	char seg[64];

	cv_imp_bounce_restore(self->bounce);
	if (!module_loaded())
		EXPECT_EQ(0, insmod(self->params)) TH_LOG("reloading %s", MODULE_NAME);
	param("display_max_segment", seg, sizeof(seg));
	if (strcmp(seg, "display_max_segment=0"))
		EXPECT_EQ(0, reload(self, "")) TH_LOG("restoring %s's parameters", MODULE_NAME);
	if (self->heap_fd >= 0)
		close(self->heap_fd);
}

TEST_F(unload, rmmod_with_an_open_file_fails_ewouldblock)
{
	int imp = cv_imp_open();

	ASSERT_LE(0, imp);
	EXPECT_EQ(-EWOULDBLOCK, rmmod());
	EXPECT_TRUE(module_loaded());
	close(imp);
}

TEST_F(unload, closing_with_mapped_buffers_lets_the_module_go_and_come_back)
{
	struct dmabuf_importer_device_info info;
	struct cv_heap other;
	uint32_t h, idx;
	int imp, buf, buf2 = -1, other_fd = -1, attached = 0, ret;
	uint64_t used, sum;
	uint8_t *p;
	void *want;

	imp = cv_imp_open();
	ASSERT_LE(0, imp);
	buf = cv_alloc(self->heap_fd, MiB, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, buf);
	/* swiotlb=force: no-map buffers cannot bounce (ERANGE). */
	if (!cv_bounce_refused(0) && !cv_find_heap(0, &other)) {
		other_fd = cv_heap_open(other.name);
		ASSERT_LE(0, other_fd);
		buf2 = cv_alloc(other_fd, MiB, O_RDWR | O_CLOEXEC, 0);
		ASSERT_LE(0, buf2);
	}

	/* Every device that can, maps both buffers; the GPU writes one. */
	for (idx = 0; idx < 64; idx++) {
		int gpu;

		if (cv_imp_device_info(imp, idx, &info) ||
		    (info.flags & DMABUF_IMPORTER_DEV_NO_DMA))
			continue;
		gpu = info.role == DMABUF_IMPORTER_ROLE_GPU;
		ASSERT_EQ(0, cv_imp_attach(imp, buf, idx, &h));
		ret = cv_imp_map(imp, h, shared_dir(&info, gpu), NULL);
		if (!cv_imp_refuses_bounced_copy(&info, ret))
			ASSERT_EQ(0, ret) TH_LOG("map on %s", info.name);
		if (gpu)
			ASSERT_EQ(0, cv_imp_fill(imp, h, 0, MiB, 0x0dd0));
		attached++;
		if (buf2 < 0)
			continue;
		ASSERT_EQ(0, cv_imp_attach(imp, buf2, idx, &h));
		ASSERT_EQ(0, cv_imp_map(imp, h, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL));
	}
	EXPECT_LE(4, attached);
	if (buf2 >= 0)
		close(buf2);

	/* The module is held while the file is open. */
	EXPECT_EQ(-EWOULDBLOCK, rmmod());
	close(imp);

	/* The attachments are gone: our fd is the buffer's only user. */
	ASSERT_EQ(0, cv_stat(self->heap.name, "used", &used));
	EXPECT_EQ(MiB, used);
	if (other_fd >= 0) {
		EXPECT_EQ(0, cv_wait_idle(other.name));
		close(other_fd);
	}

	ASSERT_EQ(0, rmmod());
	EXPECT_FALSE(module_loaded());
	EXPECT_NE(0, access(CV_IMP_DEV_PATH, F_OK));

	/* The buffer outlives its importer, with what the GPU wrote. */
	p = mmap(NULL, MiB, PROT_READ, MAP_SHARED, buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(MiB, cv_imp_verify(p, 0, MiB, 0x0dd0));
	ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(p, MiB);

	ASSERT_EQ(0, insmod(self->params))
		TH_LOG("insmod %s %s", MODULE_FILE, self->params);
	imp = cv_imp_open();
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, cv_imp_find_device(imp, DMABUF_IMPORTER_ROLE_GPU, 0, &info));
	ASSERT_EQ(0, cv_imp_attach(imp, buf, info.index, &h));
	ASSERT_EQ(0, cv_imp_map(imp, h, DMABUF_IMPORTER_DIR_TO_DEVICE, NULL));
	want = malloc(MiB);
	ASSERT_NE(NULL, want);
	imp_pattern(want, 0, MiB, 0x0dd0);
	ASSERT_EQ(0, cv_imp_checksum(imp, h, 0, MiB, &sum));
	EXPECT_EQ(cv_imp_hash(want, MiB), sum);
	free(want);
	close(imp);
	close(buf);
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
}

TEST_F(unload, adjacent_display_segments_count_as_contiguous)
{
	struct dmabuf_importer_device_info info;
	struct dmabuf_importer_map m;
	uint64_t sum, size = 2 * MiB, seg = 65536;
	char extra[64];
	uint32_t h;
	int imp, buf;
	void *want;

	imp = cv_imp_open();
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, cv_imp_find_device(imp, DMABUF_IMPORTER_ROLE_DISPLAY, 0, &info));
	close(imp);
	if (cv_imp_bounces(&info))
		SKIP(return, "swiotlb=force: a bounced copy's pieces lie wherever swiotlb has room; this tests the zero-copy path");
	if (seg < cv_page_size())
		seg = cv_page_size();
	snprintf(extra, sizeof(extra), "display_max_segment=%llu",
		 (unsigned long long)seg);
	ASSERT_EQ(0, reload(self, extra));

	imp = cv_imp_open();
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, cv_imp_find_device(imp, DMABUF_IMPORTER_ROLE_DISPLAY, 0, &info));
	EXPECT_EQ(seg, info.max_segment);
	buf = cv_alloc(self->heap_fd, size, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, buf);
	ASSERT_EQ(0, cv_imp_attach(imp, buf, info.index, &h));
	ASSERT_EQ(0, cv_imp_map(imp, h, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, &m));
	/* The exporter honours the limit; the pieces still follow each other. */
	EXPECT_EQ(size / seg, m.nents);
	EXPECT_TRUE(!!(m.flags & DMABUF_IMPORTER_MAPPING_CONTIGUOUS));
	EXPECT_EQ(size, m.dma_end - m.dma_start);

	ASSERT_EQ(0, cv_imp_fill(imp, h, 0, size, 0x5e9));
	ASSERT_EQ(0, cv_imp_checksum(imp, h, 0, size, &sum));
	want = malloc(size);
	imp_pattern(want, 0, size, 0x5e9);
	EXPECT_EQ(cv_imp_hash(want, size), sum);
	free(want);
	close(imp);
	close(buf);
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));

	/* Back to the board's parameters. */
	EXPECT_EQ(0, reload(self, ""));
}

/*
 * The module lifecycle under load: IMPORTER_CYCLES times (default 50),
 * every device that can attaches and maps buffers from each kind of heap
 * (one stays attached but unmapped), the GPU writes one of them, the file
 * closes with all of it in place, and the module goes and comes back.
 * After each unload the GPU's data is intact, and the heaps' stats show
 * only the buffers the test itself still holds.
 */
TEST_F_TIMEOUT(unload, load_unload_cycles_with_mapped_buffers, 600)
{
	static const enum cv_imp_heap_kind kinds[] = {
		CV_IMP_HEAP_CACHED, CV_IMP_HEAP_UNCACHED, CV_IMP_HEAP_SYSTEM,
	};
	struct dmabuf_importer_device_info info;
	int bufs[ARRAY_SIZE(kinds)], refused[ARRAY_SIZE(kinds)];
	int nbufs = 0, cycles = 50, c, i, imp, ret;
	unsigned int k, maps = 0;
	const char *env = getenv("IMPORTER_CYCLES");
	char name[64];
	uint32_t h, idx, seed;
	uint8_t *p;

	if (env)
		cycles = atoi(env);
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		int fd;

		if (cv_imp_find_heap(kinds[k], name))
			continue;
		fd = cv_heap_open(name);
		ASSERT_LE(0, fd);
		bufs[nbufs] = cv_alloc(fd, MiB, O_RDWR | O_CLOEXEC, 0);
		close(fd);
		ASSERT_LE(0, bufs[nbufs]) TH_LOG("alloc from %s", name);
		/* swiotlb=force: an uncached buffer cannot bounce. */
		refused[nbufs] = kinds[k] == CV_IMP_HEAP_UNCACHED && cv_bounce_refused(0);
		nbufs++;
	}
	ASSERT_LE(1, nbufs);

	for (c = 0; c < cycles; c++) {
		seed = 0x1000 + c;
		imp = cv_imp_open();
		ASSERT_LE(0, imp);
		for (idx = 0; idx < 64; idx++) {
			if (cv_imp_device_info(imp, idx, &info))
				break;
			if (info.flags & DMABUF_IMPORTER_DEV_NO_DMA)
				continue;
			for (i = 0; i < nbufs; i++) {
				ret = cv_imp_attach(imp, bufs[i], idx, &h);
				if (refused[i]) {
					ASSERT_EQ(-ERANGE, ret);
					continue;
				}
				ASSERT_EQ(0, ret);
				/* The last buffer stays attached, unmapped. */
				if (i == nbufs - 1 && nbufs > 1)
					continue;
				/* The display takes contiguous buffers only. */
				if (cv_imp_map(imp, h, shared_dir(&info, i == 0 &&
				    info.role == DMABUF_IMPORTER_ROLE_GPU),
				    NULL))
					continue;
				maps++;
				if (info.role == DMABUF_IMPORTER_ROLE_GPU && i == 0)
					ASSERT_EQ(0, cv_imp_fill(imp, h, 0, MiB, seed));
			}
		}
		EXPECT_EQ(-EWOULDBLOCK, rmmod());
		close(imp);
		ASSERT_EQ(0, rmmod()) TH_LOG("cycle %d", c);
		ASSERT_FALSE(module_loaded());

		p = mmap(NULL, MiB, PROT_READ, MAP_SHARED, bufs[0], 0);
		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(0, cv_sync(bufs[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		EXPECT_EQ(MiB, cv_imp_verify(p, 0, MiB, seed)) TH_LOG("cycle %d", c);
		ASSERT_EQ(0, cv_sync(bufs[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
		munmap(p, MiB);

		ASSERT_EQ(0, insmod(self->params)) TH_LOG("cycle %d", c);
	}
	for (i = 0; i < nbufs; i++)
		close(bufs[i]);
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
	ksft_print_msg("lifecycle: %d unload/reload cycles, %u mappings torn down by close\n",
		       cycles, maps);
}

static int edu_gone(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", name);
	return access(path, F_OK) != 0;
}

/*
 * A PCI device removed under an open file takes its attachments with it:
 * they are unmapped and detached at once (DMA-API debug would report a
 * mapping left behind), and the file keeps revoked handles. A rescan
 * brings the device back with its parameters (edu_dma_bits goes by PCI
 * address, not by probe order), and so does a reload.
 */
TEST_F_TIMEOUT(unload, pci_remove_revokes_attachments, 120)
{
	struct dmabuf_importer_device_info edu, info;
	struct dmabuf_importer_query q;
	char path[160];
	uint64_t sum;
	uint32_t h, h2;
	int imp, buf;

	imp = cv_imp_open();
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, cv_imp_find_device(imp, DMABUF_IMPORTER_ROLE_EDU, 64, &edu));
	buf = cv_alloc(self->heap_fd, MiB, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, buf);
	ASSERT_EQ(0, cv_imp_attach(imp, buf, edu.index, &h));
	ASSERT_EQ(0, cv_imp_map(imp, h, DMABUF_IMPORTER_DIR_BIDIRECTIONAL, NULL));
	ASSERT_EQ(0, cv_imp_attach(imp, buf, edu.index, &h2));
	close(buf);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", edu.name);
	ASSERT_EQ(0, cv_write_str(path, "1"));
	ASSERT_TRUE(edu_gone(edu.name));

	ASSERT_EQ(0, cv_imp_query(imp, h, &q));
	EXPECT_EQ((uint32_t)DMABUF_IMPORTER_STATE_REVOKED, q.state);
	EXPECT_EQ(edu.index, q.device);
	EXPECT_EQ(0ULL, q.size);
	EXPECT_EQ(-ENODEV, cv_imp_checksum(imp, h, 0, 4096, &sum));
	EXPECT_EQ(-ENODEV, cv_imp_fill(imp, h, 0, 4096, 1));
	EXPECT_EQ(-ENODEV, cv_imp_unmap(imp, h));
	EXPECT_EQ(-ENODEV, cv_imp_map(imp, h2, DMABUF_IMPORTER_DIR_TO_DEVICE, NULL));
	EXPECT_EQ(-ENODEV, cv_imp_sync(imp, h2, DMABUF_IMPORTER_SYNC_READ));
	EXPECT_EQ(-ENODEV, cv_imp_device_info(imp, edu.index, &info));
	/* The buffer went with the attachments: nothing holds it now. */
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
	EXPECT_EQ(0, cv_imp_detach(imp, h));
	EXPECT_EQ(-ENOENT, cv_imp_detach(imp, h));
	close(imp);

	ASSERT_EQ(0, cv_write_str("/sys/bus/pci/rescan", "1"));
	EXPECT_FALSE(edu_gone(edu.name));
	imp = cv_imp_open();
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, cv_imp_find_device(imp, DMABUF_IMPORTER_ROLE_EDU, 64, &info));
	EXPECT_STREQ(edu.name, info.name);
	close(imp);

	ASSERT_EQ(0, reload(self, ""));
	imp = cv_imp_open();
	ASSERT_LE(0, imp);
	ASSERT_EQ(0, cv_imp_find_device(imp, DMABUF_IMPORTER_ROLE_EDU, 64, &info));
	EXPECT_STREQ(edu.name, info.name);
	close(imp);
}

TEST_HARNESS_MAIN
