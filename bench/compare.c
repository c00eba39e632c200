/* ipcbench compare: is NEW slower than BASE, cell by cell, beyond both a
 * practical threshold and the noise of the repetitions? */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/fields.h"
#include "bench/table.h"
#include "harness/load.h"
#include "harness/parse.h"
#include "harness/result.h"
#include "harness/stats.h"

const char ipcb_cli_compare_usage[] =
	"Usage: ipcbench compare [OPTION]... BASE.json NEW.json\n"
	"Pair the cells of two results files by mechanism and options, test, message\n"
	"size, placement, CPUs, pairs and mode; for each give the change of the metric\n"
	"and a verdict: 'slower' or 'faster' only when the medians differ by at least\n"
	"the threshold, the confidence intervals of the two medians (order statistics;\n"
	"[min, max] for 5 repetitions) are apart by at least the threshold too, and\n"
	"the repetitions differ significantly (two-sided Mann-Whitney U test, exact\n"
	"for small samples); 'same' otherwise.\n"
	"\n"
	"      --metric M         p50 (default), p99 or p999 for latency cells (their\n"
	"                         repetitions' round-trip percentile); throughput cells\n"
	"                         always use bytes/s; 'throughput' compares only those\n"
	"      --threshold PCT    smallest change that matters (default 5%)\n"
	"      --alpha A          significance level (default 0.05)\n"
	"  -j, --json FILE        write the comparison as JSON ('-': stdout)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 nothing slower, 1 something slower (or failed where it ran\n"
	"before), 2 unusable input.\n";

enum metric { M_P50, M_P99, M_P999, M_THROUGHPUT };

static const char *const metric_names[] = { "p50", "p99", "p999", "throughput" };
static const struct ipcb_cli_names metrics = { "metric", metric_names, 4, false, NULL };

struct cmp_opts {
	enum metric metric;
	double threshold; /* fraction */
	double alpha;
	const char *json;
	const char *base, *new;
	FILE *table; /* stderr when the JSON goes to stdout */
};

/* One cell as compare sees it. */
struct side {
	const json_t *cell;
	char key[1024];
	char label[256];
	bool latency;
	bool ok;
	double v[IPCB_REPS_MAX];
	unsigned n;
	const char *unit;
};

static int take_metric(void *opts, const char *arg)
{
	struct cmp_opts *o = opts;
	int m, rc = ipcb_cli_choose("--metric", arg, &metrics, &m);

	o->metric = (enum metric)m;
	return rc;
}

static int take_threshold(void *opts, const char *arg)
{
	struct cmp_opts *o = opts;
	char *end;

	o->threshold = strtod(arg, &end);
	if (end == arg || (*end != '\0' && strcmp(end, "%") != 0) || !(o->threshold > 0) ||
	    o->threshold >= 1000)
		return ipcb_cli_usage_error("--threshold: '%.60s' is not a percentage above 0 "
					    "(e.g. 5%%)",
					    arg);
	o->threshold /= 100.0;
	return 0;
}

static int take_alpha(void *opts, const char *arg)
{
	struct cmp_opts *o = opts;
	char *end;

	o->alpha = strtod(arg, &end);
	if (end == arg || *end != '\0' || !(o->alpha > 0) || o->alpha >= 1)
		return ipcb_cli_usage_error("--alpha: '%.60s' is not a level between 0 and 1", arg);
	return 0;
}

/* In the order of --help, where a misspelt option finds its suggestion. */
static const struct ipcb_cli_opt compare_options[] = {
	{ "metric", 0, IPCB_CLI_CALL, 0, 0, 0, take_metric },
	{ "threshold", 0, IPCB_CLI_CALL, 0, 0, 0, take_threshold },
	{ "alpha", 0, IPCB_CLI_CALL, 0, 0, 0, take_alpha },
	{ "json", 'j', IPCB_CLI_TEXT, offsetof(struct cmp_opts, json), 0, 0, NULL },
	IPCB_CLI_OPT_END,
};

