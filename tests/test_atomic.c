// SPDX-License-Identifier: GPL-2.0-only
/*
 * Atomic result files: a writer killed at any moment leaves the old file or
 * the new one, never a half one; a full disk leaves the old file untouched and
 * no temporary behind; stale temporaries of dead writers are swept.
 */
#include "atomic.h"
#include "check.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIG (8u << 20)

static char dir[] = "/tmp/kmb-test-atomic.XXXXXX";

static char *pattern(char c, size_t len)
{
	char *buf = malloc(len);

	memset(buf, c, len);
	return buf;
}

/* The file holds len bytes all equal to one of the two expected patterns. */
static int whole(const char *path, size_t len)
{
	char *text = kmb_read_text(path);
	size_t i, n;
	int ok;

	if (!text)
		return 0;
	n = strlen(text);
	ok = n == len && (text[0] == 'a' || text[0] == 'b');
	for (i = 1; ok && i < n; i++)
		ok = text[i] == text[0];
	free(text);
	return ok;
}

static unsigned count_tmp(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	while (d && (de = readdir(d)))
		n += strstr(de->d_name, KMB_TMP_INFIX) != NULL;
	if (d)
		closedir(d);
	return n;
}

static void test_killed_writers(void)
{
	char path[300];
	char *a = pattern('a', BIG), *b = pattern('b', BIG);
	int round, torn = 0, killed_mid = 0;

	snprintf(path, sizeof(path), "%s/result.json", dir);
	CHECK(kmb_write_atomic(path, a, BIG) == 0);
	srand((unsigned)time(NULL));
	for (round = 0; round < 40; round++) {
		struct timespec delay = { .tv_nsec = (rand() % 4000) * 1000L };
		pid_t pid = fork();

		if (pid == 0) {
			for (;;)
				kmb_write_atomic(path, (round & 1) ? a : b, BIG);
		}
		nanosleep(&delay, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		torn += !whole(path, BIG);
		killed_mid += count_tmp() > 0;
		kmb_remove_stale_tmp(dir);
		CHECK(count_tmp() == 0);
	}
	CHECK(torn == 0);
	printf("40 writers killed, %d of them mid-write, torn files: %d\n", killed_mid, torn);
	free(a);
	free(b);
}

/* RLIMIT_FSIZE makes write() fail with EFBIG, as a full disk fails with ENOSPC. */
static void test_full_disk(void)
{
	char path[300];
	char *a = pattern('a', 4096), *b = pattern('b', BIG);
	pid_t pid;
	int status;

	snprintf(path, sizeof(path), "%s/full.json", dir);
	CHECK(kmb_write_atomic(path, a, 4096) == 0);
	pid = fork();
	if (pid == 0) {
		struct rlimit lim = { 1 << 20, 1 << 20 };

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &lim);
		_exit(kmb_write_atomic(path, b, BIG) == -1 && errno == EFBIG ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(whole(path, 4096));
	CHECK(count_tmp() == 0);
	free(a);
	free(b);
}

static void test_json(void)
{
	char path[300];
	json_t *doc = json_pack("{s:i, s:s}", "b", 2, "a", "x"), *back;

	snprintf(path, sizeof(path), "%s/doc.json", dir);
	CHECK(kmb_json_write_atomic(path, doc) == 0);
	back = json_load_file(path, 0, NULL);
	CHECK(back && json_equal(doc, back));
	json_decref(doc);
	json_decref(back);
	/* A directory that does not exist: an error, nothing created. */
	CHECK(kmb_write_atomic("/nonexistent-kmb-dir/x.json", "x", 1) == -1);
}

/*
 * Someone plants links under the temporary names: they cannot guess the name
 * any more, and even under the old pid-only name nothing is written through
 * a link. The sweep removes neither a link nor another user's file that
 * looks like a dead writer's temporary.
 */
static void test_planted(void)
{
	char target[300], victim[300], link_old[400], link_dead[400], foreign[400];
	struct stat st;

	snprintf(target, sizeof(target), "%s/r.txt", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	CHECK(kmb_write_atomic(victim, "precious", 8) == 0);
	snprintf(link_old, sizeof(link_old), "%s/.r.txt" KMB_TMP_INFIX "%d", dir, (int)getpid());
	CHECK(symlink(victim, link_old) == 0);
	CHECK(kmb_write_atomic(target, "report", 6) == 0);
	{
		char *v = kmb_read_text(victim), *t = kmb_read_text(target);

		CHECK(v && !strcmp(v, "precious"));
		CHECK(t && !strcmp(t, "report"));
		free(v);
		free(t);
	}
	CHECK(lstat(target, &st) == 0 && S_ISREG(st.st_mode));
	unlink(link_old);

	/* pid 1 never dies, pid 999999999 never lived: take a free one. */
	snprintf(link_dead, sizeof(link_dead), "%s/.x.json" KMB_TMP_INFIX "999999999.0", dir);
	CHECK(symlink(victim, link_dead) == 0);
	snprintf(foreign, sizeof(foreign), "%s/.y.json" KMB_TMP_INFIX "999999999.1", dir);
	CHECK(kmb_write_atomic(foreign, "theirs", 6) == 0);
	if (geteuid() == 0)
		CHECK(chown(foreign, 65534, 65534) == 0);
	kmb_remove_stale_tmp(dir);
	CHECK(lstat(link_dead, &st) == 0 && S_ISLNK(st.st_mode));
	if (geteuid() == 0)
		CHECK(lstat(foreign, &st) == 0);
	else
		printf("note: not root, the other user's file case is not checked\n");
	unlink(link_dead);
	unlink(foreign);
	unlink(victim);
	unlink(target);
}

int main(void)
{
	if (!mkdtemp(dir))
		CHECK_SKIP("mkdtemp failed");
	test_killed_writers();
	test_full_disk();
	test_json();
	test_planted();
	kmb_rm_rf(dir);
	CHECK_DONE();
}
