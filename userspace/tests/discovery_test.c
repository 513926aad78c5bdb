// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Heap discovery over a fake /dev/dma_heap and carveout sysfs tree: what a
 * heap publishes is reported, what it does not is "unknown".
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test_util.h"

FIXTURE(tree) {
	char *root;
	struct ldma_ctx *ctx;
};

FIXTURE_SETUP(tree)
{
	self->root = tree_new();
	ASSERT_NE(NULL, self->root);
	ASSERT_EQ(0, tree_standard_heaps(self->root));
	self->ctx = tree_ctx(self->root);
	ASSERT_NE(NULL, self->ctx);
}

FIXTURE_TEARDOWN(tree)
{
	ldma_ctx_free(self->ctx);
	tree_free(self->root);
}

static void expect_all_unknown(struct __test_metadata *_metadata,
			       const struct ldma_heap_info *h)
{
	EXPECT_EQ(LDMA_UNKNOWN, h->contiguous);
	EXPECT_EQ(LDMA_UNKNOWN, h->cached);
	EXPECT_EQ(LDMA_SIZE_UNKNOWN, h->size);
	EXPECT_EQ(LDMA_SIZE_UNKNOWN, h->free);
	EXPECT_EQ(LDMA_SIZE_UNKNOWN, h->largest_free);
	EXPECT_EQ(LDMA_SIZE_UNKNOWN, h->align);
}

TEST_F(tree, discovery_reads_carveout_capabilities_from_sysfs)
{
	struct ldma_heap_info h;

	ASSERT_EQ(0, ldma_heap_query(self->ctx, "video", &h));
	EXPECT_STREQ("video", h.name);
	EXPECT_EQ(LDMA_YES, h.contiguous);
	EXPECT_EQ(LDMA_NO, h.cached);
	EXPECT_EQ(64u << 20, h.size);
	EXPECT_EQ(48u << 20, h.free);
	EXPECT_EQ(32u << 20, h.largest_free);
	EXPECT_EQ(1u << 20, h.align);
}

TEST_F(tree, discovery_reports_unknown_without_sysfs)
{
	struct ldma_heap_info h;

	ASSERT_EQ(0, ldma_heap_query(self->ctx, "system", &h));
	expect_all_unknown(_metadata, &h);
	ASSERT_EQ(0, ldma_heap_query(self->ctx, "linux,cma", &h));
	expect_all_unknown(_metadata, &h);
}

TEST_F(tree, discovery_reports_unknown_for_missing_or_invalid_values)
{
	struct ldma_heap_info h;

	ASSERT_EQ(0, tree_heap(self->root, "odd", NULL));
	ASSERT_EQ(0, tree_write(self->root, "sys/odd/contiguous", "1"));
	ASSERT_EQ(0, tree_write(self->root, "sys/odd/cached", "2\n"));
	ASSERT_EQ(0, tree_write(self->root, "sys/odd/size", "12abc\n"));
	ASSERT_EQ(0, tree_write(self->root, "sys/odd/free", ""));
	ASSERT_EQ(0, tree_write(self->root, "sys/odd/largest_free", "-5\n"));
	/* no align file at all */

	ASSERT_EQ(0, ldma_heap_query(self->ctx, "odd", &h));
	EXPECT_EQ(LDMA_YES, h.contiguous);
	EXPECT_EQ(LDMA_UNKNOWN, h.cached);
	EXPECT_EQ(LDMA_SIZE_UNKNOWN, h.size);
	EXPECT_EQ(LDMA_SIZE_UNKNOWN, h.free);
	EXPECT_EQ(LDMA_SIZE_UNKNOWN, h.largest_free);
	EXPECT_EQ(LDMA_SIZE_UNKNOWN, h.align);
}

TEST_F(tree, discovery_lists_heaps_sorted_by_name)
{
	struct ldma_heap_info *list;

	ASSERT_EQ(3, ldma_heap_list(self->ctx, &list));
	EXPECT_STREQ("linux,cma", list[0].name);
	EXPECT_STREQ("system", list[1].name);
	EXPECT_STREQ("video", list[2].name);
	EXPECT_EQ(LDMA_UNKNOWN, list[1].contiguous);
	EXPECT_EQ(LDMA_YES, list[2].contiguous);
	free(list);
}

