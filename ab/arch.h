/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What an A/B needs to know per guest architecture: how the kernel is built
 * (Kbuild ARCH, cross compiler, image), how it boots under QEMU (machine,
 * console) and the second line the results come back on.
 */
#ifndef KMB_AB_ARCH_H
#define KMB_AB_ARCH_H

#include <stdbool.h>

struct kmb_ab_arch {
	const char *name;	/* uname -m: x86_64, s390x */
	const char *karch;	/* Kbuild ARCH: x86, s390 */
	const char *cross;	/* CROSS_COMPILE when the host is another arch */
	const char *target;	/* make target of the boot image */
	const char *image;	/* the image, relative to the build directory */
	const char *qemu;	/* qemu-system-<arch> */
	const char *qemu_package;	/* Debian package with it */
	const char *machine;
	const char *console;	/* console= of the guest */
	const char *xfer_dev;	/* the guest's end of the transfer line */
	const char *const *modules;	/* modules a distribution kernel needs for it */
	const char *fragment;	/* kernel-patches/configs/<this> */
	bool native;		/* the host has this architecture */
};

/* The architecture by name (NULL: the host's); NULL if kmb ab has none for it. */
const struct kmb_ab_arch *kmb_ab_arch_get(const char *name);

#endif
