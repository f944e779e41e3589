// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory cgroups, v1 and v2. kmb puts each measured process in a group of its
 * own, named <root>/kmb.<pid>.<name>, so a kmb that was killed leaves groups
 * whose owner can be told dead by the pid in the name.
 *
 * v2 only lets a group hand the memory controller to its children when it has
 * no processes of its own (the root excepted), so kmb's groups are always
 * leaves made directly under a parent that has "memory" in its
 * cgroup.subtree_control.
 */
#include "cgroup.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CG_PREFIX "kmb."
#define CG_PATH_MAX 4096
#define DESTROY_TIMEOUT_NS (5ULL * 1000000000ULL)
#define DESTROY_POLL_US 10000

/* v1 reports "no limit" as the largest page-aligned long; anything this big is none. */
#define V1_UNLIMITED 0x7ffffffffffff000ULL

/*
 * Set once this process has made a group. Until then, groups carrying our own
 * pid can only be leftovers of an earlier kmb that had the same pid (common
 * in containers, where kmb starts with the same small pid every time).
 */
static bool made_here;

struct mount {
	char root[CG_PATH_MAX];	 /* the part of the hierarchy that is mounted */
	char point[CG_PATH_MAX]; /* where */
};

static int fail(char *err, size_t errlen, const char *what, const char *path, int errnum)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(errnum));
	return -1;
}

static int path_join(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Whether word is one of the items of a list separated by blanks or commas. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	while (*list) {
		size_t len;

		list += strspn(list, " ,\t\n");
		len = strcspn(list, " ,\t\n");
		if (len == n && !strncmp(list, word, n))
			return true;
		list += len;
	}
	return false;
}

static bool file_has_word(const char *dir, const char *file, const char *word)
{
	char path[CG_PATH_MAX + 64], *text;
	bool found;

	if (path_join(path, sizeof(path), dir, file))
		return false;
	text = kmb_read_text(path);
	found = text && has_word(text, word);
	free(text);
	return found;
}

/* mountinfo escapes blanks and backslashes in paths as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Whether a mountinfo line is a cgroup mount of fstype with option (if any). */
static bool parse_mount(char *line, const char *fstype, const char *option, struct mount *m)
{
	char type[64], super[1024];
	const char *sep = strstr(line, " - ");

	if (!sep || sscanf(sep, " - %63s %*s %1023s", type, super) != 2 || strcmp(type, fstype))
		return false;
	if (option && !has_word(super, option))
		return false;
	if (sscanf(line, "%*s %*s %*s %4095s %4095s", m->root, m->point) != 2)
		return false;
	unescape_octal(m->root);
	unescape_octal(m->point);
	return true;
}

/*
 * The mount of a cgroup hierarchy, from /proc/self/mountinfo. A whole
 * hierarchy (root "/") is preferred to a bind mount of part of it, and for v2
 * the usual /sys/fs/cgroup to systemd's hybrid /sys/fs/cgroup/unified.
 */
static int find_mount(const char *fstype, const char *option, struct mount *best)
{
	char *text = kmb_read_text("/proc/self/mountinfo"), *line, *save = NULL;
	int best_score = -1;
	struct mount *m = malloc(sizeof(*m));

	if (!text || !m) {
		free(text);
		free(m);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int score;

		if (!parse_mount(line, fstype, option, m))
			continue;
		score = !strcmp(m->root, "/") * 2 + !strcmp(m->point, "/sys/fs/cgroup");
		if (score > best_score) {
			*best = *m;
			best_score = score;
		}
	}
	free(text);
	free(m);
	return best_score < 0 ? -1 : 0;
}

/* This process's v2 group ("0::/path" in /proc/self/cgroup) as a directory under m. */
static int current_group_dir(const struct mount *m, char *buf, size_t len)
{
	char *text = kmb_read_text("/proc/self/cgroup"), *line, *save = NULL;
	size_t rootlen = strcmp(m->root, "/") ? strlen(m->root) : 0;
	int ret = -1;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *ctl = strchr(line, ':'), *path = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!path)
			continue;
		*ctl++ = '\0';
		*path++ = '\0';
		if (strcmp(line, "0") || *ctl)
			continue;
		/* A group outside the mounted part of the hierarchy has no directory here. */
		if (strncmp(path, m->root, rootlen) || (path[rootlen] && path[rootlen] != '/'))
			break;
		if (snprintf(buf, len, "%s%s", m->point, path + rootlen) < (int)len)
			ret = 0;
		break;
	}
	free(text);
	return ret;
}

