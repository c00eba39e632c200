/* A run: plan, execution with interleaved repetitions, aggregates. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run.h"
#include "harness/stats.h"

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

uint64_t ipcb_default_iterations(uint64_t size, enum ipcb_test test, bool quick)
{
	const uint64_t MiB = 1024 * 1024;

	if (size == 0)
		size = 1;
	if (test == IPCB_TEST_LATENCY)
		return quick ? clamp_u64(32 * MiB / size, 16, 2000)
			     : clamp_u64(256 * MiB / size, 16, 10000);
	return quick ? clamp_u64(128 * MiB / size, 16, 20000)
		     : clamp_u64(1024 * MiB / size, 16, 100000);
}

static uint64_t warmup_for(const struct ipcb_params *p, uint64_t iterations)
{
	if (p->warmup != IPCB_WARMUP_AUTO)
		return p->warmup;
	return clamp_u64(iterations / 10, 1, 1000);
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
		(void)v->mech->limits(&v->opts, &mi->limits, &mi->why);
}

/* Decide up front whether a cell can run; skipped cells keep the reason. */
static void plan_cell(struct ipcb_run *run, struct ipcb_cell *c,
		      const struct ipcb_mech_info *mi)
{
	struct ipcb_cell_cfg cfg = {
		.msg_size_bytes = c->size,
		.test = c->test,
		.cpu = { run->p.cpu[0], run->p.cpu[1] },
		.opts = &c->var->opts,
	};

	if (mi->supported != 0) {
		c->status = IPCB_SKIPPED;
		c->why = mi->why;
		return;
	}
	if (mi->mech->check != NULL && mi->mech->check(&cfg, &c->why) != 0)
		c->status = IPCB_SKIPPED;
}

int ipcb_run_new(const struct ipcb_params *p, struct ipcb_run **out,
		 struct ipcb_err *err)
{
	size_t tests = (size_t)p->latency + (size_t)p->throughput, k = 0;
	struct ipcb_run *run = calloc(1, sizeof *run);

	*out = NULL;
	if (run == NULL)
		return ipcb_err_set(err, ENOMEM, "run");
	run->p = *p;
	run->n_cells = p->n_variants * p->n_sizes * tests;
	run->mechs = calloc(p->n_variants ? p->n_variants : 1, sizeof *run->mechs);
	run->cells = calloc(run->n_cells ? run->n_cells : 1, sizeof *run->cells);
	if (run->mechs == NULL || run->cells == NULL)
		goto nomem;
	for (size_t v = 0; v < p->n_variants; v++)
		ipcb_mech_query(&p->variants[v], &run->mechs[v]);
	for (size_t m = 0; m < p->n_variants; m++) {
		for (size_t s = 0; s < p->n_sizes; s++) {
			for (int t = IPCB_TEST_LATENCY; t <= IPCB_TEST_THROUGHPUT; t++) {
				struct ipcb_cell *c;

				if ((t == IPCB_TEST_LATENCY && !p->latency) ||
				    (t == IPCB_TEST_THROUGHPUT && !p->throughput))
					continue;
				c = &run->cells[k++];
				c->var = &p->variants[m];
				c->mech = c->var->mech;
				c->test = (enum ipcb_test)t;
				c->size = p->sizes[s];
				c->iterations = p->iterations ? p->iterations
					: ipcb_default_iterations(c->size, c->test, p->quick);
				c->warmup = warmup_for(p, c->iterations);
				c->reps = calloc(p->repetitions, sizeof *c->reps);
				if (c->reps == NULL)
					goto nomem;
				plan_cell(run, c, &run->mechs[m]);
				if (c->test == IPCB_TEST_LATENCY && c->status == IPCB_PENDING) {
					c->merged = ipcb_hist_new(p->hist.lowest_ns, p->hist.highest_ns,
								  p->hist.sig_figs);
					if (c->merged == NULL)
						goto nomem;
				}
			}
		}
	}
	run->arena = ipcb_arena_new(&p->hist, err);
	if (run->arena == NULL) {
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
		free(run->cells[i].reps);
		free(run->cells[i].merged);
	}
	free(run->cells);
	free(run->mechs);
	ipcb_arena_free(run->arena);
	free(run);
}

