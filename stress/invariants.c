// SPDX-License-Identifier: GPL-2.0-only
/*
 * The invariants of a stress run, each a named pass/fail with the measured
 * value and the limit, so a failure says by how much. An invariant that
 * cannot be judged in this run is listed with the reason instead, never
 * passed quietly.
 */
#include "caps.h"
#include "runner.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* The row of a judged invariant (borrowed: extra fields may be added). */
static json_t *row(struct kmb_stress *st, const char *name, bool passed, json_t *value,
		   json_t *limit, const char *detail)
{
	json_t *r = json_pack("{s:s, s:b, s:o, s:o, s:s}", "name", name, "passed", passed, "value",
			      value ? value : json_null(), "limit", limit ? limit : json_null(),
			      "detail", detail);

	json_array_append_new(st->invariants, r);
	return r;
}

static int add(struct kmb_stress *st, const char *name, bool passed, json_t *value, json_t *limit,
	       const char *detail)
{
	row(st, name, passed, value, limit, detail);
	return passed ? 0 : 1;
}

static int not_checked(struct kmb_stress *st, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int not_checked(struct kmb_stress *st, const char *name, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	json_array_append_new(st->not_checked,
			      json_pack("{s:s, s:s}", "name", name, "reason", reason));
	return 0;
}

static bool migrates(const struct kmb_stress *st)
{
	return st->s->migration.mode != KMB_MIG_NONE;
}

static bool completed(const struct kmb_stress *st)
{
	return migrates(st) && !strcmp(st->status, "completed");
}

/* Why the migration ended where it did, for "not checked" reasons. */
static const char *ending(const struct kmb_stress *st)
{
	return st->hang ? "hang" : st->timed_out ? "timeout" : st->status;
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
	case KMB_TERM_FAILED_OR_PAUSED:
		return !strcmp(status, "failed") || !strcmp(status, "postcopy-paused");
	case KMB_TERM_HANG:
		return false; /* a hang is st->hang, never a status */
	}
	return false;
}

static char *dump(json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	return text ? text : strdup("(no answer)");
}

/* The hang, named, with the last counters of both sides in full. */
static int hang_row(struct kmb_stress *st)
{
	char *src = dump(st->seen_src.reply), *dst = dump(st->seen_dst.reply), *detail = NULL;
	bool want = st->s->invariants.terminal == KMB_TERM_HANG;
	json_t *r;

	if (asprintf(&detail,
		     "hang after %.1f s: no progress in the migration stream for %.0f s (limit "
		     "timeouts.hang %.0f s) since t=%.1f s; %s stopped: %s. Last answers: source "
		     "at t=%.1f s %s; destination at t=%.1f s %s",
		     st->migration_end_t - st->migration_start_t,
		     st->migration_end_t - st->last_progress_t, st->s->timeouts.hang_s,
		     st->last_progress_t, st->hang_side ? st->hang_side : "neither",
		     st->hang_report, st->seen_src.t, src, st->seen_dst.t, dst) < 0)
		detail = NULL;
	r = row(st, "terminal_state", want, json_string("hang"),
		json_string(kmb_terminal_name(st->s->invariants.terminal)),
		detail ? detail : st->hang_report);
	json_object_set_new(r, "stopped", json_string(st->hang_side ? st->hang_side : "neither"));
	json_object_set_new(r, "detected_after_s",
			    json_real(st->migration_end_t - st->last_progress_t));
	json_object_set(r, "last_source", st->seen_src.reply ? st->seen_src.reply : json_null());
	json_object_set(r, "last_destination",
			st->seen_dst.reply ? st->seen_dst.reply : json_null());
	free(src);
	free(dst);
	free(detail);
	return want ? 0 : 1;
}

