/* ipcbench export: a results file in the formats other tools read. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/cli.h"
#include "bench/fields.h"
#include "harness/hist.h"
#include "harness/load.h"
#include "harness/parse.h"
#include "harness/result.h"
#include "harness/stats.h"

const char ipcb_cli_export_usage[] =
	"Usage: ipcbench export --format FORMAT [OPTION]... RESULTS.json\n"
	"Write a results file in a format another tool reads:\n"
	"  gbench          Google Benchmark JSON (its compare.py,\n"
	"                  github-action-benchmark's googlecpp): one run per repetition,\n"
	"                  mean/median/stddev/cv aggregates\n"
	"  gab-latency     github-action-benchmark customSmallerIsBetter: RTT p50 per\n"
	"                  latency cell\n"
	"  gab-throughput  github-action-benchmark customBiggerIsBetter: rate per\n"
	"                  throughput cell\n"
	"  bmf             Bencher Metric Format: latency (ns) and throughput\n"
	"                  (messages/s)\n"
	"  hgrm            HdrHistogram percentile distribution of one cell (--cell), or\n"
	"                  of every latency cell into a directory (-o DIR)\n"
	"  csv             one row per cell, column names carry their units\n"
	"\n"
	"  -f, --format FORMAT    one of the above (required)\n"
	"  -o, --output FILE      write there instead of stdout (hgrm without --cell: a\n"
	"                         directory)\n"
	"      --cell NAME        hgrm: the cell, named as the other formats name it\n"
	"      --unit UNIT        hgrm: value unit, ns, us (default) or ms\n"
	"  -h, --help             show this help\n"
	"\n"
	"Cells are named VARIANT/TEST/SIZE/PLACEMENT/CPU_A-CPU_B (with /xN for N pairs at\n"
	"once, /threads for --mode threads), spaces in the variant becoming ':':\n"
	"shm-futex:wait=spin/latency/64/same-node/0-1.\n";

enum format { F_GBENCH, F_GAB_LAT, F_GAB_TPUT, F_BMF, F_HGRM, F_CSV };

static const char *const format_names[] = { "gbench", "gab-latency", "gab-throughput",
					    "bmf",    "hgrm",        "csv" };
static const struct ipcb_cli_names formats = { "format", format_names, 6, true, NULL };

struct export_opts {
	int format;
	const char *output, *cell, *input;
	double scale; /* hgrm: ns per output unit */
	bool unit_given;
};

static int take_format(void *opts, const char *arg)
{
	struct export_opts *o = opts;

	return ipcb_cli_choose("--format", arg, &formats, &o->format);
}

static int take_unit(void *opts, const char *arg)
{
	static const char *const names[] = { "ns", "us", "ms" };
	static const struct ipcb_cli_names units = { "unit", names, 3, false, NULL };
	static const double scales[] = { 1.0, 1000.0, 1e6 };
	struct export_opts *o = opts;
	int u, rc = ipcb_cli_choose("--unit", arg, &units, &u);

	o->unit_given = true;
	if (rc == 0)
		o->scale = scales[u];
	return rc;
}

#define AT(member) offsetof(struct export_opts, member)

/* In the order of --help, where a misspelt option finds its suggestion. */
static const struct ipcb_cli_opt export_options[] = {
	{ "format", 'f', IPCB_CLI_CALL, 0, 0, 0, take_format },
	{ "output", 'o', IPCB_CLI_TEXT, AT(output), 0, 0, NULL },
	{ "cell", 0, IPCB_CLI_TEXT, AT(cell), 0, 0, NULL },
	{ "unit", 0, IPCB_CLI_CALL, 0, 0, 0, take_unit },
	IPCB_CLI_OPT_END,
};

#undef AT

/* The options that go together (or not) with the format. */
static int check_format_options(const struct export_opts *o)
{
	if (o->format == F_HGRM && o->cell == NULL && o->output == NULL)
		return ipcb_cli_usage_error("export --format hgrm: give --cell NAME, or -o DIR for "
					    "every latency cell");
	if (o->format != F_HGRM && o->cell != NULL)
		return ipcb_cli_usage_error("--cell: only for --format hgrm");
	if (o->format != F_HGRM && o->unit_given)
		return ipcb_cli_usage_error("--unit: only for --format hgrm "
					    "(the other formats have fixed units)");
	/* hgrm without --cell writes a directory of files */
	if (o->format != F_HGRM || o->cell != NULL)
		return ipcb_cli_check_target("-o", o->output);
	return 0;
}

