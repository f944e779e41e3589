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
#include "fatal.h"
#include "knob.h"
#include "rundir.h"
#include "s390/pv_req.h"
#include "summary.h"
#include "util.h"

#include "config.h"
#include "kmb-version.h"

#include <errno.h>
#include <limits.h>
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
	bool verbose;
	const char *out;
	const char *results;
	const char *pv_image;
	const char *run_dir_file;
};

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
	       "  -v, --verbose          also show Google Benchmark's console output\n"
	       "  -o, --out DIR          write the run into DIR (must be empty or new)\n"
	       "  -R, --results DIR      results tree (default $KMB_RESULTS or ./results)\n"
	       "      --host-label NAME  this machine's name in the results (default\n"
	       "                         $KMB_HOST_LABEL, else <hostname>-<machine-id hash>)\n"
	       "      --run-dir-file FILE  write the run directory's path into FILE (for scripts)\n"
	       "      --pv-image FILE    s390x Secure Execution image for the teardown_pv family\n"
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
		{ "verbose", no_argument, NULL, 'v' },
		{ "out", required_argument, NULL, 'o' },
		{ "results", required_argument, NULL, 'R' },
		{ "pv-image", required_argument, NULL, 'P' },
		{ "run-dir-file", required_argument, NULL, 'D' },
		{ "host-label", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[512];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:s:r:qvo:R:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->filter = optarg;
			break;
		case 's':
			o->nsizes = kmb_parse_size_list(optarg, o->sizes, KMB_MAX_SIZES, err,
							sizeof(err));
			if (o->nsizes < 0)
				return cli_usage_error("%s", err);
			if (cli_check_sizes(o->sizes, o->nsizes))
				return KMB_EXIT_USAGE;
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
		case 'v':
			o->verbose = true;
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
			o->pv_image = optarg;
			break;
		case 'D':
			o->run_dir_file = optarg;
			break;
		case 'H':
			if (cli_host_label_option(optarg))
				return KMB_EXIT_USAGE;
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
		o->nsizes = kmb_default_sizes(o->quick, o->sizes, KMB_MAX_SIZES);
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
/* The capabilities an instance needs, by name: compare tells zeropage benchmarks apart by them. */
static json_t *needs_json(const struct kmb_instance *inst)
{
	json_t *arr = json_array();
	int cap;

	for (cap = 0; cap < KMB_CAP_COUNT; cap++) {
		if (inst->ctx.def->needs & KMB_NEED(cap))
			json_array_append_new(arr, json_string(kmb_cap_name(cap)));
	}
	return arr;
}

static json_t *plan_json(const struct bench_opts *o, const struct kmb_selection *sel)
{
	json_t *selected = json_array(), *skipped = json_array(), *needs = json_object();
	unsigned i;

	for (i = 0; i < sel->count; i++) {
		const struct kmb_instance *inst = &sel->items[i];

		json_object_set_new(needs, inst->ctx.name, needs_json(inst));
		if (inst->skip_reason[0])
			json_array_append_new(skipped,
					      json_pack("{s:s, s:s}", "name", inst->ctx.name,
							"reason", inst->skip_reason));
		else
			json_array_append_new(selected, json_string(inst->ctx.name));
	}
	return json_pack("{s:s?, s:o, s:i, s:b, s:b, s:o, s:o, s:o}", "filter", o->filter,
			 "sizes", sizes_json(o), "repetitions", (int)o->repetitions, "quick",
			 o->quick, "random_interleaving", o->interleave, "selected", selected,
			 "skipped", skipped, "needs", needs);
}

static void print_plan(const struct kmb_selection *sel, const struct bench_opts *o,
		       const char *dir)
{
	printf("kmb bench: %u benchmark(s) to run, %u skipped, %ld repetition(s) each\n",
	       sel->runnable, sel->count - sel->runnable, o->repetitions);
	cli_print_skip_groups(sel, stdout);
	printf("kmb bench: writing %s\n", dir);
	fflush(stdout);
}

/* Progress: one line per round of repetitions, with what failed in it. */
struct progress {
	int rounds;
	int round;	/* the round being run */
	unsigned runs;	/* repetitions finished */
	unsigned total; /* repetitions planned */
	unsigned errors;
	uint64_t start_ns;
};

static void on_run(const struct gb_run_result *r, void *arg)
{
	struct progress *p = arg;
	double elapsed;

	p->runs++;
	if (r->error && strncmp(r->message, "skipped: ", 9)) {
		p->errors++;
		printf("  FAILED %s (repetition %d): %s\n", r->name, r->repetition + 1, r->message);
	}
	if (p->runs % (p->total / (unsigned)p->rounds ? p->total / (unsigned)p->rounds : 1) &&
	    p->runs != p->total)
		return;
	elapsed = (double)(kmb_now_ns() - p->start_ns) / 1e9;
	printf("kmb bench: round %d/%d done, %u/%u repetitions, %u failed, %.0f s elapsed, "
	       "about %.0f s left\n",
	       r->round + 1, p->rounds, p->runs, p->total, p->errors, elapsed,
	       elapsed / p->runs * (p->total - p->runs));
	fflush(stdout);
}

/* "N ran, N skipped, N failed" over the instances of the selection. */
static void print_counts(const struct kmb_selection *sel, const json_t *summary)
{
	json_t *benches = json_object_get(summary, "benchmarks"), *e;
	unsigned ran = 0, skipped = sel->count - sel->runnable, failed = 0;
	const char *name;

	json_object_foreach(benches, name, e) {
		if (json_object_get(e, "error"))
			failed++;
		else if (json_object_get(e, "skipped"))
			skipped++;
		else
			ran++;
	}
	printf("kmb bench: %u ran, %u skipped, %u failed\n", ran, skipped, failed);
}

static void add_context(const struct kmb_rundir *run)
{
	enum kmb_census_method method;
	char err[256];

	gb_add_context("kmb_run_id", run->id);
	gb_add_context("kmb_version", PACKAGE_VERSION);
	gb_add_context("kmb_git_commit", KMB_GIT_COMMIT);
	if (!kmb_census_probe(&method, err, sizeof(err)))
		gb_add_context("kmb_census_method", kmb_census_method_name(method));
}

/* Check the JSON document is whole, then write it into place atomically. */
static int commit_bench_json(const struct kmb_rundir *run, const char *text, json_t **out,
			     char *err, size_t errlen)
{
	char path[4300];
	json_error_t jerr;
	json_t *doc = text ? json_loads(text, 0, &jerr) : NULL;

	if (!doc || !json_is_array(json_object_get(doc, "benchmarks"))) {
		snprintf(err, errlen, "the benchmark output is not complete JSON: %s",
			 !text ? "none was produced" : doc ? "no \"benchmarks\" array" : jerr.text);
		json_decref(doc);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/bench.json", run->dir);
	if (kmb_write_atomic(path, text, strlen(text))) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		json_decref(doc);
		return -1;
	}
	*out = doc;
	return 0;
}

static int run_benchmarks(struct kmb_rundir *run, const struct bench_opts *o,
			  struct kmb_selection *sel)
{
	struct progress prog = { .rounds = (int)o->repetitions,
				 .total = sel->runnable * (unsigned)o->repetitions,
				 .start_ns = kmb_now_ns() };
	char *text = NULL;
	struct gb_run_options gopts = {
		.repetitions = (int)o->repetitions,
		.random_interleaving = o->interleave,
		.console = o->verbose,
		.progress = on_run,
		.arg = &prog,
		.json = &text,
	};
	json_t *doc = NULL, *summary;
	char err[512] = "", path[4300];
	int failures;

	add_context(run);
	kmb_declare_derived_figures();
	kmb_register_selection(sel);
	if (gb_run(&gopts) < 0 || commit_bench_json(run, text, &doc, err, sizeof(err))) {
		kmb_err("%s", err[0] ? err : "Google Benchmark failed to run");
		free(text);
		return -1;
	}
	free(text);
	summary = kmb_summary_build(doc, err, sizeof(err));
	if (!summary) {
		kmb_err("%s", err);
		json_decref(doc);
		return -1;
	}
	failures = kmb_summary_failures(summary);
	kmb_summary_print(summary, stdout);
	print_counts(sel, summary);
	snprintf(path, sizeof(path), "%s/summary.json", run->dir);
	if (kmb_json_write_atomic(path, summary))
		kmb_perr("cannot write %s", path);
	json_object_set_new(run->manifest, "benchmark_failures", json_integer(failures));
	json_decref(summary);
	json_decref(doc);
	return failures;
}

/* The run directory for a script, as an absolute path on one line, written atomically. */
static int write_run_dir_file(const char *file, const char *dir)
{
	char real[PATH_MAX], line[PATH_MAX + 2];

	if (!realpath(dir, real)) {
		kmb_perr("%s", dir);
		return -1;
	}
	snprintf(line, sizeof(line), "%s\n", real);
	if (kmb_write_atomic(file, line, strlen(line))) {
		kmb_perr("cannot write %s", file);
		return -1;
	}
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o = { .interleave = true };
	struct kmb_select_opts sopts;
	struct kmb_selection sel;
	struct kmb_rundir run;
	char err[512];
	int ret, failures;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	apply_defaults(&o);
	sopts = (struct kmb_select_opts){ .filter = o.filter, .sizes = o.sizes,
					  .nsizes = o.nsizes, .sizes_given = o.sizes_given,
					  .quick = o.quick, .pv_image = o.pv_image };
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
	kmb_rundir_recover(o.results, true);
	if (kmb_rundir_create(&run, o.results, o.out, cli_capture_env(), "kmb bench", err,
			   sizeof(err))) {
		kmb_err("%s", err);
		kmb_selection_free(&sel);
		return KMB_EXIT_USAGE;
	}
	json_object_set_new(run.manifest, "bench", plan_json(&o, &sel));
	kmb_install_fatal_handlers(kmb_rundir_mark_interrupted);
	if (kmb_rundir_save(&run, err, sizeof(err))) {
		kmb_err("%s", err);
		ret = KMB_EXIT_USAGE;
		goto out;
	}
	if (o.run_dir_file && write_run_dir_file(o.run_dir_file, run.dir)) {
		ret = KMB_EXIT_USAGE;
		goto out;
	}
	print_plan(&sel, &o, run.dir);
	failures = run_benchmarks(&run, &o, &sel);
	if (failures < 0) {
		kmb_rundir_finish(&run, "failed", err, sizeof(err));
		ret = KMB_EXIT_USAGE;
		goto out;
	}
	if (kmb_rundir_finish(&run, "complete", err, sizeof(err))) {
		kmb_err("%s", err);
		ret = KMB_EXIT_USAGE;
		goto out;
	}
	printf("kmb bench: run complete: %s\n", run.dir);
	ret = failures ? KMB_EXIT_FAIL : KMB_EXIT_OK;
out:
	kmb_rundir_close(&run);
	kmb_selection_free(&sel);
	return ret;
}
