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
#include <jansson.h>

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

/*
 * Largest kernel-config.gz kmb reads from a run, and largest text it inflates
 * to: a distribution config is about 300 KiB (60 KiB compressed).
 */
#define KMB_KCONFIG_MAX_FILE (4u << 20)
#define KMB_KCONFIG_MAX_TEXT (16u << 20)

/*
 * The text of a kernel config kept with a run (gzip, or plain text): only a
 * regular file, opened without blocking (a FIFO) and without following a
 * link at the last component, at most KMB_KCONFIG_MAX_FILE on disk and
 * KMB_KCONFIG_MAX_TEXT inflated. Returns malloc'd text, or NULL with
 * "<path>: <reason>" in err.
 */
char *kmb_kconfig_load(const char *path, char *err, size_t errlen);

/*
 * The options of a config text: {"CONFIG_X": "y", ...}; "# CONFIG_X is not
 * set" is "n". Returns a new jansson object.
 */
json_t *kmb_kconfig_options(const char *text);

#endif
