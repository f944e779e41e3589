// SPDX-License-Identifier: GPL-2.0-only
/*
 * Knob restore records: a knob changed by a kmb that dies (SIGKILL, SIGTERM)
 * or exits must end up with its original value, and records of live kmb
 * processes must be left alone.
 */
#include "check.h"
#include "knob.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/file.h>
#include <unistd.h>

#define REAL_KNOB "/sys/kernel/mm/ksm/use_zero_pages"

static char tmpdir[] = "/tmp/kmb-test-knob.XXXXXX";
static char knobs_dir[256];

static void path_in_tmp(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	CHECK(fclose(f) == 0);
}

/* First line of a knob, "(unreadable)" when it cannot be read. */
static const char *knob_value(const char *path)
{
	static char buf[256];

	if (kmb_read_line(path, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "(unreadable)");
	return buf;
}

static int count_records(void)
{
	struct dirent *de;
	DIR *d = opendir(knobs_dir);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 8 && !strcmp(de->d_name + len - 8, ".restore"))
			n++;
	}
	closedir(d);
	return n;
}

/*
 * Fork a kmb that sets the knob and then waits to be killed; returns its pid
 * once the knob is set, -1 if that failed.
 */
static pid_t spawn_setter(const char *knob, const char *value, bool handlers)
{
	char err[512], ok;
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (handlers)
			kmb_knob_install_handlers(NULL);
		ok = kmb_knob_set(knob, value, err, sizeof(err)) ? '0' : '1';
		if (ok == '0')
			fprintf(stderr, "child: %s\n", err);
		if (write(fds[1], &ok, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &ok, 1) != 1 || ok != '1') {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		pid = -1;
	}
	close(fds[0]);
	return pid;
}

static int kill_and_wait(pid_t pid, int sig)
{
	int status = 0;

	kill(pid, sig);
	CHECK(waitpid(pid, &status, 0) == pid);
	return status;
}

/* A kmb killed by SIGKILL leaves a record that the next start replays. */
static void check_sigkill_recover(const char *knob, const char *orig, const char *changed)
{
	pid_t pid = spawn_setter(knob, changed, false);

	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK_STREQ(knob_value(knob), changed);
	kill_and_wait(pid, SIGKILL);
	CHECK(count_records() == 1);
	CHECK(kmb_knob_recover(1) == 1);
	CHECK_STREQ(knob_value(knob), orig);
	CHECK(count_records() == 0);
}

static void test_sigkill(void)
{
	char knob[4096];

	path_in_tmp(knob, sizeof(knob), "plain");
	write_file(knob, "0\n");
	check_sigkill_recover(knob, "0", "1");
}

static void test_sigterm(void)
{
	char knob[4096];
	pid_t pid;
	int status;

	path_in_tmp(knob, sizeof(knob), "term");
	write_file(knob, "0\n");
	pid = spawn_setter(knob, "1", true);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK_STREQ(knob_value(knob), "1");
	status = kill_and_wait(pid, SIGTERM);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	CHECK_STREQ(knob_value(knob), "0");
	CHECK(count_records() == 0);
}

static void test_multi_choice(void)
{
	char knob[4096], err[512];
	char *text;

	path_in_tmp(knob, sizeof(knob), "enabled");
	write_file(knob, "always [madvise] never\n");
	CHECK(kmb_knob_set(knob, "never", err, sizeof(err)) == 0);
	CHECK_STREQ(knob_value(knob), "never");
	CHECK(count_records() == 1);
	kmb_knob_restore_all();
	text = kmb_read_text(knob);
	CHECK_STREQ(text, "madvise");
	free(text);
	CHECK(count_records() == 0);
	kmb_knob_restore_all();
	CHECK_STREQ(knob_value(knob), "madvise");
}

static void test_live_record_kept(void)
{
	char knob[4096];
	pid_t pid;

	path_in_tmp(knob, sizeof(knob), "live");
	write_file(knob, "0\n");
	pid = spawn_setter(knob, "1", false);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK(kmb_knob_recover(1) == 0);
	CHECK_STREQ(knob_value(knob), "1");
	CHECK(count_records() == 1);
	kill_and_wait(pid, SIGKILL);
	CHECK(kmb_knob_recover(1) == 1);
	CHECK_STREQ(knob_value(knob), "0");
	CHECK(count_records() == 0);
}

/* A second kmb changing a knob a live one already changed keeps the true original. */
static void test_original_from_live(void)
{
	char knob[4096], err[512];
	pid_t pid;

	path_in_tmp(knob, sizeof(knob), "shared");
	write_file(knob, "0\n");
	pid = spawn_setter(knob, "1", false);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK(kmb_knob_set(knob, "2", err, sizeof(err)) == 0);
	CHECK_STREQ(knob_value(knob), "2");
	kmb_knob_restore_all();
	CHECK_STREQ(knob_value(knob), "0");
	kill_and_wait(pid, SIGKILL);
	CHECK(kmb_knob_recover(0) == 1);
	CHECK_STREQ(knob_value(knob), "0");
	CHECK(count_records() == 0);
}

