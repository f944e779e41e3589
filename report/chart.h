/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One chart per judged metric for the HTML report: every sample of the base
 * and of each candidate as a jittered point, the median as a bar, its CI as
 * an error bar, on an axis that names the unit.
 * gnuplot draws it as SVG; the result is meant to be inlined into HTML.
 */
#ifndef KMB_CHART_H
#define KMB_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The base and up to seven candidates. */
#define KMB_CHART_MAX_SIDES 8

struct kmb_chart_side {
	const char *name;	/* the x axis label: "base", "cand1" (n is added) */
	const double *samples;	/* in the unit of the axis */
	size_t n;
	double median, ci_lo, ci_hi;	/* NaN: not drawn */
};

/*
 * Each side has its own colour, from a palette that colour-blind readers
 * tell apart (Okabe and Ito), and its own marker shape, so neither colour
 * nor shape alone carries the difference.
 */
struct kmb_chart {
	const char *title;
	const char *ylabel;	/* the metric and its unit: "ns_per_page (ns)" */
	bool from_zero;		/* a time: the axis starts at 0 */
	const char *verdict;	/* "regression" or "improvement": a heavy, coloured frame */
	struct kmb_chart_side sides[KMB_CHART_MAX_SIDES];
	size_t nsides;
	const char *id_prefix;	/* makes the SVG's ids unique within a page, or NULL */
};

/* The colour of side i as "#rrggbb", for a legend in the page. */
const char *kmb_chart_color(size_t side);
/* Its marker as a word: "circle", "triangle"... */
const char *kmb_chart_marker(size_t side);

/*
 * The chart as a malloc'd <svg>...</svg> (no XML prolog), or NULL with a
 * one-line reason in err ("gnuplot: not found (install gnuplot-nox)").
 */
char *kmb_chart_svg(const struct kmb_chart *c, char *err, size_t errlen);

/*
 * Run gnuplot (argv, private 0700 directory, time limit) on a script whose
 * terminal is svg and return the SVG it wrote (malloc'd), or NULL with err:
 * "gnuplot: not found (install gnuplot-nox)" or gnuplot's last complaint.
 */
char *kmb_gnuplot_svg(const char *script, char *err, size_t errlen);

/* Write s as a gnuplot single-quoted string. */
void kmb_gnuplot_quote(FILE *f, const char *s);

#endif
