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

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char css[] =
	"body{font:14px/1.45 system-ui,sans-serif;color:#222;max-width:1120px;margin:1.5em auto;"
	"padding:0 1em}\n"
	"h1{font-size:1.45em;margin-bottom:.3em}h2{font-size:1.15em;margin-top:1.8em;"
	"border-bottom:1px solid #ddd}h3{font-size:1em;margin:.2em 0;word-break:break-all}\n"
	"table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ddd;"
	"padding:.25em .55em;text-align:left;vertical-align:top}th{background:#f3f3f3}\n"
	"td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
	".metrics td:nth-child(2){white-space:nowrap}\n"
	"tr.regression td{background:#fdecea}tr.improvement td{background:#e9f5ea}\n"
	".regression .verdict{color:#b71c1c;font-weight:bold}"
	".improvement .verdict{color:#1b5e20;font-weight:bold}.noisy .verdict{color:#8a6d00}\n"
	"tr.breaks td{background:#fff3cd;font-weight:bold}.warn{background:#fff3cd;"
	"border-left:4px solid #e0a800;padding:.4em .7em;margin:.5em 0}\n"
	".summary{font-size:1.05em;font-weight:bold}.summary .bad{color:#b71c1c}\n"
	".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:1em}\n"
	"figure{margin:0;padding:.5em;border:1px solid #ddd;border-radius:4px}\n"
	"section.regression figure{border:2px solid #c62828}"
	"section.improvement figure{border:2px solid #2e7d32}\n"
	"figure svg{display:block;max-width:100%;height:auto}"
	"figcaption{font-size:.88em;color:#444}\n"
	"a{color:inherit}.note{color:#555;font-size:.9em}\n";

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

static double ci_end(const json_t *side, size_t i)
{
	json_t *v = json_array_get(json_object_get(side, "ci"), i);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void put_num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.4g", v);
	else
		fputs("&ndash;", out);
}

/* "162.7 [161.4, 164.8]" */
static void put_median(FILE *out, const json_t *side)
{
	put_num(out, num(side, "median"));
	fputs(" [", out);
	put_num(out, ci_end(side, 0));
	fputs(", ", out);
	put_num(out, ci_end(side, 1));
	fputc(']', out);
}

/* A json value as compact text, escaped. */
static void put_json(FILE *out, const json_t *v)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	fputs("<code>", out);
	esc(out, s ? s : "null");
	fputs("</code>", out);
	free(s);
}

static bool judged(const json_t *row)
{
	return strcmp(str(row, "verdict"), "not judged") != 0;
}

/* The CSS class of a verdict: the verdict itself, minus the space. */
static const char *verdict_class(const char *v)
{
	return strcmp(v, "not judged") ? v : "notjudged";
}

