/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdma - DMA-BUF heaps from userspace
 *
 * Conventions (they hold for every function below):
 *
 * - One prefix: functions and types are ldma_*, macros LDMA_*.
 * - A function returns 0, a file descriptor or a count (>= 0) on success and
 *   a negative errno value on failure. errno itself is never part of the
 *   result: it may be clobbered, and need not be read.
 * - Every pointer argument is checked: NULL where an object is required
 *   gives -EINVAL, never a crash.
 * - Every descriptor the library creates has O_CLOEXEC set unless the caller
 *   asks otherwise (LDMA_ALLOC_NO_CLOEXEC).
 * - Arguments are validated before any system call that has an effect: a
 *   failed call changes nothing (no fd is left open, no buffer allocated).
 *
 * Thread safety:
 *
 * - struct ldma_ctx is thread-safe: any number of threads may use one
 *   context at once. Its heap-fd cache is protected by a mutex. Only
 *   ldma_ctx_free() must not race with other uses of the same context.
 * - struct ldma_map is immutable once created: its getters may be called
 *   from any thread; ldma_unmap() must not race with any other use of it.
 * - The fd-level functions (allocation ioctls, CPU-access bracket,
 *   sync_file, sending and receiving) keep no state and are thread-safe,
 *   with the usual caveat that two threads reading one socket at the same
 *   time interleave their messages.
 * - The only global state is the default context (ctx == NULL), which is
 *   lock-protected like any other context and lives until the process exits.
 *   As with any mutex, a multithreaded program that forks should call the
 *   library in the child only after exec().
 *
 * The wire format of ldma_send()/ldma_recv() is described in doc/libdma.rst.
 */
#ifndef LIBDMA_H
#define LIBDMA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LDMA_VERSION_MAJOR	0
#define LDMA_VERSION_MINOR	1

/* Longest heap name the library handles, including the terminating NUL. */
#define LDMA_HEAP_NAME_MAX	64
/* DMA_BUF_NAME_LEN of linux/dma-buf.h: a buffer name holds 31 bytes + NUL. */
#define LDMA_BUF_NAME_MAX	32
/* Most planes an image record describes. */
#define LDMA_MAX_PLANES		4
/* Longest device-tree node or device name the library reports, with NUL. */
#define LDMA_NODE_NAME_MAX	64
/* Most memory-region phandles reported for one device. */
#define LDMA_MAX_REGIONS	4
/* Most descriptors one ldma_send()/ldma_recv() message carries. */
#define LDMA_MAX_FDS		16

/* ------------------------------------------------------------------------
 * Context: where the heaps are, and a cache of open heap descriptors
 */

/**
 * struct ldma_ctx - opaque library context (thread-safe)
 *
 * Holds three roots and a cache of open /dev/dma_heap descriptors, so that
 * repeated allocations from one heap do not reopen its node. Heaps are never
 * removed by the kernel, so a cached descriptor stays valid.
 *
 * Every function that takes a context accepts NULL for the process-wide
 * default context, created on first use.
 */
struct ldma_ctx;

/**
 * struct ldma_roots - where a context looks for things
 * @dev: directory of heap nodes, default "/dev/dma_heap"
 * @sysfs: directory of the carveout heap's capability files, default
 *         "/sys/kernel/carveout_heap"
 * @proc: procfs mount, default "/proc"
 * @sys: sysfs mount, default "/sys": devices (/sys/dev/char, /sys/bus) for
 *       ldma_device_query()
 *
 * A NULL member takes its value from the environment variable
 * LDMA_DEV_ROOT, LDMA_SYSFS_ROOT, LDMA_PROC_ROOT or LDMA_SYS_ROOT (ignored in setuid
 * programs), and otherwise the default. The default context always
 * resolves its roots this way. Tests point the roots at a fake tree.
 */
struct ldma_roots {
	const char *dev;
	const char *sysfs;
	const char *proc;
	const char *sys;
};

