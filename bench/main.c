/* ipcbench: the command line. The only place that prints or exits. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "harness/parse.h"
#include "bench/budget.h"
#include "bench/cli.h"
#include "bench/table.h"
#include "harness/cell.h"
#include "harness/clock.h"
#include "harness/counters.h"
#include "harness/noise.h"
#include "harness/pin.h"
#include "harness/result.h"
#include "harness/run.h"
#include "harness/sysinfo.h"
#include "harness/topo.h"
#include "mechanisms/mech.h"

/* ---- run ------------------------------------------------------------- */

static const char run_usage[] =
	"Usage: ipcbench [run] [OPTION]...\n"
	"Measure round-trip latency and streaming throughput between two pinned\n"
	"processes for each IPC mechanism and message size.\n"
	"\n"
	"  -m, --mech LIST        mechanisms, comma-separated, or 'all' (default: all but\n"
	"                         cacheline and null, which every run measures anyway)\n"
	"  -s, --sizes LIST       message sizes: 64, 4K, 1M, ranges 1-1M (powers of two\n"
	"                         between); default 1,64,512,4K,64K,1M (--quick: 64,4K,64K)\n"
	"  -t, --test LIST        latency, throughput, or both (default: both)\n"
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

#define OPT_ARGS_MAX 8

/* One -o KEY=VALUES as given. */
struct opt_arg {
	char key[32];
	char values[256];
};

struct run_opts {
	const struct ipcb_mech *mechs[64];
	size_t n_mechs;
	struct opt_arg oargs[OPT_ARGS_MAX];
	size_t n_oargs;
	struct ipcb_variant variants[IPCB_VARIANTS_MAX];
	size_t n_variants;
	uint64_t sizes[IPCB_SIZES_MAX];
	size_t n_sizes;
	bool latency, throughput;
	bool cpus_given;
	int cpu[2];
	const char *placement;      /* --placement as given, or NULL */
	uint64_t pairs;             /* --pairs */
	bool share_cpus;            /* --share-cpus */
	struct ipcb_cli_budget budget; /* -r, -n, --cell-time */
	uint64_t warmup;
	bool verify, quick;
	double timeout_s;
	enum ipcb_clock_kind clock;
	bool cost, counters, strict;
	const char *json;
};

/* Every mechanism but the references, which every run measures anyway. */
static void all_mechs(struct run_opts *o)
{
	o->n_mechs = 0;
	for (size_t i = 0; i < ipcb_mech_count; i++)
		if (!(ipcb_mechs[i]->flags & IPCB_MECH_REFERENCE))
			o->mechs[o->n_mechs++] = ipcb_mechs[i];
}

static int take_mechs(void *opts, const char *arg)
{
	struct run_opts *o = opts;
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
			return ipcb_cli_usage_error("--mech: 'all' cannot be combined with other mechanisms in '%.60s'", arg);
		if (m == NULL)
			return ipcb_cli_unknown("--mech", name, ipcb_cli_mech_names());
		for (size_t i = 0; i < o->n_mechs; i++)
			if (o->mechs[i] == m)
				return ipcb_cli_usage_error("--mech: '%s' is given twice", name);
		o->mechs[o->n_mechs++] = m;
	}
	return 0;
}

static int take_tests(void *opts, const char *arg)
{
	struct run_opts *o = opts;
	static const char *const names[] = { "latency", "throughput", "both" };
	static const struct ipcb_cli_names tests = { "test", names, 3, true, NULL };
	char buf[256], *save = NULL;

	size_t n = strlen(arg);

	if (n == 0 || n >= sizeof buf || arg[0] == ',' || arg[n - 1] == ',' || strstr(arg, ",,") != NULL)
		return ipcb_cli_usage_error("--test: invalid test list '%.60s'", arg);
	strcpy(buf, arg);
	o->latency = o->throughput = false;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool lat = strcmp(t, "latency") == 0, thr = strcmp(t, "throughput") == 0;

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

static int take_option(void *opts, const char *arg)
{
	struct run_opts *o = opts;
	const char *eq = strchr(arg, '=');
	struct opt_arg *a;

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return ipcb_cli_usage_error("-o: '%.60s' is not KEY=VALUE", arg);
	if (o->n_oargs >= OPT_ARGS_MAX)
		return ipcb_cli_usage_error("-o: too many options (at most %d)", OPT_ARGS_MAX);
	a = &o->oargs[o->n_oargs];
	if ((size_t)(eq - arg) >= sizeof a->key || strlen(eq + 1) >= sizeof a->values)
		return ipcb_cli_usage_error("-o: '%.60s' is too long", arg);
	memcpy(a->key, arg, (size_t)(eq - arg));
	a->key[eq - arg] = '\0';
	strcpy(a->values, eq + 1);
	for (size_t i = 0; i < o->n_oargs; i++)
		if (strcmp(o->oargs[i].key, a->key) == 0)
			return ipcb_cli_usage_error("-o: option '%s' is given twice (list values: %s=A,B)", a->key,
					   a->key);
	o->n_oargs++;
	return 0;
}

static const struct ipcb_opt_def *find_opt(const struct ipcb_mech *m, const char *key)
{
	for (const struct ipcb_opt_def *d = m->opts; d != NULL && d->name != NULL; d++)
		if (strcmp(d->name, key) == 0)
			return d;
	return NULL;
}

/* Every option name any mechanism takes, for suggestions. */
static size_t all_opt_names(const char **names, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < ipcb_mech_count; i++)
		for (const struct ipcb_opt_def *d = ipcb_mechs[i]->opts; d && d->name && n < cap; d++)
			names[n++] = d->name;
	return n;
}

