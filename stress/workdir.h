/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The private run directory of one scenario: kmb-stress-<pid>-<scenario>-XXXXXX
 * in $TMPDIR (when short enough for unix socket paths) or /tmp, mode 0700. It
 * holds the QMP, agent and migration sockets and the consoles while QEMU runs.
 *
 * Every kmb start removes the directories of kmb processes that died, and
 * only those: owned by this user, named with a PID that is gone, whose "lock"
 * file nobody holds (the owner holds it for its whole life) and that carry
 * no "kept" marker (kmb stress --keep-logs). The walk goes through directory
 * file descriptors opened with O_NOFOLLOW, so a directory swapped for a
 * symlink is never followed.
 */
#ifndef KMB_WORKDIR_H
#define KMB_WORKDIR_H

#include <stdbool.h>
#include <stddef.h>

#define KMB_WORKDIR_PREFIX "kmb-stress-"

struct kmb_workdir {
	char path[4096]; /* "" until created */
	int lock_fd;	 /* held for the life of the run, -1 none */
	bool kept;	 /* carries the "kept" marker: recovery never removes it */
};

/* Create it for scenario name; keep marks it kept from the start. 0 or -1 (err). */
int kmb_workdir_create(struct kmb_workdir *w, const char *name, bool keep, char *err,
		       size_t errlen);

/* Remove it unless kept, and release the lock. 0 or -1 (something was left). */
int kmb_workdir_release(struct kmb_workdir *w);

/* Remove the run directories of dead kmb processes (see above); returns how many. */
int kmb_workdir_recover(int verbose);

#endif
