/* TSC calibration maths, the invariant-TSC check, and (where the CPU has
 * one) a real calibration that must come out plausible. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "harness/clock.h"
#include "tests/tap.h"

static char fixture[4096];

static const char *fix(const char *rel)
{
	const char *top = getenv("top_srcdir");

	snprintf(fixture, sizeof fixture, "%s/tests/fixtures/%s", top ? top : ".", rel);
	return fixture;
}

int main(void)
{
	struct ipcb_tsc_sample s0 = { 1000, 0, 1010 };
	struct ipcb_tsc_sample s1 = { 4200001000u, 1000000000u, 4200001020u };
	struct ipcb_tsc_cal cal;

	tap_init();
	ok(ipcb_tsc_cal_compute(&s0, &s1, &cal) == 0, "calibration from two samples");
	/* Midpoints 1005 and 4200001010: 4200000005 ticks in 1e9 ns. */
	ok(fabs(cal.ticks_per_ns - 4.200000005) < 1e-9, "ticks per ns from the midpoints: %.9f",
	   cal.ticks_per_ns);
	/* Half-widths 5 and 10 ticks, and 1 ns at each end. */
	ok(fabs(cal.error_ppm - (1e6 * 15.0 / 4200000005.0 + 1e6 * 2.0 / 1e9)) < 1e-9,
	   "error bound from the sample widths: %.6f ppm", cal.error_ppm);
	is_u64(cal.window_ns, 1000000000u, "window");
	is_u64(ipcb_tsc_to_ns(&cal, 4200), 1000, "4200 ticks are 1000 ns");
	is_u64(ipcb_tsc_to_ns(&cal, 42), 10, "42 ticks are 10 ns");
	is_u64(ipcb_tsc_to_ns(&cal, 4200000005u), 1000000000u, "4200000005 ticks are 1 s");
	is_u64(ipcb_tsc_to_ns(&cal, 0), 0, "0 ticks are 0 ns");
	{
		struct ipcb_tsc_sample back = { 5000, 0, 5010 };

		ok(ipcb_tsc_cal_compute(&s1, &s0, &cal) == -EINVAL, "samples in the wrong order are refused");
		ok(ipcb_tsc_cal_compute(&s0, &back, &cal) == -EINVAL, "no monotonic time between samples is refused");
	}
	{
		struct ipcb_tsc_sample bad = { 2000, 5, 1000 };

		ok(ipcb_tsc_cal_compute(&bad, &s1, &cal) == -EINVAL, "a sample whose counter went back is refused");
	}
	ok(ipcb_tsc_invariant(fix("noise/quiet/proc/cpuinfo")), "constant_tsc and nonstop_tsc: invariant");
	ok(!ipcb_tsc_invariant(fix("noise/noisy/proc/cpuinfo")), "constant_tsc alone: not invariant");
	ok(!ipcb_tsc_invariant(fix("noise/missing/proc/cpuinfo")), "no cpuinfo: not invariant");
	if (IPCB_HAVE_TSC && ipcb_tsc_invariant("/proc/cpuinfo")) {
		int rc = ipcb_tsc_calibrate(20000000, &cal);

		ok(rc == 0 && cal.ticks_per_ns > 0.1 && cal.ticks_per_ns < 20.0 && cal.error_ppm < 1000,
		   "this machine's TSC: %.4f ticks per ns, error %.2f ppm", cal.ticks_per_ns, cal.error_ppm);
	} else {
		printf("ok %d - real calibration # SKIP no invariant TSC here\n", ++tap_n);
	}
	return tap_done();
}
