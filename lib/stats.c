// SPDX-License-Identifier: GPL-2.0-only
#include "stats.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double kmb_stats_median(const double *v, size_t n)
{
	double *sorted, median;

	if (n == 0)
		return NAN;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return NAN;
	memcpy(sorted, v, n * sizeof(*sorted));
	gsl_sort(sorted, 1, n);
	median = gsl_stats_median_from_sorted_data(sorted, 1, n);
	free(sorted);
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

double kmb_stats_cov(const double *v, size_t n)
{
	double mean = kmb_stats_mean(v, n);

	if (n < 2 || mean == 0)
		return NAN;
	return kmb_stats_stddev(v, n) / fabs(mean);
}
