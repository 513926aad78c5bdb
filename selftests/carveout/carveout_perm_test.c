// SPDX-License-Identifier: GPL-2.0
/*
 * Heap device permissions: a process without access to /dev/dma_heap/<name>
 * gets EACCES, yet can use a buffer whose fd is passed to it; and the group
 * rule of udev/60-dma-heap.rules grants access to its members.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "carveout_util.h"

#define NOBODY 65534
#define HEAPGRP 4242	/* stands for the "dmaheap" group of the udev rule */

static void drop_to(uid_t uid, gid_t gid, gid_t extra)
{
	gid_t groups[1] = { extra };

	if (setgroups(extra ? 1 : 0, groups) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		_exit(100);
}

static int send_fd(int sock, int fd)
{
	char c = 'x', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

FIXTURE(perm) {
	struct cv_heap heap;
	char node[300];
};

FIXTURE_SETUP(perm)
{
	if (cv_find_heap(1, &self->heap) && cv_find_heap(0, &self->heap))
		SKIP(return, "no carveout heap");
	snprintf(self->node, sizeof(self->node), "/dev/dma_heap/%s", self->heap.name);
	if (geteuid())
		SKIP(return, "needs root to drop privileges");
}

FIXTURE_TEARDOWN(perm)
{
	/* Back to the kernel's default, whatever a test changed. */
	chown(self->node, 0, 0);
	chmod(self->node, 0600);
}

TEST_F(perm, unprivileged_open_fails_eacces_but_passed_fd_works)
{
	int sv[2], heap_fd, buf, status;
	size_t page = cv_page_size();
	uint8_t *map;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint8_t *p;
		int fd;

		close(sv[0]);
		drop_to(NOBODY, NOBODY, 0);
		fd = open(self->node, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || errno != EACCES)
			_exit(1);
		fd = recv_fd(sv[1]);
		if (fd < 0)
			_exit(2);
		p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(3);
		if (p[0] != 0x3c)
			_exit(4);
		p[1] = 0xc3;
		munmap(p, page);
		_exit(0);
	}
	close(sv[1]);
	heap_fd = cv_heap_open(self->heap.name);
	ASSERT_LE(0, heap_fd);
	buf = cv_alloc(heap_fd, page, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, buf);
	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
	ASSERT_NE(MAP_FAILED, map);
	map[0] = 0x3c;
	ASSERT_EQ(0, send_fd(sv[0], buf));
	status = child_status(pid);
	EXPECT_EQ(0, status) TH_LOG("child step %d failed (1: open, 2: recv, 3: mmap, 4: data)",
				    status);
	EXPECT_EQ(0xc3, map[1]);
	munmap(map, page);
	close(buf);
	close(heap_fd);
	close(sv[0]);
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
}

/* What udev/60-dma-heap.rules does, applied by hand: group 0660. */
TEST_F(perm, group_rule_grants_access_to_members_only)
{
	pid_t pid;

	ASSERT_EQ(0, chown(self->node, 0, HEAPGRP));
	ASSERT_EQ(0, chmod(self->node, 0660));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int heap_fd, fd;

		drop_to(NOBODY, NOBODY, HEAPGRP);
		heap_fd = open(self->node, O_RDONLY | O_CLOEXEC);
		if (heap_fd < 0)
			_exit(1);
		fd = cv_alloc(heap_fd, cv_page_size(), O_RDWR | O_CLOEXEC, 0);
		_exit(fd < 0 ? 2 : 0);
	}
	EXPECT_EQ(0, child_status(pid));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		drop_to(NOBODY, NOBODY, 0);
		_exit(open(self->node, O_RDONLY | O_CLOEXEC) < 0 && errno == EACCES ? 0 : 1);
	}
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
}

/*
 * The sysfs capabilities (static properties and two aggregate byte
 * counts) are for everyone: an unprivileged process reads each of them.
 * The debugfs statistics hold the physical base address and per-region
 * counters, and the policy knob changes placement: they are root's alone
 * by their own mode, whatever mode debugfs is mounted with.
 */
TEST_F(perm, capabilities_world_readable_statistics_root_only)
{
	static const char *const world[] = {
		"contiguous", "cached", "size", "free", "largest_free", "align",
	};
	static const char *const root_only[] = { "stats", "policy" };
	char path[512], buf[64];
	struct stat st;
	unsigned int i;
	pid_t pid;

	for (i = 0; i < sizeof(world) / sizeof(world[0]); i++) {
		snprintf(path, sizeof(path), CV_SYSFS "/%s/%s", self->heap.name, world[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(0444U, st.st_mode & 07777) TH_LOG("%s", path);
	}
	for (i = 0; i < sizeof(root_only) / sizeof(root_only[0]); i++) {
		snprintf(path, sizeof(path), CV_DEBUGFS "/%s/%s", self->heap.name, root_only[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(0U, st.st_mode & 0077) TH_LOG("%s has mode %o", path, st.st_mode & 07777);
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		drop_to(NOBODY, NOBODY, 0);
		for (i = 0; i < sizeof(world) / sizeof(world[0]); i++) {
			snprintf(path, sizeof(path), CV_SYSFS "/%s/%s", self->heap.name, world[i]);
			if (cv_read_str(path, buf, sizeof(buf)))
				_exit(1 + i);
		}
		_exit(0);
	}
	EXPECT_EQ(0, child_status(pid)) TH_LOG("nobody cannot read a capability file");
}

TEST_HARNESS_MAIN
