// SPDX-License-Identifier: GPL-2.0-only
/* kmb dashboard: lineages, series, segments, rolling baselines and verdicts (see dashboard.c for
 * the whole flow). */
#include "dashboard.h"
#include "dashboard_priv.h"
#include "atomic.h"
#include "compare.h"
#include "envdiff.h"
#include "results.h"
#include "rundir.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- lineages and series ---- */

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? 2 * *cap : 16;
	p = realloc(*arr, *cap * size);
	if (!p)
		return -1;
	*arr = p;
	return 0;
}

static struct dash_lineage *lineage_of(struct dash_site *s, json_t *map, struct dash_run *r)
{
	char *key;
	json_t *idx;
	struct dash_lineage *l;

	if (asprintf(&key, "%s\x1f%s", r->host, r->cpu) < 0)
		return NULL;
	idx = json_object_get(map, key);
	if (idx) {
		free(key);
		return s->lins[json_integer_value(idx)];
	}
	l = calloc(1, sizeof(*l));
	if (!l || grow((void **)&s->lins, &s->lins_cap, s->nlins, sizeof(*s->lins))) {
		free(l);
		free(key);
		return NULL;
	}
	l->host = r->host;
	l->cpu = r->cpu;
	l->arch = r->arch;
	l->slug = dash_make_slug(r->host, key, true);
	json_object_set_new(map, key, json_integer((json_int_t)s->nlins));
	s->lins[s->nlins++] = l;
	free(key);
	return l;
}

