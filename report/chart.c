// SPDX-License-Identifier: GPL-2.0-only
/*
 * gnuplot runs once per chart on a script in a private directory (mkdtemp,
 * so 0700): nothing another user can plant or read is involved. The samples
 * go into the script as datablocks, so there are no data files, and the
 * directory is removed before we return.
 */
#include "chart.h"
#include "html.h"
#include "atomic.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GNUPLOT_TIMEOUT_MS 10000

/*
 * Okabe and Ito's palette (distinct under every common colour-vision
 * deficiency), base first: blue, orange, bluish green, reddish purple, sky
 * blue, vermillion, yellow, black; and a filled marker shape per side
 * (gnuplot point types).
 */
static const struct {
	const char *color, *marker;
	int pt;
} looks[KMB_CHART_MAX_SIDES] = {
	{ "#0072b2", "circle", 7 },	    { "#e69f00", "triangle", 9 },
	{ "#009e73", "square", 5 },	    { "#cc79a7", "diamond", 13 },
	{ "#56b4e9", "inverted triangle", 11 }, { "#d55e00", "pentagon", 15 },
	{ "#b8a100", "circle", 7 },	    { "#000000", "triangle", 9 },
};

const char *kmb_chart_color(size_t side)
{
	return looks[side % KMB_CHART_MAX_SIDES].color;
}

const char *kmb_chart_marker(size_t side)
{
	return looks[side % KMB_CHART_MAX_SIDES].marker;
}

/* A changed metric gets a heavy frame and a title in its verdict's colour. */
static void frame_for(const char *verdict, const char **accent, const char **width)
{
	*accent = "#333333";
	*width = "0.5";
	if (verdict && !strcmp(verdict, "regression")) {
		*accent = "#b2182b";
		*width = "2";
	} else if (verdict && !strcmp(verdict, "improvement")) {
		*accent = "#1b7837";
		*width = "2";
	}
}

/* A gnuplot single-quoted string: only ' is special; control characters go. */
void kmb_gnuplot_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputs("''", f);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('\'', f);
}

/*
 * Spread the points sideways so equal values stay visible. The golden-ratio
 * sequence is even and deterministic: a report rendered twice is identical.
 */
static double jitter(size_t i)
{
	return (fmod(0.5 + (double)i * 0.6180339887498949, 1.0) - 0.5) * 0.3;
}

/* $sI datablock of side i's samples around x = i + 1; false when it has none. */
static bool put_samples(FILE *f, size_t i, const struct kmb_chart_side *s)
{
	size_t k, n = 0;

	fprintf(f, "$s%zu << EOD\n", i);
	for (k = 0; s->samples && k < s->n; k++) {
		if (isfinite(s->samples[k])) {
			fprintf(f, "%.4f %.17g\n", (double)(i + 1) + jitter(k), s->samples[k]);
			n++;
		}
	}
	fprintf(f, "EOD\n");
	return n > 0;
}

/* $median: a bar across the points (vectors); $ci: an error bar to their right. */
static void put_summaries(FILE *f, const struct kmb_chart *c, bool *median, bool *ci)
{
	size_t i;

	*median = *ci = false;
	fprintf(f, "$median << EOD\n");
	for (i = 0; i < c->nsides; i++) {
		if (isfinite(c->sides[i].median)) {
			fprintf(f, "%.2f %.17g 0.5 0\n", (double)(i + 1) - 0.25,
				c->sides[i].median);
			*median = true;
		}
	}
	fprintf(f, "EOD\n$ci << EOD\n");
	for (i = 0; i < c->nsides; i++) {
		const struct kmb_chart_side *s = &c->sides[i];

		if (isfinite(s->median) && isfinite(s->ci_lo) && isfinite(s->ci_hi)) {
			fprintf(f, "%.2f %.17g %.17g %.17g\n", (double)(i + 1) + 0.3, s->median,
				s->ci_lo, s->ci_hi);
			*ci = true;
		}
	}
	fprintf(f, "EOD\n");
}

