// SPDX-License-Identifier: GPL-2.0
/*
 * DMA-BUF exporter for physically contiguous ranges
 *
 * Laid out like drivers/dma-buf/heaps/cma_heap.c: the structs, then the
 * dma_buf_ops in lifecycle order, the ops table and the export call. It
 * stays one file of about 730 lines on purpose: every op reads the same
 * buffer and attachment state, the cached and uncached paths differ inside
 * each op, and a reviewer checks the ops against that one table in one
 * place, as in the mainline heaps (system_heap.c: 438 lines, one path).
 *
 * Two kinds of memory, and the DMA path of each:
 *
 * - cached: the range is System RAM in the kernel's linear map. Its sg
 *   tables hold struct pages and are mapped with dma_map_sgtable() and the
 *   full cache maintenance of the DMA API; begin/end_cpu_access sync every
 *   mapped attachment. CPU mappings are cacheable.
 * - uncached: the range has no linear mapping at all (a no-map
 *   reserved-memory region), so nothing here may reach it through a
 *   struct page, phys_to_virt() or page_address(): on arm64 cache
 *   maintenance by VA on the missing alias faults, and so does a swiotlb
 *   bounce, which copies through phys_to_virt(). Device mappings are made
 *   with dma_map_resource() and the sg table carries DMA addresses only
 *   (no pages, orig_nents 0, so dma_sync_sgtable_*() of an importer has
 *   nothing to walk); there is no cache maintenance because no cacheable
 *   alias exists. CPU mappings are write-combined.
 *
 * Reach: a device must address the whole buffer directly. On a direct
 * mapping the buffer's bus range is checked against the DMA mask, the bus
 * limit and the dma-ranges at attach and again at map; a device that would
 * bounce (mask too small, swiotlb=force, a restricted-dma-pool) is refused
 * with -ERANGE and one ratelimited message, never bounced silently. The
 * module parameter allow_bounce lets cached buffers bounce on devices that
 * bounce everything; uncached buffers never can.
 *
 * Cleans only where the CPU can have written. A cached buffer remembers
 * whether its CPU cache lines may be dirty (&contig_buffer.cpu_dirty). It
 * starts clean when the caller says the range was cleaned after its last
 * CPU write (&contig_buffer_info.clean: the heap cleans what it zeroes).
 * A writable user mapping, a vmap or begin_cpu_access() for writing makes
 * it dirty; a clean for a device (a map or end_cpu_access() towards the
 * device, on a non-coherent device that does not bounce) makes it clean
 * again, but only once no mapping through which the CPU could write at any
 * time is left. A device map of a clean buffer skips the clean
 * (DMA_ATTR_SKIP_CPU_SYNC), whose cost grows with the buffer's size.
 * Invalidates are never skipped.
 */
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/error-injection.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/iosys-map.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include <kunit/visibility.h>

#include "contig_exporter.h"
#include "dmabuf_compat.h"

static bool contig_allow_bounce;
module_param_named(allow_bounce, contig_allow_bounce, bool, 0644);
MODULE_PARM_DESC(allow_bounce,
		 "Map cached buffers for devices that bounce every DMA through swiotlb (swiotlb=force, restricted-dma-pool): data is then copied, not shared. Default: refuse such maps with ERANGE. Uncached buffers are always refused");

/**
 * struct contig_buffer - an exported range
 * @info: the range, as the caller gave it
 * @pagecount: pages in the range
 * @lock: protects @attachments, every attachment's mapped flag, the vmap,
 *	@cpu_dirty and @cpu_writers
 * @attachments: &struct contig_attachment entries
 * @vmap_cnt: kernel mappings (vmap) of the buffer
 * @vaddr: the kernel mapping while @vmap_cnt is non-zero
 * @cpu_dirty: cached buffers: CPU cache lines of the range may be dirty,
 *	so a device map must clean. Always true while @cpu_writers or
 *	@vmap_cnt is non-zero.
 * @cpu_writers: user mappings that may be written (VM_MAYWRITE)
 */
struct contig_buffer {
	struct contig_buffer_info info;
	pgoff_t pagecount;
	struct mutex lock;	/* see the kernel-doc above */
	struct list_head attachments;
	unsigned int vmap_cnt;
	void *vaddr;
	bool cpu_dirty;
	unsigned int cpu_writers;
};

