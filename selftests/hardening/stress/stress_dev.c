// SPDX-License-Identifier: GPL-2.0
/*
 * stress_dev.c - device operations through the importer: attach and map
 * a buffer on a device, have the device checksum or fill it, and leave
 * attachments behind for later or for the file's release.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>

#include "stress.h"

bool st_dev_moves_data(const struct imp_dev *d)
{
	return d->role != IMP_EDU &&
	       !(d->flags & (IMP_DEV_HW_DMA | IMP_DEV_NO_DMA));
}

int st_pick_imp(struct thr *t)
{
	if (t->imp >= 0 && (t->p->imp < 0 || st_chance(t, 70)))
		return t->imp;
	return t->p->imp;
}

const struct imp_dev *st_pick_dev(struct thr *t, bool moves_data)
{
	int i, n = 0, k;

	if (!moves_data)
		return st_g.ndevs ? &st_g.devs[st_rnd_below(t, st_g.ndevs)] : NULL;
	if (!st_g.nxfer)
		return NULL;
	k = (int)st_rnd_below(t, st_g.nxfer);
	for (i = 0; i < st_g.ndevs; i++)
		if (st_dev_moves_data(&st_g.devs[i]) && n++ == k)
			return &st_g.devs[i];
	return NULL;
}

/*
 * Attach @b to @dev, and map it for @dir unless @dir is 0.
 * Return: 0 (attached, mapped if asked), 1 (an expected refusal, counted:
 * nothing is left attached), -1 (an unexpected error, reported).
 */
int st_attach_map(struct thr *t, int imp, const struct buf *b,
		  const struct imp_dev *dev, unsigned int dir,
		  uint32_t *handle)
{
	struct imp_mapping m;
	uint64_t size = 0;
	int ret;

	ret = imp_attach(imp, b->fd, dev->index, handle, &size);
	if (ret == -ENXIO && (dev->flags & IMP_DEV_NO_DMA)) {
		st_count(t, C_ENXIO, 1);
		return 1;
	}
	if (ret == -ERANGE && st_g.heaps[b->heap].carveout && dev->dma_bits < 64 &&
	    !(dev->flags & IMP_DEV_IOMMU)) {
		/*
		 * A carveout beyond a limited device's direct reach (the heap
		 * above 4 GiB on BOARD=imx8q): refused, never bounced.
		 * importer_reach_test predicts every such pair exactly.
		 */
		st_count(t, C_ERANGE, 1);
		return 1;
	}
	if (ret) {
		st_unexpected(t, "importer attach", ret, "%s (%s) heap %s size %" PRIu64,
			      imp_role_name(dev->role), dev->name, st_heap_name(b),
			      b->size);
		return -1;
	}
	st_count(t, C_IMP_ATTACH, 1);
	if (size != b->size)
		st_unexpected(t, "importer attach", 0, "size %" PRIu64 ", buffer is %" PRIu64,
			      size, b->size);
	if (!dir)
		return 0;
	ret = imp_map(imp, *handle, dir, &m);
	if (ret == -EXDEV && (dev->flags & IMP_DEV_CONTIG) &&
	    !st_g.heaps[b->heap].carveout) {
		/* A scattered system heap buffer on the display: expected. */
		st_count(t, C_EXDEV, 1);
		imp_detach(imp, *handle);
		return 1;
	}
	if (ret == -EIO && !st_g.heaps[b->heap].carveout && dev->dma_bits < 64 &&
	    !(dev->flags & IMP_DEV_IOMMU)) {
		/*
		 * A mainline heap's pages beyond a limited device's reach
		 * (RAM above 4 GiB on BOARD=imx8q): dma-direct bounces them,
		 * and swiotlb cannot take segments above 256 KiB.
		 */
		st_count(t, C_ERANGE, 1);
		imp_detach(imp, *handle);
		return 1;
	}
	if (ret) {
		st_unexpected(t, "importer map", ret, "%s (%s) dir %u heap %s size %" PRIu64,
			      imp_role_name(dev->role), dev->name, dir,
			      st_heap_name(b), b->size);
		imp_detach(imp, *handle);
		return -1;
	}
	st_count(t, C_IMP_MAP, 1);
	if (m.dma_size != b->size)
		st_unexpected(t, "importer map", 0, "%s: dma_size %" PRIu64 ", buffer is %" PRIu64,
			      dev->name, (uint64_t)m.dma_size, b->size);
	return 0;
}

