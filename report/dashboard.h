/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmb dashboard: a static site over the runs in <results>/runs. index.html
 * has one row per series (host, CPU model, benchmark with its size, metric);
 * each series has a page with a gnuplot trend chart and its runs; each run a
 * compare page against the previous run of its host; each host a page of its
 * stress invariants per night.
 *
 * Statistics are those of kmb compare: a point's verdict is kmb_compare() of
 * the run's samples against the pooled samples of the previous N runs of the
 * same series segment (the rolling window); the rolling baseline shown is the
 * median of those runs' medians. A segment starts where a run does not compare
 * with the one before it (kmb_env_diff() says so), and the page says why.
 *
 * Incremental: <out>/.state.json keeps what was read from every run (keyed by
 * a fingerprint of its files), the verdicts (keyed by the fingerprints of the
 * runs they depend on) and a hash of every page's inputs (the HTML itself; for
 * a chart, its gnuplot script), so only what changed is written and gnuplot
 * runs once per changed chart.
 */
#ifndef KMB_DASHBOARD_H
#define KMB_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <jansson.h>

#include "stats.h"

#define KMB_DASHBOARD_WINDOW 7
#define KMB_DASHBOARD_STATE_FORMAT "kvm-mm-bench/dashboard-state"
/* Bump when the pages or the cached run records change shape: forces a rebuild. */
#define KMB_DASHBOARD_STATE_SCHEMA 2

struct kmb_dashboard_opts {
	const char *results;	/* results tree: runs are read from <results>/runs */
	const char *out;	/* the site's directory */
	int window;		/* rolling baseline: the previous N runs of a series */
	bool rebuild;		/* ignore the state: read every run, write every page */
	bool verbose;		/* name every file written */
};

struct kmb_dashboard_summary {
	int runs, skipped, series;
	int written, unchanged, removed;	/* site files */
	int charts;				/* gnuplot runs */
	double seconds;
};

/* Build or update the site; 0, or -1 with a one-line reason in err. */
int kmb_dashboard_build(const struct kmb_dashboard_opts *o, struct kmb_dashboard_summary *sum,
			char *err, size_t errlen);

/* ---- shared between report/dashboard*.c only ---- */

struct dash_series;
struct dash_lineage;

/* Where a run appears: point k of series s. */
struct dash_ref {
	struct dash_series *s;
	size_t k;
};

struct dash_run {
	const char *id;		/* its directory name under runs/ */
	json_t *rec;		/* what was read from it (cached in the state) */
	bool ok;
	const char *reason;	/* why it is skipped (!ok) */
	const char *host, *cpu, *arch, *kernel, *start;
	time_t t;
	bool synthetic;
	bool has_samples;	/* a benchmark run (a stress run has none) */
	char *compare_page;	/* "compare/<slug>.html" when it has a predecessor */
	struct dash_run *compare_prev;	/* the benchmark run before it */
	struct dash_run *night_stress;	/* the stress results of its night, or NULL */
	struct dash_lineage *lin;
	size_t pos;		/* index in lin->runs */
	struct dash_ref *refs;
	size_t nrefs, refs_cap;
	int stress_total, stress_failed;	/* invariants; total 0: no stress data */
};

struct dash_point {
	struct dash_run *run;
	json_t *metric;		/* {"unit", "values"} of the run (borrowed) */
	double *v;
	size_t n;
	struct kmb_interval ci;	/* median and its 95% CI */
	double baseline;	/* median of the window's medians; NAN: no window */
	size_t nwin;		/* runs in the window */
	double change;		/* vs baseline, oriented: + is better */
	double p;		/* Mann-Whitney U vs the pooled window */
	const char *verdict;	/* kmb compare's, or "no baseline" */
	const char *break_reason;	/* a new segment starts here, and why */
	size_t seg;		/* index of the segment's first point */
};

struct dash_series {
	char *key;		/* host \x1f cpu \x1f benchmark \x1f metric */
	char *slug;		/* file name stem under series/ */
	char *family;		/* benchmark without its size argument */
	const char *bench, *metric, *unit, *direction;
	struct dash_lineage *lin;
	struct dash_point *pts;
	size_t n, cap;
	int regressions;
	const char *chart_error;	/* why the chart is missing, or NULL */
};

struct dash_lineage {
	const char *host, *cpu, *arch;
	char *slug;
	struct dash_run **runs;
	size_t n, cap;
	const char **breaks;	/* [pos]: why runs[pos] does not compare with runs[pos-1] */
	bool has_stress;
	bool synthetic;
};

struct dash_site {
	const struct kmb_dashboard_opts *o;
	char out[4096];
	char runs_dir[4200];
	char runs_href[8192];	/* the runs directory as seen from index.html */
	struct dash_run **runs;	/* every entry of runs/, by id */
	size_t nruns;
	int skipped;
	struct dash_lineage **lins;
	size_t nlins, lins_cap;
	struct dash_series **series;	/* by key */
	size_t nseries, series_cap;
	json_t *old_state;	/* NULL on a rebuild */
	json_t *new_runs, *new_pages;
	json_t *written;	/* names of the files written this time */
	json_t *pool;		/* strings the model points into */
	struct kmb_dashboard_summary *sum;
	char generated[32];
};

/* dashboard_html.c: pages as malloc'd text (*len set); NULL on allocation failure. */
char *dash_page_index(const struct dash_site *site, size_t *len);
char *dash_page_series(const struct dash_site *site, const struct dash_series *s, size_t *len);
char *dash_page_stress(const struct dash_site *site, const struct dash_lineage *l, size_t *len);
/* The compare report of run against prev (a kmb_compare() document). */
char *dash_page_compare(const struct dash_site *site, const struct dash_run *prev,
			const struct dash_run *run, const json_t *report, size_t *len);

/* dashboard_chart.c: the trend chart of one series. */
struct dash_trend_point {
	double t;			/* run start, seconds since the epoch */
	double median, lo, hi;		/* lo/hi NAN: no band here */
	double baseline;		/* NAN: none */
	int mark;			/* 1 regression, 2 improvement */
};

struct dash_trend_label {
	double t;
	const char *text;
};

struct dash_trend {
	const char *title;
	const char *ylabel;
	const struct dash_trend_point *pts;
	size_t n;
	const struct dash_trend_label *kernels;	/* where the kernel release changes */
	size_t nkernels;
	const double *breaks;			/* where a new segment starts */
	size_t nbreaks;
};

/* The gnuplot script (malloc'd): the chart's whole input, so it is what gets hashed. */
char *dash_trend_script(const struct dash_trend *t);
/* Run gnuplot on script: the SVG document (malloc'd), or NULL with err. */
char *dash_trend_svg(const char *script, const char *title, char *err, size_t errlen);

/* dashboard.c helpers used by the pages. */
uint64_t dash_hash(const void *buf, size_t len);
/* "<runs_href>/<id>/manifest.json" as an href for a page in a subdirectory. */
void dash_manifest_href(const struct dash_site *site, const struct dash_run *r, char *buf,
			size_t len, bool from_root);
const char *dash_series_page(const struct dash_series *s, char *buf, size_t len);

#endif