/* Take turns with the other tests that change host knobs (see Makefile.am). */
static int lock_host_knobs(void)
{
	const char *tmp = getenv("KMB_TEST_TMP");
	char path[4096];
	int fd;

	if (!tmp)
		return -1;
	snprintf(path, sizeof(path), "%s/host-knobs.lock", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		flock(fd, LOCK_EX);
	return fd;
}

/* Run as "test_knob sysfs" (tests/knob-sysfs.test): a skip of its own where it cannot run. */
static void test_real_sysfs(void)
{
	char orig[64];
	int lock = lock_host_knobs();

	if (geteuid() != 0)
		CHECK_SKIP("the real sysfs case needs root");
	if (access(REAL_KNOB, W_OK) || kmb_read_line(REAL_KNOB, orig, sizeof(orig)))
		CHECK_SKIP("the real sysfs case needs a writable %s: %s", REAL_KNOB,
			   strerror(errno));
	printf("USES: %s (was %s)\n", REAL_KNOB, orig);
	check_sigkill_recover(REAL_KNOB, orig, strcmp(orig, "0") ? "0" : "1");
	/* Never leave the host changed, even when the code under test failed. */
	if (strcmp(knob_value(REAL_KNOB), orig))
		kmb_write_string(REAL_KNOB, orig);
	if (lock >= 0)
		close(lock);
}

static void test_bad_knobs(void)
{
	char knob[4096], err[512];

	err[0] = '\0';
	CHECK(kmb_knob_set("/nonexistent-kmb-knob/x", "1", err, sizeof(err)) == -1);
	CHECK(err[0] != '\0');
	CHECK(count_records() == 0);

	/* The original could not be written back in one record line. */
	path_in_tmp(knob, sizeof(knob), "tab");
	write_file(knob, "a\tb\n");
	err[0] = '\0';
	CHECK(kmb_knob_set(knob, "1", err, sizeof(err)) == -1);
	CHECK(err[0] != '\0');
	CHECK(count_records() == 0);

	/* A knob that cannot be written: the error names it, nothing stays recorded. */
	err[0] = '\0';
	CHECK(kmb_knob_set("/proc/version", "1", err, sizeof(err)) == -1);
	CHECK(strstr(err, "cannot set /proc/version to 1: ") == err);
	CHECK(count_records() == 0);
}

/* Garbage and a torn last line in a dead record do not stop the rest. */
static void test_malformed_record(void)
{
	char good[4096], torn[4096], rec[512], text[9000];

	path_in_tmp(good, sizeof(good), "good");
	path_in_tmp(torn, sizeof(torn), "torn");
	write_file(good, "7\n");
	write_file(torn, "5\n");
	snprintf(rec, sizeof(rec), "%s/999999999.restore", knobs_dir);
	snprintf(text, sizeof(text), "garbage line\n%s\t0\n%s\t1", good, torn);
	write_file(rec, text);
	CHECK(kmb_knob_recover(0) == 1);
	CHECK_STREQ(knob_value(good), "0");
	CHECK_STREQ(knob_value(torn), "5");
	CHECK(count_records() == 0);
}

/*
 * Records are writes done as root at the next start: one naming a file that
 * is not a knob kmb changes (outside /sys/kernel/mm, /proc/sys and, here,
 * the test's knob directory) is not replayed, and such a file cannot be set.
 */
static void test_outside_roots(void)
{
	char outside[] = "/tmp/kmb-test-knob-outside.XXXXXX";
	char victim[300], rec[512], text[600], err[512];

	if (!mkdtemp(outside)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(victim, sizeof(victim), "%s/victim", outside);
	write_file(victim, "precious\n");
	snprintf(rec, sizeof(rec), "%s/999999998.restore", knobs_dir);
	snprintf(text, sizeof(text), "%s\toverwritten\n", victim);
	write_file(rec, text);
	CHECK(kmb_knob_recover(0) == 0);
	CHECK_STREQ(knob_value(victim), "precious");
	CHECK(count_records() == 0);
	CHECK(kmb_knob_set(victim, "x", err, sizeof(err)) == -1);
	CHECK(strstr(err, "not under /sys/kernel/mm or /proc/sys") != NULL);
	CHECK_STREQ(knob_value(victim), "precious");
	kmb_rm_rf(outside);
}

/* A record named after our pid was left by a dead process: replayed, not lost. */
static void test_stale_own_record(void)
{
	char a[4096], b[4096], rec[512], text[4200], err[512];
	int status = 0;
	pid_t pid;

	path_in_tmp(a, sizeof(a), "own-a");
	path_in_tmp(b, sizeof(b), "own-b");
	write_file(a, "0\n");
	write_file(b, "5\n");
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		snprintf(rec, sizeof(rec), "%s/%d.restore", knobs_dir, (int)getpid());
		snprintf(text, sizeof(text), "%s\t0\n", b);
		write_file(rec, text);
		if (kmb_knob_set(a, "1", err, sizeof(err)))
			_exit(1);
		kmb_knob_restore_all();
		_exit(check_failures ? 1 : 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_STREQ(knob_value(a), "0");
	CHECK_STREQ(knob_value(b), "0");
	CHECK(count_records() == 0);
}

int main(int argc, char **argv)
{
	bool sysfs = argc > 1 && !strcmp(argv[1], "sysfs");
	char state[200];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	path_in_tmp(state, sizeof(state), "state");
	setenv("KMB_STATE_DIR", state, 1);
	/* The test's knobs are plain files in tmpdir. */
	setenv("KMB_TEST_KNOB_ROOT", tmpdir, 1);
	snprintf(knobs_dir, sizeof(knobs_dir), "%s/knobs", state);
	CHECK_STREQ(kmb_state_dir(), state);

	if (sysfs) {
		test_real_sysfs();
		kmb_rm_rf(tmpdir);
		CHECK_DONE();
	}
	test_sigkill();
	test_sigterm();
	test_multi_choice();
	test_live_record_kept();
	test_original_from_live();
	test_bad_knobs();
	test_malformed_record();
	test_stale_own_record();
	test_outside_roots();

	kmb_rm_rf(tmpdir);
	CHECK_DONE();
}
