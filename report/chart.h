/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One chart per judged metric for the HTML report: every sample of base and
 * cand as a jittered point, the median as a bar, its CI as an error bar.
 * gnuplot draws it as SVG; the result is meant to be inlined into HTML.
 */
#ifndef KMB_CHART_H
#define KMB_CHART_H

#include <stddef.h>
#include <stdio.h>

struct kmb_chart_side {
	const double *samples;
	size_t n;
	double median, ci_lo, ci_hi;	/* NaN: not drawn */
};

struct kmb_chart {
	const char *title;
	const char *unit;	/* y axis label; "" or NULL for none */
	const char *verdict;	/* "regression" draws cand red, "improvement" green */
	struct kmb_chart_side base, cand;
	const char *id_prefix;	/* makes the SVG's ids unique within a page, or NULL */
};

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
