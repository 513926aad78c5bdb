/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * dmabuf_importer: devices that import dma-bufs and really move data
 *
 * The misc device /dev/dmabuf_importer gives userspace the importer side
 * of the dma-buf contract: attach a dma-buf to one of the importer's
 * devices, map it for a direction, have the device write a pattern into it
 * or read it back with a checksum through the DMA addresses of the
 * mapping, and unmap and detach again. Documentation/importer.rst
 * describes the devices and every error.
 *
 * Every argument struct is versioned by its size, which is encoded in the
 * ioctl number (as in dma-heap): the kernel copies min(user size, kernel
 * size) bytes in and out and zero-fills what the caller did not pass, so
 * older binaries keep working. A caller built against a newer header may
 * pass a larger struct; the kernel accepts it when every byte it does not
 * know is zero and fails with E2BIG otherwise. A size smaller than the
 * first version of the struct fails with EINVAL. Fields named "out" are
 * ignored on input; fields named "flags" or "__pad" that are input must be
 * zero (EINVAL).
 */
#ifndef _UAPI_LINUX_DMABUF_IMPORTER_H
#define _UAPI_LINUX_DMABUF_IMPORTER_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * enum dmabuf_importer_role - what kind of device an importer emulates
 * @DMABUF_IMPORTER_ROLE_CAMERA: DMA-noncoherent, 32-bit DMA mask; emulated
 *	on the CPU through the DMA addresses of the mapping.
 * @DMABUF_IMPORTER_ROLE_GPU: DMA-coherent, 64-bit DMA mask; emulated.
 * @DMABUF_IMPORTER_ROLE_DISPLAY: needs a mapping that is contiguous in its
 *	DMA address space (MAP fails with EXDEV otherwise); emulated.
 * @DMABUF_IMPORTER_ROLE_EDU: QEMU's edu PCI device; its DMA engine moves
 *	the data, through an IOMMU when there is one.
 */
enum dmabuf_importer_role {
	DMABUF_IMPORTER_ROLE_CAMERA = 1,
	DMABUF_IMPORTER_ROLE_GPU = 2,
	DMABUF_IMPORTER_ROLE_DISPLAY = 3,
	DMABUF_IMPORTER_ROLE_EDU = 4,
};

/* Device flags, &dmabuf_importer_device_info.flags */
/** DMABUF_IMPORTER_DEV_COHERENT - device DMA snoops the CPU caches */
#define DMABUF_IMPORTER_DEV_COHERENT	0x1
/** DMABUF_IMPORTER_DEV_CONTIG - device needs DMA-contiguous mappings */
#define DMABUF_IMPORTER_DEV_CONTIG	0x2
/** DMABUF_IMPORTER_DEV_IOMMU - device DMA goes through a translating IOMMU */
#define DMABUF_IMPORTER_DEV_IOMMU	0x4
/**
 * DMABUF_IMPORTER_DEV_NO_DMA - the device's DMA mask cannot reach memory
 * on this system (dma_set_mask() refused it): ATTACH fails with ENXIO.
 */
#define DMABUF_IMPORTER_DEV_NO_DMA	0x8
/** DMABUF_IMPORTER_DEV_HW_DMA - a hardware DMA engine moves the data */
#define DMABUF_IMPORTER_DEV_HW_DMA	0x10

/* Mapping directions, &dmabuf_importer_map.direction */
/** DMABUF_IMPORTER_DIR_TO_DEVICE - the device only reads (CHECKSUM) */
#define DMABUF_IMPORTER_DIR_TO_DEVICE		1
/** DMABUF_IMPORTER_DIR_FROM_DEVICE - the device only writes (FILL) */
#define DMABUF_IMPORTER_DIR_FROM_DEVICE		2
/** DMABUF_IMPORTER_DIR_BIDIRECTIONAL - the device reads and writes */
#define DMABUF_IMPORTER_DIR_BIDIRECTIONAL	3

/** DMABUF_IMPORTER_MAPPING_CONTIGUOUS - one range in the DMA address space */
#define DMABUF_IMPORTER_MAPPING_CONTIGUOUS	0x1

