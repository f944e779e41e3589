// SPDX-License-Identifier: GPL-2.0-only
/* /proc/vmstat deltas over a repetition (vmstat.h). */
#include "vmstat.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * What explains a benchmark's time from the kernel's side: faults, page
 * allocation and freeing, swap, THP faults, splits and the huge zeropage,
 * KSM copies, compaction stalls.
 */
const char *const kmb_vmstat_names[KMB_VMSTAT_COUNT] = {
	"pgfault",	"pgmajfault",	      "pgalloc",       "pgfree",
	"pswpin",	"pswpout",	      "thp_fault_alloc", "thp_fault_fallback",
	"thp_split_pmd", "thp_zero_page_alloc", "thp_collapse_alloc", "ksm_swpin_copy",
	"cow_ksm",	"compact_stall",
};

static int index_of(const char *name)
{
	int i;

	/* pgalloc_dma, pgalloc_dma32, pgalloc_normal, pgalloc_movable... add up. */
	if (!strncmp(name, "pgalloc_", 8))
		name = "pgalloc";
	for (i = 0; i < KMB_VMSTAT_COUNT; i++) {
		if (!strcmp(name, kmb_vmstat_names[i]))
			return i;
	}
	return -1;
}

int kmb_vmstat_read(const char *path, struct kmb_vmstat *s)
{
	FILE *f = fopen(path ? path : "/proc/vmstat", "re");
	char line[256], name[128];
	uint64_t v;
	int i;

	memset(s, 0, sizeof(*s));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %" SCNu64, name, &v) != 2 || (i = index_of(name)) < 0)
			continue;
		s->v[i] += v;
		s->have[i] = true;
	}
	fclose(f);
	return 0;
}

void kmb_vmstat_deltas(const struct kmb_vmstat *before, const struct kmb_vmstat *after,
		       void (*fn)(const char *name, double delta, void *arg), void *arg)
{
	char name[64];
	int i;

	for (i = 0; i < KMB_VMSTAT_COUNT; i++) {
		if (!before->have[i] || !after->have[i])
			continue;
		snprintf(name, sizeof(name), "%s%s", KMB_VMSTAT_PREFIX, kmb_vmstat_names[i]);
		/* A counter is monotonic; one that went back was reset: no delta. */
		if (after->v[i] >= before->v[i])
			fn(name, (double)(after->v[i] - before->v[i]), arg);
	}
}
