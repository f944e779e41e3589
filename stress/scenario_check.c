// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenario consistency: the rules that span keys (fill and zero fit in the
 * guest, balloon steps leave the agent its memory and come in time order,
 * postcopy phases only with postcopy modes, faults with a migration, ...).
 * Every rule fails with one line naming the file, the line and the values.
 */
#include "scenario_priv.h"

#include <stdio.h>
#include <string.h>

static bool postcopy_mode(enum kmb_mig_mode mode)
{
	return mode == KMB_MIG_POSTCOPY || mode == KMB_MIG_POSTCOPY_RECOVER;
}

static const char *size_str(uint64_t bytes, char *buf)
{
	kmb_format_size(bytes, buf, 32);
	return buf;
}

/* Can anything happen at this phase with this migration mode? NULL if yes. */
static const char *phase_problem(const struct kmb_scenario *s, enum kmb_phase phase)
{
	if (phase == KMB_PHASE_BEFORE)
		return NULL;
	if (s->migration.mode == KMB_MIG_NONE)
		return "needs a migration";
	if (phase == KMB_PHASE_POSTCOPY && !postcopy_mode(s->migration.mode))
		return "needs migration.mode postcopy or postcopy-recover";
	return NULL;
}

static int check_guest(struct parser *p)
{
	const struct kmb_scenario *s = p->s;
	char a[32], b[32], c[32];

	if (s->guest.memory < MEMORY_MIN || s->guest.memory > MEMORY_MAX)
		return kmb_scenario_fail_at(p, p->key_line[K_MEMORY],
					    "guest.memory %s is outside 64M..64G",
					    size_str(s->guest.memory, a));
	if (s->guest.backend == KMB_BACKEND_HUGETLB && s->guest.memory % HUGETLB_PAGE)
		return kmb_scenario_fail_at(p, p->key_line[K_MEMORY],
					    "guest.memory %s is not a multiple of 2M, "
					    "which guest.backend hugetlb needs",
					    size_str(s->guest.memory, a));
	/* The agent works in MiB (FILL <pattern_mib> <zero_mib>, DIRTY <mib_per_s>). */
	if (s->guest.fill % KMB_MIB || s->guest.zero % KMB_MIB || s->guest.dirty_rate % KMB_MIB)
		return kmb_scenario_fail_at(
			p, 0,
			"guest.fill, guest.zero and guest.dirty_rate must be whole "
			"MiB (the agent counts in MiB)");
	/* Term by term: a sum of sizes near 2^64 would wrap around and pass. */
	if (s->guest.fill > s->guest.memory || s->guest.zero > s->guest.memory - s->guest.fill ||
	    AGENT_RESERVE > s->guest.memory - s->guest.fill - s->guest.zero)
		return kmb_scenario_fail_at(
			p, 0,
			"guest.fill (%s) + guest.zero (%s) exceed guest.memory (%s) "
			"less 160M for the guest kernel, initramfs and agent",
			size_str(s->guest.fill, a), size_str(s->guest.zero, b),
			size_str(s->guest.memory, c));
	if (s->guest.dirty_rate && !s->guest.fill)
		return kmb_scenario_fail_at(p, p->key_line[K_DIRTY_RATE],
					    "guest.dirty_rate needs guest.fill: "
					    "the agent rewrites its pattern pages");
	if (s->guest.dirty_rate && s->migration.mode == KMB_MIG_NONE)
		return kmb_scenario_fail_at(
			p, p->key_line[K_DIRTY_RATE],
			"guest.dirty_rate needs a migration (migration.mode is none)");
	return 0;
}

static bool step_before(const struct kmb_balloon_step *a, const struct kmb_balloon_step *b)
{
	return a->when < b->when || (a->when == b->when && a->delay_s < b->delay_s);
}

