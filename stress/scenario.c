// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenario files. libinih does the INI syntax; this file knows the keys, what
 * their values may be and how they must agree with each other. The format is
 * documented in stress/scenarios/README.md, which must change with this file.
 *
 * inih is fed through our own line reader rather than ini_parse(): the reader
 * knows the number of the line inih is working on, so every handler error can
 * name its line without INI_HANDLER_LINENO (Debian's inih is built without
 * it), and it can reject what inih would silently accept: binary data, lines
 * longer than inih's buffer (inih splits them), unknown empty sections, and
 * indented lines (inih appends them to the previous value).
 */
#include "scenario_priv.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const phase_names[] = { "before", "precopy", "postcopy", "after", NULL };
static const char *const mode_names[] = { "none", "precopy", "postcopy", "postcopy-recover", NULL };
static const char *const backend_names[] = { "anonymous", "memfd", "hugetlb", NULL };
static const char *const terminal_names[] = { "completed",	  "failed", "postcopy-paused",
					      "failed-or-paused", "hang",   NULL };
static const char *const side_names[] = { "source", "destination", NULL };
static const char *const fault_names[] = { "kill", "stop", NULL };
/* In the order the README documents them. */
static const char *const section_names[] = {
	"scenario", "guest",	"balloon",    "host", "migration",
	"faults",   "timeouts", "invariants", NULL,
};

enum key_type {
	T_NAME,	 /* scenario name: [A-Za-z0-9._-], 1..63 characters */
	T_TEXT,	 /* free text of one line */
	T_ARGS,	 /* stress-ng arguments, split at whitespace by the runner */
	T_SIZE,	 /* size > 0 */
	T_SIZE0, /* size, 0 allowed */
	T_INT,	 /* int in [min, max] */
	T_U32,	 /* uint32_t */
	T_ENUM,	 /* one of names[] */
	T_BOOL,
	T_SECONDS, /* duration > 0 as double seconds */
	T_MS,	   /* duration > 0 as uint64_t milliseconds */
	T_STEP,	   /* balloon step, repeatable */
	T_FAULT,   /* kill or stop fault, repeatable */
};

struct key_def {
	const char *section;
	const char *name;
	enum key_type type;
	size_t off;    /* of the field in struct kmb_scenario */
	long min, max; /* T_INT range; T_TEXT/T_ARGS/T_NAME buffer size in max */
	const char *const *names;
};

#define OFF(field) offsetof(struct kmb_scenario, field)
#define SIZE(field) ((long)sizeof(((struct kmb_scenario *)0)->field))

