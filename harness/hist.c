/* HDR-style log-linear histogram: layout arithmetic, merge and queries. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/hist.h"

struct layout {
	int32_t unit_magnitude;
	int32_t sub_half_magnitude;
	int32_t sub_count;
	int32_t bucket_count;
	int32_t counts_len;
};

/* Smallest power-of-two exponent e with 2^e >= x. */
static int32_t ceil_log2(uint64_t x)
{
	int32_t e = 0;

	while (e < 63 && ((uint64_t)1 << e) < x)
		e++;
	return e;
}

static int compute_layout(uint64_t lowest, uint64_t highest, int sig_figs, struct layout *l)
{
	uint64_t single_unit_limit = 2;
	uint64_t smallest_untrackable;

	if (lowest < 1 || sig_figs < 1 || sig_figs > 5 || highest / 2 < lowest)
		return -EINVAL;
	/* Values up to 2 * 10^sig_figs must be told apart one unit at a time. */
	for (int i = 0; i < sig_figs; i++)
		single_unit_limit *= 10;
	l->sub_count = (int32_t)1 << ceil_log2(single_unit_limit);
	l->sub_half_magnitude = ceil_log2(single_unit_limit) - 1;
	l->unit_magnitude = 63 - __builtin_clzll(lowest);
	if (l->unit_magnitude + l->sub_half_magnitude + 1 > 62)
		return -EINVAL;
	/* Each further bucket doubles the range covered. */
	smallest_untrackable = (uint64_t)l->sub_count << l->unit_magnitude;
	l->bucket_count = 1;
	while (smallest_untrackable <= highest) {
		if (smallest_untrackable > UINT64_MAX / 2) {
			l->bucket_count++;
			break;
		}
		smallest_untrackable <<= 1;
		l->bucket_count++;
	}
	l->counts_len = (l->bucket_count + 1) * (l->sub_count / 2);
	return 0;
}

size_t ipcb_hist_bytes(uint64_t lowest, uint64_t highest, int sig_figs)
{
	struct layout l;

	if (compute_layout(lowest, highest, sig_figs, &l) != 0)
		return 0;
	return sizeof(struct ipcb_hist) + (size_t)l.counts_len * sizeof(uint64_t);
}

int ipcb_hist_init(struct ipcb_hist *h, size_t bytes, uint64_t lowest, uint64_t highest,
		   int sig_figs)
{
	struct layout l;

	if (compute_layout(lowest, highest, sig_figs, &l) != 0 ||
	    bytes < sizeof *h + (size_t)l.counts_len * sizeof(uint64_t))
		return -EINVAL;
	memset(h, 0, sizeof *h);
	h->lowest_trackable = lowest;
	h->highest_trackable = highest;
	h->sig_figs = sig_figs;
	h->unit_magnitude = l.unit_magnitude;
	h->sub_half_magnitude = l.sub_half_magnitude;
	h->sub_count = l.sub_count;
	h->sub_half_count = l.sub_count / 2;
	h->bucket_count = l.bucket_count;
	h->counts_len = l.counts_len;
	h->sub_mask = ((uint64_t)l.sub_count - 1) << l.unit_magnitude;
	ipcb_hist_reset(h);
	return 0;
}

struct ipcb_hist *ipcb_hist_new(uint64_t lowest, uint64_t highest, int sig_figs)
{
	size_t bytes = ipcb_hist_bytes(lowest, highest, sig_figs);
	struct ipcb_hist *h;

	if (bytes == 0) {
		errno = EINVAL;
		return NULL;
	}
	h = malloc(bytes);
	if (h != NULL)
		ipcb_hist_init(h, bytes, lowest, highest, sig_figs);
	return h;
}

void ipcb_hist_reset(struct ipcb_hist *h)
{
	memset(h->counts, 0, (size_t)h->counts_len * sizeof h->counts[0]);
	h->total_count = 0;
	h->overflow_count = 0;
	h->min = UINT64_MAX;
	h->max = 0;
}

int ipcb_hist_merge(struct ipcb_hist *dst, const struct ipcb_hist *src)
{
	if (dst->lowest_trackable != src->lowest_trackable ||
	    dst->highest_trackable != src->highest_trackable || dst->sig_figs != src->sig_figs)
		return -EINVAL;
	for (int32_t i = 0; i < src->counts_len; i++)
		dst->counts[i] += src->counts[i];
	dst->total_count += src->total_count;
	dst->overflow_count += src->overflow_count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	return 0;
}

uint64_t ipcb_hist_count(const struct ipcb_hist *h)
{
	return h->total_count + h->overflow_count;
}

uint64_t ipcb_hist_value_at_index(const struct ipcb_hist *h, int32_t index)
{
	int32_t bucket = (index >> h->sub_half_magnitude) - 1;
	int32_t sub = (index & (h->sub_half_count - 1)) + h->sub_half_count;

	/* The first half of bucket 0 has no bucket "-1" below it. */
	if (bucket < 0) {
		sub -= h->sub_half_count;
		bucket = 0;
	}
	return (uint64_t)sub << (bucket + h->unit_magnitude);
}

/* Bucket and sub-bucket of v, as in ipcb_hist_index(). */
static void locate(const struct ipcb_hist *h, uint64_t v, int32_t *bucket, int32_t *sub)
{
	*bucket = 64 - __builtin_clzll(v | h->sub_mask) -
		  (h->unit_magnitude + h->sub_half_magnitude + 1);
	*sub = (int32_t)(v >> (*bucket + h->unit_magnitude));
}

