/* The results document and its atomic write. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/jsonout.h"
#include "harness/pin.h"
#include "harness/reg.h"
#include "harness/oneway.h"
#include "harness/result.h"
#include "harness/stats.h"

static json_t *iso8601(const struct timespec *ts)
{
	char buf[32];
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *int_or_null(int v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

/* A KiB figure, or null when none was reported. */
static json_t *kib_or_null(int kib)
{
	return kib > 0 ? json_integer(kib) : json_null();
}

/* CPUID's per-package counts beside the topology's, which stand. */
static json_t *counts_json(const struct ipcb_sysinfo *si)
{
	const struct ipcb_topo_counts *k = &si->counts;

	/* clang-format off */
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:b}", "source", "/sys/devices/system/cpu",
			 "packages", k->packages, "cores_per_package", k->cores_per_package,
			 "logical_cpus_per_package", k->logical_per_package,
			 "threads_per_core", k->threads_per_core, "logical_cpus", k->logical,
			 "cpuid_agrees", si->counts_agree);
	/* clang-format on */
}

/* Where the caches figures come from, into buf. */
static const char *caches_from(const struct ipcb_sysinfo *si, char *buf, size_t len)
{
	const struct ipcb_cpu_ident *c = &si->cpu;

	if (strcmp(c->source, IPCB_CPU_FROM_LIBCPUID) == 0)
		return si->sysfs_caches ? "CPUID (sysfs has its own, per CPU, in topology)"
					: "CPUID only: sysfs has no cache information";
	if (c->caches_cpu < 0)
		return "none: sysfs has no cache information";
	snprintf(buf, len, "sysfs, cpu%d (every CPU's L2 and L3 are in topology)", c->caches_cpu);
	return buf;
}

/* "0x41" (digits wide at least), or null for -1. */
static json_t *hex_or_null(int v, int digits)
{
	char buf[16];

	if (v < 0)
		return json_null();
	snprintf(buf, sizeof buf, "0x%0*x", digits, (unsigned)v);
	return json_string(buf);
}

/* The fields of MIDR_EL1 (arm64) as /proc/cpuinfo shows them, or null. */
static json_t *midr_json(const struct ipcb_cpu_ident *c)
{
	if (c->implementer < 0)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "implementer", hex_or_null(c->implementer, 2),
			 "variant", hex_or_null(c->variant, 1), "part", hex_or_null(c->part, 3),
			 "revision", int_or_null(c->revision), "midr_el1", str_or_null(c->midr));
}

/* What libcpuid said where it was tried and /proc/cpuinfo stood in; the
 * arm64 identity. */
static void cpu_extra(json_t *o, const struct ipcb_cpu_ident *c)
{
	bool from_proc = strcmp(c->source, IPCB_CPU_FROM_PROC) == 0;

	if (c->library_error[0] != '\0')
		json_object_set_new(o, "libcpuid_error", json_string(c->library_error));
	if (from_proc && c->ok)
		json_object_set_new(o, "arm_midr", midr_json(c));
}

static json_t *cpu_json(const struct ipcb_sysinfo *si)
{
	const struct ipcb_cpu_ident *c = &si->cpu;
	bool libcpuid = strcmp(c->source, IPCB_CPU_FROM_LIBCPUID) == 0;
	char from[96];
	json_t *o;

	/* clang-format off */
	if (!c->ok)
		o = json_pack("{s:b, s:s, s:s, s:o, s:o, s:o}",
			      "identified", 0, "error", c->error,
			      "source", c->source, "library", str_or_null(c->library),
			      "kernel_model_name", str_or_null(c->kernel_model),
			      "topology_counts", counts_json(si));
	else
		o = json_pack("{s:b, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
			      " s:o, s:{s:o, s:o, s:o, s:o, s:o}, s:s, s:o}",
			      "identified", 1, "source", c->source,
			      "library", str_or_null(c->library),
			      "vendor", c->vendor,
			      "brand", str_or_null(c->brand),
			      "kernel_model_name", str_or_null(c->kernel_model),
			      "codename", str_or_null(c->codename),
			      "codename_libcpuid",
			      libcpuid ? json_string(c->codename_libcpuid) : json_null(),
			      "family", int_or_null(c->family), "model", int_or_null(c->model),
			      "stepping", int_or_null(c->stepping),
			      "cores_per_package", int_or_null(c->cores),
			      "logical_cpus_per_package", int_or_null(c->logical_cpus),
			      "topology_counts", counts_json(si),
			      "caches",
			      "l1d_kib", kib_or_null(c->l1d_kib),
			      "l1i_kib", kib_or_null(c->l1i_kib),
			      "l2_kib", kib_or_null(c->l2_kib), "l3_kib", kib_or_null(c->l3_kib),
			      "line_bytes", kib_or_null(c->line_bytes),
			      "caches_from", caches_from(si, from, sizeof from),
			      "hypervisor",
			      c->hypervisor_known ? json_boolean(c->hypervisor) : json_null());
	/* clang-format on */
	if (o != NULL)
		cpu_extra(o, c);
	return o;
}

static json_t *tsc_json(const struct ipcb_clock *clk)
{
	json_t *end = json_null();

	if (clk->kind != IPCB_CLOCK_TSC)
		return json_null();
	if (clk->have_end)
		end = json_pack("{s:f, s:f, s:I}", "ticks_per_ns", clk->tsc_end.ticks_per_ns,
				"error_ppm", clk->tsc_end.error_ppm, "window_ns",
				(json_int_t)clk->tsc_end.window_ns);
	/* clang-format off */
	return json_pack("{s:f, s:f, s:I, s:I, s:s, s:o, s:o}",
			 "ticks_per_ns", clk->tsc.ticks_per_ns,
			 "error_ppm", clk->tsc.error_ppm,
			 "window_ns", (json_int_t)clk->tsc.window_ns,
			 "mult", (json_int_t)clk->tsc.mult,
			 "method", "rdtscp against CLOCK_MONOTONIC, narrowest of 16 samples at each"
				   " end of the window",
			 "end", end,
			 "drift_ppm", clk->have_end ? json_real(clk->drift_ppm) : json_null());
	/* clang-format on */
}

static json_t *cpulist_json(const cpu_set_t *set)
{
	char buf[1024];

	ipcb_cpulist_format(set, buf, sizeof buf);
	return json_string(buf);
}

static json_t *topo_cpu_json(int n, const struct ipcb_cpu_topo *c)
{
	/* clang-format off */
	return json_pack("{s:i, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "cpu", n, "online", c->online, "capacity", int_or_null(c->capacity),
			 "package", int_or_null(c->package), "die", int_or_null(c->die),
			 "core", int_or_null(c->core), "cluster", int_or_null(c->cluster),
			 "node", int_or_null(c->node),
			 "smt_siblings", cpulist_json(&c->smt),
			 "l2_shared", c->l2_known ? cpulist_json(&c->l2) : json_null(),
			 "l3_shared", c->l3_known ? cpulist_json(&c->l3) : json_null(),
			 "l2_kib", int_or_null(c->l2_kib), "l3_kib", int_or_null(c->l3_kib),
			 "type", str_or_null(c->type));
	/* clang-format on */
}

