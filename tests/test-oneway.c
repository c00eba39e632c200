/* The one-way test's pure logic: the header (stamps round trip, sizes, and
 * that --verify still checks every other byte), the fixed-rate schedule
 * (due times, late messages, achieved rate), the coordinated-omission
 * correction on a synthetic stall, the saturation verdict, and the clock
 * check's arithmetic (plus one real check between two CPUs). */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "harness/clockcheck.h"
#include "harness/hist.h"
#include "harness/msg.h"
#include "harness/oneway.h"
#include "tests/tap.h"

static char why[320];

/* Stamps survive the trip, and --verify's checks ignore them and nothing
 * else. */
static void test_header(void)
{
	static const size_t sizes[] = { IPCB_OW_HDR_BYTES, 25, 31, 32, 39, 40, 41, 64, 4096 };
	unsigned char buf[4096];
	uint64_t stamp, due;

	is_u64(IPCB_OW_HDR_BYTES, 24, "header: sequence number, send stamp, due time");
	ok(IPCB_OW_STAMPS_BYTES <= IPCB_MSG_HDR_MAX, "the stamps fit the framing's header room");
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		size_t len = sizes[k], caught = 0, checked = 0;

		ipcb_msg_fill_hdr(buf, len, 77, IPCB_OW_STAMPS_BYTES);
		ipcb_ow_put(buf, 0x0123456789abcdefull, 0xfedcba9876543210ull);
		ipcb_ow_get(buf, &stamp, &due);
		ok(stamp == 0x0123456789abcdefull && due == 0xfedcba9876543210ull,
		   "%zu bytes: stamps round trip", len);
		ok(ipcb_msg_verify_hdr(buf, len, 77, IPCB_OW_STAMPS_BYTES, why, sizeof why) == 0,
		   "%zu bytes: stamped message verifies", len);
		ok(ipcb_msg_check_seq(buf, len, 77, why, sizeof why) == 0,
		   "%zu bytes: sequence number intact", len);
		for (size_t i = 0; i < len && i < 96; i++) {
			bool stamp_byte = i >= IPCB_OW_STAMPS_OFFSET && i < IPCB_OW_HDR_BYTES;

			buf[i] ^= 0x20;
			if (!stamp_byte) {
				checked++;
				caught += ipcb_msg_verify_hdr(buf, len, 77, IPCB_OW_STAMPS_BYTES,
							      why, sizeof why) != 0;
			}
			buf[i] ^= 0x20;
		}
		is_u64(caught, checked, "%zu bytes: every byte but the stamps is checked", len);
	}
}

static void test_schedule(void)
{
	is_u64(ipcb_ow_due_ns(0, 10000), 0, "message 0 is due at the start");
	is_u64(ipcb_ow_due_ns(7, 10000), 700000, "10,000/s: 100 us apart");
	is_u64(ipcb_ow_due_ns(1, 3), 333333333, "3/s: a third of a second, rounded");
	is_u64(ipcb_ow_due_ns(3000000, 3), 1000000000000000ull,
	       "3/s: no error accumulates over 3 million messages");
	ok(!ipcb_ow_late(1000 + IPCB_OW_LATE_NS, 1000), "at the threshold: not late");
	ok(ipcb_ow_late(1001 + IPCB_OW_LATE_NS, 1000), "past it: late");
	ok(!ipcb_ow_late(500, 1000), "early: not late");
	ok(ipcb_ow_achieved(10001, 0, 1000000000) == 10000.0, "10,001 messages over 1 s: 10,000/s");
	ok(ipcb_ow_achieved(1, 0, 100) == 0.0, "one message: no rate");
	is_u64(ipcb_ow_since(100, 250), 0, "an arrival before its stamp reads 0, not a wrap");
}

/* 1 s at 10,000 msg/s, 5 us per delivery; at 0.5 s the system stalls for
 * 10 ms: the message in flight waits it out, and the sender, held too,
 * sends the messages due during the stall when it ends. */
static void test_correction(void)
{
	const double rate = 10000;
	const uint64_t stall = 500000000 + 2000, stall_ns = 10000000, service = 5000;
	struct ipcb_hist *cor = ipcb_hist_new(1, 100000000000ull, 3),
			 *unc = ipcb_hist_new(1, 100000000000ull, 3);
	uint64_t late = 0, slow_cor = 0, slow_unc = 0, last_sent = 0;

	for (uint64_t k = 0; k < 10000; k++) {
		uint64_t due = ipcb_ow_due_ns(k, rate), sent = due, arrival;

		if (due >= stall && due < stall + stall_ns)
			sent = stall + stall_ns;
		arrival = sent + service;
		if (sent < stall && arrival > stall)
			arrival = stall + stall_ns + service;
		late += ipcb_ow_late(sent, due);
		last_sent = sent;
		ipcb_hist_record(cor, ipcb_ow_since(arrival, due));
		ipcb_hist_record(unc, ipcb_ow_since(arrival, sent));
		slow_cor += ipcb_ow_since(arrival, due) > 4 * service;
		slow_unc += ipcb_ow_since(arrival, sent) > 4 * service;
	}
	ok(slow_cor >= 95 && slow_cor <= 101, "corrected: the stall shows in %llu samples (~100)",
	   (unsigned long long)slow_cor);
	is_u64(slow_unc, 1, "uncorrected: the stall shows in one sample");
	ok(late >= 90 && late <= 100, "%llu messages left late (~100)", (unsigned long long)late);
	ok(ipcb_hist_percentile(cor, 99.5) > 1000000, "corrected p99.5 above 1 ms");
	ok(ipcb_hist_percentile(unc, 99.5) < 4 * service,
	   "uncorrected p99.5 near the service time");
	ok(ipcb_ow_achieved(10000, 0, last_sent) > 0.99 * rate,
	   "the rate is kept over the run (not saturated)");
	free(cor);
	free(unc);
}

