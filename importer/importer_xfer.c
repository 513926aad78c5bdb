// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer: the transfer engine behind FILL and CHECKSUM
 *
 * A device writes a pattern into a mapped buffer, or reads it and hashes
 * what it read, through the DMA segments of the mapping and the backend's
 * &importer_device_ops: a cursor walks the segments, a staging window
 * holds consecutive buffer bytes, and no piece crosses a segment.
 */
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include <linux/dmabuf_importer.h>

#include "importer_priv.h"

/* How long a device waits for the buffer's implicit fences */
#define IMPORTER_FENCE_TIMEOUT_MS	10000

/* A walk over the DMA segments of a mapping, in buffer order */
struct importer_cursor {
	struct scatterlist *sg;
	unsigned int left;	/* DMA segments from @sg on */
	u64 pos;		/* buffer offset at which @sg starts */
};

/*
 * The DMA range backing buffer offset @off: at most @max bytes, inside one
 * segment. Offsets only grow during a walk.
 */
static int importer_cursor_next(struct importer_cursor *c, u64 off, size_t max,
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

static void importer_pattern(__le32 *buf, u64 off, size_t len, u32 seed)
{
	size_t i;

	for (i = 0; i < len / sizeof(*buf); i++)
		buf[i] = cpu_to_le32(seed ^ (u32)(off + i * sizeof(*buf)));
}

static u64 importer_hash(u64 h, const __le32 *buf, size_t len)
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
static int importer_transfer(struct importer_attachment *a, u64 offset,
			     u64 length, u32 seed, u64 *hash)
{
	struct importer_cursor c = { .sg = a->sgt->sgl, .left = a->sgt->nents };
	struct importer_device *idev = a->idev;
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
			importer_pattern(buf, off, n, seed);
		for (done = 0; done < n; done += len) {
			ret = importer_cursor_next(&c, off + done, n - done,
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
			h = importer_hash(h, buf, n);
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
static int importer_dma_check(struct importer_attachment *a, u64 offset,
			      u64 length, bool device_writes)
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
 * waiter for IMPORTER_FENCE_TIMEOUT_MS at most, and a killed one not at all.
 */
static int importer_wait_fences(struct dma_buf *dmabuf, bool device_writes)
{
	long ret;

	ret = dma_resv_wait_timeout(dmabuf->resv,
				    dma_resv_usage_rw(device_writes), true,
				    msecs_to_jiffies(IMPORTER_FENCE_TIMEOUT_MS));
	if (ret < 0)
		return ret;
	return ret ? 0 : -ETIMEDOUT;
}

/*
 * FILL (@hash NULL) and CHECKSUM: check, wait for the fences with the
 * device unlocked, then move the data.
 */
int importer_dma(struct importer_session *s, u32 handle, u64 offset,
		 u64 length, u32 seed, u64 *hash)
{
	struct importer_attachment *a;
	struct importer_device *idev;
	struct dma_buf *dmabuf;
	int ret;

	a = importer_attachment_find(s, handle);
	if (!a)
		return -ENOENT;
	idev = a->idev;

	ret = mutex_lock_killable(&idev->lock);
	if (ret)
		return ret;
	ret = importer_dma_check(a, offset, length, !hash);
	if (ret)
		goto unlock;
	/* A device removal may drop the attachment's reference meanwhile. */
	dmabuf = a->dmabuf;
	get_dma_buf(dmabuf);
	mutex_unlock(&idev->lock);

	ret = importer_wait_fences(dmabuf, !hash);
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
		ret = importer_transfer(a, offset, length, seed, hash);
unlock:
	mutex_unlock(&idev->lock);
	return ret;
}
