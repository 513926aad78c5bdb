// SPDX-License-Identifier: GPL-2.0
/*
 * Systematic fault injection over the buffer life cycle.
 *
 * One sequence covers what a client does with a buffer: allocate from a
 * carveout heap, mmap and write it, CPU-access syncs, name it, export a
 * sync_file, import it into vgem, attach and map it to the importer's GPU
 * (the device writes, the CPU checks) and camera (with a kernel CPU-access
 * bracket), unmap, detach and close. For n = 1, 2, ... the n-th fault
 * point the sequence reaches fails (/proc/thread-self/fail-nth), until a
 * run reaches fewer than n points: every point on the path has then
 * failed once. Each failure must come back as a clean error from the step
 * that hit it (or be absorbed: some allocations are optional), and after
 * it the heap must be idle again: nothing leaked. The judge on the host
 * fails the run on any kernel warning, KASAN or kmemleak report.
 *
 * Mechanisms, one variant each: failslab (kmalloc and kmem caches),
 * fail_page_alloc (the page allocator: sg-table chunks of a 32 MiB vgem
 * import, page tables), and fail_function on the error-injectable
 * functions of the heap and the exporter (ALLOW_ERROR_INJECTION).
 * Only this thread fails: fail-nth is per task.
 *
 * Options (environment): FAULT_MAX_N bounds n (default 2000).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "libdma.h"
#include "libimp.h"

#define MiB (1024UL * 1024UL)
/* What the GPU writes and the CPU checks, each run. */
#define CHECK_LEN (64 * 1024UL)
#define DBG "/sys/kernel/debug/"
#define FAIL_FN DBG "fail_function/"

enum step {
	ST_NONE, ST_ALLOC, ST_MMAP, ST_SYNC, ST_NAME, ST_SYNC_FILE,
	ST_VGEM, ST_GPU_ATTACH, ST_GPU_MAP, ST_GPU_FILL, ST_CPU_CHECK,
	ST_CAM_ATTACH, ST_CAM_MAP, ST_CAM_SYNC, ST_UNMAP, ST_DETACH,
	ST_COUNT,
};

static const char *const step_names[ST_COUNT] = {
	"none", "alloc", "mmap", "sync", "set_name", "sync_file",
	"vgem_import", "gpu_attach", "gpu_map", "gpu_fill", "cpu_check",
	"camera_attach", "camera_map", "camera_sync", "unmap", "detach",
};

/* What one run of the sequence left behind: the failing step, its errno. */
struct outcome {
	enum step step;
	int err;
};

struct env {
	int heap_fd;
	int imp;
	int vgem;
	uint32_t gpu;
	uint32_t camera;
	int has_camera;
	size_t len;
	uint8_t *want;	/* CHECK_LEN bytes: allocated before any fault */
};

#define FAILED(o, s, e) do { (o)->step = (s); (o)->err = (e); goto out; } while (0)

/*
 * The sequence. Returns with every fd closed and every attachment gone,
 * whichever step failed; the outcome names it.
 */
