// SPDX-License-Identifier: GPL-2.0
/*
 * stress_worker.c - a worker process: its listening socket, vgem and
 * importer descriptors, and the threads that run random operations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "carveout_util.h"
#include "stress.h"

static const struct {
	void (*fn)(struct thr *t);
	unsigned int weight;
} ops[] = {
	{ op_alloc, 12 },
	{ op_close, 5 },
	{ op_exhaust, 1 },
	{ op_cpu_write, 12 },
	{ op_cpu_verify, 7 },
	{ op_dev_checksum, 10 },
	{ op_dev_fill, 10 },
	{ op_attach, 5 },
	{ op_vgem, 6 },
	{ op_sync, 7 },
	{ op_send, 9 },
	{ op_recv, 12 },
};

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	unsigned int sum = 0, i, r;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		sum += ops[i].weight;
	while (!st_stopping()) {
		r = (unsigned int)st_rnd_below(t, sum);
		for (i = 0; r >= ops[i].weight; i++)
			r -= ops[i].weight;
		ops[i].fn(t);
		st_count(t, C_OPS, 1);
	}
	for (i = 0; i < SLOTS; i++)
		if (t->b[i].fd >= 0)
			close(t->b[i].fd);
	for (i = 0; i < HELD; i++)
		if (t->held[i] >= 0)
			close(t->held[i]);
	if (t->out_sock >= 0)
		close(t->out_sock);
	/* Lingering attachments go with the file, half of the time. */
	if (t->imp >= 0) {
		while (t->nlinger && st_chance(t, 50))
			st_detach_lingering(t, t->nlinger - 1);
		close(t->imp);
	}
	return NULL;
}

static int listen_on(struct proc *p)
{
	struct sockaddr_un sa;
	socklen_t len = st_sock_name(&sa, p->w);
	int fd, i;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The previous holder of the name is dead and reaped: retry briefly. */
	for (i = 0; bind(fd, (struct sockaddr *)&sa, len) < 0; i++) {
		if (errno != EADDRINUSE || i >= 200) {
			i = -errno;
			close(fd);
			return i;
		}
		st_sleep_ms(10);
	}
	if (listen(fd, 8) < 0) {
		i = -errno;
		close(fd);
		return i;
	}
	return fd;
}

int st_worker_main(int w, int gen)
{
	struct proc p = { .w = w, .gen = gen, .vgem = -1, .imp = -1 };
	struct thr *thr;
	unsigned int i, j, started = 0;
	int ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != st_g.parent)
		return 1;
	signal(SIGPIPE, SIG_IGN);

	ret = ldma_ctx_new(&p.ctx, NULL);
	if (ret) {
		st_proc_error(w, gen, "ldma_ctx_new", "%s", strerror(-ret));
		return 1;
	}
	p.lsock = listen_on(&p);
	if (p.lsock < 0) {
		st_proc_error(w, gen, "listen", "%s", strerror(-p.lsock));
		return 1;
	}
	if (st_g.vgem) {
		p.vgem = cv_vgem_open();
		if (p.vgem < 0) {
			st_proc_error(w, gen, "vgem open", "%s", strerror(-p.vgem));
			return 1;
		}
	}
	if (st_g.ndevs) {
		p.imp = imp_open(NULL);
		if (p.imp < 0) {
			st_proc_error(w, gen, "importer open", "%s", strerror(-p.imp));
			return 1;
		}
	}
	thr = calloc(st_g.threads, sizeof(*thr));
	if (!thr) {
		st_proc_error(w, gen, "calloc", "threads");
		return 1;
	}
	for (i = 0; i < st_g.threads; i++) {
		struct thr *t = &thr[i];

		t->p = &p;
		t->idx = (int)i;
		t->rng = cv_seed(st_g.seed ^ ((uint64_t)w << 48) ^ ((uint64_t)gen << 24) ^ i);
		for (j = 0; j < SLOTS; j++)
			t->b[j].fd = -1;
		for (j = 0; j < HELD; j++)
			t->held[j] = -1;
		t->out_sock = -1;
		t->imp = st_g.ndevs ? imp_open(NULL) : -1;
		if (st_g.ndevs && t->imp < 0) {
			st_proc_error(w, gen, "importer open", "%s", strerror(-t->imp));
			break;
		}
		t->scratch = malloc(CHUNK);
		if (!t->scratch) {
			st_proc_error(w, gen, "malloc", "scratch");
			break;
		}
		ret = pthread_create(&t->tid, NULL, thread_main, t);
		if (ret) {
			st_proc_error(w, gen, "pthread_create", "%s", strerror(ret));
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(thr[i].tid, NULL);
	if (started < st_g.threads)
		return 1;
	return 0;
}
