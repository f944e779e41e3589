/* SPDX-License-Identifier: GPL-2.0-only */
/* Descriptive statistics over benchmark samples (GSL underneath). */
#ifndef KMB_STATS_H
#define KMB_STATS_H

#include <stddef.h>

/* Each returns NAN for an empty sample; inputs are not modified. */
double kmb_stats_median(const double *v, size_t n);
double kmb_stats_mean(const double *v, size_t n);
/* Sample standard deviation (n - 1); NAN for n < 2. */
double kmb_stats_stddev(const double *v, size_t n);
/* Coefficient of variation: stddev / mean; NAN for n < 2 or mean 0. */
double kmb_stats_cov(const double *v, size_t n);

#endif
