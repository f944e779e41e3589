/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Side evidence per repetition, as the LKP robot shows it: how much some
 * /proc/vmstat counters moved while one repetition of a benchmark ran (its
 * setup included). The counters are host-wide, so on a shared host other
 * work moves them too: they are recorded as counters declared not judged
 * ("vmstat_<name>", direction "none") and shown by kmb compare --all.
 */
#ifndef KMB_VMSTAT_H
#define KMB_VMSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metric.h"

#define KMB_VMSTAT_COUNT 14

/* A reading of the recorded counters; have[i] false: this kernel has no such counter. */
struct kmb_vmstat {
	uint64_t v[KMB_VMSTAT_COUNT];
	bool have[KMB_VMSTAT_COUNT];
};

/* The counters' names in /proc/vmstat ("pgalloc" is the sum of every pgalloc_<zone>). */
extern const char *const kmb_vmstat_names[KMB_VMSTAT_COUNT];

/* Read /proc/vmstat (path: NULL, or another file of that format for tests). 0 or -1. */
int kmb_vmstat_read(const char *path, struct kmb_vmstat *s);

/*
 * Call fn with the name of each counter both readings have
 * (KMB_VMSTAT_PREFIX + its name) and how much it moved from before to after.
 */
void kmb_vmstat_deltas(const struct kmb_vmstat *before, const struct kmb_vmstat *after,
		       void (*fn)(const char *name, double delta, void *arg), void *arg);

#endif
