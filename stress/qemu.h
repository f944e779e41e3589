/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One stress guest's QEMU: its argv (no disk, no NIC, nothing that blocks
 * migration), its private 0700 directory with the QMP, agent and migration
 * sockets and the console log, start, stop and reaping. QEMU is spawned with
 * an argv and PR_SET_PDEATHSIG, so it never outlives kmb.
 */
#ifndef KMB_QEMU_H
#define KMB_QEMU_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "qmp.h"
#include "scenario.h"

struct kmb_guest_image {
	char kernel[4096];
	char initrd[4096];
	char qemu[256];		/* qemu-system-<arch> */
	const char *machine;	/* "q35", "s390-ccw-virtio" */
	const char *agent_dev;	/* the guest's agent line: /dev/ttyS1, /dev/hvc0 */
};

struct kmb_qemu {
	const char *role;	/* "source" or "destination" */
	char dir[4096];		/* private run directory */
	char qmp_path[4200], agent_path[4200], console_path[4200], stderr_path[4200];
	pid_t pid;
	int status;		/* wait status once reaped */
	bool reaped;
	struct kmb_qmp *qmp;
};

/*
 * Start QEMU for role in dir (created 0700): destination when incoming (it
 * waits for migrate-incoming). accel is "kvm" or "tcg". With cgroup_procs,
 * QEMU joins that memory cgroup before it runs. Connects QMP.
 * Returns 0 or -1 (err names what failed and the tail of QEMU's stderr).
 */
int kmb_qemu_start(struct kmb_qemu *q, const struct kmb_guest_image *img,
		   const struct kmb_scenario *s, const char *accel, const char *role,
		   const char *dir, bool incoming, const char *cgroup_procs, char *err,
		   size_t errlen);

/* true while the process runs; reaps it (and records the status) once it ended. */
bool kmb_qemu_alive(struct kmb_qemu *q);

/* SIGKILL now (fault injection); reaps. */
void kmb_qemu_kill(struct kmb_qemu *q);

/* Ask QMP quit, then SIGTERM, then SIGKILL; always reaps and closes QMP. */
void kmb_qemu_stop(struct kmb_qemu *q, int timeout_ms);

/* Last lines of a file (console or stderr) joined with " | ", for messages. */
void kmb_file_tail(const char *path, int lines, char *buf, size_t len);

#endif
