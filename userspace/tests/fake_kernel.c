// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/dmabuf_importer.h>

#include "fake_kernel.h"

struct fake_kernel fake;
/* Tests may allocate from several threads at once. */
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;

static int fake_fail(int err)
{
	errno = err;
	return -1;
}

static int fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int is_fake_dmabuf(int fd)
{
	char path[256];

	return !fd_path(fd, path, sizeof(path)) &&
	       !strncmp(path, "/memfd:fake-dmabuf", strlen("/memfd:fake-dmabuf"));
}

static int fake_alloc(int heap_fd, struct dma_heap_allocation_data *data)
{
	char path[256], text[16] = "";
	const char *base;
	ssize_t n;
	int fd;

	if (fd_path(heap_fd, path, sizeof(path)))
		return -1;
	base = strrchr(path, '/');
	pthread_mutex_lock(&fake_lock);
	snprintf(fake.alloc_heap, sizeof(fake.alloc_heap), "%s", base ? base + 1 : path);
	fake.alloc_calls++;
	fake.alloc_len = data->len;
	fake.alloc_fd_flags = data->fd_flags;
	fake.alloc_heap_fd = heap_fd;
	pthread_mutex_unlock(&fake_lock);

	if (data->fd_flags & ~DMA_HEAP_VALID_FD_FLAGS || data->heap_flags)
		return fake_fail(EINVAL);
	n = pread(heap_fd, text, sizeof(text) - 1, 0);
	if (n > 0 && !strncmp(text, "enomem", 6))
		return fake_fail(ENOMEM);

	fd = memfd_create("fake-dmabuf", data->fd_flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)data->len)) {
		close(fd);
		return -1;
	}
	data->fd = (uint32_t)fd;
	return 0;
}

static int fake_set_name(const char *name)
{
	fake.set_name_calls++;
	if (strnlen(name, DMA_BUF_NAME_LEN) >= DMA_BUF_NAME_LEN)
		return fake_fail(EINVAL);	/* strndup_user() */
	snprintf(fake.name, sizeof(fake.name), "%s", name);
	return 0;
}

static int fake_sync(const struct dma_buf_sync *sync)
{
	unsigned int i = fake.sync_calls++;

	fake.sync_flags = sync->flags;
	if (i < FAKE_MAX_ERRS && fake.sync_errs[i])
		return fake_fail(fake.sync_errs[i]);
	return 0;
}

static int is_fake_importer(int fd)
{
	char path[256];
	const char *base;

	if (fake.importer_fd > 0 && fd == fake.importer_fd)
		return 1;
	if (fd_path(fd, path, sizeof(path)))
		return 0;
	base = strrchr(path, '/');
	return base && !strcmp(base + 1, "fake_importer");
}

static int fake_importer(unsigned long request, void *arg)
{
	struct dmabuf_importer_device_info *info = arg;
	struct dmabuf_importer_attach *attach = arg;
	struct dmabuf_importer_map *map = arg;
	struct dmabuf_importer_checksum *sum = arg;
	struct dmabuf_importer_query *query = arg;
	struct stat st;

	fake.imp_calls++;
	fake.imp_cmd = request;
	memcpy(fake.imp_arg, arg, _IOC_SIZE(request) < sizeof(fake.imp_arg) ?
	       _IOC_SIZE(request) : sizeof(fake.imp_arg));
	switch (request) {
	case DMABUF_IMPORTER_IOC_DEVICE_INFO:
		if (info->index > 1)
			return fake_fail(ENODEV);
		memset(&info->role, 0, sizeof(*info) - sizeof(info->index));
		info->role = info->index ? DMABUF_IMPORTER_ROLE_EDU : DMABUF_IMPORTER_ROLE_CAMERA;
		info->flags = info->index ? DMABUF_IMPORTER_DEV_HW_DMA | DMABUF_IMPORTER_DEV_NO_DMA : 0;
		info->dma_bits = info->index ? 28 : 32;
		info->max_segment = 65536;
		snprintf(info->name, sizeof(info->name), "%s", info->index ? "0000:00:02.0" : "camera");
		return 0;
	case DMABUF_IMPORTER_IOC_ATTACH:
		if (fstat(attach->fd, &st))
			return fake_fail(EBADF);
		attach->handle = FAKE_IMP_HANDLE;
		attach->size = FAKE_IMP_SIZE;
		return 0;
	case DMABUF_IMPORTER_IOC_MAP:
		map->flags = DMABUF_IMPORTER_MAPPING_CONTIGUOUS;
		map->nents = 1;
		map->dma_size = FAKE_IMP_SIZE;
		map->dma_start = FAKE_IMP_DMA;
		map->dma_end = FAKE_IMP_DMA + FAKE_IMP_SIZE;
		return 0;
	case DMABUF_IMPORTER_IOC_CHECKSUM:
		sum->checksum = FAKE_IMP_CHECKSUM;
		return 0;
	case DMABUF_IMPORTER_IOC_QUERY:
		query->device = 0;
		query->state = DMABUF_IMPORTER_STATE_MAPPED;
		query->direction = DMABUF_IMPORTER_DIR_FROM_DEVICE;
		query->flags = DMABUF_IMPORTER_MAPPING_CONTIGUOUS;
		query->nents = 1;
		query->size = FAKE_IMP_SIZE;
		query->dma_size = FAKE_IMP_SIZE;
		query->dma_start = FAKE_IMP_DMA;
		query->dma_end = FAKE_IMP_DMA + FAKE_IMP_SIZE;
		return 0;
	case DMABUF_IMPORTER_IOC_DETACH:
	case DMABUF_IMPORTER_IOC_UNMAP:
	case DMABUF_IMPORTER_IOC_FILL:
	case DMABUF_IMPORTER_IOC_SYNC:
		return 0;
	default:
		return fake_fail(ENOTTY);
	}
}

int ioctl(int fd, unsigned long request, ...)
{
	struct stat st;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (request == DMA_HEAP_IOCTL_ALLOC && !fstat(fd, &st) && S_ISREG(st.st_mode))
		return fake_alloc(fd, arg);
	if (is_fake_dmabuf(fd)) {
		if (request == DMA_BUF_SET_NAME)
			return fake_set_name(arg);
		if (request == DMA_BUF_IOCTL_SYNC)
			return fake_sync(arg);
	}
	if (_IOC_TYPE(request) == DMABUF_IMPORTER_IOC_MAGIC && is_fake_importer(fd))
		return fake_importer(request, arg);
	return (int)syscall(SYS_ioctl, fd, request, arg);
}
