// SPDX-License-Identifier: GPL-2.0-only
/* The run's summary (summary.h). */
#include "summary.h"
#include "metric.h"
#include "results.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SKIP_PREFIX "skipped: "

/* {n, median, cov} of one metric's samples; n 0 when there are none. */
static json_t *describe(const json_t *metric)
{
	json_t *arr = json_object_get(metric, "values"), *v;
	size_t n = json_array_size(arr), i;
	double *x = calloc(n ? n : 1, sizeof(*x));
	json_t *out = json_pack("{s:i}", "n", (int)n);

	json_array_foreach(arr, i, v)
		if (x)
			x[i] = json_number_value(v);
	if (x && n) {
		json_object_set_new(out, "median", json_real(kmb_stats_median(x, n)));
		if (!isnan(kmb_stats_cov(x, n)))
			json_object_set_new(out, "cov", json_real(kmb_stats_cov(x, n)));
	}
	free(x);
	return out;
}

static double median_of(const json_t *benches, const char *bench, const char *metric)
{
	json_t *v = json_object_get(json_object_get(json_object_get(benches, bench), metric),
				    "median");

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* "reference/clear_pages" + the size of "zeropage/read_fault/1G" = ".../1G". */
static void at_same_size(const char *base, const char *like, char *buf, size_t len)
{
	const char *slash = strrchr(like, '/');

	snprintf(buf, len, "%s%s", base, slash ? slash : "");
}

static void add_floor_ratios(json_t *benches, const char *floor)
{
	json_t *b;
	const char *name;
	char floor_name[300];

	json_object_foreach(benches, name, b) {
		double npp = median_of(benches, name, "ns_per_page"), f;

		if (!strncmp(name, floor, strlen(floor)) || isnan(npp) || !strchr(name, '/'))
			continue;
		at_same_size(floor, name, floor_name, sizeof(floor_name));
		f = median_of(benches, floor_name, "ns_per_page");
		if (!isnan(f) && f > 0)
			json_object_set_new(b, "floor_ratio", json_real(npp / f));
	}
}

/* One declared difference at every size both of its benchmarks ran at. */
static void add_difference(json_t *derived, const json_t *benches, const char *figure,
			   const char *spec)
{
	const char *minus = strstr(spec, KMB_SUMMARY_MINUS), *name;
	char from[256], other[300];
	json_t *b;

	if (!minus || (size_t)(minus - spec) >= sizeof(from))
		return;
	snprintf(from, sizeof(from), "%.*s/", (int)(minus - spec), spec);
	minus += strlen(KMB_SUMMARY_MINUS);
	json_object_foreach((json_t *)benches, name, b) {
		double a, c;

		if (strncmp(name, from, strlen(from)))
			continue;
		at_same_size(minus, name, other, sizeof(other));
		a = median_of(benches, name, "ns_per_page");
		c = median_of(benches, other, "ns_per_page");
		if (isnan(a) || isnan(c))
			continue;
		json_array_append_new(derived,
				      json_pack("{s:s, s:s, s:f, s:s, s:s}", "name", figure, "size",
						name + strlen(from), "ns_per_page", a - c, "from",
						name, "minus", other));
	}
}

static json_t *derive(json_t *benches, const json_t *context)
{
	json_t *derived = json_array(), *v;
	const char *key, *floor = json_string_value(json_object_get(context, KMB_SUMMARY_FLOOR_KEY));

	if (floor)
		add_floor_ratios(benches, floor);
	json_object_foreach((json_t *)context, key, v) {
		if (!strncmp(key, KMB_SUMMARY_DERIVED_KEY, strlen(KMB_SUMMARY_DERIVED_KEY)) &&
		    json_is_string(v))
			add_difference(derived, benches, key + strlen(KMB_SUMMARY_DERIVED_KEY),
				       json_string_value(v));
	}
	return derived;
}

json_t *kmb_summary_build(json_t *bench_doc, char *err, size_t errlen)
{
	json_t *samples = NULL, *errors = NULL, *benches = json_object(), *b, *msg;
	const char *name, *text;
	int failures = 0;

	if (kmb_result_read_bench(bench_doc, "bench.json", &samples, &errors, err, errlen)) {
		json_decref(benches);
		return NULL;
	}
	json_object_foreach(samples, name, b) {
		json_t *rt = json_object_get(b, "real_time");

		json_object_set_new(benches, name,
				    json_pack("{s:s, s:O?, s:o, s:o}", "name", name, "time_unit",
					      json_object_get(rt, "unit"), "real_time",
					      describe(rt), "ns_per_page",
					      describe(json_object_get(b, "ns_per_page"))));
	}
	json_object_foreach(errors, name, msg) {
		text = json_string_value(msg);
		b = json_object_get(benches, name);
		if (!b) {
			b = json_pack("{s:s}", "name", name);
			json_object_set_new(benches, name, b);
		}
		if (text && !strncmp(text, SKIP_PREFIX, strlen(SKIP_PREFIX))) {
			json_object_set_new(b, "skipped", json_string(text + strlen(SKIP_PREFIX)));
		} else {
			json_object_set_new(b, "error", json_string(text ? text : "error"));
			failures++;
		}
	}
	json_decref(samples);
	json_decref(errors);
	return json_pack("{s:o, s:o, s:i}", "derived",
			 derive(benches, json_object_get(bench_doc, "context")), "benchmarks",
			 benches, "failures", failures);
}

int kmb_summary_failures(const json_t *summary)
{
	return (int)json_integer_value(json_object_get(summary, "failures"));
}

static double field(const json_t *entry, const char *stat, const char *key)
{
	json_t *v = json_object_get(json_object_get(entry, stat), key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void print_row(FILE *out, const char *name, const json_t *e)
{
	const char *unit = json_string_value(json_object_get(e, "time_unit"));
	json_t *ratio = json_object_get(e, "floor_ratio");
	char floor[32] = "-";

	if (json_is_number(ratio))
		snprintf(floor, sizeof(floor), "%.1fx", json_number_value(ratio));
	fprintf(out, "%-44s %4d %10.3f %-3s %10.1f %6.1f%% %7s\n", name,
		(int)json_integer_value(json_object_get(json_object_get(e, "real_time"), "n")),
		field(e, "real_time", "median"), unit ? unit : "", field(e, "ns_per_page", "median"),
		100 * field(e, "ns_per_page", "cov"), floor);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names in sorted order: repetitions run interleaved, so first-seen is random. */
static const char **sorted_names(const json_t *benches, size_t *n)
{
	const char **names = calloc(json_object_size(benches) + 1, sizeof(*names));
	const char *name;
	json_t *e;

	*n = 0;
	if (!names)
		return NULL;
	json_object_foreach((json_t *)benches, name, e)
		names[(*n)++] = name;
	qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

void kmb_summary_print(const json_t *summary, FILE *out)
{
	json_t *benches = json_object_get(summary, "benchmarks"), *e;
	const char **names, *msg;
	size_t i, n;

	fprintf(out, "\n%-44s %4s %10s %-3s %10s %7s %7s\n", "benchmark", "reps", "median", "",
		"ns/page", "CoV", "x floor");
	names = sorted_names(benches, &n);
	for (i = 0; names && i < n; i++) {
		e = json_object_get(benches, names[i]);
		if ((msg = json_string_value(json_object_get(e, "error"))))
			fprintf(out, "%-44s FAILED: %s\n", names[i], msg);
		else if ((msg = json_string_value(json_object_get(e, "skipped"))))
			fprintf(out, "%-44s skipped: %s\n", names[i], msg);
		else
			print_row(out, names[i], e);
	}
	free(names);
	json_array_foreach(json_object_get(summary, "derived"), i, e) {
		fprintf(out, "%s at %s: %.1f ns/page (%s minus %s)\n",
			json_string_value(json_object_get(e, "name")),
			json_string_value(json_object_get(e, "size")),
			json_number_value(json_object_get(e, "ns_per_page")),
			json_string_value(json_object_get(e, "from")),
			json_string_value(json_object_get(e, "minus")));
	}
	fprintf(out, "x floor: ns/page over reference/clear_pages at the same size\n");
}
