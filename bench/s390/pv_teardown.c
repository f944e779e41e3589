// SPDX-License-Identifier: GPL-2.0-only
/*
 * teardown_pv (s390x): tearing down a protected (Secure Execution) VM, the
 * synchronous way (KVM_PV_DISABLE) against lazy destroy (KVM_PV_ASYNC_CLEANUP_
 * PREPARE in the foreground, then _PERFORM, which a VMM runs in a background
 * thread). Needs an SE boot image made for this host (genprotimg/pvimg),
 * given with kmb bench --pv-image FILE.
 *
 * Setup, untimed, as QEMU does it at a diag 308 subcode 10 reboot: load the
 * image at guest address 0 of a VM of the benchmark size, KVM_PV_ENABLE,
 * KVM_PV_SET_SEC_PARMS with the SE header, KVM_PV_UNPACK of each component of
 * the image's IPL parameter block, KVM_PV_VERIFY; then run the vCPU for a
 * bounded time. The run is minimal: no exit is emulated, so the guest stops at
 * its first intercept (or the time bound); how much memory it touches (makes
 * secure) is up to the image. pages_present counts the guest pages mapped
 * after the run: that much secure memory the teardown has to give back.
 *
 * Counters: foreground_ns (what the VMM thread waits for: DISABLE, or
 * PREPARE), background_ns and background_gib_per_s (PERFORM), close_ns and
 * unmap_ns (what is left for the VM fd close and the munmap of guest memory:
 * lazily destroyed pages are paid there), and teardown_gib_per_s over all of
 * it. GiB are of VM memory. PV changes the mm for good (no zeropage, no KSM),
 * so each boot runs in a forked child.
 */
#include "kvm_s390.h"
#include "s390/s390_bench.h"
#include "util.h"

#ifdef __s390x__

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#define RUN_MS 2000
#define RUN_MS_QUICK 200

struct pv_job {
	const char *image;
	uint64_t size;
	enum kmb_pv_teardown how;
	unsigned run_ms;
};

struct pv_result {
	uint64_t fg_ns, bg_ns, close_ns, unmap_ns;
	uint64_t pages, pages_present;
	uint32_t exits, last_exit;
};

/* The VM under test, as the child builds it. */
struct pv_vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_len;
	struct kmb_region mem;
	struct kmb_pv_image img;
};

