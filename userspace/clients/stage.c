// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Helpers the three pipeline programs share (see stage.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "stage.h"

const char *pl_stage = "pipeline";
volatile sig_atomic_t pl_stop;

static void pl_vprint(FILE *f, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(f, "%s: %s\n", pl_stage, line);
}

void pl_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pl_vprint(stdout, fmt, ap);
	va_end(ap);
}

void pl_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	pl_vprint(stderr, fmt, ap);
	va_end(ap);
}

static void pl_on_signal(int sig)
{
	(void)sig;
	pl_stop = 1;
}

void pl_init(const char *stage)
{
	struct sigaction sa;

	pl_stage = stage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pl_on_signal;	/* no SA_RESTART: poll() returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

uint64_t pl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double pl_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

int pl_samples_init(struct pl_samples *s, const char *name, size_t cap)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->cap = cap ? cap : 64;
	s->v = calloc(s->cap, sizeof(*s->v));
	return s->v ? 0 : -ENOMEM;
}

void pl_samples_add(struct pl_samples *s, uint64_t ns)
{
	uint64_t *v;

	if (s->n == s->cap) {
		v = realloc(s->v, 2 * s->cap * sizeof(*v));
		if (!v)
			return;		/* statistics are not worth failing for */
		s->v = v;
		s->cap *= 2;
	}
	s->v[s->n++] = ns;
}

static int pl_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void pl_samples_stat(const struct pl_samples *s, struct pl_stat *st)
{
	uint64_t *v;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", s->name);
	st->count = (uint32_t)s->n;
	if (!s->n)
		return;
	v = malloc(s->n * sizeof(*v));
	if (!v)
		return;
	memcpy(v, s->v, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), pl_cmp_u64);
	st->median = v[(s->n - 1) / 2];
	/* Nearest rank: the smallest sample at or above 99% of them. */
	st->p99 = v[(s->n * 99 + 99) / 100 - 1];
	st->max = v[s->n - 1];
	free(v);
}

void pl_samples_free(struct pl_samples *s)
{
	free(s->v);
	s->v = NULL;
}

int pl_parse_size(const char *s, uint32_t *w, uint32_t *h)
{
	unsigned long a, b;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	a = strtoul(s, &end, 10);
	if (*end != 'x' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	b = strtoul(end + 1, &end, 10);
	if (*end || a > UINT32_MAX || b > UINT32_MAX)
		return -EINVAL;
	*w = (uint32_t)a;
	*h = (uint32_t)b;
	return 0;
}

int pl_parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	unsigned long long x;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return -ERANGE;
	*v = (uint32_t)x;
	return 0;
}

#define PL_MAX_OPTS	16

