// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer: attachments of dma-bufs to devices, and their mappings
 */
#include <linux/dma-buf.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include <linux/dmabuf_importer.h>

#include "importer_priv.h"

void importer_attachment_unmap(struct importer_attachment *a)
{
	dma_buf_unmap_attachment_unlocked(a->attach, a->sgt, a->dir);
	a->sgt = NULL;
	a->udir = 0;
	memset(&a->map, 0, sizeof(a->map));
}

/* Unmap, detach and drop the buffer. Caller holds a->idev->lock. */
void importer_attachment_drop_buffer(struct importer_attachment *a)
{
	if (a->sgt)
		importer_attachment_unmap(a);
	dma_buf_detach(a->dmabuf, a->attach);
	dma_buf_put(a->dmabuf);
	a->attach = NULL;
	a->dmabuf = NULL;
	list_del_init(&a->dev_node);
}

void importer_attachment_free(struct importer_attachment *a)
{
	importer_device_put(a->idev);
	kfree(a);
}

/* For close and undo, which cannot fail: DETACH waits killably. */
void importer_attachment_destroy(struct importer_attachment *a)
{
	mutex_lock(&a->idev->lock);
	if (!a->revoked)
		importer_attachment_drop_buffer(a);
	mutex_unlock(&a->idev->lock);
	importer_attachment_free(a);
}

struct importer_attachment *importer_attachment_find(struct importer_session *s,
						     u32 handle)
{
	return handle ? xa_load(&s->attachments, handle) : NULL;
}

void importer_describe(struct sg_table *sgt, struct importer_mapping *m)
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

int importer_dir_from_user(u32 udir, enum dma_data_direction *dir)
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
