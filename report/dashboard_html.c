// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dashboard's pages. Plain HTML and inline CSS, no script: everything is
 * readable from the file system as it is. The index draws its small trend
 * charts itself as inline SVG (a polyline needs no gnuplot); the series pages
 * show the gnuplot chart as an image next to them. Every link is relative, so
 * the site and the results tree can be moved together.
 */
#include "dashboard.h"
#include "dashboard_priv.h"
#include "html.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SPARK_POINTS 60
#define STRIP_NIGHTS 10

static void esc(FILE *out, const char *s)
{
	kmb_html_escape(out, s);
}

/* A relative URL path: every byte but the unreserved ones and '/' percent-encoded. */
static void put_url(FILE *out, const char *path)
{
	static const char safe[] = "-._~/";
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(safe, *p))
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
}

static void link_to(FILE *out, const char *href, const char *text)
{
	fputs("<a href=\"", out);
	put_url(out, href);
	fputs("\">", out);
	esc(out, text);
	fputs("</a>", out);
}

static void put_num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.4g", v);
	else
		fputs("&ndash;", out);
}

static void put_pct(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%+.1f%%", 100 * v);
	else
		fputs("&ndash;", out);
}

/* "162.7 [161.4, 164.8] 75%": the interval at its real level, which n sets. */
static void put_median(FILE *out, const struct kmb_interval *ci)
{
	put_num(out, ci->estimate);
	fputs(" [", out);
	put_num(out, ci->lo);
	fputs(", ", out);
	put_num(out, ci->hi);
	fputc(']', out);
	if (isfinite(ci->level))
		fprintf(out, " %.0f%%", 100 * ci->level);
}

/* The cells n, median [CI], baseline and change of a point. */
static void point_cells(FILE *out, size_t n, const struct dash_point *p)
{
	fprintf(out, "<td class=\"num\">%zu</td><td class=\"num\">", n);
	put_median(out, &p->ci);
	fputs("</td><td class=\"num\">", out);
	put_num(out, p->baseline);
	fputs("</td><td class=\"num\">", out);
	put_pct(out, p->change);
	fputs("</td>", out);
}

static const char *verdict_class(enum kmb_verdict v)
{
	return kmb_verdict_class(v);
}

static void page_head(FILE *out, const char *title)
{
	kmb_html_page_head(out, title);
}

static char *page_end(FILE *out, char **buf)
{
	kmb_html_page_end(out);
	if (fclose(out)) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

static void synthetic_note(FILE *out, bool synthetic)
{
	if (synthetic)
		fputs("<p class=\"synthetic\"><strong>SYNTHETIC data:</strong> runs made by "
		      "<code>tests/make-synthetic-runs</code> for testing, not measurements.</p>\n",
		      out);
}

static const char *unit_of(const struct dash_series *s)
{
	return *s->unit ? s->unit : s->metric;
}

/* ---- the index ---- */

static double spark_y(double v, double lo, double hi)
{
	return hi > lo ? 25 - 22 * (v - lo) / (hi - lo) : 14;
}

/* The last runs' medians as a polyline, the baseline dashed, the latest point coloured. */
static void sparkline(FILE *out, const struct dash_series *s)
{
	size_t from = s->n > SPARK_POINTS ? s->n - SPARK_POINTS : 0, k, cnt = s->n - from;
	const struct dash_point *last = &s->pts[s->n - 1];
	double lo = INFINITY, hi = -INFINITY, step = cnt > 1 ? 116.0 / (double)(cnt - 1) : 0;

	for (k = from; k < s->n; k++) {
		if (isfinite(s->pts[k].ci.estimate)) {
			lo = fmin(lo, s->pts[k].ci.estimate);
			hi = fmax(hi, s->pts[k].ci.estimate);
		}
	}
	if (isfinite(last->baseline)) {
		lo = fmin(lo, last->baseline);
		hi = fmax(hi, last->baseline);
	}
	fprintf(out, "<svg class=\"spark\" width=\"120\" height=\"28\" viewBox=\"0 0 120 28\" "
		     "role=\"img\"><title>last %zu runs</title>",
		cnt);
	if (isfinite(last->baseline))
		fprintf(out, "<line x1=\"2\" x2=\"118\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
			     "stroke-dasharray=\"3,2\" stroke-width=\"1\"/>",
			spark_y(last->baseline, lo, hi), spark_y(last->baseline, lo, hi));
	fputs("<polyline fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"1.2\" points=\"", out);
	for (k = from; k < s->n; k++) {
		if (isfinite(s->pts[k].ci.estimate))
			fprintf(out, "%.1f,%.1f ", 2 + step * (double)(k - from),
				spark_y(s->pts[k].ci.estimate, lo, hi));
	}
	fputs("\"/>", out);
	for (k = from; k < s->n; k++) {
		const struct dash_point *p = &s->pts[k];
		bool is_last = k + 1 == s->n;
		const char *color = p->verdict == KMB_VERDICT_REGRESSION    ? "#c62828"
				    : p->verdict == KMB_VERDICT_IMPROVEMENT ? "#2e7d32"
									    : "#1f4e79";

		if (!isfinite(p->ci.estimate) || (!is_last && p->verdict != KMB_VERDICT_REGRESSION))
			continue;
		fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\"/>",
			2 + step * (double)(k - from), spark_y(p->ci.estimate, lo, hi),
			is_last ? "2.6" : "1.6", color);
	}
	fputs("</svg>", out);
}

