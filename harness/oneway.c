/* The one-way test's schedule, correction and saturation verdict. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "harness/oneway.h"

uint64_t ipcb_ow_due_ns(uint64_t k, double rate)
{
	/* From k alone, not by adding intervals: no error accumulates. */
	return rate > 0 ? (uint64_t)((double)k * 1e9 / rate + 0.5) : 0;
}

double ipcb_ow_achieved(uint64_t n, uint64_t first_due_ns, uint64_t last_sent_ns)
{
	if (n < 2 || last_sent_ns <= first_due_ns)
		return 0.0;
	return (double)(n - 1) * 1e9 / (double)(last_sent_ns - first_due_ns);
}

const char *ipcb_ow_saturation(double target, double achieved, uint64_t first_quarter_p50_ns,
			       uint64_t last_quarter_p50_ns, uint64_t lost, uint64_t sent,
			       char *why, size_t len)
{
	if (lost > 0) {
		snprintf(why, len,
			 "%" PRIu64 " of %" PRIu64 " messages lost (the kernel dropped them)", lost,
			 sent);
		return why;
	}
	if (achieved < IPCB_OW_RATE_MIN * target)
		return "achieved rate below 97% of the target";
	if ((double)last_quarter_p50_ns > IPCB_OW_GROWTH * (double)first_quarter_p50_ns &&
	    last_quarter_p50_ns - first_quarter_p50_ns > IPCB_OW_GROWTH_NS)
		return "latency grows through the run (last quarter's p50 over twice the "
		       "first's)";
	return NULL;
}

int ipcb_load_rate(double max_msgs_per_s, double fraction, unsigned pairs, double min_rate,
		   double *rate)
{
	*rate = max_msgs_per_s > 0 ? max_msgs_per_s * fraction / (pairs ? pairs : 1) : 0.0;
	return *rate > 0 && *rate >= min_rate ? 0 : -1;
}

int ipcb_load_knee(const double *p99_ns, const bool *saturated, size_t n, double factor)
{
	int knee = -1;

	for (size_t i = 0; i < n; i++) {
		if (saturated[i] || p99_ns[i] <= 0 || p99_ns[i] > factor * p99_ns[0])
			break;
		knee = (int)i;
	}
	return knee;
}
