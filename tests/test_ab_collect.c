// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb ab's transfer from the guest: files arrive only whole and checked; a
 * bad checksum, a cut-off transfer or a name that could leave the run
 * directory is an error naming the file.
 */
#include "check.h"
#include "collect.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "hello world\n": 12 bytes. */
#define HELLO_B64 "aGVsbG8gd29ybGQK"
#define HELLO_SHA "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"

struct got {
	int files;
	char last[256];
	size_t len;
};

static int count(void *ctx, const char *name, const unsigned char *data, size_t len, char *err,
		 size_t errlen)
{
	struct got *g = ctx;

	(void)err;
	(void)errlen;
	g->files++;
	snprintf(g->last, sizeof(g->last), "%s", name);
	g->len = len;
	CHECK(len != 12 || !memcmp(data, "hello world\n", 12));
	return 0;
}

static int parse(const char *text, struct got *g, json_t **rec, char *err, size_t errlen)
{
	memset(g, 0, sizeof(*g));
	*rec = json_object();
	err[0] = '\0';
	return kmb_ab_transfer_parse(text, strlen(text), count, g, *rec, err, errlen);
}

static void expect_error(const char *body, const char *want)
{
	char text[4096], err[512];
	struct got g;
	json_t *rec;

	snprintf(text, sizeof(text), "KMB-AB-READY uptime=1.0 release=6.1\r\n%s", body);
	if (parse(text, &g, &rec, err, sizeof(err)) != -1 || !strstr(err, want)) {
		fprintf(stderr, "for:\n%s\n  got '%s', want '%s'\n", body, err, want);
		check_failures++;
	}
	json_decref(rec);
}

#define FILE_OK(name) "KMB-AB-FILE " name " 12 " HELLO_SHA "\n" HELLO_B64 "\nKMB-AB-FILE-END\n"
#define DONE "KMB-AB-EXIT 0\nKMB-AB-DONE\n"

static void test_good(void)
{
	char err[512];
	struct got g;
	json_t *rec, *f;
	const char *text = "console noise before\n"
			   "KMB-AB-READY uptime=3.82 release=6.1.0\r\n"
			   "KMB-AB-SYSCTL ok vm.swappiness\n"
			   "KMB-AB-BENCH-START\n"
			   "KMB-AB-LOG kmb bench: writing /tmp/run\n"
			   "KMB-AB-BENCH-END status=1\n" FILE_OK("run/manifest.json")
				   FILE_OK("run/logs/kernel-config.gz") FILE_OK("log/bench.out")
					   "KMB-AB-FILE run/empty 0 "
			   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
			   "KMB-AB-FILE-END\n"
			   "KMB-AB-EXIT 1\nKMB-AB-DONE\ntrailing power-off noise\n";

	CHECK(parse(text, &g, &rec, err, sizeof(err)) == 0);
	if (err[0])
		fprintf(stderr, "unexpected: %s\n", err);
	CHECK(g.files == 4);
	CHECK_STREQ(g.last, "run/empty");
	CHECK(g.len == 0);
	CHECK(json_integer_value(json_object_get(rec, "bench_exit")) == 1);
	CHECK(json_array_size(json_object_get(rec, "files")) == 4);
	f = json_array_get(json_object_get(rec, "files"), 0);
	CHECK_STREQ(json_string_value(json_object_get(f, "sha256")), HELLO_SHA);
	CHECK(json_integer_value(json_object_get(f, "bytes")) == 12);
	CHECK_STREQ(json_string_value(json_array_get(json_object_get(rec, "sysctl"), 0)),
		    "ok vm.swappiness");
	CHECK_STREQ(json_string_value(json_object_get(rec, "ready")), "uptime=3.82 release=6.1.0");
	json_decref(rec);
}

