// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb dashboard, the build: lock the site, load the state, have the runs read
 * (dashboard_runs.c) and the model made (dashboard_model.c: lineages, series,
 * every point judged against its rolling window with kmb_compare()), then
 * hand each page to dashboard_html.c / dashboard_chart.c, write only the pages
 * whose inputs changed, remove the ones no longer there and save the state.
 */
#include "dashboard.h"
#include "jsonload.h"
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

#define STATE_NAME ".state.json"
#define LOCK_NAME ".lock"
/* Bump when the compare pages change: they are keyed by their inputs, not their text. */
#define COMPARE_PAGE_VERSION "1"

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
	old = dash_jstr(json_object_get(s->old_state, "pages"), name);
	snprintf(path, sizeof(path), "%s/%s", s->out, name);
	if (!s->o->rebuild && old && !strcmp(old, hex) && access(path, F_OK) == 0) {
		s->sum->unchanged++;
		return true;
	}
	return false;
}

static int write_file(struct dash_site *s, const char *name, const char *buf, size_t len, char *err,
		      size_t errlen)
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
						    p->ci.hi,	       p->baseline,    0 };
		pts[k].mark = p->verdict == KMB_VERDICT_REGRESSION	  ? 1
			      : p->verdict == KMB_VERDICT_IMPROVEMENT ? 2
								      : 0;
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
		se->chart_error = dash_pool_add(s, json_string(err));
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
		     prev->id, dash_jstr(prev->rec, "fp"), run->id, dash_jstr(run->rec, "fp")) < 0)
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
			slug = dash_make_slug(r->id, r->id, false);
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

	json_object_foreach(json_object_get(s->old_state, "pages"), name, v)
	{
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
	char path[4200], err[512];
	json_t *st;

	/* The site's own cache of every run it read: larger than one result file. */
	snprintf(path, sizeof(path), "%s/%s", out, STATE_NAME);
	st = kmb_json_load(path, 8 * (size_t)KMB_JSON_MAX_BYTES, NULL, err, sizeof(err));
	if (st && (strcmp(dash_jstr_or(st, "format", ""), KMB_DASHBOARD_STATE_FORMAT) ||
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

void dash_site_free(struct dash_site *s)
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
	if (dash_scan_runs(s, err, errlen))
		return -1;
	if (dash_build_lineages(s) || dash_build_series(s)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	name_compare_pages(s);
	dash_judge(s);
	s->sum->runs = (int)s->nruns;
	s->sum->skipped = s->skipped;
	s->sum->series = (int)s->nseries;
	s->sum->hosts = dash_hosts_summary(s);
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

int kmb_dashboard_build(const struct kmb_dashboard_opts *o, struct kmb_dashboard_stats *sum,
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
	/* The first failure is the one to report: the page, not the state after it. */
	if (ret) {
		char later[512];

		save_state(&s, later, sizeof(later));
	} else if (save_state(&s, err, errlen)) {
		ret = -1;
	}
out:
	if (lock_fd >= 0)
		close(lock_fd);
	dash_site_free(&s);
	return ret;
}
