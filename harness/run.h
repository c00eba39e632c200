/* A run: the plan (mechanisms x sizes x tests x repetitions), its
 * execution cell by cell, and the per-cell aggregates. */
#ifndef IPCB_RUN_H
#define IPCB_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/cell.h"
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

/* A mechanism with one resolved set of options: the unit that cells are
 * made of. Several variants of one mechanism compare its options. */
struct ipcb_variant {
	const struct ipcb_mech *mech;
	struct ipcb_opt_set opts;  /* every option, defaults filled in */
	char label[64];            /* "shm-futex wait=spin": name + options given */
};

struct ipcb_params {
	const struct ipcb_variant *variants;
	size_t n_variants;
	const uint64_t *sizes;      /* message sizes in bytes, ascending */
	size_t n_sizes;
	bool latency, throughput;   /* tests to run */
	int cpu[2];                 /* CPU of side A and side B */
	uint64_t iterations;        /* 0: chosen per size, see ipcb_default_iterations */
	uint64_t warmup;            /* or IPCB_WARMUP_AUTO */
	unsigned repetitions;
	bool verify;
	bool quick;
	uint64_t stall_timeout_ns;
	struct ipcb_hist_cfg hist;
	struct ipcb_fault fault;    /* kind IPCB_FAULT_NONE unless testing */
};

/* Percentiles of a set of round trips, in ns. */
struct ipcb_lat_summary {
	uint64_t count;     /* round trips recorded */
	uint64_t overflow;  /* of which above the histogram's range */
	uint64_t min_ns, p50_ns, p90_ns, p99_ns, p999_ns, p9999_ns, max_ns;
	double mean_ns, stddev_ns;
};

struct ipcb_rep {
	enum ipcb_status status;
	struct ipcb_side_obs side[2];
	uint64_t elapsed_ns;       /* side A's timed loop (latency) or B's (throughput) */
	struct ipcb_lat_summary lat; /* latency cells */
	double msgs_per_s;         /* throughput cells, at the receiver */
	double bytes_per_s;
};

struct ipcb_cell {
	const struct ipcb_variant *var;
	const struct ipcb_mech *mech;  /* var->mech */
	enum ipcb_test test;
	uint64_t size;
	uint64_t iterations, warmup;  /* per repetition */
	enum ipcb_status status;
	struct ipcb_err why;          /* reason when skipped, failed or interrupted */
	unsigned reps_done;
	struct ipcb_rep *reps;        /* params.repetitions slots */
	struct ipcb_hist *merged;     /* latency: every repetition's round trips */
	struct ipcb_lat_summary lat;  /* latency: from merged */
	double median_p50_ns, median_p99_ns;        /* over repetitions */
	double median_msgs_per_s, median_bytes_per_s; /* over repetitions */
	bool cpu_mismatch;            /* a side ran somewhere it was not pinned */
};

/* What a variant's mechanism says about this system. */
struct ipcb_mech_info {
	const struct ipcb_mech *mech;
	const struct ipcb_variant *var;
	int supported;           /* 0, or -errno from supported() */
	struct ipcb_err why;     /* when not supported, or limits failed */
	struct ipcb_limits limits;
};

struct ipcb_run {
	struct ipcb_params p;
	struct ipcb_mech_info *mechs; /* one per variant */
	struct ipcb_cell *cells;
	size_t n_cells;
	int stop_signal;              /* set when the run was interrupted */
	struct ipcb_arena *arena;
};

/* Called before each repetition: step counts from 1 to steps. */
typedef void (*ipcb_progress_fn)(void *arg, const struct ipcb_cell *cell,
				 unsigned rep, size_t step, size_t steps);

/* Iterations per repetition when none are given: a byte budget per
 * repetition spread over messages of this size, clamped to a range that
 * keeps tail percentiles meaningful and small sizes quick. */
uint64_t ipcb_default_iterations(uint64_t size, enum ipcb_test test, bool quick);

/* Query the mechanisms (supported, limits) and lay out the cells, marking
 * the ones that cannot run here as skipped. 0 or -errno. */
int ipcb_run_new(const struct ipcb_params *p, struct ipcb_run **out,
		 struct ipcb_err *err);

/* Run every repetition, interleaved: repetition r of every cell before
 * repetition r+1 of any, so slow drift spreads over all cells instead of
 * biasing one. Returns 0, or -EINTR when stopped (unfinished cells are
 * then marked interrupted, keeping their completed repetitions). */
int ipcb_run_execute(struct ipcb_run *run, ipcb_progress_fn progress, void *arg);

void ipcb_run_free(struct ipcb_run *run);

/* Cells with each status. */
size_t ipcb_run_count(const struct ipcb_run *run, enum ipcb_status s);

/* Query a variant's mechanism: supported() and limits(). */
void ipcb_mech_query(const struct ipcb_variant *v, struct ipcb_mech_info *mi);

/* Fill a summary from a histogram. */
void ipcb_lat_summarize(const struct ipcb_hist *h, struct ipcb_lat_summary *s);

#endif
