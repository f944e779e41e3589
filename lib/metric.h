/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How a metric is read is declared where it is measured: a benchmark emits
 * each counter with "lower", "higher" or "none" (is better), and bench.json's
 * context carries it as "kmb_metric_direction:<metric>". Readers take it from
 * there; only files kmb did not write fall back to the metric's name.
 */
#ifndef KMB_METRIC_H
#define KMB_METRIC_H

#define KMB_METRIC_DIRECTION_KEY "kmb_metric_direction:"

/*
 * Counters of the whole host moved during a repetition (lib/vmstat.h): side
 * evidence, declared "none" and never judged.
 */
#define KMB_VMSTAT_PREFIX "vmstat_"

/*
 * Figures derived from the samples in summary.json, declared by the families
 * and carried in the same context: the benchmark whose ns_per_page is the
 * per-page floor ("kmb_floor": "reference/clear_pages"), and differences
 * ("kmb_derived:zeropage unshare overhead":
 *  "zeropage/unshare_write_fault minus zeropage/write_fault_fresh"), both
 * taken at the same size.
 */
#define KMB_SUMMARY_FLOOR_KEY "kmb_floor"
#define KMB_SUMMARY_DERIVED_KEY "kmb_derived:"
#define KMB_SUMMARY_MINUS " minus "

#endif
