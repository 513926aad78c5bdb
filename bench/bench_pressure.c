// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_bench: 8 MiB allocations against what makes CMA slow or fail on
 * a real system. Every adversary first leaves little free memory (an
 * mlock()ed hog), so that the page allocator puts movable pages in the
 * CMA area, as after some uptime; then:
 *
 *   mlock      nothing more: the hog's pages, migratable
 *   movable    anonymous memory filling the CMA area
 *   vmsplice   the same, with one CMA page in 16 spliced into a pipe,
 *              which holds a reference that migration cannot drop
 *   odirect    O_DIRECT reads in flight into one CMA page in 16 (the
 *              bench disk, throttled by QEMU): pinned while the I/O runs
 *
 * For the last two the hog is the same process, so that the pages spread
 * over the whole area, the hog's as well as the filler's, can be pinned.
 *   writeback  dirty page cache of a file on the bench disk, written
 *              back at the disk's throttled rate while CMA migrates it
 *
 * The CMA heap and every carveout heap get the same interleaved
 * attempts; each attempt is the allocation ioctl alone, timed, then a
 * close. The disk is --disk DIR (a mounted filesystem) and --blockdev
 * DEV; without them the two disk adversaries are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define ADV_READERS	4
#define ADV_PIN_STRIDE	16	/* pin one CMA page in this many */
#define ADV_MAX_PINS	1024	/* per pipe or per reader */
/*
 * The fillers stop when this much is left. The page allocator takes
 * movable pages from the CMA area only while more of it is free than of
 * the rest, so the area fills only as far as free memory goes down.
 */
#define ADV_FLOOR_KB	(32 * 1024)
/* ... and when this much is left outside the area, near its watermarks */
#define ADV_FLOOR_OUTSIDE_KB	(12 * 1024)

struct cma_area {
	uint64_t first_pfn;
	uint64_t pages;
};

struct adversary {
	const char *name;
	const char *what;
	int needs_disk;
	int hogs;		/* its setup mlock()s the hog itself */
	int (*setup)(void *arg);
	int (*work)(void *arg);
};

struct adv_arg {
	struct bench_ctx *b;
	struct cma_area cma;
	uint64_t hog;		/* bytes the hog mlock()s */
	uint8_t *hog_mem;	/* the hog, when the adversary is the hog too */
	uint8_t *mem;		/* the filler's memory */
	size_t len;
	int fd;			/* writeback: the file */
};

struct adv_reader {
	struct adv_arg *a;
	int index;
};

static uint64_t meminfo_kb(const char *key)
{
	char line[128], name[64];
	unsigned long long kb;
	FILE *f = fopen("/proc/meminfo", "re");
	uint64_t val = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %llu kB", name, &kb) == 2 &&
		    !strcmp(name, key)) {
			val = kb;
			break;
		}
	fclose(f);
	return val;
}

/*
 * Where the default CMA area is, from the kernel log ("cma: Reserved
 * 64 MiB at 0x..."), which every kernel prints, with or without
 * CONFIG_CMA_DEBUGFS.
 */
static int cma_find(struct cma_area *cma)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	unsigned long long mib, base;
	char *log, *p;
	int ret = -ENOENT;

	if (len <= 0)
		return -errno;
	log = malloc((size_t)len + 1);
	if (!log)
		return -ENOMEM;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, len);
	if (len < 0) {
		free(log);
		return -errno;
	}
	log[len] = '\0';
	for (p = log; (p = strstr(p, "cma: Reserved ")); p++) {
		if (sscanf(p, "cma: Reserved %llu MiB at %llx", &mib, &base) == 2) {
			cma->first_pfn = base / cv_page_size();
			cma->pages = (mib << 20) / cv_page_size();
			ret = 0;
		}
	}
	free(log);
	return ret;
}


/*
 * Too little left to go on: in all, or outside the CMA area, which the
 * allocations that may not use it (and, as seen with 64 KiB pages, some
 * that may) need.
 */
static int low_memory(void)
{
	uint64_t free_kb = meminfo_kb("MemFree"), cma_kb = meminfo_kb("CmaFree");

	return meminfo_kb("MemAvailable") < ADV_FLOOR_KB ||
	       free_kb < cma_kb + ADV_FLOOR_OUTSIDE_KB;
}

static int in_cma(const struct cma_area *cma, uint64_t pfn)
{
	return pfn >= cma->first_pfn && pfn - cma->first_pfn < cma->pages;
}

/* The hog: @bytes mlock()ed, so that little is free for anyone else. */
static int hog_setup(void *arg)
{
	struct adv_arg *a = arg;
	void *p = mmap(NULL, a->hog, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED || mlock(p, a->hog))
		return -1;
	a->hog_mem = p;
	return 0;
}

static int wait_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

