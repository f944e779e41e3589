/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Configuring and building a kernel out of tree (O=): tinyconfig or
 * defconfig, then kmb's fragments (kernel-patches/configs/) merged with the
 * kernel's own scripts/kconfig/merge_config.sh, then olddefconfig. The build
 * goes through ccache when it is installed, so the patched side, built in the
 * same directory after the series is applied, recompiles only what changed.
 */
#ifndef KMB_AB_BUILD_H
#define KMB_AB_BUILD_H

#include <jansson.h>
#include <stddef.h>

#include "arch.h"

#define KMB_AB_MAX_FRAGMENTS 16

struct kmb_ab_build_opts {
	const struct kmb_ab_arch *arch;
	const char *tree;	/* the scratch source */
	const char *objdir;	/* O= */
	const char *base_config;	/* "tinyconfig" or "defconfig" */
	/*
	 * Fragments in merge order; the first n_required must hold after
	 * olddefconfig (what the guest needs to boot and report), the rest are
	 * wanted (a missing option is recorded and shown, not fatal).
	 */
	const char *fragments[KMB_AB_MAX_FRAGMENTS];
	int nfragments, nrequired;
	int jobs, nice;
	const char *log;
	const char *stage;	/* for progress lines */
};

struct kmb_ab_build_result {
	double wall_s, user_s, sys_s;	/* the make run (with everything it ran) */
	char release[128];		/* make kernelrelease */
	char image[4200];		/* the boot image in objdir */
	const char *compiler;		/* "ccache gcc" or "gcc" */
};

/*
 * Configure objdir; returns 0 or -1 (err). *missing (new reference) lists the
 * wanted options that olddefconfig did not keep, as "CONFIG_X=y (now: n)".
 */
int kmb_ab_configure(const struct kmb_ab_build_opts *o, json_t **missing, char *err,
		     size_t errlen);

/* Build the boot image; 0 or -1 (err names the log and its last errors). */
int kmb_ab_build(const struct kmb_ab_build_opts *o, struct kmb_ab_build_result *r, char *err,
		 size_t errlen);

json_t *kmb_ab_build_json(const struct kmb_ab_build_result *r);

#endif
