/* A description of the machine: uname, CPU identity, CPUs, clock. */
#include "config.h"

#ifdef HAVE_LIBCPUID
#include <libcpuid/libcpuid.h>
#endif
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/pin.h"
#include "harness/sysfs.h"
#include "harness/sysinfo.h"

/* The extended families libcpuid has codenames for, by vendor, up to
 * release 0.6.2 (from its cpudb tables): AMD up to family 0x19 (Zen 3 and
 * Zen 4), Hygon's 0x18, Intel's 5, 6 and 15. Any other family gets the
 * nearest entry, such as a 2012 Opteron (family 0x15) for a family 0x1A
 * (Zen 5) CPU. Later releases keep their word. */
#define KNOWN_UP_TO 602 /* 0.6.2 as major * 10000 + minor * 100 + patch */
static const struct {
	const char *vendor; /* CPUID vendor string */
	int lo, hi;         /* extended family range */
} known_families[] = {
	{ "AuthenticAMD", 0x04, 0x19 },
	{ "HygonGenuine", 0x18, 0x18 },
	{ "GenuineIntel", 0x04, 0x0F },
};

bool ipcb_codename_trusted(const char *version, const char *vendor, int family)
{
	int major = 0, minor = 0, patch = 0;

	if (version == NULL || sscanf(version, "%d.%d.%d", &major, &minor, &patch) < 2)
		return false;
	if (major * 10000 + minor * 100 + patch > KNOWN_UP_TO)
		return true;
	for (size_t i = 0; i < sizeof known_families / sizeof known_families[0]; i++)
		if (strcmp(vendor, known_families[i].vendor) == 0)
			return family >= known_families[i].lo && family <= known_families[i].hi;
	return true;
}

#ifdef HAVE_LIBCPUID
/* The kernel's name for the CPU, to compare with CPUID's brand string
 * (a hypervisor may show them differently). */
static void kernel_model(char *out, size_t len)
{
	char block[IPCB_CPUINFO_BLOCK_MAX];

	out[0] = '\0';
	if (ipcb_cpuinfo_block("/proc/cpuinfo", block, sizeof block) == 0)
		ipcb_cpuinfo_get(block, "model name", out, len);
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
	/* brand strings come padded with spaces */
	for (size_t n = strlen(dst); n > 0 && dst[n - 1] == ' '; n--)
		dst[n - 1] = '\0';
}

/* The CPU as libcpuid identifies it. 0, or -1 with the reason in
 * ci->error. */
static int identify_libcpuid(struct ipcb_cpu_ident *ci)
{
	struct cpu_raw_data_t raw;
	struct cpu_id_t id;
	cpu_set_t saved;
	int have_saved = sched_getaffinity(0, sizeof saved, &saved) == 0;

	ipcb_cpu_ident_clear(ci, IPCB_CPU_FROM_LIBCPUID);
	snprintf(ci->library, sizeof ci->library, "libcpuid %s", cpuid_lib_version());
	if (!cpuid_present()) {
		copy_str(ci->error, sizeof ci->error, "CPUID instruction not available");
	} else if (cpuid_get_raw_data(&raw) < 0 || cpu_identify(&raw, &id) < 0) {
		copy_str(ci->error, sizeof ci->error, cpuid_error());
	} else {
		ci->ok = true;
		copy_str(ci->vendor, sizeof ci->vendor, id.vendor_str);
		copy_str(ci->brand, sizeof ci->brand, id.brand_str);
		copy_str(ci->codename_libcpuid, sizeof ci->codename_libcpuid, id.cpu_codename);
		ci->family = id.ext_family;
		if (ipcb_codename_trusted(cpuid_lib_version(), ci->vendor, ci->family))
			copy_str(ci->codename, sizeof ci->codename, id.cpu_codename);
		ci->model = id.ext_model;
		ci->stepping = id.stepping;
		ci->cores = id.num_cores;
		ci->logical_cpus = id.num_logical_cpus;
		ci->l1d_kib = id.l1_data_cache;
		ci->l1i_kib = id.l1_instruction_cache;
		ci->l2_kib = id.l2_cache;
		ci->l3_kib = id.l3_cache;
		ci->line_bytes = id.l1_data_cacheline;
		ci->hypervisor = id.flags[CPU_FEATURE_HYPERVISOR] != 0;
		ci->hypervisor_known = true;
	}
	/* libcpuid may leave the thread pinned to the CPU it read last. */
	if (have_saved)
		(void)sched_setaffinity(0, sizeof saved, &saved);
	return ci->ok ? 0 : -1;
}
#endif

/* libcpuid's identity where it is built in and works; else the kernel's
 * (/proc/cpuinfo and sysfs), keeping why libcpuid did not stand. */
static void identify_cpu(const struct ipcb_topo *t, struct ipcb_cpu_ident *ci)
{
	char library[sizeof ci->library] = "", why[sizeof ci->library_error] = "";

#ifdef HAVE_LIBCPUID
	if (identify_libcpuid(ci) == 0) {
		kernel_model(ci->kernel_model, sizeof ci->kernel_model);
		return;
	}
	memcpy(library, ci->library, sizeof library);
	snprintf(why, sizeof why, "%s: %s", ci->library, ci->error);
#endif
	(void)ipcb_cpuinfo_identify("/", t, ci);
	memcpy(ci->library, library, sizeof library);
	memcpy(ci->library_error, why, sizeof why);
}

