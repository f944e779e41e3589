// SPDX-License-Identifier: GPL-2.0-only
/*
 * The C interface to Google Benchmark: a benchmark written in C registers,
 * runs its loop with manual time, and its counters, label, skip message and
 * context reach the JSON output with every repetition kept.
 */
#include "check.h"
#include "gbench.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>

static int loops;

static void run_counted(gb_state *st, void *data)
{
	int *calls = data;
	int64_t n = 0;

	(*calls)++;
	while (gb_keep_running(st)) {
		gb_set_iteration_time(st, 0.001 * (double)gb_range(st, 0));
		n++;
		loops++;
	}
	gb_counter(st, "ns_per_page", 42.5, GB_COUNTER_PLAIN);
	gb_counter(st, "pages", (double)n * 10, GB_COUNTER_AVG_ITERATIONS);
	gb_counter(st, "items", (double)n, GB_COUNTER_RATE);
	gb_set_label(st, "census:test");
}

static void run_skipped(gb_state *st, void *data)
{
	(void)data;
	gb_skip(st, "needs nothing that exists");
	while (gb_keep_running(st))
		gb_set_iteration_time(st, 0);
}

static void run_failing(gb_state *st, void *data)
{
	(void)data;
	while (gb_keep_running(st)) {
		gb_set_iteration_time(st, 0);
		gb_error(st, "census after: expected x, found y");
	}
}

/*
 * Fails its first repetition only, as a census can under load. With Google
 * Benchmark 1.7 running the repetitions itself, the aggregates were then
 * computed from an uninitialised pointer of the failed first run.
 */
static json_t *find(json_t *benches, const char *prefix, int repetition);

static void run_first_fails(gb_state *st, void *data)
{
	int *calls = data;

	while (gb_keep_running(st)) {
		gb_set_iteration_time(st, 0.001);
		if (*calls == 0)
			gb_error(st, "first repetition failed");
	}
	if (!gb_failed(st))
		gb_counter(st, "ns_per_page", 7, GB_COUNTER_PLAIN);
	(*calls)++;
}

struct seen {
	int runs;
	int errors;
	int max_round;
};

static void on_run(const struct gb_run_result *r, void *arg)
{
	struct seen *seen = arg;
	bool found;

	seen->runs++;
	seen->errors += r->error;
	if (r->round > seen->max_round)
		seen->max_round = r->round;
	if (!r->error && !strcmp(r->name, "c_api/first_fails"))
		CHECK(gb_result_counter(r, "ns_per_page", &found) == 7 && found);
}

static void test_failed_first_repetition(void)
{
	struct seen seen = { 0, 0, -1 };
	char *text = NULL;
	struct gb_run_options opts = {
		.repetitions = 3, .random_interleaving = true, .progress = on_run, .arg = &seen,
		.json = &text,
	};
	json_t *doc, *b;
	int calls = 0, rep;
	gb_bench *bench;

	gb_clear();
	bench = gb_register("c_api/first_fails", run_first_fails, &calls);
	gb_use_manual_time(bench);
	gb_iterations(bench, 1);
	CHECK(gb_run(&opts) == 1);
	CHECK(calls == 3);
	CHECK(seen.runs == 3 && seen.errors == 1 && seen.max_round == 2);
	doc = text ? json_loads(text, 0, NULL) : NULL;
	CHECK(doc != NULL);
	for (rep = 0; doc && rep < 3; rep++) {
		b = find(json_object_get(doc, "benchmarks"), "c_api/first_fails", rep);
		CHECK(b != NULL);
		CHECK(json_is_true(json_object_get(b, "error_occurred")) == (rep == 0));
		CHECK(json_integer_value(json_object_get(b, "repetitions")) == 3);
	}
	json_decref(doc);
	free(text);
	gb_clear();
}

static json_t *find(json_t *benches, const char *prefix, int repetition)
{
	size_t i;
	json_t *b;

	json_array_foreach(benches, i, b) {
		const char *name = json_string_value(json_object_get(b, "name"));
		json_t *rep = json_object_get(b, "repetition_index");

		if (name && !strncmp(name, prefix, strlen(prefix)) &&
		    json_integer_value(rep) == repetition)
			return b;
	}
	return NULL;
}

int main(void)
{
	char *text = NULL;
	struct gb_run_options opts = { .repetitions = 3, .json = &text };
	json_t *doc, *benches, *b;
	int calls = 0, rep;
	gb_bench *bench;

	test_failed_first_repetition();
	bench = gb_register("c_api/counted", run_counted, &calls);
	gb_arg(bench, 2);
	gb_use_manual_time(bench);
	gb_iterations(bench, 5);
	gb_time_unit(bench, GB_MS);
	gb_register("c_api/skipped", run_skipped, NULL);
	gb_register("c_api/failing", run_failing, NULL);
	gb_add_context("kmb_test_key", "kmb_test_value");
	CHECK(gb_run(&opts) == 3);

	CHECK(calls == 3);		/* one call per repetition */
	CHECK(loops == 15);		/* 5 iterations each */
	doc = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	CHECK(doc != NULL);
	if (!doc)
		CHECK_DONE();
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(doc, "context"),
						      "kmb_test_key")),
		    "kmb_test_value");
	benches = json_object_get(doc, "benchmarks");
	for (rep = 0; rep < 3; rep++) {
		b = find(benches, "c_api/counted", rep);
		CHECK(b != NULL);
		if (!b)
			continue;
		CHECK(json_number_value(json_object_get(b, "ns_per_page")) == 42.5);
		CHECK(json_number_value(json_object_get(b, "pages")) == 10);	/* 50 / 5 */
		CHECK(json_integer_value(json_object_get(b, "iterations")) == 5);
		/* Manual time of 2 ms per iteration, in milliseconds. */
		CHECK(json_number_value(json_object_get(b, "real_time")) > 1.99 &&
		      json_number_value(json_object_get(b, "real_time")) < 2.01);
		CHECK_STREQ(json_string_value(json_object_get(b, "time_unit")), "ms");
		CHECK_STREQ(json_string_value(json_object_get(b, "label")), "census:test");
		CHECK(json_number_value(json_object_get(b, "items")) > 0);
	}
	/* Aggregates are left out of the file: samples only. */
	CHECK(find(benches, "c_api/counted/2/iterations:5/manual_time_mean", 0) == NULL);
	b = find(benches, "c_api/skipped", 0);
	CHECK(b && json_is_true(json_object_get(b, "error_occurred")));
	CHECK_STREQ(json_string_value(json_object_get(b, "error_message")),
		    "skipped: needs nothing that exists");
	b = find(benches, "c_api/failing", 0);
	CHECK(b && json_is_true(json_object_get(b, "error_occurred")));
	CHECK_STREQ(json_string_value(json_object_get(b, "error_message")),
		    "census after: expected x, found y");
	CHECK(strlen(gb_library_build_type()) > 0);
	CHECK(strcmp(gb_library_build_type(), "unknown") != 0);
	json_decref(doc);
	CHECK_DONE();
}
