// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the scenario parser (stress/scenario.c, libinih) and its
 * consistency checks (stress/scenario_check.c). The input is a scenario file.
 *
 * Besides crashes and sanitizer reports, the target checks what the loader
 * promises: a rejected scenario comes back zeroed with a one-line error; an
 * accepted one satisfies every documented rule (sizes fit in the guest without
 * wrapping around, balloon steps leave the agent its memory, timeouts agree)
 * and its text can go into the stress result JSON.
 */
#include "fuzz.h"
#include "scenario.h"
#include "scenario_priv.h"

#include <jansson.h>

static struct fuzz_file file;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_file_init(&file, "scenario.ini");
	return 0;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++) {
		if (c[i])
			return false;
	}
	return true;
}

/* The runner writes these strings into JSON: they must be valid UTF-8 of one line. */
static void check_text(const char *text)
{
	json_t *j = json_string(text);

	FUZZ_ASSERT(j);
	json_decref(j);
	FUZZ_ASSERT(!strchr(text, '\n'));
}

static bool valid_duration(double s)
{
	return s > 0 && s <= DURATION_MAX;
}

static void check_accepted(const struct kmb_scenario *s)
{
	uint64_t m = s->guest.memory, need;
	int i;

	FUZZ_ASSERT(m >= MEMORY_MIN && m <= MEMORY_MAX);
	FUZZ_ASSERT(s->guest.backend != KMB_BACKEND_HUGETLB || m % HUGETLB_PAGE == 0);
	/* fill + zero + the agent's reserve fit, computed without wrapping around. */
	FUZZ_ASSERT(s->guest.fill <= m && s->guest.zero <= m - s->guest.fill &&
		    AGENT_RESERVE <= m - s->guest.fill - s->guest.zero);
	need = s->guest.fill + s->guest.zero + AGENT_RESERVE;
	FUZZ_ASSERT(s->guest.vcpus >= 1 && s->guest.vcpus <= 64);
	FUZZ_ASSERT(s->nballoon >= 0 && s->nballoon <= KMB_MAX_STEPS);
	for (i = 0; i < s->nballoon; i++) {
		const struct kmb_balloon_step *st = &s->balloon[i];
		uint64_t target = st->target
					  ? st->target
					  : (uint64_t)((double)m * st->target_pct / 100);

		FUZZ_ASSERT(st->target || (st->target_pct > 0 && st->target_pct <= 100));
		FUZZ_ASSERT(target >= need && target <= m);
		FUZZ_ASSERT(st->delay_s >= 0 && st->delay_s <= DURATION_MAX);
	}
	FUZZ_ASSERT(s->nfaults >= 0 && s->nfaults <= KMB_MAX_STEPS);
	for (i = 0; i < s->nfaults; i++)
		FUZZ_ASSERT(s->faults[i].delay_s >= 0 && s->faults[i].delay_s <= DURATION_MAX);
	FUZZ_ASSERT(valid_duration(s->timeouts.boot_s) && valid_duration(s->timeouts.migration_s) &&
		    valid_duration(s->timeouts.hang_s) && valid_duration(s->timeouts.total_s));
	FUZZ_ASSERT(s->timeouts.hang_s <= s->timeouts.migration_s);
	FUZZ_ASSERT(s->timeouts.total_s >= s->timeouts.boot_s + s->timeouts.migration_s);
	FUZZ_ASSERT(valid_duration(s->migration.pause_after_s));
	FUZZ_ASSERT(s->migration.downtime_limit_ms >= 1 &&
		    s->migration.downtime_limit_ms <= DOWNTIME_MAX_MS);
	FUZZ_ASSERT(s->migration.postcopy_after_passes >= 0 &&
		    s->migration.postcopy_after_passes <= 100);
	FUZZ_ASSERT(s->name[0] && strlen(s->name) < sizeof(s->name));
	check_text(s->name);
	check_text(s->description);
	check_text(s->host.stress_ng);
	/* The names the result file uses for them. */
	FUZZ_ASSERT(strcmp(kmb_backend_name(s->guest.backend), "unknown"));
	FUZZ_ASSERT(strcmp(kmb_mig_mode_name(s->migration.mode), "unknown"));
	FUZZ_ASSERT(strcmp(kmb_terminal_name(s->invariants.terminal), "unknown"));
	FUZZ_ASSERT(strcmp(kmb_phase_name(s->host.stress_when), "unknown"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmb_scenario *s = malloc(sizeof(*s));
	char err[1024];

	if (!s)
		abort();
	fuzz_file_set(&file, data, size);
	if (kmb_scenario_load(file.path, s, err, sizeof(err))) {
		/* One line naming the file, and nothing that looks runnable. */
		FUZZ_ASSERT(!strncmp(err, file.path, strlen(file.path)));
		FUZZ_ASSERT(!strchr(err, '\n'));
		FUZZ_ASSERT(all_zero(s, sizeof(*s)));
	} else {
		check_accepted(s);
	}
	free(s);
	return 0;
}