static void run_sequence(const struct env *e, uint32_t seed, struct outcome *o)
{
	uint32_t gh = 0, ch = 0, vh = 0;
	int buf = -1, sf, ret;
	uint8_t *p = MAP_FAILED;
	struct dma_buf_sync sync;
	size_t check = CHECK_LEN;

	o->step = ST_NONE;
	o->err = 0;

	buf = cv_alloc(e->heap_fd, e->len, O_RDWR | O_CLOEXEC, 0);
	if (buf < 0)
		FAILED(o, ST_ALLOC, -buf);

	p = mmap(NULL, e->len, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	if (p == MAP_FAILED)
		FAILED(o, ST_MMAP, errno);

	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE;
	if (ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync))
		FAILED(o, ST_SYNC, errno);
	memset(p, 0xa5, 4096);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
	if (ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync))
		FAILED(o, ST_SYNC, errno);

	if (ioctl(buf, DMA_BUF_SET_NAME_B, "fault"))
		FAILED(o, ST_NAME, errno);

	sf = ldma_sync_file_export(buf, LDMA_WRITE);
	if (sf < 0)
		FAILED(o, ST_SYNC_FILE, -sf);
	ret = ldma_sync_file_wait(sf, 1000);
	close(sf);
	if (ret < 0)
		FAILED(o, ST_SYNC_FILE, -ret);

	ret = cv_vgem_import(e->vgem, buf, &vh);
	if (ret)
		FAILED(o, ST_VGEM, -ret);

	ret = imp_attach(e->imp, buf, e->gpu, &gh, NULL);
	if (ret)
		FAILED(o, ST_GPU_ATTACH, -ret);
	ret = imp_map(e->imp, gh, IMP_BIDIRECTIONAL, NULL);
	if (ret)
		FAILED(o, ST_GPU_MAP, -ret);
	ret = imp_fill(e->imp, gh, seed, 0, check);
	if (ret)
		FAILED(o, ST_GPU_FILL, -ret);

	/* What the device wrote is what the CPU reads. */
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	if (ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync))
		FAILED(o, ST_CPU_CHECK, errno);
	imp_pattern(e->want, 0, check, seed);
	ret = memcmp(e->want, p, check);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	ioctl(buf, DMA_BUF_IOCTL_SYNC, &sync);
	if (ret)
		FAILED(o, ST_CPU_CHECK, EBADMSG);

	if (e->has_camera) {
		ret = imp_attach(e->imp, buf, e->camera, &ch, NULL);
		if (ret)
			FAILED(o, ST_CAM_ATTACH, -ret);
		ret = imp_map(e->imp, ch, IMP_TO_DEVICE,
			      NULL);
		if (ret)
			FAILED(o, ST_CAM_MAP, -ret);
		ret = imp_sync_begin(e->imp, ch, IMP_READ);
		if (ret)
			FAILED(o, ST_CAM_SYNC, -ret);
		ret = imp_sync_end(e->imp, ch, IMP_READ);
		if (ret)
			FAILED(o, ST_CAM_SYNC, -ret);
		ret = imp_unmap(e->imp, ch);
		if (ret)
			FAILED(o, ST_UNMAP, -ret);
	}
	ret = imp_unmap(e->imp, gh);
	if (ret)
		FAILED(o, ST_UNMAP, -ret);
	ret = imp_detach(e->imp, gh);
	gh = 0;
	if (ret)
		FAILED(o, ST_DETACH, -ret);
out:
	/* Teardown never fails the sequence: it must just work. */
	if (ch)
		imp_detach(e->imp, ch);
	if (gh)
		imp_detach(e->imp, gh);
	if (vh)
		cv_vgem_close(e->vgem, vh);
	if (p != MAP_FAILED)
		munmap(p, e->len);
	if (buf >= 0)
		close(buf);
}

/* Errors an allocation failure may turn into, by the book. */
static int clean_errno(int err)
{
	switch (err) {
	case ENOMEM:
	case ENOSPC:
	case EAGAIN:
	case ENFILE:
	case EMFILE:
	case ENOBUFS:
		return 1;
	}
	return 0;
}

FIXTURE(fault) {
	struct env env;
	char heap[256];
	int nth_fd;
	char fn_dir[256];
};

FIXTURE_VARIANT(fault) {
	const char *mech;	/* "failslab", "fail_page_alloc", "fail_function" */
	const char *function;	/* for fail_function */
	size_t len;
};

FIXTURE_VARIANT_ADD(fault, failslab) {
	.mech = "failslab", .len = MiB,
};

FIXTURE_VARIANT_ADD(fault, fail_page_alloc) {
	.mech = "fail_page_alloc", .len = 32 * MiB,
};

FIXTURE_VARIANT_ADD(fault, fail_function_carveout_alloc_range) {
	.mech = "fail_function", .function = "carveout_alloc_range", .len = MiB,
};

FIXTURE_VARIANT_ADD(fault, fail_function_contig_build_table) {
	.mech = "fail_function", .function = "contig_build_table", .len = MiB,
};

FIXTURE_VARIANT_ADD(fault, fail_function_contig_dma_map) {
	.mech = "fail_function", .function = "contig_dma_map", .len = MiB,
};

/* The kernel's defaults, fail_function cleared. */
static void gates_default(void)
{
	cv_write_str(DBG "failslab/ignore-gfp-wait", "Y");
	cv_write_str(DBG "failslab/cache-filter", "N");
	cv_write_str(DBG "failslab/verbose", "2");
	cv_write_str(DBG "fail_page_alloc/ignore-gfp-wait", "Y");
	cv_write_str(DBG "fail_page_alloc/min-order", "1");
	cv_write_str(DBG "fail_page_alloc/verbose", "2");
	cv_write_str(FAIL_FN "inject", " ");
	cv_write_str(FAIL_FN "verbose", "2");
}