/**
 * ldma_ctx_new() - create a context
 * @ctx: receives the context
 * @roots: roots to use, or NULL for all from the environment or defaults
 *
 * Return: 0, -EINVAL (NULL @ctx, root path too long), -ENOMEM.
 */
int ldma_ctx_new(struct ldma_ctx **ctx, const struct ldma_roots *roots);

/**
 * ldma_ctx_free() - close every cached heap descriptor and free @ctx
 * @ctx: context from ldma_ctx_new(), or NULL (no-op)
 *
 * Buffers allocated through @ctx stay valid: they hold their own references.
 */
void ldma_ctx_free(struct ldma_ctx *ctx);

/* ------------------------------------------------------------------------
 * Discovery
 */

/** enum ldma_tristate - a capability that a heap may not publish */
enum ldma_tristate {
	LDMA_UNKNOWN = -1,
	LDMA_NO = 0,
	LDMA_YES = 1,
};

/* Value of a numeric capability that the heap does not publish. */
#define LDMA_SIZE_UNKNOWN	UINT64_MAX

/**
 * struct ldma_heap_info - one heap and what it says about itself (a snapshot)
 * @name: heap name, as in /dev/dma_heap/<name>
 * @contiguous: buffers are physically contiguous
 * @cached: CPU mappings are cacheable (LDMA_NO: write-combine)
 * @size: bytes in the heap
 * @free: bytes not held by live buffers
 * @largest_free: largest physically contiguous free extent, in bytes
 * @align: alignment cap in bytes
 * @addr_bits: every buffer lies below 2^@addr_bits (physical); 0: unknown
 * @phandle: phandle of the heap's device-tree node (what a device's
 *           memory-region names); 0: none or unknown
 * @node: name of that node ("isp-carveout@78000000"), or ""
 *
 * Capabilities come from <sysfs root>/<name>/{contiguous,cached,size,free,
 * largest_free,align,addr_bits} and the node behind <name>/of_node, one
 * decimal value per file, which the carveout heap
 * publishes. A heap without that directory (the system and CMA heaps), or a
 * file that is missing or does not hold a valid value, gives LDMA_UNKNOWN or
 * LDMA_SIZE_UNKNOWN: the library never guesses from a heap's name.
 */
struct ldma_heap_info {
	char name[LDMA_HEAP_NAME_MAX];
	enum ldma_tristate contiguous;
	enum ldma_tristate cached;
	uint64_t size;
	uint64_t free;
	uint64_t largest_free;
	uint64_t align;
	unsigned int addr_bits;
	uint32_t phandle;
	char node[LDMA_NODE_NAME_MAX];
};

/**
 * ldma_heap_list() - list the heaps and their capabilities
 * @ctx: context, or NULL for the default one
 * @list: receives an array sorted by name, to release with free();
 *        NULL when there are no heaps
 *
 * Entries of the heap directory whose names are not valid heap names (see
 * ldma_heap_query()) are skipped. A missing heap directory is not an error:
 * the machine has no heaps.
 *
 * Return: the number of heaps (>= 0), -EINVAL, -ENOMEM, or the -errno of
 * opening or reading the heap directory.
 */
int ldma_heap_list(struct ldma_ctx *ctx, struct ldma_heap_info **list);

/**
 * ldma_heap_query() - capabilities of one heap
 * @ctx: context, or NULL for the default one
 * @name: heap name: non-empty, shorter than LDMA_HEAP_NAME_MAX, no '/',
 *        not "." or ".."
 * @info: receives the capabilities
 *
 * Return: 0, -EINVAL (bad argument or name), -ENOENT (no such heap).
 */
int ldma_heap_query(struct ldma_ctx *ctx, const char *name,
		    struct ldma_heap_info *info);

/**
 * ldma_heap_names() - the existing heaps as one line, for error messages
 * @ctx: context, or NULL for the default one
 * @buf: receives the names separated by single spaces (names may contain
 *       commas, never spaces), or "(none)"; always NUL-terminated
 * @size: size of @buf, at least 1
 *
 * Like snprintf(), a too small buffer truncates the text.
 *
 * Return: the length of the whole text (excluding the NUL), even if it was
 * truncated; or -errno as for ldma_heap_list().
 */
