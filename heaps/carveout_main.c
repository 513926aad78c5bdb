// SPDX-License-Identifier: GPL-2.0
/*
 * DMA-BUF carveout heap: device tree, dma-heap glue, buffer lifecycle
 *
 * One dma-heap per reserved-memory region that opts in with
 * compatible = "dma-heap-carveout" (the string TI's vendor heap uses).
 * Buffers are physically contiguous ranges of the region, exported by
 * contig_exporter.ko; this file does the device tree, the dma-heap glue
 * and the buffer lifecycle. The allocator is carveout_alloc.c, zeroing is
 * carveout_zero.c and the statistics are carveout_stats.c.
 *
 * Cache policy: a no-map region has no kernel linear alias, so its heap is
 * uncached (write-combine for every CPU mapping, no cache maintenance). A
 * mapped region gives a cached heap and deliberately no "<name>-uncached"
 * variant: the linear map would keep a cacheable alias of every buffer,
 * which the CPU may speculatively fill into the caches, and the Arm
 * architecture does not guarantee coherent results between aliases with
 * mismatched attributes. A region that must be uncached is declared
 * no-map.
 *
 * The module cannot be unloaded: the dma-heap core has no way to remove
 * a heap, and the core keeps calling into this module (allocate, and the
 * release callbacks of live buffers) for as long as the heap exists. So
 * there is no module_exit, and the module stays loaded even when it found
 * no region (the KUnit module imports the allocator from it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/dma-heap.h>
#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "carveout_heap.h"
#include "contig_exporter.h"
#include "dmabuf_compat.h"

#define CREATE_TRACE_POINTS
#include "carveout_trace.h"

#define CARVEOUT_COMPATIBLE		"dma-heap-carveout"
#define CARVEOUT_DEFAULT_MAX_ALIGN	SZ_2M

/* Regions accepted so far, to refuse duplicate names */
static LIST_HEAD(carveout_regions);

static const struct carveout_alloc_policy *carveout_default_policy =
	&carveout_policy_best_fit;

static int carveout_policy_param_set(const char *val,
				     const struct kernel_param *kp)
{
	const struct carveout_alloc_policy *policy;

	policy = carveout_alloc_policy_find(val);
	if (!policy)
		return -EINVAL;
	carveout_default_policy = policy;
	return 0;
}

static int carveout_policy_param_get(char *buffer,
				     const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%s\n", carveout_default_policy->name);
}

static const struct kernel_param_ops carveout_policy_param_ops = {
	.set = carveout_policy_param_set,
	.get = carveout_policy_param_get,
};
module_param_cb(default_policy, &carveout_policy_param_ops, NULL, 0444);
MODULE_PARM_DESC(default_policy,
		 "Initial placement policy of every region: best-fit (default), first-fit or two-ended; switch one region at run time through debugfs carveout_heap/<name>/policy");

static void carveout_heap_release(void *priv, phys_addr_t phys, size_t size)
{
	struct carveout_range *range = priv;
	struct carveout_region *r = range->region;

	trace_carveout_heap_free(r->name, range->ext.size, range->ext.offset);
	carveout_stats_free(range);
	carveout_zero_free(range);
}

