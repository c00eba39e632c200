/* The human-readable results table. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench/table.h"
#include "harness/oneway.h"
#include "harness/stats.h"

void ipcb_fmt_ns(double ns, char *buf, size_t len)
{
	if (ns < 1000.0)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e4)
		snprintf(buf, len, "%.2f us", ns / 1e3);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1e7)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else if (ns < 1e9)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
}

void ipcb_fmt_size(uint64_t b, char *buf, size_t len)
{
	if (b >= (1ull << 30) && b % (1ull << 30) == 0)
		snprintf(buf, len, "%llu GiB", (unsigned long long)(b >> 30));
	else if (b >= (1ull << 20) && b % (1ull << 20) == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(b >> 20));
	else if (b >= (1ull << 10) && b % (1ull << 10) == 0)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(b >> 10));
	else
		snprintf(buf, len, "%llu B", (unsigned long long)b);
}

static void fmt_count(double v, char *buf, size_t len)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.2f G", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.2f M", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1f k", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

static const struct ipcb_cell *find_cell(const struct ipcb_run *run, const struct ipcb_variant *v,
					 uint64_t size, enum ipcb_test t, enum ipcb_mode mode)
{
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct ipcb_cell *c = &run->cells[i];

		if (c->var == v && c->size == size && c->test == t && c->mode == mode)
			return c;
	}
	return NULL;
}

/* The run measured both modes: rows and costs say which is which. */
static bool both_modes(const struct ipcb_run *run)
{
	return run->p.modes[IPCB_MODE_PROCESSES] && run->p.modes[IPCB_MODE_THREADS];
}

/* A row's name: the variant's label, and "threads" for a threads cell in a
 * run of both modes. */
static void row_label(const struct ipcb_run *run, const struct ipcb_variant *v, enum ipcb_mode mode,
		      char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", v->label,
		 both_modes(run) && mode == IPCB_MODE_THREADS ? " threads" : "");
}

struct notes {
	int n;
	const struct ipcb_cell *cell[256];
	bool both[256]; /* the note stands for the row's latency and throughput cells */
	bool rough;     /* a percentile was marked '~' (too few round trips) */
};

static bool same_reason(const struct ipcb_cell *a, const struct ipcb_cell *b)
{
	return a != NULL && b != NULL && a->status == b->status &&
	       strcmp(a->why.msg, b->why.msg) == 0 && strcmp(a->why.hint, b->why.hint) == 0;
}

/* A cell without figures: its status and a note number. A throughput cell
 * that ended like the latency cell of its row shares that cell's note, and
 * a cell shown twice has one. */
static void status_text(struct notes *nt, const struct ipcb_cell *c, char *buf, size_t len)
{
	int k = nt->n;

	/* A cell in two tables (a latency cell at a rate) keeps its note. */
	for (int i = 0; i < k; i++)
		if (nt->cell[i] == c) {
			snprintf(buf, len, "%s [%d]", ipcb_status_name(c->status), i + 1);
			return;
		}

	if (c->test == IPCB_TEST_THROUGHPUT && k > 0 && nt->cell[k - 1]->var == c->var &&
	    nt->cell[k - 1]->size == c->size && same_reason(nt->cell[k - 1], c)) {
		nt->both[k - 1] = true;
		snprintf(buf, len, "%s [%d]", ipcb_status_name(c->status), k);
		return;
	}
	if (k < (int)(sizeof nt->cell / sizeof nt->cell[0])) {
		nt->cell[k] = c;
		nt->both[k] = false;
		nt->n++;
	}
	snprintf(buf, len, "%s [%d]", ipcb_status_name(c->status), nt->n);
}

