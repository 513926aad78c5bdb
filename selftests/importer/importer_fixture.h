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
	int bounce;	/* allow_bounce to restore (cv_imp_bounce_if_forced) */
	uint32_t scanout;	/* the display, or edu64 when maps bounce */
};

FIXTURE_SETUP(imp)
{
	self->size = MiB;
	CACHED_BUF_SETUP(self->size, O_RDWR | O_CLOEXEC);
	ASSERT_EQ(0, cv_imp_find_device(self->imp, ROLE_CAMERA, 0, &self->camera));
	ASSERT_EQ(0, cv_imp_find_device(self->imp, ROLE_GPU, 0, &self->gpu));
	ASSERT_EQ(0, cv_imp_find_device(self->imp, ROLE_DISPLAY, 0, &self->display));
	ASSERT_EQ(0, cv_imp_find_device(self->imp, ROLE_EDU, 64, &self->edu64));
	ASSERT_EQ(0, cv_imp_find_device(self->imp, ROLE_EDU, 28, &self->edu28));
	/*
	 * A bounced copy lies in 256 KiB pieces wherever swiotlb had room,
	 * which the display may refuse (EXDEV): tests that need a third
	 * device that maps take the 64-bit edu then.
	 */
	self->scanout = cv_imp_bounces(&self->display) ? self->edu64.index :
						     self->display.index;
}

FIXTURE_TEARDOWN(imp)
{
	CACHED_BUF_TEARDOWN();
}

#endif /* _IMPORTER_FIXTURE_H */