static void index_row(FILE *out, const struct dash_series *s)
{
	const struct dash_point *p = &s->pts[s->n - 1];
	char page[600];

	fputs("<tr class=\"series ", out);
	esc(out, verdict_class(p->verdict));
	fputs("\" data-host=\"", out);
	esc(out, s->lin->host);
	fputs("\" data-benchmark=\"", out);
	esc(out, s->bench);
	fputs("\" data-metric=\"", out);
	esc(out, s->metric);
	fprintf(out, "\" data-points=\"%zu\" data-verdict=\"", s->n);
	esc(out, kmb_verdict_name(p->verdict));
	fputs("\"><td>", out);
	link_to(out, dash_series_page(s, page, sizeof(page)), s->bench);
	fputs("</td><td>", out);
	esc(out, s->metric);
	if (*s->unit) {
		fputs(" (", out);
		esc(out, s->unit);
		fputc(')', out);
	}
	fputs("</td>", out);
	point_cells(out, s->n, p);
	fputs("<td class=\"verdict\">", out);
	esc(out, kmb_verdict_name(p->verdict));
	if (json_object_get(json_object_get(s->lin->runs[s->lin->n - 1]->rec, "failed"), s->bench))
		fputs(" <span class=\"bad\">(failed in the latest run)</span>", out);
	else if (p->run != s->lin->runs[s->lin->n - 1])
		fputs(" <span class=\"note\">(not in the latest run)</span>", out);
	fputs("</td><td>", out);
	sparkline(out, s);
	fputs("</td></tr>\n", out);
}

static void regressions_list(FILE *out, const struct dash_site *site)
{
	char page[600];
	size_t i;
	int n = 0;

	fputs("<h2>Regressions in the latest runs</h2>\n", out);
	for (i = 0; i < site->nseries; i++) {
		const struct dash_series *s = site->series[i];
		const struct dash_point *p = &s->pts[s->n - 1];

		if (p->verdict != KMB_VERDICT_REGRESSION)
			continue;
		fputs(n++ ? "<li>" : "<ul class=\"regressions\">\n<li>", out);
		link_to(out, dash_series_page(s, page, sizeof(page)), s->bench);
		fputs(" ", out);
		esc(out, s->metric);
		fputs(" on ", out);
		esc(out, s->lin->host);
		fputs(": <span class=\"bad\">", out);
		put_pct(out, p->change);
		fputs("</span> vs the rolling baseline (kernel ", out);
		esc(out, p->run->kernel);
		fputs(")</li>\n", out);
	}
	fputs(n ? "</ul>\n" : "<p>None: no series regressed in its latest run.</p>\n", out);
}

