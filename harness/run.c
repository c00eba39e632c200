/* A run: plan, execution with interleaved repetitions, aggregates. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/oneway.h"
#include "harness/run.h"
#include "harness/stats.h"

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The count that fills the target time at the pilot's pace. */
static uint64_t fill_target(const struct ipcb_autosize *a, uint64_t pilot_n, uint64_t pilot_ns)
{
	double per_iter = (double)(pilot_ns ? pilot_ns : 1) / (double)(pilot_n ? pilot_n : 1);

	return clamp_u64((uint64_t)((double)a->target_ns / per_iter), a->min_n, a->max_n);
}

int ipcb_autosize_step(const struct ipcb_autosize *a, uint64_t pilot_n, uint64_t pilot_ns,
		       uint64_t *n)
{
	if (pilot_n == 0)
		pilot_n = 1;
	/* Too short to time: a longer pilot, aiming at twice the minimum, at
	 * most 64 times longer, never beyond what a repetition would run. */
	if (pilot_ns < a->pilot_min_ns && pilot_n < a->max_n && pilot_n < a->min_n * 64) {
		double scale = pilot_ns ? 2.0 * (double)a->pilot_min_ns / (double)pilot_ns : 64.0;

		scale = scale > 64.0 ? 64.0 : scale < 2.0 ? 2.0 : scale;
		*n = clamp_u64((uint64_t)((double)pilot_n * scale), pilot_n + 1, a->max_n);
		return 1;
	}
	*n = fill_target(a, pilot_n, pilot_ns);
	return 0;
}

int ipcb_autosize_run(const struct ipcb_autosize *a, ipcb_pilot_fn pilot, void *arg,
		      struct ipcb_sizing *out)
{
	uint64_t n = IPCB_PILOT_FIRST, next;
	bool have = false;

	memset(out, 0, sizeof *out);
	for (;;) {
		uint64_t ns;
		int rc = pilot(arg, n, &ns);

		out->pilots++;
		if (rc != 0)
			return rc;
		if (have) {
			/* The faster of the two: the first one may have paid for
			 * cold caches, page faults or a slow clock frequency. */
			if ((double)ns * (double)out->pilot_n < (double)out->pilot_ns * (double)n) {
				out->pilot_n = n;
				out->pilot_ns = ns;
			}
			break;
		}
		if (ipcb_autosize_step(a, n, ns, &next) == 1 && out->pilots < IPCB_PILOTS_GROWING) {
			n = next;
			continue;
		}
		/* Long enough (or out of growing pilots): once more at this size. */
		have = true;
		out->pilot_n = n;
		out->pilot_ns = ns;
	}
	out->n = fill_target(a, out->pilot_n, out->pilot_ns);
	return 0;
}

static uint64_t warmup_for(const struct ipcb_params *p, uint64_t iterations)
{
	if (p->warmup != IPCB_WARMUP_AUTO)
		return p->warmup;
	return clamp_u64(iterations / 10, 1, 1000);
}

/* A cell at a rate needs no pilot: the cell time at that rate, or
 * --iterations. */
static void size_at_rate(const struct ipcb_params *p, struct ipcb_cell *c)
{
	if (p->iterations == 0)
		c->iterations = clamp_u64(
			(uint64_t)(c->rate * (double)p->cell_time_ns / 1e9 / p->repetitions), 2,
			100000000);
	c->sized = true;
}

void ipcb_lat_summarize(const struct ipcb_hist *h, struct ipcb_lat_summary *s)
{
	s->count = ipcb_hist_count(h);
	s->overflow = h->overflow_count;
	s->min_ns = ipcb_hist_min(h);
	s->p50_ns = ipcb_hist_percentile(h, 50.0);
	s->p90_ns = ipcb_hist_percentile(h, 90.0);
	s->p99_ns = ipcb_hist_percentile(h, 99.0);
	s->p999_ns = ipcb_hist_percentile(h, 99.9);
	s->p9999_ns = ipcb_hist_percentile(h, 99.99);
	s->max_ns = ipcb_hist_max(h);
	s->mean_ns = ipcb_hist_mean(h);
	s->stddev_ns = ipcb_hist_stddev(h);
}

void ipcb_mech_query(const struct ipcb_variant *v, struct ipcb_mech_info *mi)
{
	memset(mi, 0, sizeof *mi);
	mi->mech = v->mech;
	mi->var = v;
	if (v->mech->supported != NULL)
		mi->supported = v->mech->supported(&mi->why);
	if (mi->supported == 0 && v->mech->limits != NULL)
		mi->supported = v->mech->limits(&v->opts, &mi->limits, &mi->why);
}

const char *ipcb_test_name(enum ipcb_test t)
{
	return t == IPCB_TEST_LATENCY ? "latency" : t == IPCB_TEST_ONEWAY ? "oneway" : "throughput";
}

const char *ipcb_dir_name(enum ipcb_side sender)
{
	return sender == IPCB_SIDE_B ? "ba" : "ab";
}

bool ipcb_test_paceable(enum ipcb_test t)
{
	return t == IPCB_TEST_LATENCY || t == IPCB_TEST_ONEWAY;
}

bool ipcb_cell_timed_by_hist(const struct ipcb_cell *c)
{
	return c->test == IPCB_TEST_LATENCY || c->test == IPCB_TEST_ONEWAY;
}

/* What a cell whose messages carry stamps (one-way, round trips at a
 * rate) cannot carry, `what` naming the test: no bytes, no room for the
 * stamps, a rate over a single message. 0, or -1 with the reason in
 * c->why. */
