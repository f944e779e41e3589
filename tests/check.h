/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal assertions for the C unit tests. A test program exits 0 when every
 * check held, 1 when one failed, 77 (automake's SKIP) via CHECK_SKIP.
 */
#ifndef KMB_TEST_CHECK_H
#define KMB_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                               \
			check_failures++;                                             \
		}                                                                     \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                            \
	do {                                                                          \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);          \
		if (check_a_ != check_b_) {                                           \
			fprintf(stderr, "%s:%d: check failed: %s == %s (%" PRIu64     \
				" != %" PRIu64 ")\n",                                 \
				__FILE__, __LINE__, #a, #b, check_a_, check_b_);      \
			check_failures++;                                             \
		}                                                                     \
	} while (0)

#define CHECK_STREQ(a, b)                                                             \
	do {                                                                          \
		const char *check_a_ = (a), *check_b_ = (b);                          \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) {           \
			fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", \
				__FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)", \
				check_b_ ? check_b_ : "(null)");                      \
			check_failures++;                                             \
		}                                                                     \
	} while (0)

/* A skip after a failed check is a failure: a skip must never hide one. */
#define CHECK_SKIP(...)                                                               \
	do {                                                                          \
		printf("SKIP: ");                                                     \
		printf(__VA_ARGS__);                                                  \
		printf("\n");                                                         \
		if (check_failures) {                                                 \
			fprintf(stderr, "%d check(s) failed before the skip\n",       \
				check_failures);                                      \
			exit(1);                                                      \
		}                                                                     \
		exit(77);                                                             \
	} while (0)

#define CHECK_DONE()                                                                  \
	do {                                                                          \
		if (check_failures)                                                   \
			fprintf(stderr, "%d check(s) failed\n", check_failures);      \
		return check_failures ? 1 : 0;                                        \
	} while (0)

#endif
