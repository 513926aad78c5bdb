// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test's importer_ioctl target: random calls on /dev/dmabuf_importer,
 * in batches per open file; fuzz_importer_check.c judges their results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/dma-buf.h>
#include <linux/dmabuf_importer.h>

#include "fuzz.h"

const unsigned int fz_icmd[] = {
	DMABUF_IMPORTER_IOC_DEVICE_INFO, DMABUF_IMPORTER_IOC_ATTACH,
	DMABUF_IMPORTER_IOC_DETACH, DMABUF_IMPORTER_IOC_MAP,
	DMABUF_IMPORTER_IOC_UNMAP, DMABUF_IMPORTER_IOC_FILL,
	DMABUF_IMPORTER_IOC_CHECKSUM, DMABUF_IMPORTER_IOC_SYNC,
	DMABUF_IMPORTER_IOC_QUERY,
};

static const char *const icmd_name[NR_I] = {
	"DEVICE_INFO", "ATTACH", "DETACH", "MAP", "UNMAP", "FILL", "CHECKSUM",
	"SYNC", "QUERY",
};

int fz_imp = -1;
static int edu_budget, edu_attempts;

static uint32_t rnd_handle(void)
{
	uint32_t max = 0;
	int i;

	if (fz_natt && fz_chance(70))
		return fz_atts[fz_below(fz_natt)].handle;
	for (i = 0; i < fz_natt; i++)
		if (fz_atts[i].handle > max)
			max = fz_atts[i].handle;
	switch (fz_below(3)) {
	case 0:
		return 0;
	case 1:
		return 1 + (uint32_t)fz_below(max + 4);
	default:
		return fz_interesting32();
	}
}

/*
 * A handle that can get past the checks of @nr (an unmapped attachment
 * for MAP, a mapped one of a fitting direction for UNMAP, FILL and
 * CHECKSUM), most of the time; any handle otherwise.
 */
static uint32_t handle_for(unsigned int nr)
{
	int cand[MAX_ATT], n = 0, i;
	const struct att *a;

	if (fz_chance(35))
		return rnd_handle();
	for (i = 0; i < fz_natt; i++) {
		a = &fz_atts[i];
		if ((nr == I_MAP && !a->mapped) ||
		    (nr == I_UNMAP && a->mapped) ||
		    (nr == I_FILL && a->mapped &&
		     a->udir != DMABUF_IMPORTER_DIR_TO_DEVICE) ||
		    (nr == I_CHECKSUM && a->mapped &&
		     a->udir != DMABUF_IMPORTER_DIR_FROM_DEVICE))
			cand[n++] = i;
	}
	return n ? fz_atts[cand[fz_below(n)]].handle : rnd_handle();
}

static uint32_t rnd_dev(void)
{
	static const uint32_t odd[] = { 63, 64, 0xffffffff, 0x80000000 };

	if (fz_chance(85))
		return (uint32_t)fz_below(fz_nidev);
	return fz_chance(50) ? (uint32_t)fz_nidev :
			       odd[fz_below(ARRAY_SIZE(odd))];
}

static void rnd_range(uint32_t handle, __u64 *off, __u64 *len)
{
	struct att *a = fz_att_find(handle);
	uint64_t size = a ? a->size : 64 * KiB;

	if (fz_chance(80) && size >= 4) {
		*off = fz_below(size / 4) * 4;
		*len = (1 + fz_below((size - *off) / 4)) * 4;
		if (fz_chance(70) && *len > 16 * KiB)
			*len = (1 + fz_below(4 * KiB)) * 4;
		return;
	}
	*off = fz_chance(50) ? fz_interesting64() :
			       size - (fz_chance(50) ? 4 : 0);
	*len = fz_chance(30) ? size : fz_interesting64();
}

/*
 * FILL and CHECKSUM on an edu device cost ~100 ms per 2 KiB: let at most
 * EDU_BUDGET short ones through, and make the others fail validation.
 * Returns true when the call may move data through edu.
 */
