// SPDX-License-Identifier: GPL-2.0-only
/*
 * fork + exec by hand rather than posix_spawn: the child has to set
 * PR_SET_PDEATHSIG and mark every inherited fd close-on-exec, and only a
 * forked child can. Between fork and exec the child calls async-signal-safe
 * functions only, and tells the parent through a close-on-exec pipe which
 * step failed with which errno; an exec that succeeds closes the pipe, so
 * EOF means the program runs.
 */
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The step of the child's setup that failed, sent with its errno. */
enum child_step { STEP_SETUP, STEP_CHDIR, STEP_CGROUP, STEP_EXEC };

struct child_report {
	int step;
	int err;
};

/* Programs kmb runs and the Debian packages that ship them. */
static const struct {
	const char *prog, *package;
} known_packages[] = {
	{ "gnuplot", "gnuplot-nox" },
	{ "stress-ng", "stress-ng" },
	{ "qemu-system-x86_64", "qemu-system-x86" },
	{ "qemu-system-s390x", "qemu-system-s390x" },
	{ "qemu-img", "qemu-utils" },
};

void kmb_spawn_opts_init(struct kmb_spawn_opts *o, const char *const *argv)
{
	memset(o, 0, sizeof(*o));
	o->argv = argv;
	o->stdin_fd = -1;
	o->stdout_fd = -1;
	o->stderr_fd = -1;
}

/* Async-signal-safe: report the failed step to the parent and give up. */
static void __attribute__((noreturn)) child_fail(int report, int step)
{
	struct child_report r = { step, errno };
	ssize_t n;

	do {
		n = write(report, &r, sizeof(r));
	} while (n < 0 && errno == EINTR);
	_exit(127);
}

/*
 * Leave only 0, 1 and 2 open across exec. close_range marks them all in one
 * call (Linux 5.11); older kernels get the loop up to the fd limit.
 */
static void cloexec_from_3(int max_fd)
{
	int fd;

#ifdef SYS_close_range
	if (!syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC))
		return;
#endif
	for (fd = 3; fd < max_fd; fd++)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/*
 * Every source is first copied above 2, so that a redirection never
 * overwrites a source another one still needs (stdout_fd = 0, say).
 */
static int install_stdio(const int fds[3])
{
	int moved[3], i;

	for (i = 0; i < 3; i++) {
		moved[i] = fds[i] >= 0 ? fcntl(fds[i], F_DUPFD_CLOEXEC, 3) : -1;
		if (fds[i] >= 0 && moved[i] < 0)
			return -1;
	}
	for (i = 0; i < 3; i++) {
		if (moved[i] >= 0 && dup2(moved[i], i) < 0)
			return -1;
	}
	return 0;
}

/* "0" moves the writer itself; open and write are safe between fork and exec. */
static int join_cgroup(const char *procs)
{
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, "0\n", 2);
	close(fd);
	return n == 2 ? 0 : -1;
}

static void __attribute__((noreturn)) run_child(const struct kmb_spawn_opts *o, const int fds[3],
						 pid_t parent, int report, int max_fd,
						 char *const *envp)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int sig;

	/* The parent's handlers must not run here: all signals are blocked until exec. */
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	/* Die with the parent; one that died before prctl would never reap us. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		child_fail(report, STEP_SETUP);
	if (getppid() != parent)
		_exit(127);
	if (o->new_pgrp && setpgid(0, 0))
		child_fail(report, STEP_SETUP);
	if (install_stdio(fds))
		child_fail(report, STEP_SETUP);
	cloexec_from_3(max_fd);
	if (o->cwd && chdir(o->cwd))
		child_fail(report, STEP_CHDIR);
	if (o->cgroup_procs && join_cgroup(o->cgroup_procs))
		child_fail(report, STEP_CGROUP);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (envp)
		execvpe(o->argv[0], (char *const *)o->argv, envp);
	else
		execvp(o->argv[0], (char *const *)o->argv);
	child_fail(report, STEP_EXEC);
}

/* Keep fd away from 0..2, which the child overwrites; fd is closed on failure. */
static int above_stdio(int fd)
{
	int moved;

	if (fd < 0 || fd > 2)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return moved;
}

