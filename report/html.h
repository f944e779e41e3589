/* SPDX-License-Identifier: GPL-2.0-only */
/* Writing HTML: text is always escaped on its way into a page. */
#ifndef KMB_HTML_H
#define KMB_HTML_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Write s with &, <, >, " and ' escaped and control characters other than
 * tab and newline dropped, fit for HTML and SVG text (NULL writes nothing).
 */
void kmb_html_escape(FILE *out, const char *s);
/* One character of it: true when c was written as an entity. */
bool kmb_html_escape_char(FILE *out, char c);

/*
 * The one stylesheet of every page kmb writes (compare reports, the
 * dashboard), and the head that carries it: a page with no script and no
 * external reference, held to that by its Content-Security-Policy (images
 * only from next to the page, for the dashboard's gnuplot charts).
 */
extern const char kmb_html_css[];
void kmb_html_page_head(FILE *out, const char *title);
/* Closes the body and the document. */
void kmb_html_page_end(FILE *out);

#endif
