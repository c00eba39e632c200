/* ipcbench matrix: the round trip between every ordered pair of CPUs, by
 * default through one shared cache line (the core-to-core latency map). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/budget.h"
#include "bench/cli.h"
#include "bench/table.h"
#include "harness/cell.h"
#include "harness/noise.h"
#include "harness/parse.h"
#include "harness/pin.h"
#include "harness/result.h"
#include "harness/run.h"
#include "harness/sysinfo.h"
#include "harness/topo.h"

const char ipcb_cli_matrix_usage[] =
	"Usage: ipcbench matrix [OPTION]...\n"
	"Measure the round trip between every ordered pair of the given CPUs (both\n"
	"orders: side A on the row's CPU, side B on the column's).\n"
	"\n"
	"  -m, --mech M           mechanism (default: cacheline, the hardware floor)\n"
	"  -o, --option KEY=V     an option of that mechanism (one value)\n"
	"  -s, --size S           message size (default 64)\n"
	"  -c, --cpus LIST        CPUs, as a kernel CPU list: 0-3,8 (default: all allowed)\n"
	"  -r, --repetitions R    fresh process pairs per pair of CPUs (default 3)\n"
	"      --cell-time SEC    target time per pair of CPUs (default 0.05)\n"
	"  -n, --iterations N     round trips per repetition instead of --cell-time\n"
	"  -j, --json FILE        results JSON with a \"matrix\" object ('-': stdout)\n"
	"      --csv FILE         RTT p50 in ns as a lower-triangular CSV, one row per\n"
	"                         CPU, as core-to-core latency tools write it\n"
	"  -h, --help             show this help\n";

#define MATRIX_CPUS_MAX 256

struct matrix_opts {
	const struct ipcb_mech *mech;
	struct ipcb_variant var;
	const char *opt_arg;
	uint64_t size;
	int cpus[MATRIX_CPUS_MAX];
	int n_cpus;
	struct ipcb_cli_budget budget; /* -r, -n, --cell-time */
	const char *json, *csv;
};

static int take_cpus(void *opts, const char *arg)
{
	struct matrix_opts *o = opts;
	cpu_set_t set;
	int rc;

	if (ipcb_cpulist_parse(arg, &set) != 0 || CPU_COUNT(&set) == 0)
		return ipcb_cli_usage_error("--cpus: invalid CPU list '%.60s' (e.g. 0-3,8)", arg);
	o->n_cpus = 0;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if ((rc = ipcb_cli_check_cpu("--cpus", c)) != 0)
			return rc;
		if (o->n_cpus >= MATRIX_CPUS_MAX)
			return ipcb_cli_usage_error("--cpus: at most %d CPUs", MATRIX_CPUS_MAX);
		o->cpus[o->n_cpus++] = c;
	}
	if (o->n_cpus < 2)
		return ipcb_cli_usage_error("--cpus: '%.60s' names only CPU %d; a matrix needs at least two CPUs", arg,
				   o->cpus[0]);
	return 0;
}

static int apply_option(struct matrix_opts *o)
{
	char why[IPCB_WHY_MAX];
	const char *eq = o->opt_arg ? strchr(o->opt_arg, '=') : NULL;

	if (ipcb_opt_defaults(o->mech, &o->var.opts) != 0)
		return ipcb_cli_usage_error("%s: bad option defaults (a bug)", o->mech->name);
	snprintf(o->var.label, sizeof o->var.label, "%s", o->mech->name);
	o->var.mech = o->mech;
	if (o->opt_arg == NULL)
		return 0;
	if (eq == NULL || eq == o->opt_arg)
		return ipcb_cli_usage_error("-o: '%.60s' is not KEY=VALUE", o->opt_arg);
	for (int i = 0; i < o->var.opts.n; i++) {
		struct ipcb_opt_val *v = &o->var.opts.v[i];

		if (strlen(v->def->name) != (size_t)(eq - o->opt_arg) ||
		    strncmp(v->def->name, o->opt_arg, (size_t)(eq - o->opt_arg)) != 0)
			continue;
		if (ipcb_opt_parse(v->def, eq + 1, v, why, sizeof why) != 0)
			return ipcb_cli_usage_error("-o %s", why);
		snprintf(o->var.label, sizeof o->var.label, "%s %s=%s", o->mech->name, v->def->name,
			 v->text);
		return 0;
	}
	return ipcb_cli_usage_error("-o: %s takes no option '%.*s'", o->mech->name, (int)(eq - o->opt_arg),
			   o->opt_arg);
}

