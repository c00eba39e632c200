/* ipcbench matrix: the round trip between every ordered pair of CPUs, by
 * default through one shared cache line (the core-to-core latency map). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/budget.h"
#include "bench/cli.h"
#include "bench/session.h"
#include "bench/table.h"
#include "harness/cell.h"
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
	"  -c, --cpus LIST        CPUs, as a kernel CPU list: 0-3,8 (default: all\n"
	"                         allowed)\n"
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
		return ipcb_cli_usage_error("--cpus: '%.60s' names only CPU %d; "
					    "a matrix needs at least two CPUs",
					    arg, o->cpus[0]);
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
	return ipcb_cli_usage_error("-o: %s takes no option '%.*s'", o->mech->name,
				    (int)(eq - o->opt_arg), o->opt_arg);
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
	IPCB_CLI_OPT_END,
};

#undef AT

static int parse_matrix(int argc, char **argv, struct matrix_opts *o)
{
	int rc;

	memset(o, 0, sizeof *o);
	o->mech = ipcb_mech_find("cacheline");
	o->size = 64;
	rc = ipcb_cli_parse(argc, argv, matrix_options, ipcb_cli_matrix_usage, o);
	if (rc != IPCB_CLI_GO_ON)
		return rc;
	if (optind < argc)
		return ipcb_cli_usage_error("matrix: unexpected argument '%.60s'", argv[optind]);
	if ((rc = ipcb_cli_budget_check(&o->budget, 3, 0.05)) != 0)
		return rc;
	if (o->n_cpus == 0 && (rc = all_cpus(o)) != 0)
		return rc;
	if (o->n_cpus < 2)
		return ipcb_cli_usage_error("matrix: needs at least two CPUs, "
					    "this process may use %d",
					    o->n_cpus);
	return (rc = apply_option(o)) == 0 ? IPCB_CLI_GO_ON : rc;
}

/* The round trips of every ordered pair of the matrix's CPUs. */
struct grid {
	int n;                  /* CPUs: rows and columns */
	struct ipcb_run **runs; /* one per pair measured, in order */
	size_t n_runs, pairs;   /* measured, to measure */
	uint64_t *p50, *p99;    /* [row * n + column], 0 when none */
	const char **status;    /* of each pair's cell */
};

static int grid_new(struct grid *g, int n)
{
	size_t cells = (size_t)n * (size_t)n;

	g->n = n;
	g->n_runs = 0;
	g->pairs = (size_t)n * (size_t)(n - 1);
	g->runs = calloc(g->pairs, sizeof *g->runs);
	g->p50 = calloc(cells, sizeof *g->p50);
	g->p99 = calloc(cells, sizeof *g->p99);
	g->status = calloc(cells, sizeof *g->status);
	if (g->runs == NULL || g->p50 == NULL || g->p99 == NULL || g->status == NULL)
		return -1;
	for (size_t k = 0; k < cells; k++)
		g->status[k] = "not run";
	return 0;
}

static void grid_free(struct grid *g)
{
	for (size_t k = 0; k < g->n_runs; k++)
		ipcb_run_free(g->runs[k]);
	free(g->runs), free(g->p50), free(g->p99), free(g->status);
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

static void print_matrix(const struct matrix_opts *o, const struct grid *g)
{
	int n = g->n;

	printf("RTT p50 (ns), %s, %llu-byte messages; row: side A's CPU, column: side B's\n",
	       o->var.label, (unsigned long long)o->size);
	printf("%5s", "CPU");
	for (int j = 0; j < n; j++)
		printf(" %7d", o->cpus[j]);
	putchar('\n');
	for (int i = 0; i < n; i++) {
		printf("%5d", o->cpus[i]);
		for (int j = 0; j < n; j++) {
			if (i == j || g->p50[i * n + j] == 0)
				printf(" %7s", "-");
			else
				printf(" %7llu", (unsigned long long)g->p50[i * n + j]);
		}
		putchar('\n');
	}
}

/* Lower triangle, one row per CPU, n columns, no header: the shape
 * core-to-core latency tools write and plot. */
static int write_csv(const char *path, const struct grid *g)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	int n = g->n;

	if (f == NULL)
		return ipcb_cli_error(EXIT_FAILED, "--csv %s: %s", path, strerror(errno));
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			if (j > 0)
				fputc(',', f);
			if (j < i && g->p50[i * n + j] != 0)
				fprintf(f, "%llu", (unsigned long long)g->p50[i * n + j]);
		}
		fputc('\n', f);
	}
	if (f != stdout && fclose(f) != 0)
		return ipcb_cli_error(EXIT_FAILED, "--csv %s: %s", path, strerror(errno));
	return 0;
}

/* A figure, or null where there is none. */
static json_t *figure(uint64_t v, bool have)
{
	return have ? json_integer((json_int_t)v) : json_null();
}

static json_t *matrix_json(const struct matrix_opts *o, const struct grid *g)
{
	json_t *cpus = json_array(), *m50 = json_array(), *m99 = json_array(), *st = json_array();
	int n = g->n;

	for (int i = 0; i < n; i++) {
		json_t *r50 = json_array(), *r99 = json_array(), *rs = json_array();

		json_array_append_new(cpus, json_integer(o->cpus[i]));
		for (int j = 0; j < n; j++) {
			bool have = i != j && g->p50[i * n + j] != 0;

			json_array_append_new(r50, figure(g->p50[i * n + j], have));
			json_array_append_new(r99, figure(g->p99[i * n + j], have));
			json_array_append_new(rs, i == j ? json_null()
							 : json_string(g->status[i * n + j]));
		}
		json_array_append_new(m50, r50);
		json_array_append_new(m99, r99);
		json_array_append_new(st, rs);
	}
	/* clang-format off */
	return json_pack("{s:s, s:s, s:I, s:o, s:s, s:o, s:o, s:o}",
			 "mechanism", o->mech->name,
			 "variant", o->var.label,
			 "msg_size_bytes", (json_int_t)o->size,
			 "cpus", cpus,
			 "layout",
			 "[a][b]: side A on cpus[a], side B on cpus[b]; the diagonal is null",
			 "rtt_p50_ns", m50, "rtt_p99_ns", m99,
			 "status", st);
	/* clang-format on */
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
	p->hist = (struct ipcb_hist_cfg){ .lowest_ns = 1,
					  .highest_ns = 100000000000ull,
					  .sig_figs = 3 };
	p->clock.kind = IPCB_CLOCK_MONOTONIC;
	p->placement = "matrix";
}