/* Whether v2 children of dir get the memory controller, enabling it if we can. */
static int v2_parent_ok(const char *dir, char *reason, size_t len)
{
	char path[CG_PATH_MAX + 64];

	if (access(dir, W_OK))
		return fail(reason, len, "cannot create cgroups in", dir, errno);
	if (file_has_word(dir, "cgroup.subtree_control", "memory"))
		return 0;
	if (!file_has_word(dir, "cgroup.controllers", "memory")) {
		snprintf(reason, len, "the memory controller is not available in %s", dir);
		return -1;
	}
	if (path_join(path, sizeof(path), dir, "cgroup.subtree_control") ||
	    kmb_write_string(path, "+memory"))
		return fail(reason, len, "cannot enable +memory in", path, errno);
	return 0;
}

/*
 * The v2 parent for kmb's groups: the mounted root, else (in a delegated
 * subtree, a service, a container) the current group, else its parent.
 */
static int v2_root(const struct mount *m, char *root, size_t rootlen, char *reason, size_t len)
{
	char cand[3][CG_PATH_MAX], other[512];
	int i, n = 1;

	snprintf(cand[0], CG_PATH_MAX, "%s", m->point);
	if (!current_group_dir(m, cand[1], CG_PATH_MAX) && strcmp(cand[1], cand[0])) {
		char *slash;

		memcpy(cand[2], cand[1], CG_PATH_MAX);
		slash = strrchr(cand[2], '/');
		*slash = '\0';
		n = strcmp(cand[2], cand[0]) ? 3 : 2;
	}
	for (i = 0; i < n; i++) {
		/* The first failure is the one worth reporting: the usual root's. */
		if (!v2_parent_ok(cand[i], i ? other : reason, i ? sizeof(other) : len)) {
			snprintf(root, rootlen, "%s", cand[i]);
			return 0;
		}
	}
	return -1;
}

enum kmb_cgroup_version kmb_cgroup_probe(char *root, size_t rootlen, char *reason, size_t reasonlen)
{
	struct mount *m = malloc(sizeof(*m));
	enum kmb_cgroup_version v = KMB_CGROUP_NONE;

	snprintf(reason, reasonlen,
		 "no memory cgroup controller: no cgroup2 mount lists memory "
		 "in cgroup.controllers and no v1 cgroup mount has it in /proc/self/mountinfo");
	if (!m) {
		snprintf(reason, reasonlen, "out of memory");
		return v;
	}
	/* A controller lives in one hierarchy only: in v2, v1 cannot have it. */
	if (!find_mount("cgroup2", NULL, m) &&
	    file_has_word(m->point, "cgroup.controllers", "memory")) {
		if (!v2_root(m, root, rootlen, reason, reasonlen))
			v = KMB_CGROUP_V2;
	} else if (!find_mount("cgroup", "memory", m)) {
		if (access(m->point, W_OK)) {
			fail(reason, reasonlen, "cannot create cgroups in", m->point, errno);
		} else {
			snprintf(root, rootlen, "%s", m->point);
			v = KMB_CGROUP_V1;
		}
	}
	free(m);
	return v;
}

static int write_file(const struct kmb_cgroup *cg, const char *file, const char *value, char *err,
		      size_t errlen)
{
	char path[CG_PATH_MAX + 64];

	if (path_join(path, sizeof(path), cg->path, file) || kmb_write_string(path, value)) {
		snprintf(err, errlen, "cannot write '%s' to %s/%s: %s", value, cg->path, file,
			 strerror(errno));
		return -1;
	}
	return 0;
}

