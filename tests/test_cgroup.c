// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory cgroups on the real host: a child under its limit, a child OOM-killed
 * over it, leftovers of a dead kmb, destroying a group that still has a
 * process. Needs root and a memory controller (v1 or v2); skips otherwise.
 */
#include "check.h"
#include "cgroup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIMIT (64 * KMB_MIB)

static char root[4096];
static enum kmb_cgroup_version version;

/* The child is the OOM killer's choice even next to other processes in the group. */
static void make_victim(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1000", 4) != 4)
			perror("oom_score_adj");
		close(fd);
	}
}

/* Touch every page so it is charged, not just reserved. */
static int touch(size_t len)
{
	char *mem;
	size_t off;

	if (!len)
		return 0;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	for (off = 0; off < len; off += kmb_page_size())
		mem[off] = 1;
	return 0;
}

/*
 * Child: join cg (if any), touch len bytes, say 'R' (or 'E') on report, then
 * hold the memory until wait_fd closes (EOF also when the parent dies: no
 * strays).
 */
static void child_run(struct kmb_cgroup *cg, size_t len, int report, int wait_fd)
{
	char err[4400], c;

	make_victim();
	if (cg && kmb_cgroup_attach(cg, getpid(), err, sizeof(err))) {
		fprintf(stderr, "child: %s\n", err);
		c = 'E';
	} else {
		c = touch(len) ? 'E' : 'R';
	}
	if (write(report, &c, 1) != 1)
		_exit(3);
	if (wait_fd >= 0)
		while (read(wait_fd, &c, 1) > 0)
			;
	_exit(c == 'R' ? 0 : 2);
}

/* waitpid with a bound, so a stuck child fails the test instead of hanging it. */
static int wait_bounded(pid_t pid, int *status, int seconds)
{
	uint64_t deadline = kmb_now_ns() + (uint64_t)seconds * 1000000000ULL;

	while (kmb_now_ns() < deadline) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0)
			return -1;
		usleep(10000);
	}
	fprintf(stderr, "child %d still running after %d s, killing it\n", (int)pid, seconds);
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

/* Fork a child_run; fds[0] reads its report, fds[1] releases it on close. */
static pid_t spawn(struct kmb_cgroup *cg, size_t len, int fds[2])
{
	int report[2], go[2];
	pid_t pid;

	if (pipe2(report, O_CLOEXEC) || pipe2(go, O_CLOEXEC))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(report[0]);
		close(go[1]);
		child_run(cg, len, report[1], go[0]);
	}
	close(report[1]);
	close(go[0]);
	fds[0] = report[0];
	fds[1] = go[1];
	return pid;
}

static bool gone(const char *path)
{
	return access(path, F_OK) && errno == ENOENT;
}

static void print_stat(const char *what, const struct kmb_cgroup_stat *st)
{
	printf("%s: usage %llu, peak %llu, limit %llu, oom %llu, oom_kill %llu, max/failcnt %llu\n",
	       what, (unsigned long long)st->usage, (unsigned long long)st->peak,
	       (unsigned long long)st->limit, (unsigned long long)st->oom,
	       (unsigned long long)st->oom_kill, (unsigned long long)st->max_events);
}