/*
 * fail-nth counts every fault point that is open, whatever its attribute:
 * close all but the mechanism under test. failslab is closed by its cache
 * filter (no cache is marked), fail_page_alloc by a minimum order no
 * allocation has. One line per injected fault in the kernel log (verbose
 * 1), not a stack dump each.
 */
static int gates_only(const char *mech)
{
	int ret = 0;

	ret |= cv_write_str(DBG "failslab/cache-filter",
			  strcmp(mech, "failslab") ? "Y" : "N");
	ret |= cv_write_str(DBG "failslab/ignore-gfp-wait", "N");
	ret |= cv_write_str(DBG "fail_page_alloc/min-order",
			  strcmp(mech, "fail_page_alloc") ? "64" : "0");
	ret |= cv_write_str(DBG "fail_page_alloc/ignore-gfp-wait", "N");
	/* User pages (__GFP_HIGHMEM) keep ignore-gfp-highmem's default. */
	ret |= cv_write_str(DBG "failslab/verbose", "1");
	ret |= cv_write_str(DBG "fail_page_alloc/verbose", "1");
	ret |= cv_write_str(FAIL_FN "verbose", "1");
	return ret;
}

FIXTURE_SETUP(fault)
{
	struct cv_heap heap;
	struct imp_dev *devs = NULL;
	int n, i, found_gpu = 0;

	self->nth_fd = -1;
	self->env.heap_fd = self->env.imp = self->env.vgem = -1;
	self->env.want = NULL;
	if (access(DBG "failslab", F_OK) || access(DBG "fail_page_alloc", F_OK) ||
	    access(FAIL_FN "inject", F_OK))
		SKIP(return, "kernel without failslab, fail_page_alloc and fail_function (the debug kernel has them)");
	if (cv_find_heap(1, &heap))
		SKIP(return, "no cached carveout heap");
	if (heap.size < 2 * variant->len)
		SKIP(return, "heap %s is too small for %zu bytes", heap.name, variant->len);
	snprintf(self->heap, sizeof(self->heap), "%s", heap.name);
	self->env.len = variant->len;
	self->env.heap_fd = cv_heap_open(heap.name);
	ASSERT_LE(0, self->env.heap_fd);
	self->env.vgem = cv_vgem_open();
	if (self->env.vgem < 0)
		SKIP(return, "no vgem device");
	self->env.imp = imp_open(NULL);
	if (self->env.imp < 0)
		SKIP(return, "no importer device");
	n = imp_list(self->env.imp, &devs);
	ASSERT_LE(0, n);
	for (i = 0; i < n; i++) {
		if (devs[i].role == IMP_GPU && !found_gpu) {
			self->env.gpu = devs[i].index;
			found_gpu = 1;
		}
		if (devs[i].role == IMP_CAMERA && !self->env.has_camera) {
			self->env.camera = devs[i].index;
			self->env.has_camera = 1;
		}
	}
	free(devs);
	ASSERT_TRUE(found_gpu);
	self->env.want = malloc(CHECK_LEN);
	ASSERT_NE(NULL, self->env.want);

	/* Our own pages stay put: no fault of ours may hit a page fault. */
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE));

	gates_default();
	ASSERT_EQ(0, gates_only(variant->mech));
	if (variant->function) {
		ASSERT_EQ(0, cv_write_str(FAIL_FN "inject", variant->function))
			TH_LOG("%s is not error-injectable", variant->function);
		snprintf(self->fn_dir, sizeof(self->fn_dir), FAIL_FN "%s/retval",
			 variant->function);
		/* -ENOMEM as a 64-bit value. */
		ASSERT_EQ(0, cv_write_str(self->fn_dir, "0xfffffffffffffff4"));
	}
	self->nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nth_fd);
}

FIXTURE_TEARDOWN(fault)
{
	if (self->nth_fd >= 0) {
		pwrite(self->nth_fd, "0", 1, 0);
		close(self->nth_fd);
	}
	if (!access(DBG "failslab", F_OK))
		gates_default();
	munlockall();
	free(self->env.want);
	if (self->env.imp >= 0)
		close(self->env.imp);
	if (self->env.vgem >= 0)
		close(self->env.vgem);
	if (self->env.heap_fd >= 0)
		close(self->env.heap_fd);
}

