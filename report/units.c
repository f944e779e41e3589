// SPDX-License-Identifier: GPL-2.0-only
/* Units of metrics and their human scales (units.h). */
#include "units.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* A time unit's length in ns, 0 when it is not one. */
static double time_unit_ns(const char *u)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "µs", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	size_t i;

	for (i = 0; u && i < KMB_ARRAY_SIZE(units); i++) {
		if (!strcmp(u, units[i].name))
			return units[i].ns;
	}
	return 0;
}

/* Suffixes of counter names, in the order they are tried (longest first). */
static const struct {
	const char *suffix;
	enum kmb_unit_kind kind;
	double base;
} by_suffix[] = {
	{ "gib_per_s", KMB_UNIT_BYTE_RATE, 1073741824.0 },
	{ "mib_per_s", KMB_UNIT_BYTE_RATE, 1048576.0 },
	{ "kib_per_s", KMB_UNIT_BYTE_RATE, 1024.0 },
	{ "bytes_per_s", KMB_UNIT_BYTE_RATE, 1 },
	{ "_per_second", KMB_UNIT_RATE, 1 },
	{ "_per_s", KMB_UNIT_RATE, 1 },
	{ "_seconds", KMB_UNIT_TIME, 1e9 },
	{ "_ns", KMB_UNIT_TIME, 1 },
	{ "_us", KMB_UNIT_TIME, 1e3 },
	{ "_ms", KMB_UNIT_TIME, 1e6 },
	{ "_s", KMB_UNIT_TIME, 1e9 },
	{ "_kib", KMB_UNIT_BYTES, 1024.0 },
	{ "_mib", KMB_UNIT_BYTES, 1048576.0 },
	{ "_gib", KMB_UNIT_BYTES, 1073741824.0 },
	{ "_bytes", KMB_UNIT_BYTES, 1 },
};

struct kmb_unit kmb_unit_of(const char *metric, const char *sample_unit)
{
	struct kmb_unit u = { KMB_UNIT_COUNT, 1 };
	double ns = time_unit_ns(sample_unit);
	size_t i;

	if (ns > 0) {
		u.kind = KMB_UNIT_TIME;
		u.base = ns;
		return u;
	}
	if (!metric)
		return u;
	/* ns_per_page, ns_per_unshared_page: a time per thing. */
	if (!strncmp(metric, "ns_per_", 7)) {
		u.kind = KMB_UNIT_TIME;
		return u;
	}
	for (i = 0; i < KMB_ARRAY_SIZE(by_suffix); i++) {
		if (ends_with(metric, by_suffix[i].suffix) ||
		    !strcmp(metric, by_suffix[i].suffix + (by_suffix[i].suffix[0] == '_'))) {
			u.kind = by_suffix[i].kind;
			u.base = by_suffix[i].base;
			return u;
		}
	}
	return u;
}

bool kmb_unit_is_time(const struct kmb_unit *u)
{
	return u->kind == KMB_UNIT_TIME;
}

struct scale_step {
	double size;		/* in the kind's base unit */
	const char *name;
};

static const struct scale_step time_steps[] = {
	{ 1, "ns" }, { 1e3, "µs" }, { 1e6, "ms" }, { 1e9, "s" },
};
static const struct scale_step byte_steps[] = {
	{ 1, "B" },
	{ 1024.0, "KiB" },
	{ 1048576.0, "MiB" },
	{ 1073741824.0, "GiB" },
	{ 1099511627776.0, "TiB" },
	{ 1125899906842624.0, "PiB" },
};
static const struct scale_step byte_rate_steps[] = {
	{ 1, "B/s" },
	{ 1024.0, "KiB/s" },
	{ 1048576.0, "MiB/s" },
	{ 1073741824.0, "GiB/s" },
	{ 1099511627776.0, "TiB/s" },
};
static const struct scale_step count_steps[] = {
	{ 1, "" }, { 1e3, "k" }, { 1e6, "M" }, { 1e9, "G" }, { 1e12, "T" }, { 1e15, "P" },
};
static const struct scale_step rate_steps[] = {
	{ 1, "/s" }, { 1e3, "k/s" }, { 1e6, "M/s" }, { 1e9, "G/s" },
};