static int parse_export(int argc, char **argv, struct export_opts *o)
{
	char list[128];
	int rc;

	memset(o, 0, sizeof *o);
	o->format = -1;
	o->scale = 1000.0;
	rc = ipcb_cli_parse(argc, argv, export_options, ipcb_cli_export_usage, o);
	if (rc != IPCB_CLI_GO_ON)
		return rc;
	if (o->format < 0) {
		ipcb_cli_names_list(&formats, list, sizeof list);
		return ipcb_cli_usage_error("export: --format is required (%s)", list);
	}
	if (argc - optind != 1)
		return ipcb_cli_usage_error("export: give one results file (%d given)",
					    argc - optind);
	if ((rc = check_format_options(o)) != 0)
		return rc;
	o->input = argv[optind];
	return IPCB_CLI_GO_ON;
}

/* ---- reading cells --------------------------------------------------- */

static bool is_latency(const json_t *c)
{
	return strcmp(ipcb_cli_get_str(c, "test"), "latency") == 0;
}

/* A cell gbench, gab-* and bmf carry: with figures, and a latency or
 * throughput cell (one-way cells, whose figures are ow_*, are left out:
 * the csv has them, in its appended columns). */
static bool exported(const json_t *c)
{
	return ipcb_cli_cell_has_figures(c) && strcmp(ipcb_cli_get_str(c, "test"), "oneway") != 0;
}

/* VARIANT/TEST/SIZE/PLACEMENT/A-B[/xN][/DIRECTION][@RATE|@loadPERCENT][/threads] */
static void cell_name(const json_t *c, char *buf, size_t len)
{
	const json_t *pairs = json_object_get(c, "pairs_at_once");
	char variant[128];
	int n;

	snprintf(variant, sizeof variant, "%s", ipcb_cli_get_str(c, "variant"));
	ipcb_utf8_trim(variant);
	for (char *p = variant; *p; p++)
		if (*p == ' ')
			*p = ':';
	n = snprintf(buf, len, "%s/%s/%lld/%s/%lld-%lld", variant, ipcb_cli_get_str(c, "test"),
		     (long long)ipcb_cli_get_int(c, "msg_size_bytes"),
		     ipcb_cli_get_str(c, "placement"),
		     (long long)ipcb_cli_get_int(c, "cpus.requested.0"),
		     (long long)ipcb_cli_get_int(c, "cpus.requested.1"));
	if (json_is_integer(pairs) && json_integer_value(pairs) > 1 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "/x%lld",
			      (long long)json_integer_value(pairs));
	/* One-way cells: /DIRECTION; at a rate @RATE (msgs/s, whole digits),
	 * a point of a load curve @loadPERCENT (its rate is this run's own). */
	if (json_is_string(json_object_get(c, "direction")) && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "/%s", ipcb_cli_get_str(c, "direction"));
	if (json_is_object(json_object_get(c, "load")) && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "@load%g",
			      100.0 * ipcb_cli_get_num(c, "load.fraction"));
	else if (json_is_number(json_object_get(c, "rate_msgs_per_s")) && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "@%.15g",
			      json_number_value(json_object_get(c, "rate_msgs_per_s")));
	if (strcmp(ipcb_results_cell_mode(c), "threads") == 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "/threads");
	ipcb_utf8_trim(buf);
}

/* A figure of each repetition; returns how many there are. */
static unsigned rep_values(const json_t *c, const char *key, double *v)
{
	const json_t *reps = json_object_get(c, "repetitions");
	unsigned n = 0;

	for (size_t i = 0; i < json_array_size(reps) && n < IPCB_REPS_MAX; i++) {
		double x = ipcb_cli_get_num(json_array_get(reps, i), key);

		if (!isnan(x))
			v[n++] = x;
	}
	return n;
}

/* The side A CPU time per operation of each repetition. */
static unsigned rep_cpu(const json_t *c, double *v)
{
	const json_t *reps = json_object_get(c, "repetitions");
	unsigned n = 0;

	for (size_t i = 0; i < json_array_size(reps) && n < IPCB_REPS_MAX; i++) {
		double x = ipcb_cli_get_num(json_array_get(reps, i), "cost.a.cpu_ns");

		v[n++] = isnan(x) ? 0 : x;
	}
	return n;
}

