/* ipcbench run's command line: its help, its options and their defaults. */
#include "config.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bench/budget.h"
#include "bench/cli.h"
#include "bench/session.h"
#include "bench/run.h"
#include "harness/parse.h"
#include "harness/topo.h"

const char ipcb_cli_run_usage[] =
	"Usage: ipcbench [run] [OPTION]...\n"
	"Measure round-trip latency and streaming throughput between two pinned\n"
	"processes for each IPC mechanism and message size.\n"
	"\n"
	"  -m, --mech LIST        mechanisms, comma-separated, or 'all' (default: all but\n"
	"                         cacheline and null, which every run measures anyway,\n"
	"                         and the alias shm-futex, whose variants shm runs)\n"
	"  -s, --sizes LIST       message sizes: 64, 4K, 1M, ranges 1-1M (powers of two\n"
	"                         between); default 1,64,512,4K,64K,1M\n"
	"                         (--quick: 64,4K,64K)\n"
	"  -t, --test LIST        latency, throughput, or both (default: both), and\n"
	"                         oneway: one-way latency, stamped by the sender, and\n"
	"                         load: throughput, then one-way latency at fractions\n"
	"                         of the rate it measured (latency against load)\n"
	"      --direction LIST   one-way cells: ab (side A sends; default), ba, or ab,ba\n"
	"      --rate N           latency and one-way cells: N messages per second on a\n"
	"                         schedule, latency from each one's due time (default:\n"
	"                         one at a time: a round trip, or a one-way message\n"
	"                         acknowledged)\n"
	"      --load-points LIST load cells: percentages of the measured maximum rate\n"
	"                         (default 10,25,50,75,90,95,99)\n"
	"      --mode LIST        processes (default), threads (the two sides as two\n"
	"                         threads of one process), or both: processes,threads\n"
	"  -c, --cpus A,B         CPU of side A and side B (default: --placement auto;\n"
	"                         overrides --placement)\n"
	"      --placement CLASS  pick the CPU pair by topology: same-cpu, smt, same-l2,\n"
	"                         same-l3, same-node, cross-l3, cross-numa, auto (the\n"
	"                         closest distinct cores), or all (one sweep per class)\n"
	"      --pairs N          N producer/consumer pairs at once, each on its own CPUs\n"
	"                         of the placement's class (default 1)\n"
	"      --share-cpus       let the pairs share CPUs when there are too few\n"
	"  -n, --iterations N     timed round trips / messages per repetition (default:\n"
	"                         sized from a short pilot to fill --cell-time)\n"
	"      --cell-time SEC    target time of each cell, all repetitions (default 0.2;\n"
	"                         --quick 0.05)\n"
	"  -w, --warmup N         untimed ones before them (default: a tenth, 1 to 1000)\n"
	"  -r, --repetitions R    fresh process pairs per cell (default 5)\n"
	"  -o, --option KEY=V[,V...]  a mechanism option (see 'ipcbench list'); several\n"
	"                         values run one variant of the mechanism per value\n"
	"      --verify           fill and checksum every payload byte and check it\n"
	"  -q, --quick            a short run: sizes 64,4K,64K and --cell-time 0.05\n"
	"  -j, --json FILE        write the results as JSON to FILE ('-' for stdout;\n"
	"                         the table then goes to stderr)\n"
	"      --timeout SEC      watchdog: fail a cell that makes no progress for SEC\n"
	"                         seconds (default 10)\n"
	"      --clock CLOCK      monotonic (default: CLOCK_MONOTONIC) or tsc (the\n"
	"                         invariant time stamp counter, calibrated at start)\n"
	"      --cost             add CPU time and context switches per operation to the\n"
	"                         table (always in the JSON)\n"
	"      --counters         count cycles, instructions and cache misses per\n"
	"                         operation (perf_event_open, where permitted)\n"
	"      --strict           refuse to run when a noise warning applies\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 ok, 1 a cell failed, 2 usage error, 77 every selected cell\n"
	"was skipped (nothing can run here), 130 interrupted by SIGINT or SIGTERM\n"
	"(results so far are written; a second signal later aborts at once).\n";

