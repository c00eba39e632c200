/* Noise warnings: what in the machine's state makes figures less
 * trustworthy. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/cpuinfo.h"
#include "harness/noise.h"
#include "harness/pin.h"
#include "harness/sysfs.h"

/* Thresholds: a load above half a task per CPU, a sibling busy more than a
 * tenth of the time. */
#define LOAD_PER_CPU 0.5
#define SIBLING_BUSY 0.10

static int read_rel(const char *root, const char *rel, char *buf, size_t len)
{
	char path[512];

	ipcb_sysfs_join(path, sizeof path, root, rel);
	return ipcb_sysfs_read_str(path, buf, len);
}

/* A whole file (up to len - 1 bytes); "" when unreadable. */
static void slurp(const char *root, const char *rel, char *buf, size_t len)
{
	char path[512];
	FILE *f;
	size_t n;

	ipcb_sysfs_join(path, sizeof path, root, rel);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f == NULL)
		return;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static bool has_hypervisor_flag(const char *root)
{
	char path[512];

	ipcb_sysfs_join(path, sizeof path, root, "proc/cpuinfo");
	return ipcb_cpuinfo_flag(path, "hypervisor");
}

double ipcb_cpu_busy(const char *before, const char *after, int cpu)
{
	char tag[32];
	unsigned long long v[2][10];
	const char *texts[2] = { before, after };
	unsigned long long total[2] = { 0, 0 }, idle[2] = { 0, 0 };

	snprintf(tag, sizeof tag, "\ncpu%d ", cpu);
	for (int k = 0; k < 2; k++) {
		const char *p = strstr(texts[k], tag);

		memset(v[k], 0, sizeof v[k]);
		if (p == NULL || sscanf(p + strlen(tag), "%llu %llu %llu %llu %llu %llu %llu %llu",
					&v[k][0], &v[k][1], &v[k][2], &v[k][3], &v[k][4], &v[k][5],
					&v[k][6], &v[k][7]) < 5)
			return -1.0;
		for (int i = 0; i < 8; i++)
			total[k] += v[k][i];
		idle[k] = v[k][3] + v[k][4];
	}
	if (total[1] <= total[0])
		return 0.0;
	return 1.0 - (double)(idle[1] - idle[0]) / (double)(total[1] - total[0]);
}

/* SMT siblings of cpu, without itself and without the other chosen CPU
 * (a pair on one core is a placement, not noise). */
static void siblings_of(const char *root, int cpu, int other, cpu_set_t *set)
{
	char rel[128], buf[256];

	CPU_ZERO(set);
	snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
		 cpu);
	if (read_rel(root, rel, buf, sizeof buf) != 0 || ipcb_cpulist_parse(buf, set) != 0)
		CPU_ZERO(set);
	CPU_CLR(cpu, set);
	CPU_CLR(other, set);
}

static void sample_siblings(const char *root, const int cpu[2], unsigned sample_ms,
			    struct ipcb_noise_input *in)
{
	static char before[65536], after[65536];
	cpu_set_t sib[2];
	struct timespec ts = { .tv_sec = sample_ms / 1000,
			       .tv_nsec = (long)(sample_ms % 1000) * 1000000 };

	for (int s = 0; s < 2; s++) {
		siblings_of(root, cpu[s], cpu[!s], &sib[s]);
		in->busiest_sibling[s] = -1;
		in->sibling_busy[s] = 0.0;
	}
	if (sample_ms == 0 || (CPU_COUNT(&sib[0]) == 0 && CPU_COUNT(&sib[1]) == 0))
		return;
	slurp(root, "proc/stat", before, sizeof before);
	nanosleep(&ts, NULL);
	slurp(root, "proc/stat.later", after, sizeof after);
	if (after[0] == '\0')
		slurp(root, "proc/stat", after, sizeof after);
	for (int s = 0; s < 2; s++) {
		for (int c = 0; c < CPU_SETSIZE; c++) {
			double busy;

			if (!CPU_ISSET(c, &sib[s]))
				continue;
			busy = ipcb_cpu_busy(before, after, c);
			if (busy > in->sibling_busy[s] || in->busiest_sibling[s] < 0) {
				in->sibling_busy[s] = busy < 0 ? 0 : busy;
				in->busiest_sibling[s] = c;
			}
		}
	}
}

/* The boost file of cpu's cpufreq policy (cpuN/cpufreq links to
 * cpufreq/policyM): 1 on, 0 off, -1 none. */
static int read_policy_boost(const char *root, int cpu)
{
	char rel[128], buf[16];

	snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d/cpufreq/boost", cpu);
	return read_rel(root, rel, buf, sizeof buf) == 0 ? atoi(buf) != 0 : -1;
}

/* CPUs kept apart from the scheduler's ordinary work: isolcpus (the
 * isolated file), isolated cgroup v2 cpuset partitions
 * (cpuset.cpus.isolated at the root), and nohz_full CPUs. */
static void read_isolated(const char *root, cpu_set_t *set)
{
	static const char *const rels[] = {
		"sys/devices/system/cpu/isolated",
		"sys/fs/cgroup/cpuset.cpus.isolated",
		"sys/devices/system/cpu/nohz_full",
	};
	char buf[4096];

	CPU_ZERO(set);
	for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++) {
		cpu_set_t one;

		if (read_rel(root, rels[i], buf, sizeof buf) == 0 && buf[0] != '(' &&
		    ipcb_cpulist_parse(buf, &one) == 0)
			CPU_OR(set, set, &one);
	}
}

