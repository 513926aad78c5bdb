// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test: a seeded ioctl and mmap fuzzer for the dma-buf stack.
 *
 * Three targets, each run once per seed in a child process of its own:
 *
 *  heap_ioctl         every node in /dev/dma_heap: random ioctl numbers
 *                     (magic, nr, direction, size), random allocation
 *                     fields, garbage argument pointers. Carveout heaps get
 *                     any length, huge ones included (they refuse more than
 *                     the region at once); a mainline heap (system, CMA)
 *                     never sees a length over 1 MiB: the system heap
 *                     OOM-kills the guest on huge ones. The length is the
 *                     first 8 bytes of the argument, and every argument a
 *                     mainline heap can read holds a capped one.
 *  dmabuf_ioctl_mmap  dma-bufs from the carveout heaps (read-write,
 *                     read-only, write-only and no-access fds): the dma-buf
 *                     ioctls (SYNC, SET_NAME, EXPORT/IMPORT_SYNC_FILE) and
 *                     random numbers in their magic, with random flags,
 *                     fds and pointers; mmap() with random length, offset,
 *                     protection and flags, then mprotect(), mremap(), a
 *                     touch of the pages and munmap(); lseek(), poll(),
 *                     fstat() and fdinfo.
 *  importer_ioctl     /dev/dmabuf_importer: every ioctl with random
 *                     handles, devices, fds (dma-bufs of the carveout
 *                     heaps: see imp_pool_setup()), directions, ranges,
 *                     struct sizes and pointers, in batches of BATCH calls per
 *                     open file; what a batch attached is detached at its
 *                     end and the file closed. edu devices move data at
 *                     ~20 KiB/s, so FILL/CHECKSUM that would reach their
 *                     DMA engine are rewritten into a range the driver
 *                     refuses, but for EDU_BUDGET short ones per run.
 *
 * Random fds are dma-bufs, a pipe, /dev/null, a memfd, an eventfd, a
 * sync_file, the heap and importer nodes, closed fd numbers, -1 and
 * out-of-range numbers. Garbage pointers are NULL, small values, a
 * kernel address, a tagged pointer, an unmapped page, a read-only page,
 * the top of the user address space and a struct that straddles the end
 * of a mapped page into a PROT_NONE one.
 *
 * Any call may fail. Each driver's checks are modelled, and a success the
 * model says cannot be valid fails the case (only clear-cut cases: a
 * length beyond the region, flags that must be zero, an unknown handle,
 * an argument the kernel could not have read, a private or out-of-range
 * mmap, ...), as does an errno from the kernel-internal range (>= 512),
 * a signal, a child that stops making progress, or a carveout heap not
 * back to idle once the target's files are closed. Kernel reports
 * (WARNING, BUG, KASAN, lockdep, kmemleak, DMA-API) are the host's to
 * judge from the console.
 *
 * Usage: fuzz_test [--iterations N] [--seed S] [--verbose]
 * Without --seed, seed 1 then a random seed; both are printed with the
 * command line that reruns them. A seed reproduces the same calls (same
 * heaps and devices). --verbose logs every call and its result on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/dmabuf_importer.h>

#include "kselftest.h"
#include "carveout_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define KiB		1024ULL
#define MiB		(1024ULL * KiB)
#define DEFAULT_ITERS	1000
#define FIXED_SEED	1ULL
#define MAX_IOC		16383u		/* largest size _IOC() encodes */
#define MAX_FD		1024
#define MAX_HEAPS	16
#define MAX_DEVS	64
#define MAINLINE_MAX	MiB		/* largest length a mainline heap sees */
#define POOL_MAX	48
#define MAX_SYNC	8
#define BATCH		64		/* importer calls per open file */
#define EDU_XFER_MAX	2048		/* importer_edu.c: one DMA transfer */
#define EDU_BUDGET	2		/* edu FILL/CHECKSUM per importer run */
#define MAX_ATT		1100
#define WATCHDOG_S	120		/* a child without progress is hung */
#define NERR		1024
#define MAX_REPORTS	20

enum target { T_HEAP, T_DMABUF, T_IMPORTER, NR_TARGETS };

static const char *const target_name[NR_TARGETS] = {
	"heap_ioctl", "dmabuf_ioctl_mmap", "importer_ioctl",
};

/* What a call was, for the per-operation figures. */
enum op {
	OP_ALLOC, OP_HEAP_RAW, OP_HEAP_MMAP, OP_OPEN, OP_DUP,
	OP_SYNC, OP_SET_NAME, OP_EXPORT, OP_IMPORT, OP_DMABUF_RAW,
	OP_MMAP, OP_MPROTECT, OP_MREMAP, OP_LSEEK, OP_POLL, OP_FSTAT,
	OP_FDINFO,
	OP_INFO, OP_ATTACH, OP_DETACH, OP_MAP, OP_UNMAP, OP_FILL,
	OP_CHECKSUM, OP_ISYNC, OP_QUERY, OP_IMP_RAW,
	NR_OP,
};

static const char *const op_name[NR_OP] = {
	"ALLOC", "heap-raw", "heap-mmap", "open", "dup",
	"SYNC", "SET_NAME", "EXPORT_SYNC_FILE", "IMPORT_SYNC_FILE",
	"dmabuf-raw", "mmap", "mprotect", "mremap", "lseek", "poll",
	"fstat", "fdinfo",
	"DEVICE_INFO", "ATTACH", "DETACH", "MAP", "UNMAP", "FILL",
	"CHECKSUM", "SYNC(imp)", "QUERY", "importer-raw",
};

/* Shared with the parent: what a child did, and what it is doing. */
struct fz_stats {
	uint64_t iters, ioctls, mmaps, other, ok, strays, unexpected;
	uint64_t edu_xfers;
	uint64_t err[NERR];	/* errno histogram; NERR - 1: out of range */
	uint64_t op_calls[NR_OP], op_ok[NR_OP];
	volatile uint64_t progress;
	char last[224];		/* the call being made */
};

struct heap {
	char name[64];
	int carveout;
	uint64_t size;		/* carveout: region size */
	int fd;			/* child only */
};

struct idev {
	uint32_t role, flags;
	int edu;
	char name[32];
};

static uint64_t opt_iters = DEFAULT_ITERS;
static int opt_verbose;
static size_t pg;
static struct heap heaps[MAX_HEAPS];
static int nheaps, ncarveout;
static struct idev idevs[MAX_DEVS];
static int nidev = -1;		/* -1: no importer node */

static struct fz_stats *st;
static const char *cur_target;
static uint64_t cur_seed;
static int last_err;
static enum op cur_op;

/* PRNG (cv_seed(), cv_rand()): one state per target child. */
static uint64_t rng;

static uint64_t rnd(void)
{
	return cv_rand(&rng);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

static void rnd_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	while (n--)
		*b++ = (uint8_t)rnd();
}

static uint64_t interesting64(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 0x10, 0x7f, 0x80, 0xff, 0x100, 0xfff,
		0x1000, 0x1001, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
		0xfffffffe, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, 0xfffffffffffff000ULL,
		0xfffffffffffffffcULL, ~0ULL,
	};

	return chance(25) ? rnd() : v[below(ARRAY_SIZE(v))];
}

static uint32_t interesting32(void)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x3ff,
		0x400, 0x401, 0xfff, 0x1000, 0xffff, 0x10000, 0x7fffffff,
		0x80000000, 0xfffffffe, 0xffffffff,
	};

	return chance(25) ? (uint32_t)rnd() : v[below(ARRAY_SIZE(v))];
}

/*
 * A random ioctl magic, but none that do_vfs_ioctl() serves for every
 * file (FIOCLEX 'T', FIFREEZE 'X', FS_IOC_SETFLAGS 'f', FICLONE 0x94,
 * FS_IOC_GETFSUUID 0x15, FIGETBSZ 0): as root those would change the
 * state of /dev, not fuzz the drivers.
 */
static unsigned int rnd_type(void)
{
	static const unsigned int vfs[] = { 0x00, 0x15, 'T', 'X', 'f', 0x94 };
	unsigned int t = (unsigned int)below(256), i;

	for (i = 0; i < ARRAY_SIZE(vfs); i++)
		if (t == vfs[i])
			return DMA_HEAP_IOC_MAGIC;
	return t;
}

static uint64_t page_align(uint64_t x)
{
	return (x + pg - 1) & ~((uint64_t)pg - 1);
}

/* Accounting */

static __printf(1, 2) void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->last, sizeof(st->last), fmt, ap);
	va_end(ap);
	st->progress++;
}

static __printf(1, 2) void unexpected(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (++st->unexpected <= MAX_REPORTS)
		ksft_print_msg("fuzz: %s seed %#" PRIx64 " iteration %" PRIu64
			       ": %s: %s\n", cur_target, cur_seed, st->iters,
			       st->last, msg);
}

static const char *errname(int e);

static void account(long ret, int err)
{
	if (opt_verbose)
		fprintf(stderr, "%" PRIu64 ": %s = %ld%s%s\n", st->iters, st->last,
			ret, ret < 0 ? " " : "", ret < 0 ? errname(err) : "");
	st->op_calls[cur_op]++;
	if (ret >= 0) {
		st->ok++;
		st->op_ok[cur_op]++;
		return;
	}
	st->err[err > 0 && err < NERR ? err : NERR - 1]++;
	/* 512..: ERESTARTSYS, ENOIOCTLCMD, ... must never reach userspace */
	if (err <= 0 || err >= 512)
		unexpected("errno %d is not a userspace errno", err);
}

