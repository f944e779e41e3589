// SPDX-License-Identifier: GPL-2.0-only
/*
 * teardown_pv (s390x): tearing down a protected (Secure Execution) VM, the
 * synchronous way (KVM_PV_DISABLE) against lazy destroy
 * (KVM_PV_ASYNC_CLEANUP_PREPARE in the foreground, then _PERFORM, which a VMM
 * runs in a thread of its own). Needs an SE boot image made for this host
 * (genprotimg/pvimg), given with kmb bench --pv-image FILE.
 *
 * Setup, untimed, in QEMU's order (hw/s390x/s390-virtio-ccw.c: ccw_init,
 * s390_memory_init, s390_machine_protect; target/s390x/cpu-system.c,
 * s390_cpu_load_normal):
 *  1. a VM whose memory limit is its size (KVM_S390_VM_MEM_LIMIT_SIZE, before
 *     any vCPU), which makes its ASCE a segment table up to 2 GiB and a
 *     region table above, as under QEMU;
 *  2. the image's components, and nothing else of it, copied to their guest
 *     addresses: every guest page present from here on is one the
 *     Ultravisor owns (census below);
 *  3. KVM_PV_ENABLE, KVM_PV_SET_SEC_PARMS with the header stage3a would hand
 *     over, KVM_PV_UNPACK of each component (size rounded up to a page, as
 *     s390_ipl_pv_unpack does), KVM_PV_VERIFY;
 *  4. the vCPU set to KVM_MP_STATE_LOAD and then OPERATING ("Firmware
 *     requires us to set the load state before we set the cpu to operating
 *     on protected guests");
 *  5. the vCPU run until its first exit to user space (no exit is emulated)
 *     or a time bound. Each page the guest touches is imported, made secure
 *     (Linux 6.1: arch/s390/mm/fault.c, do_non_secure_storage_access ->
 *     gmap_convert_to_secure; later kernels do the same in KVM's fault
 *     handling); how much the guest touches is up to the image.
 *
 * What is torn down is counted, not assumed: the pages KVM_PV_UNPACK
 * imported (known from the image), and the guest pages present after the
 * run, split at 2 GiB. Present guest pages are those the Ultravisor owns;
 * a guest can give some back to the host (Set Shared Access), which kmb
 * cannot see: an upper bound, to be confirmed on IBM Z.
 *
 * The split matters: KVM_PV_DISABLE destroys every secure page before it
 * returns (kvm_s390_pv_deinit_cleanup_all, Linux 6.2+);
 * KVM_PV_ASYNC_CLEANUP_PREPARE destroys those below 2 GiB synchronously
 * (kvm_s390_pv_set_aside) and leaves the rest to _PERFORM. So lazy destroy
 * has something to be lazy about only in a VM larger than 2 GiB whose guest
 * touched memory above 2 GiB; the async benchmark fails its census otherwise.
 *
 * Counters: foreground_ns (DISABLE, or PREPARE), background_ns (PERFORM),
 * close_ns and unmap_ns (what is left for the VM fd close and the munmap),
 * ns_per_page (foreground ns per guest page destroyed in the foreground),
 * background_gib_per_s (guest memory above 2 GiB per PERFORM second),
 * teardown_gib_per_s (all present guest memory over all of it). PV changes
 * the mm for good (no zeropage, no KSM), so each boot runs in a forked child.
 */
#include "kvm_s390.h"
#include "s390/s390_bench.h"
#include "util.h"

#ifdef __s390x__

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
	uint64_t unpacked;	/* pages KVM_PV_UNPACK imported */
	uint64_t low, high;	/* guest pages present after the run, below / above 2 GiB */
	uint32_t exits, last_exit;
};

/* The VM under test, as the child builds it. */
struct pv_vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_len;
	struct kmb_region mem;
	struct kmb_pv_image img;
	int img_fd;
};

/* The components, each at its guest address (the image is laid out from 0). */
static int load_components(struct pv_vm *v, const char *path, char *err, size_t errlen)
{
	unsigned i;

	for (i = 0; i < v->img.ncomp; i++) {
		const struct kmb_pv_comp *c = &v->img.comp[i];
		uint64_t len = c->unpack_size;

		if (c->addr + len > v->img.file_size)
			len = v->img.file_size - c->addr;	/* the last page, cut off */
		if (!kmb_pread_all(v->img_fd, v->mem.addr + c->addr, len, c->addr))
			continue;
		snprintf(err, errlen, "reading component %u of %s into guest memory failed "
			 "(I/O error or file changed)", i, path);
		return -1;
	}
	return 0;
}