/* Placement classes the allowed CPUs offer, with the pair each picks. */
json_t *ipcb_result_placements(const struct ipcb_topo *t, const cpu_set_t *usable)
{
	json_t *o = json_object();
	unsigned mask = ipcb_topo_classes(t, usable);
	int pair[2];
	enum ipcb_class c;

	for (int i = 0; i < IPCB_CLASS_N; i++)
		if ((mask & (1u << i)) && ipcb_topo_pick(t, usable, (enum ipcb_class)i, pair) == 0)
			json_object_set_new(o, ipcb_class_name((enum ipcb_class)i),
					    json_pack("[i, i]", pair[0], pair[1]));
	if (ipcb_topo_auto(t, usable, pair, &c) == 0)
		json_object_set_new(o, "auto",
				    json_pack("{s:s, s:[i, i]}", "class", ipcb_class_name(c),
					      "cpus", pair[0], pair[1]));
	return o;
}

static json_t *topology_json(const struct ipcb_sysinfo *si)
{
	json_t *cpus = json_array();

	for (int i = 0; i < si->topo.n; i++)
		if (si->topo.cpu[i].present)
			json_array_append_new(cpus, topo_cpu_json(i, &si->topo.cpu[i]));
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "source", "/sys/devices/system/cpu",
			 "present", cpulist_json(&si->topo.present), "online",
			 cpulist_json(&si->topo.online), "cpus", cpus, "placements",
			 ipcb_result_placements(&si->topo, &si->allowed));
}

json_t *ipcb_result_system(const struct ipcb_sysinfo *si)
{
	char allowed[1024];

	ipcb_cpulist_format(&si->allowed, allowed, sizeof allowed);
	/* clang-format off */
	return json_pack("{s:{s:s, s:s, s:s, s:s}, s:s, s:o, s:{s:I, s:I, s:s, s:o}, s:I, s:o,"
			 " s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:o,"
			 " s:{s:s, s:o, s:f, s:s, s:f, s:{s:f, s:f, s:i}, s:o, s:I, s:I, s:o}}",
			 "kernel", "sysname", si->uts.sysname, "release", si->uts.release,
			 "version", si->uts.version, "machine", si->uts.machine,
			 "hostname", si->hostname,
			 "cpu", cpu_json(si),
			 "cpus", "configured", (json_int_t)si->cpus_configured,
			 "online", (json_int_t)si->cpus_online, "allowed", allowed,
			 "cpuset", str_or_null(si->cpuset),
			 "memory_bytes", (json_int_t)si->mem_total_bytes,
			 "topology", topology_json(si),
			 "cmdline", "isolcpus", str_or_null(si->isolcpus),
			 "nohz_full", str_or_null(si->nohz_full),
			 "mitigations", str_or_null(si->mitigations),
			 "tsc", str_or_null(si->tsc), "clocksource", str_or_null(si->clocksource),
			 "pti", str_or_null(si->pti),
			 "transparent_hugepages", str_or_null(si->thp),
			 "clock", "name", si->clock_info.name,
			 "clocksource", str_or_null(si->clock_info.source),
			 "resolution_ns", si->clock_info.resolution_ns,
			 "resolution_from", si->clock_info.resolution_from,
			 "overhead_ns", si->clock_info.overhead_ns,
			 "overhead_spread", "median_ns", si->clock_info.overhead_median_ns,
			 "max_ns", si->clock_info.overhead_max_ns,
			 "batches", (int)si->clock_info.batches,
			 "cpu", int_or_null(si->clock_info.cpu),
			 "min_step_ns", (json_int_t)si->clock_info.min_step_ns,
			 "readings", (json_int_t)si->clock_info.readings,
			 "tsc", tsc_json(&si->clock));
	/* clang-format on */
}

/* The options a mechanism takes, with their types and defaults. */
static json_t *opt_defs_json(const struct ipcb_mech *m)
{
	json_t *a = json_array();

	for (const struct ipcb_opt_def *d = m->opts; d != NULL && d->name != NULL; d++) {
		char desc[160];

		ipcb_opt_describe(d, desc, sizeof desc);
		json_array_append_new(a,
				      json_pack("{s:s, s:s, s:s, s:s}", "name", d->name, "values",
						desc, "default", d->def, "help", d->help));
	}
	return a;
}

/* name -> canonical value of every option in a set. */
static json_t *opts_json(const struct ipcb_opt_set *set)
{
	json_t *o = json_object();

	for (int i = 0; i < set->n; i++)
		json_object_set_new(o, set->v[i].def->name, json_string(set->v[i].text));
	return o;
}

/* The limits a mechanism read here, as name/value/source objects. */
static json_t *limits_json(const struct ipcb_mech_info *mi)
{
	json_t *limits = json_array();

	for (int i = 0; i < mi->limits.n; i++) {
		const struct ipcb_limit *l = &mi->limits.v[i];

		json_array_append_new(
			limits, json_pack("{s:s, s:o, s:s}", "name", l->name, "value",
					  l->value >= 0 ? json_integer(l->value) : json_null(),
					  "source", l->source));
	}
	return limits;
}

static json_t *max_msg_json(const struct ipcb_mech_info *mi)
{
	return mi->limits.max_msg_bytes ? json_integer((json_int_t)mi->limits.max_msg_bytes)
					: json_null();
}

json_t *ipcb_result_mech(const struct ipcb_mech_info *mi)
{
	/* clang-format off */
	return json_pack("{s:s, s:b, s:o, s:{s:b, s:b, s:b}, s:o, s:o, s:o}",
			 "summary", mi->mech->summary,
			 "available", mi->supported == 0,
			 "reason", mi->supported == 0 ? json_null() : str_or_null(mi->why.msg),
			 "flags",
			 "message_boundaries", (mi->mech->flags & IPCB_MECH_BOUNDARIES) != 0,
			 "carries_data", (mi->mech->flags & IPCB_MECH_NO_DATA) == 0,
			 "may_lose_messages", (mi->mech->flags & IPCB_MECH_LOSSY) != 0,
			 "max_msg_bytes", max_msg_json(mi),
			 "limits", limits_json(mi),
			 "options", opt_defs_json(mi->mech));
	/* clang-format on */
}

/* The modes the run measured (--mode), in their order. */
static json_t *modes_json(const struct ipcb_params *p)
{
	json_t *a = json_array();

	for (int m = 0; m < IPCB_MODE_N; m++)
		if (p->modes[m])
			json_array_append_new(a, json_string(ipcb_mode_name((enum ipcb_mode)m)));
	return a;
}

