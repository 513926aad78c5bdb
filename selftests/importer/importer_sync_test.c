// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer kselftests: the DMA tracepoints show the cache
 * maintenance that begin/end_cpu_access does for each kind of importer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_test.h"

/*
 * Sync semantics through the DMA tracepoints. begin/end_cpu_access of a
 * cached buffer mapped by the non-coherent camera must sync that mapping
 * in the direction it was mapped with; an uncached buffer needs (and gets)
 * no maintenance; a coherent device needs none either, and the DMA API
 * skips it before the tracepoint.
 */
FIXTURE(cpu_sync) {
	int imp;
	int heap_fd;
	int buf;
	char heap[64];
	struct dmabuf_importer_device_info camera, gpu;
	int bounce;	/* allow_bounce to restore (cv_imp_bounce_if_forced) */
};

FIXTURE_VARIANT(cpu_sync) {
	enum cv_imp_heap_kind kind;
};

FIXTURE_VARIANT_ADD(cpu_sync, cached) {
	.kind = CV_IMP_HEAP_CACHED,
};

FIXTURE_VARIANT_ADD(cpu_sync, uncached) {
	.kind = CV_IMP_HEAP_UNCACHED,
};

FIXTURE_SETUP(cpu_sync)
{
	self->imp = self->heap_fd = self->buf = self->bounce = -1;
	if (access(CV_IMP_TRACING "/events/dma/dma_sync_sg_for_cpu", F_OK))
		SKIP(return, "no dma tracepoints in tracefs");
	self->imp = cv_imp_open();
	ASSERT_LE(0, self->imp);
	ASSERT_EQ(0, cv_imp_find_device(self->imp, ROLE_CAMERA, 0, &self->camera));
	ASSERT_EQ(0, cv_imp_find_device(self->imp, ROLE_GPU, 0, &self->gpu));
	if (cv_imp_find_heap(variant->kind, self->heap))
		SKIP(return, "no %s heap", cv_imp_heap_kind_name(variant->kind));
	self->heap_fd = cv_heap_open(self->heap);
	ASSERT_LE(0, self->heap_fd);
	self->buf = cv_alloc(self->heap_fd, MiB, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, self->buf);
	ASSERT_EQ(0, cv_imp_trace_event("dma/dma_sync_sg_for_cpu", 1));
	ASSERT_EQ(0, cv_imp_trace_event("dma/dma_sync_sg_for_device", 1));
	ASSERT_EQ(0, cv_imp_trace_clear());
	ASSERT_EQ(0, cv_imp_bounce_if_forced(1, &self->bounce));
}

FIXTURE_TEARDOWN(cpu_sync)
{
	cv_imp_bounce_restore(self->bounce);
	cv_imp_trace_event("dma/dma_sync_sg_for_cpu", 0);
	cv_imp_trace_event("dma/dma_sync_sg_for_device", 0);
	if (self->buf >= 0)
		close(self->buf);
	if (self->imp >= 0)
		close(self->imp);
	if (self->heap_fd < 0)
		return;
	close(self->heap_fd);
	EXPECT_EQ(0, cv_wait_idle(self->heap));
}

/* Sync brackets, then how many for_cpu and for_device events @dev saw. */
static void sync_and_count(struct __test_metadata *_metadata, int buf,
			   uint64_t rw, const char *dev, int *cpu, int *device)
{
	char *trace, who[64];

	ASSERT_EQ(0, cv_imp_trace_clear());
	ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | rw));
	ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | rw));
	trace = cv_imp_trace_read();
	ASSERT_NE(NULL, trace);
	snprintf(who, sizeof(who), ": %s dir=", dev);
	*cpu = cv_imp_trace_count(trace, "dma_sync_sg_for_cpu", who);
	*device = cv_imp_trace_count(trace, "dma_sync_sg_for_device", who);
	free(trace);
}

static int trace_has(const char *event, const char *dev, const char *dir)
{
	char *trace = cv_imp_trace_read(), who[96];
	int n;

	if (!trace)
		return -1;
	snprintf(who, sizeof(who), ": %s dir=%s ", dev, dir);
	n = cv_imp_trace_count(trace, event, who);
	free(trace);
	return n;
}