/* Every mechanism but the references, which every run measures anyway,
 * and the aliases, which would measure a variant twice. */
static void all_mechs(struct ipcb_cli_run_opts *o)
{
	o->n_mechs = 0;
	for (size_t i = 0; i < ipcb_mech_count; i++)
		if (!(ipcb_mechs[i]->flags & (IPCB_MECH_REFERENCE | IPCB_MECH_ALIAS)))
			o->mechs[o->n_mechs++] = ipcb_mechs[i];
}

static int take_mechs(void *opts, const char *arg)
{
	struct ipcb_cli_run_opts *o = opts;
	char buf[1024], *save = NULL;

	if (strcmp(arg, "all") == 0) {
		all_mechs(o);
		return 0;
	}
	if (arg[0] == '\0' || strlen(arg) >= sizeof buf || arg[strlen(arg) - 1] == ',' ||
	    arg[0] == ',' || strstr(arg, ",,") != NULL)
		return ipcb_cli_usage_error("--mech: invalid mechanism list '%.60s'", arg);
	strcpy(buf, arg);
	o->n_mechs = 0;
	for (char *name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		const struct ipcb_mech *m = ipcb_mech_find(name);

		if (m == NULL && strcmp(name, "all") == 0)
			return ipcb_cli_usage_error("--mech: 'all' cannot be combined with other "
						    "mechanisms in '%.60s'",
						    arg);
		if (m == NULL)
			return ipcb_cli_unknown("--mech", name, ipcb_cli_mech_names());
		for (size_t i = 0; i < o->n_mechs; i++)
			if (o->mechs[i] == m)
				return ipcb_cli_usage_error("--mech: '%s' is given twice", name);
		o->mechs[o->n_mechs++] = m;
	}
	return 0;
}

/* A comma-separated list with no empty item, copied into buf for
 * strtok_r. 0, or EXIT_USAGE naming the option and what it lists. */
static int list_copy(const char *opt, const char *what, const char *arg, char *buf, size_t size)
{
	size_t n = strlen(arg);

	if (n == 0 || n >= size || arg[0] == ',' || arg[n - 1] == ',' || strstr(arg, ",,") != NULL)
		return ipcb_cli_usage_error("%s: invalid %s list '%.60s'", opt, what, arg);
	memcpy(buf, arg, n + 1);
	return 0;
}

