/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The timed schedule of a stress run: the run clock every timestamp is on,
 * the phases, the 100 ms tick that samples both QEMUs (query-migrate, /proc
 * status, cgroups) and fires what the scenario ties to a phase (balloon
 * steps, faults, stress-ng), and the progress lines a user watches.
 */
#ifndef KMB_SCHEDULE_H
#define KMB_SCHEDULE_H

#include "runner.h"

/* Seconds since the run started: every time in the result is on this clock. */
double kmb_stress_now(const struct kmb_stress *st);

/* The overall limit of the run: --timeout, else the scenario's total. */
double kmb_stress_total_s(const struct kmb_stress *st);

/* A line in the result's notes, at the current run time. */
void kmb_stress_note(struct kmb_stress *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A new step of the run (boot, fill, balloon, migrate, verify, teardown):
 * recorded, and printed with the elapsed time, "scenario i/N" and how long
 * the scenario may still take.
 */
void kmb_stress_step(struct kmb_stress *st, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Enter a phase: record it and run what the scenario schedules at its start. */
void kmb_stress_enter(struct kmb_stress *st, enum kmb_phase phase);

/* One 100 ms tick: sample, fire due steps and faults, print progress. */
void kmb_stress_tick(struct kmb_stress *st);

/* Set a balloon target on q; the step is noted. 0 or -1. */
int kmb_stress_balloon(struct kmb_stress *st, struct kmb_qemu *q, uint64_t target);

/* Query the balloon's actual size; -1 when it cannot be read. */
int64_t kmb_stress_query_balloon(struct kmb_qemu *q);

#endif
