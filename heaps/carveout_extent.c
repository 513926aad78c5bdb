// SPDX-License-Identifier: GPL-2.0
/*
 * Carveout heap: index of live ranges, for the largest free extent
 *
 * largest_free is world-readable in sysfs, so reading it must be cheap:
 * no allocation, no walk over the region and no long hold of the region
 * lock that frees take. Dirty ranges count as free, so the free extents
 * are exactly the gaps between live buffers, and those change only when a
 * buffer is allocated or released, never when zeroing returns a range to
 * the pool.
 *
 * So the live ranges are kept in an rbtree ordered by offset and
 * augmented, like the VMA tree of old with rb_subtree_gap: every node
 * holds the gap before it and the largest gap of its subtree. A
 * zero-size sentinel at the region's end carries the free tail, so the
 * root's value is the answer. Insert and remove are O(log n) in the live
 * buffers and never allocate (the node is embedded in the buffer's
 * bookkeeping); a read is O(1).
 */
#include <kunit/visibility.h>
#include <linux/rbtree_augmented.h>

#include "carveout_extent.h"

static size_t carveout_extent_end(const struct carveout_extent *e)
{
	return e->offset + e->size;
}

#define carveout_extent_gap(e)	((e)->gap)

RB_DECLARE_CALLBACKS_MAX(static, carveout_extent_cb, struct carveout_extent,
			 rb, size_t, subtree_gap, carveout_extent_gap);

/**
 * carveout_extents_init() - set up an empty index
 * @x: index
 * @size: region size in bytes; the whole region is one gap
 */
void carveout_extents_init(struct carveout_extents *x, size_t size)
{
	x->root = RB_ROOT;
	x->end.offset = size;
	x->end.size = 0;
	x->end.gap = size;
	x->end.subtree_gap = size;
	rb_link_node(&x->end.rb, NULL, &x->root.rb_node);
	rb_insert_color(&x->end.rb, &x->root);
}
EXPORT_SYMBOL_IF_KUNIT(carveout_extents_init);

/**
 * carveout_extents_insert() - add an extent
 * @x: index
 * @e: extent with @offset and @size set, non-empty, inside the region and
 *	disjoint from every extent in @x
 *
 * Context: the caller's lock on @x. O(log n); does not allocate.
 */
void carveout_extents_insert(struct carveout_extents *x,
			     struct carveout_extent *e)
{
	struct rb_node **link = &x->root.rb_node, *parent = NULL;
	struct carveout_extent *n, *prev = NULL, *next = NULL;

	while (*link) {
		parent = *link;
		n = rb_entry(parent, struct carveout_extent, rb);
		if (e->offset < n->offset) {
			next = n;
			link = &parent->rb_left;
		} else {
			prev = n;
			link = &parent->rb_right;
		}
	}

	/* next exists: the sentinel lies beyond every extent. */
	e->gap = e->offset - (prev ? carveout_extent_end(prev) : 0);
	next->gap = next->offset - carveout_extent_end(e);
	carveout_extent_cb_propagate(&next->rb, NULL);

	e->subtree_gap = e->gap;
	rb_link_node(&e->rb, parent, link);
	carveout_extent_cb_propagate(parent, NULL);
	rb_insert_augmented(&e->rb, &x->root, &carveout_extent_cb);
}
EXPORT_SYMBOL_IF_KUNIT(carveout_extents_insert);

/**
 * carveout_extents_remove() - take an extent out
 * @x: index
 * @e: extent in @x
 *
 * Its span and the gap before it join the gap of the next extent.
 *
 * Context: the caller's lock on @x. O(log n).
 */
void carveout_extents_remove(struct carveout_extents *x,
			     struct carveout_extent *e)
{
	struct carveout_extent *next;

	next = rb_entry(rb_next(&e->rb), struct carveout_extent, rb);
	next->gap += e->gap + e->size;
	carveout_extent_cb_propagate(&next->rb, NULL);
	rb_erase_augmented(&e->rb, &x->root, &carveout_extent_cb);
}
EXPORT_SYMBOL_IF_KUNIT(carveout_extents_remove);

/**
 * carveout_extents_largest_gap() - largest gap between extents
 * @x: index
 *
 * Context: the caller's lock on @x. O(1).
 * Return: bytes in the largest part of the region that no extent covers.
 */
size_t carveout_extents_largest_gap(const struct carveout_extents *x)
{
	return rb_entry(x->root.rb_node, struct carveout_extent,
			rb)->subtree_gap;
}
EXPORT_SYMBOL_IF_KUNIT(carveout_extents_largest_gap);