static int parse_compare(int argc, char **argv, struct cmp_opts *o)
{
	int rc;

	memset(o, 0, sizeof *o);
	o->threshold = 0.05;
	o->alpha = 0.05;
	rc = ipcb_cli_parse(argc, argv, compare_options, ipcb_cli_compare_usage, o);
	if (rc != IPCB_CLI_GO_ON)
		return rc;
	if (argc - optind != 2)
		return ipcb_cli_usage_error("compare: give two results files, BASE and NEW "
					    "(%d given)",
					    argc - optind);
	o->base = argv[optind];
	o->new = argv[optind + 1];
	return IPCB_CLI_GO_ON;
}

static const char *metric_key(enum metric m)
{
	return m == M_P99 ? "rtt_p99_ns" : m == M_P999 ? "rtt_p999_ns" : "rtt_p50_ns";
}

/* The metric's key in a cell's repetitions: rtt_*, or ow_* in a one-way
 * cell. */
static const char *cell_metric_key(const json_t *cell, enum metric m, char *buf, size_t len)
{
	if (strcmp(ipcb_cli_get_str(cell, "test"), "oneway") != 0)
		return metric_key(m);
	snprintf(buf, len, "ow_%s", metric_key(m) + strlen("rtt_"));
	return buf;
}

/* What pairs two cells: mechanism and options, test, size, placement,
 * CPUs, pairs at once, mode (processes or threads), a one-way cell's
 * direction and rate, and a latency cell's rate. */
static void cell_key(const json_t *cell, char *key, size_t len)
{
	char *opts = json_dumps(json_object_get(cell, "options"), JSON_SORT_KEYS | JSON_COMPACT);
	const json_t *pairs = json_object_get(cell, "pairs_at_once");

	int n = snprintf(key, len, "%s|%s|%s|%lld|%s|%lld,%lld|%lld|%s",
			 ipcb_cli_get_str(cell, "mechanism"), opts ? opts : "{}",
			 ipcb_cli_get_str(cell, "test"),
			 (long long)ipcb_cli_get_int(cell, "msg_size_bytes"),
			 ipcb_cli_get_str(cell, "placement"),
			 (long long)ipcb_cli_get_int(cell, "cpus.requested.0"),
			 (long long)ipcb_cli_get_int(cell, "cpus.requested.1"),
			 (long long)(json_is_integer(pairs) ? json_integer_value(pairs) : 1),
			 ipcb_results_cell_mode(cell));

	/* One-way cells: their direction and rate (0: one at a time) too; a
	 * point of a load curve, its fraction of the maximum instead (each
	 * run measures its own maximum, so the rates differ). */
	if (json_is_object(json_object_get(cell, "load")) && n > 0 && (size_t)n < len)
		snprintf(key + n, len - (size_t)n, "|%s|load %g",
			 ipcb_cli_get_str(cell, "direction"),
			 ipcb_cli_get_num(cell, "load.fraction"));
	else if (json_is_string(json_object_get(cell, "direction")) && n > 0 && (size_t)n < len)
		snprintf(key + n, len - (size_t)n, "|%s|%g", ipcb_cli_get_str(cell, "direction"),
			 json_number_value(json_object_get(cell, "rate_msgs_per_s")));
	else if (json_is_number(json_object_get(cell, "rate_msgs_per_s")) && n > 0 &&
		 (size_t)n < len)
		/* Round trips at a rate: apart from those one at a time. */
		snprintf(key + n, len - (size_t)n, "|rate %g",
			 json_number_value(json_object_get(cell, "rate_msgs_per_s")));
	free(opts);
	ipcb_utf8_trim(key);
}

