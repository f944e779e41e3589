// SPDX-License-Identifier: GPL-2.0-only
/* kmb compare: is the candidate worse than the base? */
#include "atomic.h"
#include "cli.h"
#include "calibrate.h"
#include "compare.h"
#include "results.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum format { FMT_TEXT, FMT_MD, FMT_HTML, FMT_JSON, FMT_EMAIL };

/* At most this many candidates against one base. */
#define MAX_CANDIDATES 16

struct compare_args {
	struct kmb_compare_opts opts;
	enum format format;
	const char *out;
	const char *results;
	const char *base;
	const char *cands[MAX_CANDIDATES];
	size_t ncand;
	bool all;
	bool no_calibration;
};

static void compare_usage(void)
{
	printf("usage: kmb compare [OPTIONS] BASE CAND...\n\n"
	       "Compare runs metric by metric: each candidate is judged against the base\n"
	       "(up to %d candidates, side by side). BASE and CAND are run directories,\n"
	       "bench.json files or baseline names (see 'kmb baseline'). A run's label\n"
	       "(kmb bench --label) names it in the report.\n\n"
	       "  -F, --format FMT        text (default), email (plain text for a mail, at most\n"
	       "                          80 columns), md, html or json\n"
	       "  -o, --out FILE          write the report to FILE (atomically) instead of stdout\n"
	       "  -a, --alpha A           significance level of the U test (default 0.05)\n"
	       "  -n, --noise-floor PCT   smallest change that counts, in %% (default 2);\n"
	       "                          the floor is max(PCT, 2 x the larger robust CoV,\n"
	       "                          the host's calibrated floor)\n"
	       "      --no-calibration    ignore <results>/calibration/ (see 'kmb calibrate')\n"
	       "  -m, --metric NAME       only this metric (real_time, ns_per_page, ...)\n"
	       "  -f, --filter REGEX      only benchmarks whose name matches\n"
	       "  -R, --results DIR       results tree for baseline names (default ./results)\n"
	       "      --all               also show the metrics that are not judged (census\n"
	       "                          counts, /proc/vmstat deltas, CPU time)\n"
	       "  -h, --help              this help\n\n"
	       "Per metric: median with its confidence interval (its level depends on n:\n"
	       "75%% at n=3), %%change (the ratio of the medians), Hodges-Lehmann shift with\n"
	       "its interval, Mann-Whitney U p-value, noise floor, verdict regression /\n"
	       "improvement / unchanged / noisy (with the reason). Exit status: 0 nothing\n"
	       "regressed, 1 a candidate regressed or lost a benchmark, 2 error.\n",
	       MAX_CANDIDATES);
}

static int parse_format(const char *s, enum format *f)
{
	static const char *const names[] = { "text", "md", "html", "json", "email" };
	int i;

	for (i = 0; i < 5; i++) {
		if (!strcmp(s, names[i])) {
			*f = (enum format)i;
			return 0;
		}
	}
	if (!strcmp(s, "markdown")) {
		*f = FMT_MD;
		return 0;
	}
	return -1;
}

static int parse_fraction(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > lo && v < hi))
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct compare_args *a)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "out", required_argument, NULL, 'o' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "noise-floor", required_argument, NULL, 'n' },
		{ "no-calibration", no_argument, NULL, 'C' },
		{ "metric", required_argument, NULL, 'm' },
		{ "filter", required_argument, NULL, 'f' },
		{ "results", required_argument, NULL, 'R' },
		{ "all", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double pct;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":F:o:a:n:m:f:R:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (parse_format(optarg, &a->format))
				return cli_usage_error("unknown format '%s' (text, email, md, "
						       "html, json)",
						       optarg);
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'a':
			if (parse_fraction(optarg, 0, 1, &a->opts.alpha))
				return cli_usage_error("invalid alpha '%s': expected 0 < A < 1",
						       optarg);
			break;
		case 'n':
			if (parse_fraction(optarg, -1e-9, 1000, &pct))
				return cli_usage_error("invalid noise floor '%s': a percentage",
						       optarg);
			a->opts.floor_min = pct / 100;
			break;
		case 'm':
			a->opts.metric = optarg;
			break;
		case 'f':
			a->opts.filter = optarg;
			break;
		case 'R':
			a->results = optarg;
			break;
		case 'C':
			a->no_calibration = true;
			break;
		case 'A':
			a->all = true;
			a->opts.all = true;
			break;
		case 'h':
			compare_usage();
			exit(KMB_EXIT_OK);
		default:
			return cli_getopt_error(c, argv);
		}
	}
	if (argc - optind < 2)
		return cli_usage_error("expected BASE and CAND, got %d argument(s)", argc - optind);
	if (argc - optind - 1 > MAX_CANDIDATES)
		return cli_usage_error("%d candidates: at most %d against one base",
				       argc - optind - 1, MAX_CANDIDATES);
	a->base = argv[optind++];
	while (optind < argc)
		a->cands[a->ncand++] = argv[optind++];
	return 0;
}