/* Each -o key must belong to a selected mechanism. */
static int check_option_keys(const struct run_opts *o)
{
	for (size_t k = 0; k < o->n_oargs; k++) {
		const char *key = o->oargs[k].key, *names[64];
		struct ipcb_cli_names keys = { "option", names, 0, true, "see 'ipcbench list'" };
		bool found = false;

		for (size_t m = 0; m < o->n_mechs && !found; m++)
			found = find_opt(o->mechs[m], key) != NULL;
		if (found)
			continue;
		for (size_t i = 0; i < ipcb_mech_count; i++)
			if (find_opt(ipcb_mechs[i], key) != NULL)
				return ipcb_cli_usage_error("-o %s: no selected mechanism takes this option (%s does)",
						   key, ipcb_mechs[i]->name);
		keys.n = all_opt_names(names, 64);
		return ipcb_cli_unknown("-o", key, &keys);
	}
	return 0;
}

/* One dimension of the variant grid: an option and its parsed values. */
struct dim {
	int slot; /* index in the option set */
	size_t n;
	struct ipcb_opt_val val[16];
};

static int parse_dim(const struct ipcb_mech *m, const struct opt_arg *a,
		     const struct ipcb_opt_set *base, struct dim *d)
{
	char buf[256], why[IPCB_WHY_MAX], *save = NULL;

	d->n = 0;
	for (d->slot = 0; d->slot < base->n; d->slot++)
		if (strcmp(base->v[d->slot].def->name, a->key) == 0)
			break;
	strcpy(buf, a->values);
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,") != NULL)
		return ipcb_cli_usage_error("-o %s: empty value in '%s'", a->key, a->values);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (d->n >= sizeof d->val / sizeof d->val[0])
			return ipcb_cli_usage_error("-o %s: too many values", a->key);
		if (ipcb_opt_parse(base->v[d->slot].def, t, &d->val[d->n], why, sizeof why) != 0)
			return ipcb_cli_usage_error("-o %s (%s): %s", a->key, m->name, why);
		for (size_t i = 0; i < d->n; i++)
			if (d->val[i].num == d->val[d->n].num)
				return ipcb_cli_usage_error("-o %s: value '%s' is given twice", a->key, t);
		d->n++;
	}
	return 0;
}

/* Expand every selected mechanism into one variant per combination of the
 * -o values that apply to it. */
static int build_variants(struct run_opts *o)
{
	int rc = check_option_keys(o);

	if (rc != 0)
		return rc;
	o->n_variants = 0;
	for (size_t m = 0; m < o->n_mechs; m++) {
		const struct ipcb_mech *mech = o->mechs[m];
		struct ipcb_opt_set base;
		struct dim dims[OPT_ARGS_MAX];
		size_t nd = 0, combos = 1;

		if (ipcb_opt_defaults(mech, &base) != 0)
			return ipcb_cli_usage_error("%s: bad option defaults (a bug)", mech->name);
		for (size_t k = 0; k < o->n_oargs; k++) {
			if (find_opt(mech, o->oargs[k].key) == NULL)
				continue;
			if ((rc = parse_dim(mech, &o->oargs[k], &base, &dims[nd])) != 0)
				return rc;
			combos *= dims[nd++].n;
		}
		for (size_t c = 0; c < combos; c++) {
			struct ipcb_variant *v = &o->variants[o->n_variants];
			size_t rest = c, used;

			if (o->n_variants >= IPCB_VARIANTS_MAX)
				return ipcb_cli_usage_error("-o: too many variants (at most %d)", IPCB_VARIANTS_MAX);
			v->mech = mech;
			v->opts = base;
			used = (size_t)snprintf(v->label, sizeof v->label, "%s", mech->name);
			for (size_t i = 0; i < nd; i++) {
				const struct ipcb_opt_val *val = &dims[i].val[rest % dims[i].n];

				rest /= dims[i].n;
				v->opts.v[dims[i].slot] = *val;
				if (used < sizeof v->label)
					used += (size_t)snprintf(v->label + used, sizeof v->label - used,
								 " %s=%s", val->def->name, val->text);
			}
			o->n_variants++;
		}
	}
	return 0;
}

int ipcb_cli_fd_headroom(unsigned pairs)
{
	/* Each pair's objects and the harness's own (wake-up pipe, registry,
	 * probes of /proc and /sys) fit in this many with room to spare. */
	int need = 8 * (int)pairs + 8, got = 0, fds[8 * IPCB_PAIRS_MAX + 8];
	struct rlimit rl;

	while (got < need && (fds[got] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		got++;
	for (int i = 0; i < got; i++)
		close(fds[i]);
	if (got == need)
		return 0;
	getrlimit(RLIMIT_NOFILE, &rl);
	ipcb_cli_msg("only %d file descriptors are free (RLIMIT_NOFILE is %llu): %u pair%s need%s %d; raise it with 'ulimit -n %d'",
		got, (unsigned long long)rl.rlim_cur, pairs, pairs == 1 ? "" : "s", pairs == 1 ? "s" : "",
		need, rl.rlim_cur + (rlim_t)need < 1024 ? 1024 : (int)(rl.rlim_cur + (rlim_t)need));
	return EXIT_FAILED;
}

/* Check a CPU against the machine: exists, online, allowed. */
int ipcb_cli_check_cpu(const char *opt, int cpu)
{
	cpu_set_t present, online, allowed;
	char list[256];

	if (ipcb_cpus_present(&present) != 0) {
		CPU_ZERO(&present);
		for (long c = 0; c < sysconf(_SC_NPROCESSORS_CONF) && c < CPU_SETSIZE; c++)
			CPU_SET((int)c, &present);
	}
	if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &present)) {
		ipcb_cpulist_format(&present, list, sizeof list);
		return ipcb_cli_usage_error("%s: CPU %d does not exist (this machine has CPUs %s)", opt, cpu, list);
	}
	if (ipcb_cpus_online(&online) == 0 && !CPU_ISSET(cpu, &online)) {
		ipcb_cpulist_format(&online, list, sizeof list);
		return ipcb_cli_usage_error("%s: CPU %d is offline (online CPUs: %s)", opt, cpu, list);
	}
	if (ipcb_cpus_allowed(&allowed) == 0 && !CPU_ISSET(cpu, &allowed)) {
		ipcb_cpulist_format(&allowed, list, sizeof list);
		return ipcb_cli_usage_error("%s: CPU %d is not in this process's allowed CPUs (%s)", opt, cpu, list);
	}
	return 0;
}

