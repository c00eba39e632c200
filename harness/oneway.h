/* The one-way test's pure logic, with no I/O: the header a message carries
 * (its send stamp and its due time), the schedule of fixed-rate sending,
 * the coordinated-omission correction and the saturation verdict. */
#ifndef IPCB_ONEWAY_H
#define IPCB_ONEWAY_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Layout of a one-way message (harness/msg.h for the rest):
 *   [0, 8)   sequence number
 *   [8, 16)  send stamp: the run's clock, raw (ns or TSC ticks), read just
 *            before send()
 *   [16, 24) due time, raw, on the same clock: when the message should have
 *            left (the send stamp itself in a closed loop)
 *   then the checksum and pattern of --verify (ipcb_msg_fill_hdr). */
#define IPCB_OW_STAMPS_OFFSET 8
#define IPCB_OW_STAMPS_BYTES 16
#define IPCB_OW_HDR_BYTES (IPCB_OW_STAMPS_OFFSET + IPCB_OW_STAMPS_BYTES)

/* A message is late when it leaves more than this after its due time. */
#define IPCB_OW_LATE_NS 10000u
/* The sender sleeps (clock_nanosleep) when its next message is due more
 * than IPCB_OW_SLEEP_NS away, until IPCB_OW_SPIN_NS before it; it spins
 * the rest. */
#define IPCB_OW_SLEEP_NS 200000u
#define IPCB_OW_SPIN_NS 100000u
/* Saturated: the achieved rate below this fraction of the target, or the
 * last quarter's p50 above IPCB_OW_GROWTH times the first quarter's and
 * more than IPCB_OW_GROWTH_NS above it; or any message lost. */
#define IPCB_OW_RATE_MIN 0.97
#define IPCB_OW_GROWTH 2.0
#define IPCB_OW_GROWTH_NS 100000u

static inline void ipcb_ow_put(void *buf, uint64_t stamp, uint64_t due)
{
	uint64_t le[2] = { htole64(stamp), htole64(due) };

	memcpy((unsigned char *)buf + IPCB_OW_STAMPS_OFFSET, le, sizeof le);
}

static inline void ipcb_ow_get(const void *buf, uint64_t *stamp, uint64_t *due)
{
	uint64_t le[2];

	memcpy(le, (const unsigned char *)buf + IPCB_OW_STAMPS_OFFSET, sizeof le);
	*stamp = le64toh(le[0]);
	*due = le64toh(le[1]);
}

/* Message k's due time, in ns from the schedule's start, at rate msgs/s. */
uint64_t ipcb_ow_due_ns(uint64_t k, double rate);

/* Whether a message that left at sent_ns (same origin as due_ns) is late. */
static inline bool ipcb_ow_late(uint64_t sent_ns, uint64_t due_ns)
{
	return sent_ns > due_ns && sent_ns - due_ns > IPCB_OW_LATE_NS;
}

/* Latency from `from` to `arrival` (raw or ns alike): 0 when the arrival
 * reads earlier (a clock the clock check should have refused). */
static inline uint64_t ipcb_ow_since(uint64_t arrival, uint64_t from)
{
	return arrival > from ? arrival - from : 0;
}

/* The rate achieved by n messages, the first due at first_due_ns and the
 * last sent at last_sent_ns (same origin): (n - 1) over that span; 0 below
 * 2 messages or for an empty span. */
double ipcb_ow_achieved(uint64_t n, uint64_t first_due_ns, uint64_t last_sent_ns);

/* The saturation verdict of a fixed-rate cell: NULL when the rate held,
 * else a phrase saying why not. Any of the `sent` timed messages `lost`
 * (a mechanism that may lose messages: the kernel dropped them at this
 * load) makes it saturated, the phrase "N of M messages lost (...)" written
 * into why (len bytes) and returned; else a constant ("achieved rate below
 * 97% of the target", "latency grows through the run"). */
const char *ipcb_ow_saturation(double target, double achieved, uint64_t first_quarter_p50_ns,
			       uint64_t last_quarter_p50_ns, uint64_t lost, uint64_t sent,
			       char *why, size_t len);

/* Latency against offered load (--test load): one-way cells at fractions
 * of the rate a throughput cell of the same run measured. */

/* The knee: the last point of a curve (its points by ascending load)
 * before the first one that is saturated, has no figures (p99 0), or has a
 * corrected p99 above IPCB_LOAD_KNEE_FACTOR times the lowest load point's. */
#define IPCB_LOAD_KNEE_FACTOR 2.0

/* The rate of one sender at fraction (0 to 1] of max_msgs_per_s, the
 * messages per second that `pairs` pairs carried together, into *rate.
 * 0; or -1 with *rate still computed when no maximum was measured (0 or
 * less) or the rate is below min_rate (the watchdog needs messages more
 * often than its stall timeout). */
int ipcb_load_rate(double max_msgs_per_s, double fraction, unsigned pairs, double min_rate,
		   double *rate);

/* The knee of a curve of n points by ascending load: the index of the
 * knee, or -1 when the lowest point itself does not qualify (saturated or
 * without figures) or n is 0. */
int ipcb_load_knee(const double *p99_ns, const bool *saturated, size_t n, double factor);

#endif
