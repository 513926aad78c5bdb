// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The importer wrappers: arguments refused before any ioctl (checked with
 * a descriptor that is not open, so that reaching the kernel would give
 * -EBADF instead of -EINVAL), the translation of the uAPI structs against
 * the fake importer of fake_kernel.c, -ENOTTY from a file that is not the
 * device, and the CPU model of the fill pattern and the checksum hash.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/dmabuf_importer.h>

#include "libimp.h"

#include "fake_kernel.h"
#include "harness.h"
#include "test_util.h"

#define CLOSED_FD 1000	/* never open in a test */

FIXTURE(importer) {
	char *root;
	int imp;
	int buf;
};

FIXTURE_SETUP(importer)
{
	self->root = tree_new();
	ASSERT_NE(NULL, self->root);
	ASSERT_EQ(0, tree_write(self->root, "fake_importer", ""));
	self->imp = imp_open(tree_path(self->root, "fake_importer"));
	ASSERT_LE(0, self->imp);
	self->buf = memfd_sized(FAKE_IMP_SIZE);
	ASSERT_LE(0, self->buf);
	fake.imp_calls = 0;
}

FIXTURE_TEARDOWN(importer)
{
	close(self->buf);
	close(self->imp);
	tree_free(self->root);
}

TEST_F(importer, open_gives_cloexec_fd_and_missing_node_enoent)
{
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->imp, F_GETFD));
	EXPECT_EQ(-ENOENT, imp_open(tree_path(self->root, "nothing")));
}

TEST_F(importer, list_enumerates_until_enodev)
{
	struct imp_dev *list = NULL;

	ASSERT_EQ(2, imp_list(self->imp, &list));
	EXPECT_EQ(0u, list[0].index);
	EXPECT_EQ((uint32_t)IMP_CAMERA, list[0].role);
	EXPECT_EQ(32u, list[0].dma_bits);
	EXPECT_EQ(65536u, list[0].max_segment);
	EXPECT_STREQ("camera", list[0].name);
	EXPECT_EQ((uint32_t)IMP_EDU, list[1].role);
	EXPECT_EQ((uint32_t)(IMP_DEV_HW_DMA | IMP_DEV_NO_DMA), list[1].flags);
	EXPECT_STREQ("0000:00:02.0", list[1].name);
	free(list);
}

TEST_F(importer, device_past_the_last_is_enodev)
{
	struct imp_dev dev;

	EXPECT_EQ(-ENODEV, imp_device(self->imp, 2, &dev));
	EXPECT_EQ(0, imp_device(self->imp, 1, &dev));
	EXPECT_STREQ("edu", imp_role_name(dev.role));
}

TEST_F(importer, attach_map_query_translate_the_uapi)
{
	struct imp_mapping m;
	struct imp_state st;
	struct dmabuf_importer_attach a;
	struct dmabuf_importer_map mp;
	uint32_t handle = 0;
	uint64_t size = 0;

	ASSERT_EQ(0, imp_attach(self->imp, self->buf, 0, &handle, &size));
	memcpy(&a, fake.imp_arg, sizeof(a));
	EXPECT_EQ(self->buf, a.fd);
	EXPECT_EQ(0u, a.device);
	EXPECT_EQ(0u, a.flags);
	EXPECT_EQ(FAKE_IMP_HANDLE, handle);
	EXPECT_EQ(FAKE_IMP_SIZE, size);

	ASSERT_EQ(0, imp_map(self->imp, handle, IMP_FROM_DEVICE, &m));
	memcpy(&mp, fake.imp_arg, sizeof(mp));
	EXPECT_EQ(FAKE_IMP_HANDLE, mp.handle);
	EXPECT_EQ((uint32_t)DMABUF_IMPORTER_DIR_FROM_DEVICE, mp.direction);
	EXPECT_EQ((uint32_t)IMP_MAPPING_CONTIGUOUS, m.flags);
	EXPECT_EQ(1u, m.nents);
	EXPECT_EQ(FAKE_IMP_DMA, m.dma_start);
	EXPECT_EQ(FAKE_IMP_DMA + FAKE_IMP_SIZE, m.dma_end);
	EXPECT_EQ(0, imp_map(self->imp, handle, IMP_TO_DEVICE, NULL));

	ASSERT_EQ(0, imp_query(self->imp, handle, &st));
	EXPECT_EQ((uint32_t)IMP_STATE_MAPPED, st.state);
	EXPECT_EQ((uint32_t)IMP_FROM_DEVICE, st.direction);
	EXPECT_EQ(FAKE_IMP_SIZE, st.size);
	EXPECT_EQ(FAKE_IMP_DMA, st.dma_start);

	EXPECT_EQ(0, imp_unmap(self->imp, handle));
	EXPECT_EQ(DMABUF_IMPORTER_IOC_UNMAP, fake.imp_cmd);
	EXPECT_EQ(0, imp_detach(self->imp, handle));
	EXPECT_EQ(DMABUF_IMPORTER_IOC_DETACH, fake.imp_cmd);
}

