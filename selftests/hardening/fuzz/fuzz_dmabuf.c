// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test's dmabuf_ioctl_mmap target: the dma-buf ioctls, mmap()
 * (fuzz_mmap.c), lseek(), poll(), fstat() and fdinfo of the pool's bufs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "carveout_util.h"
#include "fuzz.h"

static uint64_t sync_flags(void)
{
	static const uint64_t ok[] = {
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
	};

	if (fz_chance(75))
		return ok[fz_below(ARRAY_SIZE(ok))];
	return fz_chance(50) ? fz_below(16) : fz_interesting64();
}

static uint32_t rw_flags(void)
{
	return fz_chance(80) ? (uint32_t)(1 + fz_below(3)) : fz_interesting32();
}

static bool rw_flags_ok(uint64_t f)
{
	return !(f & ~(uint64_t)DMA_BUF_SYNC_RW) && (f & DMA_BUF_SYNC_RW);
}

/*
 * Would strndup_user(arg, DMA_BUF_NAME_LEN) succeed? 1 yes, 0 no, -1
 * unknown (the string runs past what the fuzzer put there).
 */
static int name_ok(const struct place *pl, const uint8_t *data, size_t len)
{
	size_t i, n = pl->readable < len ? pl->readable : len;

	if (pl->kind != PK_BUF && pl->kind != PK_STRADDLE &&
	    pl->kind != PK_RDONLY)
		return 0;
	for (i = 0; i < DMA_BUF_NAME_LEN; i++) {
		if (i >= n)
			return i >= pl->readable ? 0 : -1;
		if (!data[i])
			return 1;
	}
	return 0;
}

static void dmabuf_ioctl_iter(int fd)
{
	static uint8_t data[MAX_IOC + 64];
	struct dma_buf_export_sync_file x = { 0 };
	struct dma_buf_sync s = { 0 };
	unsigned int cmd, dir, nr;
	const char *why = NULL;
	struct place pl;
	size_t usize, i;
	int r = (int)fz_below(100), nl, sfd;
	uint64_t f;
	long ret;

	if (r < 30) {
		s.flags = sync_flags();
		cmd = DMA_BUF_IOCTL_SYNC;
		usize = sizeof(s);
		memcpy(data, &s, sizeof(s));
	} else if (r < 45) {
		cmd = fz_chance(50) ? DMA_BUF_SET_NAME_A : DMA_BUF_SET_NAME_B;
		usize = 48;
		for (i = 0; i < usize; i++)
			data[i] = fz_chance(90) ? 'a' + fz_below(26) :
						  1 + fz_below(255);
		if (fz_chance(90))
			data[fz_chance(70) ? fz_below(DMA_BUF_NAME_LEN) :
			     DMA_BUF_NAME_LEN - 1 + fz_below(8)] = 0;
	} else if (r < 75) {
		cmd = r < 60 ? DMA_BUF_IOCTL_EXPORT_SYNC_FILE :
		      DMA_BUF_IOCTL_IMPORT_SYNC_FILE;
		x.flags = rw_flags();
		x.fd = r < 60 ?
		       (fz_chance(80) ? 0 : (int32_t)fz_interesting32()) :
		       (fz_chance(50) && fz_nsync ?
			fz_syncs[fz_below(fz_nsync)] : fz_rnd_fd());
		usize = sizeof(x);
		memcpy(data, &x, sizeof(x));
	} else {
		dir = (unsigned int)fz_below(4);
		nr = (unsigned int)(fz_chance(70) ? fz_below(5) :
						    fz_below(256));
		usize = fz_chance(50) ? (size_t)(4 << fz_below(2)) :
					fz_pick_size(8);
		cmd = (unsigned int)_IOC(dir, DMA_BUF_BASE, nr, usize);
		if (fz_chance(50)) {
			memset(data, 0, usize);
			memcpy(data, &(uint64_t){ sync_flags() }, usize < 8 ? usize : 8);
		} else {
			fz_rnd_bytes(data, usize);
		}
	}
	switch (cmd) {
	case DMA_BUF_IOCTL_SYNC:
		fz_cur_op = OP_SYNC;
		break;
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		fz_cur_op = OP_SET_NAME;
		break;
	case DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
		fz_cur_op = OP_EXPORT;
		break;
	case DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		fz_cur_op = OP_IMPORT;
		break;
	default:
		fz_cur_op = OP_DMABUF_RAW;
		break;
	}
	pl = fz_place(fz_pick_pk(12), data, usize);
	fz_note("dma-buf fd %d [size %#" PRIx64 "] ioctl %#x arg %s %p",
		fd, fz_fdsize[fd], cmd, fz_pk_name[pl.kind], pl.p);
	ret = fz_xioctl(fd, cmd, pl.p);
	if (ret)
		return;

	/* Each known command from a copy of what the kernel read. */
	memcpy(&f, data, 8);
	switch (cmd) {
	case DMA_BUF_IOCTL_SYNC:
		if (pl.readable < 8)
			why = "the argument was not readable";
		else if (f & ~(uint64_t)DMA_BUF_SYNC_VALID_FLAGS_MASK ||
			 !(f & DMA_BUF_SYNC_RW))
			why = "the flags are invalid";
		break;
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		nl = name_ok(&pl, data, usize);
		if (!nl)
			why = "the name was unreadable or longer than DMA_BUF_NAME_LEN";
		break;
	case DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
	case DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		memcpy(&x, data, sizeof(x));
		if (pl.readable < sizeof(x))
			why = "the argument was not readable";
		else if (!rw_flags_ok(x.flags))
			why = "the flags are invalid";
		else if (cmd == DMA_BUF_IOCTL_EXPORT_SYNC_FILE && !pl.writable)
			why = "the argument was not writable";
		else if (cmd == DMA_BUF_IOCTL_IMPORT_SYNC_FILE &&
			 fz_kind_of(x.fd) != FK_SYNCFILE)
			why = "the fd is not a sync_file";
		if (why || cmd != DMA_BUF_IOCTL_EXPORT_SYNC_FILE)
			break;
		memcpy(&x, pl.p, sizeof(x));
		sfd = x.fd;
		if (sfd < 0 || sfd >= MAX_FD || fz_fdk[sfd] != FK_NONE ||
		    fcntl(sfd, F_GETFD) < 0) {
			fz_unexpected("EXPORT_SYNC_FILE returned fd %d", sfd);
			fz_sweep();
		} else {
			fz_syncfile_add(sfd);
		}
		break;
	default:
		why = "it is no dma-buf ioctl";
		break;
	}
	if (why)
		fz_unexpected("success, although %s", why);
}