/* Half the range of the repetitions' p50, relative to their median. */
static void spread_text(const struct ipcb_cell *c, char *buf, size_t len)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	if (c->reps_done < 2 || c->median_p50_ns <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	for (unsigned i = 0; i < c->reps_done; i++) {
		uint64_t v = c->reps[i].lat.p50_ns;

		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	snprintf(buf, len, "+-%.1f%%", 50.0 * (double)(hi - lo) / c->median_p50_ns);
}

static void x_floor_text(double x, char *buf, size_t len)
{
	if (x <= 0)
		snprintf(buf, len, "-");
	else if (x < 100)
		snprintf(buf, len, "%.1fx", x);
	else
		snprintf(buf, len, "%.0fx", x);
}

/* A percentile q of n round trips; a trailing '~' when n is too small for
 * it (ipcb_stats_percentile_reliable). */
static void pct_text(struct notes *nt, uint64_t v, uint64_t n, double q, char *buf, size_t len)
{
	size_t l;

	ipcb_fmt_ns((double)v, buf, len);
	if (ipcb_stats_percentile_reliable(n, q))
		return;
	l = strlen(buf);
	if (l + 1 < len) {
		buf[l] = '~';
		buf[l + 1] = '\0';
	}
	nt->rough = true;
}

/* p50, x floor, p99, p99.9, max, spread; [6] a note for a partial cell. */
static void latency_cols(struct notes *nt, const struct ipcb_run *run, const struct ipcb_cell *c,
			 char col[7][32])
{
	for (int i = 0; i < 6; i++)
		snprintf(col[i], 32, "-");
	col[6][0] = '\0';
	if (c == NULL)
		return;
	if (!ipcb_cell_has_figures(c)) {
		status_text(nt, c, col[0], 32);
		return;
	}
	if (c->saturated != NULL) {
		snprintf(col[0], 32, "saturated");
		return;
	}
	pct_text(nt, c->lat.p50_ns, c->lat.count, 50.0, col[0], 32);
	x_floor_text(ipcb_run_x_floor(run, c), col[1], 32);
	pct_text(nt, c->lat.p99_ns, c->lat.count, 99.0, col[2], 32);
	pct_text(nt, c->lat.p999_ns, c->lat.count, 99.9, col[3], 32);
	ipcb_fmt_ns((double)c->lat.max_ns, col[4], 32);
	spread_text(c, col[5], 32);
	if (c->status != IPCB_OK)
		status_text(nt, c, col[6], 32);
}

/* The copy floor: MB/s by size, wrapped under 100 columns. */
static void print_copy_floor(FILE *f, const struct ipcb_run *run)
{
	const struct ipcb_copy_floor *cf = run->copy;
	int col;

	if (cf == NULL)
		return;
	col = fprintf(f, "copy floor (memcpy on side B's CPU %d, warm buffers)", cf->cpu);
	if (!ipcb_copy_floor_has_figures(cf)) {
		fprintf(f, ": %s: %s\n", ipcb_status_name(cf->status), cf->why.msg);
		return;
	}
	col += fprintf(f, ", MB/s:");
	for (size_t s = 0; s < cf->n_sizes; s++) {
		char size[32], item[64];
		int n;

		ipcb_fmt_size(cf->size[s].size, size, sizeof size);
		n = snprintf(item, sizeof item, " %s %.1f%s", size, cf->size[s].bytes_per_s / 1e6,
			     s + 1 < cf->n_sizes ? "," : "");
		if (col + n > 100) {
			fputs("\n ", f);
			col = 1;
		}
		col += fprintf(f, "%s", item);
	}
	if (cf->status != IPCB_OK)
		fprintf(f, " (%s after %u of %u rounds)", ipcb_status_name(cf->status),
			cf->rounds_done, cf->rounds_planned);
	fputc('\n', f);
}

/* One line on the reference cells. */
static void print_references(FILE *f, const struct ipcb_run *run)
{
	const struct ipcb_cell *refs[2] = { run->floor, run->harness };
	const char *const what[2] = {
		ipcb_run_floor_yields(run) ? "floor (cacheline: a shared cache line, yielding: "
					     "both sides share one CPU)"
					   : "floor (cacheline: a shared cache line, spinning)",
		"harness (null: the loop and two clock readings)",
	};

	for (int i = 0; i < 2; i++) {
		const struct ipcb_cell *c = refs[i];
		char p50[32], p99[32];

		if (c == NULL)
			continue;
		if (!ipcb_cell_has_figures(c)) {
			fprintf(f, "%s: %s: %s\n", what[i], ipcb_status_name(c->status),
				c->why.msg);
			continue;
		}
		ipcb_fmt_ns((double)c->lat.p50_ns, p50, sizeof p50);
		ipcb_fmt_ns((double)c->lat.p99_ns, p99, sizeof p99);
		fprintf(f, "%s: RTT p50 %s, p99 %s\n", what[i], p50, p99);
	}
	print_copy_floor(f, run);
}

/* A ratio to the copy floor: two significant figures or so. */
static void x_copy_text(double x, char *buf, size_t len)
{
	if (x <= 0)
		snprintf(buf, len, "-");
	else if (x < 0.1)
		snprintf(buf, len, "%.3fx", x);
	else if (x < 10)
		snprintf(buf, len, "%.2fx", x);
	else
		snprintf(buf, len, "%.1fx", x);
}

/* msgs/s, MB/s, x copy floor. */
static void throughput_cols(struct notes *nt, const struct ipcb_run *run, const struct ipcb_cell *c,
			    char col[3][32])
{
	for (int i = 0; i < 3; i++)
		snprintf(col[i], 32, "-");
	if (c == NULL)
		return;
	if (!ipcb_cell_has_figures(c)) {
		status_text(nt, c, col[0], 32);
		return;
	}
	fmt_count(c->median_msgs_per_s, col[0], 32);
	/* A mechanism that carries no bytes has no byte rate. */
	if (!(c->mech->flags & IPCB_MECH_NO_DATA))
		snprintf(col[1], 32, "%.1f", c->median_bytes_per_s / 1e6);
	x_copy_text(ipcb_run_x_copy_floor(run, c), col[2], 32);
	if (c->status != IPCB_OK)
		status_text(nt, c, col[2], 32);
}

/* With several pairs: how much of each repetition's window every pair was
 * timing at once (the repetitions' overlap), at its lowest over the run. */
static void print_overlap(FILE *f, const struct ipcb_run *run)
{
	const struct ipcb_cell *worst = NULL;
	double lowest = 2.0;
	size_t n = 0;

	for (size_t i = 0; i < run->n_cells; i++) {
		const struct ipcb_cell *c = &run->cells[i];

		/* as in the JSON: a cell without figures has no repetitions */
		if (c->reference || c->pairs < 2 || !ipcb_cell_has_figures(c))
			continue;
		for (unsigned r = 0; r < c->reps_done; r++) {
			if (c->reps[r].status != IPCB_OK)
				continue;
			n++;
			if (c->reps[r].overlap < lowest) {
				lowest = c->reps[r].overlap;
				worst = c;
			}
		}
	}
	if (worst == NULL)
		return;
	fprintf(f,
		"pairs overlap: every pair was timing at once for at least %.0f%% of each "
		"repetition's window\n"
		"(over %zu repetitions; lowest in %s %s, %llu B; each repetition's in the JSON)\n",
		lowest * 100.0, n, worst->var->label,
		worst->test == IPCB_TEST_LATENCY ? "latency" : "throughput",
		(unsigned long long)worst->size);
	if (lowest < 0.9)
		fprintf(f, "warning: where the pairs overlap little they took turns more than they "
			   "ran together,\n"
			   "and the aggregate rate there is not that of concurrent pairs (more "
			   "iterations help)\n");
}

/* Messages a lossy mechanism (udp) dropped in throughput cells and
 * one-way cells at a rate (the load points too): never hidden, one line
 * per cell that lost any. */
static void print_lost(FILE *f, const struct ipcb_run *run)
{
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct ipcb_cell *c = &run->cells[i];
		const bool ow = c->test == IPCB_TEST_ONEWAY;
		char what[64];
		double sent;

		if (!(c->mech->flags & IPCB_MECH_LOSSY) || !ipcb_cell_has_figures(c) ||
		    c->lost == 0 || (c->test != IPCB_TEST_THROUGHPUT && !ow))
			continue;
		if (ow)
			snprintf(what, sizeof what, "one-way %s at %.0f msgs/s",
				 c->sender == IPCB_SIDE_A ? "A->B" : "B->A", c->rate);
		else
			snprintf(what, sizeof what, "throughput");
		sent = (double)c->iterations * (double)c->reps_done * (double)c->pairs;
		fprintf(f,
			"lost: %s %s, %llu B: %llu of %.0f timed messages never arrived "
			"(%.2f%%); the %s counts those that did\n",
			c->var->label, what, (unsigned long long)c->size,
			(unsigned long long)c->lost, sent,
			sent > 0 ? 100.0 * (double)c->lost / sent : 0.0, ow ? "latency" : "rate");
	}
}

