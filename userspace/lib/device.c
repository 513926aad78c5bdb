// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdma: what a device needs from the buffers it uses.
 *
 * The facts come from sysfs, under the context's sys root: the device's
 * iommu_group, its dma_mask_bits (PCI only) and its device-tree node
 * (dma-coherent, memory-region). An importer device describes itself
 * exactly through DMABUF_IMPORTER_IOC_DEVICE_INFO; that ioctl is sent only
 * to a node that sysfs names dmabuf_importer, since other drivers (DRM)
 * decode ioctls by number alone. What sysfs does not show is assumed, and
 * the assumption is written into the notes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/dmabuf_importer.h>

#include "ldma_internal.h"

/* The DMA API's default mask for a device whose driver sets none. */
#define LDMA_DEFAULT_DMA_BITS	32
#define LDMA_IMPORTER_NODE	"dmabuf_importer"

static void ldma_note(struct ldma_device_info *info, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ldma_note(struct ldma_device_info *info, const char *fmt, ...)
{
	size_t len = strlen(info->notes);
	va_list ap;

	if (len && len < sizeof(info->notes) - 2) {
		strcpy(info->notes + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(info->notes + len, sizeof(info->notes) - len, fmt, ap);
	va_end(ap);
}

static bool ldma_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	return ldma_path(path, sizeof(path), "%s/%s", dir, name) == 0 &&
	       access(path, F_OK) == 0;
}

/* realpath() of @dir/@name into @out (PATH_MAX bytes); 0 or -errno. */
static int ldma_resolve(const char *dir, const char *name, char *out)
{
	char path[PATH_MAX];
	int ret;

	ret = ldma_path(path, sizeof(path), "%s%s%s", dir, name ? "/" : "",
			name ? name : "");
	if (ret < 0)
		return ret;
	return realpath(path, out) ? 0 : -errno;
}

/* A class device (video4linux/video3, drm/card0) stands for its parent. */
static int ldma_class_parent(char *dir, bool required)
{
	char subsys[PATH_MAX], parent[PATH_MAX];
	int ret;

	if (!ldma_exists(dir, "device"))
		return required ? -ENODEV : 0;
	if (!required && (ldma_resolve(dir, "subsystem", subsys) < 0 ||
			  !strstr(subsys, "/class/")))
		return 0;
	ret = ldma_resolve(dir, "device", parent);
	if (ret < 0)
		return ret;
	strcpy(dir, parent);
	return 0;
}

/* The sysfs directory of the character device behind @fd. */
static int ldma_chardev_dir(struct ldma_ctx *ctx, int fd, char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENODEV;
	ret = ldma_path(path, sizeof(path), "%s/dev/char/%u:%u",
			ldma_ctx_root(ctx, LDMA_ROOT_SYS), major(st.st_rdev),
			minor(st.st_rdev));
	if (ret < 0)
		return ret;
	return realpath(path, dir) ? 0 : -errno;
}

static const char *ldma_basename(const char *path)
{
	const char *base = strrchr(path, '/');

	return base ? base + 1 : path;
}

/* A decimal sysfs value: 0, -ENOENT if there is none, or -errno. */
static int ldma_dev_u64(const char *dir, const char *name, uint64_t *val)
{
	char path[PATH_MAX];
	int ret;

	ret = ldma_path(path, sizeof(path), "%s/%s", dir, name);
	return ret < 0 ? ret : ldma_read_u64(path, val);
}

static int ldma_dev_iommu(const char *dir, struct ldma_device_info *info)
{
	char path[PATH_MAX], type[32];
	int ret;

	if (!ldma_exists(dir, "iommu_group")) {
		info->iommu = LDMA_NO;
		return 0;
	}
	ret = ldma_path(path, sizeof(path), "%s/iommu_group/type", dir);
	if (ret < 0)
		return ret;
	ret = ldma_read_text(path, type, sizeof(type));
	if (ret == -ENOENT) {
		info->iommu = LDMA_YES;	/* kernels before 5.11 have no type */
		return 0;
	}
	if (ret < 0)
		return ret;
	if (!strncmp(type, "identity", 8)) {
		info->iommu = LDMA_NO;
		ldma_note(info, "its IOMMU is in passthrough (identity domain)");
	} else {
		info->iommu = LDMA_YES;
	}
	return 0;
}

static int ldma_dev_dma_bits(const char *dir, struct ldma_device_info *info)
{
	uint64_t bits;
	int ret;

	ret = ldma_dev_u64(dir, "dma_mask_bits", &bits);
	if (ret == 0 && bits >= 1 && bits <= 64) {
		info->dma_bits = (unsigned int)bits;
		return 0;
	}
	if (ret < 0 && ret != -ENOENT)
		return ret;
	info->dma_bits = LDMA_DEFAULT_DMA_BITS;
	info->assumed |= LDMA_ASSUMED_DMA_BITS;
	ldma_note(info, "sysfs shows no DMA mask: assumed %u bits, the kernel's default",
		  LDMA_DEFAULT_DMA_BITS);
	return 0;
}

/*
 * The device-tree node of the device or of its nearest ancestor that has
 * one (a PCI function inherits from its host bridge), as the DMA API
 * configures devices. 0 and the node's directory, or -ENOENT.
 */
static int ldma_dev_of_node(struct ldma_ctx *ctx, const char *dir, char *node)
{
	char cur[PATH_MAX], devices[PATH_MAX];
	char *slash;

	if (ldma_path(devices, sizeof(devices), "%s/devices",
		      ldma_ctx_root(ctx, LDMA_ROOT_SYS)) < 0 ||
	    !realpath(devices, cur))
		return -ENOENT;
	strcpy(devices, cur);
	strcpy(cur, dir);
	while (strlen(cur) > strlen(devices) && !strncmp(cur, devices, strlen(devices))) {
		if (ldma_resolve(cur, "of_node", node) == 0)
			return 0;
		slash = strrchr(cur, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	return -ENOENT;
}

/* of_dma_is_coherent(): dma-coherent on the node or any ancestor. */
static void ldma_dev_coherent(struct ldma_ctx *ctx, const char *dir,
			      struct ldma_device_info *info)
{
	char node[PATH_MAX];
	char *slash;

	if (ldma_dev_of_node(ctx, dir, node) < 0) {
		info->coherent = LDMA_NO;
		info->assumed |= LDMA_ASSUMED_COHERENT;
		ldma_note(info, "no device-tree node: assumed not cache-coherent");
		return;
	}
	info->coherent = LDMA_NO;
	for (;;) {
		if (ldma_exists(node, "dma-coherent")) {
			info->coherent = LDMA_YES;
			return;
		}
		if (!strcmp(ldma_basename(node), "base"))
			return;		/* the root of /sys/firmware/devicetree/base */
		slash = strrchr(node, '/');
		if (!slash || slash == node)
			return;
		*slash = '\0';
	}
}

/* memory-region phandles, and which of them name no heap. */
static void ldma_dev_regions(struct ldma_ctx *ctx, const char *dir,
			     struct ldma_device_info *info)
{
	struct ldma_heap_info *heaps = NULL;
	char path[PATH_MAX];
	int i, n, nheaps;
	unsigned int r;

	if (ldma_path(path, sizeof(path), "%s/of_node/memory-region", dir) < 0)
		return;
	n = ldma_read_be32(path, info->regions, LDMA_MAX_REGIONS);
	if (n == -ENOENT)
		return;
	if (n < 0) {
		ldma_note(info, "its memory-region cannot be read (%s)", strerror(-n));
		return;
	}
	if (n > LDMA_MAX_REGIONS)
		ldma_note(info, "only the first %d of its %d memory-region entries are used",
			  LDMA_MAX_REGIONS, n);
	info->nregions = n > LDMA_MAX_REGIONS ? LDMA_MAX_REGIONS : (unsigned int)n;

	nheaps = ldma_heap_list(ctx, &heaps);
	for (r = 0; r < info->nregions; r++) {
		for (i = 0; i < nheaps; i++)
			if (heaps[i].phandle && heaps[i].phandle == info->regions[r])
				break;
		if (i >= nheaps)
			ldma_note(info, "memory-region entry %u (phandle %#x) names no heap",
				  r, info->regions[r]);
	}
	free(heaps);
}

/* The driver bound to @dir, if any. */
static void ldma_dev_driver(const char *dir, struct ldma_device_info *info)
{
	char path[PATH_MAX];

	info->driver[0] = '\0';
	if (ldma_path(path, sizeof(path), "%s/driver", dir) < 0 ||
	    ldma_link_name(path, info->driver, sizeof(info->driver)) < 0)
		info->driver[0] = '\0';
}

/* An importer device: exact facts from the driver, the DT node from sysfs. */
static int ldma_importer_device(struct ldma_ctx *ctx, const struct ldma_device *dev,
				char *dir, struct ldma_device_info *info)
{
	struct dmabuf_importer_device_info di = { .index = dev->index };
	static const char *const buses[] = { "platform", "pci" };
	unsigned int i;
	int ret;

	ret = ldma_ioctl(dev->fd, DMABUF_IMPORTER_IOC_DEVICE_INFO, &di);
	if (ret == -ENODEV)
		return -ENOENT;
	if (ret < 0)
		return ret;
	di.name[sizeof(di.name) - 1] = '\0';
	snprintf(info->name, sizeof(info->name), "%s", di.name);
	info->dma_bits = di.dma_bits;
	info->coherent = di.flags & DMABUF_IMPORTER_DEV_COHERENT ? LDMA_YES : LDMA_NO;
	info->iommu = di.flags & DMABUF_IMPORTER_DEV_IOMMU ? LDMA_YES : LDMA_NO;
	if (di.flags & DMABUF_IMPORTER_DEV_NO_DMA)
		ldma_note(info, "its %u-bit DMA mask reaches no memory", di.dma_bits);

	dir[0] = '\0';
	for (i = 0; i < sizeof(buses) / sizeof(buses[0]); i++) {
		char path[PATH_MAX];

		if (ldma_path(path, sizeof(path), "%s/bus/%s/devices/%s",
			      ldma_ctx_root(ctx, LDMA_ROOT_SYS), buses[i], di.name) == 0 &&
		    realpath(path, dir))
			break;
		dir[0] = '\0';
	}
	if (!dir[0])
		ldma_note(info, "no sysfs node for importer device '%s'", di.name);
	return 0;
}

LDMA_EXPORT int ldma_device_query(struct ldma_ctx *ctx, const struct ldma_device *dev,
				  struct ldma_device_info *info)
{
	char dir[PATH_MAX];
	int ret;

	if (!dev || !info || (dev->fd < 0 && !dev->path))
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->iommu = LDMA_UNKNOWN;
	info->coherent = LDMA_UNKNOWN;

	if (dev->fd >= 0) {
		ret = ldma_chardev_dir(ctx, dev->fd, dir);
		if (ret < 0)
			return ret;
		if (!strcmp(ldma_basename(dir), LDMA_IMPORTER_NODE)) {
			ret = ldma_importer_device(ctx, dev, dir, info);
			if (ret < 0 || !dir[0])
				return ret;
			ldma_dev_driver(dir, info);
			ldma_dev_regions(ctx, dir, info);
			return 0;
		}
		ret = ldma_class_parent(dir, true);
	} else {
		ret = realpath(dev->path, dir) ? ldma_class_parent(dir, false) : -errno;
	}
	if (ret < 0)
		return ret;

	snprintf(info->name, sizeof(info->name), "%s", ldma_basename(dir));
	ldma_dev_driver(dir, info);
	ret = ldma_dev_iommu(dir, info);
	if (!ret)
		ret = ldma_dev_dma_bits(dir, info);
	if (ret < 0)
		return ret;
	ldma_dev_coherent(ctx, dir, info);
	ldma_dev_regions(ctx, dir, info);
	return 0;
}
