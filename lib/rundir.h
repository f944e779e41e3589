/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Run directories: results/runs/<run-id>/ with manifest.json, bench.json,
 * stress/ and logs/. The manifest is written first with status "running";
 * only a run that finished rewrites it with status "complete". The owner holds
 * an flock on <run>/.lock while it runs, so a run whose owner died is told
 * apart from one in progress and is marked "incomplete" at the next start.
 */
#ifndef KMB_RUNDIR_H
#define KMB_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define KMB_MANIFEST_SCHEMA 1
#define KMB_MANIFEST_FORMAT "kvm-mm-bench/manifest"

struct kmb_rundir {
	char dir[4096];
	char id[256];
	int lock_fd;
	json_t *manifest;	/* owned */
};

/*
 * run-id: UTC time, host label (lib/hostlabel.h) and kernel release,
 * filesystem-safe, e.g. "20261123T235422Z_vm-d40f4255_6.18.44-fc-v657".
 */
void kmb_rundir_make_id(char *buf, size_t len, const char *host, const char *release);

/*
 * Create a run: either exactly dir (must not exist or be empty), or a new
 * <results>/runs/<run-id> (a numeric suffix keeps concurrent writers apart).
 * Writes the manifest with status "running". Takes the reference to env, also on error.
 */
int kmb_rundir_create(struct kmb_rundir *run, const char *results, const char *dir, json_t *env,
		   const char *command, char *err, size_t errlen);

/* Write the manifest again (atomically) after changing run->manifest. */
int kmb_rundir_save(struct kmb_rundir *run, char *err, size_t errlen);

/* Set end time and status ("complete" or "failed"), save, release the lock. */
int kmb_rundir_finish(struct kmb_rundir *run, const char *status, char *err, size_t errlen);

void kmb_rundir_close(struct kmb_rundir *run);

/*
 * From a fatal-signal handler: mark the run being written "interrupted" (its
 * manifest as last saved, with that status); async-signal-safe, a no-op when
 * no run is being written.
 */
void kmb_rundir_mark_interrupted(void);

/*
 * Mark runs under <results>/runs whose owner is gone and that are not
 * complete as "incomplete", removing their stale temporary files. Returns the
 * number marked.
 */
int kmb_rundir_recover(const char *results, bool verbose);

/*
 * Load and validate a run directory's manifest for reading. Returns a new
 * reference, or NULL with a one-line reason naming the file and field.
 */
json_t *kmb_rundir_load_manifest(const char *dir, char *err, size_t errlen);

#endif
