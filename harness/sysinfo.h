/* A description of the machine a run happens on, for every results file. */
#ifndef IPCB_SYSINFO_H
#define IPCB_SYSINFO_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/utsname.h>

#include "harness/clock.h"
#include "harness/cpuinfo.h"
#include "harness/topo.h"

struct ipcb_sysinfo {
	struct utsname uts;
	char hostname[256];
	struct ipcb_cpu_ident cpu;
	long cpus_configured; /* sysconf(_SC_NPROCESSORS_CONF) */
	long cpus_online;     /* sysconf(_SC_NPROCESSORS_ONLN) */
	cpu_set_t allowed;    /* affinity mask of this process */
	uint64_t mem_total_bytes;
	struct ipcb_topo topo;          /* from /sys/devices/system/cpu */
	struct ipcb_topo_counts counts; /* the topology's counts: authoritative */
	bool counts_agree;              /* CPUID's per-package counts match them
					 * (or are unknown) */
	bool sysfs_caches;              /* sysfs describes some CPU's caches */
	char cpuset[256];               /* the cgroup's effective cpuset, or "" */
	/* kernel command line (the last occurrence, as the kernel applies it;
	 * init's arguments after "--" excluded), or "" */
	char isolcpus[128], nohz_full[128], mitigations[128];
	char tsc[64], clocksource[64], pti[16];
	char thp[32];                      /* transparent huge pages mode, or "" */
	struct ipcb_clock clock;           /* the run's clock */
	struct ipcb_clock_info clock_info; /* what reading it costs */
};

/* Collect everything (measures the cost of reading clk pinned to CPU
 * clock_cpu, side A's, or IPCB_SYSINFO_AUTO_CPU, or unpinned when -1, so it takes a few ms).
 * Restores the calling thread's affinity, which libcpuid and the pinning
 * change. */
#define IPCB_SYSINFO_AUTO_CPU (-2) /* clock_cpu: side A of the auto placement */
void ipcb_sysinfo_collect(struct ipcb_sysinfo *si, const struct ipcb_clock *clk, int clock_cpu);

/* Release what collect allocated. */
void ipcb_sysinfo_free(struct ipcb_sysinfo *si);

/* The value of "key=" on a kernel command line, into out ("" if absent):
 * the last occurrence, as the kernel applies it, and none after "--"
 * (init's arguments). */
void ipcb_cmdline_value(const char *cmdline, const char *key, char *out, size_t len);

/* Whether the libcpuid release named by version ("0.6.2") knows CPUs of
 * this vendor and extended family, so that its codename can stand. */
bool ipcb_codename_trusted(const char *version, const char *vendor, int family);

#endif
