// SPDX-License-Identifier: GPL-2.0-only
#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EXACT_MAX 50

static double *sorted_copy(const double *v, size_t n)
{
	double *s = malloc((n ? n : 1) * sizeof(*s));

	if (!s)
		return NULL;
	memcpy(s, v, n * sizeof(*s));
	gsl_sort(s, 1, n);
	return s;
}

double kmb_stats_median(const double *v, size_t n)
{
	double *s, median;

	if (n == 0 || !(s = sorted_copy(v, n)))
		return NAN;
	median = gsl_stats_median_from_sorted_data(s, 1, n);
	free(s);
	return median;
}

double kmb_stats_mean(const double *v, size_t n)
{
	return n ? gsl_stats_mean(v, 1, n) : NAN;
}

double kmb_stats_stddev(const double *v, size_t n)
{
	return n >= 2 ? gsl_stats_sd(v, 1, n) : NAN;
}

double kmb_stats_robust_sd(const double *v, size_t n)
{
	double *work, sd;

	if (n < 2)
		return NAN;
	work = malloc(n * sizeof(*work));
	if (!work)
		return NAN;
	/* gsl_stats_mad is the MAD scaled by 1.4826: the SD of a normal sample. */
	sd = gsl_stats_mad(v, 1, n, work);
	free(work);
	return sd;
}

double kmb_stats_robust_cov(const double *v, size_t n)
{
	double median = kmb_stats_median(v, n), sd = kmb_stats_robust_sd(v, n);

	if (n < 2 || median == 0 || isnan(sd))
		return NAN;
	return sd / fabs(median);
}

double kmb_stats_mde(const double *x, size_t m, const double *y, size_t n, double alpha,
		     double power)
{
	double sx = kmb_stats_robust_sd(x, m), sy = kmb_stats_robust_sd(y, n);
	double base = kmb_stats_median(x, m);

	if (m < 2 || n < 2 || isnan(sx) || isnan(sy) || base == 0)
		return NAN;
	return (gsl_cdf_ugaussian_Qinv(alpha / 2) + gsl_cdf_ugaussian_Pinv(power)) *
	       sqrt(sx * sx / (double)m + sy * sy / (double)n) / fabs(base);
}

double kmb_stats_cov(const double *v, size_t n)
{
	double mean = kmb_stats_mean(v, n);

	if (n < 2 || mean == 0)
		return NAN;
	return kmb_stats_stddev(v, n) / fabs(mean);
}

int kmb_stats_median_ci(const double *v, size_t n, double alpha, struct kmb_interval *out)
{
	double *s;
	size_t l = 0;

	if (n == 0 || !(s = sorted_copy(v, n)))
		return -1;
	/* Largest l with P(X <= l - 1) <= alpha/2, X ~ Bin(n, 1/2). */
	while (l + 1 <= n / 2 && gsl_cdf_binomial_P((unsigned)l, 0.5, (unsigned)n) <= alpha / 2)
		l++;
	out->estimate = gsl_stats_median_from_sorted_data(s, 1, n);
	if (l == 0) {
		out->lo = s[0];
		out->hi = s[n - 1];
		out->level = 1 - 2 * pow(0.5, (double)n);
	} else {
		out->lo = s[l - 1];
		out->hi = s[n - l];
		out->level = 1 - 2 * gsl_cdf_binomial_P((unsigned)(l - 1), 0.5, (unsigned)n);
	}
	free(s);
	return 0;
}

/*
 * Exact null distribution of U: counts[u] = number of arrangements of m x's
 * and n y's with U = u, by the recurrence f(m, n, u) = f(m-1, n, u-n) +
 * f(m, n-1, u), computed one m at a time. Returned as probabilities.
 */
static double *u_distribution(size_t m, size_t n)
{
	size_t umax = m * n, i, j, u;
	double *prev = calloc((umax + 1) * (n + 1), sizeof(double));
	double *cur = calloc((umax + 1) * (n + 1), sizeof(double));
	double *dist, total = 0;

	if (!prev || !cur)
		goto fail;
	/* f(0, j, 0) = 1 for every j. */
	for (j = 0; j <= n; j++)
		prev[j * (umax + 1)] = 1;
	for (i = 1; i <= m; i++) {
		memset(cur, 0, (umax + 1) * (n + 1) * sizeof(double));
		cur[0] = 1; /* f(i, 0, 0) = 1 */
		for (j = 1; j <= n; j++) {
			for (u = 0; u <= i * j; u++) {
				double v = cur[(j - 1) * (umax + 1) + u];

				if (u >= j)
					v += prev[j * (umax + 1) + u - j];
				cur[j * (umax + 1) + u] = v;
			}
		}
		memcpy(prev, cur, (umax + 1) * (n + 1) * sizeof(double));
	}
	dist = malloc((umax + 1) * sizeof(double));
	if (!dist)
		goto fail;
	for (u = 0; u <= umax; u++)
		total += prev[n * (umax + 1) + u];
	for (u = 0; u <= umax; u++)
		dist[u] = prev[n * (umax + 1) + u] / total;
	free(prev);
	free(cur);
	return dist;
fail:
	free(prev);
	free(cur);
	return NULL;
}

