/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The process-wide policy on SIGINT, SIGTERM and SIGHUP: put back every knob
 * this process changed (lib/knob.h), run the command's own async-signal-safe
 * cleanup (marking its run interrupted, say), then die by the same signal so
 * that the exit status says so. A second signal does not cut the first one's
 * work short; signals ignored by whoever started kmb (nohup) stay ignored.
 * The knobs are also put back at exit().
 */
#ifndef KMB_FATAL_H
#define KMB_FATAL_H

/* cleanup may be NULL. */
void kmb_install_fatal_handlers(void (*cleanup)(void));

#endif
