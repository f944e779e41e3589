// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb compare as one self-contained HTML page: the CSS is inline, the charts
 * are inline SVG, and there is no script and no external reference, so the
 * page can be mailed, kept as a CI artifact and opened from the file system.
 * The Content-Security-Policy makes the browser hold the page to that.
 */
#include "chart.h"
#include "compare.h"
#include "html.h"
#include "render.h"
#include "util.h"
#include "view.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void esc(FILE *out, const char *s)
{
	kmb_html_escape(out, s);
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

/* Optional strings (unit) are "" when absent. */
static const char *opt(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static double num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The CSS class of a verdict: the verdict itself, minus the space. */
static const char *verdict_class(const char *v)
{
	return kmb_verdict_class(kmb_verdict_from_name(v));
}

static void side_row(FILE *out, const json_t *doc, const char *label, const char *key)
{
	size_t side, n = kmb_view_nsides(doc);

	fprintf(out, "<tr><th>%s</th>", label);
	for (side = 0; side < n; side++) {
		fputs("<td><code>", out);
		esc(out, opt(kmb_view_side(doc, side), key));
		fputs("</code></td>", out);
	}
	fputs("</tr>\n", out);
}

/* What each kmb ab side was, when a side is one. */
static void ab_row(const json_t *doc, FILE *out)
{
	size_t side, n = kmb_view_nsides(doc);
	char ab[1200];
	bool any = false;

	for (side = 0; side < n; side++)
		any = any || kmb_view_side_ab(doc, side, ab, sizeof(ab));
	if (!any)
		return;
	fputs("<tr><th>kmb ab side</th>", out);
	for (side = 0; side < n; side++) {
		fputs("<td>", out);
		esc(out, kmb_view_side_ab(doc, side, ab, sizeof(ab)) ? ab : "-");
		fputs("</td>", out);
	}
	fputs("</tr>\n", out);
}

static void runs(const json_t *doc, FILE *out)
{
	size_t side, n = kmb_view_nsides(doc), i;
	char tag[32], name[300], reps[32];
	const json_t *c;

	fputs("<h1>kmb compare</h1>\n<table class=\"runs\">\n<tr><th></th>", out);
	for (side = 0; side < n; side++) {
		fprintf(out, "<th><span class=\"swatch\" style=\"color:%s\">&#9679;</span> ",
			kmb_chart_color(side));
		esc(out, kmb_view_side_tag(doc, side, tag, sizeof(tag)));
		fputs("</th>", out);
	}
	fputs("</tr>\n<tr><th>name</th>", out);
	for (side = 0; side < n; side++) {
		fputs("<td><strong>", out);
		esc(out, kmb_view_side_name(doc, side, name, sizeof(name)));
		fputs("</strong></td>", out);
	}
	fputs("</tr>\n", out);
	side_row(out, doc, "path", "path");
	side_row(out, doc, "run id", "run_id");
	side_row(out, doc, "kernel", "kernel");
	side_row(out, doc, "host", "host");
	side_row(out, doc, "started", "start_time");
	ab_row(doc, out);
	fputs("<tr><th>n</th>", out);
	for (side = 0; side < n; side++) {
		kmb_view_side_n(doc, side, reps, sizeof(reps));
		fprintf(out, "<td>%s</td>", reps);
	}
	fputs("</tr>\n<tr><th>conditions</th>", out);
	for (side = 0; side < n; side++) {
		fputs("<td>", out);
		json_array_foreach(json_object_get(kmb_view_side(doc, side), "conditions"), i, c) {
			fputs("<p class=\"warn\">", out);
			esc(out, str(c, "when"));
			fputs(": ", out);
			esc(out, str(c, "text"));
			fputs("</p>", out);
		}
		fputs("</td>", out);
	}
	fputs("</tr>\n</table>\n", out);
}

static void heading(FILE *out, const json_t *doc, size_t r, const char *what)
{
	char text[200];

	fputs("<h2>", out);
	esc(out, kmb_view_heading(doc, r, what, text, sizeof(text)));
	fputs("</h2>\n", out);
}

static void words(FILE *out, const json_t *list, const char *sign)
{
	const json_t *w;
	size_t i;

	json_array_foreach(list, i, w) {
		fprintf(out, " <code>%s", sign);
		esc(out, json_string_value(w));
		fputs("</code>", out);
	}
}

/* A value: strings as they are, others as compact JSON. */
static void put_value(FILE *out, const json_t *v)
{
	char *s = v && !json_is_string(v) ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	fputs("<code>", out);
	esc(out, json_is_string(v) ? json_string_value(v) : s ? s : "null");
	fputs("</code>", out);
	free(s);
}

static void config_table(FILE *out, const json_t *config)
{
	const json_t *o;
	size_t i;

	fprintf(out, "<p>Kernel config: %lld <code>CONFIG_</code> option(s) differ",
		(long long)json_integer_value(json_object_get(config, "total")));
	if (json_is_string(json_object_get(config, "note"))) {
		fputs("; ", out);
		esc(out, str(config, "note"));
	}
	if (!json_array_size(json_object_get(config, "options"))) {
		fputs(".</p>\n", out);
		return;
	}
	if ((json_int_t)json_array_size(json_object_get(config, "options")) <
	    json_integer_value(json_object_get(config, "total")))
		fprintf(out, " (the first %zu, memory management and KVM first)",
			json_array_size(json_object_get(config, "options")));
	fputs(":</p>\n<table class=\"env\">\n<tr><th>option</th><th>base</th><th>cand</th></tr>\n",
	      out);
	json_array_foreach(json_object_get(config, "options"), i, o) {
		fputs("<tr><td>", out);
		esc(out, str(o, "option"));
		fputs("</td><td>", out);
		esc(out, json_is_string(json_object_get(o, "base")) ? str(o, "base") : "(absent)");
		fputs("</td><td>", out);
		esc(out, json_is_string(json_object_get(o, "cand")) ? str(o, "cand") : "(absent)");
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void environment(const json_t *doc, size_t r, FILE *out)
{
	const json_t *report = kmb_compare_report(doc, r);
	const json_t *env = json_object_get(report, "environment"), *d;
	size_t i;

	heading(out, doc, r, "Environment");
	json_array_foreach(json_object_get(env, "warnings"), i, d) {
		fputs("<p class=\"warn\"><strong>warning:</strong> ", out);
		esc(out, json_string_value(d));
		fputs("</p>\n", out);
	}
	json_array_foreach(json_object_get(env, "scoped_warnings"), i, d) {
		fputs("<p class=\"warn\"><strong>warning:</strong> ", out);
		esc(out, json_string_value(json_object_get(d, "text")));
		fputs("</p>\n", out);
	}
	if (json_is_string(json_object_get(report, "calibration"))) {
		fputs("<p class=\"note\">", out);
		esc(out, str(report, "calibration"));
		fputs("</p>\n", out);
	}
	if (!json_array_size(json_object_get(env, "diff"))) {
		fputs("<p>No difference in the recorded environment.</p>\n", out);
		return;
	}
	fputs("<table class=\"env\">\n<tr><th>field</th><th>base</th><th>cand</th>"
	      "<th>comparability</th></tr>\n",
	      out);
	json_array_foreach(json_object_get(env, "diff"), i, d) {
		bool breaks = json_is_true(json_object_get(d, "breaks_comparability"));

		fprintf(out, "<tr%s><td>", breaks ? " class=\"incomparable\"" : "");
		esc(out, str(d, "field"));
		if (json_object_get(d, "removed")) {
			/* The command line: the words that differ, not two long lines. */
			fputs("</td><td>removed:", out);
			words(out, json_object_get(d, "removed"), "");
			fputs("</td><td>added:", out);
			words(out, json_object_get(d, "added"), "");
		} else {
			fputs("</td><td>", out);
			put_value(out, json_object_get(d, "base"));
			fputs("</td><td>", out);
			put_value(out, json_object_get(d, "cand"));
		}
		fprintf(out, "</td><td>%s</td></tr>\n",
			breaks ? "&#9888; breaks comparability" : "ok");
	}
	fputs("</table>\n", out);
	if (json_is_object(json_object_get(env, "kernel_config")))
		config_table(out, json_object_get(env, "kernel_config"));
}

/* Benchmarks that did not run in both: failures never vanish from a comparison. */
static void outcomes_table(const json_t *doc, size_t r, FILE *out)
{
	const json_t *rows = json_object_get(kmb_compare_report(doc, r), "benchmarks"), *row;
	size_t i;

	if (!json_array_size(rows))
		return;
	heading(out, doc, r, "Benchmarks that did not run in both");
	fputs("<table class=\"outcomes\">\n"
	      "<tr><th>benchmark</th><th>status</th><th>base</th><th>cand</th></tr>\n",
	      out);
	json_array_foreach(rows, i, row) {
		fprintf(out, "<tr class=\"%s\"><td>",
			json_is_true(json_object_get(row, "regression")) ? "regression" : "");
		esc(out, str(row, "benchmark"));
		fputs("</td><td class=\"verdict\">", out);
		esc(out, str(row, "status"));
		if (*opt(row, "note")) {
			fputs(" (", out);
			esc(out, opt(row, "note"));
			fputc(')', out);
		}
		fputs("</td><td>", out);
		esc(out, *opt(row, "base") ? opt(row, "base") : "ran");
		fputs("</td><td>", out);
		esc(out, *opt(row, "cand") ? opt(row, "cand") : "ran");
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void summary(const json_t *doc, FILE *out)
{
	size_t r, n = kmb_compare_count(doc);
	char text[1600], tag[32];

	fputs("<h2>Summary</h2>\n", out);
	for (r = 0; r < n; r++) {
		const json_t *s = json_object_get(kmb_compare_report(doc, r), "tally");
		bool bad = num(s, "regressions") > 0 || num(s, "lost") > 0;

		kmb_view_tally(kmb_compare_report(doc, r), text, sizeof(text));
		fputs("<p class=\"summary\">", out);
		if (n > 1)
			fprintf(out, "%s: ", kmb_view_side_tag(doc, r + 1, tag, sizeof(tag)));
		fprintf(out, "<span%s>", bad ? " class=\"bad\"" : "");
		esc(out, text);
		fputs("</span></p>\n", out);
	}
	kmb_view_rule(doc, text, sizeof(text));
	fputs("<p class=\"note\">", out);
	esc(out, text);
	fputs("</p>\n", out);
}

/* The worst verdict of a key's rows, for its line's colour. */
static const char *worst_verdict(const struct kmb_view_key *k, size_t ncand)
{
	static const char *const order[] = { "regression", "improvement", "noisy", "unchanged" };
	size_t i, r;

	for (i = 0; i < KMB_ARRAY_SIZE(order); i++) {
		for (r = 0; r < ncand; r++) {
			if (k->rows[r] && !strcmp(kmb_view_verdict(k->rows[r]), order[i]))
				return order[i];
		}
	}
	return "not judged";
}

static void verdict_cell(FILE *out, const json_t *row)
{
	const char *v = kmb_view_verdict(row);

	fprintf(out, "<td class=\"verdict %s\">", verdict_class(v));
	esc(out, v);
	if (!strcmp(v, "noisy") && json_is_string(json_object_get(row, "reason"))) {
		fputs("<br><span class=\"why\">", out);
		esc(out, str(row, "reason"));
		fputs("</span>", out);
	}
	fputs("</td>", out);
}

static void median_cells(FILE *out, const struct kmb_view_key *k, const json_t *row,
			 const char *side)
{
	struct kmb_view_cell c;

	kmb_view_cell(k, row, side, &c);
	fputs("<td class=\"num\">", out);
	esc(out, c.median);
	fputc(' ', out);
	esc(out, c.ci);
	fprintf(out, "</td><td class=\"num\">%s</td>", c.n);
}

static void metric_row(FILE *out, const struct kmb_view_key *k, size_t ncand, size_t i,
		       bool anchor)
{
	char text[160], label[200];
	size_t r;

	fprintf(out, "<tr class=\"%s\"><td>", verdict_class(worst_verdict(k, ncand)));
	if (anchor)
		fprintf(out, "<a href=\"#m%zu\">", i);
	esc(out, k->bench);
	fputs(anchor ? "</a></td><td>" : "</td><td>", out);
	kmb_view_metric_label(k, label, sizeof(label));
	esc(out, label);
	fputs("</td>", out);
	median_cells(out, k, k->first, "base");
	for (r = 0; r < ncand; r++) {
		const json_t *row = k->rows[r];

		if (!row) {
			fprintf(out, "<td colspan=\"%d\">not in this comparison</td>",
				ncand == 1 ? 7 : 4);
			continue;
		}
		median_cells(out, k, row, "cand");
		kmb_view_change(row, text, sizeof(text));
		fprintf(out, "<td class=\"num\">%s</td>", text);
		if (ncand == 1) {
			kmb_unit_percent(num(row, "noise_floor"), false, text, sizeof(text));
			fprintf(out, "<td class=\"num\">%s</td><td class=\"num\">",
				strcmp(kmb_view_verdict(row), "not judged") ? text : "-");
			kmb_view_shift(k, row, text, sizeof(text));
			esc(out, text);
			kmb_view_p(row, text, sizeof(text));
			fprintf(out, "</td><td class=\"num\">%s</td>", text);
		}
		verdict_cell(out, row);
	}
	fputs("</tr>\n", out);
}

static void metrics_head(FILE *out, const json_t *doc, size_t ncand, const char *cls)
{
	char tag[32];
	size_t r;

	fprintf(out, "<table class=\"%s\">\n<tr><th>benchmark</th><th>metric</th>"
		     "<th>base median [CI]</th><th>n</th>",
		cls);
	for (r = 0; r < ncand; r++) {
		kmb_view_side_tag(doc, r + 1, tag, sizeof(tag));
		fprintf(out, "<th>%s median [CI]</th><th>n</th><th>%%change</th>", tag);
		if (ncand == 1)
			fputs("<th>noise floor</th><th>shift [CI]</th><th>p</th>", out);
		fprintf(out, "<th>verdict%s%s</th>", ncand > 1 ? " " : "", ncand > 1 ? tag : "");
	}
	fputs("</tr>\n", out);
}

static void metrics_tables(const json_t *doc, const struct kmb_view_grid *g, FILE *out,
			   bool all)
{
	char text[1600];
	size_t i;

	fputs("<h2>Judged metrics</h2>\n", out);
	metrics_head(out, doc, g->ncand, "metrics");
	for (i = 0; i < g->nkeys; i++) {
		if (g->keys[i].judged)
			metric_row(out, &g->keys[i], g->ncand, i, true);
	}
	fputs("</table>\n<p class=\"note\">Median with its confidence interval; ", out);
	esc(out, kmb_view_change_text);
	fputs("; the shift is the Hodges-Lehmann estimate of cand &minus; base with its "
	      "interval; p: Mann-Whitney U. ",
	      out);
	kmb_view_ci_levels(doc, text, sizeof(text));
	if (*text) {
		text[0] = (char)(text[0] - 'a' + 'A');
		esc(out, text);
		fputs(". ", out);
	}
	if (!all)
		fprintf(out, "%zu metric(s) are not judged (census counters, CPU time under manual "
			     "timing, /proc/vmstat deltas); kmb compare --all lists them.",
			g->hidden);
	fputs("</p>\n", out);
	if (!all)
		return;
	fputs("<h2>Not judged</h2>\n<p class=\"note\">Census counters, settings, CPU time under "
	      "manual timing and /proc/vmstat deltas over each repetition: shown, never "
	      "judged.</p>\n",
	      out);
	metrics_head(out, doc, g->ncand, "notjudged");
	for (i = 0; i < g->nkeys; i++) {
		if (!g->keys[i].judged)
			metric_row(out, &g->keys[i], g->ncand, i, false);
	}
	fputs("</table>\n", out);
}

/* A side's samples, scaled to the axis unit; *n is 0 when there are none. */
static double *samples_of(const json_t *side, double div, size_t *n)
{
	const json_t *arr = json_object_get(side, "samples"), *v;
	double *out;
	size_t i;

	*n = json_array_size(arr);
	out = calloc(*n ? *n : 1, sizeof(*out));
	if (!out)
		*n = 0;
	json_array_foreach(arr, i, v) {
		if (out)
			out[i] = json_is_number(v) ? json_number_value(v) / div : NAN;
	}
	return out;
}

static void chart_side(struct kmb_chart_side *s, const char *name, const json_t *side,
		       double div)
{
	const json_t *ci = json_object_get(side, "ci");

	s->name = name;
	s->samples = samples_of(side, div, &s->n);
	s->median = num(side, "median") / div;
	s->ci_lo = json_is_number(json_array_get(ci, 0))
			   ? json_number_value(json_array_get(ci, 0)) / div
			   : NAN;
	s->ci_hi = json_is_number(json_array_get(ci, 1))
			   ? json_number_value(json_array_get(ci, 1)) / div
			   : NAN;
}

static void caption_side(FILE *out, const char *tag, const struct kmb_view_key *k,
			 const json_t *row, const char *side)
{
	const json_t *s = json_object_get(row, side);
	struct kmb_view_cell c;
	double level = num(s, "ci_level");

	kmb_view_cell(k, row, side, &c);
	fprintf(out, "%s median ", tag);
	esc(out, c.median);
	fputc(' ', out);
	esc(out, c.ci);
	if (isfinite(level))
		fprintf(out, " (%.1f%% CI, n=%s)", 100 * level, c.n);
	else
		fprintf(out, " (n=%s)", c.n);
}

static void caption(FILE *out, const json_t *doc, const struct kmb_view_key *k, size_t ncand)
{
	char tag[32], text[160], p[32], nf[32];
	size_t r;

	fputs("<figcaption>", out);
	caption_side(out, "base", k, k->first, "base");
	for (r = 0; r < ncand; r++) {
		const json_t *row = k->rows[r];

		if (!row)
			continue;
		fputs("; ", out);
		caption_side(out, kmb_view_side_tag(doc, r + 1, tag, sizeof(tag)), k, row, "cand");
		kmb_view_change(row, text, sizeof(text));
		kmb_view_p(row, p, sizeof(p));
		kmb_unit_percent(num(row, "noise_floor"), false, nf, sizeof(nf));
		fprintf(out, ", %s, p = %s, noise floor %s: <strong>", text, p, nf);
		esc(out, kmb_view_verdict(row));
		fputs("</strong>", out);
		if (json_is_string(json_object_get(row, "reason"))) {
			fputs(" (", out);
			esc(out, str(row, "reason"));
			fputc(')', out);
		}
	}
	fputs(".</figcaption>\n", out);
}

static int chart_section(FILE *out, const json_t *doc, const struct kmb_view_key *k,
			 size_t ncand, size_t i, char *err, size_t errlen)
{
	const char *worst = worst_verdict(k, ncand);
	char title[600], prefix[32], ylabel[200], tags[KMB_CHART_MAX_SIDES][32], change[24];
	struct kmb_chart chart = { .title = title, .verdict = worst, .ylabel = ylabel };
	size_t r;
	char *svg;
	int ret = 0;

	/* The verdict in words too: the colour alone does not reach everyone. */
	if (ncand == 1) {
		kmb_view_change(k->first, change, sizeof(change));
		snprintf(title, sizeof(title), "%s  %s: %s %s", k->bench, k->metric,
			 kmb_view_verdict(k->first), change);
	} else {
		snprintf(title, sizeof(title), "%s  %s", k->bench, k->metric);
	}
	snprintf(prefix, sizeof(prefix), "m%zu-", i);
	chart.id_prefix = prefix;
	kmb_view_metric_label(k, ylabel, sizeof(ylabel));
	chart.from_zero = kmb_unit_is_time(&k->unit);
	chart_side(&chart.sides[chart.nsides++], "base", json_object_get(k->first, "base"),
		   k->scale.div);
	for (r = 0; r < ncand && chart.nsides < KMB_CHART_MAX_SIDES; r++) {
		if (!k->rows[r])
			continue;
		kmb_view_side_tag(doc, r + 1, tags[chart.nsides], sizeof(tags[0]));
		chart_side(&chart.sides[chart.nsides], tags[chart.nsides],
			   json_object_get(k->rows[r], "cand"), k->scale.div);
		chart.nsides++;
	}
	svg = kmb_chart_svg(&chart, err, errlen);
	for (r = 0; r < chart.nsides; r++)
		free((double *)chart.sides[r].samples);
	if (!svg)
		return -1;
	fprintf(out, "<section id=\"m%zu\" class=\"%s\">\n<h3>", i, verdict_class(worst));
	esc(out, k->bench);
	fputs(" &middot; ", out);
	esc(out, k->metric);
	fprintf(out, "</h3>\n<figure>\n%s\n", svg);
	caption(out, doc, k, ncand);
	fputs("</figure>\n</section>\n", out);
	free(svg);
	return ret;
}

static int charts(const json_t *doc, const struct kmb_view_grid *g, FILE *out, char *err,
		  size_t errlen)
{
	size_t i, side, n = kmb_view_nsides(doc);
	char tag[32];

	fputs("<h2>Charts</h2>\n<p class=\"note\">Every sample as a point, each run in its own "
	      "colour and shape (",
	      out);
	for (side = 0; side < n && side < KMB_CHART_MAX_SIDES; side++) {
		fprintf(out, "%s<span style=\"color:%s\">&#9679;</span> %s: %s", side ? ", " : "",
			kmb_chart_color(side), kmb_view_side_tag(doc, side, tag, sizeof(tag)),
			kmb_chart_marker(side));
	}
	if (n > KMB_CHART_MAX_SIDES)
		fprintf(out, "; the charts show the first %d candidates", KMB_CHART_MAX_SIDES - 1);
	fputs("); the black bar is the median, the error bar right of it the median's "
	      "confidence interval; a time's axis starts at 0. A red frame marks a regression, "
	      "a green one an improvement, and the title says so.</p>\n<div class=\"charts\">\n",
	      out);
	for (i = 0; i < g->nkeys; i++) {
		if (g->keys[i].judged &&
		    chart_section(out, doc, &g->keys[i], g->ncand, i, err, errlen))
			return -1;
	}
	fputs("</div>\n", out);
	return 0;
}

static int body(const json_t *doc, FILE *out, bool with_charts, bool all, char *err,
		size_t errlen)
{
	struct kmb_view_grid g;
	size_t r, n = kmb_compare_count(doc);
	int ret = 0;

	for (r = 0; r < n; r++)
		environment(doc, r, out);
	summary(doc, out);
	for (r = 0; r < n; r++)
		outcomes_table(doc, r, out);
	if (kmb_view_grid(doc, true, &g)) {
		snprintf(err, errlen, "html: out of memory");
		return -1;
	}
	/* The count of those not shown is the one of the judged-only view. */
	g.hidden = 0;
	for (r = 0; r < g.nkeys; r++)
		g.hidden += !g.keys[r].judged;
	metrics_tables(doc, &g, out, all);
	if (with_charts)
		ret = charts(doc, &g, out, err, errlen);
	kmb_view_grid_free(&g);
	return ret;
}

int kmb_render_html_body(const json_t *report, FILE *out, bool with_charts, char *err,
			 size_t errlen)
{
	return body(report, out, with_charts, false, err, errlen);
}

int kmb_render_html(const json_t *doc, FILE *out, bool all, char *err, size_t errlen)
{
	char title[900], text[700];

	snprintf(title, sizeof(title), "kmb compare: %s",
		 kmb_view_title(doc, text, sizeof(text)));
	kmb_html_page_head(out, title);
	runs(doc, out);
	if (body(doc, out, true, all, err, errlen))
		return -1;
	kmb_html_page_end(out);
	if (ferror(out)) {
		snprintf(err, errlen, "html: write error");
		return -1;
	}
	return 0;
}