/**
 * struct contig_attachment - one device's view of a buffer
 * @dev: the importing device
 * @table: cached: struct-page entries, built at attach; uncached: DMA
 *	entries only, built at map and freed at unmap
 * @list: entry in &contig_buffer.attachments
 * @dir: direction of the current mapping
 * @dma: uncached: the address dma_map_resource() returned
 * @nents: uncached: entries of @table (its orig_nents reads 0)
 * @mapped: mapped now; a second map is refused
 */
struct contig_attachment {
	struct device *dev;
	struct sg_table table;
	struct list_head list;
	enum dma_data_direction dir;
	dma_addr_t dma;
	unsigned int nents;
	bool mapped;
};

/**
 * contig_seg_max() - largest sg segment to hand a device
 * @max_seg: dma_get_max_seg_size() of the device
 * @max_mapping: dma_max_mapping_size() of the device (256 KiB when every
 *	segment may go through swiotlb, SIZE_MAX otherwise)
 *
 * Return: the smaller limit rounded down to whole pages; 0 if that is less
 * than a page.
 */
VISIBLE_IF_KUNIT size_t contig_seg_max(unsigned int max_seg,
				       size_t max_mapping)
{
	return round_down(min_t(size_t, max_seg, max_mapping), PAGE_SIZE);
}
EXPORT_SYMBOL_IF_KUNIT(contig_seg_max);

/*
 * Length of the sg entry starting at @pos: at most @max_seg bytes and never
 * crossing a @boundary (a mask, as dma_get_seg_boundary() returns it).
 * Written so that boundary == ULONG_MAX cannot overflow.
 */
static size_t contig_seg_len(u64 pos, size_t remaining, size_t max_seg,
			     unsigned long boundary)
{
	unsigned long room = boundary - ((unsigned long)pos & boundary);
	size_t len = min_t(size_t, remaining, max_seg);

	if (len - 1 > room)
		len = room + 1;
	return len;
}

/**
 * contig_split() - cut [@start, @start + @size) into sg segments
 * @start: first address (physical for page entries, DMA otherwise)
 * @size: bytes, a multiple of PAGE_SIZE
 * @max_seg: segment cap from contig_seg_max(), at least PAGE_SIZE
 * @boundary: segment boundary mask, at least PAGE_SIZE - 1
 * @sgl: entries to fill, or NULL to count only
 * @pages: fill struct-page entries; else DMA-only entries (page NULL,
 *	length 0, as mainline's dma-buf mapping helpers do)
 *
 * Return: the number of segments.
 */
VISIBLE_IF_KUNIT unsigned long contig_split(u64 start, size_t size,
					    size_t max_seg,
					    unsigned long boundary,
					    struct scatterlist *sgl,
					    bool pages)
{
	struct scatterlist *sg = sgl;
	unsigned long nents = 0;
	u64 pos, end = start + size;
	size_t len;

	for (pos = start; pos < end; pos += len, nents++) {
		len = contig_seg_len(pos, end - pos, max_seg, boundary);
		if (!sg)
			continue;
		if (pages) {
			sg_set_page(sg, pfn_to_page(PHYS_PFN(pos)), len, 0);
		} else {
			sg_set_page(sg, NULL, 0, 0);
			sg_dma_address(sg) = pos;
			sg_dma_len(sg) = len;
		}
		sg = sg_next(sg);
	}
	return nents;
}
EXPORT_SYMBOL_IF_KUNIT(contig_split);

/* The device's segment limits, or -EINVAL if they are below a page. */
static int contig_seg_limits(struct device *dev, size_t *max_seg,
			     unsigned long *boundary)
{
	*boundary = dma_get_seg_boundary(dev);
	*max_seg = contig_seg_max(dma_get_max_seg_size(dev),
				  dma_max_mapping_size(dev));
	if (!*max_seg || *boundary < PAGE_SIZE - 1) {
		dev_dbg(dev, "contig: segment limits below PAGE_SIZE\n");
		return -EINVAL;
	}
	return 0;
}

/* Translated by an IOMMU: IOVAs are allocated within the device's mask. */
static bool contig_dev_translated(struct device *dev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	return domain && iommu_is_dma_domain(domain);
}

/*
 * Can @dev address the whole buffer without bouncing? Only a direct
 * mapping needs the check: the bus range (after dma-ranges) must be one
 * piece below the DMA mask and the bus limit, and the device must not be
 * one that bounces everything. Custom dma_map_ops check for themselves.
 */
