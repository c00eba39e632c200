/* The results table's block of --test load: one curve per mechanism
 * variant and size, its points by ascending load, and its knee. */
#include "config.h"

#include <stdio.h>

#include "bench/table.h"
#include "harness/oneway.h"

static void fmt_rate(double v, char *buf, size_t len)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.2f M", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1f k", v / 1e3);
	else
		snprintf(buf, len, "%.1f", v);
}

/* One point: offered (% and msgs/s), achieved, corrected p50 and p99,
 * late, saturated (with the messages lost, a lossy mechanism's); or its
 * status and reason. */
static void print_point(FILE *f, const struct ipcb_cell *c, bool knee)
{
	char offered[32], achieved[32], p50[32], p99[32], sat[48];

	fmt_rate(c->rate * c->pairs, offered, sizeof offered);
	if (!ipcb_cell_has_figures(c)) {
		fprintf(f, "  %5.1f%% %10s  %s: %s\n", c->load_fraction * 100.0,
			c->rate > 0 ? offered : "-", ipcb_status_name(c->status), c->why.msg);
		return;
	}
	fmt_rate(c->median_achieved_per_s * c->pairs, achieved, sizeof achieved);
	ipcb_fmt_ns((double)c->lat.p50_ns, p50, sizeof p50);
	ipcb_fmt_ns((double)c->lat.p99_ns, p99, sizeof p99);
	/* The last column, so a loss (never the knee: saturated) widens nothing. */
	if (c->lost > 0)
		snprintf(sat, sizeof sat, "yes, lost %llu", (unsigned long long)c->lost);
	else
		snprintf(sat, sizeof sat, "%s", c->saturated != NULL ? "yes" : "no");
	fprintf(f, "  %5.1f%% %10s %10s %10s %10s %8llu  %-3s%s\n", c->load_fraction * 100.0,
		offered, achieved, p50, p99, (unsigned long long)c->late, sat,
		knee ? "  <- knee" : "");
}

/* One curve: its maximum, then its points. */
static void print_curve(FILE *f, const struct ipcb_run *run, const struct ipcb_cell *thr)
{
	const struct ipcb_cell *pts[IPCB_LOAD_POINTS_MAX];
	size_t n = ipcb_run_load_points(run, thr, pts);
	int knee = ipcb_run_load_knee(run, thr);
	const char *mode = thr->mode == IPCB_MODE_THREADS ? " threads" : "";
	char size[32], max[32];

	ipcb_fmt_size(thr->size, size, sizeof size);
	fmt_rate(thr->median_msgs_per_s, max, sizeof max);
	if (ipcb_cell_has_figures(thr))
		fprintf(f, "\n%s%s %s: maximum %s msgs/s (its throughput cell), knee %s",
			thr->var->label, mode, size, max, knee < 0 ? "none" : "");
	else
		fprintf(f, "\n%s%s %s: no maximum (its throughput cell %s)", thr->var->label, mode,
			size, ipcb_status_name(thr->status));
	if (knee >= 0)
		fprintf(f, "%.0f%%", pts[knee]->load_fraction * 100.0);
	fprintf(f, "\n  %6s %10s %10s %10s %10s %8s  %s\n", "load", "offered", "achieved",
		"1-way p50", "p99", "late", "saturated");
	for (size_t i = 0; i < n; i++)
		print_point(f, pts[i], (int)i == knee);
}

void ipcb_table_print_load(FILE *f, const struct ipcb_run *run)
{
	if (!run->p.load)
		return;
	fprintf(f, "\nLatency against offered load: one-way A->B at fractions of the maximum "
		   "streaming rate measured\nin this run, latency from each message's due time "
		   "(corrected for coordinated omission):\n");
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct ipcb_cell *c = &run->cells[i];

		if (c->test == IPCB_TEST_THROUGHPUT && !c->reference)
			print_curve(f, run, c);
	}
	fprintf(f,
		"\noffered, achieved: msgs/s (achieved: median of repetitions); late: messages "
		"that "
		"left over %u us\nafter their due time; saturated: achieved below %.0f%% of the "
		"offered rate, latency growing\nthrough the run, or messages lost (lost N: timed "
		"messages the kernel dropped, all repetitions;\nthe latency is of those that "
		"arrived). knee: the last point, by ascending load, before the first\nthat is "
		"saturated, has no figures, or has a p99 over %.0fx the lowest point's.\n",
		IPCB_OW_LATE_NS / 1000, IPCB_OW_RATE_MIN * 100, IPCB_LOAD_KNEE_FACTOR);
}
