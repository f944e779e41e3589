/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where kmb finds the files it ships besides itself: the stress scenarios, the
 * guest agent, the initramfs builder, the guest kernel fetcher, and what kmb
 * ab uses (the kernel series and config fragments, its guest image builder
 * and /init, the helper scripts for foreign guest architectures). The first
 * of these that applies wins:
 *
 *  1. an environment variable naming the file ($KMB_SCENARIO_DIR,
 *     $KMB_GUEST_AGENT, $KMB_MKINITRAMFS, $KMB_FETCH_GUEST_KERNEL,
 *     $KMB_SERIES_DIR, $KMB_KERNEL_CONFIG_DIR, $KMB_AB_MKIMAGE, $KMB_AB_INIT,
 *     $KMB_CROSS_SYSROOT, $KMB_CROSS_BUILD_KMB, $KMB_FETCH_GUEST_BUSYBOX,
 *     $KMB_SRCDIR);
 *  2. the build tree, when the running kmb is the one built there (the
 *     directory of /proc/self/exe is the build directory compiled in): what
 *     `make check` and `./kmb` in a build use;
 *  3. the installation, $(pkgdatadir) and $(pkglibexecdir): found relative to
 *     the running binary as they lie relative to $(bindir), so a prefix that
 *     was moved or installed with DESTDIR works where it is, else at the
 *     configured paths.
 *
 * One entry is not shipped: the source tree, which a cross build of kmb for
 * another guest architecture compiles. It is $KMB_SRCDIR or the build tree's
 * source; an installed kmb has none (its path is "").
 */
#ifndef KMB_PATHS_H
#define KMB_PATHS_H

#include <stddef.h>

enum kmb_file {
	KMB_FILE_SCENARIOS,	  /* the directory of scenario files and default.list */
	KMB_FILE_AGENT,		  /* the static guest agent, kmb-agent */
	KMB_FILE_MKINITRAMFS,	  /* the initramfs builder */
	KMB_FILE_FETCH_KERNEL,	  /* fetch-guest-kernel: Debian's kernel into the cache */
	KMB_FILE_SERIES,	  /* kmb ab: the directory of series, looked up by name */
	KMB_FILE_KERNEL_CONFIGS,  /* kmb ab: the config fragments merged into every build */
	KMB_FILE_AB_MKIMAGE,	  /* kmb ab: the builder of a side's initramfs */
	KMB_FILE_AB_INIT,	  /* kmb ab: the guest's /init */
	KMB_FILE_CROSS_SYSROOT,	  /* cross-sysroot: Debian's libraries for a foreign arch */
	KMB_FILE_CROSS_BUILD_KMB, /* cross-build-kmb: kmb and the agent for a foreign arch */
	KMB_FILE_FETCH_BUSYBOX,	  /* fetch-guest-busybox: a static busybox for a foreign arch */
	KMB_FILE_SOURCE_TREE,	  /* the kvm-mm-bench sources (not installed: "" there) */
	KMB_FILE_COUNT
};

/*
 * The path of f (never NULL; it may not exist, and error messages name it;
 * "" for KMB_FILE_SOURCE_TREE in an installed kmb without $KMB_SRCDIR).
 */
const char *kmb_file_path(enum kmb_file f);

/*
 * Where that path came from: "$KMB_SCENARIO_DIR", "build tree", "installed",
 * or "not installed" (the source tree).
 */
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