static int cmp_run_time(const void *a, const void *b)
{
	const struct dash_run *x = *(struct dash_run *const *)a, *y = *(struct dash_run *const *)b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int cmp_lineage(const void *a, const void *b)
{
	const struct dash_lineage *x = *(struct dash_lineage *const *)a;
	const struct dash_lineage *y = *(struct dash_lineage *const *)b;
	int c = strcmp(x->host, y->host);

	return c ? c : strcmp(x->cpu, y->cpu);
}

/* Why two runs do not compare ("; "-joined kmb_env_diff warnings), or NULL. */
static const char *break_between(struct dash_site *s, const struct dash_run *a,
				 const struct dash_run *b)
{
	json_t *diff = kmb_env_diff(json_object_get(a->rec, "env"), json_object_get(b->rec, "env"));
	json_t *warn = json_object_get(diff, "warnings"), *w;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *m;
	const char *out = NULL;

	if (json_array_size(warn) && (m = open_memstream(&buf, &len))) {
		json_array_foreach(warn, i, w)
			fprintf(m, "%s%s", i ? "; " : "", json_string_value(w));
		fclose(m);
		out = dash_pool_add(s, json_string(buf));
		free(buf);
	}
	json_decref(diff);
	return out;
}

static bool has_stress(const struct dash_run *r)
{
	return r->stress_total || json_object_size(json_object_get(r->rec, "stress_errors"));
}

/*
 * A night is a benchmark run and, when the nightly job ran the stress set, the
 * stress run after it: that is where the stress results of a benchmark run
 * are. Each benchmark run is compared with the benchmark run before it.
 */
static void pair_runs(struct dash_lineage *l)
{
	struct dash_run *bench = NULL;
	size_t k;

	for (k = 0; k < l->n; k++) {
		struct dash_run *r = l->runs[k];

		l->has_stress |= has_stress(r);
		if (r->has_samples) {
			r->compare_prev = bench;
			r->night_stress = has_stress(r) ? r : NULL;
			bench = r;
		} else if (has_stress(r) && bench && !bench->night_stress) {
			bench->night_stress = r;
		}
	}
}

int dash_build_lineages(struct dash_site *s)
{
	json_t *map = json_object();
	size_t i, k;

	for (i = 0; i < s->nruns; i++) {
		struct dash_run *r = s->runs[i];
		struct dash_lineage *l;

		if (!r->ok) {
			s->skipped++;
			continue;
		}
		l = lineage_of(s, map, r);
		if (!l || grow((void **)&l->runs, &l->cap, l->n, sizeof(*l->runs)))
			goto oom;
		l->runs[l->n++] = r;
		r->lin = l;
	}
	json_decref(map);
	if (s->lins)
		qsort(s->lins, s->nlins, sizeof(*s->lins), cmp_lineage);
	for (i = 0; i < s->nlins; i++) {
		struct dash_lineage *l = s->lins[i];

		qsort(l->runs, l->n, sizeof(*l->runs), cmp_run_time);
		l->breaks = calloc(l->n, sizeof(*l->breaks));
		if (!l->breaks)
			return -1;
		for (k = 0; k < l->n; k++) {
			l->runs[k]->pos = k;
			l->synthetic |= l->runs[k]->synthetic;
			if (k && l->runs[k]->has_samples && l->runs[k - 1]->has_samples)
				l->breaks[k] = break_between(s, l->runs[k - 1], l->runs[k]);
		}
		pair_runs(l);
	}
	return 0;
oom:
	json_decref(map);
	return -1;
}

/* "zeropage/read_fault/64M" -> "zeropage/read_fault": sizes make separate series. */
static char *family_of(const char *bench)
{
	const char *slash = strrchr(bench, '/');
	uint64_t bytes;
	char err[8];

	if (slash && !kmb_parse_size(slash + 1, &bytes, err, sizeof(err)) && bytes >= 4096)
		return strndup(bench, slash - bench);
	return strdup(bench);
}

static struct dash_series *series_of(struct dash_site *s, json_t *map, struct dash_run *r,
				     const char *bench, const char *metric, const json_t *m)
{
	struct dash_series *se;
	json_t *idx;
	char *key;

	if (asprintf(&key, "%s\x1f%s\x1f%s\x1f%s", r->host, r->cpu, bench, metric) < 0)
		return NULL;
	idx = json_object_get(map, key);
	if (idx) {
		free(key);
		return s->series[json_integer_value(idx)];
	}
	se = calloc(1, sizeof(*se));
	if (!se || grow((void **)&s->series, &s->series_cap, s->nseries, sizeof(*s->series))) {
		free(se);
		free(key);
		return NULL;
	}
	se->key = key;
	se->bench = dash_pool_add(s, json_string(bench));
	se->metric = dash_pool_add(s, json_string(metric));
	se->unit = dash_jstr_or(m, "unit", "");
	se->direction = dash_jstr_or(m, "direction", NULL);
	se->family = family_of(bench);
	se->lin = r->lin;
	{
		char text[600];

		snprintf(text, sizeof(text), "%s_%s_%s", r->host, bench, metric);
		se->slug = dash_make_slug(text, key, true);
	}
	json_object_set_new(map, key, json_integer((json_int_t)s->nseries));
	s->series[s->nseries++] = se;
	return se;
}

static double *doubles_of(const json_t *values, size_t *n)
{
	double *v;
	json_t *x;
	size_t i;

	*n = json_array_size(values);
	v = calloc(*n ? *n : 1, sizeof(*v));
	if (!v) {
		*n = 0;
		return NULL;
	}
	json_array_foreach(values, i, x) v[i] = json_number_value(x);
	return v;
}

static int add_point(struct dash_series *se, struct dash_run *r, json_t *m)
{
	struct dash_point *p;

	if (grow((void **)&se->pts, &se->cap, se->n, sizeof(*se->pts)) ||
	    grow((void **)&r->refs, &r->refs_cap, r->nrefs, sizeof(*r->refs)))
		return -1;
	p = &se->pts[se->n];
	memset(p, 0, sizeof(*p));
	p->run = r;
	p->metric = m;
	p->v = doubles_of(json_object_get(m, "values"), &p->n);
	p->ci = (struct kmb_interval){ NAN, NAN, NAN, NAN };
	if (p->n)
		kmb_stats_median_ci(p->v, p->n, 0.05, &p->ci);
	p->baseline = p->change = p->p = NAN;
	p->verdict = KMB_VERDICT_NO_BASELINE;
	/* The newest unit names the axis; a change of unit restarts the series. */
	se->unit = dash_jstr_or(m, "unit", "");
	r->refs[r->nrefs++] = (struct dash_ref){ se, se->n };
	se->n++;
	return 0;
}

static int cmp_series(const void *a, const void *b)
{
	const struct dash_series *x = *(struct dash_series *const *)a;
	const struct dash_series *y = *(struct dash_series *const *)b;

	return strcmp(x->key, y->key);
}

int dash_build_series(struct dash_site *s)
{
	json_t *map = json_object(), *metrics, *m;
	const char *bench, *metric;
	size_t i, k;
	int ret = 0;

	for (i = 0; i < s->nlins && !ret; i++) {
		for (k = 0; k < s->lins[i]->n && !ret; k++) {
			struct dash_run *r = s->lins[i]->runs[k];

			json_object_foreach(json_object_get(r->rec, "samples"), bench, metrics)
			{
				json_object_foreach(metrics, metric, m)
				{
					struct dash_series *se =
						series_of(s, map, r, bench, metric, m);

					if (!se || add_point(se, r, m))
						ret = -1;
				}
			}
		}
	}
	json_decref(map);
	if (s->series)
		qsort(s->series, s->nseries, sizeof(*s->series), cmp_series);
	return ret;
}

/* ---- statistics: segments, rolling baseline, verdicts ---- */

static double oriented(const char *direction, double value, double base)
{
	double rel;

	if (!isfinite(value) || !isfinite(base) || base == 0)
		return NAN;
	rel = (value - base) / fabs(base);
	return (direction && !strcmp(direction, "lower") ? -rel : rel) + 0.0;
}

/* Where the window of point k starts: [from, k), empty at a segment start. */
static size_t window_of(const struct dash_site *s, const struct dash_series *se, size_t k)
{
	size_t window = (size_t)s->o->window, seg = se->pts[k].seg;

	return k >= seg + window ? k - window : seg;
}

static bool needs_zeropage(const struct dash_run *r, const char *bench)
{
	const json_t *list = json_object_get(r->rec, "zeropage_benchmarks"), *v;
	size_t i;

	json_array_foreach(list, i, v)
	{
		if (!strcmp(json_string_value(v), bench))
			return true;
	}
	return false;
}

/*
 * Why series se does not compare between runs a and b although the runs do:
 * a scoped warning of the environment diff that covers its benchmark.
 */
static const char *scoped_break(struct dash_site *s, const struct dash_series *se,
				const struct dash_run *a, const struct dash_run *b)
{
	json_t *diff = kmb_env_diff(json_object_get(a->rec, "env"), json_object_get(b->rec, "env"));
	json_t *w;
	const char *out = NULL;
	size_t i;

	json_array_foreach(json_object_get(diff, "scoped_warnings"), i, w)
	{
		const char *scope = dash_jstr_or(w, "scope", "");
		bool covers = !strcmp(scope, "zeropage")
				      ? needs_zeropage(a, se->bench) || needs_zeropage(b, se->bench)
				      : *scope && !strncmp(se->bench, scope, strlen(scope));

		if (covers) {
			out = dash_pool_add(s, json_string(dash_jstr_or(w, "text", "")));
			break;
		}
	}
	json_decref(diff);
	return out;
}

/* Why point k does not compare with point k - 1, or NULL. */
static const char *break_before(struct dash_site *s, const struct dash_series *se, size_t k)
{
	const struct dash_point *p = &se->pts[k], *prev = &se->pts[k - 1];
	const char *u = dash_jstr_or(p->metric, "unit", ""),
		   *pu = dash_jstr_or(prev->metric, "unit", "");
	const char *scoped = scoped_break(s, se, prev->run, p->run);

	/* A zeropage or skey benchmark measures other work when that changed. */
	if (scoped)
		return scoped;

	/* Google Benchmark may report another time unit after a change to a benchmark. */
	if (strcmp(u, pu))
		return dash_pool_add(s,
				     json_sprintf("the unit changed from \"%s\" to \"%s\"", pu, u));
	if (prev->run->pos + 1 == p->run->pos)
		return se->lin->breaks[p->run->pos];
	return break_between(s, prev->run, p->run);
}

static void segment_and_baseline(struct dash_site *s, struct dash_series *se)
{
	size_t k, j, from;
	double *medians = calloc((size_t)s->o->window, sizeof(*medians));

	for (k = 0; k < se->n; k++) {
		struct dash_point *p = &se->pts[k];

		p->break_reason = k ? break_before(s, se, k) : NULL;
		p->seg = !k || p->break_reason ? k : se->pts[k - 1].seg;
		from = window_of(s, se, k);
		if (from == k || !medians)
			continue;
		for (j = from; j < k; j++)
			medians[j - from] = se->pts[j].ci.estimate;
		p->nwin = k - from;
		p->baseline = kmb_stats_median(medians, p->nwin);
		p->change = oriented(se->direction, p->ci.estimate, p->baseline);
	}
	free(medians);
}

static json_t *bench_object(json_t *samples, const char *bench)
{
	json_t *b = json_object_get(samples, bench);

	if (!b) {
		b = json_object();
		json_object_set_new(samples, bench, b);
	}
	return b;
}

static struct dash_point *point_of(struct dash_run *r, const char *bench, const char *metric)
{
	size_t k;

	for (k = 0; k < r->nrefs; k++) {
		struct dash_series *se = r->refs[k].s;

		if (!strcmp(se->bench, bench) && !strcmp(se->metric, metric))
			return &se->pts[r->refs[k].k];
	}
	return NULL;
}

static void set_verdict(struct dash_run *r, const char *bench, const char *metric,
			const char *verdict, double p)
{
	struct dash_point *pt = bench && metric ? point_of(r, bench, metric) : NULL;

	if (!pt)
		return;
	pt->verdict = kmb_verdict_from_name(verdict);
	pt->p = p;
}

/* Keeps [benchmark, metric, verdict, p] per judged point in the run's record. */
static json_t *verdict_rows(const json_t *report)
{
	json_t *rows = json_array(), *row;
	size_t i;

	json_array_foreach(json_object_get(report, "metrics"), i, row) json_array_append_new(
		rows, json_pack("[O, O, O, O]", json_object_get(row, "benchmark"),
				json_object_get(row, "metric"), json_object_get(row, "verdict"),
				json_object_get(row, "p")));
	return rows;
}

static void apply_rows(struct dash_run *r, const json_t *rows)
{
	const json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) set_verdict(
		r, json_string_value(json_array_get(row, 0)),
		json_string_value(json_array_get(row, 1)),
		json_string_value(json_array_get(row, 2)),
		json_is_number(json_array_get(row, 3)) ? json_number_value(json_array_get(row, 3))
						       : NAN);
}

