// SPDX-License-Identifier: GPL-2.0
/*
 * DMA-BUF exporter for physically contiguous ranges
 *
 * Laid out like drivers/dma-buf/heaps/cma_heap.c: the structs, then the
 * dma_buf_ops in lifecycle order, the ops table and the export call.
 *
 * Two kinds of buffer:
 *
 * - cached: the range is System RAM in the kernel's linear map. CPU
 *   mappings are cacheable; device mappings do the cache maintenance of
 *   the DMA API, and begin/end_cpu_access sync every mapped attachment.
 * - uncached: the range may have no linear alias at all (a no-map
 *   reserved-memory region), so nothing here may reach it through
 *   phys_to_virt() or page_address(): on arm64 cache maintenance by VA on
 *   an unmapped alias faults. CPU mappings are write-combined and device
 *   mappings pass DMA_ATTR_SKIP_CPU_SYNC.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/error-injection.h>
#include <linux/highmem.h>
#include <linux/iosys-map.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "contig_exporter.h"
#include "dmabuf_compat.h"

struct contig_buffer {
	struct contig_buffer_info info;
	pgoff_t pagecount;
	/* protects attachments, every attachment's mapped flag and the vmap */
	struct mutex lock;
	struct list_head attachments;
	unsigned int vmap_cnt;
	void *vaddr;
};

struct contig_attachment {
	struct device *dev;
	struct sg_table table;
	struct list_head list;
	enum dma_data_direction dir;
	bool mapped;
};

static unsigned long contig_dma_attrs(const struct contig_buffer *buffer)
{
	return buffer->info.uncached ? DMA_ATTR_SKIP_CPU_SYNC : 0;
}

/*
 * Length of the sg entry starting at @pos: at most @max_seg bytes and never
 * crossing a @boundary (a mask, as dma_get_seg_boundary() returns it).
 * Written so that boundary == ULONG_MAX cannot overflow.
 */
static size_t contig_seg_len(phys_addr_t pos, size_t remaining,
			     unsigned int max_seg, unsigned long boundary)
{
	unsigned long room = boundary - ((unsigned long)pos & boundary);
	size_t len = min_t(size_t, remaining, max_seg);

	if (len - 1 > room)
		len = room + 1;
	return len;
}

/*
 * Build one sg_table per attachment, cut to what the importing device
 * accepts. A single entry covering the whole buffer would be simplest, but
 * an importer with a 64 KiB maximum segment (vgem, most platform devices
 * without dma_parms) would then be handed segments it cannot take, which
 * DMA_API_DEBUG reports as "mapping sg segment longer than device claims to
 * support". The boundary is applied to physical addresses; with direct
 * mapping the DMA address differs only by a large aligned offset, and an
 * IOMMU splits again as needed.
 *
 * This, contig_map_dma_buf() and contig_export() are the exporter's
 * failure points for fail_function (ALLOW_ERROR_INJECTION; see
 * Documentation/reliability.rst); noinline keeps this one a real call.
 */
static noinline int contig_build_table(struct contig_buffer *buffer,
				       struct device *dev,
				       struct sg_table *table)
{
	unsigned long boundary = dma_get_seg_boundary(dev);
	unsigned int max_seg = dma_get_max_seg_size(dev);
	phys_addr_t end = buffer->info.phys + buffer->info.size;
	unsigned long nents = 0;
	struct scatterlist *sg;
	phys_addr_t pos;
	size_t len;
	int ret;

	/* Segments smaller than a page cannot describe whole pages. */
	if (max_seg < PAGE_SIZE || boundary < PAGE_SIZE - 1) {
		dev_dbg(dev, "contig: segment limits below PAGE_SIZE\n");
		return -EINVAL;
	}
	max_seg = round_down(max_seg, PAGE_SIZE);

	for (pos = buffer->info.phys; pos < end; pos += len) {
		len = contig_seg_len(pos, end - pos, max_seg, boundary);
		nents++;
	}
	if (nents > UINT_MAX)
		return -EINVAL;

	ret = sg_alloc_table(table, nents, GFP_KERNEL);
	if (ret)
		return ret;

