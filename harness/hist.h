/* HDR-style log-linear histogram of uint64_t values (nanoseconds here).
 *
 * Values below 2 * 10^sig_figs (times the lowest unit) are counted exactly;
 * above that each power-of-two "bucket" is split into the same number of
 * linear sub-buckets, so every recorded value is kept to sig_figs significant
 * decimal digits. Recording is O(1) and allocation-free. The counts live in a
 * flexible array inside the struct, so a histogram can be placed in any block
 * of memory (for example a MAP_SHARED page written by a child process). */
#ifndef IPCB_HIST_H
#define IPCB_HIST_H

#include <stddef.h>
#include <stdint.h>

struct ipcb_hist {
	uint64_t lowest_trackable;  /* smallest value kept apart from 0 (>= 1) */
	uint64_t highest_trackable; /* larger values count as overflow */
	int32_t sig_figs;           /* 1..5 */
	int32_t unit_magnitude;     /* floor(log2(lowest_trackable)) */
	int32_t sub_half_magnitude; /* log2 of sub_half_count */
	int32_t sub_count;          /* linear sub-buckets per bucket (power of 2) */
	int32_t sub_half_count;     /* sub_count / 2 */
	int32_t bucket_count;
	int32_t counts_len;
	int32_t pad_;
	uint64_t sub_mask;       /* (sub_count - 1) << unit_magnitude */
	uint64_t total_count;    /* values counted in counts[] */
	uint64_t overflow_count; /* values above highest_trackable */
	uint64_t min, max;       /* exact, over every recorded value */
	uint64_t counts[];
};

/* Bytes needed for a histogram with this configuration, or 0 when the
 * configuration is invalid (lowest < 1, highest < 2 * lowest, sig_figs not
 * in 1..5). */
size_t ipcb_hist_bytes(uint64_t lowest, uint64_t highest, int sig_figs);

/* Initialise an empty histogram in caller-owned memory of `bytes` bytes.
 * Returns 0, or -EINVAL for a bad configuration or too small a block. */
int ipcb_hist_init(struct ipcb_hist *h, size_t bytes, uint64_t lowest, uint64_t highest,
		   int sig_figs);

/* Allocate and initialise with malloc; release with free(). NULL on error
 * (errno set). */
struct ipcb_hist *ipcb_hist_new(uint64_t lowest, uint64_t highest, int sig_figs);

/* Empty the counts, keep the configuration. */
void ipcb_hist_reset(struct ipcb_hist *h);

/* Index into counts[] of a value no larger than highest_trackable.
 * The bucket is the power of two above the sub-bucket range that contains v;
 * the sub-bucket is v scaled down to that bucket's resolution. */
static inline int32_t ipcb_hist_index(const struct ipcb_hist *h, uint64_t v)
{
	int32_t bucket = 64 - __builtin_clzll(v | h->sub_mask) -
			 (h->unit_magnitude + h->sub_half_magnitude + 1);
	int32_t sub = (int32_t)(v >> (bucket + h->unit_magnitude));

	return ((bucket + 1) << h->sub_half_magnitude) + sub - h->sub_half_count;
}

/* Count one value. O(1); values above highest_trackable count as overflow
 * (still reflected in max). */
static inline void ipcb_hist_record(struct ipcb_hist *h, uint64_t v)
{
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (v > h->highest_trackable) {
		h->overflow_count++;
		return;
	}
	h->counts[ipcb_hist_index(h, v)]++;
	h->total_count++;
}

/* Add src's counts into dst. Both must have the same configuration;
 * returns 0 or -EINVAL. */
int ipcb_hist_merge(struct ipcb_hist *dst, const struct ipcb_hist *src);

/* Values counted, in range and overflowed. */
uint64_t ipcb_hist_count(const struct ipcb_hist *h);

/* Smallest value of counts[index]'s range. */
uint64_t ipcb_hist_value_at_index(const struct ipcb_hist *h, int32_t index);

/* Width of the range of values that share v's counter. */
uint64_t ipcb_hist_range_size(const struct ipcb_hist *h, uint64_t v);
uint64_t ipcb_hist_lowest_equivalent(const struct ipcb_hist *h, uint64_t v);
uint64_t ipcb_hist_highest_equivalent(const struct ipcb_hist *h, uint64_t v);

/* The value at percentile p (0..100): the highest value equivalent to the
 * first counter at which the cumulative count reaches p% of all values
 * (rounded to nearest, at least 1), never more than the exact max; p <= 0
 * gives the exact min. Overflowed values sit above every counter, so a
 * percentile that falls among them is the exact max. 0 when empty. */
uint64_t ipcb_hist_percentile(const struct ipcb_hist *h, double p);

/* Exact min and max; 0 when empty. */
uint64_t ipcb_hist_min(const struct ipcb_hist *h);
uint64_t ipcb_hist_max(const struct ipcb_hist *h);

/* Mean and sample standard deviation of the in-range values, each counter
 * standing for the middle of its range (so within the histogram's
 * resolution). 0 when there are too few values. */
double ipcb_hist_mean(const struct ipcb_hist *h);
double ipcb_hist_stddev(const struct ipcb_hist *h);

/* Count count values equal to v. */
void ipcb_hist_record_n(struct ipcb_hist *h, uint64_t v, uint64_t count);

/* Population standard deviation (divided by n), as HdrHistogram reports
 * it in a percentile distribution's footer. */
double ipcb_hist_stddev_population(const struct ipcb_hist *h);

/* One line of a percentile distribution. */
struct ipcb_hist_step {
	uint64_t value;    /* highest value equivalent to the counter reached */
	double percentile; /* the level iterated to, 0..100 */
	uint64_t total;    /* values up to and including this counter */
};

/* Walk the in-range counts the way HdrHistogram's percentile iterator
 * does: levels 0%, then ticks_per_half steps for each halving of the
 * distance to 100%, each reported at the first counter whose cumulative
 * share reaches it, and a last step at 100%. Calls fn for each step. */
void ipcb_hist_walk_percentiles(const struct ipcb_hist *h, int ticks_per_half,
				void (*fn)(void *arg, const struct ipcb_hist_step *step),
				void *arg);

#endif