/* Identity, label and the metric's value in each repetition of a cell. */
static void read_side(const json_t *cell, enum metric m, struct side *s)
{
	const json_t *reps = json_object_get(cell, "repetitions");
	char sz[32], okey[32];

	memset(s, 0, sizeof *s);
	s->cell = cell;
	s->latency = strcmp(ipcb_cli_get_str(cell, "test"), "latency") == 0 ||
		     strcmp(ipcb_cli_get_str(cell, "test"), "oneway") == 0;
	cell_key(cell, s->key, sizeof s->key);
	ipcb_fmt_size((uint64_t)ipcb_cli_get_int(cell, "msg_size_bytes"), sz, sizeof sz);
	snprintf(s->label, sizeof s->label, "%s %s%s%s %s %s", ipcb_cli_get_str(cell, "variant"),
		 ipcb_cli_get_str(cell, "test"),
		 json_is_string(json_object_get(cell, "direction")) ? " " : "",
		 json_is_string(json_object_get(cell, "direction"))
			 ? ipcb_cli_get_str(cell, "direction")
			 : "",
		 sz, ipcb_cli_get_str(cell, "placement"));
	if (json_is_object(json_object_get(cell, "load")))
		snprintf(s->label + strlen(s->label), sizeof s->label - strlen(s->label),
			 " at %g%% load", ipcb_cli_get_num(cell, "load.fraction") * 100.0);
	if (strcmp(ipcb_results_cell_mode(cell), "threads") == 0)
		strncat(s->label, " threads", sizeof s->label - strlen(s->label) - 1);
	ipcb_utf8_trim(s->label);
	s->unit = s->latency ? "ns" : "bytes/s";
	for (size_t i = 0; i < json_array_size(reps) && s->n < IPCB_REPS_MAX; i++) {
		const json_t *r = json_array_get(reps, i);
		double v =
			ipcb_cli_get_num(r, s->latency ? cell_metric_key(cell, m, okey, sizeof okey)
						       : "bytes_per_s");

		/* Mechanisms that carry no bytes have message rates only. */
		if (!s->latency && isnan(v)) {
			v = ipcb_cli_get_num(r, "msgs_per_s");
			s->unit = "msgs/s";
		}
		if (!isnan(v))
			s->v[s->n++] = v;
	}
	s->ok = ipcb_cli_cell_has_figures(cell) && s->n > 0;
}

struct verdicts {
	unsigned same, slower, faster, failed, skipped, other, only_base, only_new;
};

static void tally_add(struct verdicts *t, const char *verdict)
{
	unsigned *const counts[] = { &t->same, &t->slower, &t->faster, &t->failed, &t->skipped };
	static const char *const names[] = { "same", "slower", "faster", "failed", "skipped" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(verdict, names[i]) == 0) {
			(*counts[i])++;
			return;
		}
	}
	t->other++;
}

static void fmt_value(double v, const char *unit, char *buf, size_t len)
{
	bool bytes = strcmp(unit, "bytes/s") == 0;
	const char *u = bytes ? "B/s" : " msg/s";

	if (strcmp(unit, "ns") == 0)
		ipcb_fmt_ns(v, buf, len);
	else if (v >= 1e9)
		snprintf(buf, len, "%.2f G%s", v / 1e9, u);
	else if (v >= 1e6)
		snprintf(buf, len, "%.1f M%s", v / 1e6, u);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1f k%s", v / 1e3, u);
	else
		snprintf(buf, len, "%.0f %s", v, bytes ? "B/s" : "msg/s");
}

/* What the comparison of a pair of cells found. */
struct change {
	double base, new;     /* medians of the repetitions */
	double ratio, change; /* new / base, and ratio - 1 */
	double p;             /* of the Mann-Whitney U test */
	const char *verdict;
};

/* A side without figures: failed where it ran before (a regression of its
 * own kind), skipped, or no data. */
static const char *verdict_without_figures(const struct side *b, const struct side *n)
{
	if (b->ok && strcmp(ipcb_cli_get_str(n->cell, "status"), "failed") == 0)
		return "failed";
	if (strcmp(ipcb_cli_get_str(b->cell, "status"), "skipped") == 0 ||
	    strcmp(ipcb_cli_get_str(n->cell, "status"), "skipped") == 0)
		return "skipped";
	return "no-data";
}

/* Both sides have figures: slower or faster only when the medians, and
 * their confidence intervals, are apart by the threshold and the
 * repetitions differ significantly. */
