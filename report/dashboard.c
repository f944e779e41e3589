// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb dashboard, the model: read the runs (or take them from the state when
 * their files did not change), group them into lineages (host, CPU model)
 * and series, judge every point against its rolling window with kmb_compare(),
 * then hand each page to dashboard_html.c / dashboard_chart.c and write only
 * the pages whose inputs changed.
 */
#include "dashboard.h"
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

#define STATE_NAME ".state.json"
#define LOCK_NAME ".lock"
/* Bump when the compare pages change: they are keyed by their inputs, not their text. */
#define COMPARE_PAGE_VERSION "1"

uint64_t dash_hash(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *jstr_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = jstr(o, key);

	return s && *s ? s : dflt;
}

/* A string the model keeps for as long as the site lives. */
static const char *pool_add(struct dash_site *s, json_t *str)
{
	json_array_append_new(s->pool, str);
	return json_string_value(str);
}

/*
 * A file name stem: the readable part sanitized and cut, plus a hash of the
 * whole key when that was not lossless, so different keys never collide.
 */
static char *make_slug(const char *text, const char *key, bool always_hash)
{
	char buf[160], *out;
	size_t n = strlen(text);
	bool lossy = always_hash || n > 100;

	snprintf(buf, sizeof(buf), "%.100s", text);
	for (n = 0; buf[n]; n++) {
		if (buf[n] == '/')
			buf[n] = '_';
	}
	kmb_sanitize_name(buf);
	lossy = lossy || strcmp(buf, text);
	if (!lossy)
		return strdup(buf);
	if (asprintf(&out, "%s-%08llx", buf,
		     (unsigned long long)(dash_hash(key, strlen(key)) & 0xffffffffULL)) < 0)
		return NULL;
	return out;
}

const char *dash_series_page(const struct dash_series *s, char *buf, size_t len)
{
	snprintf(buf, len, "series/%s.html", s->slug);
	return buf;
}

void dash_manifest_href(const struct dash_site *site, const struct dash_run *r, char *buf,
			size_t len, bool from_root)
{
	snprintf(buf, len, "%s%s/%s/manifest.json", from_root ? "" : "../", site->runs_href,
		 r->id);
}

/* ---- reading runs ---- */

static void stat_part(FILE *m, const char *tag, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		fprintf(m, "%s-;", tag);
	else
		fprintf(m, "%s%lld.%09ld:%lld;", tag, (long long)st.st_mtim.tv_sec,
			(long)st.st_mtim.tv_nsec, (long long)st.st_size);
}

static int json_file_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 && !strcmp(de->d_name + n - 5, ".json");
}

/*
 * What says whether a run changed: size and mtime of each file the dashboard
 * reads. Writers replace files by rename, so a new file is a new mtime.
 */
static char *fingerprint(const char *dir)
{
	char path[4500], *buf = NULL;
	struct dirent **names;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int i, n;

	if (!m)
		return NULL;
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	stat_part(m, "m", path);
	snprintf(path, sizeof(path), "%s/bench.json", dir);
	stat_part(m, "b", path);
	snprintf(path, sizeof(path), "%s/compare.html", dir);
	stat_part(m, "c", path);
	snprintf(path, sizeof(path), "%s/stress", dir);
	n = scandir(path, &names, json_file_filter, alphasort);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/stress/%s", dir, names[i]->d_name);
		fprintf(m, "s%s:", names[i]->d_name);
		stat_part(m, "", path);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	fclose(m);
	return buf;
}

/* Only what is judged is kept: the census counters are not trends. */
static json_t *judged_samples(const json_t *samples)
{
	json_t *out = json_object(), *metrics, *m;
	const char *bench, *metric;

	json_object_foreach((json_t *)samples, bench, metrics) {
		json_t *keep = json_object();

		json_object_foreach(metrics, metric, m) {
			if (!kmb_metric_direction(metric) || json_object_get(m, "not_judged"))
				continue;
			json_object_set_new(keep, metric,
					    json_pack("{s:O, s:O}", "unit",
						      json_object_get(m, "unit"), "values",
						      json_object_get(m, "values")));
		}
		if (json_object_size(keep))
			json_object_set_new(out, bench, keep);
		else
			json_decref(keep);
	}
	return out;
}

