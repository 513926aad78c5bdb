/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the single-buffer importer tests (importer_api_test,
 * importer_race_test, importer_lifecycle_test): an open importer, every
 * device role, and a 1 MiB buffer of the cached carveout heap. Include it
 * after kselftest_harness.h.
 */
#ifndef _IMPORTER_FIXTURE_H
#define _IMPORTER_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "carveout_util.h"
#include "importer_test.h"

/* Common state of the single-fixture tests: an importer and a buffer. */
FIXTURE(imp) {
	int imp;
	int heap_fd;
	struct cv_heap heap;
	struct dmabuf_importer_device_info camera, gpu, display, edu64, edu28;
	int buf;
	uint64_t size;
	int bounce;	/* allow_bounce to restore (imp_bounce_if_forced) */
	uint32_t scanout;	/* the display, or edu64 when maps bounce */
};

FIXTURE_SETUP(imp)
{
	int ret;

	self->imp = self->heap_fd = self->buf = self->bounce = -1;
	self->imp = imp_open();
	ASSERT_LE(0, self->imp) TH_LOG("open %s: %s", IMP_DEV_PATH, strerror(-self->imp));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_CAMERA, 0, &self->camera));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_GPU, 0, &self->gpu));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_DISPLAY, 0, &self->display));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_EDU, 64, &self->edu64));
	ASSERT_EQ(0, imp_find_device(self->imp, ROLE_EDU, 28, &self->edu28));
	ret = imp_open_cached_heap(&self->heap, &self->heap_fd);
	if (ret == -ENOENT)
		SKIP(return, "no cached carveout heap");
	ASSERT_EQ(0, ret) TH_LOG("cached carveout heap: %s", strerror(-ret));
	self->size = MiB;
	self->buf = cv_alloc(self->heap_fd, self->size, O_RDWR | O_CLOEXEC, 0);
	ASSERT_LE(0, self->buf);
	ASSERT_EQ(0, imp_bounce_if_forced(1, &self->bounce));
	/*
	 * A bounced copy lies in 256 KiB pieces wherever swiotlb had room,
	 * which the display may refuse (EXDEV): tests that need a third
	 * device that maps take the 64-bit edu then.
	 */
	self->scanout = imp_bounces(&self->display) ? self->edu64.index :
						     self->display.index;
}

FIXTURE_TEARDOWN(imp)
{
	imp_bounce_restore(self->bounce);
	if (self->buf >= 0)
		close(self->buf);
	if (self->imp >= 0)
		close(self->imp);
	if (self->heap_fd >= 0)
		EXPECT_EQ(0, imp_close_heap(self->heap_fd, self->heap.name))
			TH_LOG("heap %s did not return to zero used", self->heap.name);
}

#endif /* _IMPORTER_FIXTURE_H */
