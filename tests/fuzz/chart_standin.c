// SPDX-License-Identifier: GPL-2.0-only
/*
 * report/chart.c for the fuzz targets, with gnuplot's part played in
 * process: a million gnuplot runs are not what is being fuzzed, and a fuzzer
 * cannot fork one per input. Everything of ours still runs: the gnuplot
 * script is built from the report's values and labels (chart_script), and the
 * SVG returned in gnuplot's place carries the ids, references and title that
 * embeddable() rewrites, with the chart's title in it as gnuplot would put it,
 * so the input reaches that rewriting too.
 */
#define kmb_chart_svg kmb_chart_svg_with_gnuplot
#include "chart.c"
#undef kmb_chart_svg

char *kmb_chart_svg(const struct kmb_chart *c, char *err, size_t errlen)
{
	char *script = chart_script(c, err, errlen), *svg = NULL, *inline_svg;

	if (!script)
		return NULL;
	if (asprintf(&svg,
		     "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"no\"?>\n"
		     "<svg width=\"480\" height=\"300\" id='gnuplot_canvas'>\n"
		     "<title>Gnuplot</title>\n<text>%s</text>\n"
		     "<defs><circle id='gpPt6' r='1'/></defs>\n"
		     "<use href='#gpPt6' fill=\"url(#gpPat1)\"/>\n</svg>\n",
		     c->title ? c->title : "") < 0)
		svg = NULL;
	free(script);
	if (!svg) {
		snprintf(err, errlen, "chart: out of memory");
		return NULL;
	}
	inline_svg = embeddable(svg, c);
	free(svg);
	if (!inline_svg)
		snprintf(err, errlen, "gnuplot: no SVG in its output for '%s'", c->title);
	return inline_svg;
}
