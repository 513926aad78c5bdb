// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmabuf alloc: allocate K buffers, touch every page of each through a CPU
 * mapping inside a begin/end bracket, and report how long both took. All
 * K buffers are held at once, so the command also shows whether a heap can
 * hold them together.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmabuf.h"

struct alloc_times {
	uint64_t min, max, sum;
};

static void times_add(struct alloc_times *t, uint64_t us)
{
	if (us < t->min)
		t->min = us;
	if (us > t->max)
		t->max = us;
	t->sum += us;
}

/* Write one byte in every page, inside a CPU-access bracket. */
static int touch_pages(int fd, size_t size, size_t page)
{
	struct ldma_map *map;
	volatile uint8_t *p;
	size_t off;
	int ret;

	ret = ldma_map(fd, size, LDMA_RW, &map);
	if (ret < 0)
		return ret;
	ret = ldma_cpu_begin(fd, LDMA_WRITE);
	if (ret == 0) {
		p = ldma_map_addr(map);
		for (off = 0; off < size; off += page)
			p[off] = (uint8_t)off;
		ret = ldma_cpu_end(fd, LDMA_WRITE);
	}
	ldma_unmap(map);
	return ret;
}

/* What the heap says about its room, when it says anything. */
static void explain_failure(const char *heap)
{
	struct ldma_heap_info h;
	char a[32], b[32];

	if (ldma_heap_query(NULL, heap, &h) < 0 || h.size == LDMA_SIZE_UNKNOWN)
		return;
	fprintf(stderr, "dmabuf: heap '%s' holds %s; largest free extent %s\n",
		heap, cli_size(h.size, a, sizeof(a)),
		cli_size(h.largest_free, b, sizeof(b)));
}

int cmd_alloc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct alloc_times ta = { .min = UINT64_MAX }, tt = { .min = UINT64_MAX };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char heap[LDMA_HEAP_NAME_MAX], sz[32];
	const char *name = NULL;
	unsigned long count = 1;
	int *fds, opt, ret = 0, status = 0;
	unsigned long i, done = 0;
	uint64_t t0, t1, t2;
	size_t size;
	char *end;

	while ((opt = getopt_long(argc, argv, "n:c:", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'c':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno || *end || !count || count > 65536 || optarg[0] == '-')
				return cli_usage("alloc: --count wants 1..65536, not '%s'", optarg);
			break;
		default:
			return cli_usage("alloc: bad option");
		}
	}
	if (argc - optind != 2)
		return cli_usage("alloc: wants HEAPS and SIZE");
	ret = cli_parse_size(argv[optind + 1], &size);
	if (ret < 0)
		return cli_fail(ret, "alloc: bad size '%s' (a number with an optional K, M or G)",
				argv[optind + 1]);
	if (!size)
		return cli_fail(EINVAL, "alloc: size must not be 0");
	if (name && strlen(name) >= LDMA_BUF_NAME_MAX)
		fprintf(stderr, "dmabuf: name '%s' cut to %d bytes\n", name,
			LDMA_BUF_NAME_MAX - 1);

	fds = calloc(count, sizeof(*fds));
	if (!fds)
		return cli_fail(ENOMEM, "alloc");

	for (i = 0; i < count; i++) {
		t0 = cli_now_us();
		ret = ldma_alloc_pref(NULL, argv[optind], size, 0, name,
				      heap, sizeof(heap));
		t1 = cli_now_us();
		if (ret == -ENOENT) {
			status = cli_no_heap(argv[optind]);
			break;
		}
		if (ret < 0) {
			status = cli_fail(ret, "alloc: buffer %lu of %lu (%s) from '%s'",
					  i + 1, count, cli_size(size, sz, sizeof(sz)),
					  argv[optind]);
			explain_failure(argv[optind]);
			break;
		}
		fds[done++] = ret;
		ret = touch_pages(fds[i], size, page);
		t2 = cli_now_us();
		if (ret < 0) {
			status = cli_fail(ret, "alloc: mapping buffer %lu", i + 1);
			break;
		}
		times_add(&ta, t1 - t0);
		times_add(&tt, t2 - t1);
		printf("buffer %lu: heap %s, %s, alloc %llu us, touch %zu page(s) %llu us\n",
		       i + 1, heap, cli_size(size, sz, sizeof(sz)),
		       (unsigned long long)(t1 - t0),
		       (size + page - 1) / page, (unsigned long long)(t2 - t1));
	}

	if (!status)
		printf("%lu x %s: alloc min/avg/max %llu/%llu/%llu us, "
		       "touch min/avg/max %llu/%llu/%llu us\n",
		       count, cli_size(size, sz, sizeof(sz)),
		       (unsigned long long)ta.min,
		       (unsigned long long)(ta.sum / count),
		       (unsigned long long)ta.max, (unsigned long long)tt.min,
		       (unsigned long long)(tt.sum / count),
		       (unsigned long long)tt.max);
	for (i = 0; i < done; i++)
		close(fds[i]);
	free(fds);
	return status;
}
