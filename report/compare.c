// SPDX-License-Identifier: GPL-2.0-only
#include "compare.h"
#include "envdiff.h"
#include "kconfig_diff.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *css;
} verdicts[KMB_VERDICT_COUNT] = {
	[KMB_VERDICT_REGRESSION] = { "regression", "regression" },
	[KMB_VERDICT_IMPROVEMENT] = { "improvement", "improvement" },
	[KMB_VERDICT_UNCHANGED] = { "unchanged", "unchanged" },
	[KMB_VERDICT_NOISY] = { "noisy", "noisy" },
	[KMB_VERDICT_NOT_JUDGED] = { "not judged", "notjudged" },
	[KMB_VERDICT_NO_BASELINE] = { "no baseline", "nobaseline" },
};

const char *kmb_verdict_name(enum kmb_verdict v)
{
	return (unsigned)v < KMB_VERDICT_COUNT ? verdicts[v].name : "?";
}

const char *kmb_verdict_class(enum kmb_verdict v)
{
	return (unsigned)v < KMB_VERDICT_COUNT ? verdicts[v].css : "unknown";
}

enum kmb_verdict kmb_verdict_from_name(const char *name)
{
	int v;

	for (v = 0; name && v < KMB_VERDICT_COUNT; v++) {
		if (!strcmp(name, verdicts[v].name))
			return (enum kmb_verdict)v;
	}
	return KMB_VERDICT_NO_BASELINE;
}

void kmb_compare_defaults(struct kmb_compare_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->alpha = 0.05;
	o->floor_min = 0.02;
	o->cov_multiplier = 2;
	o->floor_max = 0.5;
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
	return json_pack("{s:i, s:o, s:[o,o], s:o, s:o, s:o, s:o, s:o, s:O}", "n", (int)n, "median",
			 num(ci.estimate), "ci", num(ci.lo), num(ci.hi), "ci_level", num(ci.level),
			 "mean", num(kmb_stats_mean(v, n)), "stddev", num(kmb_stats_stddev(v, n)),
			 "cov", num(kmb_stats_cov(v, n)), "robust_cov",
			 num(kmb_stats_robust_cov(v, n)), "samples", samples);
}

