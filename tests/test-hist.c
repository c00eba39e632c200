/* Histogram maths: layout, exact bucket indices, equivalent ranges,
 * percentiles, mean and stddev, merge, overflow. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "harness/hist.h"
#include "tests/tap.h"

static void test_layout(void)
{
	struct ipcb_hist *h = ipcb_hist_new(1, 100000000000ull, 3);

	/* 3 significant figures: 2000 values told apart one by one, rounded up
	 * to 2048 sub-buckets; buckets double until 2048 << 26 > 1e11. */
	is_u64((uint64_t)h->sub_count, 2048, "sub-bucket count for 3 figures");
	is_u64((uint64_t)h->sub_half_magnitude, 10, "half-count magnitude");
	is_u64((uint64_t)h->unit_magnitude, 0, "unit magnitude for lowest 1");
	is_u64((uint64_t)h->bucket_count, 27, "bucket count for 1 ns .. 100 s");
	is_u64((uint64_t)h->counts_len, 28 * 1024, "counts length");
	is_u64(ipcb_hist_bytes(1, 100000000000ull, 3),
	       sizeof(struct ipcb_hist) + 28 * 1024 * sizeof(uint64_t), "bytes");
	ok(ipcb_hist_bytes(0, 100, 3) == 0, "lowest 0 is refused");
	ok(ipcb_hist_bytes(10, 15, 3) == 0, "highest below 2x lowest is refused");
	ok(ipcb_hist_bytes(1, 1000, 6) == 0, "6 significant figures are refused");
	ok(ipcb_hist_new(1, 1000, 0) == NULL && errno == EINVAL, "ipcb_hist_new sets EINVAL");
	free(h);

	h = ipcb_hist_new(1000, 1000000, 2);
	/* 2 figures: 200 -> 256 sub-buckets; unit 2^9 = 512 ns. */
	is_u64((uint64_t)h->sub_count, 256, "2 figures: 256 sub-buckets");
	is_u64((uint64_t)h->unit_magnitude, 9, "lowest 1000: unit magnitude 9");
	free(h);
}

static void test_indices(void)
{
	struct ipcb_hist *h = ipcb_hist_new(1, 100000000000ull, 3);

	is_u64((uint64_t)ipcb_hist_index(h, 0), 0, "index(0)");
	is_u64((uint64_t)ipcb_hist_index(h, 1), 1, "index(1)");
	is_u64((uint64_t)ipcb_hist_index(h, 1023), 1023, "index(1023)");
	is_u64((uint64_t)ipcb_hist_index(h, 2047), 2047, "index(2047): last unit-resolution value");
	is_u64((uint64_t)ipcb_hist_index(h, 2048), 2048, "index(2048): first step of 2");
	is_u64((uint64_t)ipcb_hist_index(h, 2049), 2048, "index(2049) shares 2048's counter");
	is_u64((uint64_t)ipcb_hist_index(h, 2050), 2049, "index(2050)");
	is_u64((uint64_t)ipcb_hist_index(h, 4095), 3071, "index(4095)");
	is_u64((uint64_t)ipcb_hist_index(h, 4096), 3072, "index(4096): first step of 4");
	is_u64((uint64_t)ipcb_hist_index(h, 100000000000ull), 28114, "index(1e11)");
	is_u64(ipcb_hist_value_at_index(h, 2048), 2048, "value_at_index(2048)");
	is_u64(ipcb_hist_value_at_index(h, 3072), 4096, "value_at_index(3072)");
	is_u64(ipcb_hist_value_at_index(h, 28114), 99992207360ull, "value_at_index(28114)");
	is_u64(ipcb_hist_lowest_equivalent(h, 5001), 5000, "lowest equivalent of 5001");
	is_u64(ipcb_hist_highest_equivalent(h, 5001), 5003, "highest equivalent of 5001");
	is_u64(ipcb_hist_range_size(h, 1500), 1, "range below 2048 is 1");
	is_u64(ipcb_hist_range_size(h, 9000), 8, "range at 9000 is 8");
	/* Every value lies inside the range of its own counter. */
	{
		int bad = 0;

		for (uint64_t v = 1; v < 100000000000ull; v = v * 3 / 2 + 1) {
			int32_t i = ipcb_hist_index(h, v);
			uint64_t lo = ipcb_hist_value_at_index(h, i);

			if (v < lo || v > ipcb_hist_highest_equivalent(h, lo) || i >= h->counts_len)
				bad++;
		}
		ok(bad == 0, "every sampled value falls inside its counter's range");
	}
	free(h);
}

