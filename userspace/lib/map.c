// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: CPU mappings that remember their size and keep their buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ldma_internal.h"

struct ldma_map {
	void *addr;
	size_t size;
	int fd;		/* our own duplicate, closed by ldma_unmap() */
};

LDMA_EXPORT int ldma_map(int buf_fd, size_t len, unsigned int access,
			 struct ldma_map **map)
{
	struct ldma_map *m;
	int prot = 0, ret;

	if (!map || !ldma_access_valid(access))
		return -EINVAL;
	if (access & LDMA_READ)
		prot |= PROT_READ;
	if (access & LDMA_WRITE)
		prot |= PROT_WRITE;

	if (!len) {
		uint64_t size;

		ret = ldma_buf_size(buf_fd, &size);
		if (ret < 0)
			return ret;
		if (!size || size > SIZE_MAX)
			return -EINVAL;
		len = (size_t)size;
	}

	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fd = fcntl(buf_fd, F_DUPFD_CLOEXEC, 0);
	if (m->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	m->size = len;
	m->addr = mmap(NULL, len, prot, MAP_SHARED, m->fd, 0);
	if (m->addr == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	*map = m;
	return 0;

err_close:
	close(m->fd);
err_free:
	free(m);
	return ret;
}

LDMA_EXPORT void *ldma_map_addr(const struct ldma_map *map)
{
	return map ? map->addr : NULL;
}

LDMA_EXPORT size_t ldma_map_size(const struct ldma_map *map)
{
	return map ? map->size : 0;
}

LDMA_EXPORT int ldma_map_fd(const struct ldma_map *map)
{
	return map ? map->fd : -EINVAL;
}

LDMA_EXPORT int ldma_unmap(struct ldma_map *map)
{
	int ret = 0;

	if (!map)
		return 0;
	if (munmap(map->addr, map->size))
		ret = -errno;
	close(map->fd);
	free(map);
	return ret;
}
