// SPDX-License-Identifier: GPL-2.0-only
/* Per-host noise floors from A/A runs (calibrate.h). */
#include "calibrate.h"
#include "jsonload.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const json_t *env_of(const json_t *manifest)
{
	return json_object_get(manifest, "environment");
}

const char *kmb_calibration_host(const json_t *manifest)
{
	const char *label = json_string_value(json_object_get(env_of(manifest), "host_label"));

	return label ? label : json_string_value(json_object_get(env_of(manifest), "host"));
}

static const char *cpu_of(const json_t *manifest)
{
	return json_string_value(json_object_get(json_object_get(env_of(manifest), "cpu"), "model"));
}

int kmb_calibration_path(const char *results, const json_t *manifest, char *buf, size_t len)
{
	const char *host = kmb_calibration_host(manifest);
	char name[256];

	if (!host)
		return -1;
	snprintf(name, sizeof(name), "%s", host);
	kmb_sanitize_name(name);
	snprintf(buf, len, "%s/calibration/%s.json", results, name);
	return 0;
}

static double median_of(const json_t *metric)
{
	json_t *vals = json_object_get(metric, "values"), *v;
	size_t n = json_array_size(vals), i;
	double *x = calloc(n ? n : 1, sizeof(*x)), med;

	if (!x)
		return NAN;
	json_array_foreach(vals, i, v)
		x[i] = json_number_value(v);
	med = n ? kmb_stats_median(x, n) : NAN;
	free(x);
	return med;
}

/* The largest relative change of the metric's median between two of the runs. */
static double largest_change(const struct kmb_result *runs, size_t k, const char *bench,
			     const char *metric, size_t *seen)
{
	double worst = 0, a, b;
	size_t i, j;

	*seen = 0;
	for (i = 0; i < k; i++) {
		a = median_of(json_object_get(json_object_get(runs[i].samples, bench), metric));
		if (isnan(a) || a == 0)
			continue;
		(*seen)++;
		for (j = 0; j < k; j++) {
			b = median_of(json_object_get(json_object_get(runs[j].samples, bench),
						      metric));
			if (j != i && !isnan(b))
				worst = fmax(worst, fabs(b / a - 1));
		}
	}
	return worst;
}

static bool judged(const json_t *metric)
{
	return json_is_string(json_object_get(metric, "direction")) &&
	       !json_is_string(json_object_get(metric, "not_judged"));
}

json_t *kmb_calibrate(const struct kmb_result *runs, size_t k, double floor_min, char *err,
		      size_t errlen)
{
	json_t *floors = json_object(), *changes = json_object(), *ids = json_array(),
	       *kernels = json_array(), *metrics, *m;
	const char *host, *cpu, *bench, *metric;
	char now[32];
	size_t i, seen;

	if (k < 2) {
		snprintf(err, errlen, "calibration needs at least two runs of the same kernel");
		goto fail;
	}
	host = kmb_calibration_host(runs[0].manifest);
	cpu = cpu_of(runs[0].manifest);
	for (i = 0; i < k; i++) {
		const char *h = kmb_calibration_host(runs[i].manifest), *c = cpu_of(runs[i].manifest);

		if (!host || !h || strcmp(h, host) || !cpu || !c || strcmp(c, cpu)) {
			snprintf(err, errlen, "%s: not a run of host %s with CPU %s (it is %s, %s)",
				 runs[i].path, host ? host : "?", cpu ? cpu : "?", h ? h : "?",
				 c ? c : "?");
			goto fail;
		}
		json_array_append_new(ids, json_string(json_string_value(
						   json_object_get(runs[i].manifest, "run_id")) ?: "?"));
		json_array_append(kernels, json_object_get(json_object_get(env_of(runs[i].manifest),
									   "kernel"),
							   "release"));
	}
	json_object_foreach(runs[0].samples, bench, metrics) {
		json_object_foreach(metrics, metric, m) {
			double worst;

			if (!judged(m))
				continue;
			worst = largest_change(runs, k, bench, metric, &seen);
			if (seen < 2)
				continue;
			if (!json_object_get(floors, bench)) {
				json_object_set_new(floors, bench, json_object());
				json_object_set_new(changes, bench, json_object());
			}
			json_object_set_new(json_object_get(floors, bench), metric,
					    json_real(fmax(floor_min, KMB_CALIBRATION_MARGIN * worst)));
			json_object_set_new(json_object_get(changes, bench), metric, json_real(worst));
		}
	}
	kmb_utc_iso8601(now, sizeof(now));
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:o, s:o, s:f, s:f, s:o, s:o}", "format",
			 KMB_CALIBRATION_FORMAT, "schema_version", KMB_CALIBRATION_SCHEMA, "host",
			 host, "cpu", cpu, "created", now, "runs", ids, "kernels", kernels, "margin",
			 KMB_CALIBRATION_MARGIN, "floor_min", floor_min, "floors", floors,
			 "largest_change", changes);
fail:
	json_decref(floors);
	json_decref(changes);
	json_decref(ids);
	json_decref(kernels);
	return NULL;
}

json_t *kmb_calibration_for(const char *results, const struct kmb_result *base,
			    const struct kmb_result *cand, char *note, size_t notelen)
{
	const char *hb = kmb_calibration_host(base->manifest),
		   *hc = kmb_calibration_host(cand->manifest);
	char path[4300], err[512];
	json_t *doc, *floors = NULL;

	note[0] = '\0';
	if (!hb || !hc || strcmp(hb, hc) ||
	    kmb_calibration_path(results, base->manifest, path, sizeof(path)))
		return NULL;
	doc = kmb_json_load(path, KMB_JSON_MAX_BYTES, NULL, err, sizeof(err));
	if (!doc)
		return NULL;
	if (strcmp(json_string_value(json_object_get(doc, "format")) ?: "", KMB_CALIBRATION_FORMAT) ||
	    json_integer_value(json_object_get(doc, "schema_version")) != KMB_CALIBRATION_SCHEMA) {
		snprintf(note, notelen, "%s is not a calibration this kmb reads: ignored", path);
	} else if (!cpu_of(base->manifest) || !json_is_string(json_object_get(doc, "cpu")) ||
		   strcmp(cpu_of(base->manifest), json_string_value(json_object_get(doc, "cpu")))) {
		snprintf(note, notelen, "%s is for another CPU model: ignored", path);
	} else {
		floors = json_incref(json_object_get(doc, "floors"));
		snprintf(note, notelen,
			 "noise floors from kmb calibrate: %zu A/A runs of %s, %s (%s)",
			 json_array_size(json_object_get(doc, "runs")), hb,
			 json_string_value(json_object_get(doc, "created")) ?: "?", path);
	}
	json_decref(doc);
	return floors;
}