static int take_clock(void *opts, const char *arg)
{
	struct run_opts *o = opts;
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
	struct run_opts *o = opts;
	const char *names[IPCB_CLASS_N + 2] = { "auto", "all" };
	const struct ipcb_cli_names classes = { "class", names, IPCB_CLASS_N + 2, true, NULL };

	for (int i = 0; i < IPCB_CLASS_N; i++)
		names[i + 2] = ipcb_class_name((enum ipcb_class)i);
	o->placement = arg;
	return ipcb_cli_lookup(arg, &classes) < 0 ? ipcb_cli_unknown("--placement", arg, &classes)
						  : 0;
}

static void defaults(struct run_opts *o)
{
	static const uint64_t normal[] = { 1, 64, 512, 4096, 65536, 1048576 };
	static const uint64_t quick[] = { 64, 4096, 65536 };

	if (o->n_mechs == 0)
		all_mechs(o);
	if (o->n_sizes == 0) {
		const uint64_t *v = o->quick ? quick : normal;
		size_t n = o->quick ? sizeof quick / sizeof quick[0] : sizeof normal / sizeof normal[0];

		memcpy(o->sizes, v, n * sizeof *v);
		o->n_sizes = n;
	}
	if (!o->latency && !o->throughput)
		o->latency = o->throughput = true;
}

static int take_sizes(void *opts, const char *arg)
{
	struct run_opts *o = opts;
	char why[IPCB_WHY_MAX];

	if (ipcb_parse_sizes(arg, IPCB_SIZE_MAX, o->sizes, IPCB_SIZES_MAX, &o->n_sizes, why,
			     sizeof why) != 0)
		return ipcb_cli_usage_error("--sizes: %s", why);
	return 0;
}

/* --cpus A,B: both on this machine, and usable. */
static int take_cpus(void *opts, const char *arg)
{
	struct run_opts *o = opts;
	char why[IPCB_WHY_MAX];
	int rc;

	o->cpus_given = true;
	if (ipcb_parse_cpu_pair(arg, o->cpu, why, sizeof why) != 0)
		return ipcb_cli_usage_error("--cpus: %s", why);
	if ((rc = ipcb_cli_check_cpu("--cpus", o->cpu[0])) != 0)
		return rc;
	return ipcb_cli_check_cpu("--cpus", o->cpu[1]);
}

#define AT(member) offsetof(struct run_opts, member)

/* In the order of --help, where a misspelt option finds its suggestion. */
static const struct ipcb_cli_opt run_options[] = {
	{ "mech", 'm', IPCB_CLI_CALL, 0, 0, 0, take_mechs },
	{ "sizes", 's', IPCB_CLI_CALL, 0, 0, 0, take_sizes },
	{ "test", 't', IPCB_CLI_CALL, 0, 0, 0, take_tests },
	{ "cpus", 'c', IPCB_CLI_CALL, 0, 0, 0, take_cpus },
	{ "placement", 0, IPCB_CLI_CALL, 0, 0, 0, take_placement },
	{ "pairs", 0, IPCB_CLI_U64, AT(pairs), 1, IPCB_PAIRS_MAX, NULL },
	{ "share-cpus", 0, IPCB_CLI_FLAG, AT(share_cpus), 0, 0, NULL },
	{ "iterations", 'n', IPCB_CLI_CALL, AT(budget), 0, 0, ipcb_cli_budget_iterations },
	{ "warmup", 'w', IPCB_CLI_U64, AT(warmup), 0, 1000000000, NULL },
	{ "repetitions", 'r', IPCB_CLI_CALL, AT(budget), 0, 0, ipcb_cli_budget_repetitions },
	{ "option", 'o', IPCB_CLI_CALL, 0, 0, 0, take_option },
	{ "verify", 0, IPCB_CLI_FLAG, AT(verify), 0, 0, NULL },
	{ "quick", 'q', IPCB_CLI_FLAG, AT(quick), 0, 0, NULL },
	{ "json", 'j', IPCB_CLI_TEXT, AT(json), 0, 0, NULL },
	{ "timeout", 0, IPCB_CLI_SECONDS, AT(timeout_s), 0.1, 86400, NULL },
	{ "cell-time", 0, IPCB_CLI_CALL, AT(budget), 0, 0, ipcb_cli_budget_cell_time },
	{ "clock", 0, IPCB_CLI_CALL, 0, 0, 0, take_clock },
	{ "cost", 0, IPCB_CLI_FLAG, AT(cost), 0, 0, NULL },
	{ "counters", 0, IPCB_CLI_FLAG, AT(counters), 0, 0, NULL },
	{ "strict", 0, IPCB_CLI_FLAG, AT(strict), 0, 0, NULL },
};

