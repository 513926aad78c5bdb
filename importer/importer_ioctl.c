// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer: the ioctl table and its handlers
 *
 * include/uapi/linux/dmabuf_importer.h defines the interface and
 * Documentation/importer.rst describes it. Every handler runs with the
 * session lock held (importer_priv.h has the locking order).
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/magic.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <linux/dmabuf_importer.h>

#include "importer_priv.h"

#define IMPORTER_MAX_ATTACHMENTS	1024
/*
 * The module of the carveout heaps' dma-buf exporter (exporter/): what
 * dma_buf_export() records as &dma_buf.owner for their buffers.
 */
#define IMPORTER_EXPORTER_MODULE	"contig_exporter"

static int importer_ioctl_device_info(struct importer_session *s, void *data)
{
	struct dmabuf_importer_device_info *args = data;
	struct iommu_domain *domain;
	struct importer_device *idev;
	u32 index = args->index;

	idev = importer_device_get(index);
	if (!idev)
		return -ENODEV;

	memset(args, 0, sizeof(*args));
	args->index = index;
	args->role = idev->role;
	args->flags = idev->flags;
	domain = iommu_get_domain_for_dev(idev->dev);
	if (domain && (domain->type & __IOMMU_DOMAIN_PAGING))
		args->flags |= DMABUF_IMPORTER_DEV_IOMMU;
	args->dma_bits = idev->dma_bits;
	args->max_segment = dma_get_max_seg_size(idev->dev);
	strscpy(args->name, dev_name(idev->dev), sizeof(args->name));
	importer_device_put(idev);
	return 0;
}

static int importer_ioctl_attach(struct importer_session *s, void *data)
{
	struct dmabuf_importer_attach *args = data;
	struct dma_buf_attachment *attach;
	struct importer_attachment *a;
	struct importer_device *idev;
	struct dma_buf *dmabuf;
	int ret;

	if (args->flags)
		return -EINVAL;

	idev = importer_device_get(args->device);
	if (!idev)
		return -ENODEV;
	if (idev->flags & DMABUF_IMPORTER_DEV_NO_DMA) {
		ret = -ENXIO;
		goto put_idev;
	}

	dmabuf = dma_buf_get(args->fd);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto put_idev;
	}

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a) {
		ret = -ENOMEM;
		goto put_buf;
	}
	a->idev = idev;
	a->dmabuf = dmabuf;
	a->size = dmabuf->size;
	/* A dma-buf has one file: the fd's access mode is that file's. */
	a->read_only = !(dmabuf->file->f_mode & FMODE_WRITE);
	INIT_LIST_HEAD(&a->dev_node);

	ret = xa_alloc(&s->attachments, &a->handle, a,
		       XA_LIMIT(1, IMPORTER_MAX_ATTACHMENTS), GFP_KERNEL);
	if (ret) {
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto free_attachment;
	}

	ret = mutex_lock_killable(&idev->lock);
	if (ret)
		goto erase;
	if (idev->dead) {
		ret = -ENODEV;
		goto unlock;
	}
	attach = dma_buf_attach(dmabuf, idev->dev);
	if (IS_ERR(attach)) {
		ret = PTR_ERR(attach);
		goto unlock;
	}
	a->attach = attach;
	list_add_tail(&a->dev_node, &idev->attachments);
	mutex_unlock(&idev->lock);

	args->handle = a->handle;
	args->size = a->size;
	return 0;

unlock:
	mutex_unlock(&idev->lock);
erase:
	xa_erase(&s->attachments, a->handle);
free_attachment:
	kfree(a);
put_buf:
	dma_buf_put(dmabuf);
put_idev:
	importer_device_put(idev);
	return ret;
}

static int importer_ioctl_detach(struct importer_session *s, void *data)
{
	struct dmabuf_importer_handle *args = data;
	struct importer_attachment *a;
	int ret;

	if (args->flags)
		return -EINVAL;
	a = importer_attachment_find(s, args->handle);
	if (!a)
		return -ENOENT;

	ret = mutex_lock_killable(&a->idev->lock);
	if (ret)
		return ret;
	if (!a->revoked)
		importer_attachment_drop_buffer(a);
	mutex_unlock(&a->idev->lock);
	xa_erase(&s->attachments, a->handle);
	importer_attachment_free(a);
	return 0;
}

