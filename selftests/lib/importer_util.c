// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the dmabuf_importer kselftests. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "carveout_util.h"
#include "importer_util.h"

static int cv_imp_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int cv_imp_open(void)
{
	int fd = open(CV_IMP_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int cv_imp_device_info(int fd, uint32_t index,
		       struct dmabuf_importer_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->index = index;
	return cv_imp_ioctl(fd, DMABUF_IMPORTER_IOC_DEVICE_INFO, info);
}

int cv_imp_find_device(int fd, uint32_t role, uint32_t dma_bits,
		       struct dmabuf_importer_device_info *info)
{
	uint32_t i;

	for (i = 0; i < 64; i++) {
		int ret = cv_imp_device_info(fd, i, info);

		if (ret == -ENODEV)
			continue;
		if (ret)
			return ret;
		if (info->role == role && (!dma_bits || info->dma_bits == dma_bits))
			return 0;
	}
	return -ENODEV;
}

int cv_imp_attach(int fd, int buf_fd, uint32_t device, uint32_t *handle)
{
	struct dmabuf_importer_attach a = { .fd = buf_fd, .device = device };
	int ret = cv_imp_ioctl(fd, DMABUF_IMPORTER_IOC_ATTACH, &a);

	if (!ret)
		*handle = a.handle;
	return ret;
}

int cv_imp_detach(int fd, uint32_t handle)
{
	struct dmabuf_importer_handle h = { .handle = handle };

	return cv_imp_ioctl(fd, DMABUF_IMPORTER_IOC_DETACH, &h);
}

int cv_imp_map(int fd, uint32_t handle, uint32_t dir,
	       struct dmabuf_importer_map *out)
{
	struct dmabuf_importer_map m = { .handle = handle, .direction = dir };
	int ret = cv_imp_ioctl(fd, DMABUF_IMPORTER_IOC_MAP, &m);

	if (out)
		*out = m;
	return ret;
}

int cv_imp_unmap(int fd, uint32_t handle)
{
	struct dmabuf_importer_handle h = { .handle = handle };

	return cv_imp_ioctl(fd, DMABUF_IMPORTER_IOC_UNMAP, &h);
}

int cv_imp_fill(int fd, uint32_t handle, uint64_t off, uint64_t len,
		uint32_t seed)
{
	struct dmabuf_importer_fill f = {
		.handle = handle, .seed = seed, .offset = off, .length = len,
	};

	return cv_imp_ioctl(fd, DMABUF_IMPORTER_IOC_FILL, &f);
}

int cv_imp_checksum(int fd, uint32_t handle, uint64_t off, uint64_t len,
		    uint64_t *sum)
{
	struct dmabuf_importer_checksum c = {
		.handle = handle, .offset = off, .length = len,
	};
	int ret = cv_imp_ioctl(fd, DMABUF_IMPORTER_IOC_CHECKSUM, &c);

	if (!ret && sum)
		*sum = c.checksum;
	return ret;
}

int cv_imp_sync(int fd, uint32_t handle, uint32_t flags)
{
	struct dmabuf_importer_sync s = { .handle = handle, .flags = flags };

	return cv_imp_ioctl(fd, DMABUF_IMPORTER_IOC_SYNC, &s);
}

int cv_imp_query(int fd, uint32_t handle, struct dmabuf_importer_query *q)
{
	memset(q, 0, sizeof(*q));
	q->handle = handle;
	return cv_imp_ioctl(fd, DMABUF_IMPORTER_IOC_QUERY, q);
}

/* The device's pattern and hash are libimp's (imp_pattern(), imp_hash()). */
uint64_t cv_imp_verify(const void *p, uint64_t off, uint64_t len, uint32_t seed)
{
	uint32_t want;
	uint64_t i;

	for (i = 0; i + 4 <= len; i += 4) {
		if (imp_pattern(&want, off + i, 4, seed) ||
		    memcmp((const uint8_t *)p + i, &want, 4))
			return i;
	}
	return len;
}

uint64_t cv_imp_hash(const void *p, uint64_t len)
{
	uint64_t h = IMP_HASH_INIT;

	return imp_hash(&h, p, len) ? 0 : h;
}

const char *cv_imp_heap_kind_name(enum cv_imp_heap_kind kind)
{
	switch (kind) {
	case CV_IMP_HEAP_CACHED:
		return "cached carveout";
	case CV_IMP_HEAP_UNCACHED:
		return "uncached carveout";
	case CV_IMP_HEAP_SYSTEM:
		return "system";
	case CV_IMP_HEAP_CMA:
		return "CMA";
	}
	return "?";
}

int cv_imp_find_heap(enum cv_imp_heap_kind kind, char *name)
{
	char names[32][64];
	struct cv_heap heap;
	int n, i, ret;

	switch (kind) {
	case CV_IMP_HEAP_CACHED:
	case CV_IMP_HEAP_UNCACHED:
		ret = cv_find_heap(kind == CV_IMP_HEAP_CACHED, &heap);
		if (!ret)
			snprintf(name, 64, "%.63s", heap.name);
		return ret;
	case CV_IMP_HEAP_SYSTEM:
		if (access("/dev/dma_heap/system", F_OK))
			return -ENOENT;
		snprintf(name, 64, "system");
		return 0;
	case CV_IMP_HEAP_CMA:
		/* Named after its CMA area ("reserved", "linux,cma", ...) */
		n = cv_heap_names(names, 32);
		for (i = 0; i < n; i++) {
			if (!strcmp(names[i], "system") || cv_is_carveout(names[i]))
				continue;
			snprintf(name, 64, "%.63s", names[i]);
			return 0;
		}
		return -ENOENT;
	}
	return -EINVAL;
}

int cv_imp_open_cached_heap(struct cv_heap *heap, int *heap_fd)
{
	int ret;

	ret = cv_find_heap(1, heap);
	if (ret)
		return ret;
	*heap_fd = cv_heap_open(heap->name);
	if (*heap_fd < 0)
		return *heap_fd;
	ret = cv_wait_idle(heap->name);
	if (ret) {
		close(*heap_fd);
		*heap_fd = -1;
	}
	return ret;
}

int cv_imp_close_heap(int heap_fd, const char *heap)
{
	close(heap_fd);
	return cv_wait_idle(heap);
}

int cv_imp_heap_base(const char *heap, uint64_t *base)
{
	char path[320], buf[4096], *p;
	int ret;

	snprintf(path, sizeof(path), CV_DEBUGFS "/%s/stats", heap);
	ret = cv_read_str(path, buf, sizeof(buf));
	if (ret)
		return ret;
	p = strstr(buf, "base:");
	if (!p)
		return -ENOENT;
	*base = strtoull(p + 5, NULL, 0);
	return 0;
}

int cv_imp_mainline_may_bounce(const struct dmabuf_importer_device_info *dev)
{
	unsigned long long start, end, mask;
	char line[256];
	int found = 0;
	FILE *f;

	if (dev->flags & DMABUF_IMPORTER_DEV_IOMMU)
		return 0;
	if (cv_swiotlb_forced())
		return 1;
	if (dev->dma_bits >= 64)
		return 0;
	mask = (1ULL << dev->dma_bits) - 1;
	f = fopen("/proc/iomem", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, "System RAM") &&
		    sscanf(line, "%llx-%llx", &start, &end) == 2 && end > mask)
			found = 1;
	fclose(f);
	return found;
}

int cv_imp_set_allow_bounce(int on)
{
	return cv_write_str(CV_ALLOW_BOUNCE, on ? "1" : "0");
}

int cv_imp_bounce_if_forced(int on, int *prev)
{
	int ret;

	*prev = -1;
	if (!cv_swiotlb_forced())
		return 0;
	ret = cv_allow_bounce();
	if (ret < 0 || ret == !!on)
		return ret < 0 ? ret : 0;
	*prev = ret;
	return cv_imp_set_allow_bounce(on);
}

void cv_imp_bounce_restore(int prev)
{
	if (prev >= 0)
		cv_imp_set_allow_bounce(prev);
}

int cv_imp_bounces(const struct dmabuf_importer_device_info *dev)
{
	if ((dev->flags & DMABUF_IMPORTER_DEV_IOMMU) || !cv_swiotlb_forced())
		return 0;
	return cv_allow_bounce() == 1;
}

int cv_imp_refuses_bounced_copy(const struct dmabuf_importer_device_info *dev,
				int err)
{
	return err == -EXDEV && (dev->flags & DMABUF_IMPORTER_DEV_CONTIG) &&
	       cv_imp_bounces(dev);
}

int cv_imp_mainline_bounce_failed(int err)
{
	return err == -EIO || err == -ENOMEM;
}

int cv_imp_expect_reach(const struct dmabuf_importer_device_info *dev,
			const char *heap)
{
	uint64_t base, size, cached, mask;
	int ret, bounce;

	ret = cv_imp_heap_base(heap, &base);
	if (!ret)
		ret = cv_sysfs_u64(heap, "size", &size);
	if (!ret)
		ret = cv_sysfs_u64(heap, "cached", &cached);
	if (ret)
		return ret;
	/* IOVAs are allocated within the mask; nothing bounces. */
	if (dev->flags & DMABUF_IMPORTER_DEV_IOMMU)
		return CV_IMP_REACH_OK;
	mask = dev->dma_bits >= 64 ? UINT64_MAX : (1ULL << dev->dma_bits) - 1;
	if (base > mask)
		return CV_IMP_REACH_REFUSED;
	if (base + size - 1 > mask)
		return CV_IMP_REACH_UNKNOWN;
	if (cv_swiotlb_forced()) {
		bounce = cv_allow_bounce();
		if (bounce < 0)
			return bounce;
		return cached && bounce ? CV_IMP_REACH_OK : CV_IMP_REACH_REFUSED;
	}
	return CV_IMP_REACH_OK;
}

int cv_imp_pci_has_iommu_group(const char *name)
{
	char path[320];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", name);
	return access(path, F_OK) == 0;
}

int cv_imp_pci_command(const char *name, uint16_t *cmd)
{
	uint8_t cfg[2];
	char path[320];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The command register: offset 4, little-endian. */
	n = pread(fd, cfg, sizeof(cfg), 4);
	close(fd);
	if (n != sizeof(cfg))
		return n < 0 ? -errno : -EIO;
	*cmd = cfg[0] | cfg[1] << 8;
	return 0;
}

int cv_imp_trace_event(const char *event, int enable)
{
	char path[320];

	snprintf(path, sizeof(path), CV_IMP_TRACING "/events/%s/enable", event);
	return cv_write_str(path, enable ? "1" : "0");
}

int cv_imp_trace_clear(void)
{
	return cv_write_str(CV_IMP_TRACING "/trace", "");
}

char *cv_imp_trace_read(void)
{
	size_t len = 1 << 20;
	char *buf = malloc(len);

	if (buf && cv_read_str(CV_IMP_TRACING "/trace", buf, len)) {
		free(buf);
		return NULL;
	}
	return buf;
}

int cv_imp_trace_count(const char *trace, const char *a, const char *b)
{
	const char *line = trace, *end;
	int n = 0;

	while (line && *line) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		{
			char tmp[1024];
			size_t l = (size_t)(end - line) < sizeof(tmp) - 1 ?
				   (size_t)(end - line) : sizeof(tmp) - 1;

			memcpy(tmp, line, l);
			tmp[l] = '\0';
			if (strstr(tmp, a) && strstr(tmp, b))
				n++;
		}
		line = *end ? end + 1 : NULL;
	}
	return n;
}