#undef AT

/* IPCB_CLI_GO_ON with every variant to run in o, or the exit status. */
static int parse_run(int argc, char **argv, struct run_opts *o)
{
	int rc;

	memset(o, 0, sizeof *o);
	o->pairs = 1;
	o->warmup = IPCB_WARMUP_AUTO;
	o->timeout_s = 10.0;
	rc = ipcb_cli_parse(argc, argv, run_options, sizeof run_options / sizeof run_options[0],
			    run_usage, o);
	if (rc != IPCB_CLI_GO_ON)
		return rc;
	if (optind < argc)
		return ipcb_cli_usage_error("unexpected argument '%.60s' (see --help)", argv[optind]);
	if ((rc = ipcb_cli_budget_check(&o->budget, 5, o->quick ? 0.05 : 0.2)) != 0)
		return rc;
	defaults(o);
	return (rc = build_variants(o)) == 0 ? IPCB_CLI_GO_ON : rc;
}

/* Progress lines on stderr (it is a terminal). */
static bool progress_on;

static void show_progress(void *arg, const struct ipcb_cell *c, unsigned rep, size_t step,
			  size_t steps)
{
	const struct ipcb_run *run = arg;
	char size[32];

	if (!progress_on)
		return;
	ipcb_fmt_size(c->size, size, sizeof size);
	fprintf(stderr, "\r\033[K[%zu/%zu] %s %s %s, repetition %u/%u", step, steps,
		c->mech->name, size, c->test == IPCB_TEST_LATENCY ? "latency" : "throughput",
		rep + 1, run->p.repetitions);
	fflush(stderr);
}

/* What the first stop signal was, for telling a repeat of the same stop
 * request from a second one. Written only by the handler, which blocks
 * both signals while it runs. */
static struct {
	pid_t sender;
	struct timespec at; /* CLOCK_MONOTONIC */
} first_stop;

/* One stop request can arrive as several signals: timeout(1) sends SIGTERM
 * to the process and then to its whole process group. A signal sent by the
 * same process as the first, within this long of it, is part of the first
 * request. Signals from the kernel (a terminal's Ctrl-C, si_pid 0) always
 * count, so pressing Ctrl-C twice still stops at once. */
#define REPEAT_WINDOW_NS 500000000LL

static bool repeats_first_stop(const siginfo_t *si, const struct timespec *now)
{
	long long since_ns = (long long)(now->tv_sec - first_stop.at.tv_sec) * 1000000000LL +
			     (now->tv_nsec - first_stop.at.tv_nsec);

	if (since_ns >= REPEAT_WINDOW_NS)
		return false;
	return si != NULL && si->si_pid != 0 && si->si_pid == first_stop.sender;
}

/* The first SIGINT/SIGTERM stops the run cleanly (children killed, objects
 * removed, results so far written); a second request exits at once, still
 * removing the objects. Only async-signal-safe calls here. */
static void on_stop_signal(int signo, siginfo_t *si, void *ctx)
{
	struct timespec now;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ipcb_harness_stop_signal() == 0) {
		first_stop.sender = si != NULL ? si->si_pid : 0;
		first_stop.at = now;
		ipcb_harness_request_stop(signo);
		return;
	}
	if (!repeats_first_stop(si, &now))
		ipcb_harness_abort(signo);
}

void ipcb_cli_stop_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_stop_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* The exit status of a run over several placements: interrupted, then
 * failed, then "nothing could run" only when no placement ran anything. */
static int exit_status_of(struct ipcb_run *const *runs, size_t n)
{
	bool failed = false, all_skipped = true;

	for (size_t r = 0; r < n; r++) {
		const struct ipcb_run *run = runs[r];

		if (run->stop_signal != 0)
			return EXIT_INTERRUPTED;
		failed |= ipcb_run_count(run, IPCB_FAILED) > 0 ||
			  (run->floor != NULL && run->floor->status == IPCB_FAILED) ||
			  (run->harness != NULL && run->harness->status == IPCB_FAILED);
		all_skipped &= ipcb_run_count(run, IPCB_SKIPPED) ==
			       run->n_cells - (run->floor != NULL) - (run->harness != NULL);
	}
	if (failed)
		return EXIT_FAILED;
	/* Nothing could run here: the automake "skip" status. */
	return all_skipped ? EXIT_UNSUPPORTED : 0;
}

/* --cpus with --placement: each placement records the class --cpus
 * overrode (its "class" stays the one the CPUs form). */
static void note_overridden_placement(const struct run_opts *o, json_t *doc)
{
	json_t *pls = json_object_get(doc, "placements");

	if (!o->cpus_given || o->placement == NULL)
		return;
	for (size_t i = 0; i < json_array_size(pls); i++)
		json_object_set_new(json_array_get(pls, i), "overridden_placement",
				    json_string(o->placement));
}

/* Build and write the results document; returns the exit status to use. */
static int write_results(const struct run_opts *o, struct ipcb_run *const *runs, size_t n,
			 const struct ipcb_sysinfo *si, struct ipcb_result_meta *meta)
{
	struct ipcb_err err;
	json_t *doc;
	int rc;

	if (o->json == NULL)
		return meta->exit_status;
	doc = ipcb_result_build((const struct ipcb_run *const *)runs, n, si, meta);
	if (doc == NULL) {
		ipcb_cli_msg("could not build the results document (out of memory)");
		return EXIT_FAILED;
	}
	note_overridden_placement(o, doc);
	rc = ipcb_result_write(doc, o->json, &err);
	json_decref(doc);
	if (rc != 0) {
		ipcb_cli_print_err("results not written", &err);
		return meta->exit_status ? meta->exit_status : EXIT_FAILED;
	}
	if (strcmp(o->json, "-") != 0)
		ipcb_cli_msg("results written to %s", o->json);
	return meta->exit_status;
}