static int check_balloon(struct parser *p)
{
	const struct kmb_scenario *s = p->s;
	uint64_t need = s->guest.fill + s->guest.zero + AGENT_RESERVE, target;
	const char *why;
	char a[32], b[32];
	int i;

	for (i = 0; i < s->nballoon; i++) {
		const struct kmb_balloon_step *st = &s->balloon[i];

		target = kmb_balloon_step_bytes(s, st);
		if ((why = phase_problem(s, st->when)))
			return kmb_scenario_fail_at(p, p->step_line[i],
						    "balloon.step '%s' is at phase %s, which %s "
						    "(migration.mode is %s)",
						    p->step_text[i], kmb_phase_name(st->when), why,
						    kmb_mig_mode_name(s->migration.mode));
		if (target > s->guest.memory)
			return kmb_scenario_fail_at(
				p, p->step_line[i],
				"balloon.step '%s': target %s exceeds guest.memory %s",
				p->step_text[i], size_str(target, a), size_str(s->guest.memory, b));
		if (target < need)
			return kmb_scenario_fail_at(
				p, p->step_line[i],
				"balloon.step '%s' leaves %s, less than "
				"guest.fill + guest.zero + 160M = %s the agent needs",
				p->step_text[i], size_str(target, a), size_str(need, b));
		if (i && step_before(st, &s->balloon[i - 1]))
			return kmb_scenario_fail_at(p, p->step_line[i],
						    "balloon.step '%s' happens before the step "
						    "on line %d: list steps in time order",
						    p->step_text[i], p->step_line[i - 1]);
	}
	return 0;
}

static int check_host(struct parser *p)
{
	const struct kmb_scenario *s = p->s;
	const char *why;

	if (!s->host.stress_ng[0] && p->key_line[K_STRESS_WHEN])
		return kmb_scenario_fail_at(p, p->key_line[K_STRESS_WHEN],
					    "host.stress_when is set but host.stress_ng is empty");
	if (!s->host.stress_ng[0] && s->host.memcg_limit_stress)
		return kmb_scenario_fail_at(
			p, p->key_line[K_MEMCG_STRESS],
			"host.memcg_limit_stress is set but host.stress_ng is empty");
	why = phase_problem(s, s->host.stress_when);
	if (s->host.stress_ng[0] && why)
		return kmb_scenario_fail_at(
			p, p->key_line[K_STRESS_WHEN],
			"host.stress_when is %s, which %s (migration.mode is %s)",
			kmb_phase_name(s->host.stress_when), why,
			kmb_mig_mode_name(s->migration.mode));
	return 0;
}

static int check_migration(struct parser *p)
{
	const struct kmb_scenario *s = p->s;
	enum kmb_mig_mode mode = s->migration.mode;
	static const enum key_id tuning[] = { K_PASSES, K_BANDWIDTH, K_DOWNTIME, K_PAUSE_AFTER };
	size_t i;

	for (i = 0; mode == KMB_MIG_NONE && i < KMB_ARRAY_SIZE(tuning); i++) {
		if (p->key_line[tuning[i]])
			return kmb_scenario_fail_at(
				p, p->key_line[tuning[i]],
				"migration.%s is set but migration.mode is none",
				kmb_scenario_key_name(tuning[i]));
	}
	if (p->key_line[K_PASSES] && !postcopy_mode(mode))
		return kmb_scenario_fail_at(
			p, p->key_line[K_PASSES],
			"migration.postcopy_after_passes needs "
			"migration.mode postcopy or postcopy-recover (it is %s)",
			kmb_mig_mode_name(mode));
	if (p->key_line[K_PAUSE_AFTER] && mode != KMB_MIG_POSTCOPY_RECOVER)
		return kmb_scenario_fail_at(p, p->key_line[K_PAUSE_AFTER],
					    "migration.pause_after needs "
					    "migration.mode postcopy-recover (it is %s)",
					    kmb_mig_mode_name(mode));
	return 0;
}

static int check_faults(struct parser *p)
{
	const struct kmb_scenario *s = p->s;
	const char *why;
	int i;

	for (i = 0; i < s->nfaults; i++) {
		const struct kmb_fault *f = &s->faults[i];
		const char *kind = kmb_fault_kind_name(f->kind);

		if ((why = phase_problem(s, f->when)))
			return kmb_scenario_fail_at(p, p->fault_line[i],
						    "faults.%s '%s' is at phase %s, which %s "
						    "(migration.mode is %s)",
						    kind, p->fault_text[i], kmb_phase_name(f->when),
						    why, kmb_mig_mode_name(s->migration.mode));
		/* A fault has to hit a running migration to test anything. */
		if (f->when != KMB_PHASE_PRECOPY && f->when != KMB_PHASE_POSTCOPY)
			return kmb_scenario_fail_at(p, p->fault_line[i],
						    "faults.%s '%s' is at phase %s: a fault "
						    "must be at precopy or postcopy",
						    kind, p->fault_text[i],
						    kmb_phase_name(f->when));
		if (s->invariants.terminal == KMB_TERM_COMPLETED)
			return kmb_scenario_fail_at(
				p, p->fault_line[i],
				"faults.%s '%s' rules out invariants.terminal completed: "
				"set failed, postcopy-paused, failed-or-paused or hang",
				kind, p->fault_text[i]);
	}
	return 0;
}