static long xioctl(int fd, unsigned int cmd, void *arg)
{
	long ret;

	st->ioctls++;
	errno = 0;
	ret = ioctl(fd, cmd, arg);
	last_err = errno;
	account(ret, last_err);
	if (ret > 0)
		unexpected("ioctl returned %ld", ret);
	return ret;
}

/* Count a non-ioctl syscall that returned @ret (errno in @err). */
static void other(long ret, int err)
{
	st->other++;
	account(ret, err);
}

/* Argument memory and pointer kinds */

enum pk {
	PK_BUF,		/* mapped, read-write: the struct itself */
	PK_STRADDLE,	/* runs from a mapped page into a PROT_NONE one */
	PK_RDONLY,	/* readable, not writable */
	PK_NULL,
	PK_SMALL,	/* below mmap_min_addr */
	PK_KERNEL,
	PK_UNMAPPED,	/* a page that was mapped, then unmapped */
	PK_TAGGED,	/* top byte set: no tagged-address ABI here */
	PK_TOP,		/* the last bytes of the user address space */
	NR_PK,
};

static const char *const pk_name[NR_PK] = {
	"buf", "straddle", "rdonly", "null", "small", "kernel", "unmapped",
	"tagged", "top",
};

struct place {
	void *p;
	size_t readable;	/* bytes the kernel can read from @p */
	bool writable;
	enum pk kind;
};

static uint8_t *arena, *rdonly, *scratch, *unmapped_pg;
static size_t arena_rw, rdonly_len, scratch_len;

