/* A description of the machine a run happens on, for every results file. */
#ifndef IPCB_SYSINFO_H
#define IPCB_SYSINFO_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/utsname.h>

#include "harness/clock.h"
#include "harness/topo.h"

struct ipcb_cpu_ident {
	bool ok;               /* libcpuid identified the CPU */
	char error[128];       /* why not, when !ok */
	char vendor[16];
	char brand[64];
	char codename[64];     /* libcpuid's guess; may be wrong on new CPUs */
	int family, model, stepping; /* extended family/model, as the kernel shows */
	int cores, logical_cpus;      /* per package, as CPUID reports them */
	int l1d_kib, l1i_kib, l2_kib, l3_kib, line_bytes; /* -1 = unknown */
	bool hypervisor;       /* CPUID's hypervisor bit */
	char kernel_model[96]; /* "model name" in /proc/cpuinfo, as lscpu shows it */
};

struct ipcb_sysinfo {
	struct utsname uts;
	char hostname[256];
	struct ipcb_cpu_ident cpu;
	long cpus_configured;  /* sysconf(_SC_NPROCESSORS_CONF) */
	long cpus_online;      /* sysconf(_SC_NPROCESSORS_ONLN) */
	cpu_set_t allowed;     /* affinity mask of this process */
	uint64_t mem_total_bytes;
	struct ipcb_topo topo;             /* from /sys/devices/system/cpu */
	char cpuset[256];                  /* the cgroup's effective cpuset, or "" */
	char isolcpus[128], nohz_full[128], mitigations[128]; /* kernel command line, or "" */
	char thp[32];                      /* transparent huge pages mode, or "" */
	struct ipcb_clock clock;           /* the run's clock */
	struct ipcb_clock_info clock_info; /* what reading it costs */
};

/* Collect everything (measures the cost of reading clk, so it takes a few
 * ms). Restores the calling thread's affinity, which libcpuid may change. */
void ipcb_sysinfo_collect(struct ipcb_sysinfo *si, const struct ipcb_clock *clk);

/* Release what collect allocated. */
void ipcb_sysinfo_free(struct ipcb_sysinfo *si);

/* The value of "key=" on a kernel command line, into out ("" if absent). */
void ipcb_cmdline_value(const char *cmdline, const char *key, char *out, size_t len);

#endif