static const struct key_def keys[K_COUNT] = {
	[K_NAME] = { "scenario", "name", T_NAME, OFF(name), 0, SIZE(name), NULL },
	[K_DESCRIPTION] = { "scenario", "description", T_TEXT, OFF(description), 0,
			    SIZE(description), NULL },
	[K_MEMORY] = { "guest", "memory", T_SIZE, OFF(guest.memory), 0, 0, NULL },
	[K_VCPUS] = { "guest", "vcpus", T_INT, OFF(guest.vcpus), 1, 64, NULL },
	[K_BACKEND] = { "guest", "backend", T_ENUM, 0, 0, 0, backend_names },
	[K_FILL] = { "guest", "fill", T_SIZE0, OFF(guest.fill), 0, 0, NULL },
	[K_ZERO] = { "guest", "zero", T_SIZE0, OFF(guest.zero), 0, 0, NULL },
	[K_DIRTY_RATE] = { "guest", "dirty_rate", T_SIZE0, OFF(guest.dirty_rate), 0, 0, NULL },
	[K_SEED] = { "guest", "seed", T_U32, OFF(guest.seed), 0, 0, NULL },
	[K_STEP] = { "balloon", "step", T_STEP, 0, 0, 0, NULL },
	[K_MEMCG_SOURCE] = { "host", "memcg_limit_source", T_SIZE0, OFF(host.memcg_limit_source), 0,
			     0, NULL },
	[K_MEMCG_DESTINATION] = { "host", "memcg_limit_destination", T_SIZE0,
				  OFF(host.memcg_limit_destination), 0, 0, NULL },
	[K_STRESS_NG] = { "host", "stress_ng", T_ARGS, OFF(host.stress_ng), 0, SIZE(host.stress_ng),
			  NULL },
	[K_STRESS_WHEN] = { "host", "stress_when", T_ENUM, 0, 0, 0, phase_names },
	[K_MEMCG_STRESS] = { "host", "memcg_limit_stress", T_SIZE0, OFF(host.memcg_limit_stress), 0,
			     0, NULL },
	[K_MODE] = { "migration", "mode", T_ENUM, 0, 0, 0, mode_names },
	[K_PASSES] = { "migration", "postcopy_after_passes", T_INT,
		       OFF(migration.postcopy_after_passes), 0, 100, NULL },
	[K_BANDWIDTH] = { "migration", "bandwidth", T_SIZE0, OFF(migration.bandwidth), 0, 0, NULL },
	[K_DOWNTIME] = { "migration", "downtime_limit", T_MS, OFF(migration.downtime_limit_ms), 0,
			 0, NULL },
	[K_PAUSE_AFTER] = { "migration", "pause_after", T_SECONDS, OFF(migration.pause_after_s), 0,
			    0, NULL },
	[K_KILL] = { "faults", "kill", T_FAULT, 0, 0, 0, NULL },
	[K_STOP] = { "faults", "stop", T_FAULT, 0, 0, 0, NULL },
	[K_BOOT] = { "timeouts", "boot", T_SECONDS, OFF(timeouts.boot_s), 0, 0, NULL },
	[K_MIGRATION] = { "timeouts", "migration", T_SECONDS, OFF(timeouts.migration_s), 0, 0,
			  NULL },
	[K_HANG] = { "timeouts", "hang", T_SECONDS, OFF(timeouts.hang_s), 0, 0, NULL },
	[K_TOTAL] = { "timeouts", "total", T_SECONDS, OFF(timeouts.total_s), 0, 0, NULL },
	[K_TERMINAL] = { "invariants", "terminal", T_ENUM, 0, 0, 0, terminal_names },
	[K_VERIFY] = { "invariants", "verify_memory", T_BOOL, OFF(invariants.verify_memory), 0, 0,
		       NULL },
	[K_SOURCE_RSS] = { "invariants", "source_rss_growth_max", T_SIZE0,
			   OFF(invariants.source_rss_growth_max), 0, 0, NULL },
	[K_INFLATED] = { "invariants", "inflated_unallocated", T_BOOL,
			 OFF(invariants.inflated_unallocated), 0, 0, NULL },
	[K_SOURCE_SLACK] = { "invariants", "source_rss_slack", T_SIZE0,
			     OFF(invariants.source_rss_slack), 0, 0, NULL },
	[K_DESTINATION_SLACK] = { "invariants", "destination_rss_slack", T_SIZE0,
				  OFF(invariants.destination_rss_slack), 0, 0, NULL },
	[K_BALLOON_EQUAL] = { "invariants", "balloon_equal", T_BOOL, OFF(invariants.balloon_equal),
			      0, 0, NULL },
	[K_OOM_KILL] = { "invariants", "oom_kill", T_BOOL, OFF(invariants.oom_kill_expected), 0, 0,
			 NULL },
	[K_HOST_CLEAN] = { "invariants", "host_clean", T_BOOL, OFF(invariants.host_clean), 0, 0,
			   NULL },
};

const char *kmb_scenario_key_name(enum key_id id)
{
	return keys[id].name;
}

static const char *name_of(const char *const *names, int i, int count)
{
	return i >= 0 && i < count ? names[i] : "unknown";
}

const char *kmb_phase_name(enum kmb_phase phase)
{
	return name_of(phase_names, (int)phase, (int)KMB_ARRAY_SIZE(phase_names) - 1);
}

const char *kmb_mig_mode_name(enum kmb_mig_mode mode)
{
	return name_of(mode_names, (int)mode, (int)KMB_ARRAY_SIZE(mode_names) - 1);
}

const char *kmb_backend_name(enum kmb_backend backend)
{
	return name_of(backend_names, (int)backend, (int)KMB_ARRAY_SIZE(backend_names) - 1);
}

const char *kmb_terminal_name(enum kmb_terminal t)
{
	return name_of(terminal_names, (int)t, (int)KMB_ARRAY_SIZE(terminal_names) - 1);
}

const char *kmb_side_name(enum kmb_side side)
{
	return name_of(side_names, (int)side, (int)KMB_ARRAY_SIZE(side_names) - 1);
}

const char *kmb_fault_kind_name(enum kmb_fault_kind kind)
{
	return name_of(fault_names, (int)kind, (int)KMB_ARRAY_SIZE(fault_names) - 1);
}

uint64_t kmb_balloon_step_bytes(const struct kmb_scenario *s, const struct kmb_balloon_step *b)
{
	if (b->target)
		return b->target;
	return (uint64_t)((double)s->guest.memory * b->target_pct / 100.0);
}

void kmb_scenario_defaults(struct kmb_scenario *s)
{
	memset(s, 0, sizeof(*s));
	s->guest.memory = KMB_GIB;
	s->guest.vcpus = 1;
	s->guest.backend = KMB_BACKEND_ANONYMOUS;
	s->guest.fill = 256 * KMB_MIB;
	s->guest.seed = 42;
	s->host.stress_when = KMB_PHASE_BEFORE;
	s->migration.mode = KMB_MIG_PRECOPY;
	s->migration.postcopy_after_passes = 1;
	s->migration.downtime_limit_ms = 300;
	s->migration.pause_after_s = 2;
	s->timeouts.boot_s = 120;
	s->timeouts.migration_s = 300;
	s->timeouts.hang_s = 30;
	s->timeouts.total_s = 600;
	s->invariants.terminal = KMB_TERM_COMPLETED;
	s->invariants.verify_memory = true;
	s->invariants.source_rss_slack = RSS_SLACK_DEFAULT;
	s->invariants.destination_rss_slack = RSS_SLACK_DEFAULT;
	s->invariants.balloon_equal = true;
	s->invariants.oom_kill_expected = false;
	s->invariants.host_clean = true;
}

