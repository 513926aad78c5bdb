// SPDX-License-Identifier: GPL-2.0
/*
 * Carveout heap: statistics and capability discovery
 *
 * Two views of every heap:
 *
 * - /sys/kernel/debug/carveout_heap/<name>/stats: everything, for people
 *   and benchmarks, plus the policy knob
 *   /sys/kernel/debug/carveout_heap/<name>/policy. Root only by their own
 *   mode, whatever debugfs is mounted with: stats holds the physical base
 *   address, and the policy changes placement for everyone.
 * - /sys/kernel/carveout_heap/<name>/: a stable, world-readable subset
 *   that lets an unprivileged client choose a heap by its properties
 *   rather than by its name: contiguous, cached, size, free,
 *   largest_free, align, addr_bits. One decimal value per file, sizes in
 *   bytes, and the of_node link to the region's device-tree node, which
 *   a device's memory-region phandles are matched against. No address
 *   beyond what the world-readable /sys/firmware/devicetree already shows
 *   (addr_bits is coarser than the node's reg), and no layout; every read
 *   is O(1) and allocates nothing.
 *
 * The sysfs directories send no uevent: they belong to no kset, so
 * kobject_uevent() would only fail. A heap's arrival is announced by the
 * uevent of its dma_heap class device, which udev rules match.
 *
 * Documentation/ABI/testing/sysfs-kernel-carveout_heap describes both.
 */
#include <linux/bitops.h>
#include <linux/debugfs.h>
#include <linux/kobject.h>
#include <linux/minmax.h>
#include <linux/of.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "carveout_heap.h"

#define CARVEOUT_STATS_DIR	"carveout_heap"

static struct dentry *carveout_debugfs_root;
static struct kobject *carveout_sysfs_root;

struct carveout_sysfs_node {
	struct kobject kobj;
	struct carveout_region *region;
};

/**
 * carveout_stats_alloc() - account a new buffer
 * @range: its range, allocated in the region's pool
 *
 * Context: any; O(log n) in the live buffers under the region lock.
 */
void carveout_stats_alloc(struct carveout_range *range)
{
	struct carveout_region *r = range->region;

	spin_lock(&r->lock);
	r->used += range->ext.size;
	r->live++;
	r->peak = max(r->peak, r->used);
	carveout_extents_insert(&r->live_ranges, &range->ext);
	spin_unlock(&r->lock);
}

/**
 * carveout_stats_free() - account a released buffer
 * @range: range given to carveout_stats_alloc()
 *
 * Context: any; O(log n) in the live buffers under the region lock, does
 * not allocate.
 */
void carveout_stats_free(struct carveout_range *range)
{
	struct carveout_region *r = range->region;

	spin_lock(&r->lock);
	r->used -= range->ext.size;
	r->live--;
	carveout_extents_remove(&r->live_ranges, &range->ext);
	spin_unlock(&r->lock);
}

/**
 * carveout_stats_failure() - account a failed allocation request
 * @r: region
 */
void carveout_stats_failure(struct carveout_region *r)
{
	spin_lock(&r->lock);
	r->failures++;
	spin_unlock(&r->lock);
}

/**
 * carveout_stats_largest_free() - largest free extent of a region
 * @r: region
 *
 * The longest run of pages that no live buffer holds: dirty ranges count
 * as free, since an allocation that needs them zeroes them itself. This
 * is the largest request that could succeed if alignment did not matter.
 *
 * Context: any. O(1): kept up to date by carveout_stats_alloc() and
 * carveout_stats_free().
 * Return: bytes.
 */
size_t carveout_stats_largest_free(struct carveout_region *r)
{
	size_t largest;

	spin_lock(&r->lock);
	largest = carveout_extents_largest_gap(&r->live_ranges);
	spin_unlock(&r->lock);
	return largest;
}

static size_t carveout_stats_used(struct carveout_region *r)
{
	size_t used;

	spin_lock(&r->lock);
	used = r->used;
	spin_unlock(&r->lock);
	return used;
}

/* debugfs */

static int carveout_stats_show(struct seq_file *s, void *unused)
{
	struct carveout_region *r = s->private;
	size_t used, peak, backlog, largest;
	unsigned long live, failures;

	spin_lock(&r->lock);
	largest = carveout_extents_largest_gap(&r->live_ranges);
	used = r->used;
	peak = r->peak;
	live = r->live;
	failures = r->failures;
	backlog = r->backlog;
	spin_unlock(&r->lock);

	seq_printf(s, "name: %s\n", r->name);
	seq_printf(s, "base: %pa\n", &r->base);
	seq_printf(s, "size: %zu\n", r->size);
	seq_printf(s, "cached: %d\n", !r->no_map);
	seq_printf(s, "max_align: %zu\n", r->max_align);
	seq_printf(s, "used: %zu\n", used);
	seq_printf(s, "peak: %zu\n", peak);
	seq_printf(s, "live_buffers: %lu\n", live);
	seq_printf(s, "largest_free: %zu\n", largest);
	seq_printf(s, "alloc_failures: %lu\n", failures);
	seq_printf(s, "zero_backlog: %zu\n", backlog);
	seq_printf(s, "policy: %s\n", carveout_alloc_get_policy(&r->alloc)->name);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(carveout_stats);

static ssize_t carveout_policy_read(struct file *file, char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct carveout_region *r = file->private_data;
	char buf[32];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n",
			carveout_alloc_get_policy(&r->alloc)->name);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t carveout_policy_write(struct file *file,
				     const char __user *ubuf, size_t count,
				     loff_t *ppos)
{
	struct carveout_region *r = file->private_data;
	const struct carveout_alloc_policy *policy;
	char buf[32];

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	policy = carveout_alloc_policy_find(buf);
	if (!policy)
		return -EINVAL;

	carveout_alloc_set_policy(&r->alloc, policy);
	return count;
}

static const struct file_operations carveout_policy_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = carveout_policy_read,
	.write = carveout_policy_write,
	.llseek = default_llseek,
};

