/* Hardware performance counters around a timed loop (perf_event_open):
 * cycles, instructions and cache misses of the calling process. */
#ifndef IPCB_COUNTERS_H
#define IPCB_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/err.h"

enum { IPCB_CTR_CYCLES, IPCB_CTR_INSTRUCTIONS, IPCB_CTR_CACHE_MISSES, IPCB_CTR_N };

struct ipcb_counters {
	int fd[IPCB_CTR_N]; /* fd[0] leads the group; -1 when not open */
	bool user_only;     /* the kernel's part is not counted */
};

/* Whether counting works here; 0, or -errno with the reason in err.
 * Sets *user_only when only user-space counting is permitted. */
int ipcb_counters_probe(bool *user_only, struct ipcb_err *err);

/* Open the group for the calling process, disabled. 0 or -errno. */
int ipcb_counters_open(struct ipcb_counters *c, bool user_only, struct ipcb_err *err);

/* Reset and enable; disable. */
void ipcb_counters_start(const struct ipcb_counters *c);
void ipcb_counters_stop(const struct ipcb_counters *c);

/* Read the counts (scaled when the kernel multiplexed them); -1 for a
 * counter that could not be read. */
void ipcb_counters_read(const struct ipcb_counters *c, int64_t out[IPCB_CTR_N]);

void ipcb_counters_close(struct ipcb_counters *c);

#endif