/* Attachment state, &dmabuf_importer_query.state */
/** DMABUF_IMPORTER_STATE_MAPPED - the attachment is mapped */
#define DMABUF_IMPORTER_STATE_MAPPED	0x1
/**
 * DMABUF_IMPORTER_STATE_REVOKED - the device went away (driver unbound):
 * the buffer was unmapped and detached; only QUERY and DETACH still work.
 */
#define DMABUF_IMPORTER_STATE_REVOKED	0x2

/* CPU access brackets, &dmabuf_importer_sync.flags (as DMA_BUF_SYNC_*) */
/** DMABUF_IMPORTER_SYNC_READ - the CPU reads */
#define DMABUF_IMPORTER_SYNC_READ	0x1
/** DMABUF_IMPORTER_SYNC_WRITE - the CPU writes */
#define DMABUF_IMPORTER_SYNC_WRITE	0x2
/** DMABUF_IMPORTER_SYNC_RW - the CPU reads and writes */
#define DMABUF_IMPORTER_SYNC_RW		(DMABUF_IMPORTER_SYNC_READ | \
					 DMABUF_IMPORTER_SYNC_WRITE)
/** DMABUF_IMPORTER_SYNC_START - begin CPU access */
#define DMABUF_IMPORTER_SYNC_START	0x0
/** DMABUF_IMPORTER_SYNC_END - end CPU access */
#define DMABUF_IMPORTER_SYNC_END	0x4

/**
 * DMABUF_IMPORTER_ALIGN - alignment of FILL and CHECKSUM offsets and lengths
 *
 * The pattern and the checksum work on 32-bit little-endian words.
 */
#define DMABUF_IMPORTER_ALIGN		4

/**
 * DMABUF_IMPORTER_FNV_OFFSET - initial value of the CHECKSUM hash
 *
 * CHECKSUM returns the 64-bit FNV-1a hash of the range taken as 32-bit
 * little-endian words: h = DMABUF_IMPORTER_FNV_OFFSET, then for every word
 * w in order, h = (h ^ w) * DMABUF_IMPORTER_FNV_PRIME (mod 2^64).
 */
#define DMABUF_IMPORTER_FNV_OFFSET	0xcbf29ce484222325ULL
/** DMABUF_IMPORTER_FNV_PRIME - multiplier of the CHECKSUM hash */
#define DMABUF_IMPORTER_FNV_PRIME	0x100000001b3ULL

/**
 * struct dmabuf_importer_device_info - describe one importer device
 * @index: in: device index, from 0. Indices are given in probe order and
 *	stay with a device while it is bound; enumerate until ENODEV.
 * @role: out: &enum dmabuf_importer_role
 * @flags: out: DMABUF_IMPORTER_DEV_* flags
 * @dma_bits: out: width of the DMA mask the driver asked for
 * @max_segment: out: largest DMA segment the device takes, in bytes
 * @__pad: out: zero
 * @name: out: the device's name (dev_name()), NUL-terminated; for edu
 *	devices the PCI address, as in /sys/bus/pci/devices/
 */
struct dmabuf_importer_device_info {
	__u32 index;
	__u32 role;
	__u32 flags;
	__u32 dma_bits;
	__u32 max_segment;
	__u32 __pad;
	char name[32];
};

/**
 * struct dmabuf_importer_attach - attach a dma-buf to a device
 * @fd: in: the dma-buf file descriptor
 * @device: in: device index, see &dmabuf_importer_device_info.index
 * @flags: in: must be zero
 * @handle: out: handle of the new attachment, non-zero, valid on this open
 *	file only
 * @size: out: size of the dma-buf in bytes
 *
 * The attachment holds a reference on the dma-buf: the fd may be closed.
 */
struct dmabuf_importer_attach {
	__s32 fd;
	__u32 device;
	__u32 flags;
	__u32 handle;
	__u64 size;
};

