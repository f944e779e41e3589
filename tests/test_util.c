// SPDX-License-Identifier: GPL-2.0-only
/* Sizes and names. */
#include "check.h"
#include "results.h"
#include "util.h"


static void test_parse_size(void)
{
	char err[128];
	uint64_t v = 0, list[4];

	CHECK(kmb_parse_size("64M", &v, err, sizeof(err)) == 0);
	CHECK_EQ_U64(v, 64ULL << 20);
	CHECK(kmb_parse_size("1G", &v, err, sizeof(err)) == 0);
	CHECK_EQ_U64(v, 1ULL << 30);
	CHECK(kmb_parse_size("2GiB", &v, err, sizeof(err)) == 0);
	CHECK_EQ_U64(v, 2ULL << 30);
	CHECK(kmb_parse_size("4096", &v, err, sizeof(err)) == 0);
	CHECK_EQ_U64(v, 4096);
	CHECK(kmb_parse_size("16k", &v, err, sizeof(err)) == 0);
	CHECK_EQ_U64(v, 16384);
	CHECK(kmb_parse_size("12Q", &v, err, sizeof(err)) == -1);
	CHECK(strstr(err, "12Q") != NULL);
	CHECK(kmb_parse_size("", &v, err, sizeof(err)) == -1);
	CHECK(kmb_parse_size("-1G", &v, err, sizeof(err)) == -1);
	CHECK(kmb_parse_size("0", &v, err, sizeof(err)) == -1);
	CHECK(kmb_parse_size("99999999999T", &v, err, sizeof(err)) == -1);
	CHECK(kmb_parse_size_list("64M,1G", list, 4, err, sizeof(err)) == 2);
	CHECK_EQ_U64(list[1], 1ULL << 30);
	CHECK(kmb_parse_size_list("64M,,", list, 4, err, sizeof(err)) == 1);
	CHECK(kmb_parse_size_list(",", list, 4, err, sizeof(err)) == -1);
	CHECK(kmb_parse_size_list("1M,2M,3M,4M,5M", list, 4, err, sizeof(err)) == -1);
}

static void test_format_size(void)
{
	char buf[32];

	kmb_format_size(64ULL << 20, buf, sizeof(buf));
	CHECK_STREQ(buf, "64M");
	kmb_format_size(1ULL << 30, buf, sizeof(buf));
	CHECK_STREQ(buf, "1G");
	kmb_format_size(1536ULL << 10, buf, sizeof(buf));
	CHECK_STREQ(buf, "1536K");
	kmb_format_size(1000, buf, sizeof(buf));
	CHECK_STREQ(buf, "1000");
}

static void test_base_name(void)
{
	char buf[128];

	kmb_bench_base_name("zeropage/read_fault/1G/iterations:1/manual_time", buf, sizeof(buf));
	CHECK_STREQ(buf, "zeropage/read_fault/1G");
	kmb_bench_base_name("reference/clear_page_hot/iterations:64/manual_time", buf,
			    sizeof(buf));
	CHECK_STREQ(buf, "reference/clear_page_hot");
	kmb_bench_base_name("a/b/repeats:3/real_time", buf, sizeof(buf));
	CHECK_STREQ(buf, "a/b");
	kmb_bench_base_name("plain", buf, sizeof(buf));
	CHECK_STREQ(buf, "plain");
}

static void test_sysfs_selected(void)
{
	char buf[32];

	kmb_sysfs_selected("always [madvise] never\n", buf, sizeof(buf));
	CHECK_STREQ(buf, "madvise");
	kmb_sysfs_selected("1\n", buf, sizeof(buf));
	CHECK_STREQ(buf, "1");
}

int main(void)
{
	test_parse_size();
	test_format_size();
	test_base_name();
	test_sysfs_selected();
	CHECK_DONE();
}
