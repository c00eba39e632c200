/* A run: the plan (mechanisms x sizes x tests x repetitions), its
 * execution cell by cell, and the per-cell aggregates. */
#ifndef IPCB_RUN_H
#define IPCB_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/cell.h"
#include "harness/clockcheck.h"
#include "harness/copyfloor.h"
#include "harness/counters.h"
#include "harness/err.h"
#include "harness/fault.h"
#include "harness/hist.h"
#include "mechanisms/mech.h"

#define IPCB_REPS_MAX 1000
#define IPCB_SIZES_MAX 64
#define IPCB_SIZE_MAX ((uint64_t)1 << 30)
/* warmup value meaning "a tenth of the iterations, 1 to 1000" */
#define IPCB_WARMUP_AUTO UINT64_MAX

#define IPCB_VARIANTS_MAX 64
#define IPCB_LOAD_POINTS_MAX 32

/* A mechanism with one resolved set of options: the unit that cells are
 * made of. Several variants of one mechanism compare its options. */
struct ipcb_variant {
	const struct ipcb_mech *mech;
	struct ipcb_opt_set opts; /* every option, defaults filled in */
	char label[64];           /* "shm-futex wait=spin": name + options given */
};

struct ipcb_params {
	const struct ipcb_variant *variants;
	size_t n_variants;
	const uint64_t *sizes; /* message sizes in bytes, ascending */
	size_t n_sizes;
	bool latency, throughput;         /* tests to run */
	bool modes[IPCB_MODE_N];          /* modes to run (none: processes) */
	int cpu[2];                       /* CPU of side A and side B (the first pair) */
	unsigned pairs;                   /* pairs running at once (--pairs), 1 = one */
	int pair_cpus[IPCB_PAIRS_MAX][2]; /* each pair's CPUs; [0] = cpu */
	const char *placement;            /* as requested: "auto", a class name, "cpus" (--cpus) */
	const char *placement_class;      /* the class of the pair cpu[] */
	uint64_t iterations;              /* 0: sized from a pilot to take about cell_time_ns */
	uint64_t cell_time_ns;            /* target time of one cell, all repetitions */
	uint64_t warmup;                  /* or IPCB_WARMUP_AUTO */
	unsigned repetitions;
	bool verify;
	bool quick;
	uint64_t stall_timeout_ns;
	struct ipcb_hist_cfg hist;
	struct ipcb_fault fault; /* kind IPCB_FAULT_NONE unless testing */
	struct ipcb_clock clock; /* the clock of the timed loops */
	bool counters;           /* hardware counters in every cell */
	bool counters_user_only;
	/* Reference cells measured in every run, on the same CPUs, before the
	 * others in each round of repetitions: the hardware floor (a shared
	 * cache line) and the harness's own cost (null). NULL = not measured. */
	const struct ipcb_mech *floor_mech;
	const struct ipcb_mech *harness_mech;
	/* The copy floor (harness/copyfloor.h): memcpy of each size on side
	 * B's CPU, at the start of every round, when the run has throughput
	 * cells. */
	bool copy_floor;
	/* The one-way test (--test oneway): its directions (IPCB_DIR_*) and the
	 * clock check of each pair of the placement. The rate of latency and
	 * one-way cells (messages per second; 0: one at a time, a round trip
	 * or an acknowledged one-way message). */
	bool oneway;
	unsigned directions;
	double rate;
	unsigned n_clock_checks;
	struct ipcb_clockcheck clock_checks[IPCB_PAIRS_MAX];
	/* Latency against offered load (--test load): after each throughput
	 * cell, one-way cells A->B at these fractions of its measured rate
	 * (ascending, each in (0, 1]), run once every other cell is done. */
	bool load;
	size_t n_load_points;
	double load_points[IPCB_LOAD_POINTS_MAX];
};

#define IPCB_DIR_AB (1u << 0) /* side A sends, side B receives */
#define IPCB_DIR_BA (1u << 1) /* side B sends, side A receives */

/* "latency", "throughput", "oneway". */
const char *ipcb_test_name(enum ipcb_test t);

/* Whether cells of test t can run at a rate (--rate): latency, one-way. */
bool ipcb_test_paceable(enum ipcb_test t);

/* A one-way cell's direction: "ab" or "ba". */
const char *ipcb_dir_name(enum ipcb_side sender);