static uint64_t mem_total(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

void ipcb_cmdline_value(const char *cmdline, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	out[0] = '\0';
	while (*p != '\0') {
		size_t w;

		p += strspn(p, " \t\n");
		w = strcspn(p, " \t\n");
		if (w == 2 && strncmp(p, "--", 2) == 0)
			break;
		if (w > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
			snprintf(out, len, "%.*s", (int)(w - klen - 1), p + klen + 1);
		p += w;
	}
}

/* The effective cpuset of this process's cgroup (v2, or v1's cpuset
 * hierarchy). */
static void read_cpuset(char *out, size_t len)
{
	char line[512], path[768];
	FILE *f = fopen("/proc/self/cgroup", "r");

	out[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		char *ctl = strchr(line, ':'), *cg;

		if (ctl == NULL || (cg = strchr(ctl + 1, ':')) == NULL)
			continue;
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		if (strcmp(ctl + 1, "") == 0)
			snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpuset.cpus.effective", cg);
		else if (strstr(ctl + 1, "cpuset") != NULL)
			snprintf(path, sizeof path, "/sys/fs/cgroup/cpuset%s/cpuset.effective_cpus",
				 cg);
		else
			continue;
		if (ipcb_sysfs_read_str(path, out, len) == 0 && out[0] != '\0')
			break;
	}
	fclose(f);
}

/* "always [madvise] never" -> "madvise" */
static void read_thp(char *out, size_t len)
{
	char buf[128], *open_b, *close_b;

	out[0] = '\0';
	if (ipcb_sysfs_read_str("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) !=
	    0)
		return;
	open_b = strchr(buf, '[');
	close_b = open_b ? strchr(open_b, ']') : NULL;
	if (close_b != NULL)
		snprintf(out, len, "%.*s", (int)(close_b - open_b - 1), open_b + 1);
}

void ipcb_sysinfo_free(struct ipcb_sysinfo *si)
{
	ipcb_topo_free(&si->topo);
}

/* Whether CPUID's per-package counts are those of the topology (true
 * when either is unknown). */
static bool counts_agree(const struct ipcb_cpu_ident *c, const struct ipcb_topo_counts *k)
{
	return !c->ok || k->packages == 0 || c->cores < 0 || c->logical_cpus < 0 ||
	       (c->cores == k->cores_per_package && c->logical_cpus == k->logical_per_package);
}

static bool any_sysfs_cache(const struct ipcb_topo *t)
{
	for (int i = 0; i < t->n; i++)
		if (t->cpu[i].l2_known || t->cpu[i].l3_known)
			return true;
	return false;
}

void ipcb_sysinfo_collect(struct ipcb_sysinfo *si, const struct ipcb_clock *clk, int clock_cpu)
{
	char cmdline[4096];

	memset(si, 0, sizeof *si);
	uname(&si->uts);
	if (gethostname(si->hostname, sizeof si->hostname - 1) != 0)
		si->hostname[0] = '\0';
	(void)ipcb_topo_read("/", &si->topo);
	identify_cpu(&si->topo, &si->cpu);
	si->cpus_configured = sysconf(_SC_NPROCESSORS_CONF);
	si->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	ipcb_cpus_allowed(&si->allowed);
	si->mem_total_bytes = mem_total();
	ipcb_topo_count(&si->topo, &si->counts);
	si->counts_agree = counts_agree(&si->cpu, &si->counts);
	si->sysfs_caches = any_sysfs_cache(&si->topo);
	read_cpuset(si->cpuset, sizeof si->cpuset);
	read_thp(si->thp, sizeof si->thp);
	if (ipcb_sysfs_read_str("/proc/cmdline", cmdline, sizeof cmdline) == 0) {
		ipcb_cmdline_value(cmdline, "isolcpus", si->isolcpus, sizeof si->isolcpus);
		ipcb_cmdline_value(cmdline, "nohz_full", si->nohz_full, sizeof si->nohz_full);
		ipcb_cmdline_value(cmdline, "mitigations", si->mitigations, sizeof si->mitigations);
		ipcb_cmdline_value(cmdline, "tsc", si->tsc, sizeof si->tsc);
		ipcb_cmdline_value(cmdline, "clocksource", si->clocksource, sizeof si->clocksource);
		ipcb_cmdline_value(cmdline, "pti", si->pti, sizeof si->pti);
	}
	si->clock = *clk;
	if (clock_cpu == IPCB_SYSINFO_AUTO_CPU) {
		int pair[2];
		enum ipcb_class c;

		clock_cpu = ipcb_topo_auto(&si->topo, &si->allowed, pair, &c) == 0 ? pair[0] : -1;
	}
	ipcb_clock_measure(clk, clock_cpu, &si->clock_info);
}
