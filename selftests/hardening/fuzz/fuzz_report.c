// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test's accounting: what a child is doing (the watchdog reads it),
 * the result of every call, unexpected results, and the figures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fuzz.h"

static const char *const op_name[NR_OP] = {
	"ALLOC", "heap-raw", "heap-mmap", "open", "dup",
	"SYNC", "SET_NAME", "EXPORT_SYNC_FILE", "IMPORT_SYNC_FILE",
	"dmabuf-raw", "mmap", "mprotect", "mremap", "lseek", "poll",
	"fstat", "fdinfo",
	"DEVICE_INFO", "ATTACH", "DETACH", "MAP", "UNMAP", "FILL",
	"CHECKSUM", "SYNC(imp)", "QUERY", "importer-raw",
};

struct fz_stats *fz_st;
const char *fz_cur_target;
uint64_t fz_cur_seed;
int fz_last_err;
enum op fz_cur_op;

static const char *errname(int e)
{
	static char buf[16];
	const char *s = e < NERR - 1 ? strerrorname_np(e) : NULL;

	if (s)
		return s;
	snprintf(buf, sizeof(buf), e < NERR - 1 ? "E%d" : "E>=%d", e);
	return buf;
}

__printf(1, 2) void fz_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fz_st->last, sizeof(fz_st->last), fmt, ap);
	va_end(ap);
	fz_st->progress++;
}

__printf(1, 2) void fz_unexpected(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (++fz_st->unexpected <= MAX_REPORTS)
		ksft_print_msg("fuzz: %s seed %#" PRIx64 " iteration %" PRIu64
			       ": %s: %s\n", fz_cur_target, fz_cur_seed,
			       fz_st->iters, fz_st->last, msg);
}

void fz_account(long ret, int err)
{
	if (fz_opt_verbose)
		fprintf(stderr, "%" PRIu64 ": %s = %ld%s%s\n", fz_st->iters,
			fz_st->last, ret, ret < 0 ? " " : "", ret < 0 ? errname(err) : "");
	fz_st->op_calls[fz_cur_op]++;
	if (ret >= 0) {
		fz_st->ok++;
		fz_st->op_ok[fz_cur_op]++;
		return;
	}
	fz_st->err[err > 0 && err < NERR ? err : NERR - 1]++;
	/* 512..: ERESTARTSYS, ENOIOCTLCMD, ... must never reach userspace */
	if (err <= 0 || err >= 512)
		fz_unexpected("errno %d is not a userspace errno", err);
}

long fz_xioctl(int fd, unsigned int cmd, void *arg)
{
	long ret;

	fz_st->ioctls++;
	errno = 0;
	ret = ioctl(fd, cmd, arg);
	fz_last_err = errno;
	fz_account(ret, fz_last_err);
	if (ret > 0)
		fz_unexpected("ioctl returned %ld", ret);
	return ret;
}

/* Count a non-ioctl syscall that returned @ret (errno in @err). */
void fz_other(long ret, int err)
{
	fz_st->other++;
	fz_account(ret, err);
}

void fz_print_hist(const char *prefix, const uint64_t *err)
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

void fz_print_ops(const struct fz_stats *s)
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
