// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the reports show: units from metric names and time units, human
 * scales, percentages, words wrapped within a width, the kernel command
 * line's words that differ, the CONFIG_ options that differ (the ones that
 * touch memory management first), /proc/vmstat deltas.
 */
#include "check.h"
#include "envdiff.h"
#include "kconfig.h"
#include "kconfig_diff.h"
#include "units.h"
#include "view.h"
#include "vmstat.h"

#include <locale.h>
#include <math.h>
#include <unistd.h>

static const char *fmt(double v, const char *metric, const char *unit)
{
	static char buf[64];
	struct kmb_unit u = kmb_unit_of(metric, unit);

	kmb_unit_format_auto(v, &u, buf, sizeof(buf));
	return buf;
}

static void test_units(void)
{
	struct kmb_unit u;
	struct kmb_scale s;
	char buf[64];

	/* The time unit of real_time; counters by their name. */
	CHECK_STREQ(fmt(431.4, "real_time", "ns"), "431.4 ns");
	CHECK_STREQ(fmt(1767, "real_time", "ms"), "1.767 s");
	CHECK_STREQ(fmt(0.5, "cpu_time", "ms"), "500 µs");
	CHECK_STREQ(fmt(6559, "ns_per_page", ""), "6.559 µs");
	CHECK_STREQ(fmt(12.5, "fg_latency_ns", ""), "12.5 ns");
	CHECK_STREQ(fmt(2.5, "bg_seconds", ""), "2.5 s");
	CHECK_STREQ(fmt(0.9, "background_gib_per_s", ""), "921.6 MiB/s");
	CHECK_STREQ(fmt(3.25, "teardown_gib_per_s", ""), "3.25 GiB/s");
	CHECK_STREQ(fmt(65536, "rss_freed_kib", ""), "64 MiB");
	CHECK_STREQ(fmt(4096, "pages", ""), "4096");
	CHECK_STREQ(fmt(262144, "vmstat_pgfault", ""), "262.1k");
	CHECK_STREQ(fmt(0, "vmstat_pgfault", ""), "0");
	CHECK_STREQ(fmt(NAN, "pages", ""), "-");
	CHECK_STREQ(fmt(-2048, "rss_freed_kib", ""), "-2 MiB");
	/* Nothing makes a cell wide: whole numbers written out, extremes with an exponent. */
	CHECK_STREQ(fmt(123456, "real_time", "s"), "123456 s");
	CHECK_STREQ(fmt(1e300, "ns_per_page", ""), "1e+291 s");
	CHECK(strlen(fmt(-1e-300, "x_gib_per_s", "")) <= 16);
	u = kmb_unit_of("real_time", "us");
	CHECK(kmb_unit_is_time(&u));
	u = kmb_unit_of("pages", "");
	CHECK(!kmb_unit_is_time(&u));
	/* One scale for a row: the cand in the base's unit, the interval without it. */
	u = kmb_unit_of("real_time", "ns");
	s = kmb_unit_scale(&u, 431.4);
	kmb_unit_format(1200, &s, buf, sizeof(buf));
	CHECK_STREQ(buf, "1200 ns");
	kmb_unit_format_number(425, &s, buf, sizeof(buf));
	CHECK_STREQ(buf, "425");
	u = kmb_unit_of("vmstat_pgfault", "");
	s = kmb_unit_scale(&u, 74060);
	kmb_unit_format_number(75000, &s, buf, sizeof(buf));
	CHECK_STREQ(buf, "75k");
	kmb_unit_percent(-0.401, true, buf, sizeof(buf));
	CHECK_STREQ(buf, "-40%");
	kmb_unit_percent(0.031, true, buf, sizeof(buf));
	CHECK_STREQ(buf, "+3.1%");
	kmb_unit_percent(0.0, true, buf, sizeof(buf));
	CHECK_STREQ(buf, "+0.0%");
	kmb_unit_percent(0.021, false, buf, sizeof(buf));
	CHECK_STREQ(buf, "2.1%");
	kmb_unit_percent(NAN, true, buf, sizeof(buf));
	CHECK_STREQ(buf, "-");
}

