// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test - processes and threads hammering the heaps at once
 *
 * Several worker processes (--procs, default 3) with several threads each
 * (--threads, default 3) run for a bounded time (--seconds, default 5),
 * each thread picking random operations on a few buffers of its own:
 *
 * - allocate from a random heap (every carveout heap and the system heap),
 *   4 KiB .. 4 MiB in whole pages, and check that the new buffer is zero;
 *   ENOMEM/ENOSPC from a full heap is expected and counted;
 * - map it and write a pattern inside ldma_cpu_begin/end, read it back;
 * - attach and map it on an importer device (camera, gpu, display; edu is
 *   attached and mapped but never asked to move data, it is too slow), have
 *   the device checksum what the CPU wrote, or fill it and the CPU check
 *   what the device wrote; attachments are sometimes left behind for the
 *   file's release to clean up;
 * - import it into vgem, and sometimes put an unsignalled vgem fence on it
 *   and follow it through exported and imported sync_files;
 * - export a sync_file, wait on it, import it into another buffer;
 * - pass buffers to a random worker (itself included) over a UNIX socket
 *   with ldma_send(); the receiver reads the message and verifies the
 *   buffers (by CPU or by device), keeps it unread for a while, or closes
 *   the connection unread, leaving the kernel to free what was in flight;
 * - close it.
 *
 * The pattern is self-describing: the 32-bit word at offset o holds
 * seed ^ o (the importer's fill pattern), so word 0 is the seed and a
 * receiver needs nothing else to check a buffer.
 *
 * Meanwhile the parent SIGKILLs a random worker every 0.3 .. 1.5 s and
 * starts a new one in its place (--no-kill turns this off): the kernel must
 * free everything a dead worker held, mapped, attached or had in flight.
 *
 * At the end the workers stop, and every carveout heap must be back at zero
 * used (free == size, and the whole heap one free extent again), and no
 * dma-buf of the heaps used may remain (debugfs bufinfo).
 *
 * Workers count what they do in a MAP_SHARED anonymous mapping (so a killed
 * worker's work still counts) and record their first errors there; the
 * parent prints the figures and the KTAP results. Run with no argument for
 * the short form (make check), with --seconds 60 for the long one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm/drm.h>
#include <drm/vgem_drm.h>

#include "kselftest.h"
#include "libdma.h"
#include "carveout_util.h"

#define MAX_HEAPS	16
#define MAX_DEVS	16
#define MAX_PROCS	32
#define MAX_THREADS	16
#define SLOTS		3	/* live buffers per thread */
#define HELD		2	/* accepted connections a thread keeps unread */
#define LINGER		2	/* attachments a thread leaves behind */
#define SEND_MAX	3	/* buffers per message */
#define LOG_MAX		12	/* errors recorded for printing */
#define HOG_MAX		64	/* buffers of one heap exhaustion */
#define CHUNK		(64 * 1024)
#define MAX_SIZE	(4UL << 20)
#define WAIT_MS		5000	/* sync_file waits that must succeed */
#define STOP_SECONDS	60	/* workers must stop within this */
#define KILL_MIN_MS	300
#define KILL_MAX_MS	1500
#define RESPAWN_MAX_MS	250

/* Counters, one set per worker slot (a respawned worker adds to its own). */
enum {
	C_OPS, C_ALLOC, C_ENOMEM, C_CLOSE, C_CPU_MAP, C_CPU_WRITE, C_CPU_VERIFY,
	C_ZERO_CHECK, C_BYTES_CHECKED, C_VGEM_IMPORT, C_VGEM_FENCE,
	C_IMP_ATTACH, C_IMP_MAP, C_IMP_LINGER, C_IMP_SYNC, C_EXDEV, C_ENXIO, C_ERANGE,
	C_DEV_CHECKSUM, C_DEV_FILL, C_SYNC_EXPORT, C_SYNC_IMPORT, C_SYNC_WAIT,
	C_MSG_SENT, C_FDS_SENT, C_MSG_RECV, C_FDS_RECV, C_CONN_DROPPED,
	C_PEER_GONE, C_EAGAIN, C_EXHAUST, C_UNEXPECTED, C_CORRUPT, C_NCOUNT
};

struct logent {
	int valid;
	int w, gen, thr;
	int err;
	char kind[12];
	char op[32];
	char msg[200];
};

/* The MAP_SHARED anonymous mapping shared by the parent and the workers. */
struct shared {
	int stop;
	int nlog;
	struct logent log[LOG_MAX];
	uint64_t cnt[MAX_PROCS][C_NCOUNT];
};

struct heap {
	char name[64];
	bool carveout;
	bool cached;
	uint64_t size;
};

/* Set up by the parent before the first fork, read-only afterwards. */
static struct {
	unsigned int seconds, procs, threads;
	bool kill;
	uint64_t seed;
	pid_t parent;
	size_t page;
	uint64_t max_pages;
	struct heap heaps[MAX_HEAPS];
	int nheaps;
	struct ldma_importer_dev devs[MAX_DEVS];
	int ndevs;
	int nxfer;		/* devices that move data (not edu, not NO_DMA) */
	bool vgem;
	struct shared *shm;
} g;

/* A worker process */
struct proc {
	int w, gen;
	int lsock;
	int vgem;
	int imp;		/* importer fd shared by the threads */
	struct ldma_ctx *ctx;
};

enum { ST_UNKNOWN, ST_ZERO, ST_PAT };

struct buf {
	int fd;			/* -1: slot free */
	int heap;
	uint64_t size;
	int state;
	uint32_t seed;
};

/* A worker thread */
struct thr {
	struct proc *p;
	int idx;
	uint64_t rng;
	struct buf b[SLOTS];
	int held[HELD];
	int held_age[HELD];
	int out_sock;
	int imp;		/* private importer fd, or -1 */
	uint32_t linger[LINGER];
	int nlinger;
	uint8_t *scratch;
	pthread_t tid;
};

/* ------------------------------------------------------------------------
 * Small helpers
 */

static uint64_t rnd(struct thr *t)
{
	return cv_rand(&t->rng);
}

/* Uniform in [0, n), n > 0 */
static uint64_t rnd_below(struct thr *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

static bool chance(struct thr *t, unsigned int percent)
{
	return rnd_below(t, 100) < percent;
}

static uint32_t new_seed(struct thr *t)
{
	uint32_t s;

	do
		s = (uint32_t)rnd(t);
	while (!s);
	return s;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool stopping(void)
{
	return __atomic_load_n(&g.shm->stop, __ATOMIC_ACQUIRE);
}

static void count(struct thr *t, int c, uint64_t n)
{
	__atomic_fetch_add(&g.shm->cnt[t->p->w][c], n, __ATOMIC_RELAXED);
}

static uint64_t total(int c)
{
	uint64_t sum = 0;
	unsigned int w;

	for (w = 0; w < g.procs; w++)
		sum += __atomic_load_n(&g.shm->cnt[w][c], __ATOMIC_RELAXED);
	return sum;
}

static void vlog(int w, int gen, int thr, const char *kind, const char *op,
		 int err, const char *fmt, va_list ap)
{
	int i = __atomic_fetch_add(&g.shm->nlog, 1, __ATOMIC_RELAXED);
	struct logent *e;

	if (i >= LOG_MAX)
		return;
	e = &g.shm->log[i];
	e->w = w;
	e->gen = gen;
	e->thr = thr;
	e->err = err;
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	snprintf(e->op, sizeof(e->op), "%s", op);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	__atomic_store_n(&e->valid, 1, __ATOMIC_RELEASE);
}

/* An error that none of the expected causes explains: fails the run. */
__attribute__((format(printf, 4, 5)))
static void unexpected(struct thr *t, const char *op, int err, const char *fmt, ...)
{
	va_list ap;

	count(t, C_UNEXPECTED, 1);
	va_start(ap, fmt);
	vlog(t->p->w, t->p->gen, t->idx, "error", op, err, fmt, ap);
	va_end(ap);
}

/* Data that is not what was written: fails the run. */
__attribute__((format(printf, 3, 4)))
static void corrupt(struct thr *t, const char *op, const char *fmt, ...)
{
	va_list ap;

	count(t, C_CORRUPT, 1);
	va_start(ap, fmt);
	vlog(t->p->w, t->p->gen, t->idx, "corruption", op, 0, fmt, ap);
	va_end(ap);
}

/* An error of a whole worker process (setup), or of the parent. */
__attribute__((format(printf, 4, 5)))
static void proc_error(int w, int gen, const char *op, const char *fmt, ...)
{
	va_list ap;

	if (w >= 0)
		__atomic_fetch_add(&g.shm->cnt[w][C_UNEXPECTED], 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	vlog(w, gen, -1, "error", op, 0, fmt, ap);
	va_end(ap);
}

static bool heap_full(int err)
{
	return err == -ENOMEM || err == -ENOSPC;
}

/* What a peer that was killed (or has not been started again yet) gives. */
static bool peer_gone(int err)
{
	return err == -ECONNRESET || err == -EPIPE || err == -ECONNREFUSED;
}

static const char *heap_name(const struct buf *b)
{
	return g.heaps[b->heap].name;
}

static bool dev_moves_data(const struct ldma_importer_dev *d)
{
	return d->role != LDMA_IMPORTER_EDU &&
	       !(d->flags & (LDMA_IMPORTER_DEV_HW_DMA | LDMA_IMPORTER_DEV_NO_DMA));
}

/* ------------------------------------------------------------------------
 * Buffers and their expected content
 */

static int free_slot(struct thr *t)
{
	int i;

	for (i = 0; i < SLOTS; i++)
		if (t->b[i].fd < 0)
			return i;
	return -1;
}

enum { PICK_ANY, PICK_KNOWN, PICK_PATTERN, PICK_CARVEOUT };

static int pick_slot(struct thr *t, int what, int except)
{
	int idx[SLOTS], n = 0, i;

	for (i = 0; i < SLOTS; i++) {
		const struct buf *b = &t->b[i];

		if (b->fd < 0 || i == except)
			continue;
		if (what == PICK_KNOWN && b->state == ST_UNKNOWN)
			continue;
		if (what == PICK_PATTERN && b->state != ST_PAT)
			continue;
		if (what == PICK_CARVEOUT && !g.heaps[b->heap].carveout)
			continue;
		idx[n++] = i;
	}
	return n ? idx[rnd_below(t, n)] : -1;
}

static void drop_slot(struct thr *t, int s)
{
	if (s < 0 || t->b[s].fd < 0)
		return;
	close(t->b[s].fd);
	t->b[s].fd = -1;
	count(t, C_CLOSE, 1);
}

/* A size of 4 KiB .. 4 MiB in whole pages, small sizes more often. */
static uint64_t rand_size(struct thr *t)
{
	uint64_t maxp = g.max_pages, lo, hi, p;
	int bits = 0;

	while ((2ULL << bits) <= maxp)
		bits++;
	if (chance(t, 25)) {
		p = 1 + rnd_below(t, maxp);
	} else {
		lo = 1ULL << rnd_below(t, bits + 1);
		hi = (lo << 1) - 1 < maxp ? (lo << 1) - 1 : maxp;
		p = lo + rnd_below(t, hi - lo + 1);
	}
	return p * g.page;
}

/* A word-aligned range: the whole buffer half of the time. */
static void pick_range(struct thr *t, uint64_t size, uint64_t *off, uint64_t *len)
{
	uint64_t words = size / 4, o;

	if (chance(t, 50)) {
		*off = 0;
		*len = size;
		return;
	}
	o = rnd_below(t, words);
	*off = o * 4;
	*len = (1 + rnd_below(t, words - o)) * 4;
}

/* What [off, off + len) of @b should hold, into the scratch buffer. */
static void expected(struct thr *t, const struct buf *b, uint64_t off, size_t len)
{
	if (b->state == ST_PAT)
		ldma_importer_pattern(t->scratch, off, len, b->seed);
	else
		memset(t->scratch, 0, len);
}

static uint64_t expected_hash(struct thr *t, const struct buf *b,
			      uint64_t off, uint64_t len)
{
	uint64_t h = LDMA_IMPORTER_HASH_INIT, done, n;

	for (done = 0; done < len; done += n) {
		n = len - done < CHUNK ? len - done : CHUNK;
		expected(t, b, off + done, n);
		ldma_importer_hash(&h, t->scratch, n);
	}
	return h;
}

static const char *state_name(const struct buf *b)
{
	return b->state == ST_PAT ? "pattern" : b->state == ST_ZERO ? "zero" : "unknown";
}

/* Compare [off, off + len) of a CPU mapping of @b with what it should hold. */
static int compare(struct thr *t, const struct buf *b, const uint8_t *base,
		   uint64_t off, uint64_t len, const char *what)
{
	uint64_t done, n, i;

	for (done = 0; done < len; done += n) {
		n = len - done < CHUNK ? len - done : CHUNK;
		expected(t, b, off + done, n);
		if (!memcmp(base + off + done, t->scratch, n))
			continue;
		for (i = 0; i + 4 <= n; i += 4)
			if (memcmp(base + off + done + i, t->scratch + i, 4))
				break;
		{
			uint32_t got, want;

			memcpy(&got, base + off + done + i, 4);
			memcpy(&want, t->scratch + i, 4);
			corrupt(t, what, "heap %s size %" PRIu64 " (%s %#x): word at %#" PRIx64
				" is %#x, want %#x", heap_name(b), b->size, state_name(b),
				b->seed, off + done + i, got, want);
		}
		return -1;
	}
	count(t, C_BYTES_CHECKED, len);
	return 0;
}

/* Map (a prefix of) @b, bracket a CPU read and check a random range. */
static int cpu_check(struct thr *t, const struct buf *b, const char *what)
{
	uint64_t off, len, maplen;
	struct ldma_map *m;
	int fd, ret, bad;

	if (b->state == ST_UNKNOWN)
		return 0;
	pick_range(t, b->size, &off, &len);
	maplen = (off + len + g.page - 1) / g.page * g.page;
	if (maplen > b->size)
		maplen = b->size;
	ret = ldma_map(b->fd, chance(t, 50) ? 0 : maplen, LDMA_READ, &m);
	if (ret) {
		unexpected(t, "mmap", ret, "heap %s size %" PRIu64, heap_name(b), b->size);
		return ret;
	}
	count(t, C_CPU_MAP, 1);
	/* The mapping's own descriptor is the same buffer. */
	fd = chance(t, 50) ? b->fd : ldma_map_fd(m);
	ret = ldma_cpu_begin(fd, LDMA_READ);
	if (ret) {
		unexpected(t, "cpu_begin(read)", ret, "heap %s", heap_name(b));
		ldma_unmap(m);
		return ret;
	}
	bad = compare(t, b, ldma_map_addr(m), off, len, what);
	count(t, b->state == ST_ZERO ? C_ZERO_CHECK : C_CPU_VERIFY, 1);
	ret = ldma_cpu_end(fd, LDMA_READ);
	if (ret)
		unexpected(t, "cpu_end(read)", ret, "heap %s", heap_name(b));
	ret = ldma_unmap(m);
	if (ret)
		unexpected(t, "munmap", ret, "heap %s", heap_name(b));
	return bad;
}

/* ------------------------------------------------------------------------
 * Operations
 */

static void op_alloc(struct thr *t)
{
	int s = free_slot(t), h, fd, ret;
	uint64_t size, real;
	char name[32];

	if (s < 0) {
		s = pick_slot(t, PICK_ANY, -1);
		drop_slot(t, s);
	}
	h = (int)rnd_below(t, g.nheaps);
	size = rand_size(t);
	snprintf(name, sizeof(name), "stress-%d.%d-%d", t->p->w, t->p->gen, t->idx);
	fd = ldma_alloc(t->p->ctx, g.heaps[h].name, size, 0, chance(t, 50) ? name : NULL);
	if (fd < 0) {
		if (heap_full(fd))
			count(t, C_ENOMEM, 1);
		else
			unexpected(t, "alloc", fd, "heap %s size %" PRIu64, g.heaps[h].name, size);
		return;
	}
	count(t, C_ALLOC, 1);
	ret = ldma_buf_size(fd, &real);
	if (ret || real != size)
		unexpected(t, "buffer size", ret, "heap %s: asked %" PRIu64 ", got %" PRIu64,
			   g.heaps[h].name, size, ret ? 0 : real);
	t->b[s] = (struct buf){ .fd = fd, .heap = h, .size = size, .state = ST_ZERO };
	/* No buffer may show a previous owner's data. */
	if (chance(t, 50))
		cpu_check(t, &t->b[s], "new buffer not zero");
}

/*
 * Allocate from one carveout heap until it is full, then free it all: the
 * others meet ENOMEM meanwhile, and the heap's failure path (zeroing the
 * dirty ranges itself, retrying) runs under load.
 */
static void op_exhaust(struct thr *t)
{
	int fds[HOG_MAX], n = 0, i, fd, h, carveouts[MAX_HEAPS], nc = 0;

	for (i = 0; i < g.nheaps; i++)
		if (g.heaps[i].carveout)
			carveouts[nc++] = i;
	if (!nc) {
		op_alloc(t);
		return;
	}
	h = carveouts[rnd_below(t, nc)];
	while (n < HOG_MAX && !stopping()) {
		fd = ldma_alloc(t->p->ctx, g.heaps[h].name,
				(1 + rnd_below(t, g.max_pages)) * g.page, 0, NULL);
		if (fd < 0) {
			if (heap_full(fd))
				count(t, C_ENOMEM, 1);
			else
				unexpected(t, "alloc", fd, "filling heap %s", g.heaps[h].name);
			break;
		}
		count(t, C_ALLOC, 1);
		fds[n++] = fd;
	}
	count(t, C_EXHAUST, 1);
	for (i = 0; i < n; i++)
		close(fds[i]);
	count(t, C_CLOSE, (uint64_t)n);
}

static void op_close(struct thr *t)
{
	drop_slot(t, pick_slot(t, PICK_ANY, -1));
}

/* CPU writes a new pattern inside a begin/end bracket, and reads it back. */
static void op_cpu_write(struct thr *t)
{
	int s = pick_slot(t, PICK_ANY, -1), ret;
	unsigned int access;
	struct ldma_map *m;
	uint64_t off, len;
	struct buf *b;
	uint32_t seed;

	if (s < 0) {
		op_alloc(t);
		return;
	}
	b = &t->b[s];
	ret = ldma_map(b->fd, 0, LDMA_RW, &m);
	if (ret) {
		unexpected(t, "mmap", ret, "heap %s size %" PRIu64, heap_name(b), b->size);
		return;
	}
	count(t, C_CPU_MAP, 1);
	access = chance(t, 50) ? LDMA_WRITE : LDMA_RW;
	ret = ldma_cpu_begin(b->fd, access);
	if (ret) {
		unexpected(t, "cpu_begin(write)", ret, "heap %s", heap_name(b));
		goto out;
	}
	seed = new_seed(t);
	b->state = ST_UNKNOWN;
	ldma_importer_pattern(ldma_map_addr(m), 0, b->size, seed);
	b->state = ST_PAT;
	b->seed = seed;
	count(t, C_CPU_WRITE, 1);
	if (access == LDMA_RW && chance(t, 50)) {
		pick_range(t, b->size, &off, &len);
		compare(t, b, ldma_map_addr(m), off, len, "cpu read back (same bracket)");
		count(t, C_CPU_VERIFY, 1);
	}
	ret = ldma_cpu_end(b->fd, access);
	if (ret)
		unexpected(t, "cpu_end(write)", ret, "heap %s", heap_name(b));
out:
	ret = ldma_unmap(m);
	if (ret)
		unexpected(t, "munmap", ret, "heap %s", heap_name(b));
	if (b->state == ST_PAT && chance(t, 40))
		cpu_check(t, b, "cpu read back");
}

static void op_cpu_verify(struct thr *t)
{
	int s = pick_slot(t, PICK_KNOWN, -1);

	if (s < 0) {
		op_cpu_write(t);
		return;
	}
	cpu_check(t, &t->b[s], t->b[s].state == ST_ZERO ? "new buffer not zero" :
		  "cpu verify");
}

static int pick_imp(struct thr *t)
{
	if (t->imp >= 0 && (t->p->imp < 0 || chance(t, 70)))
		return t->imp;
	return t->p->imp;
}

static const struct ldma_importer_dev *pick_dev(struct thr *t, bool moves_data)
{
	int i, n = 0, k;

	if (!moves_data)
		return g.ndevs ? &g.devs[rnd_below(t, g.ndevs)] : NULL;
	if (!g.nxfer)
		return NULL;
	k = (int)rnd_below(t, g.nxfer);
	for (i = 0; i < g.ndevs; i++)
		if (dev_moves_data(&g.devs[i]) && n++ == k)
			return &g.devs[i];
	return NULL;
}

/*
 * Attach @b to @dev, and map it for @dir unless @dir is 0.
 * Return: 0 (attached, mapped if asked), 1 (an expected refusal, counted:
 * nothing is left attached), -1 (an unexpected error, reported).
 */
static int attach_map(struct thr *t, int imp, const struct buf *b,
		      const struct ldma_importer_dev *dev, unsigned int dir,
		      uint32_t *handle)
{
	struct ldma_importer_mapping m;
	uint64_t size = 0;
	int ret;

	ret = ldma_importer_attach(imp, b->fd, dev->index, handle, &size);
	if (ret == -ENXIO && (dev->flags & LDMA_IMPORTER_DEV_NO_DMA)) {
		count(t, C_ENXIO, 1);
		return 1;
	}
	if (ret == -ERANGE && g.heaps[b->heap].carveout && dev->dma_bits < 64 &&
	    !(dev->flags & LDMA_IMPORTER_DEV_IOMMU)) {
		/*
		 * A carveout beyond a limited device's direct reach (the heap
		 * above 4 GiB on BOARD=imx8q): refused, never bounced.
		 * importer_reach_test predicts every such pair exactly.
		 */
		count(t, C_ERANGE, 1);
		return 1;
	}
	if (ret) {
		unexpected(t, "importer attach", ret, "%s (%s) heap %s size %" PRIu64,
			   ldma_importer_role_name(dev->role), dev->name, heap_name(b), b->size);
		return -1;
	}
	count(t, C_IMP_ATTACH, 1);
	if (size != b->size)
		unexpected(t, "importer attach", 0, "size %" PRIu64 ", buffer is %" PRIu64,
			   size, b->size);
	if (!dir)
		return 0;
	ret = ldma_importer_map(imp, *handle, dir, &m);
	if (ret == -EXDEV && (dev->flags & LDMA_IMPORTER_DEV_CONTIG) &&
	    !g.heaps[b->heap].carveout) {
		/* A scattered system heap buffer on the display: expected. */
		count(t, C_EXDEV, 1);
		ldma_importer_detach(imp, *handle);
		return 1;
	}
	if (ret == -EIO && !g.heaps[b->heap].carveout && dev->dma_bits < 64 &&
	    !(dev->flags & LDMA_IMPORTER_DEV_IOMMU)) {
		/*
		 * A mainline heap's pages beyond a limited device's reach
		 * (RAM above 4 GiB on BOARD=imx8q): dma-direct bounces them,
		 * and swiotlb cannot take segments above 256 KiB.
		 */
		count(t, C_ERANGE, 1);
		ldma_importer_detach(imp, *handle);
		return 1;
	}
	if (ret) {
		unexpected(t, "importer map", ret, "%s (%s) dir %u heap %s size %" PRIu64,
			   ldma_importer_role_name(dev->role), dev->name, dir,
			   heap_name(b), b->size);
		ldma_importer_detach(imp, *handle);
		return -1;
	}
	count(t, C_IMP_MAP, 1);
	if (m.dma_size != b->size)
		unexpected(t, "importer map", 0, "%s: dma_size %" PRIu64 ", buffer is %" PRIu64,
			   dev->name, (uint64_t)m.dma_size, b->size);
	return 0;
}

/*
 * A kernel CPU access bracket on an attachment. The direction must agree
 * with the mapping's: the mainline system heap syncs every mapped
 * attachment for the CPU access direction, and DMA-API debug reports a
 * sync in another direction than the mapping's.
 */
static void importer_sync(struct thr *t, int imp, uint32_t h, unsigned int dir)
{
	unsigned int access;
	int ret;

	access = dir == LDMA_IMPORTER_TO_DEVICE ? LDMA_WRITE :
		 dir == LDMA_IMPORTER_FROM_DEVICE ? LDMA_READ :
		 (unsigned int)(1 + rnd_below(t, 3));
	ret = ldma_importer_sync_begin(imp, h, access);
	if (ret) {
		unexpected(t, "importer sync begin", ret, "access %u", access);
		return;
	}
	ret = ldma_importer_sync_end(imp, h, access);
	if (ret)
		unexpected(t, "importer sync end", ret, "access %u", access);
	count(t, C_IMP_SYNC, 1);
}

static void unmap_detach(struct thr *t, int imp, uint32_t h, bool mapped)
{
	int ret;

	if (mapped && chance(t, 50)) {
		ret = ldma_importer_unmap(imp, h);
		if (ret)
			unexpected(t, "importer unmap", ret, "handle %u", h);
	}
	/* Detach unmaps first when the attachment is still mapped. */
	ret = ldma_importer_detach(imp, h);
	if (ret)
		unexpected(t, "importer detach", ret, "handle %u", h);
}

/* The device reads what the CPU (or a device) wrote and hashes it. */
static void device_checksum(struct thr *t, const struct buf *b, int imp,
			    const struct ldma_importer_dev *dev, uint32_t h)
{
	uint64_t off, len, sum, want;
	int ret;

	pick_range(t, b->size, &off, &len);
	ret = ldma_importer_checksum(imp, h, off, len, &sum);
	if (ret) {
		unexpected(t, "device checksum", ret, "%s heap %s size %" PRIu64,
			   dev->name, heap_name(b), b->size);
		return;
	}
	count(t, C_DEV_CHECKSUM, 1);
	want = expected_hash(t, b, off, len);
	if (sum != want)
		corrupt(t, "device checksum", "%s (%s) heap %s size %" PRIu64
			" (%s %#x) range %#" PRIx64 "+%#" PRIx64 ": %#" PRIx64
			", want %#" PRIx64, ldma_importer_role_name(dev->role),
			dev->name, heap_name(b), b->size, state_name(b), b->seed,
			off, len, sum, want);
	else
		count(t, C_BYTES_CHECKED, len);
}

static void op_dev_checksum(struct thr *t)
{
	const struct ldma_importer_dev *dev = pick_dev(t, true);
	int s = pick_slot(t, PICK_KNOWN, -1), imp = pick_imp(t), i, n;
	unsigned int dir;
	uint32_t h;

	if (s < 0) {
		op_cpu_write(t);
		return;
	}
	if (!dev || imp < 0) {
		cpu_check(t, &t->b[s], "cpu verify");
		return;
	}
	dir = chance(t, 50) ? LDMA_IMPORTER_TO_DEVICE : LDMA_IMPORTER_BIDIRECTIONAL;
	if (attach_map(t, imp, &t->b[s], dev, dir, &h))
		return;
	if (chance(t, 20))
		importer_sync(t, imp, h, dir);
	n = 1 + (int)rnd_below(t, 2);
	for (i = 0; i < n; i++)
		device_checksum(t, &t->b[s], imp, dev, h);
	unmap_detach(t, imp, h, true);
}

/* The device writes a new pattern; the CPU (and maybe the device) checks it. */
static void op_dev_fill(struct thr *t)
{
	const struct ldma_importer_dev *dev = pick_dev(t, true);
	int s = pick_slot(t, PICK_ANY, -1), imp = pick_imp(t), mode, ret;
	unsigned int dir;
	struct buf *b;
	uint32_t h, seed;

	if (s < 0) {
		op_alloc(t);
		return;
	}
	if (!dev || imp < 0) {
		op_cpu_write(t);
		return;
	}
	b = &t->b[s];
	dir = chance(t, 50) ? LDMA_IMPORTER_FROM_DEVICE : LDMA_IMPORTER_BIDIRECTIONAL;
	if (attach_map(t, imp, b, dev, dir, &h))
		return;
	if (chance(t, 20))
		importer_sync(t, imp, h, dir);
	seed = new_seed(t);
	b->state = ST_UNKNOWN;
	ret = ldma_importer_fill(imp, h, seed, 0, b->size);
	if (ret) {
		unexpected(t, "device fill", ret, "%s heap %s size %" PRIu64,
			   dev->name, heap_name(b), b->size);
		ldma_importer_detach(imp, h);
		return;
	}
	b->state = ST_PAT;
	b->seed = seed;
	count(t, C_DEV_FILL, 1);
	if (dir == LDMA_IMPORTER_BIDIRECTIONAL && chance(t, 30))
		device_checksum(t, b, imp, dev, h);
	/* 0: CPU reads while the device mapping lives, 1: after, 2: not now */
	mode = (int)rnd_below(t, 3);
	if (mode == 0)
		cpu_check(t, b, "cpu read after device fill (still mapped)");
	unmap_detach(t, imp, h, true);
	if (mode == 1)
		cpu_check(t, b, "cpu read after device fill");
}

static void detach_lingering(struct thr *t, int i)
{
	int ret = ldma_importer_detach(t->imp, t->linger[i]);

	if (ret)
		unexpected(t, "importer detach (lingering)", ret, "handle %u", t->linger[i]);
	t->linger[i] = t->linger[--t->nlinger];
}

/*
 * Attach to any device (edu and devices that cannot reach memory too),
 * maybe map, query, and detach; or leave the attachment for later or for
 * the release of the file.
 */
static void op_attach(struct thr *t)
{
	const struct ldma_importer_dev *dev = pick_dev(t, false);
	int s = pick_slot(t, PICK_ANY, -1), imp = pick_imp(t), ret;
	struct ldma_importer_state st;
	unsigned int dir = 0;
	const struct heap *hp;
	struct buf *b;
	bool may_linger;
	uint32_t h;

	if (s < 0) {
		op_alloc(t);
		return;
	}
	if (!dev || imp < 0) {
		op_cpu_write(t);
		return;
	}
	b = &t->b[s];
	hp = &g.heaps[b->heap];
	if (chance(t, 70))
		dir = (unsigned int)(1 + rnd_below(t, 3));
	if (attach_map(t, imp, b, dev, dir, &h))
		return;
	ret = ldma_importer_query(imp, h, &st);
	if (ret)
		unexpected(t, "importer query", ret, "handle %u", h);
	else if (st.device != dev->index || st.size != b->size ||
		 !!(st.state & LDMA_IMPORTER_STATE_MAPPED) != !!dir ||
		 st.direction != dir)
		unexpected(t, "importer query", 0, "device %u/%u size %" PRIu64 "/%" PRIu64
			   " state %#x direction %u/%u", st.device, dev->index,
			   (uint64_t)st.size, b->size, st.state, st.direction, dir);
	/*
	 * Leave it behind only where later mappings and CPU brackets of the
	 * same buffer (here or in a process it is passed to) cannot overlap
	 * it in a way DMA-API debug reports: unmapped, or mapped TO_DEVICE
	 * (not tracked as an overlapping mapping) on a carveout buffer (its
	 * exporter syncs an attachment in the mapping's direction; the
	 * system heap syncs in the CPU's, which DMA-API debug reports).
	 */
	may_linger = imp == t->imp &&
		     (!dir || (hp->carveout && dir == LDMA_IMPORTER_TO_DEVICE));
	if (may_linger && chance(t, 40)) {
		if (t->nlinger == LINGER)
			detach_lingering(t, (int)rnd_below(t, LINGER));
		t->linger[t->nlinger++] = h;
		count(t, C_IMP_LINGER, 1);
		/* The attachment keeps the buffer alive after its fd closes. */
		if (chance(t, 30))
			drop_slot(t, s);
		return;
	}
	unmap_detach(t, imp, h, dir != 0);
	if (t->nlinger && chance(t, 30))
		detach_lingering(t, (int)rnd_below(t, t->nlinger));
}

static int wait_expect(struct thr *t, int sf, int timeout_ms, int want, const char *what)
{
	int ret = ldma_sync_file_wait(sf, timeout_ms);

	count(t, C_SYNC_WAIT, 1);
	if (ret != want)
		unexpected(t, "sync_file wait", ret, "%s: want %d", what, want);
	return ret;
}

/*
 * A vgem fence on an imported buffer, followed through sync_files: it must
 * hold back whoever waits until vgem signals it.
 */
static void vgem_fence(struct thr *t, int s, uint32_t handle)
{
	struct drm_vgem_fence_attach fa = { .handle = handle };
	struct drm_vgem_fence_signal sig = { 0 };
	int sf_all = -1, sf_w = -1, sf_o = -1, o, ret;
	const struct buf *b = &t->b[s];
	bool write = chance(t, 50);
	double t0 = cv_now();

	fa.flags = write ? VGEM_FENCE_WRITE : 0;
	if (ioctl(t->p->vgem, DRM_IOCTL_VGEM_FENCE_ATTACH, &fa) < 0) {
		unexpected(t, "vgem fence attach", -errno, "heap %s", heap_name(b));
		return;
	}
	count(t, C_VGEM_FENCE, 1);
	/* Everyone: the fence is there. Writers only: only if it writes. */
	sf_all = ldma_sync_file_export(b->fd, LDMA_WRITE);
	sf_w = ldma_sync_file_export(b->fd, LDMA_READ);
	if (sf_all < 0 || sf_w < 0) {
		unexpected(t, "sync_file export", sf_all < 0 ? sf_all : sf_w,
			   "heap %s, vgem fence pending", heap_name(b));
		goto signal;
	}
	count(t, C_SYNC_EXPORT, 2);
	o = pick_slot(t, PICK_ANY, s);
	if (o >= 0 && chance(t, 60)) {
		ret = ldma_sync_file_import(t->b[o].fd, chance(t, 50) ? LDMA_WRITE : LDMA_READ,
					    sf_all);
		if (ret) {
			unexpected(t, "sync_file import", ret, "into heap %s", heap_name(&t->b[o]));
		} else {
			count(t, C_SYNC_IMPORT, 1);
			sf_o = ldma_sync_file_export(t->b[o].fd, LDMA_WRITE);
			if (sf_o < 0)
				unexpected(t, "sync_file export", sf_o, "heap %s",
					   heap_name(&t->b[o]));
			else
				count(t, C_SYNC_EXPORT, 1);
		}
	}
	/* vgem signals a fence by itself after 10 s: allow for a slow guest. */
	if (cv_now() - t0 < 5.0) {
		wait_expect(t, sf_all, 0, -ETIME, "vgem fence pending, all fences");
		wait_expect(t, sf_w, 0, write ? -ETIME : 0, "vgem fence pending, writers");
		if (sf_o >= 0)
			wait_expect(t, sf_o, 0, -ETIME, "imported vgem fence pending");
	}
signal:
	sig.fence = fa.out_fence;
	if (ioctl(t->p->vgem, DRM_IOCTL_VGEM_FENCE_SIGNAL, &sig) < 0 &&
	    !(errno == ETIMEDOUT && cv_now() - t0 >= 9.0))
		unexpected(t, "vgem fence signal", -errno, "fence %u", fa.out_fence);
	if (sf_all >= 0) {
		wait_expect(t, sf_all, WAIT_MS, 0, "vgem fence signalled, all fences");
		close(sf_all);
	}
	if (sf_w >= 0) {
		wait_expect(t, sf_w, WAIT_MS, 0, "vgem fence signalled, writers");
		close(sf_w);
	}
	if (sf_o >= 0) {
		wait_expect(t, sf_o, WAIT_MS, 0, "imported vgem fence signalled");
		close(sf_o);
	}
}

static void op_sync(struct thr *t);

/*
 * vgem imports carveout buffers only: the 6.12 system heap hands vgem
 * segments longer than vgem allows, which DMA-API debug reports (see
 * ALLOWED in qemu/scripts/ktap.py); the carveout exporter splits them.
 */
static void op_vgem(struct thr *t)
{
	int s = pick_slot(t, PICK_CARVEOUT, -1), ret;
	uint32_t h;

	if (t->p->vgem < 0) {
		op_sync(t);
		return;
	}
	if (s < 0) {
		op_alloc(t);
		return;
	}
	ret = cv_vgem_import(t->p->vgem, t->b[s].fd, &h);
	if (ret) {
		unexpected(t, "vgem import", ret, "heap %s size %" PRIu64,
			   heap_name(&t->b[s]), t->b[s].size);
		return;
	}
	count(t, C_VGEM_IMPORT, 1);
	if (chance(t, 50))
		vgem_fence(t, s, h);
	ret = cv_vgem_close(t->p->vgem, h);
	if (ret)
		unexpected(t, "vgem close", ret, "handle %u", h);
}

static unsigned int rand_access(struct thr *t)
{
	return (unsigned int)(1 + rnd_below(t, 3));
}

/* Export a sync_file, wait on it, import it into a buffer, export again. */
static void op_sync(struct thr *t)
{
	int s = pick_slot(t, PICK_ANY, -1), o, sf, sf2, ret;

	if (s < 0) {
		op_alloc(t);
		return;
	}
	sf = ldma_sync_file_export(t->b[s].fd, rand_access(t));
	if (sf < 0) {
		unexpected(t, "sync_file export", sf, "heap %s", heap_name(&t->b[s]));
		return;
	}
	count(t, C_SYNC_EXPORT, 1);
	wait_expect(t, sf, WAIT_MS, 0, "no fence pending");
	o = pick_slot(t, PICK_ANY, -1);
	ret = ldma_sync_file_import(t->b[o].fd, rand_access(t), sf);
	if (ret) {
		unexpected(t, "sync_file import", ret, "heap %s", heap_name(&t->b[o]));
	} else {
		count(t, C_SYNC_IMPORT, 1);
		sf2 = ldma_sync_file_export(t->b[o].fd, rand_access(t));
		if (sf2 < 0) {
			unexpected(t, "sync_file export", sf2, "heap %s", heap_name(&t->b[o]));
		} else {
			count(t, C_SYNC_EXPORT, 1);
			wait_expect(t, sf2, WAIT_MS, 0, "signalled fence imported");
			close(sf2);
		}
	}
	close(sf);
}

/* ------------------------------------------------------------------------
 * Passing buffers between workers
 */

static socklen_t sock_name(struct sockaddr_un *sa, int w)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* Abstract name: freed with the socket, so a respawn can take it. */
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "dmabuf-stress.%d.%d",
		     (int)g.parent, w);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void op_send(struct thr *t)
{
	struct ldma_meta meta[SEND_MAX];
	int fds[SEND_MAX], slots[SEND_MAX], n = 0, i, sock, ret, want;
	struct sockaddr_un sa;
	socklen_t len;

	want = 1 + (int)rnd_below(t, SEND_MAX);
	for (i = 0; i < SLOTS && n < want; i++) {
		const struct buf *b = &t->b[i];

		if (b->fd < 0 || b->state != ST_PAT)
			continue;
		memset(&meta[n], 0, sizeof(meta[n]));
		meta[n].size = b->size;
		snprintf(meta[n].heap, sizeof(meta[n].heap), "%s", heap_name(b));
		fds[n] = b->fd;
		slots[n++] = i;
	}
	if (!n) {
		op_cpu_write(t);
		return;
	}
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		unexpected(t, "socket", -errno, "AF_UNIX stream");
		return;
	}
	len = sock_name(&sa, (int)rnd_below(t, g.procs));
	if (connect(sock, (struct sockaddr *)&sa, len) < 0) {
		ret = -errno;
		if (ret == -EAGAIN)
			count(t, C_EAGAIN, 1);	/* its backlog is full */
		else if (peer_gone(ret))
			count(t, C_PEER_GONE, 1);
		else
			unexpected(t, "connect", ret, "%s", sa.sun_path + 1);
		close(sock);
		return;
	}
	ret = ldma_send(sock, fds, meta, (unsigned int)n);
	if (ret) {
		if (ret == -EAGAIN)
			count(t, C_EAGAIN, 1);
		else if (peer_gone(ret))
			count(t, C_PEER_GONE, 1);
		else
			unexpected(t, "ldma_send", ret, "%d fds", n);
		close(sock);
		return;
	}
	count(t, C_MSG_SENT, 1);
	count(t, C_FDS_SENT, (uint64_t)n);
	/* The receiver owns them now. */
	for (i = 0; i < n; i++) {
		close(t->b[slots[i]].fd);
		t->b[slots[i]].fd = -1;
	}
	/* Sometimes keep the connection open a while. */
	if (t->out_sock >= 0)
		close(t->out_sock);
	t->out_sock = -1;
	if (chance(t, 30))
		t->out_sock = sock;
	else
		close(sock);
}

/* Check a received buffer, by the CPU or by a device; keep it or close it. */
static void adopt(struct thr *t, int fd, const struct ldma_meta *meta)
{
	const struct ldma_importer_dev *dev = NULL;
	struct buf b = { .fd = fd, .heap = -1, .state = ST_PAT };
	struct ldma_map *m;
	uint32_t seed, h;
	int i, s, ret, imp;

	for (i = 0; i < g.nheaps; i++)
		if (!strcmp(g.heaps[i].name, meta->heap))
			b.heap = i;
	ret = ldma_buf_size(fd, &b.size);
	if (b.heap < 0 || ret || b.size != meta->size) {
		unexpected(t, "received buffer", ret, "heap '%s' size %" PRIu64 "/%" PRIu64,
			   meta->heap, ret ? 0 : b.size, (uint64_t)meta->size);
		close(fd);
		return;
	}
	/* Word 0 of the pattern is its seed. */
	ret = ldma_map(fd, g.page, LDMA_READ, &m);
	if (ret) {
		unexpected(t, "mmap", ret, "received buffer, heap %s", meta->heap);
		close(fd);
		return;
	}
	count(t, C_CPU_MAP, 1);
	ret = ldma_cpu_begin(fd, LDMA_READ);
	memcpy(&seed, ldma_map_addr(m), sizeof(seed));
	if (!ret)
		ret = ldma_cpu_end(fd, LDMA_READ);
	ldma_unmap(m);
	if (ret) {
		unexpected(t, "cpu_begin/end(read)", ret, "received buffer, heap %s", meta->heap);
		close(fd);
		return;
	}
	b.seed = seed;
	imp = pick_imp(t);
	if (imp >= 0 && chance(t, 35))
		dev = pick_dev(t, true);
	if (dev && !attach_map(t, imp, &b, dev, LDMA_IMPORTER_TO_DEVICE, &h)) {
		device_checksum(t, &b, imp, dev, h);
		unmap_detach(t, imp, h, true);
	} else {
		cpu_check(t, &b, "received buffer");
	}
	s = free_slot(t);
	if (s >= 0 && chance(t, 60)) {
		t->b[s] = b;
		return;
	}
	close(fd);
	count(t, C_CLOSE, 1);
}

/*
 * Read one message from an accepted connection.
 * Return: 1 when the connection is done with, 0 when nothing has arrived yet.
 */
static int take_message(struct thr *t, int sock)
{
	struct ldma_meta meta[LDMA_MAX_FDS];
	int fds[LDMA_MAX_FDS], n, i;

	n = ldma_recv(sock, fds, meta, LDMA_MAX_FDS);
	if (n == -EAGAIN)
		return 0;
	if (peer_gone(n)) {
		/* The sender died (or gave up) before sending. */
		count(t, C_PEER_GONE, 1);
		return 1;
	}
	if (n < 0) {
		unexpected(t, "ldma_recv", n, "stream socket");
		return 1;
	}
	count(t, C_MSG_RECV, 1);
	count(t, C_FDS_RECV, (uint64_t)n);
	for (i = 0; i < n; i++)
		adopt(t, fds[i], &meta[i]);
	return 1;
}

static void op_recv(struct thr *t)
{
	int i, sock, k;

	/* Connections kept earlier: read them now, or give up on them. */
	for (i = 0; i < HELD; i++) {
		if (t->held[i] < 0)
			continue;
		if (take_message(t, t->held[i]) || ++t->held_age[i] > 3 || chance(t, 20)) {
			close(t->held[i]);
			t->held[i] = -1;
		}
	}
	for (k = 0; k < 2; k++) {
		sock = accept4(t->p->lsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (sock < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR)
				unexpected(t, "accept", -errno, "listening socket");
			return;
		}
		i = (int)rnd_below(t, 100);
		if (i < 60) {
			if (!take_message(t, sock)) {
				/* Connected, not sent yet: keep it if there is room. */
				for (i = 0; i < HELD; i++)
					if (t->held[i] < 0)
						break;
				if (i < HELD) {
					t->held[i] = sock;
					t->held_age[i] = 0;
					continue;
				}
			}
			close(sock);
		} else if (i < 80) {
			for (i = 0; i < HELD; i++)
				if (t->held[i] < 0)
					break;
			if (i < HELD) {
				t->held[i] = sock;
				t->held_age[i] = 0;
			} else {
				close(sock);
				count(t, C_CONN_DROPPED, 1);
			}
		} else {
			/* Closed unread: the kernel frees whatever is in flight. */
			close(sock);
			count(t, C_CONN_DROPPED, 1);
		}
	}
}

/* ------------------------------------------------------------------------
 * Workers
 */

static const struct {
	void (*fn)(struct thr *t);
	unsigned int weight;
} ops[] = {
	{ op_alloc, 12 },
	{ op_close, 5 },
	{ op_exhaust, 1 },
	{ op_cpu_write, 12 },
	{ op_cpu_verify, 7 },
	{ op_dev_checksum, 10 },
	{ op_dev_fill, 10 },
	{ op_attach, 5 },
	{ op_vgem, 6 },
	{ op_sync, 7 },
	{ op_send, 9 },
	{ op_recv, 12 },
};

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	unsigned int sum = 0, i, r;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		sum += ops[i].weight;
	while (!stopping()) {
		r = (unsigned int)rnd_below(t, sum);
		for (i = 0; r >= ops[i].weight; i++)
			r -= ops[i].weight;
		ops[i].fn(t);
		count(t, C_OPS, 1);
	}
	for (i = 0; i < SLOTS; i++)
		if (t->b[i].fd >= 0)
			close(t->b[i].fd);
	for (i = 0; i < HELD; i++)
		if (t->held[i] >= 0)
			close(t->held[i]);
	if (t->out_sock >= 0)
		close(t->out_sock);
	/* Lingering attachments go with the file, half of the time. */
	if (t->imp >= 0) {
		while (t->nlinger && chance(t, 50))
			detach_lingering(t, t->nlinger - 1);
		close(t->imp);
	}
	return NULL;
}

static int listen_on(struct proc *p)
{
	struct sockaddr_un sa;
	socklen_t len = sock_name(&sa, p->w);
	int fd, i;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The previous holder of the name is dead and reaped: retry briefly. */
	for (i = 0; bind(fd, (struct sockaddr *)&sa, len) < 0; i++) {
		if (errno != EADDRINUSE || i >= 200) {
			i = -errno;
			close(fd);
			return i;
		}
		sleep_ms(10);
	}
	if (listen(fd, 8) < 0) {
		i = -errno;
		close(fd);
		return i;
	}
	return fd;
}

static int worker_main(int w, int gen)
{
	struct proc p = { .w = w, .gen = gen, .vgem = -1, .imp = -1 };
	struct thr *thr;
	unsigned int i, j, started = 0;
	int ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != g.parent)
		return 1;
	signal(SIGPIPE, SIG_IGN);

	ret = ldma_ctx_new(&p.ctx, NULL);
	if (ret) {
		proc_error(w, gen, "ldma_ctx_new", "%s", strerror(-ret));
		return 1;
	}
	p.lsock = listen_on(&p);
	if (p.lsock < 0) {
		proc_error(w, gen, "listen", "%s", strerror(-p.lsock));
		return 1;
	}
	if (g.vgem) {
		p.vgem = cv_vgem_open();
		if (p.vgem < 0) {
			proc_error(w, gen, "vgem open", "%s", strerror(-p.vgem));
			return 1;
		}
	}
	if (g.ndevs) {
		p.imp = ldma_importer_open(NULL);
		if (p.imp < 0) {
			proc_error(w, gen, "importer open", "%s", strerror(-p.imp));
			return 1;
		}
	}
	thr = calloc(g.threads, sizeof(*thr));
	if (!thr) {
		proc_error(w, gen, "calloc", "threads");
		return 1;
	}
	for (i = 0; i < g.threads; i++) {
		struct thr *t = &thr[i];

		t->p = &p;
		t->idx = (int)i;
		t->rng = cv_seed(g.seed ^ ((uint64_t)w << 48) ^ ((uint64_t)gen << 24) ^ i);
		for (j = 0; j < SLOTS; j++)
			t->b[j].fd = -1;
		for (j = 0; j < HELD; j++)
			t->held[j] = -1;
		t->out_sock = -1;
		t->imp = g.ndevs ? ldma_importer_open(NULL) : -1;
		if (g.ndevs && t->imp < 0) {
			proc_error(w, gen, "importer open", "%s", strerror(-t->imp));
			break;
		}
		t->scratch = malloc(CHUNK);
		if (!t->scratch) {
			proc_error(w, gen, "malloc", "scratch");
			break;
		}
		ret = pthread_create(&t->tid, NULL, thread_main, t);
		if (ret) {
			proc_error(w, gen, "pthread_create", "%s", strerror(ret));
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(thr[i].tid, NULL);
	if (started < g.threads)
		return 1;
	return 0;
}

/* ------------------------------------------------------------------------
 * Parent
 */

struct worker {
	pid_t pid;		/* 0: not running */
	int gen;		/* incremented at every respawn */
	double respawn_at;	/* killed, to be started again then (0: no) */
};

static struct worker workers[MAX_PROCS];
static unsigned int kills, respawns;

static int spawn(unsigned int w)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		proc_error((int)w, workers[w].gen, "fork", "%s", strerror(errno));
		workers[w].pid = 0;
		return -errno;
	}
	if (!pid)
		_exit(worker_main((int)w, workers[w].gen));
	workers[w].pid = pid;
	return 0;
}

static int worker_of(pid_t pid)
{
	unsigned int w;

	for (w = 0; w < g.procs; w++)
		if (workers[w].pid == pid)
			return (int)w;
	return -1;
}

static void describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status %#x", status);
}

