// SPDX-License-Identifier: GPL-2.0-only
/* lib/spawn: exit codes, redirection, exec errors, timeouts, fd and parent-death hygiene. */
#include "check.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[4096];

static char *path_in_dir(const char *name)
{
	static char buf[2][4200];
	static int which;

	which ^= 1;
	snprintf(buf[which], sizeof(buf[which]), "%s/%s", dir, name);
	return buf[which];
}

static void test_exit_codes(void)
{
	const char *const yes[] = { "true", NULL }, *const no[] = { "false", NULL };
	char err[256] = "";

	CHECK(kmb_run_argv(yes, NULL, NULL, 5000, err, sizeof(err)) == 0);
	CHECK(kmb_run_argv(no, NULL, NULL, 5000, err, sizeof(err)) == 1);
	CHECK_STREQ(err, "false: exited with status 1");
}

static void test_redirection(void)
{
	const char *const cat[] = { "/bin/cat", NULL };
	/* No shell: the arguments arrive as they are, unsplit and unexpanded. */
	const char *const echo[] = { "/bin/echo", "$HOME", "*", "a  b;", "`id`", NULL };
	const char *in = "line one\nline two\n";
	char err[256] = "", *out;
	FILE *f = fopen(path_in_dir("in"), "w");

	CHECK(f && fputs(in, f) >= 0 && fclose(f) == 0);
	CHECK(kmb_run_argv(cat, path_in_dir("in"), path_in_dir("out"), 5000, err, sizeof(err)) ==
	      0);
	out = kmb_read_text(path_in_dir("out"));
	CHECK_STREQ(out, in);
	free(out);
	CHECK(kmb_run_argv(echo, NULL, path_in_dir("echo"), 5000, err, sizeof(err)) == 0);
	out = kmb_read_text(path_in_dir("echo"));
	CHECK_STREQ(out, "$HOME * a  b; `id`\n");
	free(out);
}

static void test_not_found(void)
{
	const char *const missing[] = { "kmb-no-such-program", NULL };
	const char *const gnuplot[] = { "gnuplot", "-e", "print 1", NULL };
	char err[256] = "", *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	CHECK(kmb_run_argv(missing, NULL, NULL, 5000, err, sizeof(err)) == -1);
	CHECK_STREQ(err, "kmb-no-such-program: not found in PATH");
	/* An empty PATH directory: gnuplot is missing, and the error names its package. */
	setenv("PATH", dir, 1);
	CHECK(kmb_run_argv(gnuplot, NULL, NULL, 5000, err, sizeof(err)) == -1);
	CHECK_STREQ(err, "gnuplot: not found (install gnuplot-nox)");
	if (path)
		setenv("PATH", path, 1);
	free(path);
}

static void test_cwd(void)
{
	const char *const pwd[] = { "/bin/pwd", "-P", NULL };
	struct kmb_spawn_opts o;
	char err[256] = "", *out, *real = realpath(dir, NULL);

	kmb_spawn_opts_init(&o, pwd);
	o.cwd = dir;
	o.stdout_path = path_in_dir("pwd");
	CHECK(kmb_run(&o, 5000, err, sizeof(err)) == 0);
	out = kmb_read_text(path_in_dir("pwd"));
	CHECK(out && real && !strncmp(out, real, strlen(real)) && out[strlen(real)] == '\n');
	free(out);
	free(real);
	o.cwd = "/nonexistent/kmb";
	CHECK(kmb_run(&o, 5000, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cannot enter /nonexistent/kmb") != NULL);
}

/* o.env sets and overrides names in the child's environment, not in ours. */
static void test_env(void)
{
	const char *const envcmd[] = { "/usr/bin/env", NULL };
	const char *const add[] = { "KMB_TEST_SPAWN_NEW=new", "KMB_TEST_SPAWN_OLD=replaced", NULL };
	struct kmb_spawn_opts o;
	char err[256] = "", *out;

	setenv("KMB_TEST_SPAWN_OLD", "kept", 1);
	setenv("KMB_TEST_SPAWN_OTHER", "inherited", 1);
	kmb_spawn_opts_init(&o, envcmd);
	o.env = add;
	o.stdout_path = path_in_dir("env");
	CHECK(kmb_run(&o, 5000, err, sizeof(err)) == 0);
	out = kmb_read_text(path_in_dir("env"));
	CHECK(out && strstr(out, "\nKMB_TEST_SPAWN_NEW=new\n"));
	CHECK(out && strstr(out, "\nKMB_TEST_SPAWN_OLD=replaced\n"));
	CHECK(out && !strstr(out, "KMB_TEST_SPAWN_OLD=kept"));
	CHECK(out && strstr(out, "KMB_TEST_SPAWN_OTHER=inherited\n"));
	free(out);
	CHECK_STREQ(getenv("KMB_TEST_SPAWN_OLD"), "kept");
	CHECK(getenv("KMB_TEST_SPAWN_NEW") == NULL);
}

/* The limit kills sleep long before it would end, and nothing is left to reap. */
static void test_timeout(void)
{
	const char *const nap[] = { "sleep", "10", NULL };
	struct kmb_spawn_opts o;
	char err[256] = "";
	int status;
	pid_t pid;

	/* The message says it was killed at the limit; no clock is read here. */
	CHECK(kmb_run_argv(nap, NULL, NULL, 200, err, sizeof(err)) == -1);
	CHECK(strstr(err, "sleep: timed out after 200 ms and was killed") == err);
	errno = 0;
	CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);

	/* A group leader is killed with its group, and the status says SIGKILL. */
	kmb_spawn_opts_init(&o, nap);
	o.new_pgrp = true;
	CHECK(kmb_spawn(&o, &pid, err, sizeof(err)) == 0);
	CHECK(getpgid(pid) == pid);
	CHECK(kmb_spawn_wait(pid, 100, &status, err, sizeof(err)) == -1 && errno == ETIMEDOUT);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	errno = 0;
	CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);
}