static int take_tests(void *opts, const char *arg)
{
	struct ipcb_cli_run_opts *o = opts;
	static const char *const names[] = { "latency", "throughput", "both", "oneway", "load" };
	static const struct ipcb_cli_names tests = { "test", names, 5, true, NULL };
	char buf[256], *save = NULL;
	int rc;

	if ((rc = list_copy("--test", "test", arg, buf, sizeof buf)) != 0)
		return rc;
	o->latency = o->throughput = o->oneway = o->load = false;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool lat = strcmp(t, "latency") == 0, thr = strcmp(t, "throughput") == 0;

		if (strcmp(t, "load") == 0) {
			if (o->load)
				return ipcb_cli_usage_error("--test: '%.60s' names a test twice",
							    arg);
			o->load = true;
			continue;
		}
		if (strcmp(t, "oneway") == 0) {
			if (o->oneway)
				return ipcb_cli_usage_error("--test: '%.60s' names a test twice",
							    arg);
			o->oneway = true;
			continue;
		}
		if (strcmp(t, "both") == 0 || strcmp(t, "all") == 0)
			lat = thr = true;
		if ((lat && o->latency) || (thr && o->throughput))
			return ipcb_cli_usage_error("--test: '%.60s' names a test twice", arg);
		if (lat || thr) {
			o->latency |= lat;
			o->throughput |= thr;
		} else {
			return ipcb_cli_unknown("--test", t, &tests);
		}
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* --load-points: percentages, each in (0, 100], once; kept as fractions,
 * ascending. */
static int take_load_points(void *opts, const char *arg)
{
	struct ipcb_cli_run_opts *o = opts;
	char buf[512], *save = NULL;
	int rc;

	if ((rc = list_copy("--load-points", "percentage", arg, buf, sizeof buf)) != 0)
		return rc;
	o->n_load_points = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		double v = strtod(t, &end);

		if (end == t || *end != '\0' || !(v > 0 && v <= 100))
			return ipcb_cli_usage_error("--load-points: '%.30s' is not a percentage "
						    "in (0, 100]",
						    t);
		if (o->n_load_points == IPCB_LOAD_POINTS_MAX)
			return ipcb_cli_usage_error("--load-points: at most %d points",
						    IPCB_LOAD_POINTS_MAX);
		for (size_t i = 0; i < o->n_load_points; i++)
			if (o->load_points[i] == v / 100.0)
				return ipcb_cli_usage_error("--load-points: '%.30s' is given twice",
							    t);
		o->load_points[o->n_load_points++] = v / 100.0;
	}
	qsort(o->load_points, o->n_load_points, sizeof *o->load_points, cmp_double);
	return 0;
}

/* A list of distinct names of v, as bits (1 << index): --direction and
 * --mode. */
static int name_set(const char *opt, const struct ipcb_cli_names *v, const char *arg,
		    unsigned *bits)
{
	char buf[64], *save = NULL;
	int i, rc;

	if ((rc = list_copy(opt, v->what, arg, buf, sizeof buf)) != 0)
		return rc;
	*bits = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if ((rc = ipcb_cli_choose(opt, t, v, &i)) != 0)
			return rc;
		if (*bits & (1u << i))
			return ipcb_cli_usage_error("%s: '%.60s' names a %s twice", opt, arg,
						    v->what);
		*bits |= 1u << i;
	}
	return 0;
}

/* --direction ab, ba or ab,ba (names in the order of IPCB_DIR_AB, _BA). */
static int take_direction(void *opts, const char *arg)
{
	struct ipcb_cli_run_opts *o = opts;
	static const char *const names[] = { "ab", "ba" };
	static const struct ipcb_cli_names dirs = { "direction", names, 2, false, NULL };

	return name_set("--direction", &dirs, arg, &o->directions);
}

/* --mode processes,threads: each mode a cell of its own. */
static int take_modes(void *opts, const char *arg)
{
	struct ipcb_cli_run_opts *o = opts;
	static const char *const names[] = { "processes", "threads" };
	static const struct ipcb_cli_names modes = { "mode", names, 2, false, NULL };
	unsigned bits;
	int rc = name_set("--mode", &modes, arg, &bits);

	for (int i = 0; rc == 0 && i < 2; i++)
		o->modes[i] = (bits >> i) & 1u;
	return rc;
}

static int take_clock(void *opts, const char *arg)
{
	struct ipcb_cli_run_opts *o = opts;
	static const char *const names[] = { "monotonic", "tsc" };
	static const struct ipcb_cli_names clocks = { "clock", names, 2, false, NULL };
	int i, rc = ipcb_cli_choose("--clock", arg, &clocks, &i);

	if (rc == 0)
		o->clock = i == 0 ? IPCB_CLOCK_MONOTONIC : IPCB_CLOCK_TSC;
	return rc;
}

/* auto, all, or a placement class. */
static int take_placement(void *opts, const char *arg)
{
	struct ipcb_cli_run_opts *o = opts;
	const char *names[IPCB_CLASS_N + 2] = { "auto", "all" };
	const struct ipcb_cli_names classes = { "class", names, IPCB_CLASS_N + 2, true, NULL };

	for (int i = 0; i < IPCB_CLASS_N; i++)
		names[i + 2] = ipcb_class_name((enum ipcb_class)i);
	o->placement = arg;
	return ipcb_cli_lookup(arg, &classes) < 0 ? ipcb_cli_unknown("--placement", arg, &classes)
						  : 0;
}