static struct dma_buf *carveout_heap_allocate(struct dma_heap *heap,
					      unsigned long len,
					      u32 fd_flags,
					      u64 heap_flags)
{
	struct carveout_region *r = dma_heap_get_drvdata(heap);
	struct contig_buffer_info info = { };
	u64 start = ktime_get_ns();
	struct carveout_range *range;
	struct dma_buf *dmabuf;
	int drained, ret;

	/*
	 * The core has rejected bad heap_flags and fd_flags and a len that
	 * page-aligns to 0. A request larger than the region can never be
	 * met: refuse it at once rather than drain and search.
	 */
	if (len > r->size) {
		ret = -EINVAL;
		goto count_failure;
	}

	range = kzalloc(sizeof(*range), GFP_KERNEL);
	if (!range) {
		ret = -ENOMEM;
		goto count_failure;
	}
	range->region = r;
	range->ext.size = PAGE_ALIGN(len);

	ret = carveout_alloc_range(&r->alloc, range->ext.size,
				   &range->ext.offset);
	if (ret == -ENOMEM) {
		/* Dirty ranges may hold the room: zero them, retry once. */
		drained = carveout_zero_drain(r);
		if (drained > 0)
			ret = carveout_alloc_range(&r->alloc, range->ext.size,
						   &range->ext.offset);
		else if (drained < 0)
			ret = drained;
	}
	if (ret)
		goto free_range;

	info.phys = r->base + range->ext.offset;
	info.size = range->ext.size;
	info.uncached = r->no_map;
	/* Read after the range was taken: see carveout_zero_clean(). */
	spin_lock(&r->lock);
	info.clean = r->zero_cleans;
	spin_unlock(&r->lock);
	info.exp_name = r->name;
	info.release = carveout_heap_release;
	info.priv = range;
	info.owner = THIS_MODULE;

	/* Before the export: a failing fd install releases the buffer. */
	carveout_stats_alloc(range);
	dmabuf = contig_export(&info, fd_flags);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto unaccount;
	}

	trace_carveout_heap_alloc(r->name, range->ext.size, range->ext.offset,
				  ktime_get_ns() - start);
	return dmabuf;

unaccount:
	carveout_stats_free(range);
	/* Never exposed, so still zero: straight back to the pool. */
	carveout_alloc_free(&r->alloc, range->ext.offset, range->ext.size);
free_range:
	kfree(range);
count_failure:
	carveout_stats_failure(r);
	return ERR_PTR(ret);
}

static const struct dma_heap_ops carveout_heap_ops = {
	.allocate = carveout_heap_allocate,
};

/*
 * The binding's pattern for dma-heap-name, ^[a-z0-9][a-z0-9_,.-]{0,62}$:
 * no "/", no "." or "..", nothing a shell or a udev rule must quote.
 */
#define CARVEOUT_NAME_PATTERN	"^[a-z0-9][a-z0-9_,.-]{0,62}$"
#define CARVEOUT_NAME_MAX	63

static bool __init carveout_heap_name_valid(const char *name)
{
	size_t i;

	if (!islower(name[0]) && !isdigit(name[0]))
		return false;
	for (i = 1; name[i]; i++) {
		if (i >= CARVEOUT_NAME_MAX)
			return false;
		if (!islower(name[i]) && !isdigit(name[i]) &&
		    !strchr("_,.-", name[i]))
			return false;
	}
	return true;
}

static const char *__init carveout_heap_name(struct device_node *np)
{
	const char *name;
	char *copy;
	int ret;

	ret = of_property_read_string(np, "dma-heap-name", &name);
	if (ret == -EINVAL) {
		/* The node name without its unit address */
		copy = kasprintf(GFP_KERNEL, "%pOFn", np);
		if (copy && !carveout_heap_name_valid(copy)) {
			pr_err("%pOF: skipped: heap name \"%s\" (the node name) does not match %s\n",
			       np, copy, CARVEOUT_NAME_PATTERN);
			kfree(copy);
			return ERR_PTR(-EINVAL);
		}
		return copy;
	}
	if (ret) {
		pr_err("%pOF: skipped: dma-heap-name is not a string\n", np);
		return ERR_PTR(-EINVAL);
	}
	if (!carveout_heap_name_valid(name)) {
		pr_err("%pOF: skipped: dma-heap-name \"%s\" does not match %s\n",
		       np, name, CARVEOUT_NAME_PATTERN);
		return ERR_PTR(-EINVAL);
	}
	return kstrdup(name, GFP_KERNEL);
}

