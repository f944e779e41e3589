/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a metric's numbers are, for people: the unit of its samples (the time
 * unit Google Benchmark gives real_time and cpu_time; for a counter, what its
 * name says: ns_per_page in ns, *_gib_per_s in GiB/s, *_kib in KiB) and a
 * human scale to show them in (431.4 ns, 1.767 s, 921.6 MiB/s, 262.1k).
 */
#ifndef KMB_UNITS_H
#define KMB_UNITS_H

#include <stdbool.h>
#include <stddef.h>

enum kmb_unit_kind {
	KMB_UNIT_COUNT,		/* a number of things: pages, events */
	KMB_UNIT_TIME,		/* base: ns */
	KMB_UNIT_BYTES,		/* base: bytes */
	KMB_UNIT_BYTE_RATE,	/* base: bytes per second */
	KMB_UNIT_RATE,		/* base: per second */
};

struct kmb_unit {
	enum kmb_unit_kind kind;
	double base;		/* one sample in the kind's base unit */
};

/*
 * The unit of a metric's samples: sample_unit is the unit its reader gave
 * ("ns", "us", "ms", "s" for real_time and cpu_time, "" for a counter).
 */
struct kmb_unit kmb_unit_of(const char *metric, const char *sample_unit);

/* A scale to show values in: samples are divided by div and get the name. */
struct kmb_scale {
	double div;
	const char *name;	/* "µs", "GiB/s", "k", "" */
};

/* The scale that shows v (in sample units) with one to three integer digits. */
struct kmb_scale kmb_unit_scale(const struct kmb_unit *u, double v);

/* "431.4 ns": four significant digits, the scale's name after a space; "-" for NaN. */
void kmb_unit_format(double v, const struct kmb_scale *s, char *buf, size_t len);

/* The number alone, for an interval after a median: "425.0", "261.0k". */
void kmb_unit_format_number(double v, const struct kmb_scale *s, char *buf, size_t len);

/* The same in the best scale for v itself. */
void kmb_unit_format_auto(double v, const struct kmb_unit *u, char *buf, size_t len);

/* Whether the metric is a time (its axis starts at 0). */
bool kmb_unit_is_time(const struct kmb_unit *u);

/* A percentage: "+3.1%" (sign) or "2.1%", one decimal below 10, none above; "-" for NaN. */
void kmb_unit_percent(double fraction, bool sign, char *buf, size_t len);

#endif
