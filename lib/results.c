// SPDX-License-Identifier: GPL-2.0-only
#include "results.h"
#include "jsonload.h"
#include "metric.h"
#include "rundir.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* Whether kmb wrote the file: it declares every metric's direction. */
static bool has_declarations(const json_t *context)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)context, key, v) {
		if (!strncmp(key, KMB_METRIC_DIRECTION_KEY, strlen(KMB_METRIC_DIRECTION_KEY)))
			return true;
	}
	return false;
}

/* Fields of a Google Benchmark run that are not counters. */
static bool is_standard_field(const char *key)
{
	static const char *const fields[] = {
		"name", "run_name", "run_type", "repetitions", "repetition_index", "threads",
		"iterations", "real_time", "cpu_time", "time_unit", "family_index",
		"per_family_instance_index", "label", "error_occurred", "error_message",
		"aggregate_name", "aggregate_unit", "big_o", "rms", "complexity_n",
	};
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(fields); i++) {
		if (!strcmp(key, fields[i]))
			return true;
	}
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

const char *kmb_metric_direction_guess(const char *metric)
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

/*
 * How to read a metric: as its emitter declared it in the context, or, for a
 * file kmb did not write (no declaration at all), by the name's suffix.
 */
static const char *direction_of(const json_t *context, const char *metric, const char **why)
{
	char key[300];
	const char *declared;

	snprintf(key, sizeof(key), "%s%s", KMB_METRIC_DIRECTION_KEY, metric);
	declared = json_string_value(json_object_get(context, key));
	*why = NULL;
	if (declared && (!strcmp(declared, "lower") || !strcmp(declared, "higher")))
		return declared;
	if (declared) {
		*why = strncmp(metric, KMB_VMSTAT_PREFIX, strlen(KMB_VMSTAT_PREFIX))
			       ? "declared not judged where it is measured (a census count or a "
				 "setting)"
			       : "side evidence: how much a /proc/vmstat counter moved over the "
				 "repetition (host-wide, setup included)";
		return NULL;
	}
	if (has_declarations(context)) {
		*why = "no direction declared for this metric";
		return NULL;
	}
	declared = kmb_metric_direction_guess(metric);
	if (!declared)
		*why = "no known direction for this metric";
	return declared;
}

static void add_value(json_t *bench_samples, const json_t *context, const char *metric,
		      const char *unit, json_t *value)
{
	json_t *m = json_object_get(bench_samples, metric);
	const char *why, *dir;

	if (!m) {
		dir = direction_of(context, metric, &why);
		m = json_pack("{s:s, s:[], s:s*, s:s*}", "unit", unit, "values", "direction", dir,
			      "not_judged", why);
		json_object_set_new(bench_samples, metric, m);
	}
	json_array_append(json_object_get(m, "values"), value);
}

static int check_run(json_t *run, size_t i, const char *path, char *err, size_t errlen)
{
	static const char *const numbers[] = { "real_time", "cpu_time" };
	size_t k;

	if (!json_is_object(run)) {
		snprintf(err, errlen, "%s: benchmarks[%zu]: not an object", path, i);
		return -1;
	}
	if (!json_is_string(json_object_get(run, "name"))) {
		snprintf(err, errlen, "%s: benchmarks[%zu].name: missing or not a string", path, i);
		return -1;
	}
	if (json_is_true(json_object_get(run, "error_occurred")))
		return 0;
	for (k = 0; k < KMB_ARRAY_SIZE(numbers); k++) {
		if (!json_is_number(json_object_get(run, numbers[k]))) {
			snprintf(err, errlen, "%s: benchmarks[%zu].%s: missing or not a number", path,
				 i, numbers[k]);
			return -1;
		}
	}
	if (!json_is_string(json_object_get(run, "time_unit"))) {
		snprintf(err, errlen, "%s: benchmarks[%zu].time_unit: missing or not a string",
			 path, i);
		return -1;
	}
	return 0;
}

/* ---- Google Benchmark's name grammar ---- */