static int mem_setup(void)
{
	arena_rw = page_align(MAX_IOC + 64);
	arena = mmap(NULL, arena_rw + pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || mprotect(arena + arena_rw, pg, PROT_NONE))
		return -errno;
	rdonly_len = arena_rw;
	rdonly = mmap(NULL, rdonly_len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (rdonly == MAP_FAILED)
		return -errno;
	scratch_len = 256 * pg;
	scratch = mmap(NULL, scratch_len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (scratch == MAP_FAILED)
		return -errno;
	return 0;
}

static bool is_unmapped(const void *p)
{
	unsigned char v;

	return mincore((void *)((uintptr_t)p & ~((uintptr_t)pg - 1)), 1, &v) < 0;
}

/* A page that is not mapped right now (mappings come and go). */
static uint8_t *get_unmapped(void)
{
	void *p;

	if (unmapped_pg && is_unmapped(unmapped_pg))
		return unmapped_pg;
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	munmap(p, pg);
	unmapped_pg = p;
	return p;
}

static enum pk pick_pk(unsigned int garbage_pct)
{
	return chance(garbage_pct) ? (enum pk)(1 + below(NR_PK - 1)) : PK_BUF;
}

/*
 * Put @len bytes of @data where @k says. Wherever the kernel can read,
 * it reads @data (or the part of it before a PROT_NONE page): nothing
 * else is ever behind a pointer the fuzzer passes.
 */
static struct place place(enum pk k, const void *data, size_t len)
{
	struct place pl = { .kind = k };
	uintptr_t top = (1ULL << 48) - 8;
	size_t off;

	switch (k) {
	case PK_BUF:
		off = chance(20) ? below(8) : 0;
		pl.p = arena + off;
		memcpy(pl.p, data, len);
		pl.readable = arena_rw - off;
		pl.writable = true;
		break;
	case PK_STRADDLE:
		off = len > 1 ? 1 + below(len - 1) : 0;
		pl.p = arena + arena_rw - off;
		memcpy(pl.p, data, off);
		pl.readable = off;
		pl.writable = true;
		break;
	case PK_RDONLY:
		if (!mprotect(rdonly, rdonly_len, PROT_READ | PROT_WRITE)) {
			memcpy(rdonly, data, len);
			mprotect(rdonly, rdonly_len, PROT_READ);
			pl.p = rdonly;
			pl.readable = rdonly_len;
		}
		break;
	case PK_NULL:
		break;
	case PK_SMALL:
		pl.p = (void *)(uintptr_t)(chance(50) ? 0x10 : 0xff8);
		break;
	case PK_KERNEL:
		pl.p = (void *)(uintptr_t)(chance(70) ? 0xffff800008000000ULL :
					   0xffff000000000000ULL + below(1 << 30));
		break;
	case PK_UNMAPPED:
		pl.p = get_unmapped();
		if (pl.p && chance(50))
			pl.p = (uint8_t *)pl.p + pg - 8;
		break;
	case PK_TAGGED:
		memcpy(arena, data, len);
		pl.p = (void *)((uintptr_t)arena | (0x5aULL << 56));
		break;
	case PK_TOP:
		/* Only while nothing is mapped there (the stack is close). */
		if (is_unmapped((void *)top))
			pl.p = (void *)top;
		break;
	default:
		break;
	}
	return pl;
}

/* Fds: everything the child has open, and what it is. */

enum fk {
	FK_NONE, FK_BASE, FK_DMABUF, FK_HEAP, FK_IMPORTER, FK_PIPE,
	FK_DEVNULL, FK_MEMFD, FK_EVENTFD, FK_SYNCFILE,
};

static uint8_t fdk[MAX_FD];
static uint64_t fdsize[MAX_FD];
static int fdacc[MAX_FD];
static int fd_hi;
static int closed_fd = -1;
static int misc[MAX_HEAPS + 8], nmisc;
static int pool[POOL_MAX], npool;
static int syncs[MAX_SYNC], nsync;

static void own(int fd, enum fk k)
{
	if (fd < 0)
		return;
	if (fd >= MAX_FD) {
		close(fd);
		return;
	}
	fdk[fd] = k;
	if (fd > fd_hi)
		fd_hi = fd;
}

static void drop(int fd)
{
	if (fd < 0 || fd >= MAX_FD || fdk[fd] == FK_NONE || fdk[fd] == FK_BASE)
		return;
	close(fd);
	fdk[fd] = FK_NONE;
	closed_fd = fd;
}

static bool is_dmabuf(int fd)
{
	return fd >= 0 && fd < MAX_FD && fdk[fd] == FK_DMABUF;
}

static enum fk kind_of(int fd)
{
	return fd >= 0 && fd < MAX_FD ? (enum fk)fdk[fd] : FK_NONE;
}

static void fd_scan_base(void)
{
	int fd;

	for (fd = 0; fd < MAX_FD; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			own(fd, FK_BASE);
}

/* Close what the kernel installed without the fuzzer learning its number. */
static void sweep(void)
{
	int fd;

	for (fd = 0; fd < MAX_FD && fd <= fd_hi + 32; fd++) {
		if (fdk[fd] != FK_NONE || fcntl(fd, F_GETFD) < 0)
			continue;
		close(fd);
		st->strays++;
	}
}

static void close_all(void)
{
	int fd;

	for (fd = 0; fd < MAX_FD; fd++)
		drop(fd);
	npool = nsync = nmisc = 0;
	sweep();
}

static void misc_setup(void)
{
	int p[2], fd;

	if (!pipe2(p, O_CLOEXEC)) {
		own(p[0], FK_PIPE);
		own(p[1], FK_PIPE);
		misc[nmisc++] = p[0];
		misc[nmisc++] = p[1];
	}
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	own(fd, FK_DEVNULL);
	if (fd >= 0)
		misc[nmisc++] = fd;
	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, 64 * KiB) < 0) {
		close(fd);
		fd = -1;
	}
	own(fd, FK_MEMFD);
	if (fd >= 0)
		misc[nmisc++] = fd;
	fd = eventfd(0, EFD_CLOEXEC);
	own(fd, FK_EVENTFD);
	if (fd >= 0)
		misc[nmisc++] = fd;
}

static int heaps_open(void)
{
	int i;

	for (i = 0; i < nheaps; i++) {
		heaps[i].fd = cv_heap_open(heaps[i].name);
		if (heaps[i].fd < 0)
			return heaps[i].fd;
		own(heaps[i].fd, FK_HEAP);
		misc[nmisc++] = heaps[i].fd;
	}
	return 0;
}

/* A buffer from heap @h, owned and described; the fd or -errno. */
static int alloc_buf(int h, uint64_t len, int acc)
{
	int fd;

	cur_op = OP_ALLOC;
	note("alloc %s len %#" PRIx64 " acc %d", heaps[h].name, len, acc);
	fd = cv_alloc(heaps[h].fd, len, acc | O_CLOEXEC, 0);
	st->ioctls++;
	account(fd, -fd);
	if (fd < 0)
		return fd;
	own(fd, FK_DMABUF);
	if (fd < MAX_FD) {
		fdsize[fd] = page_align(len);
		fdacc[fd] = acc;
	}
	return fd;
}

static void pool_add(int fd)
{
	if (fd < 0)
		return;
	if (npool < POOL_MAX)
		pool[npool++] = fd;
	else
		drop(fd);
}

static int rnd_carveout(void)
{
	int i, n = (int)below(ncarveout);

	for (i = 0; i < nheaps; i++)
		if (heaps[i].carveout && !n--)
			return i;
	return -1;
}

/* Replace a pool buffer, or add a dup of one. */
static void pool_churn(bool carveout_only)
{
	static const int accs[] = { O_RDONLY, O_WRONLY, O_ACCMODE };
	int i, h, fd, acc;
	uint64_t len;

	if (!npool)
		return;
	i = (int)below(npool);
	if (chance(20)) {
		cur_op = OP_DUP;
		note("dup(%d)", pool[i]);
		fd = dup(pool[i]);
		if (fd >= 0 && fd < MAX_FD) {
			fdsize[fd] = fdsize[pool[i]];
			fdacc[fd] = fdacc[pool[i]];
		}
		other(fd, errno);
		own(fd, FK_DMABUF);
		if (npool < POOL_MAX)
			pool_add(fd);
		else
			drop(fd);
		return;
	}
	drop(pool[i]);
	pool[i] = pool[--npool];
	h = carveout_only ? rnd_carveout() : (int)below(nheaps);
	if (h < 0)
		return;
	len = chance(50) ? (1 + below(16)) * pg : (1 + below(256 * KiB / pg)) * pg;
	acc = chance(70) ? O_RDWR : accs[below(ARRAY_SIZE(accs))];
	pool_add(alloc_buf(h, len, acc));
}

static int rnd_dmabuf(void)
{
	return npool ? pool[below(npool)] : -1;
}

/* An fd argument: mostly a dma-buf, else anything. */
static int rnd_fd(void)
{
	static const int odd[] = {
		0, 1, 2, 999, 1023, 1024, 65536, INT32_MAX, INT32_MIN, -2,
	};

	switch (below(10)) {
	case 0: case 1: case 2: case 3: case 4:
		if (npool)
			return rnd_dmabuf();
		/* fall through */
	case 5:
		if (nmisc)
			return misc[below(nmisc)];
		/* fall through */
	case 6:
		if (nsync)
			return syncs[below(nsync)];
		/* fall through */
	case 7:
		if (closed_fd >= 0 && fdk[closed_fd] == FK_NONE &&
		    fcntl(closed_fd, F_GETFD) < 0)
			return closed_fd;
		/* fall through */
	case 8:
		return -1;
	default:
		return odd[below(ARRAY_SIZE(odd))];
	}
}

static size_t pick_size(size_t ksize)
{
	static const size_t v[] = {
		0, 1, 4, 7, 8, 9, 12, 16, 20, 23, 24, 25, 32, 40, 56, 64, 127,
		128, 129, 256, 4096, MAX_IOC,
	};

	switch (below(4)) {
	case 0:
		return ksize ? ksize - 1 : 0;
	case 1:
		return ksize + (chance(50) ? 4 : 8);
	case 2:
		return below(MAX_IOC + 1);
	default:
		return v[below(ARRAY_SIZE(v))];
	}
}

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

static void fuzz_mmap(int fd)
{
	static const int extra[] = {
		MAP_POPULATE, MAP_NORESERVE, MAP_LOCKED, MAP_HUGETLB, MAP_SYNC,
		MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_STACK,
		MAP_DENYWRITE, MAP_EXECUTABLE, 0x4000000 /* UNINITIALIZED */,
	};
	uint64_t size = fd >= 0 && fd < MAX_FD ? fdsize[fd] : 0;
	int acc = fd >= 0 && fd < MAX_FD ? fdacc[fd] : O_RDWR;
	int prot, flags, type, r, newprot, saved;
	bool fixed = false, bad = false;
	size_t len, mlen, nlen;
	uint8_t *p, *q, *hint = NULL;
	uint64_t off;

	switch (below(10)) {
	case 0: case 1: case 2: case 3: case 4:
		len = (1 + below(size / pg ? size / pg : 1)) * pg;
		break;
	case 5:
		len = size;
		break;
	case 6:
		len = size + pg;
		break;
	case 7:
		len = 1 + below(size + pg);
		break;
	case 8:
		len = 0;
		break;
	default:
		len = interesting64();
		break;
	}
	switch (below(8)) {
	case 0: case 1: case 2: case 3:
		off = 0;
		break;
	case 4: case 5:
		off = below(size / pg ? size / pg : 1) * pg;
		break;
	case 6:
		off = chance(50) ? size : size + pg;
		break;
	default:
		off = interesting64();
		break;
	}
	prot = (int)below(8);
	if (chance(5))
		prot |= 1 << (3 + below(28));
	r = (int)below(100);
	type = r < 65 ? MAP_SHARED : r < 85 ? MAP_PRIVATE :
	       r < 95 ? MAP_SHARED_VALIDATE : 0;
	flags = type;
	if (chance(25))
		flags |= extra[below(ARRAY_SIZE(extra))];
	if (chance(3))
		flags |= 1 << below(31);
	flags &= ~MAP_ANONYMOUS;
	type = flags & MAP_TYPE;	/* a random bit may have changed it */
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (len && len <= scratch_len / 2) {
			hint = scratch + below(scratch_len / 2 / pg) * pg;
			fixed = true;
		} else {
			flags &= ~(MAP_FIXED | MAP_FIXED_NOREPLACE);
		}
	} else if (chance(10)) {
		hint = arena;	/* taken: only a hint */
	}

	cur_op = OP_MMAP;
	note("mmap(%p, %#zx, %#x, %#x, fd %d [size %#" PRIx64 " acc %d], %#" PRIx64 ")",
	     hint, len, prot, flags, fd, size, acc, off);
	st->mmaps++;
	errno = 0;
	p = mmap(hint, len, prot, flags, fd, (off_t)off);
	saved = errno;
	account(p == MAP_FAILED ? -1 : 0, saved);
	if (p == MAP_FAILED)
		goto out;

	mlen = page_align(len);
	if (!is_dmabuf(fd)) {
		/* Only the carveout dma-bufs are modelled. */
	} else if (type == MAP_PRIVATE) {
		unexpected("a private mapping of a carveout dma-buf succeeded");
		bad = true;
	} else if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE) {
		unexpected("a mapping of invalid type %#x succeeded", type);
		bad = true;
	} else if (off % pg || off + mlen > size || off + mlen < off) {
		unexpected("a mapping beyond the buffer succeeded");
		bad = true;
	} else if (acc != O_RDWR && acc != O_RDONLY) {
		unexpected("mapped an fd not open for reading");
		bad = true;
	} else if (acc == O_RDONLY && (prot & PROT_WRITE)) {
		unexpected("a writable shared mapping of a read-only fd succeeded");
		bad = true;
	}
	if (!bad && mlen)
		touch(p, mlen, prot);

	if (!bad && chance(25)) {
		newprot = (int)below(8);
		cur_op = OP_MPROTECT;
		note("mprotect(%p, %#zx, %#x) of the mapping above (fd %d acc %d)",
		     p, mlen, newprot, fd, acc);
		errno = 0;
		r = mprotect(p, mlen, newprot);
		other(r, errno);
		if (!r && acc == O_RDONLY && (newprot & PROT_WRITE) &&
		    is_dmabuf(fd))
			unexpected("made a shared mapping of a read-only fd writable");
		else if (!r)
			touch(p, mlen, newprot);
	}
	if (!bad && chance(15)) {
		int mflags = chance(50) ? MREMAP_MAYMOVE : 0;

		nlen = chance(50) && mlen > pg ? (1 + below(mlen / pg - 1)) * pg :
		       mlen + pg * (1 + below(4));
		cur_op = OP_MREMAP;
		note("mremap(%p, %#zx, %#zx, %#x) of fd %d", p, mlen, nlen,
		     mflags, fd);
		errno = 0;
		q = mremap(p, mlen, nlen, mflags);
		other(q == MAP_FAILED ? -1 : 0, errno);
		if (q != MAP_FAILED) {
			if (nlen > mlen)
				unexpected("grew a VM_PFNMAP|VM_DONTEXPAND mapping");
			p = q;
			mlen = nlen;
		}
	}
	if (munmap(p, mlen ? mlen : pg))
		unexpected("munmap of the mapping failed: %s", strerror(errno));
out:
	if (fixed && mmap(scratch, scratch_len, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
			  -1, 0) == MAP_FAILED)
		unexpected("cannot restore the scratch reservation");
}

/* heap_ioctl */

static uint64_t carveout_len(uint64_t size)
{
	int r = (int)below(100);

	if (r < 35)
		return 1 + below(64 * KiB);
	if (r < 55)
		return (1 + below(256)) * pg;
	if (r < 58)
		return 1 + below(size);
	if (r < 60)
		return chance(50) ? size : size - pg;
	if (r < 70)
		return size + 1 + below(chance(50) ? pg : size);
	return interesting64();
}

static uint64_t mainline_len(void)
{
	int r = (int)below(100);

	if (r < 5)
		return 0;
	if (r < 55)
		return 1 + below(64 * KiB);
	if (r < 90)
		return (1 + below(MAINLINE_MAX / pg)) * pg;
	return MAINLINE_MAX;
}

static uint32_t pick_fd_flags(void)
{
	int r = (int)below(100);

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
	return interesting32();
}

