/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libimp - the userspace client of the importer test device
 * (/dev/dmabuf_importer, include/uapi/linux/dmabuf_importer.h,
 * Documentation/importer.rst).
 *
 * The device belongs to this project's tests, so the library is built
 * static for the pipeline, the hardening tests and the importer kselftests,
 * and is not installed. It follows libdma's conventions (libdma.h): one
 * prefix (imp_*, IMP_*), 0 or a count or an fd on success, -errno on
 * failure, arguments checked before any ioctl.
 */
#ifndef LIBIMP_H
#define LIBIMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Importer devices
 *
 * Thin wrappers over the importer misc device of this project
 * (include/uapi/linux/dmabuf_importer.h, Documentation/importer.rst): one
 * function per ioctl, no policy. The device attaches a dma-buf to one of
 * its devices (emulated camera, GPU and display engines, QEMU's edu PCI
 * device), maps it for a direction, and has the device write a pattern
 * into it or read it back and hash it, through the DMA addresses of the
 * mapping. The constants below have the values of the uAPI's
 * DMABUF_IMPORTER_* constants, so callers need not include that header.
 *
 * Arguments that userspace can judge (NULL, direction, access, alignment,
 * an empty or overflowing range, a negative buffer fd) give -EINVAL or
 * -EBADF before any ioctl; everything else is the kernel's answer:
 * -ENOTTY when @imp_fd is not the importer device, -ENODEV for an index
 * with no device or a revoked attachment, -ENOENT for an unknown handle,
 * and the errors listed with each ioctl in the uAPI header. Calls retry on
 * EINTR and EAGAIN. An importer fd may be shared by threads; its handles
 * are valid on that open file only.
 */

/* The device node. */
#define IMP_PATH		"/dev/dmabuf_importer"

/** enum imp_role - what an importer device emulates */
enum imp_role {
	IMP_CAMERA = 1,	/* non-coherent, 32-bit DMA mask */
	IMP_GPU = 2,		/* coherent, 64-bit DMA mask */
	IMP_DISPLAY = 3,	/* needs DMA-contiguous mappings */
	IMP_EDU = 4,		/* QEMU's edu: a real DMA engine */
};

/* Device flags, struct imp_dev.flags */
#define IMP_DEV_COHERENT	0x1	/* DMA snoops the CPU caches */
#define IMP_DEV_CONTIG	0x2	/* maps only DMA-contiguous buffers */
#define IMP_DEV_IOMMU		0x4	/* DMA goes through an IOMMU */
#define IMP_DEV_NO_DMA	0x8	/* cannot reach memory here: attach fails */
#define IMP_DEV_HW_DMA	0x10	/* a hardware DMA engine moves the data */

/* Mapping directions for imp_map() */
#define IMP_TO_DEVICE		1	/* the device reads (checksum) */
#define IMP_FROM_DEVICE	2	/* the device writes (fill) */
#define IMP_BIDIRECTIONAL	3

/* struct imp_mapping.flags: one range in the DMA address space */
#define IMP_MAPPING_CONTIGUOUS 0x1

/* struct imp_state.state */
#define IMP_STATE_MAPPED	0x1
#define IMP_STATE_REVOKED	0x2	/* device gone: only query and detach */

/* CPU access of imp_sync_begin() and imp_sync_end() */
#define IMP_READ			(1u << 0)
#define IMP_WRITE			(1u << 1)
#define IMP_RW				(IMP_READ | IMP_WRITE)

/* Alignment of fill and checksum offsets and lengths (32-bit words). */
#define IMP_ALIGN		4
/* First value of the checksum hash (64-bit FNV-1a over 32-bit LE words). */
#define IMP_HASH_INIT		0xcbf29ce484222325ULL

/**
 * struct imp_dev - one importer device
 * @index: device index, as attach takes it
 * @role: enum imp_role
 * @flags: IMP_DEV_* flags
 * @dma_bits: width of the device's DMA mask
 * @max_segment: largest DMA segment the device takes, in bytes
 * @name: device name; for edu devices the PCI address
 */
struct imp_dev {
	uint32_t index;
	uint32_t role;
	uint32_t flags;
	uint32_t dma_bits;
	uint32_t max_segment;
	char name[32];
};

/**
 * struct imp_mapping - what a mapping looks like to the device
 * @flags: IMP_MAPPING_* flags
 * @nents: DMA segments
 * @dma_size: sum of the segment lengths
 * @dma_start: DMA address of the first segment
 * @dma_end: highest DMA address of any segment, plus one
 */
