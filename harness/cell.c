/* One repetition of one cell: two pinned child processes, a synchronised
 * start, the timed loops, and a supervising parent with a watchdog. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/cell.h"
#include "harness/clock.h"
#include "harness/futex.h"
#include "harness/mem.h"
#include "harness/msg.h"
#include "harness/oneway.h"
#include "harness/pin.h"
#include "harness/reg.h"

/* Child states in the shared page. SIDE_WARM: warmed up, waiting for the
 * other pairs before the timed loop (several pairs only). */
enum { SIDE_STARTING = 0, SIDE_READY, SIDE_WARM, SIDE_DONE, SIDE_FAILED };

/* One side's part of the shared page. The progress counter, written once
 * per message by its side, sits on a cache line of its own. */
struct side_page {
	_Alignas(64) _Atomic uint64_t progress;
	_Alignas(64) _Atomic int32_t state;
	struct ipcb_side_obs obs;
	struct ipcb_err err;
	/* One-way, one message at a time: the receiver's acknowledgement of
	 * message i (its low 32 bits + 1), a futex the sender sleeps on. */
	_Alignas(64) _Atomic uint32_t ack;
};

/* One pair's part of the shared region. tid: each side's thread id,
 * published to its peer (futex) in threads mode. */
struct slot {
	pid_t pid[2];
	_Atomic uint32_t tid[2];
	struct side_page side[2];
};

/* The MAP_SHARED region: written by the children, read by the parent. One
 * histogram per pair follows it, hist_stride bytes apart. */
struct shared {
	_Alignas(64) _Atomic uint32_t pids_published; /* futex: peer pids known */
	_Alignas(64) _Atomic uint32_t go;             /* futex: start the loops */
	_Alignas(64) _Atomic uint32_t timed_go;       /* futex: start the timed loops */
	_Alignas(64) struct slot slot[IPCB_PAIRS_MAX];
};

struct ipcb_arena {
	struct shared *sh;
	size_t bytes;
	size_t hist_bytes;
	size_t hist_stride; /* hist_bytes rounded up to a page */
	unsigned pairs;     /* room for this many */
	struct ipcb_hist_cfg hc;
};

static size_t page_up(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

/* Pair k's histogram (side A's round trips). */
static struct ipcb_hist *hist_of(const struct ipcb_arena *ar, unsigned k)
{
	return (struct ipcb_hist *)((char *)ar->sh + page_up(sizeof(struct shared)) +
				    (size_t)k * ar->hist_stride);
}

/* The one-way receiver's further histograms of pair k, j 1 to
 * IPCB_ARENA_HISTS - 1 (ipcb_pair_out: uncorrected, first and last
 * quarter), after every pair's first. */
#define IPCB_ARENA_HISTS 4
static struct ipcb_hist *hist_extra(const struct ipcb_arena *ar, unsigned k, unsigned j)
{
	return hist_of(ar, j * ar->pairs + k);
}

/* Wake-up pipe: written by the SIGCHLD handler, the stop request and the
 * children (when ready); the supervisor sleeps in poll() on it. */
static int wake_fd[2] = { -1, -1 };
static volatile sig_atomic_t stop_signal;

const char *ipcb_status_name(enum ipcb_status s)
{
	switch (s) {
	case IPCB_PENDING:
		return "pending";
	case IPCB_OK:
		return "ok";
	case IPCB_SKIPPED:
		return "skipped";
	case IPCB_FAILED:
		return "failed";
	case IPCB_INTERRUPTED:
		return "interrupted";
	}
	return "unknown";
}

static void wake_up(void)
{
	int saved = errno;
	char c = 0;

	if (wake_fd[1] >= 0)
		(void)!write(wake_fd[1], &c, 1);
	errno = saved;
}

static void on_sigchld(int signo)
{
	(void)signo;
	wake_up();
}

int ipcb_harness_init(struct ipcb_err *err)
{
	struct sigaction sa;

	if (wake_fd[0] >= 0)
		return 0;
	if (pipe2(wake_fd, O_CLOEXEC | O_NONBLOCK) != 0) {
		wake_fd[0] = wake_fd[1] = -1;
		return ipcb_err_set(err, errno, "pipe2(wake-up)");
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) != 0)
		return ipcb_err_set(err, errno, "sigaction(SIGCHLD)");
	return ipcb_reg_init(err);
}

void ipcb_harness_fini(void)
{
	ipcb_reg_fini();
	signal(SIGCHLD, SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (wake_fd[i] >= 0)
			close(wake_fd[i]);
		wake_fd[i] = -1;
	}
}

void ipcb_harness_request_stop(int signo)
{
	stop_signal = signo;
	wake_up();
}

int ipcb_harness_stop_signal(void)
{
	return stop_signal;
}

struct ipcb_arena *ipcb_arena_new(const struct ipcb_hist_cfg *hc, unsigned pairs,
				  struct ipcb_err *err)
{
	struct ipcb_arena *ar = calloc(1, sizeof *ar);

	if (ar == NULL) {
		ipcb_err_set(err, ENOMEM, "arena");
		return NULL;
	}
	ar->hc = *hc;
	ar->pairs = pairs < 1 ? 1 : pairs > IPCB_PAIRS_MAX ? IPCB_PAIRS_MAX : pairs;
	ar->hist_bytes = ipcb_hist_bytes(hc->lowest_ns, hc->highest_ns, hc->sig_figs);
	if (ar->hist_bytes == 0) {
		ipcb_err_set(err, EINVAL, "histogram configuration");
		free(ar);
		return NULL;
	}
	ar->hist_stride = page_up(ar->hist_bytes);
	ar->bytes = page_up(sizeof(struct shared)) + IPCB_ARENA_HISTS * ar->pairs * ar->hist_stride;
	ar->sh = mmap(NULL, ar->bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ar->sh == MAP_FAILED) {
		ipcb_err_set(err, errno, "mmap(%zu bytes, shared result page)", ar->bytes);
		free(ar);
		return NULL;
	}
	return ar;
}

void ipcb_arena_free(struct ipcb_arena *ar)
{
	if (ar == NULL)
		return;
	munmap(ar->sh, ar->bytes);
	free(ar);
}

/* ---- child side ------------------------------------------------------ */

/* Everything a child's loop needs, gathered so the loops stay small. */
struct child {
	const struct ipcb_mech *m; /* the mechanism, or the fault wrapper */
	void *st;
	const struct ipcb_rep_spec *spec;
	struct shared *sh;
	struct side_page *page;
	const struct side_page *peer; /* the other side's page */
	struct ipcb_hist *hist;       /* side A, latency; the receiver, one-way */
	struct ipcb_hist *xh[3];      /* one-way at a rate: uncorrected, quarters */
	size_t hdr;                   /* bytes between the sequence number and the
				       * checksum: the one-way stamps */
	unsigned char *tx, *rx;
	size_t len;
	bool check;   /* the mechanism carries data: check every message */
	bool lossy;   /* IPCB_MECH_LOSSY */
	bool threads; /* the two sides are threads of one process */
	unsigned k;   /* the pair */
	enum ipcb_side side;
	struct ipcb_err *err;
	struct ipcb_counters ctr;
	struct rusage ru0;
	uint64_t cpu0_ns;
};

/* Integrity check of a received message; fills err on mismatch. */
static int check_msg(const struct child *c, const void *buf, uint64_t seq)
{
	int rc;

	if (!c->check)
		return 0;
	rc = c->spec->verify
		     ? ipcb_msg_verify_hdr(buf, c->len, seq, c->hdr, c->err->msg,
					   sizeof c->err->msg)
		     : ipcb_msg_check_seq(buf, c->len, seq, c->err->msg, sizeof c->err->msg);
	return rc == 0 ? 0 : -EBADMSG;
}

static void put_seq(const struct child *c, uint64_t seq)
{
	if (c->spec->verify)
		ipcb_msg_fill_hdr(c->tx, c->len, seq, c->hdr);
	else
		ipcb_msg_stamp(c->tx, c->len, seq);
}

/* Progress for the watchdog, and now and then the CPU this side is on. */
static void progress(const struct child *c, uint64_t n)
{
	atomic_store_explicit(&c->page->progress, n, memory_order_relaxed);
	if ((n & 4095) == 0) {
		int cpu = sched_getcpu();

		if (cpu >= 0 && cpu < CPU_SETSIZE)
			CPU_SET(cpu, &c->page->obs.cpus_seen);
	}
}

/* The CPU time of the side: its process's, or in threads mode its
 * thread's (the process holds both sides). */
static uint64_t side_cpu_ns(const struct child *c)
{
	struct timespec ts;

	clock_gettime(c->threads ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t tv_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)tv->tv_usec * 1000u;
}

/* Start and end of the timed part, outside any timed interval: the CPU
 * the side runs on, its resource usage and its hardware counters. */
