// SPDX-License-Identifier: GPL-2.0-only
#include "qemu.h"
#include "spawn.h"
#include "argv.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The guest RAM: an explicit backend object, so memfd and hugetlb are one switch. */
static void memory_args(struct kmb_argv *a, const struct kmb_scenario *s)
{
	unsigned long long mib = (unsigned long long)(s->guest.memory >> 20);

	switch (s->guest.backend) {
	case KMB_BACKEND_MEMFD:
		kmb_argv_addf(a, "memory-backend-memfd,id=mem0,size=%lluM,share=on", mib);
		break;
	case KMB_BACKEND_HUGETLB:
		kmb_argv_addf(a,
			      "memory-backend-memfd,id=mem0,size=%lluM,share=on,hugetlb=on,"
			      "hugetlbsize=2M",
			      mib);
		break;
	default:
		kmb_argv_addf(a, "memory-backend-ram,id=mem0,size=%lluM", mib);
		break;
	}
}

static void build_argv(struct kmb_argv *a, const struct kmb_qemu *q,
		       const struct kmb_guest_image *img, const struct kmb_scenario *s,
		       const char *accel, bool incoming)
{
	kmb_argv_add(a, img->qemu);
	kmb_argv_add(a, "-accel");
	kmb_argv_add(a, accel);
	kmb_argv_add(a, "-machine");
	kmb_argv_addf(a, "%s,memory-backend=mem0", img->machine);
	kmb_argv_add(a, "-object");
	memory_args(a, s);
	kmb_argv_add(a, "-m");
	kmb_argv_addf(a, "%lluM", (unsigned long long)(s->guest.memory >> 20));
	kmb_argv_add(a, "-smp");
	kmb_argv_addf(a, "%d", s->guest.vcpus);
	for (const char *const *f =
		     (const char *const[]){ "-nodefaults", "-nographic", "-no-reboot", NULL };
	     *f; f++)
		kmb_argv_add(a, *f);
	kmb_argv_add(a, "-monitor");
	kmb_argv_add(a, "none");
	kmb_argv_add(a, "-kernel");
	kmb_argv_add(a, img->kernel);
	kmb_argv_add(a, "-initrd");
	kmb_argv_add(a, img->initrd);
	kmb_argv_add(a, "-append");
	/* no_timer_check: a TCG guest on a busy host can miss the IO-APIC timer check and panic. */
	kmb_argv_addf(a, "console=ttyS0 panic=-1 quiet no_timer_check kmb.agent=%s",
		      img->agent_dev);
	kmb_argv_add(a, "-device");
	kmb_argv_add(a, "virtio-balloon-pci,id=balloon0");
	kmb_argv_add(a, "-chardev");
	kmb_argv_addf(a, "file,id=con,path=%s", q->console_path);
	kmb_argv_add(a, "-serial");
	kmb_argv_add(a, "chardev:con");
	kmb_argv_add(a, "-chardev");
	kmb_argv_addf(a, "socket,id=agent,server=on,wait=off,path=%s", q->agent_path);
	kmb_argv_add(a, "-serial");
	kmb_argv_add(a, "chardev:agent");
	kmb_argv_add(a, "-qmp");
	kmb_argv_addf(a, "unix:%s,server=on,wait=off", q->qmp_path);
	if (incoming) {
		kmb_argv_add(a, "-incoming");
		kmb_argv_add(a, "defer");
	}
}

void kmb_file_tail(const char *path, int lines, char *buf, size_t len)
{
	char *text = kmb_read_text(path), *p;
	int seen = 0;

	buf[0] = '\0';
	if (!text)
		return;
	p = text + strlen(text);
	while (p > text && (p[-1] == '\n' || p[-1] == '\r'))
		*--p = '\0';
	while (p > text && seen < lines) {
		p--;
		if (*p == '\n')
			seen++;
	}
	if (*p == '\n')
		p++;
	for (char *c = p; *c; c++) {
		if (*c == '\n' || *c == '\r')
			*c = '|';
	}
	snprintf(buf, len, "%s", p);
	free(text);
}

static void set_paths(struct kmb_qemu *q, const char *role, const char *dir)
{
	memset(q, 0, sizeof(*q));
	q->role = role;
	q->pid = -1;
	q->teardown_s = -1;
	snprintf(q->dir, sizeof(q->dir), "%s", dir);
	snprintf(q->qmp_path, sizeof(q->qmp_path), "%s/qmp.sock", dir);
	snprintf(q->agent_path, sizeof(q->agent_path), "%s/agent.sock", dir);
	snprintf(q->console_path, sizeof(q->console_path), "%s/console.log", dir);
	snprintf(q->stderr_path, sizeof(q->stderr_path), "%s/qemu.stderr", dir);
}

