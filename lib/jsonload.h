/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a JSON file that someone else may have put there (results trees are
 * shared between users and hosts): only a regular file, opened without
 * blocking (a FIFO must not hang the reader) and without following a link at
 * the last component, up to a size limit, with one-line errors that name
 * the file.
 */
#ifndef KMB_JSONLOAD_H
#define KMB_JSONLOAD_H

#include <stddef.h>
#include <jansson.h>

/*
 * The largest result file kmb reads: a full suite writes a few hundred
 * kilobytes, so 64 MiB leaves room for any real run and keeps a bogus file
 * from taking the reader's memory.
 */
#define KMB_JSON_MAX_BYTES (64u << 20)

/*
 * Load path as JSON. Returns a new reference, or NULL with err set to
 * "<path>: <reason>" (not a regular file, too large, invalid JSON at line N).
 * *missing is set when the file does not exist (may be NULL).
 */
json_t *kmb_json_load(const char *path, size_t max_bytes, int *missing, char *err, size_t errlen);

#endif