int ldma_heap_names(struct ldma_ctx *ctx, char *buf, size_t size);

/* ------------------------------------------------------------------------
 * Allocation
 */

/* Allocation flags. */
#define LDMA_ALLOC_NO_CLOEXEC	(1u << 0)	/* the buffer fd survives exec */
#define LDMA_ALLOC_RDONLY	(1u << 1)	/* O_RDONLY instead of O_RDWR */

/**
 * ldma_heap_ioctl_alloc() - DMA_HEAP_IOCTL_ALLOC, nothing more
 * @heap_fd: an open /dev/dma_heap node
 * @len: bytes, non-zero (the kernel rounds it up to whole pages)
 * @fd_flags: O_RDWR or O_RDONLY, optionally with O_CLOEXEC
 *
 * For callers that manage heap descriptors themselves; others use
 * ldma_alloc(). Retries on EINTR and EAGAIN.
 *
 * Return: the buffer fd, -EINVAL (len 0 or too large to round up to a page,
 * flags other than those above, before any ioctl), or the -errno of the
 * ioctl (-ENOTTY: @heap_fd is not a heap).
 */
int ldma_heap_ioctl_alloc(int heap_fd, size_t len, unsigned int fd_flags);

/**
 * ldma_alloc() - allocate a dma-buf from a named heap
 * @ctx: context, or NULL for the default one
 * @heap: exact heap name (no preference list: see ldma_alloc_pref())
 * @len: bytes, non-zero
 * @flags: LDMA_ALLOC_* flags
 * @name: buffer name for DMA_BUF_SET_NAME, or NULL; truncated as by
 *        ldma_set_name()
 *
 * The heap node is opened once per context and cached. If naming fails the
 * buffer is closed and the error returned.
 *
 * Return: the buffer fd (O_CLOEXEC unless LDMA_ALLOC_NO_CLOEXEC), -EINVAL
 * (bad argument, checked before any ioctl), -ENOENT (no such heap; see
 * ldma_heap_names() for the message), -EACCES (no permission on the heap
 * node), or the -errno of the allocation (typically -ENOMEM).
 */
int ldma_alloc(struct ldma_ctx *ctx, const char *heap, size_t len,
	       unsigned int flags, const char *name);

/**
 * ldma_pref_next() - next existing heap of a preference list
 * @ctx: context, or NULL for the default one
 * @list: preference list, for example "video,default_cma_region,linux,cma,system"
 * @pos: in: offset in @list to resume from (start with 0); out: offset after
 *       the heap found
 * @name: receives the heap name
 * @size: size of @name (LDMA_HEAP_NAME_MAX is always enough)
 *
 * Heap names may contain commas ("linux,cma" is the usual name of the
 * default CMA area), so a comma cannot simply split the list. The rule:
 *
 * - ':' and whitespace always separate entries.
 * - ',' separates entries too, except inside a heap name that exists: at
 *   each position the longest run of comma-separated words that names an
 *   existing heap wins. With heaps "linux,cma" and "system",
 *   "video,linux,cma,system" yields "linux,cma" then "system".
 * - When no run starting at a position names a heap, the word up to the next
 *   separator is a missing heap and is skipped ("linux,cma" with only a heap
 *   "cma" present yields "cma").
 * - Empty entries are ignored. To name a heap whose name holds a ':' or a
 *   space, use ldma_alloc().
 *
 * Return: 0 and the next heap; -ENOENT when the list holds no further
 * existing heap; -EINVAL (bad argument, @pos past the end); -ENAMETOOLONG
 * (@name too small for the heap found).
 */
int ldma_pref_next(struct ldma_ctx *ctx, const char *list, size_t *pos,
		   char *name, size_t size);

