/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmb calibrate: this host's noise floor per metric, from k runs of the same
 * kernel (A/A). Within-run spread does not show how much medians move from
 * one run to the next on a host (frequency, placement, background work), and
 * that is what an A/A comparison mistakes for a change. So the floor of a
 * metric is 1.25 x the largest change of its median between any two of the k
 * runs (at least the default minimum). The floors are kept with the host's
 * identity in <results>/calibration/<host>.json; kmb compare uses them for two
 * runs of that host (see compare.h) and says so.
 */
#ifndef KMB_CALIBRATE_H
#define KMB_CALIBRATE_H

#include <stddef.h>
#include <jansson.h>

#include "results.h"

#define KMB_CALIBRATION_FORMAT "kvm-mm-bench/calibration"
#define KMB_CALIBRATION_SCHEMA 1
/* The floor over the largest A/A change of a metric's median. */
#define KMB_CALIBRATION_MARGIN 1.25

/*
 * The calibration document from k >= 2 runs of one host: {format,
 * schema_version, host, cpu, created, runs: [ids], kernels: [releases],
 * floors: {benchmark: {metric: floor}}, largest_change: {...}}. NULL with err
 * when the runs are fewer than two or not of one host and CPU model.
 */
json_t *kmb_calibrate(const struct kmb_result *runs, size_t k, double floor_min, char *err,
		      size_t errlen);

/* The host a run is of, as calibrations are keyed ("host_label", else "host"). */
const char *kmb_calibration_host(const json_t *manifest);

/* <results>/calibration/<host>.json; -1 if the host is unknown. */
int kmb_calibration_path(const char *results, const json_t *manifest, char *buf, size_t len);

/*
 * The floors for comparing base with cand: the calibration of their host
 * when both are runs of it and its CPU model matches, else NULL. note gets a
 * line for the report's header ("noise floors from kmb calibrate: ...").
 */
json_t *kmb_calibration_for(const char *results, const struct kmb_result *base,
			    const struct kmb_result *cand, char *note, size_t notelen);

#endif