static void page_head(const json_t *report, FILE *out)
{
	const json_t *b = json_object_get(report, "base"), *c = json_object_get(report, "cand");

	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		     "style-src 'unsafe-inline'\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		     "<title>kmb compare: ");
	esc(out, str(b, "run_id"));
	fputs(" vs ", out);
	esc(out, str(c, "run_id"));
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

static void run_row(FILE *out, const char *label, const char *key, const json_t *b,
		    const json_t *c)
{
	fprintf(out, "<tr><th>%s</th><td><code>", label);
	esc(out, str(b, key));
	fputs("</code></td><td><code>", out);
	esc(out, str(c, key));
	fputs("</code></td></tr>\n", out);
}

static void runs(const json_t *report, FILE *out)
{
	const json_t *b = json_object_get(report, "base"), *c = json_object_get(report, "cand");

	fputs("<h1>kmb compare</h1>\n<table class=\"runs\">\n"
	      "<tr><th></th><th>base</th><th>cand</th></tr>\n",
	      out);
	run_row(out, "path", "path", b, c);
	run_row(out, "run id", "run_id", b, c);
	run_row(out, "kernel", "kernel", b, c);
	run_row(out, "host", "host", b, c);
	run_row(out, "started", "start_time", b, c);
	if (json_object_get(b, "label") || json_object_get(c, "label"))
		run_row(out, "label", "label", b, c);
	if (json_object_get(b, "ab") || json_object_get(c, "ab")) {
		b = json_object_get(b, "ab");
		c = json_object_get(c, "ab");
		run_row(out, "source", "source", b, c);
		run_row(out, "series", "series", b, c);
		run_row(out, "cmdline added", "cmdline", b, c);
	}
	fputs("</table>\n", out);
}

static void environment(const json_t *report, FILE *out)
{
	const json_t *env = json_object_get(report, "environment"), *d;
	size_t i;

	fputs("<h2>Environment</h2>\n", out);
	json_array_foreach(json_object_get(env, "warnings"), i, d) {
		fputs("<p class=\"warn\"><strong>warning:</strong> ", out);
		esc(out, json_string_value(d));
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

		fprintf(out, "<tr%s><td>", breaks ? " class=\"breaks\"" : "");
		esc(out, str(d, "field"));
		fputs("</td><td>", out);
		put_json(out, json_object_get(d, "base"));
		fputs("</td><td>", out);
		put_json(out, json_object_get(d, "cand"));
		fprintf(out, "</td><td>%s</td></tr>\n",
			breaks ? "&#9888; breaks comparability" : "ok");
	}
	fputs("</table>\n", out);
}

static void summary(const json_t *report, FILE *out)
{
	const json_t *s = json_object_get(report, "summary"), *w = json_object_get(s, "worst");
	int regressed = (int)num(s, "regressions");

	fprintf(out, "<h2>Summary</h2>\n<p class=\"summary\"><span%s>%d regressed</span>, "
		     "%d improved, %d unchanged, %d noisy (%d judged, %d not judged)",
		regressed ? " class=\"bad\"" : "", regressed, (int)num(s, "improvements"),
		(int)num(s, "unchanged"), (int)num(s, "noisy"), (int)num(s, "judged"),
		(int)num(s, "not_judged"));
	if (json_is_object(w)) {
		fputs("; worst regression: ", out);
		esc(out, str(w, "benchmark"));
		fputc(' ', out);
		esc(out, str(w, "metric"));
		fprintf(out, " %+.1f%%", 100 * num(w, "change"));
	}
	fprintf(out, "</p>\n<p class=\"note\">alpha %.3g; noise floor max(%.0f%%, %.3g &times; the "
		     "larger CoV); change: + is better.</p>\n",
		num(report, "alpha"), 100 * num(json_object_get(report, "noise_floor"), "min"),
		num(json_object_get(report, "noise_floor"), "cov_multiplier"));
}

static void metric_row(FILE *out, const json_t *row, size_t i)
{
	const char *v = str(row, "verdict");

	fputs("<tr class=\"", out);
	esc(out, verdict_class(v));
	fprintf(out, "\"><td><a href=\"#m%zu\">", i);
	esc(out, str(row, "benchmark"));
	fputs("</a></td><td>", out);
	esc(out, str(row, "metric"));
	if (*opt(row, "unit")) {
		fputs(" (", out);
		esc(out, opt(row, "unit"));
		fputc(')', out);
	}
	fputs("</td><td class=\"num\">", out);
	put_median(out, json_object_get(row, "base"));
	fputs("</td><td class=\"num\">", out);
	put_median(out, json_object_get(row, "cand"));
	fprintf(out, "</td><td class=\"num\">%+.1f%%</td><td class=\"num\">",
		100 * num(row, "change"));
	put_num(out, num(row, "p"));
	fputs("</td><td class=\"verdict\">", out);
	esc(out, v);
	fputs("</td></tr>\n", out);
}

static void metrics_table(const json_t *report, FILE *out)
{
	const json_t *row;
	size_t i;

	fputs("<h2>Judged metrics</h2>\n<table class=\"metrics\">\n<tr><th>benchmark</th>"
	      "<th>metric</th><th>base median [CI]</th><th>cand median [CI]</th>"
	      "<th>change (+ is better)</th><th>p</th><th>verdict</th></tr>\n",
	      out);
	json_array_foreach(json_object_get(report, "metrics"), i, row) {
		if (judged(row))
			metric_row(out, row, i);
	}
	fprintf(out, "</table>\n<p class=\"note\">Median with its confidence interval; change: "
		     "Hodges-Lehmann shift over the base median, + is better; p: Mann-Whitney U. "
		     "%d metrics are not judged (census counters, CPU time under manual "
		     "timing).</p>\n",
		(int)num(json_object_get(report, "summary"), "not_judged"));
}

/* The samples of one side as doubles; *n is 0 when there are none. */
static double *samples_of(const json_t *side, size_t *n)
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
			out[i] = json_is_number(v) ? json_number_value(v) : NAN;
	}
	return out;
}

