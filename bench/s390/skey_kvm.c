// SPDX-License-Identifier: GPL-2.0-only
/*
 * skey (s390x): what it costs to turn storage keys on for a VM whose memory
 * has a given size and fraction f of zeropage-mapped pages, and what a key
 * operation costs once they are on.
 *
 * Keys are turned on by the first KVM_S390_SET_SKEYS (kvm_s390_set_skeys)
 * and by the first storage-key instruction the guest executes (priv.c,
 * kvm_s390_skey_check_enable). The work behind it depends on the kernel:
 *  - up to Linux 6.19, s390_enable_skey() (arch/s390/mm/gmap.c): KSM off,
 *    since 6.10 every zeropage of the process unshared ("s390/mm: Re-enable
 *    the shared zeropage for !PV and !skeys KVM guests", also in the 6.6
 *    stable series), and a walk of the whole mm resetting the key of every
 *    present page;
 *  - from Linux 7.0, gmap_enable_skeys() (arch/s390/kvm/gmap.c):
 *    gmap_helper_disable_cow_sharing() (zeropages unshared and KSM off for
 *    the whole process), then dat_reset_skeys() over KVM's own DAT tables,
 *    that is the guest memory KVM has mapped.
 * lib/env.c records which of the two a run measured. Before 6.10 a KVM
 * process never maps the zeropage, so f > 0 cannot be set up: the census
 * before says so.
 *
 * Benchmarks:
 *  set_skeys_f*   the first KVM_S390_SET_SKEYS (count 1) against the second
 *  guest_sske_f*  the first KVM_RUN whose guest executes SSKE (intercepted,
 *                 keys turned on, SSKE retried) against the second run of
 *                 the same code; a run of the guest's exit alone, before,
 *                 maps the code page and gives the bare round trip (exit_ns)
 *  keyop_sske     KVM_S390_KEYOP SSKE on every page with keys already on:
 *                 a per-call cost (keyop_ns), never an enablement. KEYOP
 *                 only sets a key (kvm_s390_keyop -> dat_cond_set_storage_key);
 *                 keys are turned on with KVM_S390_SET_SKEYS first, as the
 *                 kernel's KEYOP selftest (selftests/kvm/s390/keyop.c) does.
 *
 * Keys once on stay on for the life of the mm and forbid the zeropage in it,
 * so each measurement runs in a forked child (kmb_in_child). The enable
 * walks the whole mm on 6.x, so the latency includes the mappings inherited
 * from kmb itself, as it would include a VMM's own.
 */
#include "kvm_s390.h"
#include "s390/s390_bench.h"
#include "s390/sske_guest.h"
#include "s390/zero_mix.h"
#include "util.h"

#ifdef __s390x__

#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Long enough for any key enablement; a guest still running then is stuck. */
#define GUEST_RUN_MS 60000

struct skey_job {
	const struct skey_case *sc;
	uint64_t size;
};

struct skey_result {
	uint64_t first_ns;	/* the enabling call or run; keyop: all KEYOPs */
	uint64_t second_ns;	/* the same with keys on; keyop: unused */
	uint64_t exit_ns;	/* guest_sske: the warm-up run (DIAGNOSE only) */
	uint64_t ops;		/* keyop: KEYOPs timed (one per page) */
	struct kmb_census before;
	struct kmb_census after;
};

/* The VM of one measurement, as the child builds it. */
struct skey_vm {
	int vm;
	struct kmb_region mem;
	char *meas;		/* the memory under test: all of it, or past the guest's code */
	size_t meas_len;
};

static int keys_state(int vm, enum kmb_skeys_state *state, char *err, size_t errlen)
{
	struct kmb_s390_skeys req;
	uint8_t key;
	int ret;

	if (kmb_skeys_req(&req, 0, 1, &key, err, errlen))
		return -1;
	ret = kmb_kvm_get_skeys(vm, &req, err, errlen);
	if (ret < 0)
		return -1;
	*state = kmb_skeys_get_state(ret);
	if (*state != KMB_SKEYS_FAILED)
		return 0;
	snprintf(err, errlen, "KVM_S390_GET_SKEYS returned %d, neither 0 nor %d", ret,
		 KMB_S390_GET_SKEYS_NONE);
	return -1;
}