/* What a verdict is made of. */
struct judgement {
	const char *direction;	/* "lower", "higher", or NULL: not judged */
	double rel;		/* cand median / base median - 1 */
	double p;		/* Mann-Whitney U */
	double spread;		/* the larger robust CoV of the two samples */
	double calibrated;	/* this host's floor from kmb calibrate, or NAN */
	double mde;		/* minimum detectable change (relative), NAN: unknown */
	size_t m, n;
	/* out */
	double change;		/* oriented: + is better */
	double floor;
	double detectable;	/* changes this comparison could see: max(mde, floor) */
	const char *floor_source;
	enum kmb_verdict verdict;
	char reason[200];
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

/*
 * A change counts when the U test finds it (p < alpha) and it is larger than
 * the noise floor: max(floor_min, cov_multiplier x the larger robust CoV,
 * the host's calibrated floor). "unchanged" is said only where the run could
 * have seen a change of the floor's size (its MDE is below the floor); else
 * the verdict is "noisy" and the reason says what limited it.
 */
static void judge(struct judgement *j, const struct kmb_compare_opts *o)
{
	double spread = isnan(j->spread) ? 0 : j->spread;

	j->floor = fmax(o->floor_min, o->cov_multiplier * spread);
	j->floor_source = "spread";
	if (!isnan(j->calibrated) && j->calibrated > j->floor) {
		j->floor = j->calibrated;
		j->floor_source = "calibration";
	}
	j->detectable = isnan(j->mde) ? NAN : fmax(j->mde, j->floor);
	if (min_p(j->m, j->n) >= o->alpha)
		j->detectable = INFINITY;
	/* + 0.0: no "-0.0%" for a zero change */
	j->change = (j->direction && !strcmp(j->direction, "lower") ? -j->rel : j->rel) + 0.0;
	j->reason[0] = '\0';
	if (!j->direction) {
		j->verdict = KMB_VERDICT_NOT_JUDGED;
		snprintf(j->reason, sizeof(j->reason), "no known direction for this metric");
	} else if (j->p < o->alpha && fabs(j->change) > j->floor) {
		j->verdict = j->change < 0 ? KMB_VERDICT_REGRESSION : KMB_VERDICT_IMPROVEMENT;
	} else if (min_p(j->m, j->n) >= o->alpha) {
		j->verdict = KMB_VERDICT_NOISY;
		snprintf(j->reason, sizeof(j->reason),
			 "too few samples (%zu vs %zu): the test cannot reach p < %g", j->m, j->n,
			 o->alpha);
	} else if (j->floor > o->floor_max) {
		j->verdict = KMB_VERDICT_NOISY;
		snprintf(j->reason, sizeof(j->reason),
			 "spread: a robust CoV of %.0f%% puts the noise floor at %.0f%%", 100 * spread,
			 100 * j->floor);
	} else if (!isnan(j->mde) && j->mde > j->floor) {
		j->verdict = KMB_VERDICT_NOISY;
		snprintf(j->reason, sizeof(j->reason),
			 "could detect only changes of %.1f%% or more (n %zu vs %zu, robust CoV "
			 "%.1f%%): more repetitions would tell",
			 100 * j->mde, j->m, j->n, 100 * spread);
	} else {
		j->verdict = KMB_VERDICT_UNCHANGED;
	}
}

/* This host's calibrated floor of a metric, or NAN. */
static double calibrated_floor(const struct kmb_compare_opts *o, const char *bench,
			       const char *metric)
{
	json_t *v = json_object_get(json_object_get(o->calibration, bench), metric);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static json_t *compare_metric(const char *bench, const char *metric, const json_t *mb,
			      const json_t *mc, const struct kmb_compare_opts *o)
{
	size_t m, n;
	double *x = values_of(mb, &m), *y = values_of(mc, &n), median_b, median_c;
	struct kmb_interval hl = { NAN, NAN, NAN, NAN };
	struct kmb_mwu mwu = { NAN, 1, false };
	struct judgement j = { .direction = json_string_value(json_object_get(mb, "direction")) };
	json_t *out = NULL;

	if (!x || !y || !m || !n)
		goto out;
	kmb_stats_mann_whitney(x, m, y, n, &mwu);
	kmb_stats_hodges_lehmann(x, m, y, n, o->alpha, &hl);
	median_b = kmb_stats_median(x, m);
	median_c = kmb_stats_median(y, n);
	/* The change is the ratio of the medians, what readers expect. */
	j.rel = median_b != 0 ? median_c / median_b - 1 : NAN;
	if (isnan(j.rel))
		j.rel = 0;
	j.p = mwu.p;
	j.spread = fmax(isnan(kmb_stats_robust_cov(x, m)) ? 0 : kmb_stats_robust_cov(x, m),
			isnan(kmb_stats_robust_cov(y, n)) ? 0 : kmb_stats_robust_cov(y, n));
	j.calibrated = calibrated_floor(o, bench, metric);
	j.mde = kmb_stats_mde(x, m, y, n, o->alpha, KMB_COMPARE_POWER);
	j.m = m;
	j.n = n;
	judge(&j, o);
	if (json_is_string(json_object_get(mb, "not_judged"))) {
		j.direction = NULL;
		j.verdict = KMB_VERDICT_NOT_JUDGED;
		snprintf(j.reason, sizeof(j.reason), "%s",
			 json_string_value(json_object_get(mb, "not_judged")));
	}
	out = json_pack("{s:s, s:s, s:O, s:s?, s:o, s:o, s:{s:o, s:[o,o], s:o, s:o}, s:o, s:b, "
			"s:o, s:o, s:o, s:s, s:o, s:o, s:s, s:s?}",
			"benchmark", bench, "metric", metric, "unit", json_object_get(mb, "unit"),
			"direction", j.direction, "base",
			describe(x, m, o->alpha, json_object_get(mb, "values")), "cand",
			describe(y, n, o->alpha, json_object_get(mc, "values")), "shift",
			"estimate", num(hl.estimate), "ci", num(hl.lo), num(hl.hi), "level",
			num(hl.level), "relative",
			num(median_b != 0 ? hl.estimate / fabs(median_b) : NAN), "p", num(mwu.p),
			"exact", mwu.exact, "relative_change", num(j.rel), "change", num(j.change),
			"noise_floor", num(j.floor), "floor_source", j.floor_source, "mde",
			num(j.mde), "detectable", num(isinf(j.detectable) ? NAN : j.detectable),
			"verdict", kmb_verdict_name(j.verdict), "reason",
			j.reason[0] ? j.reason : NULL);
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

/* ---- benchmarks that did not run in both ---- */

enum bench_state { ABSENT, RAN, FAILED, SKIPPED };

#define SKIP_PREFIX "skipped: "

/* Skipped at selection time: the manifest's plan lists it with its reason. */
static const char *planned_skip(const struct kmb_result *r, const char *bench)
{
	json_t *skipped = json_object_get(json_object_get(r->manifest, "bench"), "skipped"), *s;
	size_t i;

	json_array_foreach(skipped, i, s) {
		const char *name = json_string_value(json_object_get(s, "name"));

		if (name && !strcmp(name, bench))
			return json_string_value(json_object_get(s, "reason"));
	}
	return NULL;
}

/* What became of bench in r; *why is the error or skip message. */
static enum bench_state state_of(const struct kmb_result *r, const char *bench, const char **why)
{
	const char *msg = json_string_value(json_object_get(r->errors, bench));

	*why = NULL;
	if (msg && strncmp(msg, SKIP_PREFIX, strlen(SKIP_PREFIX))) {
		*why = msg;
		return FAILED;
	}
	if (json_object_get(r->samples, bench))
		return RAN;
	if (msg) {
		*why = msg + strlen(SKIP_PREFIX);
		return SKIPPED;
	}
	if ((*why = planned_skip(r, bench)))
		return SKIPPED;
	return ABSENT;
}

static void add_names(json_t *set, const struct kmb_result *r)
{
	json_t *skipped = json_object_get(json_object_get(r->manifest, "bench"), "skipped"), *v;
	const char *name;
	size_t i;

	json_object_foreach(r->samples, name, v)
		json_object_set(set, name, json_true());
	json_object_foreach(r->errors, name, v)
		json_object_set(set, name, json_true());
	json_array_foreach(skipped, i, v) {
		if (json_is_string(json_object_get(v, "name")))
			json_object_set(set, json_string_value(json_object_get(v, "name")),
					json_true());
	}
}

/*
 * Capabilities a benchmark needed, from the manifest's plan; a zeropage
 * benchmark cannot be compared across runs whose zeropage policy differs.
 */
static bool needs_zeropage(const struct kmb_result *r, const char *bench)
{
	json_t *needs = json_object_get(
		       json_object_get(json_object_get(r->manifest, "bench"), "needs"), bench),
	       *cap;
	size_t i;

	json_array_foreach(needs, i, cap) {
		const char *c = json_string_value(cap);

		if (c && (!strcmp(c, "zeropage") || !strcmp(c, "huge_zeropage")))
			return true;
	}
	return false;
}

static const char *policy_of(const struct kmb_result *r)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(r->manifest, "environment"), "zeropage"),
		"policy"));
}

