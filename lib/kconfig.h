/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The running kernel's build configuration, from /proc/config.gz
 * (CONFIG_IKCONFIG_PROC) or else /boot/config-<release>. Two runs with
 * different configs are not comparable, so the environment records its hash;
 * kmb_kconfig_save() keeps a copy next to the results.
 */
#ifndef KMB_KCONFIG_H
#define KMB_KCONFIG_H

#include <stddef.h>

#define KMB_KCONFIG_HEX_LEN 65	   /* 64 hex digits and the NUL */
#define KMB_KCONFIG_SOURCE_LEN 320 /* "/boot/config-" and a uname release */

/*
 * Hex sha256 of the uncompressed config into hex, and the file it came from
 * into source. Returns 0, or -1 when no config is readable.
 */
int kmb_kconfig_sha256(char *hex, size_t hexlen, char *source, size_t srclen);

/*
 * Copy the kernel config, gzip-compressed, to path (atomically) when one is
 * readable. Returns 0, 1 when no config is readable, -1 on error.
 */
int kmb_kconfig_save(const char *path);

#endif