static int stamped_plan(struct ipcb_cell *c, const char *what)
{
	if (c->mech->flags & IPCB_MECH_NO_DATA)
		return ipcb_err_set(&c->why, 0,
				    "carries no bytes, so no send stamp: %s does not apply", what),
		       -1;
	if (c->size < IPCB_OW_HDR_BYTES)
		return ipcb_err_set(&c->why, 0,
				    "each message of %s carries a %d-byte header (sequence number, "
				    "send stamp, due time): %d bytes at least",
				    what, IPCB_OW_HDR_BYTES, IPCB_OW_HDR_BYTES),
		       -1;
	if (c->rate > 0 && c->iterations < 2)
		return ipcb_err_set(&c->why, 0, "an achieved rate needs at least 2 messages"), -1;
	return 0;
}

/* What the one-way test cannot carry; a load point's throughput cell
 * skipped. */
static int oneway_plan(struct ipcb_cell *c)
{
	if (stamped_plan(c, "one-way latency") != 0)
		return -1;
	if (c->load_of != NULL && c->load_of->status == IPCB_SKIPPED)
		return ipcb_err_set(&c->why, 0, "its throughput cell is skipped: %s",
				    c->load_of->why.msg),
		       -1;
	return 0;
}

/* Round trips at a rate: side A sends while a second thread of its
 * process receives the echoes, which a mechanism may not allow. */
static int paced_plan(struct ipcb_cell *c)
{
	if (stamped_plan(c, "latency at a rate") != 0)
		return -1;
	if (c->mech->no_pipelining != NULL)
		return ipcb_err_set(&c->why, 0, "not at a rate: %s", c->mech->no_pipelining), -1;
	return 0;
}

/* Decide up front whether a cell can run; skipped cells keep the reason. */
static void plan_cell(struct ipcb_run *run, struct ipcb_cell *c, const struct ipcb_mech_info *mi)
{
	struct ipcb_cell_cfg cfg = {
		.msg_size_bytes = c->size,
		.test = c->test,
		.cpu = { run->p.cpu[0], run->p.cpu[1] },
		.opts = &c->var->opts,
		.sender = c->sender,
		.mode = c->mode,
		.paced = c->test == IPCB_TEST_LATENCY && c->rate > 0,
	};

	if (mi->supported != 0) {
		c->status = IPCB_SKIPPED;
		c->why = mi->why;
		return;
	}
	if (c->mode == IPCB_MODE_THREADS && mi->mech->no_threads != NULL) {
		c->status = IPCB_SKIPPED;
		ipcb_err_set(&c->why, 0, "not between threads: %s", mi->mech->no_threads);
		return;
	}
	if (mi->mech->check != NULL && mi->mech->check(&cfg, &c->why) != 0) {
		c->status = IPCB_SKIPPED;
		return;
	}
	if (c->test == IPCB_TEST_ONEWAY && oneway_plan(c) != 0) {
		c->status = IPCB_SKIPPED;
		return;
	}
	if (c->test == IPCB_TEST_LATENCY && c->rate > 0 && paced_plan(c) != 0) {
		c->status = IPCB_SKIPPED;
		return;
	}
	/* The rate runs from the first message's arrival to the last's. */
	if (c->test == IPCB_TEST_THROUGHPUT && run->p.iterations == 1) {
		c->status = IPCB_SKIPPED;
		ipcb_err_set(&c->why, 0, "a rate needs at least 2 messages (--iterations 1)");
	}
}

/* Lay out one cell; allocates its repetition slots and histogram. */
static int init_cell(struct ipcb_run *run, struct ipcb_cell *c, const struct ipcb_variant *v,
		     const struct ipcb_mech_info *mi, uint64_t size, enum ipcb_test test,
		     unsigned pairs)
{
	const struct ipcb_params *p = &run->p;

	c->var = v;
	c->mech = v->mech;
	c->test = test;
	c->mode = run->planning_mode;
	c->size = size;
	/* Until a pilot has sized the cell, the first pilot's count. */
	c->iterations = p->iterations ? p->iterations : IPCB_PILOT_FIRST;
	/* At a rate, no pilot: the cell time at that rate (a load point's
	 * once its rate is known, ipcb_load_start). */
	if (ipcb_test_paceable(test) && c->load_of == NULL &&
	    !(v->mech->flags & IPCB_MECH_REFERENCE))
		c->rate = p->rate;
	if (c->rate > 0)
		size_at_rate(p, c);
	c->warmup = warmup_for(p, c->iterations);
	c->pairs = pairs;
	c->reps = calloc(p->repetitions, sizeof *c->reps);
	if (c->reps == NULL)
		return -ENOMEM;
	plan_cell(run, c, mi);
	if (c->pairs > 1) {
		c->pair = calloc(c->pairs, sizeof *c->pair);
		if (c->pair == NULL)
			return -ENOMEM;
	}
	if (ipcb_cell_timed_by_hist(c) && c->status == IPCB_PENDING) {
		c->merged = ipcb_hist_new(p->hist.lowest_ns, p->hist.highest_ns, p->hist.sig_figs);
		if (c->merged == NULL)
			return -ENOMEM;
		if ((c->rate > 0 || c->load_of != NULL) &&
		    (c->merged_uncorrected = ipcb_hist_new(p->hist.lowest_ns, p->hist.highest_ns,
							   p->hist.sig_figs)) == NULL)
			return -ENOMEM;
		for (unsigned k = 0; c->pair != NULL && k < c->pairs; k++) {
			c->pair[k].merged = ipcb_hist_new(p->hist.lowest_ns, p->hist.highest_ns,
							  p->hist.sig_figs);
			if (c->pair[k].merged == NULL)
				return -ENOMEM;
		}
	}
	return 0;
}

/* The floor and harness cells, first in the list. */
static int init_references(struct ipcb_run *run, size_t *k)
{
	const struct ipcb_mech *refs[2] = { run->p.floor_mech, run->p.harness_mech };

	for (int i = 0; i < 2; i++) {
		struct ipcb_variant *v = &run->ref_var[i];
		struct ipcb_cell *c;

		if (refs[i] == NULL)
			continue;
		v->mech = refs[i];
		if (ipcb_opt_defaults(v->mech, &v->opts) != 0)
			return -EINVAL;
		snprintf(v->label, sizeof v->label, "%s", v->mech->name);
		ipcb_mech_query(v, &run->ref_info[i]);
		c = &run->cells[(*k)++];
		/* One pair: the floor is the pair's own, without contention. */
		if (init_cell(run, c, v, &run->ref_info[i], IPCB_REFERENCE_SIZE, IPCB_TEST_LATENCY,
			      1) != 0)
			return -ENOMEM;
		c->reference = true;
		if (i == 0)
			run->floor = c;
		else
			run->harness = c;
	}
	return 0;
}