/* A buffer the heap returned: check what it is, maybe map it, close it. */
static void check_new_buf(struct heap *h, int fd,
			  const struct dma_heap_allocation_data *e)
{
	uint64_t size = page_align(e->len);
	int fl;
	off_t end;

	if (fd < 0 || fd >= MAX_FD || fcntl(fd, F_GETFD) < 0) {
		unexpected("the returned fd %d is not open", fd);
		sweep();
		return;
	}
	if (fdk[fd] != FK_NONE) {
		unexpected("the returned fd %d was already open", fd);
		return;
	}
	own(fd, FK_DMABUF);
	fdsize[fd] = size;
	fdacc[fd] = (int)(e->fd_flags & O_ACCMODE);
	if (h->carveout) {
		fl = fcntl(fd, F_GETFD);
		if (!(fl & FD_CLOEXEC) != !(e->fd_flags & O_CLOEXEC))
			unexpected("close-on-exec of fd %d does not follow fd_flags %#x",
				   fd, e->fd_flags);
		fl = fcntl(fd, F_GETFL);
		if ((fl & O_ACCMODE) != (int)(e->fd_flags & O_ACCMODE))
			unexpected("fd %d has access mode %d, fd_flags %#x",
				   fd, fl & O_ACCMODE, e->fd_flags);
		cur_op = OP_LSEEK;
		end = lseek(fd, 0, SEEK_END);
		other(end, errno);
		if (end != (off_t)size)
			unexpected("buffer of len %#" PRIx64 " has size %lld",
				   (uint64_t)e->len, (long long)end);
		if (chance(15))
			fuzz_mmap(fd);
	}
	drop(fd);
}

static void heap_iter(void)
{
	struct heap *h = &heaps[below(nheaps)];
	struct dma_heap_allocation_data a = { 0 }, e = { 0 };
	static uint8_t data[MAX_IOC + 64];
	unsigned int dir, type, nr, cmd;
	size_t usize, in, out;
	const char *why = NULL;
	struct place pl;
	int32_t fdv;
	void *p;
	long ret;

	if (chance(2)) {
		cur_op = OP_OPEN;
		note("reopen /dev/dma_heap/%s", h->name);
		drop(h->fd);
		h->fd = cv_heap_open(h->name);
		other(h->fd, -h->fd);
		own(h->fd, FK_HEAP);
		return;
	}
	if (chance(2)) {
		cur_op = OP_HEAP_MMAP;
		note("mmap of the heap node %s", h->name);
		st->mmaps++;
		errno = 0;
		p = mmap(NULL, pg, PROT_READ, MAP_SHARED, h->fd, 0);
		account(p == MAP_FAILED ? -1 : 0, errno);
		if (p != MAP_FAILED) {
			unexpected("a heap node can be mapped");
			munmap(p, pg);
		}
		return;
	}

	a.len = h->carveout ? carveout_len(h->size) : mainline_len();
	a.fd = chance(95) ? 0 : interesting32();
	a.fd_flags = pick_fd_flags();
	a.heap_flags = chance(90) ? 0 : interesting64();
	if (chance(65)) {
		dir = _IOC_READ | _IOC_WRITE;
		type = DMA_HEAP_IOC_MAGIC;
		nr = 0;
		usize = sizeof(a);
	} else {
		static const unsigned int types[] = {
			DMA_HEAP_IOC_MAGIC, DMA_BUF_BASE, DMABUF_IMPORTER_IOC_MAGIC,
		};

		dir = (unsigned int)below(4);
		type = chance(80) ? DMA_HEAP_IOC_MAGIC :
		       chance(70) ? types[below(3)] : rnd_type();
		nr = chance(60) ? 0 : (unsigned int)(chance(50) ? below(4) : below(256));
		usize = pick_size(sizeof(a));
	}
	/*
	 * The length is the first 8 bytes and nothing else goes there: a
	 * mainline heap reads a capped length whatever the size says.
	 */
	memset(data, 0, usize);
	memcpy(data, &a, usize < sizeof(a) ? usize : sizeof(a));
	if (usize > sizeof(a) && chance(50))
		rnd_bytes(data + sizeof(a), usize - sizeof(a));
	cmd = (unsigned int)_IOC(dir, type, nr, usize);
	cur_op = cmd == DMA_HEAP_IOCTL_ALLOC ? OP_ALLOC : OP_HEAP_RAW;
	pl = place(pick_pk(12), data, usize);
	note("heap %s ioctl %#x (dir %u type %#x nr %u size %zu) arg %s %p: len %#llx fd %u fd_flags %#x heap_flags %#llx",
	     h->name, cmd, dir, type, nr, usize, pk_name[pl.kind], pl.p,
	     (unsigned long long)a.len, a.fd, a.fd_flags,
	     (unsigned long long)a.heap_flags);
	ret = xioctl(h->fd, cmd, pl.p);
	if (ret)
		return;

	in = (dir & _IOC_WRITE) ? usize : 0;
	out = (dir & _IOC_READ) ? usize : 0;
	memcpy(&e, data, in < sizeof(e) ? in : sizeof(e));
	if (type != DMA_HEAP_IOC_MAGIC && type != DMA_BUF_BASE &&
	    type != DMABUF_IMPORTER_IOC_MAGIC) {
		/* A generic VFS ioctl may match: no model. */
		sweep();
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
	else if (!page_align(e.len))
		why = "the length page-aligns to 0";
	else if (h->carveout && page_align(e.len) > h->size)
		why = "the length is larger than the region";
	if (why) {
		unexpected("success, although %s", why);
		sweep();
		return;
	}
	if (out >= offsetof(struct dma_heap_allocation_data, fd) + sizeof(fdv)) {
		memcpy(&fdv, (uint8_t *)pl.p +
		       offsetof(struct dma_heap_allocation_data, fd), sizeof(fdv));
		check_new_buf(h, fdv, &e);
	} else {
		sweep();	/* installed, but its number was not copied out */
	}
}

/* dmabuf_ioctl_mmap */

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

	if (chance(75))
		return ok[below(ARRAY_SIZE(ok))];
	return chance(50) ? below(16) : interesting64();
}

static uint32_t rw_flags(void)
{
	return chance(80) ? (uint32_t)(1 + below(3)) : interesting32();
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

static void syncfile_add(int fd)
{
	own(fd, FK_SYNCFILE);
	if (nsync == MAX_SYNC) {
		drop(syncs[0]);
		memmove(syncs, syncs + 1, sizeof(syncs[0]) * --nsync);
	}
	syncs[nsync++] = fd;
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
	int r = (int)below(100), nl, sfd;
	uint64_t f;
	long ret;

	if (r < 30) {
		s.flags = sync_flags();
		cmd = DMA_BUF_IOCTL_SYNC;
		usize = sizeof(s);
		memcpy(data, &s, sizeof(s));
	} else if (r < 45) {
		cmd = chance(50) ? DMA_BUF_SET_NAME_A : DMA_BUF_SET_NAME_B;
		usize = 48;
		for (i = 0; i < usize; i++)
			data[i] = chance(90) ? 'a' + below(26) : 1 + below(255);
		if (chance(90))
			data[chance(70) ? below(DMA_BUF_NAME_LEN) :
			     DMA_BUF_NAME_LEN - 1 + below(8)] = 0;
	} else if (r < 75) {
		cmd = r < 60 ? DMA_BUF_IOCTL_EXPORT_SYNC_FILE :
		      DMA_BUF_IOCTL_IMPORT_SYNC_FILE;
		x.flags = rw_flags();
		x.fd = r < 60 ? (chance(80) ? 0 : (int32_t)interesting32()) :
		       (chance(50) && nsync ? syncs[below(nsync)] : rnd_fd());
		usize = sizeof(x);
		memcpy(data, &x, sizeof(x));
	} else {
		dir = (unsigned int)below(4);
		nr = (unsigned int)(chance(70) ? below(5) : below(256));
		usize = chance(50) ? (size_t)(4 << below(2)) : pick_size(8);
		cmd = (unsigned int)_IOC(dir, DMA_BUF_BASE, nr, usize);
		if (chance(50)) {
			memset(data, 0, usize);
			memcpy(data, &(uint64_t){ sync_flags() }, usize < 8 ? usize : 8);
		} else {
			rnd_bytes(data, usize);
		}
	}
	switch (cmd) {
	case DMA_BUF_IOCTL_SYNC:
		cur_op = OP_SYNC;
		break;
	case DMA_BUF_SET_NAME_A:
	case DMA_BUF_SET_NAME_B:
		cur_op = OP_SET_NAME;
		break;
	case DMA_BUF_IOCTL_EXPORT_SYNC_FILE:
		cur_op = OP_EXPORT;
		break;
	case DMA_BUF_IOCTL_IMPORT_SYNC_FILE:
		cur_op = OP_IMPORT;
		break;
	default:
		cur_op = OP_DMABUF_RAW;
		break;
	}
	pl = place(pick_pk(12), data, usize);
	note("dma-buf fd %d [size %#" PRIx64 "] ioctl %#x arg %s %p",
	     fd, fdsize[fd], cmd, pk_name[pl.kind], pl.p);
	ret = xioctl(fd, cmd, pl.p);
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
			 kind_of(x.fd) != FK_SYNCFILE)
			why = "the fd is not a sync_file";
		if (why || cmd != DMA_BUF_IOCTL_EXPORT_SYNC_FILE)
			break;
		memcpy(&x, pl.p, sizeof(x));
		sfd = x.fd;
		if (sfd < 0 || sfd >= MAX_FD || fdk[sfd] != FK_NONE ||
		    fcntl(sfd, F_GETFD) < 0) {
			unexpected("EXPORT_SYNC_FILE returned fd %d", sfd);
			sweep();
		} else {
			syncfile_add(sfd);
		}
		break;
	default:
		why = "it is no dma-buf ioctl";
		break;
	}
	if (why)
		unexpected("success, although %s", why);
}

