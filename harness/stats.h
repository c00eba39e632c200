/* Small statistics over repetition summaries. */
#ifndef IPCB_STATS_H
#define IPCB_STATS_H

#include <stddef.h>

/* Largest n the functions below accept (repetitions are capped below it). */
#define IPCB_STATS_MAX_N 4096

/* Median of n values (the mean of the two middle ones when n is even);
 * v is not modified. 0 when n is 0 or above IPCB_STATS_MAX_N. */
double ipcb_stats_median(const double *v, size_t n);

/* Smallest and largest of n values (0 when n is 0). */
double ipcb_stats_min(const double *v, size_t n);
double ipcb_stats_max(const double *v, size_t n);

#endif
