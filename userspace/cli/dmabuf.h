/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dmabuf(1): the command-line front end of libdma. */
#ifndef DMABUF_CLI_H
#define DMABUF_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libdma.h"

int cmd_list(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_alloc(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_which(int argc, char **argv);

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
/*
 * cli_parse_size() - "4096", "0x1000", "64K", "16M", "1G" (powers of 1024;
 * K, M or G in either case, optionally followed by "iB" or "B"): 0,
 * -EINVAL (empty, not a number, unknown suffix, NULL) or -ERANGE (does
 * not fit in size_t).
 */
int cli_parse_size(const char *str, size_t *size);
/* Monotonic time in microseconds. */
uint64_t cli_now_us(void);

#endif
