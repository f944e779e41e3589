// SPDX-License-Identifier: GPL-2.0-only
#include "proc.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGV 96
#define MAX_CHILDREN 4

volatile sig_atomic_t kmb_ab_stop;
/* Process groups to stop on a signal; written only with signals blocked. */
static volatile pid_t children[MAX_CHILDREN];
static uint64_t t0_ns;

static void on_signal(int sig)
{
	int i, saved = errno;

	/* A second signal: no more waiting for anybody. */
	int how = kmb_ab_stop ? SIGKILL : SIGTERM;

	kmb_ab_stop = sig;
	for (i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] > 0)
			kill(-children[i], how);
	}
	errno = saved;
}

void kmb_ab_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	t0_ns = kmb_now_ns();
}

double kmb_ab_elapsed(void)
{
	if (!t0_ns)
		t0_ns = kmb_now_ns();
	return (double)(kmb_now_ns() - t0_ns) / 1e9;
}

void kmb_ab_progress(const char *stage, const char *fmt, ...)
{
	va_list ap;

	printf("kmb ab: [%7.1fs] %s: ", kmb_ab_elapsed(), stage);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void set_child(pid_t old, pid_t pid)
{
	sigset_t all, prev;
	int i;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &prev);
	for (i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] == old) {
			children[i] = pid;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &prev, NULL);
}

