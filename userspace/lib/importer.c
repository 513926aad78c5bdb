// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: thin wrappers over the importer device's uAPI
 * (include/uapi/linux/dmabuf_importer.h, Documentation/importer.rst).
 *
 * Like libdrm's PRIME calls these add no policy: one function per ioctl,
 * arguments checked as far as userspace can know them (NULL, alignment,
 * directions, overflow) before the ioctl, and the kernel's errno otherwise.
 * libdma.h mirrors the uAPI's constants under its own prefix so that its
 * users need not have the project's uAPI header; the static assertions
 * below keep the two in step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/dmabuf_importer.h>

#include "ldma_internal.h"

_Static_assert((int)LDMA_IMPORTER_CAMERA == (int)DMABUF_IMPORTER_ROLE_CAMERA &&
	       (int)LDMA_IMPORTER_GPU == (int)DMABUF_IMPORTER_ROLE_GPU &&
	       (int)LDMA_IMPORTER_DISPLAY == (int)DMABUF_IMPORTER_ROLE_DISPLAY &&
	       (int)LDMA_IMPORTER_EDU == (int)DMABUF_IMPORTER_ROLE_EDU, "roles");
_Static_assert(LDMA_IMPORTER_DEV_COHERENT == DMABUF_IMPORTER_DEV_COHERENT &&
	       LDMA_IMPORTER_DEV_CONTIG == DMABUF_IMPORTER_DEV_CONTIG &&
	       LDMA_IMPORTER_DEV_IOMMU == DMABUF_IMPORTER_DEV_IOMMU &&
	       LDMA_IMPORTER_DEV_NO_DMA == DMABUF_IMPORTER_DEV_NO_DMA &&
	       LDMA_IMPORTER_DEV_HW_DMA == DMABUF_IMPORTER_DEV_HW_DMA, "device flags");
_Static_assert(LDMA_IMPORTER_TO_DEVICE == DMABUF_IMPORTER_DIR_TO_DEVICE &&
	       LDMA_IMPORTER_FROM_DEVICE == DMABUF_IMPORTER_DIR_FROM_DEVICE &&
	       LDMA_IMPORTER_BIDIRECTIONAL == DMABUF_IMPORTER_DIR_BIDIRECTIONAL,
	       "directions");
_Static_assert(LDMA_IMPORTER_MAPPING_CONTIGUOUS == DMABUF_IMPORTER_MAPPING_CONTIGUOUS &&
	       LDMA_IMPORTER_STATE_MAPPED == DMABUF_IMPORTER_STATE_MAPPED &&
	       LDMA_IMPORTER_STATE_REVOKED == DMABUF_IMPORTER_STATE_REVOKED,
	       "mapping and state flags");
_Static_assert(LDMA_IMPORTER_ALIGN == DMABUF_IMPORTER_ALIGN &&
	       LDMA_IMPORTER_HASH_INIT == DMABUF_IMPORTER_FNV_OFFSET, "hash");
_Static_assert(sizeof(((struct ldma_importer_dev *)0)->name) ==
	       sizeof(((struct dmabuf_importer_device_info *)0)->name), "name");

/* Devices a listing looks at: far more than any board has. */
#define LDMA_IMPORTER_MAX_DEVICES	256

/* An offset and length FILL and CHECKSUM accept, as far as we can tell. */
static bool ldma_importer_range_valid(uint64_t offset, uint64_t length)
{
	return length && !(offset % LDMA_IMPORTER_ALIGN) &&
	       !(length % LDMA_IMPORTER_ALIGN) && offset <= UINT64_MAX - length;
}

static bool ldma_importer_dir_valid(unsigned int direction)
{
	return direction == LDMA_IMPORTER_TO_DEVICE ||
	       direction == LDMA_IMPORTER_FROM_DEVICE ||
	       direction == LDMA_IMPORTER_BIDIRECTIONAL;
}