static void dmabuf_misc(int fd)
{
	struct pollfd pfd = { .fd = fd };
	char buf[64];
	struct stat sb;
	uint64_t off;
	off_t pos;
	int whence, r;

	switch (below(4)) {
	case 0:
		whence = (int)below(6);
		off = chance(60) ? 0 : interesting64();
		cur_op = OP_LSEEK;
		note("lseek(fd %d, %#" PRIx64 ", %d)", fd, off, whence);
		errno = 0;
		pos = lseek(fd, (off_t)off, whence);
		other(pos, errno);
		if (pos < 0)
			break;
		if (off || (whence != SEEK_SET && whence != SEEK_END))
			unexpected("dma-buf lseek takes offset 0 with SEEK_SET or SEEK_END only");
		else if (pos != (whence == SEEK_END ? (off_t)fdsize[fd] : 0))
			unexpected("lseek returned %lld", (long long)pos);
		break;
	case 1:
		pfd.events = (short)rnd();
		cur_op = OP_POLL;
		note("poll(fd %d, events %#x)", fd, (unsigned short)pfd.events);
		errno = 0;
		r = poll(&pfd, 1, 0);
		other(r, errno);
		break;
	case 2:
		cur_op = OP_FSTAT;
		note("fstat(fd %d)", fd);
		errno = 0;
		r = fstat(fd, &sb);
		other(r, errno);
		if (!r && (uint64_t)sb.st_size != fdsize[fd])
			unexpected("st_size %lld", (long long)sb.st_size);
		break;
	default:
		cur_op = OP_FDINFO;
		note("fdinfo of fd %d", fd);
		r = cv_fdinfo(fd, "size", buf, sizeof(buf));
		other(r, -r);
		if (!r && strtoull(buf, NULL, 10) != fdsize[fd])
			unexpected("fdinfo size %s", buf);
		break;
	}
}

static void dmabuf_pool_setup(void)
{
	static const struct { uint64_t pages, bytes; int acc; } shapes[] = {
		{ 1, 0, O_RDWR }, { 3, 0, O_RDWR }, { 0, 64 * KiB, O_RDWR },
		{ 0, MiB, O_RDWR }, { 0, 64 * KiB, O_RDONLY }, { 1, 0, O_WRONLY },
		{ 1, 0, O_ACCMODE },
	};
	unsigned int i;
	int h;

	for (h = 0; h < nheaps; h++) {
		if (!heaps[h].carveout)
			continue;
		for (i = 0; i < ARRAY_SIZE(shapes); i++)
			pool_add(alloc_buf(h, shapes[i].pages * pg + shapes[i].bytes,
					   shapes[i].acc));
	}
}

static void dmabuf_iter(void)
{
	int r = (int)below(100), fd = rnd_dmabuf();

	if (fd < 0) {
		pool_churn(true);
		return;
	}
	if (r < 55)
		dmabuf_ioctl_iter(fd);
	else if (r < 85)
		fuzz_mmap(fd);
	else if (r < 94)
		dmabuf_misc(fd);
	else if (r < 98 || !nsync)
		pool_churn(true);
	else
		drop(syncs[--nsync]);
}

/* importer_ioctl */

struct att {
	uint32_t handle, dev;
	uint64_t size;
	int mapped;		/* 1, 0, or -1: unknown */
	uint32_t udir;		/* when mapped and known */
};

union iarg {
	struct dmabuf_importer_device_info info;
	struct dmabuf_importer_attach attach;
	struct dmabuf_importer_handle handle;
	struct dmabuf_importer_map map;
	struct dmabuf_importer_fill fill;
	struct dmabuf_importer_checksum checksum;
	struct dmabuf_importer_sync sync;
	struct dmabuf_importer_query query;
	uint8_t raw[64];
};

static const unsigned int icmd[] = {
	DMABUF_IMPORTER_IOC_DEVICE_INFO, DMABUF_IMPORTER_IOC_ATTACH,
	DMABUF_IMPORTER_IOC_DETACH, DMABUF_IMPORTER_IOC_MAP,
	DMABUF_IMPORTER_IOC_UNMAP, DMABUF_IMPORTER_IOC_FILL,
	DMABUF_IMPORTER_IOC_CHECKSUM, DMABUF_IMPORTER_IOC_SYNC,
	DMABUF_IMPORTER_IOC_QUERY,
};

enum {
	I_INFO, I_ATTACH, I_DETACH, I_MAP, I_UNMAP, I_FILL, I_CHECKSUM,
	I_SYNC, I_QUERY, NR_I,
};

static const char *const icmd_name[NR_I] = {
	"DEVICE_INFO", "ATTACH", "DETACH", "MAP", "UNMAP", "FILL", "CHECKSUM",
	"SYNC", "QUERY",
};

static struct att atts[MAX_ATT];
static int natt;
static int imp = -1;
static int edu_budget, edu_attempts;

static struct att *att_find(uint32_t h)
{
	int i;

	for (i = 0; i < natt; i++)
		if (atts[i].handle == h)
			return &atts[i];
	return NULL;
}

static uint32_t rnd_handle(void)
{
	uint32_t max = 0;
	int i;

	if (natt && chance(70))
		return atts[below(natt)].handle;
	for (i = 0; i < natt; i++)
		if (atts[i].handle > max)
			max = atts[i].handle;
	switch (below(3)) {
	case 0:
		return 0;
	case 1:
		return 1 + (uint32_t)below(max + 4);
	default:
		return interesting32();
	}
}

/*
 * A handle that can get past the checks of @nr (an unmapped attachment
 * for MAP, a mapped one of a fitting direction for UNMAP, FILL and
 * CHECKSUM), most of the time; any handle otherwise.
 */
static uint32_t handle_for(unsigned int nr)
{
	int cand[MAX_ATT], n = 0, i;
	const struct att *a;

	if (chance(35))
		return rnd_handle();
	for (i = 0; i < natt; i++) {
		a = &atts[i];
		if ((nr == I_MAP && !a->mapped) ||
		    (nr == I_UNMAP && a->mapped) ||
		    (nr == I_FILL && a->mapped &&
		     a->udir != DMABUF_IMPORTER_DIR_TO_DEVICE) ||
		    (nr == I_CHECKSUM && a->mapped &&
		     a->udir != DMABUF_IMPORTER_DIR_FROM_DEVICE))
			cand[n++] = i;
	}
	return n ? atts[cand[below(n)]].handle : rnd_handle();
}

static uint32_t rnd_dev(void)
{
	static const uint32_t odd[] = { 63, 64, 0xffffffff, 0x80000000 };

	if (chance(85))
		return (uint32_t)below(nidev);
	return chance(50) ? (uint32_t)nidev : odd[below(ARRAY_SIZE(odd))];
}

static void rnd_range(uint32_t handle, __u64 *off, __u64 *len)
{
	struct att *a = att_find(handle);
	uint64_t size = a ? a->size : 64 * KiB;

	if (chance(80) && size >= 4) {
		*off = below(size / 4) * 4;
		*len = (1 + below((size - *off) / 4)) * 4;
		if (chance(70) && *len > 16 * KiB)
			*len = (1 + below(4 * KiB)) * 4;
		return;
	}
	*off = chance(50) ? interesting64() : size - (chance(50) ? 4 : 0);
	*len = chance(30) ? size : interesting64();
}

static bool range_ok(const struct att *a, uint64_t off, uint64_t len)
{
	return len && !(off % DMABUF_IMPORTER_ALIGN) &&
	       !(len % DMABUF_IMPORTER_ALIGN) && off <= a->size &&
	       len <= a->size - off;
}

/*
 * FILL and CHECKSUM on an edu device cost ~100 ms per 2 KiB: let at most
 * EDU_BUDGET short ones through, and make the others fail validation.
 * Returns true when the call may move data through edu.
 */
static bool edu_gate(unsigned int nr, union iarg *u)
{
	__u64 *off, *len;
	struct att *a;

	if (nr == I_FILL) {
		a = att_find(u->fill.handle);
		off = &u->fill.offset;
		len = &u->fill.length;
	} else if (nr == I_CHECKSUM) {
		a = att_find(u->checksum.handle);
		off = &u->checksum.offset;
		len = &u->checksum.length;
	} else {
		return false;
	}
	if (!a || !idevs[a->dev].edu || !range_ok(a, *off, *len))
		return false;
	if (edu_budget > 0 && edu_attempts < 4 * EDU_BUDGET) {
		/* One DMA transfer at most: EDU_XFER_MAX bytes. */
		if (*len > EDU_XFER_MAX)
			*len = 4 * (1 + below(EDU_XFER_MAX / 4));
		if (*len > a->size - *off)
			*off = a->size - *len;
		edu_attempts++;
		return true;
	}
	switch (below(3)) {
	case 0:
		*len = 0;
		break;
	case 1:
		*len |= 2;
		break;
	default:
		*off = a->size + DMABUF_IMPORTER_ALIGN;
		break;
	}
	return false;
}

/* A QUERY made to learn, not to fuzz. */
static int imp_query(uint32_t handle, struct dmabuf_importer_query *q)
{
	memset(q, 0, sizeof(*q));
	q->handle = handle;
	cur_op = OP_QUERY;
	note("importer QUERY %u (resync)", handle);
	return (int)xioctl(imp, DMABUF_IMPORTER_IOC_QUERY, q);
}