/* One log line per reason a region is refused; 0 if it is usable. */
static int __init carveout_heap_check(struct device_node *np,
				      const struct reserved_mem *rmem,
				      u32 *max_align)
{
	struct device_node *parent, *other;
	int ret;

	if (!rmem->size) {
		pr_err("%pOF: skipped: size is zero\n", np);
		return -EINVAL;
	}
	if (rmem->size < PAGE_SIZE) {
		pr_err("%pOF: skipped: size %pa is smaller than one page (%lu bytes)\n",
		       np, &rmem->size, PAGE_SIZE);
		return -EINVAL;
	}
	if (!PAGE_ALIGNED(rmem->base)) {
		pr_err("%pOF: skipped: base %pa is not aligned to the page size (%lu bytes)\n",
		       np, &rmem->base, PAGE_SIZE);
		return -EINVAL;
	}
	if (!PAGE_ALIGNED(rmem->size)) {
		pr_err("%pOF: skipped: size %pa is not a multiple of the page size (%lu bytes)\n",
		       np, &rmem->size, PAGE_SIZE);
		return -EINVAL;
	}

	/*
	 * The region must be the heap's alone. A reusable region is meant
	 * to be lent to the page allocator (CMA does), and one whose ops are
	 * set was claimed at boot by another reserved-memory driver (a device
	 * coherent pool, CMA): the heap would hand out pages that someone
	 * else also uses.
	 */
	if (of_property_read_bool(np, "reusable")) {
		pr_err("%pOF: skipped: region is reusable (its pages may be lent to the page allocator)\n",
		       np);
		return -EINVAL;
	}
	if (rmem->ops) {
		pr_err("%pOF: skipped: region is claimed by another reserved-memory driver (%ps)\n",
		       np, rmem->ops->device_init);
		return -EINVAL;
	}

	/*
	 * Nor may it overlap any other reserved region. Two opted-in regions
	 * that overlap are both refused: which one is right cannot be known,
	 * and the outcome must not depend on the order of the nodes.
	 */
	parent = of_get_parent(np);
	for_each_available_child_of_node(parent, other) {
		const struct reserved_mem *o;

		if (other == np)
			continue;
		o = of_reserved_mem_lookup(other);
		if (!o || !o->size || rmem->base >= o->base + o->size ||
		    o->base >= rmem->base + rmem->size)
			continue;
		if (of_device_is_compatible(other, CARVEOUT_COMPATIBLE))
			pr_err("%pOF: skipped: overlaps %pOF\n", np, other);
		else
			pr_err("%pOF: skipped: overlaps %pOF, which is not a carveout region\n",
			       np, other);
		of_node_put(other);
		of_node_put(parent);
		return -EINVAL;
	}
	of_node_put(parent);

	*max_align = CARVEOUT_DEFAULT_MAX_ALIGN;
	ret = of_property_read_u32(np, "dma-heap-max-align", max_align);
	if (ret && ret != -EINVAL) {
		pr_err("%pOF: skipped: dma-heap-max-align is not a u32\n", np);
		return -EINVAL;
	}
	if (!is_power_of_2(*max_align)) {
		pr_err("%pOF: skipped: dma-heap-max-align %#x is not a power of two\n",
		       np, *max_align);
		return -EINVAL;
	}
	/* The DT does not know the page size; a smaller cap means a page. */
	*max_align = max_t(u32, *max_align, PAGE_SIZE);
	return 0;
}