/* ---- the resolved scenario as JSON: sizes in bytes, durations in seconds ---- */

static int load_enum(const struct kmb_scenario *s, enum key_id id)
{
	switch (id) {
	case K_BACKEND:
		return (int)s->guest.backend;
	case K_STRESS_WHEN:
		return (int)s->host.stress_when;
	case K_MODE:
		return (int)s->migration.mode;
	case K_TERMINAL:
		return (int)s->invariants.terminal;
	default:
		return -1;
	}
}

static json_t *key_json(const struct kmb_scenario *s, enum key_id id)
{
	const struct key_def *k = &keys[id];
	const char *field = (const char *)s + k->off;
	int count = 0;

	switch (k->type) {
	case T_NAME:
	case T_TEXT:
	case T_ARGS:
		return json_string(field);
	case T_SIZE:
	case T_SIZE0:
		return json_integer((json_int_t) * (const uint64_t *)field);
	case T_INT:
		return json_integer(*(const int *)field);
	case T_U32:
		return json_integer(*(const uint32_t *)field);
	case T_ENUM:
		while (k->names[count])
			count++;
		return json_string(name_of(k->names, load_enum(s, id), count));
	case T_BOOL:
		return json_boolean(*(const bool *)field);
	case T_SECONDS:
		return json_real(*(const double *)field);
	case T_MS:
		return json_real((double)*(const uint64_t *)field / 1000.0);
	case T_STEP:
	case T_FAULT:
		break;
	}
	return json_null();
}

static json_t *steps_json(const struct kmb_scenario *s)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < s->nballoon; i++) {
		const struct kmb_balloon_step *b = &s->balloon[i];

		json_array_append_new(
			a, json_pack("{s:s, s:f, s:I, s:o}", "when", kmb_phase_name(b->when),
				     "delay_s", b->delay_s, "target",
				     (json_int_t)kmb_balloon_step_bytes(s, b), "target_pct",
				     b->target ? json_null() : json_real(b->target_pct)));
	}
	return a;
}

static json_t *faults_json(const struct kmb_scenario *s, enum kmb_fault_kind kind)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < s->nfaults; i++) {
		const struct kmb_fault *f = &s->faults[i];

		if (f->kind == kind)
			json_array_append_new(a, json_pack("{s:s, s:s, s:f}", "side",
							   kmb_side_name(f->side), "when",
							   kmb_phase_name(f->when), "delay_s",
							   f->delay_s));
	}
	return a;
}

json_t *kmb_scenario_json(const struct kmb_scenario *s)
{
	json_t *doc = json_pack("{s:s, s:s, s:s}", "name", s->name, "description", s->description,
				"path", s->path);
	int i;

	for (i = 0; doc && section_names[i]; i++)
		json_object_set_new(doc, section_names[i], json_object());
	for (i = 0; doc && i < K_COUNT; i++) {
		json_t *section = json_object_get(doc, keys[i].section);

		if (i == K_STEP)
			json_object_set_new(section, keys[i].name, steps_json(s));
		else if (i == K_KILL)
			json_object_set_new(section, keys[i].name, faults_json(s, KMB_FAULT_KILL));
		else if (i == K_STOP)
			json_object_set_new(section, keys[i].name, faults_json(s, KMB_FAULT_STOP));
		else
			json_object_set_new(section, keys[i].name, key_json(s, (enum key_id)i));
	}
	return doc;
}

/* ---- errors: the first one wins, later ones are consequences ---- */

static int vfail_at(struct parser *p, int line, const char *fmt, va_list ap)
{
	int n;

	if (p->failed)
		return -1;
	p->failed = true;
	p->err_line = line;
	if (!p->err || !p->errlen)
		return -1;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->file, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->file);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	return -1;
}