static int read_boost(const char *root)
{
	char buf[16];

	if (read_rel(root, "sys/devices/system/cpu/cpufreq/boost", buf, sizeof buf) == 0)
		return atoi(buf) != 0;
	/* intel_pstate says it the other way round. */
	if (read_rel(root, "sys/devices/system/cpu/intel_pstate/no_turbo", buf, sizeof buf) == 0)
		return atoi(buf) == 0;
	return -1;
}

void ipcb_noise_read(const char *root, const int cpu[2], unsigned sample_ms,
		     struct ipcb_noise_input *in)
{
	char buf[4096];
	cpu_set_t online;

	memset(in, 0, sizeof *in);
	in->load1 = -1.0;
	if (read_rel(root, "proc/loadavg", buf, sizeof buf) == 0)
		in->load1 = strtod(buf, NULL);
	in->online_cpus = 1;
	if (read_rel(root, "sys/devices/system/cpu/online", buf, sizeof buf) == 0 &&
	    ipcb_cpulist_parse(buf, &online) == 0 && CPU_COUNT(&online) > 0)
		in->online_cpus = CPU_COUNT(&online);
	read_isolated(root, &in->isolated);
	for (int s = 0; s < 2; s++) {
		char rel[128];

		snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor",
			 cpu[s]);
		if (read_rel(root, rel, in->governor[s], sizeof in->governor[s]) != 0)
			in->governor[s][0] = '\0';
		in->policy_boost[s] = read_policy_boost(root, cpu[s]);
	}
	in->boost = read_boost(root);
	in->hypervisor = has_hypervisor_flag(root);
	sample_siblings(root, cpu, sample_ms, in);
}

static void warn(struct ipcb_warnings *out, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(struct ipcb_warnings *out, const char *code, const char *fmt, ...)
{
	struct ipcb_warning *w;
	va_list ap;

	if (out->n >= IPCB_WARNINGS_MAX)
		return;
	w = &out->w[out->n++];
	snprintf(w->code, sizeof w->code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof w->msg, fmt, ap);
	va_end(ap);
}

/* Boost of the chosen CPUs: their policies' files where they have them
 * (off globally is off everywhere), else the global one. */
static void turbo(const struct ipcb_noise_input *in, const int cpu[2], int n_cpus,
		  struct ipcb_warnings *out)
{
	bool follows_global = false;

	if (in->boost == 0)
		return;
	for (int s = 0; s < n_cpus; s++)
		if (in->policy_boost[s] == 1) {
			warn(out, "turbo",
			     "frequency boost (turbo) is on for CPU %d (its cpufreq policy): clock "
			     "speeds vary with load and temperature",
			     cpu[s]);
			return;
		} else if (in->policy_boost[s] < 0) {
			/* no per-policy switch: the global one applies */
			follows_global = true;
		}
	if (follows_global && in->boost == 1)
		warn(out, "turbo",
		     "frequency boost (turbo) is on: clock speeds vary with load and temperature");
}

void ipcb_noise_assess(const struct ipcb_noise_input *in, const int cpu[2],
		       struct ipcb_warnings *out)
{
	int n_cpus = cpu[0] == cpu[1] ? 1 : 2;

	out->n = 0;
	if (in->load1 > LOAD_PER_CPU * in->online_cpus)
		warn(out, "load",
		     "load average %.2f over the last minute is above %.1f per CPU (%d CPUs): "
		     "other work competes for the CPUs",
		     in->load1, LOAD_PER_CPU, in->online_cpus);
	for (int s = 0; s < n_cpus; s++)
		if (!CPU_ISSET(cpu[s], &in->isolated))
			warn(out, "not-isolated",
			     "CPU %d is not isolated (isolcpus, an isolated cpuset partition or "
			     "nohz_full): other tasks and interrupts may run on it",
			     cpu[s]);
	for (int s = 0; s < n_cpus; s++)
		if (in->governor[s][0] != '\0' && strcmp(in->governor[s], "performance") != 0)
			warn(out, "governor",
			     "CPU %d uses the '%s' frequency governor, not 'performance': its "
			     "clock speed follows the load",
			     cpu[s], in->governor[s]);
	turbo(in, cpu, n_cpus, out);
	if (in->hypervisor)
		warn(out, "hypervisor",
		     "running under a hypervisor: a wake-up on another CPU goes through it, and "
		     "the host may preempt or move the virtual CPUs");
	for (int s = 0; s < n_cpus; s++)
		if (in->busiest_sibling[s] >= 0 && in->sibling_busy[s] > SIBLING_BUSY)
			warn(out, "smt-busy",
			     "CPU %d, an SMT sibling of CPU %d, was %.0f%% busy: it shares the "
			     "core's execution units",
			     in->busiest_sibling[s], cpu[s], 100.0 * in->sibling_busy[s]);
}

void ipcb_noise_check(const char *root, const int (*pairs)[2], size_t n, unsigned sample_ms,
		      struct ipcb_warnings *out)
{
	out->n = 0;
	for (size_t k = 0; k < n; k++) {
		struct ipcb_noise_input in;
		struct ipcb_warnings one;

		ipcb_noise_read(root, pairs[k], sample_ms, &in);
		ipcb_noise_assess(&in, pairs[k], &one);
		for (int i = 0; i < one.n; i++) {
			bool seen = false;

			for (int j = 0; j < out->n && !seen; j++)
				seen = strcmp(out->w[j].msg, one.w[i].msg) == 0;
			if (!seen && out->n < IPCB_WARNINGS_MAX)
				out->w[out->n++] = one.w[i];
		}
	}
}
