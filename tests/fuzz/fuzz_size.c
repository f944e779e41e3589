// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the value parsers behind command-line options and
 * scenario keys. The input is one value as a user would type it.
 *
 *  - kmb_parse_size: an accepted size is > 0 and survives kmb_format_size
 *    and parsing again unchanged;
 *  - kmb_parse_size_list: a count in 1..max, each entry as kmb_parse_size
 *    reads it, or -1 with a message;
 *  - kmb_parse_uint: an accepted value lies in the range asked for;
 *  - the scenario's duration and balloon-target parsers, reached through
 *    small scenarios that hold the value: what is accepted lies in the
 *    documented range.
 */
#include "fuzz.h"
#include "scenario.h"
#include "scenario_priv.h"

#include <limits.h>

#define LIST_MAX 8

static struct fuzz_file file;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init(&file, "value.ini");
	return 0;
}

static void check_size(const char *text)
{
	char err[256] = "", formatted[64];
	uint64_t v, again;

	if (kmb_parse_size(text, &v, err, sizeof(err))) {
		FUZZ_ASSERT(err[0]);
		return;
	}
	FUZZ_ASSERT(v > 0);
	kmb_format_size(v, formatted, sizeof(formatted));
	FUZZ_ASSERT(!kmb_parse_size(formatted, &again, err, sizeof(err)));
	FUZZ_ASSERT(again == v);
}

static void check_size_list(const char *text)
{
	uint64_t out[LIST_MAX], one;
	char err[256] = "", *copy, *tok, *save = NULL;
	int n = kmb_parse_size_list(text, out, LIST_MAX, err, sizeof(err)), i = 0;

	if (n < 0) {
		FUZZ_ASSERT(n == -1 && err[0]);
		return;
	}
	FUZZ_ASSERT(n >= 1 && n <= LIST_MAX);
	copy = strdup(text);
	if (!copy)
		abort();
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), i++) {
		FUZZ_ASSERT(i < n);
		FUZZ_ASSERT(!kmb_parse_size(tok, &one, NULL, 0) && one == out[i]);
	}
	FUZZ_ASSERT(i == n);
	free(copy);
}

static void check_uint(const char *text)
{
	static const long ranges[][2] = { { 0, 100 }, { 1, 1000 }, { 1, 86400 }, { 0, LONG_MAX } };
	size_t i;
	long v;

	for (i = 0; i < KMB_ARRAY_SIZE(ranges); i++) {
		if (!kmb_parse_uint(text, ranges[i][0], ranges[i][1], &v))
			FUZZ_ASSERT(v >= ranges[i][0] && v <= ranges[i][1]);
	}
}

/* Load a scenario made of fmt with value in it; 0 when it was accepted. */
static int load_with(const char *fmt, const char *value, struct kmb_scenario *s)
{
	char text[8192], err[1024];
	int n = snprintf(text, sizeof(text), fmt, value);

	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	fuzz_file_set(&file, text, (size_t)n);
	return kmb_scenario_load(file.path, s, err, sizeof(err));
}

/* Scenario keys take the value's first line (the rest would be lines of their own). */
static void check_scenario_values(char *value)
{
	struct kmb_scenario *s = malloc(sizeof(*s));
	uint64_t need = AGENT_RESERVE;

	if (!s)
		abort();
	value[strcspn(value, "\r\n")] = '\0';
	/* A duration in seconds; the default migration timeout (300s) bounds the hang timeout. */
	if (!load_with("[timeouts]\nhang = %s\n", value, s))
		FUZZ_ASSERT(s->timeouts.hang_s > 0 && s->timeouts.hang_s <= 300);
	/* A duration in milliseconds. */
	if (!load_with("[migration]\ndowntime_limit = %s\n", value, s))
		FUZZ_ASSERT(s->migration.downtime_limit_ms >= 1 &&
			    s->migration.downtime_limit_ms <= DOWNTIME_MAX_MS);
	/* A delay after a phase. */
	if (!load_with("[guest]\nmemory = 1G\nfill = 0\n[balloon]\nstep = before+%s:512M\n", value,
		       s))
		FUZZ_ASSERT(s->nballoon == 1 && s->balloon[0].delay_s >= 0 &&
			    s->balloon[0].delay_s <= DURATION_MAX);
	/* A balloon target: a size or a share of guest memory. */
	if (!load_with("[guest]\nmemory = 64G\nfill = 0\n[balloon]\nstep = before:%s\n", value, s)) {
		const struct kmb_balloon_step *st = &s->balloon[0];
		uint64_t target = st->target ? st->target
					     : (uint64_t)((double)s->guest.memory *
							  st->target_pct / 100);

		FUZZ_ASSERT(s->nballoon == 1);
		FUZZ_ASSERT(st->target || (st->target_pct > 0 && st->target_pct <= 100));
		FUZZ_ASSERT(target >= need && target <= s->guest.memory);
	}
	/* Sizes of the guest: the agent's memory fits, without wrapping around. */
	if (!load_with("[guest]\nmemory = 64G\nfill = %s\n", value, s))
		FUZZ_ASSERT(s->guest.fill + AGENT_RESERVE <= s->guest.memory);
	if (!load_with("[guest]\nmemory = 64G\nfill = %1$s\nzero = %1$s\n", value, s))
		FUZZ_ASSERT(s->guest.fill <= s->guest.memory / 2 &&
			    s->guest.fill + s->guest.zero + AGENT_RESERVE <= s->guest.memory);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	/* A value is a word, not a document. */
	if (size > 256)
		return 0;
	text = fuzz_strndup(data, size);
	check_size(text);
	check_size_list(text);
	check_uint(text);
	check_scenario_values(text);
	free(text);
	return 0;
}