/* One cell per mode of the run, side by side. 0 or -ENOMEM. */
static int init_modes(struct ipcb_run *run, size_t *k, const struct ipcb_variant *v,
		      const struct ipcb_mech_info *mi, uint64_t size, enum ipcb_test test)
{
	for (int md = 0; md < IPCB_MODE_N; md++) {
		if (!run->p.modes[md])
			continue;
		run->planning_mode = (enum ipcb_mode)md;
		if (init_cell(run, &run->cells[(*k)++], v, mi, size, test, run->p.pairs) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* The copy floor, in a run with throughput cells. 0 or -ENOMEM. */
static int plan_copy_floor(struct ipcb_run *run, struct ipcb_err *err)
{
	const struct ipcb_params *p = &run->p;

	_Static_assert(IPCB_SIZES_MAX <= IPCB_COPY_SIZES_MAX, "a copy floor for every size");
	if (!p->copy_floor || !p->throughput || p->n_sizes == 0)
		return 0;
	run->copy = ipcb_copy_floor_new(p->cpu[1], p->sizes, p->n_sizes, p->repetitions,
					p->stall_timeout_ns, err);
	return run->copy != NULL ? 0 : -ENOMEM;
}

/* The one-way cells of a variant and size, one per direction. */
static int init_oneway_cells(struct ipcb_run *run, size_t m, size_t s, size_t *k)
{
	const struct ipcb_params *p = &run->p;

	for (int d = 0; p->oneway && d < 2; d++) {
		if (!(p->directions & (d == 0 ? IPCB_DIR_AB : IPCB_DIR_BA)))
			continue;
		for (int md = 0; md < IPCB_MODE_N; md++) {
			struct ipcb_cell *c = &run->cells[*k];

			if (!p->modes[md])
				continue;
			run->planning_mode = (enum ipcb_mode)md;
			c->sender = d == 0 ? IPCB_SIDE_A : IPCB_SIDE_B;
			(*k)++;
			if (init_cell(run, c, &p->variants[m], &run->mechs[m], p->sizes[s],
				      IPCB_TEST_ONEWAY, run->p.pairs) != 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* The points of the load curves of a variant and size, after its cells
 * (from first on): per throughput cell among them (one per mode), one-way
 * cells A->B in its mode, each tied to it. */
static int init_load_cells(struct ipcb_run *run, size_t m, size_t s, size_t *k, size_t first)
{
	const struct ipcb_params *p = &run->p;
	const size_t end = *k;

	for (size_t t = first; p->load && t < end; t++) {
		const struct ipcb_cell *thr = &run->cells[t];

		if (thr->test != IPCB_TEST_THROUGHPUT)
			continue;
		run->planning_mode = thr->mode;
		for (size_t i = 0; i < p->n_load_points; i++) {
			struct ipcb_cell *c = &run->cells[(*k)++];

			c->sender = IPCB_SIDE_A;
			c->load_of = thr;
			c->load_fraction = p->load_points[i];
			if (init_cell(run, c, &p->variants[m], &run->mechs[m], p->sizes[s],
				      IPCB_TEST_ONEWAY, run->p.pairs) != 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int ipcb_run_new(const struct ipcb_params *p, struct ipcb_run **out, struct ipcb_err *err)
{
	size_t tests = (size_t)p->latency + (size_t)p->throughput +
		       (p->oneway ? (size_t) !!(p->directions & IPCB_DIR_AB) +
					    (size_t) !!(p->directions & IPCB_DIR_BA)
				  : 0),
	       k = 0;
	size_t modes = (size_t)p->modes[0] + (size_t)p->modes[1];
	struct ipcb_run *run = calloc(1, sizeof *run);

	*out = NULL;
	if (run == NULL)
		return ipcb_err_set(err, ENOMEM, "run");
	run->p = *p;
	if (run->p.pairs < 1) {
		run->p.pairs = 1;
		run->p.pair_cpus[0][0] = p->cpu[0];
		run->p.pair_cpus[0][1] = p->cpu[1];
	}
	if (modes == 0) {
		run->p.modes[IPCB_MODE_PROCESSES] = true;
		modes = 1;
	}
	/* The references run in the run's first mode. */
	run->planning_mode =
		run->p.modes[IPCB_MODE_PROCESSES] ? IPCB_MODE_PROCESSES : IPCB_MODE_THREADS;
	run->n_cells = p->n_variants * p->n_sizes * tests * modes + (p->floor_mech != NULL) +
		       (p->harness_mech != NULL);
	if (p->load && p->throughput)
		run->n_cells += p->n_variants * p->n_sizes * p->n_load_points * modes;
	run->mechs = calloc(p->n_variants ? p->n_variants : 1, sizeof *run->mechs);
	run->cells = calloc(run->n_cells ? run->n_cells : 1, sizeof *run->cells);
	if (run->mechs == NULL || run->cells == NULL || init_references(run, &k) != 0)
		goto nomem;
	for (size_t v = 0; v < p->n_variants; v++)
		ipcb_mech_query(&p->variants[v], &run->mechs[v]);
	for (size_t m = 0; m < p->n_variants; m++) {
		for (size_t s = 0; s < p->n_sizes; s++) {
			const size_t first = k;

			for (int t = IPCB_TEST_LATENCY; t <= IPCB_TEST_THROUGHPUT; t++) {
				if ((t == IPCB_TEST_LATENCY && !p->latency) ||
				    (t == IPCB_TEST_THROUGHPUT && !p->throughput))
					continue;
				if (init_modes(run, &k, &p->variants[m], &run->mechs[m],
					       p->sizes[s], (enum ipcb_test)t) != 0)
					goto nomem;
			}
			if (init_oneway_cells(run, m, s, &k) != 0 ||
			    init_load_cells(run, m, s, &k, first) != 0)
				goto nomem;
		}
	}
	run->arena = ipcb_arena_new(&p->hist, run->p.pairs, err);
	run->scratch = ipcb_hist_new(p->hist.lowest_ns, p->hist.highest_ns, p->hist.sig_figs);
	if (run->arena == NULL || run->scratch == NULL || plan_copy_floor(run, err) != 0) {
		ipcb_run_free(run);
		return -ENOMEM;
	}
	*out = run;
	return 0;
nomem:
	ipcb_run_free(run);
	return ipcb_err_set(err, ENOMEM, "run plan");
}

void ipcb_run_free(struct ipcb_run *run)
{
	if (run == NULL)
		return;
	for (size_t i = 0; i < run->n_cells; i++) {
		struct ipcb_cell *c = &run->cells[i];

		for (unsigned k = 0; c->pair != NULL && k < c->pairs; k++)
			free(c->pair[k].merged);
		free(c->pair);
		free(c->reps);
		free(c->merged);
		free(c->merged_uncorrected);
	}
	ipcb_copy_floor_free(run->copy);
	free(run->scratch);
	free(run->cells);
	free(run->mechs);
	ipcb_arena_free(run->arena);
	free(run);
}

size_t ipcb_run_count(const struct ipcb_run *run, enum ipcb_status s)
{
	size_t n = 0;

	for (size_t i = 0; i < run->n_cells; i++)
		n += !run->cells[i].reference && run->cells[i].status == s;
	return n;
}

bool ipcb_cell_has_figures(const struct ipcb_cell *c)
{
	return c->reps_done > 0 && c->status != IPCB_FAILED && c->status != IPCB_SKIPPED;
}

bool ipcb_cell_iterations_known(const struct ipcb_run *run, const struct ipcb_cell *c)
{
	return c->status != IPCB_SKIPPED && (run->p.iterations != 0 || c->sized);
}

bool ipcb_run_floor_yields(const struct ipcb_run *run)
{
	/* The floor cell runs one pair, on the first pair's CPUs. */
	return run->p.pair_cpus[0][0] == run->p.pair_cpus[0][1];
}

double ipcb_run_x_floor(const struct ipcb_run *run, const struct ipcb_cell *c)
{
	const struct ipcb_cell *f = run->floor;

	if (f == NULL || !ipcb_cell_has_figures(f) || f->lat.p50_ns == 0 ||
	    c->test != IPCB_TEST_LATENCY || !ipcb_cell_has_figures(c))
		return 0.0;
	return (double)c->lat.p50_ns / (double)f->lat.p50_ns;
}

double ipcb_run_x_copy_floor(const struct ipcb_run *run, const struct ipcb_cell *c)
{
	double floor = ipcb_copy_floor_bps(run->copy, c->size);

	if (floor <= 0 || c->test != IPCB_TEST_THROUGHPUT || !ipcb_cell_has_figures(c) ||
	    (c->mech->flags & IPCB_MECH_NO_DATA))
		return 0.0;
	return c->median_bytes_per_s / floor;
}

size_t ipcb_run_load_points(const struct ipcb_run *run, const struct ipcb_cell *thr,
			    const struct ipcb_cell **pts)
{
	size_t n = 0;

	/* Laid out in the order of the load points, which are ascending. */
	for (size_t i = 0; i < run->n_cells && n < IPCB_LOAD_POINTS_MAX; i++)
		if (thr != NULL && run->cells[i].load_of == thr)
			pts[n++] = &run->cells[i];
	return n;
}

int ipcb_run_load_knee(const struct ipcb_run *run, const struct ipcb_cell *thr)
{
	const struct ipcb_cell *pts[IPCB_LOAD_POINTS_MAX];
	double p99[IPCB_LOAD_POINTS_MAX];
	bool sat[IPCB_LOAD_POINTS_MAX];
	size_t n = ipcb_run_load_points(run, thr, pts);

	for (size_t i = 0; i < n; i++) {
		p99[i] = ipcb_cell_has_figures(pts[i]) ? (double)pts[i]->lat.p99_ns : 0.0;
		sat[i] = pts[i]->saturated != NULL;
	}
	return ipcb_load_knee(p99, sat, n, IPCB_LOAD_KNEE_FACTOR);
}

static bool side_moved(const struct ipcb_side_obs *o, int cpu)
{
	cpu_set_t only;

	CPU_ZERO(&only);
	CPU_SET(cpu, &only);
	return (o->cpu_attach >= 0 && o->cpu_attach != cpu) ||
	       (o->cpu_start >= 0 && o->cpu_start != cpu) ||
	       (o->cpu_end >= 0 && o->cpu_end != cpu) ||
	       (CPU_COUNT(&o->cpus_seen) > 0 && !CPU_EQUAL(&o->cpus_seen, &only));
}

static double per_op(uint64_t v, uint64_t ops)
{
	return ops ? (double)v / (double)ops : 0.0;
}

/* What a side spent per round trip or message. The user/system split is
 * sampled at the scheduler tick: kept only when every process of the side
 * ran at least IPCB_SPLIT_MIN_CPU_NS (split_ok), missing (-1) otherwise. */
static void side_cost(const struct ipcb_side_obs *o, bool split_ok, struct ipcb_cost *k)
{
	k->cpu_ns = per_op(o->cpu_ns, o->ops);
	k->utime_ns = split_ok ? per_op(o->utime_ns, o->ops) : -1.0;
	k->stime_ns = split_ok ? per_op(o->stime_ns, o->ops) : -1.0;
	k->vcsw = per_op(o->nvcsw, o->ops);
	k->ivcsw = per_op(o->nivcsw, o->ops);
	for (int i = 0; i < IPCB_CTR_N; i++)
		k->counters[i] =
			o->counters[i] < 0 ? -1.0 : per_op((uint64_t)o->counters[i], o->ops);
}

/* Every side's figures of a repetition added up over its pairs; split_ok[s]
 * tells whether each of side s's processes ran long enough for its
 * tick-sampled user/system split to mean something. */
static void sum_sides(const struct ipcb_rep_out *out, struct ipcb_side_obs sum[2], bool split_ok[2])
{
	memset(sum, 0, 2 * sizeof *sum);
	for (int s = 0; s < 2; s++) {
		split_ok[s] = true;
		for (int i = 0; i < IPCB_CTR_N; i++)
			sum[s].counters[i] = out->pair[0].side[s].counters[i] < 0 ? -1 : 0;
		for (unsigned k = 0; k < out->pairs; k++) {
			const struct ipcb_side_obs *o = &out->pair[k].side[s];

			sum[s].ops += o->ops;
			sum[s].cpu_ns += o->cpu_ns;
			split_ok[s] = split_ok[s] && o->cpu_ns >= IPCB_SPLIT_MIN_CPU_NS;
			sum[s].utime_ns += o->utime_ns;
			sum[s].stime_ns += o->stime_ns;
			sum[s].nvcsw += o->nvcsw;
			sum[s].nivcsw += o->nivcsw;
			for (int i = 0; i < IPCB_CTR_N; i++)
				if (sum[s].counters[i] >= 0)
					sum[s].counters[i] += o->counters[i];
		}
	}
}

static void note_cpus(const struct ipcb_side_obs *o, int cpu, cpu_set_t *seen, bool *mismatch)
{
	int v[3] = { o->cpu_attach, o->cpu_start, o->cpu_end };

	for (int i = 0; i < 3; i++)
		if (v[i] >= 0 && v[i] < CPU_SETSIZE)
			CPU_SET(v[i], seen);
	CPU_OR(seen, seen, &o->cpus_seen);
	if (side_moved(o, cpu))
		*mismatch = true;
}

/* Each pair's timed part (side A's for latency, the receiver's for
 * throughput) placed in the repetition's window, from the first pair's
 * start to the last one's end, and the fraction of that window in which
 * every pair was in its timed loop. */
static void record_pairs(const struct ipcb_cell *c, const struct ipcb_rep_out *out,
			 struct ipcb_rep *r)
{
	const int timed = c->test == IPCB_TEST_LATENCY  ? IPCB_SIDE_A
			  : c->test == IPCB_TEST_ONEWAY ? !c->sender
							: IPCB_SIDE_B;
	uint64_t first = UINT64_MAX, last = 0, last_start = 0, first_end = UINT64_MAX;

	for (unsigned k = 0; k < out->pairs; k++) {
		const struct ipcb_side_obs *o = &out->pair[k].side[timed];

		first = o->mono_start_ns < first ? o->mono_start_ns : first;
		last = o->mono_end_ns > last ? o->mono_end_ns : last;
		last_start = o->mono_start_ns > last_start ? o->mono_start_ns : last_start;
		first_end = o->mono_end_ns < first_end ? o->mono_end_ns : first_end;
	}
	r->window_ns = last > first ? last - first : 0;
	if (r->window_ns == 0)
		r->overlap = 1.0;
	else
		r->overlap = first_end > last_start
				     ? (double)(first_end - last_start) / (double)r->window_ns
				     : 0.0;
	for (unsigned k = 0; k < out->pairs; k++) {
		const struct ipcb_side_obs *o = &out->pair[k].side[timed];
		struct ipcb_rep_pair *rp = &r->pair[k];

		rp->ops = o->ops;
		rp->elapsed_ns = o->elapsed_ns;
		rp->start_ns = o->mono_start_ns - first;
		rp->end_ns = o->mono_end_ns - first;
		rp->msgs_per_s = (double)o->ops * 1e9 / (double)(o->elapsed_ns ? o->elapsed_ns : 1);
	}
}

void ipcb_notes_merge(struct ipcb_notes *into, const struct ipcb_notes *add)
{
	for (int i = 0; i < add->n; i++) {
		const struct ipcb_note *a = &add->v[i];
		int j = 0;

		while (j < into->n && strcmp(into->v[j].name, a->name) != 0)
			j++;
		if (j == into->n) {
			if (into->n < IPCB_NOTES_MAX)
				into->v[into->n++] = *a;
		} else if (a->text[0] == '\0') {
			into->v[j].value += a->value;
		} else if (strcmp(into->v[j].text, a->text) != 0) {
			snprintf(into->v[j].text, sizeof into->v[j].text, "mixed");
		}
	}
}

/* A one-way repetition at a rate: the uncorrected times, the late
 * messages, the achieved rate and the quarters' p50 (the first pair's
 * quarters; every pair's messages and late ones). */
static void record_rate(struct ipcb_run *run, struct ipcb_cell *c, const struct ipcb_rep_out *out,
			struct ipcb_rep *r)
{
	const struct ipcb_hist *h = out->pair[0].uncorrected;
	double rates[IPCB_PAIRS_MAX] = { 0 };

	if (out->pairs > 1) {
		ipcb_hist_reset(run->scratch);
		for (unsigned k = 0; k < out->pairs; k++)
			ipcb_hist_merge(run->scratch, out->pair[k].uncorrected);
		h = run->scratch;
	}
	ipcb_lat_summarize(h, &r->lat_uncorrected);
	ipcb_hist_merge(c->merged_uncorrected, h);
	r->late = 0;
	for (unsigned k = 0; k < out->pairs; k++) {
		r->late += out->pair[k].side[c->sender].late;
		rates[k] = out->pair[k].side[c->sender].achieved_per_s;
	}
	c->late += r->late;
	/* One-way over a lossy mechanism: the timed messages the receivers
	 * never got, every pair (latency at a rate fails on a loss). */
	r->lost = 0;
	for (unsigned k = 0; c->test == IPCB_TEST_ONEWAY && k < out->pairs; k++)
		r->lost += out->pair[k].side[!c->sender].lost;
	c->lost += r->lost;
	/* The slowest pair's: each was to keep the rate. */
	r->achieved_per_s = rates[0];
	for (unsigned k = 1; k < out->pairs; k++)
		r->achieved_per_s = rates[k] < r->achieved_per_s ? rates[k] : r->achieved_per_s;
	r->first_quarter_p50_ns = ipcb_hist_percentile(out->pair[0].first_quarter, 50.0);
	r->last_quarter_p50_ns = ipcb_hist_percentile(out->pair[0].last_quarter, 50.0);
}

/* Keep one finished repetition's summary and fold it into the cell. */
static void record_rep(struct ipcb_run *run, struct ipcb_cell *c, const struct ipcb_rep_out *out)
{
	struct ipcb_rep *r = &c->reps[c->reps_done++];
	struct ipcb_side_obs sum[2];
	bool split_ok[2];

	r->status = IPCB_OK;
	sum_sides(out, sum, split_ok);
	record_pairs(c, out, r);
	for (int s = 0; s < 2; s++) {
		r->side[s] = out->pair[0].side[s];
		/* one side's notes over every pair */
		for (unsigned k = 1; k < out->pairs; k++)
			ipcb_notes_merge(&r->side[s].notes, &out->pair[k].side[s].notes);
		side_cost(&sum[s], split_ok[s], &r->cost[s]);
		note_cpus(&out->pair[0].side[s], run->p.pair_cpus[0][s], &c->seen[s],
			  &c->cpu_mismatch);
		for (unsigned k = 0; c->pair != NULL && k < out->pairs; k++)
			note_cpus(&out->pair[k].side[s], run->p.pair_cpus[k][s],
				  &c->pair[k].seen[s], &c->pair[k].cpu_mismatch);
	}
	if (ipcb_cell_timed_by_hist(c)) {
		const struct ipcb_hist *h = out->pair[0].hist;

		r->elapsed_ns =
			out->pair[0].side[c->test == IPCB_TEST_ONEWAY ? !c->sender : 0].elapsed_ns;
		if (c->merged_uncorrected != NULL)
			record_rate(run, c, out, r);
		if (out->pairs > 1) {
			ipcb_hist_reset(run->scratch);
			for (unsigned k = 0; k < out->pairs; k++) {
				ipcb_hist_merge(run->scratch, out->pair[k].hist);
				ipcb_hist_merge(c->pair[k].merged, out->pair[k].hist);
				r->pair[k].p50_ns = ipcb_hist_percentile(out->pair[k].hist, 50.0);
			}
			h = run->scratch;
		}
		ipcb_lat_summarize(h, &r->lat);
		ipcb_hist_merge(c->merged, h);
	} else {
		/* All pairs together: every message timed, over the window from
		 * the first receiver's first timed message to the last one's last. */
		r->msgs = r->lost = 0;
		for (unsigned k = 0; k < out->pairs; k++) {
			r->msgs += r->pair[k].ops;
			r->lost += out->pair[k].side[IPCB_SIDE_B].lost;
		}
		c->lost += r->lost;
		r->elapsed_ns =
			out->pairs > 1 ? r->window_ns : out->pair[0].side[IPCB_SIDE_B].elapsed_ns;
		r->msgs_per_s = (double)r->msgs * 1e9 / (double)(r->elapsed_ns ? r->elapsed_ns : 1);
		r->bytes_per_s = r->msgs_per_s * (double)c->size;
	}
}

/* The median over repetitions of one cost field (negative stays missing). */
static double median_cost(const struct ipcb_cell *c, int side, size_t offset)
{
	double v[IPCB_REPS_MAX];

	for (unsigned i = 0; i < c->reps_done; i++) {
		v[i] = *(const double *)((const char *)&c->reps[i].cost[side] + offset);
		if (v[i] < 0)
			return -1.0;
	}
	return ipcb_stats_median(v, c->reps_done);
}

/* A one-way cell at a rate: the uncorrected percentiles, the medians of
 * the achieved rate and of the quarters' p50, and the verdict. */
static void finish_rate(struct ipcb_cell *c, double target)
{
	double a[IPCB_REPS_MAX], q1[IPCB_REPS_MAX], q4[IPCB_REPS_MAX];
	unsigned n = c->reps_done;

	ipcb_lat_summarize(c->merged_uncorrected, &c->lat_uncorrected);
	for (unsigned i = 0; i < n; i++) {
		a[i] = c->reps[i].achieved_per_s;
		q1[i] = (double)c->reps[i].first_quarter_p50_ns;
		q4[i] = (double)c->reps[i].last_quarter_p50_ns;
	}
	c->median_achieved_per_s = ipcb_stats_median(a, n);
	c->median_first_quarter_p50_ns = ipcb_stats_median(q1, n);
	c->median_last_quarter_p50_ns = ipcb_stats_median(q4, n);
	c->saturated = ipcb_ow_saturation(target, c->median_achieved_per_s,
					  (uint64_t)c->median_first_quarter_p50_ns,
					  (uint64_t)c->median_last_quarter_p50_ns, c->lost,
					  c->iterations * c->reps_done * c->pairs,
					  c->saturation_why, sizeof c->saturation_why);
}

/* Aggregates over the repetitions completed so far; none for a cell that
 * failed (its earlier repetitions may be as wrong as the last). */
static void finish_cell(struct ipcb_cell *c, double rate)
{
	double a[IPCB_REPS_MAX], b[IPCB_REPS_MAX];
	unsigned n = c->reps_done;

	if (!ipcb_cell_has_figures(c))
		return;
	for (int side = 0; side < 2; side++)
		for (size_t off = 0; off < sizeof(struct ipcb_cost); off += sizeof(double))
			*(double *)((char *)&c->cost[side] + off) = median_cost(c, side, off);
	for (unsigned k = 0; c->pair != NULL && k < c->pairs; k++) {
		if (ipcb_cell_timed_by_hist(c)) {
			ipcb_lat_summarize(c->pair[k].merged, &c->pair[k].lat);
		} else {
			for (unsigned i = 0; i < n; i++)
				a[i] = c->reps[i].pair[k].msgs_per_s;
			c->pair[k].median_msgs_per_s = ipcb_stats_median(a, n);
		}
	}
	if (c->merged_uncorrected != NULL)
		finish_rate(c, rate);
	if (ipcb_cell_timed_by_hist(c)) {
		ipcb_lat_summarize(c->merged, &c->lat);
		for (unsigned i = 0; i < n; i++) {
			a[i] = (double)c->reps[i].lat.p50_ns;
			b[i] = (double)c->reps[i].lat.p99_ns;
		}
		c->median_p50_ns = ipcb_stats_median(a, n);
		c->median_p99_ns = ipcb_stats_median(b, n);
	} else {
		for (unsigned i = 0; i < n; i++) {
			a[i] = c->reps[i].msgs_per_s;
			b[i] = c->reps[i].bytes_per_s;
		}
		c->median_msgs_per_s = ipcb_stats_median(a, n);
		c->median_bytes_per_s = ipcb_stats_median(b, n);
	}
}

static size_t runnable_steps(const struct ipcb_run *run)
{
	size_t n = 0;

	for (size_t i = 0; i < run->n_cells; i++)
		n += run->cells[i].status == IPCB_PENDING;
	return n * run->p.repetitions;
}

/* At a rate, a repetition should take its messages over the rate; but a
 * rate above what the mechanism carries (saturated, which the cell is to
 * report) takes longer, so no deadline: the stall timeout still catches a
 * side that stops. */
static void rate_deadline(struct ipcb_rep_spec *spec)
{
	spec->expected_ns =
		(uint64_t)((double)(spec->iterations + spec->warmup) * 1e9 / spec->rate);
	spec->deadline_ns = 0;
}

/* The spec of repetition rep (0-based) of a cell, or of a pilot (rep -1). */
static void rep_spec(const struct ipcb_run *run, const struct ipcb_cell *c, int rep,
		     struct ipcb_rep_spec *spec)
{
	memset(spec, 0, sizeof *spec);
	spec->rep = rep;
	spec->mech = c->mech;
	spec->cfg.msg_size_bytes = c->size;
	spec->cfg.test = c->test;
	spec->cfg.sender = c->sender;
	spec->rate = ipcb_test_paceable(c->test) ? c->rate : 0;
	spec->cfg.paced = c->test == IPCB_TEST_LATENCY && spec->rate > 0;
	spec->mode = spec->cfg.mode = c->mode;
	spec->cfg.cpu[0] = run->p.cpu[0];
	spec->cfg.cpu[1] = run->p.cpu[1];
	spec->pairs = c->pairs;
	memcpy(spec->cpus, run->p.pair_cpus, sizeof spec->cpus);
	spec->cfg.opts = &c->var->opts;
	spec->iterations = c->iterations;
	spec->warmup = c->warmup;
	spec->verify = run->p.verify;
	spec->stall_timeout_ns = run->p.stall_timeout_ns;
	/* A sized cell knows how long it should take: a repetition taking 20
	 * times that (and at least the stall timeout more) is ended. */
	spec->expected_ns = spec->deadline_ns = 0;
	if (c->sized && c->pilot_n > 0) {
		double per = (double)c->pilot_ns / (double)c->pilot_n;

		spec->expected_ns = (uint64_t)(per * (double)(c->iterations + c->warmup));
		spec->deadline_ns = 20 * spec->expected_ns;
		if (spec->deadline_ns < spec->expected_ns + spec->stall_timeout_ns)
			spec->deadline_ns = spec->expected_ns + spec->stall_timeout_ns;
	}
	if (spec->rate > 0)
		rate_deadline(spec);
	spec->fault = &run->p.fault;
	spec->clock = &run->p.clock;
	spec->counters = run->p.counters;
	spec->counters_user_only = run->p.counters_user_only;
}

/* A repetition that did not complete ends the cell (or the run). */
static bool rep_failed(struct ipcb_cell *c, const struct ipcb_rep_out *out)
{
	if (out->status == IPCB_SKIPPED || out->status == IPCB_FAILED) {
		c->status = out->status;
		c->why = out->err;
	}
	return out->status != IPCB_OK;
}

struct pilot_arg {
	struct ipcb_run *run;
	struct ipcb_cell *c;
	int rc;
};

/* One pilot of n iterations; its wall time per n iterations in *ns. */
static int run_pilot(void *arg, uint64_t n, uint64_t *ns)
{
	struct pilot_arg *pa = arg;
	const bool lat = pa->c->test == IPCB_TEST_LATENCY;
	const int timed = lat                               ? IPCB_SIDE_A
			  : pa->c->test == IPCB_TEST_ONEWAY ? !pa->c->sender
							    : IPCB_SIDE_B;
	struct ipcb_rep_spec spec;
	struct ipcb_rep_out out;
	const struct ipcb_side_obs *o;

	pa->c->iterations = n;
	/* Warmed like a repetition, and more: a cold start is a fixed cost
	 * that a short pilot would spread over too few iterations. */
	pa->c->warmup = n;
	rep_spec(pa->run, pa->c, -1, &spec);
	pa->rc = ipcb_rep_run(pa->run->arena, &spec, &out);
	if (pa->rc != 0 || rep_failed(pa->c, &out))
		return -1;
	/* Latency: side A's n round trips; throughput: side B's timed messages
	 * (one fewer than n), scaled to n. */
	o = &out.pair[0].side[timed];
	*ns = o->ops > 0 ? (uint64_t)((double)o->elapsed_ns * (double)n / (double)o->ops)
			 : o->elapsed_ns;
	return 0;
}

/* Size the cell's repetitions from its pilots (ipcb_autosize_run), each
 * as many warm-up iterations as timed ones. */
static int size_cell(struct ipcb_run *run, struct ipcb_cell *c)
{
	const bool lat = ipcb_cell_timed_by_hist(c);
	struct ipcb_autosize a = {
		.target_ns = run->p.cell_time_ns / run->p.repetitions,
		.min_n = lat ? (run->p.quick ? 100 : 200) : 64,
		.max_n = lat ? 10000000 : 100000000,
		.pilot_min_ns = 2000000,
	};
	struct pilot_arg pa = { .run = run, .c = c };
	struct ipcb_sizing sz;

	if (ipcb_autosize_run(&a, run_pilot, &pa, &sz) != 0)
		return pa.rc;
	c->pilots = sz.pilots;
	c->pilot_n = sz.pilot_n;
	c->pilot_ns = sz.pilot_ns;
	c->iterations = sz.n;
	c->warmup = warmup_for(&run->p, sz.n);
	c->sized = true;
	return 0;
}

static void run_one(struct ipcb_run *run, struct ipcb_cell *c, int *rc)
{
	struct ipcb_rep_spec spec;
	struct ipcb_rep_out out;

	if (run->p.iterations == 0 && !c->sized) {
		*rc = size_cell(run, c);
		if (*rc != 0 || c->status != IPCB_PENDING)
			return;
	}
	rep_spec(run, c, (int)c->reps_done, &spec);
	*rc = ipcb_rep_run(run->arena, &spec, &out);
	if (rep_failed(c, &out)) {
		/* Say which one: the earlier ones' figures are dropped with it. */
		if (c->status == IPCB_FAILED && c->reps_done > 0) {
			size_t l = strlen(c->why.msg);

			snprintf(c->why.msg + l, sizeof c->why.msg - l, " (in repetition %u of %u)",
				 c->reps_done + 1, run->p.repetitions);
		}
		return;
	}
	record_rep(run, c, &out);
	if (c->reps_done == run->p.repetitions)
		c->status = IPCB_OK;
}

/* A load point's rate from its throughput cell's median msgs/s, measured
 * in this run: skipped, with the reason, when that cell has no figures or
 * the rate is too low for the watchdog. */
static void load_start(struct ipcb_run *run, struct ipcb_cell *c)
{
	const struct ipcb_cell *t = c->load_of;
	double min_rate = 2e9 / (double)(run->p.stall_timeout_ns ? run->p.stall_timeout_ns : 1);

	c->status = IPCB_SKIPPED;
	if (t->status != IPCB_OK || !ipcb_cell_has_figures(t)) {
		ipcb_err_set(&c->why, 0, "its throughput cell %s: %s", ipcb_status_name(t->status),
			     t->why.msg[0] ? t->why.msg : "no figures");
		return;
	}
	c->load_max_msgs_per_s = t->median_msgs_per_s;
	if (ipcb_load_rate(t->median_msgs_per_s, c->load_fraction, c->pairs, min_rate, &c->rate) !=
	    0) {
		ipcb_err_set(&c->why, 0,
			     "%.0f%% of %.1f msgs/s is %.2f msgs/s, under the watchdog's 2 "
			     "messages per --timeout",
			     c->load_fraction * 100.0, t->median_msgs_per_s, c->rate);
		return;
	}
	c->status = IPCB_PENDING;
	size_at_rate(&run->p, c);
	c->warmup = warmup_for(&run->p, c->iterations);
}

/* Every repetition of the pending cells of one phase: the load points
 * (load) or the others. */
static int run_phase(struct ipcb_run *run, bool load, ipcb_progress_fn progress, void *arg,
		     size_t *step, size_t steps)
{
	int rc = 0;

	for (unsigned rep = 0; rep < run->p.repetitions && rc == 0; rep++) {
		/* The copy floor first: interleaved with the cells like them. */
		if (!load && run->copy != NULL && ipcb_harness_stop_signal() == 0)
			ipcb_copy_floor_round(run->copy);
		for (size_t i = 0; i < run->n_cells && rc == 0; i++) {
			struct ipcb_cell *c = &run->cells[i];

			if (c->status != IPCB_PENDING || (c->load_of != NULL) != load)
				continue;
			(*step)++;
			if (progress != NULL)
				progress(arg, c, rep, *step, steps);
			run_one(run, c, &rc);
		}
	}
	return rc;
}

int ipcb_run_execute(struct ipcb_run *run, ipcb_progress_fn progress, void *arg)
{
	size_t steps = runnable_steps(run), step = 0;
	int rc = run_phase(run, false, progress, arg, &step, steps);

	/* The load points once their throughput cells are done: their rates
	 * are fractions of what those measured. */
	for (size_t i = 0; rc == 0 && i < run->n_cells; i++) {
		struct ipcb_cell *c = &run->cells[i];

		if (c->test == IPCB_TEST_THROUGHPUT && !c->reference)
			finish_cell(c, 0);
		else if (c->load_of != NULL && c->status == IPCB_PENDING)
			load_start(run, c);
	}
	if (rc == 0)
		rc = run_phase(run, true, progress, arg, &step, steps);
	for (size_t i = 0; i < run->n_cells; i++) {
		struct ipcb_cell *c = &run->cells[i];

		if (c->status == IPCB_PENDING) {
			c->status = IPCB_INTERRUPTED;
			ipcb_err_set(&c->why, 0, "interrupted after %u of %u repetitions",
				     c->reps_done, run->p.repetitions);
		}
		finish_cell(c, c->rate);
	}
	ipcb_copy_floor_finish(run->copy);
	if (rc == -EINTR)
		run->stop_signal = ipcb_harness_stop_signal();
	return rc;
}