/* Throughput cells: bytes/s, or messages/s for mechanisms without bytes. */
static const char *rate_key(const json_t *c)
{
	return json_is_number(ipcb_cli_get(c, "repetitions.0.bytes_per_s")) ? "bytes_per_s"
									    : "msgs_per_s";
}

/* ---- output helpers -------------------------------------------------- */

static int emit_json(const json_t *doc, const char *out)
{
	struct ipcb_err err;

	if (ipcb_result_write(doc, out ? out : "-", &err) != 0) {
		ipcb_cli_print_err("export", &err);
		return EXIT_FAILED;
	}
	return 0;
}

/* ---- gbench ---------------------------------------------------------- */

static json_t *gbench_context(const json_t *doc)
{
	const json_t *caches = ipcb_cli_get(doc, "system.cpu.caches");
	const json_t *warnings = json_object_get(doc, "warnings");
	json_t *list = json_array();
	static const struct {
		const char *key, *type;
		int level;
	} kinds[] = { { "l1d_kib", "Data", 1 },
		      { "l1i_kib", "Instruction", 1 },
		      { "l2_kib", "Unified", 2 },
		      { "l3_kib", "Unified", 3 } };
	bool scaling = false;

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const json_t *kib = json_object_get(caches, kinds[i].key);

		if (!json_is_integer(kib) || json_integer_value(kib) < 0 ||
		    json_integer_value(kib) > INT64_MAX / 1024)
			continue;
		json_array_append_new(list,
				      json_pack("{s:s, s:i, s:I, s:i}", "type", kinds[i].type,
						"level", kinds[i].level, "size",
						json_integer_value(kib) * 1024, "num_sharing", 1));
	}
	for (size_t i = 0; i < json_array_size(warnings); i++)
		scaling |= strcmp(ipcb_cli_get_str(json_array_get(warnings, i), "code"),
				  "governor") == 0;
	/* clang-format off */
	return json_pack("{s:s, s:s, s:s, s:I, s:i, s:b, s:o, s:[], s:s, s:s}",
			 "date", ipcb_cli_get_str(doc, "start_time"),
			 "host_name", ipcb_cli_get_str(doc, "system.hostname"),
			 "executable", "ipcbench",
			 "num_cpus", (json_int_t)ipcb_cli_get_int(doc, "system.cpus.online"),
			 "mhz_per_cpu", 0,
			 "cpu_scaling_enabled", scaling,
			 "caches", list,
			 "load_avg",
			 "library_build_type", "release",
			 "ipcbench_version", ipcb_cli_get_str(doc, "tool.version"));
	/* clang-format on */
}

static json_t *gbench_entry(const char *name, int family, const char *run_type, int reps,
			    double real, double cpu, json_int_t iterations)
{
	return json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:I, s:f, s:f, s:s}", "name", name,
			 "family_index", family, "per_family_instance_index", 0, "run_name", name,
			 "run_type", run_type, "repetitions", reps, "threads", 1, "iterations",
			 iterations, "real_time", real, "cpu_time", cpu, "time_unit", "ns");
}

/* mean, median, sample standard deviation and coefficient of variation */
static void aggregates(const double *v, unsigned n, double out[4])
{
	double mean = 0, var = 0;

	for (unsigned i = 0; i < n; i++)
		mean += v[i] / n;
	for (unsigned i = 0; n > 1 && i < n; i++)
		var += (v[i] - mean) * (v[i] - mean) / (n - 1);
	out[0] = mean;
	out[1] = ipcb_stats_median(v, n);
	out[2] = sqrt(var);
	out[3] = mean ? out[2] / mean : 0;
}

/* mean, median, stddev and cv of the repetitions, as Google Benchmark
 * reports them after --benchmark_repetitions. */
static void gbench_aggregates(json_t *list, const char *name, int family, const double *real,
			      const double *cpu, unsigned n)
{
	static const char *const names[] = { "mean", "median", "stddev", "cv" };
	double r[4], c[4];

	aggregates(real, n, r);
	aggregates(cpu, n, c);
	for (int k = 0; k < 4; k++) {
		char full[300];
		json_t *e;

		snprintf(full, sizeof full, "%s_%s", name, names[k]);
		e = gbench_entry(full, family, "aggregate", (int)n, r[k], c[k], (json_int_t)n);
		json_object_set_new(e, "run_name", json_string(name));
		json_object_set_new(e, "aggregate_name", json_string(names[k]));
		json_object_set_new(e, "aggregate_unit",
				    json_string(k == 3 ? "percentage" : "time"));
		json_array_append_new(list, e);
	}
}

