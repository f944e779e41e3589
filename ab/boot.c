// SPDX-License-Identifier: GPL-2.0-only
#include "boot.h"
#include "proc.h"
#include "argv.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN 8192

/* A path inside a QEMU option: commas are doubled. */
static void qemu_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 2 < len; in++) {
		out[o++] = *in;
		if (*in == ',')
			out[o++] = ',';
	}
	out[o] = '\0';
}

static void build_argv(struct kmb_argv *a, struct kmb_ab_boot *b)
{
	char con[8300], xfer[8300];
	bool x86 = !strcmp(b->arch->name, "x86_64");

	qemu_escape(b->console_log, con, sizeof(con));
	qemu_escape(b->xfer_log, xfer, sizeof(xfer));
	snprintf(b->cmdline, sizeof(b->cmdline), "console=%s panic=-1%s%s", b->arch->console,
		 b->extra_cmdline && *b->extra_cmdline ? " " : "",
		 b->extra_cmdline ? b->extra_cmdline : "");
	kmb_argv_add(a, b->arch->qemu);
	kmb_argv_add(a, "-accel");
	kmb_argv_add(a, b->accel);
	kmb_argv_add(a, "-machine");
	kmb_argv_add(a, b->arch->machine);
	/* x86: every feature TCG emulates, or the host's CPU under KVM. */
	if (x86) {
		kmb_argv_add(a, "-cpu");
		kmb_argv_add(a, strcmp(b->accel, "kvm") ? "max" : "host");
	}
	kmb_argv_add(a, "-m");
	kmb_argv_addf(a, "%luM", b->memory_mib);
	kmb_argv_add(a, "-smp");
	kmb_argv_addf(a, "%d", b->smp);
	kmb_argv_add(a, "-nodefaults");
	kmb_argv_add(a, "-nographic");
	kmb_argv_add(a, "-no-reboot");
	kmb_argv_add(a, "-no-user-config");
	kmb_argv_add(a, "-monitor");
	kmb_argv_add(a, "none");
	kmb_argv_add(a, "-kernel");
	kmb_argv_add(a, b->kernel);
	kmb_argv_add(a, "-initrd");
	kmb_argv_add(a, b->initrd);
	kmb_argv_add(a, "-append");
	kmb_argv_add(a, b->cmdline);
	kmb_argv_add(a, "-chardev");
	kmb_argv_addf(a, "file,id=con,path=%s", con);
	if (x86) {
		kmb_argv_add(a, "-serial");
		kmb_argv_add(a, "chardev:con");
	} else {
		kmb_argv_add(a, "-device");
		kmb_argv_add(a, "sclpconsole,chardev=con");
	}
	kmb_argv_add(a, "-chardev");
	kmb_argv_addf(a, "file,id=xfer,path=%s", xfer);
	if (x86) {
		kmb_argv_add(a, "-serial");
		kmb_argv_add(a, "chardev:xfer");
	} else {
		kmb_argv_add(a, "-device");
		kmb_argv_add(a, "virtio-serial-ccw");
		kmb_argv_add(a, "-device");
		kmb_argv_add(a, "virtconsole,chardev=xfer");
	}
}

struct reader {
	int fd;
	char line[LINE_MAX_LEN];
	size_t len;
	bool overlong;
};

static void handle_line(struct kmb_ab_boot *b, const char *line, double now)
{
	if (!strncmp(line, "KMB-AB-READY", 12) && !b->ready) {
		const char *up = strstr(line, "uptime=");

		b->ready = true;
		b->ready_s = now;
		if (up)
			b->guest_uptime_s = strtod(up + 7, NULL);
		kmb_ab_progress("boot", "%s: the guest is up after %.1f s (%s)", b->side, now,
				line + 13);
	} else if (!strncmp(line, "KMB-AB-CLOCK ", 13)) {
		snprintf(b->clocksource, sizeof(b->clocksource), "%s", line + 13);
		if (!b->clocksource[0] || strstr(b->clocksource, "jiffies"))
			kmb_ab_progress("boot",
					"%s: warning: the guest's clocksource is '%s': "
					"timings have a resolution of a jiffy, not ns",
					b->side, b->clocksource[0] ? b->clocksource : "unknown");
	} else if (!strncmp(line, "KMB-AB-SYSCTL ", 14)) {
		kmb_ab_progress("sysctl", "%s: %s", b->side, line + 14);
	} else if (!strcmp(line, "KMB-AB-BENCH-START")) {
		kmb_ab_progress("bench", "%s: kmb bench runs in the guest", b->side);
	} else if (!strncmp(line, "KMB-AB-LOG ", 11)) {
		if (b->verbose || !strncmp(line + 11, "kmb bench:", 10))
			kmb_ab_progress("bench", "%s: %s", b->side, line + 11);
	} else if (!strncmp(line, "KMB-AB-BENCH-END", 16)) {
		kmb_ab_progress("collect", "%s: kmb bench ended (%s), receiving the run", b->side,
				line + 17);
	} else if (!strcmp(line, "KMB-AB-DONE")) {
		b->done = true;
	}
}

