// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer kselftests of the uAPI on one buffer: what the devices
 * report, every heap in /dev/dma_heap against every device once, edu's
 * IOMMU state and 28-bit mask, bad input (each with its documented errno)
 * and struct versioning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "kselftest_harness.h"
#include "carveout_util.h"
#include "importer_fixture.h"
#include "importer_test.h"

TEST_F(imp, device_info_describes_every_role)
{
	struct dmabuf_importer_device_info *d;

	d = &self->camera;
	EXPECT_FALSE(dev_has(d, DMABUF_IMPORTER_DEV_COHERENT));
	EXPECT_FALSE(dev_has(d, DMABUF_IMPORTER_DEV_CONTIG));
	EXPECT_EQ(32U, d->dma_bits);
	EXPECT_STREQ("camera", d->name);
	d = &self->gpu;
	EXPECT_TRUE(dev_has(d, DMABUF_IMPORTER_DEV_COHERENT));
	EXPECT_EQ(64U, d->dma_bits);
	EXPECT_STREQ("gpu", d->name);
	d = &self->display;
	EXPECT_TRUE(dev_has(d, DMABUF_IMPORTER_DEV_CONTIG));
	EXPECT_STREQ("display", d->name);
	d = &self->edu64;
	EXPECT_TRUE(dev_has(d, DMABUF_IMPORTER_DEV_HW_DMA));
	EXPECT_FALSE(dev_has(d, DMABUF_IMPORTER_DEV_NO_DMA));
	d = &self->edu28;
	EXPECT_TRUE(dev_has(d, DMABUF_IMPORTER_DEV_HW_DMA));
	EXPECT_NE(self->edu64.index, self->edu28.index);
	/* The emulated devices sit outside any IOMMU on this board. */
	EXPECT_FALSE(dev_has(&self->camera, DMABUF_IMPORTER_DEV_IOMMU));
	EXPECT_FALSE(dev_has(&self->gpu, DMABUF_IMPORTER_DEV_IOMMU));
	EXPECT_FALSE(dev_has(&self->display, DMABUF_IMPORTER_DEV_IOMMU));
	EXPECT_EQ(0xffffffffU, self->gpu.max_segment);
}

TEST_F(imp, device_info_past_the_last_fails_enodev)
{
	struct dmabuf_importer_device_info info;

	EXPECT_EQ(-ENODEV, cv_imp_device_info(self->imp, 64, &info));
	EXPECT_EQ(-ENODEV, cv_imp_device_info(self->imp, 0xffffffff, &info));
}

/* edu: the SMMUv3 decides whether a 28-bit DMA mask can work. */
TEST_F(imp, edu_iommu_state_matches_sysfs)
{
	int iommu64 = cv_imp_pci_has_iommu_group(self->edu64.name);
	int iommu28 = cv_imp_pci_has_iommu_group(self->edu28.name);

	EXPECT_EQ(iommu64, dev_has(&self->edu64, DMABUF_IMPORTER_DEV_IOMMU));
	EXPECT_EQ(iommu28, dev_has(&self->edu28, DMABUF_IMPORTER_DEV_IOMMU));
	EXPECT_EQ(iommu64, iommu28);
	/* No RAM of this board lies below 256 MiB: only IOVAs can serve. */
	EXPECT_EQ(!iommu28, dev_has(&self->edu28, DMABUF_IMPORTER_DEV_NO_DMA));
	TH_LOG("edu %s and %s: %s", self->edu64.name, self->edu28.name,
	       iommu64 ? "behind an IOMMU" : "no IOMMU");
}