static void measure_change(const struct cmp_opts *o, const struct side *b, const struct side *n,
			   struct change *ch)
{
	struct ipcb_spread sb, sn;
	bool worse;
	double gap;

	ipcb_stats_spread(b->v, b->n, &sb);
	ipcb_stats_spread(n->v, n->n, &sn);
	ch->base = sb.median;
	ch->new = sn.median;
	ch->ratio = ch->base > 0 ? ch->new / ch->base : NAN;
	ch->change = ch->ratio - 1.0;
	ch->p = ipcb_mann_whitney_p(b->v, b->n, n->v, n->n);
	/* Latency: more is worse; throughput: less is worse. */
	worse = b->latency ? ch->change > 0 : ch->change < 0;
	/* How far apart the two medians' confidence intervals are, as a
	 * fraction: a run-to-run drift moves whole runs, so the change
	 * must hold between the intervals, not only between medians. */
	if (ch->new > ch->base)
		gap = sb.ci_high > 0 ? sn.ci_low / sb.ci_high - 1.0 : 0;
	else
		gap = sn.ci_high > 0 ? sb.ci_low / sn.ci_high - 1.0 : 0;
	if (!isnan(ch->change) && fabs(ch->change) >= o->threshold && gap >= o->threshold &&
	    ch->p < o->alpha)
		ch->verdict = worse ? "slower" : "faster";
	else
		ch->verdict = "same";
}

static json_t *values_json(const struct side *s)
{
	json_t *v = json_array();

	for (unsigned i = 0; i < s->n; i++)
		json_array_append_new(v, json_real(s->v[i]));
	return v;
}

/* A figure, or null where it is not finite. */
static json_t *finite_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* A lossy mechanism's throughput cell (udp): the timed messages lost, in
 * BASE and NEW (null where a side has no count), on a line under its row
 * and into its JSON. The rates count only what arrived. */
static json_t *put_lost(const struct cmp_opts *o, const struct side *b, const struct side *n,
			json_t *row)
{
	const json_t *lb = ipcb_cli_get(b->cell, "throughput.lost");
	const json_t *ln = ipcb_cli_get(n->cell, "throughput.lost");
	char sb[32] = "-", sn[32] = "-";

	if (row == NULL || (!json_is_integer(lb) && !json_is_integer(ln)))
		return row;
	if (json_is_integer(lb))
		snprintf(sb, sizeof sb, "%lld", (long long)json_integer_value(lb));
	if (json_is_integer(ln))
		snprintf(sn, sizeof sn, "%lld", (long long)json_integer_value(ln));
	fprintf(o->table, "%-44s %14s %14s\n", "  lost messages", sb, sn);
	json_object_set_new(
		row, "lost",
		json_pack("{s:o, s:o}", "base",
			  json_is_integer(lb) ? json_integer(json_integer_value(lb)) : json_null(),
			  "new",
			  json_is_integer(ln) ? json_integer(json_integer_value(ln))
					      : json_null()));
	return row;
}

/* Compare one pair of cells; prints a row, returns its JSON. */
static json_t *compare_pair(const struct cmp_opts *o, const struct side *b, const struct side *n,
			    struct verdicts *tally)
{
	struct change ch = { NAN, NAN, NAN, NAN, NAN, NULL };
	char bs[32] = "-", ns[32] = "-", cs[32] = "-", ps[32] = "-";

