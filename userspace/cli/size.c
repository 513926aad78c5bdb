// SPDX-License-Identifier: LGPL-2.1-or-later
/* The SIZE argument of dmabuf alloc: "4096", "0x1000", "64K", "16MiB", "1G". */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmabuf.h"

int cli_parse_size(const char *str, size_t *size)
{
	static const char suffixes[] = "KMG";
	unsigned long long v;
	const char *s;
	char *end;
	int shift = 0;

	if (!str || !size)
		return -EINVAL;
	if (!isdigit((unsigned char)str[0]))
		return -EINVAL;	/* no sign, no blanks */

	errno = 0;
	if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X')) {
		s = str + 2;
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;	/* strtoull would take "0x-1" */
		v = strtoull(s, &end, 16);
	} else {
		v = strtoull(str, &end, 10);
	}
	if (errno)
		return -ERANGE;

	if (*end) {
		const char *p = strchr(suffixes, toupper((unsigned char)*end));

		if (!p)
			return -EINVAL;
		shift = 10 * (int)(p - suffixes + 1);
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
		if (*end)
			return -EINVAL;
	}

	if (v > (SIZE_MAX >> shift))
		return -ERANGE;
	*size = (size_t)(v << shift);
	return 0;
}
