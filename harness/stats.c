/* Small statistics over repetition summaries. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double ipcb_stats_median(const double *v, size_t n)
{
	if (n == 0 || n > IPCB_STATS_MAX_N)
		return 0.0;

	double s[n];

	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	/* halves first: the sum of two huge values would overflow */
	return n % 2 ? s[n / 2] : s[n / 2 - 1] / 2.0 + s[n / 2] / 2.0;
}

double ipcb_stats_min(const double *v, size_t n)
{
	double m = n ? v[0] : 0.0;

	for (size_t i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

double ipcb_stats_max(const double *v, size_t n)
{
	double m = n ? v[0] : 0.0;

	for (size_t i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static double sample_stddev(const double *v, size_t n, double *mean)
{
	double sum = 0, sq = 0;

	for (size_t i = 0; i < n; i++)
		sum += v[i];
	*mean = n ? sum / (double)n : 0;
	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		sq += (v[i] - *mean) * (v[i] - *mean);
	return sqrt(sq / (double)(n - 1));
}

double ipcb_stats_median_ci_coverage(size_t n, size_t k)
{
	double tail = 0, c = 1; /* c = C(n, i) */

	for (size_t i = 0; i < k; i++) {
		if (i > 0)
			c = c * (double)(n - i + 1) / (double)i;
		tail += c;
	}
	return 1.0 - 2.0 * tail * pow(0.5, (double)n);
}

void ipcb_stats_spread(const double *v, size_t n, struct ipcb_spread *out)
{
	double mean, sd;
	size_t k;

	memset(out, 0, sizeof *out);
	if (n == 0 || n > IPCB_STATS_MAX_N)
		return;

	double s[n], dev[n];

	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	out->n = (unsigned)n;
	out->median = ipcb_stats_median(s, n);
	out->min = s[0];
	out->max = s[n - 1];
	sd = sample_stddev(s, n, &mean);
	out->cv = mean != 0 ? sd / mean : 0;
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(s[i] - out->median);
	out->mad = ipcb_stats_median(dev, n);
	/* Widen from the middle until the coverage reaches 95%. */
	for (k = n / 2 > 0 ? n / 2 : 1; k > 1 && ipcb_stats_median_ci_coverage(n, k) < 0.95; k--)
		;
	out->ci_low = s[k - 1];
	out->ci_high = s[n - k];
	out->ci_level = ipcb_stats_median_ci_coverage(n, k);
}

/* Ranks of the pooled values (mid-ranks for ties), into r[0..na+nb). */
static void pooled_ranks(const double *a, size_t na, const double *b, size_t nb, double *r)
{
	size_t n = na + nb;

	for (size_t i = 0; i < n; i++) {
		double x = i < na ? a[i] : b[i - na];
		size_t below = 0, equal = 0;

		for (size_t j = 0; j < n; j++) {
			double y = j < na ? a[j] : b[j - na];

			below += y < x;
			equal += y == x;
		}
		r[i] = (double)below + ((double)equal + 1.0) / 2.0;
	}
}

/* Count the splits of the ranks whose rank sum for the first group is at
 * least as far from its mean as the observed one. */
static void count_splits(const double *r, size_t n, size_t pick, size_t from, double sum,
			 double mean, double observed_dev, double *extreme, double *total)
{
	if (pick == 0) {
		*total += 1;
		if (fabs(sum - mean) >= observed_dev - 1e-9)
			*extreme += 1;
		return;
	}
	for (size_t i = from; i + pick <= n; i++)
		count_splits(r, n, pick - 1, i + 1, sum + r[i], mean, observed_dev, extreme, total);
}

static double binomial(size_t n, size_t k)
{
	double c = 1;

	for (size_t i = 1; i <= k; i++)
		c = c * (double)(n - k + i) / (double)i;
	return c;
}

double ipcb_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb;
	double r1 = 0, mean, dev;

	if (na == 0 || nb == 0 || n > IPCB_STATS_MAX_N)
		return 1.0;

	double r[n];

	pooled_ranks(a, na, b, nb, r);
	for (size_t i = 0; i < na; i++)
		r1 += r[i];
	mean = (double)na * (double)(n + 1) / 2.0;
	dev = fabs(r1 - mean);
	if (binomial(n, na) <= 2000000) {
		double extreme = 0, total = 0;

		count_splits(r, n, na, 0, 0, mean, dev, &extreme, &total);
		return extreme / total;
	}
	{
		/* Normal approximation; the variance shrinks with ties. */
		double ties = 0, var, z;

		for (size_t i = 0; i < n; i++) {
			double t = 0;

			for (size_t j = 0; j < n; j++)
				t += r[j] == r[i];
			ties += (t * t - 1) /
				(double)n; /* sum over groups of t^3 - t, per member */
		}
		var = (double)na * (double)nb / 12.0 * ((double)(n + 1) - ties / (double)(n - 1));
		if (var <= 0)
			return 1.0;
		z = (dev - 0.5) / sqrt(var);
		if (z < 0)
			z = 0;
		return erfc(z / sqrt(2.0));
	}
}

bool ipcb_stats_percentile_reliable(uint64_t n, double q)
{
	/* n (1 - q/100) >= 10, with room for q's rounding (99.9 is not exact) */
	return (double)n * (100.0 - q) >= 1000.0 * (1.0 - 1e-9);
}