struct imp_mapping {
	uint32_t flags;
	uint32_t nents;
	uint64_t dma_size;
	uint64_t dma_start;
	uint64_t dma_end;
};

/**
 * struct imp_state - an attachment, as imp_query() sees it
 * @device: device index
 * @state: IMP_STATE_* flags
 * @direction: IMP_TO_DEVICE etc. when mapped, else 0
 * @flags, @nents, @dma_size, @dma_start, @dma_end: as struct
 *        imp_mapping when mapped, else 0
 * @size: buffer size in bytes (0 once revoked)
 */
struct imp_state {
	uint32_t device;
	uint32_t state;
	uint32_t direction;
	uint32_t flags;
	uint32_t nents;
	uint64_t size;
	uint64_t dma_size;
	uint64_t dma_start;
	uint64_t dma_end;
};

/**
 * imp_open() - open the importer device
 * @path: device node, or NULL for IMP_PATH
 *
 * Attachments belong to the open file: closing it detaches them all.
 *
 * Return: the fd (O_RDWR, O_CLOEXEC), or the -errno of open() (-ENOENT: the
 * dmabuf_importer module is not loaded).
 */
int imp_open(const char *path);

/**
 * imp_device() - DMABUF_IMPORTER_IOC_DEVICE_INFO
 * @imp_fd: importer fd
 * @index: device index, from 0
 * @dev: receives the description
 *
 * Return: 0, -EINVAL (NULL @dev), -ENODEV (no device at @index).
 */
int imp_device(int imp_fd, uint32_t index,
	       struct imp_dev *dev);

/**
 * imp_list() - every importer device, by index
 * @imp_fd: importer fd
 * @list: receives an array to release with free(); NULL when there is none
 *
 * Return: the number of devices (>= 0), -EINVAL, -ENOMEM, or the error of
 * imp_device() other than -ENODEV.
 */
int imp_list(int imp_fd, struct imp_dev **list);

/**
 * imp_role_name() - "camera", "gpu", "display", "edu" or "unknown"
 * @role: enum imp_role
 *
 * Return: a static string, never NULL.
 */
const char *imp_role_name(uint32_t role);

/**
 * imp_attach() - DMABUF_IMPORTER_IOC_ATTACH: dma_buf_attach()
 * @imp_fd: importer fd
 * @buf_fd: the dma-buf; the attachment holds its own reference
 * @device: device index
 * @handle: receives the attachment handle (non-zero)
 * @size: receives the buffer size, or NULL
 *
 * Return: 0, -EINVAL (NULL @handle, or @buf_fd is not a dma-buf), -EBADF,
 * -ENODEV (no such device), -ENXIO (the device cannot do DMA here),
 * -ENOSPC (1024 attachments on this file).
 */
int imp_attach(int imp_fd, int buf_fd, uint32_t device,
	       uint32_t *handle, uint64_t *size);

/**
 * imp_detach() - DMABUF_IMPORTER_IOC_DETACH, unmapping first
 * @imp_fd: importer fd
 * @handle: attachment
 *
 * Return: 0, -ENOENT (unknown handle).
 */
int imp_detach(int imp_fd, uint32_t handle);

/**
 * imp_map() - DMABUF_IMPORTER_IOC_MAP: map for device DMA
 * @imp_fd: importer fd
 * @handle: attachment
 * @direction: IMP_TO_DEVICE, _FROM_DEVICE or _BIDIRECTIONAL
 * @mapping: receives the DMA view of the mapping, or NULL
 *
 * Return: 0, -EINVAL (bad @direction), -ENOENT, -EACCES (a direction the
 * device could write through, on a dma-buf whose fd is not open for
 * writing), -EBUSY (already mapped), -EXDEV (the device needs a
 * DMA-contiguous mapping and this is not one), -ENODEV (revoked), or the
 * exporter's error.
 */
int imp_map(int imp_fd, uint32_t handle, unsigned int direction,
	    struct imp_mapping *mapping);

/**
 * imp_unmap() - DMABUF_IMPORTER_IOC_UNMAP
 * @imp_fd: importer fd
 * @handle: attachment
 *
 * Return: 0, -ENOENT, -ENOTCONN (not mapped), -ENODEV (revoked).
 */
int imp_unmap(int imp_fd, uint32_t handle);