static void print_notes(FILE *f, const struct notes *nt)
{
	for (int i = 0; i < nt->n; i++) {
		const struct ipcb_cell *c = nt->cell[i];
		char size[32];

		ipcb_fmt_size(c->size, size, sizeof size);
		fprintf(f, "[%d] %s%s %s %s %s: %s", i + 1, c->var->label,
			c->mode == IPCB_MODE_THREADS ? " threads" : "", size,
			nt->both[i] ? "latency and throughput" : ipcb_test_name(c->test),
			ipcb_status_name(c->status),
			c->why.msg[0] ? c->why.msg : "no reason recorded");
		if (c->why.hint[0] != '\0')
			fprintf(f, " (%s)", c->why.hint);
		fputc('\n', f);
	}
}

/* One row of the main table: the label in w columns, then the eleven
 * others and the marks column (col[11], often empty); no trailing blanks. */
static void print_row(FILE *f, int w, const char *const col[12])
{
	char line[512];
	int n = snprintf(line, sizeof line,
			 "%-*s %8s %10s %8s %10s %10s %10s %10s %10s %9s %12s %s", w, col[0],
			 col[1], col[2], col[3], col[4], col[5], col[6], col[7], col[8], col[9],
			 col[10], col[11]);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = (int)sizeof line - 1;
	while (n > 0 && line[n - 1] == ' ')
		n--;
	fprintf(f, "%.*s\n", n, line);
}

