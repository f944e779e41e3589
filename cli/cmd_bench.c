// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb bench: select benchmarks, record the environment, let Google Benchmark
 * run them with every repetition kept, and leave a run directory that is
 * either complete or marked so.
 */
#include "atomic.h"
#include "census.h"
#include "cli.h"
#include "family.h"
#include "knob.h"
#include "rundir.h"
#include "s390/pv_req.h"
#include "summary.h"
#include "util.h"

#include "config.h"
#include "kmb-version.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_REPETITIONS 10
#define QUICK_REPETITIONS 3

struct bench_opts {
	const char *filter;
	uint64_t sizes[KMB_MAX_SIZES];
	int nsizes;
	bool sizes_given;
	long repetitions;
	bool quick;
	bool interleave;
	const char *out;
	const char *results;
	const char *label;
	bool keep_knobs;
};

/* Temporary JSON output: deleted by the signal handler if we are stopped. */
static char gb_tmp_path[4300];

static void remove_tmp_output(void)
{
	if (gb_tmp_path[0])
		unlink(gb_tmp_path);
}

static void bench_usage(void)
{
	printf("usage: kmb bench [OPTIONS]\n\n"
	       "Run the microbenchmarks; write <results>/runs/<run-id>/ with manifest.json,\n"
	       "bench.json (Google Benchmark JSON, every repetition) and summary.json.\n\n"
	       "  -f, --filter REGEX     run only benchmarks whose name matches (extended regex)\n"
	       "  -s, --size LIST        memory sizes, e.g. 64M,1G (default: 64M,1G where they fit\n"
	       "                         in a quarter of available memory)\n"
	       "  -r, --repetitions N    samples per benchmark (default %d, --quick %d)\n"
	       "  -q, --quick            small sizes and few repetitions (a smoke run)\n"
	       "      --no-interleave    run each benchmark's repetitions back to back\n"
	       "  -o, --out DIR          write the run into DIR (must be empty or new)\n"
	       "  -R, --results DIR      results tree (default $KMB_RESULTS or ./results)\n"
	       "      --pv-image FILE    s390x Secure Execution image for the teardown_pv family\n"
	       "  -l, --label NAME       a name for the run, kept in manifest.json (\"label\")\n"
	       "      --keep-knobs       change no THP/KSM knob: a benchmark that needs one\n"
	       "                         changed is skipped (A/B runs of boot parameters)\n"
	       "  -h, --help             this help\n\n"
	       "Exit status: 0 every selected benchmark ran or was skipped with a reason,\n"
	       "1 a benchmark failed (its census or a call), 2 usage or harness error.\n"
	       "See 'kmb list' for the benchmarks and why any is skipped here.\n",
	       DEFAULT_REPETITIONS, QUICK_REPETITIONS);
}

