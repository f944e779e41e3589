// SPDX-License-Identifier: GPL-2.0-only
/*
 * Statistics against reference values computed independently: scipy 1.10
 * (scipy.stats.mannwhitneyu, scipy.stats.binom), numpy.median over the
 * pairwise differences, and a brute-force enumeration of all C(13, 6)
 * rankings for the exact U distribution behind the Moses interval. The
 * script that produced them is quoted next to each value.
 */
#include "check.h"
#include "stats.h"

#include <math.h>

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

static const double x[] = { 10.2, 11.5, 9.8, 10.9, 10.4, 12.1, 10.0 };
static const double y[] = { 11.9, 12.4, 11.1, 13.0, 12.2, 11.7 };

/* rng = numpy.random.default_rng(1); round(rng.normal(100, 5, 60), 6), then (102, 5, 55) */
static const double big_a[] = {
	101.727921, 104.108091, 101.652185, 93.484214, 104.526779, 102.231873, 97.315234, 102.905591,
	101.822862, 101.470662, 100.142111, 102.733565, 96.31773, 99.18545, 97.589403, 102.994231,
	100.198611, 98.537716, 96.090458, 98.714039, 100.040711, 98.621985, 106.470319, 105.033622,
	86.444188, 90.554934, 99.12614, 97.889048, 101.068215, 101.08661, 110.589194, 94.439896,
	98.111975, 110.213858, 103.233515, 103.315317, 97.429968, 91.759624, 100.837324, 100.54507,
	93.86324, 96.583867, 99.639782, 95.276242, 99.50865, 100.477415, 100.177931, 97.468542,
	102.96874, 104.455835, 101.604242, 95.908849, 103.658261, 97.4928, 104.395803, 94.641063,
	104.572336, 99.899683, 93.756256, 98.430503,
};
static const double big_b[] = {
	102.270511, 103.363957, 97.089059, 96.463135, 102.997923, 99.666252, 103.177528, 105.797598,
	93.756063, 103.271941, 108.123235, 100.512366, 97.945927, 105.761219, 103.267233, 106.479415,
	100.273921, 94.590909, 101.449946, 99.770859, 105.876619, 102.968164, 93.845754, 96.024185,
	106.418945, 105.398825, 98.798783, 101.994756, 104.227868, 104.342022, 106.381211, 103.282428,
	101.525858, 100.70576, 107.278714, 90.745729, 101.306723, 102.165001, 94.873255, 103.664068,
	98.743595, 106.312224, 101.37204, 105.345766, 108.094218, 103.914648, 97.621394, 94.428407,
	110.766921, 101.443539, 98.557175, 102.721285, 101.042943, 106.260711, 102.169641,
};

static void test_descriptive(void)
{
	const double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 };
	const double s[] = { 2, 4, 4, 4, 5, 5, 7, 9 };

	CHECK(kmb_stats_median(odd, 3) == 3);
	CHECK(kmb_stats_median(even, 4) == 2.5);
	CHECK(odd[0] == 5); /* input untouched */
	CHECK(kmb_stats_mean(s, 8) == 5);
	/* numpy.std([2,4,4,4,5,5,7,9], ddof=1) = 2.138089935299395 */
	CHECK(NEAR(kmb_stats_stddev(s, 8), 2.138089935299395, 1e-12));
	CHECK(NEAR(kmb_stats_cov(s, 8), 2.138089935299395 / 5, 1e-12));
	CHECK(isnan(kmb_stats_median(s, 0)));
	CHECK(isnan(kmb_stats_stddev(s, 1)));
}

static void test_mann_whitney(void)
{
	const double xt[] = { 1, 2, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9 };
	const double yt[] = { 3, 4, 4, 5, 6, 6, 7, 8, 9, 10, 11, 12, 12 };
	struct kmb_mwu r;

	/* mannwhitneyu(y, x, method="exact"): U = 38.0, p = 0.013986013986013986 */
	CHECK(kmb_stats_mann_whitney(x, 7, y, 6, &r) == 0);
	CHECK(r.exact);
	CHECK(r.u == 38);
	CHECK(NEAR(r.p, 0.013986013986013986, 1e-12));
	/* Swapping the samples keeps p and mirrors U. */
	CHECK(kmb_stats_mann_whitney(y, 6, x, 7, &r) == 0);
	CHECK(r.u == 4 && NEAR(r.p, 0.013986013986013986, 1e-12));
	/* Ties: method="asymptotic", use_continuity=True: U = 121.5, p = 0.018785425424839977 */
	CHECK(kmb_stats_mann_whitney(xt, 12, yt, 13, &r) == 0);
	CHECK(!r.exact);
	CHECK(r.u == 121.5);
	CHECK(NEAR(r.p, 0.018785425424839977, 1e-9));
	/* Large samples, no ties: U = 2126.0, p = 0.007761123668101857 */
	CHECK(kmb_stats_mann_whitney(big_a, 60, big_b, 55, &r) == 0);
	CHECK(!r.exact);
	CHECK(r.u == 2126);
	CHECK(NEAR(r.p, 0.007761123668101857, 1e-9));
	/* Identical samples: no evidence at all. */
	CHECK(kmb_stats_mann_whitney(x, 7, x, 7, &r) == 0);
	CHECK(r.p == 1);
	CHECK(kmb_stats_mann_whitney(x, 0, y, 6, &r) == -1);
}

