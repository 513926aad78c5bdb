// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test's heap_ioctl target: random ioctls on the /dev/dma_heap nodes,
 * mostly DMA_HEAP_IOCTL_ALLOC, and a check of every buffer one returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "carveout_util.h"
#include "fuzz.h"

static uint64_t carveout_len(uint64_t size)
{
	int r = (int)fz_below(100);

	if (r < 35)
		return 1 + fz_below(64 * KiB);
	if (r < 55)
		return (1 + fz_below(256)) * fz_pg;
	if (r < 58)
		return 1 + fz_below(size);
	if (r < 60)
		return fz_chance(50) ? size : size - fz_pg;
	if (r < 70)
		return size + 1 + fz_below(fz_chance(50) ? fz_pg : size);
	return fz_interesting64();
}

static uint64_t mainline_len(void)
{
	int r = (int)fz_below(100);

	if (r < 5)
		return 0;
	if (r < 55)
		return 1 + fz_below(64 * KiB);
	if (r < 90)
		return (1 + fz_below(MAINLINE_MAX / fz_pg)) * fz_pg;
	return MAINLINE_MAX;
}

static uint32_t pick_fd_flags(void)
{
	int r = (int)fz_below(100);

	if (r < 60)
		return O_RDWR | O_CLOEXEC;
	if (r < 70)
		return O_RDONLY | O_CLOEXEC;
	if (r < 75)
		return O_WRONLY | O_CLOEXEC;
	if (r < 80)
		return O_ACCMODE;
	if (r < 85)
		return O_RDWR;
	return fz_interesting32();
}

/* A buffer the heap returned: check what it is, maybe map it, close it. */
static void check_new_buf(struct heap *h, int fd,
			  const struct dma_heap_allocation_data *e)
{
	uint64_t size = fz_page_align(e->len);
	int fl;
	off_t end;

	if (fd < 0 || fd >= MAX_FD || fcntl(fd, F_GETFD) < 0) {
		fz_unexpected("the returned fd %d is not open", fd);
		fz_sweep();
		return;
	}
	if (fz_fdk[fd] != FK_NONE) {
		fz_unexpected("the returned fd %d was already open", fd);
		return;
	}
	fz_own(fd, FK_DMABUF);
	fz_fdsize[fd] = size;
	fz_fdacc[fd] = (int)(e->fd_flags & O_ACCMODE);
	if (h->carveout) {
		fl = fcntl(fd, F_GETFD);
		if (!(fl & FD_CLOEXEC) != !(e->fd_flags & O_CLOEXEC))
			fz_unexpected("close-on-exec of fd %d does not follow fd_flags %#x",
				      fd, e->fd_flags);
		fl = fcntl(fd, F_GETFL);
		if ((fl & O_ACCMODE) != (int)(e->fd_flags & O_ACCMODE))
			fz_unexpected("fd %d has access mode %d, fd_flags %#x",
				      fd, fl & O_ACCMODE, e->fd_flags);
		fz_cur_op = OP_LSEEK;
		end = lseek(fd, 0, SEEK_END);
		fz_other(end, errno);
		if (end != (off_t)size)
			fz_unexpected("buffer of len %#" PRIx64 " has size %lld",
				      (uint64_t)e->len, (long long)end);
		if (fz_chance(15))
			fz_mmap(fd);
	}
	fz_drop(fd);
}

