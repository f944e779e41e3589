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

#endif
