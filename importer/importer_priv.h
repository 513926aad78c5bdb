/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf_importer internals: the state behind /dev/dmabuf_importer, and
 * what each core file offers the others, grouped by file.
 *
 * Locking, outermost first:
 *   importer_session.lock  every ioctl of one open file, so that two
 *                          threads racing on one attachment see each
 *                          other's result
 *   the device registry    (importer_device.c; never held with the others)
 *   importer_device.lock   one device: its DMA, its attachment list, and
 *                          the mapping state of those attachments; the
 *                          dma-buf core's reservation lock nests inside it
 * Device removal takes only importer_device.lock: it revokes (unmaps and
 * detaches) the device's attachments but leaves them in their file, so
 * that the file's handles stay valid until DETACH or close.
 *
 * Every ioctl takes its locks killably (an edu transfer holds a device for
 * a while); only close and the undoing of a half-done ioctl, which cannot
 * fail, wait uninterruptibly. FILL and CHECKSUM wait for the buffer's
 * fences holding no device lock: a job waiting for a fence that another
 * process signals (or never signals) holds up no one else.
 */
#ifndef _IMPORTER_PRIV_H
#define _IMPORTER_PRIV_H

#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "importer_device.h"

struct dma_buf;
struct dma_buf_attachment;
struct file;
struct sg_table;

/**
 * struct importer_mapping - what a mapping looks like in DMA address space
 * @flags: DMABUF_IMPORTER_MAPPING_* flags
 * @nents: DMA segments
 * @dma_size: sum of the segment lengths
 * @dma_start: lowest DMA address of any segment
 * @dma_end: highest DMA address of any segment, plus one
 */
struct importer_mapping {
	u32 flags;
	u32 nents;
	u64 dma_size;
	u64 dma_start;
	u64 dma_end;
};

/**
 * struct importer_attachment - one dma-buf attached to one device
 * @idev: the device; a reference is held
 * @dmabuf: the buffer, referenced; NULL once revoked
 * @attach: the dma-buf attachment; NULL once revoked
 * @sgt: the mapping, or NULL when unmapped
 * @dir: direction of @sgt
 * @udir: the same, as a DMABUF_IMPORTER_DIR_* value
 * @map: description of @sgt
 * @size: size of @dmabuf
 * @handle: uAPI handle, the index in &importer_session.attachments
 * @read_only: the dma-buf's file is not open for writing: the device may
 *	only read it
 * @revoked: the device went away and took the attachment with it
 * @dev_node: entry in &importer_device.attachments
 *
 * Everything but @handle is protected by &importer_device.lock of @idev.
 */
struct importer_attachment {
	struct importer_device *idev;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	enum dma_data_direction dir;
	u32 udir;
	struct importer_mapping map;
	u64 size;
	u32 handle;
	bool read_only;
	bool revoked;
	struct list_head dev_node;
};

/**
 * struct importer_session - one open file of /dev/dmabuf_importer
 * @lock: serializes the file's ioctls
 * @attachments: handle -> &struct importer_attachment
 */
struct importer_session {
	struct mutex lock;	/* one ioctl at a time */
	struct xarray attachments;
};

/* importer_device.c: the device registry */
struct importer_device *importer_device_get(u32 index);

/* importer_attach.c: attachments and their mappings */
void importer_attachment_unmap(struct importer_attachment *a);
void importer_attachment_drop_buffer(struct importer_attachment *a);
void importer_attachment_free(struct importer_attachment *a);
void importer_attachment_destroy(struct importer_attachment *a);
struct importer_attachment *importer_attachment_find(struct importer_session *s,
						     u32 handle);
void importer_describe(struct sg_table *sgt, struct importer_mapping *m);
int importer_dir_from_user(u32 udir, enum dma_data_direction *dir);

/* importer_model.c: the cache model, switched on and off by module init */
int importer_model_init(void);
void importer_model_exit(void);

/* importer_xfer.c: the transfer engine behind FILL and CHECKSUM */
int importer_dma(struct importer_session *s, u32 handle, u64 offset,
		 u64 length, u32 seed, u64 *hash);

/* importer_ioctl.c: the ioctl table and its handlers */
long importer_ioctl(struct file *file, unsigned int ucmd, unsigned long arg);

#endif /* _IMPORTER_PRIV_H */