static bool edu_gate(unsigned int nr, union iarg *u)
{
	__u64 *off, *len;
	struct att *a;

	if (nr == I_FILL) {
		a = fz_att_find(u->fill.handle);
		off = &u->fill.offset;
		len = &u->fill.length;
	} else if (nr == I_CHECKSUM) {
		a = fz_att_find(u->checksum.handle);
		off = &u->checksum.offset;
		len = &u->checksum.length;
	} else {
		return false;
	}
	if (!a || !fz_idevs[a->dev].edu || !fz_range_ok(a, *off, *len))
		return false;
	if (edu_budget > 0 && edu_attempts < 4 * EDU_BUDGET) {
		/* One DMA transfer at most: EDU_XFER_MAX bytes. */
		if (*len > EDU_XFER_MAX)
			*len = 4 * (1 + fz_below(EDU_XFER_MAX / 4));
		if (*len > a->size - *off)
			*off = a->size - *len;
		edu_attempts++;
		return true;
	}
	switch (fz_below(3)) {
	case 0:
		*len = 0;
		break;
	case 1:
		*len |= 2;
		break;
	default:
		*off = a->size + DMABUF_IMPORTER_ALIGN;
		break;
	}
	return false;
}

static void imp_open_fd(void)
{
	fz_cur_op = OP_OPEN;
	fz_note("open /dev/dmabuf_importer");
	fz_imp = open("/dev/dmabuf_importer", O_RDWR | O_CLOEXEC);
	fz_other(fz_imp, errno);
	fz_own(fz_imp, FK_IMPORTER);
	fz_natt = 0;
}

/* Detach what the batch attached, then close the file. */
static void imp_batch_end(void)
{
	struct dmabuf_importer_handle hd = { 0 };

	while (fz_natt) {
		hd.handle = fz_atts[fz_natt - 1].handle;
		fz_cur_op = OP_DETACH;
		fz_note("importer DETACH %u (end of batch)", hd.handle);
		if (fz_xioctl(fz_imp, DMABUF_IMPORTER_IOC_DETACH, &hd))
			fz_unexpected("detaching live handle %u failed: %s",
				      hd.handle, strerror(fz_last_err));
		fz_natt--;
	}
	fz_drop(fz_imp);
	fz_imp = -1;
}

/* The fields of an importer argument, for the logs. */
static const char *describe(unsigned int nr, const union iarg *u)
{
	static char buf[128];

	switch (nr) {
	case I_INFO:
		snprintf(buf, sizeof(buf), "index %u", u->info.index);
		break;
	case I_ATTACH:
		snprintf(buf, sizeof(buf), "fd %d device %u flags %#x",
			 u->attach.fd, u->attach.device, u->attach.flags);
		break;
	case I_DETACH:
	case I_UNMAP:
		snprintf(buf, sizeof(buf), "handle %u flags %#x",
			 u->handle.handle, u->handle.flags);
		break;
	case I_MAP:
		snprintf(buf, sizeof(buf), "handle %u direction %#x",
			 u->map.handle, u->map.direction);
		break;
	case I_FILL:
		snprintf(buf, sizeof(buf), "handle %u offset %#llx length %#llx",
			 u->fill.handle, (unsigned long long)u->fill.offset,
			 (unsigned long long)u->fill.length);
		break;
	case I_CHECKSUM:
		snprintf(buf, sizeof(buf), "handle %u flags %#x offset %#llx length %#llx",
			 u->checksum.handle, u->checksum.flags,
			 (unsigned long long)u->checksum.offset,
			 (unsigned long long)u->checksum.length);
		break;
	case I_SYNC:
		snprintf(buf, sizeof(buf), "handle %u flags %#x", u->sync.handle,
			 u->sync.flags);
		break;
	case I_QUERY:
		snprintf(buf, sizeof(buf), "handle %u", u->query.handle);
		break;
	default:
		snprintf(buf, sizeof(buf), "random bytes");
		break;
	}
	return buf;
}

