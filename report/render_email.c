// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb compare for a mail (a cover letter, LKML): plain text, never wider than
 * 80 columns, rows as kernel developers know them from the LKP robot
 * ("base ±%stddev %change patched ±%stddev metric", under each benchmark's
 * name), values in human units,
 * then why metrics are noisy and how to read it all. Several candidates
 * share the base column, a %change column each, at most three to a table.
 */
#include "compare.h"
#include "render.h"
#include "table.h"
#include "util.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

#define EMAIL_WIDTH 80
#define CANDIDATES_PER_TABLE 3

static const char *spread_header(void)
{
	return kmb_table_utf8() ? "±%" : "+-%";
}

static void single_line(struct libscols_line *ln, const struct kmb_view_key *k)
{
	struct kmb_view_cell b, c;
	char change[24];

	kmb_view_cell(k, k->first, "base", &b);
	kmb_view_cell(k, k->first, "cand", &c);
	kmb_view_change(k->first, change, sizeof(change));
	scols_line_set_data(ln, 0, b.median);
	scols_line_set_data(ln, 1, b.spread);
	scols_line_set_data(ln, 2, change);
	scols_line_set_data(ln, 3, c.median);
	scols_line_set_data(ln, 4, c.spread);
	scols_line_set_data(ln, 5, kmb_view_verdict(k->first));
	scols_line_set_data(ln, 6, k->metric);
}

/* Candidates first..first+count-1, a %change with its verdict's mark each. */
static void several_line(struct libscols_line *ln, const struct kmb_view_key *k, size_t first,
			 size_t count)
{
	struct kmb_view_cell b;
	char change[24], cell[32];
	size_t i;

	kmb_view_cell(k, k->first, "base", &b);
	scols_line_set_data(ln, 0, b.median);
	scols_line_set_data(ln, 1, b.spread);
	for (i = 0; i < count; i++) {
		const json_t *row = k->rows[first + i];

		if (!row)
			continue;
		kmb_view_change(row, change, sizeof(change));
		snprintf(cell, sizeof(cell), "%s %s", change, kmb_view_mark(row));
		scols_line_set_data(ln, 2 + i, cell);
	}
	scols_line_set_data(ln, 2 + count, k->metric);
}

/*
 * Lines first..last of tb as text without trailing blanks (libsmartcols
 * pads cells to their column); the column heads come with the first line.
 */
static char *range_text(struct libscols_table *tb, struct libscols_line *first,
			struct libscols_line *last)
{
	char *text = NULL, *out = NULL, *line, *end;
	size_t len = 0;
	FILE *m;

	if (scols_table_print_range_to_string(tb, first, last, &text) || !text ||
	    !(m = open_memstream(&out, &len))) {
		free(text);
		return NULL;
	}
	for (line = text; *line; line = *end ? end + 1 : end) {
		size_t n;

		end = line + strcspn(line, "\n");
		n = (size_t)(end - line);
		while (n && line[n - 1] == ' ')
			n--;
		fwrite(line, 1, n, m);
		fputc('\n', m);
	}
	fclose(m);
	free(text);
	return out;
}

/*
 * The table of candidates first..first+count-1 as text, sep between the
 * columns. Each benchmark's name is a line of its own above its metrics, as
 * wide as the mail allows; the metrics' lines are one table (libsmartcols
 * prints it in ranges with the same column widths).
 */
