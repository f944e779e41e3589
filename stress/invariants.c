// SPDX-License-Identifier: GPL-2.0-only
/*
 * The invariants of a stress run, each a named pass/fail with the measured
 * value and the limit, so a failure says by how much.
 */
#include "runner.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int add(struct kmb_stress *st, const char *name, bool passed, json_t *value, json_t *limit,
	       const char *detail)
{
	json_array_append_new(st->invariants,
			      json_pack("{s:s, s:b, s:o, s:o, s:s}", "name", name, "passed", passed,
					"value", value ? value : json_null(), "limit",
					limit ? limit : json_null(), "detail", detail));
	return passed ? 0 : 1;
}

static bool terminal_matches(enum kmb_terminal want, const char *status)
{
	switch (want) {
	case KMB_TERM_COMPLETED:
		return !strcmp(status, "completed");
	case KMB_TERM_FAILED:
		return !strcmp(status, "failed");
	case KMB_TERM_POSTCOPY_PAUSED:
		return !strcmp(status, "postcopy-paused");
	default:
		return !strcmp(status, "failed") || !strcmp(status, "postcopy-paused");
	}
}

static int terminal_state(struct kmb_stress *st)
{
	char detail[512];
	bool ok;

	if (st->s->migration.mode == KMB_MIG_NONE)
		return add(st, "terminal_state", true, json_string("no migration"), NULL,
			   "the scenario does not migrate");
	if (st->hang) {
		char *last = json_dumps(st->last_migrate, JSON_COMPACT);

		snprintf(detail, sizeof(detail),
			 "postcopy hang: no progress in transferred/postcopy-requests for %.0f s; "
			 "last counters %s",
			 st->s->timeouts.hang_s, last ? last : "{}");
		free(last);
		return add(st, "terminal_state", false, json_string("hang"),
			   json_string(kmb_terminal_name(st->s->invariants.terminal)), detail);
	}
	ok = !st->timed_out && terminal_matches(st->s->invariants.terminal, st->status);
	snprintf(detail, sizeof(detail), "%s after %.1f s%s", st->status,
		 st->migration_end_t - st->migration_start_t,
		 st->timed_out ? " (timed out: no terminal state)" : "");
	return add(st, "terminal_state", ok, json_string(st->timed_out ? "timeout" : st->status),
		   json_string(kmb_terminal_name(st->s->invariants.terminal)), detail);
}

/* A postcopy scenario that finished in precopy did not test what it names. */
static int postcopy_used(struct kmb_stress *st)
{
	enum kmb_mig_mode mode = st->s->migration.mode;

	if (mode != KMB_MIG_POSTCOPY && mode != KMB_MIG_POSTCOPY_RECOVER)
		return 0;
	return add(st, "postcopy_used", st->saw_postcopy, json_boolean(st->saw_postcopy),
		   json_true(),
		   st->saw_postcopy ? "the migration switched to postcopy-active"
				    : "the migration never reached postcopy-active (it converged "
				      "or ended in precopy)");
}

static int memory_intact(struct kmb_stress *st)
{
	long long bad = kmb_agent_field(st->verify_reply, "bad");

	if (!st->s->invariants.verify_memory)
		return 0;
	if (st->verify_rc < 0)
		return add(st, "memory_intact", false, json_null(), json_integer(0),
			   st->verify_reply[0] ? st->verify_reply
					       : "the guest could not be asked to verify");
	return add(st, "memory_intact", st->verify_rc == 0 && bad == 0,
		   json_integer(bad < 0 ? -1 : bad), json_integer(0), st->verify_reply);
}

static int source_rss(struct kmb_stress *st)
{
	uint64_t limit = st->s->invariants.source_rss_growth_max;
	uint64_t growth = st->src_rss_max_kib > st->src_rss_start_kib
				  ? (st->src_rss_max_kib - st->src_rss_start_kib) * 1024
				  : 0;
	char detail[256];

	if (!limit || st->s->migration.mode == KMB_MIG_NONE)
		return 0;
	snprintf(detail, sizeof(detail), "source VmRSS %llu KiB at migration start, max %llu KiB",
		 (unsigned long long)st->src_rss_start_kib,
		 (unsigned long long)st->src_rss_max_kib);
	return add(st, "source_rss_growth", growth <= limit, json_integer((json_int_t)growth),
		   json_integer((json_int_t)limit), detail);
}

/* Guest memory the balloon leaves populated: memory minus the inflated part. */
static uint64_t populated_bytes(const struct kmb_stress *st)
{
	if (st->balloon_dst > 0 && (uint64_t)st->balloon_dst < st->s->guest.memory)
		return (uint64_t)st->balloon_dst;
	return st->s->guest.memory;
}

static int destination_rss(struct kmb_stress *st)
{
	uint64_t limit = populated_bytes(st) + st->s->invariants.destination_rss_slack;
	uint64_t rss = st->dst_rss_final_kib * 1024;
	char detail[256];

	if (st->s->migration.mode == KMB_MIG_NONE || strcmp(st->status, "completed"))
		return 0;
	snprintf(detail, sizeof(detail),
		 "destination VmRSS after migration; limit = guest memory left by the balloon "
		 "(%llu MiB) + %llu MiB slack",
		 (unsigned long long)(populated_bytes(st) >> 20),
		 (unsigned long long)(st->s->invariants.destination_rss_slack >> 20));
	return add(st, "destination_rss", rss <= limit && rss > 0, json_integer((json_int_t)rss),
		   json_integer((json_int_t)limit), detail);
}

