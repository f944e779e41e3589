// SPDX-License-Identifier: GPL-2.0-only
#include "schedule.h"
#include "migrate.h"
#include "procstat.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 100
/* A sample's query-migrate waits this long for a QEMU that answers. */
#define SAMPLE_QMP_MS 500
/* Progress lines: every second while migrating, every 5 s in the slower steps. */
#define PROGRESS_MIGRATING_S 1.0
#define PROGRESS_IDLE_S 5.0
/* Below this long without progress a stream is only slow. */
#define STALL_SHOWN_S 2.0

double kmb_stress_total_s(const struct kmb_stress *st)
{
	return st->o->timeout_s > 0 ? st->o->timeout_s : st->s->timeouts.total_s;
}

double kmb_stress_now(const struct kmb_stress *st)
{
	return (double)(kmb_now_ns() - st->t0_ns) / 1e9;
}

void kmb_stress_note(struct kmb_stress *st, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	json_array_append_new(st->notes,
			      json_pack("{s:f, s:s}", "t", kmb_stress_now(st), "what", what));
}

/* "[2/9 balloon-postcopy  12.3s]" */
static void line_head(const struct kmb_stress *st)
{
	printf("  [%d/%d %s %5.1fs] ", st->o->index > 0 ? st->o->index : 1,
	       st->o->count > 0 ? st->o->count : 1, st->s->name, kmb_stress_now(st));
}

static double left_s(const struct kmb_stress *st)
{
	double left = kmb_stress_total_s(st) - kmb_stress_now(st);

	return left > 0 ? left : 0;
}

void kmb_stress_step(struct kmb_stress *st, const char *step, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	st->step = step;
	st->step_t = kmb_stress_now(st);
	json_array_append_new(st->steps, json_pack("{s:s, s:f, s:s}", "step", step, "t", st->step_t,
						   "what", what));
	if (st->o->quiet)
		return;
	line_head(st);
	printf("%s: %s (at most %.0f s left)\n", step, what, left_s(st));
	st->last_progress_line = kmb_stress_now(st);
	fflush(stdout);
}

int64_t kmb_stress_query_balloon(struct kmb_qemu *q)
{
	json_t *r = kmb_qemu_query(q, "query-balloon", 5000);
	int64_t actual = -1;

	if (json_is_integer(json_object_get(r, "actual")))
		actual = json_integer_value(json_object_get(r, "actual"));
	json_decref(r);
	return actual;
}

int kmb_stress_balloon(struct kmb_stress *st, struct kmb_qemu *q, uint64_t target)
{
	char err[256];
	json_t *r;

	if (!q->qmp || !kmb_qemu_alive(q)) {
		kmb_stress_note(st, "balloon %s to %llu MiB: not set, that QEMU is gone", q->role,
				(unsigned long long)(target >> 20));
		return -1;
	}
	r = kmb_qmp_exec(q->qmp, "balloon", json_pack("{s:I}", "value", (json_int_t)target), 5000,
			 err, sizeof(err));
	kmb_stress_note(st, "balloon %s to %llu MiB%s%s", q->role,
			(unsigned long long)(target >> 20), r ? "" : ": ", r ? "" : err);
	json_decref(r);
	return r ? 0 : -1;
}

/* stress-ng in its own cgroup and process group; argv split on blanks. */
static void start_stress(struct kmb_stress *st)
{
	char args[512], yaml[4200], log[4200], procs[4200], err[256], *save = NULL, *tok;
	const char *argv[KMB_STRESS_NG_MAX_ARGS + 4];
	struct kmb_spawn_opts o;
	int n = 0;

	snprintf(args, sizeof(args), "%s", st->s->host.stress_ng);
	snprintf(yaml, sizeof(yaml), "%s/stress-ng.yaml", st->o->logdir);
	argv[n++] = "stress-ng";
	/* The parser refused more than KMB_STRESS_NG_MAX_ARGS arguments. */
	for (tok = strtok_r(args, " \t", &save); tok && n <= KMB_STRESS_NG_MAX_ARGS;
	     tok = strtok_r(NULL, " \t", &save))
		argv[n++] = tok;
	argv[n++] = "--yaml";
	argv[n++] = yaml;
	argv[n] = NULL;
	kmb_spawn_opts_init(&o, argv);
	o.new_pgrp = true;
	o.package = "stress-ng";
	snprintf(log, sizeof(log), "%s/stress-ng.log", st->o->logdir);
	o.stdout_path = log;
	o.stderr_path = log;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", st->cg_stress.path);
	o.cgroup_procs = st->have_cg_stress ? procs : NULL;
	if (kmb_spawn(&o, &st->stress_pid, err, sizeof(err))) {
		snprintf(st->error, sizeof(st->error), "%s", err);
		return;
	}
	st->stress_started = true;
	kmb_stress_note(st, "stress-ng started");
}

