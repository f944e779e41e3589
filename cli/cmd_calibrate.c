// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb calibrate: this host's noise floor per metric from k runs of one kernel
 * (report/calibrate.h), made here (kmb bench k times) or read from runs that
 * exist, and kept in the results tree where kmb compare finds it.
 */
#include "atomic.h"
#include "calibrate.h"
#include "cli.h"
#include "compare.h"
#include "results.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RUNS 64

static void calibrate_usage(void)
{
	printf("usage: kmb calibrate [--results DIR] RUN RUN [RUN...]\n"
	       "       kmb calibrate [--results DIR] --runs K [-- BENCH-OPTIONS...]\n\n"
	       "Derive this host's noise floor per metric from K runs of the same kernel\n"
	       "(A/A): 1.25 x the largest change of the metric's median between any two of\n"
	       "them, at least the default minimum. Either read existing runs of one host,\n"
	       "or run 'kmb bench' K times (with the options after --) into the results\n"
	       "tree. The floors go to <results>/calibration/<host>.json; kmb compare and\n"
	       "scripts/nightly use them for runs of that host and say so.\n\n"
	       "  -k, --runs K         run kmb bench K times (2..%d)\n"
	       "  -R, --results DIR    results tree (default $KMB_RESULTS or ./results)\n"
	       "  -h, --help           this help\n",
	       MAX_RUNS);
}

/* kmb bench once more, into the results tree; its run directory into dir. */
static int bench_once(const char *results, char **extra, int nextra, char *dir, size_t len)
{
	const char *argv[64];
	char self[PATH_MAX], file[PATH_MAX], err[512];
	int n = 0, i, rc;
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (k < 0) {
		kmb_perr("cannot find this kmb (/proc/self/exe)");
		return -1;
	}
	self[k] = '\0';
	snprintf(file, sizeof(file), "%s/.calibrate-run.%d", results, (int)getpid());
	argv[n++] = self;
	argv[n++] = "bench";
	argv[n++] = "--results";
	argv[n++] = results;
	argv[n++] = "--run-dir-file";
	argv[n++] = file;
	for (i = 0; i < nextra && n < 62; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	rc = kmb_run_argv(argv, NULL, NULL, -1, err, sizeof(err));
	if (rc != 0) {
		kmb_err("kmb bench exited %d%s%s", rc, err[0] ? ": " : "", err);
		unlink(file);
		return -1;
	}
	{
		char *text = kmb_read_text(file);

		unlink(file);
		if (!text)
			return -1;
		snprintf(dir, len, "%.*s", (int)strcspn(text, "\n"), text);
		free(text);
	}
	return 0;
}

static void print_floors(const json_t *doc)
{
	json_t *floors = json_object_get(doc, "floors"), *metrics, *v;
	const char *bench, *metric;

	printf("%-44s %-16s %8s\n", "benchmark", "metric", "floor");
	json_object_foreach(floors, bench, metrics) {
		json_object_foreach(metrics, metric, v)
			printf("%-44s %-16s %7.1f%%\n", bench, metric, 100 * json_number_value(v));
	}
}

int cmd_calibrate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "runs", required_argument, NULL, 'k' },
		{ "results", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kmb_result runs[MAX_RUNS];
	struct kmb_compare_opts defaults;
	char dirs[MAX_RUNS][PATH_MAX], err[1024], path[4300];
	const char *results = NULL;
	long k = 0;
	size_t n = 0, i = 0;
	json_t *doc;
	int c, ret = KMB_EXIT_USAGE;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:k:R:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (kmb_parse_uint(optarg, 2, MAX_RUNS, &k))
				return cli_usage_error("invalid --runs '%s': expected 2..%d", optarg,
						       MAX_RUNS);
			break;
		case 'R':
			results = optarg;
			break;
		case 'h':
			calibrate_usage();
			return KMB_EXIT_OK;
		default:
			return cli_getopt_error(c, argv);
		}
	}
	results = cli_results_root(results);
	if (k) {
		for (n = 0; n < (size_t)k; n++) {
			printf("kmb calibrate: run %zu of %ld\n", n + 1, k);
			fflush(stdout);
			if (kmb_mkdir_p(results, 0755) ||
			    bench_once(results, argv + optind, argc - optind, dirs[n], sizeof(dirs[n])))
				return KMB_EXIT_USAGE;
		}
	} else {
		if (argc - optind < 2)
			return cli_usage_error("expected two or more runs, or --runs K");
		if (argc - optind > MAX_RUNS)
			return cli_usage_error("at most %d runs", MAX_RUNS);
		for (; optind < argc; optind++)
			snprintf(dirs[n++], sizeof(dirs[0]), "%s", argv[optind]);
	}
	for (i = 0; i < n; i++) {
		if (kmb_result_open(dirs[i], results, &runs[i], err, sizeof(err))) {
			kmb_err("%s", err);
			goto out;
		}
		if (!runs[i].manifest) {
			kmb_err("%s: a run directory is needed (its manifest says which host)", dirs[i]);
			kmb_result_close(&runs[i]);
			goto out;
		}
	}
	kmb_compare_defaults(&defaults);
	doc = kmb_calibrate(runs, n, defaults.floor_min, err, sizeof(err));
	if (!doc) {
		kmb_err("%s", err);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/calibration", results);
	if (kmb_mkdir_p(path, 0755)) {
		kmb_perr("cannot create %s", path);
		json_decref(doc);
		goto out;
	}
	if (kmb_calibration_path(results, runs[0].manifest, path, sizeof(path)) ||
	    kmb_json_write_atomic(path, doc)) {
		kmb_perr("cannot write %s", path);
		json_decref(doc);
		goto out;
	}
	print_floors(doc);
	printf("kmb calibrate: %zu runs of %s; floors written to %s\n", n,
	       json_string_value(json_object_get(doc, "host")), path);
	json_decref(doc);
	ret = KMB_EXIT_OK;
out:
	while (i-- > 0)
		kmb_result_close(&runs[i]);
	return ret;
}
