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
#define NEUTRAL_CAND "#7b5ea7"

struct palette {
	const char *base, *cand, *accent, *frame_width;
};

static void palette_for(const char *verdict, struct palette *p)
{
	p->base = "#4477aa";
	p->cand = NEUTRAL_CAND;
	p->accent = "#333333";
	p->frame_width = "0.5";
	/* A changed metric gets its colour on the cand points, the title and a heavy frame. */
	if (verdict && !strcmp(verdict, "regression")) {
		p->cand = p->accent = "#c62828";
		p->frame_width = "2";
	} else if (verdict && !strcmp(verdict, "improvement")) {
		p->cand = p->accent = "#2e7d32";
		p->frame_width = "2";
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

/* $NAME datablock of the side's samples around x; false when it has none. */
static bool put_samples(FILE *f, const char *name, const struct kmb_chart_side *s, double x)
{
	size_t i, n = 0;

	fprintf(f, "$%s << EOD\n", name);
	for (i = 0; s->samples && i < s->n; i++) {
		if (isfinite(s->samples[i])) {
			fprintf(f, "%.4f %.17g\n", x + jitter(i), s->samples[i]);
			n++;
		}
	}
	fprintf(f, "EOD\n");
	return n > 0;
}

/* $median: a bar across the points (vectors); $ci: an error bar to their right. */
static void put_summaries(FILE *f, const struct kmb_chart *c, bool *median, bool *ci)
{
	const struct kmb_chart_side *side[2] = { &c->base, &c->cand };
	int i;

	*median = *ci = false;
	fprintf(f, "$median << EOD\n");
	for (i = 0; i < 2; i++) {
		if (isfinite(side[i]->median)) {
			fprintf(f, "%.2f %.17g 0.5 0\n", i + 1 - 0.25, side[i]->median);
			*median = true;
		}
	}
	fprintf(f, "EOD\n$ci << EOD\n");
	for (i = 0; i < 2; i++) {
		const struct kmb_chart_side *s = side[i];

		if (isfinite(s->median) && isfinite(s->ci_lo) && isfinite(s->ci_hi)) {
			fprintf(f, "%.2f %.17g %.17g %.17g\n", i + 1 + 0.3, s->median, s->ci_lo,
				s->ci_hi);
			*ci = true;
		}
	}
	fprintf(f, "EOD\n");
}

static void put_setup(FILE *f, const struct kmb_chart *c, const struct palette *p)
{
	fprintf(f, "set title ");
	kmb_gnuplot_quote(f, c->title);
	fprintf(f, " noenhanced textcolor rgb '%s'\n", p->accent);
	fprintf(f, "set border 15 linecolor rgb '%s' linewidth %s\n", p->accent, p->frame_width);
	fprintf(f, "set xrange [0.4:2.6]\nset xtics ('base (n=%zu)' 1, 'cand (n=%zu)' 2) "
		   "nomirror scale 0 textcolor rgb '#333333'\n",
		c->base.n, c->cand.n);
	fprintf(f, "set ytics nomirror textcolor rgb '#333333'\n"
		   "set grid ytics linecolor rgb '#e0e0e0'\n");
	fprintf(f, "set offsets 0, 0, graph 0.08, graph 0.08\nunset key\nset bars 2\n");
	if (c->unit && *c->unit) {
		fprintf(f, "set ylabel ");
		kmb_gnuplot_quote(f, c->unit);
		fprintf(f, " noenhanced\n");
	}
}

/* Only the non-empty datablocks are plotted: gnuplot complains about the others. */
static void put_plot(FILE *f, const bool have[4], const struct palette *p)
{
	char spec[4][128];
	bool first = true;
	int i;

	snprintf(spec[0], sizeof(spec[0]), "$base using 1:2 with points pt 7 ps 0.8 lc rgb '%s'",
		 p->base);
	snprintf(spec[1], sizeof(spec[1]), "$cand using 1:2 with points pt 7 ps 0.8 lc rgb '%s'",
		 p->cand);
	snprintf(spec[2], sizeof(spec[2]), "$median using 1:2:3:4 with vectors nohead lw 2.5 "
					   "lc rgb '#222222'");
	snprintf(spec[3], sizeof(spec[3]), "$ci using 1:2:3:4 with yerrorbars pt 7 ps 0.5 lw 1.5 "
					   "lc rgb '#222222'");
	for (i = 0; i < 4; i++) {
		if (!have[i])
			continue;
		fprintf(f, "%s%s", first ? "plot " : ", \\\n     ", spec[i]);
		first = false;
	}
	fputc('\n', f);
}

static char *chart_script(const struct kmb_chart *c, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct palette p;
	bool have[4];

	if (!f) {
		snprintf(err, errlen, "chart: out of memory");
		return NULL;
	}
	palette_for(c->verdict, &p);
	fprintf(f, "set terminal svg size 480,300 fixed enhanced font 'sans,10' "
		   "background '#ffffff'\nset encoding utf8\n");
	have[0] = put_samples(f, "base", &c->base, 1);
	have[1] = put_samples(f, "cand", &c->cand, 2);
	put_summaries(f, c, &have[2], &have[3]);
	put_setup(f, c, &p);
	if (!have[0] && !have[1] && !have[2])
		fprintf(f, "set yrange [0:1]\nplot NaN notitle\n");
	else
		put_plot(f, have, &p);
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