uint64_t ipcb_hist_range_size(const struct ipcb_hist *h, uint64_t v)
{
	int32_t bucket, sub;

	locate(h, v, &bucket, &sub);
	/* A sub-bucket index past the end belongs to the next bucket's scale. */
	if (sub >= h->sub_count)
		bucket++;
	return (uint64_t)1 << (h->unit_magnitude + bucket);
}

uint64_t ipcb_hist_lowest_equivalent(const struct ipcb_hist *h, uint64_t v)
{
	int32_t bucket, sub;

	locate(h, v, &bucket, &sub);
	return (uint64_t)sub << (bucket + h->unit_magnitude);
}

uint64_t ipcb_hist_highest_equivalent(const struct ipcb_hist *h, uint64_t v)
{
	return ipcb_hist_lowest_equivalent(h, v) + ipcb_hist_range_size(h, v) - 1;
}

uint64_t ipcb_hist_min(const struct ipcb_hist *h)
{
	return ipcb_hist_count(h) == 0 ? 0 : h->min;
}

uint64_t ipcb_hist_max(const struct ipcb_hist *h)
{
	return h->max;
}

uint64_t ipcb_hist_percentile(const struct ipcb_hist *h, double p)
{
	uint64_t all = ipcb_hist_count(h), target, seen = 0;

	if (all == 0)
		return 0;
	if (p <= 0.0)
		return h->min;
	if (p > 100.0)
		p = 100.0;
	target = (uint64_t)(p / 100.0 * (double)all + 0.5);
	if (target < 1)
		target = 1;
	for (int32_t i = 0; i < h->counts_len; i++) {
		seen += h->counts[i];
		if (seen >= target) {
			uint64_t v =
				ipcb_hist_highest_equivalent(h, ipcb_hist_value_at_index(h, i));

			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

/* The value a counter stands for in mean and stddev: its range's middle. */
static double middle_of(const struct ipcb_hist *h, int32_t i)
{
	uint64_t lo = ipcb_hist_value_at_index(h, i);

	return (double)(lo + (ipcb_hist_range_size(h, lo) >> 1));
}

double ipcb_hist_mean(const struct ipcb_hist *h)
{
	double sum = 0.0;

	if (h->total_count == 0)
		return 0.0;
	for (int32_t i = 0; i < h->counts_len; i++)
		if (h->counts[i] != 0)
			sum += (double)h->counts[i] * middle_of(h, i);
	return sum / (double)h->total_count;
}

double ipcb_hist_stddev(const struct ipcb_hist *h)
{
	double mean = ipcb_hist_mean(h), sq = 0.0;

	if (h->total_count < 2)
		return 0.0;
	for (int32_t i = 0; i < h->counts_len; i++) {
		if (h->counts[i] != 0) {
			double d = middle_of(h, i) - mean;

			sq += (double)h->counts[i] * d * d;
		}
	}
	return sqrt(sq / (double)(h->total_count - 1));
}

void ipcb_hist_record_n(struct ipcb_hist *h, uint64_t v, uint64_t count)
{
	if (count == 0)
		return;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (v > h->highest_trackable) {
		h->overflow_count += count;
		return;
	}
	h->counts[ipcb_hist_index(h, v)] += count;
	h->total_count += count;
}

double ipcb_hist_stddev_population(const struct ipcb_hist *h)
{
	double mean = ipcb_hist_mean(h), sq = 0.0;

	if (h->total_count == 0)
		return 0.0;
	for (int32_t i = 0; i < h->counts_len; i++) {
		if (h->counts[i] != 0) {
			double d = middle_of(h, i) - mean;

			sq += d * d * (double)h->counts[i];
		}
	}
	return sqrt(sq / (double)h->total_count);
}

/* The level after `level`: a fixed number of ticks per half of the
 * remaining distance to 100%, so the steps halve as the tail nears. */
static double next_level(double level, int ticks_per_half)
{
	long ticks = ticks_per_half *
		     (long)pow(2.0, (double)((long)(log(100.0 / (100.0 - level)) / log(2.0)) + 1));

	return level + 100.0 / (double)ticks;
}

void ipcb_hist_walk_percentiles(const struct ipcb_hist *h, int ticks_per_half,
				void (*fn)(void *arg, const struct ipcb_hist_step *step), void *arg)
{
	const uint64_t total = h->total_count;
	uint64_t seen = 0;
	double level = 0.0;
	bool last = false;
	double next;

	if (total == 0)
		return;
	for (int32_t i = 0; i < h->counts_len; i++) {
		uint64_t here = h->counts[i];

		seen += here;
		if (here == 0)
			continue;
		/* One counter can reach several levels: one line each. Once
		 * every value is counted, one last line at 100%. */
		while ((100.0 * (double)seen) / (double)total >= level &&
		       (level < 100.0 || seen == total)) {
			struct ipcb_hist_step st = {
				.value = ipcb_hist_highest_equivalent(
					h, ipcb_hist_value_at_index(h, i)),
				.percentile = level,
				.total = seen,
			};

			fn(arg, &st);
			if (last)
				return;
			if (seen == total) {
				level = 100.0;
				last = true;
				continue;
			}
			/* Near 100% a step can fall below the resolution of a
			 * double (counts past 2^53): the rest is the last line's. */
			next = next_level(level, ticks_per_half);
			level = next > level && next < 100.0 ? next : 100.0;
		}
	}
}