static int nth_set(int fd, unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	return pwrite(fd, s, len, 0) == len ? 0 : -errno;
}

static int nth_get(int fd, unsigned int *n)
{
	char s[16] = "";

	if (pread(fd, s, sizeof(s) - 1, 0) <= 0)
		return -errno;
	*n = strtoul(s, NULL, 10);
	return 0;
}

TEST_F_TIMEOUT(fault, every_fault_point_fails_cleanly, 900)
{
	unsigned int n, left, max_n = 2000, injected = 0, absorbed = 0;
	unsigned int per_step[ST_COUNT] = { 0 };
	const char *env = getenv("FAULT_MAX_N");
	struct outcome o;
	int s, bad = 0;

	if (env)
		max_n = strtoul(env, NULL, 0);

	/* Without injection the sequence passes: the baseline. */
	run_sequence(&self->env, 1, &o);
	ASSERT_EQ((int)ST_NONE, (int)o.step) TH_LOG("baseline failed at %s: %s",
					  step_names[o.step], strerror(o.err));

	for (n = 1; n <= max_n; n++) {
		/*
		 * Start with nothing to zero: a placement failure must not be
		 * absorbed by the drain-and-retry of a full heap.
		 */
		ASSERT_EQ(0, cv_wait_stat_zero(self->heap, "zero_backlog"));
		ASSERT_EQ(0, nth_set(self->nth_fd, n));
		run_sequence(&self->env, n, &o);
		ASSERT_EQ(0, nth_get(self->nth_fd, &left));
		ASSERT_EQ(0, nth_set(self->nth_fd, 0));
		if (left) {
			/* Fewer than n fault points: all of them are done. */
			ASSERT_EQ((int)ST_NONE, (int)o.step)
				TH_LOG("n=%u: %s failed (%s) with no fault injected",
				       n, step_names[o.step], strerror(o.err));
			break;
		}
		injected++;
		if (o.step == ST_NONE) {
			absorbed++;
		} else {
			per_step[o.step]++;
			if (!clean_errno(o.err)) {
				bad++;
				TH_LOG("n=%u: %s failed with %s, not an allocation error",
				       n, step_names[o.step], strerror(o.err));
			}
		}
		/* Nothing left behind, whatever failed. */
		ASSERT_EQ(0, cv_wait_idle(self->heap)) TH_LOG("n=%u: heap %s not idle after %s failed",
							       n, self->heap, step_names[o.step]);
	}
	EXPECT_GT(max_n + 1, n) TH_LOG("more than %u fault points: raise FAULT_MAX_N", max_n);
	EXPECT_EQ(0, bad);
	/* A mechanism that never fired would test nothing. */
	EXPECT_LT(0U, injected);
	/*
	 * With 64 KiB pages the path may allocate no page whose failure
	 * shows: page tables already cover the mapping, and a 512-entry sg
	 * table is one slab object. Then every page fault is absorbed.
	 */
	if (strcmp(variant->mech, "fail_page_alloc") || cv_page_size() == 4096) {
		EXPECT_LT(0U, injected - absorbed);
	} else if (injected == absorbed) {
		ksft_print_msg("fault: no page allocation on this path fails a step with %zu-byte pages\n",
			       cv_page_size());
	}
	/* The project's own failure points may not fail silently. */
	if (variant->function)
		EXPECT_EQ(0U, absorbed);

	/* And afterwards everything works again. */
	run_sequence(&self->env, 2, &o);
	EXPECT_EQ((int)ST_NONE, (int)o.step);
	EXPECT_EQ(0, cv_wait_idle(self->heap));

	ksft_print_msg("fault: %s%s%s: %u faults injected, %u failed a step, %u absorbed\n",
		       variant->mech, variant->function ? " " : "",
		       variant->function ? variant->function : "",
		       injected, injected - absorbed, absorbed);
	for (s = 1; s < ST_COUNT; s++)
		if (per_step[s])
			ksft_print_msg("fault:   %-14s %u\n", step_names[s], per_step[s]);
}

TEST_HARNESS_MAIN
