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
#include "reps.h"
#include "rundir.h"
#include "s390/pv_req.h"
#include "summary.h"
#include "util.h"
#include "vmstat.h"

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
#define ADAPTIVE_MIN_REPETITIONS 8
#define ADAPTIVE_MAX_REPETITIONS 40
#define ADAPTIVE_BUDGET_S 240
/*
 * Short operations are repeated within an iteration until a repetition
 * times at least this much, as long as its wall time (setup included) stays
 * within the budget (see kmb_iterate()).
 */
#define MIN_TIMED_NS (50 * 1000000ULL)
#define WALL_BUDGET_NS (1000 * 1000000ULL)
#define QUICK_MIN_TIMED_NS (10 * 1000000ULL)
#define QUICK_WALL_BUDGET_NS (250 * 1000000ULL)

struct bench_opts {
	const char *filter;
	uint64_t sizes[KMB_MAX_SIZES];
	int nsizes;
	bool sizes_given;
	long repetitions;
	long max_repetitions;
	double precision;	/* relative; 0: fixed repetitions */
	double budget_s;
	bool quick;
	bool interleave;
	bool verbose;
	const char *out;
	const char *results;
	const char *pv_image;
	const char *run_dir_file;
	const char *label;
	bool keep_knobs;
};

static void bench_usage(void)
{
	printf("usage: kmb bench [OPTIONS]\n\n"
	       "Run the microbenchmarks; write <results>/runs/<run-id>/ with manifest.json,\n"
	       "bench.json (Google Benchmark JSON, every repetition) and summary.json.\n\n"
	       "  -f, --filter REGEX     run only benchmarks whose name matches (extended regex)\n"
	       "  -s, --size LIST        memory sizes, e.g. 64M,1G (default: 64M,256M where they fit\n"
	       "                         in a quarter of available memory)\n"
	       "  -r, --repetitions N    samples per benchmark (default %d, --quick %d); with\n"
	       "                         --precision the least number (default %d)\n"
	       "  -p, --precision PCT    adaptive: add repetitions until the CI of each median is\n"
	       "                         within +-PCT %% of it (or the limits below)\n"
	       "      --max-repetitions N  adaptive: at most N per benchmark (default %d)\n"
	       "      --time-budget S    adaptive: start no new round after S seconds (default %d)\n"
	       "  -q, --quick            small sizes and few repetitions (a smoke run)\n"
	       "      --no-interleave    run each benchmark's repetitions back to back\n"
	       "  -v, --verbose          also show Google Benchmark's console output\n"
	       "  -o, --out DIR          write the run into DIR (must be empty or new)\n"
	       "  -R, --results DIR      results tree (default $KMB_RESULTS or ./results)\n"
	       "  -l, --label NAME       a name for the run (\"stock\", \"patched-v2\"), kept in\n"
	       "                         manifest.json; kmb compare and the dashboard show it\n"
	       "      --host-label NAME  this machine's name in the results (default\n"
	       "                         $KMB_HOST_LABEL, else <hostname>-<machine-id hash>)\n"
	       "      --run-dir-file FILE  write the run directory's path into FILE (for scripts)\n"
	       "      --pv-image FILE    s390x Secure Execution image for the teardown_pv family\n"
	       "      --keep-knobs       change no THP/KSM knob: a benchmark that needs one\n"
	       "                         changed is skipped (A/B runs of boot parameters)\n"
	       "  -h, --help             this help\n\n"
	       "Exit status: 0 every selected benchmark ran or was skipped with a reason,\n"
	       "1 a benchmark failed (its census or a call), 2 usage or harness error.\n"
	       "See 'kmb list' for the benchmarks and why any is skipped here.\n",
	       DEFAULT_REPETITIONS, QUICK_REPETITIONS, ADAPTIVE_MIN_REPETITIONS,
	       ADAPTIVE_MAX_REPETITIONS, ADAPTIVE_BUDGET_S);
}

