// SPDX-License-Identifier: LGPL-2.1-or-later
/* cli_parse_size(): the SIZE argument of dmabuf alloc (cli/size.c). */
#include "harness.h"
#include "dmabuf.h"

TEST(parse_size_accepts_plain_and_suffixed_numbers)
{
	static const struct {
		const char *text;
		size_t bytes;
	} ok[] = {
		{ "4096", 4096 }, { "0", 0 }, { "64K", 64 << 10 },
		{ "64k", 64 << 10 }, { "16M", 16 << 20 }, { "16MiB", 16 << 20 },
		{ "1G", (size_t)1 << 30 }, { "2GB", (size_t)2 << 30 },
		{ "0x1000", 4096 }, { "0x10K", 16 << 10 },
	};
	size_t i, v;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		EXPECT_EQ(0, cli_parse_size(ok[i].text, &v)) TH_LOG("%s", ok[i].text);
		EXPECT_EQ(ok[i].bytes, v) TH_LOG("%s", ok[i].text);
	}
}

TEST(parse_size_rejects_garbage_einval)
{
	static const char *const bad[] = {
		"", "K", "-1", " 1", "+1", "1T", "1KK", "1 K", "1Kb", "0x", "0x-1",
		"12abc", "1.5M",
	};
	size_t i, v;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, cli_parse_size(bad[i], &v)) TH_LOG("case %zu", i);
	EXPECT_EQ(-EINVAL, cli_parse_size(NULL, &v));
	EXPECT_EQ(-EINVAL, cli_parse_size("1", NULL));
}

TEST(parse_size_rejects_overflow_erange)
{
	size_t v;

	EXPECT_EQ(-ERANGE, cli_parse_size("99999999999999999999999", &v));
	EXPECT_EQ(-ERANGE, cli_parse_size(sizeof(size_t) == 8 ?
					   "17179869184G" : "4G", &v));
}

TEST_HARNESS_MAIN
