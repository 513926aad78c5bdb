/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_test's shared state (the program is described in fuzz_main.c): the
 * limits, the targets and operations, the records of a child, and what
 * every file offers the others, grouped by the file that defines it.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/dmabuf_importer.h>

#include "kselftest.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define KiB		1024ULL
#define MiB		(1024ULL * KiB)
#define DEFAULT_ITERS	1000
#define FIXED_SEED	1ULL
#define MAX_IOC		16383u		/* largest size _IOC() encodes */
#define MAX_FD		1024
#define MAX_HEAPS	16
#define MAX_DEVS	64
#define MAINLINE_MAX	MiB		/* largest length a mainline heap sees */
#define POOL_MAX	48
#define MAX_SYNC	8
#define BATCH		64		/* importer calls per open file */
#define EDU_XFER_MAX	2048		/* importer_edu.c: one DMA transfer */
#define EDU_BUDGET	2		/* edu FILL/CHECKSUM per importer run */
#define MAX_ATT		1100
#define WATCHDOG_S	120		/* a child without progress is hung */
#define NERR		1024
#define MAX_REPORTS	20

enum target { T_HEAP, T_DMABUF, T_IMPORTER, NR_TARGETS };

/* What a call was, for the per-operation figures. */
enum op {
	OP_ALLOC, OP_HEAP_RAW, OP_HEAP_MMAP, OP_OPEN, OP_DUP,
	OP_SYNC, OP_SET_NAME, OP_EXPORT, OP_IMPORT, OP_DMABUF_RAW,
	OP_MMAP, OP_MPROTECT, OP_MREMAP, OP_LSEEK, OP_POLL, OP_FSTAT,
	OP_FDINFO,
	OP_INFO, OP_ATTACH, OP_DETACH, OP_MAP, OP_UNMAP, OP_FILL,
	OP_CHECKSUM, OP_ISYNC, OP_QUERY, OP_IMP_RAW,
	NR_OP,
};

/* Shared with the parent: what a child did, and what it is doing. */
struct fz_stats {
	uint64_t iters, ioctls, mmaps, other, ok, strays, unexpected;
	uint64_t edu_xfers;
	uint64_t err[NERR];	/* errno histogram; NERR - 1: out of range */
	uint64_t op_calls[NR_OP], op_ok[NR_OP];
	volatile uint64_t progress;
	char last[224];		/* the call being made */
};

/* What discover() found: a heap node, an importer device. */
struct heap {
	char name[64];
	int carveout;
	uint64_t size;		/* carveout: region size */
	int fd;			/* child only */
};

struct idev {
	uint32_t role, flags;
	int edu;
	char name[32];
};

/* Where an argument pointer points (fuzz_place.c). */
enum pk {
	PK_BUF,		/* mapped, read-write: the struct itself */
	PK_STRADDLE,	/* runs from a mapped page into a PROT_NONE one */
	PK_RDONLY,	/* readable, not writable */
	PK_NULL,
	PK_SMALL,	/* below mmap_min_addr */
	PK_KERNEL,
	PK_UNMAPPED,	/* a page that was mapped, then unmapped */
	PK_TAGGED,	/* top byte set: no tagged-address ABI here */
	PK_TOP,		/* the last bytes of the user address space */
	NR_PK,
};

struct place {
	void *p;
	size_t readable;	/* bytes the kernel can read from @p */
	bool writable;
	enum pk kind;
};

/* What an fd of the child is (fuzz_fds.c). */
enum fk {
	FK_NONE, FK_BASE, FK_DMABUF, FK_HEAP, FK_IMPORTER, FK_PIPE,
	FK_DEVNULL, FK_MEMFD, FK_EVENTFD, FK_SYNCFILE,
};

/* The importer: an attachment, an argument, a command's index. */
struct att {
	uint32_t handle, dev;
	uint64_t size;
	int mapped;		/* 1, 0, or -1: unknown */
	uint32_t udir;		/* when mapped and known */
};

union iarg {
	struct dmabuf_importer_device_info info;
	struct dmabuf_importer_attach attach;
	struct dmabuf_importer_handle handle;
	struct dmabuf_importer_map map;
	struct dmabuf_importer_fill fill;
	struct dmabuf_importer_checksum checksum;
	struct dmabuf_importer_sync sync;
	struct dmabuf_importer_query query;
	uint8_t raw[64];
};