/* Both runs know their zeropage policy and it differs. */
static bool policies_differ(const struct kmb_result *base, const struct kmb_result *cand)
{
	const char *pb = policy_of(base), *pc = policy_of(cand);

	return pb && pc && strcmp(pb, pc);
}

static json_t *outcome(const char *bench, const char *status, bool regression,
		       const char *base_why, const char *cand_why, const char *note)
{
	return json_pack("{s:s, s:s, s:b, s:s?, s:s?, s:s?}", "benchmark", bench, "status", status,
			 "regression", regression, "base", base_why, "cand", cand_why, "note",
			 note);
}

/*
 * One row per benchmark that did not run in both: a benchmark that ran in
 * base and failed, is missing or is skipped in cand is a regression (unless
 * the runs differ in their zeropage policy and it needs the zeropage), so a
 * failure can never vanish from a comparison.
 */
static json_t *compare_outcomes(const struct kmb_result *base, const struct kmb_result *cand,
				const regex_t *re, bool all, int *in_both)
{
	json_t *names = json_object(), *rows = json_array(), *v;
	bool differ = policies_differ(base, cand);
	const char *bench, *wb, *wc;
	char note[160];

	add_names(names, base);
	add_names(names, cand);
	json_object_foreach(names, bench, v) {
		enum bench_state sb = state_of(base, bench, &wb), sc = state_of(cand, bench, &wc);
		bool nc = differ && (needs_zeropage(base, bench) || needs_zeropage(cand, bench));
		const char *note_p = NULL;

		if (re && regexec(re, bench, 0, NULL, 0))
			continue;
		*in_both += sb != ABSENT && sc != ABSENT;
		if (sb == RAN && sc == RAN)
			continue;
		if (nc) {
			snprintf(note, sizeof(note),
				 "not comparable: the zeropage is %s in base and %s in cand",
				 policy_of(base), policy_of(cand));
			note_p = note;
		}
		if (sb == RAN && sc == FAILED)
			json_array_append_new(rows, outcome(bench, "failed in cand", !nc, NULL, wc,
							    note_p));
		else if (sb == RAN && sc == ABSENT)
			json_array_append_new(rows, outcome(bench, "missing in cand", !nc, NULL,
							    "not in the run", note_p));
		else if (sb == RAN && sc == SKIPPED)
			json_array_append_new(rows, outcome(bench, "skipped in cand", !nc, NULL, wc,
							    note_p));
		else if (sb == FAILED && sc == FAILED)
			json_array_append_new(rows, outcome(bench, "failed in both", false, wb, wc,
							    note_p));
		else if (sb == FAILED)
			json_array_append_new(rows, outcome(bench, "failed in base", false, wb,
							    sc == RAN ? NULL : wc, note_p));
		else if (sc == FAILED)
			json_array_append_new(rows, outcome(bench, "failed in cand", false, wb, wc,
							    note_p));
		else if (sc == RAN)
			json_array_append_new(rows, outcome(bench, "new in cand", false,
							    sb == SKIPPED ? wb : "not in the run",
							    NULL, note_p));
		else if (sb == SKIPPED && sc == SKIPPED && (all || strcmp(wb, wc)))
			json_array_append_new(rows, outcome(bench, "skipped in both", false, wb, wc,
							    note_p));
	}
	json_decref(names);
	return rows;
}