/**
 * struct dmabuf_importer_handle - name an attachment (UNMAP, DETACH)
 * @handle: in: attachment handle
 * @flags: in: must be zero
 */
struct dmabuf_importer_handle {
	__u32 handle;
	__u32 flags;
};

/**
 * struct dmabuf_importer_map - map an attachment for device DMA
 * @handle: in: attachment handle
 * @direction: in: DMABUF_IMPORTER_DIR_*
 * @flags: out: DMABUF_IMPORTER_MAPPING_* flags
 * @nents: out: number of DMA segments
 * @dma_size: out: sum of the DMA segment lengths
 * @dma_start: out: lowest DMA address of any segment
 * @dma_end: out: highest DMA address of any segment, plus one
 *
 * Contiguous means that every segment starts where the previous one ends
 * in the device's DMA address space: several segments that follow each
 * other count, and so does an IOMMU mapping of scattered pages.
 */
struct dmabuf_importer_map {
	__u32 handle;
	__u32 direction;
	__u32 flags;
	__u32 nents;
	__u64 dma_size;
	__u64 dma_start;
	__u64 dma_end;
};

/**
 * struct dmabuf_importer_fill - the device writes a pattern
 * @handle: in: attachment handle, mapped FROM_DEVICE or BIDIRECTIONAL
 * @seed: in: pattern seed
 * @offset: in: byte offset into the buffer, a multiple of
 *	DMABUF_IMPORTER_ALIGN
 * @length: in: bytes to write, non-zero, a multiple of
 *	DMABUF_IMPORTER_ALIGN, @offset + @length <= buffer size
 *
 * The 32-bit little-endian word at buffer offset o becomes seed ^ o, so
 * data written to the wrong place does not match.
 */
struct dmabuf_importer_fill {
	__u32 handle;
	__u32 seed;
	__u64 offset;
	__u64 length;
};

/**
 * struct dmabuf_importer_checksum - the device reads a range back
 * @handle: in: attachment handle, mapped TO_DEVICE or BIDIRECTIONAL
 * @flags: in: must be zero
 * @offset: in: as &dmabuf_importer_fill.offset
 * @length: in: as &dmabuf_importer_fill.length
 * @checksum: out: FNV-1a hash of what the device read, see
 *	DMABUF_IMPORTER_FNV_OFFSET
 */
struct dmabuf_importer_checksum {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__u64 checksum;
};

/**
 * struct dmabuf_importer_sync - bracket a kernel CPU access
 * @handle: in: attachment handle (mapped or not)
 * @flags: in: DMABUF_IMPORTER_SYNC_START or _END, ORed with _READ, _WRITE
 *	or _RW; calls dma_buf_begin_cpu_access() or dma_buf_end_cpu_access()
 *	on the attachment's buffer for that CPU access direction
 */
struct dmabuf_importer_sync {
	__u32 handle;
	__u32 flags;
};

/**
 * struct dmabuf_importer_query - the state of an attachment
 * @handle: in: attachment handle
 * @device: out: device index
 * @state: out: DMABUF_IMPORTER_STATE_* flags
 * @direction: out: DMABUF_IMPORTER_DIR_* when mapped, else 0
 * @flags: out: as &dmabuf_importer_map.flags when mapped, else 0
 * @nents: out: as &dmabuf_importer_map.nents when mapped, else 0
 * @size: out: size of the dma-buf (0 once revoked)
 * @dma_size: out: as &dmabuf_importer_map.dma_size when mapped, else 0
 * @dma_start: out: as &dmabuf_importer_map.dma_start when mapped, else 0
 * @dma_end: out: as &dmabuf_importer_map.dma_end when mapped, else 0
 */
struct dmabuf_importer_query {
	__u32 handle;
	__u32 device;
	__u32 state;
	__u32 direction;
	__u32 flags;
	__u32 nents;
	__u64 size;
	__u64 dma_size;
	__u64 dma_start;
	__u64 dma_end;
};