/* A worker that ended by itself while it should be running. */
static void reap_early(void)
{
	char why[64];
	pid_t pid;
	int st, w;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		w = worker_of(pid);
		if (w < 0)
			continue;
		describe(st, why, sizeof(why));
		proc_error(w, workers[w].gen, "worker", "ended on its own: %s", why);
		workers[w].pid = 0;
		workers[w].gen++;
		spawn((unsigned int)w);
	}
}

static void kill_one(uint64_t *rng)
{
	unsigned int w = (unsigned int)(cv_rand(rng) % g.procs);
	char why[64];
	int st;

	if (!workers[w].pid)
		return;
	kill(workers[w].pid, SIGKILL);
	if (waitpid(workers[w].pid, &st, 0) < 0) {
		proc_error((int)w, workers[w].gen, "waitpid", "%s", strerror(errno));
	} else if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
		describe(st, why, sizeof(why));
		proc_error((int)w, workers[w].gen, "worker", "ended before the kill: %s", why);
	}
	kills++;
	workers[w].pid = 0;
	workers[w].gen++;
	/* A while without a listener: senders meet ECONNREFUSED meanwhile. */
	workers[w].respawn_at = cv_now() + (double)(cv_rand(rng) % (RESPAWN_MAX_MS + 1)) / 1000.0;
}