static bool has_file(const struct kmb_cgroup *cg, const char *file)
{
	char path[CG_PATH_MAX + 64];

	return !path_join(path, sizeof(path), cg->path, file) && !access(path, F_OK);
}

/* Read a number or "max" (v2's none, as UINT64_MAX). With optional, a missing file reads 0. */
static int read_value(const struct kmb_cgroup *cg, const char *file, bool optional, uint64_t *val,
		      char *err, size_t errlen)
{
	char path[CG_PATH_MAX + 64], line[64], *end;

	*val = 0;
	if (path_join(path, sizeof(path), cg->path, file))
		return fail(err, errlen, "cannot read", cg->path, errno);
	if (optional && access(path, F_OK) && errno == ENOENT)
		return 0;
	if (kmb_read_line(path, line, sizeof(line)))
		return fail(err, errlen, "cannot read", path, errno);
	if (!strcmp(line, "max")) {
		*val = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*val = strtoull(line, &end, 10);
	if (errno || end == line)
		return fail(err, errlen, "cannot parse", path, errno ? errno : EINVAL);
	return 0;
}

/* The value after "key " on a line of a flat keyed file (memory.events). */
static uint64_t keyed(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = text; p; p = strchr(p, '\n')) {
		p += *p == '\n';
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
	}
	return 0;
}

static char *read_keyed(const struct kmb_cgroup *cg, const char *file, char *err, size_t errlen)
{
	char path[CG_PATH_MAX + 64];
	char *text;

	if (path_join(path, sizeof(path), cg->path, file)) {
		fail(err, errlen, "cannot read", cg->path, errno);
		return NULL;
	}
	text = kmb_read_text(path);
	if (!text)
		fail(err, errlen, "cannot read", path, errno);
	return text;
}

static int v2_set_limit(struct kmb_cgroup *cg, uint64_t limit, char *err, size_t errlen)
{
	char val[32] = "max";

	if (limit)
		snprintf(val, sizeof(val), "%llu", (unsigned long long)limit);
	if (write_file(cg, "memory.max", val, err, errlen))
		return -1;
	/* Without swap.max (no swap accounting) the group may still swap; nothing to do. */
	if (has_file(cg, "memory.swap.max") && write_file(cg, "memory.swap.max", "0", err, errlen))
		return -1;
	return 0;
}

/*
 * v1 has no swap limit of its own, only memory+swap (memsw), which must stay
 * >= the memory limit at every step: raise memsw first, lower it last.
 */
static int v1_set_limit(struct kmb_cgroup *cg, uint64_t limit, char *err, size_t errlen)
{
	char val[32] = "-1";
	uint64_t cur;

	if (limit)
		snprintf(val, sizeof(val), "%llu", (unsigned long long)limit);
	if (!has_file(cg, "memory.memsw.limit_in_bytes"))
		return write_file(cg, "memory.limit_in_bytes", val, err, errlen);
	if (read_value(cg, "memory.limit_in_bytes", false, &cur, err, errlen))
		return -1;
	if (!limit || limit > cur) {
		if (write_file(cg, "memory.memsw.limit_in_bytes", val, err, errlen))
			return -1;
		return write_file(cg, "memory.limit_in_bytes", val, err, errlen);
	}
	if (write_file(cg, "memory.limit_in_bytes", val, err, errlen))
		return -1;
	return write_file(cg, "memory.memsw.limit_in_bytes", val, err, errlen);
}

int kmb_cgroup_set_limit(struct kmb_cgroup *cg, uint64_t limit, char *err, size_t errlen)
{
	if (cg->version == KMB_CGROUP_V2)
		return v2_set_limit(cg, limit, err, errlen);
	if (cg->version == KMB_CGROUP_V1)
		return v1_set_limit(cg, limit, err, errlen);
	return fail(err, errlen, "no memory controller for", cg->path, ENOTSUP);
}

