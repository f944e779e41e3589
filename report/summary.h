/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The run's summary, printed at the end of `kmb bench` and saved as
 * summary.json: per benchmark the median and CoV of its samples (from the one
 * reader of bench.json, lib/results.h), whether it failed or was skipped,
 * and the figures the families declared in bench.json's context
 * (lib/metric.h): each benchmark's cost as a multiple of the floor at the same
 * size, and named differences such as the zeropage unshare overhead.
 * report/README.md has the format.
 */
#ifndef KMB_SUMMARY_H
#define KMB_SUMMARY_H

#include <stdio.h>
#include <jansson.h>

/* From Google Benchmark's document; NULL with err set when it cannot be read. */
json_t *kmb_summary_build(json_t *bench_doc, char *err, size_t errlen);
/* How many benchmarks failed (not skipped). */
int kmb_summary_failures(const json_t *summary);
void kmb_summary_print(const json_t *summary, FILE *out);

#endif
