/* Whether the run's clock reads the same on two CPUs, before one-way
 * cells compare a stamp taken on one with a reading taken on the other.
 *
 * Two processes, pinned to the pair's CPUs, take turns through a shared
 * cache line: the writer reads its clock and stores the reading, the
 * reader reads its own clock on seeing it. reader - writer is the transfer
 * time plus the offset of the reader's clock; its minimum over many
 * samples, each way, bounds the offset: -min(B->A) <= offset of B <=
 * min(A->B). A minimum below -tolerance means one clock runs behind the
 * other by more than a stamp can bear: one-way figures would be wrong. */
#ifndef IPCB_CLOCKCHECK_H
#define IPCB_CLOCKCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/clock.h"
#include "harness/err.h"

#define IPCB_CLOCKCHECK_SAMPLES 2000

struct ipcb_clockcheck {
	int cpu[2];          /* side A's CPU, side B's */
	unsigned samples;    /* each way */
	int64_t min_ab_ns;   /* min over samples of B's reading - A's stamp */
	int64_t min_ba_ns;   /* min of A's reading - B's stamp */
	double tolerance_ns; /* how far below 0 a minimum may go: the clock's resolution */
	bool consistent;     /* both minima at or above -tolerance */
};

/* Fold one sample (reader's reading - writer's stamp, in ns) into *min;
 * first says it is the first. */
static inline void ipcb_clockcheck_fold(int64_t *min, int64_t d, bool first)
{
	if (first || d < *min)
		*min = d;
}

/* A signed difference of two raw readings, in ns, by the run's clock. */
int64_t ipcb_clockcheck_diff_ns(const struct ipcb_clock *clk, uint64_t later, uint64_t earlier);

/* Set cc->consistent from its minima and tolerance; when inconsistent,
 * a one-line reason naming the skew in why. */
bool ipcb_clockcheck_judge(struct ipcb_clockcheck *cc, char *why, size_t len);

/* Measure the pair cpu_a, cpu_b with the run's clock (two forked,
 * pinned processes; none left behind). 0 with cc filled (judged), or
 * -errno with err set (the check could not run). */
int ipcb_clockcheck_run(int cpu_a, int cpu_b, const struct ipcb_clock *clk, double tolerance_ns,
			struct ipcb_clockcheck *cc, struct ipcb_err *err);

#endif
