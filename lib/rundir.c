// SPDX-License-Identifier: GPL-2.0-only
#include "rundir.h"
#include "hostlabel.h"
#include "atomic.h"
#include "env.h"
#include "kconfig.h"
#include "jsonload.h"
#include "util.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void kmb_rundir_make_id(char *buf, size_t len, const char *host, const char *release)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, len, "%s_%s_%s", stamp, host, release);
	kmb_sanitize_name(buf);
}

static int path_join(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static bool dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	}
	closedir(d);
	return empty;
}

/* mkdir a fresh <runs>/<id>[-N]; the id gets the suffix actually used. */
static int make_unique_dir(struct kmb_rundir *run, const char *runs, char *err, size_t errlen)
{
	char base[256];
	int n;

	snprintf(base, sizeof(base), "%s", run->id);
	for (n = 1; n < 1000; n++) {
		if (n > 1)
			snprintf(run->id, sizeof(run->id), "%s-%d", base, n);
		if (snprintf(run->dir, sizeof(run->dir), "%s/%s", runs, run->id) >=
		    (int)sizeof(run->dir)) {
			snprintf(err, errlen, "run directory path too long under %s", runs);
			return -1;
		}
		if (mkdir(run->dir, 0755) == 0)
			return 0;
		if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", run->dir, strerror(errno));
			return -1;
		}
	}
	snprintf(err, errlen, "cannot find a free run directory name for %s", base);
	return -1;
}

