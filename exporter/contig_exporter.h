/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DMA-BUF exporter for one physically contiguous range.
 *
 * The exporter wraps a range that its caller owns (a carveout allocation,
 * for instance) in a dma-buf and gives the range back through a callback
 * when the last reference is gone. It knows nothing of where the range
 * comes from: no device tree, no allocator.
 */
#ifndef _CONTIG_EXPORTER_H
#define _CONTIG_EXPORTER_H

#include <linux/types.h>

struct dma_buf;
struct module;
struct scatterlist;

/**
 * struct contig_buffer_info - one physically contiguous range to export
 * @phys: physical base address, PAGE_SIZE aligned, inside a range that
 *	contig_range_usable() accepted.
 * @size: length in bytes, a non-zero multiple of PAGE_SIZE.
 * @uncached: the range has no linear mapping (a no-map carveout) and so no
 *	cacheable alias to respect. Kernel and user CPU mappings are
 *	write-combined; device mappings use dma_map_resource() and sg tables
 *	of DMA addresses only, with no struct pages; no cache maintenance is
 *	ever done. When false, the range must be System RAM in the linear
 *	map: CPU mappings are cacheable, sg tables hold struct pages and the
 *	DMA API and begin/end_cpu_access do the maintenance.
 * @clean: no CPU cache line of the range is dirty: the caller cleaned it
 *	(for a device, to the point of coherency) after its last CPU write,
 *	as the carveout heap does after zeroing. The first device map then
 *	skips the clean. False is always safe. Ignored when @uncached.
 * @exp_name: exporter name reported in fdinfo and debugfs bufinfo (the
 *	heap name). Not copied: it must stay valid until @release has run.
 * @release: called exactly once, when the last reference to the dma-buf
 *	is dropped, in process context (may sleep). The range belongs to the
 *	caller again when it runs. Never called if contig_export() fails.
 * @priv: opaque pointer passed to @release.
 * @owner: module providing @release, held until @release has returned.
 *	May be NULL for built-in code.
 */
struct contig_buffer_info {
	phys_addr_t phys;
	size_t size;
	bool uncached;
	bool clean;
	const char *exp_name;
	void (*release)(void *priv, phys_addr_t phys, size_t size);
	void *priv;
	struct module *owner;
};

int contig_range_usable(phys_addr_t phys, size_t size, bool uncached);
struct dma_buf *contig_export(const struct contig_buffer_info *info,
			      int fd_flags);

#if IS_ENABLED(CONFIG_KUNIT)
/* Exported to the KUnit suite only (EXPORTED_FOR_KUNIT_TESTING). */
size_t contig_seg_max(unsigned int max_seg, size_t max_mapping);
unsigned long contig_split(u64 start, size_t size, size_t max_seg,
			   unsigned long boundary, struct scatterlist *sgl,
			   bool pages);
#endif

#endif /* _CONTIG_EXPORTER_H */