static void test_wrap(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	char word[300], lead[80];

	memset(lead, 'w', sizeof(lead) - 1);
	lead[sizeof(lead) - 1] = '\0';
	memset(word, 'w', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	kmb_view_wrap(m, "warning (base, at start): ", "    ",
		      "the host was busy: load average 8.11 on 2 CPU(s), 8 runnable tasks: "
		      "timings may be slower and noisier",
		      80);
	kmb_view_wrap(m, "  ", "    ", word, 80);
	/* A lead-in wider than the line is wrapped with the text. */
	kmb_view_wrap(m, lead, "  ", "µs and ± count as one column each", 80);
	kmb_view_wrap(m, "x: ", "  ", "a\x1b[31mred\x1b[0m word", 80);
	fclose(m);
	CHECK(kmb_view_max_width(text) <= 80);
	CHECK(strstr(text, "warning (base, at start): the host was busy: load average 8.11 on 2 "
			   "CPU(s), 8\n    runnable tasks"));
	CHECK(strstr(text, "and ± count as one column each\n"));
	/* No escape sequence reaches a mail. */
	CHECK(!strchr(text, '\x1b'));
	CHECK(kmb_view_max_width("µs±\nabc") == 3);
	free(text);
}

static void test_cmdline_words(void)
{
	json_t *b =
		json_pack("{s:{s:{s:s}}}", "environment", "kernel", "cmdline",
			  "console=ttyS0 quiet dyndbg=\"file mm/* +p\" pvm_no_zero_page=1 quiet");
	json_t *c = json_pack("{s:{s:{s:s}}}", "environment", "kernel", "cmdline",
			      "console=ttyS0  dyndbg=\"file mm/* +p\" quiet ksm=1");
	json_t *d = kmb_env_diff(b, c), *row = json_array_get(json_object_get(d, "diff"), 0);
	json_t *report = json_pack("{s:O}", "environment", d);
	json_t *lines = kmb_view_env_lines(report, 10);

	CHECK_STREQ(json_string_value(json_object_get(row, "field")), "kernel.cmdline");
	CHECK(json_array_size(json_object_get(row, "removed")) == 2);
	CHECK_STREQ(json_string_value(json_array_get(json_object_get(row, "removed"), 0)),
		    "pvm_no_zero_page=1");
	CHECK_STREQ(json_string_value(json_array_get(json_object_get(row, "removed"), 1)), "quiet");
	CHECK(json_array_size(json_object_get(row, "added")) == 1);
	CHECK_STREQ(json_string_value(json_array_get(json_object_get(row, "added"), 0)), "ksm=1");
	CHECK_STREQ(json_string_value(json_array_get(lines, 0)),
		    "kernel.cmdline: -pvm_no_zero_page=1 -quiet +ksm=1");
	json_decref(lines);
	json_decref(report);
	json_decref(d);
	json_decref(b);
	json_decref(c);
}

static void test_kconfig(void)
{
	const char *base = "# comment\nCONFIG_A=y\nCONFIG_KSM=y\n# CONFIG_B is not set\n"
			   "CONFIG_STR=\"x=y\"\nCONFIG_GONE=m\nCONFIG_TRANSPARENT_HUGEPAGE=y\n";
	const char *cand = "CONFIG_A=y\n# CONFIG_KSM is not set\nCONFIG_STR=\"x=z\"\n"
			   "CONFIG_TRANSPARENT_HUGEPAGE=y\nCONFIG_NEW=y\nCONFIG_B=n\n";
	json_t *opts = kmb_kconfig_options(base), *d, *o;
	char path[] = "/tmp/kmb-kconfig.XXXXXX", err[256], *text;
	int fd;

	CHECK_STREQ(json_string_value(json_object_get(opts, "CONFIG_B")), "n");
	CHECK_STREQ(json_string_value(json_object_get(opts, "CONFIG_STR")), "\"x=y\"");
	CHECK(json_object_size(opts) == 6);
	json_decref(opts);
	d = kmb_kconfig_diff_text(base, cand, 2);
	/* KSM (memory management) first, then by name; "not set" equals absent. */
	CHECK(json_integer_value(json_object_get(d, "total")) == 4);
	CHECK(json_array_size(json_object_get(d, "options")) == 2);
	o = json_array_get(json_object_get(d, "options"), 0);
	CHECK_STREQ(json_string_value(json_object_get(o, "option")), "CONFIG_KSM");
	CHECK_STREQ(json_string_value(json_object_get(o, "cand")), "n");
	o = json_array_get(json_object_get(d, "options"), 1);
	CHECK_STREQ(json_string_value(json_object_get(o, "option")), "CONFIG_GONE");
	CHECK(json_is_null(json_object_get(o, "cand")) || !json_object_get(o, "cand"));
	json_decref(d);
	CHECK(!kmb_kconfig_diff_text(NULL, cand, 2));

	/* The safe reader: plain text passes, a directory is refused. */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, base, strlen(base)) == (ssize_t)strlen(base));
	close(fd);
	text = kmb_kconfig_load(path, err, sizeof(err));
	CHECK(text && !strcmp(text, base));
	free(text);
	unlink(path);
	CHECK(!kmb_kconfig_load("/", err, sizeof(err)));
	CHECK(strstr(err, "not a regular file"));
}

static void add_delta(const char *name, double delta, void *arg)
{
	json_object_set_new(arg, name, json_real(delta));
}

static void test_vmstat(void)
{
	char path[] = "/tmp/kmb-vmstat.XXXXXX";
	struct kmb_vmstat a, b;
	json_t *d = json_object();
	FILE *f;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fputs("pgfault 100\npgalloc_normal 10\npgalloc_dma32 5\nthp_fault_alloc 3\nnr_free 7\n", f);
	fclose(f);
	CHECK(!kmb_vmstat_read(path, &a));
	f = fopen(path, "w");
	fputs("pgfault 150\npgalloc_normal 30\npgalloc_dma32 5\nthp_fault_alloc 1\n", f);
	fclose(f);
	CHECK(!kmb_vmstat_read(path, &b));
	kmb_vmstat_deltas(&a, &b, add_delta, d);
	CHECK(json_number_value(json_object_get(d, "vmstat_pgfault")) == 50);
	/* The zones' allocations add up. */
	CHECK(json_number_value(json_object_get(d, "vmstat_pgalloc")) == 20);
	/* A counter that went back was reset: no delta. */
	CHECK(!json_object_get(d, "vmstat_thp_fault_alloc"));
	CHECK(!json_object_get(d, "vmstat_pgmajfault"));
	json_decref(d);
	unlink(path);
	/* This host's own /proc/vmstat has page faults. */
	CHECK(!kmb_vmstat_read(NULL, &a));
	CHECK(a.have[0]);
}

int main(void)
{
	/* As kmb compare runs: UTF-8 whatever the caller's locale. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		CHECK_SKIP("no C.UTF-8 locale");
	test_units();
	test_wrap();
	test_cmdline_words();
	test_kconfig();
	test_vmstat();
	return check_failures ? 1 : 0;
}