static int export_gbench(const json_t *doc, const char *out)
{
	const json_t *cells = json_object_get(doc, "cells");
	json_t *list = json_array(), *top;
	int family = 0, rc;

	for (size_t i = 0; i < json_array_size(cells); i++) {
		const json_t *c = json_array_get(cells, i);
		double real[IPCB_REPS_MAX], cpu[IPCB_REPS_MAX];
		double p99[IPCB_REPS_MAX], rate[IPCB_REPS_MAX];
		unsigned n;
		char name[256];
		json_int_t iters = json_integer_value(json_object_get(c, "iterations"));
		bool lat = is_latency(c);

		if (!exported(c))
			continue;
		cell_name(c, name, sizeof name);
		n = rep_values(c, lat ? "rtt_p50_ns" : "msgs_per_s", real);
		rep_cpu(c, cpu);
		rep_values(c, lat ? "rtt_p99_ns" : rate_key(c), lat ? p99 : rate);
		for (unsigned r = 0; r < n; r++) {
			double msgs = real[r];
			json_t *e;

			/* Throughput: the time per message at the measured rate. */
			if (!lat)
				real[r] = msgs > 0 ? 1e9 / msgs : 0;
			e = gbench_entry(name, family, "iteration", (int)n, real[r], cpu[r], iters);
			if (lat) {
				json_object_set_new(e, "rtt_p99_ns", json_real(p99[r]));
			} else {
				json_object_set_new(e, "items_per_second", json_real(msgs));
				if (strcmp(rate_key(c), "bytes_per_s") == 0)
					json_object_set_new(e, "bytes_per_second",
							    json_real(rate[r]));
			}
			json_object_set_new(e, "repetition_index", json_integer(r));
			json_array_append_new(list, e);
		}
		gbench_aggregates(list, name, family, real, cpu, n);
		family++;
	}
	top = json_pack("{s:o, s:o}", "context", gbench_context(doc), "benchmarks", list);
	rc = emit_json(top, out);
	json_decref(top);
	return rc;
}

/* ---- github-action-benchmark and Bencher ------------------------------ */

static int export_gab(const json_t *doc, const char *out, bool latency)
{
	const json_t *cells = json_object_get(doc, "cells");
	json_t *list = json_array();
	int rc;

	for (size_t i = 0; i < json_array_size(cells); i++) {
		const json_t *c = json_array_get(cells, i);
		double v[IPCB_REPS_MAX], p99[IPCB_REPS_MAX];
		struct ipcb_spread sp;
		char name[256], range[64], extra[256];
		const char *unit = "ns";
		unsigned n;

		if (is_latency(c) != latency || !exported(c))
			continue;
		cell_name(c, name, sizeof name);
		n = rep_values(c, latency ? "rtt_p50_ns" : rate_key(c), v);
		ipcb_stats_spread(v, n, &sp);
		snprintf(range, sizeof range, "± %.6g", sp.mad);
		if (latency) {
			rep_values(c, "rtt_p99_ns", p99);
			snprintf(extra, sizeof extra,
				 "RTT p50, median of %u repetitions\n"
				 "RTT p99 %.0f ns (median)\nrange: median absolute deviation",
				 n, ipcb_stats_median(p99, n));
		} else {
			snprintf(extra, sizeof extra,
				 "median of %u repetitions, at the receiver\n"
				 "range: median absolute deviation",
				 n);
			unit = strcmp(rate_key(c), "bytes_per_s") == 0 ? "bytes/s" : "msgs/s";
		}
		json_array_append_new(list, json_pack("{s:s, s:s, s:f, s:s, s:s}", "name", name,
						      "unit", unit, "value", sp.median, "range",
						      range, "extra", extra));
	}
	rc = emit_json(list, out);
	json_decref(list);
	return rc;
}

