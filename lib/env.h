/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Environment capture: everything needed to tell whether two runs are
 * comparable. The same object is printed by `kmb env` and stored in a run's
 * manifest.json under "environment".
 */
#ifndef KMB_ENV_H
#define KMB_ENV_H

#include <stdio.h>
#include <jansson.h>

/*
 * Capture the environment: host, arch, CPU model and count, memory, kernel
 * release and version, /proc/cmdline, kernel config hash (sha256 of the
 * uncompressed config from /proc/config.gz or /boot/config-<release>) and its
 * source, THP / KSM / userfaultfd / overcommit / NUMA-balancing settings,
 * cgroup version and memory controller, capabilities (kmb_caps_json), tool
 * version and git commit, compiler, libc, jansson and Google Benchmark
 * versions and Google Benchmark's build type (debug/release).
 */
json_t *kmb_env_capture(void);


/* Human-readable rendering of an environment object. */
void kmb_env_print(const json_t *env, FILE *out);

#endif
