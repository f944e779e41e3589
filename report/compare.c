// SPDX-License-Identifier: GPL-2.0-only
#include "compare.h"
#include "envdiff.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

void kmb_compare_defaults(struct kmb_compare_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->alpha = 0.05;
	o->floor_min = 0.02;
	o->cov_multiplier = 2;
	o->floor_max = 0.5;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/*
 * Times and per-page costs are lower-is-better, throughputs higher-is-better;
 * census counters and anything unknown are shown but never judged.
 */
const char *kmb_metric_direction(const char *metric)
{
	static const char *const lower[] = { "real_time", "cpu_time", "ns_per_page", "latency" };
	static const char *const higher_suffix[] = { "_per_s", "_per_second", "gib_s", "_rate" };
	static const char *const lower_suffix[] = { "_ns", "_ns_per_page", "_seconds", "_us",
						    "_ms", "_latency" };
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(lower); i++) {
		if (!strcmp(metric, lower[i]))
			return "lower";
	}
	for (i = 0; i < KMB_ARRAY_SIZE(higher_suffix); i++) {
		if (ends_with(metric, higher_suffix[i]))
			return "higher";
	}
	for (i = 0; i < KMB_ARRAY_SIZE(lower_suffix); i++) {
		if (ends_with(metric, lower_suffix[i]))
			return "lower";
	}
	return NULL;
}

/* json array of numbers -> malloc'd doubles */
static double *values_of(const json_t *metric, size_t *n)
{
	json_t *arr = json_object_get(metric, "values"), *v;
	double *out;
	size_t i;

	*n = json_array_size(arr);
	out = calloc(*n ? *n : 1, sizeof(*out));
	if (!out)
		return NULL;
	json_array_foreach(arr, i, v)
		out[i] = json_number_value(v);
	return out;
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *describe(const double *v, size_t n, double alpha, const json_t *samples)
{
	struct kmb_interval ci = { NAN, NAN, NAN, NAN };

	kmb_stats_median_ci(v, n, alpha, &ci);
	return json_pack("{s:i, s:o, s:[o,o], s:o, s:o, s:o, s:O}", "n", (int)n, "median",
			 num(ci.estimate), "ci", num(ci.lo), num(ci.hi), "ci_level", num(ci.level),
			 "mean", num(kmb_stats_mean(v, n)), "cov", num(kmb_stats_cov(v, n)),
			 "samples", samples);
}

struct judged {
	double change;		/* oriented: + is better */
	double floor;
	const char *verdict;
	char reason[160];
};

/*
 * The smallest two-sided p the exact test can give: all of one sample below
 * the other, one arrangement of C(m+n, n), counted twice.
 */
static double min_p(size_t m, size_t n)
{
	double log_arrangements = lgamma((double)(m + n + 1)) - lgamma((double)(m + 1)) -
				  lgamma((double)(n + 1));

	return 2 * exp(-log_arrangements);
}

static void judge(struct judged *j, const char *direction, double rel, double p, double cov_b,
		  double cov_c, size_t m, size_t n, const struct kmb_compare_opts *o)
{
	double cov = fmax(isnan(cov_b) ? 0 : cov_b, isnan(cov_c) ? 0 : cov_c);

	j->floor = fmax(o->floor_min, o->cov_multiplier * cov);
	/* + 0.0: no "-0.0%" for a zero change */
	j->change = (direction && !strcmp(direction, "lower") ? -rel : rel) + 0.0;
	j->reason[0] = '\0';
	if (!direction) {
		j->verdict = "not judged";
		snprintf(j->reason, sizeof(j->reason), "no known direction for this metric");
	} else if (p < o->alpha && fabs(j->change) > j->floor) {
		j->verdict = j->change < 0 ? "regression" : "improvement";
	} else if (min_p(m, n) >= o->alpha) {
		j->verdict = "noisy";
		snprintf(j->reason, sizeof(j->reason),
			 "too few samples (%zu vs %zu): the test cannot reach p < %g", m, n,
			 o->alpha);
	} else if (j->floor > o->floor_max) {
		j->verdict = "noisy";
		snprintf(j->reason, sizeof(j->reason),
			 "CoV %.0f%% puts the noise floor at %.0f%%: only larger changes are seen",
			 100 * cov, 100 * j->floor);
	} else {
		j->verdict = "unchanged";
	}
}

static json_t *compare_metric(const char *bench, const char *metric, const json_t *mb,
			      const json_t *mc, const struct kmb_compare_opts *o)
{
	const char *direction = kmb_metric_direction(metric);
	size_t m, n;
	double *x = values_of(mb, &m), *y = values_of(mc, &n), median_b, rel;
	struct kmb_interval hl = { NAN, NAN, NAN, NAN };
	struct kmb_mwu mwu = { NAN, 1, false };
	struct judged j;
	json_t *out = NULL;

	if (!x || !y || !m || !n)
		goto out;
	kmb_stats_mann_whitney(x, m, y, n, &mwu);
	kmb_stats_hodges_lehmann(x, m, y, n, o->alpha, &hl);
	median_b = kmb_stats_median(x, m);
	rel = median_b != 0 ? hl.estimate / fabs(median_b) : NAN;
	if (isnan(rel))
		rel = 0;
	judge(&j, direction, rel, mwu.p, kmb_stats_cov(x, m), kmb_stats_cov(y, n), m, n, o);
	if (json_is_string(json_object_get(mb, "not_judged"))) {
		j.verdict = "not judged";
		snprintf(j.reason, sizeof(j.reason), "%s",
			 json_string_value(json_object_get(mb, "not_judged")));
	}
	out = json_pack("{s:s, s:s, s:O, s:s?, s:o, s:o, s:{s:o, s:[o,o], s:o}, s:o, s:b, s:o, "
			"s:o, s:o, s:s, s:s?}",
			"benchmark", bench, "metric", metric, "unit", json_object_get(mb, "unit"),
			"direction", direction, "base",
			describe(x, m, o->alpha, json_object_get(mb, "values")), "cand",
			describe(y, n, o->alpha, json_object_get(mc, "values")), "shift",
			"estimate", num(hl.estimate), "ci", num(hl.lo), num(hl.hi), "level",
			num(hl.level), "p", num(mwu.p), "exact", mwu.exact, "relative_change",
			num(rel), "change", num(j.change), "noise_floor", num(j.floor), "verdict",
			j.verdict, "reason", j.reason[0] ? j.reason : NULL);
out:
	free(x);
	free(y);
	return out;
}

static bool wanted(const char *bench, const char *metric, const struct kmb_compare_opts *o,
		   const regex_t *re)
{
	if (o->metric && strcmp(metric, o->metric))
		return false;
	return !re || regexec(re, bench, 0, NULL, 0) == 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const json_t *ra = *(json_t *const *)a, *rb = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(ra, "benchmark")),
		       json_string_value(json_object_get(rb, "benchmark")));

	return c ? c
		 : strcmp(json_string_value(json_object_get(ra, "metric")),
			  json_string_value(json_object_get(rb, "metric")));
}