static int contig_check_reach(struct contig_buffer *buffer,
			      struct device *dev)
{
	phys_addr_t first = buffer->info.phys;
	phys_addr_t last = first + buffer->info.size - 1;
	dma_addr_t start, end;
	u64 limit;

	if (!dev->dma_mask) {
		dev_err_ratelimited(dev, "contig: %s buffer refused: the device has no DMA mask\n",
				    buffer->info.exp_name);
		return -EINVAL;
	}
	if (contig_dev_translated(dev) || get_dma_ops(dev))
		return 0;

	start = phys_to_dma(dev, first);
	end = phys_to_dma(dev, last);
	limit = min_not_zero(*dev->dma_mask, dev->bus_dma_limit);
	if (start == DMA_MAPPING_ERROR || end == DMA_MAPPING_ERROR ||
	    end - start != last - first || end > limit) {
		dev_err_ratelimited(dev, "contig: %s buffer [bus %pad-%pad] beyond the device's DMA limit %#llx: refused (ERANGE)\n",
				    buffer->info.exp_name, &start, &end, limit);
		return -ERANGE;
	}
	if (is_swiotlb_force_bounce(dev) &&
	    (buffer->info.uncached || !READ_ONCE(contig_allow_bounce))) {
		dev_err_ratelimited(dev, "contig: %s buffer [bus %pad-%pad] refused (ERANGE): the device bounces all DMA through swiotlb (limit %#llx)%s\n",
				    buffer->info.exp_name, &start, &end, limit,
				    buffer->info.uncached ? ", and no-map memory cannot bounce" :
				    "; contig_exporter.allow_bounce=1 accepts copies");
		return -ERANGE;
	}
	/* dma_direct_map_resource() does not apply dma-ranges offsets. */
	if (buffer->info.uncached && start != first) {
		dev_err_ratelimited(dev, "contig: %s buffer [bus %pad-%pad] refused (ERANGE): no-map memory behind a dma-ranges offset is not supported\n",
				    buffer->info.exp_name, &start, &end);
		return -ERANGE;
	}
	return 0;
}

/*
 * Build the struct-page table of a cached buffer, cut to what the
 * importing device accepts: its maximum segment size, its segment
 * boundary and dma_max_mapping_size() (with swiotlb active, 256 KiB). A
 * single entry for the whole buffer would be simplest, but an importer with
 * a 64 KiB maximum segment (vgem, most platform devices without dma_parms)
 * would then be handed segments it cannot take, which DMA_API_DEBUG
 * reports as "mapping sg segment longer than device claims to support".
 * The boundary is applied to physical addresses; with direct mapping the
 * DMA address differs only by a large aligned offset, and an IOMMU splits
 * again as needed.
 *
 * This and contig_dma_map() are the exporter's failure points for
 * fail_function (ALLOW_ERROR_INJECTION; see Documentation/reliability.rst);
 * noinline keeps them real calls.
 */
static noinline int contig_build_table(struct contig_buffer *buffer,
				       struct device *dev,
				       struct sg_table *table)
{
	unsigned long boundary, nents;
	size_t max_seg;
	int ret;

	ret = contig_seg_limits(dev, &max_seg, &boundary);
	if (ret)
		return ret;

	nents = contig_split(buffer->info.phys, buffer->info.size, max_seg,
			     boundary, NULL, true);
	if (nents > UINT_MAX)
		return -EINVAL;

	ret = sg_alloc_table(table, nents, GFP_KERNEL);
	if (ret)
		return ret;

	contig_split(buffer->info.phys, buffer->info.size, max_seg, boundary,
		     table->sgl, true);
	return 0;
}
ALLOW_ERROR_INJECTION(contig_build_table, ERRNO);

static int contig_attach(struct dma_buf *dmabuf,
			 struct dma_buf_attachment *attachment)
{
	struct contig_buffer *buffer = dmabuf->priv;
	struct contig_attachment *a;
	int ret;

	ret = contig_check_reach(buffer, attachment->dev);
	if (ret)
		return ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;

	if (!buffer->info.uncached) {
		ret = contig_build_table(buffer, attachment->dev, &a->table);
		if (ret)
			goto free_attachment;
	}

	a->dev = attachment->dev;
	INIT_LIST_HEAD(&a->list);
	attachment->priv = a;

