// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test's mmap() of an fd (a dma-buf of the pool or one a heap just
 * returned), then mprotect(), mremap(), a touch of the pages and munmap().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"

/* mmap() of a dma-buf: random length, offset, protection and flags. */

static void touch(uint8_t *p, size_t len, int prot)
{
	volatile uint8_t *v = p;

	if (prot & PROT_READ) {
		(void)v[0];
		(void)v[len - 1];
	}
	if (prot & PROT_WRITE) {
		v[0] = 0x5a;
		v[len - 1] = 0xa5;
	}
}

void fz_mmap(int fd)
{
	static const int extra[] = {
		MAP_POPULATE, MAP_NORESERVE, MAP_LOCKED, MAP_HUGETLB, MAP_SYNC,
		MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_STACK,
		MAP_DENYWRITE, MAP_EXECUTABLE, 0x4000000 /* UNINITIALIZED */,
	};
	uint64_t size = fd >= 0 && fd < MAX_FD ? fz_fdsize[fd] : 0;
	int acc = fd >= 0 && fd < MAX_FD ? fz_fdacc[fd] : O_RDWR;
	int prot, flags, type, r, newprot, saved;
	bool fixed = false, bad = false;
	size_t len, mlen, nlen;
	uint8_t *p, *q, *hint = NULL;
	uint64_t off;

	switch (fz_below(10)) {
	case 0: case 1: case 2: case 3: case 4:
		len = (1 + fz_below(size / fz_pg ? size / fz_pg : 1)) * fz_pg;
		break;
	case 5:
		len = size;
		break;
	case 6:
		len = size + fz_pg;
		break;
	case 7:
		len = 1 + fz_below(size + fz_pg);
		break;
	case 8:
		len = 0;
		break;
	default:
		len = fz_interesting64();
		break;
	}
	switch (fz_below(8)) {
	case 0: case 1: case 2: case 3:
		off = 0;
		break;
	case 4: case 5:
		off = fz_below(size / fz_pg ? size / fz_pg : 1) * fz_pg;
		break;
	case 6:
		off = fz_chance(50) ? size : size + fz_pg;
		break;
	default:
		off = fz_interesting64();
		break;
	}
	prot = (int)fz_below(8);
	if (fz_chance(5))
		prot |= 1 << (3 + fz_below(28));
	r = (int)fz_below(100);
	type = r < 65 ? MAP_SHARED : r < 85 ? MAP_PRIVATE :
	       r < 95 ? MAP_SHARED_VALIDATE : 0;
	flags = type;
	if (fz_chance(25))
		flags |= extra[fz_below(ARRAY_SIZE(extra))];
	if (fz_chance(3))
		flags |= 1 << fz_below(31);
	flags &= ~MAP_ANONYMOUS;
	type = flags & MAP_TYPE;	/* a random bit may have changed it */
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (len && len <= fz_scratch_len / 2) {
			hint = fz_scratch +
			       fz_below(fz_scratch_len / 2 / fz_pg) * fz_pg;
			fixed = true;
		} else {
			flags &= ~(MAP_FIXED | MAP_FIXED_NOREPLACE);
		}
	} else if (fz_chance(10)) {
		hint = fz_arena;	/* taken: only a hint */
	}

	fz_cur_op = OP_MMAP;
	fz_note("mmap(%p, %#zx, %#x, %#x, fd %d [size %#" PRIx64 " acc %d], %#" PRIx64 ")",
		hint, len, prot, flags, fd, size, acc, off);
	fz_st->mmaps++;
	errno = 0;
	p = mmap(hint, len, prot, flags, fd, (off_t)off);
	saved = errno;
	fz_account(p == MAP_FAILED ? -1 : 0, saved);
	if (p == MAP_FAILED)
		goto out;

	mlen = fz_page_align(len);
	if (!fz_is_dmabuf(fd)) {
		/* Only the carveout dma-bufs are modelled. */
	} else if (type == MAP_PRIVATE) {
		fz_unexpected("a private mapping of a carveout dma-buf succeeded");
		bad = true;
	} else if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE) {
		fz_unexpected("a mapping of invalid type %#x succeeded", type);
		bad = true;
	} else if (off % fz_pg || off + mlen > size || off + mlen < off) {
		fz_unexpected("a mapping beyond the buffer succeeded");
		bad = true;
	} else if (acc != O_RDWR && acc != O_RDONLY) {
		fz_unexpected("mapped an fd not open for reading");
		bad = true;
	} else if (acc == O_RDONLY && (prot & PROT_WRITE)) {
		fz_unexpected("a writable shared mapping of a read-only fd succeeded");
		bad = true;
	}
	if (!bad && mlen)
		touch(p, mlen, prot);

	if (!bad && fz_chance(25)) {
		newprot = (int)fz_below(8);
		fz_cur_op = OP_MPROTECT;
		fz_note("mprotect(%p, %#zx, %#x) of the mapping above (fd %d acc %d)",
			p, mlen, newprot, fd, acc);
		errno = 0;
		r = mprotect(p, mlen, newprot);
		fz_other(r, errno);
		if (!r && acc == O_RDONLY && (newprot & PROT_WRITE) &&
		    fz_is_dmabuf(fd))
			fz_unexpected("made a shared mapping of a read-only fd writable");
		else if (!r)
			touch(p, mlen, newprot);
	}
	if (!bad && fz_chance(15)) {
		int mflags = fz_chance(50) ? MREMAP_MAYMOVE : 0;

		nlen = fz_chance(50) && mlen > fz_pg ?
		       (1 + fz_below(mlen / fz_pg - 1)) * fz_pg :
		       mlen + fz_pg * (1 + fz_below(4));
		fz_cur_op = OP_MREMAP;
		fz_note("mremap(%p, %#zx, %#zx, %#x) of fd %d", p, mlen, nlen,
			mflags, fd);
		errno = 0;
		q = mremap(p, mlen, nlen, mflags);
		fz_other(q == MAP_FAILED ? -1 : 0, errno);
		if (q != MAP_FAILED) {
			if (nlen > mlen)
				fz_unexpected("grew a VM_PFNMAP|VM_DONTEXPAND mapping");
			p = q;
			mlen = nlen;
		}
	}
	if (munmap(p, mlen ? mlen : fz_pg))
		fz_unexpected("munmap of the mapping failed: %s", strerror(errno));
out:
	if (fixed && mmap(fz_scratch, fz_scratch_len, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
			  -1, 0) == MAP_FAILED)
		fz_unexpected("cannot restore the scratch reservation");
}