/* Start the killed workers whose time has come (all of them if @all). */
static void respawn_due(bool all)
{
	double t = cv_now();
	unsigned int w;

	for (w = 0; w < g.procs; w++) {
		if (workers[w].pid || !workers[w].respawn_at ||
		    (!all && t < workers[w].respawn_at))
			continue;
		workers[w].respawn_at = 0;
		if (!spawn(w))
			respawns++;
	}
}

/* Tell the workers to stop and wait for them; false if one would not. */
static bool stop_all(void)
{
	double deadline = cv_now() + STOP_SECONDS;
	bool ok = true;
	unsigned int w, left;
	char why[64];
	pid_t pid;
	int st, i;

	__atomic_store_n(&g.shm->stop, 1, __ATOMIC_RELEASE);
	for (;;) {
		left = 0;
		for (w = 0; w < g.procs; w++)
			left += workers[w].pid != 0;
		if (!left)
			break;
		pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			i = worker_of(pid);
			if (i < 0)
				continue;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				describe(st, why, sizeof(why));
				proc_error(i, workers[i].gen, "worker", "stopped with %s", why);
			}
			workers[i].pid = 0;
			continue;
		}
		if (cv_now() > deadline) {
			for (w = 0; w < g.procs; w++) {
				if (!workers[w].pid)
					continue;
				proc_error((int)w, workers[w].gen, "worker",
					   "did not stop within %d s", STOP_SECONDS);
				kill(workers[w].pid, SIGKILL);
				waitpid(workers[w].pid, &st, 0);
				workers[w].pid = 0;
			}
			ok = false;
			break;
		}
		sleep_ms(10);
	}
	return ok;
}

