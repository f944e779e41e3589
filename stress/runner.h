/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running one stress scenario: boot the source guest, fill its memory,
 * balloon it, put the host under pressure, migrate it to a destination QEMU
 * (precopy, postcopy, postcopy with pause and recover), inject faults, sample
 * every 100 ms, then judge the invariants and leave the host clean.
 */
#ifndef KMB_RUNNER_H
#define KMB_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "agent_link.h"
#include "cgroup.h"
#include "footprint.h"
#include "qemu.h"
#include "scenario.h"
#include "workdir.h"

struct kmb_stress_opts {
	const struct kmb_guest_image *img;	/* prepared by kmb_stress_preflight */
	const char *guest_kernel;	/* when img is NULL: the kernel to boot, NULL default */
	const char *logdir;	/* where consoles, QEMU stderr, stress-ng YAML go */
	double timeout_s;	/* overrides the scenario's total timeout, 0 = keep */
	bool keep_logs;		/* keep the private run directory too */
	bool quiet;		/* no progress lines */
	int index, count;	/* scenario index of count (from 1), for progress lines */
};

/* The last query-migrate a QEMU answered, for progress and the hang report. */
struct kmb_mig_seen {
	json_t *reply;		/* NULL before the first answer */
	double t;		/* run clock of that answer */
};

/* Everything one scenario run owns; released by the runner in every case. */
struct kmb_stress {
	const struct kmb_scenario *s;
	const struct kmb_stress_opts *o;
	struct kmb_guest_image img;
	char accel[8];
	char accel_reason[512];
	char qemu_version[64];
	struct kmb_workdir wd;	/* private 0700 run directory */
	struct kmb_qemu src, dst;
	bool dst_started;
	struct kmb_agent agent;
	bool agent_up;
	struct kmb_cgroup cg_src, cg_dst, cg_stress;
	bool have_cg_src, have_cg_dst, have_cg_stress;
	pid_t stress_pid;
	uint64_t t0_ns;
	enum kmb_phase phase;
	double phase_t;		/* seconds since t0 when the phase began */
	const char *step;	/* what the run does now: boot, fill, balloon, migrate, verify */
	double step_t;
	bool migrating, postcopy_requested, recovering, resumed;
	double last_progress_line;	/* when the last progress line was printed */
	bool step_done[KMB_MAX_STEPS], fault_done[KMB_MAX_STEPS], stress_started;
	bool src_killed, dst_killed, src_frozen, dst_frozen;
	/* Migration state from the last query-migrate of the source. */
	char status[32];
	uint64_t transferred, postcopy_requests, syncs;
	double last_progress_t;
	json_t *last_migrate;	/* the source's last answer (also in seen_src) */
	struct kmb_mig_seen seen_src, seen_dst;
	double migration_start_t, migration_end_t;
	bool hang, timed_out;
	const char *hang_side;	/* "source", "destination", "both" or "neither" stopped */
	char hang_report[2048];	/* which side stopped and why we think so */
	bool saw_postcopy;	/* the migration really went through postcopy-active */
	/* Figures the invariants need. */
	uint64_t src_rss_start_kib, src_rss_max_kib, src_rss_now_kib, dst_rss_now_kib;
	/*
	 * Inflated memory stays unallocated: what the guest populated, by its
	 * own count (guest memory less MemFree after FILL) and by the host's
	 * (guest RAM resident in the source after the balloon settled), and
	 * what each QEMU held (footprint.h). Bytes, -1 unknown.
	 */
	int64_t populated_guest, populated_host;
	struct kmb_footprint fp_src, fp_dst;
	int64_t balloon_src, balloon_dst;	/* bytes, -1 unknown */
	int64_t balloon_target;			/* the last step's target, -1 none */
	enum kmb_phase balloon_target_phase;
	int verify_rc;				/* 0 ok, 1 ERR, -1 not run */
	char verify_reply[256];
	uint64_t oom_kills_qemu, oom_kills_stress;
	char error[1024];	/* harness error, "" if none */
	/* Output. */
	json_t *samples, *phases, *steps, *notes, *invariants, *not_checked, *agent_log, *events;
};

/*
 * Run scenario s. Returns 0 all invariants held, 1 one failed, 2 harness
 * error. *result gets the scenario's JSON document (new reference) in every
 * case where the run got far enough to say something.
 */
int kmb_stress_run(const struct kmb_scenario *s, const struct kmb_stress_opts *o,
		   json_t **result);

/*
 * Check before any scenario starts: the guest image (kernel, initramfs), QEMU
 * and, when a scenario needs it, stress-ng. 0, or -1 with one line in err.
 */
int kmb_stress_preflight(const struct kmb_scenario *sc, int n, const char *guest_kernel,
			 struct kmb_guest_image *img, char *err, size_t errlen);

/*
 * Append the invariants' verdicts to st->invariants, and those that could
 * not be checked, with the reason, to st->not_checked; returns how many failed.
 */
int kmb_invariants_evaluate(struct kmb_stress *st);

/* After teardown: no child process, cgroup or run directory left; 1 if failed. */
int kmb_invariants_host_clean(struct kmb_stress *st);

/* Remove private run directories of dead kmb processes; returns how many. */
int kmb_stress_recover(int verbose);

#endif