TEST_F(importer, fill_checksum_sync_pass_their_arguments)
{
	struct dmabuf_importer_fill f;
	struct dmabuf_importer_sync s;
	uint64_t sum = 0;

	ASSERT_EQ(0, imp_fill(self->imp, 3, 0xabcd, 4096, 512));
	memcpy(&f, fake.imp_arg, sizeof(f));
	EXPECT_EQ(3u, f.handle);
	EXPECT_EQ(0xabcdu, f.seed);
	EXPECT_EQ(4096u, f.offset);
	EXPECT_EQ(512u, f.length);

	ASSERT_EQ(0, imp_checksum(self->imp, 3, 0, 64, &sum));
	EXPECT_EQ(FAKE_IMP_CHECKSUM, sum);

	ASSERT_EQ(0, imp_sync_begin(self->imp, 3, IMP_READ));
	memcpy(&s, fake.imp_arg, sizeof(s));
	EXPECT_EQ((uint32_t)(DMABUF_IMPORTER_SYNC_START | DMABUF_IMPORTER_SYNC_READ), s.flags);
	ASSERT_EQ(0, imp_sync_end(self->imp, 3, IMP_RW));
	memcpy(&s, fake.imp_arg, sizeof(s));
	EXPECT_EQ((uint32_t)(DMABUF_IMPORTER_SYNC_END | DMABUF_IMPORTER_SYNC_RW), s.flags);
}

TEST(null_pointers_are_einval_before_any_ioctl)
{
	struct imp_dev dev;
	uint32_t handle;

	fake.imp_calls = 0;
	EXPECT_EQ(-EINVAL, imp_device(CLOSED_FD, 0, NULL));
	EXPECT_EQ(-EINVAL, imp_list(CLOSED_FD, NULL));
	EXPECT_EQ(-EINVAL, imp_attach(CLOSED_FD, 0, 0, NULL, NULL));
	EXPECT_EQ(-EINVAL, imp_checksum(CLOSED_FD, 1, 0, 4, NULL));
	EXPECT_EQ(-EINVAL, imp_query(CLOSED_FD, 1, NULL));
	EXPECT_EQ(-EBADF, imp_attach(CLOSED_FD, -1, 0, &handle, NULL));
	/* And the descriptor is checked by the kernel, not guessed at. */
	EXPECT_EQ(-EBADF, imp_device(CLOSED_FD, 0, &dev));
	EXPECT_EQ(0u, fake.imp_calls);
}