enum {
	I_INFO, I_ATTACH, I_DETACH, I_MAP, I_UNMAP, I_FILL, I_CHECKSUM,
	I_SYNC, I_QUERY, NR_I,
};

/* fuzz_main.c: the options, and the heaps and devices discover() found */
extern uint64_t fz_opt_iters;
extern int fz_opt_verbose;
extern size_t fz_pg;
extern struct heap fz_heaps[MAX_HEAPS];
extern int fz_nheaps, fz_ncarveout;
extern struct idev fz_idevs[MAX_DEVS];
extern int fz_nidev;

/* fuzz_rand.c: the PRNG, interesting values, ioctl magics and sizes */
extern uint64_t fz_rng;
uint64_t fz_rnd(void);
uint64_t fz_below(uint64_t n);
bool fz_chance(unsigned int pct);
void fz_rnd_bytes(void *p, size_t n);
uint64_t fz_interesting64(void);
uint32_t fz_interesting32(void);
unsigned int fz_rnd_type(void);
size_t fz_pick_size(size_t ksize);

/* fuzz_report.c: the child's records and log, and the parent's figures */
extern struct fz_stats *fz_st;
extern const char *fz_cur_target;
extern uint64_t fz_cur_seed;
extern int fz_last_err;
extern enum op fz_cur_op;
__printf(1, 2) void fz_note(const char *fmt, ...);
__printf(1, 2) void fz_unexpected(const char *fmt, ...);
void fz_account(long ret, int err);
long fz_xioctl(int fd, unsigned int cmd, void *arg);
void fz_other(long ret, int err);
void fz_print_hist(const char *prefix, const uint64_t *err);
void fz_print_ops(const struct fz_stats *s);

/* fuzz_place.c: argument memory, and where a garbage pointer points */
extern const char *const fz_pk_name[NR_PK];
extern uint8_t *fz_arena, *fz_scratch;
extern size_t fz_scratch_len;
uint64_t fz_page_align(uint64_t x);
int fz_mem_setup(void);
enum pk fz_pick_pk(unsigned int garbage_pct);
struct place fz_place(enum pk k, const void *data, size_t len);

/* fuzz_fds.c: the child's fds, the dma-buf pool and the sync_files */
extern uint8_t fz_fdk[MAX_FD];
extern uint64_t fz_fdsize[MAX_FD];
extern int fz_fdacc[MAX_FD];
extern int fz_pool[POOL_MAX], fz_npool;
extern int fz_syncs[MAX_SYNC], fz_nsync;
void fz_own(int fd, enum fk k);
void fz_drop(int fd);
bool fz_is_dmabuf(int fd);
enum fk fz_kind_of(int fd);
void fz_fd_scan_base(void);
void fz_sweep(void);
void fz_close_all(void);
void fz_misc_setup(void);
int fz_heaps_open(void);
int fz_alloc_buf(int h, uint64_t len, int acc);
void fz_pool_add(int fd);
void fz_pool_churn(bool carveout_only);
int fz_rnd_dmabuf(void);
int fz_rnd_fd(void);
void fz_syncfile_add(int fd);

/* fuzz_mmap.c: mmap() of a dma-buf, then mprotect(), mremap(), munmap() */
void fz_mmap(int fd);

/* fuzz_heap.c: the heap_ioctl target */
void fz_heap_iter(void);

/* fuzz_dmabuf.c: the dmabuf_ioctl_mmap target */
void fz_dmabuf_pool_setup(void);
void fz_dmabuf_iter(void);

/* fuzz_importer.c: the importer_ioctl target, its calls */
extern const unsigned int fz_icmd[NR_I];
extern int fz_imp;
void fz_run_importer(void);

/* fuzz_importer_check.c: the importer's attachments, and its model */
extern struct att fz_atts[MAX_ATT];
extern int fz_natt;
struct att *fz_att_find(uint32_t h);
bool fz_range_ok(const struct att *a, uint64_t off, uint64_t len);
void fz_resync_attach(void);
void fz_imp_check(unsigned int nr, const union iarg *e,
		  const struct place *pl);

#endif