/* Memory types, &dmabuf_importer_cpu_mapping.memtype */
/** DMABUF_IMPORTER_MEM_UNKNOWN - page-table attributes not decoded here */
#define DMABUF_IMPORTER_MEM_UNKNOWN	0
/** DMABUF_IMPORTER_MEM_CACHED - normal memory, cacheable (write-back) */
#define DMABUF_IMPORTER_MEM_CACHED	1
/**
 * DMABUF_IMPORTER_MEM_UNCACHED - normal memory, non-cacheable
 * (write-combining, as pgprot_writecombine() gives)
 */
#define DMABUF_IMPORTER_MEM_UNCACHED	2
/** DMABUF_IMPORTER_MEM_DEVICE - device memory (pgprot_noncached()) */
#define DMABUF_IMPORTER_MEM_DEVICE	3

/**
 * DMABUF_IMPORTER_CPU_WRITABLE - &dmabuf_importer_cpu_mapping.flags: the
 * page is mapped writable
 */
#define DMABUF_IMPORTER_CPU_WRITABLE	0x1

/**
 * struct dmabuf_importer_cpu_mapping - how the caller's CPU maps an address
 * @addr: in: a virtual address of the calling process, inside a mapping of
 *	a dma-buf of the carveout heaps
 * @memtype: out: DMABUF_IMPORTER_MEM_*, from the page-table entry
 * @flags: out: DMABUF_IMPORTER_CPU_* flags
 * @__reserved: out: zero. Kernels before this field was reserved put the
 *	physical address of @addr here; none does any more, and the struct
 *	keeps its size (and so its ioctl number).
 *
 * The memory type that the CPU uses is what decides whether a buffer's
 * CPU mapping is cached; this lets a test check that, for example, the
 * mapping of an uncached heap's buffer stays uncached whatever userspace
 * does to it (mprotect, mremap, fork).
 */
struct dmabuf_importer_cpu_mapping {
	__u64 addr;
	__u32 memtype;
	__u32 flags;
	__u64 __reserved;
};

#define DMABUF_IMPORTER_IOC_MAGIC	0xDB

/**
 * DMABUF_IMPORTER_IOC_DEVICE_INFO - describe a device
 *
 * Takes a &struct dmabuf_importer_device_info. ENODEV: no device at
 * that index.
 */
#define DMABUF_IMPORTER_IOC_DEVICE_INFO \
	_IOWR(DMABUF_IMPORTER_IOC_MAGIC, 0x0, struct dmabuf_importer_device_info)

/**
 * DMABUF_IMPORTER_IOC_ATTACH - attach a dma-buf to a device
 *
 * Takes a &struct dmabuf_importer_attach; dma_buf_attach(). EBADF: @fd is
 * not an open file; EINVAL: @fd is not a dma-buf, or @flags is not zero;
 * ENODEV: no device at that index; ENXIO: the device cannot do DMA here
 * (DMABUF_IMPORTER_DEV_NO_DMA); ENOSPC: this file has 1024 attachments.
 * A dma-buf whose file is not open for writing (O_RDONLY) is attached
 * read-only: the device may read it but never write it (MAP and FILL
 * fail with EACCES).
 */
#define DMABUF_IMPORTER_IOC_ATTACH \
	_IOWR(DMABUF_IMPORTER_IOC_MAGIC, 0x1, struct dmabuf_importer_attach)

/**
 * DMABUF_IMPORTER_IOC_DETACH - detach, unmapping first if mapped
 *
 * Takes a &struct dmabuf_importer_handle. ENOENT: unknown handle.
 */
#define DMABUF_IMPORTER_IOC_DETACH \
	_IOW(DMABUF_IMPORTER_IOC_MAGIC, 0x2, struct dmabuf_importer_handle)

/**
 * DMABUF_IMPORTER_IOC_MAP - map an attachment for a direction
 *
 * Takes a &struct dmabuf_importer_map; dma_buf_map_attachment_unlocked().
 * ENOENT: unknown handle; EINVAL: bad direction; EACCES: a direction
 * other than TO_DEVICE on a read-only attachment; EBUSY: already mapped;
 * EXDEV: the device needs a contiguous mapping (DMABUF_IMPORTER_DEV_CONTIG)
 * and this one is not (the attachment is left unmapped); ENODEV: revoked;
 * any error of the exporter's map_dma_buf.
 */
