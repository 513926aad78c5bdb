// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pipeline's pure parts (pipeline/, Documentation/pipeline.rst):
 * their messages and the checks a receiver makes, the test pattern, the
 * NV12 conversion and the PNG writer. The stages themselves run in the
 * guest (selftests/pipeline/).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "bars.h"
#include "codec.h"
#include "convert.h"
#include "harness.h"
#include "pattern.h"
#include "png.h"
#include "proto.h"
#include "test_util.h"

FIXTURE(link) {
	int sv[2];
	int fds_open;
};

FIXTURE_SETUP(link)
{
	self->fds_open = count_fds();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, self->sv));
}

FIXTURE_TEARDOWN(link)
{
	if (self->sv[0] >= 0)
		close(self->sv[0]);
	if (self->sv[1] >= 0)
		close(self->sv[1]);
}

TEST_F(link, frame_arrives_as_sent)
{
	struct pl_msg out, in;

	memset(&out, 0, sizeof(out));
	out.u.frame.index = 3;
	out.u.frame.seq = 77;
	out.u.frame.checksum = 0x1122334455667788ull;
	ASSERT_EQ(0, pl_send(self->sv[0], &out, PL_FRAME));
	ASSERT_EQ(PL_FRAME, pl_recv(self->sv[1], &in, 1000));
	EXPECT_EQ(3u, in.u.frame.index);
	EXPECT_EQ(77u, in.u.frame.seq);
	EXPECT_EQ(0x1122334455667788ull, in.u.frame.checksum);
}

TEST_F(link, silence_times_out_and_hangup_is_connreset)
{
	struct pl_msg in;

	EXPECT_EQ(-ETIMEDOUT, pl_recv(self->sv[1], &in, 10));
	close(self->sv[0]);
	self->sv[0] = -1;
	EXPECT_EQ(-ECONNRESET, pl_recv(self->sv[1], &in, 1000));
}

/*
 * A peer that closes with our messages unread leaves ECONNRESET pending;
 * its ABORT, queued before, must still be read first.
 */
TEST_F(link, abort_of_a_peer_that_closed_is_read_before_the_reset)
{
	struct pl_msg in;

	ASSERT_EQ(0, pl_send_release(self->sv[1], 1, 1));	/* left unread */
	ASSERT_EQ(0, pl_send_abort(self->sv[0], PL_ABORT, "gpu", "camera went away"));
	close(self->sv[0]);
	self->sv[0] = -1;
	ASSERT_EQ(PL_ABORT, pl_recv(self->sv[1], &in, 1000));
	EXPECT_STREQ("gpu", in.u.abort.stage);
	EXPECT_STREQ("camera went away", in.u.abort.reason);
	EXPECT_EQ(-ECONNRESET, pl_recv(self->sv[1], &in, 1000));
}

