/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Statistics over benchmark samples: descriptive figures, a distribution-free
 * confidence interval of the median, the Mann-Whitney U test and the
 * Hodges-Lehmann shift estimate with its confidence interval. Distribution
 * functions come from GSL; the U distribution is computed exactly for small
 * samples without ties.
 */
#ifndef KMB_STATS_H
#define KMB_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* Each returns NAN for an empty sample; inputs are not modified. */
double kmb_stats_median(const double *v, size_t n);
double kmb_stats_mean(const double *v, size_t n);
/* Sample standard deviation (n - 1); NAN for n < 2. */
double kmb_stats_stddev(const double *v, size_t n);
/* Coefficient of variation: stddev / |mean|; NAN for n < 2 or mean 0. */
double kmb_stats_cov(const double *v, size_t n);

/*
 * Robust spread: 1.4826 x the median absolute deviation (the SD of a normal
 * sample, but not moved by a few outliers), and that over |median|. NAN for
 * n < 2 or a zero median.
 */
double kmb_stats_robust_sd(const double *v, size_t n);
double kmb_stats_robust_cov(const double *v, size_t n);

/*
 * Minimum detectable change, relative to x's median: the shift between two
 * samples of these sizes and robust spreads that a two-sided test at alpha
 * finds with the given power (normal approximation; the U test on normal
 * data needs about 5 % more samples). NAN when it cannot be computed.
 */
double kmb_stats_mde(const double *x, size_t m, const double *y, size_t n, double alpha,
		     double power);

struct kmb_interval {
	double estimate;
	double lo, hi;
	double level;		/* confidence actually achieved (discrete) */
};

/*
 * Median with the order-statistic confidence interval [x(l), x(n-l+1)], l the
 * largest rank with P(Bin(n, 1/2) < l) <= alpha/2. For n < 6 at alpha 0.05 no
 * rank qualifies and the interval is [min, max] with its lower level.
 * Returns 0, or -1 for n == 0.
 */
int kmb_stats_median_ci(const double *v, size_t n, double alpha, struct kmb_interval *out);

struct kmb_mwu {
	double u;		/* U statistic of the second sample (y) */
	double p;		/* two-sided p-value */
	bool exact;		/* exact distribution (no ties, small samples) */
};

/*
 * Mann-Whitney U test, two-sided. Exact when there are no ties and m, n <= 50;
 * otherwise the normal approximation with tie correction and continuity
 * correction (as scipy.stats.mannwhitneyu(method="asymptotic")). Returns 0, or
 * -1 when a sample is empty.
 */
int kmb_stats_mann_whitney(const double *x, size_t m, const double *y, size_t n,
			   struct kmb_mwu *out);

/*
 * Hodges-Lehmann estimate of the shift y - x (median of all pairwise
 * differences) with the Moses confidence interval from the U distribution
 * (exact under the same conditions as the test, else normal). Returns 0, or -1
 * when a sample is empty.
 */
int kmb_stats_hodges_lehmann(const double *x, size_t m, const double *y, size_t n, double alpha,
			     struct kmb_interval *out);

/* P(U <= u) for the exact null distribution of U with sample sizes m, n. */
double kmb_stats_u_cdf(size_t m, size_t n, double u);

#endif
