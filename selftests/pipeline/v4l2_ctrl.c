// SPDX-License-Identifier: GPL-2.0
/*
 * v4l2_ctrl DEVICE NAME VALUE: set the V4L2 control called NAME (as
 * VIDIOC_QUERY_EXT_CTRL names it, e.g. vivid's "Disconnect" button) on
 * DEVICE. A helper of the pipeline tests. Exit status 0, or 1 with a
 * message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/videodev2.h>

int main(int argc, char **argv)
{
	struct v4l2_query_ext_ctrl q;
	struct v4l2_control c;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: v4l2_ctrl DEVICE NAME VALUE\n");
		return 1;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "v4l2_ctrl: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(&q, 0, sizeof(q));
	q.id = V4L2_CTRL_FLAG_NEXT_CTRL;
	while (!ioctl(fd, VIDIOC_QUERY_EXT_CTRL, &q)) {
		if (!strcmp(q.name, argv[2])) {
			c.id = q.id;
			c.value = atoi(argv[3]);
			if (ioctl(fd, VIDIOC_S_CTRL, &c)) {
				fprintf(stderr, "v4l2_ctrl: %s: %s: %s\n", argv[1], argv[2],
					strerror(errno));
				return 1;
			}
			return 0;
		}
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	fprintf(stderr, "v4l2_ctrl: %s has no control '%s'\n", argv[1], argv[2]);
	return 1;
}
