/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The summary printed after `kmb bench` and saved as summary.json: per
 * benchmark the median and CoV of its samples, the cost per page as a multiple
 * of the clear-page floor at the same size, and derived figures such as the
 * zeropage unshare overhead (unshare minus fresh write fault).
 */
#ifndef KMB_SUMMARY_H
#define KMB_SUMMARY_H

#include <stdio.h>
#include <jansson.h>

/* Build the summary from Google Benchmark's JSON document. */
json_t *kmb_summary_build(const json_t *bench_doc);
/* Number of benchmarks that failed (error, not skip). */
int kmb_summary_failures(const json_t *summary);
void kmb_summary_print(const json_t *summary, FILE *out);

#endif
