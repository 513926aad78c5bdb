// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: contexts, their roots, and the lock-protected heap-fd cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldma_internal.h"

struct ldma_heap_fd {
	char name[LDMA_HEAP_NAME_MAX];
	int fd;
};

struct ldma_ctx {
	char roots[LDMA_ROOT_COUNT][PATH_MAX];	/* immutable once set */
	pthread_mutex_t lock;			/* protects the cache below */
	struct ldma_heap_fd *heaps;
	size_t nheaps;
	size_t cap;
};

static const struct {
	const char *env;
	const char *def;
} ldma_root_defaults[LDMA_ROOT_COUNT] = {
	[LDMA_ROOT_DEV] = { "LDMA_DEV_ROOT", "/dev/dma_heap" },
	[LDMA_ROOT_SYSFS] = { "LDMA_SYSFS_ROOT", "/sys/kernel/carveout_heap" },
	[LDMA_ROOT_PROC] = { "LDMA_PROC_ROOT", "/proc" },
	[LDMA_ROOT_SYS] = { "LDMA_SYS_ROOT", "/sys" },
};

/* The only global state: the default context, used when ctx == NULL. */
static struct ldma_ctx ldma_default_ctx = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};
static pthread_once_t ldma_default_once = PTHREAD_ONCE_INIT;

static int ldma_ctx_set_roots(struct ldma_ctx *ctx,
			      const struct ldma_roots *roots)
{
	const char *given[LDMA_ROOT_COUNT] = { NULL };
	int i;

	if (roots) {
		given[LDMA_ROOT_DEV] = roots->dev;
		given[LDMA_ROOT_SYSFS] = roots->sysfs;
		given[LDMA_ROOT_PROC] = roots->proc;
		given[LDMA_ROOT_SYS] = roots->sys;
	}
	for (i = 0; i < LDMA_ROOT_COUNT; i++) {
		const char *path = given[i];

		if (!path)
			path = secure_getenv(ldma_root_defaults[i].env);
		if (!path || !*path)
			path = ldma_root_defaults[i].def;
		if (strlen(path) >= sizeof(ctx->roots[i]))
			return -EINVAL;
		strcpy(ctx->roots[i], path);
	}
	return 0;
}

static void ldma_default_init(void)
{
	/* Cannot fail: the defaults fit; an oversized variable falls back. */
	if (ldma_ctx_set_roots(&ldma_default_ctx, NULL) < 0) {
		struct ldma_roots defaults = {
			.dev = ldma_root_defaults[LDMA_ROOT_DEV].def,
			.sysfs = ldma_root_defaults[LDMA_ROOT_SYSFS].def,
			.proc = ldma_root_defaults[LDMA_ROOT_PROC].def,
			.sys = ldma_root_defaults[LDMA_ROOT_SYS].def,
		};

		ldma_ctx_set_roots(&ldma_default_ctx, &defaults);
	}
}

struct ldma_ctx *ldma_ctx_get(struct ldma_ctx *ctx)
{
	if (ctx)
		return ctx;
	pthread_once(&ldma_default_once, ldma_default_init);
	return &ldma_default_ctx;
}

const char *ldma_ctx_root(struct ldma_ctx *ctx, enum ldma_root root)
{
	return ldma_ctx_get(ctx)->roots[root];
}

LDMA_EXPORT int ldma_ctx_new(struct ldma_ctx **ctx,
			     const struct ldma_roots *roots)
{
	struct ldma_ctx *c;
	int ret;

	if (!ctx)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	ret = ldma_ctx_set_roots(c, roots);
	if (ret < 0) {
		free(c);
		return ret;
	}
	ret = pthread_mutex_init(&c->lock, NULL);
	if (ret) {
		free(c);
		return -ret;
	}
	*ctx = c;
	return 0;
}

LDMA_EXPORT void ldma_ctx_free(struct ldma_ctx *ctx)
{
	size_t i;

	if (!ctx || ctx == &ldma_default_ctx)
		return;
	for (i = 0; i < ctx->nheaps; i++)
		close(ctx->heaps[i].fd);
	free(ctx->heaps);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

bool ldma_heap_name_valid(const char *name)
{
	size_t len = strnlen(name, LDMA_HEAP_NAME_MAX);

	return len && len < LDMA_HEAP_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

/* 0 if /dev/dma_heap/<name> exists, -ENOENT if not, -EINVAL for a bad name. */
int ldma_heap_exists(struct ldma_ctx *ctx, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	if (!ldma_heap_name_valid(name))
		return -EINVAL;
	ret = ldma_path(path, sizeof(path), "%s/%s",
			ldma_ctx_root(ctx, LDMA_ROOT_DEV), name);
	if (ret < 0)
		return ret;
	return stat(path, &st) ? -errno : 0;
}

static int ldma_ctx_cache_add(struct ldma_ctx *ctx, const char *heap, int fd)
{
	struct ldma_heap_fd *heaps;

	if (ctx->nheaps == ctx->cap) {
		heaps = realloc(ctx->heaps, (ctx->cap + 8) * sizeof(*heaps));
		if (!heaps)
			return -ENOMEM;
		ctx->heaps = heaps;
		ctx->cap += 8;
	}
	strcpy(ctx->heaps[ctx->nheaps].name, heap);
	ctx->heaps[ctx->nheaps].fd = fd;
	ctx->nheaps++;
	return 0;
}

/*
 * The heap's open node, from the cache or opened now. The fd belongs to the
 * context: the caller must not close it.
 */
int ldma_ctx_heap_fd(struct ldma_ctx *ctx, const char *heap)
{
	char path[PATH_MAX];
	size_t i;
	int fd, ret;

	if (!ldma_heap_name_valid(heap))
		return -EINVAL;
	ctx = ldma_ctx_get(ctx);
	ret = ldma_path(path, sizeof(path), "%s/%s",
			ctx->roots[LDMA_ROOT_DEV], heap);
	if (ret < 0)
		return ret;

	pthread_mutex_lock(&ctx->lock);
	for (i = 0; i < ctx->nheaps; i++) {
		if (!strcmp(ctx->heaps[i].name, heap)) {
			fd = ctx->heaps[i].fd;
			goto out_unlock;
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		goto out_unlock;
	}
	ret = ldma_ctx_cache_add(ctx, heap, fd);
	if (ret < 0) {
		close(fd);
		fd = ret;
	}
out_unlock:
	pthread_mutex_unlock(&ctx->lock);
	return fd;
}