/* Raw bytes that are not a message of the protocol, optionally with an fd. */
static void send_raw(int sock, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctrl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	memset(&ctrl, 0, sizeof(ctrl));
	if (fd >= 0) {
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = sizeof(ctrl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	sendmsg(sock, &mh, 0);
}

TEST_F(link, malformed_messages_are_ebadmsg)
{
	union {
		struct pl_msg msg;
		char longer[sizeof(struct pl_msg) + 8];
	} buf;
	struct pl_msg *msg = &buf.msg, in;
	size_t len = offsetof(struct pl_msg, u) + sizeof(struct pl_release);

	memset(&buf, 0, sizeof(buf));
	msg->magic = PL_MAGIC;
	msg->version = PL_VERSION;
	msg->type = PL_RELEASE;
	msg->length = (uint32_t)len;
	send_raw(self->sv[0], msg, len, -1);
	EXPECT_EQ(PL_RELEASE, pl_recv(self->sv[1], &in, 1000));

	send_raw(self->sv[0], msg, len - 1, -1);		/* short */
	EXPECT_EQ(-EBADMSG, pl_recv(self->sv[1], &in, 1000));
	msg->magic ^= 1;
	send_raw(self->sv[0], msg, len, -1);
	EXPECT_EQ(-EBADMSG, pl_recv(self->sv[1], &in, 1000));
	msg->magic ^= 1;
	msg->version = PL_VERSION + 1;
	send_raw(self->sv[0], msg, len, -1);
	EXPECT_EQ(-EBADMSG, pl_recv(self->sv[1], &in, 1000));
	msg->version = PL_VERSION;
	msg->type = 99;
	send_raw(self->sv[0], msg, len, -1);
	EXPECT_EQ(-EBADMSG, pl_recv(self->sv[1], &in, 1000));
	msg->type = PL_FRAME;					/* another type's length */
	send_raw(self->sv[0], msg, len, -1);
	EXPECT_EQ(-EBADMSG, pl_recv(self->sv[1], &in, 1000));
	send_raw(self->sv[0], &buf, sizeof(buf), -1);		/* too long */
	EXPECT_EQ(-EBADMSG, pl_recv(self->sv[1], &in, 1000));
}

TEST_F(link, descriptor_where_none_belongs_is_closed)
{
	struct pl_msg msg, in;
	int fd = memfd_sized(4096);
	size_t len = offsetof(struct pl_msg, u) + sizeof(struct pl_release);

	ASSERT_LE(0, fd);
	memset(&msg, 0, sizeof(msg));
	msg.magic = PL_MAGIC;
	msg.version = PL_VERSION;
	msg.type = PL_RELEASE;
	msg.length = (uint32_t)len;
	send_raw(self->sv[0], &msg, len, fd);
	close(fd);
	EXPECT_EQ(-EBADMSG, pl_recv(self->sv[1], &in, 1000));
	EXPECT_EQ(self->fds_open + 2, count_fds());	/* just the socket pair */
}

TEST_F(link, unterminated_strings_are_ebadmsg)
{
	struct pl_msg msg, in;

	memset(&msg, 'x', sizeof(msg));
	ASSERT_EQ(0, pl_send(self->sv[0], &msg, PL_ABORT));
	EXPECT_EQ(-EBADMSG, pl_recv(self->sv[1], &in, 1000));
	memset(&msg, 0, sizeof(msg));
	msg.u.end.nstats = PL_MAX_STATS + 1;
	ASSERT_EQ(0, pl_send(self->sv[0], &msg, PL_END));
	EXPECT_EQ(-EBADMSG, pl_recv(self->sv[1], &in, 1000));
}

TEST_F(link, ring_with_miscounting_hello_closes_every_buffer)
{
	struct ldma_meta meta[2], got[PL_MAX_DEPTH];
	int fds[2], in[PL_MAX_DEPTH], i;
	struct pl_msg hello;
	char why[PL_REASON_LEN] = "";

	memset(meta, 0, sizeof(meta));
	for (i = 0; i < 2; i++) {
		fds[i] = memfd_sized(4096);
		ASSERT_LE(0, fds[i]);
		meta[i].size = 4096;
	}
	memset(&hello, 0, sizeof(hello));
	hello.u.hello.depth = 2;
	ASSERT_EQ(0, pl_send_ring(self->sv[0], fds, meta, &hello));
	ASSERT_EQ(2, pl_recv_ring(self->sv[1], in, got, &hello, 1000, why, sizeof(why)));
	close(in[0]);
	close(in[1]);

	hello.u.hello.depth = 3;
	ASSERT_EQ(0, ldma_send(self->sv[0], fds, meta, 2));
	ASSERT_EQ(0, pl_send(self->sv[0], &hello, PL_HELLO));
	EXPECT_EQ(-EBADMSG, pl_recv_ring(self->sv[1], in, got, &hello, 1000, why, sizeof(why)));
	EXPECT_STREQ("HELLO announces 3 buffers but 2 arrived", why);
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(self->fds_open + 2, count_fds());
}

static void nv12_meta(struct ldma_meta *m, uint32_t w, uint32_t h)
{
	memset(m, 0, sizeof(*m));
	m->width = w;
	m->height = h;
	m->fourcc = DRM_FORMAT_NV12;
	m->num_planes = 2;
	m->size = (uint64_t)w * h * 3 / 2;
	m->planes[0].stride = w;
	m->planes[1].stride = w;
	m->planes[1].offset = w * h;
}

TEST(image_checks_name_what_is_wrong)
{
	struct ldma_meta m;
	char why[PL_REASON_LEN];

	nv12_meta(&m, 64, 32);
	EXPECT_EQ(0, pl_check_image(&m, DRM_FORMAT_NV12, why, sizeof(why)));
	EXPECT_EQ(-EBADMSG, pl_check_image(&m, DRM_FORMAT_XRGB8888, why, sizeof(why)));
	EXPECT_STREQ("fourcc NV12 (0x3231564e), expected XR24", why);

	m.planes[1].offset += 64;
	EXPECT_EQ(-EBADMSG, pl_check_image(&m, DRM_FORMAT_NV12, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "plane 1: 16 lines of 64 bytes from offset 2112 end past the buffer"));

	nv12_meta(&m, 64, 32);
	m.planes[0].stride = 60;
	EXPECT_EQ(-EBADMSG, pl_check_image(&m, DRM_FORMAT_NV12, why, sizeof(why)));
	EXPECT_STREQ("plane 0: stride 60 is shorter than a line (64 bytes)", why);

	nv12_meta(&m, 63, 32);
	EXPECT_EQ(-EBADMSG, pl_check_image(&m, DRM_FORMAT_NV12, why, sizeof(why)));

	nv12_meta(&m, 64, 32);
	m.fourcc = 0x01020304;
	EXPECT_EQ(-EBADMSG, pl_check_image(&m, DRM_FORMAT_NV12, why, sizeof(why)));
	EXPECT_STREQ("fourcc ???? (0x01020304), expected NV12", why);
}

TEST(pattern_plan_covers_the_frame_once)
{
	static const uint32_t sizes[][2] = { { 640, 480 }, { 320, 240 }, { 16, 64 }, { 1920, 1080 } };
	struct pattern_fill f[PATTERN_MAX_FILLS];
	struct nv12_layout l;
	unsigned int s, seq, k;
	unsigned char *seen;
	uint64_t o;
	int n;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		ASSERT_EQ(0, nv12_layout_init(&l, sizes[s][0], sizes[s][1]));
		seen = calloc(1, l.size);
		ASSERT_NE(NULL, seen);
		for (seq = 0; seq < 300; seq += 7) {
			memset(seen, 0, l.size);
			n = pattern_plan(&l, seq, f);
			ASSERT_LE(1, n);
			ASSERT_GE(PATTERN_MAX_FILLS, n);
			for (k = 0; k < (unsigned int)n; k++) {
				ASSERT_EQ(0u, f[k].offset % 4);
				ASSERT_EQ(0u, f[k].length % 4);
				ASSERT_LE(f[k].offset + f[k].length, l.size);
				for (o = f[k].offset; o < f[k].offset + f[k].length; o++) {
					ASSERT_EQ(0, seen[o]);
					seen[o] = 1;
				}
			}
			for (o = 0; o < l.size; o++)
				ASSERT_EQ(1, seen[o]);
		}
		free(seen);
	}
	EXPECT_EQ(-EINVAL, nv12_layout_init(&l, 641, 480));
	EXPECT_EQ(-EINVAL, nv12_layout_init(&l, 8, 480));
}

TEST(pattern_carries_the_frame_counter_and_moves)
{
	struct nv12_layout l;
	unsigned char *a, *b;

	ASSERT_EQ(0, nv12_layout_init(&l, 320, 240));
	a = malloc(l.size);
	b = malloc(l.size);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	pattern_render(&l, 70000, a);
	EXPECT_EQ(70000u & 0xffff, pattern_frame_seq(a));
	pattern_render(&l, 70001, b);
	EXPECT_EQ(70001u & 0xffff, pattern_frame_seq(b));
	EXPECT_NE(0, memcmp(a, b, l.size));
	free(a);
	free(b);
}

TEST(conversion_of_white_black_and_red)
{
	struct nv12_layout l;
	unsigned char frame[16 * 2 * 3 / 2];
	uint32_t out[16 * 2];

	memset(&l, 0, sizeof(l));
	l.width = 16;
	l.height = 2;
	l.stride = 16;
	l.uv_stride = 16;
	l.uv_offset = 32;
	l.size = sizeof(frame);
	memset(frame, 235, 16);			/* line 0: white */
	memset(frame + 16, 16, 16);		/* line 1: black */
	memset(frame + 32, 128, 16);		/* neutral chroma */
	frame[32] = 100;			/* pixels 0-1: red */
	frame[33] = 212;
	frame[16] = frame[17] = 65;
	nv12_to_xrgb(&l, frame, (uint8_t *)out, 16 * 4);
	EXPECT_EQ(0xffffffffu, out[2]);
	EXPECT_EQ(0xff000000u, out[16 + 2]);
	EXPECT_LE(0xb0u, (out[16] >> 16) & 0xff);
	EXPECT_GE(0x10u, (out[16] >> 8) & 0xff);
	EXPECT_GE(0x10u, out[16] & 0xff);
}

TEST(png_checksums_match_their_references)
{
	EXPECT_EQ(0xcbf43926u, png_crc32(0, (const uint8_t *)"123456789", 9));
	EXPECT_EQ(0x11e60398u, png_adler32(1, (const uint8_t *)"Wikipedia", 9));
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

TEST(png_is_well_formed_and_holds_the_pixels)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint32_t px[3 * 2] = { 0xff102030, 0xff405060, 0xff708090,
			       0xffa0b0c0, 0xffd0e0f0, 0xff000000 };
	uint8_t file[4096], z[1024], *p;
	size_t zlen = 0, n, i;
	char path[] = "/tmp/libdma-png.XXXXXX";
	uint32_t len;
	FILE *f;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, png_write_xrgb(path, (const uint8_t *)px, 3, 2, 12));
	f = fopen(path, "rb");
	ASSERT_NE(NULL, f);
	n = fread(file, 1, sizeof(file), f);
	fclose(f);
	unlink(path);
	ASSERT_EQ(0, memcmp(file, sig, 8));
	/* Every chunk's CRC; the IDAT data in one zlib stream. */
	for (p = file + 8; p < file + n; p += 12 + len) {
		len = be32(p);
		ASSERT_EQ(be32(p + 8 + len), png_crc32(0, p + 4, 4 + len));
		if (!memcmp(p + 4, "IHDR", 4)) {
			EXPECT_EQ(3u, be32(p + 8));
			EXPECT_EQ(2u, be32(p + 12));
			EXPECT_EQ(8, p[16]);
			EXPECT_EQ(2, p[17]);
		}
		if (!memcmp(p + 4, "IDAT", 4)) {
			memcpy(z + zlen, p + 8, len);
			zlen += len;
		}
	}
	/* zlib header, one final stored block of 2 rows x (1 + 9) bytes, Adler-32. */
	ASSERT_EQ(2 + 5 + 20 + 4u, zlen);
	EXPECT_EQ(0, (z[0] << 8 | z[1]) % 31);
	EXPECT_EQ(1, z[2]);
	EXPECT_EQ(20, z[3] | z[4] << 8);
	EXPECT_EQ(0xffff ^ 20, z[5] | z[6] << 8);
	for (i = 0; i < 6; i++) {
		const uint8_t *rgb = z + 7 + (i / 3) * 10 + 1 + (i % 3) * 3;

		EXPECT_EQ((px[i] >> 16) & 0xff, rgb[0]);
		EXPECT_EQ((px[i] >> 8) & 0xff, rgb[1]);
		EXPECT_EQ(px[i] & 0xff, rgb[2]);
	}
	EXPECT_EQ(0, z[7]);
	EXPECT_EQ(png_adler32(1, z + 7, 20), be32(z + 27));
}

