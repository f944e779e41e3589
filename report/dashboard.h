/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmb dashboard: a static site over the runs in <results>/runs. index.html
 * has one row per series (host label, CPU model, benchmark with its size,
 * metric; runs from before host labels go by their hostname);
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


#define KMB_DASHBOARD_WINDOW 7
#define KMB_DASHBOARD_STATE_FORMAT "kvm-mm-bench/dashboard-state"
/* Bump when the pages or the cached run records change shape: forces a rebuild. */
#define KMB_DASHBOARD_STATE_SCHEMA 3

struct kmb_dashboard_opts {
	const char *results;	/* results tree: runs are read from <results>/runs */
	const char *out;	/* the site's directory */
	int window;		/* rolling baseline: the previous N runs of a series */
	bool rebuild;		/* ignore the state: read every run, write every page */
	bool verbose;		/* name every file written */
};

struct kmb_dashboard_stats {
	int runs, skipped, series;
	int written, unchanged, removed;	/* site files */
	int charts;				/* gnuplot runs */
	double seconds;
	/*
	 * One object per lineage (host label and CPU model): its runs and
	 * series, its latest benchmark run, how many series regressed there
	 * and what failed. Owned by the caller (json_decref), NULL when the
	 * runs could not be read.
	 */
	json_t *hosts;
};

/* Build or update the site; 0, or -1 with a one-line reason in err. */
int kmb_dashboard_build(const struct kmb_dashboard_opts *o, struct kmb_dashboard_stats *sum,
			char *err, size_t errlen);

#endif