static void timed_part_begins(struct child *c)
{
	c->page->obs.cpu_start = sched_getcpu();
	getrusage(c->threads ? RUSAGE_THREAD : RUSAGE_SELF, &c->ru0);
	c->cpu0_ns = side_cpu_ns(c);
	ipcb_counters_start(&c->ctr);
	/* Last, so the window compared across pairs is the loop's. */
	c->page->obs.mono_start_ns = ipcb_clock_now_ns();
}

static void timed_part_ends(struct child *c, uint64_t ops)
{
	struct ipcb_side_obs *o = &c->page->obs;
	struct rusage ru;

	o->mono_end_ns = ipcb_clock_now_ns();
	ipcb_counters_stop(&c->ctr);
	o->cpu_ns = side_cpu_ns(c) - c->cpu0_ns;
	getrusage(c->threads ? RUSAGE_THREAD : RUSAGE_SELF, &ru);
	o->utime_ns = tv_ns(&ru.ru_utime) - tv_ns(&c->ru0.ru_utime);
	o->stime_ns = tv_ns(&ru.ru_stime) - tv_ns(&c->ru0.ru_stime);
	o->nvcsw = (uint64_t)(ru.ru_nvcsw - c->ru0.ru_nvcsw);
	o->nivcsw = (uint64_t)(ru.ru_nivcsw - c->ru0.ru_nivcsw);
	ipcb_counters_read(&c->ctr, o->counters);
	o->cpu_end = sched_getcpu();
	o->ops = ops;
	if (c->m->notes != NULL)
		c->m->notes(c->st, &o->notes);
}

/* With several pairs, every side waits after its warm-up until the parent
 * has seen all of them warmed up, so the pairs' timed loops run together
 * (ready, then go) rather than one pair's warm-up against another's timed
 * part. A single pair goes straight on. */
static void warmed_up(const struct child *c)
{
	if (c->spec->pairs < 2)
		return;
	atomic_store_explicit(&c->page->state, SIDE_WARM, memory_order_release);
	wake_up();
	ipcb_futex_wait_nonzero(&c->sh->timed_go);
}

/* The clock of the loops: read raw, converted to ns only as a difference,
 * after the timed interval. Inlined with a constant kind, so each loop is
 * compiled once per clock with no branch on it. */
static inline __attribute__((always_inline)) uint64_t clk_read(enum ipcb_clock_kind k)
{
	return k == IPCB_CLOCK_TSC ? ipcb_tsc_now() : ipcb_clock_now_ns();
}

static inline __attribute__((always_inline)) uint64_t clk_ns(const struct child *c,
							     enum ipcb_clock_kind k, uint64_t d)
{
	return k == IPCB_CLOCK_TSC ? ipcb_tsc_to_ns(&c->spec->clock->tsc, d) : d;
}

/* One round trip of side A: send, wait for the echo, check it. The time
 * between the two clock readings is the measured round trip. */
static inline __attribute__((always_inline)) int round_trip_a(const struct child *c,
							      enum ipcb_clock_kind k, uint64_t i,
							      uint64_t *rtt)
{
	uint64_t t0, t1;
	int rc;

	put_seq(c, i);
	t0 = clk_read(k);
	rc = c->m->send(c->st, c->tx, c->len, c->err);
	if (rc == 0)
		rc = c->m->recv(c->st, c->rx, c->len, c->err);
	t1 = clk_read(k);
	if (rc != 0)
		return rc;
	*rtt = clk_ns(c, k, t1 - t0);
	progress(c, i + 1);
	return check_msg(c, c->rx, i);
}

/* A reply that did not come within a lossy mechanism's bounded wait:
 * message i or its echo was dropped (or side B stalled that long). */
static int reply_lost(const struct child *c, uint64_t i, int rc)
{
	char why[sizeof c->err->msg];
	size_t n, m;
	int w;

	if (rc != -ETIMEDOUT)
		return rc;
	memcpy(why, c->err->msg, sizeof why);
	w = snprintf(c->err->msg, sizeof c->err->msg,
		     "message %" PRIu64 " lost: no reply (side B %s it): ", i,
		     atomic_load_explicit(&c->peer->progress, memory_order_relaxed) > i
			     ? "echoed"
			     : "never received");
	n = w < 0 ? 0 : (size_t)w < sizeof c->err->msg ? (size_t)w : sizeof c->err->msg - 1;
	m = strnlen(why, sizeof why - 1);
	if (m > sizeof c->err->msg - 1 - n)
		m = sizeof c->err->msg - 1 - n;
	memcpy(c->err->msg + n, why, m);
	c->err->msg[n + m] = '\0';
	return rc;
}

static inline __attribute__((always_inline)) int latency_a(struct child *c, enum ipcb_clock_kind k)
{
	const uint64_t warmup = c->spec->warmup, total = warmup + c->spec->iterations;
	uint64_t i, rtt, t0;
	int rc;

	for (i = 0; i < warmup; i++)
		if ((rc = round_trip_a(c, k, i, &rtt)) != 0)
			return reply_lost(c, i, rc);
	warmed_up(c);
	timed_part_begins(c);
	t0 = clk_read(k);
	for (; i < total; i++) {
		if ((rc = round_trip_a(c, k, i, &rtt)) != 0)
			return reply_lost(c, i, rc);
		ipcb_hist_record(c->hist, rtt);
	}
	c->page->obs.elapsed_ns = clk_ns(c, k, clk_read(k) - t0);
	timed_part_ends(c, c->spec->iterations);
	return 0;
}

/* Side B of the latency test: echo each message back whole, then check it
 * (after the echo, so the check stays off A's clock). */
static int echo_b(const struct child *c, uint64_t i)
{
	int rc;

	/* A lossy mechanism's bounded wait: side A fails the cell when its
	 * message or the echo was lost; B waits on. */
	do
		rc = c->m->recv(c->st, c->rx, c->len, c->err);
	while (rc == -ETIMEDOUT && c->lossy);

	if (rc == 0)
		rc = c->m->send(c->st, c->rx, c->len, c->err);
	if (rc != 0)
		return rc;
	progress(c, i + 1);
	return check_msg(c, c->rx, i);
}

static inline __attribute__((always_inline)) int latency_b(struct child *c, enum ipcb_clock_kind k)
{
	const uint64_t warmup = c->spec->warmup, total = warmup + c->spec->iterations;
	uint64_t i, t0;
	int rc;

	for (i = 0; i < warmup; i++)
		if ((rc = echo_b(c, i)) != 0)
			return rc;
	warmed_up(c);
	timed_part_begins(c);
	t0 = clk_read(k);
	for (; i < total; i++)
		if ((rc = echo_b(c, i)) != 0)
			return rc;
	c->page->obs.elapsed_ns = clk_ns(c, k, clk_read(k) - t0);
	timed_part_ends(c, c->spec->iterations);
	return 0;
}

/* Side A of the throughput test: stream messages back to back. */
static int stream_one(const struct child *c, uint64_t i)
{
	int rc;

	put_seq(c, i);
	rc = c->m->send(c->st, c->tx, c->len, c->err);
	if (rc == 0)
		progress(c, i + 1);
	return rc;
}

static inline __attribute__((always_inline)) int throughput_a(struct child *c,
							      enum ipcb_clock_kind k)
{
	const uint64_t warmup = c->spec->warmup, total = warmup + c->spec->iterations;
	uint64_t i, t0;
	int rc;

	for (i = 0; i < warmup; i++)
		if ((rc = stream_one(c, i)) != 0)
			return rc;
	warmed_up(c);
	timed_part_begins(c);
	t0 = clk_read(k);
	for (; i < total; i++)
		if ((rc = stream_one(c, i)) != 0)
			return rc;
	c->page->obs.elapsed_ns = clk_ns(c, k, clk_read(k) - t0);
	timed_part_ends(c, c->spec->iterations);
	return 0;
}

static int receive_one(const struct child *c, uint64_t i)
{
	int rc = c->m->recv(c->st, c->rx, c->len, c->err);

	if (rc != 0)
		return rc;
	progress(c, i + 1);
	return check_msg(c, c->rx, i);
}

/* Side B of the throughput test: the rate is measured here, from the
 * arrival of the first timed message to that of the last, so that neither
 * the warm-up nor waiting for side A to start counts: iterations - 1
 * messages over that span, whatever the warm-up. */
static inline __attribute__((always_inline)) int throughput_b(struct child *c,
							      enum ipcb_clock_kind k)
{
	const uint64_t warmup = c->spec->warmup, total = warmup + c->spec->iterations;
	uint64_t i, t0;
	int rc;

	for (i = 0; i < warmup; i++)
		if ((rc = receive_one(c, i)) != 0)
			return rc;
	warmed_up(c);
	if ((rc = receive_one(c, i++)) != 0)
		return rc;
	timed_part_begins(c);
	t0 = clk_read(k);
	for (; i < total; i++)
		if ((rc = receive_one(c, i)) != 0)
			return rc;
	c->page->obs.elapsed_ns = clk_ns(c, k, clk_read(k) - t0);
	timed_part_ends(c, c->spec->iterations - 1);
	return 0;
}

