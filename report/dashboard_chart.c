// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trend chart of one series: the median of every run with its CI as a
 * band, the rolling baseline, regressions ringed in red, segment breaks as
 * dashed lines and kernel releases along the top. As in chart.c, gnuplot gets
 * the data inline in a script in a private mkdtemp directory and is spawned
 * with argv; the script is built first and separately, because it is the
 * chart's complete input and so what decides whether the chart is redrawn.
 */
#include "dashboard.h"
#include "dashboard_priv.h"
#include "atomic.h"
#include "chart.h"
#include "html.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>



static void put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.10g", v);
	else
		fputs(" NaN", f);
}

static void put_data(FILE *f, const struct dash_trend *t)
{
	size_t i;

	fputs("$pts << EOD\n", f);
	for (i = 0; i < t->n; i++) {
		const struct dash_trend_point *p = &t->pts[i];

		fprintf(f, "%.0f", p->t);
		put_num(f, p->median);
		put_num(f, p->lo);
		put_num(f, p->hi);
		put_num(f, p->baseline);
		fprintf(f, " %d\n", p->mark);
	}
	fputs("EOD\n", f);
}

/* Time on x: dates, or the time of day when the series spans less than two days. */
static void put_axes(FILE *f, const struct dash_trend *t)
{
	double t0 = t->n ? t->pts[0].t : 0, t1 = t->n ? t->pts[t->n - 1].t : 0;
	double span = t1 - t0, pad = span > 0 ? fmax(span * 0.03, 1) : 1800;
	size_t i;

	fprintf(f, "set xdata time\nset timefmt '%%s'\nset format x '%s'\n",
		span < 7200 ? "%H:%M:%S" : span < 2 * 86400 ? "%m-%d %H:%M" : "%Y-%m-%d");
	fprintf(f, "set xrange [%.0f:%.0f]\nset xtics nomirror textcolor rgb '#333333'\n", t0 - pad,
		t1 + pad);
	fprintf(f, "set ytics nomirror textcolor rgb '#333333'\n"
		   "set grid xtics ytics linecolor rgb '#e6e6e6'\n");
	if (t->nkernels) {
		/* x2 is x: the kernel release as a label where it changes. */
		fputs("set link x2\nset x2tics (", f);
		for (i = 0; i < t->nkernels; i++) {
			fputs(i ? ", " : "", f);
			kmb_gnuplot_quote(f, t->kernels[i].text);
			fprintf(f, " %.0f", t->kernels[i].t);
		}
		fputs(") rotate by 25 left font ',8' textcolor rgb '#555555' noenhanced\n", f);
	}
	for (i = 0; i < t->nbreaks; i++)
		fprintf(f, "set arrow from %.0f, graph 0 to %.0f, graph 1 nohead dashtype 2 "
			   "linewidth 1.5 linecolor rgb '#e0a800' front\n",
			t->breaks[i], t->breaks[i]);
	fputs("set ylabel ", f);
	kmb_gnuplot_quote(f, t->ylabel);
	fputs(" noenhanced\n", f);
}

static void put_plot(FILE *f, const struct dash_trend *t)
{
	bool base = false, reg = false, imp = false;
	size_t i;

	for (i = 0; i < t->n; i++) {
		base |= isfinite(t->pts[i].baseline);
		reg |= t->pts[i].mark == 1;
		imp |= t->pts[i].mark == 2;
	}
	fputs("plot $pts using 1:3:4 with filledcurves fillcolor rgb '#cfe0f2' "
	      "fillstyle solid 1 noborder title 'CI of the median', \\\n", f);
	/* Past a few hundred runs the points would only be a smear on the line. */
	fprintf(f, "     $pts using 1:2 with %s linewidth 1 linecolor rgb '#1f4e79' "
		   "title 'median of the run'",
		t->n > 150 ? "lines" : "linespoints pointtype 7 pointsize 0.4");
	if (base)
		fputs(", \\\n     $pts using 1:5 with lines dashtype 2 linewidth 1.2 "
		      "linecolor rgb '#555555' title 'rolling baseline'",
		      f);
	if (reg)
		fputs(", \\\n     $pts using 1:($6 == 1 ? $2 : NaN) with points pointtype 6 "
		      "pointsize 1.5 linewidth 2 linecolor rgb '#c62828' title 'regression'",
		      f);
	if (imp)
		fputs(", \\\n     $pts using 1:($6 == 2 ? $2 : NaN) with points pointtype 6 "
		      "pointsize 1.5 linewidth 2 linecolor rgb '#2e7d32' title 'improvement'",
		      f);
	fputc('\n', f);
}

char *dash_trend_script(const struct dash_trend *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("set terminal svg size 960,400 fixed enhanced font 'sans,10' "
	      "background '#ffffff'\nset encoding utf8\n",
	      f);
	fputs("set title ", f);
	kmb_gnuplot_quote(f, t->title);
	fputs(" noenhanced\n", f);
	put_data(f, t);
	put_axes(f, t);
	fputs("set key outside bottom center horizontal noenhanced\n"
	      "set offsets 0, 0, graph 0.05, graph 0.05\n",
	      f);
	if (!t->n)
		fputs("set yrange [0:1]\nplot NaN notitle\n", f);
	else
		put_plot(f, t);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* gnuplot's "Gnuplot" tooltip becomes the chart's title. */
static char *retitle(const char *svg, const char *title)
{
	static const char tag[] = "<title>Gnuplot</title>";
	const char *at = strstr(svg, tag);
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (!at)
		return strdup(svg);
	m = open_memstream(&buf, &len);
	if (!m)
		return NULL;
	fprintf(m, "%.*s<title>", (int)(at - svg), svg);
	kmb_html_escape(m, title);
	fprintf(m, "</title>%s", at + sizeof(tag) - 1);
	fclose(m);
	return buf;
}

char *dash_trend_svg(const char *script, const char *title, char *err, size_t errlen)
{
	char *svg = kmb_gnuplot_svg(script, err, errlen), *titled;

	if (!svg)
		return NULL;
	titled = retitle(svg, title);
	free(svg);
	return titled;
}
