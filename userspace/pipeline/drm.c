// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DRM devices by driver name.
 * Part of libpipeline (stage.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <xf86drm.h>

#include "stage.h"

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
