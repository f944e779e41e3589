/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The migration driver of a stress run: start the destination, set
 * capabilities and parameters on both sides, start the migration, switch to
 * postcopy, pause and recover it, and decide when it reached a terminal
 * state, timed out or hung -- and, for a hang, which side stopped.
 */
#ifndef KMB_MIGRATE_H
#define KMB_MIGRATE_H

#include "runner.h"

/*
 * Drive the migration to a terminal state (or hang / timeout), ticking the
 * schedule meanwhile. Returns 0 when the run can go on to its checks, -1 on
 * harness error.
 */
int kmb_stress_migrate(struct kmb_stress *st);

/*
 * Take in one sample's query-migrate answers (NULL: that side did not
 * answer): status, progress of the stream, the last answer of each side.
 */
void kmb_stress_track(struct kmb_stress *st, json_t *src_mig, json_t *dst_mig);

#endif
