/* Sizing cells from pilots, driven by a fake clock: a mechanism whose
 * iterations cost a fixed number of ns. */
#include "config.h"

#include "harness/run.h"
#include "tests/tap.h"

static const struct ipcb_autosize cfg = {
	.target_ns = 40000000, /* 0.2 s cell, 5 repetitions */
	.min_n = 200,
	.max_n = 10000000,
	.pilot_min_ns = 2000000,
};

/* Run pilots until the sizer settles; returns the count and the pilots. */
static uint64_t settle(uint64_t ns_per_iter, int *pilots, uint64_t *last_pilot)
{
	uint64_t n = IPCB_PILOT_FIRST;

	for (*pilots = 1; *pilots <= 10; (*pilots)++) {
		uint64_t elapsed = n * ns_per_iter; /* the fake clock */

		*last_pilot = n;
		if (ipcb_autosize_step(&cfg, n, elapsed, &n) == 0)
			return n;
	}
	return 0;
}

int main(void)
{
	uint64_t n, last;
	int pilots;

	tap_init();
	n = settle(20000, &pilots, &last);
	is_u64(n, 2000, "20 us per round trip: 40 ms / 20 us = 2000 per repetition");
	ok(pilots == 2 && last == 200, "one longer pilot first (16 took 320 us): %d pilots, last %llu",
	   pilots, (unsigned long long)last);
	n = settle(1000000, &pilots, &last);
	is_u64(n, 200, "1 ms per round trip: 40 would do, the minimum for tails is 200");
	ok(pilots == 1, "a 16 ms pilot is long enough at once");
	n = settle(30, &pilots, &last);
	is_u64(n, 1333333, "30 ns per round trip: 40 ms / 30 ns");
	ok(last * 30 >= 1000000, "the last pilot ran long enough to time (%llu iterations)",
	   (unsigned long long)last);
	n = settle(1, &pilots, &last);
	is_u64(n, 10000000, "1 ns per round trip: clamped to the maximum");
	ok(ipcb_autosize_step(&cfg, 16, 0, &n) == 1 && n == 16 * 64,
	   "a pilot that took no measurable time grows 64 times");
	ok(ipcb_autosize_step(&cfg, 0, 5000000, &n) == 0 && n == 200,
	   "a pilot of 0 iterations counts as 1");
	return tap_done();
}
