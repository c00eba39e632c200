/* ipcbench run: the sweep, once per placement, with its table, outcome
 * and results file. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/run.h"
#include "bench/session.h"
#include "bench/table.h"
#include "harness/cell.h"
#include "harness/clock.h"
#include "harness/counters.h"
#include "harness/result.h"
#include "harness/run.h"
#include "harness/sysinfo.h"

/* The progress line on stderr (a terminal): where the sweep is. */
static void show_progress(void *arg, const struct ipcb_cell *c, unsigned rep, size_t step,
			  size_t steps)
{
	const struct ipcb_run *run = arg;
	char size[32];

	ipcb_fmt_size(c->size, size, sizeof size);
	fprintf(stderr, "\r\033[K[%zu/%zu] %s %s %s, repetition %u/%u", step, steps, c->mech->name,
		size, ipcb_test_name(c->test), rep + 1, run->p.repetitions);
	fflush(stderr);
}

/* The reference measurements of a run that failed: the floor, the
 * harness, the copy floor. */
static size_t reference_failures(const struct ipcb_run *run)
{
	return (size_t)(run->floor != NULL && run->floor->status == IPCB_FAILED) +
	       (size_t)(run->harness != NULL && run->harness->status == IPCB_FAILED) +
	       (size_t)(run->copy != NULL && run->copy->status == IPCB_FAILED);
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
		failed |= ipcb_run_count(run, IPCB_FAILED) > 0 || reference_failures(run) > 0;
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
static void note_overridden_placement(const struct ipcb_cli_run_opts *o, json_t *doc)
{
	json_t *pls = json_object_get(doc, "placements");

	if (!o->cpus_given || o->placement == NULL)
		return;
	for (size_t i = 0; i < json_array_size(pls); i++)
		json_object_set_new(json_array_get(pls, i), "overridden_placement",
				    json_string(o->placement));
}

/* Build and write the results document; returns the exit status to use. */
static int write_results(const struct ipcb_cli_run_opts *o, struct ipcb_run *const *runs, size_t n,
			 const struct ipcb_sysinfo *si, struct ipcb_result_meta *meta)
{
	struct ipcb_err err;
	json_t *doc;
	int rc;

	if (o->json == NULL)
		return meta->exit_status;
	doc = ipcb_result_build((const struct ipcb_run *const *)runs, n, si, meta);
	if (doc == NULL)
		return ipcb_cli_error(EXIT_FAILED,
				      "could not build the results document (out of memory)");
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
static int setup_clock(const struct ipcb_cli_run_opts *o, struct ipcb_clock *clk)
{
	char why[320];
	int rc;

	memset(clk, 0, sizeof *clk);
	clk->kind = o->clock;
	if (o->clock != IPCB_CLOCK_TSC)
		return 0;
	if (ipcb_tsc_usable("/", why, sizeof why) != 0)
		return ipcb_cli_error(EXIT_UNSUPPORTED, "--clock tsc: %s; use --clock monotonic",
				      why);
	rc = ipcb_tsc_calibrate(IPCB_TSC_CAL_WINDOW_NS, &clk->tsc);
	if (rc != 0)
		return ipcb_cli_error(EXIT_FAILED, "--clock tsc: calibration failed: %s",
				      strerror(-rc));
	return 0;
}

/* --counters where perf_event_open allows it; said once when it does not. */
static void setup_counters(const struct ipcb_cli_run_opts *o, struct ipcb_params *p, char *note,
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

static void fill_params(const struct ipcb_cli_run_opts *o, struct ipcb_params *p)
{
	p->variants = o->variants;
	p->n_variants = o->n_variants;
	p->sizes = o->sizes;
	p->n_sizes = o->n_sizes;
	p->latency = o->latency;
	p->throughput = o->throughput;
	p->oneway = o->oneway;
	p->directions = o->directions;
	p->rate = (double)o->rate;
	p->load = o->load;
	p->n_load_points = o->n_load_points;
	memcpy(p->load_points, o->load_points, sizeof p->load_points);
	memcpy(p->modes, o->modes, sizeof p->modes);
	p->iterations = o->budget.iterations;
	p->cell_time_ns = (uint64_t)(o->budget.cell_time_s * 1e9);
	p->warmup = o->warmup;
	p->repetitions = (unsigned)o->budget.repetitions;
	p->verify = o->verify;
	p->quick = o->quick;
	p->stall_timeout_ns = (uint64_t)(o->timeout_s * 1e9);
	p->hist = (struct ipcb_hist_cfg){ .lowest_ns = 1,
					  .highest_ns = 100000000000ull,
					  .sig_figs = 3 };
	p->floor_mech = ipcb_mech_find("cacheline");
	p->harness_mech = ipcb_mech_find("null");
	p->copy_floor = true;
}

static void print_outcome(struct ipcb_run *const *runs, size_t n, int status)
{
	size_t failed = 0, refs = 0;

	for (size_t r = 0; r < n; r++) {
		failed += ipcb_run_count(runs[r], IPCB_FAILED);
		refs += reference_failures(runs[r]);
	}
	if (status == EXIT_INTERRUPTED)
		ipcb_cli_msg("interrupted by %s; results so far are kept",
			     ipcb_harness_stop_signal() == SIGTERM ? "SIGTERM" : "SIGINT");
	else if (status == EXIT_UNSUPPORTED)
		ipcb_cli_msg("nothing selected can run here "
			     "(every cell was skipped; see the notes)");
	else if (status == EXIT_FAILED && refs > 0)
		ipcb_cli_msg(
			"%zu cell%s and %zu reference measurement%s (floor, copy floor, harness) "
			"failed (see above)",
			failed, failed == 1 ? "" : "s", refs, refs == 1 ? "" : "s");
	else if (status == EXIT_FAILED)
		ipcb_cli_msg("%zu cell%s failed (see the notes under the table)", failed,
			     failed == 1 ? "" : "s");
}

/* Run the sweep once per placement, printing each table as it ends. */
static int run_placements(const struct ipcb_cli_run_opts *o, struct ipcb_params *p,
			  const struct ipcb_cli_placement *pl, size_t n, struct ipcb_run **runs,
			  size_t *n_runs, const struct ipcb_cli_session *s, FILE *table)
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
		p->n_clock_checks = pl[k].n_checks;
		memcpy(p->clock_checks, pl[k].checks, sizeof p->clock_checks);
		if (ipcb_run_new(p, &runs[k], &err) != 0) {
			ipcb_cli_print_err(NULL, &err);
			return EXIT_FAILED;
		}
		(*n_runs)++;
		ipcb_run_execute(runs[k], s->progress ? show_progress : NULL, runs[k]);
		if (s->progress)
			fputs("\r\033[K", stderr);
		if (k > 0)
			fputc('\n', table);
		ipcb_table_print(table, runs[k], &s->si, &topts);
	}
	return 0;
}

/* IPCBENCH_FAULT (for the tests): the fault to inject. 0 or EXIT_USAGE. */
static int setup_fault(const struct ipcb_cli_run_opts *o, struct ipcb_params *p)
{
	const char *fault = getenv("IPCBENCH_FAULT");
	struct ipcb_err err = { { 0 }, { 0 } };

	if (fault == NULL || fault[0] == '\0')
		return 0;
	if (ipcb_fault_parse(fault, &p->fault, &err) != 0) {
		ipcb_cli_print_err("IPCBENCH_FAULT", &err);
		return EXIT_USAGE;
	}
	/* A fault meant for a repetition that never runs would test nothing. */
	if (p->fault.rep > o->budget.repetitions)
		return ipcb_cli_usage_error("IPCBENCH_FAULT '%s': repetition %u, but --repetitions "
					    "is %llu",
					    fault, p->fault.rep,
					    (unsigned long long)o->budget.repetitions);
	return 0;
}

/* With one-way cells: the clock check of every pair of every placement,
 * each stamp compared within the clock's resolution. 0, or
 * EXIT_UNSUPPORTED naming the skew, or EXIT_FAILED. */
static int check_clocks(const struct ipcb_cli_run_opts *o, const struct ipcb_clock *clk,
			struct ipcb_cli_placement *pl, size_t n)
{
	struct timespec res = { 0, 1 };
	double tol;

	if (!o->oneway && !o->load)
		return 0;
	clock_getres(CLOCK_MONOTONIC, &res);
	tol = clk->kind == IPCB_CLOCK_TSC ? 1.0 / clk->tsc.ticks_per_ns
					  : (double)res.tv_sec * 1e9 + (double)res.tv_nsec;
	tol = tol < 1.0 ? 1.0 : tol;
	for (size_t k = 0; k < n; k++) {
		for (unsigned i = 0; i < (pl[k].pairs < 2 ? 1 : pl[k].pairs); i++) {
			const int *cpu = pl[k].pairs < 2 ? pl[k].cpu : pl[k].pair_cpus[i];
			struct ipcb_clockcheck *cc = &pl[k].checks[i];
			struct ipcb_err err = { { 0 }, { 0 } };
			char why[320];

			if (ipcb_clockcheck_run(cpu[0], cpu[1], clk, tol, cc, &err) != 0) {
				ipcb_cli_print_err(NULL, &err);
				return EXIT_FAILED;
			}
			pl[k].n_checks = i + 1;
			if (!ipcb_clockcheck_judge(cc, why, sizeof why))
				return ipcb_cli_error(EXIT_UNSUPPORTED, "%s", why);
		}
	}
	return 0;
}

/* What is checked and chosen before the harness starts: the results file,
 * the fault, file descriptors, CPU pairs, clock, noise and counters. 0, or
 * the exit status. */
static int prepare(const struct ipcb_cli_run_opts *o, struct ipcb_params *p,
		   struct ipcb_cli_placement *pl, size_t *n_pl, struct ipcb_cli_session *s)
{
	int rc;

	if ((rc = ipcb_cli_check_target("--json", o->json)) != 0 || (rc = setup_fault(o, p)) != 0 ||
	    (rc = ipcb_cli_fd_headroom((unsigned)o->pairs)) != 0 ||
	    (rc = ipcb_cli_placements_resolve(o, pl, n_pl)) != 0 ||
	    (rc = setup_clock(o, &p->clock)) != 0 ||
	    (rc = check_clocks(o, &p->clock, pl, *n_pl)) != 0 ||
	    (rc = ipcb_cli_placements_noise(o, pl, *n_pl, s)) != 0)
		return rc;
	setup_counters(o, p, s->counters_note, sizeof s->counters_note);
	return 0;
}

/* After the tables: the elapsed time, the outcome and the results file.
 * The exit status. */
static int finish(const struct ipcb_cli_run_opts *o, struct ipcb_run *const *runs, size_t n,
		  struct ipcb_cli_session *s, FILE *table)
{
	s->meta.exit_status = exit_status_of(runs, n);
	fprintf(table, "\nelapsed: %.1f s\n", ipcb_cli_session_elapsed_s(s));
	fflush(table);
	print_outcome(runs, n, s->meta.exit_status);
	return write_results(o, runs, n, &s->si, &s->meta);
}

int ipcb_cli_cmd_run(int argc, char **argv)
{
	struct ipcb_params p = { 0 };
	struct ipcb_cli_run_opts o;
	struct ipcb_cli_session s;
	struct ipcb_cli_placement pl[IPCB_CLASS_N];
	struct ipcb_run *runs[IPCB_CLASS_N] = { NULL };
	size_t n_pl = 0, n_runs = 0;
	FILE *table;
	int rc;

	if ((rc = ipcb_cli_run_parse(argc, argv, &o)) != IPCB_CLI_GO_ON)
		return rc;
	ipcb_cli_session_init(&s);
	if ((rc = prepare(&o, &p, pl, &n_pl, &s)) != 0 ||
	    (rc = ipcb_cli_session_start(&s, NULL, &p.clock, pl[0].cpu[0])) != 0)
		return rc;
	fill_params(&o, &p);
	table = o.json != NULL && strcmp(o.json, "-") == 0 ? stderr : stdout;
	rc = run_placements(&o, &p, pl, n_pl, runs, &n_runs, &s, table);
	ipcb_cli_session_end(&s);
	if (rc == 0 && n_runs > 0)
		rc = finish(&o, runs, n_runs, &s, table);
	for (size_t k = 0; k < n_runs; k++)
		ipcb_run_free(runs[k]);
	ipcb_cli_session_free(&s);
	return rc;
}