static void test_under_limit(void)
{
	struct kmb_cgroup cg;
	struct kmb_cgroup_stat st;
	char err[4400], c = 0;
	int fds[2], status = 0;
	pid_t pid;

	if (kmb_cgroup_create(&cg, "fit", LIMIT, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		CHECK(!"create fit group");
		return;
	}
	CHECK(cg.version == version);
	pid = spawn(&cg, 32 * KMB_MIB, fds);
	CHECK(pid > 0);
	if (pid > 0) {
		CHECK(read(fds[0], &c, 1) == 1 && c == 'R');
		CHECK(kmb_cgroup_stat(&cg, &st, err, sizeof(err)) == 0);
		print_stat("32M in a 64M group", &st);
		CHECK(st.usage >= 32 * KMB_MIB);
		CHECK(st.peak >= st.usage || (version == KMB_CGROUP_V2 && st.peak == 0));
		CHECK_EQ_U64(st.limit, LIMIT);
		CHECK_EQ_U64(st.oom_kill, 0);
		close(fds[0]);
		close(fds[1]);
		CHECK(wait_bounded(pid, &status, 30) == 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK(kmb_cgroup_destroy(&cg, err, sizeof(err)) == 0);
	CHECK(gone(cg.path));
}

static void test_oom(void)
{
	struct kmb_cgroup cg;
	struct kmb_cgroup_stat st;
	char err[4400];
	int fds[2], status = 0;
	pid_t pid;

	if (kmb_cgroup_create(&cg, "oom", LIMIT, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		CHECK(!"create oom group");
		return;
	}
	pid = spawn(&cg, 256 * KMB_MIB, fds);
	CHECK(pid > 0);
	if (pid > 0) {
		/* Released at once: it should never get to hold the memory. */
		close(fds[1]);
		CHECK(wait_bounded(pid, &status, 60) == 0);
		close(fds[0]);
		printf("256M in a 64M group: child %s %d\n",
		       WIFSIGNALED(status) ? "killed by signal" : "exited with",
		       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
	CHECK(kmb_cgroup_stat(&cg, &st, err, sizeof(err)) == 0);
	print_stat("after the OOM kill", &st);
	CHECK(st.oom_kill >= 1);
	CHECK(st.oom >= 1);
	CHECK(st.peak <= LIMIT);
	CHECK(kmb_cgroup_destroy(&cg, err, sizeof(err)) == 0);
	CHECK(gone(cg.path));
}

/*
 * Before this process has made a group, one carrying its pid is an earlier
 * kmb's that had the same pid (containers start kmb with the same pid).
 */
static void test_recover_own_pid(void)
{
	char stale[4400];

	snprintf(stale, sizeof(stale), "%s/kmb.%d.stale", root, (int)getpid());
	CHECK(mkdir(stale, 0755) == 0);
	CHECK(kmb_cgroup_recover(0) >= 1);
	CHECK(gone(stale));
}

static pid_t dead_pid(void)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return pid;
}

/* A dead owner's group goes; a live owner's and our own stay. */
static void test_recover(void)
{
	char left[4400], live[4400], err[4400];
	struct kmb_cgroup mine;
	int fds[2], status;
	pid_t dead = dead_pid(), owner;

	CHECK(dead > 0);
	snprintf(left, sizeof(left), "%s/kmb.%d.x", root, (int)dead);
	CHECK(mkdir(left, 0755) == 0);
	/* Any live process not ours will do as a live owner: a child holding nothing. */
	owner = spawn(NULL, 0, fds);
	CHECK(owner > 0);
	snprintf(live, sizeof(live), "%s/kmb.%d.y", root, (int)owner);
	CHECK(mkdir(live, 0755) == 0);
	CHECK(kmb_cgroup_create(&mine, "mine", 0, err, sizeof(err)) == 0);

	CHECK(kmb_cgroup_recover(1) >= 1);
	CHECK(gone(left));
	CHECK(!gone(live));
	CHECK(!gone(mine.path));

	CHECK(rmdir(live) == 0);
	close(fds[0]);
	close(fds[1]);
	if (owner > 0)
		wait_bounded(owner, &status, 10);
	CHECK(kmb_cgroup_destroy(&mine, err, sizeof(err)) == 0);
	CHECK(kmb_cgroup_recover(0) == 0);
}

static void test_destroy_live(void)
{
	struct kmb_cgroup cg;
	char err[4400], c = 0;
	int fds[2], status = 0;
	pid_t pid;

	if (kmb_cgroup_create(&cg, "live", LIMIT, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		CHECK(!"create live group");
		return;
	}
	pid = spawn(&cg, KMB_MIB, fds);
	CHECK(pid > 0);
	if (pid > 0)
		CHECK(read(fds[0], &c, 1) == 1 && c == 'R');
	CHECK(kmb_cgroup_destroy(&cg, err, sizeof(err)) == 0);
	CHECK(gone(cg.path));
	if (pid > 0) {
		CHECK(wait_bounded(pid, &status, 10) == 0);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		close(fds[0]);
		close(fds[1]);
	}
}

/* Errors name the file and the reason; odd names are made safe. */
static void test_errors(void)
{
	struct kmb_cgroup cg;
	struct kmb_cgroup_stat st;
	char err[4400], want[4400];
	pid_t dead = dead_pid();

	CHECK(kmb_cgroup_create(&cg, "a/b c", 0, err, sizeof(err)) == 0);
	snprintf(want, sizeof(want), "%s/kmb.%d.a_b_c", root, (int)getpid());
	CHECK_STREQ(cg.path, want);
	CHECK(kmb_cgroup_stat(&cg, &st, err, sizeof(err)) == 0);
	CHECK_EQ_U64(st.limit, UINT64_MAX);
	CHECK(kmb_cgroup_attach(&cg, dead, err, sizeof(err)) == -1);
	CHECK(strstr(err, cg.path) && strstr(err, strerror(ESRCH)) && !strchr(err, '\n'));
	CHECK(kmb_cgroup_destroy(&cg, err, sizeof(err)) == 0);
	CHECK(kmb_cgroup_destroy(&cg, err, sizeof(err)) == 0);
	CHECK(kmb_cgroup_stat(&cg, &st, err, sizeof(err)) == -1);
	CHECK(strstr(err, cg.path) && strstr(err, strerror(ENOENT)));
}

/* None of this process's groups may outlive the test. */
static void test_nothing_left(void)
{
	char prefix[64];
	struct dirent *de;
	DIR *d = opendir(root);
	int left = 0;

	CHECK(d != NULL);
	snprintf(prefix, sizeof(prefix), "kmb.%d.", (int)getpid());
	while (d && (de = readdir(d))) {
		if (!strncmp(de->d_name, prefix, strlen(prefix))) {
			fprintf(stderr, "left behind: %s/%s\n", root, de->d_name);
			left++;
		}
	}
	if (d)
		closedir(d);
	CHECK(left == 0);
}

int main(void)
{
	char reason[4400];

	if (geteuid() != 0)
		CHECK_SKIP("creating memory cgroups needs root");
	version = kmb_cgroup_probe(root, sizeof(root), reason, sizeof(reason));
	if (version == KMB_CGROUP_NONE)
		CHECK_SKIP("%s", reason);
	printf("memory cgroup v%d, groups under %s\n", version == KMB_CGROUP_V2 ? 2 : 1, root);
	test_recover_own_pid();
	test_under_limit();
	test_oom();
	test_recover();
	test_destroy_live();
	test_errors();
	test_nothing_left();
	CHECK_DONE();
}