LDMA_EXPORT int ldma_importer_open(const char *path)
{
	int fd = open(path ? path : LDMA_IMPORTER_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

LDMA_EXPORT int ldma_importer_device(int imp_fd, uint32_t index,
				     struct ldma_importer_dev *dev)
{
	struct dmabuf_importer_device_info info = { .index = index };
	int ret;

	if (!dev)
		return -EINVAL;
	ret = ldma_ioctl(imp_fd, DMABUF_IMPORTER_IOC_DEVICE_INFO, &info);
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

LDMA_EXPORT int ldma_importer_list(int imp_fd, struct ldma_importer_dev **list)
{
	struct ldma_importer_dev *devs = NULL, *tmp;
	uint32_t n = 0;
	int ret;

	if (!list)
		return -EINVAL;
	*list = NULL;
	for (;;) {
		if (n == LDMA_IMPORTER_MAX_DEVICES) {
			ret = -E2BIG;
			goto err;
		}
		tmp = realloc(devs, (n + 1) * sizeof(*devs));
		if (!tmp) {
			ret = -ENOMEM;
			goto err;
		}
		devs = tmp;
		ret = ldma_importer_device(imp_fd, n, &devs[n]);
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

LDMA_EXPORT const char *ldma_importer_role_name(uint32_t role)
{
	switch (role) {
	case LDMA_IMPORTER_CAMERA:
		return "camera";
	case LDMA_IMPORTER_GPU:
		return "gpu";
	case LDMA_IMPORTER_DISPLAY:
		return "display";
	case LDMA_IMPORTER_EDU:
		return "edu";
	default:
		return "unknown";
	}
}

LDMA_EXPORT int ldma_importer_attach(int imp_fd, int buf_fd, uint32_t device,
				     uint32_t *handle, uint64_t *size)
{
	struct dmabuf_importer_attach arg = { .fd = buf_fd, .device = device };
	int ret;

	if (!handle)
		return -EINVAL;
	if (buf_fd < 0)
		return -EBADF;
	ret = ldma_ioctl(imp_fd, DMABUF_IMPORTER_IOC_ATTACH, &arg);
	if (ret < 0)
		return ret;
	*handle = arg.handle;
	if (size)
		*size = arg.size;
	return 0;
}

LDMA_EXPORT int ldma_importer_detach(int imp_fd, uint32_t handle)
{
	struct dmabuf_importer_handle arg = { .handle = handle };

	return ldma_ioctl(imp_fd, DMABUF_IMPORTER_IOC_DETACH, &arg);
}

LDMA_EXPORT int ldma_importer_map(int imp_fd, uint32_t handle,
				  unsigned int direction,
				  struct ldma_importer_mapping *mapping)
{
	struct dmabuf_importer_map arg = { .handle = handle, .direction = direction };
	int ret;

	if (!ldma_importer_dir_valid(direction))
		return -EINVAL;
	ret = ldma_ioctl(imp_fd, DMABUF_IMPORTER_IOC_MAP, &arg);
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

LDMA_EXPORT int ldma_importer_unmap(int imp_fd, uint32_t handle)
{
	struct dmabuf_importer_handle arg = { .handle = handle };

	return ldma_ioctl(imp_fd, DMABUF_IMPORTER_IOC_UNMAP, &arg);
}

LDMA_EXPORT int ldma_importer_fill(int imp_fd, uint32_t handle, uint32_t seed,
				   uint64_t offset, uint64_t length)
{
	struct dmabuf_importer_fill arg = {
		.handle = handle, .seed = seed, .offset = offset, .length = length,
	};

	if (!ldma_importer_range_valid(offset, length))
		return -EINVAL;
	return ldma_ioctl(imp_fd, DMABUF_IMPORTER_IOC_FILL, &arg);
}

LDMA_EXPORT int ldma_importer_checksum(int imp_fd, uint32_t handle,
				       uint64_t offset, uint64_t length,
				       uint64_t *checksum)
{
	struct dmabuf_importer_checksum arg = {
		.handle = handle, .offset = offset, .length = length,
	};
	int ret;

	if (!checksum || !ldma_importer_range_valid(offset, length))
		return -EINVAL;
	ret = ldma_ioctl(imp_fd, DMABUF_IMPORTER_IOC_CHECKSUM, &arg);
	if (ret < 0)
		return ret;
	*checksum = arg.checksum;
	return 0;
}

static int ldma_importer_sync(int imp_fd, uint32_t handle, unsigned int access,
			      uint32_t when)
{
	struct dmabuf_importer_sync arg = { .handle = handle };

	if (!ldma_access_valid(access))
		return -EINVAL;
	arg.flags = when | (access & LDMA_READ ? DMABUF_IMPORTER_SYNC_READ : 0) |
		    (access & LDMA_WRITE ? DMABUF_IMPORTER_SYNC_WRITE : 0);
	return ldma_ioctl(imp_fd, DMABUF_IMPORTER_IOC_SYNC, &arg);
}

LDMA_EXPORT int ldma_importer_sync_begin(int imp_fd, uint32_t handle,
					 unsigned int access)
{
	return ldma_importer_sync(imp_fd, handle, access, DMABUF_IMPORTER_SYNC_START);
}

LDMA_EXPORT int ldma_importer_sync_end(int imp_fd, uint32_t handle,
				       unsigned int access)
{
	return ldma_importer_sync(imp_fd, handle, access, DMABUF_IMPORTER_SYNC_END);
}

LDMA_EXPORT int ldma_importer_query(int imp_fd, uint32_t handle,
				    struct ldma_importer_state *state)
{
	struct dmabuf_importer_query arg = { .handle = handle };
	int ret;

	if (!state)
		return -EINVAL;
	ret = ldma_ioctl(imp_fd, DMABUF_IMPORTER_IOC_QUERY, &arg);
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
static uint32_t ldma_le32(uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap32(v);
#else
	return v;
#endif
}

LDMA_EXPORT int ldma_importer_pattern(void *buf, uint64_t offset, size_t length,
				      uint32_t seed)
{
	uint32_t w;
	size_t i;

	if (!buf || !ldma_importer_range_valid(offset, length))
		return -EINVAL;
	for (i = 0; i < length; i += sizeof(w)) {
		w = ldma_le32(seed ^ (uint32_t)(offset + i));
		memcpy((char *)buf + i, &w, sizeof(w));
	}
	return 0;
}

LDMA_EXPORT int ldma_importer_hash(uint64_t *hash, const void *buf, size_t length)
{
	uint64_t h;
	uint32_t w;
	size_t i;

	if (!hash || (!buf && length) || length % LDMA_IMPORTER_ALIGN)
		return -EINVAL;
	h = *hash;
	for (i = 0; i < length; i += sizeof(w)) {
		memcpy(&w, (const char *)buf + i, sizeof(w));
		h ^= ldma_le32(w);
		h *= DMABUF_IMPORTER_FNV_PRIME;
	}
	*hash = h;
	return 0;
}
