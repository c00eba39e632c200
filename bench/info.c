/* ipcbench info: the machine as ipcbench sees it, the same description
 * every results file carries. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench/cli.h"
#include "harness/pin.h"
#include "harness/result.h"
#include "harness/sysinfo.h"
#include "harness/topo.h"

const char ipcb_cli_info_usage[] =
	"Usage: ipcbench info [--json]\n"
	"Describe this machine: CPU identity (libcpuid, or /proc/cpuinfo without it),\n"
	"topology per logical CPU (/sys/devices/system/cpu), the CPUs this process may\n"
	"use, the placement classes they offer, and the kernel settings that matter\n"
	"for IPC timing.\n";

static void dash_or(const char *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s && s[0] ? s : "-");
}

static void int_or_dash(int v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%d", v);
}

static void print_counts(const struct ipcb_sysinfo *si)
{
	const struct ipcb_cpu_ident *c = &si->cpu;
	const struct ipcb_topo_counts *k = &si->counts;
	bool cpuid = strcmp(c->source, IPCB_CPU_FROM_LIBCPUID) == 0;

	if (c->cores >= 0)
		printf("            %s reports %d core%s and %d logical CPU%s per package; "
		       "hypervisor %s %s\n",
		       cpuid ? "CPUID" : "/proc/cpuinfo", c->cores, c->cores == 1 ? "" : "s",
		       c->logical_cpus, c->logical_cpus == 1 ? "" : "s", cpuid ? "bit" : "flag",
		       c->hypervisor ? "set" : "clear");
	printf("            topology (authoritative): %d package%s, %d cores and %d logical CPUs "
	       "per package, %d thread%s per core\n",
	       k->packages, k->packages == 1 ? "" : "s", k->cores_per_package,
	       k->logical_per_package, k->threads_per_core, k->threads_per_core == 1 ? "" : "s");
	if (!si->counts_agree)
		printf("            CPUID's counts disagree with the topology%s: the topology's "
		       "counts are the ones to use\n",
		       c->hypervisor ? " (under a hypervisor, CPUID need not describe the guest)"
				     : "");
}

/* The CPU as /proc/cpuinfo and sysfs describe it, without libcpuid. */
static void print_cpu_kernel(const struct ipcb_sysinfo *si)
{
	const struct ipcb_cpu_ident *c = &si->cpu;
	char kib[5][16];
	const int v[5] = { c->l1d_kib, c->l1i_kib, c->l2_kib, c->l3_kib, c->line_bytes };

	printf("CPU:        %s %s (from /proc/cpuinfo and sysfs: %s)\n", c->vendor,
	       c->brand[0] ? c->brand : "(model unknown)",
	       c->library_error[0] ? c->library_error : "built without libcpuid");
	if (c->family >= 0)
		printf("            family %d, model %d, stepping %d (extended values); "
		       "no codename\n",
		       c->family, c->model, c->stepping);
	if (c->implementer >= 0)
		printf("            implementer 0x%02x, part 0x%03x, variant 0x%x, "
		       "revision %d%s%s\n",
		       c->implementer, c->part, c->variant, c->revision,
		       c->midr[0] ? "; MIDR_EL1 " : "", c->midr);
	print_counts(si);
	for (int i = 0; i < 5; i++)
		int_or_dash(v[i], kib[i], sizeof kib[i]);
	printf("            caches (sysfs, cpu%d): L1d %s KiB, L1i %s KiB, L2 %s KiB, "
	       "L3 %s KiB, line %s B\n",
	       c->caches_cpu, kib[0], kib[1], kib[2], kib[3], kib[4]);
}

