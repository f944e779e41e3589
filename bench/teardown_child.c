// SPDX-License-Identifier: GPL-2.0-only
/*
 * teardown of a child's address space: the child populates the range and
 * waits; the parent proves the child's RssAnon holds it, then releases it
 * by telling it to exit (teardown/exit, synchronous: the memory is free when
 * waitpid returns) or by SIGKILL + process_mrelease (the caller reaps the
 * mm itself instead of waiting for the victim to run its exit path, as lmkd
 * does). The child is forked without exec: no binary to find, and its mm is
 * the range plus the few MiB it shares copy-on-write with kmb.
 *
 * Every child dies with kmb (PR_SET_PDEATHSIG) and is reaped on every path.
 */
#include "teardown.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_process_mrelease
#define __NR_process_mrelease 448
#endif

struct td_child {
	pid_t pid;    /* 0 when there is none (left) to reap */
	int ready_fd; /* read end: the child's ready message */
	int go_fd;    /* write end: a byte (or EOF) tells the child to exit */
	int pidfd;
};

/* Written once by the child, atomically (less than PIPE_BUF). */
struct ready_msg {
	int ok;
	char err[240];
};

static void __attribute__((noreturn)) child_main(pid_t parent, size_t size, int ready_fd, int go_fd)
{
	struct ready_msg msg = { 0 };
	void *addr;
	char byte;

	/* Die with kmb; it may have died before the prctl took effect. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	/* kmb's handlers restore sysfs knobs: not the child's business. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	msg.ok = !td_map_populated(size, &addr, msg.err, sizeof(msg.err));
	if (write(ready_fd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		_exit(1);
	/* Hold the memory until told to go: a byte, EOF or SIGKILL. */
	while (read(go_fd, &byte, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static void child_init(struct td_child *c)
{
	c->pid = 0;
	c->ready_fd = c->go_fd = c->pidfd = -1;
}

static int child_waitpid(struct td_child *c, int *status)
{
	pid_t ret;

	do
		ret = waitpid(c->pid, status, 0);
	while (ret < 0 && errno == EINTR);
	c->pid = 0;
	return ret < 0 ? -1 : 0;
}

/* Kill and reap whatever is left, close the descriptors. */
static void child_cleanup(struct td_child *c)
{
	int status;

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		child_waitpid(c, &status);
	}
	if (c->ready_fd >= 0)
		close(c->ready_fd);
	if (c->go_fd >= 0)
		close(c->go_fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	child_init(c);
}

static int child_spawn(struct td_child *c, size_t size, char *err, size_t errlen)
{
	pid_t parent = getpid();
	int ready[2], go[2];

	if (pipe2(ready, O_CLOEXEC))
		goto fail;
	if (pipe2(go, O_CLOEXEC)) {
		close(ready[0]);
		close(ready[1]);
		goto fail;
	}
	c->pid = fork();
	if (c->pid == 0) {
		close(ready[0]);
		close(go[1]);
		child_main(parent, size, ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);
	c->ready_fd = ready[0];
	c->go_fd = go[1];
	if (c->pid > 0)
		return 0;
	c->pid = 0;
fail:
	snprintf(err, errlen, "cannot start the child: %s", strerror(errno));
	return -1;
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %s", strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status %#x", status);
}

/* The child gets 30 s plus 10 s per GiB to populate; more means trouble. */
static int child_wait_ready(struct td_child *c, uint64_t size, char *err, size_t errlen)
{
	uint64_t secs = 30 + size / KMB_GIB * 10;
	/* In 64 bits and capped: poll() takes an int of milliseconds. */
	int timeout_s = secs > INT_MAX / 1000 ? INT_MAX / 1000 : (int)secs, ret, status;
	struct pollfd pfd = { .fd = c->ready_fd, .events = POLLIN };
	struct ready_msg msg;
	char how[64];

	do
		ret = poll(&pfd, 1, timeout_s * 1000);
	while (ret < 0 && errno == EINTR);
	if (ret == 0) {
		snprintf(err, errlen, "the child did not populate %llu MiB within %d s",
			 (unsigned long long)(size / KMB_MIB), timeout_s);
		return -1;
	}
	if (read(c->ready_fd, &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
		if (msg.ok)
			return 0;
		snprintf(err, errlen, "child: %s", msg.err);
		return -1;
	}
	how[0] = '\0';
	if (!child_waitpid(c, &status))
		describe_status(status, how, sizeof(how));
	snprintf(err, errlen, "the child ended before it was ready (%s)", how);
	return -1;
}

/* Census: the child's RssAnon, read by us, must hold the whole range. */
static int child_rss_census(struct td_child *c, uint64_t size, uint64_t *kib, char *err,
			    size_t errlen)
{
	if (td_rss_anon_kib(c->pid, kib)) {
		snprintf(err, errlen, "cannot read RssAnon of the child from /proc/%d/status",
			 (int)c->pid);
		return -1;
	}
	if (*kib >= td_rss_need_kib(size))
		return 0;
	snprintf(err, errlen,
		 "census: the child's RssAnon is %llu KiB after populating %llu KiB, expected "
		 "at least %llu KiB",
		 (unsigned long long)*kib, (unsigned long long)(size / KMB_KIB),
		 (unsigned long long)td_rss_need_kib(size));
	return -1;
}

/* Spawn a child holding size populated bytes and prove it; *kib its RssAnon. */
static int child_populated(struct td_child *c, uint64_t size, uint64_t *kib, char *err,
			   size_t errlen)
{
	if (child_spawn(c, size, err, errlen) || child_wait_ready(c, size, err, errlen))
		return -1;
	return child_rss_census(c, size, kib, err, errlen);
}

static void fill_result(struct td_result *res, uint64_t size, uint64_t before, uint64_t after)
{
	res->pages = size / kmb_page_size();
	res->rss_before_kib = before;
	res->rss_freed_kib = before - after;
}

/* ---- teardown/exit ---- */

static int exit_measure(struct td_child *c, const struct kmb_bench_ctx *ctx, struct td_result *res,
			char *err, size_t errlen)
{
	uint64_t rss, t0;
	char how[64];
	int status;

	if (child_populated(c, ctx->size, &rss, err, errlen))
		return -1;
	t0 = kmb_now_ns();
	if (write(c->go_fd, "x", 1) != 1) {
		snprintf(err, errlen, "cannot tell the child to exit: %s", strerror(errno));
		return -1;
	}
	if (child_waitpid(c, &status)) {
		snprintf(err, errlen, "waitpid failed: %s", strerror(errno));
		return -1;
	}
	res->fg_ns = kmb_now_ns() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		describe_status(status, how, sizeof(how));
		snprintf(err, errlen, "the child ended with %s, expected exit status 0", how);
		return -1;
	}
	/* Its whole mm went with it: what it held is what was freed. */
	fill_result(res, ctx->size, rss, 0);
	return 0;
}

static int exit_iteration(const struct kmb_bench_ctx *ctx, struct td_result *res, char *err,
			  size_t errlen)
{
	struct td_child c;
	int ret;

	child_init(&c);
	ret = exit_measure(&c, ctx, res, err, errlen);
	child_cleanup(&c);
	return ret;
}

void td_run_exit(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	td_run(st, ctx, exit_iteration);
}

/* ---- teardown/process_mrelease ---- */

/*
 * The caller must do the reaping, as when the victim is slow to die (lmkd's
 * case): otherwise the child, woken by SIGKILL on another CPU, races us
 * through its own exit path and the syscall finds little or nothing to do.
 * So share one CPU with it and make it SCHED_IDLE: it runs only when we
 * sleep. Our own affinity is put back afterwards.
 */
static int keep_victim_off_cpu(struct td_child *c, struct td_pin *pin, char *err, size_t errlen)
{
	struct sched_param idle = { .sched_priority = 0 };
	cpu_set_t one;

	if (td_pin_here(pin, err, errlen))
		return -1;
	CPU_ZERO(&one);
	CPU_SET(pin->cpu, &one);
	if (!sched_setaffinity(c->pid, sizeof(one), &one) &&
	    !sched_setscheduler(c->pid, SCHED_IDLE, &idle))
		return 0;
	snprintf(err, errlen, "cannot move the child to CPU %d at SCHED_IDLE: %s", pin->cpu,
		 strerror(errno));
	return -1;
}

/* A missing RssAnon field means the mm is gone (exit_mm ran): released. */
static int rss_after_release(struct td_child *c, uint64_t size, uint64_t *kib, char *err,
			     size_t errlen)
{
	*kib = 0;
	td_rss_anon_kib(c->pid, kib);
	if (*kib <= size / KMB_KIB / 64)
		return 0;
	snprintf(err, errlen,
		 "census: the killed child's RssAnon is still %llu KiB after process_mrelease, "
		 "expected (near) 0",
		 (unsigned long long)*kib);
	return -1;
}

/* -2: the victim had exited already (a lost race, see keep_victim_off_cpu). */
static int mrelease_call(struct td_child *c, char *err, size_t errlen)
{
	if (!syscall(__NR_process_mrelease, c->pidfd, 0))
		return 0;
	if (errno == ESRCH) {
		snprintf(err, errlen,
			 "process_mrelease: the killed child had already exited "
			 "(it was not kept off the CPU)");
		return -2;
	}
	snprintf(err, errlen, "process_mrelease failed: %s", strerror(errno));
	return -1;
}

/*
 * Between the kill and the call, run at SCHED_FIFO where we may (root): no
 * CFS task on this CPU, the SCHED_IDLE victim included, can run before the
 * call is made, however busy the host. Without the right, SCHED_IDLE alone
 * has to do (see mrelease_iteration). Returns whether the policy changed.
 */
static bool fifo_begin(int *policy, struct sched_param *saved)
{
	struct sched_param fifo = { .sched_priority = 1 };

	*policy = sched_getscheduler(0);
	if (*policy < 0 || sched_getparam(0, saved))
		return false;
	return !sched_setscheduler(0, SCHED_FIFO, &fifo);
}

static void fifo_end(bool changed, int policy, const struct sched_param *saved)
{
	if (changed)
		sched_setscheduler(0, policy, saved);
}

/* Kill, reap with process_mrelease (timed), census, waitpid. */
static int kill_and_release(struct td_child *c, uint64_t size, struct td_result *res, char *err,
			    size_t errlen)
{
	uint64_t after, t_kill, t0, t1;
	struct sched_param saved;
	int status, ret, policy;
	bool fifo = fifo_begin(&policy, &saved);

	t_kill = kmb_now_ns();
	kill(c->pid, SIGKILL);
	t0 = kmb_now_ns();
	ret = mrelease_call(c, err, errlen);
	t1 = kmb_now_ns();
	fifo_end(fifo, policy, &saved);
	if (ret)
		return ret;
	if (rss_after_release(c, size, &after, err, errlen))
		return -1;
	if (child_waitpid(c, &status)) {
		snprintf(err, errlen, "waitpid failed: %s", strerror(errno));
		return -1;
	}
	res->fg_ns = t1 - t0;
	td_extra(res, "total_ns", (double)(kmb_now_ns() - t_kill), GB_LOWER_IS_BETTER);
	td_extra(res, "rss_after_kib", (double)after, 0);
	fill_result(res, size, res->rss_before_kib, after);
	return 0;
}

static int mrelease_measure(struct td_child *c, const struct kmb_bench_ctx *ctx,
			    struct td_result *res, char *err, size_t errlen)
{
	struct td_pin pin = { .active = false };
	int ret = -1;

	if (child_populated(c, ctx->size, &res->rss_before_kib, err, errlen))
		return -1;
	c->pidfd = (int)syscall(__NR_pidfd_open, c->pid, 0);
	if (c->pidfd < 0) {
		snprintf(err, errlen, "pidfd_open failed: %s", strerror(errno));
		return -1;
	}
	if (!keep_victim_off_cpu(c, &pin, err, errlen))
		ret = kill_and_release(c, ctx->size, res, err, errlen);
	td_unpin(&pin);
	return ret;
}

/*
 * Without SCHED_FIFO (not root), SCHED_IDLE keeps the victim off the CPU
 * only while nothing else preempts us between the kill and the call: on a
 * busy host another task can, and the victim then exits first. Such an attempt measured nothing; it is
 * repeated with a fresh child (counted in victim_exited_first), and only
 * a victim that keeps winning is an error.
 */
#define MRELEASE_ATTEMPTS 5

static int mrelease_iteration(const struct kmb_bench_ctx *ctx, struct td_result *res, char *err,
			      size_t errlen)
{
	struct td_child c;
	int ret, lost = 0;

	do {
		child_init(&c);
		ret = mrelease_measure(&c, ctx, res, err, errlen);
		child_cleanup(&c);
		lost += ret == -2;
	} while (ret == -2 && lost < MRELEASE_ATTEMPTS);
	if (ret == -2)
		snprintf(err, errlen,
			 "process_mrelease: the killed child exited before the call in all %d "
			 "attempts: it could not be kept off the CPU here",
			 MRELEASE_ATTEMPTS);
	if (!ret)
		td_extra(res, "victim_exited_first", lost, 0);
	return ret ? -1 : 0;
}

void td_run_process_mrelease(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	td_run(st, ctx, mrelease_iteration);
}
