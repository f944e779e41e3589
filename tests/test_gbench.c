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
#include <unistd.h>

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
	char path[] = "/tmp/kmb-test-gbench.XXXXXX";
	struct gb_run_options opts = { .repetitions = 3, .quiet = true };
	json_t *doc, *benches, *b;
	int calls = 0, fd, rep;
	gb_bench *bench;

	fd = mkstemp(path);
	if (fd < 0)
		CHECK_SKIP("mkstemp failed");
	close(fd);
	opts.json_out = path;
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
	doc = json_load_file(path, 0, NULL);
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
	unlink(path);
	CHECK_DONE();
}