/* Message size of the reference cells (they carry no payload). */
#define IPCB_REFERENCE_SIZE 8

/* Percentiles of a set of round trips, in ns. */
struct ipcb_lat_summary {
	uint64_t count;    /* round trips recorded */
	uint64_t overflow; /* of which above the histogram's range */
	uint64_t min_ns, p50_ns, p90_ns, p99_ns, p999_ns, p9999_ns, max_ns;
	double mean_ns, stddev_ns;
};

/* Least CPU time a side's process must spend in its timed loop for the
 * user/system split of getrusage to be kept: the split is sampled at the
 * scheduler tick (1 to 10 ms), so below about 100 ticks it is noise. */
#define IPCB_SPLIT_MIN_CPU_NS 100000000u

/* What one side spent per operation (round trip or message), in one
 * repetition or as the median over repetitions. Negative: not measured. */
struct ipcb_cost {
	double cpu_ns;               /* CPU time, user + system (CLOCK_PROCESS_CPUTIME_ID, exact) */
	double utime_ns;             /* user part (getrusage, sampled at the scheduler tick); */
	double stime_ns;             /* system part; both -1 below IPCB_SPLIT_MIN_CPU_NS */
	double vcsw;                 /* voluntary context switches */
	double ivcsw;                /* involuntary context switches */
	double counters[IPCB_CTR_N]; /* cycles, instructions, cache misses */
};

/* One pair's part of a repetition (several pairs at once). Its timed
 * side is side A (latency) or the receiver, side B (throughput). */
struct ipcb_rep_pair {
	uint64_t ops;              /* round trips or messages timed */
	uint64_t elapsed_ns;       /* its timed loop, by the run's clock */
	uint64_t start_ns, end_ns; /* its timed loop on CLOCK_MONOTONIC, from the
				    * start of the repetition's window */
	uint64_t p50_ns;           /* latency: its round trips' p50 */
	double msgs_per_s;         /* throughput: ops over its own elapsed_ns */
};

struct ipcb_rep {
	enum ipcb_status status;
	struct ipcb_side_obs side[2]; /* the first pair's */
	struct ipcb_cost cost[2];     /* per side, all pairs together */
	uint64_t elapsed_ns;          /* side A's timed loop (latency) or B's (throughput);
				       * throughput with several pairs: window_ns */
	struct ipcb_lat_summary lat;  /* latency cells, all pairs pooled */
	uint64_t msgs;                /* throughput cells, at the receivers: messages */
	double msgs_per_s;            /* timed, and their rate; with several pairs, */
	double bytes_per_s;           /* all of them together over window_ns */
	uint64_t lost;                /* IPCB_MECH_LOSSY, throughput or one-way at a rate:
				       * timed messages sent and never received, all pairs */
	/* With several pairs: from the first pair's timed start to the last
	 * one's end; the fraction of it when every pair was in its timed loop
	 * (0 to 1); and each pair's own figures. */
	uint64_t window_ns;
	double overlap;
	struct ipcb_rep_pair pair[IPCB_PAIRS_MAX];
	/* One-way at a rate: lat is corrected (from the due times); the
	 * uncorrected figures (from the send stamps), the messages that left
	 * late, the rate the sender achieved and the quarters' p50. */
	struct ipcb_lat_summary lat_uncorrected;
	uint64_t late;
	double achieved_per_s;
	uint64_t first_quarter_p50_ns, last_quarter_p50_ns;
};

/* One of several pairs of a cell (--pairs), over its repetitions. */
struct ipcb_pair_cell {
	struct ipcb_hist *merged; /* latency: this pair's round trips */
	struct ipcb_lat_summary lat;
	double median_msgs_per_s; /* throughput */
	cpu_set_t seen[2];        /* CPUs each side was observed on */
	bool cpu_mismatch;
};