static int expect_keys(int vm, bool in_use, const char *when, char *err, size_t errlen)
{
	enum kmb_skeys_state state;

	if (keys_state(vm, &state, err, errlen))
		return -1;
	if ((state == KMB_SKEYS_IN_USE) == in_use)
		return 0;
	snprintf(err, errlen, "%s, KVM_S390_GET_SKEYS says storage keys are %s", when,
		 in_use ? "still off" : "already on");
	return -1;
}

/* Set the key of guest page 0 to 0 (a valid key: the reserved low bit clear). */
static int set_skeys_once(int vm, char *err, size_t errlen)
{
	struct kmb_s390_skeys req;
	uint8_t key = 0;

	if (kmb_skeys_req(&req, 0, 1, &key, err, errlen) ||
	    kmb_skeys_check_keys(&key, 1, err, errlen))
		return -1;
	return kmb_kvm_set_skeys(vm, &req, err, errlen) < 0 ? -1 : 0;
}

static int timed_set_skeys(int vm, uint64_t *ns, char *err, size_t errlen)
{
	uint64_t t0 = kmb_now_ns();

	if (set_skeys_once(vm, err, errlen))
		return -1;
	*ns = kmb_now_ns() - t0;
	return 0;
}

/*
 * A VM (type 0) with the guest memory as memslot 0; the memory under test
 * (past reserved bytes) filled with the zeropage mix and counted.
 */
static int setup_vm(const struct skey_job *job, uint64_t reserved, struct skey_vm *v,
		    struct kmb_census *before, char *err, size_t errlen)
{
	int kvm = kmb_kvm_open(err, errlen);

	if (kvm < 0)
		return -1;
	v->vm = kmb_kvm_create_vm(kvm, 0, err, errlen);
	close(kvm);
	/* Fill after KVM_CREATE_VM, so the zeropage rules of a KVM process apply. */
	if (v->vm < 0 || kmb_kvm_map_guest(&v->mem, job->size, err, errlen) ||
	    kmb_kvm_set_memslot(v->vm, 0, 0, v->mem.addr, v->mem.len, err, errlen))
		return -1;
	if (reserved >= v->mem.len) {
		snprintf(err, errlen, "a %llu-byte VM leaves no memory to measure",
			 (unsigned long long)v->mem.len);
		return -1;
	}
	v->meas = v->mem.addr + reserved;
	v->meas_len = v->mem.len - reserved;
	kmb_zero_mix_fill(v->meas, v->meas_len, job->sc->zero_pct);
	if (kmb_census_take(v->meas, v->meas_len, KMB_CENSUS_AUTO, before, err, errlen) ||
	    kmb_zero_mix_check_before(before, job->sc->zero_pct, err, errlen))
		return -1;
	return expect_keys(v->vm, false, "before the first storage-key operation", err, errlen);
}

static int census_after(struct skey_vm *v, struct skey_result *res, const char *op, char *err,
			size_t errlen)
{
	if (kmb_census_take(v->meas, v->meas_len, KMB_CENSUS_AUTO, &res->after, err, errlen))
		return -1;
	return kmb_zero_mix_check_after(&res->after, op, err, errlen);
}

/* ---- skey/set_skeys_f* ---- */

static int set_skeys_child(const struct skey_job *job, struct skey_result *res, char *err,
			   size_t errlen)
{
	struct skey_vm v;

	if (setup_vm(job, 0, &v, &res->before, err, errlen) ||
	    timed_set_skeys(v.vm, &res->first_ns, err, errlen) ||
	    timed_set_skeys(v.vm, &res->second_ns, err, errlen) ||
	    expect_keys(v.vm, true, "after KVM_S390_SET_SKEYS", err, errlen))
		return -1;
	return census_after(&v, res, "the first KVM_S390_SET_SKEYS", err, errlen);
}