static bool is_gbench_suffix(const char *part, size_t n)
{
	static const char *const fixed[] = { "manual_time", "real_time", "process_time" };
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(fixed); i++) {
		if (n == strlen(fixed[i]) && !strncmp(part, fixed[i], n))
			return true;
	}
	return (n > 11 && !strncmp(part, "iterations:", 11)) ||
	       (n > 8 && !strncmp(part, "repeats:", 8)) ||
	       (n > 8 && !strncmp(part, "threads:", 8)) ||
	       (n > 9 && !strncmp(part, "min_time:", 9));
}

void kmb_bench_base_name(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	/* Strip trailing "/suffix" parts while they are Google Benchmark's. */
	for (;;) {
		const char *slash = memrchr(name, '/', n);

		if (!slash || !is_gbench_suffix(slash + 1, n - (size_t)(slash + 1 - name)))
			break;
		n = (size_t)(slash - name);
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
}

static void add_run(json_t *samples, json_t *errors, const json_t *context, json_t *run)
{
	const char *full = json_string_value(json_object_get(run, "run_name"));
	const char *unit = json_string_value(json_object_get(run, "time_unit"));
	const char *key;
	char name[512];
	json_t *b, *v;

	kmb_bench_base_name(full ? full : json_string_value(json_object_get(run, "name")), name,
			    sizeof(name));
	if (json_is_true(json_object_get(run, "error_occurred"))) {
		json_object_set(errors, name, json_object_get(run, "error_message"));
		return;
	}
	b = json_object_get(samples, name);
	if (!b) {
		b = json_object();
		json_object_set_new(samples, name, b);
	}
	/* Per-page cost is the time over a fixed page count: judge it once. */
	if (json_is_number(json_object_get(run, "ns_per_page")) && !json_object_get(b, "real_time"))
		json_object_set_new(b, "real_time",
				    json_pack("{s:s, s:[], s:s}", "unit", unit, "values",
					      "not_judged",
					      "the same measurement as ns_per_page (time per page)"));
	add_value(b, context, "real_time", unit, json_object_get(run, "real_time"));
	add_value(b, context, "cpu_time", unit, json_object_get(run, "cpu_time"));
	/* Under manual time the CPU time also covers the untimed setup. */
	if (strstr(full ? full : "", "/manual_time")) {
		json_object_del(json_object_get(b, "cpu_time"), "direction");
		json_object_set_new(json_object_get(b, "cpu_time"), "not_judged",
				    json_string("CPU time includes the untimed setup (manual "
						"timing)"));
	}
	json_object_foreach(run, key, v) {
		if (!is_standard_field(key) && json_is_number(v))
			add_value(b, context, key, "", v);
	}
}

int kmb_result_read_bench(json_t *doc, const char *path, json_t **samples, json_t **errors,
			  char *err, size_t errlen)
{
	json_t *benches = json_object_get(doc, "benchmarks"), *run;
	size_t i;

	if (!json_is_object(doc) || !json_is_object(json_object_get(doc, "context")) ||
	    !json_is_array(benches)) {
		snprintf(err, errlen,
			 "%s: not Google Benchmark JSON (needs a \"context\" object and a "
			 "\"benchmarks\" array)",
			 path);
		return -1;
	}
	*samples = json_object();
	*errors = json_object();
	json_array_foreach(benches, i, run) {
		const char *type;

		if (check_run(run, i, path, err, errlen)) {
			/* The caller's close must not free them again. */
			json_decref(*samples);
			json_decref(*errors);
			*samples = *errors = NULL;
			return -1;
		}
		type = json_string_value(json_object_get(run, "run_type"));
		if (type && strcmp(type, "iteration"))
			continue; /* aggregates are recomputed from the samples */
		add_run(*samples, *errors, json_object_get(doc, "context"), run);
	}
	return 0;
}

static int load_bench(struct kmb_result *r, char *err, size_t errlen)
{
	r->bench = kmb_json_load(r->bench_path, KMB_JSON_MAX_BYTES, NULL, err, errlen);
	if (!r->bench)
		return -1;
	return kmb_result_read_bench(r->bench, r->bench_path, &r->samples, &r->errors, err,
				     errlen);
}

static int open_dir(struct kmb_result *r, const char *dir, char *err, size_t errlen)
{
	snprintf(r->path, sizeof(r->path), "%s", dir);
	snprintf(r->bench_path, sizeof(r->bench_path), "%s/bench.json", dir);
	r->manifest = kmb_rundir_load_manifest(dir, err, errlen);
	if (!r->manifest)
		return -1;
	return load_bench(r, err, errlen);
}

static int open_file(struct kmb_result *r, const char *file, char *err, size_t errlen)
{
	char dir[4096], manifest[4200];
	const char *slash = strrchr(file, '/');
	struct stat st;

	snprintf(r->path, sizeof(r->path), "%s", file);
	snprintf(r->bench_path, sizeof(r->bench_path), "%s", file);
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - file) : 1, slash ? file : ".");
	snprintf(manifest, sizeof(manifest), "%s/manifest.json", dir);
	/* A bench.json inside a run directory brings its manifest along. */
	if (stat(manifest, &st) == 0) {
		r->manifest = kmb_rundir_load_manifest(dir, err, errlen);
		if (!r->manifest)
			return -1;
	}
	return load_bench(r, err, errlen);
}