/*
 * What a run's verdicts depend on: its own files, and per series the runs
 * of its window and their files. The same key means the same verdicts, so
 * the U tests are not redone for runs that did not move.
 */
static char *judge_key(const struct dash_site *s, const struct dash_run *r)
{
	char *buf = NULL;
	size_t len = 0, k, j;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	fprintf(m, "%d\n%s\n", s->o->window, dash_jstr(r->rec, "fp"));
	for (k = 0; k < r->nrefs; k++) {
		const struct dash_series *se = r->refs[k].s;
		size_t at = r->refs[k].k;

		fprintf(m, "%s:", se->key);
		for (j = window_of(s, se, at); j < at; j++)
			fprintf(m, "%s=%s,", se->pts[j].run->id,
				dash_jstr(se->pts[j].run->rec, "fp"));
		fputc('\n', m);
	}
	fclose(m);
	return buf;
}

/*
 * One kmb_compare() per run: its samples against, per series, the pooled
 * samples of the previous window runs of the same segment. The rule is kmb
 * compare's own (U test, noise floor from the CoV), so a verdict here means
 * what it means there.
 */
static void compare_window(struct dash_site *s, struct dash_run *r,
			   const struct kmb_compare_opts *o, json_t *cache)
{
	struct kmb_result base, cand;
	size_t k, j;
	char err[512];
	json_t *report;

	memset(&base, 0, sizeof(base));
	memset(&cand, 0, sizeof(cand));
	base.samples = json_object();
	cand.samples = json_object();
	for (k = 0; k < r->nrefs; k++) {
		struct dash_series *se = r->refs[k].s;
		size_t at = r->refs[k].k, from = window_of(s, se, at);
		json_t *pooled;

		if (from == at)
			continue;
		pooled = json_array();
		for (j = from; j < at; j++)
			json_array_extend(pooled, json_object_get(se->pts[j].metric, "values"));
		json_object_set_new(bench_object(base.samples, se->bench), se->metric,
				    json_pack("{s:s, s:o, s:s*}", "unit", se->unit, "values", pooled,
					      "direction", se->direction));
		json_object_set(bench_object(cand.samples, se->bench), se->metric,
				se->pts[at].metric);
	}
	snprintf(base.path, sizeof(base.path), "previous %d runs", s->o->window);
	snprintf(cand.path, sizeof(cand.path), "%s", r->id);
	report = json_object_size(base.samples) ? kmb_compare(&base, &cand, o, err, sizeof(err))
						: NULL;
	json_object_set_new(cache, "rows", report ? verdict_rows(report) : json_array());
	json_decref(report);
	json_decref(base.samples);
	json_decref(cand.samples);
}