static void chart_side(struct kmb_chart_side *s, const json_t *side, const double *samples,
		       size_t n)
{
	s->samples = samples;
	s->n = n;
	s->median = num(side, "median");
	s->ci_lo = ci_end(side, 0);
	s->ci_hi = ci_end(side, 1);
}

static void caption_side(FILE *out, const char *label, const json_t *side, const char *unit)
{
	double level = num(side, "ci_level");

	fprintf(out, "%s median ", label);
	put_num(out, num(side, "median"));
	if (*unit) {
		fputc(' ', out);
		esc(out, unit);
	}
	fputs(" [", out);
	put_num(out, ci_end(side, 0));
	fputs(", ", out);
	put_num(out, ci_end(side, 1));
	if (isfinite(level))
		fprintf(out, "] (%.1f%% CI, n=%d)", 100 * level, (int)num(side, "n"));
	else
		fprintf(out, "] (n=%d)", (int)num(side, "n"));
}

static void caption(FILE *out, const json_t *row)
{
	const char *unit = opt(row, "unit");
	const json_t *reason = json_object_get(row, "reason");

	fputs("<figcaption>", out);
	caption_side(out, "base", json_object_get(row, "base"), unit);
	fputs("; ", out);
	caption_side(out, "cand", json_object_get(row, "cand"), unit);
	fprintf(out, ". Change %+.1f%% (+ is better), p = ", 100 * num(row, "change"));
	put_num(out, num(row, "p"));
	fprintf(out, ", noise floor %.1f%%: <strong>", 100 * num(row, "noise_floor"));
	esc(out, str(row, "verdict"));
	fputs("</strong>", out);
	if (json_is_string(reason)) {
		fputs(" (", out);
		esc(out, json_string_value(reason));
		fputc(')', out);
	}
	fputs(".</figcaption>\n", out);
}

static int chart_section(FILE *out, const json_t *row, size_t i, char *err, size_t errlen)
{
	const json_t *b = json_object_get(row, "base"), *c = json_object_get(row, "cand");
	const char *unit = opt(row, "unit");
	char title[512], prefix[32];
	struct kmb_chart chart = { .title = title, .verdict = str(row, "verdict") };
	size_t nb, nc;
	double *xb = samples_of(b, &nb), *xc = samples_of(c, &nc);
	char *svg;

	/* The verdict in words too: the colour alone does not reach everyone. */
	snprintf(title, sizeof(title), "%s  %s: %s %+.1f%%", str(row, "benchmark"),
		 str(row, "metric"), str(row, "verdict"), 100 * num(row, "change"));
	snprintf(prefix, sizeof(prefix), "m%zu-", i);
	chart.id_prefix = prefix;
	chart.unit = *unit ? unit : str(row, "metric");
	chart_side(&chart.base, b, xb, nb);
	chart_side(&chart.cand, c, xc, nc);
	svg = kmb_chart_svg(&chart, err, errlen);
	free(xb);
	free(xc);
	if (!svg)
		return -1;
	fprintf(out, "<section id=\"m%zu\" class=\"", i);
	esc(out, verdict_class(str(row, "verdict")));
	fputs("\">\n<h3>", out);
	esc(out, str(row, "benchmark"));
	fputs(" &middot; ", out);
	esc(out, str(row, "metric"));
	fprintf(out, "</h3>\n<figure>\n%s\n", svg);
	caption(out, row);
	fputs("</figure>\n</section>\n", out);
	free(svg);
	return 0;
}

static int charts(const json_t *report, FILE *out, char *err, size_t errlen)
{
	const json_t *row;
	size_t i;

	fputs("<h2>Charts</h2>\n<p class=\"note\">Every sample as a point (base blue, cand "
	      "purple, red for a regression, green for an improvement); the black bar is the "
	      "median, the error bar right of it the median's confidence interval.</p>\n"
	      "<div class=\"charts\">\n",
	      out);
	json_array_foreach(json_object_get(report, "metrics"), i, row) {
		if (judged(row) && chart_section(out, row, i, err, errlen))
			return -1;
	}
	fputs("</div>\n", out);
	return 0;
}

int kmb_render_html(const json_t *report, FILE *out, char *err, size_t errlen)
{
	page_head(report, out);
	runs(report, out);
	environment(report, out);
	summary(report, out);
	metrics_table(report, out);
	if (charts(report, out, err, errlen))
		return -1;
	fputs("</body>\n</html>\n", out);
	if (ferror(out)) {
		snprintf(err, errlen, "html: write error");
		return -1;
	}
	return 0;
}
