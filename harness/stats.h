/* Small statistics over repetition summaries. */
#ifndef IPCB_STATS_H
#define IPCB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest n the functions below accept (repetitions are capped below it). */
#define IPCB_STATS_MAX_N 4096

/* Median of n values (the mean of the two middle ones when n is even);
 * v is not modified. 0 when n is 0 or above IPCB_STATS_MAX_N. */
double ipcb_stats_median(const double *v, size_t n);

/* Smallest and largest of n values (0 when n is 0). */
double ipcb_stats_min(const double *v, size_t n);
double ipcb_stats_max(const double *v, size_t n);

/* Whether percentile q (in %, e.g. 99.9) of n samples is worth reporting:
 * at least 10 samples lie beyond it, n >= 10 / (1 - q/100) (p99 needs
 * 1,000 samples, p99.9 10,000, p99.99 100,000). */
bool ipcb_stats_percentile_reliable(uint64_t n, double q);

/* How a set of repetitions' figures spread. */
struct ipcb_spread {
	unsigned n;
	double median, min, max;
	double cv;              /* sample standard deviation / mean; 0 when n < 2 */
	double mad;             /* median absolute deviation from the median */
	double ci_low, ci_high; /* confidence interval for the median */
	double ci_level;        /* its exact coverage (0.95 or more when n >= 6) */
};

/* Spread of n values (n <= IPCB_STATS_MAX_N). The interval for the median
 * comes from order statistics: the narrowest [x(k), x(n-k+1)] whose
 * binomial coverage is at least 95%; with 5 or fewer values no interval
 * reaches 95%, and [min, max] is given with its coverage (93.75% for 5). */
void ipcb_stats_spread(const double *v, size_t n, struct ipcb_spread *out);

/* Coverage of [x(k), x(n-k+1)] (1-based k) for the median of n values:
 * 1 - 2 * P(Binomial(n, 1/2) <= k - 1). */
double ipcb_stats_median_ci_coverage(size_t n, size_t k);

/* Two-sided p-value of the Mann-Whitney U test that a and b come from the
 * same distribution. Ties get mid-ranks; the p-value is exact (every
 * split of the pooled ranks enumerated) when C(na + nb, na) <= 2,000,000,
 * and from the normal approximation with tie and continuity corrections
 * otherwise. 1 when either side is empty. */
double ipcb_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

#endif