bool kmb_ab_have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4200], dirs[8192], *dir, *save;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	snprintf(dirs, sizeof(dirs), "%s", path && *path ? path : "/usr/bin:/bin");
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", *dir ? dir : ".", prog);
		if (access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

static int open_log(const char *log)
{
	return open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/* argv with "nice -n N" in front when asked; the array lives in buf. */
static const char *const *with_nice(const struct kmb_ab_cmd *c, const char **buf, char *nbuf,
				    size_t nlen)
{
	int i = 0, j;

	if (!c->nice)
		return c->argv;
	snprintf(nbuf, nlen, "%d", c->nice);
	buf[i++] = "nice";
	buf[i++] = "-n";
	buf[i++] = nbuf;
	for (j = 0; c->argv[j] && i < MAX_ARGV - 1; j++)
		buf[i++] = c->argv[j];
	buf[i] = NULL;
	return buf;
}

static int start(const struct kmb_ab_cmd *c, int out_fd, int err_fd, pid_t *pid, char *err,
		 size_t errlen)
{
	const char *argv_buf[MAX_ARGV];
	char nbuf[16];
	struct kmb_spawn_opts o;
	int ret;

	if (kmb_ab_stop) {
		snprintf(err, errlen, "stopped by signal %d", (int)kmb_ab_stop);
		return -1;
	}
	kmb_spawn_opts_init(&o, with_nice(c, argv_buf, nbuf, sizeof(nbuf)));
	o.stdin_path = "/dev/null";
	o.stdout_fd = out_fd;
	o.stderr_fd = err_fd;
	o.cwd = c->cwd;
	o.env = c->env;
	o.new_pgrp = true;
	ret = kmb_spawn(&o, pid, err, errlen);
	if (!ret)
		set_child(0, *pid);
	return ret;
}

int kmb_ab_start(const struct kmb_ab_cmd *c, pid_t *pid, char *err, size_t errlen)
{
	int fd = open_log(c->log), ret;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", c->log, strerror(errno));
		return -1;
	}
	ret = start(c, fd, fd, pid, err, errlen);
	close(fd);
	return ret;
}

bool kmb_ab_poll(pid_t pid, int *status)
{
	pid_t r = waitpid(pid, status, WNOHANG);

	if (r == pid) {
		set_child(pid, 0);
		return true;
	}
	return false;
}

void kmb_ab_kill(pid_t pid, int grace_ms, int *status)
{
	uint64_t deadline = kmb_now_ns() + (uint64_t)grace_ms * 1000000;
	struct timespec tick = { 0, 20 * 1000000 };

	if (kmb_ab_poll(pid, status))
		return;
	kill(-pid, SIGTERM);
	while (kmb_now_ns() < deadline) {
		if (kmb_ab_poll(pid, status))
			return;
		nanosleep(&tick, NULL);
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	set_child(pid, 0);
}

/* Wait for pid, honouring the timeout and stops. 0 with status, or -1 (err). */
static int wait_child(pid_t pid, const struct kmb_ab_cmd *c, int *status, char *err,
		      size_t errlen)
{
	uint64_t t0 = kmb_now_ns(), next = c->heartbeat_s > 0 ? (uint64_t)c->heartbeat_s : 0;
	uint64_t deadline = c->timeout_s ? t0 + (uint64_t)c->timeout_s * 1000000000ULL : 0;
	struct timespec tick = { 0, 50 * 1000000 };

	for (;;) {
		if (kmb_ab_poll(pid, status))
			break;
		if (next && kmb_now_ns() - t0 >= next * 1000000000ULL) {
			char last[200];

			kmb_ab_tail(c->log, 0, 1, last, sizeof(last));
			kmb_ab_progress(c->stage ? c->stage : c->argv[0], "running for %llu s; %s",
					(unsigned long long)next, last);
			next += (uint64_t)c->heartbeat_s;
		}
		if (kmb_ab_stop) {
			kmb_ab_kill(pid, 3000, status);
			snprintf(err, errlen, "%s: stopped by signal %d", c->argv[0],
				 (int)kmb_ab_stop);
			return -1;
		}
		if (deadline && kmb_now_ns() > deadline) {
			kmb_ab_kill(pid, 3000, status);
			snprintf(err, errlen, "%s: no result within %d s, killed", c->argv[0],
				 c->timeout_s);
			return -1;
		}
		nanosleep(&tick, NULL);
	}
	if (WIFSIGNALED(*status)) {
		snprintf(err, errlen, "%s: killed by signal %d (%s)", c->argv[0],
			 WTERMSIG(*status), strsignal(WTERMSIG(*status)));
		return -1;
	}
	return 0;
}

void kmb_ab_tail(const char *path, long offset, int lines, char *buf, size_t len)
{
	char *text, *p, *start;
	int seen = 0;

	buf[0] = '\0';
	if (!path || !(text = kmb_read_text(path)))
		return;
	start = text;
	if (offset > 0 && (size_t)offset <= strlen(text))
		start = text + offset;
	p = start + strlen(start);
	while (p > start && (p[-1] == '\n' || p[-1] == '\r' || p[-1] == ' '))
		*--p = '\0';
	while (p > start && seen < lines) {
		p--;
		if (*p == '\n')
			seen++;
	}
	if (*p == '\n')
		p++;
	for (char *q = p; *q; q++) {
		if (*q == '\n')
			*q = '|';
		else if (*q == '\r' || *q == '\t')
			*q = ' ';
	}
	snprintf(buf, len, "%s", p);
	free(text);
}

static long file_size(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 ? (long)st.st_size : 0;
}

int kmb_ab_run(const struct kmb_ab_cmd *c, char *err, size_t errlen)
{
	long offset = file_size(c->log);
	int fd = open_log(c->log), status;
	char tail[700];
	pid_t pid;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", c->log, strerror(errno));
		return -1;
	}
	if (start(c, fd, fd, &pid, err, errlen)) {
		close(fd);
		return -1;
	}
	close(fd);
	if (wait_child(pid, c, &status, err, errlen))
		return -1;
	if (WEXITSTATUS(status)) {
		kmb_ab_tail(c->log, offset, 4, tail, sizeof(tail));
		snprintf(err, errlen, "%s exited with status %d%s%s", c->argv[0],
			 WEXITSTATUS(status), tail[0] ? ": " : "", tail);
	}
	return WEXITSTATUS(status);
}

int kmb_ab_capture(const struct kmb_ab_cmd *c, char *out, size_t outlen, char *err,
		   size_t errlen)
{
	int pfd[2], lfd, status;
	size_t used = 0;
	ssize_t n;
	pid_t pid;
	char sink[512];

	out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	lfd = open_log(c->log);
	if (lfd < 0 || start(c, pfd[1], lfd, &pid, err, errlen)) {
		if (lfd < 0)
			snprintf(err, errlen, "cannot open %s: %s", c->log, strerror(errno));
		else
			close(lfd);
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	close(lfd);
	close(pfd[1]);
	/* Read to EOF (keeping what fits), then wait. */
	for (;;) {
		n = read(pfd[0], used + 1 < outlen ? out + used : sink,
			 used + 1 < outlen ? outlen - used - 1 : sizeof(sink));
		if (n < 0 && errno == EINTR && !kmb_ab_stop)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < outlen)
			used += (size_t)n;
	}
	close(pfd[0]);
	out[used] = '\0';
	while (used && (out[used - 1] == '\n' || out[used - 1] == '\r'))
		out[--used] = '\0';
	if (wait_child(pid, c, &status, err, errlen))
		return -1;
	if (WEXITSTATUS(status))
		snprintf(err, errlen, "%s exited with status %d", c->argv[0], WEXITSTATUS(status));
	return WEXITSTATUS(status);
}