	sg = table->sgl;
	for (pos = buffer->info.phys; pos < end; pos += len) {
		len = contig_seg_len(pos, end - pos, max_seg, boundary);
		sg_set_page(sg, pfn_to_page(PHYS_PFN(pos)), len,
			    offset_in_page(pos));
		sg = sg_next(sg);
	}
	return 0;
}
ALLOW_ERROR_INJECTION(contig_build_table, ERRNO);

static int contig_attach(struct dma_buf *dmabuf,
			 struct dma_buf_attachment *attachment)
{
	struct contig_buffer *buffer = dmabuf->priv;
	struct contig_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;

	ret = contig_build_table(buffer, attachment->dev, &a->table);
	if (ret)
		goto free_attachment;

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

	sg_free_table(&a->table);
	kfree(a);
}

static struct sg_table *contig_map_dma_buf(struct dma_buf_attachment *attachment,
					   enum dma_data_direction direction)
{
	struct contig_buffer *buffer = attachment->dmabuf->priv;
	struct contig_attachment *a = attachment->priv;
	int ret;

	ret = dma_map_sgtable(attachment->dev, &a->table, direction,
			      contig_dma_attrs(buffer));
	if (ret)
		return ERR_PTR(ret);

	mutex_lock(&buffer->lock);
	a->dir = direction;
	a->mapped = true;
	mutex_unlock(&buffer->lock);

	return &a->table;
}
ALLOW_ERROR_INJECTION(contig_map_dma_buf, ERRNO);

static void contig_unmap_dma_buf(struct dma_buf_attachment *attachment,
				 struct sg_table *table,
				 enum dma_data_direction direction)
{
	struct contig_buffer *buffer = attachment->dmabuf->priv;
	struct contig_attachment *a = attachment->priv;

	mutex_lock(&buffer->lock);
	a->mapped = false;
	mutex_unlock(&buffer->lock);

	dma_unmap_sgtable(attachment->dev, table, direction,
			  contig_dma_attrs(buffer));
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
	}
	mutex_unlock(&buffer->lock);

	return 0;
}

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

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;

	/* The core checks this too; the pfn arithmetic below relies on it. */
	if (vma->vm_pgoff > buffer->pagecount ||
	    npages > buffer->pagecount - vma->vm_pgoff)
		return -EINVAL;

	if (buffer->info.uncached)
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);

	return remap_pfn_range(vma, vma->vm_start,
			       PHYS_PFN(buffer->info.phys) + vma->vm_pgoff,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static void *contig_do_vmap(struct contig_buffer *buffer)
{
	unsigned long pfn = PHYS_PFN(buffer->info.phys);
	struct page **pages;
	void *vaddr;
	pgoff_t i;

	/* Cached buffers are lowmem System RAM (checked at export). */
	if (!buffer->info.uncached)
		return page_address(pfn_to_page(pfn));

	pages = kvmalloc_array(buffer->pagecount, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < buffer->pagecount; i++)
		pages[i] = pfn_to_page(pfn + i);

	vaddr = vmap(pages, buffer->pagecount, VM_MAP,
		     pgprot_writecombine(PAGE_KERNEL));
	kvfree(pages);
	if (!vaddr)
		return ERR_PTR(-ENOMEM);

	return vaddr;
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
			vunmap(buffer->vaddr);
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
			vunmap(buffer->vaddr);
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
 * aligned, every page has a struct page (pfn_valid()), and a range to be
 * exported cached is System RAM in the kernel's linear map. Call it once
 * for a whole region; any page-aligned sub-range is then usable too.
 *
 * Context: process context.
 * Return: 0, or -EINVAL with the reason left to the caller's message.
 */
int contig_range_usable(phys_addr_t phys, size_t size, bool uncached)
{
	unsigned long pfn = PHYS_PFN(phys);
	unsigned long end = pfn + (size >> PAGE_SHIFT);

	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) ||
	    phys + size < phys)
		return -EINVAL;

	for (; pfn < end; pfn++)
		if (!pfn_valid(pfn))
			return -EINVAL;

	if (uncached)
		return 0;

	/* Cached access goes through the linear map: it must exist. */
	if (region_intersects(phys, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_INTERSECTS)
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
ALLOW_ERROR_INJECTION(contig_export, ERRNO);

MODULE_DESCRIPTION("DMA-BUF exporter for physically contiguous ranges");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMABUF_NS(DMA_BUF));
