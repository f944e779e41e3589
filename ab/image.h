/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest side of an A/B: kmb for the guest's architecture (this kmb, or a
 * cross build for another arch), its libraries, the static agent and busybox,
 * put into one initramfs per side by ab/guest/mkimage (which builds on
 * stress/guest/mkinitramfs), with the side's settings in /etc/kmb-ab/. Those
 * scripts and the helpers are found as lib/paths.h says.
 */
#ifndef KMB_AB_IMAGE_H
#define KMB_AB_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "arch.h"
#include "paths.h"
#include "series.h"

#define KMB_AB_MAX_LIBDIRS 8

/* What goes into every image of one A/B. */
struct kmb_ab_guest {
	const struct kmb_ab_arch *arch;
	char kmb[4096];		/* kmb for the guest's arch */
	char agent[4096];	/* the static agent for it */
	char busybox[4096];	/* a static busybox for it */
	char readelf[128];
	char libdirs[KMB_AB_MAX_LIBDIRS][4096];
	int nlibdirs;
	char moddir[4200];	/* lib/modules/<v> of a distribution kernel, or "" */
};

/* One side's settings. */
struct kmb_ab_side_conf {
	const char *label;
	const char *filter;	/* NULL: kmb bench's default */
	const char *sizes;	/* NULL: kmb bench's default */
	long repetitions;
	bool keep_knobs;
	const struct kmb_ab_series *sysctls_from;	/* NULL: no sysctl */
};

/*
 * Find kmb, the agent, busybox and the libraries for arch. guest_kmb: a kmb
 * built for arch given by the user, or NULL (this kmb when native, else a
 * cross build by cross-build-kmb from the source tree, cached). log: the
 * commands' output.
 */
int kmb_ab_guest_prepare(struct kmb_ab_guest *g, const struct kmb_ab_arch *arch,
			 const char *guest_kmb, const char *log, char *err, size_t errlen);

/* Write the settings into confdir and build the initramfs out. */
int kmb_ab_image_build(const struct kmb_ab_guest *g, const struct kmb_ab_side_conf *c,
		       const char *confdir, const char *out, const char *log, char *err,
		       size_t errlen);

/*
 * kmb's file f (lib/paths.h), or the file name in that directory when name is
 * not NULL, is a readable file: 0, else -1 with err naming it, where it was
 * looked up and why it cannot be used.
 */
int kmb_ab_need_file(enum kmb_file f, const char *name, char *err, size_t errlen);

/*
 * Everything kmb_ab_guest_prepare() and kmb_ab_image_build() will use for
 * arch is there (checked before any kernel is built): 0, else -1 and err.
 * Without guest_kmb, a foreign arch needs the sources to cross-build kmb.
 */
int kmb_ab_guest_check(const struct kmb_ab_arch *arch, const char *guest_kmb, char *err,
		       size_t errlen);

#endif
