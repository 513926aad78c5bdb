/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dmabuf(1): the command-line front end of libdma. */
#ifndef DMABUF_CLI_H
#define DMABUF_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "libdma.h"

int cmd_list(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_alloc(int argc, char **argv);
int cmd_info(int argc, char **argv);

/* Print "dmabuf: <message>: <strerror>" and return the exit status 1. */
int cli_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error: print the message and the usage, return the exit status 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The "no such heap" error, listing the heaps that exist. */
int cli_no_heap(const char *what);
/* A size in bytes as "64.0 MiB", or "unknown". */
const char *cli_size(uint64_t bytes, char *buf, size_t size);
/* A JSON string literal. */
void cli_json_str(FILE *f, const char *s);
/* A JSON number, or null when unknown. */
void cli_json_u64(FILE *f, uint64_t v);
/* Monotonic time in microseconds. */
uint64_t cli_now_us(void);

#endif