static int importer_ioctl_map(struct importer_session *s, void *data)
{
	struct dmabuf_importer_map *args = data;
	enum dma_data_direction dir;
	struct importer_attachment *a;
	struct importer_mapping map;
	struct sg_table *sgt;
	int ret;

	ret = importer_dir_from_user(args->direction, &dir);
	if (ret)
		return ret;
	a = importer_attachment_find(s, args->handle);
	if (!a)
		return -ENOENT;

	ret = mutex_lock_killable(&a->idev->lock);
	if (ret)
		return ret;
	if (a->revoked) {
		ret = -ENODEV;
		goto unlock;
	}
	if (a->read_only && dir != DMA_TO_DEVICE) {
		ret = -EACCES;
		goto unlock;
	}
	if (a->sgt) {
		ret = -EBUSY;
		goto unlock;
	}

	sgt = dma_buf_map_attachment_unlocked(a->attach, dir);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto unlock;
	}

	importer_describe(sgt, &map);
	if ((a->idev->flags & DMABUF_IMPORTER_DEV_CONTIG) &&
	    !(map.flags & DMABUF_IMPORTER_MAPPING_CONTIGUOUS)) {
		dev_dbg(a->idev->dev, "buffer of %llu bytes maps to %u scattered DMA segments\n",
			a->size, map.nents);
		dma_buf_unmap_attachment_unlocked(a->attach, sgt, dir);
		ret = -EXDEV;
		goto unlock;
	}

	a->sgt = sgt;
	a->dir = dir;
	a->udir = args->direction;
	a->map = map;
	args->flags = map.flags;
	args->nents = map.nents;
	args->dma_size = map.dma_size;
	args->dma_start = map.dma_start;
	args->dma_end = map.dma_end;
unlock:
	mutex_unlock(&a->idev->lock);
	return ret;
}

static int importer_ioctl_unmap(struct importer_session *s, void *data)
{
	struct dmabuf_importer_handle *args = data;
	struct importer_attachment *a;
	int ret = 0;

	if (args->flags)
		return -EINVAL;
	a = importer_attachment_find(s, args->handle);
	if (!a)
		return -ENOENT;

	ret = mutex_lock_killable(&a->idev->lock);
	if (ret)
		return ret;
	if (a->revoked)
		ret = -ENODEV;
	else if (!a->sgt)
		ret = -ENOTCONN;
	else
		importer_attachment_unmap(a);
	mutex_unlock(&a->idev->lock);
	return ret;
}

static int importer_ioctl_fill(struct importer_session *s, void *data)
{
	struct dmabuf_importer_fill *args = data;

	return importer_dma(s, args->handle, args->offset, args->length,
		       args->seed, NULL);
}

static int importer_ioctl_checksum(struct importer_session *s, void *data)
{
	struct dmabuf_importer_checksum *args = data;

	if (args->flags)
		return -EINVAL;
	return importer_dma(s, args->handle, args->offset, args->length, 0,
		       &args->checksum);
}

static int importer_ioctl_sync(struct importer_session *s, void *data)
{
	struct dmabuf_importer_sync *args = data;
	enum dma_data_direction dir;
	struct importer_attachment *a;
	int ret;

	if (args->flags & ~(DMABUF_IMPORTER_SYNC_RW | DMABUF_IMPORTER_SYNC_END))
		return -EINVAL;
	switch (args->flags & DMABUF_IMPORTER_SYNC_RW) {
	case DMABUF_IMPORTER_SYNC_READ:
		dir = DMA_FROM_DEVICE;
		break;
	case DMABUF_IMPORTER_SYNC_WRITE:
		dir = DMA_TO_DEVICE;
		break;
	case DMABUF_IMPORTER_SYNC_RW:
		dir = DMA_BIDIRECTIONAL;
		break;
	default:
		return -EINVAL;
	}
	a = importer_attachment_find(s, args->handle);
	if (!a)
		return -ENOENT;

	ret = mutex_lock_killable(&a->idev->lock);
	if (ret)
		return ret;
	if (a->revoked)
		ret = -ENODEV;
	else if (args->flags & DMABUF_IMPORTER_SYNC_END)
		ret = dma_buf_end_cpu_access(a->dmabuf, dir);
	else
		ret = dma_buf_begin_cpu_access(a->dmabuf, dir);
	mutex_unlock(&a->idev->lock);
	return ret;
}

