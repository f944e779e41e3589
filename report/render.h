/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parts of a comparison that the terminal text and the mail say alike,
 * around their tables (render_plain.c). width: wrap at this many columns; 0:
 * one line per item, as long as it is.
 */
#ifndef KMB_RENDER_H
#define KMB_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Who is compared: a line per side with its name, kernel, run, host, n. */
void kmb_plain_sides(const json_t *doc, FILE *out, size_t width, bool paths);
/* Environment differences, warnings, side conditions, the calibration used. */
void kmb_plain_environment(const json_t *doc, FILE *out, size_t width);
/* "summary: ..." per candidate. */
void kmb_plain_summary(const json_t *doc, FILE *out, size_t width, bool color);
/* The benchmarks that did not run in both, per candidate. */
void kmb_plain_outcomes(const json_t *doc, FILE *out, size_t width, bool color);
/* Why metrics are noisy, grouped by reason. */
void kmb_plain_noisy(const json_t *doc, FILE *out, size_t width);
/*
 * How to read the table: g says what was left out; spread: the table has ±
 * columns; marks: verdicts are marks after the %change.
 */
struct kmb_view_grid;
void kmb_plain_legend(const json_t *doc, FILE *out, size_t width,
		      const struct kmb_view_grid *g, bool spread, bool marks);

#define KMB_RED "\033[31m"
#define KMB_GREEN "\033[32m"
#define KMB_YELLOW "\033[33m"
#define KMB_BOLD "\033[1m"
#define KMB_RESET "\033[0m"

#endif