static json_t *params_json(const struct ipcb_params *p)
{
	json_t *mechs = json_array(), *sizes = json_array(), *tests = json_array();
	json_t *variants = json_array(), *fault = json_null();

	for (size_t i = 0; i < p->n_variants; i++) {
		const struct ipcb_variant *v = &p->variants[i];

		if (i == 0 || p->variants[i - 1].mech != v->mech)
			json_array_append_new(mechs, json_string(v->mech->name));
		json_array_append_new(variants,
				      json_pack("{s:s, s:s, s:o}", "label", v->label, "mechanism",
						v->mech->name, "options", opts_json(&v->opts)));
	}
	for (size_t i = 0; i < p->n_sizes; i++)
		json_array_append_new(sizes, json_integer((json_int_t)p->sizes[i]));
	if (p->latency)
		json_array_append_new(tests, json_string("latency"));
	if (p->throughput)
		json_array_append_new(tests, json_string("throughput"));
	if (p->oneway)
		json_array_append_new(tests, json_string("oneway"));
	if (p->load)
		json_array_append_new(tests, json_string("load"));
	/* clang-format off */
	if (p->fault.kind != IPCB_FAULT_NONE)
		fault = json_pack("{s:s, s:s, s:s, s:o}",
				  "mechanism", p->fault.mech[0] ? p->fault.mech : "*",
				  "kind", ipcb_fault_kind_name(p->fault.kind),
				  "side", p->fault.side == IPCB_SIDE_A ? "a" : "b",
				  "repetition",
				  p->fault.rep ? json_integer(p->fault.rep) : json_null());
	return json_pack("{s:o, s:o, s:o, s:o, s:s, s:[i, i], s:f, s:o, s:o, s:i, s:b, s:b, s:f,"
			 " s:{s:I, s:I, s:i}, s:o, s:s, s:b}",
			 "mechanisms", mechs, "variants", variants,
			 "sizes_bytes", sizes, "tests", tests,
			 "placement", p->placement,
			 "cpus", p->cpu[0], p->cpu[1],
			 "cell_time_s", (double)p->cell_time_ns / 1e9,
			 "iterations",
			 p->iterations ? json_integer((json_int_t)p->iterations) : json_null(),
			 "warmup",
			 p->warmup == IPCB_WARMUP_AUTO ? json_null()
						       : json_integer((json_int_t)p->warmup),
			 "repetitions", (int)p->repetitions, "verify", p->verify, "quick", p->quick,
			 "timeout_s", (double)p->stall_timeout_ns / 1e9,
			 "histogram", "lowest_ns", (json_int_t)p->hist.lowest_ns,
			 "highest_ns", (json_int_t)p->hist.highest_ns,
			 "significant_figures", p->hist.sig_figs,
			 "fault", fault,
			 "clock", ipcb_clock_name(p->clock.kind),
			 "counters", p->counters);
	/* clang-format on */
}

/* The one-way test's parameters, added to params when it runs; the rate
 * also when latency cells run at one. */
static void put_oneway_params(json_t *params, const struct ipcb_params *p)
{
	json_t *dirs;

	/* --rate applies to latency cells too. */
	if (p->rate > 0 && !p->oneway)
		json_object_set_new(params, "rate_msgs_per_s", json_real(p->rate));
	if (!p->oneway)
		return;
	dirs = json_array();
	if (p->directions & IPCB_DIR_AB)
		json_array_append_new(dirs, json_string("ab"));
	if (p->directions & IPCB_DIR_BA)
		json_array_append_new(dirs, json_string("ba"));
	json_object_set_new(params, "directions", dirs);
	json_object_set_new(params, "rate_msgs_per_s",
			    p->rate > 0 ? json_real(p->rate) : json_null());
}

/* --test load's points (fractions of the measured maximum), when it runs. */
static void put_load_params(json_t *params, const struct ipcb_params *p)
{
	json_t *points = json_array();

	for (size_t i = 0; i < p->n_load_points; i++)
		json_array_append_new(points, json_real(p->load_points[i]));
	if (p->load)
		json_object_set_new(params, "load_points", points);
	else
		json_decref(points);
}

/* Sparse histogram: one [lowest_ns, highest_ns, count] per non-empty counter. */
static json_t *hist_json(const struct ipcb_hist *h)
{
	json_t *buckets = json_array();

	for (int32_t i = 0; i < h->counts_len; i++) {
		uint64_t lo;

		if (h->counts[i] == 0)
			continue;
		lo = ipcb_hist_value_at_index(h, i);
		json_array_append_new(buckets,
				      json_pack("[I, I, I]", (json_int_t)lo,
						(json_int_t)ipcb_hist_highest_equivalent(h, lo),
						(json_int_t)h->counts[i]));
	}
	/* clang-format off */
	return json_pack("{s:I, s:I, s:i, s:I, s:I, s:I, s:I, s:o}",
			 "lowest_trackable_ns", (json_int_t)h->lowest_trackable,
			 "highest_trackable_ns", (json_int_t)h->highest_trackable,
			 "significant_figures", h->sig_figs,
			 "total_count", (json_int_t)ipcb_hist_count(h),
			 "overflow_count", (json_int_t)h->overflow_count,
			 "min_ns", (json_int_t)ipcb_hist_min(h),
			 "max_ns", (json_int_t)ipcb_hist_max(h),
			 "buckets", buckets);
	/* clang-format on */
}

/* The percentiles of a summary estimated from too few round trips
 * (ipcb_stats_percentile_reliable), by their keys. */
static json_t *unreliable_json(const struct ipcb_lat_summary *s, const char *pre)
{
	static const struct {
		const char *key;
		double q;
	} pct[] = {
		{ "p50_ns", 50.0 },  { "p90_ns", 90.0 },    { "p99_ns", 99.0 },
		{ "p999_ns", 99.9 }, { "p9999_ns", 99.99 },
	};
	json_t *a = json_array();

	for (size_t i = 0; i < sizeof pct / sizeof pct[0]; i++)
		if (!ipcb_stats_percentile_reliable(s->count, pct[i].q))
			json_array_append_new(a, json_sprintf("%s_%s", pre, pct[i].key));
	return a;
}

/* Add the PRE_* fields of a summary to obj: rtt_* (round trips), ow_*
 * (one-way). */
static void put_summary(json_t *obj, const struct ipcb_lat_summary *s, const char *pre)
{
	static const char *const keys[] = { "count",  "min_ns",  "p50_ns",   "p90_ns",
					    "p99_ns", "p999_ns", "p9999_ns", "max_ns" };
	const uint64_t v[] = { s->count,  s->min_ns,  s->p50_ns,   s->p90_ns,
			       s->p99_ns, s->p999_ns, s->p9999_ns, s->max_ns };
	char key[32];

	json_object_set_new(obj, "overflow_count", json_integer((json_int_t)s->overflow));
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		snprintf(key, sizeof key, "%s_%s", pre, keys[i]);
		json_object_set_new(obj, key, json_integer((json_int_t)v[i]));
	}
	snprintf(key, sizeof key, "%s_mean_ns", pre);
	json_object_set_new(obj, key, json_real(s->mean_ns));
	snprintf(key, sizeof key, "%s_stddev_ns", pre);
	json_object_set_new(obj, key, json_real(s->stddev_ns));
	snprintf(key, sizeof key, "%s_unreliable_percentiles", pre);
	json_object_set_new(obj, key, unreliable_json(s, pre));
}

/* Add the rtt_* fields of a summary to obj. */
static void put_lat(json_t *obj, const struct ipcb_lat_summary *s)
{
	put_summary(obj, s, "rtt");
}