/**
 * ldma_alloc_pref() - allocate from the first heap of a preference list that can
 * @ctx: context, or NULL for the default one
 * @list: preference list, parsed as by ldma_pref_next()
 * @len: bytes, non-zero
 * @flags: LDMA_ALLOC_* flags
 * @name: buffer name, or NULL
 * @chosen: receives the name of the heap used, or NULL
 * @chosen_size: size of @chosen (LDMA_HEAP_NAME_MAX is always enough)
 *
 * Missing heaps are skipped. When an existing heap fails (full, too small,
 * no permission) the next one is tried.
 *
 * Return: the buffer fd; -EINVAL before anything is tried (bad argument);
 * -ENOENT if no heap of the list exists; otherwise the error of the last heap
 * tried.
 */
int ldma_alloc_pref(struct ldma_ctx *ctx, const char *list, size_t len,
		    unsigned int flags, const char *name,
		    char *chosen, size_t chosen_size);

/* ------------------------------------------------------------------------
 * Choosing a heap for the devices a buffer will visit
 */

/**
 * struct ldma_device - a device that a buffer will visit
 * @fd: an open V4L2 video node, DRM node or /dev/dmabuf_importer; or -1
 * @index: with an importer @fd, which of its devices (as in its
 *         DMABUF_IMPORTER_IOC_DEVICE_INFO); otherwise ignored
 * @path: with @fd < 0, the device's sysfs directory ("/sys/devices/...",
 *        a /sys/class/... or /sys/bus/.../devices/... link to it, or a
 *        class device such as /sys/class/video4linux/video3)
 */
struct ldma_device {
	int fd;
	unsigned int index;
	const char *path;
};

/* What ldma_device_query() assumed because the system does not say it. */
#define LDMA_ASSUMED_DMA_BITS	(1u << 0)	/* @dma_bits is the default 32 */
#define LDMA_ASSUMED_COHERENT	(1u << 1)	/* @coherent is LDMA_NO */

/**
 * struct ldma_device_info - what a device needs from a buffer (a snapshot)
 * @name: device name, as in sysfs ("vivid.0", "camera", "0000:00:02.0")
 * @driver: bound driver, or ""
 * @iommu: LDMA_YES if its DMA goes through a translating IOMMU (an
 *         iommu_group whose type is not "identity"), so that any heap
 *         maps contiguously for it; LDMA_NO if it needs physically
 *         contiguous buffers
 * @coherent: LDMA_YES if its DMA snoops the CPU caches (dma-coherent in
 *            the device tree, on its node or an ancestor)
 * @dma_bits: bits of its DMA mask: every buffer it uses directly must lie
 *            below 2^@dma_bits
 * @assumed: LDMA_ASSUMED_* for each field above that sysfs does not show
 * @nregions: memory-region phandles of its device-tree node, at most
 *            LDMA_MAX_REGIONS
 * @regions: those phandles
 * @notes: what was assumed and why, and memory-region entries that name no
 *         heap, in words; "" if nothing
 *
 * Sources: for an importer device, DMABUF_IMPORTER_IOC_DEVICE_INFO (all
 * exact); otherwise sysfs: iommu_group, dma_mask_bits (PCI devices),
 * of_node/dma-coherent and of_node/memory-region. A platform device's DMA
 * mask is not in sysfs: it is assumed to be the kernel's default of 32
 * bits, which a driver may have raised.
 */
struct ldma_device_info {
	char name[LDMA_NODE_NAME_MAX];
	char driver[LDMA_NODE_NAME_MAX];
	enum ldma_tristate iommu;
	enum ldma_tristate coherent;
	unsigned int dma_bits;
	unsigned int assumed;
	unsigned int nregions;
	uint32_t regions[LDMA_MAX_REGIONS];
	char notes[256];
};

