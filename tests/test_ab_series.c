// SPDX-License-Identifier: GPL-2.0-only
/* kmb ab series files: every directive, and every error naming file and line. */
#include "check.h"
#include "series.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char patch_text[] = "--- a/mm/memory.c\n+++ b/mm/memory.c\n@@ -1 +1 @@\n-a\n+b\n";

static char dir[PATH_MAX];

static void write_file(const char *name, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static struct kmb_ab_series *parse(const char *text, char *err, size_t errlen, int *rc)
{
	struct kmb_ab_series *s = calloc(1, sizeof(*s));
	char file[PATH_MAX + 16];

	snprintf(file, sizeof(file), "%s/series", dir);
	err[0] = '\0';
	*rc = kmb_ab_series_parse(text, strlen(text), file, dir, s, err, errlen);
	return s;
}

/* The text must fail with a message holding "series:LINE:" and want. */
static void expect_error(const char *text, int line, const char *want)
{
	char err[1024], where[64];
	int rc;
	struct kmb_ab_series *s = parse(text, err, sizeof(err), &rc);

	snprintf(where, sizeof(where), line ? "/series:%d: " : "/series: ", line);
	if (rc != -1 || !strstr(err, where) || !strstr(err, want)) {
		fprintf(stderr, "for %s\n  got rc %d, '%s'\n  want '%s' and '%s'\n", text, rc, err,
			where, want);
		check_failures++;
	}
	free(s);
}

static void test_directives(void)
{
	char err[1024], buf[512];
	int rc;
	struct kmb_ab_series *s = parse("# a comment\n"
					"\n"
					"  0001-first.patch  \n"
					"patch 0002-second.patch\n"
					"revert 06201e00ee3e\n"
					"pick v6.10~3\n"
					"cmdline transparent_hugepage=never  kvm.async_destroy=0\n"
					"sysctl vm.overcommit_memory = 1\n"
					"sysctl vm/swappiness=10\n"
					"filter ^(zeropage|thp)/\n"
					"   # indented comment\n",
					err, sizeof(err), &rc);

	CHECK(rc == 0);
	if (rc)
		fprintf(stderr, "unexpected error: %s\n", err);
	CHECK(s->nsteps == 4);
	CHECK(s->steps[0].kind == KMB_AB_PATCH && s->steps[0].line == 3);
	CHECK_STREQ(s->steps[0].name, "0001-first.patch");
	snprintf(buf, sizeof(buf), "%s/0001-first.patch", dir);
	CHECK_STREQ(s->steps[0].arg, buf);
	CHECK(s->steps[1].kind == KMB_AB_PATCH && s->steps[1].line == 4);
	CHECK(s->steps[2].kind == KMB_AB_REVERT && s->steps[2].line == 5);
	CHECK_STREQ(s->steps[2].arg, "06201e00ee3e");
	CHECK(s->steps[3].kind == KMB_AB_PICK);
	CHECK_STREQ(s->steps[3].arg, "v6.10~3");
	CHECK(s->nparams == 2);
	kmb_ab_series_cmdline(s, buf, sizeof(buf));
	CHECK_STREQ(buf, "transparent_hugepage=never kvm.async_destroy=0");
	CHECK(s->nsysctls == 2);
	CHECK_STREQ(s->sysctls[0].key, "vm.overcommit_memory");
	CHECK_STREQ(s->sysctls[0].value, "1");
	CHECK_STREQ(s->sysctls[1].key, "vm/swappiness");
	CHECK(s->sysctls[1].line == 9);
	CHECK_STREQ(s->filter, "^(zeropage|thp)/");
	CHECK(kmb_ab_series_builds(s));
	rc = 0;
	CHECK(kmb_ab_series_needs_git(s, &rc) && rc == 5);
	free(s);

	/* Settings only: nothing to build, no git needed. */
	s = parse("cmdline transparent_hugepage=never\n", err, sizeof(err), &rc);
	CHECK(rc == 0 && !kmb_ab_series_builds(s) && !kmb_ab_series_needs_git(s, NULL));
	free(s);
	/* A last line without a newline counts. */
	s = parse("sysctl kernel.printk=4 4 1 7", err, sizeof(err), &rc);
	CHECK(rc == 0 && s->nsysctls == 1);
	CHECK_STREQ(s->sysctls[0].value, "4 4 1 7");
	free(s);
}

static void test_errors(void)
{
	char big[6000];

	expect_error("", 0, "nothing to compare");
	expect_error("# only a comment\nfilter ^x\n", 0, "nothing to compare");
	expect_error("0001-first.patch\nfrobnicate the kernel\n", 2, "unknown directive 'frobnicate'");
	expect_error("no-such.patch\n", 1, "no-such.patch");
	expect_error("../outside.patch\n", 1, "inside the series folder");
	expect_error("/etc/passwd\n", 1, "inside the series folder");
	expect_error("-rf\n", 1, "inside the series folder");
	expect_error("escape.patch\n", 1, "outside the series folder");
	expect_error("not-a-patch.txt\n", 1, "does not look like a patch");
	expect_error("empty.patch\n", 1, "does not look like a patch");
	expect_error("subdir\n", 1, "not a regular file");
	expect_error("patch\n", 1, "'patch' needs a file name");
	expect_error("\n\nrevert\n", 3, "'revert' needs a commit");
	expect_error("revert abc def\n", 1, "takes one commit");
	expect_error("revert --hard\n", 1, "not a commit id");
	expect_error("pick HEAD;rm\n", 1, "not a commit id");
	expect_error("pick a..b\n", 1, "not a commit id");
	expect_error("cmdline\n", 1, "needs at least one parameter");
	expect_error("cmdline console=ttyS1\n", 1, "kmb ab sets console=");
	expect_error("cmdline quiet kmb.agent=x\n", 1, "kmb ab sets kmb.");
	expect_error("cmdline rdinit=/bin/sh\n", 1, "rdinit=");
	expect_error("cmdline foo=\"a b\"\n", 1, "without quotes");
	expect_error("sysctl vm.swappiness\n", 1, "needs key=value");
	expect_error("sysctl =1\n", 1, "missing or too long key");
	expect_error("sysctl ../../etc/x=1\n", 1, "not a /proc/sys name");
	expect_error("sysctl vm.x;y=1\n", 1, "only letters");
	expect_error("sysctl vm.x=\n", 1, "missing or too long value");
	expect_error("filter (\ncmdline a=b\n", 1, "filter '('");
	expect_error("cmdline a=b\nfilter x\nfilter y\n", 3, "a second 'filter'");
	expect_error("cmdline a=b\n\x01\x02 x\n", 2, "unknown directive");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_error(big, 1, "longer than");
	{
		/* A NUL byte: binary, not a series. */
		char err[256], file[PATH_MAX + 16];
		struct kmb_ab_series *s = calloc(1, sizeof(*s));

		snprintf(file, sizeof(file), "%s/series", dir);
		CHECK(kmb_ab_series_parse("cmdline a=b\n\0x", 14, file, dir, s, err, sizeof(err)) ==
		      -1);
		CHECK(strstr(err, "binary data") != NULL);
		free(s);
	}
}

static void test_load(void)
{
	struct kmb_ab_series *s = calloc(1, sizeof(*s));
	char err[1024], root[PATH_MAX + 8], path[PATH_MAX + 32];

	write_file("series", "0001-first.patch\ncmdline a=b\n");
	/* By path, and by name under a root. */
	CHECK(kmb_ab_series_load(dir, "/nonexistent", s, err, sizeof(err)) == 0);
	CHECK(s->nsteps == 1 && s->nparams == 1);
	snprintf(root, sizeof(root), "%s", dir);
	*strrchr(root, '/') = '\0';
	CHECK(kmb_ab_series_load(strrchr(dir, '/') + 1, root, s, err, sizeof(err)) == 0);
	CHECK_STREQ(s->name, strrchr(dir, '/') + 1);
	CHECK(kmb_ab_series_load("no-such-series", root, s, err, sizeof(err)) == -1);
	/* The error names the folder a name is looked up in (kmb --paths: kernel-series). */
	snprintf(path, sizeof(path), "(a name is one of the folders in %s)", root);
	CHECK(strstr(err, "no-such-series") && strstr(err, path));
	CHECK(kmb_ab_series_load("bad name!", root, s, err, sizeof(err)) == -1);
	CHECK(strstr(err, "letters, digits") != NULL);
	/* A series file that is a FIFO is refused, not read (it would block). */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/fifo/series", dir);
	CHECK(mkfifo(path, 0644) == 0);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(kmb_ab_series_load(path, root, s, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a regular file") != NULL);
	free(s);
}

int main(void)
{
	const char *tmp = getenv("KMB_TEST_TMP");
	char path[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/test_ab_series.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	write_file("0001-first.patch", patch_text);
	write_file("0002-second.patch", patch_text);
	write_file("not-a-patch.txt", "hello\n");
	write_file("empty.patch", "");
	snprintf(path, sizeof(path), "%s/subdir", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/escape.patch", dir);
	if (symlink("/etc/hostname", path))
		perror(path);
	test_directives();
	test_errors();
	test_load();
	kmb_rm_rf(dir);
	CHECK_DONE();
}
