/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a QEMU holds in host memory, for the invariant that inflated balloon
 * memory is never allocated: the resident part of its guest RAM mapping
 * (from smaps), its own overhead beside guest RAM, and the peak of
 * VmRSS + HugetlbPages over a window, sampled every tick and read from VmHWM
 * at the end, so that a rise and fall between two samples is not missed.
 */
#ifndef KMB_FOOTPRINT_H
#define KMB_FOOTPRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "procstat.h"
#include "scenario.h"

struct kmb_footprint {
	bool open;		/* samples count toward the peak */
	int64_t overhead;	/* bytes QEMU holds beside guest RAM, -1 not measured */
	char overhead_how[160]; /* how it was measured */
	uint64_t peak;		/* largest sampled VmRSS + HugetlbPages in the window, bytes */
	double peak_t;		/* run clock of that sample */
	uint64_t samples;	/* samples taken in the window */
	bool hwm_usable;	/* VmHWM covers just the window (fresh process, or reset) */
	int64_t hwm;		/* VmHWM + HugetlbPages when the window closed, -1 unknown */
	char hwm_note[160];	/* why hwm is unknown */
	int64_t guest_ram_end;	/* guest RAM resident when the window closed, -1 unknown */
};

/*
 * Bytes of guest RAM resident in QEMU pid: the Rss and hugetlb pages of the
 * mapping of size bytes that backs it (private anonymous, or a shared memfd).
 * -1 when no single such mapping exists or smaps cannot be read.
 */
int64_t kmb_guest_ram_resident(pid_t pid, uint64_t size, enum kmb_backend backend);

/* VmRSS + HugetlbPages in bytes: hugetlb-backed guest RAM is not in VmRSS. */
uint64_t kmb_footprint_bytes(const struct kmb_procstat *ps);

void kmb_footprint_init(struct kmb_footprint *f);

/*
 * Measure the overhead now: everything QEMU holds beside its guest RAM
 * mapping. 0, or -1 (overhead_how says why).
 */
int kmb_footprint_overhead(struct kmb_footprint *f, pid_t pid, uint64_t size,
			   enum kmb_backend backend);

/*
 * Start watching. reset_hwm starts VmHWM afresh (/proc/<pid>/clear_refs 5):
 * the source held more before its balloon inflated than it may hold after.
 */
void kmb_footprint_open(struct kmb_footprint *f, pid_t pid, bool reset_hwm);

/* One sample of the process at run time t. */
void kmb_footprint_sample(struct kmb_footprint *f, const struct kmb_procstat *ps, double t);

/* Stop watching at run time t: a last sample, VmHWM and the resident guest RAM. */
void kmb_footprint_close(struct kmb_footprint *f, pid_t pid, uint64_t size,
			 enum kmb_backend backend, double t);

/* The peak over the window: the larger of the sampled maximum and VmHWM. */
uint64_t kmb_footprint_peak(const struct kmb_footprint *f);

#endif