static void test_percentiles(void)
{
	struct ipcb_hist *h = ipcb_hist_new(1, 100000000000ull, 3);

	is_u64(ipcb_hist_percentile(h, 50), 0, "empty: p50 is 0");
	is_u64(ipcb_hist_min(h), 0, "empty: min is 0");
	for (uint64_t v = 1; v <= 10000; v++)
		ipcb_hist_record(h, v);
	is_u64(ipcb_hist_count(h), 10000, "count");
	is_u64(ipcb_hist_min(h), 1, "min exact");
	is_u64(ipcb_hist_max(h), 10000, "max exact");
	/* p50: the 5000th value sits in [5000, 5003] (width 4). */
	is_u64(ipcb_hist_percentile(h, 50), 5003, "p50 of 1..10000");
	/* p99: the 9900th value sits in [9896, 9903] (width 8). */
	is_u64(ipcb_hist_percentile(h, 99), 9903, "p99 of 1..10000");
	is_u64(ipcb_hist_percentile(h, 10), 1000, "p10 of 1..10000 (exact region)");
	is_u64(ipcb_hist_percentile(h, 100), 10000, "p100 is the exact max, not the range's top");
	is_u64(ipcb_hist_percentile(h, 0), 1, "p0 is the exact min");
	ipcb_hist_reset(h);
	for (uint64_t v = 1; v <= 1000; v++)
		ipcb_hist_record(h, v);
	ok(fabs(ipcb_hist_mean(h) - 500.5) < 1e-9, "mean of 1..1000 is exact below 2048");
	ok(fabs(ipcb_hist_stddev(h) - 288.8194360957494) < 1e-6,
	   "sample stddev of 1..1000 is exact below 2048");
	ipcb_hist_reset(h);
	for (int i = 0; i < 3; i++)
		ipcb_hist_record(h, 1000000);
	ok(fabs(ipcb_hist_mean(h) - 1000000.0) / 1e6 < 0.001, "mean within the 0.1%% resolution");
	free(h);
}

static void test_merge_overflow(void)
{
	struct ipcb_hist *a = ipcb_hist_new(1, 1000000, 3), *b = ipcb_hist_new(1, 1000000, 3);
	struct ipcb_hist *c = ipcb_hist_new(1, 2000000, 3);

	ipcb_hist_record(a, 10);
	ipcb_hist_record(a, 20);
	ipcb_hist_record(b, 5);
	ipcb_hist_record(b, 5000000); /* above highest_trackable */
	is_u64(b->overflow_count, 1, "value above the range counts as overflow");
	is_u64(b->total_count, 1, "overflow is not in the counters");
	is_u64(ipcb_hist_max(b), 5000000, "overflow still sets the exact max");
	is_u64(ipcb_hist_percentile(b, 100), 5000000, "a percentile among overflows is the max");
	is_u64(ipcb_hist_percentile(b, 50), 5, "p50 below the overflow");
	ok(ipcb_hist_merge(a, b) == 0, "merge of same layout");
	is_u64(ipcb_hist_count(a), 4, "merged count includes overflow");
	is_u64(ipcb_hist_min(a), 5, "merged min");
	is_u64(ipcb_hist_max(a), 5000000, "merged max");
	is_u64(a->counts[ipcb_hist_index(a, 20)], 1, "merged counter");
	ok(ipcb_hist_merge(a, c) == -EINVAL, "merge of different layouts is refused");
	free(a);
	free(b);
	free(c);
}

int main(void)
{
	tap_init();
	test_layout();
	test_indices();
	test_percentiles();
	test_merge_overflow();
	return tap_done();
}