static int terminal_state(struct kmb_stress *st)
{
	char detail[512];
	bool ok;

	if (!migrates(st))
		return not_checked(st, "terminal_state", "the scenario does not migrate");
	if (st->hang)
		return hang_row(st);
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
		return not_checked(st, "postcopy_used", "migration.mode is %s",
				   kmb_mig_mode_name(mode));
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
		return not_checked(st, "memory_intact", "invariants.verify_memory is no%s",
				   st->s->invariants.terminal != KMB_TERM_COMPLETED
					   ? " (the migration is not expected to complete)"
					   : "");
	if (migrates(st) && !completed(st))
		return not_checked(st, "memory_intact", "migration did not complete (%s)",
				   ending(st));
	if (st->verify_rc < 0)
		return add(st, "memory_intact", false, json_null(), json_integer(0),
			   st->verify_reply[0] ? st->verify_reply
					       : "the guest could not be asked to verify");
	return add(st, "memory_intact", st->verify_rc == 0 && bad == 0,
		   json_integer(bad < 0 ? -1 : bad), json_integer(0), st->verify_reply);
}

static int source_rss_growth(struct kmb_stress *st)
{
	uint64_t limit = st->s->invariants.source_rss_growth_max;
	uint64_t growth = st->src_rss_max_kib > st->src_rss_start_kib
				  ? (st->src_rss_max_kib - st->src_rss_start_kib) * 1024
				  : 0;
	char detail[256];

	if (!limit)
		return not_checked(st, "source_rss_growth",
				   "no limit set (invariants.source_rss_growth_max is 0)");
	if (!migrates(st))
		return not_checked(st, "source_rss_growth", "the scenario does not migrate");
	snprintf(detail, sizeof(detail), "source VmRSS %llu KiB at migration start, max %llu KiB",
		 (unsigned long long)st->src_rss_start_kib,
		 (unsigned long long)st->src_rss_max_kib);
	return add(st, "source_rss_growth", growth <= limit, json_integer((json_int_t)growth),
		   json_integer((json_int_t)limit), detail);
}

static unsigned long long mib(int64_t bytes)
{
	return bytes > 0 ? (unsigned long long)bytes >> 20 : 0;
}

/* The most the balloon held: guest memory less the smallest target it was set to. */
static uint64_t inflated_bytes(const struct kmb_stress *st)
{
	uint64_t least = st->s->guest.memory;
	int i;

	for (i = 0; i < st->s->nballoon; i++) {
		uint64_t t = kmb_balloon_step_bytes(st->s, &st->s->balloon[i]);

		if (st->step_done[i] && t < least)
			least = t;
	}
	return st->s->guest.memory - least;
}

/*
 * What steps during postcopy took into the balloon: QEMU does not discard
 * inflated pages while an incoming postcopy runs (a discard would race with
 * page placement), so those the guest touched as it handed them over (its
 * kernel zeroes the pages it allocates) stay resident on the destination.
 */
static uint64_t inflated_in_postcopy(const struct kmb_stress *st)
{
	uint64_t before = st->balloon_src > 0 ? (uint64_t)st->balloon_src : st->s->guest.memory;
	uint64_t least = before;
	int i;

	for (i = 0; i < st->s->nballoon; i++) {
		uint64_t t = kmb_balloon_step_bytes(st->s, &st->s->balloon[i]);

		if (st->step_done[i] && st->s->balloon[i].when == KMB_PHASE_POSTCOPY && t < least)
			least = t;
	}
	return before - least;
}

static void describe_bytes(int64_t v, char *buf, size_t len)
{
	if (v >= 0)
		snprintf(buf, len, "%llu MiB", mib(v));
	else
		snprintf(buf, len, "unknown");
}

/*
 * Inflated memory is never allocated, on either side: a QEMU's peak (the
 * sampled maximum of VmRSS + hugetlb pages, and VmHWM) stays within its own
 * overhead, measured before the balloon and migration, plus what the guest
 * populated, plus the scenario's slack. A source that reads the inflated
 * pages where read faults allocate, or a destination that allocates them
 * when it places or checks zero pages, goes over by about what the balloon
 * holds.
 */