struct ipcb_cell {
	const struct ipcb_variant *var;
	const struct ipcb_mech *mech; /* var->mech */
	enum ipcb_test test;
	enum ipcb_mode mode; /* two processes, or two threads of one */
	uint64_t size;
	uint64_t iterations, warmup; /* per repetition */
	bool sized;                  /* iterations were chosen from a pilot */
	unsigned pilots;             /* pilots run */
	uint64_t pilot_n, pilot_ns;  /* the pilot sized from: iterations and wall time */
	enum ipcb_status status;
	struct ipcb_err why; /* reason when skipped, failed or interrupted */
	unsigned reps_done;
	struct ipcb_rep *reps;                        /* params.repetitions slots */
	struct ipcb_hist *merged;                     /* latency: every repetition's round trips */
	struct ipcb_lat_summary lat;                  /* latency: from merged */
	double median_p50_ns, median_p99_ns;          /* over repetitions */
	double median_msgs_per_s, median_bytes_per_s; /* over repetitions */
	uint64_t lost;                                /* sum of the repetitions' lost */
	struct ipcb_cost cost[2];                     /* median over repetitions, per side */
	bool cpu_mismatch;                            /* a side ran somewhere it was not pinned */
	bool reference;                               /* the floor or the harness cell */
	unsigned pairs;                               /* pairs at once (references: 1) */
	struct ipcb_pair_cell *pair;                  /* per pair, when pairs > 1 */
	cpu_set_t seen[2];                            /* CPUs the first pair's sides were seen on */
	/* One-way: the side that sends; the cell's merged histogram and lat
	 * are the receiver's one-way times. At a rate (IPCB_OW_*): the
	 * uncorrected ones too, the late messages (all repetitions), the
	 * medians over repetitions of the achieved rate and of the quarters'
	 * p50, and the saturation verdict (NULL: the rate held). */
	enum ipcb_side sender;
	struct ipcb_hist *merged_uncorrected;
	struct ipcb_lat_summary lat_uncorrected;
	uint64_t late;
	double median_achieved_per_s;
	double median_first_quarter_p50_ns, median_last_quarter_p50_ns;
	const char *saturated;
	char saturation_why[96]; /* where saturated points when messages were lost */
	/* One-way: each sender's rate (messages per second; 0: one at a time,
	 * acknowledged). A point of a load curve (--test load) has its
	 * throughput cell, its fraction of that cell's median msgs/s, and that
	 * median (all pairs together) once measured; its rate is set then. */
	double rate;
	const struct ipcb_cell *load_of;
	double load_fraction;
	double load_max_msgs_per_s;
};

/* Whether a cell's figures are times of single messages or round trips
 * (latency, one-way), not rates. */
bool ipcb_cell_timed_by_hist(const struct ipcb_cell *c);

/* What a variant's mechanism says about this system. */
struct ipcb_mech_info {
	const struct ipcb_mech *mech;
	const struct ipcb_variant *var;
	int supported;       /* 0, or -errno from supported() */
	struct ipcb_err why; /* when not supported, or limits failed */
	struct ipcb_limits limits;
};

struct ipcb_run {
	struct ipcb_params p;
	struct ipcb_mech_info *mechs; /* one per variant */
	struct ipcb_cell *cells;      /* the reference cells first, then the sweep */
	size_t n_cells;
	struct ipcb_variant ref_var[2];
	struct ipcb_mech_info ref_info[2];
	const struct ipcb_cell *floor;   /* the cacheline cell, or NULL */
	const struct ipcb_cell *harness; /* the null cell, or NULL */
	struct ipcb_copy_floor *copy;    /* the copy floor, or NULL: not measured */
	int stop_signal;                 /* set when the run was interrupted */
	struct ipcb_arena *arena;
	struct ipcb_hist *scratch;    /* merging one repetition's pairs */
	enum ipcb_mode planning_mode; /* the mode of the cells being laid out */
};

/* Called before each repetition: step counts from 1 to steps. */
typedef void (*ipcb_progress_fn)(void *arg, const struct ipcb_cell *cell, unsigned rep, size_t step,
				 size_t steps);

/* Sizing a cell's repetitions from a pilot. */
struct ipcb_autosize {
	uint64_t target_ns; /* wall time one repetition should take */
	uint64_t min_n;     /* fewest iterations: enough for tail percentiles */
	uint64_t max_n;
	uint64_t pilot_min_ns; /* a pilot shorter than this is too short to trust */
};

/* The pilot ran pilot_n iterations in pilot_ns. Returns 0 with *n the
 * iterations per repetition, or 1 with *n the size of a longer pilot to run
 * first (the pilot was too short to time well). */