int kmb_scenario_fail_at(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(p, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error about the line inih is working on. */
static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_at(p, p->line, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- values ---- */

static int lookup(const char *const *names, const char *text)
{
	int i;

	for (i = 0; names[i]; i++) {
		if (!strcmp(names[i], text))
			return i;
	}
	return -1;
}

/* "a, b or c" into buf, for messages that list what is allowed. */
static const char *alternatives(const char *const *names, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; names[i] && off < len; i++) {
		const char *sep = !i ? "" : names[i + 1] ? ", " : " or ";

		off += (size_t)snprintf(buf + off, len - off, "%s%s", sep, names[i]);
	}
	return buf;
}

/* Digits with an optional fraction ("1.5"); returns the characters used, 0 if none. */
static size_t parse_decimal(const char *text, double *value)
{
	const char *p = text;
	double v = 0, scale = 1;
	int digits = 0;

	for (; isdigit((unsigned char)*p) && digits < 12; p++, digits++)
		v = v * 10 + (*p - '0');
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p) && digits < 24; p++, digits++) {
			scale /= 10;
			v += (*p - '0') * scale;
		}
	}
	if (!digits || isdigit((unsigned char)*p))
		return 0;
	*value = v;
	return (size_t)(p - text);
}

/* "2s", "300ms", "1.5s", "2m", "1h"; a unit is required so that 300 is never ambiguous. */
static int parse_duration(const char *text, size_t len, double *secs)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = { { "ms", 0.001 }, { "s", 1 }, { "m", 60 }, { "h", 3600 } };
	double v;
	size_t n = parse_decimal(text, &v), i;

	if (!n || n >= len)
		return -1;
	for (i = 0; i < KMB_ARRAY_SIZE(units); i++) {
		if (strlen(units[i].unit) == len - n &&
		    !strncmp(text + n, units[i].unit, len - n)) {
			v *= units[i].scale;
			if (v > DURATION_MAX)
				return -1;
			*secs = v;
			return 0;
		}
	}
	return -1;
}

static int parse_bool(const char *text, bool *value)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(text, yes[i]) || !strcasecmp(text, no[i])) {
			*value = !strcasecmp(text, yes[i]);
			return 0;
		}
	}
	return -1;
}

static bool valid_name(const char *text, size_t max)
{
	size_t n = strlen(text);

	return n && n < max &&
	       strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789._-") == n;
}

/* What kmb_parse_size said, without the value it repeats. */
static const char *size_reason(const char *msg)
{
	const char *r = strstr(msg, "': ");

	return r ? r + 3 : msg;
}

/* kmb_parse_size rejects 0; where 0 means "none" it may be spelled "0" or "0M". */
static bool is_zero_size(const char *text)
{
	size_t n = strspn(text, "0");
	char one[16];
	uint64_t v;

	if (!n || strlen(text + n) > 4)
		return false;
	snprintf(one, sizeof(one), "1%s", text + n);
	return !kmb_parse_size(one, &v, NULL, 0);
}

static int set_size(struct parser *p, const struct key_def *k, const char *value, bool zero_ok)
{
	uint64_t *field = (uint64_t *)((char *)p->s + k->off);
	char msg[160];

	if (zero_ok && is_zero_size(value)) {
		*field = 0;
		return 0;
	}
	if (kmb_parse_size(value, field, msg, sizeof(msg)))
		return fail(p, "invalid size '%s' for %s.%s: %s", value, k->section, k->name,
			    size_reason(msg));
	return 0;
}

static int set_int(struct parser *p, const struct key_def *k, const char *value)
{
	long v;

	if (kmb_parse_uint(value, k->min, k->max, &v))
		return fail(p, "invalid value '%s' for %s.%s: an integer from %ld to %ld", value,
			    k->section, k->name, k->min, k->max);
	*(int *)((char *)p->s + k->off) = (int)v;
	return 0;
}

/* Not kmb_parse_uint: a long may not hold UINT32_MAX. */
static int set_u32(struct parser *p, const struct key_def *k, const char *value)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = isdigit((unsigned char)value[0]) ? strtoull(value, &end, 10) : UINT64_MAX;
	if (v > UINT32_MAX || errno || *end)
		return fail(p, "invalid value '%s' for %s.%s: an integer from 0 to %lu", value,
			    k->section, k->name, (unsigned long)UINT32_MAX);
	*(uint32_t *)((char *)p->s + k->off) = (uint32_t)v;
	return 0;
}

static void store_enum(struct kmb_scenario *s, enum key_id id, int v)
{
	switch (id) {
	case K_BACKEND:
		s->guest.backend = (enum kmb_backend)v;
		break;
	case K_STRESS_WHEN:
		s->host.stress_when = (enum kmb_phase)v;
		break;
	case K_MODE:
		s->migration.mode = (enum kmb_mig_mode)v;
		break;
	case K_TERMINAL:
		s->invariants.terminal = (enum kmb_terminal)v;
		break;
	default:
		break;
	}
}

static int set_enum(struct parser *p, const struct key_def *k, const char *value)
{
	int v = lookup(k->names, value);
	char alt[128];

	if (v < 0)
		return fail(p, "invalid value '%s' for %s.%s: expected %s", value, k->section,
			    k->name, alternatives(k->names, alt, sizeof(alt)));
	store_enum(p->s, (enum key_id)(k - keys), v);
	return 0;
}