static int open_one(const char *path, int flags, int fd, int *out, int *opened, char *err,
		    size_t errlen)
{
	*out = fd;
	if (!path)
		return 0;
	*opened = above_stdio(open(path, flags | O_CLOEXEC, 0644));
	if (*opened < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	*out = *opened;
	return 0;
}

static void close_all(int *fds, int n)
{
	while (n--) {
		if (fds[n] >= 0)
			close(fds[n]);
		fds[n] = -1;
	}
}

static int open_stdio(const struct kmb_spawn_opts *o, int fds[3], int opened[3], char *err,
		      size_t errlen)
{
	const int wr = O_WRONLY | O_CREAT | O_TRUNC;

	if (open_one(o->stdin_path, O_RDONLY, o->stdin_fd, &fds[0], &opened[0], err, errlen) ||
	    open_one(o->stdout_path, wr, o->stdout_fd, &fds[1], &opened[1], err, errlen) ||
	    open_one(o->stderr_path, wr, o->stderr_fd, &fds[2], &opened[2], err, errlen)) {
		close_all(opened, 3);
		return -1;
	}
	return 0;
}

static const char *package_of(const struct kmb_spawn_opts *o)
{
	const char *slash = strrchr(o->argv[0], '/'), *base = slash ? slash + 1 : o->argv[0];
	size_t i;

	if (o->package)
		return o->package;
	for (i = 0; i < KMB_ARRAY_SIZE(known_packages); i++) {
		if (!strcmp(base, known_packages[i].prog))
			return known_packages[i].package;
	}
	return NULL;
}

static void explain(const struct kmb_spawn_opts *o, const struct child_report *r, char *err,
		    size_t errlen)
{
	const char *name = o->argv[0], *pkg = package_of(o);

	if (r->step == STEP_EXEC && r->err == ENOENT && pkg)
		snprintf(err, errlen, "%s: not found (install %s)", name, pkg);
	else if (r->step == STEP_EXEC && r->err == ENOENT)
		snprintf(err, errlen, "%s: not found%s", name, strchr(name, '/') ? "" : " in PATH");
	else if (r->step == STEP_EXEC)
		snprintf(err, errlen, "%s: cannot execute: %s", name, strerror(r->err));
	else if (r->step == STEP_CGROUP)
		snprintf(err, errlen, "%s: cannot join the cgroup %s: %s", name, o->cgroup_procs,
			 strerror(r->err));
	else if (r->step == STEP_CHDIR)
		snprintf(err, errlen, "%s: cannot enter %s: %s", name, o->cwd, strerror(r->err));
	else
		snprintf(err, errlen, "%s: cannot set up the child: %s", name, strerror(r->err));
}

static int reap(pid_t pid, int *status)
{
	pid_t r;

	do {
		r = waitpid(pid, status, 0);
	} while (r < 0 && errno == EINTR);
	return r == pid ? 0 : -1;
}

/* 0: the exec went through; -1: it failed (child reaped) or the pipe broke. */
static int read_report(int fd, pid_t pid, const struct kmb_spawn_opts *o, char *err,
		       size_t errlen)
{
	struct child_report r;
	ssize_t n;
	int status;

	do {
		n = read(fd, &r, sizeof(r));
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(r))
		snprintf(err, errlen, "%s: lost track of the child: %s", o->argv[0],
			 n < 0 ? strerror(errno) : "short report");
	else
		explain(o, &r, err, errlen);
	reap(pid, &status);
	return -1;
}

static int fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536)
		return 65536;
	return (int)rl.rlim_cur;
}

/* Does "NAME=..." entry set the name that "NAME=VALUE" add sets? */
static bool same_name(const char *entry, const char *add)
{
	size_t n = strcspn(add, "=");

	return !strncmp(entry, add, n) && entry[n] == '=';
}

/*
 * The child's environment, made before fork (nothing between fork and exec
 * may allocate): kmb's environ without the names o->env sets, then o->env.
 * NULL when there is nothing to add; *fail on out of memory.
 */
static char **child_environ(const struct kmb_spawn_opts *o, bool *fail)
{
	size_t n = 0, k = 0, i, j;
	char **envp;

	*fail = false;
	if (!o->env || !o->env[0])
		return NULL;
	while (environ[n])
		n++;
	while (o->env[k])
		k++;
	envp = calloc(n + k + 1, sizeof(*envp));
	if (!envp) {
		*fail = true;
		return NULL;
	}
	for (i = 0, n = 0; environ[i]; i++) {
		for (j = 0; j < k && !same_name(environ[i], o->env[j]); j++)
			;
		if (j == k)
			envp[n++] = environ[i];
	}
	for (j = 0; j < k; j++)
		envp[n++] = (char *)o->env[j];
	return envp;
}

