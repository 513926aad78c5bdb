// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer: uAPI, device registry and attachment bookkeeping
 *
 * Userspace drives the importer side of dma-buf through /dev/dmabuf_importer
 * (include/uapi/linux/dmabuf_importer.h, Documentation/importer.rst). The
 * devices come from importer_platform.c (emulated camera, GPU, display,
 * declared in the device tree) and importer_edu.c (QEMU's edu PCI device);
 * this file knows them only through &struct imp_device.
 *
 * Locking, outermost first:
 *   imp_session.lock    every ioctl of one open file, so that two threads
 *                       racing on one attachment see each other's result
 *   imp_devices_lock    the device registry (never held with the others)
 *   imp_device.lock     one device: its DMA, its attachment list, and the
 *                       mapping state of those attachments; the dma-buf
 *                       core's reservation lock nests inside it
 * Device removal takes only imp_device.lock: it revokes (unmaps and
 * detaches) the device's attachments but leaves them in their file, so
 * that the file's handles stay valid until DETACH or close.
 *
 * Every ioctl takes its locks killably (an edu transfer holds a device for
 * a while); only close and the undoing of a half-done ioctl, which cannot
 * fail, wait uninterruptibly. FILL and CHECKSUM wait for the buffer's
 * fences holding no device lock: a job waiting for a fence that another
 * process signals (or never signals) holds up no one else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-direction.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/jiffies.h>
#include <linux/magic.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <linux/dmabuf_importer.h>

#include "dmabuf_compat.h"
#include "importer.h"

#define IMP_MAX_DEVICES		64
#define IMP_MAX_ATTACHMENTS	1024
/* How long a device waits for the buffer's implicit fences */
#define IMP_FENCE_TIMEOUT_MS	10000
/*
 * The module of the carveout heaps' dma-buf exporter (exporter/): what
 * dma_buf_export() records as &dma_buf.owner for their buffers.
 */
#define IMP_EXPORTER_MODULE	"contig_exporter"

static DEFINE_XARRAY_ALLOC(imp_devices);
static DEFINE_MUTEX(imp_devices_lock);

/**
 * struct imp_mapping - what a mapping looks like in DMA address space
 * @flags: DMABUF_IMPORTER_MAPPING_* flags
 * @nents: DMA segments
 * @dma_size: sum of the segment lengths
 * @dma_start: lowest DMA address of any segment
 * @dma_end: highest DMA address of any segment, plus one
 */
struct imp_mapping {
	u32 flags;
	u32 nents;
	u64 dma_size;
	u64 dma_start;
	u64 dma_end;
};

/**
 * struct imp_attachment - one dma-buf attached to one device
 * @idev: the device; a reference is held
 * @dmabuf: the buffer, referenced; NULL once revoked
 * @attach: the dma-buf attachment; NULL once revoked
 * @sgt: the mapping, or NULL when unmapped
 * @dir: direction of @sgt
 * @udir: the same, as a DMABUF_IMPORTER_DIR_* value
 * @map: description of @sgt
 * @size: size of @dmabuf
 * @handle: uAPI handle, the index in &imp_session.attachments
 * @read_only: the dma-buf's file is not open for writing: the device may
 *	only read it
 * @revoked: the device went away and took the attachment with it
 * @dev_node: entry in &imp_device.attachments
 *
 * Everything but @handle is protected by &imp_device.lock of @idev.
 */
struct imp_attachment {
	struct imp_device *idev;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	u32 udir;
	struct imp_mapping map;
	u64 size;
	u32 handle;
	bool read_only;
	bool revoked;
	struct list_head dev_node;
};

/**
 * struct imp_session - one open file of /dev/dmabuf_importer
 * @lock: serializes the file's ioctls
 * @attachments: handle -> &struct imp_attachment
 */
struct imp_session {
	struct mutex lock;	/* one ioctl at a time */
	struct xarray attachments;
};

/* Device registry */

static void imp_device_release(struct kref *ref)
{
	struct imp_device *idev = container_of(ref, struct imp_device, ref);
	struct device *dev = idev->dev;

	mutex_destroy(&idev->lock);
	idev->ops->release(idev);
	put_device(dev);
}

/**
 * imp_device_init() - prepare an importer device before registration
 * @idev: the device, embedded in the driver's own structure
 * @dev: the struct device that attaches and maps buffers
 * @ops: data movement; @ops->release frees the embedding structure
 *
 * The caller sets &imp_device.role, .flags, .dma_bits and .max_xfer
 * before imp_device_register(). From here on, the embedding structure is
 * freed through imp_device_put() only. A reference to @dev is held until
 * then, as open files may keep revoked attachments after the device left.
 */
void imp_device_init(struct imp_device *idev, struct device *dev,
		     const struct imp_device_ops *ops)
{
	idev->dev = get_device(dev);
	idev->ops = ops;
	kref_init(&idev->ref);
	mutex_init(&idev->lock);
	INIT_LIST_HEAD(&idev->attachments);
}

static const char *imp_role_name(u32 role)
{
	switch (role) {
	case DMABUF_IMPORTER_ROLE_CAMERA:
		return "camera";
	case DMABUF_IMPORTER_ROLE_GPU:
		return "gpu";
	case DMABUF_IMPORTER_ROLE_DISPLAY:
		return "display";
	case DMABUF_IMPORTER_ROLE_EDU:
		return "edu";
	}
	return "unknown";
}

/**
 * imp_device_register() - make a device visible to userspace
 * @idev: a device set up by imp_device_init()
 *
 * Context: process context.
 * Return: 0, or -ENOSPC when every device index is in use.
 */
int imp_device_register(struct imp_device *idev)
{
	int ret;

	mutex_lock(&imp_devices_lock);
	ret = xa_alloc(&imp_devices, &idev->index, idev,
		       XA_LIMIT(0, IMP_MAX_DEVICES - 1), GFP_KERNEL);
	mutex_unlock(&imp_devices_lock);
	if (ret)
		return ret == -EBUSY ? -ENOSPC : ret;

	dev_info(idev->dev, "importer device %u: %s, %u-bit DMA%s%s%s\n",
		 idev->index, imp_role_name(idev->role), idev->dma_bits,
		 idev->flags & DMABUF_IMPORTER_DEV_COHERENT ? ", coherent" : "",
		 idev->flags & DMABUF_IMPORTER_DEV_CONTIG ? ", contiguous only" : "",
		 idev->flags & DMABUF_IMPORTER_DEV_NO_DMA ? ", no DMA" : "");
	return 0;
}

static void imp_attachment_unmap(struct imp_attachment *a)
{
	dma_buf_unmap_attachment_unlocked(a->attach, a->sgt, a->dir);
	a->sgt = NULL;
	a->udir = 0;
	memset(&a->map, 0, sizeof(a->map));
}

/* Unmap, detach and drop the buffer. Caller holds a->idev->lock. */
static void imp_attachment_drop_buffer(struct imp_attachment *a)
{
	if (a->sgt)
		imp_attachment_unmap(a);
	dma_buf_detach(a->dmabuf, a->attach);
	dma_buf_put(a->dmabuf);
	a->attach = NULL;
	a->dmabuf = NULL;
	list_del_init(&a->dev_node);
}

/**
 * imp_device_unregister() - remove a device from userspace's view
 * @idev: a registered device
 *
 * Every attachment of the device, in any open file, is unmapped and
 * detached here (the file keeps a revoked handle), and the device's ops are
 * never called again, so the driver may release its hardware afterwards.
 * The caller still holds its reference and drops it with imp_device_put().
 *
 * Context: process context.
 */
void imp_device_unregister(struct imp_device *idev)
{
	struct imp_attachment *a, *tmp;

	mutex_lock(&imp_devices_lock);
	xa_erase(&imp_devices, idev->index);
	mutex_unlock(&imp_devices_lock);

	mutex_lock(&idev->lock);
	idev->dead = true;
	list_for_each_entry_safe(a, tmp, &idev->attachments, dev_node) {
		imp_attachment_drop_buffer(a);
		a->revoked = true;
	}
	mutex_unlock(&idev->lock);
}

/**
 * imp_device_put() - drop a reference to an importer device
 * @idev: the device
 *
 * The last reference calls &imp_device_ops.release.
 */
void imp_device_put(struct imp_device *idev)
{
	kref_put(&idev->ref, imp_device_release);
}

static struct imp_device *imp_device_get(u32 index)
{
	struct imp_device *idev;

	mutex_lock(&imp_devices_lock);
	idev = xa_load(&imp_devices, index);
	if (idev)
		kref_get(&idev->ref);
	mutex_unlock(&imp_devices_lock);
	return idev;
}

/* Attachments */

static void imp_attachment_free(struct imp_attachment *a)
{
	imp_device_put(a->idev);
	kfree(a);
}

/* For close and undo, which cannot fail: DETACH waits killably. */
static void imp_attachment_destroy(struct imp_attachment *a)
{
	mutex_lock(&a->idev->lock);
	if (!a->revoked)
		imp_attachment_drop_buffer(a);
	mutex_unlock(&a->idev->lock);
	imp_attachment_free(a);
}

static struct imp_attachment *imp_attachment_find(struct imp_session *s,
						  u32 handle)
{
	return handle ? xa_load(&s->attachments, handle) : NULL;
}

static void imp_describe(struct sg_table *sgt, struct imp_mapping *m)
{
	struct scatterlist *sg;
	dma_addr_t next = 0;
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->flags = DMABUF_IMPORTER_MAPPING_CONTIGUOUS;
	m->nents = sgt->nents;
	m->dma_start = U64_MAX;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);

		if (i && addr != next)
			m->flags &= ~DMABUF_IMPORTER_MAPPING_CONTIGUOUS;
		next = addr + sg_dma_len(sg);
		m->dma_size += sg_dma_len(sg);
		m->dma_start = min_t(u64, m->dma_start, addr);
		m->dma_end = max_t(u64, m->dma_end, next);
	}
	if (!m->nents)
		m->dma_start = 0;
}