static int render(const json_t *report, const struct compare_args *a, FILE *out, char *err,
		  size_t errlen)
{
	switch (a->format) {
	case FMT_TEXT:
		kmb_render_text(report, out, !a->out && isatty(STDOUT_FILENO), a->all);
		return 0;
	case FMT_EMAIL:
		kmb_render_email(report, out, a->all);
		return 0;
	case FMT_MD:
		kmb_render_markdown(report, out, a->all);
		return 0;
	case FMT_HTML:
		return kmb_render_html(report, out, a->all, err, errlen);
	case FMT_JSON:
		json_dumpf(report, out, JSON_INDENT(2));
		fputc('\n', out);
		return 0;
	}
	return -1;
}

/* Render into memory, then write stdout or the file atomically. */
static int emit(const json_t *report, const struct compare_args *a)
{
	char err[512] = "", *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int ret = -1;

	if (!mem) {
		kmb_perr("open_memstream");
		return -1;
	}
	if (render(report, a, mem, err, sizeof(err))) {
		fclose(mem);
		kmb_err("%s", err);
		goto out;
	}
	fclose(mem);
	if (a->out) {
		if (kmb_write_atomic(a->out, buf, len)) {
			kmb_perr("cannot write %s", a->out);
			goto out;
		}
	} else if (fwrite(buf, 1, len, stdout) != len) {
		goto out;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

/* One candidate against the base: its report, or NULL after saying why. */
static json_t *compare_one(const struct compare_args *a, const struct kmb_result *base,
			   const struct kmb_result *cand)
{
	struct kmb_compare_opts o = a->opts;
	char err[1024], note[600] = "";
	json_t *report, *calibration = NULL;

	if (!a->no_calibration) {
		calibration = kmb_calibration_for(a->results, base, cand, note, sizeof(note));
		o.calibration = calibration;
		o.calibration_note = note[0] ? note : NULL;
	}
	report = kmb_compare(base, cand, &o, err, sizeof(err));
	if (!report)
		kmb_err("%s", err);
	json_decref(calibration);
	return report;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_args a = { 0 };
	struct kmb_result base, cands[MAX_CANDIDATES];
	char err[1024];
	json_t *reports = NULL, *doc = NULL, *report;
	size_t opened = 0, i;
	int ret;

	kmb_compare_defaults(&a.opts);
	if ((ret = parse_args(argc, argv, &a)))
		return ret;
	/* Units (µs), ± and the table lines are UTF-8, whatever the caller's locale. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "");
	a.results = cli_results_root(a.results);
	if (kmb_result_open(a.base, a.results, &base, err, sizeof(err))) {
		kmb_err("%s", err);
		return KMB_EXIT_USAGE;
	}
	ret = KMB_EXIT_USAGE;
	reports = json_array();
	for (i = 0; i < a.ncand; i++) {
		if (kmb_result_open(a.cands[i], a.results, &cands[i], err, sizeof(err))) {
			kmb_err("%s", err);
			goto out;
		}
		opened++;
		report = compare_one(&a, &base, &cands[i]);
		if (!report)
			goto out;
		json_array_append_new(reports, report);
	}
	/* One candidate: the report as it always was; several: a set of them. */
	doc = a.ncand == 1 ? json_incref(json_array_get(reports, 0))
			   : kmb_compare_set(json_incref(reports));
	if (!emit(doc, &a))
		ret = kmb_compare_failed(doc) ? KMB_EXIT_FAIL : KMB_EXIT_OK;
out:
	json_decref(doc);
	json_decref(reports);
	for (i = 0; i < opened; i++)
		kmb_result_close(&cands[i]);
	kmb_result_close(&base);
	return ret;
}