/* sysfs */

static struct carveout_region *carveout_kobj_region(struct kobject *kobj)
{
	return container_of(kobj, struct carveout_sysfs_node, kobj)->region;
}

static ssize_t contiguous_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "1\n");
}

static ssize_t cached_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%d\n", !carveout_kobj_region(kobj)->no_map);
}

static ssize_t size_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%zu\n", carveout_kobj_region(kobj)->size);
}

static ssize_t free_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct carveout_region *r = carveout_kobj_region(kobj);

	return sysfs_emit(buf, "%zu\n", r->size - carveout_stats_used(r));
}

static ssize_t largest_free_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct carveout_region *r = carveout_kobj_region(kobj);

	return sysfs_emit(buf, "%zu\n", carveout_stats_largest_free(r));
}

static ssize_t align_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%zu\n", carveout_kobj_region(kobj)->max_align);
}

/* Bits a bus address needs to reach the last byte of the region. */
static ssize_t addr_bits_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct carveout_region *r = carveout_kobj_region(kobj);

	return sysfs_emit(buf, "%d\n", fls64((u64)r->base + r->size - 1));
}

static struct kobj_attribute carveout_attr_contiguous = __ATTR_RO(contiguous);
static struct kobj_attribute carveout_attr_cached = __ATTR_RO(cached);
static struct kobj_attribute carveout_attr_size = __ATTR_RO(size);
static struct kobj_attribute carveout_attr_free = __ATTR_RO(free);
static struct kobj_attribute carveout_attr_largest_free = __ATTR_RO(largest_free);
static struct kobj_attribute carveout_attr_align = __ATTR_RO(align);
static struct kobj_attribute carveout_attr_addr_bits = __ATTR_RO(addr_bits);

static struct attribute *carveout_sysfs_attrs[] = {
	&carveout_attr_contiguous.attr,
	&carveout_attr_cached.attr,
	&carveout_attr_size.attr,
	&carveout_attr_free.attr,
	&carveout_attr_largest_free.attr,
	&carveout_attr_align.attr,
	&carveout_attr_addr_bits.attr,
	NULL,
};
ATTRIBUTE_GROUPS(carveout_sysfs);

static void carveout_sysfs_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct carveout_sysfs_node, kobj));
}

static const struct kobj_type carveout_sysfs_ktype = {
	.release = carveout_sysfs_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = carveout_sysfs_groups,
};

/**
 * carveout_stats_init() - create the debugfs and sysfs roots
 *
 * Return: 0 or -ENOMEM.
 */
int __init carveout_stats_init(void)
{
	carveout_sysfs_root = kobject_create_and_add(CARVEOUT_STATS_DIR,
						     kernel_kobj);
	if (!carveout_sysfs_root)
		return -ENOMEM;

	carveout_debugfs_root = debugfs_create_dir(CARVEOUT_STATS_DIR, NULL);
	return 0;
}

/**
 * carveout_stats_register() - create the debugfs and sysfs files of a heap
 * @r: region, with its name and allocator set up
 *
 * Return: 0, or a negative errno from the sysfs directory (-EEXIST for a
 * duplicate name).
 */
int __init carveout_stats_register(struct carveout_region *r)
{
	struct carveout_sysfs_node *node;
	int ret;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return -ENOMEM;
	node->region = r;

	/* From here on the kobject owns @node: put, never kfree. */
	ret = kobject_init_and_add(&node->kobj, &carveout_sysfs_ktype,
				   carveout_sysfs_root, "%s", r->name);
	if (ret)
		goto put_kobj;
	r->kobj = &node->kobj;

	/*
	 * The link only helps a chooser match memory-region phandles: a
	 * heap without it still works, so a failure is logged, not fatal.
	 */
	if (of_node_kobj(r->np)) {
		ret = sysfs_create_link(r->kobj, of_node_kobj(r->np), "of_node");
		if (ret)
			pr_warn("%pOF: heap \"%s\" has no of_node link in sysfs (%d)\n",
				r->np, r->name, ret);
	}

	r->debugfs = debugfs_create_dir(r->name, carveout_debugfs_root);
	debugfs_create_file("stats", 0400, r->debugfs, r, &carveout_stats_fops);
	debugfs_create_file("policy", 0600, r->debugfs, r,
			    &carveout_policy_fops);
	return 0;

put_kobj:
	kobject_put(&node->kobj);
	return ret;
}

/**
 * carveout_stats_unregister() - undo carveout_stats_register()
 * @r: region whose heap was not registered
 */
void __init carveout_stats_unregister(struct carveout_region *r)
{
	debugfs_remove_recursive(r->debugfs);
	r->debugfs = NULL;
	kobject_put(r->kobj);
	r->kobj = NULL;
}