int kmb_qemu_start(struct kmb_qemu *q, const struct kmb_guest_image *img,
		   const struct kmb_scenario *s, const char *accel, const char *role,
		   const char *dir, bool incoming, const char *cgroup_procs, char *err,
		   size_t errlen)
{
	struct kmb_spawn_opts o;
	struct kmb_argv *a = calloc(1, sizeof(*a));
	char tail[512];
	int ret = -1;

	set_paths(q, role, dir);
	if (!a || (mkdir(dir, 0700) && errno != EEXIST)) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	build_argv(a, q, img, s, accel, incoming);
	kmb_spawn_opts_init(&o, a->argv);
	o.stderr_path = q->stderr_path;
	o.stdout_path = "/dev/null";
	o.stdin_path = "/dev/null";
	o.package = "qemu-system-x86";
	o.cgroup_procs = cgroup_procs;
	if (kmb_spawn(&o, &q->pid, err, errlen))
		goto out;
	q->qmp = kmb_qmp_connect(q->qmp_path, 20000, err, errlen);
	if (!q->qmp) {
		kmb_qemu_stop(q, 2000);
		kmb_file_tail(q->stderr_path, 3, tail, sizeof(tail));
		snprintf(err + strlen(err), errlen - strlen(err), "; %s QEMU stderr: %s", role,
			 tail[0] ? tail : "(empty)");
		goto out;
	}
	ret = 0;
out:
	free(a);
	return ret;
}

bool kmb_qemu_alive(struct kmb_qemu *q)
{
	if (q->pid <= 0 || q->reaped)
		return false;
	if (waitpid(q->pid, &q->status, WNOHANG) == q->pid) {
		q->reaped = true;
		return false;
	}
	return true;
}

static void reap(struct kmb_qemu *q, int timeout_ms)
{
	uint64_t deadline = kmb_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct timespec nap = { .tv_nsec = 10 * 1000 * 1000 };

	while (kmb_qemu_alive(q) && kmb_now_ns() < deadline)
		nanosleep(&nap, NULL);
}

void kmb_qemu_kill(struct kmb_qemu *q)
{
	if (kmb_qemu_alive(q))
		kill(q->pid, SIGKILL);
	reap(q, 10000);
}

void kmb_qemu_freeze(struct kmb_qemu *q)
{
	if (kmb_qemu_alive(q) && kill(q->pid, SIGSTOP) == 0)
		q->stopped = true;
}

char kmb_qemu_state(const struct kmb_qemu *q)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	if (q->pid <= 0 || q->reaped)
		return '?';
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)q->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold anything, so from the last ')'. */
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] ? paren[2] : '?';
}

/* A QEMU that missed an answer gets this long from then on, until it answers again. */
#define SILENT_QUERY_MS 100

json_t *kmb_qemu_query(struct kmb_qemu *q, const char *cmd, int timeout_ms)
{
	char err[256];
	json_t *r = NULL;

	if (!q->qmp || !kmb_qemu_alive(q))
		return NULL;
	if (kmb_qemu_state(q) != 'T')
		r = kmb_qmp_exec(q->qmp, cmd, NULL,
				 q->silent_since_ns ? SILENT_QUERY_MS : timeout_ms, err,
				 sizeof(err));
	if (r) {
		q->last_answer_ns = kmb_now_ns();
		q->silent_since_ns = 0;
	} else if (!q->silent_since_ns) {
		q->silent_since_ns = kmb_now_ns();
	}
	return r;
}

void kmb_qemu_stop(struct kmb_qemu *q, int quit_ms)
{
	uint64_t t0 = kmb_now_ns();
	char err[256];
	json_t *r;

	if (kmb_qemu_alive(q))
		kill(q->pid, SIGCONT);
	q->stopped = false;
	/* quit is the clean way out, but only worth a wait while QMP answers. */
	if (q->qmp && !q->silent_since_ns && kmb_qemu_alive(q)) {
		r = kmb_qmp_exec(q->qmp, "quit", NULL, quit_ms, err, sizeof(err));
		json_decref(r);
		if (r)
			reap(q, quit_ms);
	}
	/* A postcopy destination may never finish quitting: its vCPUs wait for pages. */
	if (kmb_qemu_alive(q)) {
		kill(q->pid, SIGTERM);
		reap(q, 300);
	}
	kmb_qemu_kill(q);
	if (q->qmp)
		kmb_qmp_close(q->qmp);
	q->qmp = NULL;
	unlink(q->qmp_path);
	unlink(q->agent_path);
	if (q->pid > 0)
		q->teardown_s = (double)(kmb_now_ns() - t0) / 1e9;
}
