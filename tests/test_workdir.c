// SPDX-License-Identifier: GPL-2.0-only
/*
 * stress/workdir: the private run directory is created 0700 with its lock,
 * removed on release unless kept, and the recovery every kmb start runs
 * removes only leftovers of dead kmb runs of this user: never a directory
 * whose lock is held, a kept one, another user's, one of a live PID, and it
 * never follows a symlink, at the top or inside.
 *
 * Runs in a private $TMPDIR, so it sees no one else's directories.
 */
#include "check.h"
#include "util.h"
#include "workdir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[64];

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
}

/* A PID that is certainly not running: a child that exited and was reaped. */
static pid_t dead_pid(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, &status, 0);
	return pid;
}

/* A leftover as a killed kmb leaves it: <base>/kmb-stress-<pid>-<tag>-X with a socket dir. */
static void leftover(char *path, size_t len, pid_t pid, const char *tag)
{
	char sub[4200], file[4300];

	snprintf(path, len, "%s/" KMB_WORKDIR_PREFIX "%d-%s-abc123", base, (int)pid, tag);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(sub, sizeof(sub), "%s/source", path);
	CHECK(mkdir(sub, 0700) == 0);
	snprintf(file, sizeof(file), "%s/console.log", sub);
	touch(file);
}

static void test_create_release(void)
{
	struct kmb_workdir w;
	char err[512], lock[4200];
	struct stat st;

	CHECK(kmb_workdir_create(&w, "unit", false, err, sizeof(err)) == 0);
	CHECK(!strncmp(w.path, base, strlen(base)));
	CHECK(stat(w.path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	snprintf(lock, sizeof(lock), "%s/lock", w.path);
	CHECK(exists(lock) && w.lock_fd >= 0 && !w.kept);
	/* A live run is never recovered, even by another process of ours. */
	CHECK(kmb_workdir_recover(0) == 0 && exists(w.path));
	CHECK(kmb_workdir_release(&w) == 0);
	CHECK(!exists(w.path));

	/* Kept: survives its release and every recovery. */
	CHECK(kmb_workdir_create(&w, "kept", true, err, sizeof(err)) == 0);
	CHECK(w.kept);
	CHECK(kmb_workdir_release(&w) == 0);
	CHECK(exists(w.path));
	CHECK(kmb_workdir_recover(0) == 0);
	CHECK(exists(w.path));
	kmb_rm_rf(w.path);
}

static void test_recover(void)
{
	char dead[4200], held[4200], kept[4200], foreign[4200], live[4200], link[4200];
	char victim[4200], bait[4300], inner[4400], file[4400];
	pid_t gone = dead_pid(), holder;
	int fd, pipefd[2], status;
	char c;

	/* What another user would want us to remove: a directory with a file of "theirs". */
	snprintf(victim, sizeof(victim), "%s/victim", base);
	CHECK(mkdir(victim, 0755) == 0);
	snprintf(bait, sizeof(bait), "%s/precious", victim);
	touch(bait);

	leftover(dead, sizeof(dead), gone, "dead");
	/* Inside a leftover, a symlink to the victim: unlinked, never followed. */
	snprintf(inner, sizeof(inner), "%s/source/escape", dead);
	CHECK(symlink(victim, inner) == 0);

	leftover(held, sizeof(held), gone, "held");
	snprintf(file, sizeof(file), "%s/lock", held);
	touch(file);
	CHECK(pipe(pipefd) == 0);
	holder = fork();
	if (holder == 0) {
		int lfd = open(file, O_RDONLY | O_CLOEXEC);

		flock(lfd, LOCK_EX);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(read(pipefd[0], &c, 1) == 1);

	leftover(kept, sizeof(kept), gone, "kept");
	snprintf(file, sizeof(file), "%s/kept", kept);
	touch(file);

	leftover(foreign, sizeof(foreign), gone, "foreign");
	if (geteuid() == 0)
		CHECK(chown(foreign, 65534, 65534) == 0);

	leftover(live, sizeof(live), getppid(), "live");

	/* A top-level symlink named like a leftover, pointing at the victim. */
	snprintf(link, sizeof(link), "%s/" KMB_WORKDIR_PREFIX "%d-link-abc123", base, (int)gone);
	CHECK(symlink(victim, link) == 0);

	CHECK(kmb_workdir_recover(0) == 1);
	CHECK(!exists(dead));
	CHECK(exists(held) && exists(kept) && exists(live) && exists(link));
	CHECK(geteuid() != 0 || exists(foreign));
	CHECK(exists(bait));

	/* Once the holder is gone, the held one is a leftover too. */
	kill(holder, SIGKILL);
	waitpid(holder, &status, 0);
	CHECK(kmb_workdir_recover(0) == 1 && !exists(held));
	close(pipefd[0]);
	close(pipefd[1]);

	fd = open(bait, O_RDONLY);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	unlink(link);
	kmb_rm_rf(kept);
	kmb_rm_rf(foreign);
	kmb_rm_rf(live);
	kmb_rm_rf(victim);
}

int main(void)
{
	snprintf(base, sizeof(base), "/tmp/kmb-wd-XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("TMPDIR", base, 1);
	test_create_release();
	test_recover();
	CHECK(rmdir(base) == 0);
	CHECK_DONE();
}
