/* Sizing cells from pilots, driven by a fake clock: a mechanism whose
 * iterations cost a fixed number of ns (the first pilot maybe more). */
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

/* A fake pilot: the first one runs cold at cold_ns per iteration, later
 * ones at warm_ns; or every one takes fixed_ns whatever its size. Fails
 * (returns 1) at pilot fail_at (0: never). */
struct fake {
	uint64_t cold_ns, warm_ns, fixed_ns;
	unsigned calls, fail_at;
	uint64_t sizes[16];
};

static int fake_pilot(void *arg, uint64_t n, uint64_t *ns)
{
	struct fake *f = arg;

	if (f->calls < 16)
		f->sizes[f->calls] = n;
	if (++f->calls == f->fail_at)
		return 1;
	*ns = f->fixed_ns ? f->fixed_ns : n * (f->calls == 1 ? f->cold_ns : f->warm_ns);
	return 0;
}

static int sized(struct fake *f, struct ipcb_sizing *sz)
{
	return ipcb_autosize_run(&cfg, fake_pilot, f, sz);
}

static void pilot_loop(void)
{
	struct fake f = { .cold_ns = 20000, .warm_ns = 20000 };
	struct ipcb_sizing sz;
	int rc;

	rc = sized(&f, &sz);
	ok(rc == 0 && sz.n == 2000 && sz.pilots == 3 && f.sizes[1] == 200 && f.sizes[2] == 200,
	   "steady 20 us: 16, then 200 (long enough), then 200 again; 2000 per repetition (%llu, "
	   "%u pilots)",
	   (unsigned long long)sz.n, sz.pilots);
	/* A cold first pilot long enough on its own (16 in 2.56 ms), then
	 * 2 us per round trip once warm. */
	f = (struct fake){ .cold_ns = 160000, .warm_ns = 2000 };
	rc = sized(&f, &sz);
	ok(rc == 0 && sz.pilots == 2 && sz.pilot_ns == sz.pilot_n * 2000 && sz.n == 20000,
	   "a cold first pilot: sized from the warm second one, 40 ms / 2 us = 20000 (%llu)",
	   (unsigned long long)sz.n);
	/* The second pilot slower than the first: the first stands. */
	f = (struct fake){ .cold_ns = 1000000, .warm_ns = 4000000 };
	rc = sized(&f, &sz);
	ok(rc == 0 && sz.pilots == 2 && sz.pilot_n == 16 && sz.pilot_ns == 16000000 && sz.n == 200,
	   "the faster of the two pilots is used (the first, here)");
	/* Pilots that stay too short whatever their size. */
	f = (struct fake){ .fixed_ns = 1500000 };
	rc = sized(&f, &sz);
	ok(rc == 0 && sz.pilots == IPCB_PILOTS_GROWING + 1 &&
		   f.sizes[sz.pilots - 1] == f.sizes[sz.pilots - 2] &&
		   sz.pilot_n == f.sizes[sz.pilots - 1],
	   "pilots that never get long enough: %d grown, then one more of the last size (%u "
	   "pilots)",
	   IPCB_PILOTS_GROWING, sz.pilots);
	f = (struct fake){ .cold_ns = 20000, .warm_ns = 20000, .fail_at = 2 };
	rc = sized(&f, &sz);
	ok(rc == 1 && f.calls == 2, "a failing pilot stops the sizing and its value is returned");
}

int main(void)
{
	uint64_t n, last;
	int pilots;

	tap_init();
	n = settle(20000, &pilots, &last);
	is_u64(n, 2000, "20 us per round trip: 40 ms / 20 us = 2000 per repetition");
	ok(pilots == 2 && last == 200,
	   "one longer pilot first (16 took 320 us): %d pilots, last %llu", pilots,
	   (unsigned long long)last);
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
	pilot_loop();
	return tap_done();
}
