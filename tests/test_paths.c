// SPDX-License-Identifier: GPL-2.0-only
/*
 * Relative paths as kmb baseline set writes its links, and the files kmb
 * finds: a test binary is not the build tree's kmb, so without the
 * variables it looks where the installation would be (which has no source
 * tree).
 */
#include "check.h"
#include "paths.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void rel(const char *from, const char *to, const char *want)
{
	char out[PATH_MAX];

	CHECK(kmb_path_relative(from, to, out, sizeof(out)) == 0);
	CHECK_STREQ(out, want);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

int main(void)
{
	char small[8];
	int f, g;

	rel("/r/baselines", "/r/runs/X", "../runs/X");
	rel("/srv/kmb/results/baselines", "/srv/kmb/results/runs/2026_vm_6.1",
	    "../runs/2026_vm_6.1");
	rel("/a/b/c", "/x/y", "../../../x/y");
	rel("/a/b", "/a/b", ".");
	rel("/a/b", "/a/b/c/d", "c/d");
	rel("/", "/a", "a");
	rel("/a//b/./c", "/a/b/d", "../d");
	rel("/ab", "/abc", "../abc");
	CHECK(kmb_path_relative("/a/b/c/d", "/x/y/z", small, sizeof(small)) == -1);

	/* Every name is set, unique and as kmb --paths and the completion know it. */
	for (f = 0; f < KMB_FILE_COUNT; f++) {
		CHECK(kmb_file_name(f) && *kmb_file_name(f));
		for (g = 0; g < f; g++)
			CHECK(strcmp(kmb_file_name(f), kmb_file_name(g)) != 0);
	}

	setenv("KMB_SCENARIO_DIR", "/somewhere/scenarios", 1);
	setenv("KMB_SERIES_DIR", "/my/series", 1);
	setenv("KMB_CROSS_BUILD_KMB", "", 1); /* empty: as if unset */
	unsetenv("KMB_GUEST_AGENT");
	unsetenv("KMB_KERNEL_CONFIG_DIR");
	unsetenv("KMB_AB_MKIMAGE");
	unsetenv("KMB_AB_INIT");
	unsetenv("KMB_SRCDIR");
	CHECK_STREQ(kmb_file_path(KMB_FILE_SCENARIOS), "/somewhere/scenarios");
	CHECK_STREQ(kmb_file_origin(KMB_FILE_SCENARIOS), "$KMB_SCENARIO_DIR");
	CHECK_STREQ(kmb_file_origin(KMB_FILE_AGENT), "installed");
	CHECK(strstr(kmb_file_path(KMB_FILE_AGENT), "/kmb-agent") != NULL);
	CHECK_STREQ(kmb_file_name(KMB_FILE_FETCH_KERNEL), "fetch-guest-kernel");

	/* kmb ab's: the series folder by its variable, the rest installed. */
	CHECK_STREQ(kmb_file_path(KMB_FILE_SERIES), "/my/series");
	CHECK_STREQ(kmb_file_origin(KMB_FILE_SERIES), "$KMB_SERIES_DIR");
	CHECK_STREQ(kmb_file_name(KMB_FILE_SERIES), "kernel-series");
	CHECK(ends_with(kmb_file_path(KMB_FILE_KERNEL_CONFIGS),
			"/kvm-mm-bench/kernel-patches/configs"));
	CHECK_STREQ(kmb_file_origin(KMB_FILE_KERNEL_CONFIGS), "installed");
	CHECK(ends_with(kmb_file_path(KMB_FILE_AB_MKIMAGE), "/kvm-mm-bench/ab/mkimage"));
	CHECK(ends_with(kmb_file_path(KMB_FILE_AB_INIT), "/kvm-mm-bench/ab/init"));
	CHECK(ends_with(kmb_file_path(KMB_FILE_CROSS_SYSROOT), "/kvm-mm-bench/cross-sysroot"));
	CHECK(ends_with(kmb_file_path(KMB_FILE_CROSS_BUILD_KMB), "/kvm-mm-bench/cross-build-kmb"));
	CHECK_STREQ(kmb_file_origin(KMB_FILE_CROSS_BUILD_KMB), "installed");
	CHECK(ends_with(kmb_file_path(KMB_FILE_FETCH_BUSYBOX),
			"/kvm-mm-bench/fetch-guest-busybox"));
	/* No sources come with an installation. */
	CHECK_STREQ(kmb_file_path(KMB_FILE_SOURCE_TREE), "");
	CHECK_STREQ(kmb_file_origin(KMB_FILE_SOURCE_TREE), "not installed");
	CHECK_STREQ(kmb_file_name(KMB_FILE_SOURCE_TREE), "source-tree");
	CHECK_DONE();
}
