// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Command-line options of the stages.
 * Part of libpipeline (stage.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "stage.h"

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