static int export_bmf(const json_t *doc, const char *out)
{
	const json_t *cells = json_object_get(doc, "cells");
	json_t *top = json_object();
	int rc;

	for (size_t i = 0; i < json_array_size(cells); i++) {
		const json_t *c = json_array_get(cells, i);
		double v[IPCB_REPS_MAX];
		struct ipcb_spread sp;
		char name[256];
		unsigned n;

		if (!exported(c))
			continue;
		cell_name(c, name, sizeof name);
		n = rep_values(c, is_latency(c) ? "rtt_p50_ns" : "msgs_per_s", v);
		ipcb_stats_spread(v, n, &sp);
		/* Bencher's built-in measures: latency in ns, throughput in
		 * operations (messages) per second. */
		json_object_set_new(top, name,
				    json_pack("{s:{s:f, s:f, s:f}}",
					      is_latency(c) ? "latency" : "throughput", "value",
					      sp.median, "lower_value", sp.ci_low, "upper_value",
					      sp.ci_high));
	}
	rc = emit_json(top, out);
	json_decref(top);
	return rc;
}

/* ---- HdrHistogram ----------------------------------------------------- */

struct hgrm_out {
	FILE *f;
	double scale;
};

/* v with `decimals` fraction digits the way Java's Formatter writes it
 * (HdrHistogram's reference output): the shortest decimal that reads back
 * as v, then rounded half up, where printf rounds the exact binary value
 * half to even. They differ on halves such as 0.9997802734375. */
static void jfixed(double v, int decimals, int width, char *out, size_t len)
{
	char e[40], digits[24], d[96], fixed[128];
	int nd = 0, point, ip, total, n = 0;
	bool neg = v < 0;

	if (neg)
		v = -v;
	if (!isfinite(v) || v >= 1e30 || decimals > 40) {
		snprintf(out, len, "%*.*f", width, decimals, neg ? -v : v);
		return;
	}
	/* Shortest digits that read back as v: d.ddd e[+-]XX. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	for (const char *p = e; *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	point = atoi(strchr(e, 'e') + 1) + 1; /* v = 0.digits x 10^point */
	ip = point > 0 ? point : 1;           /* integer digits written */
	total = ip + decimals;                /* digits kept */
	/* d[i] is the digit of 10^(ip-1-i); d[total] decides the rounding. */
	for (int i = 0; i <= total; i++) {
		int k = point - ip + i; /* index into digits */

		d[i] = k >= 0 && k < nd ? digits[k] : '0';
	}
	if (d[total] >= '5') { /* half up */
		int i = total - 1;

		while (i >= 0 && d[i] == '9')
			d[i--] = '0';
		if (i >= 0) {
			d[i]++;
		} else {
			memmove(d + 1, d, (size_t)total);
			d[0] = '1';
			ip++;
		}
	}
	if (neg)
		fixed[n++] = '-';
	memcpy(fixed + n, d, (size_t)ip);
	n += ip;
	if (decimals > 0) {
		fixed[n++] = '.';
		memcpy(fixed + n, d + ip, (size_t)decimals);
		n += decimals;
	}
	fixed[n] = '\0';
	snprintf(out, len, "%*s", width, fixed);
}

static void hgrm_line(void *arg, const struct ipcb_hist_step *st)
{
	struct hgrm_out *o = arg;
	char v[48], p[48], inv[48];

	jfixed((double)st->value / o->scale, 3, 12, v, sizeof v);
	jfixed(st->percentile / 100.0, 12, 2, p, sizeof p);
	if (st->percentile != 100.0) {
		jfixed(1.0 / (1.0 - st->percentile / 100.0), 2, 14, inv, sizeof inv);
		fprintf(o->f, "%s %s %10llu %s\n", v, p, (unsigned long long)st->total, inv);
	} else {
		fprintf(o->f, "%s %s %10llu\n", v, p, (unsigned long long)st->total);
	}
}

/* The cell's merged histogram, rebuilt from its sparse buckets. */
static struct ipcb_hist *rebuild(const json_t *c)
{
	const json_t *h = ipcb_cli_get(c, "latency.histogram");
	const json_t *b = json_object_get(h, "buckets");
	struct ipcb_hist *hist;

	if (!json_is_object(h) || !json_is_array(b))
		return NULL;
	hist = ipcb_hist_new((uint64_t)ipcb_cli_get_int(h, "lowest_trackable_ns"),
			     (uint64_t)ipcb_cli_get_int(h, "highest_trackable_ns"),
			     (int)ipcb_cli_get_int(h, "significant_figures"));
	for (size_t i = 0; hist != NULL && i < json_array_size(b); i++) {
		const json_t *e = json_array_get(b, i);

		json_int_t v = json_integer_value(json_array_get(e, 0));
		json_int_t n = json_integer_value(json_array_get(e, 2));

		/* A results file has no negative values or counts. */
		if (v >= 0 && n >= 0)
			ipcb_hist_record_n(hist, (uint64_t)v, (uint64_t)n);
	}
	return hist;
}