TEST_F(cpu_sync, noncoherent_camera_is_synced_in_its_mapping_direction)
{
	int cached = variant->kind == CV_IMP_HEAP_CACHED, cpu, device, ret;
	uint32_t h;

	ret = cv_imp_attach(self->imp, self->buf, self->camera.index, &h);
	if (cv_bounce_refused(cached)) {
		ASSERT_EQ(-ERANGE, ret);
		SKIP(return, "swiotlb=force: uncached buffers cannot bounce, attach refused with ERANGE");
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DIR_FROM, NULL));
	ASSERT_EQ(0, cv_imp_fill(self->imp, h, 0, MiB, 7));

	/* CPU reads what the camera wrote: invalidate, then hand back. */
	sync_and_count(_metadata, self->buf, DMA_BUF_SYNC_READ, "camera", &cpu, &device);
	EXPECT_EQ(cached, cpu);
	EXPECT_EQ(cached, device);
	if (cached) {
		EXPECT_EQ(0, cv_imp_trace_clear());
		ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		EXPECT_EQ(1, trace_has("dma_sync_sg_for_cpu", "camera", "FROM_DEVICE"));
		ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
		EXPECT_EQ(1, trace_has("dma_sync_sg_for_device", "camera", "FROM_DEVICE"));
	}

	/* A camera that reads: the CPU's writes are cleaned out to it. */
	ASSERT_EQ(0, cv_imp_unmap(self->imp, h));
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DIR_TO, NULL));
	EXPECT_EQ(0, cv_imp_trace_clear());
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE));
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	EXPECT_EQ(cached, trace_has("dma_sync_sg_for_cpu", "camera", "TO_DEVICE"));
	EXPECT_EQ(cached, trace_has("dma_sync_sg_for_device", "camera", "TO_DEVICE"));

	/* The importer's own CPU bracket goes through the same path. */
	EXPECT_EQ(0, cv_imp_trace_clear());
	ASSERT_EQ(0, cv_imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_START | DMABUF_IMPORTER_SYNC_READ));
	ASSERT_EQ(0, cv_imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_END | DMABUF_IMPORTER_SYNC_READ));
	EXPECT_EQ(cached, trace_has("dma_sync_sg_for_cpu", "camera", "TO_DEVICE"));
	EXPECT_EQ(cached, trace_has("dma_sync_sg_for_device", "camera", "TO_DEVICE"));

	/* Unmapped: nothing to sync. */
	ASSERT_EQ(0, cv_imp_unmap(self->imp, h));
	sync_and_count(_metadata, self->buf, DMA_BUF_SYNC_RW, "camera", &cpu, &device);
	EXPECT_EQ(0, cpu + device);
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
}

/*
 * The DMA API does no cache maintenance for a coherent device. Without
 * DMA_API_DEBUG it skips the call before the tracepoint; with it, every
 * sync is made (so that it can be checked) and traced, and still does no
 * maintenance. Either way an uncached buffer is never synced at all.
 */
TEST_F(cpu_sync, coherent_gpu_is_synced_only_under_dma_api_debug)
{
	int debug = access("/sys/kernel/debug/dma-api", F_OK) == 0;
	int synced = debug && variant->kind == CV_IMP_HEAP_CACHED;
	int cpu, device, ret;
	uint32_t h;

	ret = cv_imp_attach(self->imp, self->buf, self->gpu.index, &h);
	if (cv_bounce_refused(variant->kind == CV_IMP_HEAP_CACHED)) {
		ASSERT_EQ(-ERANGE, ret);
		SKIP(return, "swiotlb=force: uncached buffers cannot bounce, attach refused with ERANGE");
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DIR_BIDI, NULL));
	sync_and_count(_metadata, self->buf, DMA_BUF_SYNC_RW, "gpu", &cpu, &device);
	EXPECT_EQ(synced, cpu) TH_LOG("DMA_API_DEBUG %s", debug ? "on" : "off");
	EXPECT_EQ(synced, device);
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
}

TEST_HARNESS_MAIN
