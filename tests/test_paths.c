// SPDX-License-Identifier: GPL-2.0-only
/*
 * Relative paths as kmb baseline set writes its links, and the files kmb
 * finds: a test binary is not the build tree's kmb, so without the
 * variables it looks where the installation would be.
 */
#include "check.h"
#include "paths.h"

#include <limits.h>
#include <stdlib.h>

static void rel(const char *from, const char *to, const char *want)
{
	char out[PATH_MAX];

	CHECK(kmb_path_relative(from, to, out, sizeof(out)) == 0);
	CHECK_STREQ(out, want);
}

int main(void)
{
	char small[8];

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

	setenv("KMB_SCENARIO_DIR", "/somewhere/scenarios", 1);
	unsetenv("KMB_GUEST_AGENT");
	CHECK_STREQ(kmb_file_path(KMB_FILE_SCENARIOS), "/somewhere/scenarios");
	CHECK_STREQ(kmb_file_origin(KMB_FILE_SCENARIOS), "$KMB_SCENARIO_DIR");
	CHECK_STREQ(kmb_file_origin(KMB_FILE_AGENT), "installed");
	CHECK(strstr(kmb_file_path(KMB_FILE_AGENT), "/kmb-agent") != NULL);
	CHECK_STREQ(kmb_file_name(KMB_FILE_FETCH_KERNEL), "fetch-guest-kernel");
	CHECK_DONE();
}
