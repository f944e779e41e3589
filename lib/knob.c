// SPDX-License-Identifier: GPL-2.0-only
/*
 * Restore records for host knobs; knob.h has the contract.
 *
 * A record is "<path>\t<original>\n" per knob, in the order the knobs were
 * changed. It is rewritten in place, not with kmb_write_atomic(): liveness
 * is the flock on the record's inode, and renaming a new file over the path
 * would leave an unlocked inode there that a concurrent kmb_knob_recover()
 * takes for the record of a dead owner. In-place is still crash-safe since a
 * rewrite only ever appends one line to the old content or cuts the last one
 * off: a torn write leaves the old lines plus at most an unterminated line,
 * and readers ignore unterminated lines (that knob was not changed yet, the
 * fsync comes first).
 */
#include "knob.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define KNOB_MAX 32
#define KNOB_PATH_MAX 4096
#define KNOB_VALUE_MAX 256
#define RECORD_SUFFIX ".restore"

struct knob {
	char path[KNOB_PATH_MAX];
	char orig[KNOB_VALUE_MAX];
};

/* One parsed record line, pointing into the record's text. */
struct line {
	const char *path;
	const char *value;
};

/* Fixed-size, so that a signal handler can walk it without allocating. */
static struct knob knobs[KNOB_MAX];
static volatile sig_atomic_t nknobs;
static volatile sig_atomic_t record_fd = -1;
static pid_t owner_pid;
static char record_path[KNOB_PATH_MAX];

static int join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int knobs_dir(char *buf, size_t len)
{
	const char *state = kmb_state_dir();

	if (!state || join(buf, len, state, "knobs"))
		return -1;
	return kmb_mkdir_p(buf, 0700);
}

/*
 * Serialises knob changes and recovery between kmb processes, so a recovery
 * cannot interleave with another process reading a knob's original value.
 */
