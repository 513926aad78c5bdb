/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdma internals shared between the library's files (and the host tests).
 * Nothing here is exported from the shared library.
 */
#ifndef LDMA_INTERNAL_H
#define LDMA_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libdma.h"

#define LDMA_EXPORT __attribute__((visibility("default")))

enum ldma_root {
	LDMA_ROOT_DEV,
	LDMA_ROOT_SYSFS,
	LDMA_ROOT_PROC,
	LDMA_ROOT_SYS,
	LDMA_ROOT_COUNT,
};

/* ctx.c */
struct ldma_ctx *ldma_ctx_get(struct ldma_ctx *ctx);
const char *ldma_ctx_root(struct ldma_ctx *ctx, enum ldma_root root);
int ldma_ctx_heap_fd(struct ldma_ctx *ctx, const char *heap);
bool ldma_heap_name_valid(const char *name);
int ldma_heap_exists(struct ldma_ctx *ctx, const char *name);

/* alloc.c */
int ldma_alloc_check(size_t len, unsigned int flags);
int ldma_alloc_from(struct ldma_ctx *ctx, const char *heap, size_t len,
		    unsigned int flags, const char *name);

/* util.c */
int ldma_ioctl(int fd, unsigned long request, void *arg);
int ldma_path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ldma_read_text(const char *path, char *buf, size_t size);
int ldma_parse_u64(const char *str, uint64_t *val);
int ldma_read_u64(const char *path, uint64_t *val);
int ldma_read_be32(const char *path, uint32_t *cells, unsigned int max);
int ldma_link_name(const char *path, char *buf, size_t size);
typedef int (*ldma_fill_fn)(void *priv, const char *name, void *elem);
int ldma_scan_dir(const char *path, size_t size, ldma_fill_fn fill,
		  void *priv, int (*cmp)(const void *, const void *),
		  void **array);
bool ldma_access_valid(unsigned int access);

/*
 * wire.c: the record format of ldma_send()/ldma_recv(). Its one
 * description is doc/libdma.rst, "Wire format".
 */
#define LDMA_WIRE_MAGIC		0x414d444cu	/* "LDMA" in little endian */
#define LDMA_WIRE_VERSION	1
#define LDMA_WIRE_HDR_LEN	16u
#define LDMA_WIRE_REC_LEN	128u
#define LDMA_WIRE_MAX_LEN	(LDMA_WIRE_HDR_LEN + LDMA_MAX_FDS * LDMA_WIRE_REC_LEN)

int ldma_meta_check(const struct ldma_meta *meta);
int ldma_wire_encode(const struct ldma_meta *meta, unsigned int n,
		     uint8_t *buf, size_t size);
int ldma_wire_header(const uint8_t *buf, size_t len, uint32_t *total);
int ldma_wire_decode(const uint8_t *buf, size_t len, struct ldma_meta *meta,
		     unsigned int max);

/* bufinfo.c */
int ldma_fdinfo_parse(const char *text, struct ldma_buf_info *info);

#endif /* LDMA_INTERNAL_H */