static json_t *num_or_null(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

/* One side's cost per operation; the tick-sampled split null when too
 * short to mean anything (IPCB_SPLIT_MIN_CPU_NS). */
static json_t *cost_json(const struct ipcb_cost *k)
{
	/* clang-format off */
	return json_pack("{s:f, s:o, s:o, s:f, s:f, s:o, s:o, s:o}",
			 "cpu_ns", k->cpu_ns, "user_ns", num_or_null(k->utime_ns),
			 "sys_ns", num_or_null(k->stime_ns),
			 "voluntary_switches", k->vcsw, "involuntary_switches", k->ivcsw,
			 "cycles", num_or_null(k->counters[IPCB_CTR_CYCLES]),
			 "instructions", num_or_null(k->counters[IPCB_CTR_INSTRUCTIONS]),
			 "cache_misses", num_or_null(k->counters[IPCB_CTR_CACHE_MISSES]));
	/* clang-format on */
}

/* How cpu_ns and its split are measured is described in the schema
 * (#/$defs/cost), not repeated in every cell. */
static json_t *costs_json(const struct ipcb_cell *c, const struct ipcb_cost k[2])
{
	return json_pack("{s:s, s:o, s:o}", "per",
			 c->test == IPCB_TEST_LATENCY ? "round_trip" : "message", "a",
			 cost_json(&k[0]), "b", cost_json(&k[1]));
}

static json_t *side_cpus(const struct ipcb_side_obs *o)
{
	return json_pack("{s:i, s:i, s:i}", "attach", o->cpu_attach, "start", o->cpu_start, "end",
			 o->cpu_end);
}

/* A side's mechanism notes: counters as numbers, words as strings. */
static json_t *notes_json(const struct ipcb_notes *nt)
{
	json_t *o = json_object();

	for (int i = 0; i < nt->n; i++)
		json_object_set_new(o, nt->v[i].name,
				    nt->v[i].text[0] ? json_string(nt->v[i].text)
						     : json_integer((json_int_t)nt->v[i].value));
	return o;
}

/* The cell's notes over its repetitions (ipcb_notes_merge); NULL when
 * none. */
static json_t *cell_notes_json(const struct ipcb_cell *c)
{
	struct ipcb_notes sum[2] = { { 0 }, { 0 } };

	for (unsigned i = 0; i < c->reps_done; i++)
		for (int s = 0; s < 2; s++)
			ipcb_notes_merge(&sum[s], &c->reps[i].side[s].notes);
	if (sum[0].n == 0 && sum[1].n == 0)
		return NULL;
	return json_pack("{s:o, s:o}", "a", notes_json(&sum[0]), "b", notes_json(&sum[1]));
}

/* With several pairs: each pair's timed part in the repetition's window,
 * what it timed, and its own p50 or rate. */
static json_t *rep_pairs_json(const struct ipcb_cell *c, const struct ipcb_rep *r)
{
	json_t *a = json_array();

	for (unsigned k = 0; k < c->pairs; k++) {
		const struct ipcb_rep_pair *rp = &r->pair[k];
		json_t *o = json_pack("{s:i, s:I, s:I, s:I}", "pair", (int)k + 1, "start_ns",
				      (json_int_t)rp->start_ns, "end_ns", (json_int_t)rp->end_ns,
				      "elapsed_ns", (json_int_t)rp->elapsed_ns);

		if (ipcb_cell_timed_by_hist(c))
			json_object_update_new(
				o,
				json_pack("{s:I, s:I}",
					  c->test == IPCB_TEST_LATENCY ? "rtt_count" : "ow_count",
					  (json_int_t)rp->ops,
					  c->test == IPCB_TEST_LATENCY ? "rtt_p50_ns" : "ow_p50_ns",
					  (json_int_t)rp->p50_ns));
		else
			json_object_update_new(o,
					       json_pack("{s:I, s:f}", "msgs", (json_int_t)rp->ops,
							 "msgs_per_s", rp->msgs_per_s));
		json_array_append_new(a, o);
	}
	return a;
}

/* A latency or one-way repetition: its times (rtt_*, ow_*), and at a rate
 * the uncorrected ones, the late messages, the achieved rate and the
 * quarters. */
static void put_timed_rep(json_t *o, const struct ipcb_cell *c, const struct ipcb_rep *r)
{
	const char *prefix = c->test == IPCB_TEST_LATENCY ? "rtt" : "ow";
	json_t *u;

	put_summary(o, &r->lat, prefix);
	if (c->merged_uncorrected == NULL)
		return;
	u = json_object();
	put_summary(u, &r->lat_uncorrected, prefix);
	/* clang-format off */
	json_object_update_new(o, json_pack("{s:o, s:I, s:f, s:I, s:I}",
					    "uncorrected", u,
					    "late", (json_int_t)r->late,
					    "achieved_msgs_per_s", r->achieved_per_s,
					    "first_quarter_p50_ns", (json_int_t)r->first_quarter_p50_ns,
					    "last_quarter_p50_ns", (json_int_t)r->last_quarter_p50_ns));
	/* clang-format on */
}

/* A cell that counts lost messages rather than failing on one: a lossy
 * mechanism's throughput cells and one-way cells at a rate. */
static bool counts_lost(const struct ipcb_cell *c)
{
	return (c->mech->flags & IPCB_MECH_LOSSY) &&
	       (c->test == IPCB_TEST_THROUGHPUT ||
		(c->test == IPCB_TEST_ONEWAY && c->merged_uncorrected != NULL));
}

static json_t *rep_json(const struct ipcb_cell *c, unsigned i)
{
	const struct ipcb_rep *r = &c->reps[i];
	/* clang-format off */
	json_t *o = json_pack("{s:i, s:s, s:I, s:{s:o, s:o}, s:o}",
			      "index", (int)i,
			      "status", ipcb_status_name(r->status),
			      "elapsed_ns", (json_int_t)r->elapsed_ns,
			      "cpus_observed",
			      "a", side_cpus(&r->side[0]), "b", side_cpus(&r->side[1]),
			      "cost", costs_json(c, r->cost));
	/* clang-format on */

	if (r->side[0].notes.n > 0 || r->side[1].notes.n > 0)
		json_object_set_new(o, "mech_notes",
				    json_pack("{s:o, s:o}", "a", notes_json(&r->side[0].notes), "b",
					      notes_json(&r->side[1].notes)));
	/* clang-format off */
	if (ipcb_cell_timed_by_hist(c))
		put_timed_rep(o, c, r);
	else
		json_object_update_new(o, json_pack("{s:I, s:f, s:o}",
						    "msgs", (json_int_t)r->msgs,
						    "msgs_per_s", r->msgs_per_s,
						    "bytes_per_s",
						    c->mech->flags & IPCB_MECH_NO_DATA
							    ? json_null()
							    : json_real(r->bytes_per_s)));
	/* clang-format on */
	if (counts_lost(c))
		json_object_set_new(o, "lost", json_integer((json_int_t)r->lost));
	if (c->pairs > 1)
		json_object_update_new(o, json_pack("{s:I, s:f, s:o}", "window_ns",
						    (json_int_t)r->window_ns, "overlap", r->overlap,
						    "pairs", rep_pairs_json(c, r)));
	return o;
}

static json_t *cpuset_array(const cpu_set_t *set)
{
	json_t *a = json_array();

	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set))
			json_array_append_new(a, json_integer(cpu));
	return a;
}