static void print_cpu_identity(const struct ipcb_sysinfo *si)
{
	const struct ipcb_cpu_ident *c = &si->cpu;

	if (!c->ok) {
		printf("CPU:        not identified (%s: %s)\n", c->source, c->error);
		return;
	}
	if (strcmp(c->source, IPCB_CPU_FROM_PROC) == 0) {
		print_cpu_kernel(si);
		return;
	}
	printf("CPU:        %s %s (the kernel calls it '%s'; from %s)\n", c->vendor, c->brand,
	       c->kernel_model, c->library);
	if (c->codename[0] != '\0')
		printf("            family %d, model %d, stepping %d (extended values); "
		       "codename '%s' (%s's guess)\n",
		       c->family, c->model, c->stepping, c->codename, c->library);
	else
		printf("            family %d (0x%X), model %d, stepping %d (extended values); "
		       "codename unknown (%s does not know this family; it guessed '%s')\n",
		       c->family, c->family, c->model, c->stepping, c->library,
		       c->codename_libcpuid);
	print_counts(si);
	printf("            caches (%s): L1d %d KiB, L1i %d KiB, L2 %d KiB, L3 %d KiB, line %d B\n",
	       si->sysfs_caches ? "CPUID; per CPU from sysfs below" : "from CPUID: sysfs has none",
	       c->l1d_kib, c->l1i_kib, c->l2_kib, c->l3_kib, c->line_bytes);
}

static void print_topology(const struct ipcb_topo *t)
{
	char present[256], online[256];

	ipcb_cpulist_format(&t->present, present, sizeof present);
	ipcb_cpulist_format(&t->online, online, sizeof online);
	printf("Topology:   CPUs present %s, online %s (/sys/devices/system/cpu)\n", present,
	       online);
	printf("  %4s %6s %7s %3s %4s %7s %4s %8s %10s %10s %6s %6s %8s %s\n", "cpu", "online",
	       "package", "die", "core", "cluster", "node", "siblings", "L2 shared", "L3 shared",
	       "L2 KiB", "L3 KiB", "capacity", "type");
	for (int i = 0; i < t->n; i++) {
		const struct ipcb_cpu_topo *c = &t->cpu[i];
		char pkg[16], die[16], core[16], clu[16], node[16], sib[64], l2[64], l3[64];
		char l2k[16], l3k[16], cap[16], type[16];

		if (!c->present)
			continue;
		int_or_dash(c->package, pkg, sizeof pkg);
		int_or_dash(c->die, die, sizeof die);
		int_or_dash(c->core, core, sizeof core);
		int_or_dash(c->cluster, clu, sizeof clu);
		int_or_dash(c->node, node, sizeof node);
		ipcb_cpulist_format(&c->smt, sib, sizeof sib);
		if (c->l2_known)
			ipcb_cpulist_format(&c->l2, l2, sizeof l2);
		else
			snprintf(l2, sizeof l2, "-");
		if (c->l3_known)
			ipcb_cpulist_format(&c->l3, l3, sizeof l3);
		else
			snprintf(l3, sizeof l3, "-");
		int_or_dash(c->l2_kib, l2k, sizeof l2k);
		int_or_dash(c->l3_kib, l3k, sizeof l3k);
		int_or_dash(c->capacity, cap, sizeof cap);
		dash_or(c->type, type, sizeof type);
		printf("  %4d %6s %7s %3s %4s %7s %4s %8s %10s %10s %6s %6s %8s %s\n", i,
		       c->online ? "yes" : "no", pkg, die, core, clu, node, sib, l2, l3, l2k, l3k,
		       cap, type);
	}
}

static void print_placements(const struct ipcb_topo *t, const cpu_set_t *allowed)
{
	unsigned mask = ipcb_topo_classes(t, allowed);
	int pair[2];
	enum ipcb_class c;

	printf("Placements: ");
	for (int i = 0, first = 1; i < IPCB_CLASS_N; i++) {
		if (!(mask & (1u << i)) ||
		    ipcb_topo_pick(t, allowed, (enum ipcb_class)i, pair) != 0)
			continue;
		printf("%s%s (CPUs %d,%d)", first ? "" : ", ", ipcb_class_name((enum ipcb_class)i),
		       pair[0], pair[1]);
		first = 0;
	}
	if (ipcb_topo_auto(t, allowed, pair, &c) == 0)
		printf("; auto: %s (CPUs %d,%d)", ipcb_class_name(c), pair[0], pair[1]);
	putchar('\n');
	if (mask & (1u << IPCB_CLASS_SAME_NODE))
		printf("            same-node: the kernel does not say which caches these CPUs "
		       "share\n");
}

