/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the host tests: fake directory trees and fd counting. */
#ifndef LDMA_TEST_UTIL_H
#define LDMA_TEST_UTIL_H

#include <stddef.h>

#include "libdma.h"

/* A fresh directory under $TMPDIR (or /tmp); NULL on failure. */
char *tree_new(void);
/* Remove the tree and free @root. */
void tree_free(char *root);
/* Create @rel (and its parents) under @root holding @text. 0 or -errno. */
int tree_write(const char *root, const char *rel, const char *text);
int tree_write_bytes(const char *root, const char *rel, const void *data,
		     size_t len);
/* Create the symlink @rel under @root pointing to @target. 0 or -errno. */
int tree_symlink(const char *root, const char *rel, const char *target);
/* "<root>/<rel>" in a static buffer. */
const char *tree_path(const char *root, const char *rel);

/*
 * A context over a fake tree: <root>/dev (heap nodes), <root>/sys (carveout
 * capabilities), <root>/proc and <root>/sysfs (the whole /sys: devices).
 */
struct ldma_ctx *tree_ctx(const char *root);
/* A heap node in the fake dev tree; see fake_kernel.h for @behaviour. */
int tree_heap(const char *root, const char *name, const char *behaviour);
/*
 * The usual fake machine: heaps "system" and "linux,cma" that publish
 * nothing, and a carveout heap "video" that publishes contiguous 1,
 * cached 0, size 64 MiB, free 48 MiB, largest_free 32 MiB, align 1 MiB.
 */
int tree_standard_heaps(const char *root);

/* Descriptors open in this process. */
int count_fds(void);
/* A memfd of @size bytes: the stand-in for a dma-buf. */
int memfd_sized(size_t size);

#endif
