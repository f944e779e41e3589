/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stress guest image: a kernel (Debian's cloud kernel fetched by
 * scripts/fetch-guest-kernel into the cache, or any kernel the user names)
 * and an initramfs built by stress/guest/mkinitramfs around the static agent,
 * cached per kernel and agent.
 */
#ifndef KMB_IMAGE_H
#define KMB_IMAGE_H

#include <stddef.h>

#include "qemu.h"

/*
 * Fill img for this host's architecture. kernel: a path, or NULL for the
 * default scripts/fetch-guest-kernel cached (kmb stress takes the path from
 * --guest-kernel or $KMB_GUEST_KERNEL). Builds the initramfs if needed.
 * Returns 0, or -1 with a one-line reason (missing kernel: how to fetch it;
 * QEMU not installed: the package).
 */
int kmb_image_prepare(struct kmb_guest_image *img, const char *kernel, char *err,
		      size_t errlen);

#endif