static const char *verdict(double target, double achieved, uint64_t q1, uint64_t q4)
{
	static char why[96];

	return ipcb_ow_saturation(target, achieved, q1, q4, 0, 1000, why, sizeof why);
}

static void test_saturation(void)
{
	char why[96] = "";
	const char *v;

	ok(verdict(20000, 19999, 10000, 12000) == NULL, "rate kept, flat: not saturated");
	ok(verdict(20000, 19000, 10000, 12000) != NULL, "95%% of the rate: saturated");
	ok(verdict(20000, 20000, 10000, 500000) != NULL, "latency growing: saturated");
	ok(verdict(20000, 20000, 10000, 25000) == NULL,
	   "p50 doubled but by 15 us: noise, not saturation");
	/* A lossy mechanism: any message lost saturates the point, saying so. */
	v = ipcb_ow_saturation(20000, 20000, 10000, 12000, 1, 40000, why, sizeof why);
	ok(v == why, "rate kept, flat, one message lost: saturated");
	is_str(why, "1 of 40000 messages lost (the kernel dropped them)", "the reason counts them");
	v = ipcb_ow_saturation(20000, 19000, 10000, 500000, 250, 4000, why, sizeof why);
	is_str(v, "250 of 4000 messages lost (the kernel dropped them)",
	       "a loss is the reason even when the rate fell short too");
	ok(ipcb_ow_saturation(20000, 19999, 10000, 12000, 0, 40000, why, sizeof why) == NULL,
	   "nothing lost, rate kept: not saturated");
	v = ipcb_ow_saturation(20000, 20000, 10000, 12000, 3, 1000, why, 8);
	ok(v == why && strlen(why) == 7, "a short buffer is cut, not overrun");
}

static void test_clockcheck(void)
{
	struct ipcb_clock mono = { .kind = IPCB_CLOCK_MONOTONIC }, tsc = { .kind = IPCB_CLOCK_TSC };
	struct ipcb_tsc_sample s0 = { 1000, 0, 1000 },
			       s1 = { 3000001000ull, 1000000000, 3000001000ull };
	struct ipcb_clockcheck cc = { .cpu = { 0, 1 }, .samples = 10, .tolerance_ns = 1 };
	int64_t m = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct ipcb_err err;

	ok(ipcb_clockcheck_diff_ns(&mono, 100, 250) == -150, "signed difference, monotonic");
	ok(ipcb_tsc_cal_compute(&s0, &s1, &tsc.tsc) == 0, "a synthetic 3 GHz calibration");
	ok(ipcb_clockcheck_diff_ns(&tsc, 1000, 1300) == -100 &&
		   ipcb_clockcheck_diff_ns(&tsc, 1300, 1000) == 100,
	   "signed difference, TSC ticks to ns");
	ipcb_clockcheck_fold(&m, 70, true);
	ipcb_clockcheck_fold(&m, 90, false);
	ipcb_clockcheck_fold(&m, 65, false);
	ok(m == 65, "the minimum of the samples");
	cc.min_ab_ns = 70;
	cc.min_ba_ns = 65;
	ok(ipcb_clockcheck_judge(&cc, why, sizeof why) && why[0] == '\0',
	   "both positive: consistent");
	cc.min_ab_ns = -1;
	ok(ipcb_clockcheck_judge(&cc, why, sizeof why), "-1 ns within a 1 ns resolution");
	cc.min_ab_ns = -500;
	cc.min_ba_ns = 600;
	ok(!ipcb_clockcheck_judge(&cc, why, sizeof why) &&
		   strstr(why, "CPU 1 reads 500 ns earlier"),
	   "B's clock 500 ns behind: refused, naming the skew");
	cc.min_ab_ns = 600;
	cc.min_ba_ns = -500;
	ok(!ipcb_clockcheck_judge(&cc, why, sizeof why) &&
		   strstr(why, "CPU 0 reads 500 ns earlier"),
	   "A's clock behind: refused, naming it");
	ok(ipcb_clockcheck_run(0, ncpu > 1 ? 1 : 0, &mono, 1.0, &cc, &err) == 0 && cc.consistent &&
		   cc.samples == IPCB_CLOCKCHECK_SAMPLES,
	   "a real check: CLOCK_MONOTONIC consistent between CPUs 0 and %d (min %lld, %lld ns)",
	   ncpu > 1 ? 1 : 0, (long long)cc.min_ab_ns, (long long)cc.min_ba_ns);
}

int main(void)
{
	tap_init();
	test_header();
	test_schedule();
	test_correction();
	test_saturation();
	test_clockcheck();
	return tap_done();
}
