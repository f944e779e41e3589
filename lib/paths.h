/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where kmb finds the files it ships besides itself: the stress scenarios, the
 * guest agent, the initramfs builder and the guest kernel fetcher. The first
 * of these that applies wins:
 *
 *  1. an environment variable naming the file ($KMB_SCENARIO_DIR,
 *     $KMB_GUEST_AGENT, $KMB_MKINITRAMFS, $KMB_FETCH_GUEST_KERNEL);
 *  2. the build tree, when the running kmb is the one built there (the
 *     directory of /proc/self/exe is the build directory compiled in): what
 *     `make check` and `./kmb` in a build use;
 *  3. the installation, $(pkgdatadir) and $(pkglibexecdir): found relative to
 *     the running binary as they lie relative to $(bindir), so a prefix that
 *     was moved or installed with DESTDIR works where it is, else at the
 *     configured paths.
 */
#ifndef KMB_PATHS_H
#define KMB_PATHS_H

#include <stddef.h>

enum kmb_file {
	KMB_FILE_SCENARIOS,    /* the directory of scenario files and default.list */
	KMB_FILE_AGENT,	       /* the static guest agent, kmb-agent */
	KMB_FILE_MKINITRAMFS,  /* the initramfs builder */
	KMB_FILE_FETCH_KERNEL, /* fetch-guest-kernel: Debian's kernel into the cache */
	KMB_FILE_COUNT
};

/* The path of f (never NULL; it may not exist, and error messages name it). */
const char *kmb_file_path(enum kmb_file f);

/* Where that path came from: "$KMB_SCENARIO_DIR", "build tree", "installed". */
const char *kmb_file_origin(enum kmb_file f);

/* A short name for f ("scenarios", "guest-agent", ...), as `kmb --paths` prints it. */
const char *kmb_file_name(enum kmb_file f);

/*
 * to as a path relative to the directory from (both absolute and free of
 * symbolic links, as realpath() gives them): "../runs/X" for from
 * /r/baselines and to /r/runs/X. 0, or -1 when it does not fit.
 */
int kmb_path_relative(const char *from, const char *to, char *out, size_t len);

#endif