/* ---- skey/guest_sske_f* ---- */

struct sske_vcpu {
	int fd;
	struct kvm_run *run;
};

static int create_guest_vcpu(struct skey_vm *v, struct sske_vcpu *c, char *err, size_t errlen)
{
	struct kmb_s390_regs regs;
	size_t run_len;
	int kvm;

	kmb_sske_guest_write((uint8_t *)v->mem.addr);
	c->fd = kmb_kvm_create_vcpu(v->vm, 0, err, errlen);
	if (c->fd < 0)
		return -1;
	kvm = kmb_kvm_open(err, errlen);
	if (kvm < 0)
		return -1;
	c->run = kmb_kvm_map_run(kvm, c->fd, &run_len, err, errlen);
	close(kvm);
	kmb_sske_guest_regs(&regs);
	return !c->run || kmb_kvm_set_regs(c->fd, &regs, err, errlen) ? -1 : 0;
}

/*
 * One KVM_RUN from entry to the final DIAGNOSE. The vCPU was never put under
 * user control of its state, so KVM_RUN starts it (kvm_arch_vcpu_ioctl_run:
 * kvm_s390_vcpu_start unless user_cpu_state_ctrl); the PSW is taken from
 * kvm_run on entry (sync_regs), as the selftests set it.
 */
static int guest_run(struct skey_vm *v, struct sske_vcpu *c, uint64_t entry, uint64_t *ns,
		     char *err, size_t errlen)
{
	struct kmb_guest_exit e;
	uint64_t t0;
	int ret;

	c->run->psw_mask = KMB_GUEST_PSW_MASK;
	c->run->psw_addr = entry;
	t0 = kmb_now_ns();
	ret = kmb_kvm_run_bounded(c->fd, GUEST_RUN_MS, err, errlen);
	*ns = kmb_now_ns() - t0;
	if (ret < 0)
		return -1;
	if (ret > 0) {
		snprintf(err, errlen, "the guest did not exit within %u ms", GUEST_RUN_MS);
		return -1;
	}
	e = (struct kmb_guest_exit){ .reason = c->run->exit_reason };
	if (e.reason == KMB_KVM_EXIT_S390_SIEIC)
		e = (struct kmb_guest_exit){ .reason = e.reason,
					     .icptcode = c->run->s390_sieic.icptcode,
					     .ipa = c->run->s390_sieic.ipa,
					     .ipb = c->run->s390_sieic.ipb };
	if (kmb_sske_guest_stop(&e) == KMB_GUEST_DONE)
		return 0;
	kmb_sske_guest_describe(&e, (const uint8_t *)v->mem.addr, err, errlen);
	return -1;
}

/* The key the guest set, read back (access-control and fetch bits). */
static int check_guest_key(int vm, char *err, size_t errlen)
{
	struct kmb_s390_skeys req;
	uint8_t key;

	if (kmb_skeys_req(&req, KMB_GUEST_TARGET / KMB_S390_PAGE, 1, &key, err, errlen) ||
	    kmb_kvm_get_skeys(vm, &req, err, errlen) < 0)
		return -1;
	if ((key & KMB_SKEY_ACC_F_MASK) == KMB_GUEST_KEY)
		return 0;
	snprintf(err, errlen, "the guest's SSKE set key 0x%02x, KVM_S390_GET_SKEYS reads 0x%02x",
		 KMB_GUEST_KEY, key);
	return -1;
}

