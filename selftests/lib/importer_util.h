/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the dmabuf_importer kselftests: raw wrappers over the
 * /dev/dmabuf_importer ioctls, checks of the devices' pattern and hash,
 * heap discovery by kind, reach and bounce rules, and tracefs. Unlike
 * libimp's calls, the ioctl wrappers pass every argument to the kernel
 * unchecked, so that the tests reach the driver's own checks. Every
 * function returns 0 (or an fd) on success and -errno on failure.
 */
#ifndef IMPORTER_UTIL_H
#define IMPORTER_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <linux/dmabuf_importer.h>

#include "libimp.h"

#define CV_IMP_DEV_PATH	"/dev/dmabuf_importer"
#define CV_IMP_TRACING	"/sys/kernel/tracing"

int cv_imp_open(void);
int cv_imp_device_info(int fd, uint32_t index,
		       struct dmabuf_importer_device_info *info);
/* The first device with @role; for ROLE_EDU also with @dma_bits (0: any). */
int cv_imp_find_device(int fd, uint32_t role, uint32_t dma_bits,
		       struct dmabuf_importer_device_info *info);
int cv_imp_attach(int fd, int buf_fd, uint32_t device, uint32_t *handle);
int cv_imp_detach(int fd, uint32_t handle);
int cv_imp_map(int fd, uint32_t handle, uint32_t dir,
	       struct dmabuf_importer_map *out);
int cv_imp_unmap(int fd, uint32_t handle);
int cv_imp_fill(int fd, uint32_t handle, uint64_t off, uint64_t len,
		uint32_t seed);
int cv_imp_checksum(int fd, uint32_t handle, uint64_t off, uint64_t len,
		    uint64_t *sum);
int cv_imp_sync(int fd, uint32_t handle, uint32_t flags);
int cv_imp_query(int fd, uint32_t handle, struct dmabuf_importer_query *q);

/*
 * The device pattern and hash are libimp's: imp_pattern() writes it. Offset
 * (relative to @p) of the first word at buffer offset @off that is not
 * the pattern of @seed, or @len.
 */
uint64_t cv_imp_verify(const void *p, uint64_t off, uint64_t len, uint32_t seed);
/* The CHECKSUM hash of @len bytes at @p (imp_hash() from IMP_HASH_INIT). */
uint64_t cv_imp_hash(const void *p, uint64_t len);

/* Heap kinds the tests run against, found by property, not by name. */
enum cv_imp_heap_kind {
	CV_IMP_HEAP_CACHED,	/* carveout, cached */
	CV_IMP_HEAP_UNCACHED,	/* carveout, no-map */
	CV_IMP_HEAP_SYSTEM,	/* mainline system heap */
	CV_IMP_HEAP_CMA,		/* mainline CMA heap */
};
const char *cv_imp_heap_kind_name(enum cv_imp_heap_kind kind);
/* Name of a heap of @kind, copied to @name (64 bytes). */
int cv_imp_find_heap(enum cv_imp_heap_kind kind, char *name);
/*
 * The first cached carveout heap, opened, once it is idle: 0 with @heap
 * and @heap_fd set, -ENOENT if there is none, or another -errno.
 */
struct cv_heap;
int cv_imp_open_cached_heap(struct cv_heap *heap, int *heap_fd);
/* Close @heap_fd and wait (bounded) for @heap to be idle again. */
int cv_imp_close_heap(int heap_fd, const char *heap);

/* Physical base of a carveout heap, from its debugfs stats. */
int cv_imp_heap_base(const char *heap, uint64_t *base);

/*
 * What the exporter promises when @dev maps a buffer of carveout @heap
 * (Documentation/porting.rst, "Reach"): CV_IMP_REACH_OK (zero-copy map),
 * CV_IMP_REACH_REFUSED (attach fails with ERANGE) or CV_IMP_REACH_UNKNOWN (the
 * region straddles the device's limit, so it depends on where the buffer
 * lands). Read from the heap's base and size, the device's DMA mask and
 * IOMMU flag, swiotlb=force on the command line and the exporter's
 * allow_bounce parameter; -errno if one of them cannot be read.
 */
enum cv_imp_reach {
	CV_IMP_REACH_OK,
	CV_IMP_REACH_REFUSED,
	CV_IMP_REACH_UNKNOWN,
};
int cv_imp_expect_reach(const struct dmabuf_importer_device_info *dev,
			const char *heap);
/*
 * Can a mainline heap (system, CMA) hand @dev a buffer it must bounce?
 * 1 if @dev is direct-mapped and System RAM (/proc/iomem) or swiotlb=force
 * puts pages beyond its direct reach. dma-direct then bounces through
 * swiotlb, which cannot take the heaps' segments above 256 KiB: such a
 * map fails with EIO, or with ENOMEM when the pool is too small. Not our
 * exporter; cv_imp_mainline_bounce_failed() names the errors the tests
 * accept.
 */
int cv_imp_mainline_may_bounce(const struct dmabuf_importer_device_info *dev);
/* Is @err how a map of a mainline heap's buffer fails to bounce? */
int cv_imp_mainline_bounce_failed(int err);
/* Set the exporter's allow_bounce parameter (read: cv_allow_bounce()). */
int cv_imp_set_allow_bounce(int on);
/*
 * Under swiotlb=force every map of a direct-mapped device bounces, and
 * contig_exporter refuses that unless allow_bounce is set. A fixture
 * states which it tests: the pair tests the refusal (@on 0), fixtures of
 * the importer's own API on a cached carveout buffer run through bounce
 * buffers (@on 1). The setting is made whatever an earlier test left
 * (the harness skips a teardown after a failed ASSERT). Without
 * swiotlb=force nothing changes. *@prev gets the setting to hand back to
 * cv_imp_bounce_restore(), or -1 if nothing was changed. 0 or -errno.
 */
int cv_imp_bounce_if_forced(int on, int *prev);
void cv_imp_bounce_restore(int prev);
/*
 * Does a map of a cached carveout buffer on @dev bounce (swiotlb=force,
 * no IOMMU, allow_bounce=1)? swiotlb puts the 256 KiB segments of the
 * copy wherever it has room, so a device that takes DMA-contiguous
 * mappings only (the display) may refuse it with EXDEV.
 */
int cv_imp_bounces(const struct dmabuf_importer_device_info *dev);
/* Is @err the EXDEV of such a device refusing a bounced copy? */
int cv_imp_refuses_bounced_copy(const struct dmabuf_importer_device_info *dev,
				int err);

/* Does /sys/bus/pci/devices/@name/iommu_group exist? */
int cv_imp_pci_has_iommu_group(const char *name);
/* The PCI command register of @name, from its sysfs config space. */
int cv_imp_pci_command(const char *name, uint16_t *cmd);

/* tracefs: enable/disable one event ("dma/dma_sync_sg_for_cpu"). */
int cv_imp_trace_event(const char *event, int enable);
int cv_imp_trace_clear(void);
/* The trace buffer, malloc()ed, NUL-terminated; NULL on failure. */
char *cv_imp_trace_read(void);
/* Lines of @trace containing both @a and @b. */
int cv_imp_trace_count(const char *trace, const char *a, const char *b);

#endif