	if (!b->ok || !n->ok) {
		ch.verdict = verdict_without_figures(b, n);
	} else {
		measure_change(o, b, n, &ch);
		fmt_value(ch.base, b->unit, bs, sizeof bs);
		fmt_value(ch.new, n->unit, ns, sizeof ns);
		snprintf(cs, sizeof cs, "%+.1f%%", 100.0 * ch.change);
		snprintf(ps, sizeof ps, "%.3g", ch.p);
	}
	tally_add(tally, ch.verdict);
	fprintf(o->table, "%-44s %14s %14s %8s %8s  %s\n", b->label, bs, ns, cs, ps, ch.verdict);
	/* clang-format off */
	return put_lost(o, b, n, json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:o}, s:{s:s, s:o}, s:o, s:o, s:o, s:s}",
			 "cell", b->label,
			 "key", b->key,
			 "metric", b->latency ? metric_key(o->metric) : n->unit,
			 "unit", b->unit,
			 "base", "status", ipcb_cli_get_str(b->cell, "status"),
				 "values", values_json(b),
			 "new", "status", ipcb_cli_get_str(n->cell, "status"),
				"values", values_json(n),
			 "ratio", finite_or_null(ch.ratio),
			 "change", finite_or_null(ch.change),
			 "p_value", isnan(ch.p) ? json_null() : json_real(ch.p),
			 "verdict", ch.verdict));
	/* clang-format on */
}

static bool wanted(const struct cmp_opts *o, const struct side *s)
{
	return o->metric == M_THROUGHPUT ? !s->latency : true;
}

/* A warning about the two files: on stderr and into w. */
static void warn(json_t *w, const char *msg)
{
	ipcb_cli_msg("warning: %s", msg);
	json_array_append_new(w, json_string(msg));
}

/* The two files were not measured on the same machine and kernel. */
static void warn_machines(const json_t *base, const json_t *new, json_t *w)
{
	static const char *const paths[][2] = {
		{ "system.hostname", "hostname" },
		{ "system.cpu.brand", "CPU" },
		{ "system.kernel.release", "kernel" },
	};

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		const json_t *vb = ipcb_cli_get(base, paths[i][0]),
			     *vn = ipcb_cli_get(new, paths[i][0]);
		char msg[512];

		if (json_is_string(vb) && json_is_string(vn) &&
		    strcmp(json_string_value(vb), json_string_value(vn)) != 0) {
			snprintf(msg, sizeof msg,
				 "BASE and NEW come from different %s ('%s' and '%s'): "
				 "a change may be the machine's",
				 paths[i][1], json_string_value(vb), json_string_value(vn));
			warn(w, msg);
		}
	}
}

/* The hardware floor (the first placement's cacheline round trip) moved. */
static void warn_floor(const json_t *base, const json_t *new, json_t *w)
{
	static const char floor[] = "placements.0.floor.cacheline.latency.rtt_p50_ns";
	double vb = ipcb_cli_get_num(base, floor), vn = ipcb_cli_get_num(new, floor);
	char msg[256];

	if (vb > 0 && vn > 0 && (vn / vb > 1.2 || vb / vn > 1.2)) {
		snprintf(msg, sizeof msg,
			 "the hardware floor moved from %.0f ns to %.0f ns between "
			 "the runs: the CPUs relate differently (a virtual machine's host may have "
			 "moved them)",
			 vb, vn);
		warn(w, msg);
	}
}

/* The copy floor's rate at size in the first placement, or NAN. */
static double copy_floor_at(const json_t *doc, json_int_t size)
{
	const json_t *sizes = ipcb_cli_get(doc, "placements.0.copy_floor.sizes");

	for (size_t i = 0; i < json_array_size(sizes); i++) {
		const json_t *e = json_array_get(sizes, i);

		if (ipcb_cli_get_int(e, "msg_size_bytes") == size)
			return ipcb_cli_get_num(e, "bytes_per_s");
	}
	return NAN;
}

/* The copy floor (memcpy on side B's CPU, the first placement's) moved at
 * some size both files measured: one warning naming the largest move. */
