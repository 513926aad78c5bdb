// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libimp: thin wrappers over the importer device's uAPI
 * (include/uapi/linux/dmabuf_importer.h, Documentation/importer.rst).
 *
 * Like libdrm's PRIME calls these add no policy: one function per ioctl,
 * arguments checked as far as userspace can know them (NULL, alignment,
 * directions, overflow) before the ioctl, and the kernel's errno otherwise.
 * libimp.h mirrors the uAPI's constants under its own prefix so that its
 * users need not have the project's uAPI header; the static assertions
 * below keep the two in step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dmabuf_importer.h>

#include "libimp.h"

_Static_assert((int)IMP_CAMERA == (int)DMABUF_IMPORTER_ROLE_CAMERA &&
	       (int)IMP_GPU == (int)DMABUF_IMPORTER_ROLE_GPU &&
	       (int)IMP_DISPLAY == (int)DMABUF_IMPORTER_ROLE_DISPLAY &&
	       (int)IMP_EDU == (int)DMABUF_IMPORTER_ROLE_EDU, "roles");
_Static_assert(IMP_DEV_COHERENT == DMABUF_IMPORTER_DEV_COHERENT &&
	       IMP_DEV_CONTIG == DMABUF_IMPORTER_DEV_CONTIG &&
	       IMP_DEV_IOMMU == DMABUF_IMPORTER_DEV_IOMMU &&
	       IMP_DEV_NO_DMA == DMABUF_IMPORTER_DEV_NO_DMA &&
	       IMP_DEV_HW_DMA == DMABUF_IMPORTER_DEV_HW_DMA, "device flags");
_Static_assert(IMP_TO_DEVICE == DMABUF_IMPORTER_DIR_TO_DEVICE &&
	       IMP_FROM_DEVICE == DMABUF_IMPORTER_DIR_FROM_DEVICE &&
	       IMP_BIDIRECTIONAL == DMABUF_IMPORTER_DIR_BIDIRECTIONAL,
	       "directions");
_Static_assert(IMP_MAPPING_CONTIGUOUS == DMABUF_IMPORTER_MAPPING_CONTIGUOUS &&
	       IMP_STATE_MAPPED == DMABUF_IMPORTER_STATE_MAPPED &&
	       IMP_STATE_REVOKED == DMABUF_IMPORTER_STATE_REVOKED,
	       "mapping and state flags");
_Static_assert(IMP_ALIGN == DMABUF_IMPORTER_ALIGN &&
	       IMP_HASH_INIT == DMABUF_IMPORTER_FNV_OFFSET, "hash");
_Static_assert(sizeof(((struct imp_dev *)0)->name) ==
	       sizeof(((struct dmabuf_importer_device_info *)0)->name), "name");

/* The ioctl, retried on EINTR and EAGAIN: 0 (or its value) or -errno. */
static int imp_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : ret;
}

/* Devices a listing looks at: far more than any board has. */
#define IMP_MAX_DEVICES	256

/* An offset and length FILL and CHECKSUM accept, as far as we can tell. */
static bool imp_range_valid(uint64_t offset, uint64_t length)
{
	return length && !(offset % IMP_ALIGN) &&
	       !(length % IMP_ALIGN) && offset <= UINT64_MAX - length;
}

static bool imp_dir_valid(unsigned int direction)
{
	return direction == IMP_TO_DEVICE ||
	       direction == IMP_FROM_DEVICE ||
	       direction == IMP_BIDIRECTIONAL;
}