static int imp_dir_from_user(u32 udir, enum dma_data_direction *dir)
{
	switch (udir) {
	case DMABUF_IMPORTER_DIR_TO_DEVICE:
		*dir = DMA_TO_DEVICE;
		return 0;
	case DMABUF_IMPORTER_DIR_FROM_DEVICE:
		*dir = DMA_FROM_DEVICE;
		return 0;
	case DMABUF_IMPORTER_DIR_BIDIRECTIONAL:
		*dir = DMA_BIDIRECTIONAL;
		return 0;
	}
	return -EINVAL;
}

/* Device data movement through the DMA segments of a mapping */

/* A walk over the DMA segments of a mapping, in buffer order */
struct imp_cursor {
	struct scatterlist *sg;
	unsigned int left;	/* DMA segments from @sg on */
	u64 pos;		/* buffer offset at which @sg starts */
};

/*
 * The DMA range backing buffer offset @off: at most @max bytes, inside one
 * segment. Offsets only grow during a walk.
 */
static int imp_cursor_next(struct imp_cursor *c, u64 off, size_t max,
			   dma_addr_t *addr, size_t *len)
{
	while (c->left && off >= c->pos + sg_dma_len(c->sg)) {
		c->pos += sg_dma_len(c->sg);
		c->sg = sg_next(c->sg);
		c->left--;
	}
	if (!c->left || off < c->pos)
		return -EINVAL;	/* the mapping is shorter than the buffer */

	*addr = sg_dma_address(c->sg) + (off - c->pos);
	*len = min_t(u64, max, c->pos + sg_dma_len(c->sg) - off);
	return 0;
}