static void judge_run(struct dash_site *s, struct dash_run *r, const struct kmb_compare_opts *o)
{
	char *key = judge_key(s, r), hex[20];
	json_t *cache = json_object_get(r->rec, "judged");

	if (!key)
		return;
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)dash_hash(key, strlen(key)));
	free(key);
	if (!cache || strcmp(dash_jstr_or(cache, "key", ""), hex)) {
		cache = json_pack("{s:s}", "key", hex);
		compare_window(s, r, o, cache);
		json_object_set_new(r->rec, "judged", cache);
	}
	apply_rows(r, json_object_get(cache, "rows"));
}

void dash_judge(struct dash_site *s)
{
	struct kmb_compare_opts o;
	size_t i, k;

	kmb_compare_defaults(&o);
	for (i = 0; i < s->nseries; i++)
		segment_and_baseline(s, s->series[i]);
	for (i = 0; i < s->nlins; i++) {
		for (k = 0; k < s->lins[i]->n; k++)
			judge_run(s, s->lins[i]->runs[k], &o);
	}
	for (i = 0; i < s->nseries; i++) {
		for (k = 0; k < s->series[i]->n; k++)
			s->series[i]->regressions +=
				s->series[i]->pts[k].verdict == KMB_VERDICT_REGRESSION;
	}
}

