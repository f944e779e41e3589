/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Child processes without a shell: argv goes to execvp as it is, so no
 * argument is ever split or expanded. The child inherits only fds 0, 1 and 2,
 * starts with default signal dispositions and nothing blocked, gets SIGKILL
 * when the thread that spawned it exits (PR_SET_PDEATHSIG), and an exec
 * failure comes back to the parent as an error instead of an exit 127.
 */
#ifndef KMB_SPAWN_H
#define KMB_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct kmb_spawn_opts {
	const char *const *argv;	/* NULL-terminated; argv[0] is looked up in PATH */
	/*
	 * Redirections. A path wins over an fd; fd -1 (and no path) inherits.
	 * The parent opens the paths, relative to its own working directory:
	 * stdin read-only, stdout and stderr created or truncated (0644).
	 */
	const char *stdin_path, *stdout_path, *stderr_path;
	int stdin_fd, stdout_fd, stderr_fd;
	const char *cwd;	/* the child's working directory, or NULL */
	/*
	 * A cgroup's cgroup.procs file the child moves itself into before exec,
	 * so everything it allocates and every process it forks is charged there.
	 */
	const char *cgroup_procs;
	bool new_pgrp;		/* lead a new process group (kill the group on timeout) */
	const char *package;	/* Debian package named when argv[0] is missing, or NULL */
	/*
	 * "NAME=VALUE" strings, NULL-terminated, set in the child's environment
	 * over kmb's own (which is left alone); NULL: kmb's environment as it is.
	 */
	const char *const *env;
};

/* Defaults: inherit 0, 1 and 2, same directory and process group. */
void kmb_spawn_opts_init(struct kmb_spawn_opts *o, const char *const *argv);

/*
 * Start o->argv. Returns 0 with the child's pid, or -1 with a one-line
 * reason in err ("gnuplot: not found (install gnuplot-nox)"); a child that
 * could not exec has already been reaped.
 */
int kmb_spawn(const struct kmb_spawn_opts *o, pid_t *pid, char *err, size_t errlen);

/*
 * Wait for pid, at most timeout_ms (< 0: no limit). Returns 0 with the wait
 * status. On timeout the child (its group, if it leads one) gets SIGKILL and
 * is reaped: -1, errno ETIMEDOUT, *status set, err says so. Other errors: -1.
 */
int kmb_spawn_wait(pid_t pid, int timeout_ms, int *status, char *err, size_t errlen);

/*
 * Spawn, wait and judge. Returns the exit status (0..255); a non-zero one
 * also gets "NAME: exited with status N" in err. -1 with err when the child
 * could not start, was killed by a signal or timed out.
 */
int kmb_run(const struct kmb_spawn_opts *o, int timeout_ms, char *err, size_t errlen);

/* kmb_run with only stdin and stdout redirected (paths or NULL). */
int kmb_run_argv(const char *const *argv, const char *stdin_path, const char *stdout_path,
		 int timeout_ms, char *err, size_t errlen);

#endif