/* ATTACH ran but its result could not be written: find the handle. */
/*
 * An ATTACH whose answer could not be copied back must have been undone:
 * a new handle after it is one the caller could never name. Adopt it, so
 * it is detached, but fail the case.
 */
static void resync_attach(void)
{
	struct dmabuf_importer_query q;
	uint32_t h = 1;

	while (att_find(h))
		h++;
	if (natt >= MAX_ATT || imp_query(h, &q))
		return;
	unexpected("ATTACH failed with EFAULT but left attachment %u behind", h);
	atts[natt++] = (struct att){
		.handle = h, .dev = q.device, .size = q.size,
		.mapped = !!(q.state & DMABUF_IMPORTER_STATE_MAPPED),
		.udir = q.direction,
	};
}

static void imp_open_fd(void)
{
	cur_op = OP_OPEN;
	note("open /dev/dmabuf_importer");
	imp = open("/dev/dmabuf_importer", O_RDWR | O_CLOEXEC);
	other(imp, errno);
	own(imp, FK_IMPORTER);
	natt = 0;
}

/* Detach what the batch attached, then close the file. */
static void imp_batch_end(void)
{
	struct dmabuf_importer_handle hd = { 0 };

	while (natt) {
		hd.handle = atts[natt - 1].handle;
		cur_op = OP_DETACH;
		note("importer DETACH %u (end of batch)", hd.handle);
		if (xioctl(imp, DMABUF_IMPORTER_IOC_DETACH, &hd))
			unexpected("detaching live handle %u failed: %s",
				   hd.handle, strerror(last_err));
		natt--;
	}
	drop(imp);
	imp = -1;
}

/* What the kernel made of a call that reached the handler and succeeded. */
static void imp_check(unsigned int nr, const union iarg *e,
		      const struct place *pl)
{
	union iarg o;
	const char *why = NULL;
	struct att *a = NULL;
	size_t ksize = _IOC_SIZE(icmd[nr]);
	int fd;

	memset(&o, 0, sizeof(o));
	if (_IOC_DIR(icmd[nr]) & _IOC_READ)
		memcpy(&o, pl->p, ksize);	/* written by the kernel */

	switch (nr) {
	case I_INFO:
		if (e->info.index >= (uint32_t)nidev)
			why = "no device has that index";
		else if (o.info.role != idevs[e->info.index].role ||
			 strnlen(o.info.name, sizeof(o.info.name)) >= sizeof(o.info.name))
			why = "the description changed or is not NUL-terminated";
		break;
	case I_ATTACH:
		fd = e->attach.fd;
		if (e->attach.flags)
			why = "flags was not zero";
		else if (e->attach.device >= (uint32_t)nidev)
			why = "no device has that index";
		else if (idevs[e->attach.device].flags & DMABUF_IMPORTER_DEV_NO_DMA)
			why = "the device cannot do DMA (ENXIO)";
		else if (!is_dmabuf(fd))
			why = "the fd is not a dma-buf";
		else if (!o.attach.handle || att_find(o.attach.handle))
			why = "the handle is 0 or already in use";
		else if (o.attach.size != fdsize[fd])
			why = "the size is not the buffer's";
		if (!why && natt < MAX_ATT)
			atts[natt++] = (struct att){
				.handle = o.attach.handle,
				.dev = e->attach.device, .size = o.attach.size,
			};
		break;
	case I_DETACH:
		a = att_find(e->handle.handle);
		if (e->handle.flags)
			why = "flags was not zero";
		else if (!a)
			why = "the handle is unknown";
		else
			*a = atts[--natt];
		break;
	case I_MAP:
		a = att_find(e->map.handle);
		if (!a)
			why = "the handle is unknown";
		else if (e->map.direction < DMABUF_IMPORTER_DIR_TO_DEVICE ||
			 e->map.direction > DMABUF_IMPORTER_DIR_BIDIRECTIONAL)
			why = "the direction is invalid";
		else if (a->mapped == 1)
			why = "the attachment was already mapped (EBUSY)";
		else if (!o.map.nents || o.map.dma_end < o.map.dma_start)
			why = "the mapping description is inconsistent";
		else if ((idevs[a->dev].flags & DMABUF_IMPORTER_DEV_CONTIG) &&
			 !(o.map.flags & DMABUF_IMPORTER_MAPPING_CONTIGUOUS))
			why = "a contiguous-only device got a scattered mapping";
		if (a && !why) {
			a->mapped = 1;
			a->udir = e->map.direction;
		}
		break;
	case I_UNMAP:
		a = att_find(e->handle.handle);
		if (e->handle.flags)
			why = "flags was not zero";
		else if (!a)
			why = "the handle is unknown";
		else if (!a->mapped)
			why = "the attachment was not mapped (ENOTCONN)";
		if (a && !why) {
			a->mapped = 0;
			a->udir = 0;
		}
		break;
	case I_FILL:
	case I_CHECKSUM:
		a = att_find(nr == I_FILL ? e->fill.handle : e->checksum.handle);
		if (!a)
			why = "the handle is unknown";
		else if (nr == I_CHECKSUM && e->checksum.flags)
			why = "flags was not zero";
		else if (nr == I_FILL ? !range_ok(a, e->fill.offset, e->fill.length) :
			 !range_ok(a, e->checksum.offset, e->checksum.length))
			why = "the range is empty, unaligned or out of bounds";
		else if (!a->mapped)
			why = "the attachment was not mapped (ENOTCONN)";
		else if (a->mapped == 1 && a->udir ==
			 (nr == I_FILL ? DMABUF_IMPORTER_DIR_TO_DEVICE :
			  DMABUF_IMPORTER_DIR_FROM_DEVICE))
			why = "the mapping's direction forbids it (EPERM)";
		break;
	case I_SYNC:
		a = att_find(e->sync.handle);
		if (!a)
			why = "the handle is unknown";
		else if (e->sync.flags & ~(uint32_t)(DMABUF_IMPORTER_SYNC_RW |
						      DMABUF_IMPORTER_SYNC_END) ||
			 !(e->sync.flags & DMABUF_IMPORTER_SYNC_RW))
			why = "the flags are invalid";
		break;
	case I_QUERY:
		a = att_find(e->query.handle);
		if (!a)
			why = "the handle is unknown";
		else if (o.query.device != a->dev || o.query.size != a->size)
			why = "the device or size does not match the attachment";
		else if (a->mapped >= 0 &&
			 !!(o.query.state & DMABUF_IMPORTER_STATE_MAPPED) != a->mapped)
			why = "the mapped state does not match";
		if (a && !why) {
			a->mapped = !!(o.query.state & DMABUF_IMPORTER_STATE_MAPPED);
			a->udir = o.query.direction;
		}
		break;
	}
	if (why)
		unexpected("success, although %s", why);
}

/* The fields of an importer argument, for the logs. */
static const char *describe(unsigned int nr, const union iarg *u)
{
	static char buf[128];

	switch (nr) {
	case I_INFO:
		snprintf(buf, sizeof(buf), "index %u", u->info.index);
		break;
	case I_ATTACH:
		snprintf(buf, sizeof(buf), "fd %d device %u flags %#x",
			 u->attach.fd, u->attach.device, u->attach.flags);
		break;
	case I_DETACH:
	case I_UNMAP:
		snprintf(buf, sizeof(buf), "handle %u flags %#x",
			 u->handle.handle, u->handle.flags);
		break;
	case I_MAP:
		snprintf(buf, sizeof(buf), "handle %u direction %#x",
			 u->map.handle, u->map.direction);
		break;
	case I_FILL:
		snprintf(buf, sizeof(buf), "handle %u offset %#llx length %#llx",
			 u->fill.handle, (unsigned long long)u->fill.offset,
			 (unsigned long long)u->fill.length);
		break;
	case I_CHECKSUM:
		snprintf(buf, sizeof(buf), "handle %u flags %#x offset %#llx length %#llx",
			 u->checksum.handle, u->checksum.flags,
			 (unsigned long long)u->checksum.offset,
			 (unsigned long long)u->checksum.length);
		break;
	case I_SYNC:
		snprintf(buf, sizeof(buf), "handle %u flags %#x", u->sync.handle,
			 u->sync.flags);
		break;
	case I_QUERY:
		snprintf(buf, sizeof(buf), "handle %u", u->query.handle);
		break;
	default:
		snprintf(buf, sizeof(buf), "random bytes");
		break;
	}
	return buf;
}