static int lock_knobs_dir(const char *dir)
{
	char path[KNOB_PATH_MAX];
	int fd;

	if (join(path, sizeof(path), dir, ".lock"))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static bool is_record_name(const char *name)
{
	size_t n = strlen(name), s = strlen(RECORD_SUFFIX);

	return name[0] != '.' && n > s && !strcmp(name + n - s, RECORD_SUFFIX);
}

/* False once the record's owner unlinked it (between our open and flock). */
static bool still_linked(int fd, const char *path)
{
	struct stat a, b;

	if (fstat(fd, &a) || stat(path, &b))
		return false;
	return a.st_nlink > 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Write a value to a knob; async-signal-safe. O_TRUNC matters for regular
 * files (tests) and is harmless on sysfs and procfs.
 */
static int write_knob(const char *path, const char *value)
{
	int fd, ret, saved;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = kmb_write_all(fd, value, strlen(value));
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

/* Signal-safe message on stderr. */
static void say(const char *a, const char *b, const char *c)
{
	ssize_t ignored;

	ignored = write(STDERR_FILENO, a, strlen(a));
	ignored = write(STDERR_FILENO, b, strlen(b));
	ignored = write(STDERR_FILENO, c, strlen(c));
	(void)ignored;
}

/*
 * The value that puts a knob back: the selected word of a multi-choice file
 * ("always [madvise] never"), else its only line.
 */
static int read_value(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	char val[KNOB_VALUE_MAX + 1], *text = kmb_read_text(path), *nl;
	int ret = -1;

	if (!text) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	kmb_sysfs_selected(text, val, sizeof(val));
	nl = strchr(text, '\n');
	if (!strchr(text, '[') && nl && nl[1])
		snprintf(err, errlen, "cannot record %s: it holds more than one line", path);
	else if (strchr(val, '\t'))
		snprintf(err, errlen, "cannot record %s: its value contains a tab", path);
	else if (strlen(val) >= len)
		snprintf(err, errlen, "cannot record %s: its value is too long", path);
	else
		ret = 0;
	if (!ret)
		memcpy(buf, val, strlen(val) + 1);
	free(text);
	return ret;
}

/*
 * Split a record's text in place into its "<path>\t<value>\n" lines; returns
 * the count. An unterminated last line is a torn append whose knob was never
 * changed, so it is dropped quietly; other bad lines are reported when name
 * is given.
 */
static int parse_record(char *text, struct line *lines, int max, const char *name)
{
	char *p = text, *nl, *tab;
	int n = 0, lineno = 0;

	for (; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		lineno++;
		tab = strchr(p, '\t');
		if (p[0] != '/' || !tab || strchr(tab + 1, '\t') ||
		    strlen(tab + 1) >= KNOB_VALUE_MAX || n == max) {
			if (name)
				kmb_err("%s: malformed line %d skipped", name, lineno);
			continue;
		}
		*tab = '\0';
		lines[n].path = p;
		lines[n].value = tab + 1;
		n++;
	}
	return n;
}

/* Read and parse a record; returns the line count or -1. Free *text, *lines. */
static int load_record(const char *rec, char **text, struct line **lines, const char *report)
{
	size_t cap = 1;
	char *p;

	*text = kmb_read_text(rec);
	if (!*text)
		return -1;
	for (p = *text; (p = strchr(p, '\n')); p++)
		cap++;
	*lines = calloc(cap, sizeof(**lines));
	if (!*lines) {
		free(*text);
		return -1;
	}
	return parse_record(*text, *lines, (int)cap, report);
}

static bool find_in_record(const char *rec, const char *path, char *buf, size_t len)
{
	struct line *lines;
	char *text;
	int i, n = load_record(rec, &text, &lines, NULL);
	bool found = false;

	for (i = 0; i < n && !found; i++) {
		if (strcmp(lines[i].path, path) || strlen(lines[i].value) >= len)
			continue;
		memcpy(buf, lines[i].value, strlen(lines[i].value) + 1);
		found = true;
	}
	if (n >= 0) {
		free(text);
		free(lines);
	}
	return found;
}

/* A record is live while its owner holds the flock, so LOCK_NB fails. */
static bool find_in_live_record(const char *rec, const char *path, char *buf, size_t len)
{
	int fd = open(rec, O_RDONLY | O_CLOEXEC);
	bool found = false;

	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK)
		found = find_in_record(rec, path, buf, len);
	close(fd);
	return found;
}

/*
 * If another live kmb changed the knob, its current value is that process's
 * setting: the original to keep is the one in its record.
 */
static bool live_original(const char *dir, const char *path, char *buf, size_t len)
{
	char rec[KNOB_PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (!is_record_name(de->d_name) || join(rec, sizeof(rec), dir, de->d_name))
			continue;
		if (record_fd >= 0 && !strcmp(rec, record_path))
			continue;
		found = find_in_live_record(rec, path, buf, len);
	}
	closedir(d);
	return found;
}

/*
 * The only files kmb changes as knobs, so the only ones a record may name:
 * a record is a list of writes done as root at the next start, and must not
 * become a way to write anything else. KMB_TEST_KNOB_ROOT adds one directory
 * for the tests, whose knobs are plain files.
 */
static bool knob_path_allowed(const char *path)
{
	static const char *const roots[] = { "/sys/kernel/mm/", "/proc/sys/" };
	const char *test_root = getenv("KMB_TEST_KNOB_ROOT");
	size_t i, n;

	if (path[0] != '/' || strstr(path, "/../") || strstr(path, "/./"))
		return false;
	for (i = 0; i < KMB_ARRAY_SIZE(roots); i++) {
		if (!strncmp(path, roots[i], strlen(roots[i])))
			return true;
	}
	n = test_root ? strlen(test_root) : 0;
	return n > 1 && !strncmp(path, test_root, n) && path[n] == '/';
}

/* Write back every value of a dead owner's record, newest first. */
static int replay_record(const char *rec, long pid, int verbose)
{
	struct line *lines;
	char *text;
	int i, restored = 0, n = load_record(rec, &text, &lines, rec);

	if (n < 0) {
		kmb_perr("cannot read %s", rec);
		return -1;
	}
	for (i = n - 1; i >= 0; i--) {
		if (!knob_path_allowed(lines[i].path)) {
			kmb_err("%s: not replaying a write to %s: not a knob kmb changes", rec,
				lines[i].path);
			continue;
		}
		if (write_knob(lines[i].path, lines[i].value)) {
			kmb_perr("cannot restore %s to '%s'", lines[i].path, lines[i].value);
			continue;
		}
		restored++;
		if (verbose)
			fprintf(stderr,
				"kmb: restored %s to '%s' (left changed by a killed kmb, pid %ld)\n",
				lines[i].path, lines[i].value, pid);
	}
	free(text);
	free(lines);
	return restored;
}

/* Rewrite the record with the first n knobs and make it durable. */
static int save_record(int n)
{
	size_t len = 0, off = 0;
	char *buf;
	int i, ret;

	for (i = 0; i < n; i++)
		len += strlen(knobs[i].path) + strlen(knobs[i].orig) + 2;
	buf = malloc(len + 1);
	if (!buf)
		return -1;
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(buf + off, "%s\t%s\n", knobs[i].path, knobs[i].orig);
	ret = 0;
	if (kmb_pwrite_all(record_fd, buf, len, 0) || ftruncate(record_fd, (off_t)len) || fsync(record_fd))
		ret = -1;
	free(buf);
	return ret;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * Open and lock this process's record. One that already has content was left
 * by a dead process with our pid (we got its lock): replay it first.
 */
static int open_record(const char *dir, char *err, size_t errlen)
{
	char name[32];
	struct stat st;
	int fd;

	if (record_fd >= 0)
		return 0;
	snprintf(name, sizeof(name), "%ld%s", (long)getpid(), RECORD_SUFFIX);
	if (join(record_path, sizeof(record_path), dir, name))
		goto fail;
	fd = open(record_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (flock(fd, LOCK_EX | LOCK_NB) || fstat(fd, &st)) {
		close(fd);
		goto fail;
	}
	if (st.st_size > 0 &&
	    (replay_record(record_path, (long)getpid(), 1) < 0 || ftruncate(fd, 0))) {
		close(fd);
		goto fail;
	}
	fsync_dir(dir);
	owner_pid = getpid();
	record_fd = fd;
	return 0;
fail:
	snprintf(err, errlen, "cannot open restore record %s: %s", record_path, strerror(errno));
	return -1;
}

/* Delete and unlock the record; async-signal-safe. Unlink first, see still_linked(). */
static void release_record(void)
{
	int fd = record_fd;

	if (fd < 0)
		return;
	record_fd = -1;
	unlink(record_path);
	close(fd);
}

/* A forked child inherits the table but must never restore its parent's knobs. */
static void forget_inherited(void)
{
	if (!owner_pid || owner_pid == getpid())
		return;
	if (record_fd >= 0)
		close(record_fd);
	record_fd = -1;
	nknobs = 0;
	owner_pid = 0;
}

static int find_knob(const char *path)
{
	int i;

	for (i = 0; i < nknobs; i++) {
		if (!strcmp(knobs[i].path, path))
			return i;
	}
	return -1;
}

static int set_value(const char *path, const char *value, char *err, size_t errlen)
{
	if (!write_knob(path, value))
		return 0;
	snprintf(err, errlen, "cannot set %s to %s: %s", path, value, strerror(errno));
	return -1;
}

/* Forget the newest knob after a failed change; its line goes too. */
static void drop_last(void)
{
	nknobs--;
	if (!nknobs)
		release_record();
	else
		save_record(nknobs);
}

/* Record a knob not yet changed by this process durably, then change it. */
static int record_and_set(const char *dir, const char *path, const char *value, char *err,
			  size_t errlen)
{
	struct knob *k = &knobs[nknobs];
	char before[KNOB_VALUE_MAX], after[KNOB_VALUE_MAX], ignored[8];

	if (nknobs == KNOB_MAX) {
		snprintf(err, errlen, "cannot set %s: more than %d knobs changed", path, KNOB_MAX);
		return -1;
	}
	/* The record first: replaying a stale one of our pid may change this knob. */
	if (open_record(dir, err, errlen) || read_value(path, before, sizeof(before), err, errlen))
		goto fail;
	if (!live_original(dir, path, k->orig, sizeof(k->orig)))
		memcpy(k->orig, before, sizeof(before));
	memcpy(k->path, path, strlen(path) + 1);
	if (save_record(nknobs + 1)) {
		snprintf(err, errlen, "cannot write restore record %s: %s", record_path,
			 strerror(errno));
		goto fail;
	}
	nknobs++;
	if (!set_value(path, value, err, errlen))
		return 0;
	/* Keep the line if the failed write still changed something. */
	if (!read_value(path, after, sizeof(after), ignored, sizeof(ignored)) &&
	    !strcmp(before, after))
		drop_last();
	return -1;
fail:
	if (!nknobs)
		release_record();
	return -1;
}

static bool keep_knobs;

void kmb_knob_keep(bool keep)
{
	keep_knobs = keep;
}

/* With kmb_knob_keep(true): a knob that already holds value is fine, any other fails. */
static int kept(const char *path, const char *value, char *err, size_t errlen)
{
	char now[KNOB_VALUE_MAX];

	if (read_value(path, now, sizeof(now), err, errlen))
		return -1;
	if (!strcmp(now, value))
		return 0;
	snprintf(err, errlen, "%s is '%s' and the run needs '%s'; left as the kernel set it "
			      "(--keep-knobs)", path, now, value);
	return -1;
}

int kmb_knob_set(const char *path, const char *value, char *err, size_t errlen)
{
	char real[PATH_MAX], dir[KNOB_PATH_MAX];
	int lock, ret;

	if (keep_knobs)
		return kept(path, value, err, errlen);
	forget_inherited();
	/* One spelling per knob, so that aliases share a single original. */
	if (!realpath(path, real)) {
		snprintf(err, errlen, "cannot set %s to %s: %s", path, value, strerror(errno));
		return -1;
	}
	if (strlen(real) >= KNOB_PATH_MAX || strpbrk(real, "\t\n")) {
		snprintf(err, errlen, "cannot set %s: unusable path", path);
		return -1;
	}
	if (!knob_path_allowed(real)) {
		snprintf(err, errlen, "cannot set %s: not under /sys/kernel/mm or /proc/sys", real);
		return -1;
	}
	if (find_knob(real) >= 0)
		return set_value(real, value, err, errlen);
	if (knobs_dir(dir, sizeof(dir)) || (lock = lock_knobs_dir(dir)) < 0) {
		snprintf(err, errlen, "cannot use the kmb state directory: %s", strerror(errno));
		return -1;
	}
	ret = record_and_set(dir, real, value, err, errlen);
	close(lock);
	return ret;
}

void kmb_knob_restore_all(void)
{
	int n;

	if (owner_pid != getpid())
		return;
	/*
	 * Newest first, forgetting each knob once written: a call from a signal
	 * handler that interrupts this one carries on where it stopped.
	 */
	while ((n = nknobs) > 0) {
		if (write_knob(knobs[n - 1].path, knobs[n - 1].orig))
			say("kmb: cannot restore ", knobs[n - 1].path, "\n");
		nknobs = n - 1;
	}
	release_record();
}

/* Replay one record if its owner is gone; returns the knobs restored. */
static int recover_record(const char *dir, const char *name, int verbose)
{
	char rec[KNOB_PATH_MAX];
	int fd, n = 0;

	if (join(rec, sizeof(rec), dir, name))
		return 0;
	if (record_fd >= 0 && !strcmp(rec, record_path))
		return 0;
	fd = open(rec, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (!flock(fd, LOCK_EX | LOCK_NB) && still_linked(fd, rec)) {
		n = replay_record(rec, strtol(name, NULL, 10), verbose);
		/* Unreadable: keep it for the next try. */
		if (n >= 0)
			unlink(rec);
	}
	close(fd);
	return n > 0 ? n : 0;
}

int kmb_knob_recover(int verbose)
{
	char dir[KNOB_PATH_MAX];
	struct dirent *de;
	int lock, restored = 0;
	DIR *d;

	if (knobs_dir(dir, sizeof(dir)) || (lock = lock_knobs_dir(dir)) < 0) {
		kmb_perr("cannot use the kmb state directory");
		return 0;
	}
	d = opendir(dir);
	if (!d) {
		kmb_perr("cannot list %s", dir);
		close(lock);
		return 0;
	}
	while ((de = readdir(d))) {
		if (is_record_name(de->d_name))
			restored += recover_record(dir, de->d_name, verbose);
	}
	closedir(d);
	close(lock);
	return restored;
}

