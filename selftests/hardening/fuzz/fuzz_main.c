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
 *
 * This file is the supervisor: the options, discovery, and a child per
 * target and seed under a watchdog. fuzz.h lists what the others hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dmabuf_importer.h>

#include "kselftest.h"
#include "carveout_util.h"
#include "fuzz.h"

static const char *const target_name[NR_TARGETS] = {
	"heap_ioctl", "dmabuf_ioctl_mmap", "importer_ioctl",
};

uint64_t fz_opt_iters = DEFAULT_ITERS;
int fz_opt_verbose;
size_t fz_pg;
struct heap fz_heaps[MAX_HEAPS];
int fz_nheaps, fz_ncarveout;
struct idev fz_idevs[MAX_DEVS];
int fz_nidev = -1;		/* -1: no importer node */

/* Targets in a child */

static void __attribute__((noreturn)) child(enum target t, uint64_t seed)
{
	uint64_t x = seed ^ (0x9e3779b97f4a7c15ULL * (t + 1));
	uint64_t i;
	int ret;

	fz_rng = cv_seed(x);
	fz_cur_target = target_name[t];
	fz_cur_seed = seed;
	fz_fd_scan_base();
	ret = fz_mem_setup();
	if (!ret)
		ret = fz_heaps_open();
	if (ret) {
		ksft_print_msg("fuzz: %s: setup failed: %s\n", fz_cur_target,
			       strerror(-ret));
		_exit(2);
	}
	fz_misc_setup();

	switch (t) {
	case T_HEAP:
		for (i = 0; i < fz_opt_iters; i++) {
			fz_st->iters++;
			fz_heap_iter();
		}
		break;
	case T_DMABUF:
		fz_dmabuf_pool_setup();
		for (i = 0; i < fz_opt_iters; i++) {
			fz_st->iters++;
			fz_dmabuf_iter();
		}
		break;
	case T_IMPORTER:
		fz_run_importer();
		break;
	default:
		break;
	}
	fz_note("closing every fd");
	fz_close_all();
	/* Everything is closed and unmapped: the heaps must be idle again. */
	for (i = 0; i < (uint64_t)fz_nheaps; i++) {
		uint64_t used = 0, live = 0;

		if (!fz_heaps[i].carveout || !cv_wait_idle(fz_heaps[i].name))
			continue;
		cv_stat(fz_heaps[i].name, "used", &used);
		cv_stat(fz_heaps[i].name, "live_buffers", &live);
		fz_unexpected("heap %s not idle after every fd was closed: used %" PRIu64
			      ", live buffers %" PRIu64, fz_heaps[i].name, used, live);
	}
	fflush(stdout);
	_exit(fz_st->unexpected ? 1 : 0);
}

/* The parent: one child per target and seed, then the heaps' state. */

static struct fz_stats total;

