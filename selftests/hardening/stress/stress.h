/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stress.h - what the files of stress_test share: limits, counters, the
 * shared mapping, the parent's setup, workers, threads and their buffers,
 * and the functions each file offers the others.
 */
#ifndef STRESS_H
#define STRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "libdma.h"
#include "libimp.h"

#define MAX_HEAPS	16
#define MAX_DEVS	16
#define MAX_PROCS	32
#define MAX_THREADS	16
#define SLOTS		3	/* live buffers per thread */
#define HELD		2	/* accepted connections a thread keeps unread */
#define LINGER		2	/* attachments a thread leaves behind */
#define SEND_MAX	3	/* buffers per message */
#define LOG_MAX		12	/* errors recorded for printing */
#define HOG_MAX		64	/* buffers of one heap exhaustion */
#define CHUNK		(64 * 1024)
#define MAX_SIZE	(4UL << 20)
#define WAIT_MS		5000	/* sync_file waits that must succeed */
#define STOP_SECONDS	60	/* workers must stop within this */
#define KILL_MIN_MS	300
#define KILL_MAX_MS	1500
#define RESPAWN_MAX_MS	250

/* Counters, one set per worker slot (a respawned worker adds to its own). */
enum {
	C_OPS, C_ALLOC, C_ENOMEM, C_CLOSE, C_CPU_MAP, C_CPU_WRITE, C_CPU_VERIFY,
	C_ZERO_CHECK, C_BYTES_CHECKED, C_VGEM_IMPORT, C_VGEM_FENCE,
	C_IMP_ATTACH, C_IMP_MAP, C_IMP_LINGER, C_IMP_SYNC, C_EXDEV, C_ENXIO, C_ERANGE,
	C_DEV_CHECKSUM, C_DEV_FILL, C_SYNC_EXPORT, C_SYNC_IMPORT, C_SYNC_WAIT,
	C_MSG_SENT, C_FDS_SENT, C_MSG_RECV, C_FDS_RECV, C_CONN_DROPPED,
	C_PEER_GONE, C_EAGAIN, C_EXHAUST, C_UNEXPECTED, C_CORRUPT, C_NCOUNT
};

struct logent {
	int valid;
	int w, gen, thr;
	int err;
	char kind[12];
	char op[32];
	char msg[200];
};

/* The MAP_SHARED anonymous mapping shared by the parent and the workers. */
struct shared {
	int stop;
	int nlog;
	struct logent log[LOG_MAX];
	uint64_t cnt[MAX_PROCS][C_NCOUNT];
};

struct heap {
	char name[64];
	bool carveout;
	bool cached;
	uint64_t size;
};

/* Set up by the parent before the first fork, read-only afterwards. */
struct setup {
	unsigned int seconds, procs, threads;
	bool kill;
	uint64_t seed;
	pid_t parent;
	size_t page;
	uint64_t max_pages;
	struct heap heaps[MAX_HEAPS];
	int nheaps;
	struct imp_dev devs[MAX_DEVS];
	int ndevs;
	int nxfer;		/* devices that move data (not edu, not NO_DMA) */
	bool vgem;
	struct shared *shm;
};

/* A worker process */
struct proc {
	int w, gen;
	int lsock;
	int vgem;
	int imp;		/* importer fd shared by the threads */
	struct ldma_ctx *ctx;
};

enum { ST_UNKNOWN, ST_ZERO, ST_PAT };

struct buf {
	int fd;			/* -1: slot free */
	int heap;
	uint64_t size;
	int state;
	uint32_t seed;
};

/* A worker thread */
struct thr {
	struct proc *p;
	int idx;
	uint64_t rng;
	struct buf b[SLOTS];
	int held[HELD];
	int held_age[HELD];
	int out_sock;
	int imp;		/* private importer fd, or -1 */
	uint32_t linger[LINGER];
	int nlinger;
	uint8_t *scratch;
	pthread_t tid;
};

/* What st_pick_slot() looks for */
enum { PICK_ANY, PICK_KNOWN, PICK_PATTERN, PICK_CARVEOUT };

/* stress_util.c: random choices, counters, the error log, slots, expected data */
uint64_t st_rnd_below(struct thr *t, uint64_t n);
bool st_chance(struct thr *t, unsigned int percent);
uint32_t st_new_seed(struct thr *t);
void st_sleep_ms(unsigned int ms);
bool st_stopping(void);
void st_count(struct thr *t, int c, uint64_t n);
__attribute__((format(printf, 4, 5)))
void st_unexpected(struct thr *t, const char *op, int err, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void st_corrupt(struct thr *t, const char *op, const char *fmt, ...);
__attribute__((format(printf, 4, 5)))
void st_proc_error(int w, int gen, const char *op, const char *fmt, ...);
const char *st_heap_name(const struct buf *b);
int st_free_slot(struct thr *t);
int st_pick_slot(struct thr *t, int what, int except);
void st_drop_slot(struct thr *t, int s);
void st_pick_range(struct thr *t, uint64_t size, uint64_t *off, uint64_t *len);
uint64_t st_expected_hash(struct thr *t, const struct buf *b, uint64_t off, uint64_t len);
const char *st_state_name(const struct buf *b);
int st_compare(struct thr *t, const struct buf *b, const uint8_t *base,
	       uint64_t off, uint64_t len, const char *what);

/* stress_buf.c: allocation, filling a heap up, close, CPU writes and checks */
int st_cpu_check(struct thr *t, const struct buf *b, const char *what);
void op_alloc(struct thr *t);
void op_exhaust(struct thr *t);
void op_close(struct thr *t);
void op_cpu_write(struct thr *t);
void op_cpu_verify(struct thr *t);

/* stress_dev.c: importer attach and map, device checksum and fill */
bool st_dev_moves_data(const struct imp_dev *d);
int st_pick_imp(struct thr *t);
const struct imp_dev *st_pick_dev(struct thr *t, bool moves_data);
int st_attach_map(struct thr *t, int imp, const struct buf *b,
		  const struct imp_dev *dev, unsigned int dir,
		  uint32_t *handle);
void st_unmap_detach(struct thr *t, int imp, uint32_t h, bool mapped);
void st_device_checksum(struct thr *t, const struct buf *b, int imp,
			const struct imp_dev *dev, uint32_t h);
void st_detach_lingering(struct thr *t, int i);
void op_dev_checksum(struct thr *t);
void op_dev_fill(struct thr *t);
void op_attach(struct thr *t);

/* stress_sync.c: vgem fences and sync_files */
void op_vgem(struct thr *t);
void op_sync(struct thr *t);

/* stress_share.c: passing buffers between workers over UNIX sockets */
socklen_t st_sock_name(struct sockaddr_un *sa, int w);
void op_send(struct thr *t);
void op_recv(struct thr *t);

/* stress_worker.c: a worker process and its threads */
int st_worker_main(int w, int gen);

/* stress_supervisor.c: the parent's workers (spawn, kill, respawn, stop), discovery */
extern unsigned int st_kills, st_respawns;
int st_spawn(unsigned int w);
void st_reap_early(void);
void st_kill_one(uint64_t *rng);
void st_respawn_due(bool all);
bool st_stop_all(void);
int st_count_buffers(void);
int st_discover(void);

/* stress_main.c: the setup (filled in by main() and st_discover()) */
extern struct setup st_g;

#endif /* STRESS_H */