/* Rows by benchmark, then metric: the samples come in hash order. */
static json_t *sorted_rows(json_t *rows)
{
	size_t n = json_array_size(rows), i;
	json_t **v = calloc(n ? n : 1, sizeof(*v)), *out = json_array();

	for (i = 0; v && i < n; i++)
		v[i] = json_array_get(rows, i);
	if (v)
		qsort(v, n, sizeof(*v), cmp_rows);
	for (i = 0; v && i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(rows);
	return out;
}

static json_t *compare_all(const struct kmb_result *base, const struct kmb_result *cand,
			   const struct kmb_compare_opts *o, const regex_t *re)
{
	json_t *metrics = json_array(), *bb, *mb, *mc, *row;
	const char *bench, *metric;

	json_object_foreach(base->samples, bench, bb) {
		json_t *bc = json_object_get(cand->samples, bench);

		json_object_foreach(bb, metric, mb) {
			mc = json_object_get(bc, metric);
			if (!mc || !wanted(bench, metric, o, re))
				continue;
			row = compare_metric(bench, metric, mb, mc, o);
			if (row)
				json_array_append_new(metrics, row);
		}
	}
	return sorted_rows(metrics);
}

static json_t *summarize(const json_t *metrics)
{
	int regressions = 0, improvements = 0, unchanged = 0, noisy = 0, unjudged = 0;
	json_t *row, *worst = NULL;
	double worst_change = 0;
	size_t i;

	json_array_foreach(metrics, i, row) {
		const char *v = json_string_value(json_object_get(row, "verdict"));
		double change = json_number_value(json_object_get(row, "change"));

		if (!strcmp(v, "regression")) {
			regressions++;
			if (!worst || change < worst_change) {
				worst = row;
				worst_change = change;
			}
		}
		improvements += !strcmp(v, "improvement");
		unchanged += !strcmp(v, "unchanged");
		noisy += !strcmp(v, "noisy");
		unjudged += !strcmp(v, "not judged");
	}
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:o}", "judged",
			 regressions + improvements + unchanged + noisy, "regressions", regressions,
			 "improvements", improvements, "unchanged", unchanged, "noisy", noisy,
			 "not_judged", unjudged, "worst",
			 worst ? json_pack("{s:O, s:O, s:O}", "benchmark",
					   json_object_get(worst, "benchmark"), "metric",
					   json_object_get(worst, "metric"), "change",
					   json_object_get(worst, "change"))
			       : json_null());
}

static json_t *side(const struct kmb_result *r)
{
	json_t *env = json_object_get(r->manifest, "environment");

	return json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "path", r->path, "run_id",
			 json_object_get(r->manifest, "run_id"), "kernel",
			 json_object_get(json_object_get(env, "kernel"), "release"), "host",
			 json_object_get(env, "host"), "start_time",
			 json_object_get(r->manifest, "start_time"), "label",
			 json_object_get(r->manifest, "label"), "ab",
			 json_object_get(r->manifest, "ab"));
}

json_t *kmb_compare(const struct kmb_result *base, const struct kmb_result *cand,
		    const struct kmb_compare_opts *o, char *err, size_t errlen)
{
	regex_t re;
	json_t *metrics;
	int rc;

	if (o->filter && (rc = regcomp(&re, o->filter, REG_EXTENDED | REG_NOSUB))) {
		char msg[128];

		regerror(rc, &re, msg, sizeof(msg));
		snprintf(err, errlen, "invalid filter '%s': %s", o->filter, msg);
		return NULL;
	}
	metrics = compare_all(base, cand, o, o->filter ? &re : NULL);
	if (o->filter)
		regfree(&re);
	if (json_array_size(metrics) == 0) {
		json_decref(metrics);
		snprintf(err, errlen, "%s and %s have no metric in common%s", base->path,
			 cand->path, o->filter || o->metric ? " (after --filter/--metric)" : "");
		return NULL;
	}
	return json_pack("{s:s, s:i, s:o, s:o, s:f, s:{s:f, s:f, s:f}, s:o, s:o, s:o}", "format",
			 KMB_COMPARE_FORMAT, "schema_version", KMB_COMPARE_SCHEMA, "base",
			 side(base), "cand", side(cand), "alpha", o->alpha, "noise_floor", "min",
			 o->floor_min, "cov_multiplier", o->cov_multiplier, "noisy_above",
			 o->floor_max, "environment", kmb_env_diff(base->manifest, cand->manifest),
			 "summary", summarize(metrics), "metrics", metrics);
}