	mutex_lock(&buffer->lock);
	list_add(&a->list, &buffer->attachments);
	mutex_unlock(&buffer->lock);

	return 0;

free_attachment:
	kfree(a);
	return ret;
}

static void contig_detach(struct dma_buf *dmabuf,
			  struct dma_buf_attachment *attachment)
{
	struct contig_buffer *buffer = dmabuf->priv;
	struct contig_attachment *a = attachment->priv;

	mutex_lock(&buffer->lock);
	list_del(&a->list);
	mutex_unlock(&buffer->lock);

	if (!buffer->info.uncached)
		sg_free_table(&a->table);
	kfree(a);
}

/*
 * Uncached: one dma_map_resource() for the whole range (no struct page, no
 * linear alias, no swiotlb), then a DMA-only table cut to the device's
 * limits. orig_nents is 0 while the table is out: there are no CPU pages,
 * so dma_sync_sgtable_*() and for_each_sgtable_page() of an importer find
 * nothing to touch.
 */
static int contig_map_resource(struct contig_buffer *buffer,
			       struct contig_attachment *a,
			       enum dma_data_direction dir)
{
	unsigned long boundary, nents;
	size_t max_seg;
	int ret;

	ret = contig_seg_limits(a->dev, &max_seg, &boundary);
	if (ret)
		return ret;

	a->dma = dma_map_resource(a->dev, buffer->info.phys, buffer->info.size,
				  dir, 0);
	if (dma_mapping_error(a->dev, a->dma))
		return -ENOMEM;

	nents = contig_split(a->dma, buffer->info.size, max_seg, boundary,
			     NULL, false);
	ret = nents > UINT_MAX ? -EINVAL :
	      sg_alloc_table(&a->table, nents, GFP_KERNEL);
	if (ret)
		goto unmap;

	contig_split(a->dma, buffer->info.size, max_seg, boundary,
		     a->table.sgl, false);
	a->nents = nents;
	a->table.nents = nents;
	a->table.orig_nents = 0;
	return 0;

unmap:
	dma_unmap_resource(a->dev, a->dma, buffer->info.size, dir, 0);
	return ret;
}

static void contig_unmap_resource(struct contig_buffer *buffer,
				  struct contig_attachment *a,
				  enum dma_data_direction dir)
{
	dma_unmap_resource(a->dev, a->dma, buffer->info.size, dir, 0);
	a->table.orig_nents = a->nents;
	sg_free_table(&a->table);
}

/*
 * Does a sync for @dev in @dir write the CPU's dirty lines back to memory?
 * Only towards a device (a clean, on every architecture), on a device that
 * does not snoop the caches and whose DMA is not bounced: a bounce copies
 * the data and cleans the bounce buffer, not the buffer itself.
 */
static bool contig_sync_cleans(struct device *dev, enum dma_data_direction dir)
{
	return dir != DMA_FROM_DEVICE && !dev_is_dma_coherent(dev) &&
	       !is_swiotlb_force_bounce(dev);
}

/* After a clean of the whole buffer: clean, unless the CPU can still write. */
static void contig_cleaned(struct contig_buffer *buffer)
{
	lockdep_assert_held(&buffer->lock);
	if (!buffer->cpu_writers && !buffer->vmap_cnt)
		buffer->cpu_dirty = false;
}

/*
 * A clean buffer is mapped without the clean. Never for a device that
 * bounces: DMA_ATTR_SKIP_CPU_SYNC would skip the copy into the bounce
 * buffer, not just the cache maintenance.
 */
static noinline int contig_dma_map(struct contig_buffer *buffer,
				   struct contig_attachment *a,
				   enum dma_data_direction dir)
{
	unsigned long attrs = 0;
	int ret;

	if (buffer->info.uncached)
		return contig_map_resource(buffer, a, dir);
	if (!buffer->cpu_dirty && !is_swiotlb_force_bounce(a->dev))
		attrs = DMA_ATTR_SKIP_CPU_SYNC;
	ret = dma_map_sgtable(a->dev, &a->table, dir, attrs);
	if (!ret && !attrs && contig_sync_cleans(a->dev, dir))
		contig_cleaned(buffer);
	return ret;
}
ALLOW_ERROR_INJECTION(contig_dma_map, ERRNO);

