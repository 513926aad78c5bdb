// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test's fds: what each open fd is, the heap nodes and other files,
 * the pool of dma-bufs, the sync_files, and a random fd argument.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "carveout_util.h"
#include "fuzz.h"

/* Fds: everything the child has open, and what it is. */

uint8_t fz_fdk[MAX_FD];
uint64_t fz_fdsize[MAX_FD];
int fz_fdacc[MAX_FD];
static int fd_hi;
static int closed_fd = -1;
static int misc[MAX_HEAPS + 8], nmisc;
int fz_pool[POOL_MAX], fz_npool;
int fz_syncs[MAX_SYNC], fz_nsync;

void fz_own(int fd, enum fk k)
{
	if (fd < 0)
		return;
	if (fd >= MAX_FD) {
		close(fd);
		return;
	}
	fz_fdk[fd] = k;
	if (fd > fd_hi)
		fd_hi = fd;
}

void fz_drop(int fd)
{
	if (fd < 0 || fd >= MAX_FD || fz_fdk[fd] == FK_NONE ||
	    fz_fdk[fd] == FK_BASE)
		return;
	close(fd);
	fz_fdk[fd] = FK_NONE;
	closed_fd = fd;
}

bool fz_is_dmabuf(int fd)
{
	return fd >= 0 && fd < MAX_FD && fz_fdk[fd] == FK_DMABUF;
}

enum fk fz_kind_of(int fd)
{
	return fd >= 0 && fd < MAX_FD ? (enum fk)fz_fdk[fd] : FK_NONE;
}

void fz_fd_scan_base(void)
{
	int fd;

	for (fd = 0; fd < MAX_FD; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			fz_own(fd, FK_BASE);
}

/* Close what the kernel installed without the fuzzer learning its number. */
void fz_sweep(void)
{
	int fd;

	for (fd = 0; fd < MAX_FD && fd <= fd_hi + 32; fd++) {
		if (fz_fdk[fd] != FK_NONE || fcntl(fd, F_GETFD) < 0)
			continue;
		close(fd);
		fz_st->strays++;
	}
}

void fz_close_all(void)
{
	int fd;

	for (fd = 0; fd < MAX_FD; fd++)
		fz_drop(fd);
	fz_npool = fz_nsync = nmisc = 0;
	fz_sweep();
}

void fz_misc_setup(void)
{
	int p[2], fd;

	if (!pipe2(p, O_CLOEXEC)) {
		fz_own(p[0], FK_PIPE);
		fz_own(p[1], FK_PIPE);
		misc[nmisc++] = p[0];
		misc[nmisc++] = p[1];
	}
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	fz_own(fd, FK_DEVNULL);
	if (fd >= 0)
		misc[nmisc++] = fd;
	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, 64 * KiB) < 0) {
		close(fd);
		fd = -1;
	}
	fz_own(fd, FK_MEMFD);
	if (fd >= 0)
		misc[nmisc++] = fd;
	fd = eventfd(0, EFD_CLOEXEC);
	fz_own(fd, FK_EVENTFD);
	if (fd >= 0)
		misc[nmisc++] = fd;
}

int fz_heaps_open(void)
{
	int i;

	for (i = 0; i < fz_nheaps; i++) {
		fz_heaps[i].fd = cv_heap_open(fz_heaps[i].name);
		if (fz_heaps[i].fd < 0)
			return fz_heaps[i].fd;
		fz_own(fz_heaps[i].fd, FK_HEAP);
		misc[nmisc++] = fz_heaps[i].fd;
	}
	return 0;
}