static void dmabuf_misc(int fd)
{
	struct pollfd pfd = { .fd = fd };
	char buf[64];
	struct stat sb;
	uint64_t off;
	off_t pos;
	int whence, r;

	switch (fz_below(4)) {
	case 0:
		whence = (int)fz_below(6);
		off = fz_chance(60) ? 0 : fz_interesting64();
		fz_cur_op = OP_LSEEK;
		fz_note("lseek(fd %d, %#" PRIx64 ", %d)", fd, off, whence);
		errno = 0;
		pos = lseek(fd, (off_t)off, whence);
		fz_other(pos, errno);
		if (pos < 0)
			break;
		if (off || (whence != SEEK_SET && whence != SEEK_END))
			fz_unexpected("dma-buf lseek takes offset 0 with SEEK_SET or SEEK_END only");
		else if (pos != (whence == SEEK_END ? (off_t)fz_fdsize[fd] : 0))
			fz_unexpected("lseek returned %lld", (long long)pos);
		break;
	case 1:
		pfd.events = (short)fz_rnd();
		fz_cur_op = OP_POLL;
		fz_note("poll(fd %d, events %#x)", fd,
			(unsigned short)pfd.events);
		errno = 0;
		r = poll(&pfd, 1, 0);
		fz_other(r, errno);
		break;
	case 2:
		fz_cur_op = OP_FSTAT;
		fz_note("fstat(fd %d)", fd);
		errno = 0;
		r = fstat(fd, &sb);
		fz_other(r, errno);
		if (!r && (uint64_t)sb.st_size != fz_fdsize[fd])
			fz_unexpected("st_size %lld", (long long)sb.st_size);
		break;
	default:
		fz_cur_op = OP_FDINFO;
		fz_note("fdinfo of fd %d", fd);
		r = cv_fdinfo(fd, "size", buf, sizeof(buf));
		fz_other(r, -r);
		if (!r && strtoull(buf, NULL, 10) != fz_fdsize[fd])
			fz_unexpected("fdinfo size %s", buf);
		break;
	}
}

void fz_dmabuf_pool_setup(void)
{
	static const struct { uint64_t pages, bytes; int acc; } shapes[] = {
		{ 1, 0, O_RDWR }, { 3, 0, O_RDWR }, { 0, 64 * KiB, O_RDWR },
		{ 0, MiB, O_RDWR }, { 0, 64 * KiB, O_RDONLY }, { 1, 0, O_WRONLY },
		{ 1, 0, O_ACCMODE },
	};
	unsigned int i;
	int h;

	for (h = 0; h < fz_nheaps; h++) {
		if (!fz_heaps[h].carveout)
			continue;
		for (i = 0; i < ARRAY_SIZE(shapes); i++)
			fz_pool_add(fz_alloc_buf(h, shapes[i].pages * fz_pg + shapes[i].bytes,
						 shapes[i].acc));
	}
}

void fz_dmabuf_iter(void)
{
	int r = (int)fz_below(100), fd = fz_rnd_dmabuf();

	if (fd < 0) {
		fz_pool_churn(true);
		return;
	}
	if (r < 55)
		dmabuf_ioctl_iter(fd);
	else if (r < 85)
		fz_mmap(fd);
	else if (r < 94)
		dmabuf_misc(fd);
	else if (r < 98 || !fz_nsync)
		fz_pool_churn(true);
	else
		fz_drop(fz_syncs[--fz_nsync]);
}
