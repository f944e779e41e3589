/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bringing a side's run out of its guest: the transfer log (see
 * ab/guest/init for the protocol) holds every file in base64 with its size
 * and sha256. Each file is decoded and checked before it is written
 * (atomically) into the side's run directory or the A/B's logs; a name that
 * could leave those directories, a bad checksum or a cut-off transfer is an
 * error that names the file.
 */
#ifndef KMB_AB_COLLECT_H
#define KMB_AB_COLLECT_H

#include <jansson.h>
#include <stddef.h>

#define KMB_AB_MAX_FILE (256UL * 1024 * 1024)

/* Called for every file that arrived whole; return -1 (with err) to stop. */
typedef int (*kmb_ab_file_cb)(void *ctx, const char *name, const unsigned char *data,
			      size_t len, char *err, size_t errlen);

/*
 * Parse transfer text. record (an object) gets "files" [{name, bytes,
 * sha256}], "sysctl" [lines], "bench_exit". Returns 0, or -1 with err.
 */
int kmb_ab_transfer_parse(const char *text, size_t len, kmb_ab_file_cb cb, void *ctx,
			  json_t *record, char *err, size_t errlen);

/*
 * Parse the transfer log and write run/<path> under run_dir and log/<name> as
 * log_dir/<side>-<name>. Returns 0, or -1 with err.
 */
int kmb_ab_collect(const char *xfer_log, const char *run_dir, const char *log_dir,
		   const char *side, json_t *record, char *err, size_t errlen);

#endif
