// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmb compare for a terminal: who is compared, the environment, the summary,
 * then one table with a line per benchmark and metric, its columns as wide
 * as their content (on a terminal, the names wrap to its width).
 */
#include "compare.h"
#include "render.h"
#include "table.h"
#include "view.h"

#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *verdict_color(const char *v)
{
	if (!strcmp(v, "regression"))
		return "red";
	if (!strcmp(v, "improvement"))
		return "green";
	if (!strcmp(v, "noisy"))
		return "yellow";
	return NULL;
}

static void set_cell(struct libscols_line *ln, size_t col, const char *text, const char *color)
{
	scols_line_set_data(ln, col, text);
	if (color)
		scols_cell_set_color(scols_line_get_cell(ln, col), color);
}

static void add_columns(struct libscols_table *tb, size_t ncand)
{
	char name[32];
	size_t i;

	scols_table_new_column(tb, "benchmark / metric", 0, SCOLS_FL_TREE | SCOLS_FL_WRAP);
	scols_table_new_column(tb, "base", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tb, "[CI]", 0, 0);
	scols_table_new_column(tb, "n", 0, SCOLS_FL_RIGHT);
	for (i = 0; i < ncand; i++) {
		if (ncand == 1)
			snprintf(name, sizeof(name), "cand");
		else
			snprintf(name, sizeof(name), "cand%zu", i + 1);
		scols_table_new_column(tb, name, 0, SCOLS_FL_RIGHT);
		if (ncand == 1)
			scols_table_new_column(tb, "[CI]", 0, 0);
		scols_table_new_column(tb, "n", 0, SCOLS_FL_RIGHT);
		scols_table_new_column(tb, "%change", 0, SCOLS_FL_RIGHT);
		if (ncand == 1) {
			scols_table_new_column(tb, "floor", 0, SCOLS_FL_RIGHT);
			scols_table_new_column(tb, "shift [CI]", 0, SCOLS_FL_WRAP);
		}
		scols_table_new_column(tb, "p", 0, SCOLS_FL_RIGHT);
		scols_table_new_column(tb, "verdict", 0, 0);
	}
}

static void metric_line(struct libscols_line *ln, const struct kmb_view_key *k, size_t ncand,
			bool color)
{
	struct kmb_view_cell c;
	char text[160];
	size_t i, col = 1;

	scols_line_set_data(ln, 0, k->metric);
	kmb_view_cell(k, k->first, "base", &c);
	scols_line_set_data(ln, col++, c.median);
	scols_line_set_data(ln, col++, c.ci);
	scols_line_set_data(ln, col++, c.n);
	for (i = 0; i < ncand; i++) {
		const json_t *row = k->rows[i];
		const char *v = kmb_view_verdict(row);

		if (!row) {
			col += ncand == 1 ? 8 : 5;
			continue;
		}
		kmb_view_cell(k, row, "cand", &c);
		scols_line_set_data(ln, col++, c.median);
		if (ncand == 1)
			scols_line_set_data(ln, col++, c.ci);
		scols_line_set_data(ln, col++, c.n);
		kmb_view_change(row, text, sizeof(text));
		scols_line_set_data(ln, col++, text);
		if (ncand == 1) {
			kmb_unit_percent(json_number_value(json_object_get(row, "noise_floor")),
					 false, text, sizeof(text));
			scols_line_set_data(ln, col++, strcmp(v, "not judged") ? text : "-");
			kmb_view_shift(k, row, text, sizeof(text));
			scols_line_set_data(ln, col++, text);
		}
		kmb_view_p(row, text, sizeof(text));
		scols_line_set_data(ln, col++, text);
		set_cell(ln, col++, v, color ? verdict_color(v) : NULL);
	}
}

static size_t terminal_width(void)
{
	struct winsize ws;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col >= 40)
		return ws.ws_col;
	return 0;
}

static void table(const json_t *doc, FILE *out, bool color, bool all,
		  struct kmb_view_grid *left_out)
{
	struct kmb_view_grid g;
	struct libscols_table *tb;
	struct libscols_line *parent = NULL;
	const char *last = "";
	size_t i;

	if (kmb_view_grid(doc, all, &g))
		return;
	left_out->hidden = g.hidden;
	left_out->unmoved = g.unmoved;
	tb = kmb_table_new(color ? terminal_width() : 0, false, "  ");
	if (!tb) {
		kmb_view_grid_free(&g);
		return;
	}
	scols_table_enable_colors(tb, color);
	add_columns(tb, g.ncand);
	for (i = 0; i < g.nkeys; i++) {
		const struct kmb_view_key *k = &g.keys[i];

		if (strcmp(k->bench, last)) {
			parent = scols_table_new_line(tb, NULL);
			scols_line_set_data(parent, 0, k->bench);
			last = k->bench;
		}
		metric_line(scols_table_new_line(tb, parent), k, g.ncand, color);
	}
	fputc('\n', out);
	if (g.nkeys)
		kmb_table_print(tb, out);
	else
		scols_unref_table(tb);
	kmb_view_grid_free(&g);
}

void kmb_render_text(const json_t *doc, FILE *out, bool color, bool all)
{
	struct kmb_view_grid left_out = { 0 };

	fprintf(out, "kmb compare\n");
	kmb_plain_sides(doc, out, 0, true);
	kmb_plain_environment(doc, out, 0);
	kmb_plain_summary(doc, out, 0, color);
	kmb_plain_outcomes(doc, out, 0, color);
	table(doc, out, color, all, &left_out);
	kmb_plain_noisy(doc, out, 0);
	kmb_plain_legend(doc, out, 0, &left_out, false, false);
}