static int parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "repetitions", required_argument, NULL, 'r' },
		{ "quick", no_argument, NULL, 'q' },
		{ "no-interleave", no_argument, NULL, 'I' },
		{ "out", required_argument, NULL, 'o' },
		{ "results", required_argument, NULL, 'R' },
		{ "pv-image", required_argument, NULL, 'P' },
		{ "label", required_argument, NULL, 'l' },
		{ "keep-knobs", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[512];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:s:r:qo:R:l:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->filter = optarg;
			break;
		case 's':
			o->nsizes = kmb_parse_size_list(optarg, o->sizes, KMB_MAX_SIZES, err,
							sizeof(err));
			if (o->nsizes < 0)
				return cli_usage_error("%s", err);
			o->sizes_given = true;
			break;
		case 'r':
			if (kmb_parse_uint(optarg, 1, 1000, &o->repetitions))
				return cli_usage_error("invalid repetitions '%s': expected 1..1000",
						       optarg);
			break;
		case 'q':
			o->quick = true;
			break;
		case 'I':
			o->interleave = false;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'R':
			o->results = optarg;
			break;
		case 'P':
			/* A bad image is a usage error on every host, s390x or not. */
			if (kmb_pv_image_check(optarg, err, sizeof(err))) {
				kmb_err("%s", err);
				return KMB_EXIT_USAGE;
			}
			setenv(KMB_PV_IMAGE_ENV, optarg, 1);
			break;
		case 'l': {
			json_t *utf8 = json_string(optarg);

			json_decref(utf8);
			if (!utf8 || !*optarg || strlen(optarg) > 200 ||
			    strpbrk(optarg, "\n\r\t"))
				return cli_usage_error("invalid label: 1 to 200 characters of "
						       "UTF-8 on one line");
			o->label = optarg;
			break;
		}
		case 'K':
			o->keep_knobs = true;
			break;
		case 'h':
			bench_usage();
			exit(KMB_EXIT_OK);
		default:
			return cli_getopt_error(c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

static void apply_defaults(struct bench_opts *o)
{
	if (!o->nsizes)
		o->nsizes = cli_default_sizes(o->sizes, KMB_MAX_SIZES, o->quick);
	if (!o->repetitions)
		o->repetitions = o->quick ? QUICK_REPETITIONS : DEFAULT_REPETITIONS;
	o->results = cli_results_root(o->results);
}

static json_t *sizes_json(const struct bench_opts *o)
{
	json_t *arr = json_array();
	char buf[32];
	int i;

	for (i = 0; i < o->nsizes; i++) {
		kmb_format_size(o->sizes[i], buf, sizeof(buf));
		json_array_append_new(arr, json_string(buf));
	}
	return arr;
}

/* The "bench" section of the manifest: what was asked for and what is skipped. */
static json_t *plan_json(const struct bench_opts *o, const struct kmb_selection *sel)
{
	json_t *selected = json_array(), *skipped = json_array();
	unsigned i;

	for (i = 0; i < sel->count; i++) {
		const struct kmb_instance *inst = &sel->items[i];

		if (inst->skip_reason[0])
			json_array_append_new(skipped,
					      json_pack("{s:s, s:s}", "name", inst->ctx.name,
							"reason", inst->skip_reason));
		else
			json_array_append_new(selected, json_string(inst->ctx.name));
	}
	return json_pack("{s:s?, s:o, s:i, s:b, s:b, s:o, s:o}", "filter", o->filter, "sizes",
			 sizes_json(o), "repetitions", (int)o->repetitions, "quick", o->quick,
			 "random_interleaving", o->interleave, "selected", selected, "skipped",
			 skipped);
}

static void print_plan(const struct kmb_selection *sel, const struct bench_opts *o,
		       const char *dir)
{
	unsigned i;

	printf("kmb bench: %u benchmark(s) to run, %u skipped, %ld repetition(s) each\n",
	       sel->runnable, sel->count - sel->runnable, o->repetitions);
	for (i = 0; i < sel->count; i++) {
		if (sel->items[i].skip_reason[0])
			printf("  skip %s: %s\n", sel->items[i].ctx.name,
			       sel->items[i].skip_reason);
	}
	printf("kmb bench: writing %s\n", dir);
	fflush(stdout);
}

static void add_context(const struct kmb_run *run)
{
	enum kmb_census_method method;
	char err[256];

	gb_add_context("kmb_run_id", run->id);
	gb_add_context("kmb_version", PACKAGE_VERSION);
	gb_add_context("kmb_git_commit", KMB_GIT_COMMIT);
	if (!kmb_census_probe(&method, err, sizeof(err)))
		gb_add_context("kmb_census_method", kmb_census_method_name(method));
}

/* Check Google Benchmark's output is whole, then move it into place. */
static int commit_bench_json(const struct kmb_run *run, json_t **out, char *err, size_t errlen)
{
	char path[4300];
	json_error_t jerr;
	json_t *doc = json_load_file(gb_tmp_path, 0, &jerr);

	if (!doc || !json_is_array(json_object_get(doc, "benchmarks"))) {
		snprintf(err, errlen, "benchmark output %s is not complete JSON: %s", gb_tmp_path,
			 doc ? "no \"benchmarks\" array" : jerr.text);
		json_decref(doc);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/bench.json", run->dir);
	if (kmb_commit_file(gb_tmp_path, path)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		json_decref(doc);
		return -1;
	}
	gb_tmp_path[0] = '\0';
	*out = doc;
	return 0;
}

static int run_benchmarks(struct kmb_run *run, const struct bench_opts *o,
			  struct kmb_selection *sel)
{
	struct gb_run_options gopts = {
		.repetitions = (int)o->repetitions,
		.random_interleaving = o->interleave,
	};
	json_t *doc = NULL, *summary;
	char err[512], path[4300];
	int failures;

	snprintf(path, sizeof(path), "%s/bench.json", run->dir);
	kmb_tmp_name(path, gb_tmp_path, sizeof(gb_tmp_path));
	gopts.json_out = gb_tmp_path;
	add_context(run);
	kmb_register_selection(sel);
	if (gb_run(&gopts) < 0 || commit_bench_json(run, &doc, err, sizeof(err))) {
		if (gb_tmp_path[0])
			kmb_err("%s", err[0] ? err : "Google Benchmark failed to run");
		remove_tmp_output();
		return -1;
	}
	summary = kmb_summary_build(doc);
	failures = kmb_summary_failures(summary);
	kmb_summary_print(summary, stdout);
	snprintf(path, sizeof(path), "%s/summary.json", run->dir);
	if (kmb_json_write_atomic(path, summary))
		kmb_perr("cannot write %s", path);
	json_object_set_new(run->manifest, "benchmark_failures", json_integer(failures));
	json_decref(summary);
	json_decref(doc);
	return failures;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o = { .interleave = true };
	struct kmb_select_opts sopts;
	struct kmb_selection sel;
	struct kmb_run run;
	char err[512];
	int ret, failures;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	apply_defaults(&o);
	sopts = (struct kmb_select_opts){ .filter = o.filter, .sizes = o.sizes,
					  .nsizes = o.nsizes, .sizes_given = o.sizes_given,
					  .quick = o.quick };
	if (kmb_select(&sopts, &sel, err, sizeof(err)))
		return cli_usage_error("%s", err);
	if (sel.count == 0) {
		kmb_selection_free(&sel);
		return cli_usage_error("no benchmark matches filter '%s'; 'kmb list' shows the names",
				       o.filter);
	}
	if (sel.runnable == 0) {
		print_plan(&sel, &o, "nothing");
		kmb_err("nothing to run: every matching benchmark is skipped on this host");
		kmb_selection_free(&sel);
		return KMB_EXIT_FAIL;
	}
	kmb_run_recover(o.results, true);
	if (kmb_run_create(&run, o.results, o.out, cli_capture_env(), "kmb bench", err,
			   sizeof(err))) {
		kmb_err("%s", err);
		kmb_selection_free(&sel);
		return KMB_EXIT_USAGE;
	}
	json_object_set_new(run.manifest, "bench", plan_json(&o, &sel));
	if (o.label)
		json_object_set_new(run.manifest, "label", json_string(o.label));
	if (o.keep_knobs)
		json_object_set_new(json_object_get(run.manifest, "bench"), "keep_knobs",
				    json_true());
	kmb_knob_keep(o.keep_knobs);
	kmb_knob_install_handlers(remove_tmp_output);
	if (kmb_run_save(&run, err, sizeof(err))) {
		kmb_err("%s", err);
		ret = KMB_EXIT_USAGE;
		goto out;
	}
	print_plan(&sel, &o, run.dir);
	failures = run_benchmarks(&run, &o, &sel);
	if (failures < 0) {
		kmb_run_finish(&run, "failed", err, sizeof(err));
		ret = KMB_EXIT_USAGE;
		goto out;
	}
	if (kmb_run_finish(&run, "complete", err, sizeof(err))) {
		kmb_err("%s", err);
		ret = KMB_EXIT_USAGE;
		goto out;
	}
	printf("kmb bench: run complete: %s\n", run.dir);
	ret = failures ? KMB_EXIT_FAIL : KMB_EXIT_OK;
out:
	kmb_run_close(&run);
	kmb_selection_free(&sel);
	return ret;
}