/* The percentile distribution text of HdrHistogram (5 ticks per half
 * distance), with its footer. */
static int write_hgrm(FILE *f, const json_t *c, double scale)
{
	struct ipcb_hist *h = rebuild(c);
	struct hgrm_out o = { f, scale };

	if (h == NULL)
		return -1;
	fprintf(f, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
		"1/(1-Percentile)");
	ipcb_hist_walk_percentiles(h, 5, hgrm_line, &o);
	{
		char mean[48], sd[48], max[48];
		double top = h->total_count ? (double)ipcb_hist_highest_equivalent(h, h->max) : 0.0;

		jfixed(ipcb_hist_mean(h) / scale, 3, 12, mean, sizeof mean);
		jfixed(ipcb_hist_stddev_population(h) / scale, 3, 12, sd, sizeof sd);
		jfixed(top / scale, 3, 12, max, sizeof max);
		fprintf(f, "#[Mean    = %s, StdDeviation   = %s]\n", mean, sd);
		fprintf(f, "#[Max     = %s, Total count    = %12llu]\n", max,
			(unsigned long long)h->total_count);
	}
	fprintf(f, "#[Buckets = %12d, SubBuckets     = %12d]\n", h->bucket_count, h->sub_count);
	free(h);
	return 0;
}

/* One-way cells are left out of hgrm (its histograms are round trips'):
 * say so rather than let them vanish, and refuse --cell naming one. */
static int hgrm_left_out(const json_t *cells, const struct export_opts *o, unsigned written)
{
	unsigned oneway = 0;
	bool named = false;

	for (size_t i = 0; i < json_array_size(cells); i++) {
		const json_t *c = json_array_get(cells, i);
		char name[256];

		if (strcmp(ipcb_cli_get_str(c, "test"), "oneway") != 0 ||
		    !ipcb_cli_cell_has_figures(c))
			continue;
		oneway++;
		cell_name(c, name, sizeof name);
		named |= o->cell != NULL && strcmp(o->cell, name) == 0;
	}
	if (named)
		return ipcb_cli_usage_error(
			"export: '%.200s' is a one-way cell: hgrm writes round-trip "
			"histograms only (its ow_* figures: --format csv)",
			o->cell);
	if (written == 0 && o->cell != NULL)
		return ipcb_cli_usage_error("export: no latency cell named '%.200s' in %s", o->cell,
					    o->input);
	if (written == 0)
		return ipcb_cli_error(
			EXIT_FAILED, "export: %s has no latency cell with figures%s", o->input,
			oneway ? " (one-way cells: hgrm writes round trips only)" : "");
	if (o->cell == NULL && oneway > 0)
		ipcb_cli_msg(
			"export: %u one-way cell%s left out: hgrm writes round-trip histograms "
			"only (their ow_* figures: --format csv)",
			oneway, oneway == 1 ? "" : "s");
	return 0;
}

static int export_hgrm(const json_t *doc, const struct export_opts *o)
{
	const json_t *cells = json_object_get(doc, "cells");
	unsigned written = 0;

	if (o->cell == NULL && mkdir(o->output, 0777) != 0 && errno != EEXIST)
		return ipcb_cli_error(EXIT_FAILED, "export: -o %s: %s", o->output, strerror(errno));
	for (size_t i = 0; i < json_array_size(cells); i++) {
		const json_t *c = json_array_get(cells, i);
		char name[256], path[4096];
		FILE *f;

		if (!is_latency(c) || !ipcb_cli_cell_has_figures(c))
			continue;
		cell_name(c, name, sizeof name);
		if (o->cell != NULL && strcmp(o->cell, name) != 0)
			continue;
		if (o->cell == NULL) {
			for (char *p = name; *p; p++)
				if (*p == '/')
					*p = '_';
			snprintf(path, sizeof path, "%s/%s.hgrm", o->output, name);
		}
		f = o->cell != NULL ? (o->output ? fopen(o->output, "w") : stdout)
				    : fopen(path, "w");
		if (f == NULL)
			return ipcb_cli_error(EXIT_FAILED, "export: %s: %s",
					      o->cell ? o->output : path, strerror(errno));
		write_hgrm(f, c, o->scale);
		if (f != stdout && fclose(f) != 0)
			return ipcb_cli_error(EXIT_FAILED, "export: writing %s: %s",
					      o->cell ? o->output : path, strerror(errno));
		written++;
	}
	return hgrm_left_out(cells, o, written);
}