TEST(bad_direction_and_access_are_einval_before_any_ioctl)
{
	EXPECT_EQ(-EINVAL, imp_map(CLOSED_FD, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, imp_map(CLOSED_FD, 1, 4, NULL));
	EXPECT_EQ(-EINVAL, imp_sync_begin(CLOSED_FD, 1, 0));
	EXPECT_EQ(-EINVAL, imp_sync_end(CLOSED_FD, 1, IMP_RW + 1));
	EXPECT_EQ(-EBADF, imp_map(CLOSED_FD, 1, IMP_BIDIRECTIONAL, NULL));
}

TEST(empty_unaligned_or_overflowing_ranges_are_einval)
{
	uint64_t sum;

	EXPECT_EQ(-EINVAL, imp_fill(CLOSED_FD, 1, 0, 0, 0));
	EXPECT_EQ(-EINVAL, imp_fill(CLOSED_FD, 1, 0, 2, 4));
	EXPECT_EQ(-EINVAL, imp_fill(CLOSED_FD, 1, 0, 0, 6));
	EXPECT_EQ(-EINVAL, imp_fill(CLOSED_FD, 1, 0, UINT64_MAX - 3, 8));
	EXPECT_EQ(-EINVAL, imp_checksum(CLOSED_FD, 1, 4, 0, &sum));
	EXPECT_EQ(-EINVAL, imp_checksum(CLOSED_FD, 1, 1, 4, &sum));
	EXPECT_EQ(-EBADF, imp_fill(CLOSED_FD, 1, 0, UINT64_MAX - 7, 4));
}

TEST(file_that_is_not_the_device_gives_enotty)
{
	struct imp_dev *list = (void *)1;
	int fd = memfd_sized(4096);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, imp_list(fd, &list));
	EXPECT_EQ(NULL, list);
	EXPECT_EQ(-ENOTTY, imp_fill(fd, 1, 0, 0, 4));
	close(fd);
}

TEST(role_names)
{
	EXPECT_STREQ("camera", imp_role_name(IMP_CAMERA));
	EXPECT_STREQ("gpu", imp_role_name(IMP_GPU));
	EXPECT_STREQ("display", imp_role_name(IMP_DISPLAY));
	EXPECT_STREQ("edu", imp_role_name(IMP_EDU));
	EXPECT_STREQ("unknown", imp_role_name(0));
	EXPECT_STREQ("unknown", imp_role_name(99));
}

TEST(pattern_is_seed_xor_offset_little_endian)
{
	unsigned char buf[16];

	ASSERT_EQ(0, imp_pattern(buf, 0x104, sizeof(buf), 0xa0b0c0d0));
	/* word at 0x104: 0xa0b0c0d0 ^ 0x104 = 0xa0b0c1d4 */
	EXPECT_EQ(0xd4, buf[0]);
	EXPECT_EQ(0xc1, buf[1]);
	EXPECT_EQ(0xb0, buf[2]);
	EXPECT_EQ(0xa0, buf[3]);
	/* word at 0x110: 0xa0b0c0d0 ^ 0x110 = 0xa0b0c1c0 */
	EXPECT_EQ(0xc0, buf[12]);
	EXPECT_EQ(0xc1, buf[13]);
	EXPECT_EQ(-EINVAL, imp_pattern(NULL, 0, 4, 0));
	EXPECT_EQ(-EINVAL, imp_pattern(buf, 2, 4, 0));
	EXPECT_EQ(-EINVAL, imp_pattern(buf, 0, 3, 0));
	EXPECT_EQ(-EINVAL, imp_pattern(buf, 0, 0, 0));
}

TEST(hash_is_fnv1a_of_words_and_composes)
{
	unsigned char buf[64];
	uint64_t whole = IMP_HASH_INIT, parts = IMP_HASH_INIT;
	uint64_t one = IMP_HASH_INIT;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7);
	/* One word 0: (offset basis ^ 0) * prime. */
	memset(buf, 0, 4);
	ASSERT_EQ(0, imp_hash(&one, buf, 4));
	EXPECT_EQ(0xcbf29ce484222325ull * 0x100000001b3ull, one);

	ASSERT_EQ(0, imp_hash(&whole, buf, sizeof(buf)));
	ASSERT_EQ(0, imp_hash(&parts, buf, 24));
	ASSERT_EQ(0, imp_hash(&parts, buf + 24, 0));
	ASSERT_EQ(0, imp_hash(&parts, buf + 24, sizeof(buf) - 24));
	EXPECT_EQ(whole, parts);
	EXPECT_EQ(-EINVAL, imp_hash(NULL, buf, 4));
	EXPECT_EQ(-EINVAL, imp_hash(&one, NULL, 4));
	EXPECT_EQ(-EINVAL, imp_hash(&one, buf, 6));
}

TEST_HARNESS_MAIN
