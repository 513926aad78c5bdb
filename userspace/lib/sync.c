// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: the CPU-access bracket and sync_file (implicit fence) helpers.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include <linux/dma-buf.h>

#include "ldma_internal.h"

static uint64_t ldma_sync_flags(unsigned int access)
{
	return (access & LDMA_READ ? DMA_BUF_SYNC_READ : 0) |
	       (access & LDMA_WRITE ? DMA_BUF_SYNC_WRITE : 0);
}

static int ldma_cpu_sync(int buf_fd, unsigned int access, uint64_t when)
{
	struct dma_buf_sync sync;

	if (!ldma_access_valid(access))
		return -EINVAL;
	sync.flags = ldma_sync_flags(access) | when;
	return ldma_ioctl(buf_fd, DMA_BUF_IOCTL_SYNC, &sync);
}

LDMA_EXPORT int ldma_cpu_begin(int buf_fd, unsigned int access)
{
	return ldma_cpu_sync(buf_fd, access, DMA_BUF_SYNC_START);
}

LDMA_EXPORT int ldma_cpu_end(int buf_fd, unsigned int access)
{
	return ldma_cpu_sync(buf_fd, access, DMA_BUF_SYNC_END);
}

LDMA_EXPORT int ldma_sync_file_export(int buf_fd, unsigned int access)
{
	struct dma_buf_export_sync_file arg = { .fd = -1 };
	int ret;

	if (!ldma_access_valid(access))
		return -EINVAL;
	arg.flags = (uint32_t)ldma_sync_flags(access);
	ret = ldma_ioctl(buf_fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg);
	return ret < 0 ? ret : arg.fd;
}

LDMA_EXPORT int ldma_sync_file_import(int buf_fd, unsigned int access,
				      int sync_fd)
{
	struct dma_buf_import_sync_file arg = { .fd = sync_fd };

	if (!ldma_access_valid(access))
		return -EINVAL;
	arg.flags = (uint32_t)ldma_sync_flags(access);
	return ldma_ioctl(buf_fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &arg);
}

static int64_t ldma_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

LDMA_EXPORT int ldma_sync_file_wait(int sync_fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = sync_fd, .events = POLLIN };
	int64_t deadline = ldma_now_ms() + timeout_ms;
	int left = timeout_ms, ret;

	if (sync_fd < 0)
		return -EBADF;
	for (;;) {
		ret = poll(&pfd, 1, left);
		if (ret > 0)
			break;
		if (ret == 0)
			return -ETIME;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
		/* Interrupted: wait for what is left of the timeout. */
		if (timeout_ms >= 0) {
			int64_t rest = deadline - ldma_now_ms();

			left = rest > 0 ? (int)rest : 0;
		}
	}
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	if (pfd.revents & POLLIN)
		return 0;
	return -EIO;	/* POLLERR or POLLHUP without the fence signalling */
}