/*
 * The largest step that v (in base units) reaches. Counts stay plain below
 * 10000, so page counts read as they are (4096).
 */
static const struct scale_step *pick(const struct scale_step *steps, size_t n, double v,
				     double plain_below)
{
	size_t i, best = 0;

	v = fabs(v);
	if (!isfinite(v) || v < plain_below)
		return &steps[0];
	for (i = 1; i < n; i++) {
		if (v >= steps[i].size)
			best = i;
	}
	return &steps[best];
}

struct kmb_scale kmb_unit_scale(const struct kmb_unit *u, double v)
{
	const struct scale_step *s;
	double b = v * u->base;

	switch (u->kind) {
	case KMB_UNIT_TIME:
		s = pick(time_steps, KMB_ARRAY_SIZE(time_steps), b, 0);
		break;
	case KMB_UNIT_BYTES:
		s = pick(byte_steps, KMB_ARRAY_SIZE(byte_steps), b, 0);
		break;
	case KMB_UNIT_BYTE_RATE:
		s = pick(byte_rate_steps, KMB_ARRAY_SIZE(byte_rate_steps), b, 0);
		break;
	case KMB_UNIT_RATE:
		s = pick(rate_steps, KMB_ARRAY_SIZE(rate_steps), b, 1e4);
		break;
	default:
		s = pick(count_steps, KMB_ARRAY_SIZE(count_steps), b, 1e4);
		break;
	}
	return (struct kmb_scale){ s->size / u->base, s->name };
}

/* A count's scale is a suffix of the number (262.1k); a unit follows a space. */
static bool is_suffix(const char *name)
{
	size_t i;

	for (i = 1; i < KMB_ARRAY_SIZE(count_steps); i++) {
		if (!strcmp(name, count_steps[i].name))
			return true;
	}
	return false;
}

static void format_scaled(double v, const struct kmb_scale *s, bool with_unit, char *buf,
			  size_t len)
{
	double x = v / s->div;
	bool suffix = is_suffix(s->name);
	const char *name = suffix || with_unit ? s->name : "";
	const char *sep = *name && !suffix ? " " : "";

	if (!isfinite(x)) {
		snprintf(buf, len, "-");
		return;
	}
	/*
	 * %.4g writes 12345 as 1.234e+04: whole numbers that large are written
	 * out; what no scale brings near 1 gets three digits and an exponent.
	 */
	if (fabs(x) >= 1e4 && fabs(x) < 1e15)
		snprintf(buf, len, "%.0f%s%s", x + 0.0, sep, name);
	else if (x != 0 && (fabs(x) >= 1e15 || fabs(x) < 1e-3))
		snprintf(buf, len, "%.3g%s%s", x + 0.0, sep, name);
	else
		snprintf(buf, len, "%.4g%s%s", x + 0.0, sep, name);
}

void kmb_unit_format(double v, const struct kmb_scale *s, char *buf, size_t len)
{
	format_scaled(v, s, true, buf, len);
}

void kmb_unit_format_number(double v, const struct kmb_scale *s, char *buf, size_t len)
{
	format_scaled(v, s, false, buf, len);
}

void kmb_unit_format_auto(double v, const struct kmb_unit *u, char *buf, size_t len)
{
	struct kmb_scale s = kmb_unit_scale(u, v);

	kmb_unit_format(v, &s, buf, len);
}

void kmb_unit_percent(double fraction, bool sign, char *buf, size_t len)
{
	double p = 100 * fraction + 0.0;

	if (!isfinite(p))
		snprintf(buf, len, "-");
	else if (fabs(p) < 9.95)
		snprintf(buf, len, sign ? "%+.1f%%" : "%.1f%%", p);
	else if (fabs(p) < 1e6)
		snprintf(buf, len, sign ? "%+.0f%%" : "%.0f%%", p);
	else
		snprintf(buf, len, sign ? "%+.2g%%" : "%.2g%%", p);
}
