// SPDX-License-Identifier: GPL-2.0-only
/* kmb's state directory (statedir.h). */
#include "statedir.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_PATH_MAX 4096

static char state_dir[STATE_PATH_MAX];

static int default_state_dir(char *buf, size_t len)
{
	const char *env = getenv("KMB_STATE_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/kmb");
	else if (xdg && *xdg)
		n = snprintf(buf, len, "%s/kmb", xdg);
	else
		n = snprintf(buf, len, "/tmp/kmb-%u", (unsigned)getuid());
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Records are instructions to write values into files, so the directory must
 * be ours alone: someone else's /tmp/kmb-<uid> could make us overwrite any
 * file we can write.
 */
static int check_private(const char *dir)
{
	struct stat st;

	if (stat(dir, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

const char *kmb_state_dir(void)
{
	char dir[STATE_PATH_MAX];

	if (state_dir[0])
		return state_dir;
	if (default_state_dir(dir, sizeof(dir)) || kmb_mkdir_p(dir, 0700) || check_private(dir))
		return NULL;
	memcpy(state_dir, dir, sizeof(state_dir));
	return state_dir;
}

