// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Which dma-bufs a process holds: fdinfo parsing, and listing over a fake
 * /proc tree (and the real one, which on a host holds no dma-buf).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ldma_internal.h"
#include "test_util.h"

/* What Linux 6.12 prints for a named dma-buf. */
static const char dmabuf_fdinfo[] =
	"pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t42\n"
	"size:\t1048576\ncount:\t2\nexp_name:\tvideo\nname:\tcamera 0\n";

static const char memfd_fdinfo[] =
	"pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1234\n";

TEST(fdinfo_parse_reads_dmabuf_fields)
{
	struct ldma_buf_info info;

	ASSERT_EQ(0, ldma_fdinfo_parse(dmabuf_fdinfo, &info));
	EXPECT_EQ(1048576u, info.size);
	EXPECT_EQ(2, info.count);
	EXPECT_EQ(42u, info.inode);
	EXPECT_STREQ("video", info.exp_name);
	EXPECT_STREQ("camera 0", info.name);
}

TEST(fdinfo_parse_unnamed_buffer_has_empty_name)
{
	struct ldma_buf_info info;

	ASSERT_EQ(0, ldma_fdinfo_parse("size:\t4096\nexp_name:\tsystem", &info));
	EXPECT_EQ(4096u, info.size);
	EXPECT_EQ(-1, info.count);
	EXPECT_STREQ("system", info.exp_name);
	EXPECT_STREQ("", info.name);
}

TEST(fdinfo_parse_rejects_non_dmabuf_enotty)
{
	struct ldma_buf_info info;

	EXPECT_EQ(-ENOTTY, ldma_fdinfo_parse(memfd_fdinfo, &info));
	EXPECT_EQ(-ENOTTY, ldma_fdinfo_parse("", &info));
	/* A key that merely starts like exp_name is not one. */
	EXPECT_EQ(-ENOTTY, ldma_fdinfo_parse("exp_names:\tx\n", &info));
}

TEST(fdinfo_parse_truncates_long_names)
{
	char text[512];
	struct ldma_buf_info info;

	snprintf(text, sizeof(text), "exp_name:\t%0100d\nname:\t%080d\n", 0, 0);
	ASSERT_EQ(0, ldma_fdinfo_parse(text, &info));
	EXPECT_EQ(LDMA_HEAP_NAME_MAX - 1, (int)strlen(info.exp_name));
	EXPECT_EQ(LDMA_BUF_NAME_MAX - 1, (int)strlen(info.name));
}

FIXTURE(proc) {
	char *root;
	struct ldma_ctx *ctx;
};

FIXTURE_SETUP(proc)
{
	char target[4096];

	self->root = tree_new();
	ASSERT_NE(NULL, self->root);
	ASSERT_EQ(0, tree_write(self->root, "proc/123/fdinfo/0", memfd_fdinfo));
	ASSERT_EQ(0, tree_write(self->root, "proc/123/fdinfo/7", dmabuf_fdinfo));
	ASSERT_EQ(0, tree_write(self->root, "proc/123/fdinfo/12",
				"size:\t4096\ncount:\t1\nexp_name:\tsystem\n"));
	ASSERT_EQ(0, tree_write(self->root, "buffers/b7", ""));
	snprintf(target, sizeof(target), "%s/buffers/b7", self->root);
	ASSERT_EQ(0, tree_symlink(self->root, "proc/123/fd/7", target));
	self->ctx = tree_ctx(self->root);
	ASSERT_NE(NULL, self->ctx);
}

FIXTURE_TEARDOWN(proc)
{
	ldma_ctx_free(self->ctx);
	tree_free(self->root);
}

TEST_F(proc, buf_list_finds_only_dmabufs_sorted_by_fd)
{
	struct ldma_buf_info *list;
	struct stat st;

	ASSERT_EQ(0, stat(tree_path(self->root, "buffers/b7"), &st));
	ASSERT_EQ(2, ldma_buf_list(self->ctx, 123, &list));
	EXPECT_EQ(7, list[0].fd);
	EXPECT_STREQ("video", list[0].exp_name);
	EXPECT_STREQ("camera 0", list[0].name);
	/* The inode is that of the link's target, not fdinfo's. */
	EXPECT_EQ((uint64_t)st.st_ino, list[0].inode);
	EXPECT_EQ(12, list[1].fd);
	EXPECT_EQ(4096u, list[1].size);
	free(list);
}

TEST_F(proc, buf_info_of_one_descriptor)
{
	struct ldma_buf_info info;

	ASSERT_EQ(0, ldma_buf_info(self->ctx, 123, 12, &info));
	EXPECT_EQ(12, info.fd);
	EXPECT_STREQ("system", info.exp_name);
	EXPECT_EQ(-ENOTTY, ldma_buf_info(self->ctx, 123, 0, &info));
	EXPECT_EQ(-ENOENT, ldma_buf_info(self->ctx, 123, 99, &info));
}

TEST_F(proc, buf_list_of_missing_process_fails_enoent)
{
	struct ldma_buf_info *list;

	EXPECT_EQ(-ENOENT, ldma_buf_list(self->ctx, 999, &list));
}

TEST_F(proc, buf_info_rejects_bad_arguments)
{
	struct ldma_buf_info info, *list;

	EXPECT_EQ(-EINVAL, ldma_buf_info(self->ctx, 123, 7, NULL));
	EXPECT_EQ(-EINVAL, ldma_buf_info(self->ctx, 123, -1, &info));
	EXPECT_EQ(-EINVAL, ldma_buf_info(self->ctx, -1, 7, &info));
	EXPECT_EQ(-EINVAL, ldma_buf_list(self->ctx, 123, NULL));
	EXPECT_EQ(-EINVAL, ldma_buf_list(self->ctx, -1, &list));
}

TEST(buf_list_of_self_on_host_finds_no_dmabuf)
{
	struct ldma_buf_info *list = (void *)1, info;
	int fd = memfd_sized(4096);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ldma_buf_list(NULL, 0, &list));
	EXPECT_EQ(NULL, list);
	EXPECT_EQ(-ENOTTY, ldma_buf_info(NULL, getpid(), fd, &info));
	close(fd);
}

TEST_HARNESS_MAIN
