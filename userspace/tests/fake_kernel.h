/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stand-in for the dma-heap and dma-buf ioctls, so that allocation,
 * naming and the CPU-access bracket can be tested on a host without
 * /dev/dma_heap.
 *
 * tests/fake_kernel.c defines ioctl() itself; linked into a test program
 * it takes precedence over libc's for every call libdma makes. A regular
 * file in the fake dev tree is a heap: DMA_HEAP_IOCTL_ALLOC on it returns
 * a memfd named "fake-dmabuf" of the requested size, or fails with ENOMEM
 * if the file holds "enomem". On those memfds, DMA_BUF_SET_NAME behaves like
 * the kernel's (EINVAL for DMA_BUF_NAME_LEN bytes or more) and
 * DMA_BUF_IOCTL_SYNC can be made to fail. Every other ioctl goes to the
 * kernel unchanged.
 */
#ifndef LDMA_FAKE_KERNEL_H
#define LDMA_FAKE_KERNEL_H

#include <stdint.h>

#define FAKE_MAX_ERRS 8

struct fake_kernel {
	/* inputs */
	int sync_errs[FAKE_MAX_ERRS];	/* errnos for the next SYNC calls, 0 ends */
	/* observations */
	unsigned int alloc_calls;
	char alloc_heap[256];
	uint64_t alloc_len;
	uint32_t alloc_fd_flags;
	int alloc_heap_fd;
	unsigned int set_name_calls;
	char name[64];
	unsigned int sync_calls;
	uint64_t sync_flags;
};

extern struct fake_kernel fake;

#endif
