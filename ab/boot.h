/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Booting one side of an A/B under QEMU: no disk, no network; the console
 * goes to a log, the guest's /init (ab/guest/init) sends its results over a
 * second line into a file the host reads as it grows. A guest that does not
 * come up, panics, hangs or dies is stopped and reported with its console.
 */
#ifndef KMB_AB_BOOT_H
#define KMB_AB_BOOT_H

#include <stdbool.h>
#include <stddef.h>

#include "arch.h"

struct kmb_ab_boot {
	const struct kmb_ab_arch *arch;
	const char *accel;	/* "kvm" or "tcg" */
	const char *kernel, *initrd;
	const char *extra_cmdline;	/* the side's parameters, or "" */
	unsigned long memory_mib;
	int smp;
	int ready_timeout_s;	/* until the guest's /init reports */
	int timeout_s;		/* the whole run */
	bool verbose;		/* echo every line kmb bench prints in the guest */
	const char *side;	/* "base" / "patched", for progress */
	/* Files (in the A/B directory). */
	const char *console_log, *xfer_log, *qemu_log;
	/* Results. */
	char cmdline[2048];	/* the whole -append */
	double ready_s;		/* QEMU start to the guest's READY line */
	double run_s;		/* QEMU start to its exit */
	double guest_uptime_s;	/* the guest's own uptime at READY */
	char clocksource[64];	/* the guest's current clocksource */
	bool ready, done;
};

/*
 * Boot and wait until the guest powered off after KMB-AB-DONE. Returns 0, or
 * -1 with err (no READY within the timeout: *not_ready is set, so a caller
 * may try another accelerator; a panic; a timeout; QEMU died).
 */
int kmb_ab_boot_run(struct kmb_ab_boot *b, bool *not_ready, char *err, size_t errlen);

#endif