/* Buffers of the heaps used here that exist anywhere (debugfs bufinfo). */
static int count_buffers(void)
{
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "re");
	char *line = NULL, *fld[5], *p;
	size_t cap = 0;
	int n = 0, i, k;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		/* size flags mode count exp_name ino name */
		for (p = line, k = 0; k < 5 && p; k++) {
			fld[k] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (k < 5 || !p)
			continue;
		for (i = 0; i < g.nheaps; i++)
			if (!strcmp(fld[4], g.heaps[i].name))
				n++;
	}
	free(line);
	fclose(f);
	return n;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct ldma_importer_dev *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static int discover(void)
{
	char names[MAX_HEAPS][64];
	struct ldma_importer_dev *list = NULL;
	int n, i, imp, vgem;
	uint64_t cached;

	n = cv_heap_names(names, MAX_HEAPS);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct heap *h = &g.heaps[g.nheaps];

		if (cv_is_carveout(names[i])) {
			h->carveout = true;
			if (cv_sysfs_u64(names[i], "size", &h->size) ||
			    cv_sysfs_u64(names[i], "cached", &cached))
				continue;
			h->cached = cached != 0;
		} else if (strcmp(names[i], "system")) {
			continue;
		}
		snprintf(h->name, sizeof(h->name), "%.63s", names[i]);
		g.nheaps++;
	}
	imp = ldma_importer_open(NULL);
	if (imp >= 0) {
		n = ldma_importer_list(imp, &list);
		close(imp);
		for (i = 0; i < n && g.ndevs < MAX_DEVS; i++) {
			g.devs[g.ndevs++] = list[i];
			if (dev_moves_data(&list[i]))
				g.nxfer++;
		}
		free(list);
		qsort(g.devs, g.ndevs, sizeof(g.devs[0]), cmp_dev);
	}
	vgem = cv_vgem_open();
	if (vgem >= 0) {
		g.vgem = true;
		close(vgem);
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: stress_test [--seconds N] [--procs P] [--threads T] [--seed S] [--no-kill]\n"
		"  --seconds N  how long to stress (default 5)\n"
		"  --procs P    worker processes (default 3, at most %d)\n"
		"  --threads T  threads per worker (default 3, at most %d)\n"
		"  --seed S     seed of every random choice (default: random, printed)\n"
		"  --no-kill    do not SIGKILL and respawn workers\n"
		"Output is KTAP on stdout.\n", MAX_PROCS, MAX_THREADS);
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *v > max || s[0] == '-')
		return -EINVAL;
	return 0;
}

