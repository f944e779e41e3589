/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An argv built argument by argument, for a child spawned without a shell
 * (QEMU's command lines in kmb stress and kmb ab). Formatted arguments live
 * in the struct; arguments beyond its room are dropped, so callers size it
 * for the longest command they build.
 */
#ifndef KMB_ARGV_H
#define KMB_ARGV_H

#define KMB_ARGV_MAX 64
#define KMB_ARGV_FORMATTED 16

struct kmb_argv {
	const char *argv[KMB_ARGV_MAX]; /* NULL-terminated once kmb_argv_add ran */
	char store[KMB_ARGV_FORMATTED][4400];
	int n, nstore;
};

/* Append s (not copied: it must outlive the argv). */
void kmb_argv_add(struct kmb_argv *a, const char *s);
/* Append a formatted argument, kept in the struct. */
void kmb_argv_addf(struct kmb_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