static int parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "repetitions", required_argument, NULL, 'r' },
		{ "precision", required_argument, NULL, 'p' },
		{ "max-repetitions", required_argument, NULL, 'M' },
		{ "time-budget", required_argument, NULL, 'T' },
		{ "quick", no_argument, NULL, 'q' },
		{ "no-interleave", no_argument, NULL, 'I' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "out", required_argument, NULL, 'o' },
		{ "results", required_argument, NULL, 'R' },
		{ "pv-image", required_argument, NULL, 'P' },
		{ "run-dir-file", required_argument, NULL, 'D' },
		{ "label", required_argument, NULL, 'l' },
		{ "host-label", required_argument, NULL, 'H' },
		{ "keep-knobs", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[512];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:s:r:p:qvo:R:l:h", longopts, NULL)) != -1) {
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
		case 'p': {
			char *end;

			o->precision = strtod(optarg, &end) / 100;
			if (*end || !(o->precision > 0 && o->precision < 1))
				return cli_usage_error("invalid --precision '%s': a percentage above 0",
						       optarg);
			break;
		}
		case 'M':
			if (kmb_parse_uint(optarg, 2, 1000, &o->max_repetitions))
				return cli_usage_error("invalid --max-repetitions '%s': 2..1000", optarg);
			break;
		case 'T': {
			long s;

			if (kmb_parse_uint(optarg, 1, 86400, &s))
				return cli_usage_error("invalid --time-budget '%s': 1..86400 seconds",
						       optarg);
			o->budget_s = (double)s;
			break;
		}
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
		case 'H':
			if (cli_host_label_option(optarg))
				return KMB_EXIT_USAGE;
			break;
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
		o->nsizes = kmb_default_sizes(o->quick, o->sizes, KMB_MAX_SIZES);
	if (!o->repetitions)
		o->repetitions = o->quick	  ? QUICK_REPETITIONS
				 : o->precision ? ADAPTIVE_MIN_REPETITIONS
						: DEFAULT_REPETITIONS;
	if (!o->max_repetitions)
		o->max_repetitions = ADAPTIVE_MAX_REPETITIONS;
	if (o->max_repetitions < o->repetitions)
		o->max_repetitions = o->repetitions;
	if (!o->budget_s)
		o->budget_s = ADAPTIVE_BUDGET_S;
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

/* The names of the runnable instances, in the order they are registered. */
static const char **runnable_names(const struct kmb_selection *sel)
{
	const char **names = calloc(sel->count + 1, sizeof(*names));
	unsigned i, n = 0;

	for (i = 0; names && i < sel->count; i++) {
		if (!sel->items[i].skip_reason[0])
			names[n++] = sel->items[i].ctx.name;
	}
	return names;
}

/*
 * Around every repetition: /proc/vmstat read before it, and how much its
 * counters moved added to the repetition as counters not judged; then the
 * repetition plan's own bookkeeping.
 */
struct repetition_hooks {
	struct kmb_reps *reps;
	struct kmb_vmstat before;
	bool have_before;
};

static void before_repetition(unsigned bench, void *arg)
{
	struct repetition_hooks *h = arg;

	(void)bench;
	h->have_before = !kmb_vmstat_read(NULL, &h->before);
}

static void add_vmstat_delta(const char *name, double delta, void *arg)
{
	gb_result_add_counter(arg, name, delta);
}

static void after_repetition(const struct gb_run_result *res, void *arg)
{
	struct repetition_hooks *h = arg;
	struct kmb_vmstat now;

	if (h->have_before && !res->error && !kmb_vmstat_read(NULL, &now))
		kmb_vmstat_deltas(&h->before, &now, add_vmstat_delta, (void *)res);
	kmb_reps_progress(res, h->reps);
}

static bool more_repetitions(unsigned bench, int done, void *arg)
{
	struct repetition_hooks *h = arg;

	return kmb_reps_more(bench, done, h->reps);
}

static int run_benchmarks(struct kmb_rundir *run, const struct bench_opts *o,
			  struct kmb_selection *sel)
{
	struct kmb_reps_opts ro = { .min = (int)o->repetitions, .max = (int)o->max_repetitions,
				    .precision = o->precision, .budget_s = o->budget_s,
				    .alpha = 0.05,
				    .status_line = !o->verbose && isatty(STDOUT_FILENO) };
	const char **names = runnable_names(sel);
	struct kmb_reps *reps = names ? kmb_reps_new(&ro, sel->runnable, names, stdout) : NULL;
	struct repetition_hooks hooks = { .reps = reps };
	char *text = NULL;
	struct gb_run_options gopts = {
		.repetitions = (int)o->repetitions,
		.random_interleaving = o->interleave,
		.console = o->verbose,
		.before = before_repetition,
		.progress = after_repetition,
		.more = more_repetitions,
		.arg = &hooks,
		.json = &text,
	};
	json_t *doc = NULL, *summary;
	char err[512] = "", path[4300];
	int failures;

	if (!reps) {
		free(names);
		kmb_err("out of memory");
		return -1;
	}
	add_context(run);
	kmb_declare_derived_figures();
	kmb_register_selection(sel);
	if (gb_run(&gopts) < 0 || commit_bench_json(run, text, &doc, err, sizeof(err))) {
		kmb_err("%s", err[0] ? err : "Google Benchmark failed to run");
		free(text);
		kmb_reps_free(reps);
		free(names);
		return -1;
	}
	free(text);
	json_object_set_new(json_object_get(run->manifest, "bench"), "repetition_plan",
			    kmb_reps_json(reps));
	kmb_reps_free(reps);
	free(names);
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
	/* A run without its summary is not whole (a full disk): said once, then failed. */
	if (kmb_json_write_atomic(path, summary)) {
		kmb_perr("cannot write %s", path);
		json_decref(summary);
		json_decref(doc);
		return -1;
	}
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
					  .quick = o.quick,
					  .min_timed_ns = o.quick ? QUICK_MIN_TIMED_NS : MIN_TIMED_NS,
					  .wall_budget_ns = o.quick ? QUICK_WALL_BUDGET_NS : WALL_BUDGET_NS, .pv_image = o.pv_image };
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
	if (o.label)
		json_object_set_new(run.manifest, "label", json_string(o.label));
	if (o.keep_knobs)
		json_object_set_new(json_object_get(run.manifest, "bench"), "keep_knobs",
				    json_true());
	kmb_knob_keep(o.keep_knobs);
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
