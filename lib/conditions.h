/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Side conditions that spoil timing, recorded with every run and warned
 * about: the CPU frequency governor, SMT, other load (load average and run
 * queue) when the run starts and while it runs, the host being a guest
 * itself (a hypervisor below it), free page reporting or a balloon in this
 * host, and the THP/KSM daemons. None of them stops a run; each that applies
 * becomes a warning in the manifest and in kmb compare's header.
 */
#ifndef KMB_CONDITIONS_H
#define KMB_CONDITIONS_H

#include <jansson.h>

/*
 * {"governors": [...], "smt": "on"|"off"|"notsupported"|..., "loadavg":
 * [1, 5, 15], "procs_running", "hypervisor": {"cpuinfo_flag", "type",
 * "vendor", "product"}, "free_page_reporting": {...}, "khugepaged",
 * "ksmd", "warnings": [text...]}
 */
json_t *kmb_conditions_capture(void);

/* The load now: loadavg over 1 minute and the runnable tasks (procs_running). */
int kmb_conditions_load(double *loadavg1, long *procs_running);

/* A warning when the host looks busy for cpus CPUs; NULL when it does not. */
json_t *kmb_conditions_busy_warning(double loadavg1, long procs_running, long cpus);

#endif