/* The guest runs on the destination from postcopy on: its balloon is there. */
static struct kmb_qemu *phase_qemu(struct kmb_stress *st)
{
	return st->phase >= KMB_PHASE_POSTCOPY ? &st->dst : &st->src;
}

static void inject(struct kmb_stress *st, const struct kmb_fault *f)
{
	bool source = f->side == KMB_SIDE_SOURCE;
	struct kmb_qemu *q = source ? &st->src : &st->dst;

	if (f->kind == KMB_FAULT_KILL) {
		kmb_qemu_kill(q);
		*(source ? &st->src_killed : &st->dst_killed) = true;
	} else {
		kmb_qemu_freeze(q);
		*(source ? &st->src_frozen : &st->dst_frozen) = true;
	}
	kmb_stress_note(st, "fault: %s QEMU (pid %d) %s", q->role, (int)q->pid,
			f->kind == KMB_FAULT_KILL ? "killed (SIGKILL)" : "stopped (SIGSTOP)");
}

static void fire_due(struct kmb_stress *st)
{
	double since = kmb_stress_now(st) - st->phase_t;
	int i;

	for (i = 0; i < st->s->nballoon; i++) {
		const struct kmb_balloon_step *b = &st->s->balloon[i];
		uint64_t target = kmb_balloon_step_bytes(st->s, b);

		if (st->step_done[i] || b->when != st->phase || since < b->delay_s)
			continue;
		st->step_done[i] = true;
		st->balloon_target = (int64_t)target;
		st->balloon_target_phase = b->when;
		if (!st->migrating)
			kmb_stress_step(st, "balloon", "%s to %llu MiB", phase_qemu(st)->role,
					(unsigned long long)(target >> 20));
		kmb_stress_balloon(st, phase_qemu(st), target);
	}
	for (i = 0; i < st->s->nfaults; i++) {
		const struct kmb_fault *f = &st->s->faults[i];

		if (st->fault_done[i] || f->when != st->phase || since < f->delay_s)
			continue;
		st->fault_done[i] = true;
		inject(st, f);
	}
	if (!st->stress_started && st->s->host.stress_ng[0] && st->s->host.stress_when == st->phase)
		start_stress(st);
}

void kmb_stress_enter(struct kmb_stress *st, enum kmb_phase phase)
{
	st->phase = phase;
	st->phase_t = kmb_stress_now(st);
	json_array_append_new(st->phases, json_pack("{s:s, s:f}", "phase", kmb_phase_name(phase),
						    "t", st->phase_t));
	fire_due(st);
}

/* /proc/<pid>/status of one QEMU; feeds its footprint. */
static json_t *proc_json(struct kmb_stress *st, struct kmb_qemu *q, struct kmb_footprint *fp,
			 uint64_t *rss_kib)
{
	struct kmb_procstat ps;

	if (q->pid <= 0 || q->reaped || kmb_procstat_read(q->pid, &ps))
		return json_null();
	*rss_kib = ps.vm_rss_kib;
	kmb_footprint_sample(fp, &ps, kmb_stress_now(st));
	return kmb_procstat_json(&ps);
}

static json_t *cgroup_json(struct kmb_cgroup *cg, bool have)
{
	struct kmb_cgroup_stat cs;
	char err[256];

	if (!have || kmb_cgroup_stat(cg, &cs, err, sizeof(err)))
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "usage", (json_int_t)cs.usage, "peak",
			 (json_int_t)cs.peak, "oom", (json_int_t)cs.oom, "oom_kill",
			 (json_int_t)cs.oom_kill, "max_events", (json_int_t)cs.max_events);
}

static json_t *query_migrate(struct kmb_qemu *q, bool started)
{
	json_t *r = started ? kmb_qemu_query(q, "query-migrate", SAMPLE_QMP_MS) : NULL;

	return r ? r : json_null();
}

static char state_of(const struct kmb_qemu *q, bool started)
{
	return started ? kmb_qemu_state(q) : '-';
}