static int guest_sske_child(const struct skey_job *job, struct skey_result *res, char *err,
			    size_t errlen)
{
	struct sske_vcpu c;
	struct skey_vm v;

	if (setup_vm(job, KMB_GUEST_RESERVED, &v, &res->before, err, errlen) ||
	    create_guest_vcpu(&v, &c, err, errlen) ||
	    guest_run(&v, &c, KMB_GUEST_ENTRY_EXIT, &res->exit_ns, err, errlen) ||
	    expect_keys(v.vm, false, "after a guest run without SSKE", err, errlen) ||
	    guest_run(&v, &c, KMB_GUEST_ENTRY_SSKE, &res->first_ns, err, errlen) ||
	    guest_run(&v, &c, KMB_GUEST_ENTRY_SSKE, &res->second_ns, err, errlen) ||
	    expect_keys(v.vm, true, "after the guest's SSKE", err, errlen) ||
	    check_guest_key(v.vm, err, errlen))
		return -1;
	return census_after(&v, res, "the guest's first SSKE", err, errlen);
}

/* ---- skey/keyop_sske ---- */

static int keyop_all(int vm, uint64_t pages, uint64_t *ns, char *err, size_t errlen)
{
	struct kmb_s390_keyop op;
	uint64_t i, t0 = kmb_now_ns();

	for (i = 0; i < pages; i++) {
		kmb_keyop_req(&op, i * KMB_S390_PAGE, kmb_keyop_key(i), KMB_S390_KEYOP_SSKE);
		if (kmb_kvm_keyop(vm, &op, err, errlen) < 0)
			return -1;
	}
	*ns = kmb_now_ns() - t0;
	return 0;
}

/* Census: every key read back with KVM_S390_GET_SKEYS is the one KEYOP set. */
static int verify_keys(int vm, uint64_t pages, char *err, size_t errlen)
{
	struct kmb_s390_skeys req;
	uint8_t *keys = malloc(pages);
	int ret = -1;

	if (!keys) {
		snprintf(err, errlen, "out of memory for %llu storage keys",
			 (unsigned long long)pages);
		return -1;
	}
	if (!kmb_skeys_req(&req, 0, pages, keys, err, errlen) &&
	    kmb_kvm_get_skeys(vm, &req, err, errlen) == 0)
		ret = kmb_keyop_verify(keys, pages, err, errlen);
	free(keys);
	return ret;
}

static int keyop_child(const struct skey_job *job, struct skey_result *res, char *err,
		       size_t errlen)
{
	struct skey_vm v;

	if (setup_vm(job, 0, &v, &res->before, err, errlen) ||
	    set_skeys_once(v.vm, err, errlen) ||
	    expect_keys(v.vm, true, "after KVM_S390_SET_SKEYS", err, errlen))
		return -1;
	res->ops = v.mem.len / KMB_S390_PAGE;
	if (res->ops > KMB_S390_SKEYS_MAX) {
		snprintf(err, errlen, "%llu pages: more keys than one KVM_S390_GET_SKEYS reads back",
			 (unsigned long long)res->ops);
		return -1;
	}
	if (keyop_all(v.vm, res->ops, &res->first_ns, err, errlen) ||
	    verify_keys(v.vm, res->ops, err, errlen))
		return -1;
	return census_after(&v, res, "KVM_S390_SET_SKEYS and the KEYOPs", err, errlen);
}

/* In the child: everything that touches the mm. */
static int skey_child(const void *arg, void *out, char *err, size_t errlen)
{
	const struct skey_job *job = arg;

	switch (job->sc->trigger) {
	case KMB_SKEY_SET_SKEYS:
		return set_skeys_child(job, out, err, errlen);
	case KMB_SKEY_GUEST_SSKE:
		return guest_sske_child(job, out, err, errlen);
	case KMB_SKEY_KEYOP:
		return keyop_child(job, out, err, errlen);
	}
	snprintf(err, errlen, "unknown storage-key trigger %d", (int)job->sc->trigger);
	return -1;
}

struct skey_totals {
	uint64_t first_ns, second_ns, exit_ns, ops, pages, unshared, iterations;
	uint64_t zero_before_min, zero_after_max;
};