/**
 * ldma_device_query() - what a device needs from the buffers it uses
 * @ctx: context, or NULL for the default one (its sys root is used)
 * @dev: the device
 * @info: receives the facts
 *
 * Return: 0; -EINVAL (bad argument); -ENODEV (@dev->fd is not a character
 * device, or a class device with no parent device); -ENOENT (no sysfs node
 * for it, or no importer device @dev->index); -EACCES (sysfs unreadable);
 * or another -errno of reading sysfs.
 */
int ldma_device_query(struct ldma_ctx *ctx, const struct ldma_device *dev,
		      struct ldma_device_info *info);

/* Choosing flags (they combine with LDMA_ALLOC_* in ldma_alloc_choose()). */
#define LDMA_CHOOSE_CPU_RARELY	(1u << 8)	/* the CPU seldom touches the buffer */

/** enum ldma_fit - how well a heap suits the devices */
enum ldma_fit {
	LDMA_FIT_NO = 0,	/* some device cannot use its buffers */
	LDMA_FIT_UNSURE = 1,	/* the heap does not publish what would tell */
	LDMA_FIT_YES = 2,	/* every device can use its buffers */
};

/**
 * struct ldma_choice - one heap, ranked for a set of devices
 * @heap: the heap and its capabilities
 * @fit: an &enum ldma_fit
 * @named: a device's memory-region names the heap
 * @reason: why it ranks where it does, or why it is rejected, in words
 */
struct ldma_choice {
	struct ldma_heap_info heap;
	int fit;		/* enum ldma_fit */
	int named;
	char reason[256];
};

/**
 * ldma_heap_choose() - rank the heaps for the devices a buffer will visit
 * @ctx: context, or NULL for the default one
 * @devs: the devices, at least one
 * @ndevs: how many
 * @len: buffer size in bytes, or 0 if not known yet
 * @flags: LDMA_CHOOSE_* flags
 * @list: receives every heap, best first, to release with free(): the
 *        heaps that fit (LDMA_FIT_YES), then those that may (UNSURE), then
 *        the rejected ones (NO), each with its reason
 *
 * The rules, for every device at once:
 *
 * - A device without a translating IOMMU needs a contiguous heap within
 *   its DMA reach (addr_bits <= dma_bits); a heap that is known not to be,
 *   or smaller than @len, is rejected; one that does not say is UNSURE.
 * - A heap that a device's memory-region names ranks first.
 * - Then heaps whose largest free extent holds @len (or does not say).
 * - Then, if no device needs contiguity, heaps that are not carveouts, so
 *   that contiguous memory stays for devices that need it.
 * - Then cache attributes: if every device is coherent, or the CPU touches
 *   the buffer often, cached heaps rank first; if some device is not
 *   coherent and @flags has LDMA_CHOOSE_CPU_RARELY, uncached ones do.
 * - Then larger free extents first, then names.
 *
 * Return: the number of heaps in @list (>= 0); -EINVAL (bad argument or
 * flags); or the error of ldma_device_query() for the first device that
 * fails, or of ldma_heap_list().
 */
int ldma_heap_choose(struct ldma_ctx *ctx, const struct ldma_device *devs,
		     unsigned int ndevs, size_t len, unsigned int flags,
		     struct ldma_choice **list);

/**
 * ldma_alloc_choose() - allocate from the best heap for the devices
 * @ctx: context, or NULL for the default one
 * @devs: the devices, at least one
 * @ndevs: how many
 * @len: bytes, non-zero
 * @flags: LDMA_ALLOC_* and LDMA_CHOOSE_* flags
 * @name: buffer name, or NULL
 * @chosen: receives the name of the heap used, or NULL
 * @chosen_size: size of @chosen (LDMA_HEAP_NAME_MAX is always enough)
 *
 * Tries the heaps of ldma_heap_choose() that fit, then those that may, in
 * order, and moves to the next on -ENOMEM only. A heap that is UNSURE may
 * still be refused by a device when it imports the buffer.
 *
 * Return: the buffer fd; -EINVAL (bad argument); -ENOENT (no heap fits or
 * may fit); the error of the last heap tried; or the errors of
 * ldma_heap_choose().
 */