static struct sg_table *contig_map_dma_buf(struct dma_buf_attachment *attachment,
					   enum dma_data_direction direction)
{
	struct contig_buffer *buffer = attachment->dmabuf->priv;
	struct contig_attachment *a = attachment->priv;
	int ret;

	/* The mask may have changed since attach. */
	ret = contig_check_reach(buffer, a->dev);
	if (ret)
		return ERR_PTR(ret);

	mutex_lock(&buffer->lock);
	if (a->mapped) {
		ret = -EBUSY;
		goto unlock;
	}
	ret = contig_dma_map(buffer, a, direction);
	if (ret)
		goto unlock;
	a->dir = direction;
	a->mapped = true;
unlock:
	mutex_unlock(&buffer->lock);

	return ret ? ERR_PTR(ret) : &a->table;
}

static void contig_unmap_dma_buf(struct dma_buf_attachment *attachment,
				 struct sg_table *table,
				 enum dma_data_direction direction)
{
	struct contig_buffer *buffer = attachment->dmabuf->priv;
	struct contig_attachment *a = attachment->priv;

	mutex_lock(&buffer->lock);
	if (buffer->info.uncached)
		contig_unmap_resource(buffer, a, direction);
	else
		dma_unmap_sgtable(a->dev, table, direction, 0);
	a->mapped = false;
	mutex_unlock(&buffer->lock);
}

/*
 * CPU access brackets. The syncs use the direction each attachment was
 * mapped with, as the DMA API requires (DMA_API_DEBUG flags a sync in
 * another direction); that is also the maintenance needed: nothing to
 * invalidate for a device that only reads, an invalidate for one that
 * writes. Uncached buffers need no maintenance; end_cpu_access only
 * drains the write-combine buffers before a device may be started.
 */
static int contig_begin_cpu_access(struct dma_buf *dmabuf,
				   enum dma_data_direction direction)
{
	struct contig_buffer *buffer = dmabuf->priv;
	struct contig_attachment *a;

	if (buffer->info.uncached)
		return 0;

	mutex_lock(&buffer->lock);

	/* The CPU is about to write: the next device map must clean. */
	if (direction != DMA_FROM_DEVICE)
		buffer->cpu_dirty = true;

	if (buffer->vmap_cnt)
		invalidate_kernel_vmap_range(buffer->vaddr, buffer->info.size);

	list_for_each_entry(a, &buffer->attachments, list) {
		if (!a->mapped)
			continue;
		dma_sync_sgtable_for_cpu(a->dev, &a->table, a->dir);
	}
	mutex_unlock(&buffer->lock);

	return 0;
}

static int contig_end_cpu_access(struct dma_buf *dmabuf,
				 enum dma_data_direction direction)
{
	struct contig_buffer *buffer = dmabuf->priv;
	struct contig_attachment *a;
	bool cleaned = false;

	if (buffer->info.uncached) {
		/* Drain write-combine buffers: a device may be started next. */
		wmb();
		return 0;
	}

	mutex_lock(&buffer->lock);

	if (buffer->vmap_cnt)
		flush_kernel_vmap_range(buffer->vaddr, buffer->info.size);

	list_for_each_entry(a, &buffer->attachments, list) {
		if (!a->mapped)
			continue;
		dma_sync_sgtable_for_device(a->dev, &a->table, a->dir);
		cleaned |= contig_sync_cleans(a->dev, a->dir);
	}
	if (cleaned)
		contig_cleaned(buffer);
	mutex_unlock(&buffer->lock);

	return 0;
}

/*
 * User mappings through which the CPU may write, now or after mprotect()
 * (VM_MAYWRITE), keep the buffer dirty while they exist: the CPU can
 * store through them at any time, unseen. open runs for every copy of the
 * vma (fork, split), close for every vma that goes.
 */
static void contig_vma_open(struct vm_area_struct *vma)
{
	struct contig_buffer *buffer = vma->vm_private_data;

	if (!(vma->vm_flags & VM_MAYWRITE))
		return;
	mutex_lock(&buffer->lock);
	buffer->cpu_writers++;
	buffer->cpu_dirty = true;
	mutex_unlock(&buffer->lock);
}

static void contig_vma_close(struct vm_area_struct *vma)
{
	struct contig_buffer *buffer = vma->vm_private_data;

	if (!(vma->vm_flags & VM_MAYWRITE))
		return;
	mutex_lock(&buffer->lock);
	buffer->cpu_writers--;
	mutex_unlock(&buffer->lock);
}