/**
 * imp_fill() - DMABUF_IMPORTER_IOC_FILL: the device writes a pattern
 * @imp_fd: importer fd
 * @handle: attachment mapped FROM_DEVICE or BIDIRECTIONAL
 * @seed: pattern seed: the 32-bit little-endian word at buffer offset o
 *        becomes @seed ^ o (imp_pattern() computes the same)
 * @offset: byte offset, a multiple of IMP_ALIGN
 * @length: bytes, non-zero, a multiple of IMP_ALIGN
 *
 * The kernel waits for the buffer's implicit fences before the device
 * writes (10 s at most; a signal interrupts the wait), and returns once
 * the data is in memory.
 *
 * Return: 0, -EINVAL (range unaligned, empty or, from the kernel, past the
 * end of the buffer), -ENOENT, -EACCES (the dma-buf's fd is not open for
 * writing), -ENOTCONN (not mapped), -EPERM (mapped TO_DEVICE), -ENODEV,
 * -EFAULT (a DMA address leads nowhere), -EINTR (a signal during the fence
 * wait), -ETIMEDOUT (the fences did not signal, or edu's DMA engine did
 * not finish) or -EIO (edu's DMA engine is out of use).
 */
int imp_fill(int imp_fd, uint32_t handle, uint32_t seed,
	     uint64_t offset, uint64_t length);

/**
 * imp_checksum() - DMABUF_IMPORTER_IOC_CHECKSUM: the device reads
 * @imp_fd: importer fd
 * @handle: attachment mapped TO_DEVICE or BIDIRECTIONAL
 * @offset: as for imp_fill()
 * @length: as for imp_fill()
 * @checksum: receives the hash of what the device read (as
 *            imp_hash() from IMP_HASH_INIT)
 *
 * Return: as imp_fill() (but a read-only dma-buf is no -EACCES),
 * with -EPERM for a mapping FROM_DEVICE, and -EINVAL for a NULL @checksum.
 */
int imp_checksum(int imp_fd, uint32_t handle, uint64_t offset,
		 uint64_t length, uint64_t *checksum);

/**
 * imp_sync_begin() - DMABUF_IMPORTER_IOC_SYNC with START
 * @imp_fd: importer fd
 * @handle: attachment (mapped or not)
 * @access: IMP_READ, IMP_WRITE or IMP_RW
 *
 * The importer calls dma_buf_begin_cpu_access() on the attachment's buffer:
 * a kernel CPU access, as a driver would bracket one. Pair it with
 * imp_sync_end() and the same @access.
 *
 * Return: 0, -EINVAL (bad @access), -ENOENT, -ENODEV, or the exporter's error.
 */
int imp_sync_begin(int imp_fd, uint32_t handle, unsigned int access);

/**
 * imp_sync_end() - DMABUF_IMPORTER_IOC_SYNC with END
 * @imp_fd: importer fd
 * @handle: attachment
 * @access: as given to imp_sync_begin()
 *
 * Return: as imp_sync_begin().
 */
int imp_sync_end(int imp_fd, uint32_t handle, unsigned int access);

/**
 * imp_query() - DMABUF_IMPORTER_IOC_QUERY: an attachment's state
 * @imp_fd: importer fd
 * @handle: attachment
 * @state: receives the state
 *
 * Return: 0, -EINVAL (NULL @state), -ENOENT.
 */
int imp_query(int imp_fd, uint32_t handle,
	      struct imp_state *state);

/**
 * imp_pattern() - what a fill writes, computed by the CPU
 * @buf: receives @length bytes: the content of buffer offsets
 *       [@offset, @offset + @length) after imp_fill()
 * @offset: buffer offset of @buf[0], a multiple of IMP_ALIGN
 * @length: bytes, non-zero, a multiple of IMP_ALIGN
 * @seed: as for imp_fill()
 *
 * Return: 0, -EINVAL (NULL @buf, bad range).
 */
int imp_pattern(void *buf, uint64_t offset, size_t length,
		uint32_t seed);

/**
 * imp_hash() - the checksum hash, computed by the CPU
 * @hash: in: IMP_HASH_INIT, or the result of a previous call to
 *        continue it; out: the hash including @buf
 * @buf: data, read as 32-bit little-endian words
 * @length: bytes, a multiple of IMP_ALIGN (0 leaves @hash as is)
 *
 * Hashing a range in pieces gives the same value as hashing it at once, and
 * the same value as imp_checksum() of that range.
 *
 * Return: 0, -EINVAL (NULL @hash or @buf, unaligned @length).
 */
int imp_hash(uint64_t *hash, const void *buf, size_t length);

#ifdef __cplusplus
}
#endif

#endif /* LIBIMP_H */
