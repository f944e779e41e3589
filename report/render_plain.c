// SPDX-License-Identifier: GPL-2.0-only
/* What the terminal text and the mail say around their tables (render.h). */
#include "render.h"
#include "compare.h"
#include "view.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Width 0 is "no wrapping": one line, however long. */
static size_t line_width(size_t width)
{
	return width ? width : SIZE_MAX / 4;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

void kmb_plain_sides(const json_t *doc, FILE *out, size_t width, bool paths)
{
	size_t side, n = kmb_view_nsides(doc);
	char tag[32], name[300], reps[32], first[64], ab[1200], *text = NULL;
	size_t len = 0;

	for (side = 0; side < n; side++) {
		const json_t *s = kmb_view_side(doc, side);
		const char *kernel = jstr(s, "kernel"), *id = jstr(s, "run_id");
		FILE *m = open_memstream(&text, &len);

		if (!m)
			return;
		kmb_view_side_name(doc, side, name, sizeof(name));
		kmb_view_side_n(doc, side, reps, sizeof(reps));
		fprintf(m, "%s:", name);
		if (kernel && strcmp(kernel, name))
			fprintf(m, " kernel %s,", kernel);
		if (id && strcmp(id, name))
			fprintf(m, " run %s,", id);
		if (jstr(s, "host"))
			fprintf(m, " host %s,", jstr(s, "host"));
		if (paths && jstr(s, "path"))
			fprintf(m, " %s,", jstr(s, "path"));
		fprintf(m, " n=%s", reps);
		if (kmb_view_side_ab(doc, side, ab, sizeof(ab)))
			fprintf(m, "; kmb ab: %s", ab);
		fclose(m);
		snprintf(first, sizeof(first), "%-6s ",
			 kmb_view_side_tag(doc, side, tag, sizeof(tag)));
		kmb_view_wrap(out, first, "       ", text, line_width(width));
		free(text);
		text = NULL;
	}
}

void kmb_plain_environment(const json_t *doc, FILE *out, size_t width)
{
	size_t r, i, n = kmb_compare_count(doc);
	char head[64], first[128];
	const json_t *line, *w;
	json_t *lines, *conds;

	for (r = 0; r < n; r++) {
		const json_t *report = kmb_compare_report(doc, r);
		const json_t *env = json_object_get(report, "environment");

		kmb_view_heading(doc, r, "environment", head, sizeof(head));
		lines = kmb_view_env_lines(report, width ? 8 : 20);
		if (!json_array_size(lines))
			fprintf(out, "%s: no difference in what the runs recorded\n", head);
		else
			fprintf(out, "%s:\n", head);
		json_array_foreach(lines, i, line) kmb_view_wrap(
			out, "  ", "      ", json_string_value(line), line_width(width));
		json_decref(lines);
		if (n > 1)
			snprintf(first, sizeof(first), "warning (%s): ",
				 kmb_view_side_tag(doc, r + 1, head, sizeof(head)));
		else
			snprintf(first, sizeof(first), "warning: ");
		json_array_foreach(json_object_get(env, "warnings"), i, w)
			kmb_view_wrap(out, first, "    ", json_string_value(w), line_width(width));
		json_array_foreach(json_object_get(env, "scoped_warnings"), i, w)
			kmb_view_wrap(out, first, "    ", jstr(w, "text"), line_width(width));
		if (jstr(report, "calibration"))
			kmb_view_wrap(out, "calibration: ", "    ", jstr(report, "calibration"),
				      line_width(width));
	}
	conds = kmb_view_conditions(doc);
	json_array_foreach(conds, i, w) {
		snprintf(first, sizeof(first), "warning (%s, %s): ", jstr(w, "sides"),
			 jstr(w, "when"));
		kmb_view_wrap(out, first, "    ", jstr(w, "text"), line_width(width));
	}
	json_decref(conds);
}

void kmb_plain_summary(const json_t *doc, FILE *out, size_t width, bool color)
{
	size_t r, n = kmb_compare_count(doc);
	char head[64], first[128], text[1200];

	for (r = 0; r < n; r++) {
		const json_t *report = kmb_compare_report(doc, r);
		const json_t *t = json_object_get(report, "tally");
		bool bad = json_integer_value(json_object_get(t, "regressions")) ||
			   json_integer_value(json_object_get(t, "lost"));

		kmb_view_heading(doc, r, "summary", head, sizeof(head));
		kmb_view_tally(report, text, sizeof(text));
		snprintf(first, sizeof(first), "%s%s: ", color && bad ? KMB_BOLD : "", head);
		kmb_view_wrap(out, first, "    ", text, line_width(width));
		if (color && bad)
			fputs(KMB_RESET, out);
	}
}

static const char *or_ran(const json_t *row, const char *key)
{
	const char *s = jstr(row, key);

	return s && *s ? s : "ran";
}

void kmb_plain_outcomes(const json_t *doc, FILE *out, size_t width, bool color)
{
	size_t r, i, n = kmb_compare_count(doc);
	char head[96], first[600];
	const json_t *row;

	for (r = 0; r < n; r++) {
		const json_t *rows = json_object_get(kmb_compare_report(doc, r), "benchmarks");

		if (!json_array_size(rows))
			continue;
		kmb_view_heading(doc, r, "benchmarks that did not run in both", head,
				 sizeof(head));
		fprintf(out, "\n%s:\n", head);
		json_array_foreach(rows, i, row) {
			bool bad = json_is_true(json_object_get(row, "regression"));
			char *text = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&text, &len);

			if (!m)
				return;
			fprintf(m, "%s%s", jstr(row, "benchmark"),
				jstr(row, "note") ? " -- " : "");
			if (jstr(row, "note"))
				fputs(jstr(row, "note"), m);
			fclose(m);
			snprintf(first, sizeof(first), "  %s%-16s%s ", color && bad ? KMB_RED : "",
				 jstr(row, "status"), color && bad ? KMB_RESET : "");
			kmb_view_wrap(out, first, "    ", text, line_width(width));
			kmb_view_wrap(out, "    base: ", "      ", or_ran(row, "base"),
				      line_width(width));
			kmb_view_wrap(out, "    cand: ", "      ", or_ran(row, "cand"),
				      line_width(width));
			free(text);
		}
	}
}

