/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page-operation driver shared by the memory benchmark families. A case
 * says how to prepare a fresh range (untimed), which state the census must
 * show before, the operation to time, and the state the census must show
 * after. The driver maps, prepares, checks, times, checks again and reports
 * ns_per_page with the census counters. A state not reached is an error with
 * the reason, never a time.
 */
#ifndef KMB_MEM_H
#define KMB_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "census.h"
#include "family.h"

#define KMB_HPAGE_SIZE (2ULL * 1024 * 1024)

struct kmb_region {
	char *addr;		/* page (or 2 MiB) aligned start */
	size_t len;
	void *map;		/* what mmap returned, for munmap */
	size_t map_len;
	int fd;			/* per-case file descriptor (userfaultfd), or -1 */
};

/* What the census must show; checked before and after the timed operation. */
enum kmb_page_state {
	KMB_STATE_ANY = 0,
	KMB_STATE_UNPOPULATED,	/* no page present */
	KMB_STATE_ZERO,		/* every page maps the 4 KiB zeropage */
	KMB_STATE_ZERO_HUGE,	/* every page maps the huge zeropage */
	KMB_STATE_PRIVATE,	/* every page present, none on a zeropage */
};

enum kmb_thp_mode {
	KMB_THP_OFF,		/* MADV_NOHUGEPAGE: base pages only */
	KMB_THP_ON,		/* 2 MiB aligned, MADV_HUGEPAGE */
};

struct kmb_page_op {
	enum kmb_thp_mode thp;
	/* Once per benchmark run, before the first iteration (knobs); may be NULL. */
	int (*begin)(const struct kmb_bench_ctx *ctx, char *err, size_t errlen);
	void (*end)(void);
	/* Untimed preparation of a fresh range; may be NULL. */
	int (*prepare)(struct kmb_region *r, const struct kmb_bench_ctx *ctx, char *err,
		       size_t errlen);
	enum kmb_page_state before;
	/* The timed operation. */
	int (*op)(struct kmb_region *r, char *err, size_t errlen);
	enum kmb_page_state after;
	/* Untimed cleanup of per-range state (fd); may be NULL. */
	void (*release)(struct kmb_region *r);
	const char *op_name;	/* "the write faults", for messages */
	/* Likely cause when the state after the op is not reached; may be NULL. */
	const char *after_hint;
};

/* Run function for definitions whose data is a struct kmb_page_op. */
void kmb_run_page_op(gb_state *st, const struct kmb_bench_ctx *ctx);

/* Map a fresh anonymous private range; 0 or -1 with err. */
int kmb_region_map(struct kmb_region *r, size_t len, enum kmb_thp_mode thp, char *err,
		   size_t errlen);
void kmb_region_unmap(struct kmb_region *r);

/* One access per stride bytes; volatile so the compiler keeps every one. */
void kmb_touch_read(const char *addr, size_t len, size_t stride);
void kmb_touch_write(char *addr, size_t len, size_t stride);

/* Ready-made operations. */
int kmb_op_read_faults(struct kmb_region *r, char *err, size_t errlen);
int kmb_op_write_faults(struct kmb_region *r, char *err, size_t errlen);
int kmb_op_populate_read(struct kmb_region *r, char *err, size_t errlen);
int kmb_op_populate_write(struct kmb_region *r, char *err, size_t errlen);
int kmb_op_clear(struct kmb_region *r, char *err, size_t errlen);
int kmb_prep_write_faults(struct kmb_region *r, const struct kmb_bench_ctx *ctx, char *err,
			  size_t errlen);
int kmb_prep_read_faults(struct kmb_region *r, const struct kmb_bench_ctx *ctx, char *err,
			 size_t errlen);

#endif