static int set_bool(struct parser *p, const struct key_def *k, const char *value)
{
	if (parse_bool(value, (bool *)((char *)p->s + k->off)))
		return fail(p,
			    "invalid boolean '%s' for %s.%s: expected yes, no, true, false, 1 or 0",
			    value, k->section, k->name);
	return 0;
}

static int set_duration(struct parser *p, const struct key_def *k, const char *value)
{
	double secs;

	if (parse_duration(value, strlen(value), &secs) || secs <= 0)
		return fail(p,
			    "invalid duration '%s' for %s.%s: a time above 0 such as 2s, 300ms, "
			    "1.5s or 2m",
			    value, k->section, k->name);
	if (k->type == T_SECONDS) {
		*(double *)((char *)p->s + k->off) = secs;
		return 0;
	}
	if (secs * 1000 < 1 || secs * 1000 > DOWNTIME_MAX_MS)
		return fail(p, "invalid duration '%s' for %s.%s: from 1ms to %llus", value,
			    k->section, k->name, DOWNTIME_MAX_MS / 1000);
	*(uint64_t *)((char *)p->s + k->off) = (uint64_t)(secs * 1000 + 0.5);
	return 0;
}

/* Arguments as the runner splits them: at blanks and tabs. */
static int count_args(const char *value)
{
	int n = 0;

	for (;;) {
		value += strspn(value, " \t");
		if (!*value)
			return n;
		n++;
		value += strcspn(value, " \t");
	}
}

static int set_string(struct parser *p, const struct key_def *k, const char *value)
{
	char *field = (char *)p->s + k->off;

	if (strlen(value) >= (size_t)k->max)
		return fail(p, "value of %s.%s is longer than %ld characters", k->section, k->name,
			    k->max - 1);
	if (k->type == T_NAME && !valid_name(value, (size_t)k->max))
		return fail(p, "invalid name '%s' for %s.%s: use A-Z a-z 0-9 . _ -", value,
			    k->section, k->name);
	if (k->type == T_ARGS && !strcmp(value, "\"\""))
		value = "";
	/* The runner splits at whitespace and execs without a shell: quotes would stay. */
	if (k->type == T_ARGS && strpbrk(value, "\"'\\"))
		return fail(p,
			    "invalid value '%s' for %s.%s: arguments are split at whitespace "
			    "without a shell, so quotes and backslashes cannot work",
			    value, k->section, k->name);
	if (k->type == T_ARGS && count_args(value) > KMB_STRESS_NG_MAX_ARGS)
		return fail(p, "%s.%s has %d arguments, more than the %d kmb passes on", k->section,
			    k->name, count_args(value), KMB_STRESS_NG_MAX_ARGS);
	strcpy(field, value);
	return 0;
}

/* "postcopy+1s" (len characters of text) into a phase and a delay. */
static int parse_when(struct parser *p, const char *what, const char *value, const char *text,
		      size_t len, enum kmb_phase *phase, double *delay)
{
	const char *plus = memchr(text, '+', len);
	size_t nlen = plus ? (size_t)(plus - text) : len;
	char alt[64];
	int i;

	for (i = 0; phase_names[i]; i++) {
		if (strlen(phase_names[i]) == nlen && !strncmp(text, phase_names[i], nlen))
			break;
	}
	if (!phase_names[i])
		return fail(p, "invalid phase '%.*s' in %s '%s': expected %s", (int)nlen, text,
			    what, value, alternatives(phase_names, alt, sizeof(alt)));
	*phase = (enum kmb_phase)i;
	*delay = 0;
	if (plus && parse_duration(plus + 1, len - nlen - 1, delay))
		return fail(p, "invalid delay '%.*s' in %s '%s': a time such as 1s or 300ms",
			    (int)(len - nlen - 1), plus + 1, what, value);
	return 0;
}

/* "512M" or "75%" (of guest memory). */
static int parse_target(const char *text, struct kmb_balloon_step *step)
{
	size_t n = strlen(text);
	double pct;

	step->target = 0;
	step->target_pct = 0;
	if (n && text[n - 1] == '%') {
		if (parse_decimal(text, &pct) != n - 1 || pct <= 0 || pct > 100)
			return -1;
		step->target_pct = pct;
		return 0;
	}
	return kmb_parse_size(text, &step->target, NULL, 0);
}

static int add_step(struct parser *p, const char *value)
{
	struct kmb_scenario *s = p->s;
	const char *colon = strchr(value, ':');
	struct kmb_balloon_step *step;

	if (s->nballoon == KMB_MAX_STEPS)
		return fail(p, "more than %d balloon.step lines", KMB_MAX_STEPS);
	if (!colon)
		return fail(p,
			    "invalid balloon.step '%s': expected phase[+delay]:target, such as "
			    "before:512M or postcopy+1s:75%%",
			    value);
	step = &s->balloon[s->nballoon];
	if (parse_when(p, "balloon.step", value, value, (size_t)(colon - value), &step->when,
		       &step->delay_s))
		return -1;
	if (parse_target(colon + 1, step))
		return fail(p,
			    "invalid target '%s' in balloon.step '%s': a size such as 512M or a "
			    "share of guest.memory such as 75%%",
			    colon + 1, value);
	p->step_line[s->nballoon] = p->line;
	snprintf(p->step_text[s->nballoon], VALUE_NOTE, "%s", value);
	s->nballoon++;
	return 0;
}

