// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the readers of a results tree and everything that shows
 * what they read. The input holds the files of two runs, separated by lines
 * "%%":
 *
 *   manifest.json %% bench.json %% stress/fuzz.json      (run a)
 *   %% manifest.json %% bench.json %% stress/fuzz.json   (run b)
 *
 * An empty part is a missing file. With only the parts of run a, run b is a
 * copy of it. The runs are written to <private dir>/runs/{a,b}/ and read as
 * kmb reads them:
 *
 *  - kmb_result_open() on run a's directory and on run b's bench.json (which
 *    brings its manifest along when there is one);
 *  - kmb compare both ways (report/compare.c), with the environment diff
 *    (report/envdiff.c), into every renderer: text (plain or colour, with
 *    or without the unjudged metrics, as the input's length says), markdown,
 *    html and json;
 *  - the summary kmb bench derives from a bench.json (cli/summary.c);
 *  - when run b is given (more than three parts), the dashboard's model over
 *    the tree (report/dashboard*.c): the runs as it reads them,
 *    stress/<scenario>.json included, lineages, series, verdicts and every
 *    page, built in memory. It is the slower half, so inputs choose it.
 *    Writing the site and drawing its charts with gnuplot are left out: they
 *    are files and a process, not input handling.
 */
#include "fuzz.h"
#include "compare.h"
#include "dashboard.h"
#include "dashboard_priv.h"
#include "envdiff.h"
#include "results.h"
#include "summary.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#define NPARTS 6
static const char separator[] = "\n%%\n";
static const char *const run_files[] = { "manifest.json", "bench.json", "stress/fuzz.json" };

static char results[4096];
/* Where the renderers write: a stream that drops what it is given, without a system call. */
static FILE *devnull;

static ssize_t discard(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	(void)buf;
	return (ssize_t)len;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = { "runs", "runs/a", "runs/a/stress", "runs/b",
					    "runs/b/stress" };
	char path[4200];
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(results, sizeof(results), "%s", fuzz_private_dir("kmb-fuzz-results"));
	for (i = 0; i < KMB_ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", results, dirs[i]);
		if (mkdir(path, 0700)) {
			perror(path);
			abort();
		}
	}
	devnull = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = discard });
	if (!devnull)
		abort();
	return 0;
}

struct part {
	const uint8_t *data;
	size_t len;
};

/* Cut the input at the separators; returns how many parts there are. */
static size_t split(const uint8_t *data, size_t size, struct part *parts)
{
	const size_t seplen = sizeof(separator) - 1;
	size_t n = 0, start = 0, i = 0;

	while (n < NPARTS - 1 && i + seplen <= size) {
		if (!memcmp(data + i, separator, seplen)) {
			parts[n++] = (struct part){ data + start, i - start };
			i += seplen;
			start = i;
		} else {
			i++;
		}
	}
	parts[n++] = (struct part){ data + start, size - start };
	return n;
}

static void put_file(const char *run, const char *name, const struct part *p)
{
	char path[4400];
	int fd;

	snprintf(path, sizeof(path), "%s/runs/%s/%s", results, run, name);
	/* A new file each time: rewriting one in place makes some file systems flush it. */
	if (unlink(path) && errno != ENOENT)
		abort();
	if (!p || !p->len)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || kmb_write_all(fd, p->data, p->len)) {
		perror(path);
		abort();
	}
	close(fd);
}

/* variant picks colour and the unjudged metrics for the renderers. */
static void render_doc(const json_t *doc, unsigned variant)
{
	bool all = (variant >> 1) & 1;
	char err[512] = "";

	kmb_render_text(doc, devnull, variant & 1, all);
	kmb_render_markdown(doc, devnull, all);
	kmb_render_email(doc, devnull, all);
	if (kmb_render_html(doc, devnull, all, err, sizeof(err)))
		FUZZ_ASSERT(err[0]);
	FUZZ_ASSERT(!json_dumpf(doc, devnull, JSON_INDENT(2)));
}

/* The report alone, and as both candidates of a set (kmb compare BASE C1 C2). */
static void render_all(json_t *report, unsigned variant)
{
	json_t *set;

	render_doc(report, variant);
	set = kmb_compare_set(json_pack("[OO]", report, report));
	FUZZ_ASSERT(set);
	render_doc(set, variant);
	json_decref(set);
}

static void compare_and_render(const struct kmb_result *base, const struct kmb_result *cand,
			       bool all, unsigned variant)
{
	struct kmb_compare_opts o;
	char err[1024] = "";
	json_t *report;

	kmb_compare_defaults(&o);
	o.all = all;
	report = kmb_compare(base, cand, &o, err, sizeof(err));
	if (!report) {
		FUZZ_ASSERT(err[0]);
		return;
	}
	render_all(report, variant);
	json_decref(report);
}