static int take_mech(void *opts, const char *arg)
{
	struct matrix_opts *o = opts;

	o->mech = ipcb_mech_find(arg);
	return o->mech == NULL ? ipcb_cli_unknown("--mech", arg, ipcb_cli_mech_names()) : 0;
}

static int take_size(void *opts, const char *arg)
{
	struct matrix_opts *o = opts;
	char why[IPCB_WHY_MAX];

	if (ipcb_parse_size(arg, IPCB_SIZE_MAX, &o->size, why, sizeof why) != 0)
		return ipcb_cli_usage_error("--size: %s", why);
	return 0;
}

/* Every CPU this process may use and that is online. */
static int all_cpus(struct matrix_opts *o)
{
	cpu_set_t allowed, online;
	char list[256];

	ipcb_cpus_allowed(&allowed);
	if (ipcb_cpus_online(&online) == 0)
		CPU_AND(&allowed, &allowed, &online);
	ipcb_cpulist_format(&allowed, list, sizeof list);
	return take_cpus(o, list);
}

#define AT(member) offsetof(struct matrix_opts, member)

/* In the order of --help, where a misspelt option finds its suggestion. */
static const struct ipcb_cli_opt matrix_options[] = {
	{ "mech", 'm', IPCB_CLI_CALL, 0, 0, 0, take_mech },
	{ "option", 'o', IPCB_CLI_TEXT, AT(opt_arg), 0, 0, NULL },
	{ "size", 's', IPCB_CLI_CALL, 0, 0, 0, take_size },
	{ "cpus", 'c', IPCB_CLI_CALL, 0, 0, 0, take_cpus },
	{ "repetitions", 'r', IPCB_CLI_CALL, AT(budget), 0, 0, ipcb_cli_budget_repetitions },
	{ "cell-time", 0, IPCB_CLI_CALL, AT(budget), 0, 0, ipcb_cli_budget_cell_time },
	{ "iterations", 'n', IPCB_CLI_CALL, AT(budget), 0, 0, ipcb_cli_budget_iterations },
	{ "json", 'j', IPCB_CLI_TEXT, AT(json), 0, 0, NULL },
	{ "csv", 0, IPCB_CLI_TEXT, AT(csv), 0, 0, NULL },
};

#undef AT

static int parse_matrix(int argc, char **argv, struct matrix_opts *o)
{
	int rc;

	memset(o, 0, sizeof *o);
	o->mech = ipcb_mech_find("cacheline");
	o->size = 64;
	rc = ipcb_cli_parse(argc, argv, matrix_options,
			    sizeof matrix_options / sizeof matrix_options[0], ipcb_cli_matrix_usage, o);
	if (rc != IPCB_CLI_GO_ON)
		return rc;
	if (optind < argc)
		return ipcb_cli_usage_error("matrix: unexpected argument '%.60s'", argv[optind]);
	if ((rc = ipcb_cli_budget_check(&o->budget, 3, 0.05)) != 0)
		return rc;
	if (o->n_cpus == 0 && (rc = all_cpus(o)) != 0)
		return rc;
	if (o->n_cpus < 2)
		return ipcb_cli_usage_error("matrix: needs at least two CPUs, this process may use %d",
					    o->n_cpus);
	return (rc = apply_option(o)) == 0 ? IPCB_CLI_GO_ON : rc;
}

/* A latency cell's p50 (0 when it has none). */
static uint64_t cell_p50(const struct ipcb_run *run, uint64_t *p99, const char **status)
{
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct ipcb_cell *c = &run->cells[i];

		if (c->reference)
			continue;
		*status = ipcb_status_name(c->status);
		*p99 = c->reps_done ? c->lat.p99_ns : 0;
		return c->reps_done ? c->lat.p50_ns : 0;
	}
	*status = "missing";
	return 0;
}

static void print_matrix(const struct matrix_opts *o, uint64_t *p50)
{
	int n = o->n_cpus;

	printf("RTT p50 (ns), %s, %llu-byte messages; row: side A's CPU, column: side B's\n",
	       o->var.label, (unsigned long long)o->size);
	printf("%5s", "CPU");
	for (int j = 0; j < n; j++)
		printf(" %7d", o->cpus[j]);
	putchar('\n');
	for (int i = 0; i < n; i++) {
		printf("%5d", o->cpus[i]);
		for (int j = 0; j < n; j++) {
			if (i == j || p50[i * n + j] == 0)
				printf(" %7s", "-");
			else
				printf(" %7llu", (unsigned long long)p50[i * n + j]);
		}
		putchar('\n');
	}
}