/* faults.kill and faults.stop: "side:phase[+delay]". */
static int add_fault(struct parser *p, enum kmb_fault_kind kind, const char *value)
{
	struct kmb_scenario *s = p->s;
	const char *colon = strchr(value, ':');
	struct kmb_fault *f;
	char what[32];
	size_t side;

	snprintf(what, sizeof(what), "faults.%s", kmb_fault_kind_name(kind));
	if (s->nfaults == KMB_MAX_STEPS)
		return fail(p, "more than %d faults.kill and faults.stop lines", KMB_MAX_STEPS);
	if (!colon)
		return fail(p,
			    "invalid %s '%s': expected source|destination:phase[+delay], "
			    "such as destination:postcopy+2s",
			    what, value);
	f = &s->faults[s->nfaults];
	f->kind = kind;
	side = (size_t)(colon - value);
	if (side == 6 && !strncmp(value, "source", side))
		f->side = KMB_SIDE_SOURCE;
	else if (side == 11 && !strncmp(value, "destination", side))
		f->side = KMB_SIDE_DESTINATION;
	else
		return fail(p,
			    "invalid side '%.*s' in %s '%s': expected source or "
			    "destination",
			    (int)side, value, what, value);
	if (parse_when(p, what, value, colon + 1, strlen(colon + 1), &f->when, &f->delay_s))
		return -1;
	p->fault_line[s->nfaults] = p->line;
	snprintf(p->fault_text[s->nfaults], VALUE_NOTE, "%s", value);
	s->nfaults++;
	return 0;
}

static int set_value(struct parser *p, const struct key_def *k, const char *value)
{
	switch (k->type) {
	case T_NAME:
	case T_TEXT:
	case T_ARGS:
		return set_string(p, k, value);
	case T_SIZE:
	case T_SIZE0:
		return set_size(p, k, value, k->type == T_SIZE0);
	case T_INT:
		return set_int(p, k, value);
	case T_U32:
		return set_u32(p, k, value);
	case T_ENUM:
		return set_enum(p, k, value);
	case T_BOOL:
		return set_bool(p, k, value);
	case T_SECONDS:
	case T_MS:
		return set_duration(p, k, value);
	case T_STEP:
		return add_step(p, value);
	case T_FAULT:
		return add_fault(p, k == &keys[K_STOP] ? KMB_FAULT_STOP : KMB_FAULT_KILL, value);
	}
	return fail(p, "internal error: key %s.%s has no type", k->section, k->name);
}

/* ---- inih callbacks ---- */

static int unknown_key(struct parser *p, const char *section, const char *name)
{
	char list[256];
	size_t off = 0;
	int i;

	list[0] = '\0';
	for (i = 0; i < K_COUNT; i++) {
		if (strcmp(keys[i].section, section) || off >= sizeof(list))
			continue;
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", off ? ", " : "",
					keys[i].name);
	}
	return fail(p, "unknown key '%s' in [%s] (keys there: %s)", name, section, list);
}

static int handle_key(struct parser *p, const char *section, const char *name, const char *value)
{
	int i;

	if (!*section)
		return fail(p, "key '%s' before the first [section]", name);
	for (i = 0; i < K_COUNT; i++) {
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			break;
	}
	if (i == K_COUNT)
		return unknown_key(p, section, name);
	if (p->key_line[i] && keys[i].type != T_STEP && keys[i].type != T_FAULT)
		return fail(p, "duplicate key %s.%s (first set on line %d)", section, name,
			    p->key_line[i]);
	if (set_value(p, &keys[i], value))
		return -1;
	if (!p->key_line[i])
		p->key_line[i] = p->line;
	return 0;
}

/* inih's handler: nonzero on success. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;

	return !p->failed && !handle_key(p, section, name, value);
}

/* Text that JSON (the results) can carry: jansson checks the encoding. */
static bool valid_utf8(const char *text, size_t len)
{
	json_t *j = json_stringn(text, len);

	json_decref(j);
	return j != NULL;
}