static const struct vm_operations_struct contig_vm_ops = {
	.open = contig_vma_open,
	.close = contig_vma_close,
};

/*
 * Only shared mappings. A MAP_PRIVATE mapping is copy-on-write: the first
 * CPU store would silently move that page of the mapping to anonymous
 * memory that no device ever sees, and remap_pfn_range() would rewrite
 * vm_pgoff to the raw pfn. Such a mapping cannot mean what the caller
 * wants, so it fails with -EINVAL. VM_MAYSHARE rather than VM_SHARED is
 * tested: MAP_SHARED of a read-only dma-buf fd clears VM_SHARED but is
 * still a shared mapping.
 */
static int contig_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct contig_buffer *buffer = dmabuf->priv;
	unsigned long npages = vma_pages(vma);
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	/* The core checks this too; the pfn arithmetic below relies on it. */
	if (vma->vm_pgoff > buffer->pagecount ||
	    npages > buffer->pagecount - vma->vm_pgoff)
		return -EINVAL;

	if (buffer->info.uncached)
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);

	ret = remap_pfn_range(vma, vma->vm_start,
			      PHYS_PFN(buffer->info.phys) + vma->vm_pgoff,
			      vma->vm_end - vma->vm_start, vma->vm_page_prot);
	if (ret)
		return ret;
	/* Set only now: a failed ->mmap() gets no ->close(). */
	vma->vm_private_data = buffer;
	vma->vm_ops = &contig_vm_ops;
	contig_vma_open(vma);
	return 0;
}

static void *contig_do_vmap(struct contig_buffer *buffer)
{
	void *vaddr;

	/* Cached buffers are lowmem System RAM (checked at export). */
	if (!buffer->info.uncached)
		return page_address(pfn_to_page(PHYS_PFN(buffer->info.phys)));

	/* Not System RAM, so this is an ioremap_wc(): no struct page used. */
	vaddr = memremap(buffer->info.phys, buffer->info.size, MEMREMAP_WC);
	return vaddr ?: ERR_PTR(-ENOMEM);
}

static int contig_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct contig_buffer *buffer = dmabuf->priv;
	void *vaddr;
	int ret = 0;

	mutex_lock(&buffer->lock);
	if (!buffer->vmap_cnt) {
		vaddr = contig_do_vmap(buffer);
		if (IS_ERR(vaddr)) {
			ret = PTR_ERR(vaddr);
			goto out;
		}
		buffer->vaddr = vaddr;
	}
	buffer->vmap_cnt++;
	buffer->cpu_dirty = true;	/* written through at any time */
	iosys_map_set_vaddr(map, buffer->vaddr);
out:
	mutex_unlock(&buffer->lock);

	return ret;
}

static void contig_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct contig_buffer *buffer = dmabuf->priv;

	mutex_lock(&buffer->lock);
	if (buffer->vmap_cnt && !--buffer->vmap_cnt) {
		if (buffer->info.uncached)
			memunmap(buffer->vaddr);
		buffer->vaddr = NULL;
	}
	mutex_unlock(&buffer->lock);
	iosys_map_clear(map);
}

static void contig_release(struct dma_buf *dmabuf)
{
	struct contig_buffer *buffer = dmabuf->priv;
	struct module *owner = buffer->info.owner;

	/* An importer bug, not reachable from userspace: report, recover. */
	if (buffer->vmap_cnt) {
		pr_warn("contig: %s buffer released while still vmapped\n",
			buffer->info.exp_name);
		if (buffer->info.uncached)
			memunmap(buffer->vaddr);
	}

	buffer->info.release(buffer->info.priv, buffer->info.phys,
			     buffer->info.size);
	mutex_destroy(&buffer->lock);
	kfree(buffer);
	module_put(owner);
}

static const struct dma_buf_ops contig_buf_ops = {
	.attach = contig_attach,
	.detach = contig_detach,
	.map_dma_buf = contig_map_dma_buf,
	.unmap_dma_buf = contig_unmap_dma_buf,
	.begin_cpu_access = contig_begin_cpu_access,
	.end_cpu_access = contig_end_cpu_access,
	.mmap = contig_mmap,
	.vmap = contig_vmap,
	.vunmap = contig_vunmap,
	.release = contig_release,
};