int ldma_alloc_choose(struct ldma_ctx *ctx, const struct ldma_device *devs,
		      unsigned int ndevs, size_t len, unsigned int flags,
		      const char *name, char *chosen, size_t chosen_size);

/**
 * ldma_set_name() - DMA_BUF_SET_NAME, truncating instead of refusing
 * @buf_fd: dma-buf
 * @name: new name; only its first LDMA_BUF_NAME_MAX - 1 bytes are used
 *
 * The kernel refuses a name of DMA_BUF_NAME_LEN bytes or more with EINVAL;
 * this function cuts it short instead. The name shows in
 * /proc/PID/fdinfo and in ldma_buf_info().
 *
 * Return: 0, -EINVAL (NULL @name), -EBADF, -ENOTTY (not a dma-buf).
 */
int ldma_set_name(int buf_fd, const char *name);

/**
 * ldma_buf_size() - size of a dma-buf
 * @buf_fd: dma-buf (or any regular file)
 * @size: receives the size in bytes
 *
 * Takes st_size from fstat(); where the kernel reports 0 there, asks
 * lseek(SEEK_END) and leaves the file offset at 0.
 *
 * Return: 0, -EINVAL, -EBADF, -ESPIPE (neither way gives a size).
 */
int ldma_buf_size(int buf_fd, uint64_t *size);

/* ------------------------------------------------------------------------
 * Mapping and CPU access
 */

/* CPU access directions, for the bracket, sync_file and mappings. */
#define LDMA_READ	(1u << 0)
#define LDMA_WRITE	(1u << 1)
#define LDMA_RW		(LDMA_READ | LDMA_WRITE)

/**
 * struct ldma_map - opaque CPU mapping of a dma-buf (immutable once made)
 *
 * Remembers its address, size, access and a private duplicate of the buffer
 * fd, so that it stays usable after the caller closes its own fd.
 */
struct ldma_map;

/**
 * ldma_map() - map a dma-buf into the caller's address space
 * @buf_fd: dma-buf
 * @len: bytes to map from offset 0, or 0 for the whole buffer
 * @access: LDMA_READ, LDMA_WRITE or LDMA_RW (PROT_READ/PROT_WRITE)
 * @map: receives the mapping
 *
 * The mapping is MAP_SHARED. Bracket CPU access with ldma_cpu_begin() and
 * ldma_cpu_end() on ldma_map_fd().
 *
 * Return: 0, -EINVAL, -EBADF, -ENOMEM, or the -errno of mmap().
 */
int ldma_map(int buf_fd, size_t len, unsigned int access, struct ldma_map **map);

/** ldma_map_addr() - first byte of the mapping (NULL for a NULL @map) */
void *ldma_map_addr(const struct ldma_map *map);

/** ldma_map_size() - bytes mapped (0 for a NULL @map) */
size_t ldma_map_size(const struct ldma_map *map);

/** ldma_map_fd() - the mapping's own dma-buf fd, owned by the mapping (-EINVAL for NULL) */
int ldma_map_fd(const struct ldma_map *map);

/**
 * ldma_unmap() - unmap and free a mapping
 * @map: mapping, or NULL (no-op, returns 0)
 *
 * @map is freed even when munmap() fails.
 *
 * Return: 0 or the -errno of munmap().
 */
int ldma_unmap(struct ldma_map *map);

/**
 * ldma_cpu_begin() - DMA_BUF_IOCTL_SYNC with DMA_BUF_SYNC_START
 * @buf_fd: dma-buf
 * @access: LDMA_READ, LDMA_WRITE or LDMA_RW: what the CPU is about to do
 *
 * Makes device writes visible to the CPU (cache maintenance on cached
 * heaps). Retries on EINTR and EAGAIN. Pair with ldma_cpu_end() using the
 * same @access.
 *
 * Return: 0, -EINVAL (bad @access), -EBADF, -ENOTTY (not a dma-buf), or the
 * exporter's error.
 */
