// SPDX-License-Identifier: GPL-2.0-only
#include "report.h"
#include "atomic.h"
#include "proc.h"
#include "results.h"
#include "stats.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SKIP_PREFIX "skipped: "

static double median_of(const json_t *values)
{
	size_t i, n = json_array_size(values);
	double *v, m;
	json_t *x;

	if (!n || !(v = calloc(n, sizeof(*v))))
		return NAN;
	json_array_foreach(values, i, x)
		v[i] = json_number_value(x);
	m = kmb_stats_median(v, n);
	free(v);
	return m;
}

json_t *kmb_ab_benchmarks(const char *run_dir, char *err, size_t errlen)
{
	struct kmb_result r;
	json_t *out = json_object(), *v, *skipped;
	const char *name;
	size_t i;

	if (kmb_result_open(run_dir, NULL, &r, err, errlen)) {
		json_decref(out);
		return NULL;
	}
	json_object_foreach(r.samples, name, v) {
		json_t *ns = json_object_get(json_object_get(v, "ns_per_page"), "values");
		double m = median_of(ns);

		json_object_set_new(out, name,
				    json_pack("{s:s, s:o}", "status", "ran", "ns_per_page",
					      isnan(m) ? json_null() : json_real(m)));
	}
	json_object_foreach(r.errors, name, v) {
		const char *msg = json_string_value(v) ? json_string_value(v) : "";
		bool skip = !strncmp(msg, SKIP_PREFIX, strlen(SKIP_PREFIX));

		json_object_set_new(out, name,
				    json_pack("{s:s, s:s}", "status", skip ? "skipped" : "failed",
					      "reason", skip ? msg + strlen(SKIP_PREFIX) : msg));
	}
	skipped = json_object_get(json_object_get(r.manifest, "bench"), "skipped");
	json_array_foreach(skipped, i, v) {
		const char *n = json_string_value(json_object_get(v, "name"));
		const char *why = json_string_value(json_object_get(v, "reason"));

		if (n)
			json_object_set_new(out, n,
					    json_pack("{s:s, s:s}", "status", "skipped", "reason",
						      why ? why : ""));
	}
	kmb_result_close(&r);
	return out;
}

/* Benchmarks whose status differs between the sides: {name: {base:…, patched:…}}. */
static json_t *one_sided(const json_t *base, const json_t *patched)
{
	json_t *out = json_object(), *b, *none = json_pack("{s:s}", "status", "absent");
	const char *name;
	const json_t *sides[2] = { base, patched };
	int s;

	for (s = 0; s < 2; s++) {
		json_object_foreach((json_t *)sides[s], name, b) {
			json_t *x = json_object_get(base, name), *y = json_object_get(patched, name);
			const char *sx = json_string_value(json_object_get(x ? x : none, "status"));
			const char *sy = json_string_value(json_object_get(y ? y : none, "status"));

			if (!strcmp(sx, sy) && !strcmp(sx, "ran"))
				continue;
			if (!strcmp(sx, sy) && x && y &&
			    json_equal(json_object_get(x, "reason"), json_object_get(y, "reason")))
				continue;
			json_object_set_new(out, name,
					    json_pack("{s:O, s:O}", "base", x ? x : none, "patched",
						      y ? y : none));
		}
	}
	json_decref(none);
	return out;
}

static void fmt_status(const json_t *st, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(st, "status"));
	const json_t *ns = json_object_get(st, "ns_per_page");

	if (!strcmp(s, "ran") && json_is_number(ns))
		snprintf(buf, len, "ran, %.1f ns/page", json_number_value(ns));
	else if (json_string_value(json_object_get(st, "reason")))
		snprintf(buf, len, "%s: %s", s, json_string_value(json_object_get(st, "reason")));
	else
		snprintf(buf, len, "%s", s);
}

static const char *sget(const json_t *o, const char *a, const char *b)
{
	const char *s = json_string_value(json_object_get(b ? json_object_get(o, a) : o,
							  b ? b : a));

	return s ? s : "-";
}

