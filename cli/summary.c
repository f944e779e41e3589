// SPDX-License-Identifier: GPL-2.0-only
#include "summary.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SKIP_PREFIX "skipped: "

static json_t *entry_for(json_t *by_name, const json_t *bench)
{
	const char *full = json_string_value(json_object_get(bench, "run_name"));
	char name[256];
	json_t *entry;

	if (!full)
		full = json_string_value(json_object_get(bench, "name"));
	if (!full)
		return NULL;
	kmb_bench_base_name(full, name, sizeof(name));
	entry = json_object_get(by_name, name);
	if (!entry) {
		entry = json_pack("{s:s, s:[], s:[], s:O?}", "name", name, "real_time", "ns_per_page",
				  "time_unit", json_object_get(bench, "time_unit"));
		json_object_set_new(by_name, name, entry);
	}
	return entry;
}

static void add_sample(json_t *entry, const json_t *bench)
{
	const char *msg = json_string_value(json_object_get(bench, "error_message"));
	json_t *npp = json_object_get(bench, "ns_per_page");

	if (json_is_true(json_object_get(bench, "error_occurred"))) {
		if (msg && !strncmp(msg, SKIP_PREFIX, strlen(SKIP_PREFIX)))
			json_object_set_new(entry, "skipped",
					    json_string(msg + strlen(SKIP_PREFIX)));
		else
			json_object_set_new(entry, "error", json_string(msg ? msg : "error"));
		return;
	}
	json_array_append(json_object_get(entry, "real_time"), json_object_get(bench, "real_time"));
	if (json_is_number(npp))
		json_array_append(json_object_get(entry, "ns_per_page"), npp);
}

/* Replace a sample array by {median, cov, n}. */
static json_t *describe(const json_t *samples)
{
	size_t n = json_array_size(samples), i;
	double *v = calloc(n ? n : 1, sizeof(*v)), median, cov;
	json_t *out;

	for (i = 0; v && i < n; i++)
		v[i] = json_number_value(json_array_get(samples, i));
	median = v ? kmb_stats_median(v, n) : NAN;
	cov = v ? kmb_stats_cov(v, n) : NAN;
	free(v);
	out = json_pack("{s:i}", "n", (int)n);
	if (!isnan(median))
		json_object_set_new(out, "median", json_real(median));
	if (!isnan(cov))
		json_object_set_new(out, "cov", json_real(cov));
	return out;
}

/* "zeropage/unshare_write_fault/1G" -> median ns_per_page, NAN if absent. */
static double median_npp(const json_t *benches, const char *name)
{
	json_t *b = json_object_get(benches, name);

	return json_is_number(json_object_get(json_object_get(b, "ns_per_page"), "median"))
		       ? json_number_value(
				 json_object_get(json_object_get(b, "ns_per_page"), "median"))
		       : NAN;
}

static const char *size_suffix(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash ? slash + 1 : NULL;
}

static void add_floor_ratio(json_t *benches, const char *name, json_t *b)
{
	const char *size = size_suffix(name);
	char floor_name[256];
	double floor, npp = median_npp(benches, name);

	if (!size || !strncmp(name, "reference/", 10) || isnan(npp))
		return;
	snprintf(floor_name, sizeof(floor_name), "reference/clear_pages/%s", size);
	floor = median_npp(benches, floor_name);
	if (!isnan(floor) && floor > 0)
		json_object_set_new(b, "floor_ratio", json_real(npp / floor));
}

static json_t *derive(json_t *benches)
{
	json_t *derived = json_array(), *b;
	const char *name;

	json_object_foreach(benches, name, b) {
		char fresh[256];
		double unshare, base;

		add_floor_ratio(benches, name, b);
		if (strncmp(name, "zeropage/unshare_write_fault/", 29))
			continue;
		snprintf(fresh, sizeof(fresh), "zeropage/write_fault_fresh/%s", name + 29);
		unshare = median_npp(benches, name);
		base = median_npp(benches, fresh);
		if (isnan(unshare) || isnan(base))
			continue;
		json_array_append_new(derived,
				      json_pack("{s:s, s:s, s:f, s:s, s:s}", "name",
						"zeropage unshare overhead", "size", name + 29,
						"ns_per_page", unshare - base, "from", name, "minus",
						fresh));
	}
	return derived;
}

json_t *kmb_summary_build(const json_t *bench_doc)
{
	json_t *benches = json_object(), *bench, *entry;
	const char *name;
	size_t i;
	int failures = 0;

	json_array_foreach(json_object_get(bench_doc, "benchmarks"), i, bench) {
		const char *type = json_string_value(json_object_get(bench, "run_type"));

		if (type && !strcmp(type, "aggregate"))
			continue;
		entry = entry_for(benches, bench);
		if (entry)
			add_sample(entry, bench);
	}
	json_object_foreach(benches, name, entry) {
		json_object_set_new(entry, "real_time",
				    describe(json_object_get(entry, "real_time")));
		json_object_set_new(entry, "ns_per_page",
				    describe(json_object_get(entry, "ns_per_page")));
		if (json_object_get(entry, "error"))
			failures++;
	}
	return json_pack("{s:o, s:o, s:i}", "derived", derive(benches), "benchmarks", benches,
			 "failures", failures);
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