static void test_bad(void)
{
	expect_error("KMB-AB-FILE run/a 12 " HELLO_SHA "\naGVsbG8gd29ybGQL\nKMB-AB-FILE-END\n" DONE,
		     "run/a: checksum mismatch");
	expect_error("KMB-AB-FILE run/a 13 " HELLO_SHA "\n" HELLO_B64 "\nKMB-AB-FILE-END\n" DONE,
		     "12 bytes received, 13 announced");
	expect_error("KMB-AB-FILE run/a 12 " HELLO_SHA "\n" HELLO_B64 "\n", "run/a was cut off");
	expect_error("KMB-AB-FILE run/a 12 " HELLO_SHA "\naGVs\nKMB-AB-EXIT 0\n", "cut off by");
	expect_error("KMB-AB-FILE run/a 12 " HELLO_SHA "\n!!!!\nKMB-AB-FILE-END\n" DONE,
		     "not base64");
	expect_error("KMB-AB-FILE run/a 12 " HELLO_SHA "\naGVsbG8gd29ybGQ\nKMB-AB-FILE-END\n" DONE,
		     "");
	expect_error("KMB-AB-FILE run/../etc/passwd 12 " HELLO_SHA "\n", "refusing file name");
	expect_error("KMB-AB-FILE run/.lock 12 " HELLO_SHA "\n", "refusing file name");
	expect_error("KMB-AB-FILE /etc/passwd 12 " HELLO_SHA "\n", "refusing file name");
	expect_error("KMB-AB-FILE log/a/b 12 " HELLO_SHA "\n", "refusing file name");
	expect_error("KMB-AB-FILE run/a/ 12 " HELLO_SHA "\n", "refusing file name");
	expect_error("KMB-AB-FILE run/a b 12 " HELLO_SHA "\n", "malformed");
	expect_error("KMB-AB-FILE run/a 12 xyz\n", "malformed");
	expect_error("KMB-AB-FILE run/a 99999999999 " HELLO_SHA "\n", "too large");
	expect_error(FILE_OK("run/a") FILE_OK("run/a") DONE, "run/a sent twice");
	expect_error(FILE_OK("run/a"), "incomplete (no KMB-AB-DONE");
	{
		char err[256];
		struct got g;
		json_t *rec;

		CHECK(parse("just a console\n", &g, &rec, err, sizeof(err)) == -1);
		CHECK(strstr(err, "nothing from the guest") != NULL);
		json_decref(rec);
	}
}

/* The files land in the run directory and the logs, nowhere else. */
static void test_collect(void)
{
	const char *tmp = getenv("KMB_TEST_TMP");
	char dir[PATH_MAX], xfer[PATH_MAX + 16], run[PATH_MAX + 16], logs[PATH_MAX + 16],
		path[PATH_MAX + 64], err[512], *text;
	json_t *rec = json_object();
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/test_ab_collect.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		check_failures++;
		return;
	}
	snprintf(xfer, sizeof(xfer), "%s/xfer", dir);
	snprintf(run, sizeof(run), "%s/base", dir);
	snprintf(logs, sizeof(logs), "%s/logs", dir);
	mkdir(logs, 0755);
	f = fopen(xfer, "w");
	fputs("KMB-AB-READY uptime=1\n" FILE_OK("run/manifest.json") FILE_OK("run/logs/x.txt")
		      FILE_OK("log/bench.out") DONE,
	      f);
	fclose(f);
	CHECK(kmb_ab_collect(xfer, run, logs, "base", rec, err, sizeof(err)) == 0);
	snprintf(path, sizeof(path), "%s/manifest.json", run);
	text = kmb_read_text(path);
	CHECK(text && !strcmp(text, "hello world\n"));
	free(text);
	snprintf(path, sizeof(path), "%s/logs/x.txt", run);
	CHECK(access(path, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/base-bench.out", logs);
	CHECK(access(path, F_OK) == 0);
	/* A FIFO in place of the transfer log is refused, not read. */
	unlink(xfer);
	CHECK(mkfifo(xfer, 0644) == 0);
	CHECK(kmb_ab_collect(xfer, run, logs, "base", rec, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a regular file") != NULL);
	json_decref(rec);
	kmb_rm_rf(dir);
}

int main(void)
{
	test_good();
	test_bad();
	test_collect();
	CHECK_DONE();
}
