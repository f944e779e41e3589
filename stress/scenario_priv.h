/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the scenario parser (scenario.c) and its consistency checks
 * (scenario_check.c) share: limits, key ids and the parser state.
 */
#ifndef KMB_SCENARIO_PRIV_H
#define KMB_SCENARIO_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"
#include "util.h"

/* A scenario is a page of text; anything bigger is the wrong file. */
#define SCENARIO_MAX_BYTES (64 * 1024)
/* Guest kernel, initramfs (it lives in RAM) and the agent itself: measured ~130M. */
#define AGENT_RESERVE (160 * KMB_MIB)
#define MEMORY_MIN (64 * KMB_MIB)
#define MEMORY_MAX (64 * KMB_GIB)
#define HUGETLB_PAGE (2 * KMB_MIB)
/* No timeout or delay of a scenario is longer than a week. */
#define DURATION_MAX (7 * 24 * 3600.0)
/*
 * Default room above a QEMU's measured overhead + the guest's populated
 * memory: migration buffers and bitmaps, code QEMU translates anew, pages the
 * guest touches while migrating. Far below any inflated region worth testing.
 */
#define RSS_SLACK_DEFAULT (64 * KMB_MIB)
/* QEMU's downtime-limit is at most 2000 s. */
#define DOWNTIME_MAX_MS 2000000ULL

enum key_id {
	K_NAME,
	K_DESCRIPTION,
	K_MEMORY,
	K_VCPUS,
	K_BACKEND,
	K_FILL,
	K_ZERO,
	K_DIRTY_RATE,
	K_SEED,
	K_STEP,
	K_MEMCG_SOURCE,
	K_MEMCG_DESTINATION,
	K_STRESS_NG,
	K_STRESS_WHEN,
	K_MEMCG_STRESS,
	K_MODE,
	K_PASSES,
	K_BANDWIDTH,
	K_DOWNTIME,
	K_PAUSE_AFTER,
	K_KILL,
	K_STOP,
	K_BOOT,
	K_MIGRATION,
	K_HANG,
	K_TOTAL,
	K_TERMINAL,
	K_VERIFY,
	K_SOURCE_RSS,
	K_INFLATED,
	K_SOURCE_SLACK,
	K_DESTINATION_SLACK,
	K_BALLOON_EQUAL,
	K_OOM_KILL,
	K_HOST_CLEAN,
	K_COUNT
};

/* The text of a balloon step or a fault, kept for messages about it. */
#define VALUE_NOTE 80

struct parser {
	struct kmb_scenario *s;
	const char *file;
	char *err;
	size_t errlen;
	bool failed;
	int err_line; /* line of the first error, 0: the error has no line */
	/* The file, handed to inih one line at a time. */
	const char *text;
	size_t len, pos;
	int line;	       /* number of the line inih is working on */
	int key_line[K_COUNT]; /* where each key was set, 0: it has its default */
	int step_line[KMB_MAX_STEPS];
	char step_text[KMB_MAX_STEPS][VALUE_NOTE];
	int fault_line[KMB_MAX_STEPS];
	char fault_text[KMB_MAX_STEPS][VALUE_NOTE];
};

/* Report an error at line (0: the file as a whole); the first error wins. Returns -1. */
int kmb_scenario_fail_at(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The key's name in its section ("postcopy_after_passes"). */
const char *kmb_scenario_key_name(enum key_id id);

/* The whole scenario as read: every cross-key rule; 0 or -1 (error set). */
int kmb_scenario_validate(struct parser *p);

#endif