/* The benchmarks that failed in the latest benchmark run of each host. */
static void failures_list(FILE *out, const struct dash_site *site)
{
	const json_t *failed, *msg;
	const char *bench;
	size_t i, k;
	int n = 0;

	fputs("<h2>Failed benchmarks in the latest runs</h2>\n", out);
	for (i = 0; i < site->nlins; i++) {
		const struct dash_lineage *l = site->lins[i];
		const struct dash_run *last = NULL;

		for (k = l->n; k-- > 0 && !last;)
			last = l->runs[k]->has_samples ? l->runs[k] : NULL;
		failed = last ? json_object_get(last->rec, "failed") : NULL;
		json_object_foreach((json_t *)failed, bench, msg)
		{
			fputs(n++ ? "<li>" : "<ul class=\"failures\">\n<li>", out);
			fputs("<span class=\"bad\">", out);
			esc(out, bench);
			fputs("</span> on ", out);
			esc(out, l->host);
			fputs(" (kernel ", out);
			esc(out, last->kernel);
			fputs(", run <code>", out);
			esc(out, last->id);
			fputs("</code>): ", out);
			esc(out, json_string_value(msg));
			fputs("</li>\n", out);
		}
	}
	fputs(n ? "</ul>\n" : "<p>None: every benchmark of the latest runs ran or was skipped "
			       "with a reason.</p>\n",
	      out);
}

/* The runs of the series' host in which its benchmark failed. */
static void series_failures(FILE *out, const struct dash_series *s)
{
	const struct dash_lineage *l = s->lin;
	size_t k;
	int n = 0;

	for (k = l->n; k-- > 0;) {
		const json_t *msg = json_object_get(json_object_get(l->runs[k]->rec, "failed"),
						    s->bench);

		if (!msg)
			continue;
		fputs(n++ ? "<li>" : "<h2>Failures</h2>\n<ul class=\"failures\">\n<li>", out);
		fputs("<code>", out);
		esc(out, l->runs[k]->id);
		fputs("</code> (kernel ", out);
		esc(out, l->runs[k]->kernel);
		fputs("): <span class=\"bad\">failed</span>: ", out);
		esc(out, json_string_value(msg));
		fputs("</li>\n", out);
	}
	if (n)
		fputs("</ul>\n", out);
}

static void cell_mark(FILE *out, const json_t *inv)
{
	bool passed = json_is_true(json_object_get(inv, "passed"));
	char *value = json_dumps(json_object_get(inv, "value"), JSON_ENCODE_ANY | JSON_COMPACT);
	char *limit = json_dumps(json_object_get(inv, "limit"), JSON_ENCODE_ANY | JSON_COMPACT);

	fprintf(out, "<td class=\"cell %s\" title=\"value ", passed ? "pass" : "fail");
	esc(out, value ? value : "null");
	fputs(", limit ", out);
	esc(out, limit ? limit : "null");
	fprintf(out, "\">%s</td>", passed ? "&#10003;" : "&#10007; fail");
	free(value);
	free(limit);
}