int kmb_baseline_path(const char *results, const char *name, char *buf, size_t len)
{
	if (!*name || strchr(name, '/') || name[0] == '.')
		return -1;
	snprintf(buf, len, "%s/baselines/%s", results, name);
	return 0;
}

int kmb_baseline_resolve(const char *results, const char *name, char *run, size_t len,
			 char *err, size_t errlen)
{
	char link[4200], target[PATH_MAX];
	const char *last;
	struct stat st;
	ssize_t n;

	err[0] = '\0';
	if (kmb_baseline_path(results, name, link, sizeof(link))) {
		snprintf(err, errlen, "invalid baseline name '%s'", name);
		errno = EINVAL;
		return -1;
	}
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		if (errno != ENOENT)
			snprintf(err, errlen, "baseline %s: %s: %s", name, link,
				 errno == EINVAL ? "not a link to a run" : strerror(errno));
		return -1;
	}
	target[n] = '\0';
	if (target[0] != '/')
		snprintf(run, len, "%s/baselines/%s", results, target);
	else if (stat(target, &st) == 0)
		snprintf(run, len, "%s", target);
	else {
		/* An older absolute link in a tree now mounted elsewhere. */
		last = strrchr(target, '/') + 1;
		snprintf(run, len, "%s/runs/%s", results, last);
	}
	if (stat(run, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "baseline %s: %s names no run directory%s", name, target,
			 target[0] == '/' ? " (nor is its run in the results tree's runs/)" : "");
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int kmb_result_open(const char *spec, const char *results, struct kmb_result *r, char *err,
		    size_t errlen)
{
	char baseline[4200], why[600] = "";
	bool name = !kmb_baseline_path(results, spec, baseline, sizeof(baseline));
	struct stat st;
	int ret;

	memset(r, 0, sizeof(*r));
	if (stat(spec, &st) == 0)
		ret = S_ISDIR(st.st_mode) ? open_dir(r, spec, err, errlen)
					  : open_file(r, spec, err, errlen);
	else if (name && !kmb_baseline_resolve(results, spec, baseline, sizeof(baseline), why,
					       sizeof(why)))
		ret = open_dir(r, baseline, err, errlen);
	else if (why[0]) {
		/* A baseline that is there but broken: say how. */
		snprintf(err, errlen, "%s", why);
		ret = -1;
	} else {
		snprintf(err, errlen,
			 "%s: no such run directory, bench.json or baseline (in %s/baselines)",
			 spec, results);
		ret = -1;
	}
	/* Nothing half-loaded survives an error. */
	if (ret)
		kmb_result_close(r);
	return ret;
}

void kmb_result_close(struct kmb_result *r)
{
	json_decref(r->manifest);
	json_decref(r->bench);
	json_decref(r->samples);
	json_decref(r->errors);
	memset(r, 0, sizeof(*r));
}