/* ---- what was built, per lineage (kmb dashboard --json) ---- */

static json_t *lineage_summary(const struct dash_site *s, const struct dash_lineage *l)
{
	const struct dash_run *latest = NULL;
	int nseries = 0, regressed = 0, stress_failed = 0;
	size_t i;

	for (i = l->n; i-- > 0 && !latest;)
		if (l->runs[i]->has_samples)
			latest = l->runs[i];
	for (i = 0; i < s->nseries; i++) {
		const struct dash_series *se = s->series[i];

		if (se->lin != l)
			continue;
		nseries++;
		regressed += se->n && se->pts[se->n - 1].verdict == KMB_VERDICT_REGRESSION;
	}
	if (latest && latest->night_stress)
		stress_failed = latest->night_stress->stress_failed;
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:s?, s:s?, s:i, s:O*, s:i}", "host_label",
			 l->host, "cpu", l->cpu, "arch", l->arch, "runs", (int)l->n, "series",
			 nseries, "latest_run", latest ? latest->id : NULL, "latest_start",
			 latest ? latest->start : NULL, "regressed_series", regressed,
			 "failed_benchmarks",
			 latest ? json_object_get(latest->rec, "failed") : NULL,
			 "failed_stress_invariants", stress_failed);
}

json_t *dash_hosts_summary(const struct dash_site *s)
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < s->nlins; i++)
		json_array_append_new(out, lineage_summary(s, s->lins[i]));
	return out;
}