static void imp_iter(void)
{
	static uint8_t data[MAX_IOC + 64];
	unsigned int nr, dir, type = DMABUF_IMPORTER_IOC_MAGIC, cmd;
	size_t ksize, usize;
	bool edu, runs, known;
	int r;
	struct place pl;
	union iarg u;
	long ret;

	r = (int)fz_below(1000);
	if (r < 20) {
		fz_pool_churn(true);
		return;
	}
	if (r < 25) {
		/* The release path takes whatever the file still holds. */
		fz_note("close the importer file with %d attachments", fz_natt);
		fz_drop(fz_imp);
		imp_open_fd();
		return;
	}

	memset(&u, 0, sizeof(u));
	r = (int)fz_below(100);
	nr = r < 5 ? I_INFO : r < 25 ? I_ATTACH : r < 31 ? I_DETACH :
	     r < 45 ? I_MAP : r < 51 ? I_UNMAP : r < 59 ? I_FILL :
	     r < 67 ? I_CHECKSUM : r < 77 ? I_SYNC : r < 88 ? I_QUERY : NR_I;
	if (fz_natt < 3 && fz_chance(40))
		nr = I_ATTACH;	/* the other commands need attachments */
	switch (nr) {
	case I_INFO:
		u.info.index = rnd_dev();
		if (fz_chance(10))
			fz_rnd_bytes(&u.info.role, sizeof(u.info) - sizeof(u.info.index));
		break;
	case I_ATTACH:
		u.attach.fd = fz_npool && fz_chance(50) ? fz_rnd_dmabuf() :
							  fz_rnd_fd();
		u.attach.device = rnd_dev();
		u.attach.flags = fz_chance(90) ? 0 : fz_interesting32();
		u.attach.handle = fz_chance(90) ? 0 : fz_interesting32();
		break;
	case I_DETACH:
	case I_UNMAP:
		u.handle.handle = nr == I_UNMAP ? handle_for(nr) : rnd_handle();
		u.handle.flags = fz_chance(90) ? 0 : fz_interesting32();
		break;
	case I_MAP:
		u.map.handle = handle_for(nr);
		u.map.direction = fz_chance(85) ? 1 + (uint32_t)fz_below(3) : fz_interesting32();
		if (fz_chance(10))
			fz_rnd_bytes(&u.map.flags, sizeof(u.map) - 8);
		break;
	case I_FILL:
		u.fill.handle = handle_for(nr);
		u.fill.seed = (uint32_t)fz_rnd();
		rnd_range(u.fill.handle, &u.fill.offset, &u.fill.length);
		break;
	case I_CHECKSUM:
		u.checksum.handle = handle_for(nr);
		u.checksum.flags = fz_chance(90) ? 0 : fz_interesting32();
		rnd_range(u.checksum.handle, &u.checksum.offset, &u.checksum.length);
		if (fz_chance(10))
			u.checksum.checksum = fz_rnd();
		break;
	case I_SYNC:
		u.sync.handle = rnd_handle();
		u.sync.flags = fz_chance(80) ?
			       (uint32_t)(1 + fz_below(3)) |
			       (fz_chance(50) ? DMABUF_IMPORTER_SYNC_END : 0) :
			       fz_interesting32();
		break;
	case I_QUERY:
		u.query.handle = rnd_handle();
		if (fz_chance(10))
			fz_rnd_bytes(&u.query.device, sizeof(u.query) - 4);
		break;
	default:
		/* Any number in the magic, any direction and size. */
		nr = (unsigned int)(fz_chance(70) ? fz_below(12) :
						    fz_below(256));
		fz_rnd_bytes(&u, sizeof(u));
		if (nr < NR_I && fz_chance(70))
			memcpy(&u, &(uint32_t){ rnd_handle() }, 4);
		break;
	}

	if (nr < NR_I) {
		ksize = _IOC_SIZE(fz_icmd[nr]);
		dir = _IOC_DIR(fz_icmd[nr]);
		usize = fz_chance(12) ? fz_pick_size(ksize) : ksize;
		if (fz_chance(4))
			dir = (unsigned int)fz_below(4);
	} else {
		ksize = 0;
		dir = (unsigned int)fz_below(4);
		usize = fz_pick_size(32);
	}
	if (fz_chance(3))
		type = fz_rnd_type();
	edu = edu_gate(nr, &u);

	memset(data, 0, usize);
	memcpy(data, &u, usize < sizeof(u) ? usize : sizeof(u));
	if (usize > ksize && ksize && fz_chance(50))
		data[ksize + fz_below(usize - ksize)] =
			1 + (uint8_t)fz_below(255);
	cmd = (unsigned int)_IOC(dir, type, nr, usize);
	pl = fz_place(fz_pick_pk(10), data, usize);
	fz_cur_op = type == DMABUF_IMPORTER_IOC_MAGIC && nr < NR_I &&
		    dir == _IOC_DIR(fz_icmd[nr]) && usize == ksize ?
		    (enum op)(OP_INFO + nr) : OP_IMP_RAW;
	fz_note("importer ioctl %#x (%s dir %u type %#x nr %u size %zu) arg %s %p: %s",
		cmd, nr < NR_I ? icmd_name[nr] : "?", dir, type, nr, usize,
		fz_pk_name[pl.kind], pl.p, describe(nr, &u));
	ret = fz_xioctl(fz_imp, cmd, pl.p);

	/* imp_ioctl(): find the command, check the size, copy_struct_from_user() */
	known = type == DMABUF_IMPORTER_IOC_MAGIC && nr < NR_I &&
		dir == _IOC_DIR(fz_icmd[nr]);
	runs = known && usize >= ksize && usize <= pl.readable;
	if (runs && usize > ksize) {
		size_t i;

		for (i = ksize; i < usize; i++)
			if (data[i])
				runs = false;
	}
	if (edu && runs && !ret) {
		edu_budget--;
		fz_st->edu_xfers++;
	}
	if (!ret && type == DMABUF_IMPORTER_IOC_MAGIC && !runs)
		fz_unexpected("success, although %s",
			      !known ? "the command is unknown" :
			      usize < ksize ? "the struct is too small" :
			      usize > pl.readable ? "the argument was not readable" :
			      "unknown trailing bytes were not zero");
	if (!runs)
		return;
	memcpy(&u, data, ksize);
	if (!ret && !pl.writable && (dir & _IOC_READ))
		fz_unexpected("success, although the result could not be written");
	else if (!ret)
		fz_imp_check(nr, &u, &pl);
	else if (fz_last_err == EFAULT && !pl.writable && nr == I_ATTACH)
		fz_resync_attach();
	else if (fz_last_err == EFAULT && !pl.writable && nr == I_MAP &&
		 fz_att_find(u.map.handle))
		fz_att_find(u.map.handle)->mapped = -1;
}