/* ---- CSV --------------------------------------------------------------- */

/* A field, quoted when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\n\r") != NULL) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void csv_num(FILE *f, const json_t *v)
{
	if (json_is_integer(v))
		fprintf(f, "%lld,", (long long)json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%.10g,", json_real_value(v));
	else
		fputc(',', f);
}

/* The columns every file has had, in their order: scripts index them. */
static const char csv_header[] =
	"name,mechanism,variant,test,msg_size_bytes,placement,cpu_a,cpu_b,pairs_at_once,"
	"status,repetitions,iterations_per_repetition,rtt_p50_ns,rtt_p90_ns,rtt_p99_ns,"
	"rtt_p999_ns,rtt_p9999_ns,rtt_min_ns,rtt_max_ns,rtt_mean_ns,rtt_count,x_floor,"
	"msgs_per_s,bytes_per_s,x_copy_floor,cpu_ns_per_op_a,cpu_ns_per_op_b,reason,"
	/* appended: one-way cells, cells at a rate, points of load curves,
	 * lossy mechanisms */
	"direction,target_msgs_per_s,ow_p50_ns,ow_p90_ns,ow_p99_ns,ow_p999_ns,ow_p9999_ns,"
	"ow_min_ns,ow_max_ns,ow_mean_ns,ow_count,achieved_msgs_per_s,sent,late,"
	"uncorrected_p50_ns,uncorrected_p99_ns,saturated,saturation_reason,"
	"load_fraction,offered_msgs_per_s,load_max_msgs_per_s,load_knee_fraction,lost\n";

/* The percentile columns of a summary: PRE_p50_ns ... PRE_count. */
static void csv_summary(FILE *f, const json_t *o, const char *pre)
{
	static const char *const keys[] = { "p50_ns", "p90_ns", "p99_ns",  "p999_ns", "p9999_ns",
					    "min_ns", "max_ns", "mean_ns", "count" };
	char key[32];

	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		snprintf(key, sizeof key, "%s_%s", pre, keys[k]);
		csv_num(f, json_object_get(o, key));
	}
}

/* true or false, or empty where the cell has no such verdict. */
static void csv_bool(FILE *f, const json_t *v)
{
	fputs(json_is_boolean(v) ? (json_is_true(v) ? "true," : "false,") : ",", f);
}

/* The columns of the first version: identity, round trips, throughput. */
static void csv_base(FILE *f, const json_t *c, bool fig)
{
	const json_t *tp = fig ? json_object_get(c, "throughput") : NULL;
	const json_t *req = ipcb_cli_get(c, "cpus.requested");
	const json_t *cost = fig ? json_object_get(c, "cost") : NULL;
	char name[256];

	cell_name(c, name, sizeof name);
	csv_field(f, name, false);
	csv_field(f, ipcb_cli_get_str(c, "mechanism"), false);
	csv_field(f, ipcb_cli_get_str(c, "variant"), false);
	csv_field(f, ipcb_cli_get_str(c, "test"), false);
	csv_num(f, json_object_get(c, "msg_size_bytes"));
	csv_field(f, ipcb_cli_get_str(c, "placement"), false);
	csv_num(f, json_array_get(req, 0));
	csv_num(f, json_array_get(req, 1));
	csv_num(f, json_object_get(c, "pairs_at_once"));
	csv_field(f, ipcb_cli_get_str(c, "status"), false);
	csv_num(f, json_object_get(c, "repetitions_done"));
	csv_num(f, json_object_get(c, "iterations"));
	csv_summary(f, fig ? json_object_get(c, "latency") : NULL, "rtt");
	csv_num(f, fig ? json_object_get(c, "x_floor") : NULL);
	csv_num(f, json_object_get(tp, "msgs_per_s"));
	csv_num(f, json_object_get(tp, "bytes_per_s"));
	/* absent from files written before the copy floor: empty */
	csv_num(f, fig ? json_object_get(c, "x_copy_floor") : NULL);
	csv_num(f, ipcb_cli_get(cost, "a.cpu_ns"));
	csv_num(f, ipcb_cli_get(cost, "b.cpu_ns"));
	csv_field(f, ipcb_cli_get_str(c, "reason"), false);
}

