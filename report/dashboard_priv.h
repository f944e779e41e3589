/* SPDX-License-Identifier: GPL-2.0-only */
/* What the dashboard's model files share; not an interface for anyone else. */
#ifndef KMB_DASHBOARD_PRIV_H
#define KMB_DASHBOARD_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

#include "compare.h"
#include "dashboard.h"
#include "stats.h"

/* ---- the model ---- */

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
	/* host: the host label (lib/hostlabel.h), the hostname for older runs */
	const char *host, *cpu, *arch, *kernel, *start;
	const char *label;	/* kmb bench --label, or NULL */
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
	enum kmb_verdict verdict; /* kmb compare's, or KMB_VERDICT_NO_BASELINE */
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
	struct kmb_dashboard_stats *sum;
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

/* dashboard_util.c helpers used by the pages. */
uint64_t dash_hash(const void *buf, size_t len);
/* "<runs_href>/<id>/manifest.json" as an href for a page in a subdirectory. */
void dash_manifest_href(const struct dash_site *site, const struct dash_run *r, char *buf,
			size_t len, bool from_root);
const char *dash_series_page(const struct dash_series *s, char *buf, size_t len);



/* Helpers (dashboard_util.c): string fields, page slugs, the site's string pool. */
const char *dash_jstr_or(const json_t *o, const char *key, const char *dflt);
const char *dash_jstr(const json_t *o, const char *key);
char *dash_make_slug(const char *text, const char *key, bool always_hash);
const char *dash_pool_add(struct dash_site *s, json_t *str);
/* Reading the results tree (dashboard_runs.c): runs, or their state records. */
int dash_scan_runs(struct dash_site *s, char *err, size_t errlen);
/* The model (dashboard_model.c): lineages, series, then every point's verdict. */
int dash_build_lineages(struct dash_site *s);
int dash_build_series(struct dash_site *s);
void dash_judge(struct dash_site *s);
/* Per lineage: label, CPU, runs, series, latest run, regressed series, failures. */
json_t *dash_hosts_summary(const struct dash_site *s);

/* Free everything the site holds (not the struct itself). */
void dash_site_free(struct dash_site *s);

#endif