static bool all_non_negative(const struct kmb_chart *c)
{
	size_t i, k;

	for (i = 0; i < c->nsides; i++) {
		for (k = 0; c->sides[i].samples && k < c->sides[i].n; k++) {
			if (c->sides[i].samples[k] < 0)
				return false;
		}
	}
	return true;
}

static void put_setup(FILE *f, const struct kmb_chart *c)
{
	const char *accent, *width;
	size_t i;

	frame_for(c->verdict, &accent, &width);
	fprintf(f, "set title ");
	kmb_gnuplot_quote(f, c->title);
	fprintf(f, " noenhanced textcolor rgb '%s'\n", accent);
	fprintf(f, "set border 15 linecolor rgb '%s' linewidth %s\n", accent, width);
	fprintf(f, "set xrange [0.4:%zu.6]\nset xtics (", c->nsides);
	for (i = 0; i < c->nsides; i++) {
		char label[160];

		snprintf(label, sizeof(label), "%s (n=%zu)",
			 c->sides[i].name ? c->sides[i].name : "?", c->sides[i].n);
		fputs(i ? ", " : "", f);
		kmb_gnuplot_quote(f, label);
		fprintf(f, " %zu", i + 1);
	}
	fprintf(f, ") nomirror scale 0 textcolor rgb '#333333' noenhanced\n");
	fprintf(f, "set ytics nomirror textcolor rgb '#333333'\n"
		   "set grid ytics linecolor rgb '#e0e0e0'\n");
	fprintf(f, "set offsets 0, 0, graph 0.08, graph 0.08\nunset key\nset bars 2\n");
	/* A time starts at 0; nothing that cannot be negative gets a negative axis. */
	if (c->from_zero)
		fprintf(f, "set yrange [0:*]\n");
	else if (all_non_negative(c))
		fprintf(f, "set yrange [0<*:*]\n");
	if (c->ylabel && *c->ylabel) {
		fprintf(f, "set ylabel ");
		kmb_gnuplot_quote(f, c->ylabel);
		fprintf(f, " noenhanced\n");
	}
}

/* Only the non-empty datablocks are plotted: gnuplot complains about the others. */
static void put_plot(FILE *f, const struct kmb_chart *c, const bool *have, bool median, bool ci)
{
	bool first = true;
	size_t i;

	for (i = 0; i < c->nsides; i++) {
		if (!have[i])
			continue;
		fprintf(f, "%s$s%zu using 1:2 with points pt %d ps 0.9 lc rgb '%s'",
			first ? "plot " : ", \\\n     ", i, looks[i].pt, looks[i].color);
		first = false;
	}
	if (median) {
		fprintf(f, "%s$median using 1:2:3:4 with vectors nohead lw 2.5 lc rgb '#222222'",
			first ? "plot " : ", \\\n     ");
		first = false;
	}
	if (ci)
		fprintf(f,
			"%s$ci using 1:2:3:4 with yerrorbars pt 7 ps 0.5 lw 1.5 lc rgb '#222222'",
			first ? "plot " : ", \\\n     ");
	fputc('\n', f);
}

static char *chart_script(const struct kmb_chart *c, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);
	bool have[KMB_CHART_MAX_SIDES], any = false, median, ci;

	if (!f) {
		snprintf(err, errlen, "chart: out of memory");
		return NULL;
	}
	fprintf(f, "set terminal svg size 480,300 fixed enhanced font 'sans,10' "
		   "background '#ffffff'\nset encoding utf8\n");
	for (i = 0; i < c->nsides && i < KMB_CHART_MAX_SIDES; i++)
		any |= have[i] = put_samples(f, i, &c->sides[i]);
	put_summaries(f, c, &median, &ci);
	put_setup(f, c);
	if (!any && !median)
		fprintf(f, "set yrange [0:1]\nplot NaN notitle\n");
	else
		put_plot(f, c, have, median, ci);
	if (fclose(f)) {
		snprintf(err, errlen, "chart: out of memory");
		free(text);
		return NULL;
	}
	return text;
}