static int check_timeouts(struct parser *p)
{
	const struct kmb_scenario *s = p->s;

	if (s->timeouts.hang_s > s->timeouts.migration_s)
		return kmb_scenario_fail_at(p, p->key_line[K_HANG],
					    "timeouts.hang (%gs) exceeds timeouts.migration (%gs)",
					    s->timeouts.hang_s, s->timeouts.migration_s);
	if (s->timeouts.total_s < s->timeouts.boot_s + s->timeouts.migration_s)
		return kmb_scenario_fail_at(p, p->key_line[K_TOTAL],
					    "timeouts.total (%gs) is less than "
					    "timeouts.boot + timeouts.migration (%gs)",
					    s->timeouts.total_s,
					    s->timeouts.boot_s + s->timeouts.migration_s);
	return 0;
}

static int check_invariants(struct parser *p)
{
	const struct kmb_scenario *s = p->s;
	enum kmb_terminal t = s->invariants.terminal;

	if (s->migration.mode == KMB_MIG_NONE && t != KMB_TERM_COMPLETED)
		return kmb_scenario_fail_at(
			p, p->key_line[K_TERMINAL],
			"invariants.terminal %s needs a migration (migration.mode is none)",
			kmb_terminal_name(t));
	if ((t == KMB_TERM_POSTCOPY_PAUSED || t == KMB_TERM_FAILED_OR_PAUSED) &&
	    !postcopy_mode(s->migration.mode))
		return kmb_scenario_fail_at(
			p, p->key_line[K_TERMINAL],
			"invariants.terminal %s needs "
			"migration.mode postcopy or postcopy-recover (it is %s)",
			kmb_terminal_name(t), kmb_mig_mode_name(s->migration.mode));
	if (p->key_line[K_INFLATED] && s->invariants.inflated_unallocated && !s->nballoon)
		return kmb_scenario_fail_at(p, p->key_line[K_INFLATED],
					    "invariants.inflated_unallocated needs a balloon.step: "
					    "without one nothing is inflated");
	if (!s->invariants.inflated_unallocated &&
	    (p->key_line[K_SOURCE_SLACK] || p->key_line[K_DESTINATION_SLACK]))
		return kmb_scenario_fail_at(
			p,
			p->key_line[K_SOURCE_SLACK] ? p->key_line[K_SOURCE_SLACK]
						    : p->key_line[K_DESTINATION_SLACK],
			"invariants.%s is set but invariants.inflated_unallocated is no%s",
			p->key_line[K_SOURCE_SLACK] ? "source_rss_slack" : "destination_rss_slack",
			s->nballoon ? "" : " (there is no balloon.step)");
	/* The expected kills are stress-ng's, in its own group; QEMU's are never expected. */
	if (s->invariants.oom_kill_expected && !s->host.stress_ng[0])
		return kmb_scenario_fail_at(
			p, p->key_line[K_OOM_KILL],
			"invariants.oom_kill is yes, but there is no host.stress_ng to be "
			"OOM-killed");
	return 0;
}

/* Defaults that depend on other keys. */
static int finish_defaults(struct parser *p)
{
	struct kmb_scenario *s = p->s;
	const char *base = strrchr(p->file, '/');
	size_t n;

	/* A run that does not complete leaves no guest, or not one side, to compare. */
	if (!p->key_line[K_VERIFY])
		s->invariants.verify_memory = s->invariants.terminal == KMB_TERM_COMPLETED;
	if (!p->key_line[K_BALLOON_EQUAL])
		s->invariants.balloon_equal = s->invariants.terminal == KMB_TERM_COMPLETED;
	/* Every scenario with a balloon checks that its inflated memory stays unallocated. */
	if (!p->key_line[K_INFLATED])
		s->invariants.inflated_unallocated = s->nballoon > 0;
	if (p->key_line[K_NAME])
		return 0;
	base = base ? base + 1 : p->file;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".ini"))
		n -= 4;
	if (!n || n >= sizeof(s->name))
		return kmb_scenario_fail_at(
			p, 0,
			"the file name does not make a scenario name of 1 to %zu "
			"characters: set scenario.name",
			sizeof(s->name) - 1);
	memcpy(s->name, base, n);
	s->name[n] = '\0';
	kmb_sanitize_name(s->name);
	return 0;
}

int kmb_scenario_validate(struct parser *p)
{
	if (finish_defaults(p) || check_guest(p) || check_balloon(p) || check_host(p) ||
	    check_migration(p) || check_faults(p) || check_timeouts(p) || check_invariants(p))
		return -1;
	return 0;
}