int imp_open(const char *path)
{
	int fd = open(path ? path : IMP_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int imp_device(int imp_fd, uint32_t index,
	       struct imp_dev *dev)
{
	struct dmabuf_importer_device_info info = { .index = index };
	int ret;

	if (!dev)
		return -EINVAL;
	ret = imp_ioctl(imp_fd, DMABUF_IMPORTER_IOC_DEVICE_INFO, &info);
	if (ret < 0)
		return ret;
	dev->index = info.index;
	dev->role = info.role;
	dev->flags = info.flags;
	dev->dma_bits = info.dma_bits;
	dev->max_segment = info.max_segment;
	memcpy(dev->name, info.name, sizeof(dev->name));
	dev->name[sizeof(dev->name) - 1] = '\0';
	return 0;
}

int imp_list(int imp_fd, struct imp_dev **list)
{
	struct imp_dev *devs = NULL, *tmp;
	uint32_t n = 0;
	int ret;

	if (!list)
		return -EINVAL;
	*list = NULL;
	for (;;) {
		if (n == IMP_MAX_DEVICES) {
			ret = -E2BIG;
			goto err;
		}
		tmp = realloc(devs, (n + 1) * sizeof(*devs));
		if (!tmp) {
			ret = -ENOMEM;
			goto err;
		}
		devs = tmp;
		ret = imp_device(imp_fd, n, &devs[n]);
		if (ret == -ENODEV)
			break;
		if (ret < 0)
			goto err;
		n++;
	}
	if (!n) {
		free(devs);
		return 0;
	}
	*list = devs;
	return (int)n;

err:
	free(devs);
	return ret;
}

const char *imp_role_name(uint32_t role)
{
	switch (role) {
	case IMP_CAMERA:
		return "camera";
	case IMP_GPU:
		return "gpu";
	case IMP_DISPLAY:
		return "display";
	case IMP_EDU:
		return "edu";
	default:
		return "unknown";
	}
}

int imp_attach(int imp_fd, int buf_fd, uint32_t device,
	       uint32_t *handle, uint64_t *size)
{
	struct dmabuf_importer_attach arg = { .fd = buf_fd, .device = device };
	int ret;

	if (!handle)
		return -EINVAL;
	if (buf_fd < 0)
		return -EBADF;
	ret = imp_ioctl(imp_fd, DMABUF_IMPORTER_IOC_ATTACH, &arg);
	if (ret < 0)
		return ret;
	*handle = arg.handle;
	if (size)
		*size = arg.size;
	return 0;
}

int imp_detach(int imp_fd, uint32_t handle)
{
	struct dmabuf_importer_handle arg = { .handle = handle };

	return imp_ioctl(imp_fd, DMABUF_IMPORTER_IOC_DETACH, &arg);
}

int imp_map(int imp_fd, uint32_t handle,
	    unsigned int direction,
	    struct imp_mapping *mapping)
{
	struct dmabuf_importer_map arg = { .handle = handle, .direction = direction };
	int ret;

	if (!imp_dir_valid(direction))
		return -EINVAL;
	ret = imp_ioctl(imp_fd, DMABUF_IMPORTER_IOC_MAP, &arg);
	if (ret < 0)
		return ret;
	if (mapping) {
		mapping->flags = arg.flags;
		mapping->nents = arg.nents;
		mapping->dma_size = arg.dma_size;
		mapping->dma_start = arg.dma_start;
		mapping->dma_end = arg.dma_end;
	}
	return 0;
}

int imp_unmap(int imp_fd, uint32_t handle)
{
	struct dmabuf_importer_handle arg = { .handle = handle };

	return imp_ioctl(imp_fd, DMABUF_IMPORTER_IOC_UNMAP, &arg);
}

int imp_fill(int imp_fd, uint32_t handle, uint32_t seed,
	     uint64_t offset, uint64_t length)
{
	struct dmabuf_importer_fill arg = {
		.handle = handle, .seed = seed, .offset = offset, .length = length,
	};

	if (!imp_range_valid(offset, length))
		return -EINVAL;
	return imp_ioctl(imp_fd, DMABUF_IMPORTER_IOC_FILL, &arg);
}

int imp_checksum(int imp_fd, uint32_t handle,
		 uint64_t offset, uint64_t length,
		 uint64_t *checksum)
{
	struct dmabuf_importer_checksum arg = {
		.handle = handle, .offset = offset, .length = length,
	};
	int ret;

	if (!checksum || !imp_range_valid(offset, length))
		return -EINVAL;
	ret = imp_ioctl(imp_fd, DMABUF_IMPORTER_IOC_CHECKSUM, &arg);
	if (ret < 0)
		return ret;
	*checksum = arg.checksum;
	return 0;
}

static int imp_sync(int imp_fd, uint32_t handle, unsigned int access,
		    uint32_t when)
{
	struct dmabuf_importer_sync arg = { .handle = handle };

	if (!access || (access & ~IMP_RW))
		return -EINVAL;
	arg.flags = when | (access & IMP_READ ? DMABUF_IMPORTER_SYNC_READ : 0) |
		    (access & IMP_WRITE ? DMABUF_IMPORTER_SYNC_WRITE : 0);
	return imp_ioctl(imp_fd, DMABUF_IMPORTER_IOC_SYNC, &arg);
}

int imp_sync_begin(int imp_fd, uint32_t handle,
		   unsigned int access)
{
	return imp_sync(imp_fd, handle, access, DMABUF_IMPORTER_SYNC_START);
}

int imp_sync_end(int imp_fd, uint32_t handle,
		 unsigned int access)
{
	return imp_sync(imp_fd, handle, access, DMABUF_IMPORTER_SYNC_END);
}

int imp_query(int imp_fd, uint32_t handle,
	      struct imp_state *state)
{
	struct dmabuf_importer_query arg = { .handle = handle };
	int ret;

	if (!state)
		return -EINVAL;
	ret = imp_ioctl(imp_fd, DMABUF_IMPORTER_IOC_QUERY, &arg);
	if (ret < 0)
		return ret;
	state->device = arg.device;
	state->state = arg.state;
	state->direction = arg.direction;
	state->flags = arg.flags;
	state->nents = arg.nents;
	state->size = arg.size;
	state->dma_size = arg.dma_size;
	state->dma_start = arg.dma_start;
	state->dma_end = arg.dma_end;
	return 0;
}

/* Words are little-endian on the bus, whatever the CPU. */
static uint32_t imp_le32(uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap32(v);
#else
	return v;
#endif
}

int imp_pattern(void *buf, uint64_t offset, size_t length,
		uint32_t seed)
{
	uint32_t w;
	size_t i;

	if (!buf || !imp_range_valid(offset, length))
		return -EINVAL;
	for (i = 0; i < length; i += sizeof(w)) {
		w = imp_le32(seed ^ (uint32_t)(offset + i));
		memcpy((char *)buf + i, &w, sizeof(w));
	}
	return 0;
}

int imp_hash(uint64_t *hash, const void *buf, size_t length)
{
	uint64_t h;
	uint32_t w;
	size_t i;

	if (!hash || (!buf && length) || length % IMP_ALIGN)
		return -EINVAL;
	h = *hash;
	for (i = 0; i < length; i += sizeof(w)) {
		memcpy(&w, (const char *)buf + i, sizeof(w));
		h ^= imp_le32(w);
		h *= DMABUF_IMPORTER_FNV_PRIME;
	}
	*hash = h;
	return 0;
}