void fz_heap_iter(void)
{
	struct heap *h = &fz_heaps[fz_below(fz_nheaps)];
	struct dma_heap_allocation_data a = { 0 }, e = { 0 };
	static uint8_t data[MAX_IOC + 64];
	unsigned int dir, type, nr, cmd;
	size_t usize, in, out;
	const char *why = NULL;
	struct place pl;
	int32_t fdv;
	void *p;
	long ret;

	if (fz_chance(2)) {
		fz_cur_op = OP_OPEN;
		fz_note("reopen /dev/dma_heap/%s", h->name);
		fz_drop(h->fd);
		h->fd = cv_heap_open(h->name);
		fz_other(h->fd, -h->fd);
		fz_own(h->fd, FK_HEAP);
		return;
	}
	if (fz_chance(2)) {
		fz_cur_op = OP_HEAP_MMAP;
		fz_note("mmap of the heap node %s", h->name);
		fz_st->mmaps++;
		errno = 0;
		p = mmap(NULL, fz_pg, PROT_READ, MAP_SHARED, h->fd, 0);
		fz_account(p == MAP_FAILED ? -1 : 0, errno);
		if (p != MAP_FAILED) {
			fz_unexpected("a heap node can be mapped");
			munmap(p, fz_pg);
		}
		return;
	}

	a.len = h->carveout ? carveout_len(h->size) : mainline_len();
	a.fd = fz_chance(95) ? 0 : fz_interesting32();
	a.fd_flags = pick_fd_flags();
	a.heap_flags = fz_chance(90) ? 0 : fz_interesting64();
	if (fz_chance(65)) {
		dir = _IOC_READ | _IOC_WRITE;
		type = DMA_HEAP_IOC_MAGIC;
		nr = 0;
		usize = sizeof(a);
	} else {
		static const unsigned int types[] = {
			DMA_HEAP_IOC_MAGIC, DMA_BUF_BASE, DMABUF_IMPORTER_IOC_MAGIC,
		};

		dir = (unsigned int)fz_below(4);
		type = fz_chance(80) ? DMA_HEAP_IOC_MAGIC :
		       fz_chance(70) ? types[fz_below(3)] : fz_rnd_type();
		nr = fz_chance(60) ? 0 :
		     (unsigned int)(fz_chance(50) ? fz_below(4) :
						    fz_below(256));
		usize = fz_pick_size(sizeof(a));
	}
	/*
	 * The length is the first 8 bytes and nothing else goes there: a
	 * mainline heap reads a capped length whatever the size says.
	 */
	memset(data, 0, usize);
	memcpy(data, &a, usize < sizeof(a) ? usize : sizeof(a));
	if (usize > sizeof(a) && fz_chance(50))
		fz_rnd_bytes(data + sizeof(a), usize - sizeof(a));
	cmd = (unsigned int)_IOC(dir, type, nr, usize);
	fz_cur_op = cmd == DMA_HEAP_IOCTL_ALLOC ? OP_ALLOC : OP_HEAP_RAW;
	pl = fz_place(fz_pick_pk(12), data, usize);
	fz_note("heap %s ioctl %#x (dir %u type %#x nr %u size %zu) arg %s %p: len %#llx fd %u fd_flags %#x heap_flags %#llx",
		h->name, cmd, dir, type, nr, usize, fz_pk_name[pl.kind], pl.p,
		(unsigned long long)a.len, a.fd, a.fd_flags,
		(unsigned long long)a.heap_flags);
	ret = fz_xioctl(h->fd, cmd, pl.p);
	if (ret)
		return;

	in = (dir & _IOC_WRITE) ? usize : 0;
	out = (dir & _IOC_READ) ? usize : 0;
	memcpy(&e, data, in < sizeof(e) ? in : sizeof(e));
	if (type != DMA_HEAP_IOC_MAGIC && type != DMA_BUF_BASE &&
	    type != DMABUF_IMPORTER_IOC_MAGIC) {
		/* A generic VFS ioctl may match: no model. */
		fz_sweep();
		return;
	}
	if (nr != 0)
		why = "nr is not DMA_HEAP_IOCTL_ALLOC's";
	else if (in > pl.readable)
		why = "the argument was not readable";
	else if (out && !pl.writable)
		why = "the argument was not writable";
	else if (e.fd)
		why = "fd was not zero";
	else if (e.fd_flags & ~(uint32_t)(O_CLOEXEC | O_ACCMODE))
		why = "fd_flags has invalid bits";
	else if (e.heap_flags)
		why = "heap_flags was not zero";
	else if (!fz_page_align(e.len))
		why = "the length page-aligns to 0";
	else if (h->carveout && fz_page_align(e.len) > h->size)
		why = "the length is larger than the region";
	if (why) {
		fz_unexpected("success, although %s", why);
		fz_sweep();
		return;
	}
	if (out >= offsetof(struct dma_heap_allocation_data, fd) + sizeof(fdv)) {
		memcpy(&fdv, (uint8_t *)pl.p +
		       offsetof(struct dma_heap_allocation_data, fd), sizeof(fdv));
		check_new_buf(h, fdv, &e);
	} else {
		fz_sweep();	/* installed, but its number was not copied out */
	}
}