/* Read what the guest wrote since last time; handle whole lines. */
static void pump(struct kmb_ab_boot *b, struct reader *r, double now)
{
	char buf[65536];
	ssize_t n;

	if (r->fd < 0) {
		r->fd = open(b->xfer_log, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0)
			return;
	}
	while ((n = read(r->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];

			if (c == '\r')
				continue;
			if (c == '\n') {
				r->line[r->len] = '\0';
				if (!r->overlong)
					handle_line(b, r->line, now);
				r->len = 0;
				r->overlong = false;
			} else if (r->len + 1 < sizeof(r->line)) {
				r->line[r->len++] = c;
			} else {
				r->overlong = true;
			}
		}
	}
}

/* The kernel's last words, when it panicked or oopsed. */
static void console_verdict(const char *console, char *buf, size_t len)
{
	char *text = kmb_read_text(console), *p;
	static const char *const marks[] = { "Kernel panic", "BUG:", "Oops", "Call Trace" };
	size_t i;

	buf[0] = '\0';
	if (!text)
		return;
	for (i = 0; i < KMB_ARRAY_SIZE(marks); i++) {
		p = strstr(text, marks[i]);
		if (p) {
			snprintf(buf, len, "%.*s; ", (int)strcspn(p, "\r\n"), p);
			break;
		}
	}
	free(text);
}

static int fail(struct kmb_ab_boot *b, char *err, size_t errlen, const char *what)
{
	char verdict[400], tail[900];

	console_verdict(b->console_log, verdict, sizeof(verdict));
	kmb_ab_tail(b->console_log, 0, 6, tail, sizeof(tail));
	snprintf(err, errlen, "%s: %s; %sconsole (%s) ends: %s", b->side, what, verdict,
		 b->console_log, tail[0] ? tail : "(empty)");
	return -1;
}

int kmb_ab_boot_run(struct kmb_ab_boot *b, bool *not_ready, char *err, size_t errlen)
{
	struct kmb_argv a = { .n = 0 };
	struct reader r = { .fd = -1 };
	struct timespec tick = { 0, 100 * 1000000 };
	struct kmb_ab_cmd c;
	uint64_t t0, done_at = 0;
	int status, ret = 0;
	char what[300];
	pid_t pid;

	*not_ready = false;
	b->ready = b->done = false;
	b->clocksource[0] = '\0';
	b->ready_s = b->run_s = b->guest_uptime_s = 0;
	/* Fresh files: a previous attempt must not be read as this one. */
	unlink(b->console_log);
	unlink(b->xfer_log);
	build_argv(&a, b);
	c = (struct kmb_ab_cmd){ .argv = a.argv, .log = b->qemu_log };
	t0 = kmb_now_ns();
	if (kmb_ab_start(&c, &pid, err, errlen))
		return -1;
	kmb_ab_progress("boot", "%s: %s -accel %s, %lu MiB, %d CPUs, cmdline: %s", b->side,
			b->arch->qemu, b->accel, b->memory_mib, b->smp, b->cmdline);
	for (;;) {
		double now = (double)(kmb_now_ns() - t0) / 1e9;
		bool ended = kmb_ab_poll(pid, &status);

		pump(b, &r, now);
		if (ended) {
			pump(b, &r, now);
			b->run_s = now;
			if (!b->done) {
				snprintf(
					what, sizeof(what),
					"the guest ended before its results came back (QEMU %s %d)",
					WIFEXITED(status) ? "exited with status"
							  : "killed by signal",
					WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
				ret = fail(b, err, errlen, what);
				if (WIFEXITED(status) && WEXITSTATUS(status)) {
					char q[400];

					kmb_ab_tail(b->qemu_log, 0, 2, q, sizeof(q));
					snprintf(err + strlen(err), errlen - strlen(err),
						 "; QEMU says: %s", q);
				}
			}
			break;
		}
		if (kmb_ab_stop) {
			kmb_ab_kill(pid, 2000, &status);
			snprintf(err, errlen, "%s: stopped by signal %d", b->side,
				 (int)kmb_ab_stop);
			ret = -1;
			break;
		}
		if (!b->ready && now > b->ready_timeout_s) {
			kmb_ab_kill(pid, 2000, &status);
			*not_ready = true;
			snprintf(what, sizeof(what),
				 "no sign of the guest's /init within %d s "
				 "under %s",
				 b->ready_timeout_s, b->accel);
			ret = fail(b, err, errlen, what);
			break;
		}
		if (now > b->timeout_s) {
			kmb_ab_kill(pid, 2000, &status);
			snprintf(what, sizeof(what),
				 "the guest did not finish within %d s (a hang? "
				 "see --timeout)",
				 b->timeout_s);
			ret = fail(b, err, errlen, what);
			break;
		}
		if (b->done && !done_at)
			done_at = kmb_now_ns();
		/* It said it is done and has nothing left to write: power-off or not. */
		if (done_at && kmb_now_ns() - done_at > 10ULL * 1000000000) {
			kmb_ab_kill(pid, 2000, &status);
			b->run_s = now;
			break;
		}
		nanosleep(&tick, NULL);
	}
	if (r.fd >= 0)
		close(r.fd);
	return ret;
}