static void fmt_count_or_dash(double v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		fmt_count(v, buf, len);
}

/* CPU time, context switches and counters per operation, one row per cell. */
static void print_cost(FILE *f, const struct ipcb_run *run, int w)
{
	fprintf(f, "\nCost per operation, median of repetitions:\n");
	fprintf(f, "%-*s %8s %-10s %-10s %10s %10s %9s %9s %9s %9s\n", w, "mechanism", "size",
		"test", "per", "A CPU", "B CPU", "A vcsw", "B vcsw", "A cycles", "A instr");
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct ipcb_cell *c = &run->cells[i];
		char size[32], a[32], b[32], cyc[32], ins[32], label[96];

		if (c->reference || !ipcb_cell_has_figures(c))
			continue;
		row_label(run, c->var, c->mode, label, sizeof label);
		ipcb_fmt_size(c->size, size, sizeof size);
		ipcb_fmt_ns(c->cost[0].cpu_ns, a, sizeof a);
		ipcb_fmt_ns(c->cost[1].cpu_ns, b, sizeof b);
		fmt_count_or_dash(c->cost[0].counters[IPCB_CTR_CYCLES], cyc, sizeof cyc);
		fmt_count_or_dash(c->cost[0].counters[IPCB_CTR_INSTRUCTIONS], ins, sizeof ins);
		fprintf(f, "%-*s %8s %-10s %-10s %10s %10s %9.2f %9.2f %9s %9s\n", w, label, size,
			ipcb_test_name(c->test),
			c->test == IPCB_TEST_LATENCY ? "round trip" : "message", a, b,
			c->cost[0].vcsw + c->cost[0].ivcsw, c->cost[1].vcsw + c->cost[1].ivcsw, cyc,
			ins);
	}
	fprintf(f, "per: a latency cell's cost is per round trip (both messages), a throughput "
		   "cell's per message.\n"
		   "CPU: the side's CPU time (CLOCK_PROCESS_CPUTIME_ID around its timed loop); "
		   "the user/system\n"
		   "split is in the JSON (tick-sampled, given only from 100 ms of CPU time per "
		   "side).\n"
		   "vcsw: context switches (voluntary + involuntary).\n");
	if (run->p.modes[IPCB_MODE_THREADS])
		fprintf(f, "threads mode: a side's CPU time, context switches and counters are "
			   "its thread's\n(CLOCK_THREAD_CPUTIME_ID, RUSAGE_THREAD).\n");
}

/* The widest variant label, and at least "mechanism" and a little. */
static int label_width(const struct ipcb_run *run)
{
	int w = 11;

	for (size_t v = 0; v < run->p.n_variants; v++)
		if ((int)strlen(run->p.variants[v].label) > w)
			w = (int)strlen(run->p.variants[v].label);
	return both_modes(run) ? w + 8 : w;
}

