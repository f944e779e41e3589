/* SPDX-License-Identifier: GPL-2.0-only */
/* Writing HTML: text is always escaped on its way into a page. */
#ifndef KMB_HTML_H
#define KMB_HTML_H

#include <stdio.h>

/*
 * Write s with &, <, >, " and ' escaped and control characters other than
 * tab and newline dropped, fit for HTML and SVG text (NULL writes nothing).
 */
void kmb_html_escape(FILE *out, const char *s);

#endif