int pl_options(int argc, char **argv, const struct pl_opt *opts,
	       void (*usage)(FILE *f))
{
	struct option lo[PL_MAX_OPTS + 2];
	const struct pl_opt *o;
	uint32_t *wh;
	int n, c;

	for (n = 0; opts[n].name && n < PL_MAX_OPTS; n++)
		lo[n] = (struct option){ opts[n].name, required_argument, NULL, 256 + n };
	lo[n] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n + 1] = (struct option){ 0 };

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(PL_EXIT_OK);
		}
		if (c < 256 || c >= 256 + n) {
			usage(stderr);
			return -EINVAL;
		}
		o = &opts[c - 256];
		switch (o->kind) {
		case PL_OPT_STR:
			*(const char **)o->value = optarg;
			break;
		case PL_OPT_UINT:
			if (pl_parse_uint(optarg, o->min, o->max, o->value)) {
				pl_err("--%s %s: expected %u to %u%s%s", o->name, optarg, o->min,
				       o->max, o->unit ? " " : "", o->unit ? o->unit : "");
				return -EINVAL;
			}
			break;
		case PL_OPT_SIZE:
			wh = o->value;
			if (pl_parse_size(optarg, &wh[0], &wh[1])) {
				pl_err("--%s %s: expected WIDTHxHEIGHT", o->name, optarg);
				return -EINVAL;
			}
			break;
		}
	}
	if (optind < argc) {
		pl_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int pl_sockaddr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int pl_listen(const char *path)
{
	struct sockaddr_un sa;
	char dir[sizeof(sa.sun_path)], *slash;
	int fd, ret;

	ret = pl_sockaddr(path, &sa);
	if (ret)
		return ret;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);	/* a socket file left by a stage that was killed */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int pl_accept(int lfd, const char *path, int timeout_ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int n, fd;

	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n < 0 && errno == EINTR && !pl_stop);
	if (n <= 0) {
		unlink(path);
		return n ? -errno : -ETIMEDOUT;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	n = fd < 0 ? -errno : fd;
	unlink(path);	/* one peer per run: nobody else may connect */
	return n;
}

int pl_connect(const char *path, int timeout_ms)
{
	uint64_t deadline = pl_now() + (uint64_t)timeout_ms * 1000000u;
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	struct sockaddr_un sa;
	int fd, ret;

	ret = pl_sockaddr(path, &sa);
	if (ret)
		return ret;
	for (;;) {
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		ret = -errno;
		close(fd);
		/* Not listening yet: the stages start in any order. */
		if ((ret != -ENOENT && ret != -ECONNREFUSED) || pl_now() > deadline || pl_stop)
			return ret;
		nanosleep(&nap, NULL);
	}
}

int pl_wait_peer(const char *path, const char *peer, uint32_t timeout_s)
{
	int lfd = pl_listen(path), fd;

	if (lfd < 0) {
		pl_err("cannot listen on %s: %s", path, strerror(-lfd));
		return lfd;
	}
	fd = pl_accept(lfd, path, (int)timeout_s * 1000);
	close(lfd);
	if (fd < 0)
		pl_err("no %s connected to %s: %s", peer, path, strerror(-fd));
	return fd;
}

bool pl_malformed(int err)
{
	return err == -EBADMSG || err == -EPROTO || err == -EMSGSIZE;
}

int pl_heap_check(const char *heap)
{
	struct ldma_heap_info info;
	char names[512];

	if (!ldma_heap_query(NULL, heap, &info))
		return 0;
	ldma_heap_names(NULL, names, sizeof(names));
	pl_err("no heap named '%s'; the heaps here are: %s", heap, names);
	return -ENOENT;
}

static void pl_bytes(char *buf, size_t len, uint64_t n)
{
	if (n == LDMA_SIZE_UNKNOWN)
		snprintf(buf, len, "unknown");
	else if (n >= 1 << 20)
		snprintf(buf, len, "%llu bytes (%.1f MiB)", (unsigned long long)n,
			 (double)n / (1 << 20));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
}

static const char *pl_tri(enum ldma_tristate t, const char *yes, const char *no)
{
	return t == LDMA_YES ? yes : t == LDMA_NO ? no : NULL;
}

void pl_heap_caps(const char *heap, char *buf, size_t len)
{
	struct ldma_heap_info info;
	const char *c, *k;

	if (ldma_heap_query(NULL, heap, &info)) {
		snprintf(buf, len, "unknown heap");
		return;
	}
	c = pl_tri(info.contiguous, "contiguous", "not contiguous");
	k = pl_tri(info.cached, "cached", "uncached");
	if (!c && !k)
		snprintf(buf, len, "publishes no capabilities");
	else
		snprintf(buf, len, "%s, %s", c ? c : "contiguity unknown",
			 k ? k : "caching unknown");
}

static void pl_no_room(const char *heap, const char *what, uint64_t size,
		       unsigned int n, const struct ldma_heap_info *info)
{
	char one[48], all[48], freeb[48], largest[48];

	pl_bytes(one, sizeof(one), size);
	pl_bytes(all, sizeof(all), size * n);
	pl_bytes(freeb, sizeof(freeb), info->free);
	pl_bytes(largest, sizeof(largest), info->largest_free);
	pl_err("%u %s do not fit in heap '%s': each needs %s, %s in all; the heap has %s free (largest free extent %s)",
	       n, what, heap, one, all, freeb, largest);
}

int pl_alloc_ring(const char *heap, uint64_t size, unsigned int n,
		  const char *prefix, const char *what, int *fds)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t rounded = (size + page - 1) / page * page;
	struct ldma_heap_info info;
	char name[LDMA_BUF_NAME_MAX];
	unsigned int i;
	int ret;

	ret = pl_heap_check(heap);
	if (ret)
		return ret;
	ret = ldma_heap_query(NULL, heap, &info);
	if (ret) {
		pl_err("cannot look up heap '%s': %s", heap, strerror(-ret));
		return ret;
	}
	if ((info.free != LDMA_SIZE_UNKNOWN && rounded * n > info.free) ||
	    (info.largest_free != LDMA_SIZE_UNKNOWN && info.contiguous == LDMA_YES &&
	     rounded > info.largest_free)) {
		pl_no_room(heap, what, rounded, n, &info);
		return -ENOSPC;
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s-%u", prefix, i);
		ret = ldma_alloc(NULL, heap, size, 0, name);
		if (ret < 0) {
			if (ret == -ENOMEM && !ldma_heap_query(NULL, heap, &info))
				pl_no_room(heap, what, rounded, n, &info);
			else
				pl_err("allocating buffer %u of %llu bytes from heap '%s' failed: %s",
				       i, (unsigned long long)size, heap, strerror(-ret));
			while (i)
				close(fds[--i]);
			return ret == -ENOMEM ? -ENOSPC : ret;
		}
		fds[i] = ret;
	}
	return 0;
}

uint64_t pl_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (uint64_t)st.st_ino;
}

int pl_importer_find(int imp, uint32_t role, struct ldma_importer_dev *dev)
{
	struct ldma_importer_dev *list;
	int n, i, ret = -ENODEV;

	n = ldma_importer_list(imp, &list);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (list[i].role == role && !(list[i].flags & LDMA_IMPORTER_DEV_NO_DMA)) {
			*dev = list[i];
			ret = 0;
			break;
		}
	}
	free(list);
	return ret;
}

