/* The benchmark clocks: CLOCK_MONOTONIC in nanoseconds, or the CPU's time
 * stamp counter (rdtscp) calibrated against it; and what reading one costs. */
#ifndef IPCB_CLOCK_H
#define IPCB_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum ipcb_clock_kind {
	IPCB_CLOCK_MONOTONIC = 0,
	IPCB_CLOCK_TSC = 1,
};

/* Monotonic time in ns. Never fails on Linux for CLOCK_MONOTONIC. */
static inline uint64_t ipcb_clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__)
#define IPCB_HAVE_TSC 1
/* The time stamp counter; rdtscp waits for earlier instructions to finish. */
static inline uint64_t ipcb_tsc_now(void)
{
	unsigned int aux;

	return __builtin_ia32_rdtscp(&aux);
}
#else
#define IPCB_HAVE_TSC 0
static inline uint64_t ipcb_tsc_now(void)
{
	return 0;
}
#endif

/* One calibration point: the counter read just before and just after a
 * CLOCK_MONOTONIC reading. */
struct ipcb_tsc_sample {
	uint64_t tsc_before;
	uint64_t mono_ns;
	uint64_t tsc_after;
};

/* How TSC tick differences become ns: ns = (ticks * mult) >> shift. */
struct ipcb_tsc_cal {
	double ticks_per_ns;
	double error_ppm;    /* bound on the relative error of ticks_per_ns, in 1e-6 */
	uint64_t mult;
	uint32_t shift;
	uint64_t window_ns;  /* CLOCK_MONOTONIC time between the two samples */
};

/* The calibration from two samples: the rate between their midpoints, and
 * an error bound from their widths (the monotonic reading happened
 * somewhere between tsc_before and tsc_after) plus 1 ns of monotonic
 * resolution at each end. 0, or -EINVAL when the samples do not advance. */
int ipcb_tsc_cal_compute(const struct ipcb_tsc_sample *s0, const struct ipcb_tsc_sample *s1,
			 struct ipcb_tsc_cal *cal);

/* Take a sample now. */
void ipcb_tsc_sample_take(struct ipcb_tsc_sample *s);

/* Calibrate over about window_ns of CLOCK_MONOTONIC time (the narrowest of
 * a few samples at each end). 0 or -errno. */
int ipcb_tsc_calibrate(uint64_t window_ns, struct ipcb_tsc_cal *cal);

/* Whether the CPU flags in a /proc/cpuinfo file say the TSC is invariant
 * (constant_tsc and nonstop_tsc). */
bool ipcb_tsc_invariant(const char *cpuinfo_path);

/* Rounded to the nearest ns. */
static inline uint64_t ipcb_tsc_to_ns(const struct ipcb_tsc_cal *cal, uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * cal->mult + ((uint64_t)1 << (cal->shift - 1))) >>
			  cal->shift);
}

/* The clock of a run, as the timed loops use it. */
struct ipcb_clock {
	enum ipcb_clock_kind kind;
	struct ipcb_tsc_cal tsc; /* IPCB_CLOCK_TSC */
};

const char *ipcb_clock_name(enum ipcb_clock_kind kind);

struct ipcb_clock_info {
	const char *name;          /* "CLOCK_MONOTONIC" or "TSC" */
	char source[64];           /* kernel clocksource, e.g. "tsc", or "" */
	uint64_t resolution_ns;    /* clock_getres(CLOCK_MONOTONIC) */
	double overhead_ns;        /* mean cost of one reading of the run's clock */
	uint64_t min_step_ns;      /* smallest step between two readings */
	uint64_t readings;         /* readings taken to measure the above */
};

/* Measure what one reading of clk costs (back-to-back readings on the
 * calling thread) and fill ci. Returns 0. */
int ipcb_clock_measure(const struct ipcb_clock *clk, struct ipcb_clock_info *ci);

#endif
