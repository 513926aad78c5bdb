// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU mapping of an uncached heap's buffer stays uncached whatever
 * userspace does to it: mprotect, mremap, fork, CPU-access syncs. A
 * private (copy-on-write) mapping, which would give the process cacheable
 * copies of the pages, is refused.
 *
 * The memory type comes from the page-table entry itself, through the
 * importer's DMABUF_IMPORTER_IOC_CPU_MAPPING; the cached heap is the
 * control that shows the probe tells the two apart. The probe answers for
 * the carveout heaps' buffers only, and never with an address.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_util.h"

#define NPAGES 16

static int cpu_mapping(int imp, const void *addr, uint32_t *memtype)
{
	struct dmabuf_importer_cpu_mapping m = {
		.addr = (uintptr_t)addr,
		.__reserved = ~0ULL,
	};

	if (ioctl(imp, DMABUF_IMPORTER_IOC_CPU_MAPPING, &m))
		return -errno;
	*memtype = m.memtype;
	/* No address comes back, whatever was passed in. */
	return m.__reserved ? -EIO : 0;
}

/*
 * The memory type of the first, a middle and the last page of @len bytes
 * at @p if they all agree, else a negative value.
 */
static int64_t memtype_of(int imp, const char *p, size_t len)
{
	size_t offs[3] = { 0, len / 2, len - 1 };
	uint32_t type = 0, first = 0;
	int i, ret;

	for (i = 0; i < 3; i++) {
		ret = cpu_mapping(imp, p + offs[i], &type);
		if (ret)
			return ret;
		if (i && type != first)
			return -EIO;
		first = type;
	}
	return first;
}

FIXTURE(cpumap) {
	int imp;
	int fd;
	size_t len;
	char heap[64];
};

FIXTURE_VARIANT(cpumap) {
	enum cv_imp_heap_kind kind;
	uint32_t memtype;
};

FIXTURE_VARIANT_ADD(cpumap, uncached) {
	.kind = CV_IMP_HEAP_UNCACHED,
	.memtype = DMABUF_IMPORTER_MEM_UNCACHED,
};

/* The control: a mapped region's heap gives cacheable mappings. */
FIXTURE_VARIANT_ADD(cpumap, cached) {
	.kind = CV_IMP_HEAP_CACHED,
	.memtype = DMABUF_IMPORTER_MEM_CACHED,
};

FIXTURE_SETUP(cpumap)
{
	int heap_fd;

	self->imp = -1;
	self->fd = -1;
	self->len = NPAGES * cv_page_size();
	if (cv_imp_find_heap(variant->kind, self->heap))
		SKIP(return, "no %s heap", cv_imp_heap_kind_name(variant->kind));
	self->imp = cv_imp_open();
	if (self->imp < 0)
		SKIP(return, "no importer device: %s", strerror(-self->imp));
	heap_fd = cv_heap_open(self->heap);
	ASSERT_LE(0, heap_fd);
	self->fd = cv_alloc(heap_fd, self->len, O_RDWR | O_CLOEXEC, 0);
	close(heap_fd);
	ASSERT_LE(0, self->fd) TH_LOG("alloc from %s: %s", self->heap,
				       strerror(-self->fd));
}

FIXTURE_TEARDOWN(cpumap)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->imp >= 0)
		close(self->imp);
	if (self->heap[0])
		EXPECT_EQ(0, cv_wait_idle(self->heap));
}

