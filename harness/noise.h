/* Conditions that make figures less trustworthy, detected at start: load,
 * CPUs not isolated, frequency governor, turbo, a hypervisor, busy SMT
 * siblings. Read from a root directory, so that fixture trees can stand in
 * for /proc and /sys in the tests. */
#ifndef IPCB_NOISE_H
#define IPCB_NOISE_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

#define IPCB_WARNINGS_MAX 16

struct ipcb_warning {
	char code[24]; /* "load", "not-isolated", "governor", "turbo", "hypervisor", "smt-busy" */
	char msg[256]; /* one line */
};

struct ipcb_warnings {
	int n;
	struct ipcb_warning w[IPCB_WARNINGS_MAX];
};

/* What the assessment looks at. */
struct ipcb_noise_input {
	double load1; /* 1-minute load average; < 0 unknown */
	int online_cpus;
	cpu_set_t isolated;   /* isolcpus, the cgroup v2 isolated partitions and
			       * nohz_full together */
	char governor[2][32]; /* per chosen CPU; "" without cpufreq */
	int boost;            /* global: 1 on, 0 off, -1 unknown */
	int policy_boost[2];  /* per chosen CPU, its cpufreq policy's boost */
	bool hypervisor;
	int busiest_sibling[2]; /* per chosen CPU: its busiest SMT sibling, -1 none */
	double sibling_busy[2]; /* ... and how busy it was, 0..1 */
};

/* Read the input under root ("/" for this machine) for the CPU pair;
 * samples /proc/stat twice, sample_ms apart, when a chosen CPU has an SMT
 * sibling (0: no sampling, siblings count as idle); the second sample is
 * proc/stat.later where root has one (fixture trees). Missing files leave
 * their fields unknown. */
void ipcb_noise_read(const char *root, const int cpu[2], unsigned sample_ms,
		     struct ipcb_noise_input *in);

/* The warnings the input calls for. */
void ipcb_noise_assess(const struct ipcb_noise_input *in, const int cpu[2],
		       struct ipcb_warnings *out);

/* Read and assess every CPU pair of pairs (n of them), each warning once:
 * the same text from two pairs counts once. */
void ipcb_noise_check(const char *root, const int (*pairs)[2], size_t n, unsigned sample_ms,
		      struct ipcb_warnings *out);

/* The fraction of time CPU cpu was busy between two /proc/stat texts
 * (everything but idle and iowait); < 0 when the CPU is missing. */
double ipcb_cpu_busy(const char *stat_before, const char *stat_after, int cpu);

#endif
