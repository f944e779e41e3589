/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel source of an A/B: a git tree (its HEAD or a given base commit),
 * a plain source directory, or Debian's linux-source package unpacked once
 * into the cache. The user's tree is only read: both sides are built from a
 * scratch copy (git clone --shared, or cp), and the series is applied there.
 */
#ifndef KMB_AB_SOURCE_H
#define KMB_AB_SOURCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "series.h"

enum kmb_ab_source_kind { KMB_AB_SRC_GIT, KMB_AB_SRC_DIR, KMB_AB_SRC_DEBIAN };

struct kmb_ab_source {
	enum kmb_ab_source_kind kind;
	char path[4096];	/* the tree read from */
	char rev[64];		/* git: the base commit, full id */
	char describe[512];	/* git describe, or "<package> <version> (Debian package)" */
	char version[64];	/* VERSION.PATCHLEVEL.SUBLEVEL from the Makefile */
};

/*
 * Find the source: tree (a git work tree or a directory with a kernel
 * Makefile), else Debian's /usr/src/linux-source-*.tar.xz unpacked into the
 * cache (done here, with progress, once per package version). base: the
 * commit of a git tree (NULL: HEAD). log receives the commands' output.
 */
int kmb_ab_source_find(const char *tree, const char *base, const char *log,
		       struct kmb_ab_source *src, char *err, size_t errlen);

/* Copy the source into dst (must not exist): a shared git clone at rev, or cp -a. */
int kmb_ab_source_copy(const struct kmb_ab_source *src, const char *dst, const char *log,
		       char *err, size_t errlen);

/*
 * Apply the series' patches, reverts and picks in order to the copy at tree.
 * A step that fails is named with its series line and git's or patch's
 * message. In a git copy every step becomes a commit.
 */
int kmb_ab_series_apply(const struct kmb_ab_series *s, const struct kmb_ab_source *src,
			const char *tree, const char *log, char *err, size_t errlen);

/* "git", "directory" or "debian-package". */
const char *kmb_ab_source_kind_name(enum kmb_ab_source_kind kind);

json_t *kmb_ab_source_json(const struct kmb_ab_source *src);

/* The per-user cache: $XDG_CACHE_HOME/kvm-mm-bench or ~/.cache/kvm-mm-bench. */
void kmb_ab_cache_dir(char *buf, size_t len);

#endif
