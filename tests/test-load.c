/* Latency against offered load (--test load), its pure parts: the rate of
 * each point from the measured maximum (and the watchdog's minimum), the
 * knee of a curve, and the grouping of a run's points into curves. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "harness/oneway.h"
#include "harness/run.h"
#include "tests/tap.h"

static bool close_to(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fabs(b);
}

static void test_rate(void)
{
	double r = -1;

	ok(ipcb_load_rate(2000000, 0.5, 1, 0.2, &r) == 0 && close_to(r, 1000000),
	   "50%% of 2 M msgs/s is 1 M msgs/s");
	ok(ipcb_load_rate(2000000, 0.1, 1, 0.2, &r) == 0 && close_to(r, 200000),
	   "10%% of 2 M msgs/s: 200 k");
	ok(ipcb_load_rate(1234.5, 1.0, 1, 0.2, &r) == 0 && close_to(r, 1234.5),
	   "100%%: the maximum itself");
	ok(ipcb_load_rate(3000000, 0.5, 3, 0.2, &r) == 0 && close_to(r, 500000),
	   "3 pairs share the maximum: 500 k each");
	ok(ipcb_load_rate(0, 0.5, 1, 0.2, &r) != 0 && r == 0, "no maximum measured: refused");
	ok(ipcb_load_rate(-5, 0.5, 1, 0.2, &r) != 0, "a negative maximum: refused");
	ok(ipcb_load_rate(3, 0.1, 1, 0.2, &r) == 0 && close_to(r, 0.3),
	   "0.3 msgs/s over a 10 s watchdog's minimum of 0.2: accepted");
}

static void test_rate_minimum(void)
{
	double r;

	ok(ipcb_load_rate(3, 0.1, 1, 0.5, &r) != 0 && close_to(r, 0.3),
	   "0.3 msgs/s under a minimum of 0.5: refused, the rate still said");
	ok(ipcb_load_rate(5, 0.1, 1, 0.5, &r) == 0 && close_to(r, 0.5),
	   "exactly the minimum: accepted");
}

static void test_knee(void)
{
	const double flat[] = { 10, 11, 12, 15, 19, 20 };
	const double bend[] = { 10, 11, 12, 25, 13, 12 };
	const double noisy_low[] = { 100, 20, 30, 150, 400 };
	const double empty_mid[] = { 10, 11, 0, 12 };
	bool none[6] = { false }, sat3[6] = { false, false, false, true, false, false };
	bool sat0[6] = { true };

	ok(ipcb_load_knee(flat, none, 6, 2.0) == 5, "flat curve: the knee is the last point");
	ok(ipcb_load_knee(bend, none, 6, 2.0) == 2,
	   "25 > 2 x 10: the knee is the point before, later points do not count");
	ok(ipcb_load_knee(flat, sat3, 6, 2.0) == 2, "a saturated point ends the curve");
	ok(ipcb_load_knee(flat, sat0, 6, 2.0) == -1, "the lowest point saturated: no knee");
	ok(ipcb_load_knee(noisy_low, none, 5, 2.0) == 3,
	   "measured against the lowest point's p99: 150 within 2 x 100, 400 not");
	ok(ipcb_load_knee(empty_mid, none, 4, 2.0) == 1, "a point without figures ends it");
	ok(ipcb_load_knee(flat, none, 0, 2.0) == -1, "no points: no knee");
	ok(ipcb_load_knee(flat, none, 1, 2.0) == 0, "one point: itself");
	ok(ipcb_load_knee(bend, none, 6, 3.0) == 5, "factor 3: 25 within it");
	ok(ipcb_load_knee((const double[]){ 10, 20 }, none, 2, 2.0) == 1, "exactly twice: within");
}

/* A run laid out by hand: two curves, interleaved with other cells. */
static void test_curves(void)
{
	struct ipcb_run run = { 0 };
	struct ipcb_cell cells[8] = { 0 };
	const struct ipcb_cell *pts[IPCB_LOAD_POINTS_MAX];
	const double p99[3] = { 1000, 1500, 5000 };

	run.cells = cells;
	run.n_cells = 8;
	cells[0].test = cells[4].test = IPCB_TEST_THROUGHPUT;
	for (int i = 0; i < 3; i++) {
		struct ipcb_cell *a = &cells[1 + i], *b = &cells[5 + i];

		a->test = b->test = IPCB_TEST_ONEWAY;
		a->load_of = &cells[0];
		b->load_of = &cells[4];
		a->status = b->status = IPCB_OK;
		a->reps_done = b->reps_done = 1;
		a->load_fraction = b->load_fraction = 0.25 * (i + 1);
		a->lat.p99_ns = (uint64_t)p99[i];
		b->lat.p99_ns = 1000;
	}
	cells[7].saturated = "achieved rate below 97% of the target";
	is_u64(ipcb_run_load_points(&run, &cells[0], pts), 3, "first curve: 3 points");
	ok(pts[0] == &cells[1] && pts[2] == &cells[3], "... its own, in order");
	is_u64(ipcb_run_load_points(&run, &cells[4], pts), 3, "second curve: 3 points");
	is_u64(ipcb_run_load_points(&run, &cells[1], pts), 0, "a point is no curve");
	ok(ipcb_run_load_knee(&run, &cells[0]) == 1, "first curve: knee at 50%% (5 us > 2 us)");
	ok(ipcb_run_load_knee(&run, &cells[4]) == 1, "second: knee before the saturated point");
	cells[1].status = IPCB_FAILED;
	ok(ipcb_run_load_knee(&run, &cells[0]) == -1, "the lowest point failed: no knee");
}

int main(void)
{
	tap_init();
	test_rate();
	test_rate_minimum();
	test_knee();
	test_curves();
	return tap_done();
}