static void warn_copy_floor(const json_t *base, const json_t *new, json_t *w)
{
	const json_t *sizes = ipcb_cli_get(base, "placements.0.copy_floor.sizes");
	double worst = 1.2, wb = 0, wn = 0;
	json_int_t at = 0;
	unsigned moved = 0, both = 0;
	char size[32], msg[320];

	for (size_t i = 0; i < json_array_size(sizes); i++) {
		json_int_t sz = ipcb_cli_get_int(json_array_get(sizes, i), "msg_size_bytes");
		double vb = copy_floor_at(base, sz), vn = copy_floor_at(new, sz), r;

		if (!(vb > 0) || !(vn > 0))
			continue;
		both++;
		r = vn > vb ? vn / vb : vb / vn;
		moved += r > 1.2;
		if (r > worst) {
			worst = r;
			wb = vb;
			wn = vn;
			at = sz;
		}
	}
	if (moved == 0)
		return;
	ipcb_fmt_size((uint64_t)at, size, sizeof size);
	snprintf(msg, sizeof msg,
		 "the copy floor (memcpy on side B's CPU) moved by more than 20%% at %u of %u "
		 "sizes, most at %s (%.0f MB/s to %.0f MB/s): the receiving CPU copies at another "
		 "rate, and a throughput change may be that",
		 moved, both, size, wb / 1e6, wn / 1e6);
	warn(w, msg);
}

/* Warn when the two files were not measured on the same machine and
 * kernel, or on CPUs that relate alike, or when a fault was injected: a
 * change may be the machine's, or the test's. */
static json_t *machine_warnings(const json_t *base, const json_t *new)
{
	json_t *w = json_array();

	warn_machines(base, new, w);
	warn_floor(base, new, w);
	warn_copy_floor(base, new, w);
	for (int k = 0; k < 2; k++) {
		const json_t *fault = ipcb_cli_get(k ? new : base, "params.fault");
		char msg[256];

		if (!json_is_object(fault))
			continue;
		snprintf(msg, sizeof msg,
			 "%s was run with an injected fault (%s on %s): its figures are a test's",
			 k ? "NEW" : "BASE", json_string_value(json_object_get(fault, "kind")),
			 json_string_value(json_object_get(fault, "mechanism")));
		warn(w, msg);
	}
	return w;
}

/* The lines under the table, and the summary in out. */
static void summarize(const struct cmp_opts *o, const struct verdicts *t, json_t *only_base,
		      json_t *only_new, json_t *out)
{
	for (size_t i = 0; i < json_array_size(only_base); i++)
		fprintf(o->table, "only in BASE: %s\n",
			json_string_value(json_array_get(only_base, i)));
	for (size_t i = 0; i < json_array_size(only_new); i++)
		fprintf(o->table, "only in NEW:  %s\n",
			json_string_value(json_array_get(only_new, i)));
	fprintf(o->table,
		"\n%u same, %u slower, %u faster, %u failed, %u skipped, %u without "
		"figures, %u only in BASE, %u only in NEW\n",
		t->same, t->slower, t->faster, t->failed, t->skipped, t->other, t->only_base,
		t->only_new);
	fprintf(o->table,
		"verdict: medians and their confidence intervals apart by at least "
		"%.1f%%, and p < %g (two-sided Mann-Whitney U over the repetitions)\n",
		100.0 * o->threshold, o->alpha);
	json_object_set_new(out, "only_in_base", only_base);
	json_object_set_new(out, "only_in_new", only_new);
	json_object_set_new(out, "summary",
			    json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "same", t->same,
				      "slower", t->slower, "faster", t->faster, "failed", t->failed,
				      "skipped", t->skipped, "no_data", t->other, "only_in_base",
				      t->only_base, "only_in_new", t->only_new));
	json_object_set_new(out, "regressed", json_boolean(t->slower + t->failed > 0));
}

/* Each wanted cell of BASE with its match in NEW (or alone); the rest of
 * NEW alone. Returns how many pairs were compared. */
static size_t pair_cells(const struct cmp_opts *o, const struct side *b, size_t nb,
			 const struct side *n, size_t nn, bool *used, struct verdicts *t,
			 json_t *cells, json_t *only_base, json_t *only_new)
{
	size_t matched = 0;

	for (size_t i = 0; i < nb; i++) {
		size_t j;

		if (!wanted(o, &b[i]))
			continue;
		for (j = 0; j < nn && (used[j] || strcmp(b[i].key, n[j].key) != 0); j++)
			;
		if (j == nn) {
			json_array_append_new(only_base, json_string(b[i].label));
			t->only_base++;
			continue;
		}
		used[j] = true;
		matched++;
		json_array_append_new(cells, compare_pair(o, &b[i], &n[j], t));
	}
	for (size_t j = 0; j < nn; j++) {
		if (!used[j] && wanted(o, &n[j])) {
			json_array_append_new(only_new, json_string(n[j].label));
			t->only_new++;
		}
	}
	return matched;
}

