// SPDX-License-Identifier: GPL-2.0-only
/* kmb compare as aligned text for a terminal and as a markdown table for mail. */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static double get(const json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(b ? json_object_get(o, a) : o, b ? b : a);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

static void fmt_median(char *buf, size_t len, const json_t *side)
{
	json_t *ci = json_object_get(side, "ci");

	snprintf(buf, len, "%.4g [%.4g, %.4g]", get(side, "median", NULL),
		 json_number_value(json_array_get(ci, 0)), json_number_value(json_array_get(ci, 1)));
}

static const char *verdict_color(const char *v)
{
	if (!strcmp(v, "regression"))
		return RED;
	if (!strcmp(v, "improvement"))
		return GREEN;
	if (!strcmp(v, "noisy"))
		return YELLOW;
	return "";
}

static void summary_line(const json_t *report, FILE *out, const char *bold, const char *reset)
{
	json_t *s = json_object_get(report, "summary"), *worst = json_object_get(s, "worst");

	fprintf(out, "%ssummary: %d regressed, %d improved, %d unchanged, %d noisy (%d judged, %d "
		     "not judged)%s",
		bold, (int)get(s, "regressions", NULL), (int)get(s, "improvements", NULL),
		(int)get(s, "unchanged", NULL), (int)get(s, "noisy", NULL),
		(int)get(s, "judged", NULL), (int)get(s, "not_judged", NULL), reset);
	if (json_is_object(worst))
		fprintf(out, "; worst regression: %s %s %+.1f%%", str(worst, "benchmark"),
			str(worst, "metric"), 100 * get(worst, "change", NULL));
	fputc('\n', out);
}

/* A run's label and, for kmb ab runs, what the side was: one line, or nothing. */
static void labels(const char *lead, const char *who, const json_t *side, FILE *out)
{
	const json_t *ab = json_object_get(side, "ab");

	if (!json_object_get(side, "label") && !ab)
		return;
	fprintf(out, "%s%s label: %s", lead, who, str(side, "label"));
	if (ab)
		fprintf(out, "; source %s; series %s; cmdline %s", str(ab, "source"),
			str(ab, "series"), str(ab, "cmdline"));
	fputc('\n', out);
}

static void header(const json_t *report, FILE *out)
{
	json_t *b = json_object_get(report, "base"), *c = json_object_get(report, "cand");
	json_t *env = json_object_get(report, "environment"), *d;
	size_t i;

	fprintf(out, "base: %s (kernel %s)\ncand: %s (kernel %s)\n", str(b, "path"),
		str(b, "kernel"), str(c, "path"), str(c, "kernel"));
	labels("  ", "base", b, out);
	labels("  ", "cand", c, out);
	json_array_foreach(json_object_get(env, "diff"), i, d) {
		char *vb = json_dumps(json_object_get(d, "base"), JSON_ENCODE_ANY);
		char *vc = json_dumps(json_object_get(d, "cand"), JSON_ENCODE_ANY);

		fprintf(out, "  %-28s %s -> %s\n", str(d, "field"), vb ? vb : "null",
			vc ? vc : "null");
		free(vb);
		free(vc);
	}
	json_array_foreach(json_object_get(env, "warnings"), i, d)
		fprintf(out, "warning: %s\n", json_string_value(d));
	fprintf(out, "alpha %.3g, noise floor max(%.0f%%, %.3g x CoV); change: + is better\n",
		get(report, "alpha", NULL), 100 * get(report, "noise_floor", "min"),
		get(report, "noise_floor", "cov_multiplier"));
}

void kmb_render_text(const json_t *report, FILE *out, int color, int all)
{
	json_t *row;
	const char *last = "";
	size_t i;
	int hidden = 0;

	header(report, out);
	summary_line(report, out, color ? BOLD : "", color ? RESET : "");
	fprintf(out, "\n%-30s %-26s %-26s %8s %7s  %s\n", "metric", "base median [95% CI]",
		"cand median [95% CI]", "change", "p", "verdict");
	json_array_foreach(json_object_get(report, "metrics"), i, row) {
		const char *bench = str(row, "benchmark"), *v = str(row, "verdict");
		char name[64], mb[64], mc[64], change[16] = "-";

		if (!all && !strcmp(v, "not judged")) {
			hidden++;
			continue;
		}
		if (strcmp(bench, last))
			fprintf(out, "%s\n", bench);
		last = bench;
		snprintf(name, sizeof(name), "  %s%s%s%s", str(row, "metric"),
			 *str(row, "unit") ? " (" : "", str(row, "unit"), *str(row, "unit") ? ")" : "");
		fmt_median(mb, sizeof(mb), json_object_get(row, "base"));
		fmt_median(mc, sizeof(mc), json_object_get(row, "cand"));
		if (json_object_get(row, "direction") && !json_is_null(json_object_get(row, "direction")))
			snprintf(change, sizeof(change), "%+.1f%%", 100 * get(row, "change", NULL));
		fprintf(out, "%-30s %-26s %-26s %8s %7.3g  %s%s%s\n", name, mb, mc, change,
			get(row, "p", NULL), color ? verdict_color(v) : "", v,
			color && *verdict_color(v) ? RESET : "");
	}
	if (hidden)
		fprintf(out, "(%d metrics not judged: census counters and CPU time under manual "
			     "timing; --all shows them)\n",
			hidden);
}

void kmb_render_markdown(const json_t *report, FILE *out)
{
	json_t *b = json_object_get(report, "base"), *c = json_object_get(report, "cand");
	json_t *env = json_object_get(report, "environment"), *row, *d;
	size_t i;
	int hidden = 0;

	fprintf(out, "**kmb compare**: `%s` (kernel %s) vs `%s` (kernel %s)\n\n", str(b, "path"),
		str(b, "kernel"), str(c, "path"), str(c, "kernel"));
	if (json_object_get(b, "label") || json_object_get(c, "label")) {
		labels("- ", "base", b, out);
		labels("- ", "cand", c, out);
		fputc('\n', out);
	}
	summary_line(report, out, "", "");
	json_array_foreach(json_object_get(env, "warnings"), i, d)
		fprintf(out, "\n> **warning**: %s\n", json_string_value(d));
	if (json_array_size(json_object_get(env, "diff"))) {
		fprintf(out, "\n| environment | base | cand |\n|---|---|---|\n");
		json_array_foreach(json_object_get(env, "diff"), i, d) {
			char *vb = json_dumps(json_object_get(d, "base"), JSON_ENCODE_ANY);
			char *vc = json_dumps(json_object_get(d, "cand"), JSON_ENCODE_ANY);

			fprintf(out, "| %s | `%s` | `%s` |\n", str(d, "field"), vb ? vb : "null",
				vc ? vc : "null");
			free(vb);
			free(vc);
		}
	}
	fprintf(out, "\n| benchmark | metric | base median | cand median | change | p | verdict |\n"
		     "|---|---|---:|---:|---:|---:|---|\n");
	json_array_foreach(json_object_get(report, "metrics"), i, row) {
		const char *v = str(row, "verdict");

		if (!strcmp(v, "not judged")) {
			hidden++;
			continue;
		}
		fprintf(out, "| %s | %s | %.4g | %.4g | %+.1f%% | %.3g | %s%s%s |\n",
			str(row, "benchmark"), str(row, "metric"),
			get(row, "base", "median"), get(row, "cand", "median"),
			100 * get(row, "change", NULL), get(row, "p", NULL),
			!strcmp(v, "regression") ? "**" : "", v,
			!strcmp(v, "regression") ? "**" : "");
	}
	fprintf(out, "\nChange: Hodges-Lehmann shift over the base median, + is better; p: "
		     "Mann-Whitney U; %d metrics not judged (census counters, CPU time under "
		     "manual timing).\n",
		hidden);
}