/* Lower triangle, one row per CPU, n columns, no header: the shape
 * core-to-core latency tools write and plot. */
static int write_csv(const char *path, const struct matrix_opts *o, const uint64_t *p50)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	int n = o->n_cpus;

	if (f == NULL) {
		ipcb_cli_msg("--csv %s: %s", path, strerror(errno));
		return EXIT_FAILED;
	}
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			if (j > 0)
				fputc(',', f);
			if (j < i && p50[i * n + j] != 0)
				fprintf(f, "%llu", (unsigned long long)p50[i * n + j]);
		}
		fputc('\n', f);
	}
	if (f != stdout && fclose(f) != 0) {
		ipcb_cli_msg("--csv %s: %s", path, strerror(errno));
		return EXIT_FAILED;
	}
	return 0;
}

static json_t *matrix_json(const struct matrix_opts *o, const uint64_t *p50, const uint64_t *p99,
			   const char **status)
{
	json_t *cpus = json_array(), *m50 = json_array(), *m99 = json_array(), *st = json_array();
	int n = o->n_cpus;

	for (int i = 0; i < n; i++) {
		json_t *r50 = json_array(), *r99 = json_array(), *rs = json_array();

		json_array_append_new(cpus, json_integer(o->cpus[i]));
		for (int j = 0; j < n; j++) {
			bool have = i != j && p50[i * n + j] != 0;

			json_array_append_new(r50, have ? json_integer((json_int_t)p50[i * n + j]) : json_null());
			json_array_append_new(r99, have ? json_integer((json_int_t)p99[i * n + j]) : json_null());
			json_array_append_new(rs, i == j ? json_null() : json_string(status[i * n + j]));
		}
		json_array_append_new(m50, r50);
		json_array_append_new(m99, r99);
		json_array_append_new(st, rs);
	}
	return json_pack("{s:s, s:s, s:I, s:o, s:s, s:o, s:o, s:o}", "mechanism", o->mech->name,
			 "variant", o->var.label, "msg_size_bytes", (json_int_t)o->size, "cpus", cpus,
			 "layout", "[a][b]: side A on cpus[a], side B on cpus[b]; the diagonal is null",
			 "rtt_p50_ns", m50, "rtt_p99_ns", m99, "status", st);
}

static void fill(const struct matrix_opts *o, struct ipcb_params *p)
{
	memset(p, 0, sizeof *p);
	p->variants = &o->var;
	p->n_variants = 1;
	p->sizes = &o->size;
	p->n_sizes = 1;
	p->latency = true;
	p->iterations = o->budget.iterations;
	p->cell_time_ns = (uint64_t)(o->budget.cell_time_s * 1e9);
	p->warmup = IPCB_WARMUP_AUTO;
	p->repetitions = (unsigned)o->budget.repetitions;
	p->stall_timeout_ns = 10000000000ull;
	p->hist = (struct ipcb_hist_cfg){ .lowest_ns = 1, .highest_ns = 100000000000ull, .sig_figs = 3 };
	p->clock.kind = IPCB_CLOCK_MONOTONIC;
	p->placement = "matrix";
}

static int write_json(const struct matrix_opts *o, struct ipcb_run **runs, size_t n_runs,
		      const struct ipcb_sysinfo *si, const struct ipcb_result_meta *meta,
		      json_t *matrix)
{
	json_t *doc = ipcb_result_build((const struct ipcb_run *const *)runs, n_runs, si, meta);
	struct ipcb_err err;
	int rc;

	if (doc == NULL) {
		json_decref(matrix);
		ipcb_cli_msg("could not build the results document");
		return EXIT_FAILED;
	}
	json_object_set_new(doc, "matrix", matrix);
	rc = ipcb_result_write(doc, o->json, &err);
	json_decref(doc);
	if (rc != 0) {
		ipcb_cli_print_err("results not written", &err);
		return EXIT_FAILED;
	}
	return 0;
}

/* Noise warnings over every CPU of the matrix (each with the next), on
 * stderr and into the results. */
static void check_noise(const struct matrix_opts *o, struct ipcb_warnings *w)
{
	int pairs[MATRIX_CPUS_MAX][2];

	for (int i = 0; i < o->n_cpus; i++)
		pairs[i][0] = o->cpus[i], pairs[i][1] = o->cpus[(i + 1) % o->n_cpus];
	ipcb_noise_check("/", (const int (*)[2])pairs, (size_t)o->n_cpus, 100, w);
	for (int i = 0; i < w->n; i++)
		ipcb_cli_msg("warning: %s", w->w[i].msg);
}