static int create_vm(struct pv_vm *v, const struct pv_job *job, char *err, size_t errlen)
{
	v->img_fd = kmb_pv_image_open(job->image, &v->img, err, errlen);
	if (v->img_fd < 0)
		return -1;
	if (v->img.load_end > job->size) {
		snprintf(err, errlen, "%s needs %llu bytes of guest memory", job->image,
			 (unsigned long long)v->img.load_end);
		return -1;
	}
	v->kvm = kmb_kvm_open(err, errlen);
	if (v->kvm < 0)
		return -1;
	v->vm = kmb_kvm_create_vm(v->kvm, 0, err, errlen);
	if (v->vm < 0 || kmb_kvm_set_mem_limit(v->vm, job->size, err, errlen) ||
	    kmb_kvm_map_guest(&v->mem, job->size, err, errlen) ||
	    kmb_kvm_set_memslot(v->vm, 0, 0, v->mem.addr, v->mem.len, err, errlen) ||
	    load_components(v, job->image, err, errlen))
		return -1;
	/* KVM_PV_ENABLE converts the vCPUs that exist, so create it first. */
	v->vcpu = kmb_kvm_create_vcpu(v->vm, 0, err, errlen);
	if (v->vcpu < 0)
		return -1;
	v->run = kmb_kvm_map_run(v->kvm, v->vcpu, &v->run_len, err, errlen);
	return v->run ? 0 : -1;
}

/* The header as stage3a hands it over: hdr_size bytes at hdr_off of the image. */
static int set_sec_parms(struct pv_vm *v, const char *path, char *err, size_t errlen)
{
	struct kmb_pv_sec_parm parm;
	void *hdr = malloc(v->img.hdr_size);
	int ret = -1;

	if (!hdr) {
		snprintf(err, errlen, "out of memory for the SE header");
		return -1;
	}
	if (kmb_pread_all(v->img_fd, hdr, v->img.hdr_size, v->img.hdr_off))
		snprintf(err, errlen, "reading the SE header of %s failed", path);
	else if (!kmb_pv_sec_parm_req(&parm, hdr, v->img.hdr_size, err, errlen))
		ret = kmb_kvm_pv_cmd(v->vm, KMB_PV_SET_SEC_PARMS, (uint64_t)(uintptr_t)&parm, err,
				     errlen);
	free(hdr);
	return ret < 0 ? -1 : 0;
}

static int unpack(struct pv_vm *v, char *err, size_t errlen)
{
	struct kmb_pv_unp unp;
	unsigned i;

	for (i = 0; i < v->img.ncomp; i++) {
		const struct kmb_pv_comp *c = &v->img.comp[i];

		if (kmb_pv_unp_req(&unp, c->addr, c->unpack_size, c->tweak, err, errlen) ||
		    kmb_kvm_pv_cmd(v->vm, KMB_PV_UNPACK, (uint64_t)(uintptr_t)&unp, err,
				   errlen) < 0)
			return -1;
	}
	return 0;
}

static int protect(struct pv_vm *v, const char *path, char *err, size_t errlen)
{
	if (kmb_kvm_pv_cmd(v->vm, KMB_PV_ENABLE, 0, err, errlen) < 0 ||
	    set_sec_parms(v, path, err, errlen) || unpack(v, err, errlen) ||
	    kmb_kvm_pv_cmd(v->vm, KMB_PV_VERIFY, 0, err, errlen) < 0)
		return -1;
	/* The UV took the PSW from the header; load, then start (QEMU's order). */
	if (kmb_kvm_set_mp_state(v->vcpu, KMB_KVM_MP_STATE_LOAD, err, errlen) ||
	    kmb_kvm_set_mp_state(v->vcpu, KMB_KVM_MP_STATE_OPERATING, err, errlen))
		return -1;
	return 0;
}