static int take_sizes(void *opts, const char *arg)
{
	struct ipcb_cli_run_opts *o = opts;
	char why[IPCB_WHY_MAX];

	if (ipcb_parse_sizes(arg, IPCB_SIZE_MAX, o->sizes, IPCB_SIZES_MAX, &o->n_sizes, why,
			     sizeof why) != 0)
		return ipcb_cli_usage_error("--sizes: %s", why);
	return 0;
}

/* --cpus A,B: both on this machine, and usable. */
static int take_cpus(void *opts, const char *arg)
{
	struct ipcb_cli_run_opts *o = opts;
	char why[IPCB_WHY_MAX];
	int rc;

	o->cpus_given = true;
	if (ipcb_parse_cpu_pair(arg, o->cpu, why, sizeof why) != 0)
		return ipcb_cli_usage_error("--cpus: %s", why);
	if ((rc = ipcb_cli_check_cpu("--cpus", o->cpu[0])) != 0)
		return rc;
	return ipcb_cli_check_cpu("--cpus", o->cpu[1]);
}

#define AT(member) offsetof(struct ipcb_cli_run_opts, member)

/* In the order of --help, where a misspelt option finds its suggestion. */
static const struct ipcb_cli_opt run_options[] = {
	{ "mech", 'm', IPCB_CLI_CALL, 0, 0, 0, take_mechs },
	{ "sizes", 's', IPCB_CLI_CALL, 0, 0, 0, take_sizes },
	{ "test", 't', IPCB_CLI_CALL, 0, 0, 0, take_tests },
	{ "direction", 0, IPCB_CLI_CALL, 0, 0, 0, take_direction },
	{ "rate", 0, IPCB_CLI_U64, AT(rate), 1, 100000000, NULL },
	{ "load-points", 0, IPCB_CLI_CALL, 0, 0, 0, take_load_points },
	{ "mode", 0, IPCB_CLI_CALL, 0, 0, 0, take_modes },
	{ "cpus", 'c', IPCB_CLI_CALL, 0, 0, 0, take_cpus },
	{ "placement", 0, IPCB_CLI_CALL, 0, 0, 0, take_placement },
	{ "pairs", 0, IPCB_CLI_U64, AT(pairs), 1, IPCB_PAIRS_MAX, NULL },
	{ "share-cpus", 0, IPCB_CLI_FLAG, AT(share_cpus), 0, 0, NULL },
	{ "iterations", 'n', IPCB_CLI_CALL, AT(budget), 0, 0, ipcb_cli_budget_iterations },
	{ "warmup", 'w', IPCB_CLI_U64, AT(warmup), 0, 1000000000, NULL },
	{ "repetitions", 'r', IPCB_CLI_CALL, AT(budget), 0, 0, ipcb_cli_budget_repetitions },
	{ "option", 'o', IPCB_CLI_CALL, 0, 0, 0, ipcb_cli_variants_option },
	{ "verify", 0, IPCB_CLI_FLAG, AT(verify), 0, 0, NULL },
	{ "quick", 'q', IPCB_CLI_FLAG, AT(quick), 0, 0, NULL },
	{ "json", 'j', IPCB_CLI_TEXT, AT(json), 0, 0, NULL },
	{ "timeout", 0, IPCB_CLI_SECONDS, AT(timeout_s), 0.1, 86400, NULL },
	{ "cell-time", 0, IPCB_CLI_CALL, AT(budget), 0, 0, ipcb_cli_budget_cell_time },
	{ "clock", 0, IPCB_CLI_CALL, 0, 0, 0, take_clock },
	{ "cost", 0, IPCB_CLI_FLAG, AT(cost), 0, 0, NULL },
	{ "counters", 0, IPCB_CLI_FLAG, AT(counters), 0, 0, NULL },
	{ "strict", 0, IPCB_CLI_FLAG, AT(strict), 0, 0, NULL },
	IPCB_CLI_OPT_END,
};

