/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmb ab: a kernel A/B from a patch series to a comparison report.
 *
 *   source -> copy -> configure -> build base -> apply series -> build patched
 *   -> per side: initramfs -> boot under QEMU -> kmb bench -> collect
 *   -> kmb compare -> results/ab/<id>/
 *
 * A series of only cmdline/sysctl lines builds nothing: both sides boot one
 * kernel (given, built from --tree, or Debian's, fetched by
 * scripts/fetch-guest-kernel). results/ab/<id>/ holds ab.json (the record),
 * base/ and patched/ (kmb run directories, labelled), logs/ (build logs,
 * consoles, QEMU's stderr, the guest's kmb output), config-{base,patched}
 * and report.{txt,md,html,json}. The scratch tree (work/) is removed at the
 * end, on errors and on SIGINT/SIGTERM too; a run killed outright leaves it
 * to the next kmb ab, which removes it and marks the run interrupted.
 */
#ifndef KMB_AB_H
#define KMB_AB_H

#include <stdbool.h>

#include "build.h"

struct kmb_ab_opts {
	const char *series;		/* name under kernel-patches/, or a folder */
	const char *tree, *base_rev;	/* kernel source (NULL: Debian's linux-source) */
	const char *kernel;		/* settings-only series: boot this kernel */
	const char *arch;		/* NULL: the host's */
	const char *base_config;	/* tinyconfig (default) or defconfig */
	const char *fragments[KMB_AB_MAX_FRAGMENTS];
	int nfragments;
	const char *filter, *sizes;	/* NULL: the series' filter / 64M */
	long repetitions;
	const char *label_base, *label_patched;	/* NULL patched: the series' name */
	unsigned long memory_mib;
	int smp, jobs, nice, timeout_s, ready_timeout_s;
	const char *accel;		/* auto, kvm, tcg */
	const char *guest_kmb;
	const char *results, *out;
	const char *apply_only;		/* apply the series to a copy at this path and stop */
	bool keep_work, verbose;
};

/* Returns the exit status: 0 nothing regressed, 1 a regression, 2 an error. */
int kmb_ab_main(const struct kmb_ab_opts *given);

/* Mark A/B runs whose owner died "interrupted" and remove their scratch trees. */
int kmb_ab_recover(const char *results, bool verbose);

#endif
