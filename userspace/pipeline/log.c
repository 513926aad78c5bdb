// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Messages a person reads, and the signals that stop a stage.
 * Part of libpipeline (stage.h).
 */
#include <stdarg.h>
#include <string.h>

#include "stage.h"

const char *pl_stage = "pipeline";
volatile sig_atomic_t pl_stop;

static void pl_vprint(FILE *f, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(f, "%s: %s\n", pl_stage, line);
}

void pl_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pl_vprint(stdout, fmt, ap);
	va_end(ap);
}

void pl_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	pl_vprint(stderr, fmt, ap);
	va_end(ap);
}

static void pl_on_signal(int sig)
{
	(void)sig;
	pl_stop = 1;
}

void pl_init(const char *stage)
{
	struct sigaction sa;

	pl_stage = stage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pl_on_signal;	/* no SA_RESTART: poll() returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
