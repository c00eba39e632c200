/* A description of the machine: uname, libcpuid identity, CPUs, clock. */
#include "config.h"

#include <libcpuid/libcpuid.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/pin.h"
#include "harness/sysinfo.h"

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
	/* brand strings come padded with spaces */
	for (size_t n = strlen(dst); n > 0 && dst[n - 1] == ' '; n--)
		dst[n - 1] = '\0';
}

static void identify_cpu(struct ipcb_cpu_ident *ci)
{
	struct cpu_raw_data_t raw;
	struct cpu_id_t id;
	cpu_set_t saved;
	int have_saved = sched_getaffinity(0, sizeof saved, &saved) == 0;

	memset(ci, 0, sizeof *ci);
	if (!cpuid_present()) {
		copy_str(ci->error, sizeof ci->error, "CPUID instruction not available");
	} else if (cpuid_get_raw_data(&raw) < 0 || cpu_identify(&raw, &id) < 0) {
		copy_str(ci->error, sizeof ci->error, cpuid_error());
	} else {
		ci->ok = true;
		copy_str(ci->vendor, sizeof ci->vendor, id.vendor_str);
		copy_str(ci->brand, sizeof ci->brand, id.brand_str);
		copy_str(ci->codename, sizeof ci->codename, id.cpu_codename);
		ci->family = id.ext_family;
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
	}
	/* libcpuid may leave the thread pinned to the CPU it read last. */
	if (have_saved)
		(void)sched_setaffinity(0, sizeof saved, &saved);
}

static uint64_t mem_total(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

void ipcb_sysinfo_collect(struct ipcb_sysinfo *si, const struct ipcb_clock *clk)
{
	memset(si, 0, sizeof *si);
	uname(&si->uts);
	if (gethostname(si->hostname, sizeof si->hostname - 1) != 0)
		si->hostname[0] = '\0';
	identify_cpu(&si->cpu);
	si->cpus_configured = sysconf(_SC_NPROCESSORS_CONF);
	si->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	ipcb_cpus_allowed(&si->allowed);
	si->mem_total_bytes = mem_total();
	si->clock = *clk;
	ipcb_clock_measure(clk, &si->clock_info);
}