static json_t *spread_json(const double *v, unsigned n)
{
	struct ipcb_spread sp;

	ipcb_stats_spread(v, n, &sp);
	/* The interval's method is in the schema (#/$defs/spread). */
	return json_pack("{s:i, s:f, s:f, s:f, s:f, s:f, s:{s:f, s:f, s:f}}", "n", (int)sp.n,
			 "median", sp.median, "min", sp.min, "max", sp.max, "cv", sp.cv, "mad",
			 sp.mad, "median_ci", "low", sp.ci_low, "high", sp.ci_high, "level",
			 sp.ci_level);
}

/* How the repetitions' figures spread, figure by figure. */
static json_t *statistics_json(const struct ipcb_cell *c)
{
	double a[IPCB_REPS_MAX], b[IPCB_REPS_MAX], d[IPCB_REPS_MAX];
	unsigned n = c->reps_done;

	if (!ipcb_cell_has_figures(c))
		return json_null();
	for (unsigned i = 0; i < n; i++) {
		const struct ipcb_rep *r = &c->reps[i];

		a[i] = ipcb_cell_timed_by_hist(c) ? (double)r->lat.p50_ns : r->msgs_per_s;
		b[i] = ipcb_cell_timed_by_hist(c) ? (double)r->lat.p99_ns : r->bytes_per_s;
		d[i] = (double)r->lat.p999_ns;
	}
	if (c->test == IPCB_TEST_LATENCY)
		return json_pack("{s:o, s:o, s:o}", "rtt_p50_ns", spread_json(a, n), "rtt_p99_ns",
				 spread_json(b, n), "rtt_p999_ns", spread_json(d, n));
	if (c->test == IPCB_TEST_ONEWAY)
		return json_pack("{s:o, s:o, s:o}", "ow_p50_ns", spread_json(a, n), "ow_p99_ns",
				 spread_json(b, n), "ow_p999_ns", spread_json(d, n));
	return json_pack("{s:o, s:o}", "msgs_per_s", spread_json(a, n), "bytes_per_s",
			 c->mech->flags & IPCB_MECH_NO_DATA ? json_null() : spread_json(b, n));
}