TEST_F(imp, edu_28bit_mask_fails_enxio_or_gets_iovas_below_256mib)
{
	struct dmabuf_importer_map m;
	uint32_t h = 0;
	uint64_t sum, off = self->size / 2 - EDU_WINDOW / 2;
	uint8_t *p;

	if (!dev_has(&self->edu28, DMABUF_IMPORTER_DEV_IOMMU)) {
		EXPECT_EQ(-ENXIO, cv_imp_attach(self->imp, self->buf, self->edu28.index, &h));
		EXPECT_EQ(0U, h);
		return;
	}
	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->edu28.index, &h));
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DIR_BIDI, &m));
	/* The carveout lies at >= 1.75 GiB; the device sees it below 256 MiB. */
	EXPECT_GE(1ULL << 28, m.dma_end);
	EXPECT_TRUE(!!(m.flags & CONTIGUOUS));
	TH_LOG("IOVA %#llx-%#llx", (unsigned long long)m.dma_start,
	       (unsigned long long)m.dma_end);

	ASSERT_EQ(0, cv_imp_fill(self->imp, h, off, EDU_WINDOW, 0x28282828));
	p = mmap(NULL, self->size, PROT_READ, MAP_SHARED, self->buf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(EDU_WINDOW, cv_imp_verify(p + off, off, EDU_WINDOW, 0x28282828));
	ASSERT_EQ(0, cv_sync(self->buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	munmap(p, self->size);
	ASSERT_EQ(0, cv_imp_checksum(self->imp, h, off, EDU_WINDOW, &sum));
	EXPECT_EQ(expected_hash(off, EDU_WINDOW, 0x28282828), sum);
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
}

/* Every heap in /dev/dma_heap against every device that can do DMA. */
TEST_F_TIMEOUT(imp, every_heap_round_trips_on_every_device, 300)
{
	struct dmabuf_importer_device_info dev;
	char names[16][64];
	uint32_t idx, h, seed;
	uint64_t off, len, sum, size = MiB;
	int n, i, heap, buf, ret, reach, pairs = 0, refused = 0, done = 0;
	uint8_t *p;

	/* Only this test's buffers count in the heaps' stats. */
	close(self->buf);
	self->buf = -1;
	n = cv_heap_names(names, 16);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		heap = cv_heap_open(names[i]);
		ASSERT_LE(0, heap) TH_LOG("open heap %s", names[i]);
		for (idx = 0; idx < 64; idx++) {
			if (cv_imp_device_info(self->imp, idx, &dev))
				continue;
			if (dev_has(&dev, DMABUF_IMPORTER_DEV_NO_DMA))
				continue;
			pairs++;
			seed = 0xa5000000 ^ (i << 8) ^ idx;
			buf = cv_alloc(heap, size, O_RDWR | O_CLOEXEC, 0);
			ASSERT_LE(0, buf) TH_LOG("alloc from %s", names[i]);
			reach = cv_is_carveout(names[i]) ?
				cv_imp_expect_reach(&dev, names[i]) : CV_IMP_REACH_OK;
			ret = cv_imp_attach(self->imp, buf, idx, &h);
			if (reach == CV_IMP_REACH_REFUSED) {
				/* importer_reach_test checks these in depth. */
				EXPECT_EQ(-ERANGE, ret) TH_LOG("%s on %s", names[i], dev.name);
				if (!ret)
					cv_imp_detach(self->imp, h);
				refused++;
				close(buf);
				continue;
			}
			ASSERT_EQ(0, ret) TH_LOG("attach %s on %s: %s", names[i], dev.name,
						 strerror(-ret));
			ret = cv_imp_map(self->imp, h, DIR_BIDI, NULL);
			if ((ret == -EXDEV && dev_has(&dev, DMABUF_IMPORTER_DEV_CONTIG) &&
			     !cv_is_carveout(names[i])) || cv_imp_refuses_bounced_copy(&dev, ret)) {
				/* A scattered buffer (or copy) is the display's to refuse. */
				TH_LOG("%s refuses a scattered %s buffer", dev.name, names[i]);
				refused++;
				EXPECT_EQ(0, cv_imp_detach(self->imp, h));
				close(buf);
				continue;
			}
			if (cv_imp_mainline_bounce_failed(ret) && !cv_is_carveout(names[i]) &&
			    cv_imp_mainline_may_bounce(&dev)) {
				TH_LOG("%s cannot bounce a %s buffer beyond its reach", dev.name,
				       names[i]);
				refused++;
				EXPECT_EQ(0, cv_imp_detach(self->imp, h));
				close(buf);
				continue;
			}
			ASSERT_EQ(0, ret) TH_LOG("map %s on %s: %s", names[i], dev.name,
						 strerror(-ret));

			p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, buf, 0);
			ASSERT_NE(MAP_FAILED, p);
			work_range(&dev, size, &off, &len);
			ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
			imp_pattern(p + off, off, len, seed);
			ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
			ASSERT_EQ(0, cv_imp_checksum(self->imp, h, off, len, &sum));
			EXPECT_EQ(expected_hash(off, len, seed), sum)
				TH_LOG("%s read a %s buffer wrong", dev.name, names[i]);
			ASSERT_EQ(0, cv_imp_fill(self->imp, h, off, len, ~seed));
			ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
			EXPECT_EQ(len, cv_imp_verify(p + off, off, len, ~seed))
				TH_LOG("%s wrote a %s buffer wrong", dev.name, names[i]);
			ASSERT_EQ(0, cv_sync(buf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
			munmap(p, size);
			EXPECT_EQ(0, cv_imp_detach(self->imp, h));
			close(buf);
			done++;
		}
		close(heap);
		if (cv_is_carveout(names[i]))
			EXPECT_EQ(0, cv_wait_idle(names[i]));
	}
	TH_LOG("%d heap/device pairs round-tripped, %d refused", done, refused);
	EXPECT_EQ(pairs, done + refused);
	EXPECT_LE(4 * n, pairs);
}

/* Bad input: each case has its documented errno and leaves nothing. */

TEST_F(imp, attach_non_dmabuf_fd_fails_einval)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	uint32_t h = 0;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, cv_imp_attach(self->imp, fd, self->gpu.index, &h));
	EXPECT_EQ(-EINVAL, cv_imp_attach(self->imp, self->imp, self->gpu.index, &h));
	EXPECT_EQ(-EINVAL, cv_imp_attach(self->imp, self->heap_fd, self->gpu.index, &h));
	close(fd);
}