/* The manifest as kmb_env_diff() needs it, without the benchmark name lists. */
static json_t *env_of(const json_t *manifest)
{
	json_t *env = json_deep_copy(manifest), *bench = json_object_get(env, "bench");

	json_object_del(bench, "selected");
	json_object_del(bench, "skipped");
	return env;
}

static bool valid_invariants(const json_t *inv)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(inv))
		return false;
	json_array_foreach(inv, i, v) {
		if (!json_is_string(json_object_get(v, "name")) ||
		    !json_is_boolean(json_object_get(v, "passed")))
			return false;
	}
	return true;
}

/* stress/<scenario>.json: the invariants, or the reason they cannot be shown. */
static void read_stress(const char *dir, json_t *rec)
{
	char path[4500], name[256];
	json_t *stress = json_object(), *bad = json_object(), *doc;
	struct dirent **names;
	json_error_t jerr;
	int i, n;

	snprintf(path, sizeof(path), "%s/stress", dir);
	n = scandir(path, &names, json_file_filter, alphasort);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%.*s", (int)strlen(names[i]->d_name) - 5,
			 names[i]->d_name);
		snprintf(path, sizeof(path), "%s/stress/%s", dir, names[i]->d_name);
		doc = json_load_file(path, 0, &jerr);
		if (!doc)
			json_object_set_new(bad, name, json_sprintf("%s: %s", path, jerr.text));
		else if (!valid_invariants(json_object_get(doc, "invariants")))
			json_object_set_new(bad, name,
					    json_sprintf("%s: field \"invariants\" is not an array "
							 "of {name, passed, value, limit}",
							 path));
		else
			json_object_set(stress, name, json_object_get(doc, "invariants"));
		json_decref(doc);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	json_object_set_new(rec, "stress", stress);
	json_object_set_new(rec, "stress_errors", bad);
}

static bool has_stress_dir(const char *dir)
{
	char path[4500];
	struct stat st;

	snprintf(path, sizeof(path), "%s/stress", dir);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/*
 * kmb stress writes a run of its own: a manifest and stress/, no bench.json.
 * Such a run is read with its manifest alone; any other run needs both.
 */
static int open_run(const char *results, const char *dir, struct kmb_result *r, char *err,
		    size_t errlen)
{
	char path[4500];

	snprintf(path, sizeof(path), "%s/bench.json", dir);
	if (access(path, F_OK) && errno == ENOENT && has_stress_dir(dir)) {
		memset(r, 0, sizeof(*r));
		r->manifest = kmb_run_load_manifest(dir, err, errlen);
		r->samples = json_object();
		return r->manifest ? 0 : -1;
	}
	if (!kmb_result_open(dir, results, r, err, errlen))
		return 0;
	/* It may have loaded the manifest before the bench.json failed. */
	kmb_result_close(r);
	return -1;
}

static json_t *read_run(const char *results, const char *dir, const char *fp)
{
	const json_t *env, *kernel;
	struct kmb_result r;
	char err[1024], path[4500];
	json_t *rec;

	if (open_run(results, dir, &r, err, sizeof(err))) {
		kmb_result_close(&r);
		return json_pack("{s:s, s:b, s:s}", "fp", fp, "ok", 0, "reason", err);
	}
	env = json_object_get(r.manifest, "environment");
	kernel = json_object_get(env, "kernel");
	snprintf(path, sizeof(path), "%s/compare.html", dir);
	rec = json_pack("{s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:b}", "fp", fp, "ok",
			1, "host", jstr_or(env, "host", "unknown"), "cpu",
			jstr_or(json_object_get(env, "cpu"), "model", "unknown CPU"), "arch",
			jstr_or(env, "arch", "?"), "kernel", jstr_or(kernel, "release", "?"),
			"start", jstr_or(r.manifest, "start_time", ""), "command",
			jstr_or(r.manifest, "command", ""), "env", env_of(r.manifest), "samples",
			judged_samples(r.samples), "compare_html", access(path, R_OK) == 0);
	if (rec)
		read_stress(dir, rec);
	kmb_result_close(&r);
	return rec;
}

static time_t parse_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	return end ? timegm(&tm) : 0;
}