int ipcb_autosize_step(const struct ipcb_autosize *a, uint64_t pilot_n, uint64_t pilot_ns,
		       uint64_t *n);

/* The first pilot's size. */
#define IPCB_PILOT_FIRST 16
/* Most pilots grown before sizing from the last one anyway. */
#define IPCB_PILOTS_GROWING 6

/* Run one pilot of n iterations: 0 with its wall time in *ns, or nonzero
 * to stop sizing (the pilot failed). */
typedef int (*ipcb_pilot_fn)(void *arg, uint64_t n, uint64_t *ns);

/* What the pilots decided. */
struct ipcb_sizing {
	uint64_t n;                 /* iterations per repetition */
	uint64_t pilot_n, pilot_ns; /* the pilot sized from */
	unsigned pilots;            /* pilots run */
};

/* Size a cell: pilots growing (ipcb_autosize_step) until one is long
 * enough to time, then one more of that size, and the count that fills the
 * target at the faster pace of those two (a first pilot may run cold).
 * Returns 0, or the first nonzero value a pilot returned. */
int ipcb_autosize_run(const struct ipcb_autosize *a, ipcb_pilot_fn pilot, void *arg,
		      struct ipcb_sizing *out);

/* Query the mechanisms (supported, limits) and lay out the cells, marking
 * the ones that cannot run here as skipped. 0 or -errno. */
int ipcb_run_new(const struct ipcb_params *p, struct ipcb_run **out, struct ipcb_err *err);

/* Run every repetition, interleaved: repetition r of every cell before
 * repetition r+1 of any, so slow drift spreads over all cells instead of
 * biasing one. Returns 0, or -EINTR when stopped (unfinished cells are
 * then marked interrupted, keeping their completed repetitions). */
int ipcb_run_execute(struct ipcb_run *run, ipcb_progress_fn progress, void *arg);

void ipcb_run_free(struct ipcb_run *run);

/* Whether a cell carries figures: some repetitions done and not failed
 * (a failed cell's earlier repetitions are not reported) nor skipped. */
bool ipcb_cell_has_figures(const struct ipcb_cell *c);

/* Whether a cell's iterations and warm-up were decided: not when it was
 * skipped, nor when its pilots did not finish. */
bool ipcb_cell_iterations_known(const struct ipcb_run *run, const struct ipcb_cell *c);

/* Whether the run's floor (the cacheline cell) waits by yielding the CPU
 * rather than spinning: mech-cacheline yields when both sides share one
 * CPU, so the floor is then two context switches, not the cache line. */
bool ipcb_run_floor_yields(const struct ipcb_run *run);

/* A latency cell's RTT p50 as a multiple of the floor's, or 0 when either
 * has no figures. */
double ipcb_run_x_floor(const struct ipcb_run *run, const struct ipcb_cell *c);

/* A throughput cell's bytes per second as a multiple of the copy floor's
 * at its size (below 1: slower than one memcpy of each message on the
 * receiver's CPU), or 0 when either has no figures or the mechanism
 * carries no bytes. */
double ipcb_run_x_copy_floor(const struct ipcb_run *run, const struct ipcb_cell *c);

/* Cells with each status (reference cells not counted). */
size_t ipcb_run_count(const struct ipcb_run *run, enum ipcb_status s);

/* Fold add into into: counters added by name, a word kept while every
 * set agrees on it, else "mixed"; a name into lacks is appended. */
void ipcb_notes_merge(struct ipcb_notes *into, const struct ipcb_notes *add);

/* The points of the load curve of throughput cell thr (--test load), by
 * ascending load, into pts (IPCB_LOAD_POINTS_MAX slots): their count. */
size_t ipcb_run_load_points(const struct ipcb_run *run, const struct ipcb_cell *thr,
			    const struct ipcb_cell **pts);

/* The knee of that curve (ipcb_load_knee over the points' corrected p99
 * and saturation): the index of its point, or -1. */
int ipcb_run_load_knee(const struct ipcb_run *run, const struct ipcb_cell *thr);

/* Query a variant's mechanism: supported() and limits(). */
void ipcb_mech_query(const struct ipcb_variant *v, struct ipcb_mech_info *mi);

/* Fill a summary from a histogram. */
void ipcb_lat_summarize(const struct ipcb_hist *h, struct ipcb_lat_summary *s);

#endif