/* --clock tsc: only where the counter is invariant and the kernel still
 * trusts it; calibrated here. */
static int setup_clock(const struct run_opts *o, struct ipcb_clock *clk)
{
	char why[320];
	int rc;

	memset(clk, 0, sizeof *clk);
	clk->kind = o->clock;
	if (o->clock != IPCB_CLOCK_TSC)
		return 0;
	if (ipcb_tsc_usable("/", why, sizeof why) != 0) {
		ipcb_cli_msg("--clock tsc: %s; use --clock monotonic", why);
		return EXIT_UNSUPPORTED;
	}
	rc = ipcb_tsc_calibrate(IPCB_TSC_CAL_WINDOW_NS, &clk->tsc);
	if (rc != 0) {
		ipcb_cli_msg("--clock tsc: calibration failed: %s", strerror(-rc));
		return EXIT_FAILED;
	}
	return 0;
}

/* One CPU pair and how it was chosen; with --pairs, the further pairs
 * that run at once with it. */
struct placement {
	int cpu[2];
	const char *requested; /* "auto", a class name, or "cpus" */
	const char *class_name;
	unsigned pairs;
	int pair_cpus[IPCB_PAIRS_MAX][2];
	bool shared;           /* pairs share CPUs (--share-cpus) */
};

/* Further pairs of the same class on CPUs no pair uses yet; with
 * --share-cpus, the pairs found are used again in turn. */
static int add_pairs(const struct run_opts *o, const struct ipcb_topo *t,
		     const cpu_set_t *allowed, struct placement *pl)
{
	enum ipcb_class cls = ipcb_topo_pair_class(t, pl->cpu[0], pl->cpu[1]);
	cpu_set_t free_cpus = *allowed;
	unsigned found = 1;

	pl->pair_cpus[0][0] = pl->cpu[0];
	pl->pair_cpus[0][1] = pl->cpu[1];
	CPU_CLR(pl->cpu[0], &free_cpus);
	CPU_CLR(pl->cpu[1], &free_cpus);
	while (found < o->pairs && ipcb_topo_pick(t, &free_cpus, cls, pl->pair_cpus[found]) == 0) {
		CPU_CLR(pl->pair_cpus[found][0], &free_cpus);
		CPU_CLR(pl->pair_cpus[found][1], &free_cpus);
		found++;
	}
	pl->pairs = (unsigned)o->pairs;
	pl->shared = found < o->pairs;
	if (pl->shared && !o->share_cpus)
		return ipcb_cli_usage_error("--pairs %llu: the allowed CPUs hold only %u distinct %s pair%s (add --share-cpus to let pairs share CPUs)",
				   (unsigned long long)o->pairs, found, ipcb_class_name(cls),
				   found == 1 ? "" : "s");
	for (unsigned k = found; k < pl->pairs; k++) {
		pl->pair_cpus[k][0] = pl->pair_cpus[k % found][0];
		pl->pair_cpus[k][1] = pl->pair_cpus[k % found][1];
	}
	return 0;
}

/* The CPU pairs to run on: --cpus, one --placement class, every class
 * (all), or auto. A class this machine cannot offer is exit 77. */
static int resolve_placements(const struct run_opts *o, struct placement *pl, size_t *n)
{
	struct ipcb_topo t;
	cpu_set_t allowed;
	unsigned offered;
	char have[256], list[256];
	int cls;

	*n = 0;
	if (ipcb_topo_read("/", &t) != 0) {
		ipcb_cli_msg("cannot read the CPU topology (/sys/devices/system/cpu)");
		return EXIT_FAILED;
	}
	ipcb_cpus_allowed(&allowed);
	offered = ipcb_topo_classes(&t, &allowed);
	ipcb_class_list(offered, have, sizeof have);
	ipcb_cpulist_format(&allowed, list, sizeof list);
	if (o->cpus_given) {
		memset(&pl[0], 0, sizeof pl[0]);
		pl[0].cpu[0] = o->cpu[0];
		pl[0].cpu[1] = o->cpu[1];
		pl[0].requested = "cpus";
		pl[0].class_name = ipcb_class_name(ipcb_topo_pair_class(&t, o->cpu[0], o->cpu[1]));
		*n = 1;
		if (o->placement != NULL)
			ipcb_cli_msg("note: --cpus %d,%d overrides --placement %s (CPUs %d,%d are a %s pair)", o->cpu[0], o->cpu[1], o->placement, o->cpu[0], o->cpu[1],
				pl[0].class_name);
	} else if (o->placement == NULL || strcmp(o->placement, "auto") == 0) {
		enum ipcb_class c;

		if (ipcb_topo_auto(&t, &allowed, pl[0].cpu, &c) == 0) {
			pl[0].requested = "auto";
			pl[0].class_name = ipcb_class_name(c);
			*n = 1;
		}
	} else if (strcmp(o->placement, "all") == 0) {
		for (int c = 0; c < IPCB_CLASS_N; c++) {
			if (!(offered & (1u << c)) ||
			    ipcb_topo_pick(&t, &allowed, (enum ipcb_class)c, pl[*n].cpu) != 0)
				continue;
			pl[*n].requested = ipcb_class_name((enum ipcb_class)c);
			pl[*n].class_name = pl[*n].requested;
			(*n)++;
		}
	} else if ((cls = ipcb_class_parse(o->placement)) >= 0 &&
		   ipcb_topo_pick(&t, &allowed, (enum ipcb_class)cls, pl[0].cpu) == 0) {
		pl[0].requested = pl[0].class_name = ipcb_class_name((enum ipcb_class)cls);
		*n = 1;
	}
	if (*n == 0) {
		ipcb_topo_free(&t);
		ipcb_cli_msg("--placement %s: this machine cannot offer it; its allowed CPUs (%s) offer %s", o->placement ? o->placement : "auto", list, have);
		return EXIT_UNSUPPORTED;
	}
	for (size_t k = 0; k < *n; k++) {
		int rc = add_pairs(o, &t, &allowed, &pl[k]);

		if (rc != 0) {
			ipcb_topo_free(&t);
			return rc;
		}
	}
	ipcb_topo_free(&t);
	if (pl[0].cpu[0] == pl[0].cpu[1] && !o->cpus_given && o->placement == NULL)
		ipcb_cli_msg("only CPU %d is available: both sides run on it (same-cpu placement)", pl[0].cpu[0]);
	return 0;
}

