/* SPDX-License-Identifier: GPL-2.0-only */
/* The environment difference between two runs, and whether they are comparable. */
#ifndef KMB_ENVDIFF_H
#define KMB_ENVDIFF_H

#include <jansson.h>

/*
 * {"diff": [{"field", "base", "cand", "breaks_comparability"}], "warnings": [...],
 * "scoped_warnings": [{"scope", "text"}]}; the kernel.cmdline row also has
 * "removed" and "added": the parameters only in base, only in cand.
 * from the two manifests (either may be NULL: environment unknown).
 */
json_t *kmb_env_diff(const json_t *base_manifest, const json_t *cand_manifest);

#endif