static int parse_args(int argc, char **argv, bool *have_seed)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 'S' },
		{ "no-kill", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_uint(optarg, 86400, &v) || !v)
				return -EINVAL;
			g.seconds = (unsigned int)v;
			break;
		case 'p':
			if (parse_uint(optarg, MAX_PROCS, &v) || !v)
				return -EINVAL;
			g.procs = (unsigned int)v;
			break;
		case 't':
			if (parse_uint(optarg, MAX_THREADS, &v) || !v)
				return -EINVAL;
			g.threads = (unsigned int)v;
			break;
		case 'S':
			if (parse_uint(optarg, UINT64_MAX, &v))
				return -EINVAL;
			g.seed = v;
			*have_seed = true;
			break;
		case 'k':
			g.kill = false;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

static void print_log(void)
{
	int n = __atomic_load_n(&g.shm->nlog, __ATOMIC_ACQUIRE), i;

	for (i = 0; i < n && i < LOG_MAX; i++) {
		const struct logent *e = &g.shm->log[i];
		char who[48];

		if (!__atomic_load_n(&e->valid, __ATOMIC_ACQUIRE))
			continue;
		if (e->w < 0)
			snprintf(who, sizeof(who), "parent");
		else if (e->thr < 0)
			snprintf(who, sizeof(who), "worker %d.%d", e->w, e->gen);
		else
			snprintf(who, sizeof(who), "worker %d.%d thread %d", e->w, e->gen, e->thr);
		if (e->err)
			ksft_print_msg("%s: %s: %s: %s (%d): %s\n", who, e->kind, e->op,
				       strerror(-e->err), e->err, e->msg);
		else
			ksft_print_msg("%s: %s: %s: %s\n", who, e->kind, e->op, e->msg);
	}
	if (n > LOG_MAX)
		ksft_print_msg("... and %d more\n", n - LOG_MAX);
}