static int make_run_dir(struct kmb_rundir *run, const char *results, const char *dir, char *err,
			size_t errlen)
{
	char runs[4096];

	if (dir) {
		if (kmb_mkdir_p(dir, 0755)) {
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
		if (!dir_is_empty(dir)) {
			snprintf(err, errlen, "%s: not an empty directory (a run needs its own)", dir);
			return -1;
		}
		snprintf(run->dir, sizeof(run->dir), "%s", dir);
		return 0;
	}
	if (path_join(runs, sizeof(runs), results, "runs") || kmb_mkdir_p(runs, 0755)) {
		snprintf(err, errlen, "cannot create %s/runs: %s", results, strerror(errno));
		return -1;
	}
	return make_unique_dir(run, runs, err, errlen);
}

static int take_lock(struct kmb_rundir *run, char *err, size_t errlen)
{
	char path[4200];

	path_join(path, sizeof(path), run->dir, ".lock");
	run->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (run->lock_fd < 0 || flock(run->lock_fd, LOCK_EX | LOCK_NB)) {
		snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static json_t *new_manifest(const struct kmb_rundir *run, json_t *env, const char *command)
{
	char now[32];

	kmb_utc_iso8601(now, sizeof(now));
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:n, s:i, s:s, s:o}", "format",
			 KMB_MANIFEST_FORMAT, "schema_version", KMB_MANIFEST_SCHEMA, "run_id",
			 run->id, "status", "running", "start_time", now, "end_time", "pid",
			 (int)getpid(), "command", command ? command : "", "environment", env);
}

/* Undo a half-made run: what we created in its directory, and the directory if it is ours. */
static void abandon_run(struct kmb_rundir *run, bool made_dir)
{
	static const char *const ours[] = { "kernel-config.gz", "manifest.json", "logs", ".lock" };
	char path[4200];
	size_t i;

	for (i = 0; i < KMB_ARRAY_SIZE(ours); i++) {
		if (path_join(path, sizeof(path), run->dir, ours[i]))
			continue;
		if (unlink(path) && errno == EISDIR)
			rmdir(path);
	}
	kmb_remove_stale_tmp(run->dir);
	if (made_dir)
		rmdir(run->dir);
	kmb_rundir_close(run);
}

int kmb_rundir_create(struct kmb_rundir *run, const char *results, const char *dir, json_t *env,
		   const char *command, char *err, size_t errlen)
{
	/* The host label: runs of hosts that share a hostname get ids of their own. */
	const char *host = kmb_host_label_of(env);
	const char *release =
		json_string_value(json_object_get(json_object_get(env, "kernel"), "release"));
	char logs[4200];

	memset(run, 0, sizeof(*run));
	run->lock_fd = -1;
	kmb_rundir_make_id(run->id, sizeof(run->id), host ? host : "host",
			release ? release : "kernel");
	if (make_run_dir(run, results, dir, err, errlen)) {
		json_decref(env);
		return -1;
	}
	if (take_lock(run, err, errlen)) {
		json_decref(env);
		abandon_run(run, !dir);
		return -1;
	}
	path_join(logs, sizeof(logs), run->dir, "logs");
	if (mkdir(logs, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", logs, strerror(errno));
		json_decref(env);
		abandon_run(run, !dir);
		return -1;
	}
	run->manifest = new_manifest(run, env, command);
	if (!run->manifest) {
		snprintf(err, errlen, "cannot build the manifest");
		abandon_run(run, !dir);
		return -1;
	}
	/* The config itself, next to its hash, when the kernel lets us read it. */
	path_join(logs, sizeof(logs), run->dir, "kernel-config.gz");
	if (kmb_kconfig_save(logs) == 0)
		json_object_set_new(run->manifest, "kernel_config_copy",
				    json_string("kernel-config.gz"));
	if (kmb_rundir_save(run, err, errlen)) {
		abandon_run(run, !dir);
		return -1;
	}
	return 0;
}

/*
 * What a fatal signal writes: the manifest as last saved, with status
 * "interrupted", rendered ahead of time because a signal handler cannot use
 * jansson. Two slots, so that the handler always sees a whole text while the
 * next one is prepared.
 */
static struct {
	char *text[2];
	size_t len[2];
	volatile sig_atomic_t slot; /* -1: nothing armed */
	char path[4200];
	char tmp[4300];
} interrupt_note = { .slot = -1 };

static void prepare_interrupt_note(const struct kmb_rundir *run)
{
	json_t *m = json_deep_copy(run->manifest);
	int next = interrupt_note.slot == 0 ? 1 : 0;
	char *text;

	if (!m)
		return;
	json_object_set_new(m, "status", json_string("interrupted"));
	json_object_set_new(m, "end_reason",
			    json_string("stopped by a signal (SIGINT, SIGTERM or SIGHUP) before "
					"the run finished"));
	text = json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(m);
	if (!text)
		return;
	free(interrupt_note.text[next]);
	interrupt_note.text[next] = text;
	interrupt_note.len[next] = strlen(text);
	path_join(interrupt_note.path, sizeof(interrupt_note.path), run->dir, "manifest.json");
	snprintf(interrupt_note.tmp, sizeof(interrupt_note.tmp), "%s/.manifest.json" KMB_TMP_INFIX "%d",
		 run->dir, (int)getpid());
	interrupt_note.slot = next;
}

void kmb_rundir_mark_interrupted(void)
{
	int slot = interrupt_note.slot, fd;

	if (slot < 0)
		return;
	interrupt_note.slot = -1;
	fd = open(interrupt_note.tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (kmb_write_all(fd, interrupt_note.text[slot], interrupt_note.len[slot]) || fsync(fd) ||
	    rename(interrupt_note.tmp, interrupt_note.path))
		unlink(interrupt_note.tmp);
	close(fd);
}

int kmb_rundir_save(struct kmb_rundir *run, char *err, size_t errlen)
{
	char path[4200];

	path_join(path, sizeof(path), run->dir, "manifest.json");
	if (kmb_json_write_atomic(path, run->manifest)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (!strcmp(json_string_value(json_object_get(run->manifest, "status")) ?: "", "running"))
		prepare_interrupt_note(run);
	else
		interrupt_note.slot = -1;
	return 0;
}

int kmb_rundir_finish(struct kmb_rundir *run, const char *status, char *err, size_t errlen)
{
	char now[32];
	int ret;

	kmb_utc_iso8601(now, sizeof(now));
	json_object_set_new(run->manifest, "end_time", json_string(now));
	json_object_set_new(run->manifest, "status", json_string(status));
	ret = kmb_rundir_save(run, err, errlen);
	if (run->lock_fd >= 0)
		close(run->lock_fd);
	run->lock_fd = -1;
	return ret;
}

void kmb_rundir_close(struct kmb_rundir *run)
{
	interrupt_note.slot = -1;
	if (run->lock_fd >= 0)
		close(run->lock_fd);
	run->lock_fd = -1;
	json_decref(run->manifest);
	run->manifest = NULL;
}

/* True if nobody holds the run's lock (its owner is gone). */
static bool owner_gone(const char *dir)
{
	char path[4200];
	int fd;
	bool gone;

	path_join(path, sizeof(path), dir, ".lock");
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return true;
	gone = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return gone;
}

static int recover_one(const char *dir, bool verbose)
{
	char path[4200], err[512];
	json_t *m;
	const char *status;
	bool running, gone = owner_gone(dir);
	int marked = 0;

	path_join(path, sizeof(path), dir, "manifest.json");
	m = kmb_json_load(path, KMB_JSON_MAX_BYTES, NULL, err, sizeof(err));
	status = json_string_value(json_object_get(m, "status"));
	running = status && !strcmp(status, "running");
	if (running && gone) {
		json_object_set_new(m, "status", json_string("incomplete"));
		json_object_set_new(m, "end_reason",
				    json_string("the writing process ended before the run "
						"finished (killed or crashed)"));
		if (!kmb_json_write_atomic(path, m)) {
			marked = 1;
			if (verbose)
				fprintf(stderr, "%s: marked %s incomplete (its writer died)\n",
					kmb_progname(), dir);
		}
	}
	/* Temporaries of a run still being written belong to its writer. */
	if (!running || gone)
		kmb_remove_stale_tmp(dir);
	json_decref(m);
	return marked;
}

int kmb_rundir_recover(const char *results, bool verbose)
{
	char runs[4096], dir[4400];
	struct dirent *de;
	DIR *d;
	int marked = 0;

	if (path_join(runs, sizeof(runs), results, "runs"))
		return 0;
	d = opendir(runs);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (path_join(dir, sizeof(dir), runs, de->d_name))
			continue;
		marked += recover_one(dir, verbose);
	}
	closedir(d);
	return marked;
}

json_t *kmb_rundir_load_manifest(const char *dir, char *err, size_t errlen)
{
	char path[4200];
	json_t *m, *schema;
	const char *format, *status;
	int missing = 0;

	path_join(path, sizeof(path), dir, "manifest.json");
	m = kmb_json_load(path, KMB_JSON_MAX_BYTES, &missing, err, errlen);
	if (!m) {
		if (missing)
			snprintf(err, errlen, "%s: no manifest.json: not a kmb run directory", dir);
		return NULL;
	}
	format = json_string_value(json_object_get(m, "format"));
	schema = json_object_get(m, "schema_version");
	status = json_string_value(json_object_get(m, "status"));
	if (!format || strcmp(format, KMB_MANIFEST_FORMAT))
		snprintf(err, errlen, "%s: field \"format\" is not \"%s\": not a kmb run manifest",
			 path, KMB_MANIFEST_FORMAT);
	else if (!json_is_integer(schema) || json_integer_value(schema) != KMB_MANIFEST_SCHEMA)
		snprintf(err, errlen, "%s: unsupported \"schema_version\" (this kmb reads %d)", path,
			 KMB_MANIFEST_SCHEMA);
	else if (!status || strcmp(status, "complete"))
		snprintf(err, errlen, "%s: run is not complete (field \"status\" is \"%s\")", path,
			 status ? status : "missing");
	else
		return m;
	json_decref(m);
	return NULL;
}