TEST_F(imp, attach_closed_fd_fails_ebadf)
{
	uint32_t h = 0;
	int fd = dup(self->buf);

	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-EBADF, cv_imp_attach(self->imp, fd, self->gpu.index, &h));
	EXPECT_EQ(-EBADF, cv_imp_attach(self->imp, -1, self->gpu.index, &h));
	EXPECT_EQ(-EBADF, cv_imp_attach(self->imp, 1 << 30, self->gpu.index, &h));
}

TEST_F(imp, attach_unknown_device_fails_enodev)
{
	uint32_t h = 0;

	EXPECT_EQ(-ENODEV, cv_imp_attach(self->imp, self->buf, 64, &h));
	EXPECT_EQ(-ENODEV, cv_imp_attach(self->imp, self->buf, 0xffffffff, &h));
}

TEST_F(imp, attach_nonzero_flags_fails_einval)
{
	struct dmabuf_importer_attach a = {
		.fd = self->buf, .device = self->gpu.index, .flags = 1,
	};

	EXPECT_EQ(-1, ioctl(self->imp, DMABUF_IMPORTER_IOC_ATTACH, &a));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(imp, attachments_beyond_1024_fail_enospc)
{
	uint32_t h;
	int i, ret = 0;

	for (i = 0; i < 1024 && !ret; i++)
		ret = cv_imp_attach(self->imp, self->buf, self->gpu.index, &h);
	ASSERT_EQ(0, ret) TH_LOG("attachment %d: %s", i, strerror(-ret));
	EXPECT_EQ(-ENOSPC, cv_imp_attach(self->imp, self->buf, self->gpu.index, &h));
	/* Detaching one frees its slot. */
	EXPECT_EQ(0, cv_imp_detach(self->imp, 7));
	EXPECT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &h));
	EXPECT_EQ(7U, h);
}