/* Append to @why every carveout heap that does not return to idle. */
static void heaps_idle(char *why, size_t len)
{
	uint64_t used = 0, live = 0;
	size_t n;
	int i;

	for (i = 0; i < fz_nheaps; i++) {
		if (!fz_heaps[i].carveout || !cv_wait_idle(fz_heaps[i].name))
			continue;
		cv_stat(fz_heaps[i].name, "used", &used);
		cv_stat(fz_heaps[i].name, "live_buffers", &live);
		n = strlen(why);
		snprintf(why + n, len - n, "%sheap %.63s not idle: used %" PRIu64
			 ", live buffers %" PRIu64, n ? "; " : "", fz_heaps[i].name,
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
	if (t == T_HEAP && !fz_nheaps) {
		ksft_test_result_skip("%s: no node in /dev/dma_heap\n", name);
		return;
	}
	if (t == T_DMABUF && !fz_ncarveout) {
		ksft_test_result_skip("%s: no carveout heap\n", name);
		return;
	}
	if (t == T_IMPORTER && fz_nidev < 0) {
		ksft_test_result_skip("%s: no /dev/dmabuf_importer\n", name);
		return;
	}
	if (t == T_IMPORTER && !fz_nidev) {
		ksft_test_result_skip("%s: no importer device\n", name);
		return;
	}

	memset(fz_st, 0, sizeof(*fz_st));
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
		if (fz_st->progress != last_p) {
			last_p = fz_st->progress;
			last_t = cv_now();
		} else if (cv_now() - last_t > WATCHDOG_S) {
			hung = true;
			kill(pid, SIGKILL);
			break;
		}
	}
	if (hung) {
		snprintf(why, sizeof(why), "no progress for %d s, in: %s",
			 WATCHDOG_S, fz_st->last);
	} else if (WIFSIGNALED(status)) {
		snprintf(why, sizeof(why), "killed by signal %d (%s), in: %s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)), fz_st->last);
	} else if (WEXITSTATUS(status) == 2) {
		snprintf(why, sizeof(why), "setup failed");
	} else if (fz_st->unexpected) {
		snprintf(why, sizeof(why), "%" PRIu64 " unexpected results",
			 fz_st->unexpected);
	}
	if (!hung)
		heaps_idle(why, sizeof(why));

	ksft_print_msg("fuzz: %s: %" PRIu64 " iterations in %.1f s: %" PRIu64
		       " ioctls, %" PRIu64 " mmaps, %" PRIu64 " other calls; %"
		       PRIu64 " ok, %" PRIu64 " stray fds closed, %" PRIu64
		       " edu transfers\n", name, fz_st->iters, cv_now() - t0,
		       fz_st->ioctls, fz_st->mmaps, fz_st->other, fz_st->ok,
		       fz_st->strays, fz_st->edu_xfers);
	fz_print_hist("fuzz:   errnos: ", fz_st->err);
	fz_print_ops(fz_st);

	total.iters += fz_st->iters;
	total.ioctls += fz_st->ioctls;
	total.mmaps += fz_st->mmaps;
	total.other += fz_st->other;
	total.ok += fz_st->ok;
	total.strays += fz_st->strays;
	total.unexpected += fz_st->unexpected;
	total.edu_xfers += fz_st->edu_xfers;
	for (e = 0; e < NERR; e++)
		total.err[e] += fz_st->err[e];
	for (e = 0; e < NR_OP; e++) {
		total.op_calls[e] += fz_st->op_calls[e];
		total.op_ok[e] += fz_st->op_ok[e];
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
		struct heap *h = &fz_heaps[fz_nheaps];

		snprintf(h->name, sizeof(h->name), "%.63s", names[i]);
		h->carveout = cv_is_carveout(h->name);
		if (h->carveout && cv_sysfs_u64(h->name, "size", &h->size))
			continue;
		fz_ncarveout += h->carveout;
		fz_nheaps++;
	}

	fd = open("/dev/dmabuf_importer", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	for (fz_nidev = 0; fz_nidev < MAX_DEVS; fz_nidev++) {
		memset(&info, 0, sizeof(info));
		info.index = fz_nidev;
		if (ioctl(fd, DMABUF_IMPORTER_IOC_DEVICE_INFO, &info))
			break;
		fz_idevs[fz_nidev].role = info.role;
		fz_idevs[fz_nidev].flags = info.flags;
		memcpy(fz_idevs[fz_nidev].name, info.name, sizeof(info.name));
		fz_idevs[fz_nidev].name[sizeof(info.name) - 1] = '\0';
		fz_idevs[fz_nidev].edu =
			info.role == DMABUF_IMPORTER_ROLE_EDU ||
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
			fz_opt_iters = strtoull(optarg, &end, 0);
			if (errno || *end || !fz_opt_iters) {
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
			fz_opt_verbose = 1;
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

	fz_pg = cv_page_size();
	fz_st = mmap(NULL, sizeof(*fz_st), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz_st == MAP_FAILED) {
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
	if (fz_opt_iters != DEFAULT_ITERS)
		snprintf(rerun, sizeof(rerun), " --iterations %" PRIu64, fz_opt_iters);

	discover();
	for (i = 0; i < fz_nidev; i++)
		nedu += fz_idevs[i].edu;

	ksft_print_header();
	ksft_set_plan(nseeds * NR_TARGETS);
	ksft_print_msg("fuzz: %d heaps (%d carveout), %d importer devices (%d edu), %" PRIu64
		       " iterations per target per seed, page size %zu\n",
		       fz_nheaps, fz_ncarveout, fz_nidev < 0 ? 0 : fz_nidev, nedu,
		       fz_opt_iters, fz_pg);
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
	fz_print_hist("fuzz: total errnos: ", total.err);
	fz_print_ops(&total);
	ksft_finished();
}
