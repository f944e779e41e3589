/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel config options that differ between two runs, read from the
 * kernel-config.gz each run keeps: what "config_sha256 differs" means.
 */
#ifndef KMB_KCONFIG_DIFF_H
#define KMB_KCONFIG_DIFF_H

#include <jansson.h>
#include <stddef.h>

#include "results.h"

/* How many options a report lists (the total is always given). */
#define KMB_KCONFIG_DIFF_LIMIT 40

/*
 * NULL when both configs hash the same or either hash is unknown; else
 * {"total": N, "options": [{"option", "base", "cand"}], "note"?}: at most
 * limit options, memory-management and KVM options first, then by name; a
 * value is null where the option is absent, "n" where it is not set. When a
 * copy cannot be read, "options" is empty and "note" says why.
 */
json_t *kmb_kconfig_diff(const struct kmb_result *base, const struct kmb_result *cand,
			 size_t limit);

/* The same from two config texts (either may be NULL: unknown). */
json_t *kmb_kconfig_diff_text(const char *base, const char *cand, size_t limit);

#endif
