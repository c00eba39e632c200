/* ipcbench run, in its files: the options (run-opts.c), the mechanism
 * variants they make (variants.c), the CPU pairs (placement.c) and the
 * sweep itself (run.c). */
#ifndef IPCB_CLI_RUN_H
#define IPCB_CLI_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/budget.h"
#include "bench/session.h"
#include "harness/clock.h"
#include "harness/run.h"
#include "mechanisms/mech.h"

#define IPCB_CLI_OPT_ARGS_MAX 8

/* One -o KEY=VALUES as given. */
struct ipcb_cli_opt_arg {
	char key[32];
	char values[256];
};

/* run's options, as parsed and completed with their defaults. */
struct ipcb_cli_run_opts {
	const struct ipcb_mech *mechs[64];
	size_t n_mechs;
	struct ipcb_cli_opt_arg oargs[IPCB_CLI_OPT_ARGS_MAX];
	size_t n_oargs;
	struct ipcb_variant variants[IPCB_VARIANTS_MAX];
	size_t n_variants;
	uint64_t sizes[IPCB_SIZES_MAX];
	size_t n_sizes;
	bool latency, throughput;
	bool oneway;          /* --test oneway */
	unsigned directions;  /* --direction: IPCB_DIR_* (0 until defaults) */
	uint64_t rate;        /* --rate, 0: none */
	bool load;            /* --test load */
	size_t n_load_points; /* --load-points, as fractions, ascending */
	double load_points[IPCB_LOAD_POINTS_MAX];
	bool cpus_given;
	int cpu[2];
	const char *placement;         /* --placement as given, or NULL */
	uint64_t pairs;                /* --pairs */
	bool share_cpus;               /* --share-cpus */
	struct ipcb_cli_budget budget; /* -r, -n, --cell-time */
	uint64_t warmup;
	bool verify, quick;
	double timeout_s;
	enum ipcb_clock_kind clock;
	bool cost, counters, strict;
	const char *json;
	bool modes[IPCB_MODE_N]; /* --mode: processes, threads (default processes) */
};

/* Parse run's command line into o: IPCB_CLI_GO_ON with every variant to
 * run in o, or the exit status (0 after --help). */
int ipcb_cli_run_parse(int argc, char **argv, struct ipcb_cli_run_opts *o);

/* The take() of -o KEY=V[,V...] (struct ipcb_cli_opt): kept as given in
 * o->oargs, checked once the mechanisms are known. 0 or EXIT_USAGE. */
int ipcb_cli_variants_option(void *opts, const char *arg);

/* Expand every selected mechanism into one variant per combination of
 * the -o values that apply to it (o->variants). 0 or EXIT_USAGE. */
int ipcb_cli_variants_build(struct ipcb_cli_run_opts *o);

/* One CPU pair and how it was chosen; with --pairs, the further pairs
 * that run at once with it. */
struct ipcb_cli_placement {
	int cpu[2];
	const char *requested; /* "auto", a class name, or "cpus" */
	const char *class_name;
	unsigned pairs;
	int pair_cpus[IPCB_PAIRS_MAX][2];
	bool shared; /* pairs share CPUs (--share-cpus) */
	/* With one-way cells: the clock check of each pair. */
	unsigned n_checks;
	struct ipcb_clockcheck checks[IPCB_PAIRS_MAX];
};

/* The CPU pairs to run on (at most IPCB_CLASS_N): --cpus, one --placement
 * class, every class (all), or auto; with --pairs, each with its further
 * pairs. 0; EXIT_UNSUPPORTED when this machine cannot offer the class;
 * or another exit status after a one-line error. */
int ipcb_cli_placements_resolve(const struct ipcb_cli_run_opts *o, struct ipcb_cli_placement *pl,
				size_t *n);

/* Noise warnings over every CPU pair of the n placements into s (each
 * said once on stderr); with --strict they stop the run (EXIT_USAGE). */
int ipcb_cli_placements_noise(const struct ipcb_cli_run_opts *o,
			      const struct ipcb_cli_placement *pl, size_t n,
			      struct ipcb_cli_session *s);

#endif