/* A line inih is about to see: catch what inih would accept silently. */
static int check_line(struct parser *p, const char *line)
{
	const char *col1 = line, *start, *end;
	char alt[128];
	int i;

	if (p->line == 1 && !strncmp(col1, "\xef\xbb\xbf", 3))
		col1 += 3;
	if (!valid_utf8(col1, strlen(col1)))
		return fail(p, "invalid UTF-8: a scenario is UTF-8 text");
	start = col1 + strspn(col1, " \t");
	if (!*start || strchr(";#\r\n", *start))
		return 0;
	/* After a key inih appends it to the value; after a header it drops the indent. */
	if (start > col1)
		return fail(p, "indented line: keys and section headers start in column 1 "
			       "(values are one line)");
	if (*start != '[')
		return 0;
	end = strchr(start, ']');
	if (!end)
		return 0; /* inih reports the syntax error */
	for (i = 0; section_names[i]; i++) {
		if (strlen(section_names[i]) == (size_t)(end - start - 1) &&
		    !strncmp(start + 1, section_names[i], (size_t)(end - start - 1)))
			return 0;
	}
	return fail(p, "unknown section [%.*s] (sections: %s)", (int)(end - start - 1), start + 1,
		    alternatives(section_names, alt, sizeof(alt)));
}

/* fgets() over the file in memory, counting lines. */
static char *next_line(char *buf, int size, void *stream)
{
	struct parser *p = stream;
	const char *start = p->text + p->pos, *nl;
	size_t n;

	if (p->failed || p->pos >= p->len)
		return NULL;
	nl = memchr(start, '\n', p->len - p->pos);
	n = nl ? (size_t)(nl - start) + 1 : p->len - p->pos;
	p->pos += n;
	p->line++;
	/* inih needs room for "\r\n\0" after the text. */
	if (size < 3 || n + 1 > (size_t)size) {
		fail(p, "line longer than %d characters", size - 3);
		return NULL;
	}
	memcpy(buf, start, n);
	buf[n] = '\0';
	return check_line(p, buf) ? NULL : buf;
}

/* ---- the file ---- */

/*
 * Opened without blocking and checked before reading: a FIFO or a device
 * named as a scenario is refused instead of waiting for a writer.
 */