/* The full sequence number of the message just received by side B of a
 * lossy mechanism, next being the one expected: any at or after it that
 * side A has started sending (see ipcb_msg_seq_forward). */
static int lossy_seq(const struct child *c, uint64_t next, uint64_t total, uint64_t *seq)
{
	/* A publishes i + 1 once send(i) has returned: while i may be in
	 * flight, A's progress is i. */
	uint64_t bound = atomic_load_explicit(&c->peer->progress, memory_order_acquire) + 1;
	uint64_t got = c->len ? ipcb_msg_seq(c->rx, c->len) : 0;
	size_t bytes = c->len < 8 ? c->len : 8;
	int n;

	if (!c->check || c->len == 0) {
		*seq = next;
		return 0;
	}
	if (ipcb_msg_seq_forward(next, got, bytes, bound < total ? bound : total, seq) == 0)
		return 0;
	n = snprintf(c->err->msg, sizeof c->err->msg,
		     "message %" PRIu64 " (%zu bytes), lost messages allowed: ", next, c->len);
	if (n > 0 && (size_t)n < sizeof c->err->msg)
		ipcb_msg_seq_mismatch(next, got, bytes, c->err->msg + n, sizeof c->err->msg - n);
	return -EBADMSG;
}

/* Side B of the throughput test over a mechanism that may lose messages
 * (IPCB_MECH_LOSSY). Forward gaps are accepted; every message received is
 * checked against its full sequence number. recv() waits a bounded time:
 * when it returns -ETIMEDOUT after side A had finished (seen before that
 * whole wait), nothing more can come and the loop ends; while A is still
 * sending, B waits on (the watchdog bounds a real stall). The timed window
 * runs from the first timed message's arrival to the last arrival, whatever
 * its number; ops are the timed messages received, less the first; lost is
 * what A sent in the timed part and B never received. */
static inline __attribute__((always_inline)) int throughput_b_lossy(struct child *c,
								    enum ipcb_clock_kind k)
{
	const uint64_t warmup = c->spec->warmup, total = warmup + c->spec->iterations;
	uint64_t next = 0, timed = 0, seq, t0 = 0, t1 = 0;
	bool warm = false, a_done = false;
	int rc;

	if (warmup == 0) {
		warmed_up(c);
		warm = true;
	}
	while (next < total) {
		rc = c->m->recv(c->st, c->rx, c->len, c->err);
		if (rc == -ETIMEDOUT) {
			int32_t a = atomic_load_explicit(&c->peer->state, memory_order_acquire);

			if (a_done)
				break;
			a_done = a == SIDE_DONE;
			/* Several pairs: A has sent its warm-up and waits for
			 * the others; the rest of B's warm-up was lost. */
			if (!warm && a == SIDE_WARM) {
				warmed_up(c);
				warm = true;
			}
			continue;
		}
		if (rc != 0)
			return rc;
		if ((rc = lossy_seq(c, next, total, &seq)) != 0 ||
		    (rc = check_msg(c, c->rx, seq)) != 0)
			return rc;
		next = seq + 1;
		progress(c, next);
		if (seq < warmup) {
			if (next == warmup) {
				warmed_up(c);
				warm = true;
			}
			continue;
		}
		if (timed++ > 0) {
			t1 = clk_read(k);
			continue;
		}
		if (!warm) {
			warmed_up(c);
			warm = true;
		}
		timed_part_begins(c);
		t1 = t0 = clk_read(k);
	}
	if (timed < 2) {
		ipcb_err_set(c->err, 0,
			     "%" PRIu64 " of the %" PRIu64 " timed messages arrived (the kernel "
			     "dropped the others, the receive buffer being full): too few to time",
			     timed, c->spec->iterations);
		ipcb_err_hint(c->err, "a larger receive buffer (-o rcvbuf=SIZE), or the two "
				      "sides on two CPUs (--cpus A,B): on one CPU side A can send "
				      "more than the buffer holds before B runs");
		return -EIO;
	}
	c->page->obs.elapsed_ns = clk_ns(c, k, t1 - t0);
	timed_part_ends(c, timed - 1);
	/* The part's end is the last arrival, not the wait after it. */
	c->page->obs.mono_end_ns = c->page->obs.mono_start_ns + c->page->obs.elapsed_ns;
	c->page->obs.lost = c->spec->iterations - timed;
	return 0;
}

/* Each loop once per clock, the clock a constant in each copy. */
#define PER_CLOCK(loop)                               \
	static int loop##_mono(struct child *c)       \
	{                                             \
		return loop(c, IPCB_CLOCK_MONOTONIC); \
	}                                             \
	static int loop##_tsc(struct child *c)        \
	{                                             \
		return loop(c, IPCB_CLOCK_TSC);       \
	}
PER_CLOCK(latency_a)
PER_CLOCK(latency_b)
PER_CLOCK(throughput_a)
PER_CLOCK(throughput_b)
PER_CLOCK(throughput_b_lossy)

/* ---- one-way -------------------------------------------------------- */

/* A duration in ns as a raw reading of the clock k (TSC ticks or ns). */
static inline __attribute__((always_inline)) uint64_t clk_raw(const struct child *c,
							      enum ipcb_clock_kind k, uint64_t ns)
{
	return k == IPCB_CLOCK_TSC ? (uint64_t)((double)ns * c->spec->clock->tsc.ticks_per_ns) : ns;
}

/* The histograms a side may record into: the pair's, and at a rate the
 * one-way receiver's extra ones. */
static void oneway_prefault(struct child *c, size_t bytes)
{
	ipcb_prefault(c->hist, bytes);
	for (int j = 0; c->spec->rate > 0 && j < 3; j++)
		ipcb_prefault(c->xh[j], bytes);
}

/* The sender, one message at a time: wait until the receiver has
 * acknowledged message i through the shared page (never through the
 * mechanism, so the acknowledgement costs every mechanism the same). */
static void await_ack(const struct child *c, uint64_t i)
{
	_Atomic uint32_t *ack = (_Atomic uint32_t *)&c->peer->ack;
	uint32_t want = (uint32_t)(i + 1), now;

	while ((now = atomic_load_explicit(ack, memory_order_acquire)) != want)
		(void)ipcb_futex_wait(ack, now);
}

/* The paced sender: until raw time due, asleep while far from it, then
 * spinning; politely (yielding the CPU at each turn) when a thread of its
 * own process may need that CPU to take the echoes. */