/*
 * A kernel CPU access bracket on an attachment. The direction must agree
 * with the mapping's: the mainline system heap syncs every mapped
 * attachment for the CPU access direction, and DMA-API debug reports a
 * sync in another direction than the mapping's.
 */
static void dev_sync(struct thr *t, int imp, uint32_t h, unsigned int dir)
{
	unsigned int access;
	int ret;

	access = dir == IMP_TO_DEVICE ? IMP_WRITE :
		 dir == IMP_FROM_DEVICE ? IMP_READ :
		 (unsigned int)(1 + st_rnd_below(t, 3));
	ret = imp_sync_begin(imp, h, access);
	if (ret) {
		st_unexpected(t, "importer sync begin", ret, "access %u", access);
		return;
	}
	ret = imp_sync_end(imp, h, access);
	if (ret)
		st_unexpected(t, "importer sync end", ret, "access %u", access);
	st_count(t, C_IMP_SYNC, 1);
}

void st_unmap_detach(struct thr *t, int imp, uint32_t h, bool mapped)
{
	int ret;

	if (mapped && st_chance(t, 50)) {
		ret = imp_unmap(imp, h);
		if (ret)
			st_unexpected(t, "importer unmap", ret, "handle %u", h);
	}
	/* Detach unmaps first when the attachment is still mapped. */
	ret = imp_detach(imp, h);
	if (ret)
		st_unexpected(t, "importer detach", ret, "handle %u", h);
}

/* The device reads what the CPU (or a device) wrote and hashes it. */
void st_device_checksum(struct thr *t, const struct buf *b, int imp,
			const struct imp_dev *dev, uint32_t h)
{
	uint64_t off, len, sum, want;
	int ret;

	st_pick_range(t, b->size, &off, &len);
	ret = imp_checksum(imp, h, off, len, &sum);
	if (ret) {
		st_unexpected(t, "device checksum", ret, "%s heap %s size %" PRIu64,
			      dev->name, st_heap_name(b), b->size);
		return;
	}
	st_count(t, C_DEV_CHECKSUM, 1);
	want = st_expected_hash(t, b, off, len);
	if (sum != want)
		st_corrupt(t, "device checksum", "%s (%s) heap %s size %" PRIu64
			   " (%s %#x) range %#" PRIx64 "+%#" PRIx64 ": %#" PRIx64
			   ", want %#" PRIx64, imp_role_name(dev->role),
			   dev->name, st_heap_name(b), b->size, st_state_name(b), b->seed,
			   off, len, sum, want);
	else
		st_count(t, C_BYTES_CHECKED, len);
}

void op_dev_checksum(struct thr *t)
{
	const struct imp_dev *dev = st_pick_dev(t, true);
	int s = st_pick_slot(t, PICK_KNOWN, -1), imp = st_pick_imp(t), i, n;
	unsigned int dir;
	uint32_t h;

	if (s < 0) {
		op_cpu_write(t);
		return;
	}
	if (!dev || imp < 0) {
		st_cpu_check(t, &t->b[s], "cpu verify");
		return;
	}
	dir = st_chance(t, 50) ? IMP_TO_DEVICE : IMP_BIDIRECTIONAL;
	if (st_attach_map(t, imp, &t->b[s], dev, dir, &h))
		return;
	if (st_chance(t, 20))
		dev_sync(t, imp, h, dir);
	n = 1 + (int)st_rnd_below(t, 2);
	for (i = 0; i < n; i++)
		st_device_checksum(t, &t->b[s], imp, dev, h);
	st_unmap_detach(t, imp, h, true);
}