static int importer_ioctl_query(struct importer_session *s, void *data)
{
	struct dmabuf_importer_query *args = data;
	struct importer_attachment *a;
	u32 handle = args->handle;
	int ret;

	a = importer_attachment_find(s, handle);
	if (!a)
		return -ENOENT;

	ret = mutex_lock_killable(&a->idev->lock);
	if (ret)
		return ret;
	memset(args, 0, sizeof(*args));
	args->handle = handle;
	args->device = a->idev->index;
	if (a->revoked) {
		args->state = DMABUF_IMPORTER_STATE_REVOKED;
	} else {
		args->size = a->size;
		if (a->sgt) {
			args->state = DMABUF_IMPORTER_STATE_MAPPED;
			args->direction = a->udir;
			args->flags = a->map.flags;
			args->nents = a->map.nents;
			args->dma_size = a->map.dma_size;
			args->dma_start = a->map.dma_start;
			args->dma_end = a->map.dma_end;
		}
	}
	mutex_unlock(&a->idev->lock);
	return 0;
}

/* ioctl dispatch, versioned by struct size */

union importer_ioctl_arg {
	struct dmabuf_importer_device_info device_info;
	struct dmabuf_importer_attach attach;
	struct dmabuf_importer_handle handle;
	struct dmabuf_importer_map map;
	struct dmabuf_importer_fill fill;
	struct dmabuf_importer_checksum checksum;
	struct dmabuf_importer_sync sync;
	struct dmabuf_importer_query query;
	struct dmabuf_importer_cpu_mapping cpu_mapping;
};

/* The memory type that a page-table entry's attributes select. */
static u32 importer_memtype(pgprot_t prot)
{
#ifdef CONFIG_ARM64
	switch (pgprot_val(prot) & PTE_ATTRINDX_MASK) {
	case PTE_ATTRINDX(MT_NORMAL):
	case PTE_ATTRINDX(MT_NORMAL_TAGGED):
		return DMABUF_IMPORTER_MEM_CACHED;
	case PTE_ATTRINDX(MT_NORMAL_NC):
		return DMABUF_IMPORTER_MEM_UNCACHED;
	case PTE_ATTRINDX(MT_DEVICE_nGnRnE):
	case PTE_ATTRINDX(MT_DEVICE_nGnRE):
		return DMABUF_IMPORTER_MEM_DEVICE;
	}
#endif
	return DMABUF_IMPORTER_MEM_UNKNOWN;
}

/*
 * Is @vma a mapping of a dma-buf that the carveout heaps' exporter made?
 * Every dma-buf file lives on the dma-buf pseudo filesystem and points at
 * its buffer; dma_buf_export() holds the exporter's module as the
 * buffer's owner. Nothing else passes both, so the ioctl cannot inspect
 * the mappings of other drivers. Caller holds the mmap lock.
 */
static bool importer_vma_is_ours(struct vm_area_struct *vma)
{
	struct file *file = vma->vm_file;
	struct dma_buf *dmabuf;

	if (!file || file_inode(file)->i_sb->s_magic != DMA_BUF_MAGIC)
		return false;
	dmabuf = file->private_data;
	return dmabuf && dmabuf->owner &&
	       !strcmp(module_name(dmabuf->owner), IMPORTER_EXPORTER_MODULE);
}

static int importer_ioctl_cpu_mapping(struct importer_session *s, void *data)
{
	struct dmabuf_importer_cpu_mapping *m = data;
	struct follow_pfnmap_args args = { };
	struct mm_struct *mm = current->mm;
	unsigned long addr = m->addr;
	int ret;

	if (!mm || addr != m->addr)
		return -EFAULT;

	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	args.vma = vma_lookup(mm, addr);
	if (!args.vma) {
		ret = -EFAULT;
		goto unlock;
	}
	if (!importer_vma_is_ours(args.vma)) {
		ret = -EINVAL;
		goto unlock;
	}
	args.address = addr;
	ret = follow_pfnmap_start(&args);
	if (ret)
		goto unlock;
	/* The memory type only: no physical address leaves the kernel. */
	memset(m, 0, sizeof(*m));
	m->addr = addr;
	m->memtype = importer_memtype(args.pgprot);
	m->flags = args.writable ? DMABUF_IMPORTER_CPU_WRITABLE : 0;
	follow_pfnmap_end(&args);
unlock:
	mmap_read_unlock(mm);
	return ret;
}

/*
 * ATTACH and MAP create state that only the handle they return can name:
 * if that answer cannot be copied back, undo them, so that a failed call
 * leaves nothing behind.
 */
static void importer_undo_attach(struct importer_session *s, void *data)
{
	struct dmabuf_importer_attach *args = data;
	struct importer_attachment *a = xa_erase(&s->attachments, args->handle);

	importer_attachment_destroy(a);
}