/* summary.json is built from the same reader: a bench.json it rejects has none. */
static void summarize(json_t *bench)
{
	char err[512];
	json_t *summary = kmb_summary_build(bench, err, sizeof(err));

	if (!summary)
		return;
	FUZZ_ASSERT(kmb_summary_failures(summary) >= 0);
	kmb_summary_print(summary, devnull);
	json_decref(summary);
}

/* ---- the dashboard's model, as kmb_dashboard_build() makes it, in memory ---- */

static void page(char *text, size_t len)
{
	FUZZ_ASSERT(text);
	FUZZ_ASSERT(strlen(text) == len);
	free(text);
}

/* A compare page of run against prev, from what the model keeps of them. */
static void compare_page(const struct dash_site *s, const struct dash_run *prev,
			 const struct dash_run *run)
{
	struct kmb_result a, b;
	struct kmb_compare_opts o;
	char err[1024];
	json_t *report;
	size_t len;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.manifest = json_object_get(prev->rec, "env");
	a.samples = json_object_get(prev->rec, "samples");
	b.manifest = json_object_get(run->rec, "env");
	b.samples = json_object_get(run->rec, "samples");
	kmb_compare_defaults(&o);
	report = kmb_compare(&a, &b, &o, err, sizeof(err));
	if (!report)
		report = json_pack("{s:s}", "error", err);
	page(dash_page_compare(s, prev, run, report, &len), len);
	json_decref(report);
}

static void dashboard(void)
{
	struct kmb_dashboard_opts o = { .results = results, .out = results, .window = 7 };
	struct kmb_dashboard_stats sum;
	struct dash_site s;
	char err[1024] = "";
	size_t i, k, len;

	memset(&s, 0, sizeof(s));
	memset(&sum, 0, sizeof(sum));
	s.o = &o;
	s.sum = &sum;
	snprintf(s.out, sizeof(s.out), "%s/site", results);
	snprintf(s.runs_dir, sizeof(s.runs_dir), "%s/runs", results);
	snprintf(s.runs_href, sizeof(s.runs_href), "../runs");
	snprintf(s.generated, sizeof(s.generated), "2026-01-01T00:00:00Z");
	s.new_runs = json_object();
	s.new_pages = json_object();
	s.written = json_array();
	s.pool = json_array();
	if (dash_scan_runs(&s, err, sizeof(err))) {
		FUZZ_ASSERT(err[0]);
		goto out;
	}
	FUZZ_ASSERT(s.nruns == 2);
	FUZZ_ASSERT(!dash_build_lineages(&s) && !dash_build_series(&s));
	dash_judge(&s);
	for (i = 0; i < s.nseries; i++)
		page(dash_page_series(&s, s.series[i], &len), len);
	for (i = 0; i < s.nlins; i++) {
		if (s.lins[i]->has_stress)
			page(dash_page_stress(&s, s.lins[i], &len), len);
		for (k = 0; k < s.lins[i]->n; k++) {
			if (s.lins[i]->runs[k]->compare_prev)
				compare_page(&s, s.lins[i]->runs[k]->compare_prev,
					     s.lins[i]->runs[k]);
		}
	}
	page(dash_page_index(&s, &len), len);
out:
	dash_site_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct part parts[NPARTS];
	struct kmb_result a, b;
	char path[4400], err[1024];
	size_t n = split(data, size, parts), i;
	bool have_a, have_b;

	for (i = 0; i < 3; i++) {
		put_file("a", run_files[i], i < n ? &parts[i] : NULL);
		put_file("b", run_files[i], n <= 3 ? (i < n ? &parts[i] : NULL)
						   : (i + 3 < n ? &parts[i + 3] : NULL));
	}
	snprintf(path, sizeof(path), "%s/runs/a", results);
	err[0] = '\0';
	have_a = !kmb_result_open(path, results, &a, err, sizeof(err));
	FUZZ_ASSERT(have_a || err[0]);
	snprintf(path, sizeof(path), "%s/runs/b/bench.json", results);
	err[0] = '\0';
	have_b = !kmb_result_open(path, results, &b, err, sizeof(err));
	FUZZ_ASSERT(have_b || err[0]);

	if (have_a && have_b) {
		compare_and_render(&a, &b, false, (unsigned)size);
		compare_and_render(&b, &a, true, (unsigned)size + 1);
	} else if (have_a || have_b) {
		compare_and_render(have_a ? &a : &b, have_a ? &a : &b, size & 1, (unsigned)size);
	}
	if (have_a) {
		json_decref(kmb_env_diff(a.manifest, NULL));
		summarize(a.bench);
		kmb_result_close(&a);
	}
	if (have_b) {
		summarize(b.bench);
		kmb_result_close(&b);
	}
	if (n > 3)
		dashboard();
	return 0;
}
