/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Atomic result files: write to a temporary file in the same directory, fsync it,
 * rename it over the target and fsync the directory. A reader sees the old file or
 * the new one, never a half-written one, even if the writer is killed.
 */
#ifndef KMB_ATOMIC_H
#define KMB_ATOMIC_H

#include <stddef.h>
#include <jansson.h>

/*
 * Temporary files are named ".<target>.tmp.<pid>.<random>" next to the target
 * and created with O_EXCL|O_NOFOLLOW: never written through a planted link.
 */
#define KMB_TMP_INFIX ".tmp."

/* Write len bytes as path atomically; 0, or -1 with errno set (target untouched). */
int kmb_write_atomic(const char *path, const void *buf, size_t len);
/* Serialize json (indented, sorted keys) and write it atomically. */
int kmb_json_write_atomic(const char *path, const json_t *json);
/*
 * Delete temporary files in dir left by writers that are gone (pid no longer
 * alive): regular files of our own user only. Returns the number removed.
 */
int kmb_remove_stale_tmp(const char *dir);

#endif
