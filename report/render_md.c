// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb compare as markdown (a pull request, a wiki): the same content as the
 * terminal text, in pipe tables whose columns are aligned to their content
 * so the source reads as well as the rendered page. Cell text is escaped:
 * "|" would end a cell and HTML would be rendered.
 */
#include "compare.h"
#include "html.h"
#include "render.h"
#include "table.h"
#include "util.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void md_esc(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n')
			fputc(' ', out);
		else if (!kmb_html_escape_char(out, *s))
			fputc(*s, out);
	}
}

/* Set a cell to s escaped, with before and after around it (bold). */
static void md_cell(struct libscols_line *ln, size_t col, const char *s, const char *around)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return;
	fputs(around, m);
	md_esc(m, s);
	fputs(around, m);
	fclose(m);
	scols_line_set_data(ln, col, text);
	free(text);
}

/* A pipe table: columns named, right-aligned where a name starts with '>'. */
static struct libscols_table *md_table(const char *const *names, size_t n)
{
	struct libscols_table *tb = kmb_table_new(0, false, " | ");
	struct libscols_line *delim;
	size_t i;

	if (!tb)
		return NULL;
	for (i = 0; i < n; i++) {
		bool right = names[i][0] == '>';

		scols_table_new_column(tb, names[i] + right, 0, right ? SCOLS_FL_RIGHT : 0);
	}
	/* An empty last column closes every line with a pipe. */
	scols_table_new_column(tb, "", 0, 0);
	delim = scols_table_new_line(tb, NULL);
	for (i = 0; i < n; i++)
		scols_line_set_data(delim, i, names[i][0] == '>' ? "--:" : "---");
	return tb;
}

static void put_table(struct libscols_table *tb, FILE *out)
{
	fputc('\n', out);
	kmb_table_print_prefixed(tb, out, "| ");
}

static void sides(const json_t *doc, FILE *out)
{
	static const char *const cols[] = { "", "name", "kernel", "run", "host", ">n" };
	struct libscols_table *tb = md_table(cols, KMB_ARRAY_SIZE(cols));
	size_t side, n = kmb_view_nsides(doc), listed;
	char tag[32], name[300], reps[32];

	if (!tb)
		return;
	for (side = 0; side < n; side++) {
		const json_t *s = kmb_view_side(doc, side);
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		md_cell(ln, 0, kmb_view_side_tag(doc, side, tag, sizeof(tag)), "");
		md_cell(ln, 1, kmb_view_side_name(doc, side, name, sizeof(name)), "**");
		md_cell(ln, 2, jstr(s, "kernel"), "");
		md_cell(ln, 3, jstr(s, "run_id"), "");
		md_cell(ln, 4, jstr(s, "host"), "");
		kmb_view_side_n(doc, side, reps, sizeof(reps));
		md_cell(ln, 5, reps, "");
	}
	put_table(tb, out);
	for (side = 0, listed = 0; side < n; side++) {
		char ab[1200];

		if (!kmb_view_side_ab(doc, side, ab, sizeof(ab)))
			continue;
		fprintf(out, "%s- %s, kmb ab side: ", listed++ ? "" : "\n",
			kmb_view_side_tag(doc, side, tag, sizeof(tag)));
		md_esc(out, ab);
		fputc('\n', out);
	}
}

static void heading(const json_t *doc, size_t r, const char *what, FILE *out)
{
	char text[200];

	fprintf(out, "**%s**", kmb_view_heading(doc, r, what, text, sizeof(text)));
}

static void quote(FILE *out, const char *who, const char *text)
{
	fprintf(out, "\n> **warning**%s%s: ", *who ? " " : "", who);
	md_esc(out, text);
	fputc('\n', out);
}