static int __init carveout_heap_probe(struct device_node *np)
{
	struct dma_heap_export_info exp_info;
	const struct reserved_mem *rmem;
	struct carveout_region *r, *other;
	const char *name;
	u32 max_align;
	int ret;

	rmem = of_reserved_mem_lookup(np);
	if (!rmem) {
		pr_err("%pOF: skipped: not a static reserved-memory region (no reg?)\n",
		       np);
		return -EINVAL;
	}

	ret = carveout_heap_check(np, rmem, &max_align);
	if (ret)
		return ret;

	if (contig_range_usable(rmem->base, rmem->size,
				of_property_read_bool(np, "no-map"))) {
		pr_err("%pOF: skipped: range has no struct pages, or is not in the linear map although not no-map\n",
		       np);
		return -EINVAL;
	}

	name = carveout_heap_name(np);
	if (IS_ERR_OR_NULL(name))
		return name ? PTR_ERR(name) : -ENOMEM;

	list_for_each_entry(other, &carveout_regions, list) {
		if (!strcmp(other->name, name)) {
			pr_err("%pOF: skipped: heap name \"%s\" is already used\n",
			       np, name);
			ret = -EEXIST;
			goto free_name;
		}
	}

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		ret = -ENOMEM;
		goto free_name;
	}
	r->name = name;
	r->base = rmem->base;
	r->size = rmem->size;
	r->max_align = max_align;
	r->no_map = of_property_read_bool(np, "no-map");
	r->np = of_node_get(np);
	spin_lock_init(&r->lock);
	carveout_extents_init(&r->live_ranges, r->size);

	ret = carveout_alloc_init(&r->alloc, r->base, r->size, r->max_align,
				  carveout_default_policy);
	if (ret) {
		pr_err("%pOF: skipped: allocator setup failed (%d)\n", np, ret);
		goto free_region;
	}

	ret = carveout_zero_init(r);
	if (ret) {
		pr_err("%pOF: skipped: cannot map the region for zeroing (%d)\n",
		       np, ret);
		goto destroy_alloc;
	}

	ret = carveout_stats_register(r);
	if (ret) {
		pr_err("%pOF: skipped: cannot create sysfs/debugfs entries (%d)\n",
		       np, ret);
		goto destroy_zero;
	}

	exp_info.name = r->name;
	exp_info.ops = &carveout_heap_ops;
	exp_info.priv = r;
	r->heap = dma_heap_add(&exp_info);
	if (IS_ERR(r->heap)) {
		ret = PTR_ERR(r->heap);
		pr_err("%pOF: skipped: dma_heap_add(\"%s\") failed (%d)\n",
		       np, r->name, ret);
		goto unregister_stats;
	}

	/* Registered: from here on the region can never go away. */
	list_add_tail(&r->list, &carveout_regions);
	pr_info("heap \"%s\" from %pOF: %pa bytes at %pa, %s, max-align %zu\n",
		r->name, np, &rmem->size, &rmem->base,
		r->no_map ? "uncached" : "cached", r->max_align);
	return 0;

unregister_stats:
	carveout_stats_unregister(r);
destroy_zero:
	carveout_zero_destroy(r);
destroy_alloc:
	carveout_alloc_destroy(&r->alloc);
free_region:
	of_node_put(r->np);
	kfree(r);
free_name:
	kfree(name);
	return ret;
}

static int __init carveout_heap_init(void)
{
	struct device_node *parent, *np;
	unsigned int count = 0;
	int ret;

	ret = carveout_stats_init();
	if (ret)
		return ret;
	carveout_zero_clean_init();

	parent = of_find_node_by_path("/reserved-memory");
	if (!parent) {
		pr_info("no /reserved-memory node, no heap\n");
		return 0;
	}

	for_each_available_child_of_node(parent, np) {
		if (!of_device_is_compatible(np, CARVEOUT_COMPATIBLE))
			continue;
		/* A bad region is logged and skipped; the others still come up. */
		if (!carveout_heap_probe(np))
			count++;
	}
	of_node_put(parent);

	pr_info("%u heap(s) registered\n", count);
	return 0;
}
module_init(carveout_heap_init);
/* No module_exit: a registered dma-heap cannot be removed. */

MODULE_DESCRIPTION("DMA-BUF heap for reserved-memory carveouts");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMABUF_NS(DMA_BUF_HEAP));
MODULE_IMPORT_NS(DMABUF_NS(DMABUF_CONTIG));