/* The results file: the runs and, under "matrix", the grid. */
static int write_json(const struct matrix_opts *o, const struct grid *g,
		      const struct ipcb_cli_session *s)
{
	json_t *doc = ipcb_result_build((const struct ipcb_run *const *)g->runs, g->n_runs, &s->si,
					&s->meta);
	struct ipcb_err err;
	int rc;

	if (doc == NULL)
		return ipcb_cli_error(EXIT_FAILED, "could not build the results document");
	json_object_set_new(doc, "matrix", matrix_json(o, g));
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
static void check_noise(const struct matrix_opts *o, struct ipcb_cli_session *s)
{
	int pairs[MATRIX_CPUS_MAX][2];

	for (int i = 0; i < o->n_cpus; i++)
		pairs[i][0] = o->cpus[i], pairs[i][1] = o->cpus[(i + 1) % o->n_cpus];
	ipcb_cli_session_noise(s, (const int(*)[2])pairs, (size_t)o->n_cpus, NULL);
}

/* One run per ordered pair of CPUs, row by row, until a stop signal. 0,
 * or EXIT_FAILED when a run cannot be set up. */
static int measure(const struct matrix_opts *o, struct ipcb_params *p, struct grid *g,
		   const struct ipcb_cli_session *s)
{
	struct ipcb_err err = { { 0 }, { 0 } };
	int n = g->n;

	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n && ipcb_harness_stop_signal() == 0; j++) {
			struct ipcb_run *run;

			if (i == j)
				continue;
			p->cpu[0] = o->cpus[i];
			p->cpu[1] = o->cpus[j];
			p->placement_class = ipcb_class_name(
				ipcb_topo_pair_class(&s->si.topo, p->cpu[0], p->cpu[1]));
			if (s->progress)
				fprintf(stderr, "\r\033[K[%zu/%zu] CPUs %d,%d", g->n_runs + 1,
					g->pairs, p->cpu[0], p->cpu[1]);
			if (ipcb_run_new(p, &run, &err) != 0) {
				ipcb_cli_print_err(NULL, &err);
				return EXIT_FAILED;
			}
			g->runs[g->n_runs++] = run;
			ipcb_run_execute(run, NULL, NULL);
			g->p50[i * n + j] =
				cell_p50(run, &g->p99[i * n + j], &g->status[i * n + j]);
		}
	}
	return 0;
}

/* Interrupted, else failed when a cell failed, else 0. */
static int exit_status_of(const struct grid *g)
{
	if (ipcb_harness_stop_signal() != 0)
		return EXIT_INTERRUPTED;
	for (size_t k = 0; k < g->n_runs; k++)
		for (size_t c = 0; c < g->runs[k]->n_cells; c++)
			if (g->runs[k]->cells[c].status == IPCB_FAILED)
				return EXIT_FAILED;
	return 0;
}

/* The grid on stdout, then --csv and --json. The exit status. */
static int finish(const struct matrix_opts *o, const struct grid *g, struct ipcb_cli_session *s)
{
	int rc = exit_status_of(g);

	s->meta.exit_status = rc;
	print_matrix(o, g);
	if (o->csv != NULL && write_csv(o->csv, g) != 0)
		rc = rc ? rc : EXIT_FAILED;
	if (o->json != NULL && g->n_runs > 0 && write_json(o, g, s) != 0)
		rc = rc ? rc : EXIT_FAILED;
	return rc;
}

int ipcb_cli_cmd_matrix(int argc, char **argv)
{
	struct matrix_opts o;
	struct ipcb_params p;
	struct ipcb_cli_session s;
	struct ipcb_clock clk = { .kind = IPCB_CLOCK_MONOTONIC };
	struct grid g = { 0 };
	int rc;

	if ((rc = parse_matrix(argc, argv, &o)) != IPCB_CLI_GO_ON)
		return rc;
	if ((rc = ipcb_cli_check_target("--json", o.json)) != 0 ||
	    (rc = ipcb_cli_check_target("--csv", o.csv)) != 0 ||
	    (rc = ipcb_cli_fd_headroom(1)) != 0)
		return rc;
	ipcb_cli_session_init(&s);
	if (grid_new(&g, o.n_cpus) != 0) {
		grid_free(&g);
		return ipcb_cli_error(EXIT_FAILED, "matrix: out of memory");
	}
	if ((rc = ipcb_cli_session_start(&s, "matrix", &clk, o.cpus[0])) != 0) {
		grid_free(&g);
		return rc;
	}
	check_noise(&o, &s);
	fill(&o, &p);
	rc = measure(&o, &p, &g, &s);
	if (s.progress)
		fputs("\r\033[K", stderr);
	ipcb_cli_session_end(&s);
	if (rc == 0)
		rc = finish(&o, &g, &s);
	grid_free(&g);
	ipcb_cli_session_free(&s);
	return rc;
}