static void stress_counts(struct dash_run *r)
{
	const json_t *inv, *v;
	const char *scen;
	size_t i;

	json_object_foreach(json_object_get(r->rec, "stress"), scen, inv) {
		json_array_foreach(inv, i, v) {
			r->stress_total++;
			r->stress_failed += !json_is_true(json_object_get(v, "passed"));
		}
	}
}

static struct dash_run *new_run(struct dash_site *s, const char *id, json_t *rec)
{
	struct dash_run *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	/* The state owns the record; a name it cannot hold as a key is kept in the pool. */
	if (json_object_set_new(s->new_runs, id, rec))
		json_array_append_new(s->pool, rec);
	r->id = pool_add(s, json_string_nocheck(id));
	r->rec = rec;
	r->ok = json_is_true(json_object_get(rec, "ok"));
	r->reason = jstr_or(rec, "reason", "unreadable");
	if (!r->ok)
		return r;
	r->host = jstr(rec, "host");
	r->cpu = jstr(rec, "cpu");
	r->arch = jstr(rec, "arch");
	r->kernel = jstr(rec, "kernel");
	r->start = jstr(rec, "start");
	r->t = parse_time(r->start);
	r->synthetic = strstr(jstr_or(rec, "command", ""), "SYNTHETIC") || strstr(id, "SYNTHETIC");
	r->has_samples = json_object_size(json_object_get(rec, "samples")) > 0;
	stress_counts(r);
	return r;
}

/* A run from the state when its files are as they were, else read afresh. */
static json_t *run_record(struct dash_site *s, const char *id, const char *dir)
{
	json_t *old = s->o->rebuild ? NULL
				    : json_object_get(json_object_get(s->old_state, "runs"), id);
	char *fp = fingerprint(dir);
	json_t *rec;

	if (!fp)
		return NULL;
	if (old && !strcmp(jstr_or(old, "fp", ""), fp))
		rec = json_incref(old);
	else
		rec = read_run(s->o->results, dir, fp);
	free(fp);
	return rec;
}