/* The CPUs, repetitions and clock; the pairs at once; the references. */
static void print_header(FILE *f, const struct ipcb_run *run, const struct ipcb_sysinfo *si)
{
	const char *cls = run->p.placement_class ? run->p.placement_class : "?";
	const char *req = run->p.placement ? run->p.placement : cls;

	fprintf(f,
		"CPUs: side A on %d, side B on %d (%s%s%s); %u repetition%s; %s (clocksource "
		"%s, %.1f ns per reading)\n",
		run->p.cpu[0], run->p.cpu[1], cls, strcmp(req, cls) ? ", placement " : "",
		strcmp(req, cls) ? req : "", run->p.repetitions, run->p.repetitions == 1 ? "" : "s",
		si->clock_info.name, si->clock_info.source[0] ? si->clock_info.source : "unknown",
		si->clock_info.overhead_ns);
	if (run->p.modes[IPCB_MODE_THREADS])
		fprintf(f,
			"mode: %s (threads: side A and side B as two pinned threads of one "
			"process per pair)\n",
			both_modes(run) ? "processes and threads" : "threads");
	if (run->p.pairs > 1) {
		fprintf(f, "pairs at once: %u on CPUs", run->p.pairs);
		for (unsigned k = 0; k < run->p.pairs; k++)
			fprintf(f, "%s %d,%d", k ? ";" : "", run->p.pair_cpus[k][0],
				run->p.pair_cpus[k][1]);
		fprintf(f, " (latency: all pairs' round trips pooled; msgs/s, MB/s: all pairs' "
			   "messages over\n"
			   "the window from the first pair's timed start to the last one's end; "
			   "the pairs start their\n"
			   "timed loops together, after every pair's warm-up)\n");
	}
	print_references(f, run);
}

/* The row of one variant, size and mode; true when a side was seen off
 * its CPU. */
static bool print_size_row(FILE *f, const struct ipcb_run *run, int w, struct notes *nt,
			   const struct ipcb_variant *var, uint64_t sz, enum ipcb_mode mode)
{
	const struct ipcb_cell *lc = find_cell(run, var, sz, IPCB_TEST_LATENCY, mode);
	const struct ipcb_cell *tc = find_cell(run, var, sz, IPCB_TEST_THROUGHPUT, mode);
	char size[32], lat[7][32], tput[3][32], label[96];

	row_label(run, var, mode, label, sizeof label);
	ipcb_fmt_size(sz, size, sizeof size);
	latency_cols(nt, run, lc, lat);
	throughput_cols(nt, run, tc, tput);
	print_row(f, w,
		  (const char *const[12]){ label, size, lat[0], lat[1], lat[2], lat[3], lat[4],
					   lat[5], tput[0], tput[1], tput[2], lat[6] });
	return (lc && lc->cpu_mismatch) || (tc && tc->cpu_mismatch);
}

/* The column heads and one row per variant, size and mode; true when a
 * side was seen off its CPU. */
static bool print_rows(FILE *f, const struct ipcb_run *run, int w, struct notes *nt)
{
	static const char *const head[] = { "mechanism", "size",  "RTT p50",      "x floor",
					    "p99",       "p99.9", "max",          "p50 spread",
					    "msgs/s",    "MB/s",  "x copy floor", "" };
	bool mismatch = false;

	print_row(f, w, head);
	for (size_t m = 0; m < run->p.n_variants; m++)
		for (size_t s = 0; s < run->p.n_sizes; s++)
			for (int md = 0; md < IPCB_MODE_N; md++)
				if (run->p.modes[md])
					mismatch |=
						print_size_row(f, run, w, nt, &run->p.variants[m],
							       run->p.sizes[s], (enum ipcb_mode)md);
	return mismatch;
}

/* A one-way cell's RTT p50 / 2 from the latency cell of its row, or "-". */
static void half_rtt_text(const struct ipcb_run *run, const struct ipcb_cell *c, char *buf,
			  size_t len)
{
	const struct ipcb_cell *lc = find_cell(run, c->var, c->size, IPCB_TEST_LATENCY, c->mode);

	if (lc == NULL || !ipcb_cell_has_figures(lc))
		snprintf(buf, len, "-");
	else
		ipcb_fmt_ns((double)lc->lat.p50_ns / 2.0, buf, len);
}

