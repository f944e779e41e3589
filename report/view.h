/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every format of a comparison says, in words and numbers, so text,
 * markdown, mail and HTML say the same: the names of the sides, the rows of
 * the metrics table (one per benchmark and metric, with a cell per
 * candidate), the values in human units, the rule behind a verdict, the real
 * levels of the intervals, why metrics are noisy, the environment lines and
 * the side conditions.
 */
#ifndef KMB_VIEW_H
#define KMB_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "units.h"

/* Sides: 0 is the base, i + 1 the i-th candidate. */
size_t kmb_view_nsides(const json_t *doc);
const json_t *kmb_view_side(const json_t *doc, size_t side);
/*
 * The name a side goes by: its label (kmb bench --label), else its kernel
 * release when that tells it from every other side, else its run id.
 */
const char *kmb_view_side_name(const json_t *doc, size_t side, char *buf, size_t len);
/* The side's column: "base", "cand" for one candidate, "cand1", "cand2"... for several. */
const char *kmb_view_side_tag(const json_t *doc, size_t side, char *buf, size_t len);
/* "3" or "3..10": the repetitions of a side over the metrics shown. */
void kmb_view_side_n(const json_t *doc, size_t side, char *buf, size_t len);
/* "base vs cand" or "base vs 3 candidates", by the runs' names. */
const char *kmb_view_title(const json_t *doc, char *buf, size_t len);
/* what, or "what, cand2 vs base" for report r of a document with several candidates. */
const char *kmb_view_heading(const json_t *doc, size_t r, const char *what, char *buf,
			     size_t len);
/* A kmb ab side: "source ...; series ...; cmdline ...; sysctl ..."; else NULL. */
const char *kmb_view_side_ab(const json_t *doc, size_t side, char *buf, size_t len);

/* A metric of the table: its row in each report (NULL where it is missing). */
struct kmb_view_key {
	const char *bench, *metric;
	const json_t **rows;	/* ncand entries */
	const json_t *first;	/* the first row that is there (its base side) */
	struct kmb_unit unit;
	struct kmb_scale scale;	/* chosen from the base median, for every side */
	bool judged;		/* in at least one report */
};

struct kmb_view_grid {
	size_t nkeys, ncand;
	struct kmb_view_key *keys;
	size_t hidden;		/* keys not shown: not judged anywhere (without all) */
	size_t unmoved;		/* /proc/vmstat counters left out: they moved nowhere */
};

/* By benchmark, then metric; all: also the metrics judged nowhere. 0 or -1. */
int kmb_view_grid(const json_t *doc, bool all, struct kmb_view_grid *g);
void kmb_view_grid_free(struct kmb_view_grid *g);

/* The cells of one side of a key, in the key's scale. */
struct kmb_view_cell {
	char median[40];	/* "431.4 ns" */
	char ci[80];		/* "[425.0, 437.8]" (the unit is the median's) */
	char spread[16];	/* robust CoV: "2.1%" */
	char n[12];
};
/* side: "base" or "cand" of row. */
void kmb_view_cell(const struct kmb_view_key *k, const json_t *row, const char *side,
		   struct kmb_view_cell *c);

/* The change of a row: "-40.1%" (cand median / base median - 1), "-" when unknown. */
void kmb_view_change(const json_t *row, char *buf, size_t len);
/* "+1.23 ns [-0.5, 2.9]": the Hodges-Lehmann shift and its interval. */
void kmb_view_shift(const struct kmb_view_key *k, const json_t *row, char *buf, size_t len);
/* "0.031", "<0.001", "-" */
void kmb_view_p(const json_t *row, char *buf, size_t len);
/* The verdict as the tables write it: "regression" ... "not judged". */
const char *kmb_view_verdict(const json_t *row);
/* One letter for narrow tables: R, I, ? (noisy), blank (unchanged), - (not judged). */
const char *kmb_view_mark(const json_t *row);
/* The metric with its unit for a heading or an axis: "ns_per_page (ns)". */
void kmb_view_metric_label(const struct kmb_view_key *k, char *buf, size_t len);

/*
 * Sentences of the legend, the same in every format: how a verdict is made
 * (with the noise floor's parts and a calibration when one was used), what
 * the ± and the change are, and the real levels of the intervals.
 */
void kmb_view_rule(const json_t *doc, char *buf, size_t len);
void kmb_view_ci_levels(const json_t *doc, char *buf, size_t len);
extern const char kmb_view_change_text[];
extern const char kmb_view_spread_text[];

/*
 * Why metrics are noisy, grouped by reason: [{"reason", "metrics": ["bench
 * metric (side)"...]}], in the order first seen.
 */
json_t *kmb_view_noisy(const json_t *doc);

/*
 * The environment difference of one report as lines: "kernel.release: a ->
 * b", the command line as the words removed and added, the kernel config
 * options that differ (at most max_options, with the total).
 */
json_t *kmb_view_env_lines(const json_t *report, size_t max_options);

/*
 * The side conditions of every side, identical texts merged:
 * [{"sides": "base, cand", "when": "at start", "text"}] (sides by tag).
 */
json_t *kmb_view_conditions(const json_t *doc);

/* "1 regressed, 0 improved, 5 unchanged, 2 noisy (8 judged, 12 not judged)..." */
void kmb_view_tally(const json_t *report, char *buf, size_t len);

/* Display columns of the widest line of text. */
size_t kmb_view_max_width(const char *text);

/*
 * Write text as words wrapped at width display columns (at least 20): the
 * first line after first, the others after indent. A word wider than a line
 * is broken. Control characters become '?'.
 */
void kmb_view_wrap(FILE *out, const char *first, const char *indent, const char *text,
		   size_t width);

#endif