/* With several pairs at once: each pair's CPUs and figures. */
static json_t *pairs_json(const struct ipcb_run *run, const struct ipcb_cell *c)
{
	json_t *a;

	if (c->pair == NULL)
		return json_null();
	a = json_array();
	for (unsigned k = 0; k < c->pairs; k++) {
		const struct ipcb_pair_cell *pc = &c->pair[k];
		json_t *o = json_pack("{s:i, s:[i, i], s:[o, o], s:b}", "pair", (int)k + 1, "cpus",
				      run->p.pair_cpus[k][0], run->p.pair_cpus[k][1], "observed",
				      cpuset_array(&pc->seen[0]), cpuset_array(&pc->seen[1]),
				      "mismatch", pc->cpu_mismatch);

		if (ipcb_cell_timed_by_hist(c) && ipcb_cell_has_figures(c)) {
			put_summary(o, &pc->lat, c->test == IPCB_TEST_LATENCY ? "rtt" : "ow");
			json_object_set_new(o, "histogram", hist_json(pc->merged));
		} else if (ipcb_cell_has_figures(c))
			json_object_set_new(o, "msgs_per_s", json_real(pc->median_msgs_per_s));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *rate_json(const struct ipcb_cell *c, double target, const char *prefix);

/* Round trips, one at a time or at a rate (from the due times: rate). */
static json_t *latency_json(const struct ipcb_cell *c)
{
	const bool paced = c->merged_uncorrected != NULL;
	json_t *o = json_object();

	put_lat(o, &c->lat);
	/* rtt/2, an estimate (the schema says so), not a measurement; none at
	 * a rate, where the round trip includes the queue. */
	json_object_set_new(o, "one_way_estimate",
			    paced ? json_null()
				  : json_pack("{s:f}", "p50_ns", (double)c->lat.p50_ns / 2.0));
	json_object_set_new(o, "median_of_repetitions",
			    json_pack("{s:f, s:f}", "rtt_p50_ns", c->median_p50_ns, "rtt_p99_ns",
				      c->median_p99_ns));
	json_object_set_new(o, "histogram", hist_json(c->merged));
	json_object_set_new(o, "rate", paced ? rate_json(c, c->rate, "rtt") : json_null());
	return o;
}

/* At a rate: target, achieved, late messages, the quarters, the verdict
 * and the uncorrected figures. */
static json_t *rate_json(const struct ipcb_cell *c, double target, const char *prefix)
{
	json_t *u = json_object(), *o;

	put_summary(u, &c->lat_uncorrected, prefix);
	json_object_set_new(u, "histogram", hist_json(c->merged_uncorrected));
	/* clang-format off */
	o = json_pack("{s:f, s:f, s:I, s:I, s:i, s:f, s:f, s:b, s:o, s:o}",
		      "target_msgs_per_s", target,
		      "achieved_msgs_per_s", c->median_achieved_per_s,
		      "late", (json_int_t)c->late,
		      "sent", (json_int_t)(c->iterations * c->reps_done * c->pairs),
		      "late_threshold_ns", (int)IPCB_OW_LATE_NS,
		      "first_quarter_p50_ns", c->median_first_quarter_p50_ns,
		      "last_quarter_p50_ns", c->median_last_quarter_p50_ns,
		      "saturated", c->saturated != NULL,
		      "saturation_reason", str_or_null(c->saturated),
		      "uncorrected", u);
	/* clang-format on */
	if (counts_lost(c))
		json_object_set_new(o, "lost", json_integer((json_int_t)c->lost));
	return o;
}

/* A one-way cell: the receiver's one-way times (from the due times at a
 * rate), per direction. */
static json_t *oneway_json(const struct ipcb_run *run, const struct ipcb_cell *c)
{
	json_t *o = json_object();
	const bool paced = c->merged_uncorrected != NULL;

	json_object_set_new(o, "sender", json_string(c->sender == IPCB_SIDE_A ? "a" : "b"));
	json_object_set_new(o, "mode", json_string(paced ? "rate" : "one_at_a_time"));
	json_object_set_new(o, "measured_from",
			    json_string(paced ? "due time (corrected for coordinated omission)"
					      : "send stamp"));
	put_summary(o, &c->lat, "ow");
	json_object_set_new(o, "median_of_repetitions",
			    json_pack("{s:f, s:f}", "ow_p50_ns", c->median_p50_ns, "ow_p99_ns",
				      c->median_p99_ns));
	json_object_set_new(o, "histogram", hist_json(c->merged));
	(void)run;
	json_object_set_new(o, "rate", paced ? rate_json(c, c->rate, "ow") : json_null());
	return o;
}

static json_t *throughput_json(const struct ipcb_cell *c)
{
	bool bytes = !(c->mech->flags & IPCB_MECH_NO_DATA);
	double lo = 0, hi = 0;
	json_t *o;

	for (unsigned i = 0; i < c->reps_done; i++) {
		double b = c->reps[i].bytes_per_s;

		lo = i == 0 || b < lo ? b : lo;
		hi = i == 0 || b > hi ? b : hi;
	}
	/* A mechanism that carries no bytes has no byte rate. */
	/* clang-format off */
	o = json_pack("{s:f, s:o, s:o, s:o, s:s}",
			 "msgs_per_s", c->median_msgs_per_s,
			 "bytes_per_s", bytes ? json_real(c->median_bytes_per_s) : json_null(),
			 "bytes_per_s_min", bytes ? json_real(lo) : json_null(),
			 "bytes_per_s_max", bytes ? json_real(hi) : json_null(),
			 "measured_at", c->pairs > 1
				 ? "receivers, all pairs' messages over the window from the first"
				   " receiver's first timed message to the last one's last"
				   " (repetitions[].window_ns; overlap: the part of it with every"
				   " pair in its timed loop)"
				 : c->mech->flags & IPCB_MECH_LOSSY
				 ? "receiver, from the arrival of the first timed message to that"
				   " of the last: the timed messages received - 1 (lost ones"
				   " excluded)"
				 : "receiver, from the arrival of the first timed message to that"
				   " of the last: iterations - 1 messages");
	/* clang-format on */
	if (c->mech->flags & IPCB_MECH_LOSSY)
		json_object_set_new(o, "lost", json_integer((json_int_t)c->lost));
	return o;
}

/* A cell's key among the cells of its run, as readers match cells:
 * variant, test, size, placement class and mode. */
static json_t *cell_key_json(const struct ipcb_run *run, const struct ipcb_cell *c)
{
	return json_pack("{s:s, s:s, s:I, s:s, s:s}", "variant", c->var->label, "test",
			 ipcb_test_name(c->test), "msg_size_bytes", (json_int_t)c->size,
			 "placement", run->p.placement_class, "mode", ipcb_mode_name(c->mode));
}

/* A point of a load curve: its fraction of the maximum, the maximum (the
 * throughput cell's median msgs/s, all pairs), that cell's key, and the
 * curve's knee. */
static json_t *load_json(const struct ipcb_run *run, const struct ipcb_cell *c)
{
	const struct ipcb_cell *pts[IPCB_LOAD_POINTS_MAX];
	int knee = ipcb_run_load_knee(run, c->load_of);
	bool measured = c->load_max_msgs_per_s > 0;

	/* clang-format off */
	return json_pack("{s:f, s:o, s:o, s:o, s:f, s:o}",
			 "fraction", c->load_fraction,
			 "max_msgs_per_s", measured ? json_real(c->load_max_msgs_per_s) : json_null(),
			 "offered_msgs_per_s", c->rate > 0 ? json_real(c->rate * c->pairs)
							   : json_null(),
			 "of", cell_key_json(run, c->load_of),
			 "knee_factor", IPCB_LOAD_KNEE_FACTOR,
			 "knee_fraction",
			 knee >= 0 && (size_t)knee < ipcb_run_load_points(run, c->load_of, pts)
				 ? json_real(pts[knee]->load_fraction)
				 : json_null());
	/* clang-format on */
}

/* A latency or one-way cell's rate (null: one at a time), and its sizing
 * at a rate (no pilot). */
static void put_rate_cell(json_t *o, const struct ipcb_cell *c, bool known)
{
	json_object_set_new(o, "rate_msgs_per_s", c->rate > 0 ? json_real(c->rate) : json_null());
	if (known && c->rate > 0)
		json_object_set_new(
			o, "sizing",
			json_pack("{s:s, s:f}", "method", "rate", "rate_msgs_per_s", c->rate));
}

/* A one-way cell's own fields: direction, rate, figures, sizing. */
static void put_oneway_cell(json_t *o, const struct ipcb_run *run, const struct ipcb_cell *c,
			    bool has_data, bool known)
{
	json_object_set_new(o, "direction", json_string(ipcb_dir_name(c->sender)));
	json_object_set_new(o, "one_way", has_data ? oneway_json(run, c) : json_null());
	put_rate_cell(o, c, known);
	if (c->load_of != NULL)
		json_object_set_new(o, "load", load_json(run, c));
}

static json_t *cell_json(const struct ipcb_run *run, const struct ipcb_cell *c)
{
	json_t *reps = json_array(), *sizing = json_null(), *o, *notes;
	/* A failed cell carries no figures, not even its earlier repetitions'. */
	bool has_data = ipcb_cell_has_figures(c), known = ipcb_cell_iterations_known(run, c);
	double x_floor = ipcb_run_x_floor(run, c), x_copy = ipcb_run_x_copy_floor(run, c);

	for (unsigned i = 0; has_data && i < c->reps_done; i++)
		json_array_append_new(reps, rep_json(c, i));
	if (known && c->sized)
		sizing = json_pack("{s:s, s:i, s:I, s:I}", "method", "pilot", "pilots",
				   (int)c->pilots, "pilot_iterations", (json_int_t)c->pilot_n,
				   "pilot_ns", (json_int_t)c->pilot_ns);
	else if (known)
		sizing = json_pack("{s:s}", "method", "fixed");
	/* clang-format off */
	o = json_pack("{s:s, s:s, s:o, s:s, s:I, s:s, s:{s:[i, i], s:[o, o], s:b}, s:s, s:o, s:o,"
		      " s:o, s:o, s:o, s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o}",
			 "mechanism", c->mech->name,
			 "variant", c->var->label,
			 "options", opts_json(&c->var->opts),
			 "test", ipcb_test_name(c->test),
			 "msg_size_bytes", (json_int_t)c->size,
			 "placement", run->p.placement_class,
			 "cpus", "requested", run->p.cpu[0], run->p.cpu[1],
			 "observed", cpuset_array(&c->seen[0]), cpuset_array(&c->seen[1]),
			 "mismatch", c->cpu_mismatch,
			 "status", ipcb_status_name(c->status),
			 "reason", c->status == IPCB_OK ? json_null() : str_or_null(c->why.msg),
			 "hint", c->status == IPCB_OK ? json_null() : str_or_null(c->why.hint),
			 "iterations",
			 known ? json_integer((json_int_t)c->iterations) : json_null(),
			 "warmup", known ? json_integer((json_int_t)c->warmup) : json_null(),
			 "sizing", sizing,
			 "repetitions_planned", (int)run->p.repetitions,
			 "repetitions_done", (int)c->reps_done,
			 "repetitions", reps,
			 "latency",
			 has_data && c->test == IPCB_TEST_LATENCY ? latency_json(c) : json_null(),
			 "throughput",
			 has_data && c->test == IPCB_TEST_THROUGHPUT ? throughput_json(c)
								      : json_null(),
			 "x_floor", x_floor > 0 ? json_real(x_floor) : json_null(),
			 "x_copy_floor", x_copy > 0 ? json_real(x_copy) : json_null(),
			 "cost", has_data ? costs_json(c, c->cost) : json_null(),
			 "pairs_at_once", (int)c->pairs,
			 "pairs", pairs_json(run, c),
			 "statistics", statistics_json(c));
	/* clang-format on */
	if (o != NULL && has_data && (notes = cell_notes_json(c)) != NULL)
		json_object_set_new(o, "mech_notes", notes);
	if (o != NULL && c->test == IPCB_TEST_ONEWAY)
		put_oneway_cell(o, run, c, has_data, known);
	else if (o != NULL && c->test == IPCB_TEST_LATENCY && !c->reference)
		put_rate_cell(o, c, known);
	if (o != NULL)
		json_object_set_new(o, "mode", json_string(ipcb_mode_name(c->mode)));
	return o;
}

/* The reference cells: the hardware floor and the harness's cost. */
static json_t *floor_json(const struct ipcb_run *run)
{
	bool yields = ipcb_run_floor_yields(run);

	/* clang-format off */
	return json_pack("{s:o, s:o, s:s, s:s, s:s}",
			 "cacheline", run->floor ? cell_json(run, run->floor) : json_null(),
			 "null", run->harness ? cell_json(run, run->harness) : json_null(),
			 "cacheline_wait", yields ? "yield" : "spin",
			 "floor_kind", yields
				 ? "context switch: both sides share one CPU, so each yields it"
				   " (sched_yield) while it waits"
				 : "cache line: each side spins on the shared cache line while it"
				   " waits",
			 "about", "measured in every run on the same CPUs; x_floor in each cell is"
				  " its rtt_p50_ns over the cacheline cell's");
	/* clang-format on */
}

static json_t *warnings_json(const struct ipcb_warnings *w)
{
	json_t *a = json_array();

	for (int i = 0; w != NULL && i < w->n; i++)
		json_array_append_new(
			a, json_pack("{s:s, s:s}", "code", w->w[i].code, "message", w->w[i].msg));
	return a;
}

/* One size of the copy floor. */
static json_t *copy_size_json(const struct ipcb_copy_size *cs)
{
	/* clang-format off */
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:I, s:i}",
			 "msg_size_bytes", (json_int_t)cs->size,
			 "bytes_per_s", cs->bytes_per_s,
			 "bytes_per_s_min", cs->min_bps,
			 "bytes_per_s_max", cs->max_bps,
			 "ns_per_copy", (double)cs->size * 1e9 / cs->bytes_per_s,
			 "copies_per_batch", (json_int_t)cs->copies,
			 "batches", (int)cs->n);
	/* clang-format on */
}

