// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Heap preference lists: where a comma separates entries and where it is
 * part of a heap name, and how allocation walks the list.
 */
#include <string.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "harness.h"
#include "test_util.h"

FIXTURE(pref) {
	char *root;
	struct ldma_ctx *ctx;
};

FIXTURE_SETUP(pref)
{
	self->root = tree_new();
	ASSERT_NE(NULL, self->root);
	self->ctx = tree_ctx(self->root);
	ASSERT_NE(NULL, self->ctx);
}

FIXTURE_TEARDOWN(pref)
{
	ldma_ctx_free(self->ctx);
	tree_free(self->root);
}

/* Walk @list and compare with the expected heaps, "|"-joined. */
static void expect_walk(struct __test_metadata *_metadata,
			struct ldma_ctx *ctx, const char *list,
			const char *expected)
{
	char heap[LDMA_HEAP_NAME_MAX], walk[256] = "";
	size_t pos = 0;
	int ret;

	while ((ret = ldma_pref_next(ctx, list, &pos, heap, sizeof(heap))) == 0) {
		if (walk[0])
			strcat(walk, "|");
		strcat(walk, heap);
	}
	EXPECT_EQ(-ENOENT, ret);
	EXPECT_EQ(strlen(list), pos);
	EXPECT_STREQ(expected, walk) TH_LOG("list \"%s\"", list);
}

TEST_F(pref, pref_list_splits_on_commas_colons_and_spaces)
{
	ASSERT_EQ(0, tree_heap(self->root, "system", NULL));
	ASSERT_EQ(0, tree_heap(self->root, "reserved", NULL));
	expect_walk(_metadata, self->ctx, " system: reserved ,\tsystem",
		    "system|reserved|system");
}

TEST_F(pref, pref_list_prefers_longest_existing_name_with_commas)
{
	ASSERT_EQ(0, tree_heap(self->root, "linux,cma", NULL));
	ASSERT_EQ(0, tree_heap(self->root, "linux", NULL));
	ASSERT_EQ(0, tree_heap(self->root, "system", NULL));
	expect_walk(_metadata, self->ctx,
		    "video,default_cma_region,linux,cma,reserved,system",
		    "linux,cma|system");
	/* ':' ends a name: "linux" then a missing "cma". */
	expect_walk(_metadata, self->ctx, "linux:cma,system", "linux|system");
}

TEST_F(pref, pref_list_splits_missing_comma_name_into_words)
{
	ASSERT_EQ(0, tree_heap(self->root, "cma", NULL));
	expect_walk(_metadata, self->ctx, "linux,cma", "cma");
}

TEST_F(pref, pref_list_skips_missing_heaps_and_empty_entries)
{
	ASSERT_EQ(0, tree_heap(self->root, "system", NULL));
	expect_walk(_metadata, self->ctx, ",,nope,,system,:", "system");
	expect_walk(_metadata, self->ctx, "", "");
	expect_walk(_metadata, self->ctx, "nope:none", "");
	/* Not heap names, whatever the directory holds. */
	expect_walk(_metadata, self->ctx, "..,.,../dev/system", "");
}

TEST_F(pref, pref_next_small_buffer_fails_enametoolong_and_keeps_pos)
{
	char heap[4];
	size_t pos = 0;

	ASSERT_EQ(0, tree_heap(self->root, "system", NULL));
	EXPECT_EQ(-ENAMETOOLONG, ldma_pref_next(self->ctx, "system", &pos,
						heap, sizeof(heap)));
	EXPECT_EQ(0u, pos);
}

TEST_F(pref, pref_next_rejects_bad_arguments)
{
	char heap[LDMA_HEAP_NAME_MAX];
	size_t pos = 7;

	EXPECT_EQ(-EINVAL, ldma_pref_next(self->ctx, "system", &pos, heap, sizeof(heap)));
	pos = 0;
	EXPECT_EQ(-EINVAL, ldma_pref_next(self->ctx, NULL, &pos, heap, sizeof(heap)));
	EXPECT_EQ(-EINVAL, ldma_pref_next(self->ctx, "system", NULL, heap, sizeof(heap)));
	EXPECT_EQ(-EINVAL, ldma_pref_next(self->ctx, "system", &pos, NULL, sizeof(heap)));
	EXPECT_EQ(-EINVAL, ldma_pref_next(self->ctx, "system", &pos, heap, 0));
}

TEST_F(pref, alloc_by_list_skips_missing_heaps)
{
	char chosen[LDMA_HEAP_NAME_MAX];
	int fd;

	ASSERT_EQ(0, tree_heap(self->root, "linux,cma", NULL));
	ASSERT_EQ(0, tree_heap(self->root, "system", NULL));
	fd = ldma_alloc_pref(self->ctx,
			     "video,default_cma_region,linux,cma,reserved,system",
			     4096, 0, NULL, chosen, sizeof(chosen));
	ASSERT_LE(0, fd);
	EXPECT_STREQ("linux,cma", chosen);
	EXPECT_STREQ("linux,cma", fake.alloc_heap);
	EXPECT_EQ(1u, fake.alloc_calls);
	close(fd);
}

TEST_F(pref, alloc_by_list_falls_through_a_failing_heap)
{
	char chosen[LDMA_HEAP_NAME_MAX];
	int fd;

	ASSERT_EQ(0, tree_heap(self->root, "video", "enomem"));
	ASSERT_EQ(0, tree_heap(self->root, "system", NULL));
	fd = ldma_alloc_pref(self->ctx, "video,system", 4096, 0, NULL,
			     chosen, sizeof(chosen));
	ASSERT_LE(0, fd);
	EXPECT_STREQ("system", chosen);
	EXPECT_EQ(2u, fake.alloc_calls);
	close(fd);
}

TEST_F(pref, alloc_by_list_without_existing_heap_fails_enoent)
{
	int before = count_fds();

	EXPECT_EQ(-ENOENT, ldma_alloc_pref(self->ctx, "nope,none", 4096, 0,
					   NULL, NULL, 0));
	EXPECT_EQ(0u, fake.alloc_calls);
	EXPECT_EQ(before, count_fds());
}

TEST_F(pref, alloc_by_list_returns_last_error_when_all_fail)
{
	ASSERT_EQ(0, tree_heap(self->root, "video", "enomem"));
	EXPECT_EQ(-ENOMEM, ldma_alloc_pref(self->ctx, "nope,video", 4096, 0,
					   NULL, NULL, 0));
}

TEST_F(pref, alloc_by_list_checks_arguments_before_trying)
{
	char chosen[8];

	ASSERT_EQ(0, tree_heap(self->root, "system", NULL));
	EXPECT_EQ(-EINVAL, ldma_alloc_pref(self->ctx, "system", 0, 0, NULL, NULL, 0));
	EXPECT_EQ(-EINVAL, ldma_alloc_pref(self->ctx, "system", 4096, 0x80, NULL, NULL, 0));
	EXPECT_EQ(-EINVAL, ldma_alloc_pref(self->ctx, NULL, 4096, 0, NULL, NULL, 0));
	EXPECT_EQ(-EINVAL, ldma_alloc_pref(self->ctx, "system", 4096, 0, NULL, chosen, 0));
	EXPECT_EQ(0u, fake.alloc_calls);
}

TEST_HARNESS_MAIN
