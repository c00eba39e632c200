/* The benchmark clock: CLOCK_MONOTONIC in nanoseconds, and its own cost. */
#ifndef IPCB_CLOCK_H
#define IPCB_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic time in ns. Never fails on Linux for CLOCK_MONOTONIC. */
static inline uint64_t ipcb_clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct ipcb_clock_info {
	const char *name;          /* "CLOCK_MONOTONIC" */
	char source[64];           /* kernel clocksource, e.g. "tsc", or "" */
	uint64_t resolution_ns;    /* clock_getres() */
	double overhead_ns;        /* mean cost of one reading */
	uint64_t min_step_ns;      /* smallest non-negative step between two readings */
	uint64_t readings;         /* readings taken to measure the above */
};

/* Measure the cost of one reading (back-to-back readings in a tight loop,
 * on the calling thread) and fill ci. Returns 0. */
int ipcb_clock_measure(struct ipcb_clock_info *ci);

#endif