/*
 * A likely cause to name beside a failed RSS limit: where read faults on
 * anonymous memory allocate (mm_forbids_zeropage(): s390 KVM processes
 * before 6.10, hosts booted with pvm_no_zero_page=1), QEMU reading a
 * ballooned-out page of an anonymous guest while migrating allocates it.
 */
static const char *why_allocated(const struct kmb_stress *st)
{
	if (st->s->guest.backend != KMB_BACKEND_ANONYMOUS ||
	    kmb_zeropage_policy()->policy != KMB_ZEROPAGE_FORBIDDEN)
		return "";
	return " (read faults on anonymous memory map a private page on this host: the shared "
	       "zeropage is forbidden, see environment.zeropage)";
}

static int inflated_unallocated(struct kmb_stress *st, enum kmb_side side)
{
	bool source = side == KMB_SIDE_SOURCE;
	const char *name = source ? "source_rss" : "destination_rss";
	const struct kmb_footprint *f = source ? &st->fp_src : &st->fp_dst;
	int64_t overhead = f->overhead, populated;
	uint64_t slack = source ? st->s->invariants.source_rss_slack
				: st->s->invariants.destination_rss_slack;
	uint64_t limit, peak, kept;
	char hwm[96], guest[32], host[32], during[128], *detail = NULL;
	json_t *r;
	bool ok;

	if (!st->s->invariants.inflated_unallocated)
		return not_checked(st, name, "%s",
				   st->s->nballoon ? "invariants.inflated_unallocated is no"
						   : "no balloon step: nothing is inflated");
	if (!source && !migrates(st))
		return not_checked(st, name, "the scenario does not migrate");
	if (!source && !st->dst_started)
		return not_checked(st, name, "the destination never started");
	if (!f->samples)
		return not_checked(st, name,
				   "the %s QEMU was never sampled after the balloon "
				   "settled",
				   source ? "source" : "destination");
	/*
	 * Once it runs the guest, the destination holds what the source held
	 * beside guest RAM (code QEMU translated, device state): its own figure
	 * from before the incoming migration is the smaller one.
	 */
	if (!source && st->fp_src.overhead > overhead)
		overhead = st->fp_src.overhead;
	if (overhead < 0)
		return not_checked(st, name, "the QEMU's own overhead could not be measured: %s",
				   f->overhead_how);
	populated =
		st->populated_guest > st->populated_host ? st->populated_guest : st->populated_host;
	if (populated < 0)
		return not_checked(st, name,
				   "what the guest populated is unknown (no STAT "
				   "from the agent, no guest RAM mapping in smaps)");
	kept = source ? 0 : inflated_in_postcopy(st);
	limit = (uint64_t)overhead + (uint64_t)populated + kept + slack;
	peak = kmb_footprint_peak(f);
	ok = peak <= limit;
	if (f->hwm >= 0)
		snprintf(hwm, sizeof(hwm), "VmHWM %llu MiB", mib(f->hwm));
	else
		snprintf(hwm, sizeof(hwm), "%s", f->hwm_note[0] ? f->hwm_note : "no VmHWM");
	describe_bytes(st->populated_guest, guest, sizeof(guest));
	describe_bytes(st->populated_host, host, sizeof(host));
	if (kept)
		snprintf(during, sizeof(during),
			 " + %llu MiB inflated during postcopy (QEMU does not discard while an "
			 "incoming postcopy runs)",
			 mib((int64_t)kept));
	else
		during[0] = '\0';
	if (asprintf(&detail,
		     "peak %llu MiB (sampled max %llu MiB at t=%.1f s, %s) %s limit %llu MiB = "
		     "%s overhead %llu MiB + guest populated %llu MiB (guest's count %s, guest "
		     "RAM resident after the balloon settled %s)%s + slack %llu MiB; the balloon "
		     "held up to %llu MiB%s%s",
		     mib((int64_t)peak), mib((int64_t)f->peak), f->peak_t, hwm,
		     ok ? "within" : "above", mib((int64_t)limit),
		     source ? "QEMU" : "QEMU (source's or own)", mib(overhead), mib(populated),
		     guest, host, during, mib((int64_t)slack), mib((int64_t)inflated_bytes(st)),
		     ok	      ? ""
		     : source ? ": inflated memory was allocated on the source"
			      : ": inflated memory was allocated on the destination",
		     ok ? "" : why_allocated(st)) < 0)
		detail = NULL;
	r = row(st, name, ok, json_integer((json_int_t)peak), json_integer((json_int_t)limit),
		detail ? detail : "(out of memory)");
	json_object_set_new(
		r, "parts",
		json_pack(
			"{s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:f, s:o, s:I}", "overhead",
			(json_int_t)overhead, "populated", (json_int_t)populated, "populated_guest",
			st->populated_guest >= 0 ? json_integer(st->populated_guest) : json_null(),
			"populated_host",
			st->populated_host >= 0 ? json_integer(st->populated_host) : json_null(),
			"inflated_during_postcopy", (json_int_t)kept, "slack", (json_int_t)slack,
			"peak_sampled", (json_int_t)f->peak, "peak_sampled_t", f->peak_t, "vm_hwm",
			f->hwm >= 0 ? json_integer(f->hwm) : json_null(), "inflated",
			(json_int_t)inflated_bytes(st)));
	free(detail);
	return ok ? 0 : 1;
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

	if (!st->s->invariants.balloon_equal)
		return not_checked(st, "balloon_equal", "invariants.balloon_equal is no");
	if (!migrates(st))
		return not_checked(st, "balloon_equal", "the scenario does not migrate");
	if (!completed(st))
		return not_checked(st, "balloon_equal", "migration did not complete (%s)",
				   ending(st));
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
		   json_string(st->s->invariants.oom_kill_expected ? "> 0 in pressure group" : "0"),
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

	if (!st->s->nballoon && !st->s->nfaults && !st->s->host.stress_ng[0])
		return not_checked(st, "schedule_ran",
				   "nothing scheduled: no balloon step, fault or stress-ng");
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
			 "fault %d (%s %s at %s+%.1fs) never ran; ", i + 1,
			 kmb_fault_kind_name(st->s->faults[i].kind),
			 kmb_side_name(st->s->faults[i].side),
			 kmb_phase_name(st->s->faults[i].when), st->s->faults[i].delay_s);
	}
	if (st->s->host.stress_ng[0] && !st->stress_started) {
		missed++;
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "stress-ng (%s) never started; ", kmb_phase_name(st->s->host.stress_when));
	}
	if (!missed)
		snprintf(detail, sizeof(detail),
			 "every balloon step, fault and pressure start ran");
	return add(st, "schedule_ran", missed == 0, json_integer(missed), json_integer(0), detail);
}

int kmb_invariants_evaluate(struct kmb_stress *st)
{
	return terminal_state(st) + scheduled(st) + postcopy_used(st) + memory_intact(st) +
	       inflated_unallocated(st, KMB_SIDE_SOURCE) +
	       inflated_unallocated(st, KMB_SIDE_DESTINATION) + source_rss_growth(st) +
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
		return not_checked(st, "host_clean", "invariants.host_clean is no");
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
	if (!st->wd.kept && st->wd.path[0] && stat(st->wd.path, &sb) == 0) {
		ok = false;
		strncat(detail, "the private run directory is left; ",
			sizeof(detail) - strlen(detail) - 1);
	}
	if (ok)
		snprintf(detail, sizeof(detail), "no process, cgroup or socket left%s%s",
			 st->wd.kept ? "; run directory kept (--keep-logs): " : "",
			 st->wd.kept ? st->wd.path : "");
	return add(st, "host_clean", ok, json_boolean(ok), json_true(), detail);
}