static inline __attribute__((always_inline)) void wait_until(const struct child *c,
							     enum ipcb_clock_kind k, uint64_t due,
							     bool polite)
{
	uint64_t now = clk_read(k), ahead;

	if (now >= due)
		return;
	ahead = clk_ns(c, k, due - now);
	if (ahead > IPCB_OW_SLEEP_NS) {
		uint64_t at = ipcb_clock_now_ns() + ahead - IPCB_OW_SPIN_NS;
		struct timespec ts = { .tv_sec = (time_t)(at / 1000000000u),
				       .tv_nsec = (long)(at % 1000000000u) };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	while (clk_read(k) < due)
		if (polite)
			sched_yield();
}

/* A sender's schedule: message i of each phase (warm-up, timed part) due
 * at the phase's start + i / rate (all at once without a rate); the late
 * timed messages and when the last one left (ns from the timed start). */
struct pace {
	uint64_t origin, base, t0, late, last_sent;
};

/* Message i's raw due time, into *due_ns from its phase's start; the
 * timed part begins at message warmup. */
static inline __attribute__((always_inline)) uint64_t pace_due(struct child *c,
							       enum ipcb_clock_kind k,
							       struct pace *p, uint64_t i,
							       uint64_t *due_ns)
{
	if (i == c->spec->warmup) {
		warmed_up(c);
		timed_part_begins(c);
		p->t0 = p->origin = clk_read(k);
		p->base = c->spec->warmup;
	}
	*due_ns = ipcb_ow_due_ns(i - p->base, c->spec->rate);
	return p->origin + clk_raw(c, k, *due_ns);
}

/* Message i, due at due_ns, was stamped at raw time stamp and sent. */
static inline __attribute__((always_inline)) void pace_sent(const struct child *c,
							    enum ipcb_clock_kind k, struct pace *p,
							    uint64_t i, uint64_t stamp,
							    uint64_t due_ns)
{
	if (c->spec->rate > 0 && i >= c->spec->warmup) {
		p->last_sent = clk_ns(c, k, stamp - p->origin);
		p->late += ipcb_ow_late(p->last_sent, due_ns);
	}
}

/* The sender's late messages and achieved rate, for the parent. */
static void pace_ends(struct child *c, const struct pace *p)
{
	c->page->obs.late = p->late;
	c->page->obs.achieved_per_s = ipcb_ow_achieved(c->spec->iterations, 0, p->last_sent);
}

/* Message i stamped (send time, due time) and sent, once it is due. */
static inline __attribute__((always_inline)) int stamped_send(struct child *c,
							      enum ipcb_clock_kind k,
							      struct pace *p, uint64_t i,
							      bool polite)
{
	uint64_t due_ns, due = pace_due(c, k, p, i, &due_ns), stamp;
	int rc;

	put_seq(c, i);
	if (c->spec->rate > 0)
		wait_until(c, k, due, polite);
	stamp = clk_read(k);
	ipcb_ow_put(c->tx, stamp, c->spec->rate > 0 ? due : stamp);
	if ((rc = c->m->send(c->st, c->tx, c->len, c->err)) == 0)
		pace_sent(c, k, p, i, stamp, due_ns);
	return rc;
}

/* The one-way sender: message i stamped just before send(); at a rate,
 * sent when due however late the ones before it arrived; one at a time,
 * sent once the previous one was acknowledged. */
static inline __attribute__((always_inline)) int oneway_send(struct child *c,
							     enum ipcb_clock_kind k)
{
	const uint64_t total = c->spec->warmup + c->spec->iterations;
	struct pace p = { 0 };
	int rc;

	if (c->spec->rate > 0)
		prctl(PR_SET_TIMERSLACK, 1UL);
	p.origin = clk_read(k);
	for (uint64_t i = 0; i < total; i++) {
		if ((rc = stamped_send(c, k, &p, i, false)) != 0)
			return rc;
		progress(c, i + 1);
		if (c->spec->rate <= 0)
			await_ack(c, i);
	}
	c->page->obs.elapsed_ns = clk_ns(c, k, clk_read(k) - p.t0);
	timed_part_ends(c, c->spec->iterations);
	pace_ends(c, &p);
	return 0;
}

/* The receiver's recv(), one message at a time; over a lossy mechanism a
 * bounded wait that came back empty once the sender has sent message i is
 * a lost message (nothing else is in flight): the cell fails, naming it.
 * At a rate a lossy mechanism's receiver is oneway_recv_lossy. */
static int oneway_recv_one(const struct child *c, uint64_t i)
{
	for (;;) {
		int rc = c->m->recv(c->st, c->rx, c->len, c->err);

		if (rc != -ETIMEDOUT || !c->lossy)
			return rc;
		if (atomic_load_explicit(&c->peer->progress, memory_order_acquire) > i)
			return ipcb_err_set(c->err, EIO,
					    "message %" PRIu64 " lost: the one-way test over a "
					    "lossy mechanism, one message at a time, fails the "
					    "cell on a loss",
					    i);
	}
}

/* Timed message j of n arrived at raw time t, stamped (stamp, due): arrival
 * - due time (the send stamp, one at a time) into the side's histogram; at
 * a rate also arrival - send stamp (uncorrected) and the quarters. */
static inline __attribute__((always_inline)) void record_stamped(const struct child *c,
								 enum ipcb_clock_kind k, uint64_t j,
								 uint64_t t, uint64_t stamp,
								 uint64_t due)
{
	uint64_t q;

	ipcb_hist_record(c->hist, clk_ns(c, k, ipcb_ow_since(t, due)));
	if (c->spec->rate <= 0)
		return;
	q = j * 4 / c->spec->iterations;
	ipcb_hist_record(c->xh[0], clk_ns(c, k, ipcb_ow_since(t, stamp)));
	if (q == 0 || q == 3)
		ipcb_hist_record(c->xh[q == 0 ? 1 : 2], clk_ns(c, k, ipcb_ow_since(t, due)));
}

/* The receiver: the clock read once recv() has returned the whole message;
 * arrival - due time (the send stamp, one at a time) into its histogram;
 * at a rate also arrival - send stamp (uncorrected) and the quarters. */
static inline __attribute__((always_inline)) int oneway_recv(struct child *c,
							     enum ipcb_clock_kind k)
{
	const uint64_t warmup = c->spec->warmup, n = c->spec->iterations, total = warmup + n;
	const bool paced = c->spec->rate > 0;
	uint64_t i, t0 = 0;
	int rc;

	for (i = 0; i < total; i++) {
		uint64_t t, stamp, due;

		if (i == warmup) {
			warmed_up(c);
			timed_part_begins(c);
			t0 = clk_read(k);
		}
		if ((rc = oneway_recv_one(c, i)) != 0)
			return rc;
		t = clk_read(k);
		ipcb_ow_get(c->rx, &stamp, &due);
		if (i >= warmup)
			record_stamped(c, k, i - warmup, t, stamp, due);
		progress(c, i + 1);
		if (!paced) {
			atomic_store_explicit(&c->page->ack, (uint32_t)(i + 1),
					      memory_order_release);
			(void)ipcb_futex_wake(&c->page->ack, 1);
		}
		if ((rc = check_msg(c, c->rx, i)) != 0)
			return rc;
	}
	c->page->obs.elapsed_ns = clk_ns(c, k, clk_read(k) - t0);
	timed_part_ends(c, n);
	return 0;
}

/* The one-way receiver at a rate over a lossy mechanism: the next message
 * expected, the timed messages received, the raw clock at the start of the
 * timed part and at the last arrival; warmed up (the barrier of several
 * pairs passed), timed part begun, side A seen done before a whole wait. */
struct ow_lossy {
	uint64_t next, timed, t0, t1;
	bool warm, began, a_done;
};

/* Past the warm-up (its last message received or lost): the barrier of
 * several pairs, then the timed part. */
static inline __attribute__((always_inline)) void ow_lossy_begin(struct child *c,
								 enum ipcb_clock_kind k,
								 struct ow_lossy *s)
{
	if (!s->warm) {
		warmed_up(c);
		s->warm = true;
	}
	timed_part_begins(c);
	s->t1 = s->t0 = clk_read(k);
	s->began = true;
}

/* recv() came back empty after its bounded wait: true when side A had
 * finished before that whole wait (nothing more can come). With several
 * pairs, A that has sent its warm-up and waits for the others means the
 * rest of this side's warm-up was lost: on to the barrier. */
static inline __attribute__((always_inline)) bool ow_lossy_idle(struct child *c,
								enum ipcb_clock_kind k,
								struct ow_lossy *s)
{
	int32_t a = atomic_load_explicit(&c->peer->state, memory_order_acquire);

	if (s->a_done)
		return true;
	s->a_done = a == SIDE_DONE;
	if (!s->began && a == SIDE_WARM)
		ow_lossy_begin(c, k, s);
	return false;
}

/* A message arrived at raw time t: checked against its own sequence
 * number (forward gaps allowed), then, if timed, recorded. */
static inline __attribute__((always_inline)) int ow_lossy_take(struct child *c,
							       enum ipcb_clock_kind k,
							       struct ow_lossy *s, uint64_t t)
{
	const uint64_t warmup = c->spec->warmup, total = warmup + c->spec->iterations;
	uint64_t seq, stamp, due;
	int rc;

	if ((rc = lossy_seq(c, s->next, total, &seq)) != 0 || (rc = check_msg(c, c->rx, seq)) != 0)
		return rc;
	s->next = seq + 1;
	progress(c, s->next);
	if (seq < warmup) {
		if (s->next == warmup)
			ow_lossy_begin(c, k, s);
		return 0;
	}
	if (!s->began) /* the end of the warm-up was lost */
		ow_lossy_begin(c, k, s);
	ipcb_ow_get(c->rx, &stamp, &due);
	record_stamped(c, k, seq - warmup, t, stamp, due);
	s->timed++;
	s->t1 = t;
	return 0;
}

/* The timed part's end (the last arrival, not the wait after it), and the
 * timed messages that never arrived; none arrived: nothing to time. */
static int ow_lossy_ends(struct child *c, uint64_t elapsed_ns, const struct ow_lossy *s)
{
	if (s->timed == 0) {
		ipcb_err_set(c->err, 0,
			     "none of the %" PRIu64 " timed messages arrived (the kernel dropped "
			     "them all): nothing to time",
			     c->spec->iterations);
		ipcb_err_hint(c->err,
			      "a lower --rate, or a larger receive buffer (-o rcvbuf=SIZE)");
		return -EIO;
	}
	c->page->obs.elapsed_ns = elapsed_ns;
	timed_part_ends(c, s->timed);
	c->page->obs.mono_end_ns = c->page->obs.mono_start_ns + elapsed_ns;
	c->page->obs.lost = c->spec->iterations - s->timed;
	return 0;
}

/* The one-way receiver at a rate over a mechanism that may lose messages
 * (IPCB_MECH_LOSSY): a loss is what the mechanism does at that load, so it
 * is counted (obs.lost), not a failure. As throughput_b_lossy, forward
 * gaps are accepted, every message received is checked against its own
 * sequence number, and the loop ends once a bounded recv() has come back
 * empty after side A was done; only what arrived is recorded. */
static inline __attribute__((always_inline)) int oneway_recv_lossy(struct child *c,
								   enum ipcb_clock_kind k)
{
	const uint64_t total = c->spec->warmup + c->spec->iterations;
	struct ow_lossy s = { 0 };
	int rc;

	if (c->spec->warmup == 0)
		ow_lossy_begin(c, k, &s);
	while (s.next < total) {
		rc = c->m->recv(c->st, c->rx, c->len, c->err);
		if (rc == -ETIMEDOUT) {
			if (ow_lossy_idle(c, k, &s))
				break;
			continue;
		}
		if (rc != 0 || (rc = ow_lossy_take(c, k, &s, clk_read(k))) != 0)
			return rc;
	}
	return ow_lossy_ends(c, s.began ? clk_ns(c, k, s.t1 - s.t0) : 0, &s);
}

PER_CLOCK(oneway_send)
PER_CLOCK(oneway_recv)
PER_CLOCK(oneway_recv_lossy)

/* ---- round trips at a rate ----------------------------------------- */

static void side_ends(struct child *c, int rc);

/* Side A at a rate: its main thread sends on the schedule while a second
 * thread of its process (on the same CPU) takes side B's echoes, each of
 * which carries back its stamps, so both times are read on A's clock. */
struct echoes {
	struct child c; /* a copy of side A's, with an error of its own */
	struct ipcb_err err;
	_Atomic uint64_t sent;     /* messages the sender has sent */
	uint64_t end;              /* raw clock at the last echo */
	struct rusage ru0, ru1;    /* threads mode: this thread's usage and CPU */
	uint64_t cpu0_ns, cpu1_ns; /* over the timed part */
};

/* The echo of message i; over a lossy mechanism a bounded wait that came
 * back empty after the sender had sent it is a loss: the cell fails. */
static int echo_recv(struct echoes *e, uint64_t i)
{
	struct child *c = &e->c;
	int rc;

	while ((rc = c->m->recv(c->st, c->rx, c->len, c->err)) == -ETIMEDOUT && c->lossy &&
	       atomic_load_explicit(&e->sent, memory_order_acquire) <= i)
		;
	return reply_lost(c, i, rc);
}

static void echoes_usage(const struct echoes *e, struct rusage *ru, uint64_t *cpu_ns)
{
	if (!e->c.threads)
		return;
	getrusage(RUSAGE_THREAD, ru);
	*cpu_ns = side_cpu_ns(&e->c);
}

/* The echo taker's loop: arrival - due time (corrected) and arrival - send
 * stamp into side A's histograms, and the watchdog's progress. A failure
 * ends the process, the pair having failed. */
static void *take_echoes(void *arg)
{
	struct echoes *e = arg;
	struct child *c = &e->c;
	const enum ipcb_clock_kind k = c->spec->clock->kind;
	const uint64_t warmup = c->spec->warmup, total = warmup + c->spec->iterations;
	int rc = 0;

	for (uint64_t i = 0; i < total && rc == 0; i++) {
		uint64_t t, stamp, due;

		if (i == warmup)
			echoes_usage(e, &e->ru0, &e->cpu0_ns);
		if ((rc = echo_recv(e, i)) != 0)
			break;
		t = clk_read(k);
		ipcb_ow_get(c->rx, &stamp, &due);
		if (i >= warmup)
			record_stamped(c, k, i - warmup, t, stamp, due);
		progress(c, i + 1);
		rc = check_msg(c, c->rx, i);
	}
	e->end = clk_read(k);
	echoes_usage(e, &e->ru1, &e->cpu1_ns);
	if (rc != 0) {
		c->page->err = e->err;
		side_ends(c, rc);
	}
	return NULL;
}

/* Threads mode: the usage counted per thread, the echo taker's added to
 * the sender's. */
static void add_echoes_usage(struct child *c, const struct echoes *e)
{
	struct ipcb_side_obs *o = &c->page->obs;

	if (!c->threads)
		return;
	o->cpu_ns += e->cpu1_ns - e->cpu0_ns;
	o->utime_ns += tv_ns(&e->ru1.ru_utime) - tv_ns(&e->ru0.ru_utime);
	o->stime_ns += tv_ns(&e->ru1.ru_stime) - tv_ns(&e->ru0.ru_stime);
	o->nvcsw += (uint64_t)(e->ru1.ru_nvcsw - e->ru0.ru_nvcsw);
	o->nivcsw += (uint64_t)(e->ru1.ru_nivcsw - e->ru0.ru_nivcsw);
}

/* Side A at a rate: never waits for an echo to send the next message. The
 * timed part ends at the last echo. On a failure the process ends, the
 * echo taker with it (so e is not freed then). */
static int paced_latency_a(struct child *c)
{
	const enum ipcb_clock_kind k = c->spec->clock->kind;
	const uint64_t total = c->spec->warmup + c->spec->iterations;
	struct echoes *e = calloc(1, sizeof *e);
	struct pace p = { 0 };
	pthread_t th;
	int rc;

	if (e == NULL)
		return ipcb_err_set(c->err, ENOMEM, "the echo taker's state");
	e->c = *c;
	e->c.err = &e->err;
	if ((rc = pthread_create(&th, NULL, take_echoes, e)) != 0) {
		free(e);
		return ipcb_err_set(c->err, rc, "pthread_create(echo taker)");
	}
	prctl(PR_SET_TIMERSLACK, 1UL);
	p.origin = clk_read(k);
	for (uint64_t i = 0; i < total; i++) {
		if ((rc = stamped_send(c, k, &p, i, true)) != 0)
			return rc;
		atomic_store_explicit(&e->sent, i + 1, memory_order_release);
	}
	pthread_join(th, NULL);
	c->page->obs.elapsed_ns = clk_ns(c, k, e->end - p.t0);
	timed_part_ends(c, c->spec->iterations);
	add_echoes_usage(c, e);
	pace_ends(c, &p);
	free(e);
	return 0;
}

static int oneway_loop(struct child *c, enum ipcb_side side)
{
	bool tsc = c->spec->clock->kind == IPCB_CLOCK_TSC;

	if (side == c->spec->cfg.sender)
		return tsc ? oneway_send_tsc(c) : oneway_send_mono(c);
	if (c->lossy && c->spec->rate > 0)
		return tsc ? oneway_recv_lossy_tsc(c) : oneway_recv_lossy_mono(c);
	return tsc ? oneway_recv_tsc(c) : oneway_recv_mono(c);
}

static int run_loop(struct child *c, enum ipcb_side side)
{
	static int (*const loops[2][2][2])(struct child *) = {
		/* [test][side][clock] */
		{ { latency_a_mono, latency_a_tsc }, { latency_b_mono, latency_b_tsc } },
		{ { throughput_a_mono, throughput_a_tsc },
		  { throughput_b_mono, throughput_b_tsc } },
	};

	if (c->spec->cfg.test == IPCB_TEST_ONEWAY)
		return oneway_loop(c, side);
	if (c->spec->rate > 0 && side == IPCB_SIDE_A)
		return paced_latency_a(c);
	if (c->lossy && c->spec->cfg.test == IPCB_TEST_THROUGHPUT && side == IPCB_SIDE_B)
		return c->spec->clock->kind == IPCB_CLOCK_TSC ? throughput_b_lossy_tsc(c)
							      : throughput_b_lossy_mono(c);
	return loops[c->spec->cfg.test][side][c->spec->clock->kind](c);
}

/* Pre-faulted message buffer: the payload starts one cache line into a
 * page, leaving IPCB_HEADROOM_MAX writable bytes in front of it for every
 * mechanism alike. */
static unsigned char *alloc_buffer(size_t len, struct ipcb_err *err)
{
	size_t bytes = (IPCB_HEADROOM_MAX + len + 4095) & ~(size_t)4095;
	unsigned char *p = aligned_alloc(4096, bytes);

	if (p == NULL) {
		ipcb_err_set(err, ENOMEM, "message buffer of %zu bytes", len);
		return NULL;
	}
	memset(p, 0, bytes);
	return p + IPCB_HEADROOM_MAX;
}

static void child_signals(void)
{
	sigset_t none;

	/* The parent handles Ctrl-C and SIGTERM (often sent to the whole
	 * process group) and kills the children itself. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Process-wide part of a child: it dies with the parent and leaves Ctrl-C
 * to it. who names the side (or the pair) in the error. */
static int child_process_init(pid_t parent, const char *who, struct ipcb_err *err)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return ipcb_err_set(err, errno, "prctl(PR_SET_PDEATHSIG)");
	if (getppid() != parent)
		return ipcb_err_set(err, ESRCH, "parent exited before %s started", who);
	child_signals();
	return 0;
}

/* Who this side and its peer are. In threads mode each side publishes its
 * thread id in the slot and waits for the other's. */
static void peer_ids(const struct child *c, struct ipcb_peer *self)
{
	struct slot *sl = &c->sh->slot[c->k];

	self->side = c->side;
	self->pid = getpid();
	self->peer_pid = sl->pid[!c->side];
	self->cpu = c->spec->cpus[c->k][c->side];
	self->mode = c->threads ? IPCB_MODE_THREADS : IPCB_MODE_PROCESSES;
	self->tid = self->pid;
	self->peer_tid = self->peer_pid;
	if (!c->threads)
		return;
	self->tid = (pid_t)syscall(SYS_gettid);
	ipcb_futex_set_wake(&sl->tid[c->side], (uint32_t)self->tid);
	ipcb_futex_wait_nonzero(&sl->tid[!c->side]);
	self->peer_tid = (pid_t)atomic_load(&sl->tid[!c->side]);
}

/* This side's own part: pinned, its buffers and counters, attached. */
static int child_prepare(struct child *c)
{
	const struct ipcb_rep_spec *spec = c->spec;
	struct ipcb_peer self;
	int rc;

	if ((rc = ipcb_pin_self(spec->cpus[c->k][c->side], c->err)) != 0)
		return rc;
	c->tx = alloc_buffer(c->len, c->err);
	c->rx = alloc_buffer(c->len, c->err);
	if (c->tx == NULL || c->rx == NULL)
		return -ENOMEM;
	/* A payload that is not all zeros, even without --verify. */
	ipcb_msg_fill(c->tx, c->len, 0);
	if (spec->counters &&
	    (rc = ipcb_counters_open(&c->ctr, spec->counters_user_only, c->err)) != 0)
		return rc;
	ipcb_futex_wait_nonzero(&c->sh->pids_published);
	peer_ids(c, &self);
	if ((rc = c->m->attach(c->st, &self, c->err)) != 0)
		return rc;
	c->page->obs.cpu_attach = sched_getcpu();
	return 0;
}

static void child_init(struct child *c, const struct ipcb_rep_spec *spec, const struct ipcb_mech *m,
		       void *st, struct ipcb_arena *ar, unsigned k, enum ipcb_side side)
{
	struct shared *sh = ar->sh;

	*c = (struct child){
		.m = m,
		.st = st,
		.spec = spec,
		.sh = sh,
		.page = &sh->slot[k].side[side],
		.peer = &sh->slot[k].side[!side],
		.hist = hist_of(ar, k),
		.xh = { hist_extra(ar, k, 1), hist_extra(ar, k, 2), hist_extra(ar, k, 3) },
		.hdr = spec->cfg.test == IPCB_TEST_ONEWAY || spec->rate > 0 ? IPCB_OW_STAMPS_BYTES
									    : 0,
		.len = spec->cfg.msg_size_bytes,
		.check = !(spec->mech->flags & IPCB_MECH_NO_DATA),
		.lossy = (spec->mech->flags & IPCB_MECH_LOSSY) != 0,
		.threads = spec->mode == IPCB_MODE_THREADS,
		.k = k,
		.side = side,
		.err = &sh->slot[k].side[side].err,
		.ctr = { .fd = { -1, -1, -1 } },
	};
}

/* A side from pinning to the end of its loops: 0 or -errno. */
static int side_run(struct child *c)
{
	int rc = child_prepare(c);

	if (rc == 0) {
		atomic_store_explicit(&c->page->state, SIDE_READY, memory_order_release);
		wake_up();
		ipcb_futex_wait_nonzero(&c->sh->go);
		rc = run_loop(c, c->side);
	}
	return rc;
}

/* Record how the side ended. A failure ends the process at once: in
 * threads mode it takes the peer thread with it, the pair having failed. */
static void side_ends(struct child *c, int rc)
{
	struct side_page *page = c->page;

	if (rc != 0) {
		if (page->err.msg[0] == '\0')
			ipcb_err_set(&page->err, rc, "side %c", c->side == IPCB_SIDE_A ? 'A' : 'B');
		atomic_store_explicit(&page->state, SIDE_FAILED, memory_order_release);
		_exit(1);
	}
	atomic_store_explicit(&page->state, SIDE_DONE, memory_order_release);
}

/* In a new child: the wake-up pipe is the parent's to read; the shared page
 * and this pair's histograms (a one-way receiver's extra ones at a rate)
 * mapped now, so no page fault comes mid-loop. */
static void child_begins(struct ipcb_arena *ar, struct child *c)
{
	close(wake_fd[0]);
	ipcb_prefault(ar->sh, sizeof *ar->sh);
	oneway_prefault(c, ar->hist_bytes);
}

static void __attribute__((noreturn))
child_main(const struct ipcb_rep_spec *spec, const struct ipcb_mech *m, void *st,
	   struct ipcb_arena *ar, unsigned k, enum ipcb_side side, pid_t parent)
{
	struct child c;
	char who[16];
	int rc;

	child_init(&c, spec, m, st, ar, k, side);
	child_begins(ar, &c);
	snprintf(who, sizeof who, "side %c", side == IPCB_SIDE_A ? 'A' : 'B');
	rc = child_process_init(parent, who, c.err);
	if (rc == 0)
		rc = side_run(&c);
	side_ends(&c, rc);
	_exit(0);
}

/* ---- threads mode: one process per pair ------------------------------ */

/* Side s's own copy of the mechanism's state (as fork would have made
 * it), wrapped for fault injection when the run injects one. */
static int side_state(const struct ipcb_rep_spec *spec, void *st, bool wrap, void **out,
		      struct ipcb_err *err)
{
	void *copy = NULL;

	if (st != NULL) {
		if (spec->mech->state_size == 0)
			return ipcb_err_set(err, EINVAL,
					    "%s keeps a state without saying its size "
					    "(state_size)",
					    spec->mech->name);
		copy = malloc(spec->mech->state_size);
		if (copy == NULL)
			return ipcb_err_set(err, ENOMEM, "a side's copy of the state");
		memcpy(copy, st, spec->mech->state_size);
	}
	*out = copy;
	if (wrap && (*out = ipcb_fault_wrap(spec->mech, copy, spec->fault)) == NULL)
		return ipcb_err_set(err, ENOMEM, "fault wrapper");
	return 0;
}

static void *side_b_thread(void *arg)
{
	struct child *c = arg;

	side_ends(c, side_run(c));
	return NULL;
}

/* Pair k as two threads of this (forked) process: side A on the main
 * thread, side B on a second one. Exits 0 once both are done, 1 as soon as
 * either fails. */
static void __attribute__((noreturn))
pair_main(const struct ipcb_rep_spec *spec, void *st, bool wrap, struct ipcb_arena *ar, unsigned k,
	  pid_t parent)
{
	const struct ipcb_mech *m = wrap ? &ipcb_fault_mech : spec->mech;
	struct child c[2];
	void *copy[2] = { NULL, NULL };
	pthread_t tb;
	int rc;

	child_init(&c[0], spec, m, NULL, ar, k, IPCB_SIDE_A);
	child_init(&c[1], spec, m, NULL, ar, k, IPCB_SIDE_B);
	child_begins(ar, &c[0]);
	rc = child_process_init(parent, "the pair", c[0].err);
	for (int s = 0; s < 2 && rc == 0; s++)
		rc = side_state(spec, st, wrap, &copy[s], c[0].err);
	if (rc != 0)
		side_ends(&c[0], rc);
	c[0].st = copy[0];
	c[1].st = copy[1];
	if ((rc = pthread_create(&tb, NULL, side_b_thread, &c[1])) != 0)
		side_ends(&c[0], ipcb_err_set(c[0].err, rc, "pthread_create(side B)"));
	side_ends(&c[0], side_run(&c[0]));
	pthread_join(tb, NULL);
	_exit(0);
}

/* ---- parent side ----------------------------------------------------- */

struct kid {
	pid_t pid;   /* 0 once reaped */
	int status;  /* wait status once reaped */
	bool killed; /* we sent SIGKILL */
	bool thread; /* threads mode, side B: a thread of the previous kid's process */
};

static void kill_kid(struct kid *k)
{
	if (k->pid > 0 && !k->killed) {
		kill(k->pid, SIGKILL);
		k->killed = true;
	}
}

/* Reap k; block only when asked. Returns true once k is gone. */
static bool reap_kid(struct kid *k, bool block)
{
	pid_t r;

	if (k->pid <= 0)
		return true;
	do
		r = waitpid(k->pid, &k->status, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == k->pid || (r < 0 && errno == ECHILD)) {
		k->pid = 0;
		return true;
	}
	return false;
}

/* The kids of a repetition: pair k's side s is kids[2 * k + s]. */
struct brood {
	struct kid kid[2 * IPCB_PAIRS_MAX];
	unsigned n; /* 2 * pairs */
};

/* Reap kid i; a side B thread (threads mode) is gone with its process,
 * side A's kid, reaped just before it, and ends as that process did. */
static bool reap_at(struct brood *b, unsigned i, bool block)
{
	struct kid *k = &b->kid[i];

	if (!k->thread)
		return reap_kid(k, block);
	if (!reap_kid(&b->kid[i - 1], block))
		return false;
	k->status = b->kid[i - 1].status;
	k->killed = b->kid[i - 1].killed;
	return true;
}

static void kill_and_reap(struct brood *b)
{
	for (unsigned i = 0; i < b->n; i++)
		kill_kid(&b->kid[i]);
	for (unsigned i = 0; i < b->n; i++)
		reap_at(b, i, true);
}

static void drain_wake_pipe(void)
{
	char buf[64];

	while (read(wake_fd[0], buf, sizeof buf) > 0)
		;
}

static char side_name(int side)
{
	return side == IPCB_SIDE_A ? 'A' : 'B';
}

static const struct side_page *page_of(const struct shared *sh, unsigned i)
{
	return &sh->slot[i / 2].side[i % 2];
}

/* Why kid i ended badly, into err; "pair K, " only with several pairs. */
static void describe_failure(const struct shared *sh, const struct brood *b, unsigned i,
			     struct ipcb_err *err)
{
	const struct side_page *page;
	const struct kid *k = &b->kid[i];
	bool threads = b->kid[i].thread || b->kid[i ^ 1].thread;
	uint64_t at;
	char who[64], pair[24] = "";

	/* Two threads of one process: the side that failed ended it. */
	if (threads && atomic_load(&page_of(sh, i)->state) != SIDE_FAILED &&
	    atomic_load(&page_of(sh, i ^ 1)->state) == SIDE_FAILED)
		i ^= 1;
	page = page_of(sh, i);
	at = atomic_load(&page->progress);

	if (b->n > 2)
		snprintf(pair, sizeof pair, "pair %u, ", i / 2 + 1);
	/* Neither thread said why: their process ended under them. */
	if (threads && atomic_load(&page->state) != SIDE_FAILED)
		snprintf(who, sizeof who, "%sthe process of sides A and B", pair);
	else
		snprintf(who, sizeof who, "%sside %c", pair, side_name((int)(i % 2)));
	if (atomic_load(&page->state) == SIDE_FAILED && page->err.msg[0] != '\0') {
		ipcb_err_set(err, 0, "%s: %s", who, page->err.msg);
		if (page->err.hint[0] != '\0')
			ipcb_err_hint(err, "%s", page->err.hint);
	} else if (WIFSIGNALED(k->status)) {
		ipcb_err_set(err, 0, "%s was killed by signal %d (%s) after %llu messages", who,
			     WTERMSIG(k->status), strsignal(WTERMSIG(k->status)),
			     (unsigned long long)at);
	} else {
		ipcb_err_set(err, 0, "%s exited with status %d after %llu messages", who,
			     WEXITSTATUS(k->status), (unsigned long long)at);
	}
}

static bool kid_ok(const struct shared *sh, const struct brood *b, unsigned i)
{
	return WIFEXITED(b->kid[i].status) && WEXITSTATUS(b->kid[i].status) == 0 &&
	       atomic_load(&page_of(sh, i)->state) == SIDE_DONE;
}

static uint64_t progress_mark(const struct shared *sh, const struct brood *b)
{
	uint64_t m = atomic_load(&sh->go) + atomic_load(&sh->timed_go);

	for (unsigned i = 0; i < b->n; i++)
		m += atomic_load(&page_of(sh, i)->progress) +
		     (uint64_t)atomic_load(&page_of(sh, i)->state);
	return m;
}

static bool all_ready(const struct shared *sh, const struct brood *b)
{
	for (unsigned i = 0; i < b->n; i++)
		if (atomic_load(&page_of(sh, i)->state) != SIDE_READY)
			return false;
	return true;
}

/* Every side of every pair warmed up and waiting for the timed loops. */
static bool all_warm(const struct shared *sh, const struct brood *b)
{
	for (unsigned i = 0; i < b->n; i++)
		if (atomic_load(&page_of(sh, i)->state) != SIDE_WARM)
			return false;
	return true;
}

/* A pair's two sides are parked at the barrier before the timed loops
 * (several pairs only), waiting for the others: not stalled themselves. */
static bool pair_parked(const struct shared *sh, unsigned k)
{
	return atomic_load(&sh->timed_go) == 0 &&
	       atomic_load(&sh->slot[k].side[0].state) == SIDE_WARM &&
	       atomic_load(&sh->slot[k].side[1].state) == SIDE_WARM;
}

/* How far the slower side of pair k has got. */
static uint64_t pair_low(const struct shared *sh, unsigned k)
{
	uint64_t a = atomic_load(&sh->slot[k].side[0].progress),
		 b = atomic_load(&sh->slot[k].side[1].progress);

	return a < b ? a : b;
}

/* Which pair stalled (the least advanced of those not parked at the
 * barrier), in which phase, and, in the latency test, which round trip
 * never came back. */
static void watchdog_fired(const struct shared *sh, const struct brood *b,
			   const struct ipcb_rep_spec *spec, struct ipcb_err *err)
{
	unsigned pairs = b->n / 2, k = 0;
	uint64_t pa, pb;
	const char *phase;
	char stuck[96] = "", which[48] = "";

	for (unsigned j = 1; j < pairs; j++)
		if ((pair_parked(sh, k) && !pair_parked(sh, j)) ||
		    (pair_parked(sh, k) == pair_parked(sh, j) && pair_low(sh, j) < pair_low(sh, k)))
			k = j;
	pa = atomic_load(&sh->slot[k].side[0].progress);
	pb = atomic_load(&sh->slot[k].side[1].progress);
	if (atomic_load(&sh->go) == 0)
		phase = "while attaching";
	else if (pair_parked(sh, k))
		phase = "waiting for the other pairs to warm up";
	else if (pa < spec->warmup || pb < spec->warmup)
		phase = "during the warm-up";
	else
		phase = "during the timed loop";
	if (pairs > 1)
		snprintf(which, sizeof which, ", in pair %u of %u", k + 1, pairs);
	/* Side A waits for the echo of round trip pa, B for the message
	 * (pb == pa) or for the next one (pb == pa + 1: it has echoed). */
	if (atomic_load(&sh->go) != 0 && !pair_parked(sh, k) &&
	    spec->cfg.test == IPCB_TEST_LATENCY && (pb == pa || pb == pa + 1))
		snprintf(stuck, sizeof stuck,
			 ": round trip %llu never came back (%s lost, or a side stopped)",
			 (unsigned long long)pa, pb == pa ? "the message" : "the echo");
	ipcb_err_set(err, 0,
		     "watchdog: no progress for %.1f s (%s; side A at message %llu, side B at %llu "
		     "of %llu%s)%s",
		     (double)spec->stall_timeout_ns / 1e9, phase, (unsigned long long)pa,
		     (unsigned long long)pb, (unsigned long long)(spec->warmup + spec->iterations),
		     which, stuck);
	ipcb_err_hint(err, "raise --timeout if the mechanism is just slow");
}

static void deadline_passed(const struct ipcb_rep_spec *spec, uint64_t took, struct ipcb_err *err)
{
	ipcb_err_set(err, 0,
		     "watchdog: still running after %.1f s, where its pilot predicted %.3f s (the "
		     "limit is %.1f s)",
		     (double)took / 1e9, (double)spec->expected_ns / 1e9,
		     (double)spec->deadline_ns / 1e9);
	ipcb_err_hint(err, "a repetition may take 20 times what its pilot predicts, and at least "
			   "--timeout more");
}

/* Watch the children until they are done, one fails, the watchdog fires
 * or a stop is requested. Every path returns with every child reaped. */
static int supervise(struct shared *sh, struct brood *b, const struct ipcb_rep_spec *spec,
		     struct ipcb_rep_out *out)
{
	uint64_t mark = progress_mark(sh, b), last_change = ipcb_clock_now_ns(),
		 start = last_change;
	/* Wake a few times per stall period: a stall is caught within 1.25x
	 * the timeout, and a healthy run is disturbed rarely. */
	int tick_ms = (int)(spec->stall_timeout_ns / 4000000u);

	if (tick_ms < 1)
		tick_ms = 1;
	for (;;) {
		struct pollfd pfd = { .fd = wake_fd[0], .events = POLLIN };
		unsigned done = 0;
		uint64_t now, m;

		if (stop_signal != 0) {
			kill_and_reap(b);
			out->status = IPCB_INTERRUPTED;
			ipcb_err_set(&out->err, 0, "interrupted by signal %d", (int)stop_signal);
			return -EINTR;
		}
		for (unsigned i = 0; i < b->n; i++) {
			if (!reap_at(b, i, false))
				continue;
			done++;
			if (!kid_ok(sh, b, i) && !b->kid[i].killed) {
				describe_failure(sh, b, i, &out->err);
				kill_and_reap(b);
				out->status = IPCB_FAILED;
				return 0;
			}
		}
		if (done == b->n) {
			out->status = IPCB_OK;
			return 0;
		}
		if (atomic_load(&sh->go) == 0 && all_ready(sh, b))
			ipcb_futex_set_wake(&sh->go, 1);
		if (atomic_load(&sh->timed_go) == 0 && b->n > 2 && all_warm(sh, b))
			ipcb_futex_set_wake(&sh->timed_go, 1);
		now = ipcb_clock_now_ns();
		m = progress_mark(sh, b);
		if (m != mark) {
			mark = m;
			last_change = now;
		} else if (now - last_change >= spec->stall_timeout_ns) {
			kill_and_reap(b);
			out->status = IPCB_FAILED;
			watchdog_fired(sh, b, spec, &out->err);
			return 0;
		}
		if (spec->deadline_ns != 0 && now - start >= spec->deadline_ns) {
			kill_and_reap(b);
			out->status = IPCB_FAILED;
			deadline_passed(spec, now - start, &out->err);
			return 0;
		}
		if (poll(&pfd, 1, tick_ms) > 0)
			drain_wake_pipe();
	}
}

static void reset_shared(struct ipcb_arena *ar, unsigned pairs)
{
	memset(ar->sh, 0, sizeof *ar->sh);
	for (unsigned k = 0; k < pairs; k++) {
		for (unsigned j = 0; j < IPCB_ARENA_HISTS; j++)
			ipcb_hist_init(hist_of(ar, j * ar->pairs + k), ar->hist_bytes,
				       ar->hc.lowest_ns, ar->hc.highest_ns, ar->hc.sig_figs);
		for (int s = 0; s < 2; s++) {
			struct ipcb_side_obs *o = &ar->sh->slot[k].side[s].obs;

			o->cpu_attach = o->cpu_start = o->cpu_end = -1;
			for (int i = 0; i < IPCB_CTR_N; i++)
				o->counters[i] = -1;
		}
	}
}

static bool fault_applies(const struct ipcb_rep_spec *spec)
{
	return spec->fault != NULL && spec->fault->kind != IPCB_FAULT_NONE &&
	       (spec->fault->mech[0] == '\0' || strcmp(spec->fault->mech, spec->mech->name) == 0) &&
	       (spec->fault->rep == 0 || (int)spec->fault->rep == spec->rep + 1);
}

/* The children of the repetition under way, for ipcb_harness_abort. */
static struct brood *volatile live_brood;

_Noreturn void ipcb_harness_abort(int signo)
{
	static const char msg[] = "ipcbench: stopped at once by a second signal: "
				  "IPC objects removed, no results written\n";
	struct brood *b = live_brood;

	if (b != NULL) {
		for (unsigned i = 0; i < b->n; i++)
			if (b->kid[i].pid > 0)
				kill(b->kid[i].pid, SIGKILL);
		for (unsigned i = 0; i < b->n; i++)
			if (b->kid[i].pid > 0)
				(void)waitpid(b->kid[i].pid, NULL, 0);
	}
	ipcb_reg_remove_all();
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(128 + signo);
}

/* Threads mode: fork one process per pair, which runs both sides (its
 * side B kid is a thread of it). On failure no child is left. */
static int spawn_pairs(struct ipcb_arena *ar, const struct ipcb_rep_spec *spec, void *const *st,
		       bool wrap, struct brood *b, struct ipcb_rep_out *out)
{
	pid_t parent = getpid();

	fflush(NULL);
	for (unsigned k = 0; k < spec->pairs; k++) {
		pid_t pid = fork();

		if (pid == 0)
			pair_main(spec, st[k], wrap, ar, k, parent);
		if (pid < 0) {
			int e = errno;

			kill_and_reap(b);
			ipcb_err_set(&out->err, e, "fork(pair %u)", k + 1);
			return -e;
		}
		b->kid[2 * k].pid = pid;
		b->kid[2 * k + 1].thread = true;
		ar->sh->slot[k].pid[0] = ar->sh->slot[k].pid[1] = pid;
	}
	ipcb_futex_set_wake(&ar->sh->pids_published, 1);
	return 0;
}

/* Fork every side of every pair. On failure no child is left. */
static int spawn(struct ipcb_arena *ar, const struct ipcb_rep_spec *spec, const struct ipcb_mech *m,
		 void *const *st, struct brood *b, struct ipcb_rep_out *out)
{
	pid_t parent = getpid();

	fflush(NULL);
	for (unsigned i = 0; i < b->n; i++) {
		unsigned k = i / 2;
		int s = (int)(i % 2);
		pid_t pid = fork();

		if (pid == 0)
			child_main(spec, m, st[k], ar, k, (enum ipcb_side)s, parent);
		if (pid < 0) {
			int e = errno;

			kill_and_reap(b);
			ipcb_err_set(&out->err, e, "fork(side %c)", side_name(s));
			return -e;
		}
		b->kid[i].pid = pid;
		ar->sh->slot[k].pid[s] = pid;
	}
	ipcb_futex_set_wake(&ar->sh->pids_published, 1);
	return 0;
}

/* Create each pair's kernel objects (and fault wrappers). */
static int setup_pairs(const struct ipcb_rep_spec *spec, void **st, void **wrapped,
		       struct ipcb_rep_out *out)
{
	for (unsigned k = 0; k < spec->pairs; k++) {
		struct ipcb_cell_cfg cfg = spec->cfg;
		int rc;

		cfg.cpu[0] = spec->cpus[k][0];
		cfg.cpu[1] = spec->cpus[k][1];
		cfg.stall_timeout_ns = spec->stall_timeout_ns;
		rc = spec->mech->setup(&cfg, &st[k], &out->err);
		if (rc != 0) {
			out->status =
				(rc == -EMSGSIZE || rc == -ENOSYS) ? IPCB_SKIPPED : IPCB_FAILED;
			return rc;
		}
		if (fault_applies(spec)) {
			wrapped[k] = ipcb_fault_wrap(spec->mech, st[k], spec->fault);
			if (wrapped[k] == NULL) {
				out->status = IPCB_FAILED;
				return ipcb_err_set(&out->err, ENOMEM, "fault wrapper");
			}
		}
	}
	return 0;
}

int ipcb_rep_run(struct ipcb_arena *ar, const struct ipcb_rep_spec *spec, struct ipcb_rep_out *out)
{
	void *st[IPCB_PAIRS_MAX] = { NULL }, *wrapped[IPCB_PAIRS_MAX] = { NULL };
	struct brood b;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&b, 0, sizeof b);
	if (stop_signal != 0) {
		out->status = IPCB_INTERRUPTED;
		return -EINTR;
	}
	if (spec->pairs < 1 || spec->pairs > ar->pairs) {
		out->status = IPCB_FAILED;
		ipcb_err_set(&out->err, EINVAL, "%u pairs, room for %u", spec->pairs, ar->pairs);
		return 0;
	}
	if (spec->mode == IPCB_MODE_THREADS && spec->mech->no_threads != NULL) {
		out->status = IPCB_SKIPPED;
		ipcb_err_set(&out->err, 0, "%s", spec->mech->no_threads);
		return 0;
	}
	out->pairs = spec->pairs;
	b.n = 2 * spec->pairs;
	reset_shared(ar, spec->pairs);
	rc = setup_pairs(spec, st, wrapped, out);
	if (rc == 0) {
		drain_wake_pipe();
		live_brood = &b;
		if (spec->mode == IPCB_MODE_THREADS)
			rc = spawn_pairs(ar, spec, st, wrapped[0] != NULL, &b, out);
		else
			rc = spawn(ar, spec, wrapped[0] ? &ipcb_fault_mech : spec->mech,
				   wrapped[0] ? wrapped : st, &b, out);
		if (rc != 0)
			out->status = IPCB_FAILED;
		else
			rc = supervise(ar->sh, &b, spec, out);
		live_brood = NULL;
		for (unsigned k = 0; k < spec->pairs; k++) {
			out->pair[k].side[0] = ar->sh->slot[k].side[0].obs;
			out->pair[k].side[1] = ar->sh->slot[k].side[1].obs;
			out->pair[k].hist = hist_of(ar, k);
			out->pair[k].uncorrected = hist_extra(ar, k, 1);
			out->pair[k].first_quarter = hist_extra(ar, k, 2);
			out->pair[k].last_quarter = hist_extra(ar, k, 3);
		}
	}
	for (unsigned k = 0; k < spec->pairs; k++) {
		free(wrapped[k]);
		spec->mech->teardown(st[k]);
	}
	return rc == -EINTR ? -EINTR : 0;
}