int kmb_spawn(const struct kmb_spawn_opts *o, pid_t *pid, char *err, size_t errlen)
{
	int fds[3], opened[3] = { -1, -1, -1 }, report[2], max_fd = fd_limit(), ret = -1;
	pid_t parent = getpid(), child;
	sigset_t all, old;
	bool env_fail;
	char **envp;

	if (!o->argv || !o->argv[0] || !*o->argv[0]) {
		snprintf(err, errlen, "spawn: empty command");
		return -1;
	}
	envp = child_environ(o, &env_fail);
	if (env_fail) {
		snprintf(err, errlen, "%s: out of memory", o->argv[0]);
		return -1;
	}
	if (open_stdio(o, fds, opened, err, errlen)) {
		free(envp);
		return -1;
	}
	if (pipe2(report, O_CLOEXEC)) {
		snprintf(err, errlen, "%s: pipe: %s", o->argv[0], strerror(errno));
		goto out;
	}
	report[0] = above_stdio(report[0]);
	report[1] = above_stdio(report[1]);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	child = report[0] >= 0 && report[1] >= 0 ? fork() : -1;
	if (child == 0)
		run_child(o, fds, parent, report[1], max_fd, envp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (child < 0) {
		snprintf(err, errlen, "%s: cannot start: %s", o->argv[0], strerror(errno));
		close_all(report, 2);
		goto out;
	}
	/* EOF on the pipe comes at exec, after the child's setpgid: no race with a kill. */
	close(report[1]);
	ret = read_report(report[0], child, o, err, errlen);
	close(report[0]);
	if (!ret)
		*pid = child;
out:
	close_all(opened, 3);
	free(envp);
	return ret;
}

/* 1: reaped, 0: still running at the deadline, -1: error. */
static int wait_until(pid_t pid, int timeout_ms, int *status)
{
	uint64_t deadline = kmb_now_ns() + (uint64_t)timeout_ms * 1000000;
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	struct timespec tick = { 0, 10 * 1000000 };
	int ret = -1;
	pid_t r;

#ifdef SYS_pidfd_open
	/* A pidfd wakes us when the child exits; without one (Linux < 5.3) we poll. */
	pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	for (;;) {
		uint64_t now, left_ms;

		r = waitpid(pid, status, WNOHANG);
		if (r == pid) {
			ret = 1;
			break;
		}
		if (r < 0 && errno != EINTR)
			break;
		now = kmb_now_ns();
		if (now >= deadline) {
			ret = 0;
			break;
		}
		left_ms = (deadline - now) / 1000000 + 1;
		if (pfd.fd >= 0)
			poll(&pfd, 1, left_ms > INT_MAX ? INT_MAX : (int)left_ms);
		else
			nanosleep(&tick, NULL);
	}
	if (pfd.fd >= 0)
		close(pfd.fd);
	return ret;
}

int kmb_spawn_wait(pid_t pid, int timeout_ms, int *status, char *err, size_t errlen)
{
	int r = timeout_ms < 0 ? (reap(pid, status) ? -1 : 1) : wait_until(pid, timeout_ms, status);

	if (r < 0) {
		snprintf(err, errlen, "waiting for pid %d: %s", (int)pid, strerror(errno));
		return -1;
	}
	if (r > 0)
		return 0;
	/* A group leader takes its own children down with it. */
	kill(getpgid(pid) == pid ? -pid : pid, SIGKILL);
	reap(pid, status);
	snprintf(err, errlen, "timed out after %d ms and was killed (pid %d)", timeout_ms,
		 (int)pid);
	errno = ETIMEDOUT;
	return -1;
}

int kmb_run(const struct kmb_spawn_opts *o, int timeout_ms, char *err, size_t errlen)
{
	char why[160];
	pid_t pid;
	int status;

	if (kmb_spawn(o, &pid, err, errlen))
		return -1;
	if (kmb_spawn_wait(pid, timeout_ms, &status, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", o->argv[0], why);
		return -1;
	}
	if (WIFEXITED(status)) {
		if (WEXITSTATUS(status))
			snprintf(err, errlen, "%s: exited with status %d", o->argv[0],
				 WEXITSTATUS(status));
		return WEXITSTATUS(status);
	}
	snprintf(err, errlen, "%s: killed by signal %d (%s)", o->argv[0], WTERMSIG(status),
		 strsignal(WTERMSIG(status)));
	return -1;
}

int kmb_run_argv(const char *const *argv, const char *stdin_path, const char *stdout_path,
		 int timeout_ms, char *err, size_t errlen)
{
	struct kmb_spawn_opts o;

	kmb_spawn_opts_init(&o, argv);
	o.stdin_path = stdin_path;
	o.stdout_path = stdout_path;
	return kmb_run(&o, timeout_ms, err, errlen);
}
