/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmb compare: judge every metric present in two results. For each metric:
 * median with its 95% CI, mean, CoV, the Hodges-Lehmann shift (cand - base)
 * with its CI, the Mann-Whitney U p-value, and the relative change oriented so
 * that "+" is better. A change counts only if p < alpha and |change| exceeds
 * the noise floor max(floor_min, cov_multiplier x the larger CoV).
 */
#ifndef KMB_COMPARE_H
#define KMB_COMPARE_H

#include <jansson.h>
#include <stdbool.h>

#include "results.h"

#define KMB_COMPARE_FORMAT "kvm-mm-bench/compare"
#define KMB_COMPARE_SCHEMA 1

struct kmb_compare_opts {
	double alpha;		/* significance level, default 0.05 */
	double floor_min;	/* smallest change that counts, default 0.02 */
	double cov_multiplier;	/* noise floor = max(floor_min, this x CoV), default 2 */
	double floor_max;	/* above this floor a metric is "noisy", default 0.5 */
	const char *metric;	/* only this metric (e.g. ns_per_page), or NULL */
	const char *filter;	/* extended regex on benchmark names, or NULL */
	bool all;		/* also benchmarks skipped in both for the same reason */
};

void kmb_compare_defaults(struct kmb_compare_opts *o);

/*
 * Compare base and cand. Returns the report (see the json format in
 * report/README.md), or NULL with a one-line reason in err (bad filter, no
 * metric in common).
 */
json_t *kmb_compare(const struct kmb_result *base, const struct kmb_result *cand,
		    const struct kmb_compare_opts *o, char *err, size_t errlen);

/* "lower", "higher" or NULL (not judged) for a metric name. */
const char *kmb_metric_direction(const char *metric);

/* Renderers. */
/* all: also the metrics that are not judged (census counters, CPU time). */
void kmb_render_text(const json_t *report, FILE *out, int color, int all);
void kmb_render_markdown(const json_t *report, FILE *out);
/* Self-contained HTML with inline gnuplot SVG charts; 0 or -1 (err). */
int kmb_render_html(const json_t *report, FILE *out, char *err, size_t errlen);

#endif