static void *map_buf(int fd, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

TEST_F(cpumap, mmap)
{
	char *p = map_buf(self->fd, self->len, PROT_READ | PROT_WRITE);
	struct dmabuf_importer_cpu_mapping m = { .addr = 0 };

	ASSERT_NE(NULL, p);
	ASSERT_EQ(variant->memtype, memtype_of(self->imp, p, self->len));
	m.addr = (uintptr_t)(p + cv_page_size() + 12);
	ASSERT_EQ(0, ioctl(self->imp, DMABUF_IMPORTER_IOC_CPU_MAPPING, &m));
	EXPECT_EQ((uintptr_t)(p + cv_page_size() + 12), m.addr);
	EXPECT_NE(0U, m.flags & DMABUF_IMPORTER_CPU_WRITABLE);
	/* The memory type, and no physical address. */
	EXPECT_EQ(0ULL, m.__reserved);
	munmap(p, self->len);
}

TEST_F(cpumap, read_only_mapping)
{
	char *p = map_buf(self->fd, self->len, PROT_READ);
	struct dmabuf_importer_cpu_mapping m = { .addr = 0 };

	ASSERT_NE(NULL, p);
	ASSERT_EQ(variant->memtype, memtype_of(self->imp, p, self->len));
	m.addr = (uintptr_t)p;
	ASSERT_EQ(0, ioctl(self->imp, DMABUF_IMPORTER_IOC_CPU_MAPPING, &m));
	EXPECT_EQ(0U, m.flags & DMABUF_IMPORTER_CPU_WRITABLE);
	munmap(p, self->len);
}

TEST_F(cpumap, mprotect)
{
	static const int prots[] = {
		PROT_READ, PROT_NONE, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE,
	};
	char *p = map_buf(self->fd, self->len, PROT_READ | PROT_WRITE);
	unsigned int i;

	ASSERT_NE(NULL, p);
	for (i = 0; i < ARRAY_SIZE(prots); i++) {
		ASSERT_EQ(0, mprotect(p, self->len, prots[i]));
		if (prots[i] == PROT_NONE)
			continue;
		EXPECT_EQ(variant->memtype,
			  memtype_of(self->imp, p, self->len))
			TH_LOG("after mprotect(0x%x)", prots[i]);
	}
	/* Half of it, which splits the mapping in two. */
	ASSERT_EQ(0, mprotect(p, self->len / 2, PROT_READ));
	EXPECT_EQ(variant->memtype, memtype_of(self->imp, p, self->len));
	p[self->len - 1] = 1;
	munmap(p, self->len);
}

TEST_F(cpumap, mremap)
{
	char *p = map_buf(self->fd, self->len, PROT_READ | PROT_WRITE);
	char *q, *hole;

	ASSERT_NE(NULL, p);
	/* A dma-buf mapping cannot grow (VM_DONTEXPAND). */
	q = mremap(p, self->len, 2 * self->len, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);

	/* Moved elsewhere, it keeps its memory type. */
	hole = mmap(NULL, self->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	q = mremap(p, self->len, self->len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   hole);
	ASSERT_EQ(hole, q);
	EXPECT_EQ(variant->memtype, memtype_of(self->imp, q, self->len));
	/* Shrunk in place, what is left keeps it too. */
	p = mremap(q, self->len, self->len / 2, 0);
	ASSERT_EQ(q, p);
	EXPECT_EQ(variant->memtype,
		  memtype_of(self->imp, p, self->len / 2));
	munmap(p, self->len / 2);
}

TEST_F(cpumap, fork)
{
	char *p = map_buf(self->fd, self->len, PROT_READ | PROT_WRITE);
	int status;
	pid_t pid;

	ASSERT_NE(NULL, p);
	p[0] = 0x5a;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child's copy of the page table, then a write. */
		if (memtype_of(self->imp, p, self->len) != variant->memtype)
			_exit(1);
		p[1] = 0x6b;
		_exit(p[0] == 0x5a ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Shared, not copied on write. */
	EXPECT_EQ(0x6b, p[1]);
	EXPECT_EQ(variant->memtype, memtype_of(self->imp, p, self->len));
	munmap(p, self->len);
}

TEST_F(cpumap, sync_and_madvise)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	char *p = map_buf(self->fd, self->len, PROT_READ | PROT_WRITE);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_SYNC, &sync));
	memset(p, 0x11, self->len);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	ASSERT_EQ(0, ioctl(self->fd, DMA_BUF_IOCTL_SYNC, &sync));
	EXPECT_EQ(variant->memtype, memtype_of(self->imp, p, self->len));
	/* Advice that would change caching elsewhere changes nothing here. */
	madvise(p, self->len, MADV_SEQUENTIAL);
	madvise(p, self->len, MADV_WILLNEED);
	madvise(p, self->len, MADV_HUGEPAGE);
	EXPECT_EQ(variant->memtype, memtype_of(self->imp, p, self->len));
	munmap(p, self->len);
}

/* Copy-on-write would hand out cacheable copies: refused outright. */
TEST_F(cpumap, no_private_mapping)
{
	void *p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		       self->fd, 0);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, self->len);
}

/* The probe itself: no mapping, or an ordinary one, is an error. */
TEST_F(cpumap, probe_bad_input)
{
	char *anon = mmap(NULL, cv_page_size(), PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t type;

	ASSERT_NE(MAP_FAILED, anon);
	anon[0] = 1;
	EXPECT_EQ(-EINVAL, cpu_mapping(self->imp, anon, &type));
	ASSERT_EQ(0, munmap(anon, cv_page_size()));
	EXPECT_EQ(-EFAULT, cpu_mapping(self->imp, anon, &type));
	EXPECT_EQ(-EFAULT, cpu_mapping(self->imp, NULL, &type));
	EXPECT_EQ(-EFAULT, cpu_mapping(self->imp, (void *)~0UL, &type));
}

/*
 * Other exporters' mappings are none of the probe's business: a system
 * heap buffer is a page-frame (VM_PFNMAP) mapping of a dma-buf too.
 */
TEST_F(cpumap, system_heap_mapping_fails_einval)
{
	int heap_fd, fd;
	uint32_t type;
	char *p;

	if (access("/dev/dma_heap/system", F_OK))
		SKIP(return, "no system heap");
	heap_fd = cv_heap_open("system");
	ASSERT_LE(0, heap_fd);
	fd = cv_alloc(heap_fd, self->len, O_RDWR | O_CLOEXEC, 0);
	close(heap_fd);
	ASSERT_LE(0, fd);
	p = map_buf(fd, self->len, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	EXPECT_EQ(-EINVAL, cpu_mapping(self->imp, p, &type));
	munmap(p, self->len);
	close(fd);
}

/* A page-frame mapping that is no dma-buf at all: a vgem GEM object's. */
TEST_F(cpumap, vgem_object_mapping_fails_einval)
{
	struct drm_mode_create_dumb create = {
		.width = 1024, .height = self->len / 4096, .bpp = 32,
	};
	struct drm_mode_map_dumb map = { 0 };
	struct drm_gem_close gclose = { 0 };
	int vgem = cv_vgem_open();
	uint32_t type;
	char *p;

	if (vgem < 0)
		SKIP(return, "no vgem device");
	ASSERT_EQ(0, ioctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &create));
	map.handle = create.handle;
	ASSERT_EQ(0, ioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &map));
	p = mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, vgem,
		 map.offset);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	EXPECT_EQ(-EINVAL, cpu_mapping(self->imp, p, &type));
	munmap(p, create.size);
	gclose.handle = create.handle;
	EXPECT_EQ(0, ioctl(vgem, DRM_IOCTL_GEM_CLOSE, &gclose));
	close(vgem);
}

TEST_HARNESS_MAIN