static json_t *tally(const json_t *metrics, const json_t *outcomes)
{
	int regressions = 0, improvements = 0, unchanged = 0, noisy = 0, unjudged = 0;
	int lost = 0, failed = 0;
	json_t *row, *worst = NULL;
	double worst_change = 0;
	size_t i;

	json_array_foreach(metrics, i, row) {
		enum kmb_verdict v =
			kmb_verdict_from_name(json_string_value(json_object_get(row, "verdict")));
		double change = json_number_value(json_object_get(row, "change"));

		if (v == KMB_VERDICT_REGRESSION) {
			regressions++;
			if (!worst || change < worst_change) {
				worst = row;
				worst_change = change;
			}
		}
		improvements += v == KMB_VERDICT_IMPROVEMENT;
		unchanged += v == KMB_VERDICT_UNCHANGED;
		noisy += v == KMB_VERDICT_NOISY;
		unjudged += v == KMB_VERDICT_NOT_JUDGED;
	}
	json_array_foreach(outcomes, i, row) {
		const char *st = json_string_value(json_object_get(row, "status"));

		lost += json_is_true(json_object_get(row, "regression"));
		failed += !strcmp(st, "failed in cand") || !strcmp(st, "failed in both");
	}
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o}", "judged",
			 regressions + improvements + unchanged + noisy, "regressions", regressions,
			 "lost", lost, "failed_in_cand", failed,
			 "improvements", improvements, "unchanged", unchanged, "noisy", noisy,
			 "not_judged", unjudged, "worst",
			 worst ? json_pack("{s:O, s:O, s:O, s:O}", "benchmark",
					   json_object_get(worst, "benchmark"), "metric",
					   json_object_get(worst, "metric"), "change",
					   json_object_get(worst, "change"), "relative_change",
					   json_object_get(worst, "relative_change"))
			       : json_null());
}

/*
 * What spoiled the timing of a run, as its manifest recorded it: the side
 * conditions found at the start (a busy host, a hypervisor below, SMT...)
 * and a busy host seen while it ran.
 */
static json_t *conditions(const json_t *manifest)
{
	json_t *out = json_array(), *w;
	json_t *busy = json_object_get(
		json_object_get(json_object_get(manifest, "bench"), "repetition_plan"),
		"busy_warning");
	size_t i;

	json_array_foreach(json_object_get(json_object_get(json_object_get(manifest,
									   "environment"),
							   "conditions"),
					   "warnings"),
			   i, w) {
		if (json_is_string(w))
			json_array_append_new(out, json_pack("{s:s, s:O}", "when", "at start",
							     "text", w));
	}
	if (json_is_string(busy))
		json_array_append_new(out, json_pack("{s:s, s:O}", "when", "during the run", "text",
						     busy));
	return out;
}