void kmb_plain_noisy(const json_t *doc, FILE *out, size_t width)
{
	json_t *groups = kmb_view_noisy(doc), *g, *m;
	size_t i, k;

	if (json_array_size(groups))
		fprintf(out, "\nwhy noisy:\n");
	json_array_foreach(groups, i, g) {
		char *names = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&names, &len);

		if (!f)
			break;
		json_array_foreach(json_object_get(g, "metrics"), k, m)
			fprintf(f, "%s%s", k ? ", " : "", json_string_value(m));
		fclose(f);
		kmb_view_wrap(out, "  ", "    ", jstr(g, "reason"), line_width(width));
		kmb_view_wrap(out, "    ", "    ", names, line_width(width));
		free(names);
	}
	json_decref(groups);
}

void kmb_plain_legend(const json_t *doc, FILE *out, size_t width,
		      const struct kmb_view_grid *g, bool spread, bool marks)
{
	char text[1600];

	fprintf(out, "\nlegend:\n");
	kmb_view_rule(doc, text, sizeof(text));
	kmb_view_wrap(out, "  ", "  ", text, line_width(width));
	kmb_view_wrap(out, "  ", "  ", kmb_view_change_text, line_width(width));
	if (spread)
		kmb_view_wrap(out, "  ", "  ", kmb_view_spread_text, line_width(width));
	if (marks)
		kmb_view_wrap(out, "  ", "  ",
			      "marks after a %change: R regression, I improvement, ? noisy, - not "
			      "judged; none: unchanged",
			      line_width(width));
	kmb_view_ci_levels(doc, text, sizeof(text));
	if (*text)
		kmb_view_wrap(out, "  ", "  ", text, line_width(width));
	if (g->hidden) {
		snprintf(text, sizeof(text),
			 "%zu metric(s) not judged are not shown (census counts, CPU time under "
			 "manual timing, /proc/vmstat deltas); --all shows them",
			 g->hidden);
		kmb_view_wrap(out, "  ", "  ", text, line_width(width));
	}
	if (g->unmoved) {
		snprintf(text, sizeof(text),
			 "%zu /proc/vmstat delta(s) that were 0 in every repetition are left out",
			 g->unmoved);
		kmb_view_wrap(out, "  ", "  ", text, line_width(width));
	}
}