static void importer_undo_map(struct importer_session *s, void *data)
{
	struct dmabuf_importer_map *args = data;
	struct importer_attachment *a = importer_attachment_find(s, args->handle);

	mutex_lock(&a->idev->lock);
	/* A device removal may have unmapped it already. */
	if (a->sgt)
		importer_attachment_unmap(a);
	mutex_unlock(&a->idev->lock);
}

/**
 * struct importer_ioctl_desc - one ioctl
 * @cmd: the command as this kernel knows it (its size is the kernel's)
 * @min_size: size of the first version of the struct: where its last
 *	field ends. A struct that grows keeps its old end here.
 * @handler: called with the session lock held
 * @undo: if set, reverts a successful @handler whose result could not be
 *	copied back to userspace; called with the session lock held
 */
struct importer_ioctl_desc {
	unsigned int cmd;
	unsigned int min_size;
	int (*handler)(struct importer_session *s, void *data);
	void (*undo)(struct importer_session *s, void *data);
};

static const struct importer_ioctl_desc importer_ioctls[] = {
	{ DMABUF_IMPORTER_IOC_DEVICE_INFO,
	  offsetofend(struct dmabuf_importer_device_info, name),
	  importer_ioctl_device_info },
	{ DMABUF_IMPORTER_IOC_ATTACH,
	  offsetofend(struct dmabuf_importer_attach, size),
	  importer_ioctl_attach, importer_undo_attach },
	{ DMABUF_IMPORTER_IOC_DETACH,
	  offsetofend(struct dmabuf_importer_handle, flags),
	  importer_ioctl_detach },
	{ DMABUF_IMPORTER_IOC_MAP,
	  offsetofend(struct dmabuf_importer_map, dma_end),
	  importer_ioctl_map, importer_undo_map },
	{ DMABUF_IMPORTER_IOC_UNMAP,
	  offsetofend(struct dmabuf_importer_handle, flags),
	  importer_ioctl_unmap },
	{ DMABUF_IMPORTER_IOC_FILL,
	  offsetofend(struct dmabuf_importer_fill, length),
	  importer_ioctl_fill },
	{ DMABUF_IMPORTER_IOC_CHECKSUM,
	  offsetofend(struct dmabuf_importer_checksum, checksum),
	  importer_ioctl_checksum },
	{ DMABUF_IMPORTER_IOC_SYNC,
	  offsetofend(struct dmabuf_importer_sync, flags),
	  importer_ioctl_sync },
	{ DMABUF_IMPORTER_IOC_QUERY,
	  offsetofend(struct dmabuf_importer_query, dma_end),
	  importer_ioctl_query },
	{ DMABUF_IMPORTER_IOC_CPU_MAPPING,
	  offsetofend(struct dmabuf_importer_cpu_mapping, __reserved),
	  importer_ioctl_cpu_mapping },
};

static const struct importer_ioctl_desc *importer_ioctl_find(unsigned int ucmd)
{
	unsigned int i;

	if (_IOC_TYPE(ucmd) != DMABUF_IMPORTER_IOC_MAGIC)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(importer_ioctls); i++)
		if (_IOC_NR(importer_ioctls[i].cmd) == _IOC_NR(ucmd) &&
		    _IOC_DIR(importer_ioctls[i].cmd) == _IOC_DIR(ucmd))
			return &importer_ioctls[i];
	return NULL;
}

long importer_ioctl(struct file *file, unsigned int ucmd, unsigned long arg)
{
	struct importer_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct importer_ioctl_desc *desc;
	union importer_ioctl_arg data;
	size_t usize, ksize;
	int ret;

	desc = importer_ioctl_find(ucmd);
	if (!desc)
		return -ENOTTY;

	usize = _IOC_SIZE(ucmd);
	ksize = _IOC_SIZE(desc->cmd);
	if (usize < desc->min_size)
		return -EINVAL;

	/* Zero-fills past a shorter struct, -E2BIG for unknown non-zero bytes */
	ret = copy_struct_from_user(&data, ksize, uarg, usize);
	if (ret)
		return ret;

	ret = mutex_lock_killable(&s->lock);
	if (ret)
		return ret;
	ret = desc->handler(s, &data);
	if (!ret && (_IOC_DIR(desc->cmd) & _IOC_READ) &&
	    copy_to_user(uarg, &data, min(usize, ksize))) {
		if (desc->undo)
			desc->undo(s, &data);
		ret = -EFAULT;
	}
	mutex_unlock(&s->lock);
	return ret;
}
