/* One repetition of one cell: fork the two sides, pin them, release them at
 * once, watch them, reap them and tear the mechanism down on every path. */
#ifndef IPCB_CELL_H
#define IPCB_CELL_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness/clock.h"
#include "harness/counters.h"
#include "harness/err.h"
#include "harness/fault.h"
#include "harness/hist.h"
#include "mechanisms/mech.h"

enum ipcb_status {
	IPCB_PENDING = 0,
	IPCB_OK,
	IPCB_SKIPPED,
	IPCB_FAILED,
	IPCB_INTERRUPTED,
};

/* Name used in the JSON and the table: "ok", "skipped", ... */
const char *ipcb_status_name(enum ipcb_status s);

struct ipcb_hist_cfg {
	uint64_t lowest_ns;
	uint64_t highest_ns;
	int sig_figs;
};

/* Most producer/consumer pairs one repetition runs at once (--pairs). */
#define IPCB_PAIRS_MAX 32

struct ipcb_rep_spec {
	const struct ipcb_mech *mech;
	struct ipcb_cell_cfg cfg;       /* cfg.cpu: the first pair's CPUs */
	unsigned pairs;                 /* pairs running at once, 1..IPCB_PAIRS_MAX */
	int cpus[IPCB_PAIRS_MAX][2];    /* each pair's CPUs (side A, side B) */
	uint64_t iterations;            /* timed round trips (latency) or messages */
	uint64_t warmup;                /* untimed ones before them */
	int rep;                        /* repetition (0-based), -1 for a pilot */
	bool verify;                    /* pattern + checksum in every message */
	uint64_t stall_timeout_ns;      /* watchdog: longest time without progress */
	uint64_t expected_ns;           /* how long the timed loop should take (0: unknown) */
	uint64_t deadline_ns;           /* watchdog: longest time in all (0: none) */
	const struct ipcb_fault *fault; /* NULL = none */
	const struct ipcb_clock *clock; /* how the loops tell time */
	bool counters;                  /* count cycles, instructions, cache misses */
	bool counters_user_only;        /* ... of user space only */
	double rate;                    /* latency and one-way: messages per second from
					 * the sender on a schedule; 0: one at a time (a
					 * round trip; a one-way message acknowledged
					 * through the shared page) */
	enum ipcb_mode mode;            /* two processes, or two threads of one per pair */
};

/* What one side observed in the timed part (after the warm-up), copied
 * out of the shared page. */
struct ipcb_side_obs {
	int cpu_attach;      /* sched_getcpu() after attach */
	int cpu_start;       /* ... just before the timed part */
	int cpu_end;         /* ... just after it */
	cpu_set_t cpus_seen; /* ... and every 4096 operations in between */
	uint64_t ops;        /* round trips (latency) or messages (throughput) timed;
			      * the receiver's clock starts at its first message,
			      * so it times one fewer than it receives */
	uint64_t elapsed_ns; /* wall time, by the run's clock */
	uint64_t utime_ns;   /* getrusage(RUSAGE_SELF; RUSAGE_THREAD in threads mode) differences */
	uint64_t stime_ns;
	uint64_t nvcsw;  /* voluntary context switches */
	uint64_t nivcsw; /* involuntary context switches */
	uint64_t cpu_ns; /* CLOCK_PROCESS_CPUTIME_ID difference (exact, unlike the split above);
			  * CLOCK_THREAD_CPUTIME_ID in threads mode */
	int64_t counters[IPCB_CTR_N]; /* -1 when not counted */
	uint64_t mono_start_ns;       /* CLOCK_MONOTONIC at the start and end of the */
	uint64_t mono_end_ns;         /* timed part, comparable across pairs */
	struct ipcb_notes notes;      /* the mechanism's own facts (mech->notes) */
	uint64_t lost;                /* throughput receiver of an IPCB_MECH_LOSSY mechanism: timed
				       * messages side A sent that never arrived */
	uint64_t late;                /* one-way sender at a rate: timed messages that left more
				       * than IPCB_OW_LATE_NS after their due time */
	double achieved_per_s;        /* ... and the rate it achieved (ipcb_ow_achieved) */
};

/* One pair's outcome in a repetition. */
struct ipcb_pair_out {
	struct ipcb_side_obs side[2];
	const struct ipcb_hist *hist; /* latency: side A's round trips; valid
				       * until the arena is used again */
	/* One-way: hist holds the receiver's one-way times (from the due time
	 * at a rate: corrected); at a rate also the uncorrected ones (from the
	 * send stamp) and the corrected ones of the first and last quarter of
	 * the timed messages. */
	const struct ipcb_hist *uncorrected, *first_quarter, *last_quarter;
};

struct ipcb_rep_out {
	enum ipcb_status status; /* OK, SKIPPED (setup said so), FAILED, INTERRUPTED */
	struct ipcb_err err;     /* why, when not OK */
	unsigned pairs;
	struct ipcb_pair_out pair[IPCB_PAIRS_MAX];
};

/* Shared memory reused by every repetition of a run. */
struct ipcb_arena;

/* Room for up to `pairs` pairs per repetition. */
struct ipcb_arena *ipcb_arena_new(const struct ipcb_hist_cfg *hc, unsigned pairs,
				  struct ipcb_err *err);
void ipcb_arena_free(struct ipcb_arena *ar);

/* Run one repetition: spec->pairs pairs at once, each with its own kernel
 * objects, all released together. Always tears the mechanisms down and
 * leaves no child.
 * Returns 0 (the outcome is in out->status), or -EINTR when a stop was
 * requested (out->status is IPCB_INTERRUPTED). */
int ipcb_rep_run(struct ipcb_arena *ar, const struct ipcb_rep_spec *spec, struct ipcb_rep_out *out);

/* Process-wide setup: the wake-up pipe and SIGCHLD handler the supervisor
 * sleeps on. Call once before ipcb_rep_run. 0 or -errno. */
int ipcb_harness_init(struct ipcb_err *err);
void ipcb_harness_fini(void);

/* Ask the running repetition (and the run) to stop: children are killed,
 * objects removed. Async-signal-safe; meant for SIGINT/SIGTERM handlers. */
void ipcb_harness_request_stop(int signo);

/* The signal passed to ipcb_harness_request_stop, or 0. */
int ipcb_harness_stop_signal(void);

/* For a second SIGINT/SIGTERM: kill and reap the children of the
 * repetition under way, remove every registered IPC object (reg.h) and
 * _exit(128 + signo) at once. Async-signal-safe; never returns. */
_Noreturn void ipcb_harness_abort(int signo);

#endif
