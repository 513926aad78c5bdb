// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: allocating from a named heap, naming a buffer, its size.
 * The heap preference-list policy lives in pref.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "ldma_internal.h"

#define LDMA_ALLOC_FLAGS	(LDMA_ALLOC_NO_CLOEXEC | LDMA_ALLOC_RDONLY)
#define LDMA_HEAP_FD_FLAGS	(O_ACCMODE | O_CLOEXEC)

/* A length the kernel can round up to whole pages without overflowing. */
static bool ldma_len_valid(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return len && len <= SIZE_MAX - (page - 1);
}

int ldma_alloc_check(size_t len, unsigned int flags)
{
	return ldma_len_valid(len) && !(flags & ~LDMA_ALLOC_FLAGS) ? 0 : -EINVAL;
}

LDMA_EXPORT int ldma_heap_ioctl_alloc(int heap_fd, size_t len,
				      unsigned int fd_flags)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = fd_flags,
	};
	int ret;

	if (!ldma_len_valid(len) || (fd_flags & ~LDMA_HEAP_FD_FLAGS))
		return -EINVAL;
	ret = ldma_ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data);
	return ret < 0 ? ret : (int)data.fd;
}

/* Allocate from one heap; arguments are already checked. */
int ldma_alloc_from(struct ldma_ctx *ctx, const char *heap, size_t len,
		    unsigned int flags, const char *name)
{
	unsigned int fd_flags;
	int heap_fd, fd, ret;

	heap_fd = ldma_ctx_heap_fd(ctx, heap);
	if (heap_fd < 0)
		return heap_fd;

	fd_flags = flags & LDMA_ALLOC_RDONLY ? O_RDONLY : O_RDWR;
	if (!(flags & LDMA_ALLOC_NO_CLOEXEC))
		fd_flags |= O_CLOEXEC;
	fd = ldma_heap_ioctl_alloc(heap_fd, len, fd_flags);
	if (fd < 0 || !name)
		return fd;

	ret = ldma_set_name(fd, name);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

LDMA_EXPORT int ldma_alloc(struct ldma_ctx *ctx, const char *heap, size_t len,
			   unsigned int flags, const char *name)
{
	if (!heap || !ldma_heap_name_valid(heap))
		return -EINVAL;
	if (ldma_alloc_check(len, flags) < 0)
		return -EINVAL;
	return ldma_alloc_from(ctx, heap, len, flags, name);
}

LDMA_EXPORT int ldma_set_name(int buf_fd, const char *name)
{
	char buf[LDMA_BUF_NAME_MAX];

	if (!name)
		return -EINVAL;
	/* The kernel refuses DMA_BUF_NAME_LEN bytes or more: cut, don't fail. */
	strncpy(buf, name, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	/* DMA_BUF_SET_NAME is _A or _B to match this ABI's pointer size. */
	return ldma_ioctl(buf_fd, DMA_BUF_SET_NAME, buf);
}

LDMA_EXPORT int ldma_buf_size(int buf_fd, uint64_t *size)
{
	struct stat st;
	off_t end;

	if (!size)
		return -EINVAL;
	if (fstat(buf_fd, &st))
		return -errno;
	if (st.st_size > 0) {
		*size = (uint64_t)st.st_size;
		return 0;
	}
	/* No size in the inode: ask llseek(SEEK_END), the documented way. */
	end = lseek(buf_fd, 0, SEEK_END);
	if (end < 0)
		return -errno;
	/* dma-bufs accept only SEEK_END and SEEK_SET with offset 0. */
	lseek(buf_fd, 0, SEEK_SET);
	*size = (uint64_t)end;
	return 0;
}
