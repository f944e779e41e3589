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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum format { FMT_TEXT, FMT_MD, FMT_HTML, FMT_JSON };

struct compare_args {
	struct kmb_compare_opts opts;
	enum format format;
	const char *out;
	const char *results;
	const char *base, *cand;
	bool all;
	bool no_calibration;
};

static void compare_usage(void)
{
	printf("usage: kmb compare [OPTIONS] BASE CAND\n\n"
	       "Compare two runs metric by metric. BASE and CAND are run directories,\n"
	       "bench.json files or baseline names (see 'kmb baseline').\n\n"
	       "  -F, --format FMT        text (default), md, html or json\n"
	       "  -o, --out FILE          write the report to FILE (atomically) instead of stdout\n"
	       "  -a, --alpha A           significance level of the U test (default 0.05)\n"
	       "  -n, --noise-floor PCT   smallest change that counts, in %% (default 2);\n"
	       "                          the floor is max(PCT, 2 x the larger robust CoV,\n"
	       "                          the host's calibrated floor)\n"
	       "      --no-calibration    ignore <results>/calibration/ (see 'kmb calibrate')\n"
	       "  -m, --metric NAME       only this metric (real_time, ns_per_page, ...)\n"
	       "  -f, --filter REGEX      only benchmarks whose name matches\n"
	       "  -R, --results DIR       results tree for baseline names (default ./results)\n"
	       "      --all               text: also show metrics that are not judged\n"
	       "  -h, --help              this help\n\n"
	       "Per metric: median with 95%% CI, Hodges-Lehmann shift with CI, Mann-Whitney U\n"
	       "p-value, change oriented so + is better, verdict regression / improvement /\n"
	       "unchanged / noisy. Exit status: 0 nothing regressed, 1 a regression, 2 error.\n");
}

static int parse_format(const char *s, enum format *f)
{
	static const char *const names[] = { "text", "md", "html", "json" };
	int i;

	for (i = 0; i < 4; i++) {
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
				return cli_usage_error("unknown format '%s' (text, md, html, json)",
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
	if (argc - optind != 2)
		return cli_usage_error("expected BASE and CAND, got %d argument(s)", argc - optind);
	a->base = argv[optind];
	a->cand = argv[optind + 1];
	return 0;
}

static int render(const json_t *report, const struct compare_args *a, FILE *out, char *err,
		  size_t errlen)
{
	switch (a->format) {
	case FMT_TEXT:
		kmb_render_text(report, out, !a->out && isatty(STDOUT_FILENO), a->all);
		return 0;
	case FMT_MD:
		kmb_render_markdown(report, out);
		return 0;
	case FMT_HTML:
		return kmb_render_html(report, out, err, errlen);
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

int cmd_compare(int argc, char **argv)
{
	struct compare_args a = { 0 };
	struct kmb_result base, cand;
	char err[1024], note[600];
	json_t *report, *calibration = NULL;
	int ret;

	kmb_compare_defaults(&a.opts);
	if ((ret = parse_args(argc, argv, &a)))
		return ret;
	a.results = cli_results_root(a.results);
	if (kmb_result_open(a.base, a.results, &base, err, sizeof(err))) {
		kmb_err("%s", err);
		return KMB_EXIT_USAGE;
	}
	if (kmb_result_open(a.cand, a.results, &cand, err, sizeof(err))) {
		kmb_err("%s", err);
		kmb_result_close(&base);
		return KMB_EXIT_USAGE;
	}
	if (!a.no_calibration) {
		calibration = kmb_calibration_for(a.results, &base, &cand, note, sizeof(note));
		a.opts.calibration = calibration;
		a.opts.calibration_note = note[0] ? note : NULL;
	}
	report = kmb_compare(&base, &cand, &a.opts, err, sizeof(err));
	if (!report) {
		kmb_err("%s", err);
		ret = KMB_EXIT_USAGE;
	} else if (emit(report, &a)) {
		ret = KMB_EXIT_USAGE;
	} else {
		json_t *tally = json_object_get(report, "tally");

		ret = json_integer_value(json_object_get(tally, "regressions")) ||
				      json_integer_value(json_object_get(tally, "lost"))
			      ? KMB_EXIT_FAIL
			      : KMB_EXIT_OK;
	}
	json_decref(report);
	json_decref(calibration);
	kmb_result_close(&base);
	kmb_result_close(&cand);
	return ret;
}