/**
 * contig_range_usable() - can a range be exported by contig_export()?
 * @phys: physical base address
 * @size: length in bytes
 * @uncached: whether the range will be exported as uncached
 *
 * Checks what contig_export() relies on but, being a walk over every page
 * and the resource tree, does not repeat per buffer: the range is page
 * aligned; a range to be exported cached is System RAM in the kernel's
 * linear map, with lowmem struct pages; a range to be exported uncached
 * has no linear mapping anywhere (not System RAM, and on arm64
 * pfn_is_map_memory() false for every page), which also refuses a region
 * that claims no-map but is mapped. Call it once for a whole region; any
 * page-aligned sub-range is then usable too.
 *
 * Context: process context.
 * Return: 0, or -EINVAL with the reason left to the caller's message.
 */
int contig_range_usable(phys_addr_t phys, size_t size, bool uncached)
{
	unsigned long pfn = PHYS_PFN(phys);
	unsigned long end = pfn + (size >> PAGE_SHIFT);
	int ram;

	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) ||
	    phys + size < phys)
		return -EINVAL;

	ram = region_intersects(phys, size, IORESOURCE_SYSTEM_RAM,
				IORES_DESC_NONE);
	if (uncached) {
		if (ram != REGION_DISJOINT)
			return -EINVAL;
#ifdef CONFIG_ARM64
		for (; pfn < end; pfn++)
			if (pfn_is_map_memory(pfn))
				return -EINVAL;
#endif
		return 0;
	}

	/* Cached access goes through the linear map: it must exist. */
	if (ram != REGION_INTERSECTS)
		return -EINVAL;
	for (; pfn < end; pfn++)
		if (!pfn_valid(pfn))
			return -EINVAL;
	if (PageHighMem(pfn_to_page(PHYS_PFN(phys))) ||
	    PageHighMem(pfn_to_page(end - 1)))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(contig_range_usable, DMABUF_NS(DMABUF_CONTIG));

/**
 * contig_export() - wrap a physically contiguous range in a dma-buf
 * @info: the range and how to give it back; copied, so it may live on the
 *	caller's stack (but @info->exp_name is not copied).
 * @fd_flags: file flags of the dma-buf (O_CLOEXEC, O_ACCMODE bits), as
 *	given to DMA_HEAP_IOCTL_ALLOC.
 *
 * Every attachment gets its own sg_table, split to the importing device's
 * maximum segment size and segment boundary. @info->release runs once the
 * last reference is dropped.
 *
 * Context: process context, may sleep.
 * The range must lie inside one that contig_range_usable() accepted; only
 * its alignment is checked here, to keep the allocation path short.
 *
 * Return: the new dma-buf, ERR_PTR(-EINVAL) if @info does not describe a
 * page-aligned range, or another ERR_PTR() from allocation or
 * dma_buf_export(). On failure the range still belongs to the caller.
 */
struct dma_buf *contig_export(const struct contig_buffer_info *info,
			      int fd_flags)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct contig_buffer *buffer;
	struct dma_buf *dmabuf;
	int ret;

	if (!info || !info->release || !info->size ||
	    !PAGE_ALIGNED(info->phys) || !PAGE_ALIGNED(info->size))
		return ERR_PTR(-EINVAL);

	if (!try_module_get(info->owner))
		return ERR_PTR(-ENODEV);

	buffer = kzalloc(sizeof(*buffer), GFP_KERNEL);
	if (!buffer) {
		ret = -ENOMEM;
		goto put_owner;
	}

	buffer->info = *info;
	buffer->pagecount = info->size >> PAGE_SHIFT;
	buffer->cpu_dirty = !info->clean;
	mutex_init(&buffer->lock);
	INIT_LIST_HEAD(&buffer->attachments);

	exp_info.exp_name = info->exp_name;
	exp_info.ops = &contig_buf_ops;
	exp_info.size = info->size;
	exp_info.flags = fd_flags;
	exp_info.priv = buffer;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto free_buffer;
	}
	return dmabuf;

free_buffer:
	mutex_destroy(&buffer->lock);
	kfree(buffer);
put_owner:
	module_put(info->owner);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_NS_GPL(contig_export, DMABUF_NS(DMABUF_CONTIG));

MODULE_DESCRIPTION("DMA-BUF exporter for physically contiguous ranges");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMABUF_NS(DMA_BUF));
