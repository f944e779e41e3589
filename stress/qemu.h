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
	bool stopped;		/* SIGSTOPped by a fault: gets SIGCONT before teardown */
	struct kmb_qmp *qmp;
	/* Whether QMP answers: a stopped or stuck QEMU is asked briefly, not waited for. */
	uint64_t last_answer_ns;	/* when QMP last answered, 0 never */
	uint64_t silent_since_ns;	/* first query unanswered since then, 0 answering */
	double teardown_s;		/* how long kmb_qemu_stop took, -1 not stopped */
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

/* SIGSTOP now (fault injection): the QEMU stops answering until kmb_qemu_stop. */
void kmb_qemu_freeze(struct kmb_qemu *q);

/*
 * A QMP command on behalf of the sampler: timeout_ms while QEMU answers,
 * only briefly once it stopped answering (and not at all while its process
 * is stopped), so a stuck QEMU never stalls the 100 ms tick. Records
 * whether it answered. Returns the reply (new reference) or NULL.
 */
json_t *kmb_qemu_query(struct kmb_qemu *q, const char *cmd, int timeout_ms);

/* The process state letter from /proc/<pid>/stat ('R', 'S', 'T', ...), '?' if gone. */
char kmb_qemu_state(const struct kmb_qemu *q);

/*
 * End QEMU within about two seconds, whatever its state: SIGCONT (a stopped
 * QEMU answers nothing), QMP quit while it answers (waiting at most
 * quit_ms), then SIGTERM and SIGKILL. Always reaps and closes QMP; records
 * the time it took in teardown_s.
 */
void kmb_qemu_stop(struct kmb_qemu *q, int quit_ms);

/* Last lines of a file (console or stderr) joined with " | ", for messages. */
void kmb_file_tail(const char *path, int lines, char *buf, size_t len);

#endif