static void imp_pattern(__le32 *buf, u64 off, size_t len, u32 seed)
{
	size_t i;

	for (i = 0; i < len / sizeof(*buf); i++)
		buf[i] = cpu_to_le32(seed ^ (u32)(off + i * sizeof(*buf)));
}

static u64 imp_hash(u64 h, const __le32 *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len / sizeof(*buf); i++) {
		h ^= le32_to_cpu(buf[i]);
		h *= DMABUF_IMPORTER_FNV_PRIME;
	}
	return h;
}

/*
 * The device writes the pattern (@hash NULL) or reads and hashes
 * [@offset, @offset + @length) of the buffer, one staging window at a time:
 * the window holds consecutive buffer bytes, which the device moves in
 * pieces that never cross a DMA segment.
 */
static int imp_transfer(struct imp_attachment *a, u64 offset, u64 length,
			u32 seed, u64 *hash)
{
	struct imp_cursor c = { .sg = a->sgt->sgl, .left = a->sgt->nents };
	struct imp_device *idev = a->idev;
	size_t chunk = min_t(u64, length, idev->max_xfer);
	u64 end = offset + length, off, h = DMABUF_IMPORTER_FNV_OFFSET;
	size_t n, done, len;
	dma_addr_t addr;
	__le32 *buf;
	int ret = 0;

	buf = kvmalloc(chunk, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	for (off = offset; off < end; off += n) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		n = min_t(u64, end - off, chunk);
		if (!hash)
			imp_pattern(buf, off, n, seed);
		for (done = 0; done < n; done += len) {
			ret = imp_cursor_next(&c, off + done, n - done,
					      &addr, &len);
			if (ret)
				goto out;
			if (hash)
				ret = idev->ops->read(idev, addr,
						      (u8 *)buf + done, len);
			else
				ret = idev->ops->write(idev, addr,
						       (u8 *)buf + done, len);
			if (ret)
				goto out;
		}
		if (hash)
			h = imp_hash(h, buf, n);
		cond_resched();
	}
	if (hash)
		*hash = h;
out:
	kvfree(buf);
	return ret;
}

