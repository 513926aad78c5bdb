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
 * DMA_BUF_IOCTL_SYNC can be made to fail. A regular file named
 * "fake_importer" is an importer device (include/uapi/linux/
 * dmabuf_importer.h) with two devices, index 0 a camera and index 1 an edu
 * that cannot do DMA; it records each call and answers with fixed values
 * (FAKE_IMP_*). So is the descriptor in fake.importer_fd, for tests that
 * need a character device (one that sysfs can name). Every other ioctl goes
 * to the kernel unchanged.
 */
#ifndef LDMA_FAKE_KERNEL_H
#define LDMA_FAKE_KERNEL_H

#include <stdint.h>

#define FAKE_MAX_ERRS 8

/* What the fake importer answers. */
#define FAKE_IMP_HANDLE		7u
#define FAKE_IMP_SIZE		8192u
#define FAKE_IMP_DMA		0x60000000ull
#define FAKE_IMP_CHECKSUM	0x0123456789abcdefull

struct fake_kernel {
	/* inputs */
	int sync_errs[FAKE_MAX_ERRS];	/* errnos for the next SYNC calls, 0 ends */
	int importer_fd;		/* if > 0, an importer too */
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
	unsigned int imp_calls;		/* importer ioctls answered */
	unsigned long imp_cmd;		/* the last one, */
	unsigned char imp_arg[64];	/* and its argument as it came in */
};

extern struct fake_kernel fake;

#endif
