/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host knobs (sysfs/procfs files such as /sys/kernel/mm/ksm/run) changed by a
 * benchmark are put back the way they were found:
 *  - before the first change of a knob, its original value is written to a
 *    restore record in the state directory (atomically, fsync'd);
 *  - kmb_knob_restore_all() puts every knob back and deletes the record;
 *    it also runs from SIGINT/SIGTERM/SIGHUP handlers and at exit;
 *  - a process killed with SIGKILL leaves its record behind; the next kmb
 *    start calls kmb_knob_recover(), which replays records whose owner is gone
 *    (the owner holds an flock on its record for as long as it lives).
 * Records live in the state directory (lib/statedir.h); the signal handlers
 * that call kmb_knob_restore_all() are lib/fatal.h's.
 */
#ifndef KMB_KNOB_H
#define KMB_KNOB_H

#include <stdbool.h>
#include <stddef.h>

#include "statedir.h"

/*
 * Set a knob, recording its original value first (only on its first change by
 * this process; if another live kmb already recorded the knob, its original is
 * kept). Returns 0, or -1 with a reason in err.
 */
int kmb_knob_set(const char *path, const char *value, char *err, size_t errlen);

/*
 * Keep every knob as the kernel has it (kmb bench --keep-knobs, for A/B runs of
 * boot parameters and sysctls): kmb_knob_set then only accepts a knob that
 * already holds the value and fails, naming the knob, for any other.
 */
void kmb_knob_keep(bool keep);

/* Put every knob changed by this process back; async-signal-safe. */
void kmb_knob_restore_all(void);

/*
 * Replay restore records of dead kmb processes; returns how many knobs were
 * restored, prints one line per knob to stderr when verbose.
 */
int kmb_knob_recover(int verbose);

#endif