/*
 * From the <svg> tag on, so it can sit inside HTML. Every chart defines the
 * same ids (gpPt6, gnuplot_canvas...): each gets the chart's prefix, or the
 * page would have duplicates. The "Gnuplot" tooltip becomes the title.
 */
static char *embeddable(const char *svg, const struct kmb_chart *c)
{
	static const char *const refs[] = { "id='", "id=\"", "href='#", "href=\"#", "url(#" };
	static const char gnuplot_title[] = "<title>Gnuplot</title>";
	const char *p = strstr(svg, "<svg");
	char *buf = NULL;
	size_t len = 0, i, k = 0;
	FILE *m;

	if (!p || !(m = open_memstream(&buf, &len)))
		return NULL;
	while (*p) {
		for (i = 0; c->id_prefix && i < KMB_ARRAY_SIZE(refs); i++) {
			k = strlen(refs[i]);
			if (!strncmp(p, refs[i], k))
				break;
		}
		if (c->id_prefix && i < KMB_ARRAY_SIZE(refs)) {
			fprintf(m, "%s%s", refs[i], c->id_prefix);
			p += k;
		} else if (!strncmp(p, gnuplot_title, sizeof(gnuplot_title) - 1)) {
			fputs("<title>", m);
			kmb_html_escape(m, c->title);
			fputs("</title>", m);
			p += sizeof(gnuplot_title) - 1;
		} else {
			fputc(*p++, m);
		}
	}
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* gnuplot's last complaint, to make "exited with status 1" say something. */
static void append_stderr(const char *path, char *err, size_t errlen)
{
	char *text = kmb_read_text(path), *end, *line;
	size_t used = strlen(err);

	if (!text)
		return;
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	line = strrchr(text, '\n') ? strrchr(text, '\n') + 1 : text;
	line += strspn(line, " \t");
	if (*line && used < errlen)
		snprintf(err + used, errlen - used, ": %s", line);
	free(text);
}

static char *render_in(const char *dir, const char *script, char *err, size_t errlen)
{
	char path[4200], out[4200], log[4200], *svg;
	const char *const argv[] = { "gnuplot", "--default-settings", path, NULL };
	struct kmb_spawn_opts o;

	snprintf(path, sizeof(path), "%s/chart.gp", dir);
	snprintf(out, sizeof(out), "%s/chart.svg", dir);
	snprintf(log, sizeof(log), "%s/gnuplot.err", dir);
	if (kmb_write_atomic(path, script, strlen(script))) {
		snprintf(err, errlen, "chart: cannot write %s: %s", path, strerror(errno));
		return NULL;
	}
	kmb_spawn_opts_init(&o, argv);
	o.stdin_path = "/dev/null";
	o.stdout_path = out;
	o.stderr_path = log;
	o.package = "gnuplot-nox";
	/* On timeout, whatever gnuplot started goes down with it. */
	o.new_pgrp = true;
	if (kmb_run(&o, GNUPLOT_TIMEOUT_MS, err, errlen)) {
		append_stderr(log, err, errlen);
		return NULL;
	}
	svg = kmb_read_text(out);
	if (!svg || !strstr(svg, "<svg")) {
		snprintf(err, errlen, "gnuplot: no SVG in its output");
		free(svg);
		return NULL;
	}
	return svg;
}

char *kmb_gnuplot_svg(const char *script, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	char *svg;

	snprintf(dir, sizeof(dir), "%s/kmb-chart.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "chart: cannot create a directory in %s: %s",
			 tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return NULL;
	}
	svg = render_in(dir, script, err, errlen);
	kmb_rm_rf(dir);
	return svg;
}

char *kmb_chart_svg(const struct kmb_chart *c, char *err, size_t errlen)
{
	char *script = chart_script(c, err, errlen), *svg, *inline_svg = NULL;

	if (!script)
		return NULL;
	svg = kmb_gnuplot_svg(script, err, errlen);
	free(script);
	if (svg) {
		inline_svg = embeddable(svg, c);
		free(svg);
		if (!inline_svg)
			snprintf(err, errlen, "gnuplot: no SVG in its output for '%s'", c->title);
	}
	return inline_svg;
}
