// SPDX-License-Identifier: GPL-2.0-only
/*
 * skey (s390x): the latency of the first storage-key operation on a fresh VM
 * whose memory has a given size and fraction f of zeropage-mapped pages. The
 * first KVM_S390_SET_SKEYS runs s390_enable_skey(), which (since Linux 6.11
 * lets KVM guests map the shared zeropage) unshares every zeropage-mapped page
 * of the process and walks its page tables to initialise the keys; a second
 * call, with keys already on, is the baseline. The portable stand-in for
 * other hosts is the skey_proxy family.
 *
 * Keys once enabled stay on for the life of the mm and forbid the zeropage in
 * it, so each measurement runs in a forked child (kmb_in_child). The enable
 * walks the whole mm, so the latency includes the mappings inherited from kmb
 * itself, as it would include a VMM's own.
 */
#include "kvm_s390.h"
#include "s390/s390_bench.h"
#include "s390/zero_mix.h"
#include "util.h"

#ifdef __s390x__

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct skey_job {
	const struct skey_case *sc;
	uint64_t size;
};

struct skey_result {
	uint64_t first_ns;
	uint64_t second_ns;
	struct kmb_census before;
	struct kmb_census after;
};

/* KVM_S390_GET_SKEYS must say keys are not in use yet, or there is nothing to time. */
static int check_keys_unused(int vm, char *err, size_t errlen)
{
	struct kvm_s390_skeys req;
	uint8_t key;
	int ret;

	if (kmb_skeys_req(&req, 0, 1, &key, err, errlen))
		return -1;
	ret = kmb_kvm_get_skeys(vm, &req, err, errlen);
	if (ret < 0)
		return -1;
	if (kmb_skeys_get_state(ret) == KMB_SKEYS_NOT_IN_USE)
		return 0;
	snprintf(err, errlen,
		 "KVM_S390_GET_SKEYS returned %d before the first key operation: storage keys "
		 "are already in use in this process (expected %d, not in use)",
		 ret, KVM_S390_GET_SKEYS_NONE);
	return -1;
}

/* Set the key of guest page 0 to 0 (a valid key: the reserved low bit clear). */
static int set_one_key(int vm, enum kmb_skey_trigger trigger, char *err, size_t errlen)
{
	struct kvm_s390_skeys req;
	uint8_t key = 0;

	if (trigger == KMB_SKEY_SET_SKEYS) {
		if (kmb_skeys_req(&req, 0, 1, &key, err, errlen) ||
		    kmb_skeys_check_keys(&key, 1, err, errlen))
			return -1;
		return kmb_kvm_set_skeys(vm, &req, err, errlen) < 0 ? -1 : 0;
	}
#if KMB_UAPI_HAS_KEYOP
	if (trigger == KMB_SKEY_KEYOP) {
		struct kvm_s390_keyop op = { .guest_addr = 0, .key = key,
					     .operation = KVM_S390_KEYOP_SSKE };

		return kmb_kvm_keyop(vm, &op, err, errlen) < 0 ? -1 : 0;
	}
#endif
	snprintf(err, errlen, "this trigger cannot run here");
	return -1;
}

static int timed_key_op(int vm, enum kmb_skey_trigger trigger, uint64_t *ns, char *err,
			size_t errlen)
{
	uint64_t t0 = kmb_now_ns();

	if (set_one_key(vm, trigger, err, errlen))
		return -1;
	*ns = kmb_now_ns() - t0;
	return 0;
}

/* A VM (type 0) with the guest memory as memslot 0, filled with the zeropage mix. */
static int setup_vm(const struct skey_job *job, struct kmb_region *r, struct kmb_census *before,
		    char *err, size_t errlen)
{
	int kvm = kmb_kvm_open(err, errlen), vm;

	if (kvm < 0)
		return -1;
	vm = kmb_kvm_create_vm(kvm, 0, err, errlen);
	close(kvm);
	/* Fill after KVM_CREATE_VM, so the zeropage rules of a KVM process apply. */
	if (vm < 0 || kmb_kvm_map_guest(r, job->size, err, errlen) ||
	    kmb_kvm_set_memslot(vm, 0, 0, r->addr, r->len, err, errlen))
		return -1;
	kmb_zero_mix_fill(r->addr, r->len, job->sc->zero_pct);
	if (kmb_census_take(r->addr, r->len, KMB_CENSUS_AUTO, before, err, errlen) ||
	    kmb_zero_mix_check_before(before, job->sc->zero_pct, err, errlen))
		return -1;
	return vm;
}