/* A one-way cell at a rate: achieved rate and late messages, or the
 * saturation verdict in place of the percentiles. */
static void rate_cols(const struct ipcb_cell *c, char col[10][32])
{
	fmt_count(c->median_achieved_per_s, col[7], 32);
	fmt_count((double)c->late, col[8], 32);
	ipcb_fmt_ns((double)c->lat_uncorrected.p99_ns, col[6], 32);
	if (c->saturated != NULL) {
		snprintf(col[2], 32, "saturated");
		for (int i = 3; i < 7; i++)
			snprintf(col[i], 32, "-");
	}
}

/* One row of the one-way table, or of the table of round trips at a
 * rate. */
static void print_timed_row(FILE *f, struct notes *nt, const struct ipcb_run *run, int w,
			    const struct ipcb_cell *c)
{
	char col[10][32], label[96];

	row_label(run, c->var, c->mode, label, sizeof label);
	for (int i = 0; i < 10; i++)
		snprintf(col[i], 32, "-");
	ipcb_fmt_size(c->size, col[0], 32);
	snprintf(col[1], 32, "%s",
		 c->test == IPCB_TEST_LATENCY ? "A-B-A"
		 : c->sender == IPCB_SIDE_A   ? "A->B"
					      : "B->A");
	if (!ipcb_cell_has_figures(c)) {
		status_text(nt, c, col[2], 32);
	} else {
		pct_text(nt, c->lat.p50_ns, c->lat.count, 50.0, col[2], 32);
		pct_text(nt, c->lat.p99_ns, c->lat.count, 99.0, col[3], 32);
		pct_text(nt, c->lat.p999_ns, c->lat.count, 99.9, col[4], 32);
		ipcb_fmt_ns((double)c->lat.max_ns, col[5], 32);
		half_rtt_text(run, c, col[6], 32);
		if (c->merged_uncorrected != NULL)
			rate_cols(c, col);
	}
	fprintf(f, "%-*s %8s %5s %10s %10s %10s %10s %10s", w, label, col[0], col[1], col[2],
		col[3], col[4], col[5], col[6]);
	if (run->p.rate > 0)
		fprintf(f, " %10s %8s", col[7], col[8]);
	fputc('\n', f);
}

/* The title and column heads of the one-way table (test oneway) or of
 * the round trips at a rate (test latency). */
static void print_timed_head(FILE *f, const struct ipcb_run *run, int w, enum ipcb_test test)
{
	const bool paced = run->p.rate > 0;

	if (test == IPCB_TEST_LATENCY)
		fprintf(f,
			"\nRound trips at %.0f msgs/s, from each message's due time (corrected "
			"for coordinated omission);\nside A sends on schedule, a second thread "
			"of its process takes the echoes:\n",
			run->p.rate);
	else if (paced)
		fprintf(f,
			"\nOne-way latency at %.0f msgs/s, from each message's due time "
			"(corrected for coordinated omission):\n",
			run->p.rate);
	else
		fprintf(f, "\nOne-way latency, one message at a time (from the send stamp to the "
			   "arrival):\n");
	fprintf(f, "%-*s %8s %5s %10s %10s %10s %10s %10s", w, "mechanism", "size", "dir",
		test == IPCB_TEST_LATENCY ? "RTT p50" : "1-way p50", "p99", "p99.9", "max",
		paced ? "uncorr p99" : "RTT p50/2");
	if (paced)
		fprintf(f, " %10s %8s", "achieved", "late");
	fputc('\n', f);
}

/* The one-way cells (test oneway), or the latency cells at a rate (test
 * latency), in a table of their own. */
static void print_timed(FILE *f, const struct ipcb_run *run, int w, struct notes *nt,
			enum ipcb_test test)
{
	const bool paced = run->p.rate > 0;
	bool saturated = false;

	if (test == IPCB_TEST_ONEWAY ? !run->p.oneway : !(run->p.latency && paced))
		return;
	print_timed_head(f, run, w, test);
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct ipcb_cell *c = &run->cells[i];

