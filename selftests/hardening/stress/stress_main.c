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
 *
 * This file holds the options, the run and its report; stress.h lists
 * what the other files of stress/ hold.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "carveout_util.h"
#include "stress.h"

struct setup st_g;

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
			st_g.seconds = (unsigned int)v;
			break;
		case 'p':
			if (parse_uint(optarg, MAX_PROCS, &v) || !v)
				return -EINVAL;
			st_g.procs = (unsigned int)v;
			break;
		case 't':
			if (parse_uint(optarg, MAX_THREADS, &v) || !v)
				return -EINVAL;
			st_g.threads = (unsigned int)v;
			break;
		case 'S':
			if (parse_uint(optarg, UINT64_MAX, &v))
				return -EINVAL;
			st_g.seed = v;
			*have_seed = true;
			break;
		case 'k':
			st_g.kill = false;
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

static uint64_t total(int c)
{
	uint64_t sum = 0;
	unsigned int w;

	for (w = 0; w < st_g.procs; w++)
		sum += __atomic_load_n(&st_g.shm->cnt[w][c], __ATOMIC_RELAXED);
	return sum;
}

static void print_log(void)
{
	int n = __atomic_load_n(&st_g.shm->nlog, __ATOMIC_ACQUIRE), i;

	for (i = 0; i < n && i < LOG_MAX; i++) {
		const struct logent *e = &st_g.shm->log[i];
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
	st_g.seconds = 5;
	st_g.procs = 3;
	st_g.threads = 3;
	st_g.kill = true;
	if (parse_args(argc, argv, &have_seed)) {
		usage(stderr);
		return 2;
	}
	if (!have_seed && getrandom(&st_g.seed, sizeof(st_g.seed), 0) != sizeof(st_g.seed))
		st_g.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	st_g.parent = getpid();
	st_g.page = cv_page_size();
	st_g.max_pages = MAX_SIZE / st_g.page ? MAX_SIZE / st_g.page : 1;
	snprintf(rerun, sizeof(rerun), "stress_test --seed %" PRIu64 " --seconds %u --procs %u --threads %u%s",
		 st_g.seed, st_g.seconds, st_g.procs, st_g.threads, st_g.kill ? "" : " --no-kill");

	ksft_print_header();
	ksft_print_msg("stress_test: %u s, %u process(es) x %u thread(s), seed %" PRIu64 "%s\n",
		       st_g.seconds, st_g.procs, st_g.threads, st_g.seed,
		       st_g.kill ? ", killing workers" : "");
	ksft_print_msg("rerun: %s\n", rerun);

	ret = st_discover();
	if (ret || !st_g.nheaps)
		ksft_exit_skip("no heap to stress (%s)\n", ret ? strerror(-ret) : "none found");
	for (i = 0; i < st_g.nheaps; i++)
		if (st_g.heaps[i].carveout)
			ksft_print_msg("heap %s: carveout, %s, %" PRIu64 " bytes\n",
				       st_g.heaps[i].name,
				       st_g.heaps[i].cached ? "cached" : "uncached",
				       st_g.heaps[i].size);
		else
			ksft_print_msg("heap %s: mainline\n", st_g.heaps[i].name);
	for (i = 0; i < st_g.ndevs; i++)
		ksft_print_msg("importer device %u: %s %s flags %#x%s\n", st_g.devs[i].index,
			       imp_role_name(st_g.devs[i].role), st_g.devs[i].name,
			       st_g.devs[i].flags,
			       st_dev_moves_data(&st_g.devs[i]) ? "" : " (attach and map only)");
	if (!st_g.ndevs)
		ksft_print_msg("no importer devices: device operations fall back to the CPU\n");
	ksft_print_msg("vgem: %s; page size %zu\n",
		       st_g.vgem ? "yes" : "no (vgem operations skipped)", st_g.page);
	baseline = st_count_buffers();

	st_g.shm = mmap(NULL, sizeof(*st_g.shm), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st_g.shm == MAP_FAILED)
		ksft_exit_fail_msg("mmap of the shared counters: %s\n", strerror(errno));
	ksft_set_plan(5);

	prng = cv_seed(st_g.seed ^ 0x5bd1e995ULL);
	for (w = 0; w < st_g.procs; w++)
		st_spawn(w);
	t_stress = cv_now();
	{
		double end = t_stress + st_g.seconds, mid = t_stress + st_g.seconds / 2.0,
		       next_kill, t;
		unsigned int first = KILL_MIN_MS + (unsigned int)(cv_rand(&prng) %
					(KILL_MAX_MS - KILL_MIN_MS + 1));

		/* At least one kill whenever the run lasts more than a moment. */
		if (first > st_g.seconds * 500)
			first = st_g.seconds * 500;
		next_kill = t_stress + first / 1000.0;
		while ((t = cv_now()) < end) {
			st_reap_early();
			st_respawn_due(false);
			if (mid && t >= mid) {
				/* Shows that the final count would see buffers. */
				midrun = st_count_buffers();
				mid = 0;
			}
			if (st_g.kill && t >= next_kill) {
				st_kill_one(&prng);
				next_kill = cv_now() + (KILL_MIN_MS + cv_rand(&prng) %
					    (KILL_MAX_MS - KILL_MIN_MS + 1)) / 1000.0;
			}
			st_sleep_ms(10);
		}
	}
	st_respawn_due(true);
	stopped = st_stop_all();
	t_stress = cv_now() - t_stress;

	/* Figures */
	ksft_print_msg("stressed for %.1f s (asked %u s) with %u process(es) x %u thread(s)\n",
		       t_stress, st_g.seconds, st_g.procs, st_g.threads);
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
	ksft_print_msg("processes killed %u, respawned %u%s\n", st_kills, st_respawns,
		       st_g.kill ? "" : " (--no-kill)");
	ksft_print_msg("unexpected errors %" PRIu64 ", data corruptions %" PRIu64 "\n",
		       total(C_UNEXPECTED), total(C_CORRUPT));
	print_log();

	result(stopped && !total(C_UNEXPECTED) && total(C_OPS) > 0,
	       "workers_ran_without_unexpected_errors");
	result(!total(C_CORRUPT) && total(C_BYTES_CHECKED) > 0, "no_data_corruption");
	if (st_g.kill)
		result(st_kills > 0 && st_respawns == st_kills, "kill_phase_ran");
	else
		skip("kill_phase_ran", "--no-kill");

	/* Every carveout heap back at zero used, and in one piece. */
	for (i = 0; i < st_g.nheaps; i++) {
		const char *n = st_g.heaps[i].name;

		if (!st_g.heaps[i].carveout)
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
			       ret ? "NOT IDLE" : "idle", free_b, st_g.heaps[i].size, largest, peak,
			       failures);
		if (ret || free_b != st_g.heaps[i].size || largest != st_g.heaps[i].size)
			heaps_ok = false;
	}
	result(heaps_ok, "carveout_heaps_back_to_zero_used");

	/* No buffer of these heaps anywhere (in flight ones included). */
	if (baseline >= 0) {
		for (i = 0; i < 500; i++) {
			bufs = st_count_buffers();
			if (bufs <= baseline)
				break;
			st_sleep_ms(10);
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