static char *table_text(const struct kmb_view_grid *g, size_t first, size_t count,
			const char *sep)
{
	struct libscols_table *tb = kmb_table_new(EMAIL_WIDTH, true, sep);
	struct libscols_line **lines;
	char name[32], *text = NULL;
	size_t i, k, len = 0;
	FILE *m;

	lines = calloc(g->nkeys ? g->nkeys : 1, sizeof(*lines));
	if (!tb || !lines) {
		free(lines);
		scols_unref_table(tb);
		return NULL;
	}
	scols_table_new_column(tb, "base", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, spread_header(), 0, SCOLS_FL_RIGHT);
	if (g->ncand == 1) {
		scols_table_new_column(tb, "%change", 0, SCOLS_FL_RIGHT);
		scols_table_new_column(tb, "cand", 0, SCOLS_FL_RIGHT);
		scols_table_new_column(tb, spread_header(), 0, SCOLS_FL_RIGHT);
		scols_table_new_column(tb, "verdict", 0, 0);
	} else {
		for (i = 0; i < count; i++) {
			snprintf(name, sizeof(name), "cand%zu", first + i + 1);
			scols_table_new_column(tb, name, 0, SCOLS_FL_RIGHT);
		}
	}
	scols_table_new_column(tb, "metric", 0, SCOLS_FL_WRAP);
	for (i = 0; i < g->nkeys; i++) {
		lines[i] = scols_table_new_line(tb, NULL);
		if (g->ncand == 1)
			single_line(lines[i], &g->keys[i]);
		else
			several_line(lines[i], &g->keys[i], first, count);
	}
	m = open_memstream(&text, &len);
	for (i = 0; m && i < g->nkeys; i = k) {
		char *rows;

		for (k = i + 1; k < g->nkeys && !strcmp(g->keys[k].bench, g->keys[i].bench); k++)
			;
		rows = range_text(tb, lines[i], lines[k - 1]);
		if (!rows)
			break;
		/* The column heads come with the first range: above the first name. */
		if (i == 0) {
			size_t head = strcspn(rows, "\n") + 1;

			fwrite(rows, 1, head, m);
			memmove(rows, rows + head, strlen(rows + head) + 1);
		}
		kmb_view_wrap(m, "", "  ", g->keys[i].bench, EMAIL_WIDTH);
		fputs(rows, m);
		free(rows);
	}
	if (m)
		fclose(m);
	free(lines);
	scols_unref_table(tb);
	return text;
}

/*
 * libsmartcols wraps the metric names to what the number columns leave, but
 * never makes a column narrower than its heading or its numbers: with very
 * wide values the table is laid out again with one blank between columns.
 */
static void one_table(const struct kmb_view_grid *g, FILE *out, size_t first, size_t count)
{
	static const char *const seps[] = { "  ", " " };
	char *text = NULL;
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(seps); i++) {
		free(text);
		text = table_text(g, first, count, seps[i]);
		if (!text || kmb_view_max_width(text) <= EMAIL_WIDTH)
			break;
	}
	if (text) {
		fputc('\n', out);
		fputs(text, out);
	}
	free(text);
}

static void tables(const json_t *doc, FILE *out, bool all, struct kmb_view_grid *left_out)
{
	struct kmb_view_grid g;
	size_t first;

	if (kmb_view_grid(doc, all, &g))
		return;
	left_out->hidden = g.hidden;
	left_out->unmoved = g.unmoved;
	for (first = 0; g.nkeys && first < g.ncand; first += CANDIDATES_PER_TABLE)
		one_table(&g, out, first,
			  g.ncand - first < CANDIDATES_PER_TABLE ? g.ncand - first
								 : CANDIDATES_PER_TABLE);
	kmb_view_grid_free(&g);
}

static void title(const json_t *doc, FILE *out)
{
	char text[700];

	kmb_view_wrap(out, "kmb compare: ", "  ", kmb_view_title(doc, text, sizeof(text)),
		      EMAIL_WIDTH);
	fputc('\n', out);
}

void kmb_render_email(const json_t *doc, FILE *out, bool all)
{
	struct kmb_view_grid left_out = { 0 };

	title(doc, out);
	kmb_plain_sides(doc, out, EMAIL_WIDTH, false);
	fputc('\n', out);
	kmb_plain_environment(doc, out, EMAIL_WIDTH);
	fputc('\n', out);
	kmb_plain_summary(doc, out, EMAIL_WIDTH, false);
	kmb_plain_outcomes(doc, out, EMAIL_WIDTH, false);
	tables(doc, out, all, &left_out);
	kmb_plain_noisy(doc, out, EMAIL_WIDTH);
	kmb_plain_legend(doc, out, EMAIL_WIDTH, &left_out, true, kmb_compare_count(doc) > 1);
}