/* Noise warnings on stderr (once each, over every CPU pair of the run);
 * with --strict they stop the run (exit 2). */
static int check_noise(const struct run_opts *o, const struct placement *pl, size_t n,
		       struct ipcb_warnings *w)
{
	static int pairs[IPCB_CLASS_N * IPCB_PAIRS_MAX][2];
	size_t m = 0;

	/* every distinct pair of every placement: --pairs runs on all of them */
	for (size_t k = 0; k < n; k++) {
		for (unsigned j = 0; j < (pl[k].pairs < 2 ? 1 : pl[k].pairs); j++) {
			const int *c = pl[k].pairs < 2 ? pl[k].cpu : pl[k].pair_cpus[j];
			size_t i = 0;

			while (i < m && !(pairs[i][0] == c[0] && pairs[i][1] == c[1]))
				i++;
			if (i == m)
				pairs[m][0] = c[0], pairs[m][1] = c[1], m++;
		}
	}
	ipcb_noise_check("/", (const int (*)[2])pairs, m, 100, w);
	if (pl[0].shared && w->n < IPCB_WARNINGS_MAX) {
		snprintf(w->w[w->n].code, sizeof w->w[w->n].code, "shared-cpus");
		snprintf(w->w[w->n].msg, sizeof w->w[w->n].msg,
			 "--share-cpus: %u pairs share CPUs, so they compete for them as well as for the kernel",
			 pl[0].pairs);
		w->n++;
	}
	for (int i = 0; i < w->n; i++)
		ipcb_cli_msg("warning: %s", w->w[i].msg);
	if (o->strict && w->n > 0)
		return ipcb_cli_usage_error("--strict: refusing to run with %d noise warning%s (above)", w->n,
				   w->n == 1 ? "" : "s");
	return 0;
}

/* --counters where perf_event_open allows it; said once when it does not. */
static void setup_counters(const struct run_opts *o, struct ipcb_params *p, char *note,
			   size_t len)
{
	struct ipcb_err err;

	note[0] = '\0';
	if (!o->counters)
		return;
	if (ipcb_counters_probe(&p->counters_user_only, &err) == 0) {
		p->counters = true;
		if (p->counters_user_only)
			snprintf(note, len, "user space only (kernel.perf_event_paranoid)");
		return;
	}
	snprintf(note, len, "not available here: %s", err.msg);
	ipcb_cli_msg("note: --counters: hardware counters are %s; going on without them", note);
}

static void fill_params(const struct run_opts *o, struct ipcb_params *p)
{
	p->variants = o->variants;
	p->n_variants = o->n_variants;
	p->sizes = o->sizes;
	p->n_sizes = o->n_sizes;
	p->latency = o->latency;
	p->throughput = o->throughput;
	p->iterations = o->budget.iterations;
	p->cell_time_ns = (uint64_t)(o->budget.cell_time_s * 1e9);
	p->warmup = o->warmup;
	p->repetitions = (unsigned)o->budget.repetitions;
	p->verify = o->verify;
	p->quick = o->quick;
	p->stall_timeout_ns = (uint64_t)(o->timeout_s * 1e9);
	p->hist = (struct ipcb_hist_cfg){ .lowest_ns = 1, .highest_ns = 100000000000ull, .sig_figs = 3 };
	p->floor_mech = ipcb_mech_find("cacheline");
	p->harness_mech = ipcb_mech_find("null");
}

static void print_outcome(struct ipcb_run *const *runs, size_t n, int status)
{
	size_t failed = 0, refs = 0;

	for (size_t r = 0; r < n; r++) {
		failed += ipcb_run_count(runs[r], IPCB_FAILED);
		refs += (runs[r]->floor != NULL && runs[r]->floor->status == IPCB_FAILED) +
			(runs[r]->harness != NULL && runs[r]->harness->status == IPCB_FAILED);
	}
	if (status == EXIT_INTERRUPTED)
		ipcb_cli_msg("interrupted by %s; results so far are kept",
			ipcb_harness_stop_signal() == SIGTERM ? "SIGTERM" : "SIGINT");
	else if (status == EXIT_UNSUPPORTED)
		ipcb_cli_msg("nothing selected can run here (every cell was skipped; see the notes)");
	else if (status == EXIT_FAILED && refs > 0)
		ipcb_cli_msg("%zu cell%s and %zu reference measurement%s (floor, harness) failed (see above)", failed, failed == 1 ? "" : "s", refs, refs == 1 ? "" : "s");
	else if (status == EXIT_FAILED)
		ipcb_cli_msg("%zu cell%s failed (see the notes under the table)", failed,
			failed == 1 ? "" : "s");
}