static FILE *open_regular(struct parser *p)
{
	int fd = open(p->file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), flags;
	struct stat st;
	FILE *f;

	if (fd < 0) {
		kmb_scenario_fail_at(p, 0, "cannot open the scenario: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		kmb_scenario_fail_at(p, 0, "not a regular file");
		close(fd);
		return NULL;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	f = fdopen(fd, "r");
	if (!f) {
		kmb_scenario_fail_at(p, 0, "cannot open the scenario: %s", strerror(errno));
		close(fd);
	}
	return f;
}

static char *read_file(struct parser *p, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	FILE *f = open_regular(p);

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st))
		kmb_scenario_fail_at(p, 0, "cannot stat the scenario: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		kmb_scenario_fail_at(p, 0, "not a regular file");
	else if (st.st_size > SCENARIO_MAX_BYTES)
		kmb_scenario_fail_at(p, 0,
				     "%lld bytes: too large for a scenario file (at most %d KiB)",
				     (long long)st.st_size, SCENARIO_MAX_BYTES / 1024);
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		kmb_scenario_fail_at(p, 0, "out of memory");
	if (buf) {
		*len = fread(buf, 1, (size_t)st.st_size, f);
		buf[*len] = '\0';
		if (ferror(f)) {
			kmb_scenario_fail_at(p, 0, "cannot read the scenario: %s", strerror(errno));
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Control characters other than tab, CR and LF mean this is not a scenario. */
static int check_text(struct parser *p)
{
	int line = 1;
	size_t i, col = 1;

	for (i = 0; i < p->len; i++, col++) {
		unsigned char c = (unsigned char)p->text[i];

		if (c == '\n') {
			line++;
			col = 0;
		} else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			return kmb_scenario_fail_at(
				p, line,
				"binary data (byte 0x%02x in column %zu): a scenario "
				"is a text file",
				c, col);
		}
	}
	return 0;
}

/* inih found a line that is neither "[section]" nor "key = value". */
static void syntax_error(struct parser *p, int line)
{
	const char *t = p->text, *nl;
	int n;

	for (n = 1; n < line && (nl = strchr(t, '\n')); n++)
		t = nl + 1;
	nl = strchr(t, '\n');
	n = nl ? (int)(nl - t) : (int)strlen(t);
	while (n && (t[n - 1] == '\r' || isspace((unsigned char)t[n - 1])))
		n--;
	p->failed = false;
	kmb_scenario_fail_at(p, line, "expected '[section]' or 'key = value', got '%.*s'",
			     n > 60 ? 60 : n, t);
}

static int parse(struct parser *p)
{
	int rc;

	if (check_text(p))
		return -1;
	rc = ini_parse_stream(next_line, p, on_key, p);
	if (rc == -2)
		return kmb_scenario_fail_at(p, 0, "out of memory");
	/* inih counts lines as we do; an earlier line than ours is inih's own complaint. */
	if (rc > 0 && (!p->failed || rc < p->err_line))
		syntax_error(p, rc);
	return p->failed ? -1 : 0;
}

/* ---- consistency ---- */

int kmb_scenario_load(const char *path, struct kmb_scenario *s, char *err, size_t errlen)
{
	struct parser *p = calloc(1, sizeof(*p));
	char *text = NULL;
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!p) {
		snprintf(err, errlen, "%s: out of memory", path);
		memset(s, 0, sizeof(*s));
		return -1;
	}
	kmb_scenario_defaults(s);
	p->s = s;
	p->file = path;
	p->err = err;
	p->errlen = errlen;
	if (strlen(path) >= sizeof(s->path))
		kmb_scenario_fail_at(p, 0, "path longer than %zu characters", sizeof(s->path) - 1);
	else
		text = read_file(p, &p->len);
	if (text) {
		strcpy(s->path, path);
		p->text = text;
		rc = parse(p) || kmb_scenario_validate(p) ? -1 : 0;
	}
	/* A scenario that failed half-way must not look runnable. */
	if (rc)
		memset(s, 0, sizeof(*s));
	free(text);
	free(p);
	return rc;
}

/* ---- names ---- */

static int ini_entry(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && d->d_name[0] != '.' && !strcmp(d->d_name + n - 4, ".ini");
}

char **kmb_scenario_names(const char *dir)
{
	struct dirent **ents;
	char **names;
	int i, n = scandir(dir, &ents, ini_entry, alphasort);

	if (n < 0)
		return NULL;
	names = calloc((size_t)n + 1, sizeof(*names));
	for (i = 0; i < n; i++) {
		if (names)
			names[i] = strndup(ents[i]->d_name, strlen(ents[i]->d_name) - 4);
		free(ents[i]);
	}
	free(ents);
	for (i = 0; names && i < n; i++) {
		if (!names[i]) {
			kmb_scenario_names_free(names);
			names = NULL;
		}
	}
	if (!names)
		errno = ENOMEM;
	return names;
}

void kmb_scenario_names_free(char **names)
{
	char **p;

	for (p = names; p && *p; p++)
		free(*p);
	free(names);
}

/* "a, b, c" of the scenarios in dir, cut with "..." where buf ends. */
static void list_names(const char *dir, char *buf, size_t len)
{
	char **names = kmb_scenario_names(dir);
	size_t off = 0;
	int i;

	buf[0] = '\0';
	if (!names) {
		snprintf(buf, len, "none (cannot read %s: %s)", dir, strerror(errno));
		return;
	}
	for (i = 0; names[i]; i++) {
		size_t w = strlen(names[i]);

		if (off + w + 8 < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
						names[i]);
		else if (off + 5 < len && !strstr(buf, "..."))
			off += (size_t)snprintf(buf + off, len - off, ", ...");
	}
	if (!names[0])
		snprintf(buf, len, "none");
	kmb_scenario_names_free(names);
}

/* 0, or an errno: EISDIR and the like for what is not a regular file. */
static int regular_file(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return errno;
	return S_ISREG(st.st_mode) ? 0 : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
}

static int resolve_path(const char *name, char *path, size_t len, char *err, size_t errlen)
{
	int e = regular_file(name);

	if (e) {
		snprintf(err, errlen, "scenario file '%s': %s", name,
			 e == EINVAL ? "not a regular file" : strerror(e));
		return -1;
	}
	if ((size_t)snprintf(path, len, "%s", name) >= len) {
		snprintf(err, errlen, "scenario path '%s' is too long", name);
		return -1;
	}
	return 0;
}

int kmb_scenario_resolve(const char *name, const char *dir, char *path, size_t len, char *err,
			 size_t errlen)
{
	size_t n = name ? strlen(name) : 0;
	bool ini = n > 4 && !strcmp(name + n - 4, ".ini");
	char names[1024], base[64];

	if (!dir || !*dir)
		dir = ".";
	if (!n) {
		snprintf(err, errlen, "empty scenario name");
		return -1;
	}
	/* A path: anything with a slash, or an .ini file that is there. */
	if (strchr(name, '/') || (ini && !regular_file(name)))
		return resolve_path(name, path, len, err, errlen);
	snprintf(base, sizeof(base), "%.*s", (int)(ini ? n - 4 : n), name);
	if (valid_name(base, sizeof(base)) && strlen(base) == (ini ? n - 4 : n)) {
		if ((size_t)snprintf(path, len, "%s/%s.ini", dir, base) >= len) {
			snprintf(err, errlen, "scenario path %s/%s.ini is too long", dir, base);
			return -1;
		}
		if (!regular_file(path))
			return 0;
	}
	list_names(dir, names, sizeof(names));
	snprintf(err, errlen,
		 "unknown scenario '%s': no %s/%s.ini; the scenarios there: %s; or "
		 "give the path of a scenario file",
		 name, dir, base, names);
	return -1;
}
