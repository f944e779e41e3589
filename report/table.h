/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tables of the text formats (terminal, markdown, mail), laid out by
 * libsmartcols: every column as wide as its content; with a width, cells of
 * the columns that may wrap (SCOLS_FL_WRAP) are wrapped so that no line is
 * wider. Callers add columns and lines with libsmartcols' own calls.
 */
#ifndef KMB_TABLE_H
#define KMB_TABLE_H

#include <libsmartcols/libsmartcols.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * A table; width 0: as wide as its content. ascii: tree lines drawn with
 * ASCII (mail) instead of box-drawing characters. sep: between columns.
 */
struct libscols_table *kmb_table_new(size_t width, bool ascii, const char *sep);

/* Print it to out without trailing blanks, and free it. 0 or -1. */
int kmb_table_print(struct libscols_table *tb, FILE *out);
/* The same with prefix before every line (a markdown table's "| "). */
int kmb_table_print_prefixed(struct libscols_table *tb, FILE *out, const char *prefix);

/* Whether text can use UTF-8 (±, µ, box drawing): the locale says so. */
bool kmb_table_utf8(void);

#endif