#define DMABUF_IMPORTER_IOC_MAP \
	_IOWR(DMABUF_IMPORTER_IOC_MAGIC, 0x3, struct dmabuf_importer_map)

/**
 * DMABUF_IMPORTER_IOC_UNMAP - unmap an attachment
 *
 * Takes a &struct dmabuf_importer_handle. ENOENT: unknown handle;
 * ENOTCONN: not mapped; ENODEV: revoked.
 */
#define DMABUF_IMPORTER_IOC_UNMAP \
	_IOW(DMABUF_IMPORTER_IOC_MAGIC, 0x4, struct dmabuf_importer_handle)

/**
 * DMABUF_IMPORTER_IOC_FILL - the device writes a pattern
 *
 * Takes a &struct dmabuf_importer_fill. Waits for the buffer's implicit
 * fences first (10 s at most, without holding up other callers of the
 * device; any signal interrupts the wait: EINTR, or a restart with
 * SA_RESTART). ENOENT: unknown handle; EINVAL: range out of bounds, empty
 * or unaligned; EACCES: the attachment is read-only; ENOTCONN: not
 * mapped; EPERM: mapped TO_DEVICE; ENODEV: revoked; EFAULT: a DMA address
 * translates to no memory; ETIMEDOUT: the fences did not signal, or the
 * edu DMA engine did not finish a transfer in time (bus mastering is then
 * off until the engine is idle); EIO: edu's engine never went idle after
 * such a timeout.
 */
#define DMABUF_IMPORTER_IOC_FILL \
	_IOW(DMABUF_IMPORTER_IOC_MAGIC, 0x5, struct dmabuf_importer_fill)

/**
 * DMABUF_IMPORTER_IOC_CHECKSUM - the device reads a range and hashes it
 *
 * Takes a &struct dmabuf_importer_checksum. Waits for the writers'
 * fences only. Errors as for FILL (but read-only attachments work), with
 * EPERM for a mapping made FROM_DEVICE.
 */
#define DMABUF_IMPORTER_IOC_CHECKSUM \
	_IOWR(DMABUF_IMPORTER_IOC_MAGIC, 0x6, struct dmabuf_importer_checksum)

/**
 * DMABUF_IMPORTER_IOC_SYNC - begin or end a kernel CPU access
 *
 * Takes a &struct dmabuf_importer_sync. ENOENT: unknown handle; EINVAL:
 * unknown flags or neither READ nor WRITE; ENODEV: revoked; any error of
 * the exporter's begin/end_cpu_access.
 */
#define DMABUF_IMPORTER_IOC_SYNC \
	_IOW(DMABUF_IMPORTER_IOC_MAGIC, 0x7, struct dmabuf_importer_sync)

/**
 * DMABUF_IMPORTER_IOC_QUERY - the state of an attachment
 *
 * Takes a &struct dmabuf_importer_query. ENOENT: unknown handle.
 */
#define DMABUF_IMPORTER_IOC_QUERY \
	_IOWR(DMABUF_IMPORTER_IOC_MAGIC, 0x8, struct dmabuf_importer_query)

/**
 * DMABUF_IMPORTER_IOC_CPU_MAPPING - inspect one page of the caller's mapping
 *
 * Takes a &struct dmabuf_importer_cpu_mapping; reports the memory type
 * only, never an address. EFAULT: nothing is mapped at @addr; EINVAL: the
 * mapping there is not one of a carveout heap's dma-buf (anonymous
 * memory, another file, another exporter's dma-buf such as the system
 * heap's), or the page is not present.
 */
#define DMABUF_IMPORTER_IOC_CPU_MAPPING \
	_IOWR(DMABUF_IMPORTER_IOC_MAGIC, 0x9, struct dmabuf_importer_cpu_mapping)

#endif /* _UAPI_LINUX_DMABUF_IMPORTER_H */