static void report_header(const json_t *doc, size_t r, FILE *out)
{
	const json_t *report = kmb_compare_report(doc, r), *env, *w;
	char tally[1200], who[64] = "", tag[32];
	json_t *lines;
	size_t i;

	env = json_object_get(report, "environment");
	fputc('\n', out);
	heading(doc, r, "summary", out);
	kmb_view_tally(report, tally, sizeof(tally));
	fputs(": ", out);
	md_esc(out, tally);
	fputc('\n', out);
	if (kmb_compare_count(doc) > 1)
		snprintf(who, sizeof(who), "(%s)", kmb_view_side_tag(doc, r + 1, tag, sizeof(tag)));
	json_array_foreach(json_object_get(env, "warnings"), i, w)
		quote(out, who, json_string_value(w));
	json_array_foreach(json_object_get(env, "scoped_warnings"), i, w)
		quote(out, who, jstr(w, "text"));
	lines = kmb_view_env_lines(report, 20);
	fputc('\n', out);
	heading(doc, r, "environment", out);
	fputs(json_array_size(lines) ? ":\n\n" : ": no difference in what the runs recorded\n",
	      out);
	json_array_foreach(lines, i, w) {
		const char *p = json_string_value(w), *arrow;

		/* "a -> b" as "a → b": an escaped ">" reads badly in the source. */
		fputs("- ", out);
		while ((arrow = strstr(p, " -> "))) {
			char *part = strndup(p, (size_t)(arrow - p));

			md_esc(out, part);
			fputs(" → ", out);
			free(part);
			p = arrow + 4;
		}
		md_esc(out, p);
		fputc('\n', out);
	}
	json_decref(lines);
	if (jstr(report, "calibration")) {
		fputs("\n**calibration**: ", out);
		md_esc(out, jstr(report, "calibration"));
		fputc('\n', out);
	}
}

/* What spoiled the timing of each side, as its manifest recorded it. */
static void conditions(const json_t *doc, FILE *out)
{
	json_t *conds = kmb_view_conditions(doc), *c;
	size_t i;

	json_array_foreach(conds, i, c) {
		char who[400];

		snprintf(who, sizeof(who), "(%s, %s)", jstr(c, "sides"), jstr(c, "when"));
		quote(out, who, jstr(c, "text"));
	}
	json_decref(conds);
}

static void outcomes(const json_t *doc, FILE *out)
{
	static const char *const cols[] = { "benchmark", "status", "base", "cand" };
	size_t r, i, n = kmb_compare_count(doc);
	const json_t *row;

	for (r = 0; r < n; r++) {
		const json_t *rows = json_object_get(kmb_compare_report(doc, r), "benchmarks");
		struct libscols_table *tb;

		if (!json_array_size(rows) || !(tb = md_table(cols, KMB_ARRAY_SIZE(cols))))
			continue;
		fputc('\n', out);
		heading(doc, r, "benchmarks that did not run in both", out);
		fputc('\n', out);
		json_array_foreach(rows, i, row) {
			struct libscols_line *ln = scols_table_new_line(tb, NULL);
			bool bad = json_is_true(json_object_get(row, "regression"));
			char status[600];

			md_cell(ln, 0, jstr(row, "benchmark"), "");
			snprintf(status, sizeof(status), "%s%s%s%s%s", bad ? "**" : "",
				 jstr(row, "status"), bad ? "**" : "",
				 jstr(row, "note") ? "; " : "",
				 jstr(row, "note") ? jstr(row, "note") : "");
			md_cell(ln, 1, status, "");
			md_cell(ln, 2, jstr(row, "base") ? jstr(row, "base") : "ran", "");
			md_cell(ln, 3, jstr(row, "cand") ? jstr(row, "cand") : "ran", "");
		}
		put_table(tb, out);
	}
}