static void result(bool ok, const char *name)
{
	ksft_test_result(ok, "%s\n", name);
}

static void skip(const char *name, const char *why)
{
	ksft_test_result_skip("%s: %s\n", name, why);
}

int main(int argc, char **argv)
{
	double t_start = cv_now(), t_run, t_stress;
	uint64_t prng, v, free_b, largest, peak, failures;
	int baseline, bufs = -1, midrun = -1, i, ret;
	bool have_seed = false, stopped, heaps_ok = true;
	unsigned int w;
	char rerun[160];

	setvbuf(stdout, NULL, _IOLBF, 0);
	g.seconds = 5;
	g.procs = 3;
	g.threads = 3;
	g.kill = true;
	if (parse_args(argc, argv, &have_seed)) {
		usage(stderr);
		return 2;
	}
	if (!have_seed && getrandom(&g.seed, sizeof(g.seed), 0) != sizeof(g.seed))
		g.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	g.parent = getpid();
	g.page = cv_page_size();
	g.max_pages = MAX_SIZE / g.page ? MAX_SIZE / g.page : 1;
	snprintf(rerun, sizeof(rerun), "stress_test --seed %" PRIu64 " --seconds %u --procs %u --threads %u%s",
		 g.seed, g.seconds, g.procs, g.threads, g.kill ? "" : " --no-kill");

	ksft_print_header();
	ksft_print_msg("stress_test: %u s, %u process(es) x %u thread(s), seed %" PRIu64 "%s\n",
		       g.seconds, g.procs, g.threads, g.seed, g.kill ? ", killing workers" : "");
	ksft_print_msg("rerun: %s\n", rerun);

	ret = discover();
	if (ret || !g.nheaps)
		ksft_exit_skip("no heap to stress (%s)\n", ret ? strerror(-ret) : "none found");
	for (i = 0; i < g.nheaps; i++)
		if (g.heaps[i].carveout)
			ksft_print_msg("heap %s: carveout, %s, %" PRIu64 " bytes\n", g.heaps[i].name,
				       g.heaps[i].cached ? "cached" : "uncached", g.heaps[i].size);
		else
			ksft_print_msg("heap %s: mainline\n", g.heaps[i].name);
	for (i = 0; i < g.ndevs; i++)
		ksft_print_msg("importer device %u: %s %s flags %#x%s\n", g.devs[i].index,
			       ldma_importer_role_name(g.devs[i].role), g.devs[i].name, g.devs[i].flags,
			       dev_moves_data(&g.devs[i]) ? "" : " (attach and map only)");
	if (!g.ndevs)
		ksft_print_msg("no importer devices: device operations fall back to the CPU\n");
	ksft_print_msg("vgem: %s; page size %zu\n", g.vgem ? "yes" : "no (vgem operations skipped)",
		       g.page);
	baseline = count_buffers();

	g.shm = mmap(NULL, sizeof(*g.shm), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g.shm == MAP_FAILED)
		ksft_exit_fail_msg("mmap of the shared counters: %s\n", strerror(errno));
	ksft_set_plan(5);

	prng = cv_seed(g.seed ^ 0x5bd1e995ULL);
	for (w = 0; w < g.procs; w++)
		spawn(w);
	t_stress = cv_now();
	{
		double end = t_stress + g.seconds, mid = t_stress + g.seconds / 2.0, next_kill, t;
		unsigned int first = KILL_MIN_MS + (unsigned int)(cv_rand(&prng) %
					(KILL_MAX_MS - KILL_MIN_MS + 1));

		/* At least one kill whenever the run lasts more than a moment. */
		if (first > g.seconds * 500)
			first = g.seconds * 500;
		next_kill = t_stress + first / 1000.0;
		while ((t = cv_now()) < end) {
			reap_early();
			respawn_due(false);
			if (mid && t >= mid) {
				/* Shows that the final count would see buffers. */
				midrun = count_buffers();
				mid = 0;
			}
			if (g.kill && t >= next_kill) {
				kill_one(&prng);
				next_kill = cv_now() + (KILL_MIN_MS + cv_rand(&prng) %
					    (KILL_MAX_MS - KILL_MIN_MS + 1)) / 1000.0;
			}
			sleep_ms(10);
		}
	}
	respawn_due(true);
	stopped = stop_all();
	t_stress = cv_now() - t_stress;

	/* Figures */
	ksft_print_msg("stressed for %.1f s (asked %u s) with %u process(es) x %u thread(s)\n",
		       t_stress, g.seconds, g.procs, g.threads);
	ksft_print_msg("operations: %" PRIu64 "\n", total(C_OPS));
	ksft_print_msg("  allocations %" PRIu64 ", ENOMEM/ENOSPC from a full heap %" PRIu64
		       ", closes %" PRIu64 ", heaps filled up %" PRIu64 "\n", total(C_ALLOC),
		       total(C_ENOMEM), total(C_CLOSE), total(C_EXHAUST));
	ksft_print_msg("  cpu: mmaps %" PRIu64 ", pattern writes %" PRIu64 ", verifies %" PRIu64
		       ", zero checks of new buffers %" PRIu64 "\n", total(C_CPU_MAP),
		       total(C_CPU_WRITE), total(C_CPU_VERIFY), total(C_ZERO_CHECK));
	ksft_print_msg("  bytes checked (cpu and device): %" PRIu64 " MiB\n",
		       total(C_BYTES_CHECKED) >> 20);
	ksft_print_msg("  vgem: imports %" PRIu64 ", fences %" PRIu64 "\n", total(C_VGEM_IMPORT),
		       total(C_VGEM_FENCE));
	ksft_print_msg("  importer: attaches %" PRIu64 ", maps %" PRIu64 ", device checksums %" PRIu64
		       ", device fills %" PRIu64 ", sync brackets %" PRIu64 ", left attached %" PRIu64
		       ", EXDEV %" PRIu64 ", ENXIO %" PRIu64 ", refused beyond reach %" PRIu64 "\n", total(C_IMP_ATTACH),
		       total(C_IMP_MAP), total(C_DEV_CHECKSUM), total(C_DEV_FILL), total(C_IMP_SYNC),
		       total(C_IMP_LINGER), total(C_EXDEV), total(C_ENXIO), total(C_ERANGE));
	ksft_print_msg("  sync_file: exports %" PRIu64 ", imports %" PRIu64 ", waits %" PRIu64 "\n",
		       total(C_SYNC_EXPORT), total(C_SYNC_IMPORT), total(C_SYNC_WAIT));
	ksft_print_msg("  fd passing: messages sent %" PRIu64 " received %" PRIu64 ", fds sent %" PRIu64
		       " received %" PRIu64 ", connections closed unread %" PRIu64 "\n",
		       total(C_MSG_SENT), total(C_MSG_RECV), total(C_FDS_SENT), total(C_FDS_RECV),
		       total(C_CONN_DROPPED));
	ksft_print_msg("  peer gone (ECONNREFUSED/ECONNRESET/EPIPE) %" PRIu64 ", EAGAIN %" PRIu64 "\n",
		       total(C_PEER_GONE), total(C_EAGAIN));
	ksft_print_msg("processes killed %u, respawned %u%s\n", kills, respawns,
		       g.kill ? "" : " (--no-kill)");
	ksft_print_msg("unexpected errors %" PRIu64 ", data corruptions %" PRIu64 "\n",
		       total(C_UNEXPECTED), total(C_CORRUPT));
	print_log();

	result(stopped && !total(C_UNEXPECTED) && total(C_OPS) > 0,
	       "workers_ran_without_unexpected_errors");
	result(!total(C_CORRUPT) && total(C_BYTES_CHECKED) > 0, "no_data_corruption");
	if (g.kill)
		result(kills > 0 && respawns == kills, "kill_phase_ran");
	else
		skip("kill_phase_ran", "--no-kill");

	/* Every carveout heap back at zero used, and in one piece. */
	for (i = 0; i < g.nheaps; i++) {
		const char *n = g.heaps[i].name;

		if (!g.heaps[i].carveout)
			continue;
		ret = cv_wait_idle(n);
		free_b = largest = peak = failures = 0;
		if (cv_sysfs_u64(n, "free", &free_b) || cv_sysfs_u64(n, "size", &v) ||
		    cv_sysfs_u64(n, "largest_free", &largest))
			ret = ret ? ret : -EIO;
		cv_stat(n, "peak", &peak);
		cv_stat(n, "alloc_failures", &failures);
		ksft_print_msg("heap %s: %s, free %" PRIu64 " of %" PRIu64 ", largest free extent %" PRIu64
			       ", peak use %" PRIu64 ", allocation failures %" PRIu64 "\n", n,
			       ret ? "NOT IDLE" : "idle", free_b, g.heaps[i].size, largest, peak, failures);
		if (ret || free_b != g.heaps[i].size || largest != g.heaps[i].size)
			heaps_ok = false;
	}
	result(heaps_ok, "carveout_heaps_back_to_zero_used");

	/* No buffer of these heaps anywhere (in flight ones included). */
	if (baseline >= 0) {
		for (i = 0; i < 500; i++) {
			bufs = count_buffers();
			if (bufs <= baseline)
				break;
			sleep_ms(10);
		}
		ksft_print_msg("dma-bufs of these heaps: %d before, %d mid-run, %d after\n", baseline,
			       midrun, bufs);
		result(bufs >= 0 && bufs <= baseline, "no_dma_buf_left_behind");
	} else {
		skip("no_dma_buf_left_behind", "no debugfs bufinfo");
	}

	t_run = cv_now() - t_start;
	ksft_print_msg("rerun: %s\n", rerun);
	ksft_print_msg("total time %.1f s\n", t_run);
	ksft_finished();
}