static void sample(struct kmb_stress *st)
{
	uint64_t src_rss = 0, dst_rss = 0;
	json_t *src_mig = query_migrate(&st->src, true);
	json_t *dst_mig = query_migrate(&st->dst, st->dst_started);
	json_t *src_proc = proc_json(st, &st->src, &st->fp_src, &src_rss);
	json_t *dst_proc =
		st->dst_started ? proc_json(st, &st->dst, &st->fp_dst, &dst_rss) : json_null();
	char src_state[2] = { state_of(&st->src, true), 0 };
	char dst_state[2] = { state_of(&st->dst, st->dst_started), 0 };

	if (st->migrating) {
		kmb_stress_track(st, json_is_object(src_mig) ? src_mig : NULL,
				 json_is_object(dst_mig) ? dst_mig : NULL);
		if (src_rss > st->src_rss_max_kib)
			st->src_rss_max_kib = src_rss;
	}
	st->src_rss_now_kib = src_rss;
	st->dst_rss_now_kib = dst_rss;
	if (st->src.qmp)
		kmb_qmp_poll_events(st->src.qmp, 0);
	if (st->dst.qmp)
		kmb_qmp_poll_events(st->dst.qmp, 0);
	json_array_append_new(
		st->samples,
		json_pack("{s:f, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:{s:o, s:o, s:o}}", "t",
			  kmb_stress_now(st), "phase", kmb_phase_name(st->phase), "src_migrate",
			  src_mig, "dst_migrate", dst_mig, "src_proc", src_proc, "dst_proc",
			  dst_proc, "src_state", src_state, "dst_state", dst_state, "cgroups",
			  "source", cgroup_json(&st->cg_src, st->have_cg_src), "destination",
			  cgroup_json(&st->cg_dst, st->have_cg_dst), "stress",
			  cgroup_json(&st->cg_stress, st->have_cg_stress)));
}

/* ", destination not answering for 12 s" for each QEMU that stopped answering. */
static void silent_sides(const struct kmb_stress *st, char *buf, size_t len)
{
	const struct kmb_qemu *q[] = { &st->src, st->dst_started ? &st->dst : NULL };
	uint64_t now = kmb_now_ns();
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < KMB_ARRAY_SIZE(q); i++) {
		if (!q[i] || !q[i]->silent_since_ns || q[i]->reaped)
			continue;
		off += (size_t)snprintf(buf + off, len - off, ", %s not answering for %.0f s",
					q[i]->role, (double)(now - q[i]->silent_since_ns) / 1e9);
		if (off >= len)
			break;
	}
}

/* Seconds the migration still needs at the rate it had so far; -1 unknown. */
static double estimate_s(const struct kmb_stress *st, double now)
{
	json_t *ram = json_object_get(st->last_migrate, "ram");
	double remaining = (double)json_integer_value(json_object_get(ram, "remaining"));
	double rate = now > st->migration_start_t
			      ? (double)st->transferred / (now - st->migration_start_t)
			      : 0;

	return rate > 0 ? remaining / rate : -1;
}

static void progress(struct kmb_stress *st)
{
	double now = kmb_stress_now(st), stalled = now - st->last_progress_t, est;
	json_t *ram = json_object_get(st->last_migrate, "ram");
	double total = (double)json_integer_value(json_object_get(ram, "total"));
	double remaining = (double)json_integer_value(json_object_get(ram, "remaining"));
	char silent[160], eta[96];

	if (st->o->quiet ||
	    now - st->last_progress_line < (st->migrating ? PROGRESS_MIGRATING_S : PROGRESS_IDLE_S))
		return;
	st->last_progress_line = now;
	silent_sides(st, silent, sizeof(silent));
	line_head(st);
	if (!st->migrating) {
		char dst[64] = "";

		if (st->dst_started)
			snprintf(dst, sizeof(dst), ", dst RSS %llu MiB",
				 (unsigned long long)(st->dst_rss_now_kib >> 10));
		printf("%s: src RSS %llu MiB%s%s (at most %.0f s left)\n",
		       st->step ? st->step : "-", (unsigned long long)(st->src_rss_now_kib >> 10),
		       dst, silent, left_s(st));
		fflush(stdout);
		return;
	}
	est = estimate_s(st, now);
	if (stalled >= STALL_SHOWN_S)
		snprintf(eta, sizeof(eta), "no progress for %.0f s", stalled);
	else if (est >= 0)
		snprintf(eta, sizeof(eta), "~%.0f s to go", est);
	else
		snprintf(eta, sizeof(eta), "starting");
	printf("migrate: %-16s %3.0f%%  src RSS %4llu MiB  dst RSS %4llu MiB  %s%s "
	       "(at most %.0f s left)\n",
	       st->status, total > 0 ? 100 * (total - remaining) / total : 0,
	       (unsigned long long)(st->src_rss_now_kib >> 10),
	       (unsigned long long)(st->dst_rss_now_kib >> 10), eta, silent, left_s(st));
	fflush(stdout);
}

void kmb_stress_tick(struct kmb_stress *st)
{
	struct timespec nap = { .tv_nsec = TICK_MS * 1000 * 1000 };

	nanosleep(&nap, NULL);
	sample(st);
	fire_due(st);
	progress(st);
}
