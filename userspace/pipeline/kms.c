// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The display stage's KMS side (see kms.h): libdrm's atomic API, nothing
 * vkms-specific except that vkms is what has a writeback connector here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include "kms.h"
#include "stage.h"

static uint32_t kms_prop(int fd, uint32_t obj, uint32_t type, const char *name,
			 uint64_t *value)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, obj, type);
	drmModePropertyPtr p;
	uint32_t i, id = 0;

	if (!props)
		return 0;
	for (i = 0; i < props->count_props && !id; i++) {
		p = drmModeGetProperty(fd, props->props[i]);
		if (p && !strcmp(p->name, name)) {
			id = p->prop_id;
			if (value)
				*value = props->prop_values[i];
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

/* Does the writeback connector take XRGB8888? */
static bool kms_wb_takes_xrgb(int fd, uint32_t wb)
{
	drmModePropertyBlobPtr blob;
	uint64_t id = 0;
	const uint32_t *f;
	bool ok = false;
	uint32_t i;

	if (!kms_prop(fd, wb, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_PIXEL_FORMATS", &id))
		return false;
	blob = drmModeGetPropertyBlob(fd, (uint32_t)id);
	if (!blob)
		return false;
	f = blob->data;
	for (i = 0; i < blob->length / sizeof(*f); i++)
		ok |= f[i] == DRM_FORMAT_XRGB8888;
	drmModeFreePropertyBlob(blob);
	return ok;
}

/* A 60 Hz mode of exactly @w x @h, for sizes the connector does not list. */
static void kms_make_mode(drmModeModeInfo *m, uint32_t w, uint32_t h)
{
	memset(m, 0, sizeof(*m));
	m->hdisplay = (uint16_t)w;
	m->hsync_start = (uint16_t)(w + 16);
	m->hsync_end = (uint16_t)(w + 48);
	m->htotal = (uint16_t)(w + 80);
	m->vdisplay = (uint16_t)h;
	m->vsync_start = (uint16_t)(h + 3);
	m->vsync_end = (uint16_t)(h + 6);
	m->vtotal = (uint16_t)(h + 20);
	m->vrefresh = 60;
	m->clock = (uint32_t)((uint64_t)m->htotal * m->vtotal * 60 / 1000);
	m->type = DRM_MODE_TYPE_USERDEF;
	snprintf(m->name, sizeof(m->name), "%ux%u", w, h);
}

/*
 * The writeback connector alone drives the CRTC: vkms's encoders cannot be
 * clones of each other, so its virtual connector cannot watch the same
 * CRTC at the same time (the atomic check refuses it).
 */
static int kms_find_writeback(struct kms *k, drmModeResPtr res, uint32_t w, uint32_t h)
{
	drmModeConnectorPtr c;
	bool have_mode = false;
	int i, j;

	for (i = 0; i < res->count_connectors && !k->wb; i++) {
		c = drmModeGetConnector(k->fd, res->connectors[i]);
		if (!c)
			continue;
		if (c->connector_type == DRM_MODE_CONNECTOR_WRITEBACK) {
			k->wb = c->connector_id;
			for (j = 0; j < c->count_modes && !have_mode; j++)
				if (c->modes[j].hdisplay == w && c->modes[j].vdisplay == h) {
					k->mode = c->modes[j];
					have_mode = true;
				}
		}
		drmModeFreeConnector(c);
	}
	if (!k->wb) {
		pl_err("the DRM device has no writeback connector (vkms needs enable_writeback=1)");
		return -ENODEV;
	}
	if (!have_mode)
		kms_make_mode(&k->mode, w, h);
	return 0;
}

static int kms_find_plane(struct kms *k, unsigned int crtc_index)
{
	drmModePlaneResPtr pr = drmModeGetPlaneResources(k->fd);
	drmModePlanePtr p;
	uint64_t type;
	uint32_t i;

	if (!pr)
		return -errno;
	for (i = 0; i < pr->count_planes && !k->plane; i++) {
		p = drmModeGetPlane(k->fd, pr->planes[i]);
		if (!p)
			continue;
		if (p->possible_crtcs & (1u << crtc_index) &&
		    kms_prop(k->fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type) &&
		    type == DRM_PLANE_TYPE_PRIMARY)
			k->plane = p->plane_id;
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(pr);
	return k->plane ? 0 : -ENODEV;
}

int kms_open(struct kms *k, int fd, uint32_t width, uint32_t height)
{
	static const char *const src[4] = { "SRC_X", "SRC_Y", "SRC_W", "SRC_H" };
	static const char *const dst[4] = { "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H" };
	drmModeResPtr res;
	int ret, i;

	memset(k, 0, sizeof(*k));
	k->fd = fd;
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) ||
	    drmSetClientCap(fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1)) {
		ret = -errno;
		pl_err("the DRM device refuses atomic modesetting with writeback: %s", strerror(-ret));
		return ret;
	}
	res = drmModeGetResources(fd);
	if (!res || !res->count_crtcs) {
		pl_err("the DRM device has no CRTC");
		drmModeFreeResources(res);
		return -ENODEV;
	}
	k->crtc = res->crtcs[0];
	ret = kms_find_writeback(k, res, width, height);
	drmModeFreeResources(res);
	if (ret)
		return ret;
	if (kms_find_plane(k, 0)) {
		pl_err("no primary plane for CRTC %u", k->crtc);
		return -ENODEV;
	}
	if (!kms_wb_takes_xrgb(fd, k->wb)) {
		pl_err("the writeback connector does not take XRGB8888");
		return -ENODEV;
	}

	k->crtc_mode_id = kms_prop(fd, k->crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID", NULL);
	k->crtc_active = kms_prop(fd, k->crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE", NULL);
	k->plane_fb = kms_prop(fd, k->plane, DRM_MODE_OBJECT_PLANE, "FB_ID", NULL);
	k->plane_crtc = kms_prop(fd, k->plane, DRM_MODE_OBJECT_PLANE, "CRTC_ID", NULL);
	k->plane_fence = kms_prop(fd, k->plane, DRM_MODE_OBJECT_PLANE, "IN_FENCE_FD", NULL);
	for (i = 0; i < 4; i++) {
		k->plane_src[i] = kms_prop(fd, k->plane, DRM_MODE_OBJECT_PLANE, src[i], NULL);
		k->plane_dst[i] = kms_prop(fd, k->plane, DRM_MODE_OBJECT_PLANE, dst[i], NULL);
	}
	k->wb_crtc = kms_prop(fd, k->wb, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", NULL);
	k->wb_fb = kms_prop(fd, k->wb, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_FB_ID", NULL);
	k->wb_fence = kms_prop(fd, k->wb, DRM_MODE_OBJECT_CONNECTOR,
			       "WRITEBACK_OUT_FENCE_PTR", NULL);
	if (!k->crtc_mode_id || !k->crtc_active || !k->plane_fb || !k->plane_crtc ||
	    !k->plane_fence || !k->wb_crtc || !k->wb_fb || !k->wb_fence) {
		pl_err("the DRM device lacks an atomic property this program needs");
		return -ENODEV;
	}
	if (drmModeCreatePropertyBlob(fd, &k->mode, sizeof(k->mode), &k->mode_blob)) {
		ret = -errno;
		pl_err("cannot create the mode blob: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

int kms_add_fb(struct kms *k, int buf_fd, uint32_t width, uint32_t height,
	       uint32_t stride, uint32_t *gem, uint32_t *fb)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { stride }, offsets[4] = { 0 };
	int ret;

	if (drmPrimeFDToHandle(k->fd, buf_fd, gem))
		return -errno;
	handles[0] = *gem;
	if (drmModeAddFB2(k->fd, width, height, DRM_FORMAT_XRGB8888, handles, pitches,
			  offsets, fb, 0)) {
		ret = -errno;
		drmCloseBufferHandle(k->fd, *gem);
		*gem = 0;
		return ret;
	}
	return 0;
}

void kms_rm_fb(struct kms *k, uint32_t gem, uint32_t fb)
{
	if (fb)
		drmModeRmFB(k->fd, fb);
	if (gem)
		drmCloseBufferHandle(k->fd, gem);
}

int kms_show(struct kms *k, uint32_t fb, int in_fence, uint32_t capture_fb,
	     int *out_fence)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	uint64_t rect[4] = { 0, 0, k->mode.hdisplay, k->mode.vdisplay };
	uint32_t flags = 0;
	int32_t fence = -1;
	int ret, i;

	if (!req)
		return -ENOMEM;
	if (!k->enabled) {
		drmModeAtomicAddProperty(req, k->crtc, k->crtc_mode_id, k->mode_blob);
		drmModeAtomicAddProperty(req, k->crtc, k->crtc_active, 1);
		drmModeAtomicAddProperty(req, k->wb, k->wb_crtc, k->crtc);
		drmModeAtomicAddProperty(req, k->plane, k->plane_crtc, k->crtc);
		for (i = 0; i < 4; i++) {
			drmModeAtomicAddProperty(req, k->plane, k->plane_src[i],
						 i < 2 ? 0 : rect[i] << 16);
			drmModeAtomicAddProperty(req, k->plane, k->plane_dst[i], rect[i]);
		}
		flags |= DRM_MODE_ATOMIC_ALLOW_MODESET;
	}
	drmModeAtomicAddProperty(req, k->plane, k->plane_fb, fb);
	drmModeAtomicAddProperty(req, k->plane, k->plane_fence, (uint64_t)(int64_t)in_fence);
	drmModeAtomicAddProperty(req, k->wb, k->wb_fb, capture_fb);
	drmModeAtomicAddProperty(req, k->wb, k->wb_fence, (uint64_t)(uintptr_t)&fence);
	ret = drmModeAtomicCommit(k->fd, req, flags, NULL) ? -errno : 0;
	drmModeAtomicFree(req);
	if (ret)
		return ret;
	k->enabled = true;
	*out_fence = fence;
	return 0;
}

int kms_rearm_composer(struct kms *k)
{
	char path[96];
	struct stat st;
	int fd;

	if (fstat(k->fd, &st))
		return -errno;
	/* The first CRTC: the only one kms_open() uses. */
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%u/crtc-0/crc/data",
		 minor(st.st_rdev));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void kms_close(struct kms *k)
{
	if (k->mode_blob)
		drmModeDestroyPropertyBlob(k->fd, k->mode_blob);
	k->mode_blob = 0;
}
