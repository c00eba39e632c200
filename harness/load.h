/* Reading a results file back (compare, export): parse, and check that it
 * is one this ipcbench understands, with a one-line reason when not. */
#ifndef IPCB_LOAD_H
#define IPCB_LOAD_H

#include <jansson.h>

#include "harness/err.h"

/* Load path ("-" reads stdin). The document must be a JSON object with a
 * schema_version from IPCB_SCHEMA_VERSION_OLDEST to IPCB_SCHEMA_VERSION (1
 * or 2), a "system" object and a "cells" array whose entries carry the
 * fields compare and export read (mechanism, test, msg_size_bytes, status,
 * placement, options, cpus.requested, repetitions). 0 with *doc a new
 * reference, or -EINVAL / -errno with err naming the file and the
 * problem. */
int ipcb_results_load(const char *path, json_t **doc, struct ipcb_err *err);

/* A checked cell's mode: "processes" or "threads" ("processes" in files
 * written before --mode). */
const char *ipcb_results_cell_mode(const json_t *cell);

/* The same checks on a document already parsed (what the fuzz target
 * drives). */
int ipcb_results_check(const json_t *doc, const char *name, struct ipcb_err *err);

#endif