/* Guest pages present in [from, to) of guest memory. */
static int present_pages(struct pv_vm *v, uint64_t from, uint64_t to, uint64_t *pages,
			 char *err, size_t errlen)
{
	struct kmb_census c;

	*pages = 0;
	if (from >= to)
		return 0;
	if (kmb_census_take(v->mem.addr + from, to - from, KMB_CENSUS_AUTO, &c, err, errlen))
		return -1;
	*pages = c.present;
	return 0;
}

static int count_guest_pages(struct pv_vm *v, uint64_t *low, uint64_t *high, char *err,
			     size_t errlen)
{
	uint64_t split = v->mem.len < KMB_PV_LOWER_2G ? v->mem.len : KMB_PV_LOWER_2G;

	return present_pages(v, 0, split, low, err, errlen) ||
	       present_pages(v, split, v->mem.len, high, err, errlen) ? -1 : 0;
}

/* Census before the run: exactly the unpacked pages, nothing else of the image. */
static int check_unpacked(struct pv_vm *v, struct pv_result *res, char *err, size_t errlen)
{
	uint64_t low, high;

	if (count_guest_pages(v, &low, &high, err, errlen))
		return -1;
	res->unpacked = v->img.unpack_pages;
	if (low + high == res->unpacked)
		return 0;
	snprintf(err, errlen,
		 "census before the guest runs: %llu guest pages present, expected the %llu "
		 "KVM_PV_UNPACK imported",
		 (unsigned long long)(low + high), (unsigned long long)res->unpacked);
	return -1;
}

/* Run until the first exit (none is emulated) or the time bound. */
static int run_guest(struct pv_vm *v, unsigned ms, struct pv_result *res, char *err,
		     size_t errlen)
{
	int ret = kmb_kvm_run_bounded(v->vcpu, ms, err, errlen);

	if (ret < 0)
		return -1;
	if (ret == 0) {
		res->exits = 1;
		res->last_exit = v->run->exit_reason;
	}
	return count_guest_pages(v, &res->low, &res->high, err, errlen);
}

/* The async case measures nothing lazy unless there is secure memory above 2 GiB. */
static int check_lazy_part(const struct pv_result *res, char *err, size_t errlen)
{
	if (res->high)
		return 0;
	snprintf(err, errlen,
		 "census after the guest ran: no guest memory above 2 GiB was imported, so "
		 "KVM_PV_ASYNC_CLEANUP_PREPARE would destroy everything itself and _PERFORM "
		 "would have nothing to do (%llu pages below 2 GiB); the guest decides what it "
		 "touches: use an image whose guest writes memory above 2 GiB before its first "
		 "exit to user space",
		 (unsigned long long)res->low);
	return -1;
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

/* PERFORM runs in a thread of its own, as in QEMU (s390_pv_vm_try_disable_async). */
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
	static struct pv_vm v;	/* static: the image layout is a few KiB */

	if (create_vm(&v, job, err, errlen) || protect(&v, job->image, err, errlen) ||
	    check_unpacked(&v, res, err, errlen) || run_guest(&v, job->run_ms, res, err, errlen))
		return -1;
	if (job->how == KMB_PV_TEARDOWN_ASYNC && check_lazy_part(res, err, errlen))
		return -1;
	return teardown(&v, job->how, res, err, errlen);
}

struct pv_totals {
	struct pv_result sum;
	uint64_t iterations;
	char last_label[64];	/* how the last guest run ended */
};

static void add(struct pv_totals *t, const struct pv_result *r)
{
	t->sum.fg_ns += r->fg_ns;
	t->sum.bg_ns += r->bg_ns;
	t->sum.close_ns += r->close_ns;
	t->sum.unmap_ns += r->unmap_ns;
	t->sum.unpacked += r->unpacked;
	t->sum.low += r->low;
	t->sum.high += r->high;
	t->sum.exits += r->exits;
	t->iterations++;
	if (r->exits)
		snprintf(t->last_label, sizeof(t->last_label), "guest stopped at exit reason %u",
			 r->last_exit);
	else
		snprintf(t->last_label, sizeof(t->last_label), "guest ran until the time bound");
}

static double gib_per_s(uint64_t pages, uint64_t ns)
{
	double gib = (double)pages * KMB_S390_PAGE / (double)KMB_GIB;

	return ns ? gib / ((double)ns / 1e9) : 0;
}