TEST_F(imp, map_twice_fails_ebusy)
{
	struct dmabuf_importer_query q;
	uint32_t h;

	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->camera.index, &h));
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DIR_TO, NULL));
	EXPECT_EQ(-EBUSY, cv_imp_map(self->imp, h, DIR_TO, NULL));
	EXPECT_EQ(-EBUSY, cv_imp_map(self->imp, h, DIR_FROM, NULL));
	EXPECT_EQ(-EBUSY, cv_imp_map(self->imp, h, DIR_BIDI, NULL));
	ASSERT_EQ(0, cv_imp_query(self->imp, h, &q));
	EXPECT_EQ((uint32_t)DMABUF_IMPORTER_STATE_MAPPED, q.state);
	EXPECT_EQ((uint32_t)DIR_TO, q.direction);
	EXPECT_EQ(0, cv_imp_unmap(self->imp, h));
	EXPECT_EQ(0, cv_imp_map(self->imp, h, DIR_FROM, NULL));
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
}

TEST_F(imp, map_bad_direction_fails_einval)
{
	struct dmabuf_importer_query q;
	uint32_t h;

	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &h));
	EXPECT_EQ(-EINVAL, cv_imp_map(self->imp, h, 0, NULL));
	EXPECT_EQ(-EINVAL, cv_imp_map(self->imp, h, 4, NULL));
	EXPECT_EQ(-EINVAL, cv_imp_map(self->imp, h, 0xffffffff, NULL));
	ASSERT_EQ(0, cv_imp_query(self->imp, h, &q));
	EXPECT_EQ(0U, q.state);
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
}

TEST_F(imp, unknown_handle_fails_enoent)
{
	struct dmabuf_importer_query q;
	uint32_t bad[] = { 0, 1, 4242, 0xffffffff };
	uint64_t sum;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-ENOENT, cv_imp_map(self->imp, bad[i], DIR_TO, NULL));
		EXPECT_EQ(-ENOENT, cv_imp_unmap(self->imp, bad[i]));
		EXPECT_EQ(-ENOENT, cv_imp_fill(self->imp, bad[i], 0, 4, 0));
		EXPECT_EQ(-ENOENT, cv_imp_checksum(self->imp, bad[i], 0, 4, &sum));
		EXPECT_EQ(-ENOENT, cv_imp_sync(self->imp, bad[i], DMABUF_IMPORTER_SYNC_READ));
		EXPECT_EQ(-ENOENT, cv_imp_query(self->imp, bad[i], &q));
		EXPECT_EQ(-ENOENT, cv_imp_detach(self->imp, bad[i]));
	}
}

TEST_F(imp, handles_belong_to_their_file)
{
	int other = cv_imp_open();
	struct dmabuf_importer_query q;
	uint32_t h;

	ASSERT_LE(0, other);
	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &h));
	EXPECT_EQ(-ENOENT, cv_imp_query(other, h, &q));
	EXPECT_EQ(-ENOENT, cv_imp_detach(other, h));
	close(other);
	EXPECT_EQ(0, cv_imp_query(self->imp, h, &q));
}

TEST_F(imp, detach_twice_fails_enoent)
{
	uint32_t h;

	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &h));
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
	EXPECT_EQ(-ENOENT, cv_imp_detach(self->imp, h));
}

TEST_F(imp, detach_while_mapped_unmaps_and_frees)
{
	uint32_t h1, h2;

	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->camera.index, &h1));
	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->scanout, &h2));
	ASSERT_EQ(0, cv_imp_map(self->imp, h1, DIR_FROM, NULL));
	ASSERT_EQ(0, cv_imp_map(self->imp, h2, DIR_TO, NULL));
	close(self->buf);
	self->buf = -1;
	EXPECT_EQ(0, cv_imp_detach(self->imp, h1));
	EXPECT_EQ(0, cv_imp_detach(self->imp, h2));
	/* The attachments held the last references. */
	EXPECT_EQ(0, cv_wait_idle(self->heap.name));
}

TEST_F(imp, operations_on_unmapped_attachment_fail_enotconn)
{
	uint64_t sum;
	uint32_t h;

	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &h));
	EXPECT_EQ(-ENOTCONN, cv_imp_unmap(self->imp, h));
	EXPECT_EQ(-ENOTCONN, cv_imp_fill(self->imp, h, 0, 4096, 1));
	EXPECT_EQ(-ENOTCONN, cv_imp_checksum(self->imp, h, 0, 4096, &sum));
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DIR_BIDI, NULL));
	EXPECT_EQ(0, cv_imp_unmap(self->imp, h));
	EXPECT_EQ(-ENOTCONN, cv_imp_unmap(self->imp, h));
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
}