static void imp_iter(void)
{
	static uint8_t data[MAX_IOC + 64];
	unsigned int nr, dir, type = DMABUF_IMPORTER_IOC_MAGIC, cmd;
	size_t ksize, usize;
	bool edu, runs, known;
	int r;
	struct place pl;
	union iarg u;
	long ret;

	r = (int)below(1000);
	if (r < 20) {
		pool_churn(true);
		return;
	}
	if (r < 25) {
		/* The release path takes whatever the file still holds. */
		note("close the importer file with %d attachments", natt);
		drop(imp);
		imp_open_fd();
		return;
	}

	memset(&u, 0, sizeof(u));
	r = (int)below(100);
	nr = r < 5 ? I_INFO : r < 25 ? I_ATTACH : r < 31 ? I_DETACH :
	     r < 45 ? I_MAP : r < 51 ? I_UNMAP : r < 59 ? I_FILL :
	     r < 67 ? I_CHECKSUM : r < 77 ? I_SYNC : r < 88 ? I_QUERY : NR_I;
	if (natt < 3 && chance(40))
		nr = I_ATTACH;	/* the other commands need attachments */
	switch (nr) {
	case I_INFO:
		u.info.index = rnd_dev();
		if (chance(10))
			rnd_bytes(&u.info.role, sizeof(u.info) - sizeof(u.info.index));
		break;
	case I_ATTACH:
		u.attach.fd = npool && chance(50) ? rnd_dmabuf() : rnd_fd();
		u.attach.device = rnd_dev();
		u.attach.flags = chance(90) ? 0 : interesting32();
		u.attach.handle = chance(90) ? 0 : interesting32();
		break;
	case I_DETACH:
	case I_UNMAP:
		u.handle.handle = nr == I_UNMAP ? handle_for(nr) : rnd_handle();
		u.handle.flags = chance(90) ? 0 : interesting32();
		break;
	case I_MAP:
		u.map.handle = handle_for(nr);
		u.map.direction = chance(85) ? 1 + (uint32_t)below(3) : interesting32();
		if (chance(10))
			rnd_bytes(&u.map.flags, sizeof(u.map) - 8);
		break;
	case I_FILL:
		u.fill.handle = handle_for(nr);
		u.fill.seed = (uint32_t)rnd();
		rnd_range(u.fill.handle, &u.fill.offset, &u.fill.length);
		break;
	case I_CHECKSUM:
		u.checksum.handle = handle_for(nr);
		u.checksum.flags = chance(90) ? 0 : interesting32();
		rnd_range(u.checksum.handle, &u.checksum.offset, &u.checksum.length);
		if (chance(10))
			u.checksum.checksum = rnd();
		break;
	case I_SYNC:
		u.sync.handle = rnd_handle();
		u.sync.flags = chance(80) ? (uint32_t)(1 + below(3)) |
					    (chance(50) ? DMABUF_IMPORTER_SYNC_END : 0) :
					    interesting32();
		break;
	case I_QUERY:
		u.query.handle = rnd_handle();
		if (chance(10))
			rnd_bytes(&u.query.device, sizeof(u.query) - 4);
		break;
	default:
		/* Any number in the magic, any direction and size. */
		nr = (unsigned int)(chance(70) ? below(12) : below(256));
		rnd_bytes(&u, sizeof(u));
		if (nr < NR_I && chance(70))
			memcpy(&u, &(uint32_t){ rnd_handle() }, 4);
		break;
	}

	if (nr < NR_I) {
		ksize = _IOC_SIZE(icmd[nr]);
		dir = _IOC_DIR(icmd[nr]);
		usize = chance(12) ? pick_size(ksize) : ksize;
		if (chance(4))
			dir = (unsigned int)below(4);
	} else {
		ksize = 0;
		dir = (unsigned int)below(4);
		usize = pick_size(32);
	}
	if (chance(3))
		type = rnd_type();
	edu = edu_gate(nr, &u);

	memset(data, 0, usize);
	memcpy(data, &u, usize < sizeof(u) ? usize : sizeof(u));
	if (usize > ksize && ksize && chance(50))
		data[ksize + below(usize - ksize)] = 1 + (uint8_t)below(255);
	cmd = (unsigned int)_IOC(dir, type, nr, usize);
	pl = place(pick_pk(10), data, usize);
	cur_op = type == DMABUF_IMPORTER_IOC_MAGIC && nr < NR_I &&
		 dir == _IOC_DIR(icmd[nr]) && usize == ksize ?
		 (enum op)(OP_INFO + nr) : OP_IMP_RAW;
	note("importer ioctl %#x (%s dir %u type %#x nr %u size %zu) arg %s %p: %s",
	     cmd, nr < NR_I ? icmd_name[nr] : "?", dir, type, nr, usize,
	     pk_name[pl.kind], pl.p, describe(nr, &u));
	ret = xioctl(imp, cmd, pl.p);

	/* imp_ioctl(): find the command, check the size, copy_struct_from_user() */
	known = type == DMABUF_IMPORTER_IOC_MAGIC && nr < NR_I &&
		dir == _IOC_DIR(icmd[nr]);
	runs = known && usize >= ksize && usize <= pl.readable;
	if (runs && usize > ksize) {
		size_t i;

		for (i = ksize; i < usize; i++)
			if (data[i])
				runs = false;
	}
	if (edu && runs && !ret) {
		edu_budget--;
		st->edu_xfers++;
	}
	if (!ret && type == DMABUF_IMPORTER_IOC_MAGIC && !runs)
		unexpected("success, although %s",
			   !known ? "the command is unknown" :
			   usize < ksize ? "the struct is too small" :
			   usize > pl.readable ? "the argument was not readable" :
			   "unknown trailing bytes were not zero");
	if (!runs)
		return;
	memcpy(&u, data, ksize);
	if (!ret && !pl.writable && (dir & _IOC_READ))
		unexpected("success, although the result could not be written");
	else if (!ret)
		imp_check(nr, &u, &pl);
	else if (last_err == EFAULT && !pl.writable && nr == I_ATTACH)
		resync_attach();
	else if (last_err == EFAULT && !pl.writable && nr == I_MAP &&
		 att_find(u.map.handle))
		att_find(u.map.handle)->mapped = -1;
}

static void imp_pool_setup(void)
{
	struct dma_buf_export_sync_file x = { .flags = DMA_BUF_SYNC_RW };
	int h;

	/*
	 * Buffers of the carveout heaps only. The 6.12 system and CMA heaps
	 * sync every mapped attachment in the CPU access's direction, so a
	 * SYNC bracket on a buffer that a device mapped TO_DEVICE makes
	 * DMA-API debug report "syncs DMA memory with different direction"
	 * from cma_heap_dma_buf_end_cpu_access(): a mainline defect (see
	 * Documentation/reliability.rst), not one this fuzzer looks for.
	 */
	for (h = 0; h < nheaps; h++) {
		if (!heaps[h].carveout)
			continue;
		pool_add(alloc_buf(h, pg, O_RDWR));
		pool_add(alloc_buf(h, 64 * KiB, O_RDWR));
		pool_add(alloc_buf(h, MiB, chance(50) ? O_RDWR : O_RDONLY));
	}
	/* A sync_file, as one more fd that is no dma-buf. */
	if (npool) {
		cur_op = OP_EXPORT;
		note("EXPORT_SYNC_FILE (setup)");
		if (!xioctl(pool[0], DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &x))
			syncfile_add(x.fd);
	}
}

static void run_importer(void)
{
	uint64_t done = 0;
	int i;

	imp_pool_setup();
	edu_budget = EDU_BUDGET;
	edu_attempts = 0;
	while (done < opt_iters) {
		imp_open_fd();
		if (imp < 0)
			return;
		for (i = 0; i < BATCH && done < opt_iters; i++, done++) {
			st->iters++;
			imp_iter();
			if (imp < 0)
				return;
		}
		imp_batch_end();
	}
}

/* Targets in a child */

static void __attribute__((noreturn)) child(enum target t, uint64_t seed)
{
	uint64_t x = seed ^ (0x9e3779b97f4a7c15ULL * (t + 1));
	uint64_t i;
	int ret;

	rng = cv_seed(x);
	cur_target = target_name[t];
	cur_seed = seed;
	fd_scan_base();
	ret = mem_setup();
	if (!ret)
		ret = heaps_open();
	if (ret) {
		ksft_print_msg("fuzz: %s: setup failed: %s\n", cur_target,
			       strerror(-ret));
		_exit(2);
	}
	misc_setup();

	switch (t) {
	case T_HEAP:
		for (i = 0; i < opt_iters; i++) {
			st->iters++;
			heap_iter();
		}
		break;
	case T_DMABUF:
		dmabuf_pool_setup();
		for (i = 0; i < opt_iters; i++) {
			st->iters++;
			dmabuf_iter();
		}
		break;
	case T_IMPORTER:
		run_importer();
		break;
	default:
		break;
	}
	note("closing every fd");
	close_all();
	/* Everything is closed and unmapped: the heaps must be idle again. */
	for (i = 0; i < (uint64_t)nheaps; i++) {
		uint64_t used = 0, live = 0;

		if (!heaps[i].carveout || !cv_wait_idle(heaps[i].name))
			continue;
		cv_stat(heaps[i].name, "used", &used);
		cv_stat(heaps[i].name, "live_buffers", &live);
		unexpected("heap %s not idle after every fd was closed: used %" PRIu64
			   ", live buffers %" PRIu64, heaps[i].name, used, live);
	}
	fflush(stdout);
	_exit(st->unexpected ? 1 : 0);
}

/* The parent: one child per target and seed, then the heaps' state. */

static struct fz_stats total;

static const char *errname(int e)
{
	static char buf[16];
	const char *s = e < NERR - 1 ? strerrorname_np(e) : NULL;

	if (s)
		return s;
	snprintf(buf, sizeof(buf), e < NERR - 1 ? "E%d" : "E>=%d", e);
	return buf;
}

static void print_hist(const char *prefix, const uint64_t *err)
{
	char line[2048];
	bool done[NERR] = { false };
	size_t n = 0;
	int e, best;

	for (;;) {
		best = -1;
		for (e = 1; e < NERR; e++)
			if (err[e] && !done[e] && (best < 0 || err[e] > err[best]))
				best = e;
		if (best < 0 || n >= sizeof(line) - 64)
			break;
		done[best] = true;
		n += snprintf(line + n, sizeof(line) - n, "%s%s %" PRIu64,
			      n ? ", " : "", errname(best), err[best]);
	}
	ksft_print_msg("%s%s\n", prefix, n ? line : "none");
}

