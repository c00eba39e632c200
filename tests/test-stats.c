/* Statistics over repetitions: median, spread, the order-statistics
 * interval for the median, and the Mann-Whitney U test. */
#include "config.h"

#include <math.h>

#include "harness/stats.h"
#include "tests/tap.h"

static int near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

int main(void)
{
	const double five[] = { 3, 1, 5, 2, 4 };
	const double ten[] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
	struct ipcb_spread sp;

	tap_init();
	ok(ipcb_stats_percentile_reliable(20, 50.0) && !ipcb_stats_percentile_reliable(19, 50.0),
	   "p50 needs 20 samples");
	ok(ipcb_stats_percentile_reliable(1000, 99.0) && !ipcb_stats_percentile_reliable(999, 99.0),
	   "p99 needs 1,000 samples");
	ok(ipcb_stats_percentile_reliable(10000, 99.9) &&
		   !ipcb_stats_percentile_reliable(9999, 99.9),
	   "p99.9 needs 10,000 samples (99.9 inexact in binary)");
	ok(ipcb_stats_percentile_reliable(100000, 99.99) &&
		   !ipcb_stats_percentile_reliable(99999, 99.99),
	   "p99.99 needs 100,000 samples");
	ok(!ipcb_stats_percentile_reliable(0, 50.0), "no samples: nothing is reliable");
	ipcb_stats_spread(five, 5, &sp);
	ok(sp.n == 5 && sp.median == 3 && sp.min == 1 && sp.max == 5,
	   "spread of 1..5: median 3, min 1, max 5");
	ok(sp.mad == 1, "MAD of 1..5 is 1");
	ok(near(sp.cv, sqrt(2.5) / 3, 1e-12), "CV of 1..5 is the sample stddev over the mean");
	ok(sp.ci_low == 1 && sp.ci_high == 5 && near(sp.ci_level, 0.9375, 1e-12),
	   "5 values: [min, max] with its 93.75%% coverage");
	ipcb_stats_spread(ten, 10, &sp);
	ok(sp.ci_low == 2 && sp.ci_high == 9 && near(sp.ci_level, 1 - 22.0 / 1024, 1e-12),
	   "10 values: [x(2), x(9)], coverage 97.85%%");
	ok(near(ipcb_stats_median_ci_coverage(10, 3), 1 - 112.0 / 1024, 1e-12),
	   "coverage of [x(3), x(8)] of 10");
	ipcb_stats_spread(five, 1, &sp);
	ok(sp.n == 1 && sp.median == 3 && sp.cv == 0 && sp.mad == 0, "one value: no spread");
	ok(ipcb_stats_median(ten, 10) == 5.5,
	   "median of an even count is the mean of the middle two");

	{
		const double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 };
		const double c[] = { 1, 3, 5 }, d[] = { 2, 4, 6 }, e[] = { 4, 5, 6 },
			     f[] = { 1, 2, 3 };
		const double same[] = { 5, 5, 5 };

		ok(near(ipcb_mann_whitney_p(a, 5, b, 5), 2.0 / 252, 1e-12),
		   "5 vs 5, separated: exact two-sided p = 2/252");
		ok(near(ipcb_mann_whitney_p(b, 5, a, 5), 2.0 / 252, 1e-12), "and symmetric");
		ok(near(ipcb_mann_whitney_p(f, 3, e, 3), 0.1, 1e-12),
		   "3 vs 3, separated: p = 2/20, never below 0.05");
		ok(near(ipcb_mann_whitney_p(c, 3, d, 3), 0.7, 1e-12), "1,3,5 vs 2,4,6: p = 14/20");
		ok(ipcb_mann_whitney_p(same, 3, same, 3) == 1.0, "all tied: p = 1");
		ok(ipcb_mann_whitney_p(a, 0, b, 5) == 1.0, "an empty side: p = 1");
	}
	{
		double x[30], y[30], z[30];

		for (int i = 0; i < 30; i++) {
			x[i] = i;
			y[i] = 30 + i;
			z[i] = i + 0.5;
		}
		ok(ipcb_mann_whitney_p(x, 30, y, 30) < 1e-9,
		   "30 vs 30 separated (normal approximation): p < 1e-9");
		ok(ipcb_mann_whitney_p(x, 30, z, 30) > 0.5, "30 vs 30 interleaved: p > 0.5");
	}
	return tap_done();
}
