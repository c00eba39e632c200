/* Measures what reading the benchmark clock costs. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "harness/clock.h"
#include "harness/sysfs.h"

#define CLOCK_READINGS 200000

int ipcb_clock_measure(struct ipcb_clock_info *ci)
{
	struct timespec res;
	uint64_t start, prev, now, min_step = UINT64_MAX;

	memset(ci, 0, sizeof *ci);
	ci->name = "CLOCK_MONOTONIC";
	if (clock_getres(CLOCK_MONOTONIC, &res) == 0)
		ci->resolution_ns = (uint64_t)res.tv_sec * 1000000000u + (uint64_t)res.tv_nsec;
	ipcb_sysfs_read_str("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			    ci->source, sizeof ci->source);
	/* Warm the vDSO page and caches before timing. */
	for (int i = 0; i < 1000; i++)
		(void)ipcb_clock_now_ns();
	start = prev = ipcb_clock_now_ns();
	for (int i = 0; i < CLOCK_READINGS; i++) {
		now = ipcb_clock_now_ns();
		if (now - prev < min_step)
			min_step = now - prev;
		prev = now;
	}
	ci->readings = CLOCK_READINGS + 1;
	ci->overhead_ns = (double)(prev - start) / CLOCK_READINGS;
	ci->min_step_ns = min_step;
	return 0;
}
