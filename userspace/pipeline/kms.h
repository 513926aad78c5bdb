/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The display stage's KMS side: one CRTC, its primary plane, and the
 * writeback connector the CRTC drives, which captures what it composes.
 * Atomic only (DRM_CLIENT_CAP_ATOMIC, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS).
 */
#ifndef PIPELINE_KMS_H
#define PIPELINE_KMS_H

#include <stdbool.h>
#include <stdint.h>

#include <xf86drmMode.h>

struct kms {
	int fd;
	uint32_t crtc, plane, wb;
	uint32_t crtc_mode_id, crtc_active;
	uint32_t plane_fb, plane_crtc, plane_fence;
	uint32_t plane_src[4], plane_dst[4];	/* SRC_X/Y/W/H, CRTC_X/Y/W/H */
	uint32_t wb_crtc, wb_fb, wb_fence;
	drmModeModeInfo mode;
	uint32_t mode_blob;
	bool enabled;
};

/*
 * kms_open() - find the pipe on the DRM device @fd for @width x @height
 * Return: 0, or -errno with a message printed (no writeback connector,
 * no primary plane, ...).
 */
int kms_open(struct kms *k, int fd, uint32_t width, uint32_t height);

/* An XRGB8888 framebuffer of the dma-buf @buf_fd; its GEM handle in @gem. */
int kms_add_fb(struct kms *k, int buf_fd, uint32_t width, uint32_t height,
	       uint32_t stride, uint32_t *gem, uint32_t *fb);
void kms_rm_fb(struct kms *k, uint32_t gem, uint32_t fb);

/*
 * kms_show() - put @fb on the primary plane and capture the result
 * @in_fence: sync_file the plane waits for before scanning out (-1: none)
 * @capture_fb: writeback framebuffer
 * @out_fence: receives a sync_file that signals when the capture is written
 *
 * A blocking atomic commit; the first one also sets the mode.
 */
int kms_show(struct kms *k, uint32_t fb, int in_fence, uint32_t capture_fb,
	     int *out_fence);

/*
 * kms_rearm_composer() - start vkms's composer again
 *
 * vkms 6.12 turns its composer off when it cleans up a finished writeback
 * job, which it does from a work item: if that runs only after the next
 * writeback job was queued, the composer stays off and that job never
 * completes (Documentation/pipeline.rst). Opening the CRTC's CRC data file
 * in debugfs turns the composer on again. Return: a descriptor to close
 * once the writeback has completed, or -errno.
 */
int kms_rearm_composer(struct kms *k);

void kms_close(struct kms *k);

#endif