/* An NV12 frame of the eight 75% bars, as vivid draws them. */
static uint8_t *bars_frame(const struct nv12_layout *l)
{
	static const uint8_t v[8][3] = {
		{ 180, 128, 128 }, { 162, 44, 142 }, { 131, 156, 44 }, { 112, 72, 58 },
		{ 84, 184, 198 }, { 65, 100, 212 }, { 35, 212, 114 }, { 16, 128, 128 },
	};
	uint8_t *f = malloc(l->size);

	for (uint32_t y = 0; f && y < l->height; y++)
		for (uint32_t x = 0; x < l->width; x++) {
			const uint8_t *c = v[x * 8 / l->width];

			f[y * l->stride + x] = c[0];
			if (!(y & 1) && !(x & 1)) {
				f[l->uv_offset + y / 2 * l->uv_stride + x] = c[1];
				f[l->uv_offset + y / 2 * l->uv_stride + x + 1] = c[2];
			}
		}
	return f;
}

TEST(colour_bars_pass_and_a_wrong_bar_is_named)
{
	struct bars_bar bars[BARS_COUNT];
	struct nv12_layout l;
	char why[256];
	uint8_t *f;

	ASSERT_EQ(0, nv12_layout_init(&l, 640, 480));
	f = bars_frame(&l);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0, bars_check(&l, f, bars, why, sizeof(why)));
	EXPECT_EQ(112, bars[3].y);
	/* Within the tolerance: still the bars. */
	f[400 * l.stride + 100] += BARS_TOLERANCE;
	EXPECT_EQ(0, bars_check(&l, f, bars, why, sizeof(why)));
	/* One luma sample of the cyan bar off by one more. */
	f[400 * l.stride + 200] += BARS_TOLERANCE + 1;
	EXPECT_EQ(-EBADMSG, bars_check(&l, f, bars, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "the cyan bar (3 of 8)"));
	/* A blank frame: the first bar is named. */
	memset(f, 0, l.size);
	EXPECT_EQ(-EBADMSG, bars_check(&l, f, bars, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, "the white bar (1 of 8)"));
	free(f);
}

