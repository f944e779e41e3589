/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmb's state directory: where a running kmb keeps what the next kmb start
 * needs after a crash (knob restore records). $KMB_STATE_DIR, else /run/kmb
 * for root (cleared on reboot, exactly when sysfs knobs reset), else
 * $XDG_RUNTIME_DIR/kmb or /tmp/kmb-<uid>. It must be a directory of ours
 * alone (owner, no group or other write): someone else's /tmp/kmb-<uid>
 * is refused.
 */
#ifndef KMB_STATEDIR_H
#define KMB_STATEDIR_H

/* Path of the state directory (created 0700 on first use); NULL on error. */
const char *kmb_state_dir(void);

#endif