static void metrics(const json_t *doc, FILE *out, bool all, struct kmb_view_grid *left_out)
{
	static const char *const one[] = { "benchmark", "metric", ">base", "[CI]", ">n", ">cand",
					   "[CI]", ">n", ">%change", ">floor", "shift [CI]",
					   ">p", "verdict" };
	struct kmb_view_grid g;
	struct libscols_table *tb;
	const char **cols;
	size_t i, c, ncols;
	char text[160], names[64][16];

	if (kmb_view_grid(doc, all, &g))
		return;
	left_out->hidden = g.hidden;
	left_out->unmoved = g.unmoved;
	if (g.ncand == 1) {
		cols = (const char **)one;
		ncols = KMB_ARRAY_SIZE(one);
	} else {
		ncols = 5 + 3 * g.ncand;
		cols = calloc(ncols, sizeof(*cols));
		if (!cols || g.ncand > 20) {
			free(cols);
			kmb_view_grid_free(&g);
			return;
		}
		cols[0] = "benchmark", cols[1] = "metric", cols[2] = ">base", cols[3] = "[CI]";
		cols[4] = ">n";
		for (i = 0; i < g.ncand; i++) {
			snprintf(names[i], sizeof(names[i]), ">cand%zu", i + 1);
			cols[5 + 3 * i] = names[i];
			cols[6 + 3 * i] = ">%change";
			cols[7 + 3 * i] = "verdict";
		}
	}
	tb = md_table(cols, ncols);
	for (i = 0; tb && i < g.nkeys; i++) {
		const struct kmb_view_key *k = &g.keys[i];
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		struct kmb_view_cell cell;
		size_t r;

		md_cell(ln, 0, k->bench, "");
		md_cell(ln, 1, k->metric, "");
		kmb_view_cell(k, k->first, "base", &cell);
		md_cell(ln, 2, cell.median, "");
		md_cell(ln, 3, cell.ci, "");
		md_cell(ln, 4, cell.n, "");
		for (r = 0, c = 5; r < g.ncand; r++) {
			const json_t *row = k->rows[r];
			const char *v = kmb_view_verdict(row);
			const char *bold = !strcmp(v, "regression") ? "**" : "";

			if (!row) {
				c += g.ncand == 1 ? 8 : 3;
				continue;
			}
			kmb_view_cell(k, row, "cand", &cell);
			md_cell(ln, c++, cell.median, "");
			if (g.ncand == 1) {
				md_cell(ln, c++, cell.ci, "");
				md_cell(ln, c++, cell.n, "");
			}
			kmb_view_change(row, text, sizeof(text));
			md_cell(ln, c++, text, "");
			if (g.ncand == 1) {
				kmb_unit_percent(
					json_number_value(json_object_get(row, "noise_floor")),
					false, text, sizeof(text));
				md_cell(ln, c++, strcmp(v, "not judged") ? text : "-", "");
				kmb_view_shift(k, row, text, sizeof(text));
				md_cell(ln, c++, text, "");
				kmb_view_p(row, text, sizeof(text));
				md_cell(ln, c++, text, "");
			}
			md_cell(ln, c++, v, bold);
		}
	}
	if (tb && g.nkeys)
		put_table(tb, out);
	else if (tb)
		scols_unref_table(tb);
	if (cols != (const char **)one)
		free(cols);
	kmb_view_grid_free(&g);
}

static void noisy(const json_t *doc, FILE *out)
{
	json_t *groups = kmb_view_noisy(doc), *g, *m;
	size_t i, k;

	if (json_array_size(groups))
		fputs("\n**why noisy**:\n\n", out);
	json_array_foreach(groups, i, g) {
		fputs("- ", out);
		md_esc(out, jstr(g, "reason"));
		fputs(": ", out);
		json_array_foreach(json_object_get(g, "metrics"), k, m) {
			fputs(k ? ", " : "", out);
			md_esc(out, json_string_value(m));
		}
		fputc('\n', out);
	}
	json_decref(groups);
}

static void legend(const json_t *doc, FILE *out, const struct kmb_view_grid *left_out)
{
	char text[1600];
	fputs("\n", out);
	kmb_view_rule(doc, text, sizeof(text));
	md_esc(out, text);
	fputs(" The ", out);
	md_esc(out, kmb_view_change_text);
	fputs(". The shift is the Hodges-Lehmann estimate of cand - base. ", out);
	kmb_view_ci_levels(doc, text, sizeof(text));
	if (*text) {
		text[0] = (char)(text[0] - 'a' + 'A');
		md_esc(out, text);
		fputc('.', out);
	}
	if (left_out->hidden)
		fprintf(out, " %zu metric(s) not judged are not shown (census counts, CPU time "
			     "under manual timing, /proc/vmstat deltas; --all shows them).",
			left_out->hidden);
	if (left_out->unmoved)
		fprintf(out, " %zu /proc/vmstat delta(s) that were 0 in every repetition are left "
			     "out.",
			left_out->unmoved);
	fputc('\n', out);
}

void kmb_render_markdown(const json_t *doc, FILE *out, bool all)
{
	char title[700];
	size_t r, n = kmb_compare_count(doc);
	struct kmb_view_grid left_out = { 0 };

	fputs("**kmb compare**: ", out);
	md_esc(out, kmb_view_title(doc, title, sizeof(title)));
	fputc('\n', out);
	sides(doc, out);
	for (r = 0; r < n; r++)
		report_header(doc, r, out);
	conditions(doc, out);
	outcomes(doc, out);
	metrics(doc, out, all, &left_out);
	noisy(doc, out);
	legend(doc, out, &left_out);
}