static void report(gb_state *st, const struct pv_totals *t, enum kmb_pv_teardown how,
		   uint64_t vm_size)
{
	const struct pv_result *s = &t->sum;
	double n = (double)t->iterations;
	uint64_t total_ns = s->fg_ns + s->bg_ns + s->close_ns + s->unmap_ns;
	uint64_t fg_pages = how == KMB_PV_TEARDOWN_ASYNC ? s->low : s->low + s->high;

	if (!t->iterations)
		return;
	gb_counter(st, "foreground_ns", (double)s->fg_ns / n, GB_LOWER_IS_BETTER);
	if (fg_pages)
		gb_counter(st, "ns_per_page", (double)s->fg_ns / (double)fg_pages,
			   GB_LOWER_IS_BETTER);
	if (how == KMB_PV_TEARDOWN_ASYNC) {
		gb_counter(st, "background_ns", (double)s->bg_ns / n, GB_LOWER_IS_BETTER);
		gb_counter(st, "background_gib_per_s", gib_per_s(s->high, s->bg_ns),
			   GB_HIGHER_IS_BETTER);
	}
	gb_counter(st, "close_ns", (double)s->close_ns / n, GB_LOWER_IS_BETTER);
	gb_counter(st, "unmap_ns", (double)s->unmap_ns / n, GB_LOWER_IS_BETTER);
	gb_counter(st, "teardown_gib_per_s", gib_per_s(s->low + s->high, total_ns),
		   GB_HIGHER_IS_BETTER);
	gb_counter(st, "unpacked_pages", (double)s->unpacked / n, GB_COUNTER_PLAIN);
	gb_counter(st, "guest_pages_below_2g", (double)s->low / n, GB_COUNTER_PLAIN);
	gb_counter(st, "guest_pages_above_2g", (double)s->high / n, GB_COUNTER_PLAIN);
	gb_counter(st, "vm_pages", (double)(vm_size / KMB_S390_PAGE), GB_COUNTER_PLAIN);
	gb_counter(st, "guest_exits", (double)s->exits / n, GB_COUNTER_PLAIN);
	gb_set_label(st, t->last_label);
}

struct pv_iteration {
	const struct pv_job *job;
	struct pv_totals *totals;
};

/* One protected VM in a child process; the foreground teardown is the timed part. */
static int pv_iteration(void *arg, uint64_t *ns, char *err, size_t errlen)
{
	struct pv_iteration *it = arg;
	struct pv_result res;

	memset(&res, 0, sizeof(res));
	if (kmb_in_child(pv_child, (void *)it->job, &res, sizeof(res), err, errlen))
		return -1;
	*ns = res.fg_ns;
	add(it->totals, &res);
	return 0;
}

void kmb_pv_teardown_run(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	const struct pv_case *pc = ctx->def->data;
	struct pv_job job = { .image = ctx->pv_image, .size = ctx->size, .how = pc->how,
			      .run_ms = ctx->quick ? RUN_MS_QUICK : RUN_MS };
	struct pv_totals totals = { 0 };
	struct pv_iteration it = { &job, &totals };

	if (!kmb_iterate(st, ctx, pv_iteration, &it))
		report(st, &totals, pc->how, ctx->size);
}

/* The image's own problems, or how much guest memory it needs. */
static void probe_image(struct kmb_pv_host *h, char *err, size_t errlen)
{
	static struct kmb_pv_image img;
	int fd = kmb_pv_image_open(h->image, &img, err, errlen);

	if (fd < 0) {
		h->image_err = err;
		return;
	}
	h->image_end = img.load_end;
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
		h.cap_protected = kmb_kvm_probe_cap(KMB_KVM_CAP_S390_PROTECTED,
						    "KVM_CAP_S390_PROTECTED", kvm_err,
						    sizeof(kvm_err));
		if (h.cap_protected < 0)
			h.kvm_err = kvm_err;
		h.cap_async = kmb_kvm_probe_cap(KMB_KVM_CAP_S390_PROTECTED_ASYNC_DISABLE,
						"KVM_CAP_S390_PROTECTED_ASYNC_DISABLE", async_err,
						sizeof(async_err));
	}
	return kmb_pv_skip_reason(&h, pc->how, buf, sizeof(buf));
}

#endif /* __s390x__ */