/* The copy floor of a placement: memcpy of each size on side B's CPU. */
static json_t *copy_floor_json(const struct ipcb_run *run)
{
	const struct ipcb_copy_floor *cf = run->copy;
	json_t *sizes = json_array(), *o;
	bool fig = ipcb_copy_floor_has_figures(cf);

	if (cf == NULL) {
		json_decref(sizes);
		return json_null();
	}
	for (size_t s = 0; fig && s < cf->n_sizes; s++)
		json_array_append_new(sizes, copy_size_json(&cf->size[s]));
	/* clang-format off */
	o = json_pack("{s:s, s:o, s:i, s:o, s:b, s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:o, s:s}",
		      "status", ipcb_status_name(cf->status),
		      "reason", cf->status == IPCB_OK ? json_null() : str_or_null(cf->why.msg),
		      "cpu", cf->cpu,
		      "observed", cpuset_array(&cf->seen),
		      "mismatch", cf->mismatch,
		      "method", "memcpy of each message size between two buffers of one process"
				" pinned to side B's CPU, touched beforehand (warm, no page"
				" faults), each starting 64 bytes into a page; per size, in every"
				" round of repetitions, a warm-up batch then timed batches of"
				" copies_per_batch copies each (chosen in the first round so that"
				" a batch takes batch_target_ns); bytes_per_s is the median batch",
		      "clock", "CLOCK_MONOTONIC",
		      "rounds", (int)cf->rounds_done,
		      "rounds_planned", (int)cf->rounds_planned,
		      "batches_per_round", IPCB_COPY_BATCHES,
		      "batch_target_ns", (int)IPCB_COPY_BATCH_NS,
		      "elapsed_s", (double)cf->spent_ns / 1e9,
		      "sizes", sizes,
		      "about", "x_copy_floor in each throughput cell is its throughput.bytes_per_s"
			       " over bytes_per_s here at its size: below 1, the receiver took"
			       " the bytes more slowly than one memcpy of each message on its"
			       " CPU");
	/* clang-format on */
	return o;
}

/* The clock check of each pair, before the one-way cells. */
static json_t *clock_check_json(const struct ipcb_params *p)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < p->n_clock_checks; i++) {
		const struct ipcb_clockcheck *cc = &p->clock_checks[i];

		/* clang-format off */
		json_array_append_new(a, json_pack("{s:[i, i], s:i, s:I, s:I, s:f, s:b}",
						   "cpus", cc->cpu[0], cc->cpu[1],
						   "samples", (int)cc->samples,
						   "min_a_to_b_ns", (json_int_t)cc->min_ab_ns,
						   "min_b_to_a_ns", (json_int_t)cc->min_ba_ns,
						   "tolerance_ns", cc->tolerance_ns,
						   "consistent", cc->consistent));
		/* clang-format on */
	}
	return a;
}

/* One placement: its CPUs, class, and the floors measured on them. */
static json_t *placement_json(const struct ipcb_run *run)
{
	json_t *o = json_pack("{s:s, s:s, s:[i, i], s:o, s:o}", "requested", run->p.placement,
			      "class", run->p.placement_class, "cpus", run->p.cpu[0], run->p.cpu[1],
			      "floor", floor_json(run), "copy_floor", copy_floor_json(run));

	if (o != NULL && (run->p.oneway || run->p.load))
		json_object_set_new(o, "clock_check", clock_check_json(&run->p));
	return o;
}