/* The appended columns: a one-way cell's direction and figures; a latency
 * or one-way cell's rate, and at a rate the achieved rate, late messages,
 * uncorrected p50 and p99 (round trips or one-way) and the verdict; a
 * load point's place on its curve, and a lossy mechanism's lost messages
 * (throughput, one-way at a rate).
 * Empty where the cell has no such figure. */
static void csv_appended(FILE *f, const json_t *c, bool fig)
{
	const json_t *ow = fig ? json_object_get(c, "one_way") : NULL;
	const json_t *lat = fig ? json_object_get(c, "latency") : NULL;
	const json_t *rate = json_is_object(json_object_get(ow, "rate"))
				     ? json_object_get(ow, "rate")
				     : json_object_get(lat, "rate");
	const bool rtt = !json_is_object(json_object_get(ow, "rate"));
	const json_t *load = json_object_get(c, "load"), *lost;

	csv_field(f, ipcb_cli_get_str(c, "direction"), false);
	csv_num(f, json_object_get(c, "rate_msgs_per_s"));
	csv_summary(f, ow, "ow");
	csv_num(f, json_object_get(rate, "achieved_msgs_per_s"));
	csv_num(f, json_object_get(rate, "sent"));
	csv_num(f, json_object_get(rate, "late"));
	csv_num(f, ipcb_cli_get(rate, rtt ? "uncorrected.rtt_p50_ns" : "uncorrected.ow_p50_ns"));
	csv_num(f, ipcb_cli_get(rate, rtt ? "uncorrected.rtt_p99_ns" : "uncorrected.ow_p99_ns"));
	csv_bool(f, json_object_get(rate, "saturated"));
	csv_field(f, ipcb_cli_get_str(rate, "saturation_reason"), false);
	csv_num(f, json_object_get(load, "fraction"));
	csv_num(f, json_object_get(load, "offered_msgs_per_s"));
	csv_num(f, json_object_get(load, "max_msgs_per_s"));
	csv_num(f, json_object_get(load, "knee_fraction"));
	/* the last column: its number (throughput, or one-way at a rate),
	 * then the end of the row */
	lost = json_is_integer(ipcb_cli_get(c, "throughput.lost"))
		       ? ipcb_cli_get(c, "throughput.lost")
		       : json_object_get(rate, "lost");
	if (fig && json_is_integer(lost))
		fprintf(f, "%lld", (long long)json_integer_value(lost));
	fputc('\n', f);
}

static int export_csv(const json_t *doc, const char *out)
{
	const json_t *cells = json_object_get(doc, "cells");
	FILE *f = out ? fopen(out, "w") : stdout;

	if (f == NULL)
		return ipcb_cli_error(EXIT_FAILED, "export: %s: %s", out, strerror(errno));
	fputs(csv_header, f);
	for (size_t i = 0; i < json_array_size(cells); i++) {
		const json_t *c = json_array_get(cells, i);
		/* A cell without figures keeps its row, with the figures empty. */
		const bool fig = ipcb_cli_cell_has_figures(c);

		csv_base(f, c, fig);
		csv_appended(f, c, fig);
	}
	if (f != stdout ? fclose(f) != 0 : fflush(f) != 0)
		return ipcb_cli_error(EXIT_FAILED, "export: writing %s: %s", out ? out : "stdout",
				      strerror(errno));
	return 0;
}

int ipcb_cli_cmd_export(int argc, char **argv)
{
	struct export_opts o;
	struct ipcb_err err;
	json_t *doc;
	int rc = parse_export(argc, argv, &o);

	if (rc != IPCB_CLI_GO_ON)
		return rc;
	if (ipcb_results_load(o.input, &doc, &err) != 0) {
		ipcb_cli_print_err("export", &err);
		return EXIT_USAGE;
	}
	switch (o.format) {
	case F_GBENCH:
		rc = export_gbench(doc, o.output);
		break;
	case F_GAB_LAT:
	case F_GAB_TPUT:
		rc = export_gab(doc, o.output, o.format == F_GAB_LAT);
		break;
	case F_BMF:
		rc = export_bmf(doc, o.output);
		break;
	case F_HGRM:
		rc = export_hgrm(doc, &o);
		break;
	default:
		rc = export_csv(doc, o.output);
		break;
	}
	json_decref(doc);
	return rc;
}