int ldma_cpu_begin(int buf_fd, unsigned int access);

/**
 * ldma_cpu_end() - DMA_BUF_IOCTL_SYNC with DMA_BUF_SYNC_END
 * @buf_fd: dma-buf
 * @access: as given to ldma_cpu_begin()
 *
 * Return: as ldma_cpu_begin().
 */
int ldma_cpu_end(int buf_fd, unsigned int access);

/* ------------------------------------------------------------------------
 * sync_file (implicit fences of a dma-buf)
 */

/**
 * ldma_sync_file_export() - DMA_BUF_IOCTL_EXPORT_SYNC_FILE
 * @buf_fd: dma-buf
 * @access: LDMA_READ: a fence that signals when the current writers are done
 *          (wait before reading); LDMA_WRITE or LDMA_RW: when all current
 *          users are done (wait before writing)
 *
 * Return: a sync_file fd (O_CLOEXEC), -EINVAL, -EBADF, -ENOTTY (not a dma-buf
 * or a kernel without CONFIG_SYNC_FILE).
 */
int ldma_sync_file_export(int buf_fd, unsigned int access);

/**
 * ldma_sync_file_import() - DMA_BUF_IOCTL_IMPORT_SYNC_FILE
 * @buf_fd: dma-buf
 * @access: LDMA_READ: add the fence as a reader; LDMA_WRITE or LDMA_RW: as a
 *          writer
 * @sync_fd: sync_file fd; the caller keeps it
 *
 * Return: 0, -EINVAL (bad @access, or @sync_fd is not a sync_file), -EBADF,
 * -ENOTTY (not a dma-buf).
 */
int ldma_sync_file_import(int buf_fd, unsigned int access, int sync_fd);

/**
 * ldma_sync_file_wait() - wait until a sync_file signals
 * @sync_fd: sync_file fd (any pollable fd works: it waits for POLLIN)
 * @timeout_ms: milliseconds, 0 to test without waiting, negative to wait
 *              forever
 *
 * Signals do not shorten or lengthen the wait.
 *
 * Return: 0 (signalled), -ETIME (timeout), -EBADF, -EIO (the fd reports
 * an error condition).
 */
int ldma_sync_file_wait(int sync_fd, int timeout_ms);

/* ------------------------------------------------------------------------
 * Sharing buffers over a UNIX socket
 */

/**
 * struct ldma_plane - where one plane of an image lies in its buffer
 * @stride: bytes per line
 * @offset: byte offset of the first line
 */
struct ldma_plane {
	uint32_t stride;
	uint32_t offset;
};

/**
 * struct ldma_meta - what travels with each descriptor
 * @size: buffer size in bytes (non-zero, at most the buffer's real size)
 * @heap: heap the buffer came from, or "" if unknown
 * @width: image width in pixels (0 for a plain buffer)
 * @height: image height in lines (0 for a plain buffer)
 * @fourcc: DRM fourcc of the image (0 for a plain buffer)
 * @num_planes: planes in @planes (0 for a plain buffer)
 * @planes: per-plane stride and offset
 *
 * A plain buffer has width, height, fourcc and num_planes all 0. An image
 * has all of them non-zero, every stride non-zero and every offset inside
 * the buffer. Unused planes are zero.
 */
struct ldma_meta {
	uint64_t size;
	char heap[LDMA_HEAP_NAME_MAX];
	uint32_t width;
	uint32_t height;
	uint32_t fourcc;
	uint32_t num_planes;
	struct ldma_plane planes[LDMA_MAX_PLANES];
};

