// SPDX-License-Identifier: GPL-2.0-only
/*
 * A metric is read the way its benchmark declared it: a family that adds a
 * counter with GB_HIGHER_IS_BETTER or GB_LOWER_IS_BETTER gets it judged by
 * kmb compare in that direction, with nothing to change in report/; a
 * counter declared plain is never judged; a file without declarations
 * (written by another tool) falls back to the metric's name.
 */
#include "check.h"
#include "compare.h"
#include "gbench.h"
#include "metric.h"
#include "results.h"

#include <jansson.h>
#include <stdlib.h>

static void run_fixture(gb_state *st, void *data)
{
	int *rep = data;

	while (gb_keep_running(st))
		gb_set_iteration_time(st, 0.001);
	/* Steady values, so the verdicts do not hang on noise. */
	gb_counter(st, "widgets_made", 1000 + *rep, GB_HIGHER_IS_BETTER);
	gb_counter(st, "mystery_cost", 50 + 0.01 * *rep, GB_LOWER_IS_BETTER);
	gb_counter(st, "census_thing", 7, GB_COUNTER_PLAIN);
	(*rep)++;
}

/* Every sample of a metric in doc scaled by factor. */
static void scale_in(json_t *doc, const char *metric, double factor)
{
	json_t *b;
	size_t i;

	json_array_foreach(json_object_get(doc, "benchmarks"), i, b) {
		json_t *v = json_object_get(b, metric);

		if (json_is_number(v))
			json_object_set_new(b, metric, json_real(json_number_value(v) * factor));
	}
}

/* The run's document, with every sample of a metric scaled by factor. */
static json_t *scaled(const char *text, const char *metric, double factor)
{
	json_t *doc = json_loads(text, 0, NULL);

	scale_in(doc, metric, factor);
	return doc;
}

static json_t *row_of(const json_t *report, const char *metric)
{
	const json_t *row;
	size_t i;

	json_array_foreach(json_object_get(report, "metrics"), i, row) {
		if (!strcmp(json_string_value(json_object_get(row, "metric")), metric))
			return (json_t *)row;
	}
	return NULL;
}

static const char *verdict_of(const json_t *report, const char *metric)
{
	return json_string_value(json_object_get(row_of(report, metric), "verdict"));
}

static json_t *compare_docs(json_t *a, json_t *b)
{
	struct kmb_result base = { 0 }, cand = { 0 };
	struct kmb_compare_opts o;
	char err[512] = "";
	json_t *report;

	kmb_compare_defaults(&o);
	CHECK(!kmb_result_read_bench(a, "base", &base.samples, &base.errors, err, sizeof(err)));
	CHECK(!kmb_result_read_bench(b, "cand", &cand.samples, &cand.errors, err, sizeof(err)));
	report = kmb_compare(&base, &cand, &o, err, sizeof(err));
	if (!report)
		fprintf(stderr, "compare: %s\n", err);
	kmb_result_close(&base);
	kmb_result_close(&cand);
	return report;
}

/* A file kmb did not write: no "kmb_metric_direction:" keys in its context. */
static void strip_declarations(json_t *doc)
{
	json_t *ctx = json_object_get(doc, "context"), *v;
	const char *key;
	void *tmp;

	json_object_foreach_safe(ctx, tmp, key, v) {
		if (!strncmp(key, KMB_METRIC_DIRECTION_KEY, strlen(KMB_METRIC_DIRECTION_KEY)))
			json_object_del(ctx, key);
	}
}

int main(void)
{
	char *text = NULL;
	struct gb_run_options opts = { .repetitions = 8, .json = &text };
	json_t *base, *cand, *report;
	gb_bench *b;
	int rep = 0;

	b = gb_register("fixture/new_counters", run_fixture, &rep);
	gb_use_manual_time(b);
	gb_iterations(b, 1);
	CHECK(gb_run(&opts) == 1);
	CHECK(text != NULL);
	if (!text)
		CHECK_DONE();

	/* Fewer widgets and a higher cost: both are worse, each in its own direction. */
	base = json_loads(text, 0, NULL);
	cand = scaled(text, "widgets_made", 0.5);
	scale_in(cand, "mystery_cost", 2);
	report = compare_docs(base, cand);
	CHECK(report != NULL);
	CHECK_STREQ(verdict_of(report, "widgets_made"), "regression");
	CHECK_STREQ(json_string_value(json_object_get(row_of(report, "widgets_made"), "direction")),
		    "higher");
	CHECK_STREQ(verdict_of(report, "mystery_cost"), "regression");
	CHECK_STREQ(json_string_value(json_object_get(row_of(report, "mystery_cost"), "direction")),
		    "lower");
	CHECK_STREQ(verdict_of(report, "census_thing"), "not judged");
	json_decref(report);

	/* The other way round both are improvements. */
	report = compare_docs(cand, base);
	CHECK_STREQ(verdict_of(report, "widgets_made"), "improvement");
	CHECK_STREQ(verdict_of(report, "mystery_cost"), "improvement");
	json_decref(report);

	/* Without the declarations the names say nothing: not judged. */
	strip_declarations(base);
	strip_declarations(cand);
	report = compare_docs(base, cand);
	CHECK_STREQ(verdict_of(report, "widgets_made"), "not judged");
	CHECK_STREQ(verdict_of(report, "mystery_cost"), "not judged");
	/* ... while a name with a known suffix still is (real_time: lower). */
	CHECK(row_of(report, "real_time") != NULL);
	json_decref(report);

	json_decref(base);
	json_decref(cand);
	free(text);
	CHECK_DONE();
}
