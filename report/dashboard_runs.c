// SPDX-License-Identifier: GPL-2.0-only
/* kmb dashboard: reading run directories, or their record in the state (see dashboard.c for the
 * whole flow). */
#include "dashboard.h"
#include "dashboard_priv.h"
#include "atomic.h"
#include "compare.h"
#include "jsonload.h"
#include "envdiff.h"
#include "hostlabel.h"
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

	json_object_foreach((json_t *)samples, bench, metrics)
	{
		json_t *keep = json_object();

		json_object_foreach(metrics, metric, m)
		{
			if (!json_is_string(json_object_get(m, "direction")) ||
			    json_is_string(json_object_get(m, "not_judged")))
				continue;
			json_object_set_new(keep, metric,
					    json_pack("{s:O, s:O, s:O}", "unit",
						      json_object_get(m, "unit"), "values",
						      json_object_get(m, "values"), "direction",
						      json_object_get(m, "direction")));
		}
		if (json_object_size(keep))
			json_object_set_new(out, bench, keep);
		else
			json_decref(keep);
	}
	return out;
}

/* Benchmarks that failed (not skipped) in the run, with their messages. */
static json_t *failed_benchmarks(const json_t *errors)
{
	json_t *out = json_object(), *msg;
	const char *bench, *text;

	json_object_foreach((json_t *)errors, bench, msg)
	{
		text = json_string_value(msg);
		if (!text || !strncmp(text, "skipped: ", 9))
			continue;
		json_object_set(out, bench, msg);
	}
	return out;
}

/* Benchmarks of the run that need the shared zeropage (or the huge one). */
static json_t *zeropage_benchmarks(const json_t *manifest)
{
	json_t *needs = json_object_get(json_object_get(manifest, "bench"), "needs"), *caps, *cap;
	json_t *out = json_array();
	const char *bench;
	size_t i;

	json_object_foreach(needs, bench, caps)
	{
		json_array_foreach(caps, i, cap)
		{
			const char *c = json_string_value(cap);

			if (c && (!strcmp(c, "zeropage") || !strcmp(c, "huge_zeropage"))) {
				json_array_append_new(out, json_string(bench));
				break;
			}
		}
	}
	return out;
}

/* The manifest as kmb_env_diff() needs it, without the benchmark name lists. */
static json_t *env_of(const json_t *manifest)
{
	json_t *env = json_deep_copy(manifest), *bench = json_object_get(env, "bench");

	json_object_del(bench, "selected");
	json_object_del(bench, "skipped");
	json_object_del(bench, "needs");
	return env;
}

static bool valid_invariants(const json_t *inv)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(inv))
		return false;
	json_array_foreach(inv, i, v)
	{
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
	char err[600];
	int i, n;

	snprintf(path, sizeof(path), "%s/stress", dir);
	n = scandir(path, &names, json_file_filter, alphasort);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%.*s", (int)strlen(names[i]->d_name) - 5,
			 names[i]->d_name);
		snprintf(path, sizeof(path), "%s/stress/%s", dir, names[i]->d_name);
		doc = kmb_json_load(path, KMB_JSON_MAX_BYTES, NULL, err, sizeof(err));
		if (!doc)
			json_object_set_new(bad, name, json_string(err));
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
		r->manifest = kmb_rundir_load_manifest(dir, err, errlen);
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
	rec = json_pack(
		"{s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b}", "fp", fp, "ok", 1,
		"host_label", kmb_host_label_of(env) ? kmb_host_label_of(env) : "unknown", "cpu",
		dash_jstr_or(json_object_get(env, "cpu"), "model", "unknown CPU"), "arch",
		dash_jstr_or(env, "arch", "?"), "kernel", dash_jstr_or(kernel, "release", "?"),
		"start", dash_jstr_or(r.manifest, "start_time", ""), "command",
		dash_jstr_or(r.manifest, "command", ""), "env", env_of(r.manifest), "samples",
		judged_samples(r.samples), "failed", failed_benchmarks(r.errors),
		"zeropage_benchmarks", zeropage_benchmarks(r.manifest), "compare_html",
		access(path, R_OK) == 0);
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

	json_object_foreach(json_object_get(r->rec, "stress"), scen, inv)
	{
		json_array_foreach(inv, i, v)
		{
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
	r->id = dash_pool_add(s, json_string_nocheck(id));
	r->rec = rec;
	r->ok = json_is_true(json_object_get(rec, "ok"));
	r->reason = dash_jstr_or(rec, "reason", "unreadable");
	if (!r->ok)
		return r;
	r->host = dash_jstr(rec, "host_label");
	r->cpu = dash_jstr(rec, "cpu");
	r->arch = dash_jstr(rec, "arch");
	r->kernel = dash_jstr(rec, "kernel");
	r->start = dash_jstr(rec, "start");
	r->label = dash_jstr_or(json_object_get(rec, "env"), "label", NULL);
	r->t = parse_time(r->start);
	r->synthetic =
		strstr(dash_jstr_or(rec, "command", ""), "SYNTHETIC") || strstr(id, "SYNTHETIC");
	r->has_samples = json_object_size(json_object_get(rec, "samples")) > 0;
	stress_counts(r);
	return r;
}

/* A run from the state when its files are as they were, else read afresh. */
static json_t *run_record(struct dash_site *s, const char *id, const char *dir)
{
	json_t *old =
		s->o->rebuild ? NULL : json_object_get(json_object_get(s->old_state, "runs"), id);
	char *fp = fingerprint(dir);
	json_t *rec;

	if (!fp)
		return NULL;
	if (old && !strcmp(dash_jstr_or(old, "fp", ""), fp))
		rec = json_incref(old);
	else
		rec = read_run(s->o->results, dir, fp);
	free(fp);
	return rec;
}

int dash_scan_runs(struct dash_site *s, char *err, size_t errlen)
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