static void test_u_cdf(void)
{
	/* m = n = 3: 20 rankings, U = 0 once, U <= 1 twice, U <= 2 four times. */
	CHECK(NEAR(kmb_stats_u_cdf(3, 3, 0), 1.0 / 20, 1e-15));
	CHECK(NEAR(kmb_stats_u_cdf(3, 3, 1), 2.0 / 20, 1e-15));
	CHECK(NEAR(kmb_stats_u_cdf(3, 3, 2), 4.0 / 20, 1e-15));
	CHECK(NEAR(kmb_stats_u_cdf(3, 3, 9), 1, 1e-15));
}

static void test_hodges_lehmann(void)
{
	struct kmb_interval hl;

	/* median of all y - x = 1.5; brute force: k = 7, [d(7), d(36)], level 0.965034965034965 */
	CHECK(kmb_stats_hodges_lehmann(x, 7, y, 6, 0.05, &hl) == 0);
	CHECK(NEAR(hl.estimate, 1.5, 1e-12));
	CHECK(NEAR(hl.lo, 0.2, 1e-12));
	CHECK(NEAR(hl.hi, 2.4, 1e-12));
	CHECK(NEAR(hl.level, 0.965034965034965, 1e-12));
	/* A pure shift is recovered exactly. */
	{
		double shifted[7];
		int i;

		for (i = 0; i < 7; i++)
			shifted[i] = x[i] + 3;
		CHECK(kmb_stats_hodges_lehmann(x, 7, shifted, 7, 0.05, &hl) == 0);
		CHECK(NEAR(hl.estimate, 3, 1e-12));
		CHECK(hl.lo <= 3 && hl.hi >= 3);
	}
}

static void test_median_ci(void)
{
	const double v[] = { 9, 1, 8, 2, 7, 3, 6, 4, 5, 10 };
	struct kmb_interval ci;

	/* n = 10: ranks 2 and 9 (binom.cdf(1, 10, .5) = 0.0107 <= .025 < binom.cdf(2, ...)) */
	CHECK(kmb_stats_median_ci(v, 10, 0.05, &ci) == 0);
	CHECK(ci.estimate == 5.5 && ci.lo == 2 && ci.hi == 9);
	/* level 1 - 2 * binom.cdf(1, 10, .5) = 0.978515625 */
	CHECK(NEAR(ci.level, 0.978515625, 1e-12));
	/* n = 9: ranks 2 and 8 */
	CHECK(kmb_stats_median_ci(v, 9, 0.05, &ci) == 0);
	CHECK(ci.lo == 2 && ci.hi == 8);
	/* n = 5: no rank reaches 95 %: [min, max] at 1 - 2 / 32 = 0.9375 */
	CHECK(kmb_stats_median_ci(v, 5, 0.05, &ci) == 0);
	CHECK(ci.lo == 1 && ci.hi == 9 && NEAR(ci.level, 0.9375, 1e-12));
	CHECK(kmb_stats_median_ci(v, 0, 0.05, &ci) == -1);
}

static void test_median_ci_20(void)
{
	double v[20];
	struct kmb_interval ci;
	int i;

	for (i = 0; i < 20; i++)
		v[i] = 20 - i;
	/* n = 20: ranks 6 and 15, the textbook table value */
	CHECK(kmb_stats_median_ci(v, 20, 0.05, &ci) == 0);
	CHECK(ci.lo == 6 && ci.hi == 15);
}

/*
 * The robust spread is not moved by an outlier (the classic CoV is), and the
 * minimum detectable change shrinks with the sample sizes: sqrt(2) for twice
 * as many samples on both sides, and is the textbook 2.80 sigma sqrt(2/n).
 */
static void test_robust_and_mde(void)
{
	double a[] = { 100, 101, 99, 100, 102, 98, 100, 1000 };
	double p[40], q[40];
	double m10, m20;
	int i;

	/* MAD of {98..102, 100x3, 1000} is 1: 1.4826 / 100 */
	CHECK(NEAR(kmb_stats_robust_cov(a, 8), 0.0148260222, 1e-9));
	CHECK(kmb_stats_cov(a, 8) > 1);
	CHECK(isnan(kmb_stats_robust_cov(a, 1)));
	for (i = 0; i < 40; i++) {
		/* A symmetric sample around 1000 with a MAD of 10. */
		p[i] = q[i] = 1000 + ((i % 4) - 1.5) * (20.0 / 3);
	}
	/* Whole periods of the pattern: the same median and MAD at 8 and 16. */
	m10 = kmb_stats_mde(p, 8, q, 8, 0.05, 0.8);
	m20 = kmb_stats_mde(p, 16, q, 16, 0.05, 0.8);
	CHECK(m10 > 0 && m20 > 0 && NEAR(m10 / m20, sqrt(2), 1e-9));
	/* (1.95996 + 0.84162) x sd x sqrt(2/8) / 1000 */
	CHECK(NEAR(m10, 2.80158 * kmb_stats_robust_sd(p, 8) * sqrt(0.25) / 1000, 1e-5));
	CHECK(isnan(kmb_stats_mde(p, 1, q, 10, 0.05, 0.8)));
}

int main(void)
{
	test_robust_and_mde();
	test_descriptive();
	test_mann_whitney();
	test_u_cdf();
	test_hodges_lehmann();
	test_median_ci();
	test_median_ci_20();
	CHECK_DONE();
}
