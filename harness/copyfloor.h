/* The copy floor: what one memcpy of each message size moves per second on
 * side B's CPU (the receiver's), between two buffers that the measuring
 * process touched beforehand. It is the throughput counterpart of the
 * cacheline floor: a receiver that copies each message out of shared
 * memory into its own buffer cannot take them faster than this. Measured
 * in a child pinned to that CPU, a few short batches per size at the start
 * of every round of repetitions, and summarised by the median batch. */
#ifndef IPCB_COPYFLOOR_H
#define IPCB_COPYFLOOR_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/cell.h"
#include "harness/err.h"

/* Most message sizes a copy floor measures (run.h's IPCB_SIZES_MAX). */
#define IPCB_COPY_SIZES_MAX 64
/* Timed batches per size in each round, and what one batch aims to take. */
#define IPCB_COPY_BATCHES 3
#define IPCB_COPY_BATCH_NS 500000u
/* Both buffers start this far into a page, as the cells' message buffers. */
#define IPCB_COPY_OFFSET 64

/* One message size: its batches over the rounds so far. */
struct ipcb_copy_size {
	uint64_t size;
	uint64_t copies; /* memcpy calls per batch, chosen in the first round */
	unsigned n;      /* batches recorded */
	double *bps;     /* each batch's bytes per second */
	/* After ipcb_copy_floor_finish: the median batch and the range. */
	double bytes_per_s, min_bps, max_bps;
};

/* The child's results, in memory it shares with the parent. */
struct ipcb_copy_page;

struct ipcb_copy_floor {
	int cpu;                 /* side B's CPU, where the child is pinned */
	enum ipcb_status status; /* PENDING until finished: OK, FAILED or INTERRUPTED */
	struct ipcb_err why;     /* when not OK */
	unsigned rounds_planned, rounds_done;
	size_t n_sizes;
	struct ipcb_copy_size *size;
	cpu_set_t seen;       /* CPUs the child was observed on */
	bool mismatch;        /* it ran on another CPU than cpu */
	uint64_t spent_ns;    /* wall time of every round, fork to reap */
	uint64_t deadline_ns; /* a round taking longer is ended and fails */
	struct ipcb_copy_page *page;
};

/* Plan the copy floor of sizes (ascending, at most IPCB_COPY_SIZES_MAX) on
 * cpu over rounds rounds; a round that takes stall_ns more than its copies
 * should ends it. NULL with err set when out of memory. */
struct ipcb_copy_floor *ipcb_copy_floor_new(int cpu, const uint64_t *sizes, size_t n_sizes,
					    unsigned rounds, uint64_t stall_ns,
					    struct ipcb_err *err);

/* Measure one round: fork a child pinned to the CPU, which times
 * IPCB_COPY_BATCHES batches of each size after a warm-up (in the first
 * round, the batches that choose the copies per batch). A failure ends
 * the copy floor (status FAILED, why set). Nothing once it is finished. */
void ipcb_copy_floor_round(struct ipcb_copy_floor *cf);

/* The summaries: OK when every planned round ran, INTERRUPTED otherwise
 * (keeping the rounds done); a failed copy floor keeps no figures. */
void ipcb_copy_floor_finish(struct ipcb_copy_floor *cf);

/* Whether it carries figures (some rounds done, none failed). */
bool ipcb_copy_floor_has_figures(const struct ipcb_copy_floor *cf);

/* The copy floor of one size in bytes per second, or 0 when there is
 * none (not measured, failed, or not a size of the sweep). */
double ipcb_copy_floor_bps(const struct ipcb_copy_floor *cf, uint64_t size);

void ipcb_copy_floor_free(struct ipcb_copy_floor *cf);

#endif