/* Run the sweep once per placement, printing each table as it ends. */
static int run_placements(const struct run_opts *o, struct ipcb_params *p,
			  const struct placement *pl, size_t n, struct ipcb_run **runs,
			  size_t *n_runs, const struct ipcb_sysinfo *si, FILE *table)
{
	struct ipcb_err err = { { 0 }, { 0 } };

	*n_runs = 0;
	/* The first placement runs even when a stop came before it: its cells
	 * are then recorded as interrupted, and the results say so. */
	for (size_t k = 0; k < n && (k == 0 || ipcb_harness_stop_signal() == 0); k++) {
		struct ipcb_table_opts topts = { .cost = o->cost, .elapsed_s = -1 };

		p->cpu[0] = pl[k].cpu[0];
		p->cpu[1] = pl[k].cpu[1];
		p->pairs = pl[k].pairs;
		memcpy(p->pair_cpus, pl[k].pair_cpus, sizeof p->pair_cpus);
		p->placement = pl[k].requested;
		p->placement_class = pl[k].class_name;
		if (ipcb_run_new(p, &runs[k], &err) != 0) {
			ipcb_cli_print_err(NULL, &err);
			return EXIT_FAILED;
		}
		(*n_runs)++;
		ipcb_run_execute(runs[k], show_progress, runs[k]);
		if (progress_on)
			fputs("\r\033[K", stderr);
		if (k > 0)
			fputc('\n', table);
		ipcb_table_print(table, runs[k], si, &topts);
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct ipcb_params p = { 0 };
	struct ipcb_result_meta meta = { .version = PACKAGE_VERSION };
	struct run_opts o;
	struct ipcb_sysinfo si;
	struct ipcb_warnings warnings = { 0 };
	struct placement pl[IPCB_CLASS_N];
	struct ipcb_run *runs[IPCB_CLASS_N] = { NULL };
	size_t n_pl = 0, n_runs = 0;
	struct ipcb_err err = { { 0 }, { 0 } };
	const char *fault = getenv("IPCBENCH_FAULT");
	char counters_note[IPCB_ERR_MSG_MAX + 32];
	FILE *table;
	int rc;

	if ((rc = parse_run(argc, argv, &o)) != IPCB_CLI_GO_ON)
		return rc;
	meta.argv = ipcb_cli_command_line(&meta.argc);
	if ((rc = ipcb_cli_check_target("--json", o.json)) != 0)
		return rc;
	if (fault != NULL && fault[0] != '\0' && ipcb_fault_parse(fault, &p.fault, &err) != 0) {
		ipcb_cli_print_err("IPCBENCH_FAULT", &err);
		return EXIT_USAGE;
	}
	/* A fault meant for a repetition that never runs would test nothing. */
	if (p.fault.rep > o.budget.repetitions) {
		ipcb_cli_msg("IPCBENCH_FAULT '%s': repetition %u, but --repetitions is %llu", fault, p.fault.rep, (unsigned long long)o.budget.repetitions);
		return EXIT_USAGE;
	}
	if ((rc = ipcb_cli_fd_headroom((unsigned)o.pairs)) != 0)
		return rc;
	if ((rc = resolve_placements(&o, pl, &n_pl)) != 0 || (rc = setup_clock(&o, &p.clock)) != 0 ||
	    (rc = check_noise(&o, pl, n_pl, &warnings)) != 0)
		return rc;
	clock_gettime(CLOCK_REALTIME, &meta.start);
	setup_counters(&o, &p, counters_note, sizeof counters_note);
	ipcb_sysinfo_collect(&si, &p.clock, pl[0].cpu[0]);
	fill_params(&o, &p);
	meta.warnings = &warnings;
	meta.counters_note = counters_note;
	if (ipcb_harness_init(&err) != 0) {
		ipcb_cli_print_err(NULL, &err);
		ipcb_sysinfo_free(&si);
		return EXIT_FAILED;
	}
	ipcb_cli_stop_handlers();
	progress_on = isatty(STDERR_FILENO);
	table = o.json != NULL && strcmp(o.json, "-") == 0 ? stderr : stdout;
	rc = run_placements(&o, &p, pl, n_pl, runs, &n_runs, &si, table);
	(void)ipcb_clock_recalibrate(&si.clock, IPCB_TSC_CAL_WINDOW_NS);
	clock_gettime(CLOCK_REALTIME, &meta.end);
	if (rc == 0 && n_runs > 0) {
		meta.exit_status = exit_status_of(runs, n_runs);
		fprintf(table, "\nelapsed: %.1f s\n",
			(double)(meta.end.tv_sec - meta.start.tv_sec) +
				(double)(meta.end.tv_nsec - meta.start.tv_nsec) / 1e9);
		fflush(table);
		print_outcome(runs, n_runs, meta.exit_status);
		rc = write_results(&o, runs, n_runs, &si, &meta);
	}
	for (size_t k = 0; k < n_runs; k++)
		ipcb_run_free(runs[k]);
	ipcb_sysinfo_free(&si);
	ipcb_harness_fini();
	return rc;
}

/* ---- list ------------------------------------------------------------ */

static const char list_usage[] =
	"Usage: ipcbench list [--json]\n"
	"List every mechanism, whether it works on this machine (and why not),\n"
	"whether it keeps message boundaries, and the system limits that bound it.\n";

static void print_mech(const struct ipcb_mech_info *mi)
{
	const struct ipcb_mech *m = mi->mech;

	printf("%-10s %-9s %-10s %s\n", m->name, mi->supported == 0 ? "yes" : "no",
	       m->flags & IPCB_MECH_BOUNDARIES ? "kept" : "stream", m->summary);
	if (mi->supported != 0)
		printf("%-10s   not available: %s\n", "", mi->why.msg);
	if (mi->limits.max_msg_bytes)
		printf("%-10s   largest message here: %llu bytes\n", "",
		       (unsigned long long)mi->limits.max_msg_bytes);
	for (int k = 0; k < mi->limits.n; k++)
		printf("%-10s   %s = %lld (%s)\n", "", mi->limits.v[k].name,
		       (long long)mi->limits.v[k].value, mi->limits.v[k].source);
	for (const struct ipcb_opt_def *d = m->opts; d != NULL && d->name != NULL; d++) {
		char desc[160];

		ipcb_opt_describe(d, desc, sizeof desc);
		printf("%-10s   -o %s=%s (default %s): %s\n", "", d->name, desc, d->def, d->help);
	}
}

static int cmd_list(int argc, char **argv)
{
	bool as_json = false;
	json_t *doc = NULL;
	int c;

	c = ipcb_cli_parse_one_flag(argc, argv, "json", 'j', "list", list_usage, &as_json);
	if (c != IPCB_CLI_GO_ON)
		return c;
	if (as_json)
		doc = json_object();
	else
		printf("%-10s %-9s %-10s %s\n", "mechanism", "available", "boundaries", "summary");
	for (size_t i = 0; i < ipcb_mech_count; i++) {
		struct ipcb_variant v = { .mech = ipcb_mechs[i] };
		struct ipcb_mech_info mi;

		ipcb_opt_defaults(v.mech, &v.opts);
		ipcb_mech_query(&v, &mi);
		if (as_json) {
			json_object_set_new(doc, mi.mech->name, ipcb_result_mech(&mi));
			continue;
		}
		print_mech(&mi);
	}
	if (as_json) {
		json_t *top = json_pack("{s:i, s:o}", "schema_version", IPCB_SCHEMA_VERSION,
					"mechanisms", doc);
		struct ipcb_err err;
		int rc = ipcb_result_write(top, "-", &err);

		json_decref(top);
		if (rc != 0) {
			ipcb_cli_print_err(NULL, &err);
			return EXIT_FAILED;
		}
	}
	return 0;
}

/* ---- help, version, dispatch ----------------------------------------- */

static int cmd_help(int argc, char **argv);

static int cmd_version(int argc, char **argv)
{
	if (argc > 1)
		return ipcb_cli_usage_error("version: unexpected argument '%.60s'", argv[1]);
	printf("ipcbench %s\n", PACKAGE_VERSION);
	return 0;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run the benchmark (the default command)", run_usage },
	{ "list", cmd_list, "list the mechanisms, whether they work here, and their limits", list_usage },
	{ "info", ipcb_cli_cmd_info, "describe this machine: CPU, topology, placements, kernel settings", ipcb_cli_info_usage },
	{ "matrix", ipcb_cli_cmd_matrix, "round trips between every pair of CPUs (core-to-core map)", ipcb_cli_matrix_usage },
	{ "compare", ipcb_cli_cmd_compare, "compare two results files: faster, slower or the same, cell by cell", ipcb_cli_compare_usage },
	{ "export", ipcb_cli_cmd_export, "convert a results file for other tools (gbench, gab-*, bmf, hgrm, csv)", ipcb_cli_export_usage },
	{ "report", ipcb_cli_cmd_report, "an HTML report with figures and 'what to pick' (needs python3-matplotlib)", ipcb_cli_report_usage },
	{ "cleanup", ipcb_cli_cmd_cleanup, "remove IPC objects left by ipcbench runs that were killed", ipcb_cli_cleanup_usage },
	{ "help", cmd_help, "show help for a command", NULL },
	{ "version", cmd_version, "print the version", NULL },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void main_usage(FILE *f)
{
	fprintf(f, "Usage: ipcbench [COMMAND] [OPTION]...\n"
		   "Benchmark inter-process communication on this machine: latency and\n"
		   "throughput of each IPC mechanism between two pinned processes.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nWith no command (or options only), 'run' is assumed.\n"
		   "'ipcbench COMMAND --help' shows a command's options.\n"
		   "  -h, --help     show this help\n"
		   "  -V, --version  print the version\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *names[N_COMMANDS];
	const struct ipcb_cli_names v = { "command", names, N_COMMANDS, true,
					  "see 'ipcbench --help'" };

	for (size_t i = 0; i < N_COMMANDS; i++)
		names[i] = commands[i].name;
	return ipcb_cli_unknown(NULL, name, &v);
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		main_usage(stdout);
		return 0;
	}
	c = find_command(argv[1]);
	if (c == NULL)
		return unknown_command(argv[1]);
	if (argc > 2)
		return ipcb_cli_usage_error("help: unexpected argument '%.60s'", argv[2]);
	if (c->usage != NULL)
		fputs(c->usage, stdout);
	else
		printf("ipcbench %s: %s\n", c->name, c->summary);
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *c;

	ipcb_cli_set_command_line(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			main_usage(stdout);
			return 0;
		}
		if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0))
			return cmd_version(0, NULL);
		return cmd_run(argc, argv);
	}
	c = find_command(argv[1]);
	if (c == NULL)
		return unknown_command(argv[1]);
	return c->fn(argc - 1, argv + 1);
}