int kmb_cgroup_create(struct kmb_cgroup *cg, const char *name, uint64_t limit, char *err,
		      size_t errlen)
{
	char root[CG_PATH_MAX], clean[128];
	enum kmb_cgroup_version v;

	memset(cg, 0, sizeof(*cg));
	v = kmb_cgroup_probe(root, sizeof(root), err, errlen);
	if (v == KMB_CGROUP_NONE)
		return -1;
	/* Short enough for NAME_MAX whatever the caller passes. */
	snprintf(clean, sizeof(clean), "%s", name && *name ? name : "group");
	kmb_sanitize_name(clean);
	if (snprintf(cg->path, sizeof(cg->path), "%s/" CG_PREFIX "%d.%s", root, (int)getpid(),
		     clean) >= (int)sizeof(cg->path))
		return fail(err, errlen, "cannot create cgroup in", root, ENAMETOOLONG);
	if (mkdir(cg->path, 0755))
		return fail(err, errlen, "cannot create cgroup", cg->path, errno);
	made_here = true;
	cg->version = v;
	if (limit && kmb_cgroup_set_limit(cg, limit, err, errlen)) {
		rmdir(cg->path);
		return -1;
	}
	return 0;
}

int kmb_cgroup_attach(struct kmb_cgroup *cg, pid_t pid, char *err, size_t errlen)
{
	char val[32];

	snprintf(val, sizeof(val), "%d", (int)pid);
	return write_file(cg, "cgroup.procs", val, err, errlen);
}

static int v2_stat(const struct kmb_cgroup *cg, struct kmb_cgroup_stat *st, char *err,
		   size_t errlen)
{
	char *events;

	if (read_value(cg, "memory.current", false, &st->usage, err, errlen) ||
	    read_value(cg, "memory.peak", true, &st->peak, err, errlen) ||
	    read_value(cg, "memory.max", false, &st->limit, err, errlen))
		return -1;
	events = read_keyed(cg, "memory.events", err, errlen);
	if (!events)
		return -1;
	st->oom = keyed(events, "oom");
	st->oom_kill = keyed(events, "oom_kill");
	st->max_events = keyed(events, "max");
	free(events);
	return 0;
}

static int v1_stat(const struct kmb_cgroup *cg, struct kmb_cgroup_stat *st, char *err,
		   size_t errlen)
{
	uint64_t memsw_fails;
	char *oom;

	if (read_value(cg, "memory.usage_in_bytes", false, &st->usage, err, errlen) ||
	    read_value(cg, "memory.max_usage_in_bytes", false, &st->peak, err, errlen) ||
	    read_value(cg, "memory.limit_in_bytes", false, &st->limit, err, errlen) ||
	    read_value(cg, "memory.failcnt", false, &st->max_events, err, errlen) ||
	    read_value(cg, "memory.memsw.failcnt", true, &memsw_fails, err, errlen))
		return -1;
	/*
	 * memsw is charged first, and with memsw == limit it is the counter that
	 * fails; 6.13+ kernels keep no failcnt for memsw at all, so there a
	 * group at its limit may show 0 here.
	 */
	st->max_events += memsw_fails;
	if (st->limit >= V1_UNLIMITED)
		st->limit = UINT64_MAX;
	oom = read_keyed(cg, "memory.oom_control", err, errlen);
	if (!oom)
		return -1;
	/* oom_kill appeared in 4.13; v1 counts no OOMs as such, only kills and "now". */
	st->oom_kill = keyed(oom, "oom_kill");
	st->oom = st->oom_kill;
	if (!st->oom && keyed(oom, "under_oom"))
		st->oom = 1;
	free(oom);
	return 0;
}

int kmb_cgroup_stat(const struct kmb_cgroup *cg, struct kmb_cgroup_stat *st, char *err,
		    size_t errlen)
{
	memset(st, 0, sizeof(*st));
	if (cg->version == KMB_CGROUP_V2)
		return v2_stat(cg, st, err, errlen);
	if (cg->version == KMB_CGROUP_V1)
		return v1_stat(cg, st, err, errlen);
	return fail(err, errlen, "no memory controller for", cg->path, ENOTSUP);
}

/*
 * SIGKILL every process listed in cgroup.procs. Returns how many were listed,
 * -1 (errno) when the list cannot be read, -2 when the caller itself is inside:
 * killing it is never what the caller meant.
 */