/*
 * Anonymous memory, 1 MiB at a time, until the CMA area is nearly full or
 * what is left would be too little to run (possibly nothing, when the hog
 * already took the area). Pages stay resident: nothing swaps here.
 */
static int fill_cma(struct adv_arg *a)
{
	size_t step = 1 * MiB, max = 256 * MiB + meminfo_kb("CmaTotal") * KiB;

	a->mem = mmap(NULL, max, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	a->len = 0;
	if (a->mem == MAP_FAILED)
		return -1;
	for (a->len = 0; a->len < max; a->len += step) {
		if (meminfo_kb("CmaFree") < 8 * 1024 || low_memory())
			break;
		memset(a->mem + a->len, 0x6b, step);
	}
	/* Nothing to add when the hog already filled the area. */
	return 0;
}

/* The hog and the filler in one process: their pages can both be pinned. */
static int hog_and_fill(struct adv_arg *a)
{
	return hog_setup(a) || fill_cma(a) ? -1 : 0;
}

static int movable_setup(void *arg)
{
	return fill_cma(arg);
}

struct cma_scan {
	const struct cma_area *cma;
	struct iovec *iov;
	size_t n, max, seen, first, stride;
};

/*
 * Add the pages of [@mem, @mem + @len) that lie in the CMA area, one in
 * @scan->stride of them, reading /proc/self/pagemap (root only) a few
 * thousand entries at a time.
 */
static void cma_scan(int pagemap, struct cma_scan *scan, uint8_t *mem,
		     size_t len)
{
	size_t pg = cv_page_size(), pages = len / pg, i, k, chunk;
	uint64_t e[4096];

	for (i = 0; i < pages && scan->n < scan->max; i += chunk) {
		chunk = pages - i < 4096 ? pages - i : 4096;
		if (pread(pagemap, e, chunk * sizeof(e[0]),
			  (off_t)((uintptr_t)(mem + i * pg) / pg * sizeof(e[0]))) !=
		    (ssize_t)(chunk * sizeof(e[0])))
			return;
		for (k = 0; k < chunk && scan->n < scan->max; k++) {
			if (!(e[k] >> 63) ||
			    !in_cma(scan->cma, e[k] & ((1ULL << 55) - 1)))
				continue;
			if (scan->seen++ % scan->stride != scan->first)
				continue;
			scan->iov[scan->n].iov_base = mem + (i + k) * pg;
			scan->iov[scan->n].iov_len = pg;
			scan->n++;
		}
	}
}

/* The hog's and the filler's pages in the CMA area, one in @stride. */
static size_t cma_pages(struct adv_arg *a, struct iovec *iov, size_t max,
			size_t first, size_t stride)
{
	struct cma_scan scan = { .cma = &a->cma, .iov = iov, .max = max,
				 .first = first, .stride = stride };
	int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (pagemap < 0)
		return 0;
	if (a->hog_mem)
		cma_scan(pagemap, &scan, a->hog_mem, a->hog);
	cma_scan(pagemap, &scan, a->mem, a->len);
	close(pagemap);
	return scan.n;
}

static int vmsplice_setup(void *arg)
{
	struct adv_arg *a = arg;
	struct iovec *iov;
	int fds[2], ret = -1;
	size_t n, i;

	if (hog_and_fill(a) || pipe2(fds, O_CLOEXEC))
		return -1;
	iov = calloc(ADV_MAX_PINS, sizeof(*iov));
	if (!iov)
		return -1;
	n = cma_pages(a, iov, ADV_MAX_PINS, 0, ADV_PIN_STRIDE);
	/* root may size a pipe past pipe-max-size */
	if (n && fcntl(fds[1], F_SETPIPE_SZ, (int)(n * cv_page_size())) >= 0) {
		for (i = 0; i < n; i++)
			if (vmsplice(fds[1], &iov[i], 1, 0) != (ssize_t)iov[i].iov_len)
				break;
		ret = i == n ? 0 : -1;
	}
	free(iov);
	/* The pipe stays open, and so do the references, until the kill. */
	return ret;
}

/*
 * A reader thread: O_DIRECT reads from the bench disk into its share of
 * the CMA pages (one in ADV_PIN_STRIDE, every ADV_READERS-th of those),
 * back to back, so that those pages are pinned nearly all the time.
 */
static void *odirect_reader(void *arg)
{
	struct adv_reader *r = arg;
	size_t max = ADV_MAX_PINS / ADV_READERS, n;
	struct iovec *iov = calloc(max, sizeof(*iov));
	int fd = open(r->a->b->opts.blockdev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	off_t pos = 0;

	if (!iov || fd < 0)
		return NULL;
	n = cma_pages(r->a, iov, max, (size_t)r->index,
		      ADV_PIN_STRIDE * ADV_READERS);
	while (n) {
		ssize_t got = preadv(fd, iov, (int)n, pos);

		pos = got > 0 && pos < 128 * (off_t)MiB ? pos + got : 0;
	}
	return NULL;
}

static int odirect_setup(void *arg)
{
	struct adv_arg *a = arg;
	struct iovec iov[1];
	int fd;

	if (hog_and_fill(a) || !cma_pages(a, iov, 1, 0, 1))
		return -1;
	fd = open(a->b->opts.blockdev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int odirect_work(void *arg)
{
	static struct adv_reader readers[ADV_READERS];
	pthread_t t;
	int i;

	for (i = 0; i < ADV_READERS; i++) {
		readers[i].a = arg;
		readers[i].index = i;
		if (pthread_create(&t, NULL, odirect_reader, &readers[i]))
			return 1;
	}
	return wait_forever(arg);
}

/*
 * Page cache: a file on the bench disk rewritten in a loop, with
 * writeback started after every pass, so that dirty pages and pages under
 * writeback are always in memory, many of them in the CMA area.
 */
static int writeback_setup(void *arg)
{
	struct adv_arg *a = arg;
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/writeback.dat", a->b->opts.disk);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	a->mem = malloc(1 * MiB);
	if (!a->mem)
		return -1;
	memset(a->mem, 0x77, 1 * MiB);
	/* Fill until the CMA area is nearly full of this file's pages. */
	for (a->len = 0; a->len < 192 * MiB; a->len += 1 * MiB) {
		if (meminfo_kb("CmaFree") < 8 * 1024 || low_memory())
			break;
		if (pwrite(fd, a->mem, 1 * MiB, (off_t)a->len) != (ssize_t)(1 * MiB))
			return -1;
	}
	a->fd = fd;
	return a->len ? 0 : -1;
}

static int writeback_work(void *arg)
{
	struct adv_arg *a = arg;
	size_t off;

	for (;;) {
		for (off = 0; off < a->len; off += 1 * MiB) {
			a->mem[0]++;
			if (pwrite(a->fd, a->mem, 1 * MiB, (off_t)off) < 0)
				return 1;
		}
		sync_file_range(a->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	}
	return 0;
}

static const struct adversary adversaries[] = {
	{ "mlock", "mlock()ed anonymous memory", 0, 0, NULL, NULL },
	{ "movable", "anonymous memory filling the CMA area", 0, 0,
	  movable_setup, wait_forever },
	{ "vmsplice", "1 CMA page in 16 spliced into a pipe", 0, 1,
	  vmsplice_setup, wait_forever },
	{ "odirect", "O_DIRECT reads in flight into 1 CMA page in 16", 1, 1,
	  odirect_setup, odirect_work },
	{ "writeback", "dirty page cache under writeback", 1, 0,
	  writeback_setup, writeback_work },
};

#define NADV (sizeof(adversaries) / sizeof(adversaries[0]))

unsigned int bench_pressure_cases(void)
{
	return NADV;
}

static void kill_all(pid_t *pids, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		if (pids[i] <= 0)
			continue;
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		pids[i] = 0;
	}
}

/* The hog, then @adv's process: 0 when both are in place. */
static int start(const struct adversary *adv, struct adv_arg *arg,
		 pid_t *pids)
{
	if (!adv->hogs)
		pids[0] = cv_spawn(hog_setup, wait_forever, arg);
	if (!adv->hogs && pids[0] <= 0)
		return -1;
	if (adv->setup)
		pids[1] = cv_spawn(adv->setup, adv->work, arg);
	return adv->setup && pids[1] <= 0 ? -1 : 0;
}

struct attempts {
	uint64_t *ns;
	size_t n;
	int good;
};

static void measure(struct bench_ctx *b, int tries, struct attempts *at)
{
	int h, i;

	for (i = 0; i < tries; i++) {
		for (h = 0; h < b->nheaps; h++) {
			const struct bench_heap *hp = &b->heaps[h];
			uint64_t t0;
			int fd;

			if (!strcmp(hp->kind, "system"))
				continue;
			t0 = cv_now_ns();
			fd = ldma_heap_ioctl_alloc(hp->fd, 8 * MiB, O_RDWR | O_CLOEXEC);
			at[h].ns[at[h].n++] = cv_now_ns() - t0;
			if (fd >= 0) {
				at[h].good++;
				close(fd);
			}
		}
	}
}

static void report(struct bench_ctx *b, const struct adversary *adv,
		   struct attempts *at, uint64_t cma_used, int *first)
{
	int h, f = 1;

	fprintf(b->opts.json, "%s\n    {\"adversary\": \"%s\", \"what\": \"%s\", "
		"\"cma_used\": %llu, \"heaps\": {", *first ? "" : ",", adv->name,
		adv->what, (unsigned long long)cma_used);
	*first = 0;
	for (h = 0; h < b->nheaps; h++) {
		uint64_t p50, p99, max;

		if (!at[h].n)
			continue;
		bench_sort(at[h].ns, at[h].n);
		p50 = bench_pct(at[h].ns, at[h].n, 50);
		p99 = bench_pct(at[h].ns, at[h].n, 99);
		max = at[h].ns[at[h].n - 1];
		printf("  %-10s %-10s %3d/%-3zu %10.0f %10.0f %10.0f\n", adv->name,
		       b->heaps[h].name, at[h].good, at[h].n, p50 / 1000.0,
		       p99 / 1000.0, max / 1000.0);
		fprintf(b->opts.json, "%s\"%s\": {\"attempts\": %zu, \"success\": %d, "
			"\"p50_ns\": %llu, \"p99_ns\": %llu, \"max_ns\": %llu}",
			f ? "" : ", ", b->heaps[h].name, at[h].n, at[h].good,
			(unsigned long long)p50, (unsigned long long)p99,
			(unsigned long long)max);
		f = 0;
	}
	fputs("}}", b->opts.json);
}

/*
 * One adversary: 1 ran, 0 skipped (reason printed and in @why). An
 * adversary that cannot be set up (its memory never reached the CMA area,
 * say) is skipped, not measured.
 */
static int run_one(struct bench_ctx *b, const struct adversary *adv,
		   const struct cma_area *cma, int *first, const char **why)
{
	int tries = b->opts.quick ? 2 : 20, h, ret = 0;
	uint64_t avail = meminfo_kb("MemAvailable") * 1024, cma_used, cma_free;
	struct attempts at[BENCH_MAX_HEAPS];
	struct adv_arg arg = { .b = b, .cma = *cma };
	pid_t pids[2] = { 0 };

	if (adv->needs_disk && (!b->opts.disk || !b->opts.blockdev)) {
		*why = "no bench disk (--disk, --blockdev)";
		printf("  %-10s skipped: %s\n", adv->name, *why);
		return 0;
	}
	if (adv->setup && !cma->pages) {
		*why = "no CMA area found in the kernel log";
		printf("  %-10s skipped: %s\n", adv->name, *why);
		return 0;
	}
	/*
	 * Leave the CMA area and 128 MiB: the hog takes memory outside the
	 * area only (64 MiB with 4 KiB pages; 512 MiB with 64 KiB pages,
	 * where the area is a whole pageblock).
	 */
	cma_free = meminfo_kb("CmaFree") * KiB;
	arg.hog = avail > cma_free + 320 * MiB ? avail - cma_free - 128 * MiB : 0;
	if (!arg.hog) {
		*why = "too little memory";
		printf("  %-10s skipped: only %llu MiB available\n", adv->name,
		       (unsigned long long)(avail / MiB));
		return 0;
	}
	memset(at, 0, sizeof(at));
	for (h = 0; h < b->nheaps; h++)
		at[h].ns = calloc((size_t)tries, sizeof(uint64_t));
	if (start(adv, &arg, pids)) {
		*why = "could not be set up (its memory did not reach the CMA area?)";
		printf("  %-10s skipped: %s\n", adv->name, *why);
		goto out;
	}
	if (adv->needs_disk)
		sleep(2);	/* let the I/O get going */
	cma_used = (meminfo_kb("CmaTotal") - meminfo_kb("CmaFree")) * 1024;
	measure(b, tries, at);
	report(b, adv, at, cma_used, first);
	ret = 1;
out:
	kill_all(pids, 2);
	for (h = 0; h < b->nheaps; h++)
		free(at[h].ns);
	return ret;
}

void bench_pressure(struct bench_ctx *b)
{
	struct cma_area cma = { 0 };
	unsigned int i;
	int first = 1, ret;

	printf("\nAdversaries of CMA: 8 MiB allocations, success and ioctl latency (us)\n");
	printf("  %-10s %-10s %7s %10s %10s %10s\n", "adversary", "heap", "ok",
	       "p50", "p99", "max");
	ret = cma_find(&cma);
	if (ret)
		printf("  no CMA area in the kernel log (%s): pins are not placed\n",
		       strerror(-ret));
	bench_json_key(b, "adversaries");
	fputc('[', b->opts.json);
	for (i = 0; i < NADV; i++) {
		const struct adversary *adv = &adversaries[i];
		const char *why = "";
		char name[48];

		ret = run_one(b, adv, &cma, &first, &why);
		snprintf(name, sizeof(name), "cma_adversary_%s", adv->name);
		if (b->opts.quick)
			bench_ktap(ret > 0, name, why);
	}
	fputs("\n  ]", b->opts.json);
}
