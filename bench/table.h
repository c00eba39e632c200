/* The human-readable results table and value formatting. */
#ifndef IPCB_TABLE_H
#define IPCB_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/run.h"
#include "harness/sysinfo.h"

/* "812 ns", "21.1 us", "1.25 ms" */
void ipcb_fmt_ns(double ns, char *buf, size_t len);

/* "64 B", "4 KiB", "1 MiB" (exact multiples only; otherwise bytes) */
void ipcb_fmt_size(uint64_t bytes, char *buf, size_t len);

struct ipcb_table_opts {
	bool cost;        /* CPU time and context switches per operation */
	double elapsed_s; /* the run's wall time for a footer; < 0: none */
};

/* One row per mechanism and size: latency and throughput side by side,
 * cells without figures replaced by their status and a numbered note. */
void ipcb_table_print(FILE *f, const struct ipcb_run *run, const struct ipcb_sysinfo *si,
		      const struct ipcb_table_opts *opts);

/* The block of --test load (bench/table-load.c): per mechanism variant and
 * size, the load curve's points and its knee. Nothing without load cells. */
void ipcb_table_print_load(FILE *f, const struct ipcb_run *run);

#endif