/* A line "lr-x------ ... N -> TARGET" of ls -l /proc/self/fd: may the child have it? */
static bool allowed_fd(const char *line)
{
	const char *arrow = strstr(line, " -> "), *num = arrow, *target = arrow + 4;
	size_t n = strlen(target);

	while (num > line && num[-1] != ' ')
		num--;
	if (arrow - num == 1 && *num >= '0' && *num <= '2')
		return true;
	/* ls's own handle on the directory it lists. */
	return !strncmp(target, "/proc/", 6) && n > 3 && !strcmp(target + n - 3, "/fd");
}

static void test_fd_hygiene(void)
{
	const char *const ls[] = { "/bin/ls", "-l", "/proc/self/fd", NULL };
	int leak = open("/dev/null", O_RDONLY), pipefd[2], out, fds = 0;
	struct kmb_spawn_opts o;
	char err[256] = "", *text, *line, *save;

	/* Neither is close-on-exec: the spawner has to keep them out of the child. */
	CHECK(leak >= 3 && pipe(pipefd) == 0);
	out = open(path_in_dir("fds"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(out >= 3);
	kmb_spawn_opts_init(&o, ls);
	o.stdout_fd = out;
	CHECK(kmb_run(&o, 5000, err, sizeof(err)) == 0);
	text = kmb_read_text(path_in_dir("fds"));
	CHECK(text != NULL);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, " -> "))
			continue;
		fds++;
		if (!allowed_fd(line)) {
			fprintf(stderr, "inherited: %s\n", line);
			check_failures++;
		}
	}
	CHECK(fds == 4);
	free(text);
	close(out);
	close(leak);
	close(pipefd[0]);
	close(pipefd[1]);
}

/*
 * A middle process spawns sleep and exits. As a subreaper we inherit the
 * orphaned sleep and can see that it died of SIGKILL at once, not of old age.
 */
static void test_parent_death(void)
{
	const char *const nap[] = { "sleep", "30", NULL };
	pid_t middle, sleeper = 0;
	int pipefd[2], status = 0;
	char err[256] = "";

	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	CHECK(pipe(pipefd) == 0);
	middle = fork();
	if (middle == 0) {
		struct kmb_spawn_opts o;
		pid_t pid = 0;

		kmb_spawn_opts_init(&o, nap);
		if (kmb_spawn(&o, &pid, err, sizeof(err)))
			pid = 0;
		if (write(pipefd[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(2);
		_exit(0);
	}
	close(pipefd[1]);
	CHECK(middle > 0);
	CHECK(read(pipefd[0], &sleeper, sizeof(sleeper)) == sizeof(sleeper) && sleeper > 0);
	close(pipefd[0]);
	CHECK(waitpid(middle, &status, 0) == middle && WIFEXITED(status));
	if (sleeper <= 0)
		return;
	CHECK(kmb_spawn_wait(sleeper, 3000, &status, err, sizeof(err)) == 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/kmb-test-spawn.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		CHECK_SKIP("cannot create a temporary directory under %s", tmp ? tmp : "/tmp");
	test_exit_codes();
	test_redirection();
	test_not_found();
	test_cwd();
	test_env();
	test_timeout();
	test_fd_hygiene();
	test_parent_death();
	kmb_rm_rf(dir);
	CHECK_DONE();
}