double kmb_stats_u_cdf(size_t m, size_t n, double u)
{
	double *dist = u_distribution(m, n), p = 0;
	size_t k;

	if (!dist)
		return NAN;
	for (k = 0; k <= m * n && (double)k <= u; k++)
		p += dist[k];
	free(dist);
	return p > 1 ? 1 : p;
}

struct ranked {
	double value;
	int group;
};

static int cmp_ranked(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->value, y = ((const struct ranked *)b)->value;

	return (x > y) - (x < y);
}

/*
 * Midranks of the pooled sample: returns the rank sum of group 1 and the
 * tie term sum(t^3 - t) over tie groups.
 */
static int rank_sum(const double *x, size_t m, const double *y, size_t n, double *r_y,
		    double *ties)
{
	size_t N = m + n, i, j, k;
	struct ranked *all = malloc(N * sizeof(*all));

	if (!all)
		return -1;
	for (i = 0; i < m; i++)
		all[i] = (struct ranked){ x[i], 0 };
	for (i = 0; i < n; i++)
		all[m + i] = (struct ranked){ y[i], 1 };
	qsort(all, N, sizeof(*all), cmp_ranked);
	*r_y = 0;
	*ties = 0;
	for (i = 0; i < N; i = j) {
		double t, midrank;

		for (j = i + 1; j < N && all[j].value == all[i].value; j++)
			;
		t = (double)(j - i);
		midrank = (double)(i + 1 + j) / 2;
		for (k = i; k < j; k++)
			*r_y += all[k].group ? midrank : 0;
		*ties += t * t * t - t;
	}
	free(all);
	return 0;
}

static bool use_exact(size_t m, size_t n, double ties)
{
	return ties == 0 && m <= EXACT_MAX && n <= EXACT_MAX;
}

int kmb_stats_mann_whitney(const double *x, size_t m, const double *y, size_t n,
			   struct kmb_mwu *out)
{
	double r_y, ties, u_y, u_big, mu, sigma, N;

	if (m == 0 || n == 0 || rank_sum(x, m, y, n, &r_y, &ties))
		return -1;
	u_y = r_y - (double)n * (double)(n + 1) / 2;
	u_big = fmax(u_y, (double)m * (double)n - u_y);
	out->u = u_y;
	out->exact = use_exact(m, n, ties);
	if (out->exact) {
		/* P(U >= u_big) = 1 - P(U <= u_big - 1), doubled. */
		out->p = 2 * (1 - kmb_stats_u_cdf(m, n, u_big - 1));
	} else {
		N = (double)(m + n);
		mu = (double)m * (double)n / 2;
		sigma = sqrt((double)m * (double)n / 12 * ((N + 1) - ties / (N * (N - 1))));
		out->p = sigma > 0 ? 2 * gsl_cdf_ugaussian_Q((u_big - mu - 0.5) / sigma) : 1;
	}
	if (out->p > 1)
		out->p = 1;
	if (out->p < 0)
		out->p = 0;
	return 0;
}

/* Rank k (1-based) of the Moses interval: the alpha/2 quantile of U. */
static size_t moses_rank(size_t m, size_t n, double alpha, bool exact, double *level)
{
	double mn = (double)m * (double)n, cdf = 0, below = 0, z, k;
	double *dist;
	size_t u, i;

	if (exact && (dist = u_distribution(m, n))) {
		/* Smallest u with P(U <= u) >= alpha/2, as R's qwilcox. */
		for (u = 0; u <= m * n; u++) {
			cdf += dist[u];
			if (cdf >= alpha / 2)
				break;
		}
		if (u == 0)
			u = 1;
		for (i = 0; i < u; i++)
			below += dist[i]; /* P(U <= u - 1) */
		*level = 1 - 2 * below;
		free(dist);
		return u;
	}
	z = gsl_cdf_ugaussian_Qinv(alpha / 2);
	k = floor(mn / 2 - z * sqrt(mn * (double)(m + n + 1) / 12));
	*level = 1 - alpha;
	return k < 1 ? 1 : (size_t)k;
}

int kmb_stats_hodges_lehmann(const double *x, size_t m, const double *y, size_t n, double alpha,
			     struct kmb_interval *out)
{
	size_t mn = m * n, i, j, k;
	double *d, r_y, ties;

	if (m == 0 || n == 0 || rank_sum(x, m, y, n, &r_y, &ties))
		return -1;
	d = malloc(mn * sizeof(*d));
	if (!d)
		return -1;
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++)
			d[i * n + j] = y[j] - x[i];
	gsl_sort(d, 1, mn);
	out->estimate = gsl_stats_median_from_sorted_data(d, 1, mn);
	k = moses_rank(m, n, alpha, use_exact(m, n, ties), &out->level);
	if (k > mn)
		k = mn;
	out->lo = d[k - 1];
	out->hi = d[mn - k];
	free(d);
	return 0;
}