/* A buffer from heap @h, owned and described; the fd or -errno. */
int fz_alloc_buf(int h, uint64_t len, int acc)
{
	int fd;

	fz_cur_op = OP_ALLOC;
	fz_note("alloc %s len %#" PRIx64 " acc %d", fz_heaps[h].name, len, acc);
	fd = cv_alloc(fz_heaps[h].fd, len, acc | O_CLOEXEC, 0);
	fz_st->ioctls++;
	fz_account(fd, -fd);
	if (fd < 0)
		return fd;
	fz_own(fd, FK_DMABUF);
	if (fd < MAX_FD) {
		fz_fdsize[fd] = fz_page_align(len);
		fz_fdacc[fd] = acc;
	}
	return fd;
}

void fz_pool_add(int fd)
{
	if (fd < 0)
		return;
	if (fz_npool < POOL_MAX)
		fz_pool[fz_npool++] = fd;
	else
		fz_drop(fd);
}

static int rnd_carveout(void)
{
	int i, n = (int)fz_below(fz_ncarveout);

	for (i = 0; i < fz_nheaps; i++)
		if (fz_heaps[i].carveout && !n--)
			return i;
	return -1;
}

/* Replace a pool buffer, or add a dup of one. */
void fz_pool_churn(bool carveout_only)
{
	static const int accs[] = { O_RDONLY, O_WRONLY, O_ACCMODE };
	int i, h, fd, acc;
	uint64_t len;

	if (!fz_npool)
		return;
	i = (int)fz_below(fz_npool);
	if (fz_chance(20)) {
		fz_cur_op = OP_DUP;
		fz_note("dup(%d)", fz_pool[i]);
		fd = dup(fz_pool[i]);
		if (fd >= 0 && fd < MAX_FD) {
			fz_fdsize[fd] = fz_fdsize[fz_pool[i]];
			fz_fdacc[fd] = fz_fdacc[fz_pool[i]];
		}
		fz_other(fd, errno);
		fz_own(fd, FK_DMABUF);
		if (fz_npool < POOL_MAX)
			fz_pool_add(fd);
		else
			fz_drop(fd);
		return;
	}
	fz_drop(fz_pool[i]);
	fz_pool[i] = fz_pool[--fz_npool];
	h = carveout_only ? rnd_carveout() : (int)fz_below(fz_nheaps);
	if (h < 0)
		return;
	len = fz_chance(50) ? (1 + fz_below(16)) * fz_pg :
			      (1 + fz_below(256 * KiB / fz_pg)) * fz_pg;
	acc = fz_chance(70) ? O_RDWR : accs[fz_below(ARRAY_SIZE(accs))];
	fz_pool_add(fz_alloc_buf(h, len, acc));
}

int fz_rnd_dmabuf(void)
{
	return fz_npool ? fz_pool[fz_below(fz_npool)] : -1;
}

/* An fd argument: mostly a dma-buf, else anything. */
int fz_rnd_fd(void)
{
	static const int odd[] = {
		0, 1, 2, 999, 1023, 1024, 65536, INT32_MAX, INT32_MIN, -2,
	};

	switch (fz_below(10)) {
	case 0: case 1: case 2: case 3: case 4:
		if (fz_npool)
			return fz_rnd_dmabuf();
		/* fall through */
	case 5:
		if (nmisc)
			return misc[fz_below(nmisc)];
		/* fall through */
	case 6:
		if (fz_nsync)
			return fz_syncs[fz_below(fz_nsync)];
		/* fall through */
	case 7:
		if (closed_fd >= 0 && fz_fdk[closed_fd] == FK_NONE &&
		    fcntl(closed_fd, F_GETFD) < 0)
			return closed_fd;
		/* fall through */
	case 8:
		return -1;
	default:
		return odd[fz_below(ARRAY_SIZE(odd))];
	}
}

void fz_syncfile_add(int fd)
{
	fz_own(fd, FK_SYNCFILE);
	if (fz_nsync == MAX_SYNC) {
		fz_drop(fz_syncs[0]);
		memmove(fz_syncs, fz_syncs + 1,
			sizeof(fz_syncs[0]) * --fz_nsync);
	}
	fz_syncs[fz_nsync++] = fd;
}