static void fmt_build(const json_t *build, char *buf, size_t len)
{
	if (!json_is_object(build)) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%.1f s (user %.0f s, sys %.0f s)",
		 json_number_value(json_object_get(build, "wall_s")),
		 json_number_value(json_object_get(build, "user_s")),
		 json_number_value(json_object_get(build, "sys_s")));
}

static void fmt_boot(const json_t *side, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f s to /init (%s, clock %s), run %.0f s",
		 json_number_value(json_object_get(side, "ready_s")), sget(side, "accel", NULL),
		 sget(side, "clocksource", NULL), json_number_value(json_object_get(side, "run_s")));
}

static void row(FILE *out, int md, const char *label, const char *x, const char *y)
{
	if (md)
		fprintf(out, "| %s | %s | %s |\n", label, x, y);
	else
		fprintf(out, "%-16s %-44s %s\n", label, x, y);
}

/* Benchmarks that ran on neither side, with the base side's reason. */
static void both_skipped(FILE *out, const json_t *ab, int md)
{
	const json_t *b = json_object_get(json_object_get(ab, "benchmarks"), "base");
	const json_t *p = json_object_get(json_object_get(ab, "benchmarks"), "patched");
	const char *name;
	json_t *x;
	int n = 0;

	json_object_foreach((json_t *)b, name, x) {
		json_t *y = json_object_get(p, name);
		char why[512];

		if (!y || !strcmp(json_string_value(json_object_get(x, "status")), "ran") ||
		    !json_equal(x, y))
			continue;
		if (!n++)
			fprintf(out, md ? "\n**Benchmarks that ran on neither side**\n\n"
					: "\nBenchmarks that ran on neither side:\n");
		fmt_status(x, why, sizeof(why));
		fprintf(out, md ? "- `%s`: %s\n" : "  %s: %s\n", name, why);
	}
}

/* The A/B header, as text (md = 0) or as markdown. */
static void header(FILE *out, const json_t *ab, const json_t *diff, int md)
{
	const json_t *b = json_object_get(json_object_get(ab, "sides"), "base");
	const json_t *p = json_object_get(json_object_get(ab, "sides"), "patched");
	const json_t *builds = json_object_get(ab, "builds");
	char vb[512], vp[512];
	const char *name;
	json_t *r;
	struct {
		const char *label;
		const char *key;
	} rows[] = { { "label", "label" },   { "kernel release", "release" },
		     { "source", "source" }, { "series", "series" },
		     { "cmdline", "cmdline" }, { "sysctl", "sysctl" } };
	size_t i;

	if (md)
		fprintf(out, "**kmb ab**: series `%s` on %s (`%s`)\n\n| | base | patched |\n"
			     "|---|---|---|\n",
			sget(ab, "series", "name"), sget(ab, "arch", NULL), sget(ab, "dir", NULL));
	else
		fprintf(out, "kmb ab: series %s on %s (%s)\n\n%-16s %-44s %s\n",
			sget(ab, "series", "name"), sget(ab, "arch", NULL), sget(ab, "dir", NULL), "",
			"base", "patched");
	for (i = 0; i < KMB_ARRAY_SIZE(rows); i++) {
		row(out, md, rows[i].label, sget(b, "labels", rows[i].key),
		    sget(p, "labels", rows[i].key));
	}
	fmt_build(json_object_get(builds, "base"), vb, sizeof(vb));
	fmt_build(json_object_get(builds, "patched"), vp, sizeof(vp));
	if (json_object_get(builds, "base"))
		row(out, md, "build", vb, vp);
	fmt_boot(b, vb, sizeof(vb));
	fmt_boot(p, vp, sizeof(vp));
	row(out, md, "boot", vb, vp);
	both_skipped(out, ab, md);
	if (json_object_size(diff) == 0) {
		fprintf(out, "\nNo benchmark ran on one side only.\n\n");
		return;
	}
	fprintf(out, md ? "\n**Benchmarks that ran on one side only** (or not at all)\n\n"
			  "| benchmark | base | patched |\n|---|---|---|\n"
			: "\nBenchmarks that ran on one side only (or not at all):\n");
	json_object_foreach((json_t *)diff, name, r) {
		fmt_status(json_object_get(r, "base"), vb, sizeof(vb));
		fmt_status(json_object_get(r, "patched"), vp, sizeof(vp));
		if (md)
			fprintf(out, "| `%s` | %s | %s |\n", name, vb, vp);
		else
			fprintf(out, "  %s\n    base:    %s\n    patched: %s\n", name, vb, vp);
	}
	fputc('\n', out);
}

