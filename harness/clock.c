/* The benchmark clocks: TSC calibration and the cost of a reading. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/clock.h"
#include "harness/sysfs.h"

#define CLOCK_READINGS 200000
#define TSC_SHIFT 32

const char *ipcb_clock_name(enum ipcb_clock_kind kind)
{
	return kind == IPCB_CLOCK_TSC ? "TSC" : "CLOCK_MONOTONIC";
}

int ipcb_tsc_cal_compute(const struct ipcb_tsc_sample *s0, const struct ipcb_tsc_sample *s1,
			 struct ipcb_tsc_cal *cal)
{
	double mid0, mid1, ticks, ns;

	memset(cal, 0, sizeof *cal);
	if (s0->tsc_after < s0->tsc_before || s1->tsc_after < s1->tsc_before ||
	    s1->mono_ns <= s0->mono_ns || s1->tsc_before <= s0->tsc_after)
		return -EINVAL;
	mid0 = ((double)s0->tsc_before + (double)s0->tsc_after) / 2.0;
	mid1 = ((double)s1->tsc_before + (double)s1->tsc_after) / 2.0;
	ticks = mid1 - mid0;
	ns = (double)(s1->mono_ns - s0->mono_ns);
	cal->ticks_per_ns = ticks / ns;
	/* Half-widths in ticks, and 1 ns of monotonic resolution per end. */
	cal->error_ppm = 1e6 * ((double)(s0->tsc_after - s0->tsc_before) / 2.0 +
				(double)(s1->tsc_after - s1->tsc_before) / 2.0) / ticks +
			 1e6 * 2.0 / ns;
	cal->shift = TSC_SHIFT;
	cal->mult = (uint64_t)llround(ldexp(1.0, TSC_SHIFT) / cal->ticks_per_ns);
	cal->window_ns = s1->mono_ns - s0->mono_ns;
	return 0;
}

void ipcb_tsc_sample_take(struct ipcb_tsc_sample *s)
{
	s->tsc_before = ipcb_tsc_now();
	s->mono_ns = ipcb_clock_now_ns();
	s->tsc_after = ipcb_tsc_now();
}

/* The narrowest of a few samples: an interrupt can widen any one. */
static void narrow_sample(struct ipcb_tsc_sample *best)
{
	for (int i = 0; i < 16; i++) {
		struct ipcb_tsc_sample s;

		ipcb_tsc_sample_take(&s);
		if (i == 0 || s.tsc_after - s.tsc_before < best->tsc_after - best->tsc_before)
			*best = s;
	}
}

int ipcb_tsc_calibrate(uint64_t window_ns, struct ipcb_tsc_cal *cal)
{
	struct ipcb_tsc_sample s0, s1;
	struct timespec ts = { .tv_sec = (time_t)(window_ns / 1000000000u),
			       .tv_nsec = (long)(window_ns % 1000000000u) };

	if (!IPCB_HAVE_TSC)
		return -ENOTSUP;
	narrow_sample(&s0);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	narrow_sample(&s1);
	return ipcb_tsc_cal_compute(&s0, &s1, cal);
}

bool ipcb_tsc_invariant(const char *cpuinfo_path)
{
	char line[8192];
	FILE *f = fopen(cpuinfo_path, "r");
	bool constant = false, nonstop = false;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		/* Pad with spaces so every flag can be matched whole. */
		for (char *p = line; *p; p++)
			if (*p == '\t' || *p == '\n')
				*p = ' ';
		constant = strstr(line, " constant_tsc ") != NULL;
		nonstop = strstr(line, " nonstop_tsc ") != NULL;
		break;
	}
	fclose(f);
	return constant && nonstop;
}

static uint64_t read_ns(const struct ipcb_clock *clk, uint64_t base)
{
	if (clk->kind == IPCB_CLOCK_TSC)
		return ipcb_tsc_to_ns(&clk->tsc, ipcb_tsc_now() - base);
	return ipcb_clock_now_ns();
}

int ipcb_clock_measure(const struct ipcb_clock *clk, struct ipcb_clock_info *ci)
{
	struct timespec res;
	uint64_t base = clk->kind == IPCB_CLOCK_TSC ? ipcb_tsc_now() : 0;
	uint64_t start, prev, now, min_step = UINT64_MAX;

	memset(ci, 0, sizeof *ci);
	ci->name = ipcb_clock_name(clk->kind);
	if (clock_getres(CLOCK_MONOTONIC, &res) == 0)
		ci->resolution_ns = (uint64_t)res.tv_sec * 1000000000u + (uint64_t)res.tv_nsec;
	ipcb_sysfs_read_str("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			    ci->source, sizeof ci->source);
	/* Warm the vDSO page and caches before timing. */
	for (int i = 0; i < 1000; i++)
		(void)read_ns(clk, base);
	start = prev = read_ns(clk, base);
	for (int i = 0; i < CLOCK_READINGS; i++) {
		now = read_ns(clk, base);
		if (now - prev < min_step)
			min_step = now - prev;
		prev = now;
	}
	ci->readings = CLOCK_READINGS + 1;
	ci->overhead_ns = (double)(prev - start) / CLOCK_READINGS;
	ci->min_step_ns = min_step;
	return 0;
}
