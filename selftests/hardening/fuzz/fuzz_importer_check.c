// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test's model of the importer: the attachments a file holds, and
 * which results of a call that reached the driver's handler can be valid.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/dmabuf_importer.h>

#include "fuzz.h"

struct att fz_atts[MAX_ATT];
int fz_natt;

struct att *fz_att_find(uint32_t h)
{
	int i;

	for (i = 0; i < fz_natt; i++)
		if (fz_atts[i].handle == h)
			return &fz_atts[i];
	return NULL;
}

bool fz_range_ok(const struct att *a, uint64_t off, uint64_t len)
{
	return len && !(off % DMABUF_IMPORTER_ALIGN) &&
	       !(len % DMABUF_IMPORTER_ALIGN) && off <= a->size &&
	       len <= a->size - off;
}

/* A QUERY made to learn, not to fuzz. */
static int imp_query(uint32_t handle, struct dmabuf_importer_query *q)
{
	memset(q, 0, sizeof(*q));
	q->handle = handle;
	fz_cur_op = OP_QUERY;
	fz_note("importer QUERY %u (resync)", handle);
	return (int)fz_xioctl(fz_imp, DMABUF_IMPORTER_IOC_QUERY, q);
}

/* ATTACH ran but its result could not be written: find the handle. */
/*
 * An ATTACH whose answer could not be copied back must have been undone:
 * a new handle after it is one the caller could never name. Adopt it, so
 * it is detached, but fail the case.
 */
void fz_resync_attach(void)
{
	struct dmabuf_importer_query q;
	uint32_t h = 1;

	while (fz_att_find(h))
		h++;
	if (fz_natt >= MAX_ATT || imp_query(h, &q))
		return;
	fz_unexpected("ATTACH failed with EFAULT but left attachment %u behind", h);
	fz_atts[fz_natt++] = (struct att){
		.handle = h, .dev = q.device, .size = q.size,
		.mapped = !!(q.state & DMABUF_IMPORTER_STATE_MAPPED),
		.udir = q.direction,
	};
}

/* What the kernel made of a call that reached the handler and succeeded. */
void fz_imp_check(unsigned int nr, const union iarg *e,
		  const struct place *pl)
{
	union iarg o;
	const char *why = NULL;
	struct att *a = NULL;
	size_t ksize = _IOC_SIZE(fz_icmd[nr]);
	int fd;

	memset(&o, 0, sizeof(o));
	if (_IOC_DIR(fz_icmd[nr]) & _IOC_READ)
		memcpy(&o, pl->p, ksize);	/* written by the kernel */

	switch (nr) {
	case I_INFO:
		if (e->info.index >= (uint32_t)fz_nidev)
			why = "no device has that index";
		else if (o.info.role != fz_idevs[e->info.index].role ||
			 strnlen(o.info.name, sizeof(o.info.name)) >= sizeof(o.info.name))
			why = "the description changed or is not NUL-terminated";
		break;
	case I_ATTACH:
		fd = e->attach.fd;
		if (e->attach.flags)
			why = "flags was not zero";
		else if (e->attach.device >= (uint32_t)fz_nidev)
			why = "no device has that index";
		else if (fz_idevs[e->attach.device].flags & DMABUF_IMPORTER_DEV_NO_DMA)
			why = "the device cannot do DMA (ENXIO)";
		else if (!fz_is_dmabuf(fd))
			why = "the fd is not a dma-buf";
		else if (!o.attach.handle || fz_att_find(o.attach.handle))
			why = "the handle is 0 or already in use";
		else if (o.attach.size != fz_fdsize[fd])
			why = "the size is not the buffer's";
		if (!why && fz_natt < MAX_ATT)
			fz_atts[fz_natt++] = (struct att){
				.handle = o.attach.handle,
				.dev = e->attach.device, .size = o.attach.size,
			};
		break;
	case I_DETACH:
		a = fz_att_find(e->handle.handle);
		if (e->handle.flags)
			why = "flags was not zero";
		else if (!a)
			why = "the handle is unknown";
		else
			*a = fz_atts[--fz_natt];
		break;
	case I_MAP:
		a = fz_att_find(e->map.handle);
		if (!a)
			why = "the handle is unknown";
		else if (e->map.direction < DMABUF_IMPORTER_DIR_TO_DEVICE ||
			 e->map.direction > DMABUF_IMPORTER_DIR_BIDIRECTIONAL)
			why = "the direction is invalid";
		else if (a->mapped == 1)
			why = "the attachment was already mapped (EBUSY)";
		else if (!o.map.nents || o.map.dma_end < o.map.dma_start)
			why = "the mapping description is inconsistent";
		else if ((fz_idevs[a->dev].flags &
			  DMABUF_IMPORTER_DEV_CONTIG) &&
			 !(o.map.flags & DMABUF_IMPORTER_MAPPING_CONTIGUOUS))
			why = "a contiguous-only device got a scattered mapping";
		if (a && !why) {
			a->mapped = 1;
			a->udir = e->map.direction;
		}
		break;
	case I_UNMAP:
		a = fz_att_find(e->handle.handle);
		if (e->handle.flags)
			why = "flags was not zero";
		else if (!a)
			why = "the handle is unknown";
		else if (!a->mapped)
			why = "the attachment was not mapped (ENOTCONN)";
		if (a && !why) {
			a->mapped = 0;
			a->udir = 0;
		}
		break;
	case I_FILL:
	case I_CHECKSUM:
		a = fz_att_find(nr == I_FILL ? e->fill.handle : e->checksum.handle);
		if (!a)
			why = "the handle is unknown";
		else if (nr == I_CHECKSUM && e->checksum.flags)
			why = "flags was not zero";
		else if (nr == I_FILL ?
			 !fz_range_ok(a, e->fill.offset, e->fill.length) :
			 !fz_range_ok(a, e->checksum.offset,
				      e->checksum.length))
			why = "the range is empty, unaligned or out of bounds";
		else if (!a->mapped)
			why = "the attachment was not mapped (ENOTCONN)";
		else if (a->mapped == 1 && a->udir ==
			 (nr == I_FILL ? DMABUF_IMPORTER_DIR_TO_DEVICE :
			  DMABUF_IMPORTER_DIR_FROM_DEVICE))
			why = "the mapping's direction forbids it (EPERM)";
		break;
	case I_SYNC:
		a = fz_att_find(e->sync.handle);
		if (!a)
			why = "the handle is unknown";
		else if (e->sync.flags & ~(uint32_t)(DMABUF_IMPORTER_SYNC_RW |
						      DMABUF_IMPORTER_SYNC_END) ||
			 !(e->sync.flags & DMABUF_IMPORTER_SYNC_RW))
			why = "the flags are invalid";
		break;
	case I_QUERY:
		a = fz_att_find(e->query.handle);
		if (!a)
			why = "the handle is unknown";
		else if (o.query.device != a->dev || o.query.size != a->size)
			why = "the device or size does not match the attachment";
		else if (a->mapped >= 0 &&
			 !!(o.query.state & DMABUF_IMPORTER_STATE_MAPPED) != a->mapped)
			why = "the mapped state does not match";
		if (a && !why) {
			a->mapped = !!(o.query.state & DMABUF_IMPORTER_STATE_MAPPED);
			a->udir = o.query.direction;
		}
		break;
	}
	if (why)
		fz_unexpected("success, although %s", why);
}
