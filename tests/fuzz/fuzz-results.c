/* libFuzzer target: reading results files back, as `ipcbench compare` and
 * `ipcbench export` do.
 *
 * The input is a results document (JSON). A form feed (0x0c, which valid
 * JSON never holds outside strings, and inside them only escaped) splits
 * it into BASE and NEW for compare; without one, the document is compared
 * with itself. Each input:
 *
 *  1. is parsed from memory with jansson as harness/load.c parses a file
 *     (json_loadb, JSON_REJECT_DUPLICATES, jansson's default depth limit)
 *     and checked with ipcb_results_check(); and loaded through
 *     ipcb_results_load() itself from a memfd (/proc/self/fd/N), no file on
 *     disk. Both must agree, and give equal documents;
 *  2. when NEW loads, runs the real commands in-process on the memfds:
 *     ipcb_cli_cmd_compare BASE NEW (--json -, a metric picked by the
 *     input's length), and ipcb_cli_cmd_export in every format (hgrm for
 *     the first latency cell with figures, named as export names it).
 *
 * Invariants (abort() when violated): the two loads agree; a document that
 * passes the check exports without error in gbench, gab-*, bmf and csv
 * (the check promises "the fields compare and export read"), the JSON
 * formats as valid JSON, gab-* with one entry per cell of its test that
 * has figures; compare exits 0, 1 or 2, and 0 or 2 (nothing slower) for a
 * file compared with itself, and its --json output lists every cell its
 * summary counts.
 *
 * What compare and the JSON exports write on stdout is captured in a third
 * memfd and checked; other output goes to /dev/null, and the commands'
 * stderr to a sink (fuzz-quiet.h); IPCB_FUZZ_VERBOSE=1 shows the messages
 * and uncaptured output.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/cli.h"
#include "harness/load.h"
#include "harness/parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd_base = -1, fd_new = -1, fd_out = -1;
static char path_base[64], path_new[64], path_out[64];

static void violation(const char *what, const char *detail)
{
	/* fd 2 itself: stderr is the sink in this file (fuzz-quiet.h). */
	dprintf(2, "fuzz-results: invariant violated: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

static int open_memfd(const char *name, char *path, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0) {
		dprintf(2, "fuzz-results: memfd_create: %s\n", strerror(errno));
		abort();
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	if (access(path, R_OK) != 0) {
		dprintf(2, "fuzz-results: %s: %s (is /proc mounted?)\n", path, strerror(errno));
		abort();
	}
	return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd_base = open_memfd("ipcb-fuzz-base", path_base, sizeof path_base);
	fd_new = open_memfd("ipcb-fuzz-new", path_new, sizeof path_new);
	fd_out = open_memfd("ipcb-fuzz-out", path_out, sizeof path_out);
	return 0;
}

/* Make the memfd hold exactly these bytes. */
static void put(int fd, const uint8_t *d, size_t n)
{
	size_t done = 0;

	if (ftruncate(fd, 0) != 0)
		abort();
	while (done < n) {
		ssize_t w = pwrite(fd, d + done, n - done, (off_t)done);

		if (w <= 0)
			abort();
		done += (size_t)w;
	}
}

/* glibc's getopt keeps a pointer into the argv it scanned last unless
 * optind is 0 on the next call; the commands set optind to 1 (the real
 * program runs one command per process), so reset it between them. */
static void reset_getopt(void)
{
	static char arg0[] = "ipcbench";
	static char *argv[] = { arg0, NULL };

	optind = 0;
	while (getopt(1, argv, "") != -1)
		;
}

static int run(int (*cmd)(int, char **), int argc, const char *const *args)
{
	char *argv[16];

	for (int i = 0; i < argc; i++)
		argv[i] = (char *)args[i];
	argv[argc] = NULL;
	reset_getopt();
	return cmd(argc, argv);
}

/* Run a command with its stdout (file descriptor 1) in the output memfd;
 * what it wrote is returned, NUL-terminated (free it), its status in *rc. */
static char *run_captured(int (*cmd)(int, char **), int argc, const char *const *args, int *rc)
{
	int saved;
	off_t len;
	char *out;

	fflush(stdout);
	saved = dup(1);
	if (saved < 0 || ftruncate(fd_out, 0) != 0 || lseek(fd_out, 0, SEEK_SET) != 0 ||
	    dup2(fd_out, 1) < 0)
		abort();
	*rc = run(cmd, argc, args);
	fflush(stdout);
	if (dup2(saved, 1) < 0)
		abort();
	close(saved);
	len = lseek(fd_out, 0, SEEK_END);
	out = malloc((size_t)len + 1);
	if (len < 0 || out == NULL || pread(fd_out, out, (size_t)len, 0) != len)
		abort();
	out[len] = '\0';
	return out;
}

/* The name export gives a cell (bench/export.c, cell_name()). */
static void cell_name(const json_t *c, char *buf, size_t len)
{
	const json_t *req = json_object_get(json_object_get(c, "cpus"), "requested");
	const json_t *pairs = json_object_get(c, "pairs_at_once");
	const char *variant = json_string_value(json_object_get(c, "variant"));
	const char *test = json_string_value(json_object_get(c, "test"));
	const char *placement = json_string_value(json_object_get(c, "placement"));
	char v[128];
	int n;

	snprintf(v, sizeof v, "%s", variant ? variant : "");
	ipcb_utf8_trim(v);
	for (char *p = v; *p; p++)
		if (*p == ' ')
			*p = ':';
	n = snprintf(buf, len, "%s/%s/%lld/%s/%lld-%lld", v, test ? test : "",
		     (long long)json_integer_value(json_object_get(c, "msg_size_bytes")),
		     placement ? placement : "",
		     (long long)json_integer_value(json_array_get(req, 0)),
		     (long long)json_integer_value(json_array_get(req, 1)));
	if (json_is_integer(pairs) && json_integer_value(pairs) > 1 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "/x%lld", (long long)json_integer_value(pairs));
	ipcb_utf8_trim(buf);
}

/* The first latency cell with repetitions, as export --format hgrm picks
 * them; 0 when there is none. */
/* A cell with figures, as export sees it: status ok or interrupted, and
 * repetitions (a failed cell has none, even in files written before that
 * rule). */
static int has_figures(const json_t *c)
{
	const char *st = json_string_value(json_object_get(c, "status"));

	return st != NULL && (strcmp(st, "ok") == 0 || strcmp(st, "interrupted") == 0) &&
	       json_array_size(json_object_get(c, "repetitions")) > 0;
}

static int hgrm_cell(const json_t *doc, char *name, size_t len)
{
	const json_t *cells = json_object_get(doc, "cells");

	for (size_t i = 0; i < json_array_size(cells); i++) {
		const json_t *c = json_array_get(cells, i);
		const char *test = json_string_value(json_object_get(c, "test"));

		if (test != NULL && strcmp(test, "latency") == 0 && has_figures(c)) {
			cell_name(c, name, len);
			return 1;
		}
	}
	return 0;
}

/* compare --json's output agrees with itself: every verdict counted in
 * "summary" has its entry in "cells", every one-sided cell its label. */
static void check_compare_output(const char *out)
{
	static const char *const counted[] = { "same",   "slower",  "faster",
					       "failed", "skipped", "no_data" };
	json_error_t je;
	json_t *o = json_loads(out, 0, &je);
	const json_t *sum = json_object_get(o, "summary");
	json_int_t n = 0;

	if (o == NULL || !json_is_object(sum))
		violation("compare --json wrote no valid document", je.text);
	for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++)
		n += json_integer_value(json_object_get(sum, counted[i]));
	if ((size_t)n != json_array_size(json_object_get(o, "cells")) ||
	    (size_t)json_integer_value(json_object_get(sum, "only_in_base")) !=
		    json_array_size(json_object_get(o, "only_in_base")) ||
	    (size_t)json_integer_value(json_object_get(sum, "only_in_new")) !=
		    json_array_size(json_object_get(o, "only_in_new")))
		violation("compare --json left cells out", NULL);
	json_decref(o);
}