/* tsc=, clocksource= and pti= (pti=on adds a page-table switch to every
 * kernel entry and process switch). */
static void print_cmdline_clock(const struct ipcb_sysinfo *si)
{
	char a[80], b[80], c[32];

	dash_or(si->tsc, a, sizeof a);
	dash_or(si->clocksource, b, sizeof b);
	dash_or(si->pti, c, sizeof c);
	printf("            tsc=%s clocksource=%s pti=%s\n", a, b, c);
	if (strcmp(si->pti, "on") == 0)
		printf("            pti=on: kernel page-table isolation forced on: every system "
		       "call and every switch between processes also switches page tables, "
		       "which IPC pays on each message\n");
}

static void print_clock(const struct ipcb_clock_info *ci)
{
	char where[32];

	if (ci->cpu >= 0)
		snprintf(where, sizeof where, "pinned to CPU %d", ci->cpu);
	else
		snprintf(where, sizeof where, "unpinned");
	printf("Clock:      %s, %.1f ns per reading (lowest of %u batches, %s; median %.1f, "
	       "highest %.1f ns); resolution %.3g ns (%s)\n",
	       ci->name, ci->overhead_ns, ci->batches, where, ci->overhead_median_ns,
	       ci->overhead_max_ns, ci->resolution_ns, ci->resolution_from);
}

static void print_text(const struct ipcb_sysinfo *si)
{
	char allowed[256], a[256], b[160], c[160], d[64];

	ipcb_cpulist_format(&si->allowed, allowed, sizeof allowed);
	print_cpu_identity(si);
	print_topology(&si->topo);
	dash_or(si->cpuset, a, sizeof a);
	printf("Process:    allowed CPUs %s (affinity mask), cgroup cpuset %s\n", allowed, a);
	print_placements(&si->topo, &si->allowed);
	printf("Kernel:     %s %s %s (%s), host %s\n", si->uts.sysname, si->uts.release,
	       si->uts.version, si->uts.machine, si->hostname);
	dash_or(si->isolcpus, a, sizeof a);
	dash_or(si->nohz_full, b, sizeof b);
	dash_or(si->mitigations, c, sizeof c);
	printf("            isolcpus=%s nohz_full=%s mitigations=%s\n", a, b, c);
	print_cmdline_clock(si);
	dash_or(si->clock_info.source, a, sizeof a);
	dash_or(si->thp, d, sizeof d);
	printf("            clocksource %s; transparent huge pages %s; memory %.1f GiB\n", a, d,
	       (double)si->mem_total_bytes / (1024.0 * 1024 * 1024));
	print_clock(&si->clock_info);
}

int ipcb_cli_cmd_info(int argc, char **argv)
{
	struct ipcb_clock clk = { .kind = IPCB_CLOCK_MONOTONIC };
	struct ipcb_sysinfo si;
	bool as_json = false;
	int c, rc = 0;

	c = ipcb_cli_parse_one_flag(argc, argv, "json", 'j', "info", ipcb_cli_info_usage, &as_json);
	if (c != IPCB_CLI_GO_ON)
		return c;
	ipcb_sysinfo_collect(&si, &clk, IPCB_SYSINFO_AUTO_CPU);
	if (as_json) {
		json_t *doc = json_pack("{s:i, s:o}", "schema_version", IPCB_SCHEMA_VERSION,
					"system", ipcb_result_system(&si));
		struct ipcb_err err;

		if (doc == NULL || ipcb_result_write(doc, "-", &err) != 0) {
			ipcb_cli_msg("info: could not write the JSON");
			rc = EXIT_FAILED;
		}
		json_decref(doc);
	} else {
		print_text(&si);
	}
	ipcb_sysinfo_free(&si);
	return rc;
}