TEST_F(imp, range_out_of_bounds_or_unaligned_fails_einval)
{
	uint64_t size = self->size, sum;
	struct {
		uint64_t off, len;
	} bad[] = {
		{ 0, 0 },			/* empty */
		{ size, 4 },			/* starts at the end */
		{ 0, size + 4 },		/* one word too long */
		{ size - 4, 8 },		/* runs over the end */
		{ ~0ULL - 3, 8 },		/* offset + length wraps */
		{ 4, ~0ULL - 3 },		/* length wraps */
		{ 2, 4 },			/* unaligned offset */
		{ 0, 6 },			/* unaligned length */
		{ 1, 1 },
	};
	unsigned int i;
	uint32_t h;

	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &h));
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DIR_BIDI, NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, cv_imp_fill(self->imp, h, bad[i].off, bad[i].len, 1))
			TH_LOG("fill [%#llx, +%#llx)", (unsigned long long)bad[i].off,
			       (unsigned long long)bad[i].len);
		EXPECT_EQ(-EINVAL, cv_imp_checksum(self->imp, h, bad[i].off, bad[i].len, &sum));
	}
	/* The last word is in bounds. */
	EXPECT_EQ(0, cv_imp_fill(self->imp, h, size - 4, 4, 1));
	EXPECT_EQ(0, cv_imp_detach(self->imp, h));
}

TEST_F(imp, direction_mismatch_fails_eperm)
{
	uint32_t to, from, bidi;
	uint64_t sum;

	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->camera.index, &to));
	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->gpu.index, &from));
	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->scanout, &bidi));
	ASSERT_EQ(0, cv_imp_map(self->imp, to, DIR_TO, NULL));
	ASSERT_EQ(0, cv_imp_map(self->imp, from, DIR_FROM, NULL));
	ASSERT_EQ(0, cv_imp_map(self->imp, bidi, DIR_BIDI, NULL));

	/* A device that only reads may not write, and the other way round. */
	EXPECT_EQ(-EPERM, cv_imp_fill(self->imp, to, 0, 4096, 1));
	EXPECT_EQ(-EPERM, cv_imp_checksum(self->imp, from, 0, 4096, &sum));
	EXPECT_EQ(0, cv_imp_checksum(self->imp, to, 0, 4096, &sum));
	EXPECT_EQ(0, cv_imp_fill(self->imp, from, 0, 4096, 1));
	EXPECT_EQ(0, cv_imp_fill(self->imp, bidi, 0, 4096, 2));
	EXPECT_EQ(0, cv_imp_checksum(self->imp, bidi, 0, 4096, &sum));
	EXPECT_EQ(expected_hash(0, 4096, 2), sum);
}

TEST_F(imp, sync_flags_are_checked)
{
	uint32_t h;

	ASSERT_EQ(0, cv_imp_attach(self->imp, self->buf, self->camera.index, &h));
	EXPECT_EQ(-EINVAL, cv_imp_sync(self->imp, h, 0));
	EXPECT_EQ(-EINVAL, cv_imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_END));
	EXPECT_EQ(-EINVAL, cv_imp_sync(self->imp, h, 8 | DMABUF_IMPORTER_SYNC_READ));
	/* Unmapped or mapped, a bracket is fine. */
	EXPECT_EQ(0, cv_imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_START | DMABUF_IMPORTER_SYNC_RW));
	EXPECT_EQ(0, cv_imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_END | DMABUF_IMPORTER_SYNC_RW));
	ASSERT_EQ(0, cv_imp_map(self->imp, h, DIR_FROM, NULL));
	EXPECT_EQ(0, cv_imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_START | DMABUF_IMPORTER_SYNC_READ));
	EXPECT_EQ(0, cv_imp_sync(self->imp, h, DMABUF_IMPORTER_SYNC_END | DMABUF_IMPORTER_SYNC_READ));
}

