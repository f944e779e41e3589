/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers shared by every part of kmb: sizes, clocks, files, errors. */
#ifndef KMB_UTIL_H
#define KMB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KMB_KIB (1024ULL)
#define KMB_MIB (1024ULL * 1024)
#define KMB_GIB (1024ULL * 1024 * 1024)
#define KMB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes shared by every subcommand. */
enum { KMB_EXIT_OK = 0, KMB_EXIT_FAIL = 1, KMB_EXIT_USAGE = 2 };

/* Name printed in front of every error message ("kmb bench"). */
void kmb_set_progname(const char *name);
const char *kmb_progname(void);

/* One-line error on stderr, prefixed with the program name. */
void kmb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like kmb_err, with ": strerror(errno)" appended. */
void kmb_perr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parse "64M", "1G", "4096", "2k" (binary units, optional "iB"/"B").
 * Returns 0, or -1 with a message in err (errlen bytes) on bad input.
 */
int kmb_parse_size(const char *text, uint64_t *bytes, char *err, size_t errlen);
/* "64M", "1G", "1536K": the shortest exact binary-unit spelling. */
void kmb_format_size(uint64_t bytes, char *buf, size_t len);
/* Parse a comma-separated size list; returns count or -1 (err set). */
int kmb_parse_size_list(const char *text, uint64_t *out, int max, char *err, size_t errlen);
/* Parse a non-negative decimal integer in [min, max]; -1 on error. */
int kmb_parse_uint(const char *text, long min, long max, long *out);

/* Monotonic clock in nanoseconds. */
uint64_t kmb_now_ns(void);
/* Wall clock as "2026-11-23T23:54:22Z" (UTC). */
void kmb_utc_iso8601(char *buf, size_t len);

/* Read a whole (small) file into a malloc'd NUL-terminated buffer; NULL on error. */
char *kmb_read_text(const char *path);
/* Read a file's first line without the newline into buf; -1 on error. */
int kmb_read_line(const char *path, char *buf, size_t len);
/* Read an unsigned integer from a file (sysfs knob); -1 on error. */
int kmb_read_u64(const char *path, uint64_t *val);
/* All of buf to / from fd, retrying short transfers and EINTR; 0 or -1 (errno). */
int kmb_write_all(int fd, const void *buf, size_t len);
int kmb_read_all(int fd, void *buf, size_t len);
/* The same at an offset; async-signal-safe like the two above. */
int kmb_pread_all(int fd, void *buf, size_t len, uint64_t off);
int kmb_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
/* Write a string to an existing file (sysfs); -1 with errno on error. */
int kmb_write_string(const char *path, const char *value);

/* "[always] madvise never" -> "always"; copies the bracketed word or the text. */
void kmb_sysfs_selected(const char *text, char *buf, size_t len);

/* Value of MemAvailable from /proc/meminfo in bytes, 0 if unknown. */
uint64_t kmb_mem_available(void);

/* Page size of the host (cached sysconf). */
size_t kmb_page_size(void);

/* Replace every character outside [A-Za-z0-9._-] with '_'. */
void kmb_sanitize_name(char *s);

/* Create a directory and its parents with the given mode; 0 or -1. */
int kmb_mkdir_p(const char *path, unsigned mode);

/*
 * Remove a tree without ever following a link: each directory is entered
 * through openat(O_NOFOLLOW) and must be the one fstatat saw, so a directory
 * swapped for a symlink between the two is not followed (only the link is
 * unlinked). depth bounds how deep it goes; deeper trees are not removed (-1).
 */
int kmb_remove_tree_at(int parent, const char *name, int depth);
int kmb_remove_contents_at(int fd, int depth);
/* The directory holding path's last component, opened; *name points at that component. */
int kmb_open_parent(const char *path, const char **name);
#define KMB_RM_RF_DEPTH 32
/* rm -rf path, the same way; a missing path is not an error. */
int kmb_rm_rf(const char *path);


/*
 * lib/modules/<version> beside a distribution kernel in the layout
 * fetch-guest-kernel caches (<dir>/vmlinuz, <dir>/lib/modules/<version>/
 * with modules.dep), into buf; "" when there is none.
 */
void kmb_kernel_moddir(const char *kernel, char *buf, size_t len);

#endif
