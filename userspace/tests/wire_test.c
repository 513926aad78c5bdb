// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The metadata record of ldma_send()/ldma_recv(): its fixed layout, and
 * every rule a receiver enforces.
 */
#include <string.h>

#include "harness.h"
#include "ldma_internal.h"

static struct ldma_meta image_meta(void)
{
	struct ldma_meta m = {
		.size = 3 * 4096,
		.heap = "linux,cma",
		.width = 64,
		.height = 32,
		.fourcc = 0x3231564e,	/* NV12 */
		.num_planes = 2,
		.planes = { { 64, 0 }, { 64, 8192 } },
	};
	return m;
}

static int encode_one(const struct ldma_meta *m, uint8_t *buf)
{
	return ldma_wire_encode(m, 1, buf, LDMA_WIRE_MAX_LEN);
}

TEST(wire_roundtrip_keeps_every_field)
{
	struct ldma_meta in[2] = { image_meta(), { .size = 4096, .heap = "" } };
	struct ldma_meta out[2];
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	int len;

	len = ldma_wire_encode(in, 2, buf, sizeof(buf));
	ASSERT_EQ((int)(LDMA_WIRE_HDR_LEN + 2 * LDMA_WIRE_REC_LEN), len);
	ASSERT_EQ(2, ldma_wire_decode(buf, (size_t)len, out, 2));
	EXPECT_EQ(0, memcmp(&in[0], &out[0], sizeof(in[0])));
	EXPECT_EQ(0, memcmp(&in[1], &out[1], sizeof(in[1])));
}

TEST(wire_layout_is_fixed)
{
	struct ldma_meta m = image_meta();
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	const uint8_t *r = buf + LDMA_WIRE_HDR_LEN;
	uint64_t size;
	uint32_t v;

	ASSERT_LT(0, encode_one(&m, buf));
	EXPECT_EQ(0, memcmp(buf, "LDMA", 4));
	memcpy(&v, r, 4);
	EXPECT_EQ(LDMA_WIRE_REC_LEN, v);
	memcpy(&size, r + 8, 8);
	EXPECT_EQ(m.size, size);
	memcpy(&v, r + 24, 4);
	EXPECT_EQ(m.fourcc, v);
	memcpy(&v, r + 32 + 8 + 4, 4);	/* plane 1 offset */
	EXPECT_EQ(8192u, v);
	EXPECT_STREQ("linux,cma", (const char *)r + 64);
}

TEST(wire_encode_rejects_invalid_metadata)
{
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	struct ldma_meta m;

	m = image_meta(); m.size = 0;
	EXPECT_EQ(-EINVAL, encode_one(&m, buf));
	m = image_meta(); m.num_planes = LDMA_MAX_PLANES + 1;
	EXPECT_EQ(-EINVAL, encode_one(&m, buf));
	m = image_meta(); m.fourcc = 0;
	EXPECT_EQ(-EINVAL, encode_one(&m, buf));
	m = image_meta(); m.planes[1].stride = 0;
	EXPECT_EQ(-EINVAL, encode_one(&m, buf));
	m = image_meta(); m.planes[1].offset = (uint32_t)m.size;
	EXPECT_EQ(-EINVAL, encode_one(&m, buf));
	m = image_meta(); memset(m.heap, 'x', sizeof(m.heap));
	EXPECT_EQ(-EINVAL, encode_one(&m, buf));
	m = (struct ldma_meta){ .size = 4096, .width = 64 };	/* plain but with a width */
	EXPECT_EQ(-EINVAL, encode_one(&m, buf));
	m = image_meta();
	EXPECT_EQ(-EINVAL, ldma_wire_encode(&m, 0, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, ldma_wire_encode(&m, LDMA_MAX_FDS + 1, buf, sizeof(buf)));
}

/* One corruption of a valid single-record message, and what it must give. */
struct corruption {
	const char *what;
	size_t offset;		/* from the start of the message */
	size_t len;
	uint8_t byte;
	int expect;
};

#define REC(off) (LDMA_WIRE_HDR_LEN + (off))

static const struct corruption corruptions[] = {
	{ "magic", 0, 1, 'X', -EPROTO },
	{ "version", 4, 1, 2, -EPROTO },
	{ "header length", 6, 1, 20, -EPROTO },
	{ "record count 0", 8, 1, 0, -EBADMSG },
	{ "record count 17", 8, 1, LDMA_MAX_FDS + 1, -EBADMSG },
	{ "total length", 12, 1, 0xff, -EBADMSG },
	{ "record length", REC(0), 1, 0x7f, -EBADMSG },
	{ "reserved flags", REC(4), 1, 1, -EBADMSG },
	{ "size 0", REC(8), 8, 0, -EBADMSG },
	{ "width 0 in an image", REC(16), 4, 0, -EBADMSG },
	{ "fourcc 0 in an image", REC(24), 4, 0, -EBADMSG },
	{ "5 planes", REC(28), 1, 5, -EBADMSG },
	{ "plane stride 0", REC(32), 4, 0, -EBADMSG },
	{ "plane offset past size", REC(47), 1, 0xff, -EBADMSG },
	{ "unused plane not zero", REC(48), 1, 1, -EBADMSG },
	{ "heap not terminated", REC(64), 64, 'a', -EBADMSG },
	{ "garbage after heap NUL", REC(64 + 20), 1, 'z', -EBADMSG },
};

TEST(wire_decode_rejects_each_corruption)
{
	struct ldma_meta m = image_meta(), out;
	uint8_t good[LDMA_WIRE_MAX_LEN], bad[LDMA_WIRE_MAX_LEN];
	size_t i;
	int len;

	len = encode_one(&m, good);
	ASSERT_LT(0, len);
	ASSERT_EQ(1, ldma_wire_decode(good, (size_t)len, &out, 1));

	for (i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++) {
		const struct corruption *c = &corruptions[i];

		memcpy(bad, good, (size_t)len);
		memset(bad + c->offset, c->byte, c->len);
		EXPECT_EQ(c->expect, ldma_wire_decode(bad, (size_t)len, &out, 1))
			TH_LOG("corruption: %s", c->what);
	}
}

TEST(wire_decode_checks_length_and_room)
{
	struct ldma_meta m[2] = { image_meta(), image_meta() }, out[2];
	uint8_t buf[LDMA_WIRE_MAX_LEN];
	int len;

	len = ldma_wire_encode(m, 2, buf, sizeof(buf));
	ASSERT_LT(0, len);
	EXPECT_EQ(-EBADMSG, ldma_wire_decode(buf, (size_t)len - 1, out, 2));
	EXPECT_EQ(-EBADMSG, ldma_wire_decode(buf, LDMA_WIRE_HDR_LEN - 1, out, 2));
	EXPECT_EQ(-EMSGSIZE, ldma_wire_decode(buf, (size_t)len, out, 1));
}

TEST_HARNESS_MAIN
