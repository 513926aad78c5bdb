// SPDX-License-Identifier: GPL-2.0
/*
 * stress_supervisor.c - the parent's side of the workers: spawn, reap,
 * kill, respawn and stop them; discover the heaps, importer devices and
 * vgem; count the dma-bufs of the heaps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "carveout_util.h"
#include "stress.h"

struct worker {
	pid_t pid;		/* 0: not running */
	int gen;		/* incremented at every respawn */
	double respawn_at;	/* killed, to be started again then (0: no) */
};

static struct worker workers[MAX_PROCS];
unsigned int st_kills, st_respawns;

int st_spawn(unsigned int w)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		st_proc_error((int)w, workers[w].gen, "fork", "%s", strerror(errno));
		workers[w].pid = 0;
		return -errno;
	}
	if (!pid)
		_exit(st_worker_main((int)w, workers[w].gen));
	workers[w].pid = pid;
	return 0;
}

static int worker_of(pid_t pid)
{
	unsigned int w;

	for (w = 0; w < st_g.procs; w++)
		if (workers[w].pid == pid)
			return (int)w;
	return -1;
}

static void describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status %#x", status);
}

/* A worker that ended by itself while it should be running. */
void st_reap_early(void)
{
	char why[64];
	pid_t pid;
	int st, w;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		w = worker_of(pid);
		if (w < 0)
			continue;
		describe(st, why, sizeof(why));
		st_proc_error(w, workers[w].gen, "worker", "ended on its own: %s", why);
		workers[w].pid = 0;
		workers[w].gen++;
		st_spawn((unsigned int)w);
	}
}

void st_kill_one(uint64_t *rng)
{
	unsigned int w = (unsigned int)(cv_rand(rng) % st_g.procs);
	char why[64];
	int st;

	if (!workers[w].pid)
		return;
	kill(workers[w].pid, SIGKILL);
	if (waitpid(workers[w].pid, &st, 0) < 0) {
		st_proc_error((int)w, workers[w].gen, "waitpid", "%s", strerror(errno));
	} else if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
		describe(st, why, sizeof(why));
		st_proc_error((int)w, workers[w].gen, "worker", "ended before the kill: %s", why);
	}
	st_kills++;
	workers[w].pid = 0;
	workers[w].gen++;
	/* A while without a listener: senders meet ECONNREFUSED meanwhile. */
	workers[w].respawn_at = cv_now() + (double)(cv_rand(rng) % (RESPAWN_MAX_MS + 1)) / 1000.0;
}

/* Start the killed workers whose time has come (all of them if @all). */
void st_respawn_due(bool all)
{
	double t = cv_now();
	unsigned int w;

	for (w = 0; w < st_g.procs; w++) {
		if (workers[w].pid || !workers[w].respawn_at ||
		    (!all && t < workers[w].respawn_at))
			continue;
		workers[w].respawn_at = 0;
		if (!st_spawn(w))
			st_respawns++;
	}
}

/* Tell the workers to stop and wait for them; false if one would not. */
bool st_stop_all(void)
{
	double deadline = cv_now() + STOP_SECONDS;
	bool ok = true;
	unsigned int w, left;
	char why[64];
	pid_t pid;
	int st, i;

	__atomic_store_n(&st_g.shm->stop, 1, __ATOMIC_RELEASE);
	for (;;) {
		left = 0;
		for (w = 0; w < st_g.procs; w++)
			left += workers[w].pid != 0;
		if (!left)
			break;
		pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			i = worker_of(pid);
			if (i < 0)
				continue;
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				describe(st, why, sizeof(why));
				st_proc_error(i, workers[i].gen, "worker", "stopped with %s", why);
			}
			workers[i].pid = 0;
			continue;
		}
		if (cv_now() > deadline) {
			for (w = 0; w < st_g.procs; w++) {
				if (!workers[w].pid)
					continue;
				st_proc_error((int)w, workers[w].gen, "worker",
					      "did not stop within %d s", STOP_SECONDS);
				kill(workers[w].pid, SIGKILL);
				waitpid(workers[w].pid, &st, 0);
				workers[w].pid = 0;
			}
			ok = false;
			break;
		}
		st_sleep_ms(10);
	}
	return ok;
}

/* Buffers of the heaps used here that exist anywhere (debugfs bufinfo). */
int st_count_buffers(void)
{
	FILE *f = fopen("/sys/kernel/debug/dma_buf/bufinfo", "re");
	char *line = NULL, *fld[5], *p;
	size_t cap = 0;
	int n = 0, i, k;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		/* size flags mode count exp_name ino name */
		for (p = line, k = 0; k < 5 && p; k++) {
			fld[k] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (k < 5 || !p)
			continue;
		for (i = 0; i < st_g.nheaps; i++)
			if (!strcmp(fld[4], st_g.heaps[i].name))
				n++;
	}
	free(line);
	fclose(f);
	return n;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct imp_dev *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

int st_discover(void)
{
	char names[MAX_HEAPS][64];
	struct imp_dev *list = NULL;
	int n, i, imp, vgem;
	uint64_t cached;

	n = cv_heap_names(names, MAX_HEAPS);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct heap *h = &st_g.heaps[st_g.nheaps];

		if (cv_is_carveout(names[i])) {
			h->carveout = true;
			if (cv_sysfs_u64(names[i], "size", &h->size) ||
			    cv_sysfs_u64(names[i], "cached", &cached))
				continue;
			h->cached = cached != 0;
		} else if (strcmp(names[i], "system")) {
			continue;
		}
		snprintf(h->name, sizeof(h->name), "%.63s", names[i]);
		st_g.nheaps++;
	}
	imp = imp_open(NULL);
	if (imp >= 0) {
		n = imp_list(imp, &list);
		close(imp);
		for (i = 0; i < n && st_g.ndevs < MAX_DEVS; i++) {
			st_g.devs[st_g.ndevs++] = list[i];
			if (st_dev_moves_data(&list[i]))
				st_g.nxfer++;
		}
		free(list);
		qsort(st_g.devs, st_g.ndevs, sizeof(st_g.devs[0]), cmp_dev);
	}
	vgem = cv_vgem_open();
	if (vgem >= 0) {
		st_g.vgem = true;
		close(vgem);
	}
	return 0;
}