/* pread() may stop short (at 2 GiB, or on a signal): loop until len or an error. */
static ssize_t read_fully(int fd, char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, buf + done, len - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int load_image(struct pv_vm *v, const struct pv_job *job, char *err, size_t errlen)
{
	int fd = kmb_pv_image_open(job->image, &v->img, err, errlen);
	ssize_t n;

	if (fd < 0)
		return -1;
	if (v->img.file_size > job->size) {
		snprintf(err, errlen, "%s (%llu bytes) does not fit in the VM", job->image,
			 (unsigned long long)v->img.file_size);
		close(fd);
		return -1;
	}
	/* The image is laid out as it is loaded: at guest address 0. */
	n = read_fully(fd, v->mem.addr, v->img.file_size);
	close(fd);
	if (n == (ssize_t)v->img.file_size)
		return 0;
	snprintf(err, errlen, "reading %s into guest memory: %s", job->image,
		 n < 0 ? strerror(errno) : "short read");
	return -1;
}

static int create_vm(struct pv_vm *v, const struct pv_job *job, char *err, size_t errlen)
{
	v->kvm = kmb_kvm_open(err, errlen);
	if (v->kvm < 0)
		return -1;
	v->vm = kmb_kvm_create_vm(v->kvm, 0, err, errlen);
	if (v->vm < 0 || kmb_kvm_map_guest(&v->mem, job->size, err, errlen) ||
	    load_image(v, job, err, errlen) ||
	    kmb_kvm_set_memslot(v->vm, 0, 0, v->mem.addr, v->mem.len, err, errlen))
		return -1;
	/* KVM_PV_ENABLE converts the vCPUs that exist, so create it first. */
	v->vcpu = kmb_kvm_create_vcpu(v->vm, 0, err, errlen);
	if (v->vcpu < 0)
		return -1;
	v->run = kmb_kvm_map_run(v->kvm, v->vcpu, &v->run_len, err, errlen);
	return v->run ? 0 : -1;
}

static int set_sec_parms(struct pv_vm *v, char *err, size_t errlen)
{
	struct kvm_s390_pv_sec_parm parm;
	void *hdr = malloc(v->img.hdr_size);
	int ret = -1;

	if (!hdr) {
		snprintf(err, errlen, "out of memory for the SE header");
		return -1;
	}
	/* From the guest copy: what the UV reads must be what was loaded. */
	memcpy(hdr, v->mem.addr + v->img.hdr_off, v->img.hdr_size);
	if (!kmb_pv_sec_parm_req(&parm, hdr, v->img.hdr_size, err, errlen))
		ret = kmb_kvm_pv_cmd(v->vm, KMB_PV_SET_SEC_PARMS, (uint64_t)(uintptr_t)&parm, err,
				     errlen);
	free(hdr);
	return ret < 0 ? -1 : 0;
}

static int unpack(struct pv_vm *v, char *err, size_t errlen)
{
	struct kvm_s390_pv_unp unp;
	unsigned i;

	for (i = 0; i < v->img.ncomp; i++) {
		const struct kmb_pv_comp *c = &v->img.comp[i];

		if (kmb_pv_unp_req(&unp, c->addr, c->size, c->tweak, err, errlen) ||
		    kmb_kvm_pv_cmd(v->vm, KMB_PV_UNPACK, (uint64_t)(uintptr_t)&unp, err,
				   errlen) < 0)
			return -1;
	}
	return 0;
}

static int protect(struct pv_vm *v, char *err, size_t errlen)
{
	if (kmb_kvm_pv_cmd(v->vm, KMB_PV_ENABLE, 0, err, errlen) < 0 ||
	    set_sec_parms(v, err, errlen) || unpack(v, err, errlen) ||
	    kmb_kvm_pv_cmd(v->vm, KMB_PV_VERIFY, 0, err, errlen) < 0)
		return -1;
	/* The UV took the PSW from the header; the vCPU only has to be started. */
	return kmb_kvm_set_mp_state(v->vcpu, KVM_MP_STATE_OPERATING, err, errlen) ? -1 : 0;
}

static void on_alarm(int sig)
{
	(void)sig;	/* only there to make KVM_RUN return EINTR */
}

static void arm_timer(unsigned ms)
{
	struct itimerval it = { .it_value = { .tv_sec = ms / 1000,
					      .tv_usec = (ms % 1000) * 1000 } };
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Run until the first exit (none is emulated) or the time bound. */
static int run_guest(struct pv_vm *v, unsigned ms, struct pv_result *res, char *err,
		     size_t errlen)
{
	int ret;

	arm_timer(ms);
	ret = kmb_kvm_run(v->vcpu, err, errlen);
	arm_timer(0);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		res->exits = 1;
		res->last_exit = v->run->exit_reason;
	}
	return 0;
}

struct perform_arg {
	int vm;
	int ret;
	char err[512];
};

static void *perform(void *p)
{
	struct perform_arg *a = p;

	a->ret = kmb_kvm_pv_cmd(a->vm, KMB_PV_ASYNC_CLEANUP_PERFORM, 0, a->err, sizeof(a->err));
	return NULL;
}

/* PERFORM runs in a thread of its own, as in a VMM, and is timed there. */
static int teardown_async(struct pv_vm *v, struct pv_result *res, char *err, size_t errlen)
{
	struct perform_arg a = { .vm = v->vm };
	uint64_t t0 = kmb_now_ns();
	pthread_t thread;

	if (kmb_kvm_pv_cmd(v->vm, KMB_PV_ASYNC_CLEANUP_PREPARE, 0, err, errlen) < 0)
		return -1;
	res->fg_ns = kmb_now_ns() - t0;
	t0 = kmb_now_ns();
	if (pthread_create(&thread, NULL, perform, &a)) {
		snprintf(err, errlen, "pthread_create for KVM_PV_ASYNC_CLEANUP_PERFORM failed");
		return -1;
	}
	pthread_join(thread, NULL);
	res->bg_ns = kmb_now_ns() - t0;
	if (a.ret < 0)
		snprintf(err, errlen, "%s", a.err);
	return a.ret < 0 ? -1 : 0;
}

static int teardown(struct pv_vm *v, enum kmb_pv_teardown how, struct pv_result *res,
		    char *err, size_t errlen)
{
	uint64_t t0 = kmb_now_ns();

	if (how == KMB_PV_TEARDOWN_ASYNC) {
		if (teardown_async(v, res, err, errlen))
			return -1;
	} else {
		if (kmb_kvm_pv_cmd(v->vm, KMB_PV_DISABLE, 0, err, errlen) < 0)
			return -1;
		res->fg_ns = kmb_now_ns() - t0;
	}
	munmap(v->run, v->run_len);
	close(v->vcpu);
	t0 = kmb_now_ns();
	close(v->vm);
	res->close_ns = kmb_now_ns() - t0;
	t0 = kmb_now_ns();
	kmb_region_unmap(&v->mem);
	res->unmap_ns = kmb_now_ns() - t0;
	return 0;
}

static int pv_child(const void *arg, void *out, char *err, size_t errlen)
{
	const struct pv_job *job = arg;
	struct pv_result *res = out;
	struct kmb_census c;
	static struct pv_vm v;	/* static: the image layout is a few KiB */

	if (create_vm(&v, job, err, errlen) || protect(&v, err, errlen) ||
	    run_guest(&v, job->run_ms, res, err, errlen))
		return -1;
	if (kmb_census_take(v.mem.addr, v.mem.len, KMB_CENSUS_AUTO, &c, err, errlen))
		return -1;
	res->pages = c.pages;
	res->pages_present = c.present;
	return teardown(&v, job->how, res, err, errlen);
}

struct pv_totals {
	struct pv_result sum;
	uint64_t iterations;
	uint64_t bytes;
	char last_label[64];	/* how the last guest run ended */
};

static void add(struct pv_totals *t, const struct pv_result *r, uint64_t bytes)
{
	t->sum.fg_ns += r->fg_ns;
	t->sum.bg_ns += r->bg_ns;
	t->sum.close_ns += r->close_ns;
	t->sum.unmap_ns += r->unmap_ns;
	t->sum.pages += r->pages;
	t->sum.pages_present += r->pages_present;
	t->sum.exits += r->exits;
	t->bytes += bytes;
	t->iterations++;
	if (r->exits)
		snprintf(t->last_label, sizeof(t->last_label), "guest stopped at exit reason %u",
			 r->last_exit);
	else
		snprintf(t->last_label, sizeof(t->last_label), "guest ran until the time bound");
}

static double gib_per_s(uint64_t bytes, uint64_t ns)
{
	return ns ? ((double)bytes / (double)KMB_GIB) / ((double)ns / 1e9) : 0;
}

static void report(gb_state *st, const struct pv_totals *t, enum kmb_pv_teardown how)
{
	const struct pv_result *s = &t->sum;
	double n = (double)t->iterations;
	uint64_t total = s->fg_ns + s->bg_ns + s->close_ns + s->unmap_ns;

	if (!t->iterations)
		return;
	gb_counter(st, "foreground_ns", (double)s->fg_ns / n, GB_COUNTER_PLAIN);
	if (how == KMB_PV_TEARDOWN_ASYNC) {
		gb_counter(st, "background_ns", (double)s->bg_ns / n, GB_COUNTER_PLAIN);
		gb_counter(st, "background_gib_per_s", gib_per_s(t->bytes, s->bg_ns),
			   GB_COUNTER_PLAIN);
	}
	gb_counter(st, "close_ns", (double)s->close_ns / n, GB_COUNTER_PLAIN);
	gb_counter(st, "unmap_ns", (double)s->unmap_ns / n, GB_COUNTER_PLAIN);
	gb_counter(st, "teardown_gib_per_s", gib_per_s(t->bytes, total), GB_COUNTER_PLAIN);
	gb_counter(st, "ns_per_page", (double)s->fg_ns / (double)s->pages, GB_COUNTER_PLAIN);
	gb_counter(st, "pages", (double)s->pages / n, GB_COUNTER_PLAIN);
	gb_counter(st, "pages_present", (double)s->pages_present / n, GB_COUNTER_PLAIN);
	gb_counter(st, "guest_exits", (double)s->exits / n, GB_COUNTER_PLAIN);
	gb_set_label(st, t->last_label);
}

void kmb_pv_teardown_run(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	const struct pv_case *pc = ctx->def->data;
	struct pv_job job = { .image = ctx->pv_image, .size = ctx->size,
			      .how = pc->how, .run_ms = ctx->quick ? RUN_MS_QUICK : RUN_MS };
	struct pv_totals totals = { 0 };
	struct pv_result res;
	char err[512] = "";

	while (gb_keep_running(st)) {
		if (gb_failed(st)) {
			gb_set_iteration_time(st, 0);
			continue;
		}
		memset(&res, 0, sizeof(res));
		if (kmb_in_child(pv_child, &job, &res, sizeof(res), err, sizeof(err))) {
			gb_set_iteration_time(st, 0);
			gb_error(st, err);
			continue;
		}
		gb_set_iteration_time(st, (double)res.fg_ns / 1e9);
		add(&totals, &res, ctx->size);
	}
	if (!gb_failed(st))
		report(st, &totals, pc->how);
}

/* The image's own problems, or how much guest memory it needs. */
static void probe_image(struct kmb_pv_host *h, char *err, size_t errlen)
{
	struct kmb_pv_image img;
	int fd = kmb_pv_image_open(h->image, &img, err, errlen);

	if (fd < 0) {
		h->image_err = err;
		return;
	}
	h->image_end = img.load_end > img.file_size ? img.load_end : img.file_size;
	close(fd);
}

/* Ask /dev/kvm (no VM needed) and check the image; the portable logic decides. */
const char *kmb_pv_teardown_probe(const struct kmb_bench_ctx *ctx)
{
	const struct pv_case *pc = ctx->def->data;
	static char buf[512], image_err[400], kvm_err[256], async_err[256];
	struct kmb_pv_host h = { .image = ctx->pv_image, .vm_size = ctx->size };

	if (kmb_s390_memslot_check(0, ctx->size, buf, sizeof(buf)))
		return buf;
	if (h.image && h.image[0]) {
		probe_image(&h, image_err, sizeof(image_err));
		h.cap_protected = kmb_kvm_probe_cap(KVM_CAP_S390_PROTECTED,
						    "KVM_CAP_S390_PROTECTED", kvm_err,
						    sizeof(kvm_err));
		if (h.cap_protected < 0)
			h.kvm_err = kvm_err;
		h.cap_async = kmb_kvm_probe_cap(KVM_CAP_S390_PROTECTED_ASYNC_DISABLE,
						"KVM_CAP_S390_PROTECTED_ASYNC_DISABLE", async_err,
						sizeof(async_err));
	}
	return kmb_pv_skip_reason(&h, pc->how, buf, sizeof(buf));
}

#endif /* __s390x__ */
