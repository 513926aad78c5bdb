// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The proof that buffers are shared, not copied: inodes and the importer's DMA addresses.
 * Part of libpipeline (stage.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage.h"

uint64_t pl_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (uint64_t)st.st_ino;
}

int pl_importer_find(int imp, uint32_t role, struct imp_dev *dev)
{
	struct imp_dev *list;
	int n, i, ret = -ENODEV;

	n = imp_list(imp, &list);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (list[i].role == role && !(list[i].flags & IMP_DEV_NO_DMA)) {
			*dev = list[i];
			ret = 0;
			break;
		}
	}
	free(list);
	return ret;
}

int pl_importer_for(uint32_t role, struct imp_dev *dev)
{
	int imp = imp_open(NULL), ret;

	ret = imp < 0 ? imp : pl_importer_find(imp, role, dev);
	if (!ret)
		return imp;
	pl_info("no importer %s device (%s): DMA addresses are not compared",
		imp_role_name(role), strerror(-ret));
	if (imp >= 0)
		close(imp);
	return ret;
}

int pl_importer_id(int imp, const struct imp_dev *dev, int fd,
		   unsigned int direction, uint32_t *handle, struct pl_buffer_id *id)
{
	struct imp_mapping m;
	int ret;

	ret = imp_attach(imp, fd, dev->index, handle, NULL);
	if (ret)
		return ret;
	ret = imp_map(imp, *handle, direction, &m);
	if (ret) {
		imp_detach(imp, *handle);
		*handle = 0;
		return ret;
	}
	id->inode = pl_inode(fd);
	id->dma_addr = m.dma_start;
	id->nents = m.nents;
	id->dma_phys = !(dev->flags & IMP_DEV_IOMMU);
	return 0;
}

bool pl_same_buffer(const char *from, unsigned int index, const struct pl_buffer_id *theirs,
		    const struct pl_buffer_id *ours)
{
	bool dma = theirs->dma_addr && ours->dma_addr && theirs->dma_phys && ours->dma_phys;

	if (!ours->inode || theirs->inode != ours->inode) {
		pl_err("buffer %u: inode %llu here, but %s sent inode %llu: not the same buffer",
		       index, (unsigned long long)ours->inode, from,
		       (unsigned long long)theirs->inode);
		return false;
	}
	if (dma && theirs->dma_addr != ours->dma_addr) {
		pl_err("buffer %u: DMA address 0x%llx here, 0x%llx at %s: not the same memory",
		       index, (unsigned long long)ours->dma_addr,
		       (unsigned long long)theirs->dma_addr, from);
		return false;
	}
	if (dma)
		pl_info("zero copy: buffer %u is dma-buf inode %llu at DMA address 0x%llx both in %s and here",
			index, (unsigned long long)ours->inode,
			(unsigned long long)ours->dma_addr, from);
	else
		pl_info("zero copy: buffer %u is dma-buf inode %llu both in %s and here (DMA addresses not comparable)",
			index, (unsigned long long)ours->inode, from);
	return true;
}