/* Struct versioning: the size lives in the ioctl number. */
#define ATTACH_SIZED(size) \
	_IOC(_IOC_READ | _IOC_WRITE, DMABUF_IMPORTER_IOC_MAGIC, 0x1, (size))
#define IOC_SIZE_MAX ((1U << _IOC_SIZEBITS) - 1)

TEST_F(imp, struct_smaller_than_v1_fails_einval)
{
	uint8_t raw[64] = { 0 };
	struct dmabuf_importer_attach *a = (void *)raw;
	unsigned int size;

	a->fd = self->buf;
	a->device = self->gpu.index;
	for (size = 0; size < sizeof(*a); size += 4) {
		EXPECT_EQ(-1, ioctl(self->imp, ATTACH_SIZED(size), raw)) TH_LOG("size %u", size);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(0, ioctl(self->imp, ATTACH_SIZED(sizeof(*a)), raw));
	EXPECT_NE(0U, a->handle);
}

TEST_F(imp, struct_larger_with_zero_tail_is_accepted)
{
	size_t sizes[] = { sizeof(struct dmabuf_importer_attach) + 8, 4096, IOC_SIZE_MAX };
	struct dmabuf_importer_query q;
	unsigned int i;
	uint8_t *raw;

	raw = calloc(1, IOC_SIZE_MAX + 64);
	ASSERT_NE(NULL, raw);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct dmabuf_importer_attach *a = (void *)raw;

		memset(raw, 0, IOC_SIZE_MAX + 64);
		memset(raw + sizes[i], 0xff, 64);	/* beyond what is passed */
		a->fd = self->buf;
		a->device = self->gpu.index;
		EXPECT_EQ(0, ioctl(self->imp, ATTACH_SIZED(sizes[i]), raw))
			TH_LOG("size %zu: %s", sizes[i], strerror(errno));
		EXPECT_NE(0U, a->handle);
		EXPECT_EQ(self->size, a->size);
		/* The kernel wrote its own struct back, not the tail. */
		EXPECT_EQ(sizes[i] - sizeof(*a), first_nonzero(raw + sizeof(*a), sizes[i] - sizeof(*a)));
		EXPECT_EQ(0, cv_imp_query(self->imp, a->handle, &q));
	}
	free(raw);
}

TEST_F(imp, struct_larger_with_nonzero_tail_fails_e2big)
{
	size_t sizes[] = { sizeof(struct dmabuf_importer_attach) + 8, 4096, IOC_SIZE_MAX };
	struct dmabuf_importer_query q;
	unsigned int i;
	uint8_t *raw;

	raw = calloc(1, IOC_SIZE_MAX);
	ASSERT_NE(NULL, raw);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct dmabuf_importer_attach *a = (void *)raw;

		memset(raw, 0, IOC_SIZE_MAX);
		a->fd = self->buf;
		a->device = self->gpu.index;
		raw[sizes[i] - 1] = 1;		/* a field this kernel lacks */
		EXPECT_EQ(-1, ioctl(self->imp, ATTACH_SIZED(sizes[i]), raw))
			TH_LOG("size %zu", sizes[i]);
		EXPECT_EQ(E2BIG, errno);
	}
	/* Nothing was attached. */
	EXPECT_EQ(-ENOENT, cv_imp_query(self->imp, 1, &q));
	free(raw);
}

TEST_F(imp, unknown_ioctl_fails_enotty)
{
	uint8_t raw[64] = { 0 };

	errno = 0;
	EXPECT_EQ(-1, ioctl(self->imp, _IOWR(DMABUF_IMPORTER_IOC_MAGIC, 0x40, raw), raw));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	/* Known number, wrong direction bits */
	EXPECT_EQ(-1, ioctl(self->imp, _IOR(DMABUF_IMPORTER_IOC_MAGIC, 0x1,
					    struct dmabuf_importer_attach), raw));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->imp, DMA_BUF_IOCTL_SYNC, raw));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
