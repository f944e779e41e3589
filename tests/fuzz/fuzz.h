/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the libFuzzer targets in tests/fuzz share: the input as a C string,
 * an in-memory file for readers that take a path, a private directory for
 * readers that take a directory, and an assertion that stops the fuzzer
 * (as a crash, with the input saved) when a documented promise is broken.
 */
#ifndef KMB_FUZZ_H
#define KMB_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

/* A promise of the code under test did not hold: report it as a crash. */
#define FUZZ_ASSERT(cond)                                                                  \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: fuzz assertion failed: %s\n", __FILE__,    \
				__LINE__, #cond);                                          \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* The first len bytes of data as a NUL-terminated string (malloc'd). */
static inline char *fuzz_strndup(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/*
 * An in-memory file whose content is replaced on every input; readers open
 * it by path (/proc/self/fd/N), as they would open a file on disk.
 */
struct fuzz_file {
	int fd;
	char path[64];
};

static inline void fuzz_file_init(struct fuzz_file *f, const char *name)
{
	f->fd = memfd_create(name, MFD_CLOEXEC);
	if (f->fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
}

static inline void fuzz_file_set(struct fuzz_file *f, const void *data, size_t len)
{
	if (ftruncate(f->fd, 0) || (len && pwrite(f->fd, data, len, 0) != (ssize_t)len)) {
		perror("fuzz_file_set");
		abort();
	}
}

/*
 * A private directory (0700, under $TMPDIR) for the run's lifetime. The
 * fuzz runner points TMPDIR at a directory it removes, so nothing is left
 * behind when a crash ends the process.
 */
static char fuzz_dir_path[4096];

static void fuzz_dir_remove(void)
{
	kmb_rm_rf(fuzz_dir_path);
}

static inline const char *fuzz_private_dir(const char *stem)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
		 stem);
	if (!mkdtemp(fuzz_dir_path)) {
		perror(fuzz_dir_path);
		abort();
	}
	atexit(fuzz_dir_remove);
	return fuzz_dir_path;
}

#endif
