// SPDX-License-Identifier: GPL-2.0-only
/* kmb dashboard: the static site over every run in a results tree. */
#include "cli.h"
#include "dashboard.h"
#include "util.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dashboard_usage(void)
{
	printf("usage: kmb dashboard [OPTIONS]\n\n"
	       "Build or update a static site over every run in <results>/runs: index.html\n"
	       "with one row per series (host label, CPU, benchmark with size, metric) and a\n"
	       "page per series with its trend chart (gnuplot) and its runs. It opens from the\n"
	       "file system and needs no JavaScript. Only pages whose inputs changed are\n"
	       "written.\n\n"
	       "  -R, --results DIR   results tree (default $KMB_RESULTS or ./results)\n"
	       "  -o, --out DIR       where the site goes (default <results>/dashboard)\n"
	       "  -w, --window N      rolling baseline: the previous N runs (default %d)\n"
	       "      --rebuild       read every run and write every page again\n"
	       "  -v, --verbose       name every file written or removed\n"
	       "      --json          print what was built as JSON (counts, and per host label\n"
	       "                      and CPU its latest run, regressed series and failures)\n"
	       "  -h, --help          this help\n\n"
	       "A run's verdict is kmb compare's rule applied to its samples against the pooled\n"
	       "samples of the previous N runs of its series. Runs that cannot be read are\n"
	       "listed on the index as skipped, with the reason. Exit status: 0 the site is\n"
	       "up to date, 2 usage error or a page or chart could not be written.\n",
	       KMB_DASHBOARD_WINDOW);
}

static int parse_args(int argc, char **argv, struct kmb_dashboard_opts *o, bool *json)
{
	static const struct option longopts[] = {
		{ "results", required_argument, NULL, 'R' },
		{ "out", required_argument, NULL, 'o' },
		{ "window", required_argument, NULL, 'w' },
		{ "rebuild", no_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long window;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":R:o:w:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'R':
			o->results = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'w':
			if (kmb_parse_uint(optarg, 1, 1000, &window))
				return cli_usage_error("invalid window '%s': expected 1..1000",
						       optarg);
			o->window = (int)window;
			break;
		case 'B':
			o->rebuild = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			dashboard_usage();
			exit(KMB_EXIT_OK);
		default:
			return cli_getopt_error(c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

/* --json: the summary line's figures, the site's paths and the per-host summary. */
static void print_json(const struct kmb_dashboard_opts *o, const struct kmb_dashboard_stats *sum,
		       const char *error)
{
	char index[4300];
	json_t *doc;

	snprintf(index, sizeof(index), "%s/index.html", o->out);
	doc = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:O*, s:s?}",
			"results", o->results, "out", o->out, "index", index, "runs", sum->runs,
			"skipped", sum->skipped, "series", sum->series, "written", sum->written,
			"charts", sum->charts, "unchanged", sum->unchanged, "removed",
			sum->removed, "seconds", sum->seconds, "hosts", sum->hosts, "error",
			error);
	json_dumpf(doc, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(doc);
}

int cmd_dashboard(int argc, char **argv)
{
	struct kmb_dashboard_opts o = { .results = NULL,
					.window = KMB_DASHBOARD_WINDOW };
	struct kmb_dashboard_stats sum;
	char err[1024], out[4200];
	bool json = false;
	int ret;

	if ((ret = parse_args(argc, argv, &o, &json)))
		return ret;
	o.results = cli_results_root(o.results);
	if (!o.out) {
		snprintf(out, sizeof(out), "%s/dashboard", o.results);
		o.out = out;
	}
	ret = kmb_dashboard_build(&o, &sum, err, sizeof(err));
	/* After a failed chart the rest of the site was still written: say what was. */
	if (json && (!ret || sum.runs))
		print_json(&o, &sum, ret ? err : NULL);
	else if (!ret || sum.runs)
		printf("kmb dashboard: %d runs (%d skipped), %d series; %d files written "
		       "(%d charts), %d unchanged, %d removed in %.2f s: %s/index.html\n",
		       sum.runs, sum.skipped, sum.series, sum.written, sum.charts, sum.unchanged,
		       sum.removed, sum.seconds, o.out);
	json_decref(sum.hosts);
	if (ret) {
		kmb_err("%s", err);
		return KMB_EXIT_USAGE;
	}
	return KMB_EXIT_OK;
}