/*
 * Everything FILL and CHECKSUM check before the device moves a byte, in
 * the order the errors are documented. Caller holds a->idev->lock.
 */
static int imp_dma_check(struct imp_attachment *a, u64 offset, u64 length,
			 bool device_writes)
{
	if (a->revoked)
		return -ENODEV;
	if (!length || !IS_ALIGNED(offset, DMABUF_IMPORTER_ALIGN) ||
	    !IS_ALIGNED(length, DMABUF_IMPORTER_ALIGN) ||
	    offset > a->size || length > a->size - offset)
		return -EINVAL;
	if (device_writes && a->read_only)
		return -EACCES;
	if (!a->sgt)
		return -ENOTCONN;
	if (a->dir != DMA_BIDIRECTIONAL &&
	    a->dir != (device_writes ? DMA_FROM_DEVICE : DMA_TO_DEVICE))
		return -EPERM;
	return 0;
}

/*
 * A device writing waits for every fence, one reading for writers. Any
 * signal interrupts the wait (-ERESTARTSYS: restarted for a handler with
 * SA_RESTART, EINTR otherwise), so a fence that never signals holds its
 * waiter for IMP_FENCE_TIMEOUT_MS at most, and a killed one not at all.
 */
static int imp_wait_fences(struct dma_buf *dmabuf, bool device_writes)
{
	long ret;

	ret = dma_resv_wait_timeout(dmabuf->resv,
				    dma_resv_usage_rw(device_writes), true,
				    msecs_to_jiffies(IMP_FENCE_TIMEOUT_MS));
	if (ret < 0)
		return ret;
	return ret ? 0 : -ETIMEDOUT;
}

/*
 * FILL (@hash NULL) and CHECKSUM: check, wait for the fences with the
 * device unlocked, then move the data.
 */
static int imp_dma(struct imp_session *s, u32 handle, u64 offset, u64 length,
		   u32 seed, u64 *hash)
{
	struct imp_attachment *a;
	struct imp_device *idev;
	struct dma_buf *dmabuf;
	int ret;

	a = imp_attachment_find(s, handle);
	if (!a)
		return -ENOENT;
	idev = a->idev;

	ret = mutex_lock_killable(&idev->lock);
	if (ret)
		return ret;
	ret = imp_dma_check(a, offset, length, !hash);
	if (ret)
		goto unlock;
	/* A device removal may drop the attachment's reference meanwhile. */
	dmabuf = a->dmabuf;
	get_dma_buf(dmabuf);
	mutex_unlock(&idev->lock);

	ret = imp_wait_fences(dmabuf, !hash);
	dma_buf_put(dmabuf);
	if (ret)
		return ret;

	ret = mutex_lock_killable(&idev->lock);
	if (ret)
		return ret;
	/*
	 * The session lock keeps this file's other ioctls out: only a device
	 * removal can have changed the attachment while it was unlocked.
	 */
	if (a->revoked)
		ret = -ENODEV;
	else
		ret = imp_transfer(a, offset, length, seed, hash);
unlock:
	mutex_unlock(&idev->lock);
	return ret;
}

/* ioctls: each runs with the session lock held */

static int imp_ioctl_device_info(struct imp_session *s, void *data)
{
	struct dmabuf_importer_device_info *args = data;
	struct iommu_domain *domain;
	struct imp_device *idev;
	u32 index = args->index;

	idev = imp_device_get(index);
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
	imp_device_put(idev);
	return 0;
}

static int imp_ioctl_attach(struct imp_session *s, void *data)
{
	struct dmabuf_importer_attach *args = data;
	struct dma_buf_attachment *attach;
	struct imp_attachment *a;
	struct imp_device *idev;
	struct dma_buf *dmabuf;
	int ret;

	if (args->flags)
		return -EINVAL;

	idev = imp_device_get(args->device);
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
		       XA_LIMIT(1, IMP_MAX_ATTACHMENTS), GFP_KERNEL);
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
	imp_device_put(idev);
	return ret;
}

