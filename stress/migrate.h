/* SPDX-License-Identifier: GPL-2.0-only */
/* The timed part of a stress run: phases, 100 ms sampling, balloon, faults, migration. */
#ifndef KMB_MIGRATE_H
#define KMB_MIGRATE_H

#include "runner.h"

/* Enter a phase: record it and run what the scenario schedules at its start. */
void kmb_stress_enter(struct kmb_stress *st, enum kmb_phase phase);

/* One 100 ms tick: sample, fire due steps and faults. */
void kmb_stress_tick(struct kmb_stress *st);

/* Set a balloon target on the source (before/precopy/postcopy) or the destination (after). */
int kmb_stress_balloon(struct kmb_stress *st, struct kmb_qemu *q, uint64_t target);

/*
 * Start the destination, set capabilities and parameters on both sides, start
 * the migration and drive it to a terminal state (or hang / timeout).
 * Returns 0 when the run can go on to its checks, -1 on harness error.
 */
int kmb_stress_migrate(struct kmb_stress *st);

/* Query the balloon's actual size; -1 when it cannot be read. */
int64_t kmb_stress_query_balloon(struct kmb_qemu *q);

#endif
