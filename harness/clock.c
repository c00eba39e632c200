/* The benchmark clocks: TSC calibration and the cost of a reading. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/clock.h"
#include "harness/cpuinfo.h"
#include "harness/pin.h"
#include "harness/sysfs.h"

/* Readings per batch of the cost measurement. */
#define CLOCK_READINGS 10000
#define TSC_SHIFT 32

const char *ipcb_clock_name(enum ipcb_clock_kind kind)
{
	return kind == IPCB_CLOCK_TSC ? "TSC" : "CLOCK_MONOTONIC";
}

int ipcb_tsc_cal_compute(const struct ipcb_tsc_sample *s0, const struct ipcb_tsc_sample *s1,
			 struct ipcb_tsc_cal *cal)
{
	double mid0, mid1, ticks, ns, half_widths;

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
	half_widths = (double)(s0->tsc_after - s0->tsc_before) / 2.0 +
		      (double)(s1->tsc_after - s1->tsc_before) / 2.0;
	cal->error_ppm = 1e6 * half_widths / ticks + 1e6 * 2.0 / ns;
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
	return ipcb_cpuinfo_flag(cpuinfo_path, "constant_tsc") &&
	       ipcb_cpuinfo_flag(cpuinfo_path, "nonstop_tsc");
}

int ipcb_tsc_usable(const char *root, char *why, size_t len)
{
	char path[512], avail[256], list[256];

	if (!IPCB_HAVE_TSC) {
		snprintf(why, len,
			 "the time stamp counter clock exists on x86-64 only, "
			 "and this build is for another CPU");
		return -ENOTSUP;
	}
	ipcb_sysfs_join(path, sizeof path, root, "proc/cpuinfo");
	if (!ipcb_tsc_invariant(path)) {
		snprintf(why, len,
			 "this CPU does not report an invariant time stamp counter (constant_tsc "
			 "and nonstop_tsc in /proc/cpuinfo)");
		return -ENOTSUP;
	}
	ipcb_sysfs_join(path, sizeof path, root,
			"sys/devices/system/clocksource/clocksource0/available_clocksource");
	if (ipcb_sysfs_read_str(path, avail, sizeof avail) != 0)
		return 0;
	/* Tokenise a copy: the list is quoted whole below. */
	memcpy(list, avail, sizeof list);
	for (char *save, *tok = strtok_r(list, " \n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \n", &save))
		if (strcmp(tok, "tsc") == 0)
			return 0;
	avail[strcspn(avail, "\n")] = '\0';
	snprintf(why, len,
		 "the kernel does not list tsc among its clocksources (available: %s): it judged "
		 "the counter unreliable here (tsc=unstable, or a failed check), although the CPU "
		 "flags say it is invariant",
		 avail[0] ? avail : "none");
	return -ENOTSUP;
}

double ipcb_tsc_drift_ppm(const struct ipcb_tsc_cal *a, const struct ipcb_tsc_cal *b)
{
	return a->ticks_per_ns > 0 ? 1e6 * (b->ticks_per_ns - a->ticks_per_ns) / a->ticks_per_ns
				   : 0.0;
}

int ipcb_clock_recalibrate(struct ipcb_clock *clk, uint64_t window_ns)
{
	int rc;

	if (clk->kind != IPCB_CLOCK_TSC)
		return 0;
	rc = ipcb_tsc_calibrate(window_ns, &clk->tsc_end);
	if (rc != 0)
		return rc;
	clk->have_end = true;
	clk->drift_ppm = ipcb_tsc_drift_ppm(&clk->tsc, &clk->tsc_end);
	return 0;
}

static uint64_t read_ns(const struct ipcb_clock *clk, uint64_t base)
{
	if (clk->kind == IPCB_CLOCK_TSC)
		return ipcb_tsc_to_ns(&clk->tsc, ipcb_tsc_now() - base);
	return ipcb_clock_now_ns();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void ipcb_clock_spread(double *v, unsigned n, double *median, double *min, double *max)
{
	qsort(v, n, sizeof *v, cmp_double);
	*min = v[0];
	*max = v[n - 1];
	*median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* The resolution of the run's clock: one TSC tick, or what the kernel
 * says of CLOCK_MONOTONIC. */
static void resolution(const struct ipcb_clock *clk, struct ipcb_clock_info *ci)
{
	struct timespec res;

	if (clk->kind == IPCB_CLOCK_TSC && clk->tsc.ticks_per_ns > 0) {
		ci->resolution_ns = 1.0 / clk->tsc.ticks_per_ns;
		ci->resolution_from = "one TSC tick (1 / ticks_per_ns)";
	} else if (clock_getres(CLOCK_MONOTONIC, &res) == 0) {
		ci->resolution_ns = (double)res.tv_sec * 1e9 + (double)res.tv_nsec;
		ci->resolution_from = "clock_getres(CLOCK_MONOTONIC)";
	} else {
		ci->resolution_from = "unknown";
	}
}

/* One batch of back-to-back readings: their mean cost, and the smallest
 * step seen into *min_step. */
static double batch(const struct ipcb_clock *clk, uint64_t base, uint64_t *min_step)
{
	uint64_t start, prev, now;

	start = prev = read_ns(clk, base);
	for (int i = 0; i < CLOCK_READINGS; i++) {
		now = read_ns(clk, base);
		if (now - prev < *min_step)
			*min_step = now - prev;
		prev = now;
	}
	return (double)(prev - start) / CLOCK_READINGS;
}

int ipcb_clock_measure(const struct ipcb_clock *clk, int cpu, struct ipcb_clock_info *ci)
{
	uint64_t base = clk->kind == IPCB_CLOCK_TSC ? ipcb_tsc_now() : 0;
	uint64_t min_step = UINT64_MAX;
	double means[IPCB_CLOCK_BATCHES];
	cpu_set_t saved;
	bool restore = false;
	struct ipcb_err err;

	memset(ci, 0, sizeof *ci);
	ci->name = ipcb_clock_name(clk->kind);
	ci->cpu = -1;
	resolution(clk, ci);
	ipcb_sysfs_read_str("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			    ci->source, sizeof ci->source);
	/* Pinned, so that no migration between CPUs (or their counters) falls
	 * into a batch, on the CPU side A will use. */
	if (cpu >= 0 && sched_getaffinity(0, sizeof saved, &saved) == 0) {
		restore = true;
		if (ipcb_pin_self(cpu, &err) == 0)
			ci->cpu = cpu;
	}
	/* Warm the vDSO page and caches before timing. */
	for (int i = 0; i < 1000; i++)
		(void)read_ns(clk, base);
	for (unsigned b = 0; b < IPCB_CLOCK_BATCHES; b++)
		means[b] = batch(clk, base, &min_step);
	if (restore)
		(void)sched_setaffinity(0, sizeof saved, &saved);
	ci->batches = IPCB_CLOCK_BATCHES;
	ci->readings = (uint64_t)IPCB_CLOCK_BATCHES * (CLOCK_READINGS + 1);
	/* The lowest batch is the cost itself; preemption and a busy host
	 * only add to a batch, and show in the median and highest. */
	ipcb_clock_spread(means, IPCB_CLOCK_BATCHES, &ci->overhead_median_ns, &ci->overhead_ns,
			  &ci->overhead_max_ns);
	ci->min_step_ns = min_step;
	return 0;
}
