/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The A/B report: `kmb compare` of the two runs (text, markdown, html, json;
 * the runs' labels are in their manifests), with an A/B header in front of
 * the text and markdown ones: both sides' labels (release, source, series,
 * cmdline), build and boot figures, and the benchmarks that ran on one side
 * only (a kernel that forbids the zeropage skips the zeropage family; that is
 * the change, so it is shown, not hidden behind "no metric in common").
 */
#ifndef KMB_AB_REPORT_H
#define KMB_AB_REPORT_H

#include <jansson.h>
#include <stddef.h>

/*
 * Per benchmark of a run directory: {"status": "ran"|"skipped"|"failed",
 * "reason": ..., "ns_per_page": median} (reason and median when known).
 */
json_t *kmb_ab_benchmarks(const char *run_dir, char *err, size_t errlen);

/*
 * Write report.{txt,md,html,json} into abdir from ab (the A/B record, which
 * gets "benchmarks" and "compare"). kmb: this kmb, to run `kmb compare`.
 * Returns compare's exit status (0, 1, 2), or 2 with err.
 */
int kmb_ab_report(const char *abdir, json_t *ab, const char *kmb, char *err, size_t errlen);

#endif