static void account(struct skey_totals *t, const struct skey_result *res)
{
	t->first_ns += res->first_ns;
	t->second_ns += res->second_ns;
	t->exit_ns += res->exit_ns;
	t->ops += res->ops;
	t->pages += res->before.pages;
	t->unshared += res->before.zero - res->after.zero;
	t->iterations++;
	if (t->iterations == 1 || res->before.zero < t->zero_before_min)
		t->zero_before_min = res->before.zero;
	if (res->after.zero > t->zero_after_max)
		t->zero_after_max = res->after.zero;
}

static void report_census(gb_state *st, const struct skey_totals *t)
{
	double n = (double)t->iterations;

	gb_counter(st, "pages", (double)t->pages / n, GB_COUNTER_PLAIN);
	gb_counter(st, "pages_unshared", (double)t->unshared / n, GB_COUNTER_PLAIN);
	gb_counter(st, "zero_before", (double)t->zero_before_min, GB_COUNTER_PLAIN);
	gb_counter(st, "zero_after", (double)t->zero_after_max, GB_COUNTER_PLAIN);
}

static void report(gb_state *st, enum kmb_skey_trigger trigger, const struct skey_totals *t)
{
	double n = (double)t->iterations;

	if (!t->iterations)
		return;
	if (trigger == KMB_SKEY_KEYOP) {
		gb_counter(st, "keyop_ns", (double)t->first_ns / (double)t->ops, GB_LOWER_IS_BETTER);
		gb_counter(st, "ns_per_page", (double)t->first_ns / (double)t->ops,
			   GB_LOWER_IS_BETTER);
		gb_counter(st, "keyops", (double)t->ops / n, GB_COUNTER_PLAIN);
		report_census(st, t);
		return;
	}
	gb_counter(st, "latency", (double)t->first_ns / n, GB_LOWER_IS_BETTER);
	gb_counter(st, trigger == KMB_SKEY_GUEST_SSKE ? "second_run_ns" : "second_call_ns",
		   (double)t->second_ns / n, GB_LOWER_IS_BETTER);
	if (trigger == KMB_SKEY_GUEST_SSKE)
		gb_counter(st, "exit_ns", (double)t->exit_ns / n, GB_LOWER_IS_BETTER);
	gb_counter(st, "ns_per_page", (double)t->first_ns / (double)t->pages, GB_LOWER_IS_BETTER);
	if (t->unshared)
		gb_counter(st, "ns_per_unshared_page", (double)t->first_ns / (double)t->unshared,
			   GB_LOWER_IS_BETTER);
	report_census(st, t);
}

struct skey_iteration {
	struct skey_job job;
	struct skey_totals *totals;
};

/* One VM in a child process; the first trigger is the timed part. */
static int skey_iteration(void *arg, uint64_t *ns, char *err, size_t errlen)
{
	struct skey_iteration *it = arg;
	struct skey_result res;

	memset(&res, 0, sizeof(res));
	if (kmb_in_child(skey_child, &it->job, &res, sizeof(res), err, errlen))
		return -1;
	*ns = res.first_ns;
	account(it->totals, &res);
	return 0;
}

void kmb_skey_run(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	const struct skey_case *sc = ctx->def->data;
	struct skey_totals totals = { 0 };
	struct skey_iteration it = { .job = { .sc = sc, .size = ctx->size }, .totals = &totals };

	if (!kmb_iterate(st, ctx, skey_iteration, &it))
		report(st, sc->trigger, &totals);
}

/* Per-instance checks: the memslot size, and the trigger's own needs. */
const char *kmb_skey_probe(const struct kmb_bench_ctx *ctx)
{
	const struct skey_case *sc = ctx->def->data;
	static char buf[320];
	int cap = -1;

	if (kmb_s390_memslot_check(0, ctx->size, buf, sizeof(buf)))
		return buf;
	if (sc->trigger == KMB_SKEY_KEYOP)
		cap = kmb_kvm_probe_cap(KMB_KVM_CAP_S390_KEYOP, "KVM_CAP_S390_KEYOP", buf, sizeof(buf));
	return kmb_skey_skip_reason(sc->trigger, cap, buf, sizeof(buf));
}

#endif /* __s390x__ */