static void imp_pool_setup(void)
{
	struct dma_buf_export_sync_file x = { .flags = DMA_BUF_SYNC_RW };
	int h;

	/*
	 * Buffers of the carveout heaps only. The 6.12 system and CMA heaps
	 * sync every mapped attachment in the CPU access's direction, so a
	 * SYNC bracket on a buffer that a device mapped TO_DEVICE makes
	 * DMA-API debug report "syncs DMA memory with different direction"
	 * from cma_heap_dma_buf_end_cpu_access(): a mainline defect (see
	 * Documentation/reliability.rst), not one this fuzzer looks for.
	 */
	for (h = 0; h < fz_nheaps; h++) {
		if (!fz_heaps[h].carveout)
			continue;
		fz_pool_add(fz_alloc_buf(h, fz_pg, O_RDWR));
		fz_pool_add(fz_alloc_buf(h, 64 * KiB, O_RDWR));
		fz_pool_add(fz_alloc_buf(h, MiB,
					 fz_chance(50) ? O_RDWR : O_RDONLY));
	}
	/* A sync_file, as one more fd that is no dma-buf. */
	if (fz_npool) {
		fz_cur_op = OP_EXPORT;
		fz_note("EXPORT_SYNC_FILE (setup)");
		if (!fz_xioctl(fz_pool[0], DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &x))
			fz_syncfile_add(x.fd);
	}
}

void fz_run_importer(void)
{
	uint64_t done = 0;
	int i;

	imp_pool_setup();
	edu_budget = EDU_BUDGET;
	edu_attempts = 0;
	while (done < fz_opt_iters) {
		imp_open_fd();
		if (fz_imp < 0)
			return;
		for (i = 0; i < BATCH && done < fz_opt_iters; i++, done++) {
			fz_st->iters++;
			imp_iter();
			if (fz_imp < 0)
				return;
		}
		imp_batch_end();
	}
}