static int scan_runs(struct dash_site *s, char *err, size_t errlen)
{
	struct dirent **names;
	char dir[8400];
	struct stat st;
	int i, n;

	n = scandir(s->runs_dir, &names, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", s->runs_dir, strerror(errno));
		return -1;
	}
	s->runs = calloc(n ? n : 1, sizeof(*s->runs));
	for (i = 0; i < n; i++) {
		const char *id = names[i]->d_name;
		json_t *rec;

		snprintf(dir, sizeof(dir), "%s/%s", s->runs_dir, id);
		if (s->runs && id[0] != '.' && !stat(dir, &st) && S_ISDIR(st.st_mode) &&
		    (rec = run_record(s, id, dir))) {
			struct dash_run *r = new_run(s, id, rec);

			if (r)
				s->runs[s->nruns++] = r;
		}
		free(names[i]);
	}
	free(names);
	if (!s->runs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

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
	l->slug = make_slug(r->host, key, true);
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
		out = pool_add(s, json_string(buf));
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

static int build_lineages(struct dash_site *s)
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
	se->bench = pool_add(s, json_string(bench));
	se->metric = pool_add(s, json_string(metric));
	se->unit = jstr_or(m, "unit", "");
	se->direction = kmb_metric_direction(metric);
	se->family = family_of(bench);
	se->lin = r->lin;
	{
		char text[600];

		snprintf(text, sizeof(text), "%s_%s_%s", r->host, bench, metric);
		se->slug = make_slug(text, key, true);
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
	json_array_foreach(values, i, x)
		v[i] = json_number_value(x);
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
	p->verdict = "no baseline";
	/* The newest unit names the axis; a change of unit restarts the series. */
	se->unit = jstr_or(m, "unit", "");
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

static int build_series(struct dash_site *s)
{
	json_t *map = json_object(), *metrics, *m;
	const char *bench, *metric;
	size_t i, k;
	int ret = 0;

	for (i = 0; i < s->nlins && !ret; i++) {
		for (k = 0; k < s->lins[i]->n && !ret; k++) {
			struct dash_run *r = s->lins[i]->runs[k];

			json_object_foreach(json_object_get(r->rec, "samples"), bench, metrics) {
				json_object_foreach(metrics, metric, m) {
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

/* Why point k does not compare with point k - 1, or NULL. */
static const char *break_before(struct dash_site *s, const struct dash_series *se, size_t k)
{
	const struct dash_point *p = &se->pts[k], *prev = &se->pts[k - 1];
	const char *u = jstr_or(p->metric, "unit", ""), *pu = jstr_or(prev->metric, "unit", "");

	/* Google Benchmark may report another time unit after a change to a benchmark. */
	if (strcmp(u, pu))
		return pool_add(s, json_sprintf("the unit changed from \"%s\" to \"%s\"", pu, u));
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

static const char *static_verdict(const char *v)
{
	static const char *const known[] = { "regression", "improvement", "unchanged", "noisy",
					     "not judged" };
	size_t i;

	for (i = 0; v && i < KMB_ARRAY_SIZE(known); i++) {
		if (!strcmp(v, known[i]))
			return known[i];
	}
	return "no baseline";
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
	pt->verdict = static_verdict(verdict);
	pt->p = p;
}

/* Keeps [benchmark, metric, verdict, p] per judged point in the run's record. */
static json_t *verdict_rows(const json_t *report)
{
	json_t *rows = json_array(), *row;
	size_t i;

	json_array_foreach(json_object_get(report, "metrics"), i, row)
		json_array_append_new(rows, json_pack("[O, O, O, O]",
						      json_object_get(row, "benchmark"),
						      json_object_get(row, "metric"),
						      json_object_get(row, "verdict"),
						      json_object_get(row, "p")));
	return rows;
}

static void apply_rows(struct dash_run *r, const json_t *rows)
{
	const json_t *row;
	size_t i;

	json_array_foreach(rows, i, row)
		set_verdict(r, json_string_value(json_array_get(row, 0)),
			    json_string_value(json_array_get(row, 1)),
			    json_string_value(json_array_get(row, 2)),
			    json_is_number(json_array_get(row, 3))
				    ? json_number_value(json_array_get(row, 3))
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
	fprintf(m, "%d\n%s\n", s->o->window, jstr(r->rec, "fp"));
	for (k = 0; k < r->nrefs; k++) {
		const struct dash_series *se = r->refs[k].s;
		size_t at = r->refs[k].k;

		fprintf(m, "%s:", se->key);
		for (j = window_of(s, se, at); j < at; j++)
			fprintf(m, "%s=%s,", se->pts[j].run->id, jstr(se->pts[j].run->rec, "fp"));
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
				    json_pack("{s:s, s:o}", "unit", se->unit, "values", pooled));
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
	if (!cache || strcmp(jstr_or(cache, "key", ""), hex)) {
		cache = json_pack("{s:s}", "key", hex);
		compare_window(s, r, o, cache);
		json_object_set_new(r->rec, "judged", cache);
	}
	apply_rows(r, json_object_get(cache, "rows"));
}

static void judge(struct dash_site *s)
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
			s->series[i]->regressions += s->series[i]->pts[k].verdict[0] == 'r';
	}
}

/* ---- writing the site ---- */

/*
 * Does out/name need writing? Records hash as its input for the next build.
 * Fresh means: the same inputs as last time and the file is still there.
 */
static bool up_to_date(struct dash_site *s, const char *name, uint64_t hash)
{
	char hex[20], path[8400];
	const char *old;

	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)hash);
	json_object_set_new(s->new_pages, name, json_string(hex));
	old = jstr(json_object_get(s->old_state, "pages"), name);
	snprintf(path, sizeof(path), "%s/%s", s->out, name);
	if (!s->o->rebuild && old && !strcmp(old, hex) && access(path, F_OK) == 0) {
		s->sum->unchanged++;
		return true;
	}
	return false;
}

static int write_file(struct dash_site *s, const char *name, const char *buf, size_t len,
		      char *err, size_t errlen)
{
	char path[8400];

	snprintf(path, sizeof(path), "%s/%s", s->out, name);
	if (kmb_write_atomic(path, buf, len)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	s->sum->written++;
	json_array_append_new(s->written, json_string(name));
	if (s->o->verbose)
		printf("  wrote %s\n", name);
	return 0;
}

/* A page given as its text: written when the text changed. */
static int emit_page(struct dash_site *s, const char *name, char *buf, size_t len, char *err,
		     size_t errlen)
{
	int ret = 0;

	if (!buf) {
		snprintf(err, errlen, "out of memory rendering %s", name);
		return -1;
	}
	if (!up_to_date(s, name, dash_hash(buf, len)))
		ret = write_file(s, name, buf, len, err, errlen);
	free(buf);
	return ret;
}

/* Kernel labels where the release changes, no closer than 1/14 of the range. */
static size_t kernel_labels(const struct dash_series *se, struct dash_trend_label *lab)
{
	double span = se->n ? (double)(se->pts[se->n - 1].run->t - se->pts[0].run->t) : 0;
	double last = -INFINITY;
	const char *prev = NULL;
	size_t k, n = 0;

	for (k = 0; k < se->n; k++) {
		const struct dash_run *r = se->pts[k].run;

		if (prev && !strcmp(prev, r->kernel))
			continue;
		prev = r->kernel;
		if ((double)r->t - last < span / 14)
			continue;
		last = (double)r->t;
		lab[n++] = (struct dash_trend_label){ (double)r->t, r->kernel };
	}
	return n;
}

static char *series_script(const struct dash_series *se)
{
	struct dash_trend_point *pts = calloc(se->n + 1, sizeof(*pts));
	struct dash_trend_label *lab = calloc(se->n + 1, sizeof(*lab));
	double *breaks = calloc(se->n + 1, sizeof(*breaks));
	struct dash_trend t = { .pts = pts, .kernels = lab, .breaks = breaks };
	char title[700];
	char *script = NULL;
	size_t k;

	if (!pts || !lab || !breaks)
		goto out;
	snprintf(title, sizeof(title), "%s  %s on %s", se->bench, se->metric, se->lin->host);
	t.title = title;
	t.ylabel = *se->unit ? se->unit : se->metric;
	for (k = 0; k < se->n; k++) {
		const struct dash_point *p = &se->pts[k];

		pts[k] = (struct dash_trend_point){ (double)p->run->t, p->ci.estimate, p->ci.lo,
						    p->ci.hi, p->baseline, 0 };
		pts[k].mark = p->verdict[0] == 'r' ? 1 : p->verdict[0] == 'i' ? 2 : 0;
		if (p->break_reason)
			breaks[t.nbreaks++] = (double)p->run->t;
	}
	t.n = se->n;
	t.nkernels = kernel_labels(se, lab);
	script = dash_trend_script(&t);
out:
	free(pts);
	free(lab);
	free(breaks);
	return script;
}

/* 0 written or fresh, 1 gnuplot failed (err set, the page says so), -1 error. */
static int emit_chart(struct dash_site *s, struct dash_series *se, char *err, size_t errlen)
{
	char name[600], title[600];
	char *script = series_script(se), *svg;
	int ret;

	if (!script) {
		snprintf(err, errlen, "out of memory drawing %s", se->slug);
		return -1;
	}
	snprintf(name, sizeof(name), "series/%s.svg", se->slug);
	if (up_to_date(s, name, dash_hash(script, strlen(script)))) {
		free(script);
		return 0;
	}
	snprintf(title, sizeof(title), "%s %s on %s", se->bench, se->metric, se->lin->host);
	svg = dash_trend_svg(script, title, err, errlen);
	free(script);
	s->sum->charts++;
	if (!svg) {
		/* Not recorded as done: the next build tries again. */
		json_object_del(s->new_pages, name);
		se->chart_error = pool_add(s, json_string(err));
		return 1;
	}
	ret = write_file(s, name, svg, strlen(svg), err, errlen);
	free(svg);
	return ret;
}

/* Returns 1 when a chart failed (chart_err has the first reason), -1 on an error. */
static int emit_series(struct dash_site *s, char *chart_err, size_t chart_errlen, char *err,
		       size_t errlen)
{
	char name[600], why[1024], *page;
	size_t i, len;
	int ret = 0, rc;

	for (i = 0; i < s->nseries; i++) {
		struct dash_series *se = s->series[i];

		rc = emit_chart(s, se, why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		if (rc > 0 && !ret) {
			snprintf(chart_err, chart_errlen, "%s", why);
			ret = 1;
		}
		page = dash_page_series(s, se, &len);
		if (emit_page(s, dash_series_page(se, name, sizeof(name)), page, len, err, errlen))
			return -1;
	}
	return ret;
}

/*
 * A run as kmb_compare() takes it, from what the state keeps: the judged
 * samples and the manifest (less the benchmark name lists, which the
 * environment diff does not look at). No run is read twice.
 */
static void result_of(const struct dash_site *s, const struct dash_run *r, struct kmb_result *res)
{
	memset(res, 0, sizeof(*res));
	snprintf(res->path, sizeof(res->path), "%s/%s", s->runs_dir, r->id);
	res->manifest = json_object_get(r->rec, "env");
	res->samples = json_object_get(r->rec, "samples");
}

static json_t *compare_runs(const struct dash_site *s, const struct dash_run *prev,
			    const struct dash_run *run)
{
	struct kmb_result a, b;
	struct kmb_compare_opts o;
	char err[1024];
	json_t *report;

	result_of(s, prev, &a);
	result_of(s, run, &b);
	kmb_compare_defaults(&o);
	report = kmb_compare(&a, &b, &o, err, sizeof(err));
	return report ? report : json_pack("{s:s}", "error", err);
}

/* The inputs of a compare page: both runs' files, and where the runs are. */
static uint64_t compare_key(const struct dash_site *s, const struct dash_run *prev,
			    const struct dash_run *run)
{
	char *key;
	uint64_t h;

	if (asprintf(&key, "compare %s\n%s\n%s\n%s\n%s\n%s", COMPARE_PAGE_VERSION, s->runs_href,
		     prev->id, jstr(prev->rec, "fp"), run->id, jstr(run->rec, "fp")) < 0)
		return 0;
	h = dash_hash(key, strlen(key));
	free(key);
	return h;
}

static int emit_compare(struct dash_site *s, const struct dash_run *prev,
			const struct dash_run *run, char *err, size_t errlen)
{
	json_t *report;
	char *page;
	size_t len;
	int ret;

	if (!run->compare_page) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (up_to_date(s, run->compare_page, compare_key(s, prev, run)))
		return 0;
	report = compare_runs(s, prev, run);
	page = report ? dash_page_compare(s, prev, run, report, &len) : NULL;
	json_decref(report);
	if (!page) {
		snprintf(err, errlen, "out of memory rendering %s", run->compare_page);
		return -1;
	}
	ret = write_file(s, run->compare_page, page, len, err, errlen);
	free(page);
	return ret;
}

/* compare/<run>.html: each run against the run before it on the same host and CPU. */
static int emit_compares(struct dash_site *s, char *err, size_t errlen)
{
	size_t i, k;
	int ret = 0;

	for (i = 0; i < s->nlins && !ret; i++) {
		const struct dash_lineage *l = s->lins[i];

		for (k = 0; k < l->n && !ret; k++) {
			if (l->runs[k]->compare_prev)
				ret = emit_compare(s, l->runs[k]->compare_prev, l->runs[k], err,
						   errlen);
		}
	}
	return ret;
}

static int emit_stress(struct dash_site *s, char *err, size_t errlen)
{
	char name[600], *page;
	size_t i, len;

	for (i = 0; i < s->nlins; i++) {
		if (!s->lins[i]->has_stress)
			continue;
		snprintf(name, sizeof(name), "stress/%s.html", s->lins[i]->slug);
		page = dash_page_stress(s, s->lins[i], &len);
		if (emit_page(s, name, page, len, err, errlen))
			return -1;
	}
	return 0;
}

static void name_compare_pages(struct dash_site *s)
{
	char *slug, *page;
	size_t i, k;

	for (i = 0; i < s->nlins; i++) {
		for (k = 0; k < s->lins[i]->n; k++) {
			struct dash_run *r = s->lins[i]->runs[k];

			if (!r->compare_prev)
				continue;
			slug = make_slug(r->id, r->id, false);
			if (slug && asprintf(&page, "compare/%s.html", slug) >= 0)
				r->compare_page = page;
			free(slug);
		}
	}
}

/* Pages of series and runs that are gone go too; only names the state recorded. */
static void remove_stale(struct dash_site *s)
{
	const char *name;
	char path[8400];
	json_t *v;

	json_object_foreach(json_object_get(s->old_state, "pages"), name, v) {
		if (json_object_get(s->new_pages, name) || strstr(name, "..") || name[0] == '/')
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->out, name);
		if (!unlink(path)) {
			s->sum->removed++;
			if (s->o->verbose)
				printf("  removed %s\n", name);
		}
	}
}

/* ---- state, paths, lock ---- */

static json_t *load_state(const char *out)
{
	char path[4200];
	json_t *st;

	snprintf(path, sizeof(path), "%s/%s", out, STATE_NAME);
	st = json_load_file(path, 0, NULL);
	if (st && (strcmp(jstr_or(st, "format", ""), KMB_DASHBOARD_STATE_FORMAT) ||
		   json_integer_value(json_object_get(st, "schema_version")) !=
			   KMB_DASHBOARD_STATE_SCHEMA)) {
		json_decref(st);
		return NULL;
	}
	return st;
}

static int save_state(struct dash_site *s, char *err, size_t errlen)
{
	char path[4200], *buf;
	json_t *st;
	int ret = 0;

	st = json_pack("{s:s, s:i, s:i, s:O, s:O, s:{s:s, s:O, s:i, s:i, s:i, s:f}}", "format",
		       KMB_DASHBOARD_STATE_FORMAT, "schema_version", KMB_DASHBOARD_STATE_SCHEMA,
		       "window", s->o->window, "runs", s->new_runs, "pages", s->new_pages,
		       "last_build", "time", s->generated, "written", s->written, "unchanged",
		       s->sum->unchanged, "removed", s->sum->removed, "charts", s->sum->charts,
		       "seconds", s->sum->seconds);
	buf = st ? json_dumps(st, JSON_COMPACT) : NULL;
	snprintf(path, sizeof(path), "%s/%s", s->out, STATE_NAME);
	if (!buf || kmb_write_atomic(path, buf, strlen(buf))) {
		snprintf(err, errlen, "cannot write %s: %s", path,
			 buf ? strerror(errno) : "out of memory");
		ret = -1;
	}
	free(buf);
	json_decref(st);
	return ret;
}

/* from and to are absolute and canonical; the path from directory from to to. */
static void relative_path(const char *from, const char *to, char *buf, size_t len)
{
	size_t i = 0, common = 0, used = 0;
	const char *p;

	while (from[i] && from[i] == to[i]) {
		if (from[i] == '/')
			common = i;
		i++;
	}
	if (!from[i] && (to[i] == '/' || !to[i]))
		common = i;
	else if (!to[i] && from[i] == '/')
		common = i;
	buf[0] = '\0';
	for (p = from + common; *p; p++) {
		if (*p == '/' && used + 4 < len)
			used += snprintf(buf + used, len - used, "../");
	}
	p = to + common + (to[common] == '/');
	if (*p)
		snprintf(buf + used, len - used, "%s", p);
	else if (used)
		buf[used - 1] = '\0';
	else
		snprintf(buf, len, ".");
}

static int prepare_out(struct dash_site *s, int *lock_fd, char *err, size_t errlen)
{
	static const char *const subdirs[] = { "series", "compare", "stress" };
	char path[4400], out_real[PATH_MAX], runs_real[PATH_MAX];
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(subdirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->out, subdirs[i]);
		if (kmb_mkdir_p(path, 0755)) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", s->out, LOCK_NAME);
	*lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	/* Two builders of one site take turns; the nightly also locks around us. */
	if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX)) {
		snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
		return -1;
	}
	/* Half-written pages of a builder that was killed. */
	kmb_remove_stale_tmp(s->out);
	for (i = 0; i < KMB_ARRAY_SIZE(subdirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->out, subdirs[i]);
		kmb_remove_stale_tmp(path);
	}
	if (!realpath(s->out, out_real)) {
		snprintf(err, errlen, "%s: %s", s->out, strerror(errno));
		return -1;
	}
	if (realpath(s->runs_dir, runs_real))
		relative_path(out_real, runs_real, s->runs_href, sizeof(s->runs_href));
	else
		relative_path(out_real, s->runs_dir[0] == '/' ? s->runs_dir : out_real,
			      s->runs_href, sizeof(s->runs_href));
	return 0;
}

static void free_site(struct dash_site *s)
{
	size_t i, k;

	for (i = 0; i < s->nseries; i++) {
		struct dash_series *se = s->series[i];

		for (k = 0; k < se->n; k++)
			free(se->pts[k].v);
		free(se->pts);
		free(se->key);
		free(se->slug);
		free(se->family);
		free(se);
	}
	free(s->series);
	for (i = 0; i < s->nlins; i++) {
		free(s->lins[i]->runs);
		free(s->lins[i]->breaks);
		free(s->lins[i]->slug);
		free(s->lins[i]);
	}
	free(s->lins);
	for (i = 0; i < s->nruns; i++) {
		free(s->runs[i]->refs);
		free(s->runs[i]->compare_page);
		free(s->runs[i]);
	}
	free(s->runs);
	json_decref(s->old_state);
	json_decref(s->new_runs);
	json_decref(s->new_pages);
	json_decref(s->written);
	json_decref(s->pool);
}

static int build_model(struct dash_site *s, char *err, size_t errlen)
{
	if (scan_runs(s, err, errlen))
		return -1;
	if (build_lineages(s) || build_series(s)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	name_compare_pages(s);
	judge(s);
	s->sum->runs = (int)s->nruns;
	s->sum->skipped = s->skipped;
	s->sum->series = (int)s->nseries;
	return 0;
}

/*
 * Every page is written even when a chart fails (the page says the chart is
 * missing); the first chart error is what is returned.
 */
static int emit_site(struct dash_site *s, char *err, size_t errlen)
{
	char chart_err[1024] = "", *index;
	size_t len;
	int charts;

	charts = emit_series(s, chart_err, sizeof(chart_err), err, errlen);
	if (charts < 0)
		return -1;
	if (emit_compares(s, err, errlen) || emit_stress(s, err, errlen))
		return -1;
	index = dash_page_index(s, &len);
	if (emit_page(s, "index.html", index, len, err, errlen))
		return -1;
	remove_stale(s);
	if (charts)
		snprintf(err, errlen, "%s", chart_err);
	return charts;
}

int kmb_dashboard_build(const struct kmb_dashboard_opts *o, struct kmb_dashboard_summary *sum,
			char *err, size_t errlen)
{
	struct dash_site s;
	struct stat st;
	uint64_t t0 = kmb_now_ns();
	int lock_fd = -1, ret = -1;

	memset(&s, 0, sizeof(s));
	memset(sum, 0, sizeof(*sum));
	/* A mistyped --results must not quietly become an empty site. */
	if (stat(o->results, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: no such results directory", o->results);
		return -1;
	}
	s.o = o;
	s.sum = sum;
	snprintf(s.out, sizeof(s.out), "%s", o->out);
	snprintf(s.runs_dir, sizeof(s.runs_dir), "%s/runs", o->results);
	kmb_utc_iso8601(s.generated, sizeof(s.generated));
	s.new_runs = json_object();
	s.new_pages = json_object();
	s.written = json_array();
	s.pool = json_array();
	if (prepare_out(&s, &lock_fd, err, errlen))
		goto out;
	/* Even a rebuild reads it: the pages it lists that are gone get removed. */
	s.old_state = load_state(s.out);
	if (build_model(&s, err, errlen))
		goto out;
	/* A missing chart still leaves a whole site, but it is an error. */
	ret = emit_site(&s, err, errlen) ? -1 : 0;
	sum->seconds = (double)(kmb_now_ns() - t0) / 1e9;
	if (save_state(&s, err, errlen))
		ret = -1;
out:
	if (lock_fd >= 0)
		close(lock_fd);
	free_site(&s);
	return ret;
}
