/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Children of kmb ab (git, patch, make, QEMU, the image builder): spawned
 * with argv through lib/spawn (no shell), each leading its own process group
 * so that a stop takes its whole tree down. SIGINT, SIGTERM and SIGHUP set
 * kmb_ab_stop and forward SIGTERM to the running child's group; the driver
 * notices the flag at its next step and cleans up.
 */
#ifndef KMB_AB_PROC_H
#define KMB_AB_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

extern volatile sig_atomic_t kmb_ab_stop;	/* the signal number that asked to stop, or 0 */

void kmb_ab_install_signals(void);

/* Progress: "kmb ab: [  12.3s] <stage>: <message>" on stdout, flushed. */
void kmb_ab_progress(const char *stage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Seconds since the A/B began. */
double kmb_ab_elapsed(void);

struct kmb_ab_cmd {
	const char *const *argv;
	const char *cwd;	/* NULL: kmb's own */
	const char *log;	/* stdout and stderr appended here; NULL: /dev/null */
	int timeout_s;		/* 0: none */
	int nice;		/* added niceness (0: none) */
	/* Long work: a progress line for stage every heartbeat_s with the log's last line. */
	const char *stage;
	int heartbeat_s;
	const char *const *env;	/* "NAME=VALUE" set for the command, or NULL */
};

/*
 * Run to completion. Returns the exit status (0..255); -1 with err when it
 * could not start, died of a signal, timed out or was stopped (kmb_ab_stop).
 * On a non-zero status err holds "NAME exited with status N: <the last lines
 * it wrote>" (from its part of the log).
 */
int kmb_ab_run(const struct kmb_ab_cmd *c, char *err, size_t errlen);

/* Run and capture stdout (stderr to the log, or /dev/null); trailing newline cut. */
int kmb_ab_capture(const struct kmb_ab_cmd *c, char *out, size_t outlen, char *err,
		   size_t errlen);

/* Start in the background (own process group) and register it for stops. */
int kmb_ab_start(const struct kmb_ab_cmd *c, pid_t *pid, char *err, size_t errlen);
/* Reap if it ended: true with *status. */
bool kmb_ab_poll(pid_t pid, int *status);
/* SIGTERM the group, SIGKILL after grace_ms, reap. */
void kmb_ab_kill(pid_t pid, int grace_ms, int *status);

/* The last lines of a file from offset on, joined with " | ", for messages. */
void kmb_ab_tail(const char *path, long offset, int lines, char *buf, size_t len);

/* Is prog found in PATH (or an executable path)? */
bool kmb_ab_have(const char *prog);

#endif