/**
 * ldma_send() - send descriptors and their metadata in one message
 * @sock: connected UNIX socket (SOCK_STREAM or SOCK_SEQPACKET)
 * @fds: @n descriptors; the caller keeps them
 * @meta: @n records, @meta[i] describing @fds[i]
 * @n: 1..LDMA_MAX_FDS
 *
 * The records are validated as ldma_recv() would (except against the real
 * buffer size). Never raises SIGPIPE (MSG_NOSIGNAL). Loops over short writes
 * and EINTR; on a non-blocking socket it waits for room once the message
 * has started, so a message is never left half-sent.
 *
 * Return: 0; -EINVAL (bad argument or record, before anything is sent);
 * -EAGAIN (non-blocking socket full, nothing sent); -EPIPE or -ECONNRESET
 * (the peer is gone); other -errno of sendmsg().
 */
int ldma_send(int sock, const int *fds, const struct ldma_meta *meta,
	      unsigned int n);

/**
 * ldma_recv() - receive one message of descriptors and metadata
 * @sock: connected UNIX socket (SOCK_STREAM or SOCK_SEQPACKET)
 * @fds: receives up to @max descriptors, with O_CLOEXEC set
 * @meta: receives up to @max records
 * @max: room in @fds and @meta, 1..LDMA_MAX_FDS
 *
 * Loops over short reads and EINTR. Every record is checked: magic,
 * version, lengths, the number of records against the number of
 * descriptors, reserved fields, plane layout, a NUL-terminated heap name,
 * and the size against the buffer's real size (lseek). On any error every
 * descriptor that arrived is closed, so nothing leaks; @fds and @meta are
 * then unspecified.
 *
 * Return: the number of descriptors received (1..@max), or:
 * -EINVAL bad argument;
 * -EAGAIN non-blocking socket and no message has started;
 * -ECONNRESET the peer closed or died (EOF), before or inside a message;
 * -EPROTO not a libdma message (magic, version or header length);
 * -EBADMSG a malformed message (lengths, record contents, descriptor count
 *  not matching the records, a descriptor that is not a buffer);
 * -EMSGSIZE more descriptors than @max, or than fit in the control buffer
 *  (MSG_CTRUNC);
 * other -errno of recvmsg().
 */
int ldma_recv(int sock, int *fds, struct ldma_meta *meta, unsigned int max);

/* ------------------------------------------------------------------------
 * Buffers held by a process (from /proc/PID/fdinfo)
 */

/**
 * struct ldma_buf_info - one dma-buf descriptor of a process
 * @fd: descriptor number in that process
 * @size: buffer size in bytes
 * @inode: inode number of the buffer (same buffer, same inode, across
 *         processes), from stat() of /proc/PID/fd/FD
 * @count: references to the buffer's file, or -1 if not reported
 * @exp_name: exporter name (for heap buffers, the heap)
 * @name: buffer name set with DMA_BUF_SET_NAME, or ""
 */
struct ldma_buf_info {
	int fd;
	uint64_t size;
	uint64_t inode;
	int64_t count;
	char exp_name[LDMA_HEAP_NAME_MAX];
	char name[LDMA_BUF_NAME_MAX];
};

/**
 * ldma_buf_info() - describe one descriptor of a process
 * @ctx: context (for the proc root), or NULL for the default one
 * @pid: process, 0 for the caller
 * @fd: descriptor in that process
 * @info: receives the description
 *
 * Return: 0; -EINVAL; -ENOENT (no such process or descriptor); -EACCES
 * (not allowed to inspect the process); -ENOTTY (the descriptor is not a
 * dma-buf).
 */
int ldma_buf_info(struct ldma_ctx *ctx, pid_t pid, int fd,
		  struct ldma_buf_info *info);

/**
 * ldma_buf_list() - every dma-buf descriptor of a process
 * @ctx: context (for the proc root), or NULL for the default one
 * @pid: process, 0 for the caller
 * @list: receives an array sorted by descriptor, to release with free();
 *        NULL when there is none
 *
 * Return: the number of descriptors (>= 0), -EINVAL, -ENOENT, -EACCES,
 * -ENOMEM.
 */
int ldma_buf_list(struct ldma_ctx *ctx, pid_t pid, struct ldma_buf_info **list);

#ifdef __cplusplus
}
#endif

#endif /* LIBDMA_H */
