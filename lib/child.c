// SPDX-License-Identifier: GPL-2.0-only
/* A function's result from a forked child (child.h). */
#include "child.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct child_head {
	int ret;
	char err[512];
};

static void __attribute__((noreturn)) child_main(int fd, kmb_child_fn fn, const void *arg,
						 void *out, size_t outlen)
{
	struct child_head head = { 0 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	head.ret = fn(arg, out, head.err, sizeof(head.err));
	if (kmb_write_all(fd, &head, sizeof(head)) || kmb_write_all(fd, out, outlen))
		_exit(2);
	_exit(0);
}

static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

int kmb_in_child(kmb_child_fn fn, const void *arg, void *out, size_t outlen, char *err,
		 size_t errlen)
{
	struct child_head head;
	int pfd[2], status = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe2 failed: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork failed: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		child_main(pfd[1], fn, arg, out, outlen);
	}
	close(pfd[1]);
	if (kmb_read_all(pfd[0], &head, sizeof(head)) || kmb_read_all(pfd[0], out, outlen)) {
		close(pfd[0]);
		reap(pid, &status);
		if (WIFSIGNALED(status))
			snprintf(err, errlen,
				 "the child process was killed by signal %d (%s) before it answered",
				 WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			snprintf(err, errlen,
				 "the child process exited with status %d without an answer",
				 WEXITSTATUS(status));
		return -1;
	}
	close(pfd[0]);
	reap(pid, &status);
	head.err[sizeof(head.err) - 1] = '\0';
	if (head.ret)
		snprintf(err, errlen, "%s", head.err);
	return head.ret;
}
