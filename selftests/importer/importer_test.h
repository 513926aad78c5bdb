/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the importer_*_test programs share besides the ioctl wrappers of
 * importer_util.c: short names for the uAPI constants and small inline
 * data-check helpers. importer_fixture.h adds the fixture of the
 * single-buffer tests.
 */
#ifndef _IMPORTER_TEST_H
#define _IMPORTER_TEST_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/dmabuf_importer.h>

#include "carveout_util.h"
#include "importer_util.h"

#define MiB (1024UL * 1024UL)
/* edu moves ~20 KiB/s: it works on a window across the buffer's middle. */
#define EDU_WINDOW 4096UL
#define MAX_KEEP 8

#define ROLE_CAMERA DMABUF_IMPORTER_ROLE_CAMERA
#define ROLE_GPU DMABUF_IMPORTER_ROLE_GPU
#define ROLE_DISPLAY DMABUF_IMPORTER_ROLE_DISPLAY
#define ROLE_EDU DMABUF_IMPORTER_ROLE_EDU
#define DIR_TO DMABUF_IMPORTER_DIR_TO_DEVICE
#define DIR_FROM DMABUF_IMPORTER_DIR_FROM_DEVICE
#define DIR_BIDI DMABUF_IMPORTER_DIR_BIDIRECTIONAL
#define CONTIGUOUS DMABUF_IMPORTER_MAPPING_CONTIGUOUS

static inline int dev_has(const struct dmabuf_importer_device_info *d,
			  uint32_t flag)
{
	return (d->flags & flag) != 0;
}

/* The range a device works on: the whole buffer, or edu's window. */
static inline void work_range(const struct dmabuf_importer_device_info *dev,
			      uint64_t size, uint64_t *off, uint64_t *len)
{
	if (dev->role == ROLE_EDU) {
		*off = size / 2 - EDU_WINDOW / 2;
		*len = EDU_WINDOW;
	} else {
		*off = 0;
		*len = size;
	}
}

static inline uint64_t expected_hash(uint64_t off, uint64_t len, uint32_t seed)
{
	void *p = malloc(len);
	uint64_t h;

	imp_pattern(p, off, len, seed);
	h = cv_imp_hash(p, len);
	free(p);
	return h;
}

static inline size_t first_nonzero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return i;
	return len;
}

static inline void close_all(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/*
 * The setup and teardown that the fixtures on one buffer of a cached
 * carveout heap share (kselftest_harness.h macros: use them in
 * FIXTURE_SETUP and FIXTURE_TEARDOWN). The fixture has the fields imp,
 * heap (struct cv_heap), heap_fd, buf and bounce. Setup opens the importer
 * and the first idle cached carveout heap (skipping the test without one),
 * allocates a buffer of @size opened with @flags, and sets allow_bounce
 * for swiotlb=force (cv_imp_bounce_if_forced()); teardown undoes it all
 * and expects the heap back at zero used.
 */
#define CACHED_BUF_SETUP(size, flags) do {					\
	int __ret;								\
										\
	self->imp = self->heap_fd = self->buf = self->bounce = -1;		\
	self->imp = cv_imp_open();						\
	ASSERT_LE(0, self->imp)							\
		TH_LOG("open %s: %s", CV_IMP_DEV_PATH, strerror(-self->imp));	\
	__ret = cv_imp_open_cached_heap(&self->heap, &self->heap_fd);		\
	if (__ret == -ENOENT)							\
		SKIP(return, "no cached carveout heap");			\
	ASSERT_EQ(0, __ret)							\
		TH_LOG("cached carveout heap: %s", strerror(-__ret));		\
	self->buf = cv_alloc(self->heap_fd, (size), (flags), 0);		\
	ASSERT_LE(0, self->buf);						\
	ASSERT_EQ(0, cv_imp_bounce_if_forced(1, &self->bounce));		\
} while (0)

#define CACHED_BUF_TEARDOWN() do {						\
	cv_imp_bounce_restore(self->bounce);					\
	if (self->buf >= 0)							\
		close(self->buf);						\
	if (self->imp >= 0)							\
		close(self->imp);						\
	if (self->heap_fd >= 0)							\
		EXPECT_EQ(0, cv_imp_close_heap(self->heap_fd, self->heap.name))	\
			TH_LOG("heap %s did not return to zero used",		\
			       self->heap.name);				\
} while (0)

#endif /* _IMPORTER_TEST_H */