		if (c->test != test || c->load_of != NULL || c->reference)
			continue;
		print_timed_row(f, nt, run, w, c);
		saturated |= ipcb_cell_has_figures(c) && c->saturated != NULL;
	}
	if (!paced)
		fprintf(f,
			"1-way: the receiver's clock on arrival minus the sender's stamp; each "
			"message is acknowledged\nthrough shared memory, untimed, before the next. "
			"RTT p50/2: the latency cell's, for comparison.\n");
	else
		fprintf(f,
			"uncorr: from the actual send stamp instead (what a sender that waits "
			"would report). achieved:\nthe sender's rate (msgs/s, median of "
			"repetitions); late: messages that left over %u us after their\ndue time, "
			"all repetitions.\n",
			IPCB_OW_LATE_NS / 1000);
	if (saturated)
		fprintf(f,
			"saturated: the achieved rate fell below %.0f%% of the target, the "
			"latency grew through the run,\nor messages were lost (see lost: below): "
			"the mechanism cannot carry this rate here, and its\npercentiles would "
			"only measure the queue.\n",
			IPCB_OW_RATE_MIN * 100);
}

/* What the columns mean, and what the marks in them say. */
static void print_legend(FILE *f, const struct ipcb_run *run, const struct notes *nt, bool mismatch)
{
	fprintf(f, "\nRTT: round trip, full message both ways; percentiles over all repetitions "
		   "pooled.\n");
	if (run->p.latency && run->p.rate > 0)
		fprintf(f,
			"RTT at %.0f msgs/s: from each message's due time, the sender never "
			"waiting for an echo\n(the table of round trips at a rate below).\n",
			run->p.rate);
	fprintf(f, "x floor: RTT p50 over the floor's, measured in this run on the same CPUs.\n"
		   "p50 spread: half the range of the repetitions' p50, relative to their median.\n"
		   "msgs/s, MB/s (10^6 bytes/s): streaming, measured at the receiver from its "
		   "first message\n"
		   "to its last; median of repetitions.\n");
	if (run->copy != NULL)
		fprintf(f, "x copy floor: MB/s over the copy floor's at that size (memcpy on side "
			   "B's CPU, in this run):\n"
			   "below 1, the bytes arrived more slowly than one memcpy of each message "
			   "there.\n");
	if (run->copy != NULL && run->p.pairs > 1)
		fprintf(f, "x copy floor with several pairs: all pairs' bytes against one CPU's "
			   "memcpy (it can exceed 1).\n");
	if (run->floor != NULL && ipcb_run_floor_yields(run))
		fprintf(f, "x floor on one CPU (same-cpu): relative to a context-switch floor, the "
			   "cacheline round trip\n"
			   "with each side yielding the CPU to the other, not to the cache "
			   "line's.\n");
	if (nt->rough)
		fprintf(f, "~: from too few round trips for that percentile (fewer than "
			   "10 / (1 - q): p99 needs 1,000, p99.9 10,000).\n");
	if (mismatch)
		fprintf(f, "warning: a side was observed on a CPU it was not pinned to (see "
			   "cpus.observed in the JSON)\n");
}

void ipcb_table_print(FILE *f, const struct ipcb_run *run, const struct ipcb_sysinfo *si,
		      const struct ipcb_table_opts *opts)
{
	struct notes nt = { 0 };
	int w = label_width(run);
	bool mismatch;

	print_header(f, run, si);
	mismatch = false;
	if (run->p.latency || run->p.throughput) {
		fputc('\n', f);
		mismatch = print_rows(f, run, w, &nt);
		print_legend(f, run, &nt, mismatch);
	}
	print_timed(f, run, w, &nt, IPCB_TEST_LATENCY);
	print_timed(f, run, w, &nt, IPCB_TEST_ONEWAY);
	ipcb_table_print_load(f, run);
	if (run->p.pairs > 1)
		print_overlap(f, run);
	print_lost(f, run);
	if (nt.n > 0) {
		fputc('\n', f);
		print_notes(f, &nt);
	}
	if (opts->cost)
		print_cost(f, run, w);
	if (opts->elapsed_s >= 0)
		fprintf(f, "\nelapsed: %.1f s\n", opts->elapsed_s);
}