static json_t *side(const struct kmb_result *r)
{
	json_t *env = json_object_get(r->manifest, "environment");
	json_t *label = json_object_get(r->manifest, "label");

	return json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:o, s:O?}", "path", r->path, "run_id",
			 json_object_get(r->manifest, "run_id"), "label",
			 json_is_string(label) ? label : NULL, "kernel",
			 json_object_get(json_object_get(env, "kernel"), "release"), "host",
			 json_object_get(env, "host"), "start_time",
			 json_object_get(r->manifest, "start_time"), "conditions",
			 conditions(r->manifest), "ab",
			 json_object_get(r->manifest, "ab"));
}

/* The environment difference, with the kernel config options that differ. */
static json_t *environment(const struct kmb_result *base, const struct kmb_result *cand)
{
	json_t *env = kmb_env_diff(base->manifest, cand->manifest);
	json_t *config = kmb_kconfig_diff(base, cand, KMB_KCONFIG_DIFF_LIMIT);

	if (config)
		json_object_set_new(env, "kernel_config", config);
	return env;
}

json_t *kmb_compare(const struct kmb_result *base, const struct kmb_result *cand,
		    const struct kmb_compare_opts *o, char *err, size_t errlen)
{
	regex_t re;
	json_t *metrics, *outcomes;
	int rc, in_both = 0;

	if (o->filter && (rc = regcomp(&re, o->filter, REG_EXTENDED | REG_NOSUB))) {
		char msg[128];

		regerror(rc, &re, msg, sizeof(msg));
		snprintf(err, errlen, "invalid filter '%s': %s", o->filter, msg);
		return NULL;
	}
	metrics = compare_all(base, cand, o, o->filter ? &re : NULL);
	outcomes = compare_outcomes(base, cand, o->filter ? &re : NULL, o->all, &in_both);
	if (o->filter)
		regfree(&re);
	/* Nothing in common at all is the wrong pair of files, not a regression. */
	if (json_array_size(metrics) == 0 && !in_both) {
		json_decref(metrics);
		json_decref(outcomes);
		snprintf(err, errlen, "%s and %s have no metric in common%s", base->path,
			 cand->path, o->filter || o->metric ? " (after --filter/--metric)" : "");
		return NULL;
	}
	return json_pack("{s:s, s:i, s:o, s:o, s:f, s:f, s:{s:f, s:f, s:f}, s:s?, s:o, s:o, s:o, "
			 "s:o}",
			 "format", KMB_COMPARE_FORMAT, "schema_version", KMB_COMPARE_SCHEMA, "base",
			 side(base), "cand", side(cand), "alpha", o->alpha, "power",
			 KMB_COMPARE_POWER, "noise_floor", "min", o->floor_min, "cov_multiplier",
			 o->cov_multiplier, "noisy_above", o->floor_max, "calibration",
			 o->calibration_note, "environment", environment(base, cand), "tally",
			 tally(metrics, outcomes), "metrics", metrics, "benchmarks", outcomes);
}

json_t *kmb_compare_set(json_t *reports)
{
	json_t *first = json_array_get(reports, 0);

	return json_pack("{s:s, s:i, s:O, s:o}", "format", KMB_COMPARE_SET_FORMAT, "schema_version",
			 KMB_COMPARE_SET_SCHEMA, "base", json_object_get(first, "base"), "reports",
			 reports);
}

size_t kmb_compare_count(const json_t *doc)
{
	const char *format = json_string_value(json_object_get(doc, "format"));

	if (format && !strcmp(format, KMB_COMPARE_SET_FORMAT))
		return json_array_size(json_object_get(doc, "reports"));
	return doc ? 1 : 0;
}

const json_t *kmb_compare_report(const json_t *doc, size_t i)
{
	const char *format = json_string_value(json_object_get(doc, "format"));

	if (format && !strcmp(format, KMB_COMPARE_SET_FORMAT))
		return json_array_get(json_object_get(doc, "reports"), i);
	return i == 0 ? doc : NULL;
}

bool kmb_compare_failed(const json_t *doc)
{
	size_t i, n = kmb_compare_count(doc);

	for (i = 0; i < n; i++) {
		const json_t *t = json_object_get(kmb_compare_report(doc, i), "tally");

		if (json_integer_value(json_object_get(t, "regressions")) ||
		    json_integer_value(json_object_get(t, "lost")))
			return true;
	}
	return false;
}