static int run_compare(const struct cmp_opts *o, const json_t *base, const json_t *new, json_t *out)
{
	const json_t *bc = json_object_get(base, "cells"), *nc = json_object_get(new, "cells");
	size_t nb = json_array_size(bc), nn = json_array_size(nc), matched;
	struct side *b = calloc(nb ? nb : 1, sizeof *b), *n = calloc(nn ? nn : 1, sizeof *n);
	bool *used = calloc(nn ? nn : 1, sizeof *used);
	json_t *cells = json_array(), *only_base = json_array(), *only_new = json_array();
	struct verdicts t = { 0 };

	if (b == NULL || n == NULL || used == NULL) {
		free(b), free(n), free(used);
		return -1;
	}
	for (size_t i = 0; i < nb; i++)
		read_side(json_array_get(bc, i), o->metric, &b[i]);
	for (size_t j = 0; j < nn; j++)
		read_side(json_array_get(nc, j), o->metric, &n[j]);
	fprintf(o->table, "%-44s %14s %14s %8s %8s  %s\n", "cell", "base", "new", "change", "p",
		"verdict");
	matched = pair_cells(o, b, nb, n, nn, used, &t, cells, only_base, only_new);
	json_object_set_new(out, "cells", cells);
	summarize(o, &t, only_base, only_new, out);
	free(b), free(n), free(used);
	if (matched == 0)
		return -2;
	return t.slower + t.failed > 0 ? 1 : 0;
}

/* How the verdict is reached, for the JSON. */
static const char verdict_test[] =
	"medians and their order-statistics confidence intervals apart by at least the threshold, "
	"and a two-sided Mann-Whitney U test over the repetitions (exact for small samples) below "
	"alpha";

int ipcb_cli_cmd_compare(int argc, char **argv)
{
	struct cmp_opts o;
	json_t *base = NULL, *new = NULL, *out;
	struct ipcb_err err;
	int rc = parse_compare(argc, argv, &o);

	if (rc != IPCB_CLI_GO_ON)
		return rc;
	o.table = o.json != NULL && strcmp(o.json, "-") == 0 ? stderr : stdout;
	if ((rc = ipcb_cli_check_target("--json", o.json)) != 0)
		return rc;
	if (ipcb_results_load(o.base, &base, &err) != 0 ||
	    ipcb_results_load(o.new, &new, &err) != 0) {
		ipcb_cli_print_err("compare", &err);
		json_decref(base);
		return EXIT_USAGE;
	}
	/* clang-format off */
	out = json_pack("{s:s, s:i, s:s, s:s, s:s, s:f, s:f, s:s, s:o}",
			"tool", "ipcbench compare",
			"schema_version", 1,
			"base", o.base, "new", o.new,
			"metric", o.metric == M_THROUGHPUT ? "throughput" : metric_key(o.metric),
			"threshold", o.threshold, "alpha", o.alpha, "test", verdict_test,
			"warnings", machine_warnings(base, new));
	/* clang-format on */
	rc = run_compare(&o, base, new, out);
	if (rc == -2) {
		rc = ipcb_cli_error(
			EXIT_USAGE,
			"compare: %s and %s have no cell in common (mechanism, "
			"options, test, size, placement, CPUs, pairs, mode and rate must match)",
			o.base, o.new);
	} else if (rc < 0) {
		rc = ipcb_cli_error(EXIT_USAGE, "compare: out of memory");
	} else if (o.json != NULL && ipcb_result_write(out, o.json, &err) != 0) {
		ipcb_cli_print_err("compare: not written", &err);
		rc = rc ? rc : EXIT_FAILED;
	}
	json_decref(out);
	json_decref(base);
	json_decref(new);
	return rc;
}
