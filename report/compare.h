/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmb compare: judge every metric present in two results. For each metric:
 * median with its CI, mean, CoV and robust CoV, the Hodges-Lehmann shift
 * (cand - base) with its CI, the Mann-Whitney U p-value, the change (ratio of
 * the medians) oriented so that "+" is better, and the minimum detectable
 * change. A change counts only if p < alpha and |change| exceeds the noise
 * floor max(floor_min, cov_multiplier x the larger robust CoV, the host's
 * calibrated floor).
 */
#ifndef KMB_COMPARE_H
#define KMB_COMPARE_H

#include <jansson.h>
#include <stdbool.h>

#include "results.h"

#define KMB_COMPARE_FORMAT "kvm-mm-bench/compare"
#define KMB_COMPARE_SCHEMA 2
/* Several candidates against one base: one report per candidate. */
#define KMB_COMPARE_SET_FORMAT "kvm-mm-bench/compare-set"
#define KMB_COMPARE_SET_SCHEMA 1

/* A metric's verdict; its name is what reports carry ("not judged"). */
enum kmb_verdict {
	KMB_VERDICT_REGRESSION,
	KMB_VERDICT_IMPROVEMENT,
	KMB_VERDICT_UNCHANGED,
	KMB_VERDICT_NOISY,
	KMB_VERDICT_NOT_JUDGED,
	KMB_VERDICT_NO_BASELINE, /* the dashboard: nothing before it to judge against */
	KMB_VERDICT_COUNT
};

const char *kmb_verdict_name(enum kmb_verdict v);
/* The same as one word, for CSS classes ("notjudged"). */
const char *kmb_verdict_class(enum kmb_verdict v);
/* From a report's verdict name; KMB_VERDICT_NO_BASELINE for anything else. */
enum kmb_verdict kmb_verdict_from_name(const char *name);

struct kmb_compare_opts {
	double alpha;		/* significance level, default 0.05 */
	double floor_min;	/* smallest change that counts, default 0.02 */
	double cov_multiplier;	/* noise floor = max(floor_min, this x CoV), default 2 */
	double floor_max;	/* above this floor a metric is "noisy", default 0.5 */
	const char *metric;	/* only this metric (e.g. ns_per_page), or NULL */
	const char *filter;	/* extended regex on benchmark names, or NULL */
	bool all;		/* also benchmarks skipped in both for the same reason */
	/*
	 * This host's calibrated noise floors ({benchmark: {metric: floor}},
	 * from kmb calibrate), or NULL; a metric's floor is the larger of its
	 * calibrated one and the spread rule's.
	 */
	const json_t *calibration;
	const char *calibration_note; /* for the report's header, or NULL */
};

/* The power at which the minimum detectable change is computed. */
#define KMB_COMPARE_POWER 0.8

void kmb_compare_defaults(struct kmb_compare_opts *o);

/*
 * Compare base and cand. Returns the report (see the json format in
 * report/README.md), or NULL with a one-line reason in err (bad filter, no
 * metric in common).
 */
json_t *kmb_compare(const struct kmb_result *base, const struct kmb_result *cand,
		    const struct kmb_compare_opts *o, char *err, size_t errlen);

/*
 * Several candidates judged against one base: {"format":
 * "kvm-mm-bench/compare-set", "schema_version": 1, "base", "reports": [one
 * kmb_compare() report per candidate]}. Takes the reference to reports.
 */
json_t *kmb_compare_set(json_t *reports);

/* A document is a report or a set of them: how many, and the i-th. */
size_t kmb_compare_count(const json_t *doc);
const json_t *kmb_compare_report(const json_t *doc, size_t i);
/* Whether any report of doc has a regression or a lost benchmark (exit 1). */
bool kmb_compare_failed(const json_t *doc);

/*
 * Renderers of a report or a set of them (kmb_compare_set). all: also the
 * metrics that are not judged (census counters, CPU time, /proc/vmstat
 * deltas).
 */
void kmb_render_text(const json_t *doc, FILE *out, bool color, bool all);
void kmb_render_markdown(const json_t *doc, FILE *out, bool all);
/* Plain text for mail: never wider than 80 columns. */
void kmb_render_email(const json_t *doc, FILE *out, bool all);
/* Self-contained HTML with inline gnuplot SVG charts; 0 or -1 (err). */
int kmb_render_html(const json_t *doc, FILE *out, bool all, char *err, size_t errlen);
/*
 * The same document without the page around it and without the runs table,
 * for a page of its own (the dashboard's): environment, summary, benchmarks
 * that did not run in both, judged metrics, and the charts when asked for.
 */
int kmb_render_html_body(const json_t *report, FILE *out, bool with_charts, char *err,
			 size_t errlen);

#endif