static void print_ops(const struct fz_stats *s)
{
	char line[2048];
	size_t n = 0;
	int o;

	for (o = 0; o < NR_OP && n < sizeof(line) - 64; o++)
		if (s->op_calls[o])
			n += snprintf(line + n, sizeof(line) - n, "%s%s %" PRIu64
				      "/%" PRIu64, n ? ", " : "", op_name[o],
				      s->op_ok[o], s->op_calls[o]);
	ksft_print_msg("fuzz:   ok/calls: %s\n", n ? line : "none");
}

/* Append to @why every carveout heap that does not return to idle. */
static void heaps_idle(char *why, size_t len)
{
	uint64_t used = 0, live = 0;
	size_t n;
	int i;

	for (i = 0; i < nheaps; i++) {
		if (!heaps[i].carveout || !cv_wait_idle(heaps[i].name))
			continue;
		cv_stat(heaps[i].name, "used", &used);
		cv_stat(heaps[i].name, "live_buffers", &live);
		n = strlen(why);
		snprintf(why + n, len - n, "%sheap %.63s not idle: used %" PRIu64
			 ", live buffers %" PRIu64, n ? "; " : "", heaps[i].name,
			 used, live);
	}
}

static void run_target(enum target t, uint64_t seed)
{
	char name[96], why[256] = "";
	double t0 = cv_now(), last_t;
	uint64_t last_p = 0;
	int status = 0, e;
	bool hung = false;
	pid_t pid;

	snprintf(name, sizeof(name), "%s seed=%#" PRIx64, target_name[t], seed);
	if (t == T_HEAP && !nheaps) {
		ksft_test_result_skip("%s: no node in /dev/dma_heap\n", name);
		return;
	}
	if (t == T_DMABUF && !ncarveout) {
		ksft_test_result_skip("%s: no carveout heap\n", name);
		return;
	}
	if (t == T_IMPORTER && nidev < 0) {
		ksft_test_result_skip("%s: no /dev/dmabuf_importer\n", name);
		return;
	}
	if (t == T_IMPORTER && !nidev) {
		ksft_test_result_skip("%s: no importer device\n", name);
		return;
	}

	memset(st, 0, sizeof(*st));
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ksft_test_result_fail("%s: fork: %s\n", name, strerror(errno));
		return;
	}
	if (!pid)
		child(t, seed);

	last_t = t0;
	for (;;) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			break;
		nanosleep(&ts, NULL);
		if (st->progress != last_p) {
			last_p = st->progress;
			last_t = cv_now();
		} else if (cv_now() - last_t > WATCHDOG_S) {
			hung = true;
			kill(pid, SIGKILL);
			break;
		}
	}
	if (hung) {
		snprintf(why, sizeof(why), "no progress for %d s, in: %s",
			 WATCHDOG_S, st->last);
	} else if (WIFSIGNALED(status)) {
		snprintf(why, sizeof(why), "killed by signal %d (%s), in: %s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)), st->last);
	} else if (WEXITSTATUS(status) == 2) {
		snprintf(why, sizeof(why), "setup failed");
	} else if (st->unexpected) {
		snprintf(why, sizeof(why), "%" PRIu64 " unexpected results",
			 st->unexpected);
	}
	if (!hung)
		heaps_idle(why, sizeof(why));

	ksft_print_msg("fuzz: %s: %" PRIu64 " iterations in %.1f s: %" PRIu64
		       " ioctls, %" PRIu64 " mmaps, %" PRIu64 " other calls; %"
		       PRIu64 " ok, %" PRIu64 " stray fds closed, %" PRIu64
		       " edu transfers\n", name, st->iters, cv_now() - t0,
		       st->ioctls, st->mmaps, st->other, st->ok, st->strays,
		       st->edu_xfers);
	print_hist("fuzz:   errnos: ", st->err);
	print_ops(st);

	total.iters += st->iters;
	total.ioctls += st->ioctls;
	total.mmaps += st->mmaps;
	total.other += st->other;
	total.ok += st->ok;
	total.strays += st->strays;
	total.unexpected += st->unexpected;
	total.edu_xfers += st->edu_xfers;
	for (e = 0; e < NERR; e++)
		total.err[e] += st->err[e];
	for (e = 0; e < NR_OP; e++) {
		total.op_calls[e] += st->op_calls[e];
		total.op_ok[e] += st->op_ok[e];
	}

	if (why[0]) {
		ksft_print_msg("fuzz: %s: FAIL: %s\n", name, why);
		ksft_test_result_fail("%s\n", name);
	} else
		ksft_test_result_pass("%s\n", name);
}

static void discover(void)
{
	static char names[MAX_HEAPS][64];
	struct dmabuf_importer_device_info info;
	int i, n, fd;

	n = cv_heap_names(names, MAX_HEAPS);
	for (i = 0; i < n; i++) {
		struct heap *h = &heaps[nheaps];

		snprintf(h->name, sizeof(h->name), "%.63s", names[i]);
		h->carveout = cv_is_carveout(h->name);
		if (h->carveout && cv_sysfs_u64(h->name, "size", &h->size))
			continue;
		ncarveout += h->carveout;
		nheaps++;
	}

	fd = open("/dev/dmabuf_importer", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	for (nidev = 0; nidev < MAX_DEVS; nidev++) {
		memset(&info, 0, sizeof(info));
		info.index = nidev;
		if (ioctl(fd, DMABUF_IMPORTER_IOC_DEVICE_INFO, &info))
			break;
		idevs[nidev].role = info.role;
		idevs[nidev].flags = info.flags;
		memcpy(idevs[nidev].name, info.name, sizeof(info.name));
		idevs[nidev].name[sizeof(info.name) - 1] = '\0';
		idevs[nidev].edu = info.role == DMABUF_IMPORTER_ROLE_EDU ||
				   !strncmp(info.name, "edu", 3);
	}
	close(fd);
}

static void usage(const char *argv0)
{
	printf("Usage: %s [--iterations N] [--seed S] [--verbose]\n"
	       "  --iterations N  calls per target per seed (default %d)\n"
	       "  --seed S        run only seed S (default: %#llx, then a random one)\n"
	       "  --verbose       every call and its result on stderr\n",
	       argv0, DEFAULT_ITERS, FIXED_SEED);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint64_t seeds[2], seed = 0;
	int c, nseeds = 0, s, t, nedu = 0, i;
	bool have_seed = false;
	char rerun[64] = "";
	char *end;
	double t0;

	while ((c = getopt_long(argc, argv, "i:s:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			errno = 0;
			opt_iters = strtoull(optarg, &end, 0);
			if (errno || *end || !opt_iters) {
				fprintf(stderr, "bad --iterations '%s'\n", optarg);
				return KSFT_FAIL;
			}
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end) {
				fprintf(stderr, "bad --seed '%s'\n", optarg);
				return KSFT_FAIL;
			}
			have_seed = true;
			break;
		case 'v':
			opt_verbose = 1;
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return KSFT_FAIL;
		}
	}
	if (optind < argc) {
		usage(argv[0]);
		return KSFT_FAIL;
	}

	pg = cv_page_size();
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED) {
		perror("mmap");
		return KSFT_FAIL;
	}
	if (have_seed) {
		seeds[nseeds++] = seed;
	} else {
		seeds[nseeds++] = FIXED_SEED;
		if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
			seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		seeds[nseeds++] = seed;
	}
	if (opt_iters != DEFAULT_ITERS)
		snprintf(rerun, sizeof(rerun), " --iterations %" PRIu64, opt_iters);

	discover();
	for (i = 0; i < nidev; i++)
		nedu += idevs[i].edu;

	ksft_print_header();
	ksft_set_plan(nseeds * NR_TARGETS);
	ksft_print_msg("fuzz: %d heaps (%d carveout), %d importer devices (%d edu), %" PRIu64
		       " iterations per target per seed, page size %zu\n",
		       nheaps, ncarveout, nidev < 0 ? 0 : nidev, nedu, opt_iters, pg);
	t0 = cv_now();
	for (s = 0; s < nseeds; s++) {
		ksft_print_msg("fuzz: seed %#" PRIx64 " (rerun: fuzz_test --seed %#" PRIx64 "%s)\n",
			       seeds[s], seeds[s], rerun);
		for (t = 0; t < NR_TARGETS; t++)
			run_target((enum target)t, seeds[s]);
	}
	ksft_print_msg("fuzz: total: %d seed(s), %" PRIu64 " iterations, %" PRIu64
		       " inputs (%" PRIu64 " ioctls, %" PRIu64 " mmaps, %" PRIu64
		       " other calls), %" PRIu64 " ok, %" PRIu64 " unexpected, %" PRIu64
		       " stray fds, %" PRIu64 " edu transfers, %.1f s\n",
		       nseeds, total.iters, total.ioctls + total.mmaps + total.other,
		       total.ioctls, total.mmaps, total.other, total.ok,
		       total.unexpected, total.strays, total.edu_xfers, cv_now() - t0);
	print_hist("fuzz: total errnos: ", total.err);
	print_ops(&total);
	ksft_finished();
}
