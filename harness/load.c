/* Reading a results file back, with the checks compare and export rely on. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/load.h"
#include "harness/result.h"

static int bad(struct ipcb_err *err, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct ipcb_err *err, const char *name, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	ipcb_err_set(err, 0, "%s: %s", name, what);
	return -EINVAL;
}

const char *ipcb_results_cell_mode(const json_t *cell)
{
	const json_t *m = json_object_get(cell, "mode");

	return json_is_string(m) ? json_string_value(m) : "processes";
}

/* A cell's mode, when it has one: processes or threads. */
static int check_mode(const json_t *c, const char *name, long i, struct ipcb_err *err)
{
	const json_t *m = json_object_get(c, "mode");

	if (m == NULL || (json_is_string(m) && (strcmp(json_string_value(m), "processes") == 0 ||
						strcmp(json_string_value(m), "threads") == 0)))
		return 0;
	return bad(err, name, "cell %ld: mode is not processes or threads", i);
}

/* One cell: the fields readers use, of the types they expect. */
static int check_cell(const json_t *c, const char *name, long i, struct ipcb_err *err)
{
	static const char *const strings[] = { "mechanism", "variant", "test", "status",
					       "placement" };
	const json_t *cpus, *req, *reps;

	if (!json_is_object(c))
		return bad(err, name, "cell %ld is not an object", i);
	for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
		if (!json_is_string(json_object_get(c, strings[k])))
			return bad(err, name, "cell %ld: \"%s\" is missing or not a string", i,
				   strings[k]);
	if (strcmp(json_string_value(json_object_get(c, "test")), "latency") != 0 &&
	    strcmp(json_string_value(json_object_get(c, "test")), "throughput") != 0 &&
	    strcmp(json_string_value(json_object_get(c, "test")), "oneway") != 0)
		return bad(err, name, "cell %ld: test is not latency, throughput or oneway", i);
	if (strcmp(json_string_value(json_object_get(c, "test")), "oneway") == 0 &&
	    !json_is_string(json_object_get(c, "direction")))
		return bad(err, name, "cell %ld: a oneway cell without a direction", i);
	if (!json_is_integer(json_object_get(c, "msg_size_bytes")) ||
	    json_integer_value(json_object_get(c, "msg_size_bytes")) < 1)
		return bad(err, name,
			   "cell %ld: msg_size_bytes is missing or not a positive integer", i);
	if (!json_is_object(json_object_get(c, "options")))
		return bad(err, name, "cell %ld: options is missing or not an object", i);
	cpus = json_object_get(c, "cpus");
	req = cpus ? json_object_get(cpus, "requested") : NULL;
	if (!json_is_array(req) || json_array_size(req) != 2 ||
	    !json_is_integer(json_array_get(req, 0)) || !json_is_integer(json_array_get(req, 1)))
		return bad(err, name, "cell %ld: cpus.requested is not two CPU numbers", i);
	reps = json_object_get(c, "repetitions");
	if (!json_is_array(reps))
		return bad(err, name, "cell %ld: repetitions is missing or not an array", i);
	for (size_t r = 0; r < json_array_size(reps); r++)
		if (!json_is_object(json_array_get(reps, r)))
			return bad(err, name, "cell %ld: a repetition is not an object", i);
	return check_mode(c, name, i, err);
}

int ipcb_results_check(const json_t *doc, const char *name, struct ipcb_err *err)
{
	const json_t *v, *cells;

	if (!json_is_object(doc))
		return bad(err, name,
			   "not an ipcbench results file (the top level is not an object)");
	v = json_object_get(doc, "schema_version");
	if (!json_is_integer(v))
		return bad(err, name, "not an ipcbench results file (no schema_version)");
	/* Version 2 only dropped constant strings that no reader uses. */
	if (json_integer_value(v) < IPCB_SCHEMA_VERSION_OLDEST ||
	    json_integer_value(v) > IPCB_SCHEMA_VERSION)
		return bad(err, name,
			   "schema version %lld is not one this ipcbench reads (%d to %d)",
			   (long long)json_integer_value(v), IPCB_SCHEMA_VERSION_OLDEST,
			   IPCB_SCHEMA_VERSION);
	if (!json_is_object(json_object_get(doc, "system")))
		return bad(err, name, "no \"system\" object");
	cells = json_object_get(doc, "cells");
	if (!json_is_array(cells))
		return bad(err, name, "no \"cells\" array");
	for (size_t i = 0; i < json_array_size(cells); i++) {
		int rc = check_cell(json_array_get(cells, i), name, (long)i, err);

		if (rc != 0)
			return rc;
	}
	return 0;
}

int ipcb_results_load(const char *path, json_t **doc, struct ipcb_err *err)
{
	struct stat st;
	json_error_t je;
	FILE *f;
	int rc;

	*doc = NULL;
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL)
		return ipcb_err_set(err, errno, "%s", path);
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		if (f != stdin)
			fclose(f);
		return ipcb_err_set(err, EISDIR, "%s", path);
	}
	*doc = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	if (f != stdin)
		fclose(f);
	if (*doc == NULL) {
		ipcb_err_set(err, 0, "%s: not valid JSON: %s (line %d, column %d)", path, je.text,
			     je.line, je.column);
		return -EINVAL;
	}
	rc = ipcb_results_check(*doc, path, err);
	if (rc != 0) {
		json_decref(*doc);
		*doc = NULL;
	}
	return rc;
}