size_t ipcb_run_count(const struct ipcb_run *run, enum ipcb_status s)
{
	size_t n = 0;

	for (size_t i = 0; i < run->n_cells; i++)
		n += run->cells[i].status == s;
	return n;
}

static bool side_moved(const struct ipcb_side_obs *o, int cpu)
{
	return (o->cpu_attach >= 0 && o->cpu_attach != cpu) ||
	       (o->cpu_start >= 0 && o->cpu_start != cpu) ||
	       (o->cpu_end >= 0 && o->cpu_end != cpu);
}

/* Keep one finished repetition's summary and fold it into the cell. */
static void record_rep(struct ipcb_run *run, struct ipcb_cell *c,
		       const struct ipcb_rep_out *out)
{
	struct ipcb_rep *r = &c->reps[c->reps_done++];

	r->status = IPCB_OK;
	r->side[0] = out->side[0];
	r->side[1] = out->side[1];
	for (int s = 0; s < 2; s++)
		if (side_moved(&out->side[s], run->p.cpu[s]))
			c->cpu_mismatch = true;
	if (c->test == IPCB_TEST_LATENCY) {
		r->elapsed_ns = out->side[0].t_end_ns - out->side[0].t_start_ns;
		ipcb_lat_summarize(out->hist, &r->lat);
		ipcb_hist_merge(c->merged, out->hist);
	} else {
		const struct ipcb_side_obs *b = &out->side[IPCB_SIDE_B];
		double secs;

		r->elapsed_ns = b->t_end_ns - b->t_start_ns;
		secs = (double)(r->elapsed_ns ? r->elapsed_ns : 1) / 1e9;
		r->msgs_per_s = (double)b->msgs / secs;
		r->bytes_per_s = r->msgs_per_s * (double)c->size;
	}
}

/* Aggregates over the repetitions completed so far. */
static void finish_cell(struct ipcb_cell *c)
{
	double a[IPCB_REPS_MAX], b[IPCB_REPS_MAX];
	unsigned n = c->reps_done;

	if (n == 0)
		return;
	if (c->test == IPCB_TEST_LATENCY) {
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
	return (run->n_cells - ipcb_run_count(run, IPCB_SKIPPED)) * run->p.repetitions;
}

static void run_one(struct ipcb_run *run, struct ipcb_cell *c, int *rc)
{
	struct ipcb_rep_spec spec = {
		.mech = c->mech,
		.cfg = { .msg_size_bytes = c->size, .test = c->test,
			 .cpu = { run->p.cpu[0], run->p.cpu[1] }, .opts = &c->var->opts },
		.iterations = c->iterations,
		.warmup = c->warmup,
		.verify = run->p.verify,
		.stall_timeout_ns = run->p.stall_timeout_ns,
		.fault = &run->p.fault,
	};
	struct ipcb_rep_out out;

	*rc = ipcb_rep_run(run->arena, &spec, &out);
	switch (out.status) {
	case IPCB_OK:
		record_rep(run, c, &out);
		if (c->reps_done == run->p.repetitions)
			c->status = IPCB_OK;
		break;
	case IPCB_SKIPPED:
	case IPCB_FAILED:
		c->status = out.status;
		c->why = out.err;
		break;
	case IPCB_INTERRUPTED:
	case IPCB_PENDING:
		break;
	}
}

int ipcb_run_execute(struct ipcb_run *run, ipcb_progress_fn progress, void *arg)
{
	size_t steps = runnable_steps(run), step = 0;
	int rc = 0;

	for (unsigned rep = 0; rep < run->p.repetitions && rc == 0; rep++) {
		for (size_t i = 0; i < run->n_cells && rc == 0; i++) {
			struct ipcb_cell *c = &run->cells[i];

			if (c->status != IPCB_PENDING)
				continue;
			step++;
			if (progress != NULL)
				progress(arg, c, rep, step, steps);
			run_one(run, c, &rc);
		}
	}
	for (size_t i = 0; i < run->n_cells; i++) {
		struct ipcb_cell *c = &run->cells[i];

		if (c->status == IPCB_PENDING) {
			c->status = IPCB_INTERRUPTED;
			ipcb_err_set(&c->why, 0, "interrupted after %u of %u repetitions",
				     c->reps_done, run->p.repetitions);
		}
		finish_cell(c);
	}
	if (rc == -EINTR)
		run->stop_signal = ipcb_harness_stop_signal();
	return rc;
}
