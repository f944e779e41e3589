/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The s390x benchmark families' cases and entry points. The tables that name
 * the benchmarks (bench/skey.c, bench/teardown_pv.c) are built everywhere, so
 * `kmb list` shows them with their skip reason on other architectures; the
 * operations behind them (bench/s390/skey_kvm.c, teardown_pv_kvm.c) exist on s390x only.
 */
#ifndef KMB_S390_BENCH_H
#define KMB_S390_BENCH_H

#include "family.h"
#include "s390/pv_req.h"

struct skey_case {
	enum kmb_skey_trigger trigger;
	unsigned zero_pct;
};

struct pv_case {
	enum kmb_pv_teardown how;
};

#ifdef __s390x__
void kmb_skey_run(gb_state *st, const struct kmb_bench_ctx *ctx);
const char *kmb_skey_probe(const struct kmb_bench_ctx *ctx);
void kmb_pv_teardown_run(gb_state *st, const struct kmb_bench_ctx *ctx);
const char *kmb_pv_teardown_probe(const struct kmb_bench_ctx *ctx);
#define KMB_S390_ONLY(fn) (fn)
#else
#define KMB_S390_ONLY(fn) NULL
#endif

#endif
