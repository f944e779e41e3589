/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory cgroups, v1 and v2: create a private group, set its limit, move a
 * process in, read usage, peak and OOM events, remove it again. Groups are
 * created under <root>/kmb.<pid>.<name> so a crashed kmb's leftovers can be
 * found and removed at the next start (kmb_cgroup_recover).
 */
#ifndef KMB_CGROUP_H
#define KMB_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum kmb_cgroup_version { KMB_CGROUP_NONE = 0, KMB_CGROUP_V1, KMB_CGROUP_V2 };

struct kmb_cgroup {
	enum kmb_cgroup_version version;
	char path[4096];	/* the group's directory */
};

struct kmb_cgroup_stat {
	uint64_t usage;		/* bytes now (memory.current / memory.usage_in_bytes) */
	uint64_t peak;		/* bytes (memory.peak / memory.max_usage_in_bytes), 0 if unknown */
	uint64_t limit;		/* bytes, UINT64_MAX for none */
	uint64_t oom;		/* times the limit was hit and OOM happened (memory.events oom) */
	uint64_t oom_kill;	/* processes killed by the memcg OOM killer */
	uint64_t max_events;	/* v2 memory.events max / v1 failcnt */
};

/* Which memory controller this host has and where its root is; NONE + reason. */
enum kmb_cgroup_version kmb_cgroup_probe(char *root, size_t rootlen, char *reason,
					 size_t reasonlen);

/* Create <root>/kmb.<pid>.<name>; 0 or -1 (err). limit 0 = no limit. */
int kmb_cgroup_create(struct kmb_cgroup *cg, const char *name, uint64_t limit, char *err,
		      size_t errlen);
/* Also limit swap to 0 for the group where the controller allows it (v2 memory.swap.max). */
int kmb_cgroup_set_limit(struct kmb_cgroup *cg, uint64_t limit, char *err, size_t errlen);
int kmb_cgroup_attach(struct kmb_cgroup *cg, pid_t pid, char *err, size_t errlen);
int kmb_cgroup_stat(const struct kmb_cgroup *cg, struct kmb_cgroup_stat *st, char *err,
		    size_t errlen);
/* Kill what is left inside, wait for it to empty (bounded), rmdir. 0 or -1. */
int kmb_cgroup_destroy(struct kmb_cgroup *cg, char *err, size_t errlen);
/* Remove groups left by kmb processes that are gone; returns how many. */
int kmb_cgroup_recover(int verbose);

#endif
