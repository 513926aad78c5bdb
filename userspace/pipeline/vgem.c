// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vgem, the device of the gpu stage: dma-buf import and write fences.
 * Part of libpipeline (stage.h).
 */
#include <errno.h>

#include <xf86drm.h>
#include <drm/vgem_drm.h>

#include "stage.h"

int pl_vgem_open(void)
{
	int fd = pl_drm_open("vgem");

	if (fd < 0)
		pl_err("no vgem device in /dev/dri (CONFIG_DRM_VGEM)");
	return fd;
}

int pl_vgem_import(int vgem, int buf_fd, uint32_t *handle)
{
	return drmPrimeFDToHandle(vgem, buf_fd, handle) ? -errno : 0;
}

int pl_vgem_fence(int vgem, uint32_t handle, uint32_t *fence)
{
	struct drm_vgem_fence_attach arg = { .handle = handle, .flags = VGEM_FENCE_WRITE };

	if (drmIoctl(vgem, DRM_IOCTL_VGEM_FENCE_ATTACH, &arg))
		return -errno;
	*fence = arg.out_fence;
	return 0;
}

int pl_vgem_signal(int vgem, uint32_t fence)
{
	struct drm_vgem_fence_signal arg = { .fence = fence };

	return drmIoctl(vgem, DRM_IOCTL_VGEM_FENCE_SIGNAL, &arg) ? -errno : 0;
}