#undef AT

/* --test load: the throughput cells it measures its maximum in, and the
 * default load points (10, 25, 50, 75, 90, 95, 99 %). */
static void defaults_load(struct ipcb_cli_run_opts *o)
{
	static const double points[] = { 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99 };

	if (!o->load)
		return;
	o->throughput = true;
	if (o->n_load_points == 0) {
		memcpy(o->load_points, points, sizeof points);
		o->n_load_points = sizeof points / sizeof points[0];
	}
}

/* What was not given: every mechanism but the references, the sizes of
 * the sweep (or of --quick), both tests. */
static void defaults(struct ipcb_cli_run_opts *o)
{
	static const uint64_t normal[] = { 1, 64, 512, 4096, 65536, 1048576 };
	static const uint64_t quick[] = { 64, 4096, 65536 };

	if (o->n_mechs == 0)
		all_mechs(o);
	if (o->n_sizes == 0) {
		const uint64_t *v = o->quick ? quick : normal;
		size_t n = o->quick ? sizeof quick / sizeof quick[0]
				    : sizeof normal / sizeof normal[0];

		memcpy(o->sizes, v, n * sizeof *v);
		o->n_sizes = n;
	}
	if (!o->latency && !o->throughput && !o->oneway && !o->load)
		o->latency = o->throughput = true;
	defaults_load(o);
	if (o->directions == 0)
		o->directions = IPCB_DIR_AB;
	if (!o->modes[IPCB_MODE_PROCESSES] && !o->modes[IPCB_MODE_THREADS])
		o->modes[IPCB_MODE_PROCESSES] = true;
}

/* --direction applies to one-way cells, --rate to latency and one-way
 * cells; a rate must move the
 * watchdog's progress more often than its stall timeout. */
static int check_oneway(const struct ipcb_cli_run_opts *o)
{
	if (o->directions != 0 && !o->oneway)
		return ipcb_cli_usage_error("--direction applies to --test oneway");
	if (o->rate != 0 && !o->oneway && !o->latency)
		return ipcb_cli_usage_error("--rate applies to --test latency and --test oneway");
	if (o->n_load_points != 0 && !o->load)
		return ipcb_cli_usage_error("--load-points applies to --test load");
	if (o->rate != 0 && (double)o->rate * o->timeout_s < 2.0)
		return ipcb_cli_usage_error("--rate %llu: at least 2 messages per --timeout (%.1f "
					    "s), or the watchdog takes the wait for a stall",
					    (unsigned long long)o->rate, o->timeout_s);
	return 0;
}

/* IPCB_CLI_GO_ON with every variant to run in o, or the exit status. */
int ipcb_cli_run_parse(int argc, char **argv, struct ipcb_cli_run_opts *o)
{
	int rc;

	memset(o, 0, sizeof *o);
	o->pairs = 1;
	o->warmup = IPCB_WARMUP_AUTO;
	o->timeout_s = 10.0;
	rc = ipcb_cli_parse(argc, argv, run_options, ipcb_cli_run_usage, o);
	if (rc != IPCB_CLI_GO_ON)
		return rc;
	if (optind < argc)
		return ipcb_cli_usage_error("unexpected argument '%.60s' (see --help)",
					    argv[optind]);
	if ((rc = ipcb_cli_budget_check(&o->budget, 5, o->quick ? 0.05 : 0.2)) != 0 ||
	    (rc = check_oneway(o)) != 0)
		return rc;
	defaults(o);
	return (rc = ipcb_cli_variants_build(o)) == 0 ? IPCB_CLI_GO_ON : rc;
}