TEST(psnr_of_identical_and_of_known_errors)
{
	struct pl_codec_diff d;
	struct nv12_layout l;
	uint8_t *a, *b;

	ASSERT_EQ(0, nv12_layout_init(&l, 64, 32));
	a = calloc(1, l.size);
	b = calloc(1, l.size);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	pl_codec_compare(&l, a, b, &d);
	EXPECT_EQ(PL_CODEC_PSNR_EXACT, d.psnr_y);
	EXPECT_EQ(0u, d.max_y);
	/* Every luma sample off by 16: MSE 256, PSNR 10 log10(255^2 / 256). */
	memset(b, 16, (size_t)l.stride * l.height);
	pl_codec_compare(&l, a, b, &d);
	EXPECT_LT(fabs(d.psnr_y - 24.0483), 0.001);
	EXPECT_EQ(16u, d.max_y);
	EXPECT_EQ(PL_CODEC_PSNR_EXACT, d.psnr_c);
	free(a);
	free(b);
}

TEST(intra_bound_at_qp_1_and_falls_with_qp)
{
	EXPECT_LT(fabs(pl_codec_intra_bound(1) - 26.59), 0.01);
	EXPECT_GT(pl_codec_intra_bound(1), pl_codec_intra_bound(2));
	EXPECT_GT(pl_codec_intra_bound(2), pl_codec_intra_bound(20));
}

TEST_HARNESS_MAIN