json_t *ipcb_result_build(const struct ipcb_run *const *runs, size_t n_runs,
			  const struct ipcb_sysinfo *si, const struct ipcb_result_meta *meta)
{
	json_t *argv = json_array(), *mechs = json_object(), *cells = json_array();
	json_t *placements = json_array(), *params, *variants;
	const struct ipcb_run *first = runs[0];
	double elapsed = (double)(meta->end.tv_sec - meta->start.tv_sec) +
			 (double)(meta->end.tv_nsec - meta->start.tv_nsec) / 1e9;
	int stop = 0;

	for (int i = 0; i < meta->argc; i++)
		json_array_append_new(argv, json_string(meta->argv[i]));
	/* One entry per mechanism, described with its first variant's options. */
	for (size_t i = 0; i < first->p.n_variants; i++)
		if (json_object_get(mechs, first->mechs[i].mech->name) == NULL)
			json_object_set_new(mechs, first->mechs[i].mech->name,
					    ipcb_result_mech(&first->mechs[i]));
	for (size_t r = 0; r < n_runs; r++) {
		json_array_append_new(placements, placement_json(runs[r]));
		for (size_t i = 0; i < runs[r]->n_cells; i++)
			if (!runs[r]->cells[i].reference)
				json_array_append_new(cells,
						      cell_json(runs[r], &runs[r]->cells[i]));
		if (runs[r]->stop_signal != 0)
			stop = runs[r]->stop_signal;
	}
	/* Each variant with the limits read under its own options (a socket
	 * buffer option changes the largest datagram, a queue depth the
	 * budget needed). */
	params = params_json(&first->p);
	put_oneway_params(params, &first->p);
	put_load_params(params, &first->p);
	json_object_set_new(params, "modes", modes_json(&first->p));
	variants = json_object_get(params, "variants");
	for (size_t i = 0; i < first->p.n_variants && i < json_array_size(variants); i++) {
		json_t *v = json_array_get(variants, i);

		json_object_set_new(v, "available", json_boolean(first->mechs[i].supported == 0));
		json_object_set_new(v, "max_msg_bytes", max_msg_json(&first->mechs[i]));
		json_object_set_new(v, "limits", limits_json(&first->mechs[i]));
	}
	/* clang-format off */
	return json_pack("{s:i, s:{s:s, s:s}, s:o, s:o, s:o, s:f, s:i, s:b, s:o, s:o, s:o, s:o,"
			 " s:o, s:o, s:o, s:o}",
			 "schema_version", IPCB_SCHEMA_VERSION,
			 "tool", "name", "ipcbench", "version", meta->version,
			 "argv", argv,
			 "start_time", iso8601(&meta->start),
			 "end_time", iso8601(&meta->end),
			 "elapsed_s", elapsed,
			 "exit_status", meta->exit_status,
			 "interrupted", stop != 0,
			 "interrupt_signal", stop ? json_integer(stop) : json_null(),
			 "warnings", warnings_json(meta->warnings),
			 "counters_note", str_or_null(meta->counters_note),
			 "system", ipcb_result_system(si),
			 "params", params,
			 "mechanisms", mechs,
			 "placements", placements,
			 "cells", cells);
	/* clang-format on */
}

/* A path in a message: at most 80 bytes of it. */
#define PATHQ "'%.80s%s'"
#define PATHARG(p) (p), strlen(p) > 80 ? "..." : ""

/* Split path into its directory (for the temporary file) and base name. */
static int split_path(const char *opt, const char *path, char *dir, char *base,
		      struct ipcb_err *err)
{
	char a[PATH_MAX], b[PATH_MAX];

	if (path[0] == '\0') {
		ipcb_err_set(err, 0, "%s: an empty file name", opt);
		return -EINVAL;
	}
	if (strlen(path) >= PATH_MAX) {
		ipcb_err_set(err, 0, "%s " PATHQ ": the path is longer than %d bytes", opt,
			     PATHARG(path), PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	strcpy(a, path);
	strcpy(b, path);
	snprintf(dir, PATH_MAX, "%s", dirname(a));
	snprintf(base, PATH_MAX, "%s", basename(b));
	if (strlen(base) > NAME_MAX) {
		ipcb_err_set(err, 0, "%s " PATHQ ": the file name is longer than %d bytes", opt,
			     PATHARG(path), NAME_MAX);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Create the temporary file next to path. Returns the fd or -errno. */
static int make_temp(const char *dir, const char *base, char *tmp, struct ipcb_err *err)
{
	/* ".NAME.tmp-XXXXXX", NAME shortened so that it fits in NAME_MAX */
	int n = snprintf(tmp, PATH_MAX, "%s/.%.*s.tmp-XXXXXX", dir, NAME_MAX - 12, base), fd;

	if (n < 0 || n >= PATH_MAX)
		return ipcb_err_set(err, ENAMETOOLONG, "temporary file for '%s/%s'", dir, base);
	fd = mkstemp(tmp);
	if (fd < 0)
		return ipcb_err_set(err, errno, "cannot create a file in " PATHQ, PATHARG(dir));
	/* A second Ctrl-C removes it (reg.h). */
	(void)ipcb_reg_add(IPCB_OBJ_FILE, 0, tmp);
	return fd;
}

static void drop_temp(const char *tmp)
{
	(void)unlink(tmp);
	ipcb_reg_del(IPCB_OBJ_FILE, 0, tmp);
}

int ipcb_result_check_target(const char *opt, const char *path, struct ipcb_err *err)
{
	char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return 0;
	if ((rc = split_path(opt, path, dir, base, err)) != 0)
		return rc;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return ipcb_err_set(err, EISDIR, "%s " PATHQ, opt, PATHARG(path));
	/* The file is replaced by rename: a device or a FIFO would be too. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		ipcb_err_set(err, 0,
			     "%s " PATHQ
			     ": not a regular file (it would be replaced; use '-' for stdout)",
			     opt, PATHARG(path));
		return -EINVAL;
	}
	if (stat(dir, &st) != 0)
		return ipcb_err_set(err, errno, "%s " PATHQ ": directory " PATHQ, opt,
				    PATHARG(path), PATHARG(dir));
	if (!S_ISDIR(st.st_mode))
		return ipcb_err_set(err, ENOTDIR, "%s " PATHQ ": " PATHQ, opt, PATHARG(path),
				    PATHARG(dir));
	fd = make_temp(dir, base, tmp, err);
	if (fd < 0)
		return ipcb_err_set(err, -fd, "%s " PATHQ ": cannot create a file in " PATHQ, opt,
				    PATHARG(path), PATHARG(dir));
	close(fd);
	drop_temp(tmp);
	return 0;
}

/* The errno to report for a failed write: the text's own failure
 * (ipcb_json_dumpf's rc), else what the write or fsync set. */
static int write_errno(int rc)
{
	if (rc != 0 && rc != -EIO)
		return -rc;
	return errno ? errno : EIO;
}

int ipcb_result_write(const json_t *doc, const char *path, struct ipcb_err *err)
{
	char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	mode_t mask;
	FILE *f;
	int fd, rc;

	if (strcmp(path, "-") == 0) {
		errno = 0;
		rc = ipcb_json_dumpf(doc, stdout);
		if (rc != 0)
			return ipcb_err_set(err, write_errno(rc), "writing results to stdout");
		return 0;
	}
	if ((rc = split_path("results", path, dir, base, err)) != 0)
		return rc;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		ipcb_err_set(err, 0, PATHQ " is not a regular file: not replaced", PATHARG(path));
		return -EINVAL;
	}
	fd = make_temp(dir, base, tmp, err);
	if (fd < 0)
		return fd;
	/* mkstemp makes 0600; results are ordinary files, so honour the umask. */
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = ipcb_err_set(err, errno, "fdopen(%s)", tmp);
		close(fd);
		drop_temp(tmp);
		return rc;
	}
	errno = 0;
	rc = ipcb_json_dumpf(doc, f);
	if (rc != 0 || fsync(fd) != 0) {
		rc = ipcb_err_set(err, write_errno(rc), "writing " PATHQ, PATHARG(path));
		fclose(f);
		drop_temp(tmp);
		return rc;
	}
	if (fclose(f) != 0) {
		rc = ipcb_err_set(err, errno, "closing %s", tmp);
		drop_temp(tmp);
		return rc;
	}
	if (rename(tmp, path) != 0) {
		rc = ipcb_err_set(err, errno, "renaming the new file onto " PATHQ, PATHARG(path));
		drop_temp(tmp);
		return rc;
	}
	ipcb_reg_del(IPCB_OBJ_FILE, 0, tmp);
	return 0;
}
