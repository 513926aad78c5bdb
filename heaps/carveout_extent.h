/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Index of the live ranges of a region, ordered by offset, that knows the
 * largest gap between them in O(1): the region's largest_free.
 */
#ifndef _CARVEOUT_EXTENT_H
#define _CARVEOUT_EXTENT_H

#include <linux/rbtree.h>
#include <linux/types.h>

/**
 * struct carveout_extent - a range of a region, as kept in an index
 * @rb: node in &carveout_extents.root, ordered by @offset
 * @offset: offset from the region base
 * @size: bytes
 * @gap: bytes between the end of the previous extent (or the region start)
 *	and @offset; valid while in an index
 * @subtree_gap: largest @gap in the subtree rooted at @rb
 *
 * Embedded in the object it describes, so that adding to and removing
 * from an index never allocates.
 */
struct carveout_extent {
	struct rb_node rb;
	size_t offset;
	size_t size;
	size_t gap;
	size_t subtree_gap;
};

/**
 * struct carveout_extents - disjoint extents of a region and their gaps
 * @root: extents by offset, each node augmented with the largest gap of
 *	its subtree
 * @end: zero-size extent at the region's end, always in @root; its @gap
 *	is the free tail, so every gap belongs to some extent
 *
 * Not locked: the caller serialises every call on one index.
 */
struct carveout_extents {
	struct rb_root root;
	struct carveout_extent end;
};

void carveout_extents_init(struct carveout_extents *x, size_t size);
void carveout_extents_insert(struct carveout_extents *x,
			     struct carveout_extent *e);
void carveout_extents_remove(struct carveout_extents *x,
			     struct carveout_extent *e);
size_t carveout_extents_largest_gap(const struct carveout_extents *x);

#endif /* _CARVEOUT_EXTENT_H */