static int imp_ioctl_detach(struct imp_session *s, void *data)
{
	struct dmabuf_importer_handle *args = data;
	struct imp_attachment *a;
	int ret;

	if (args->flags)
		return -EINVAL;
	a = imp_attachment_find(s, args->handle);
	if (!a)
		return -ENOENT;

	ret = mutex_lock_killable(&a->idev->lock);
	if (ret)
		return ret;
	if (!a->revoked)
		imp_attachment_drop_buffer(a);
	mutex_unlock(&a->idev->lock);
	xa_erase(&s->attachments, a->handle);
	imp_attachment_free(a);
	return 0;
}

static int imp_ioctl_map(struct imp_session *s, void *data)
{
	struct dmabuf_importer_map *args = data;
	enum dma_data_direction dir;
	struct imp_attachment *a;
	struct imp_mapping map;
	struct sg_table *sgt;
	int ret;

	ret = imp_dir_from_user(args->direction, &dir);
	if (ret)
		return ret;
	a = imp_attachment_find(s, args->handle);
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

	imp_describe(sgt, &map);
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

static int imp_ioctl_unmap(struct imp_session *s, void *data)
{
	struct dmabuf_importer_handle *args = data;
	struct imp_attachment *a;
	int ret = 0;

	if (args->flags)
		return -EINVAL;
	a = imp_attachment_find(s, args->handle);
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
		imp_attachment_unmap(a);
	mutex_unlock(&a->idev->lock);
	return ret;
}

static int imp_ioctl_fill(struct imp_session *s, void *data)
{
	struct dmabuf_importer_fill *args = data;

	return imp_dma(s, args->handle, args->offset, args->length,
		       args->seed, NULL);
}

static int imp_ioctl_checksum(struct imp_session *s, void *data)
{
	struct dmabuf_importer_checksum *args = data;

	if (args->flags)
		return -EINVAL;
	return imp_dma(s, args->handle, args->offset, args->length, 0,
		       &args->checksum);
}

static int imp_ioctl_sync(struct imp_session *s, void *data)
{
	struct dmabuf_importer_sync *args = data;
	enum dma_data_direction dir;
	struct imp_attachment *a;
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
	a = imp_attachment_find(s, args->handle);
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

static int imp_ioctl_query(struct imp_session *s, void *data)
{
	struct dmabuf_importer_query *args = data;
	struct imp_attachment *a;
	u32 handle = args->handle;
	int ret;

	a = imp_attachment_find(s, handle);
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

union imp_ioctl_arg {
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
static u32 imp_memtype(pgprot_t prot)
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
static bool imp_vma_is_ours(struct vm_area_struct *vma)
{
	struct file *file = vma->vm_file;
	struct dma_buf *dmabuf;

	if (!file || file_inode(file)->i_sb->s_magic != DMA_BUF_MAGIC)
		return false;
	dmabuf = file->private_data;
	return dmabuf && dmabuf->owner &&
	       !strcmp(module_name(dmabuf->owner), IMP_EXPORTER_MODULE);
}

static int imp_ioctl_cpu_mapping(struct imp_session *s, void *data)
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
	if (!imp_vma_is_ours(args.vma)) {
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
	m->memtype = imp_memtype(args.pgprot);
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
static void imp_undo_attach(struct imp_session *s, void *data)
{
	struct dmabuf_importer_attach *args = data;
	struct imp_attachment *a = xa_erase(&s->attachments, args->handle);

	imp_attachment_destroy(a);
}

static void imp_undo_map(struct imp_session *s, void *data)
{
	struct dmabuf_importer_map *args = data;
	struct imp_attachment *a = imp_attachment_find(s, args->handle);

	mutex_lock(&a->idev->lock);
	/* A device removal may have unmapped it already. */
	if (a->sgt)
		imp_attachment_unmap(a);
	mutex_unlock(&a->idev->lock);
}

/**
 * struct imp_ioctl_desc - one ioctl
 * @cmd: the command as this kernel knows it (its size is the kernel's)
 * @min_size: size of the first version of the struct: where its last
 *	field ends. A struct that grows keeps its old end here.
 * @handler: called with the session lock held
 * @undo: if set, reverts a successful @handler whose result could not be
 *	copied back to userspace; called with the session lock held
 */
struct imp_ioctl_desc {
	unsigned int cmd;
	unsigned int min_size;
	int (*handler)(struct imp_session *s, void *data);
	void (*undo)(struct imp_session *s, void *data);
};

static const struct imp_ioctl_desc imp_ioctls[] = {
	{ DMABUF_IMPORTER_IOC_DEVICE_INFO,
	  offsetofend(struct dmabuf_importer_device_info, name),
	  imp_ioctl_device_info },
	{ DMABUF_IMPORTER_IOC_ATTACH,
	  offsetofend(struct dmabuf_importer_attach, size),
	  imp_ioctl_attach, imp_undo_attach },
	{ DMABUF_IMPORTER_IOC_DETACH,
	  offsetofend(struct dmabuf_importer_handle, flags),
	  imp_ioctl_detach },
	{ DMABUF_IMPORTER_IOC_MAP,
	  offsetofend(struct dmabuf_importer_map, dma_end),
	  imp_ioctl_map, imp_undo_map },
	{ DMABUF_IMPORTER_IOC_UNMAP,
	  offsetofend(struct dmabuf_importer_handle, flags),
	  imp_ioctl_unmap },
	{ DMABUF_IMPORTER_IOC_FILL,
	  offsetofend(struct dmabuf_importer_fill, length),
	  imp_ioctl_fill },
	{ DMABUF_IMPORTER_IOC_CHECKSUM,
	  offsetofend(struct dmabuf_importer_checksum, checksum),
	  imp_ioctl_checksum },
	{ DMABUF_IMPORTER_IOC_SYNC,
	  offsetofend(struct dmabuf_importer_sync, flags),
	  imp_ioctl_sync },
	{ DMABUF_IMPORTER_IOC_QUERY,
	  offsetofend(struct dmabuf_importer_query, dma_end),
	  imp_ioctl_query },
	{ DMABUF_IMPORTER_IOC_CPU_MAPPING,
	  offsetofend(struct dmabuf_importer_cpu_mapping, __reserved),
	  imp_ioctl_cpu_mapping },
};

static const struct imp_ioctl_desc *imp_ioctl_find(unsigned int ucmd)
{
	unsigned int i;

	if (_IOC_TYPE(ucmd) != DMABUF_IMPORTER_IOC_MAGIC)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(imp_ioctls); i++)
		if (_IOC_NR(imp_ioctls[i].cmd) == _IOC_NR(ucmd) &&
		    _IOC_DIR(imp_ioctls[i].cmd) == _IOC_DIR(ucmd))
			return &imp_ioctls[i];
	return NULL;
}

static long imp_ioctl(struct file *file, unsigned int ucmd, unsigned long arg)
{
	struct imp_session *s = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct imp_ioctl_desc *desc;
	union imp_ioctl_arg data;
	size_t usize, ksize;
	int ret;

	desc = imp_ioctl_find(ucmd);
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

static int imp_open(struct inode *inode, struct file *file)
{
	struct imp_session *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	xa_init_flags(&s->attachments, XA_FLAGS_ALLOC1);
	file->private_data = s;
	return 0;
}

/* The last close unmaps and detaches whatever the file still holds. */
static int imp_release(struct inode *inode, struct file *file)
{
	struct imp_session *s = file->private_data;
	struct imp_attachment *a;
	unsigned long handle;

	xa_for_each(&s->attachments, handle, a)
		imp_attachment_destroy(a);
	xa_destroy(&s->attachments);
	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

static const struct file_operations imp_fops = {
	.owner = THIS_MODULE,
	.open = imp_open,
	.release = imp_release,
	.unlocked_ioctl = imp_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice imp_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dmabuf_importer",
	.fops = &imp_fops,
	.mode = 0600,
};

static int __init imp_init(void)
{
	int ret;

	ret = imp_platform_register();
	if (ret)
		return ret;
	ret = imp_edu_register();
	if (ret)
		goto unregister_platform;
	ret = misc_register(&imp_misc);
	if (ret)
		goto unregister_edu;
	return 0;

unregister_edu:
	imp_edu_unregister();
unregister_platform:
	imp_platform_unregister();
	return ret;
}
module_init(imp_init);

/*
 * No file can be open here (the misc device's fops hold the module), so
 * no attachment is left: unbinding the drivers only releases hardware.
 */
static void __exit imp_exit(void)
{
	misc_deregister(&imp_misc);
	imp_edu_unregister();
	imp_platform_unregister();
}
module_exit(imp_exit);

MODULE_DESCRIPTION("DMA-BUF importer devices: emulated camera, GPU, display and QEMU edu");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMABUF_NS(DMA_BUF));
