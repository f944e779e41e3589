// SPDX-License-Identifier: GPL-2.0-only
#include "html.h"

const char kmb_html_css[] =
	"body{font:14px/1.45 system-ui,sans-serif;color:#222;max-width:1280px;margin:1.2em auto;"
	"padding:0 1em}\n"
	"h1{font-size:1.4em;margin:.3em 0}h2{font-size:1.15em;margin-top:1.6em;"
	"border-bottom:1px solid #ddd}h3{font-size:1em;margin:.2em 0;word-break:break-all}\n"
	"table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ddd;"
	"padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}\n"
	"td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
	".metrics td:nth-child(2){white-space:nowrap}\n"
	"tr.regression td{background:#fdecea}tr.improvement td{background:#e9f5ea}\n"
	".regression .verdict,.bad{color:#b71c1c;font-weight:bold}"
	".why{font-weight:normal;color:#555;font-size:.88em}td.verdict{min-width:11em}"
	".improvement .verdict{color:#1b5e20;font-weight:bold}.noisy .verdict{color:#8a6d00}\n"
	/* An environment difference that breaks comparability; a series that restarts. */
	"tr.incomparable td{background:#fff3cd;font-weight:bold}"
	"tr.restart td{border-top:3px dashed #e0a800}\n"
	".warn{background:#fff3cd;border-left:4px solid #e0a800;padding:.4em .7em;margin:.5em 0}\n"
	".synthetic{background:#ede7f6;border-left:4px solid #5e35b1;padding:.4em .7em}\n"
	".summary{font-size:1.05em;font-weight:bold}.summary .bad{color:#b71c1c}\n"
	".pass{color:#1b5e20}.fail{color:#b71c1c;font-weight:bold}td.cell{text-align:center}\n"
	".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:1em}\n"
	"figure{margin:.5em 0;padding:.5em;border:1px solid #ddd;border-radius:4px}\n"
	"section.regression figure{border:2px solid #c62828}"
	"section.improvement figure{border:2px solid #2e7d32}\n"
	"figure svg{display:block;max-width:100%;height:auto}"
	"figure img{max-width:100%;height:auto}figcaption{font-size:.88em;color:#444}\n"
	"nav{font-size:.9em;color:#555}a{color:#1f4e79}.note{color:#555;font-size:.9em}\n"
	"svg.spark{display:block}code{font-size:.92em}\n";

void kmb_html_page_head(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "img-src 'self'; style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>",
	      out);
	kmb_html_escape(out, title);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", kmb_html_css);
}

void kmb_html_page_end(FILE *out)
{
	fputs("</body>\n</html>\n", out);
}

bool kmb_html_escape_char(FILE *out, char c)
{
	switch (c) {
	case '&':
		fputs("&amp;", out);
		return true;
	case '<':
		fputs("&lt;", out);
		return true;
	case '>':
		fputs("&gt;", out);
		return true;
	case '"':
		fputs("&quot;", out);
		return true;
	case '\'':
		fputs("&#39;", out);
		return true;
	}
	return false;
}

void kmb_html_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (kmb_html_escape_char(out, *s))
			continue;
		/* Other control characters are not allowed in XML (SVG). */
		if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n' || *s == '\r')
			fputc(*s, out);
	}
}