static int kill_members(const struct kmb_cgroup *cg)
{
	char path[CG_PATH_MAX + 64], *text, *p;
	int n = 0;

	if (path_join(path, sizeof(path), cg->path, "cgroup.procs"))
		return -1;
	text = kmb_read_text(path);
	if (!text)
		return -1;
	for (p = text; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		p = end + strspn(end, "\n");
		if (pid == getpid()) {
			free(text);
			return -2;
		}
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
		n++;
	}
	free(text);
	return n;
}

int kmb_cgroup_destroy(struct kmb_cgroup *cg, char *err, size_t errlen)
{
	uint64_t deadline = kmb_now_ns() + DESTROY_TIMEOUT_NS;
	bool killed = false;
	int n;

	if (!cg->path[0] || (access(cg->path, F_OK) && errno == ENOENT))
		return 0;
	for (;;) {
		n = kill_members(cg);
		if (n == -2) {
			snprintf(err, errlen,
				 "cannot remove cgroup %s: %s (this process, pid %d, "
				 "is inside)",
				 cg->path, strerror(EBUSY), (int)getpid());
			return -1;
		}
		if (n < 0)
			return fail(err, errlen, "cannot read the processes of cgroup", cg->path,
				    errno);
		/* v2 cgroup.kill also catches processes forked while we kill. */
		if (n && !killed && cg->version == KMB_CGROUP_V2 && has_file(cg, "cgroup.kill"))
			killed = !write_file(cg, "cgroup.kill", "1", err, errlen);
		/* An exiting process can leave procs before the group is unpopulated: EBUSY. */
		if (!n && !rmdir(cg->path))
			return 0;
		if (!n && errno != EBUSY)
			return fail(err, errlen, "cannot remove cgroup", cg->path, errno);
		if (kmb_now_ns() > deadline) {
			snprintf(err, errlen,
				 "cannot remove cgroup %s: %s (%d process(es) "
				 "still inside after %llu s)",
				 cg->path, strerror(EBUSY), n, DESTROY_TIMEOUT_NS / 1000000000ULL);
			return -1;
		}
		usleep(DESTROY_POLL_US);
	}
}

/* The owner pid of a group named kmb.<pid>.<name>, 0 if the name is not kmb's. */
static pid_t owner_pid(const char *name)
{
	const char *p;
	char *end;
	long pid;

	if (strncmp(name, CG_PREFIX, strlen(CG_PREFIX)))
		return 0;
	p = name + strlen(CG_PREFIX);
	if (!isdigit((unsigned char)*p))
		return 0;
	errno = 0;
	pid = strtol(p, &end, 10);
	if (errno || *end != '.' || pid <= 0 || pid > 0x7fffffff)
		return 0;
	return (pid_t)pid;
}

static bool owner_dead(pid_t pid)
{
	if (pid == getpid())
		return !made_here;
	/* EPERM: alive, just not ours to signal. */
	return kill(pid, 0) && errno == ESRCH;
}

int kmb_cgroup_recover(int verbose)
{
	char root[CG_PATH_MAX], err[CG_PATH_MAX + 256];
	struct kmb_cgroup *cg = malloc(sizeof(*cg));
	enum kmb_cgroup_version v;
	struct dirent *de;
	int removed = 0;
	DIR *d = NULL;

	v = kmb_cgroup_probe(root, sizeof(root), err, sizeof(err));
	if (v != KMB_CGROUP_NONE && cg)
		d = opendir(root);
	while (d && (de = readdir(d))) {
		pid_t pid = owner_pid(de->d_name);

		if ((de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) || !pid || !owner_dead(pid))
			continue;
		cg->version = v;
		if (path_join(cg->path, sizeof(cg->path), root, de->d_name))
			continue;
		if (kmb_cgroup_destroy(cg, err, sizeof(err))) {
			kmb_err("%s", err);
			continue;
		}
		removed++;
		if (verbose)
			fprintf(stderr, "%s: removed cgroup %s left by a killed kmb (pid %d)\n",
				kmb_progname(), cg->path, (int)pid);
	}
	if (d)
		closedir(d);
	free(cg);
	return removed;
}
