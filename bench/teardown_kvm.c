// SPDX-License-Identifier: GPL-2.0-only
/*
 * teardown/kvm_vm_close: the closest portable relative of destroying a
 * protected guest. A VM gets the populated range as memslot 0; closing its
 * fd (the last reference) destroys the VM, then munmap frees the memory,
 * each timed on its own. No vCPU ever ran, so no stage-2 (EPT/NPT) mapping
 * of the memory exists and the close costs what KVM's own teardown costs,
 * not a walk over the guest's pages: the munmap after it is where the
 * memory goes (munmap_ns_per_page).
 */
#include "child.h"
#include "kvm_util.h"
#include "teardown.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- teardown/kvm_vm_close ---- */

/* A VM with the range as memslot 0 at guest physical 0; returns the VM fd. */
static int kvm_vm_with_memslot(const struct td_range *r, char *err, size_t errlen)
{
	int kvm_fd, vm_fd;

	kvm_fd = kmb_kvm_open(err, errlen);
	if (kvm_fd < 0)
		return -1;
	vm_fd = kmb_kvm_create_vm(kvm_fd, 0, err, errlen);
	close(kvm_fd);
	if (vm_fd < 0)
		return -1;
	if (kmb_kvm_set_memslot(vm_fd, 0, 0, r->addr, r->len, err, errlen)) {
		close(vm_fd);
		return -1;
	}
	return vm_fd;
}

static int kvm_close_in_child(const void *arg, void *out, char *err, size_t errlen)
{
	const struct kmb_bench_ctx *ctx = arg;
	struct td_result *res = out;
	struct td_range r;
	uint64_t t0, t1, t2;
	int vm_fd;

	if (td_range_prepare(&r, ctx->size, err, errlen))
		return -1;
	vm_fd = kvm_vm_with_memslot(&r, err, errlen);
	if (vm_fd < 0) {
		munmap(r.addr, r.len);
		return -1;
	}
	t0 = kmb_now_ns();
	close(vm_fd);
	t1 = kmb_now_ns();
	if (munmap(r.addr, r.len)) {
		snprintf(err, errlen, "munmap after closing the VM failed: %s", strerror(errno));
		return -1;
	}
	t2 = kmb_now_ns();
	res->fg_ns = t1 - t0;
	td_extra(res, "munmap_ns_per_page", (double)(t2 - t1) / (double)(r.len / kmb_page_size()),
		 GB_LOWER_IS_BETTER);
	return td_range_check_freed(&r, res, err, errlen);
}

/*
 * Each VM lives and dies in a child process: on s390 (before Linux 7.0) the
 * first KVM_CREATE_VM of a process marks its whole mm VM_NOHUGEPAGE for good
 * (s390_enable_sie -> thp_split_mm), which would spoil the THP benchmarks
 * run after this one in kmb. The result (with its counters' names, which are
 * string literals of this program) comes back through a pipe.
 */
static int kvm_close_iteration(const struct kmb_bench_ctx *ctx, struct td_result *res, char *err,
			       size_t errlen)
{
	return kmb_in_child(kvm_close_in_child, ctx, res, sizeof(*res), err, errlen) ? -1 : 0;
}

void td_run_kvm_vm_close(gb_state *st, const struct kmb_bench_ctx *ctx)
{
	td_run(st, ctx, kvm_close_iteration);
}