int pl_importer_for(uint32_t role, struct ldma_importer_dev *dev)
{
	int imp = ldma_importer_open(NULL), ret;

	ret = imp < 0 ? imp : pl_importer_find(imp, role, dev);
	if (!ret)
		return imp;
	pl_info("no importer %s device (%s): DMA addresses are not compared",
		ldma_importer_role_name(role), strerror(-ret));
	if (imp >= 0)
		close(imp);
	return ret;
}

int pl_importer_id(int imp, const struct ldma_importer_dev *dev, int fd,
		   unsigned int direction, uint32_t *handle, struct pl_buffer_id *id)
{
	struct ldma_importer_mapping m;
	int ret;

	ret = ldma_importer_attach(imp, fd, dev->index, handle, NULL);
	if (ret)
		return ret;
	ret = ldma_importer_map(imp, *handle, direction, &m);
	if (ret) {
		ldma_importer_detach(imp, *handle);
		*handle = 0;
		return ret;
	}
	id->inode = pl_inode(fd);
	id->dma_addr = m.dma_start;
	id->nents = m.nents;
	id->dma_phys = !(dev->flags & LDMA_IMPORTER_DEV_IOMMU);
	return 0;
}

bool pl_same_buffer(const char *from, unsigned int index, const struct pl_buffer_id *theirs,
		    const struct pl_buffer_id *ours)
{
	bool dma = theirs->dma_addr && ours->dma_addr && theirs->dma_phys && ours->dma_phys;

	if (!ours->inode || theirs->inode != ours->inode) {
		pl_err("buffer %u: inode %llu here, but %s sent inode %llu: not the same buffer",
		       index, (unsigned long long)ours->inode, from,
		       (unsigned long long)theirs->inode);
		return false;
	}
	if (dma && theirs->dma_addr != ours->dma_addr) {
		pl_err("buffer %u: DMA address 0x%llx here, 0x%llx at %s: not the same memory",
		       index, (unsigned long long)ours->dma_addr,
		       (unsigned long long)theirs->dma_addr, from);
		return false;
	}
	if (dma)
		pl_info("zero copy: buffer %u is dma-buf inode %llu at DMA address 0x%llx both in %s and here",
			index, (unsigned long long)ours->inode,
			(unsigned long long)ours->dma_addr, from);
	else
		pl_info("zero copy: buffer %u is dma-buf inode %llu both in %s and here (DMA addresses not comparable)",
			index, (unsigned long long)ours->inode, from);
	return true;
}

int pl_explain(const char *peer, int ret, const struct pl_msg *msg,
	       char *reason, size_t len)
{
	int status = PL_EXIT_PEER;

	switch (ret) {
	case -ECONNRESET:
		snprintf(reason, len, "%s went away (its socket closed)", peer);
		break;
	case -ETIMEDOUT:
		snprintf(reason, len, "no word from %s within the timeout", peer);
		break;
	case -EBADMSG:
		snprintf(reason, len, "%s sent a malformed message", peer);
		status = PL_EXIT_PROTO;
		break;
	case PL_ABORT:
		snprintf(reason, len, "%s stopped: %s", msg->u.abort.stage, msg->u.abort.reason);
		break;
	case PL_REJECT:
		snprintf(reason, len, "%s rejected what we sent: %s", peer, msg->u.abort.reason);
		status = PL_EXIT_PROTO;
		break;
	default:
		if (ret < 0) {
			snprintf(reason, len, "receiving from %s failed: %s", peer, strerror(-ret));
			status = PL_EXIT_FAIL;
		} else {
			snprintf(reason, len, "%s sent %s, which is out of place here",
				 peer, pl_type_name((unsigned int)ret));
			status = PL_EXIT_PROTO;
		}
	}
	pl_err("stopping: %s", reason);
	return status;
}

int pl_send_failed(int sock, const char *peer, int err, char *reason, size_t len)
{
	struct pl_msg msg;
	int ret;

	for (;;) {
		ret = pl_recv(sock, &msg, 0);
		if (ret == PL_ABORT || ret == PL_REJECT)
			return pl_explain(peer, ret, &msg, reason, len);
		if (ret < 0)
			break;
	}
	return pl_explain(peer, err, NULL, reason, len);
}

int pl_reject(int sock, const char *peer, const char *why)
{
	struct pl_msg msg;
	int ret;

	pl_err("rejecting %s's input: %s; its buffers are closed", peer, why);
	pl_send_abort(sock, PL_REJECT, pl_stage, why);
	do {
		ret = pl_recv(sock, &msg, 10000);
	} while (ret >= 0 || ret == -EBADMSG);
	return PL_EXIT_PROTO;
}

int pl_drm_open(const char *driver)
{
	char path[32];
	drmVersionPtr v;
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && !strcmp(v->name, driver)) {
			drmFreeVersion(v);
			return fd;
		}
		drmFreeVersion(v);
		close(fd);
	}
	return -ENOENT;
}
