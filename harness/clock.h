/* The benchmark clocks: CLOCK_MONOTONIC in nanoseconds, or the CPU's time
 * stamp counter (rdtscp) calibrated against it; and what reading one costs. */
#ifndef IPCB_CLOCK_H
#define IPCB_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
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
	double error_ppm; /* bound on the relative error of ticks_per_ns, in 1e-6 */
	uint64_t mult;
	uint32_t shift;
	uint64_t window_ns; /* CLOCK_MONOTONIC time between the two samples */
};

/* The calibration from two samples: the rate between their midpoints, and
 * an error bound from their widths (the monotonic reading happened
 * somewhere between tsc_before and tsc_after) plus 1 ns of monotonic
 * resolution at each end. 0, or -EINVAL when the samples do not advance. */
int ipcb_tsc_cal_compute(const struct ipcb_tsc_sample *s0, const struct ipcb_tsc_sample *s1,
			 struct ipcb_tsc_cal *cal);

/* Take a sample now. */
void ipcb_tsc_sample_take(struct ipcb_tsc_sample *s);

/* The calibration window of a run, at start and again at the end. */
#define IPCB_TSC_CAL_WINDOW_NS 100000000u

/* Calibrate over about window_ns of CLOCK_MONOTONIC time (the narrowest of
 * a few samples at each end). 0 or -errno. */
int ipcb_tsc_calibrate(uint64_t window_ns, struct ipcb_tsc_cal *cal);

/* Whether the CPU flags in a /proc/cpuinfo file say the TSC is invariant
 * (constant_tsc and nonstop_tsc). */
bool ipcb_tsc_invariant(const char *cpuinfo_path);

/* Whether the TSC can serve as the run's clock on the machine under root
 * ("/" for this one): the CPU flags say it is invariant, and the kernel
 * still lists "tsc" among its available clocksources (it drops it when it
 * finds the counter unreliable or is told so, e.g. tsc=unstable; an
 * unreadable list counts as no objection). 0, or -ENOTSUP with the reason
 * in why (one line). */
int ipcb_tsc_usable(const char *root, char *why, size_t len);

/* The relative change from rate a to rate b, in 1e-6 (b > a: positive). */
double ipcb_tsc_drift_ppm(const struct ipcb_tsc_cal *a, const struct ipcb_tsc_cal *b);

/* Rounded to the nearest ns. */
static inline uint64_t ipcb_tsc_to_ns(const struct ipcb_tsc_cal *cal, uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * cal->mult +
			   ((uint64_t)1 << (cal->shift - 1))) >>
			  cal->shift);
}

/* The clock of a run, as the timed loops use it. */
struct ipcb_clock {
	enum ipcb_clock_kind kind;
	struct ipcb_tsc_cal tsc;     /* IPCB_CLOCK_TSC: the calibration at start */
	bool have_end;               /* tsc_end and drift_ppm are set */
	struct ipcb_tsc_cal tsc_end; /* the same calibration repeated at the end */
	double drift_ppm;            /* tsc_end's rate relative to tsc's */
};

/* With a TSC clock, calibrate again over window_ns and record the drift
 * since the start calibration (have_end). 0 (nothing to do for other
 * clocks) or -errno. */
int ipcb_clock_recalibrate(struct ipcb_clock *clk, uint64_t window_ns);

const char *ipcb_clock_name(enum ipcb_clock_kind kind);

#define IPCB_CLOCK_BATCHES 15

struct ipcb_clock_info {
	const char *name;            /* "CLOCK_MONOTONIC" or "TSC" */
	char source[64];             /* kernel clocksource, e.g. "tsc", or "" */
	double resolution_ns;        /* clock_getres(CLOCK_MONOTONIC), or one TSC tick */
	const char *resolution_from; /* how resolution_ns was found */
	double overhead_ns;          /* cost of one reading: the lowest batch mean (the
				      * least disturbed batch) */
	double overhead_median_ns, overhead_max_ns; /* the spread of the batch means */
	unsigned batches;                           /* IPCB_CLOCK_BATCHES */
	int cpu;              /* CPU it was measured on (pinned), -1 unpinned */
	uint64_t min_step_ns; /* smallest step between two readings */
	uint64_t readings;    /* readings taken to measure the above */
};

/* The median, lowest and highest of n values (n > 0; v is sorted in
 * place). */
void ipcb_clock_spread(double *v, unsigned n, double *median, double *min, double *max);

/* Measure what one reading of clk costs: IPCB_CLOCK_BATCHES batches of
 * back-to-back readings on the calling thread, pinned to cpu for the time
 * (cpu < 0: where it is; the thread's affinity is restored after), and
 * fill ci. Returns 0. */
int ipcb_clock_measure(const struct ipcb_clock *clk, int cpu, struct ipcb_clock_info *ci);

#endif