static const json_t *find_invariant(const struct dash_run *r, const char *scen, const char *name)
{
	const json_t *inv = json_object_get(json_object_get(r->rec, "stress"), scen), *v;
	size_t i;

	json_array_foreach(inv, i, v) {
		if (!strcmp(json_string_value(json_object_get(v, "name")), name))
			return v;
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every "scenario\x1finvariant" seen in the lineage, sorted; *n set. */
static char **invariant_columns(const struct dash_lineage *l, size_t *n)
{
	json_t *set = json_object(), *inv, *v, *x;
	const char *scen, *key;
	char **cols, *k;
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		json_object_foreach(json_object_get(l->runs[i]->rec, "stress"), scen, inv) {
			json_array_foreach(inv, j, v) {
				if (asprintf(&k, "%s\x1f%s", scen,
					     json_string_value(json_object_get(v, "name"))) < 0)
					continue;
				json_object_set_new(set, k, json_true());
				free(k);
			}
		}
	}
	*n = 0;
	cols = calloc(json_object_size(set) + 1, sizeof(*cols));
	json_object_foreach(set, key, x) {
		if (cols)
			cols[(*n)++] = strdup(key);
	}
	if (cols)
		qsort(cols, *n, sizeof(*cols), cmp_str);
	json_decref(set);
	return cols;
}

static void free_columns(char **cols, size_t n)
{
	size_t i;

	for (i = 0; cols && i < n; i++)
		free(cols[i]);
	free(cols);
}

static void invariant_label(FILE *out, const char *col)
{
	const char *sep = strchr(col, '\x1f');
	char scen[256];

	snprintf(scen, sizeof(scen), "%.*s", (int)(sep - col), col);
	esc(out, scen);
	fputs(" / ", out);
	esc(out, sep + 1);
}

/* Pass or fail of run r for column col (a blank cell when it has none). */
static void invariant_cell(FILE *out, const struct dash_run *r, const char *col)
{
	const char *sep = strchr(col, '\x1f');
	char scen[256];
	const json_t *inv;

	snprintf(scen, sizeof(scen), "%.*s", (int)(sep - col), col);
	inv = find_invariant(r, scen, sep + 1);
	if (inv)
		cell_mark(out, inv);
	else
		fputs("<td class=\"cell note\">&ndash;</td>", out);
}

/* "2024-01-20T02:00:00Z" as "01-20 02:00", the kernel on hover. */
static void night_header(FILE *out, const struct dash_run *r)
{
	fputs("<th title=\"", out);
	esc(out, r->kernel);
	fputs("\">", out);
	if (strlen(r->start) >= 16)
		fprintf(out, "%.5s %.5s", r->start + 5, r->start + 11);
	else
		esc(out, r->start);
	fputs("</th>", out);
}

/* The index's view of the stress invariants: the last nights, one row per invariant. */
static void stress_table(FILE *out, const struct dash_lineage *l, const struct dash_run **nights,
			 size_t n)
{
	size_t ncols, i, c;
	char **cols = invariant_columns(l, &ncols);

	fputs("<h3>Stress invariants, last nights</h3>\n<table class=\"stress\">\n<tr>"
	      "<th>scenario / invariant</th>",
	      out);
	for (i = n; i-- > 0;)
		night_header(out, nights[i]);
	fputs("</tr>\n", out);
	for (c = 0; c < ncols; c++) {
		fputs("<tr><td>", out);
		invariant_label(out, cols[c]);
		fputs("</td>", out);
		for (i = n; i-- > 0;)
			invariant_cell(out, nights[i], cols[c]);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
	free_columns(cols, ncols);
}

static void stress_strip(FILE *out, const struct dash_lineage *l)
{
	const struct dash_run *nights[STRIP_NIGHTS];
	size_t n = 0, i;
	char href[600];

	for (i = l->n; i-- > 0 && n < STRIP_NIGHTS;) {
		if (l->runs[i]->stress_total)
			nights[n++] = l->runs[i];
	}
	if (n)
		stress_table(out, l, nights, n);
	snprintf(href, sizeof(href), "stress/%s.html", l->slug);
	fputs("<p>", out);
	link_to(out, href, "Every night's stress invariants");
	fputs("</p>\n", out);
}

static void lineage_section(FILE *out, const struct dash_site *site, const struct dash_lineage *l)
{
	const struct dash_run *last = l->runs[l->n - 1];
	size_t i;

	fprintf(out, "<h2 id=\"host-%s\">", l->slug);
	esc(out, l->host);
	fputs(" &mdash; ", out);
	esc(out, l->cpu);
	fputs(" (", out);
	esc(out, l->arch);
	fprintf(out, ")</h2>\n<p class=\"note\">%zu runs; latest ", l->n);
	esc(out, last->start);
	fputs(", kernel ", out);
	esc(out, last->kernel);
	fputs(".</p>\n<table class=\"series\">\n<tr><th>benchmark</th><th>metric</th><th>runs</th>"
	      "<th>latest median [CI] level</th><th>rolling baseline</th>"
	      "<th>change (+ is better)</th><th>verdict</th><th>trend</th></tr>\n",
	      out);
	for (i = 0; i < site->nseries; i++) {
		if (site->series[i]->lin == l)
			index_row(out, site->series[i]);
	}
	fputs("</table>\n", out);
	if (l->has_stress)
		stress_strip(out, l);
}

static void skipped_runs(FILE *out, const struct dash_site *site)
{
	size_t i;

	fprintf(out, "<h2 id=\"skipped\">Skipped runs</h2>\n");
	if (!site->skipped) {
		fputs("<p>None: every run directory could be read.</p>\n", out);
		return;
	}
	fputs("<table class=\"skipped\">\n"
	      "<tr><th>run directory</th><th>why it is skipped</th></tr>\n",
	      out);
	for (i = 0; i < site->nruns; i++) {
		const struct dash_run *r = site->runs[i];

		if (r->ok)
			continue;
		fputs("<tr data-run=\"", out);
		esc(out, r->id);
		fputs("\"><td><code>", out);
		esc(out, r->id);
		fputs("</code></td><td>", out);
		esc(out, r->reason);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void method_note(FILE *out, const struct dash_site *site)
{
	fprintf(out,
		"<h2>How to read this</h2>\n<p class=\"note\">One row per series: host, CPU "
		"model, benchmark (with its size) and metric; only judged metrics are shown "
		"(census counters and CPU time under manual timing are not). <em>Rolling "
		"baseline</em>: the median of the medians of the previous %d runs of the series. "
		"<em>Change</em>: the latest median against it, oriented so that + is better. "
		"<em>Verdict</em>: <code>kmb compare</code>'s rule (Mann-Whitney U, p &lt; 0.05, "
		"and a change beyond max(2%%, 2 &times; CoV)) applied to the latest run's "
		"samples against the pooled samples of those %d runs. A series restarts where a "
		"run does not compare with the one before it (host, CPU, build, sizes: see its "
		"page); <em>no baseline</em> means the latest run starts such a segment.</p>\n",
		site->o->window, site->o->window);
}

static bool any_synthetic(const struct dash_site *site)
{
	size_t i;

	for (i = 0; i < site->nlins; i++) {
		if (site->lins[i]->synthetic)
			return true;
	}
	return false;
}

char *dash_page_index(const struct dash_site *site, size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	size_t i;

	if (!out)
		return NULL;
	page_head(out, "kmb dashboard");
	fputs("<h1>kmb dashboard</h1>\n<p class=\"note\">Runs in <code>", out);
	esc(out, site->runs_dir);
	fprintf(out, "</code>: %zu (%d skipped), %zu series; rolling window %d runs; "
		     "generated %s.</p>\n",
		site->nruns, site->skipped, site->nseries, site->o->window, site->generated);
	synthetic_note(out, any_synthetic(site));
	regressions_list(out, site);
	failures_list(out, site);
	for (i = 0; i < site->nlins; i++)
		lineage_section(out, site, site->lins[i]);
	if (!site->nlins)
		fputs("<p class=\"warn\">No complete run to show yet.</p>\n", out);
	skipped_runs(out, site);
	method_note(out, site);
	return page_end(out, &buf);
}

/* ---- a series page ---- */

static void nav(FILE *out, const char *here)
{
	fputs("<nav><a href=\"../index.html\">dashboard</a> &rsaquo; ", out);
	esc(out, here);
	fputs("</nav>\n", out);
}

static void series_summary(FILE *out, const struct dash_site *site, const struct dash_series *s)
{
	const struct dash_point *p = &s->pts[s->n - 1];

	fputs("<p>", out);
	esc(out, s->lin->host);
	fputs(" &mdash; ", out);
	esc(out, s->lin->cpu);
	fputs(" (", out);
	esc(out, s->lin->arch);
	fputs("); unit ", out);
	esc(out, unit_of(s));
	fprintf(out, "; %s is better; %zu runs, %d marked as regressions.</p>\n",
		s->direction, s->n, s->regressions);
	fprintf(out, "<p class=\"summary %s\">Latest run (", verdict_class(p->verdict));
	esc(out, p->run->start);
	fputs(", kernel ", out);
	esc(out, p->run->kernel);
	fputs("): median ", out);
	put_median(out, &p->ci);
	fputs("; rolling baseline ", out);
	put_num(out, p->baseline);
	fprintf(out, " (median of the previous %zu runs' medians; window %d); change ", p->nwin,
		site->o->window);
	put_pct(out, p->change);
	fputs(" (+ is better); verdict <strong class=\"verdict\">", out);
	esc(out, kmb_verdict_name(p->verdict));
	fputs("</strong>.</p>\n", out);
}

static void series_chart(FILE *out, const struct dash_series *s)
{
	if (s->chart_error) {
		fputs("<p class=\"warn\">No chart: ", out);
		esc(out, s->chart_error);
		fputs("</p>\n", out);
		return;
	}
	fprintf(out, "<figure><a href=\"%s.svg\"><img class=\"chart\" src=\"%s.svg\" width=\"960\" "
		     "height=\"400\" alt=\"trend of ",
		s->slug, s->slug);
	esc(out, s->bench);
	fputc(' ', out);
	esc(out, s->metric);
	fputs("\"></a><figcaption class=\"note\">Median of every run with its confidence "
	      "interval (band; its level, which n sets, is in the runs table), the rolling baseline (dashed), regressions ringed red; dashed "
	      "yellow lines: the series restarts (runs not comparable); kernel releases along "
	      "the top.</figcaption></figure>\n",
	      out);
}

static void comparability(FILE *out, const struct dash_series *s)
{
	size_t k;
	int breaks = 0;

	fputs("<h2>Comparability</h2>\n", out);
	for (k = 0; k < s->n; k++) {
		const struct dash_point *p = &s->pts[k];

		if (!p->break_reason)
			continue;
		fputs(breaks++ ? "<li>" : "<ul class=\"breaks\">\n<li>", out);
		fputs("The series restarts at ", out);
		fprintf(out, "<a href=\"#r%zu\">", p->run->pos);
		esc(out, p->run->start);
		fputs("</a>: ", out);
		esc(out, p->break_reason);
		fputs(" than the run before. The rolling baseline starts again there.</li>\n", out);
	}
	if (breaks)
		fputs("</ul>\n", out);
	else
		fprintf(out, "<p>All %zu runs compare with one another (same host, CPU, build "
			     "type and sizes).</p>\n",
			s->n);
}

/* Why another series of the same benchmark and metric is not this one. */
static const char *separate_because(const struct dash_series *a, const struct dash_series *b)
{
	if (strcmp(a->lin->host, b->lin->host))
		return "another host";
	if (strcmp(a->lin->cpu, b->lin->cpu))
		return "another CPU model on this host";
	return "another size";
}

static void related(FILE *out, const struct dash_site *site, const struct dash_series *s)
{
	char page[600];
	size_t i;
	int n = 0;

	for (i = 0; i < site->nseries; i++) {
		const struct dash_series *o = site->series[i];

		if (o == s || strcmp(o->family, s->family) || strcmp(o->metric, s->metric))
			continue;
		fputs(n++ ? "<li>" : "<p>Kept apart, because runs there do not compare with "
				     "these:</p>\n<ul class=\"related\">\n<li>",
		      out);
		fputs("<a href=\"../", out);
		put_url(out, dash_series_page(o, page, sizeof(page)));
		fputs("\">", out);
		esc(out, o->bench);
		fputs(" on ", out);
		esc(out, o->lin->host);
		fputs(" (", out);
		esc(out, o->lin->cpu);
		fputs(")</a>: ", out);
		esc(out, separate_because(s, o));
		fputs("</li>\n", out);
	}
	if (n)
		fputs("</ul>\n", out);
}

static void run_links(FILE *out, const struct dash_site *site, const struct dash_run *r)
{
	char href[8400];

	dash_manifest_href(site, r, href, sizeof(href), false);
	link_to(out, href, "manifest");
	if (r->compare_page) {
		fputs(" &middot; <a href=\"../", out);
		put_url(out, r->compare_page);
		fputs("\">vs previous run</a>", out);
	}
	if (json_is_true(json_object_get(r->rec, "compare_html"))) {
		snprintf(href, sizeof(href), "../%s/%s/compare.html", site->runs_href, r->id);
		fputs(" &middot; ", out);
		link_to(out, href, "nightly report (vs baseline)");
	}
}

/* The stress results of the run's night (its own, or the stress run after it). */
static void stress_cell(FILE *out, const struct dash_run *r)
{
	fputs("<td>", out);
	if (r && r->stress_total) {
		fprintf(out, "<a class=\"%s\" href=\"../stress/%s.html#r%zu\">",
			r->stress_failed ? "fail" : "pass", r->lin->slug, r->pos);
		if (r->stress_failed)
			fprintf(out, "&#10007; %d of %d failed", r->stress_failed, r->stress_total);
		else
			fprintf(out, "&#10003; %d passed", r->stress_total);
		fputs("</a>", out);
	} else {
		fputs("&ndash;", out);
	}
	fputs("</td>", out);
}

/* The run's label (kmb bench --label) under its id. */
static void run_label(FILE *out, const struct dash_run *r)
{
	if (!r->label)
		return;
	fputs("<br><strong class=\"label\">", out);
	esc(out, r->label);
	fputs("</strong>", out);
}

static void run_row(FILE *out, const struct dash_site *site, const struct dash_series *s,
		    const struct dash_point *p)
{
	fprintf(out, "<tr id=\"r%zu\" class=\"run %s%s\" data-run=\"", p->run->pos,
		verdict_class(p->verdict), p->break_reason ? " restart" : "");
	esc(out, p->run->id);
	fputs("\" data-verdict=\"", out);
	esc(out, kmb_verdict_name(p->verdict));
	fputs("\"><td><code>", out);
	esc(out, p->run->id);
	fputs("</code>", out);
	run_label(out, p->run);
	fputs("</td><td>", out);
	esc(out, p->run->start);
	fputs("</td><td>", out);
	esc(out, p->run->kernel);
	fputs("</td>", out);
	point_cells(out, p->n, p);
	fputs("<td class=\"num\">", out);
	put_num(out, p->p);
	fputs("</td><td class=\"verdict\">", out);
	esc(out, kmb_verdict_name(p->verdict));
	fputs("</td><td>", out);
	run_links(out, site, p->run);
	fputs("</td>", out);
	if (s->lin->has_stress)
		stress_cell(out, p->run->night_stress);
	fputs("</tr>\n", out);
}

static void runs_table(FILE *out, const struct dash_site *site, const struct dash_series *s)
{
	size_t k;

	fputs("<h2>Runs</h2>\n<table class=\"runs\">\n<tr><th>run</th><th>started</th>"
	      "<th>kernel</th><th>n</th><th>median [CI] level</th><th>rolling baseline</th>"
	      "<th>change</th><th>p</th><th>verdict</th><th>links</th>",
	      out);
	if (s->lin->has_stress)
		fputs("<th>stress invariants</th>", out);
	fputs("</tr>\n", out);
	for (k = s->n; k-- > 0;)
		run_row(out, site, s, &s->pts[k]);
	fputs("</table>\n<p class=\"note\">Newest first. p: Mann-Whitney U of the run's samples "
	      "against the pooled samples of the rolling window; a dashed top border marks "
	      "where the series restarts.</p>\n",
	      out);
}

char *dash_page_series(const struct dash_site *site, const struct dash_series *s, size_t *len)
{
	char *buf = NULL, title[700];
	FILE *out = open_memstream(&buf, len);

	if (!out)
		return NULL;
	snprintf(title, sizeof(title), "%s %s on %s", s->bench, s->metric, s->lin->host);
	page_head(out, title);
	nav(out, title);
	fputs("<h1>", out);
	esc(out, s->bench);
	fputs(" &middot; ", out);
	esc(out, s->metric);
	fputs("</h1>\n", out);
	synthetic_note(out, s->lin->synthetic);
	series_summary(out, site, s);
	series_chart(out, s);
	comparability(out, s);
	related(out, site, s);
	series_failures(out, s);
	runs_table(out, site, s);
	return page_end(out, &buf);
}

/* ---- the stress page of a lineage ---- */

static void stress_errors(FILE *out, const struct dash_run *r)
{
	const json_t *errs = json_object_get(r->rec, "stress_errors"), *v;
	const char *scen;

	json_object_foreach((json_t *)errs, scen, v) {
		fputs("<div class=\"bad\">", out);
		esc(out, json_string_value(v));
		fputs("</div>", out);
	}
}

char *dash_page_stress(const struct dash_site *site, const struct dash_lineage *l, size_t *len)
{
	char *buf = NULL, title[600], href[8400];
	FILE *out = open_memstream(&buf, len);
	size_t ncols, i, c;
	char **cols;

	if (!out)
		return NULL;
	cols = invariant_columns(l, &ncols);
	snprintf(title, sizeof(title), "stress invariants on %s", l->host);
	page_head(out, title);
	nav(out, title);
	fputs("<h1>Stress invariants: ", out);
	esc(out, l->host);
	fputs("</h1>\n", out);
	synthetic_note(out, l->synthetic);
	fputs("<p class=\"note\">One row per night with stress results, newest first; hover a "
	      "cell for the measured value and the limit.</p>\n<table class=\"stress\">\n"
	      "<tr><th>run</th><th>kernel</th>",
	      out);
	for (c = 0; c < ncols; c++) {
		fputs("<th>", out);
		invariant_label(out, cols[c]);
		fputs("</th>", out);
	}
	fputs("<th>problems</th></tr>\n", out);
	for (i = l->n; i-- > 0;) {
		const struct dash_run *r = l->runs[i];

		if (!r->stress_total && !json_object_size(json_object_get(r->rec, "stress_errors")))
			continue;
		dash_manifest_href(site, r, href, sizeof(href), false);
		fprintf(out, "<tr id=\"r%zu\"><td>", r->pos);
		link_to(out, href, r->start);
		fputs("</td><td>", out);
		esc(out, r->kernel);
		fputs("</td>", out);
		for (c = 0; c < ncols; c++)
			invariant_cell(out, r, cols[c]);
		fputs("<td>", out);
		stress_errors(out, r);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
	free_columns(cols, ncols);
	return page_end(out, &buf);
}

/* ---- a compare page ---- */

static void compare_runs_table(FILE *out, const struct dash_site *site,
			       const struct dash_run *prev, const struct dash_run *run)
{
	const struct dash_run *r[2] = { prev, run };
	char href[8400];
	int i;

	fputs("<table class=\"runs\">\n<tr><th></th><th>run</th><th>started</th><th>kernel</th>"
	      "</tr>\n",
	      out);
	for (i = 0; i < 2; i++) {
		dash_manifest_href(site, r[i], href, sizeof(href), false);
		fprintf(out, "<tr><th>%s</th><td>", i ? "cand" : "base");
		link_to(out, href, r[i]->id);
		run_label(out, r[i]);
		fputs("</td><td>", out);
		esc(out, r[i]->start);
		fputs("</td><td>", out);
		esc(out, r[i]->kernel);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

char *dash_page_compare(const struct dash_site *site, const struct dash_run *prev,
			const struct dash_run *run, const json_t *report, size_t *len)
{
	char *buf = NULL, title[700];
	FILE *out = open_memstream(&buf, len);
	const char *error = json_string_value(json_object_get(report, "error"));

	if (!out)
		return NULL;
	snprintf(title, sizeof(title), "%s against the previous run", run->id);
	page_head(out, title);
	nav(out, title);
	fputs("<h1>", out);
	esc(out, run->host);
	fputs(": a run against the one before it</h1>\n", out);
	synthetic_note(out, run->synthetic || prev->synthetic);
	compare_runs_table(out, site, prev, run);
	if (error) {
		fputs("<p class=\"warn\">Cannot compare: ", out);
		esc(out, error);
		fputs("</p>\n", out);
	} else {
		char err[512];

		/* The compare report as kmb compare renders it, without its charts. */
		if (kmb_render_html_body(report, out, false, err, sizeof(err))) {
			fputs("<p class=\"warn\">", out);
			esc(out, err);
			fputs("</p>\n", out);
		}
	}
	return page_end(out, &buf);
}
