// SPDX-License-Identifier: GPL-2.0-only
/* libsmartcols tables for the text formats (table.h). */
#include "table.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

bool kmb_table_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && !strcmp(cs, "UTF-8");
}

struct libscols_table *kmb_table_new(size_t width, bool ascii, const char *sep)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	if (width) {
		scols_table_set_termforce(tb, SCOLS_TERMFORCE_ALWAYS);
		scols_table_set_termwidth(tb, width);
	} else {
		scols_table_set_termforce(tb, SCOLS_TERMFORCE_NEVER);
	}
	if (ascii || !kmb_table_utf8())
		scols_table_enable_ascii(tb, 1);
	if (sep)
		scols_table_set_column_separator(tb, sep);
	return tb;
}

int kmb_table_print(struct libscols_table *tb, FILE *out)
{
	return kmb_table_print_prefixed(tb, out, "");
}

int kmb_table_print_prefixed(struct libscols_table *tb, FILE *out, const char *prefix)
{
	char *text = NULL, *line, *end;
	int ret = -1;

	if (tb && !scols_print_table_to_string(tb, &text) && text) {
		/* Cells are padded to their column: a line's last ones leave blanks. */
		for (line = text; *line; line = *end ? end + 1 : end) {
			size_t len;

			end = line + strcspn(line, "\n");
			len = (size_t)(end - line);
			while (len && line[len - 1] == ' ')
				len--;
			fputs(prefix, out);
			fwrite(line, 1, len, out);
			fputc('\n', out);
		}
		ret = 0;
	}
	free(text);
	scols_unref_table(tb);
	return ret;
}