/* Cells export --format gab-latency (or -throughput) must write: those of
 * its test with figures. */
static size_t gab_cells(const json_t *doc, int latency)
{
	const json_t *cells = json_object_get(doc, "cells");
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(cells); i++) {
		const json_t *c = json_array_get(cells, i);
		const char *test = json_string_value(json_object_get(c, "test"));

		n += (test != NULL && strcmp(test, "latency") == 0) == latency && has_figures(c);
	}
	return n;
}

/* 1 when the bytes load, as load.c would; the document in *doc. */
static int load_mem(const uint8_t *d, size_t n, json_t **doc)
{
	struct ipcb_err err;
	json_error_t je;

	*doc = json_loadb((const char *)d, n, JSON_REJECT_DUPLICATES, &je);
	return *doc != NULL && ipcb_results_check(*doc, "fuzz", &err) == 0;
}

/* The loader through its file interface must say the same. */
static void load_file(const char *path, int mem_ok, const json_t *mem_doc)
{
	struct ipcb_err err;
	json_t *doc = (json_t *)1;
	int rc;

	memset(&err, 'Z', sizeof err);
	rc = ipcb_results_load(path, &doc, &err);
	if ((rc == 0) != mem_ok)
		violation(rc == 0 ? "ipcb_results_load accepted what json_loadb + "
				    "ipcb_results_check reject"
				  : "ipcb_results_load rejected what json_loadb + "
				    "ipcb_results_check accept",
			  rc ? err.msg : NULL);
	if (rc == 0) {
		if (doc == NULL || !json_equal(doc, (json_t *)mem_doc))
			violation("ipcb_results_load gave a different document", NULL);
		json_decref(doc);
	} else {
		if (doc != NULL)
			violation("ipcb_results_load failed but left a document", NULL);
		if (rc > 0 || memchr(err.msg, '\0', sizeof err.msg) == NULL || err.msg[0] == '\0' ||
		    err.msg[0] == 'Z')
			violation("ipcb_results_load failed without an error message", NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const metrics[] = { "p50", "p99", "p999", "throughput" };
	static const char *const formats[] = { "gbench", "gab-latency", "gab-throughput", "bmf",
					       "csv" };
	static const char *const units[] = { "ns", "us", "ms" };
	const uint8_t *ff = memchr(data, '\f', size);
	const uint8_t *base = data, *new = data;
	size_t base_n = size, new_n = size;
	json_t *base_doc, *new_doc;
	int base_ok, new_ok, rc;
	char name[256];

	if (ff != NULL) {
		base_n = (size_t)(ff - data);
		new = ff + 1;
		new_n = size - base_n - 1;
	}
	put(fd_base, base, base_n);
	put(fd_new, new, new_n);

	/* 1. The loader, from memory and from the file. */
	base_ok = load_mem(base, base_n, &base_doc);
	new_ok = load_mem(new, new_n, &new_doc);
	load_file(path_new, new_ok, new_doc);
	if (ff != NULL)
		load_file(path_base, base_ok, base_doc);

	/* 2. What compare and export do with what loads. */
	if (new_ok) {
		const char *cmp[] = { "compare", "--metric", metrics[size % 4], "--json",
				      "-",       path_base,  path_new };

		char *out = run_captured(ipcb_cli_cmd_compare, 7, cmp, &rc);

		if (rc == 0 || rc == 1)
			check_compare_output(out);
		free(out);
		if (rc < 0 || rc > 2)
			violation("compare exit status not 0, 1 or 2", NULL);
		if (ff == NULL && rc == 1)
			violation("compare of a file with itself found something slower or failed",
				  NULL);
		if (ff != NULL && !base_ok && rc != EXIT_USAGE)
			violation("compare accepted a BASE that does not load", NULL);

		for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
			const char *exp[] = { "export", "--format", formats[i], path_new };

			json_error_t je;
			json_t *o;
			char *out;

			out = run_captured(ipcb_cli_cmd_export, 4, exp, &rc);
			if (rc != 0)
				violation("export failed on a document that passed "
					  "ipcb_results_check",
					  formats[i]);
			if (strcmp(formats[i], "csv") == 0) {
				free(out);
				continue;
			}
			/* The JSON formats write one document, and gab-* one
			 * entry per cell of its test with figures. */
			o = json_loads(out, 0, &je);
			if (o == NULL)
				violation("export wrote invalid JSON", formats[i]);
			if (strncmp(formats[i], "gab-", 4) == 0 &&
			    json_array_size(o) !=
				    gab_cells(new_doc, strcmp(formats[i], "gab-latency") == 0))
				violation("export left cells out", formats[i]);
			json_decref(o);
			free(out);
		}
		if (hgrm_cell(new_doc, name, sizeof name)) {
			const char *exp[] = { "export",        "--format", "hgrm", "--unit",
					      units[size % 3], "--cell",   name,   path_new };

			if (run(ipcb_cli_cmd_export, 8, exp) != 0)
				violation("export --format hgrm did not find the cell", name);
		}
	}
	json_decref(base_doc);
	json_decref(new_doc);
	return 0;
}