/* In the child: everything that touches the mm, timed around the two key operations. */
static int skey_child(const void *arg, void *out, char *err, size_t errlen)
{
	const struct skey_job *job = arg;
	struct skey_result *res = out;
	struct kmb_region r;
	int vm = setup_vm(job, &r, &res->before, err, errlen);

	if (vm < 0 || check_keys_unused(vm, err, errlen))
		return -1;
	if (timed_key_op(vm, job->sc->trigger, &res->first_ns, err, errlen) ||
	    timed_key_op(vm, job->sc->trigger, &res->second_ns, err, errlen))
		return -1;
	if (kmb_census_take(r.addr, r.len, KMB_CENSUS_AUTO, &res->after, err, errlen))
		return -1;
	return kmb_zero_mix_check_after(&res->after, "the first storage-key operation", err,
					errlen);
}

struct skey_totals {
	uint64_t first_ns, second_ns, pages, unshared, iterations;
	uint64_t zero_before_min, zero_after_max;
};

static void account(struct skey_totals *t, const struct skey_result *res)
{
	t->first_ns += res->first_ns;
	t->second_ns += res->second_ns;
	t->pages += res->before.pages;
	t->unshared += res->before.zero - res->after.zero;
	t->iterations++;
	if (t->iterations == 1 || res->before.zero < t->zero_before_min)
		t->zero_before_min = res->before.zero;
	if (res->after.zero > t->zero_after_max)
		t->zero_after_max = res->after.zero;
}

static void report(gb_state *st, const struct skey_totals *t)
{
	double n = (double)t->iterations;

	if (!t->iterations)
		return;
	gb_counter(st, "latency", (double)t->first_ns / n, GB_COUNTER_PLAIN);
	gb_counter(st, "second_call_ns", (double)t->second_ns / n, GB_COUNTER_PLAIN);
	gb_counter(st, "ns_per_page", (double)t->first_ns / (double)t->pages, GB_COUNTER_PLAIN);
	if (t->unshared)
		gb_counter(st, "ns_per_unshared_page", (double)t->first_ns / (double)t->unshared,
			   GB_COUNTER_PLAIN);
	gb_counter(st, "pages", (double)t->pages / n, GB_COUNTER_PLAIN);
	gb_counter(st, "pages_unshared", (double)t->unshared / n, GB_COUNTER_PLAIN);
	gb_counter(st, "zero_before", (double)t->zero_before_min, GB_COUNTER_PLAIN);
	gb_counter(st, "zero_after", (double)t->zero_after_max, GB_COUNTER_PLAIN);
}

void kmb_skey_run(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	struct skey_job job = { .sc = ctx->def->data, .size = ctx->size };
	struct skey_totals totals = { 0 };
	struct skey_result res;
	char err[512] = "";

	while (gb_keep_running(st)) {
		if (gb_failed(st)) {
			gb_set_iteration_time(st, 0);
			continue;
		}
		memset(&res, 0, sizeof(res));
		if (kmb_in_child(skey_child, &job, &res, sizeof(res), err, sizeof(err))) {
			gb_set_iteration_time(st, 0);
			gb_error(st, err);
			continue;
		}
		gb_set_iteration_time(st, (double)res.first_ns / 1e9);
		account(&totals, &res);
	}
	if (!gb_failed(st))
		report(st, &totals);
}

/* Per-instance checks: the memslot size, and the trigger's own needs. */
const char *kmb_skey_probe(const struct kmb_bench_ctx *ctx)
{
	const struct skey_case *sc = ctx->def->data;
	static char buf[320];
	int cap = -1;

	if (kmb_s390_memslot_check(0, ctx->size, buf, sizeof(buf)))
		return buf;
#if KMB_UAPI_HAS_KEYOP
	if (sc->trigger == KMB_SKEY_KEYOP)
		cap = kmb_kvm_probe_cap(KVM_CAP_S390_KEYOP, "KVM_CAP_S390_KEYOP", buf, sizeof(buf));
#endif
	return kmb_skey_skip_reason(sc->trigger, KMB_UAPI_HAS_KEYOP, cap, buf, sizeof(buf));
}

#endif /* __s390x__ */
