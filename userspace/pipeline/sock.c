// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * UNIX sockets between the stages.
 * Part of libpipeline (stage.h).
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "stage.h"

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