int ipcb_cli_cmd_matrix(int argc, char **argv)
{
	struct matrix_opts o;
	struct ipcb_params p;
	struct ipcb_sysinfo si;
	struct ipcb_result_meta meta = { .version = PACKAGE_VERSION, .counters_note = "" };
	struct ipcb_err err = { { 0 }, { 0 } };
	struct ipcb_warnings warnings = { 0 };
	struct ipcb_topo topo;
	struct ipcb_run **runs;
	uint64_t *p50, *p99;
	const char **status;
	size_t n_runs = 0, pairs;
	bool progress;
	int rc, n;

	if ((rc = parse_matrix(argc, argv, &o)) != IPCB_CLI_GO_ON)
		return rc;
	meta.argv = ipcb_cli_command_line(&meta.argc);
	if ((rc = ipcb_cli_check_target("--json", o.json)) != 0 ||
	    (rc = ipcb_cli_check_target("--csv", o.csv)) != 0)
		return rc;
	if (ipcb_cli_fd_headroom(1) != 0)
		return EXIT_FAILED;
	n = o.n_cpus;
	pairs = (size_t)n * (size_t)(n - 1);
	runs = calloc(pairs, sizeof *runs);
	p50 = calloc((size_t)n * n, sizeof *p50);
	p99 = calloc((size_t)n * n, sizeof *p99);
	status = calloc((size_t)n * n, sizeof *status);
	if (runs == NULL || p50 == NULL || p99 == NULL || status == NULL || ipcb_harness_init(&err) != 0) {
		if (runs == NULL || p50 == NULL || p99 == NULL || status == NULL)
			ipcb_cli_msg("matrix: out of memory");
		else
			ipcb_cli_print_err("matrix", &err);
		free(runs), free(p50), free(p99), free(status);
		return EXIT_FAILED;
	}
	for (size_t k = 0; k < (size_t)n * n; k++)
		status[k] = "not run";
	clock_gettime(CLOCK_REALTIME, &meta.start);
	ipcb_sysinfo_collect(&si, &(struct ipcb_clock){ .kind = IPCB_CLOCK_MONOTONIC }, o.cpus[0]);
	check_noise(&o, &warnings);
	meta.warnings = &warnings;
	topo = si.topo;
	fill(&o, &p);
	ipcb_cli_stop_handlers();
	progress = isatty(STDERR_FILENO);
	rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		for (int j = 0; j < n && rc == 0 && ipcb_harness_stop_signal() == 0; j++) {
			struct ipcb_run *run;

			if (i == j)
				continue;
			p.cpu[0] = o.cpus[i];
			p.cpu[1] = o.cpus[j];
			p.placement_class = ipcb_class_name(ipcb_topo_pair_class(&topo, p.cpu[0], p.cpu[1]));
			if (progress)
				fprintf(stderr, "\r\033[K[%zu/%zu] CPUs %d,%d", n_runs + 1, pairs, p.cpu[0], p.cpu[1]);
			if (ipcb_run_new(&p, &run, &err) != 0) {
				ipcb_cli_print_err(NULL, &err);
				rc = EXIT_FAILED;
				break;
			}
			runs[n_runs++] = run;
			ipcb_run_execute(run, NULL, NULL);
			p50[i * n + j] = cell_p50(run, &p99[i * n + j], &status[i * n + j]);
		}
	}
	if (progress)
		fputs("\r\033[K", stderr);
	clock_gettime(CLOCK_REALTIME, &meta.end);
	if (rc == 0) {
		int stop = ipcb_harness_stop_signal();

		for (size_t k = 0; k < n_runs && rc == 0; k++)
			for (size_t c = 0; c < runs[k]->n_cells; c++)
				if (runs[k]->cells[c].status == IPCB_FAILED)
					rc = EXIT_FAILED;
		if (stop != 0)
			rc = EXIT_INTERRUPTED;
		meta.exit_status = rc;
		print_matrix(&o, p50);
		if (o.csv != NULL && write_csv(o.csv, &o, p50) != 0)
			rc = rc ? rc : EXIT_FAILED;
		if (o.json != NULL && n_runs > 0 &&
		    write_json(&o, runs, n_runs, &si, &meta, matrix_json(&o, p50, p99, status)) != 0)
			rc = rc ? rc : EXIT_FAILED;
	}
	for (size_t k = 0; k < n_runs; k++)
		ipcb_run_free(runs[k]);
	free(runs), free(p50), free(p99), free(status);
	ipcb_sysinfo_free(&si);
	ipcb_harness_fini();
	return rc;
}