/* kmb compare --format fmt --out path base patched; its exit status. */
static int run_compare(const char *kmb, const char *abdir, const char *fmt, const char *path,
		       const char *log, char *err, size_t errlen)
{
	char base[4200], patched[4200];
	struct kmb_ab_cmd c = { .log = log };

	snprintf(base, sizeof(base), "%s/base", abdir);
	snprintf(patched, sizeof(patched), "%s/patched", abdir);
	c.argv = (const char *const[]){ kmb, "compare", "--format", fmt, "--out", path, base,
					patched, NULL };
	return kmb_ab_run(&c, err, errlen);
}

static int write_with_header(const char *abdir, const char *name, const char *compare_out,
			     const json_t *ab, const json_t *diff, int md)
{
	char path[4300], *body = compare_out ? kmb_read_text(compare_out) : NULL, *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f) {
		free(body);
		return -1;
	}
	header(f, ab, diff, md);
	if (body)
		fputs(body, f);
	else
		fputs(md ? "_kmb compare gave no report: see ab.json_\n"
			 : "(kmb compare gave no report: see ab.json)\n",
		      f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", abdir, name);
	ret = kmb_write_atomic(path, text, len);
	free(text);
	free(body);
	return ret;
}

int kmb_ab_report(const char *abdir, json_t *ab, const char *kmb, char *err, size_t errlen)
{
	static const char *const fmts[][2] = { { "json", "report.json" },
					       { "html", "report.html" },
					       { "md", "work/compare.md" },
					       { "text", "work/compare.txt" } };
	char path[4300], log[4300], why[1024] = "";
	json_t *bb, *pb, *diff, *codes = json_object();
	int i, rc, status = -1;

	snprintf(path, sizeof(path), "%s/base", abdir);
	bb = kmb_ab_benchmarks(path, err, errlen);
	snprintf(path, sizeof(path), "%s/patched", abdir);
	pb = bb ? kmb_ab_benchmarks(path, err, errlen) : NULL;
	if (!pb) {
		json_decref(bb);
		json_decref(codes);
		return 2;
	}
	diff = one_sided(bb, pb);
	json_object_set_new(ab, "benchmarks", json_pack("{s:o, s:o, s:O}", "base", bb, "patched",
							pb, "one_sided", diff));
	snprintf(log, sizeof(log), "%s/logs/compare.log", abdir);
	for (i = 0; i < (int)KMB_ARRAY_SIZE(fmts); i++) {
		snprintf(path, sizeof(path), "%s/%s", abdir, fmts[i][1]);
		rc = run_compare(kmb, abdir, fmts[i][0], path, log, why, sizeof(why));
		json_object_set_new(codes, fmts[i][0], json_integer(rc));
		/* The text run decides, as `kmb compare` alone would. */
		if (!strcmp(fmts[i][0], "text"))
			status = rc;
	}
	json_object_set_new(ab, "compare", json_pack("{s:o, s:s?}", "exit", codes, "error",
						     status == 0 || status == 1 ? NULL : why));
	snprintf(path, sizeof(path), "%s/work/compare.txt", abdir);
	write_with_header(abdir, "report.txt", status == 0 || status == 1 ? path : NULL, ab, diff,
			  0);
	snprintf(path, sizeof(path), "%s/work/compare.md", abdir);
	write_with_header(abdir, "report.md", status == 0 || status == 1 ? path : NULL, ab, diff,
			  1);
	json_decref(diff);
	if (status != 0 && status != 1) {
		snprintf(err, errlen, "kmb compare: %s", why);
		return 2;
	}
	return status;
}
