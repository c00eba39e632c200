/* The results document (JSON, schema in results/schema.json) and writing
 * it atomically. */
#ifndef IPCB_RESULT_H
#define IPCB_RESULT_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "harness/err.h"
#include "harness/noise.h"
#include "harness/run.h"
#include "harness/sysinfo.h"

/* The version results are written with; version 1 (the same document with
 * constant method strings in every cell) is still read (harness/load.c). */
#define IPCB_SCHEMA_VERSION 2
#define IPCB_SCHEMA_VERSION_OLDEST 1

struct ipcb_result_meta {
	const char *version; /* ipcbench version */
	int argc;
	char *const *argv;
	struct timespec start; /* CLOCK_REALTIME */
	struct timespec end;
	int exit_status;
	const struct ipcb_warnings *warnings; /* noise warnings at start; may be NULL */
	const char *counters_note;            /* about --counters, or "" */
};

/* The whole document for one run per placement (CPU pair), in order. New
 * reference; NULL on allocation failure. */
json_t *ipcb_result_build(const struct ipcb_run *const *runs, size_t n_runs,
			  const struct ipcb_sysinfo *si, const struct ipcb_result_meta *meta);

/* The "system" object alone (also used by `ipcbench list --json`). */
json_t *ipcb_result_system(const struct ipcb_sysinfo *si);

/* The placement classes the usable CPUs offer: class -> [a, b], and
 * "auto" -> {class, cpus}. */
json_t *ipcb_result_placements(const struct ipcb_topo *t, const cpu_set_t *usable);

/* One mechanism's description: summary, availability, flags, limits. */
json_t *ipcb_result_mech(const struct ipcb_mech_info *mi);

/* Check before a run that path can be written: its directory exists and
 * takes new files, and path is not a directory, a device or a FIFO (which
 * the rename would replace). "-" (stdout) is fine. Messages name opt (the
 * option that gave path). 0 or -errno with the reason in err. */
int ipcb_result_check_target(const char *opt, const char *path, struct ipcb_err *err);

/* Write doc to path through a temporary file in the same directory,
 * fsync'd and renamed over path, so readers see the old file or the whole
 * new one, never half of one. "-" writes to stdout. The text is laid out
 * by ipcb_json_dumps (harness/jsonout.h) and ends with a newline. 0 or
 * -errno. */
int ipcb_result_write(const json_t *doc, const char *path, struct ipcb_err *err);

#endif