/* The device writes a new pattern; the CPU (and maybe the device) checks it. */
void op_dev_fill(struct thr *t)
{
	const struct imp_dev *dev = st_pick_dev(t, true);
	int s = st_pick_slot(t, PICK_ANY, -1), imp = st_pick_imp(t), mode, ret;
	unsigned int dir;
	struct buf *b;
	uint32_t h, seed;

	if (s < 0) {
		op_alloc(t);
		return;
	}
	if (!dev || imp < 0) {
		op_cpu_write(t);
		return;
	}
	b = &t->b[s];
	dir = st_chance(t, 50) ? IMP_FROM_DEVICE : IMP_BIDIRECTIONAL;
	if (st_attach_map(t, imp, b, dev, dir, &h))
		return;
	if (st_chance(t, 20))
		dev_sync(t, imp, h, dir);
	seed = st_new_seed(t);
	b->state = ST_UNKNOWN;
	ret = imp_fill(imp, h, seed, 0, b->size);
	if (ret) {
		st_unexpected(t, "device fill", ret, "%s heap %s size %" PRIu64,
			      dev->name, st_heap_name(b), b->size);
		imp_detach(imp, h);
		return;
	}
	b->state = ST_PAT;
	b->seed = seed;
	st_count(t, C_DEV_FILL, 1);
	if (dir == IMP_BIDIRECTIONAL && st_chance(t, 30))
		st_device_checksum(t, b, imp, dev, h);
	/* 0: CPU reads while the device mapping lives, 1: after, 2: not now */
	mode = (int)st_rnd_below(t, 3);
	if (mode == 0)
		st_cpu_check(t, b, "cpu read after device fill (still mapped)");
	st_unmap_detach(t, imp, h, true);
	if (mode == 1)
		st_cpu_check(t, b, "cpu read after device fill");
}

void st_detach_lingering(struct thr *t, int i)
{
	int ret = imp_detach(t->imp, t->linger[i]);

	if (ret)
		st_unexpected(t, "importer detach (lingering)", ret, "handle %u", t->linger[i]);
	t->linger[i] = t->linger[--t->nlinger];
}

/*
 * Attach to any device (edu and devices that cannot reach memory too),
 * maybe map, query, and detach; or leave the attachment for later or for
 * the release of the file.
 */
void op_attach(struct thr *t)
{
	const struct imp_dev *dev = st_pick_dev(t, false);
	int s = st_pick_slot(t, PICK_ANY, -1), imp = st_pick_imp(t), ret;
	struct imp_state st;
	unsigned int dir = 0;
	const struct heap *hp;
	struct buf *b;
	bool may_linger;
	uint32_t h;

	if (s < 0) {
		op_alloc(t);
		return;
	}
	if (!dev || imp < 0) {
		op_cpu_write(t);
		return;
	}
	b = &t->b[s];
	hp = &st_g.heaps[b->heap];
	if (st_chance(t, 70))
		dir = (unsigned int)(1 + st_rnd_below(t, 3));
	if (st_attach_map(t, imp, b, dev, dir, &h))
		return;
	ret = imp_query(imp, h, &st);
	if (ret)
		st_unexpected(t, "importer query", ret, "handle %u", h);
	else if (st.device != dev->index || st.size != b->size ||
		 !!(st.state & IMP_STATE_MAPPED) != !!dir ||
		 st.direction != dir)
		st_unexpected(t, "importer query", 0, "device %u/%u size %" PRIu64 "/%" PRIu64
			      " state %#x direction %u/%u", st.device, dev->index,
			      (uint64_t)st.size, b->size, st.state, st.direction, dir);
	/*
	 * Leave it behind only where later mappings and CPU brackets of the
	 * same buffer (here or in a process it is passed to) cannot overlap
	 * it in a way DMA-API debug reports: unmapped, or mapped TO_DEVICE
	 * (not tracked as an overlapping mapping) on a carveout buffer (its
	 * exporter syncs an attachment in the mapping's direction; the
	 * system heap syncs in the CPU's, which DMA-API debug reports).
	 */
	may_linger = imp == t->imp &&
		     (!dir || (hp->carveout && dir == IMP_TO_DEVICE));
	if (may_linger && st_chance(t, 40)) {
		if (t->nlinger == LINGER)
			st_detach_lingering(t, (int)st_rnd_below(t, LINGER));
		t->linger[t->nlinger++] = h;
		st_count(t, C_IMP_LINGER, 1);
		/* The attachment keeps the buffer alive after its fd closes. */
		if (st_chance(t, 30))
			st_drop_slot(t, s);
		return;
	}
	st_unmap_detach(t, imp, h, dir != 0);
	if (t->nlinger && st_chance(t, 30))
		st_detach_lingering(t, (int)st_rnd_below(t, t->nlinger));
}