TEST_F(tree, discovery_skips_names_too_long_to_handle)
{
	struct ldma_heap_info *list;
	char name[LDMA_HEAP_NAME_MAX + 1];

	memset(name, 'h', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ASSERT_EQ(0, tree_heap(self->root, name, NULL));
	ASSERT_EQ(3, ldma_heap_list(self->ctx, &list));
	free(list);
}

TEST_F(tree, discovery_without_heap_directory_lists_nothing)
{
	struct ldma_roots roots = { .dev = tree_path(self->root, "nowhere") };
	struct ldma_heap_info *list = (void *)1;
	struct ldma_ctx *ctx;

	ASSERT_EQ(0, ldma_ctx_new(&ctx, &roots));
	EXPECT_EQ(0, ldma_heap_list(ctx, &list));
	EXPECT_EQ(NULL, list);
	ldma_ctx_free(ctx);
}

TEST_F(tree, query_missing_heap_fails_enoent)
{
	struct ldma_heap_info h;

	EXPECT_EQ(-ENOENT, ldma_heap_query(self->ctx, "nope", &h));
	EXPECT_EQ(-ENOENT, ldma_heap_query(self->ctx, "linux", &h));
}

TEST_F(tree, query_bad_name_fails_einval)
{
	struct ldma_heap_info h;

	EXPECT_EQ(-EINVAL, ldma_heap_query(self->ctx, "", &h));
	EXPECT_EQ(-EINVAL, ldma_heap_query(self->ctx, "..", &h));
	EXPECT_EQ(-EINVAL, ldma_heap_query(self->ctx, "../dev/video", &h));
	EXPECT_EQ(-EINVAL, ldma_heap_query(self->ctx, NULL, &h));
	EXPECT_EQ(-EINVAL, ldma_heap_query(self->ctx, "video", NULL));
}

TEST_F(tree, heap_names_formats_list_for_messages)
{
	char buf[64];

	EXPECT_EQ((int)strlen("linux,cma system video"),
		  ldma_heap_names(self->ctx, buf, sizeof(buf)));
	EXPECT_STREQ("linux,cma system video", buf);
}

TEST_F(tree, heap_names_truncates_like_snprintf)
{
	char buf[8];

	EXPECT_EQ((int)strlen("linux,cma system video"),
		  ldma_heap_names(self->ctx, buf, sizeof(buf)));
	EXPECT_STREQ("linux,c", buf);
	EXPECT_EQ(-EINVAL, ldma_heap_names(self->ctx, buf, 0));
}

TEST_F(tree, heap_names_without_heaps_says_none)
{
	struct ldma_roots roots = { .dev = tree_path(self->root, "nowhere") };
	struct ldma_ctx *ctx;
	char buf[16];

	ASSERT_EQ(0, ldma_ctx_new(&ctx, &roots));
	EXPECT_EQ(6, ldma_heap_names(ctx, buf, sizeof(buf)));
	EXPECT_STREQ("(none)", buf);
	ldma_ctx_free(ctx);
}

TEST_F(tree, roots_come_from_environment)
{
	char dev[4096], sys[4096];
	struct ldma_heap_info h;
	struct ldma_ctx *ctx;

	snprintf(dev, sizeof(dev), "%s/dev", self->root);
	snprintf(sys, sizeof(sys), "%s/sys", self->root);
	ASSERT_EQ(0, setenv("LDMA_DEV_ROOT", dev, 1));
	ASSERT_EQ(0, setenv("LDMA_SYSFS_ROOT", sys, 1));

	ASSERT_EQ(0, ldma_ctx_new(&ctx, NULL));
	ASSERT_EQ(0, ldma_heap_query(ctx, "video", &h));
	EXPECT_EQ(LDMA_YES, h.contiguous);
	ldma_ctx_free(ctx);

	/* This test process has not used the default context yet. */
	ASSERT_EQ(0, ldma_heap_query(NULL, "video", &h));
	EXPECT_EQ(64u << 20, h.size);
}

TEST(ctx_new_rejects_bad_arguments)
{
	char longpath[5000];
	struct ldma_roots roots = { .dev = longpath };
	struct ldma_ctx *ctx;

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	EXPECT_EQ(-EINVAL, ldma_ctx_new(NULL, NULL));
	EXPECT_EQ(-EINVAL, ldma_ctx_new(&ctx, &roots));
	ldma_ctx_free(NULL);
}

TEST_HARNESS_MAIN