/*
 * The destination's balloon equals the source's (steps before or during
 * precopy), or the target of a step made on the destination itself (during
 * postcopy or after, when the source no longer runs the guest).
 */
static int balloon_equal(struct kmb_stress *st)
{
	bool on_dst = st->balloon_target >= 0 && st->balloon_target_phase >= KMB_PHASE_POSTCOPY;
	int64_t want = on_dst ? st->balloon_target : st->balloon_src;
	char detail[200];

	if (!st->s->invariants.balloon_equal || st->s->migration.mode == KMB_MIG_NONE ||
	    strcmp(st->status, "completed"))
		return 0;
	snprintf(detail, sizeof(detail), "query-balloon actual: source %lld, destination %lld%s",
		 (long long)st->balloon_src, (long long)st->balloon_dst,
		 on_dst ? " (compared with the target set on the destination)" : "");
	return add(st, "balloon_equal", want >= 0 && want == st->balloon_dst,
		   json_integer(st->balloon_dst), json_integer(want), detail);
}

static int oom_kills(struct kmb_stress *st)
{
	char detail[200];
	bool ok;

	if (st->s->invariants.oom_kill_expected) {
		ok = st->oom_kills_stress > 0 && st->oom_kills_qemu == 0;
		snprintf(detail, sizeof(detail),
			 "expected: OOM kills in the pressure group, none of QEMU; seen %llu and "
			 "%llu",
			 (unsigned long long)st->oom_kills_stress,
			 (unsigned long long)st->oom_kills_qemu);
	} else {
		ok = st->oom_kills_stress + st->oom_kills_qemu == 0;
		snprintf(detail, sizeof(detail), "OOM kills: pressure group %llu, QEMU groups %llu",
			 (unsigned long long)st->oom_kills_stress,
			 (unsigned long long)st->oom_kills_qemu);
	}
	return add(st, "oom_kill", ok,
		   json_integer((json_int_t)(st->oom_kills_stress + st->oom_kills_qemu)),
		   json_string(st->s->invariants.oom_kill_expected ? "> 0 in pressure group"
								   : "0"),
		   detail);
}

/*
 * Every balloon step, fault and pressure start the scenario schedules must
 * have happened: a phase that ended before its time came proves nothing.
 */
static int scheduled(struct kmb_stress *st)
{
	char detail[512] = "";
	int missed = 0, i;

	for (i = 0; i < st->s->nballoon; i++) {
		if (st->step_done[i])
			continue;
		missed++;
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "balloon step %d (%s+%.1fs) never ran; ", i + 1,
			 kmb_phase_name(st->s->balloon[i].when), st->s->balloon[i].delay_s);
	}
	for (i = 0; i < st->s->nfaults; i++) {
		if (st->fault_done[i])
			continue;
		missed++;
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "fault %d (%s+%.1fs) never ran; ", i + 1,
			 kmb_phase_name(st->s->faults[i].when), st->s->faults[i].delay_s);
	}
	if (st->s->host.stress_ng[0] && !st->stress_started) {
		missed++;
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "stress-ng (%s) never started; ", kmb_phase_name(st->s->host.stress_when));
	}
	if (!st->s->nballoon && !st->s->nfaults && !st->s->host.stress_ng[0])
		return 0;
	if (!missed)
		snprintf(detail, sizeof(detail), "every balloon step, fault and pressure start ran");
	return add(st, "schedule_ran", missed == 0, json_integer(missed), json_integer(0), detail);
}

int kmb_invariants_evaluate(struct kmb_stress *st)
{
	return terminal_state(st) + scheduled(st) + postcopy_used(st) + memory_intact(st) + source_rss(st) + destination_rss(st) +
	       balloon_equal(st) + oom_kills(st);
}

int kmb_invariants_host_clean(struct kmb_stress *st)
{
	char detail[512] = "";
	struct stat sb;
	bool ok = true;
	int status;
	pid_t child;

	if (!st->s->invariants.host_clean)
		return 0;
	/* -1/ECHILD: no child at all; 0: one still runs; > 0: one had been left to reap. */
	child = waitpid(-1, &status, WNOHANG);
	if (child >= 0) {
		ok = false;
		snprintf(detail, sizeof(detail), "a child process is still running; ");
	}
	if ((st->have_cg_src && stat(st->cg_src.path, &sb) == 0) ||
	    (st->have_cg_dst && stat(st->cg_dst.path, &sb) == 0) ||
	    (st->have_cg_stress && stat(st->cg_stress.path, &sb) == 0)) {
		ok = false;
		strncat(detail, "a cgroup is left; ", sizeof(detail) - strlen(detail) - 1);
	}
	if (!st->o->keep_logs && stat(st->dir, &sb) == 0) {
		ok = false;
		strncat(detail, "the private run directory is left; ",
			sizeof(detail) - strlen(detail) - 1);
	}
	if (ok)
		snprintf(detail, sizeof(detail), "no process, cgroup or socket left");
	return add(st, "host_clean", ok, json_boolean(ok), json_true(), detail);
}
