/* Noise warnings from fixture /proc and /sys trees: a quiet machine, a
 * noisy one, SMT sibling load from two /proc/stat samples, isolation by
 * cpuset partition and nohz_full, per-policy boost. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "harness/noise.h"
#include "tests/tap.h"

static char root[4096];

static const char *fixture(const char *name)
{
	const char *top = getenv("top_srcdir");

	snprintf(root, sizeof root, "%s/tests/fixtures/noise/%s", top ? top : ".", name);
	return root;
}

static int count(const struct ipcb_warnings *w, const char *code)
{
	int n = 0;

	for (int i = 0; i < w->n; i++)
		n += strcmp(w->w[i].code, code) == 0;
	return n;
}

static char *slurp(const char *name, const char *rel)
{
	char path[4200];
	static char buf[2][4096];
	static int k;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", fixture(name), rel);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf[k], 1, sizeof buf[k] - 1, f);
	buf[k][n] = '\0';
	fclose(f);
	return buf[k++ % 2];
}

int main(void)
{
	struct ipcb_noise_input in;
	struct ipcb_warnings w;
	const int isolated_pair[2] = { 2, 3 }, pair[2] = { 0, 1 }, same[2] = { 0, 0 };
	const char *before, *after;

	tap_init();
	ipcb_noise_read(fixture("quiet"), isolated_pair, 10, &in);
	ipcb_noise_assess(&in, isolated_pair, &w);
	ok(w.n == 0, "quiet machine, isolated CPUs 2,3: no warning (%d)", w.n);
	ok(in.load1 > 0.07 && in.load1 < 0.09 && in.online_cpus == 4 && in.boost == 0,
	   "read the load (%.2f), online CPUs (%d) and boost (%d)", in.load1, in.online_cpus,
	   in.boost);

	ipcb_noise_read(fixture("quiet"), pair, 0, &in);
	ipcb_noise_assess(&in, pair, &w);
	ok(w.n == 2 && count(&w, "not-isolated") == 2,
	   "quiet machine, CPUs 0,1: only 'not isolated', twice");
	ok(strstr(w.w[0].msg, "CPU 0 is not isolated") != NULL, "the message names the CPU: %s",
	   w.w[0].msg);

	ipcb_noise_read(fixture("noisy"), pair, 0, &in);
	ipcb_noise_assess(&in, pair, &w);
	ok(count(&w, "load") == 1 && strstr(w.w[0].msg, "3.50") != NULL, "load 3.50 on 4 CPUs: %s",
	   w.w[0].msg);
	ok(count(&w, "not-isolated") == 2, "nothing isolated");
	ok(count(&w, "governor") == 2, "powersave and schedutil governors");
	ok(count(&w, "turbo") == 1, "boost on");
	ok(count(&w, "hypervisor") == 1, "the hypervisor flag");
	ok(count(&w, "smt-busy") == 0, "siblings not sampled: no SMT warning");
	ok(in.busiest_sibling[0] == -1, "without sampling no sibling is named");

	ipcb_noise_read(fixture("noisy"), same, 0, &in);
	ipcb_noise_assess(&in, same, &w);
	ok(count(&w, "not-isolated") == 1 && count(&w, "governor") == 1,
	   "both sides on CPU 0: each warning once");

	before = slurp("noisy", "proc/stat");
	after = slurp("noisy", "proc/stat.later");
	ok(before && after && fabs(ipcb_cpu_busy(before, after, 2) - 0.60) < 1e-9,
	   "CPU 2 was 60%% busy between the samples");
	ok(fabs(ipcb_cpu_busy(before, after, 3) - 0.05) < 1e-9, "CPU 3 was 5%% busy");
	ok(ipcb_cpu_busy(before, after, 9) < 0, "an absent CPU gives no figure");
	/* The reader's second sample is the fixture's proc/stat.later. */
	ipcb_noise_read(fixture("noisy"), pair, 10, &in);
	ok(in.busiest_sibling[0] == 2 && in.busiest_sibling[1] == 3,
	   "sampling names the SMT siblings of 0 and 1: %d and %d", in.busiest_sibling[0],
	   in.busiest_sibling[1]);
	ok(fabs(in.sibling_busy[0] - 0.60) < 1e-9 && fabs(in.sibling_busy[1] - 0.05) < 1e-9,
	   "the reader measures them from two samples: %.2f and %.2f", in.sibling_busy[0],
	   in.sibling_busy[1]);
	ipcb_noise_assess(&in, pair, &w);
	ok(count(&w, "smt-busy") == 1, "a 60%% busy sibling warns, a 5%% one does not");
	ok(w.n > 0 &&
		   strstr(w.w[w.n - 1].msg, "CPU 2, an SMT sibling of CPU 0, was 60% busy") != NULL,
	   "the message: %s", w.w[w.n - 1].msg);

	/* CPU 2 in an isolated cgroup v2 partition, CPU 3 nohz_full; boost on
	 * globally, but off in the policies of CPUs 1-3. */
	ipcb_noise_read(fixture("partition"), isolated_pair, 0, &in);
	ipcb_noise_assess(&in, isolated_pair, &w);
	ok(w.n == 0,
	   "isolated partition and nohz_full CPUs 2,3, their boost off: no warning (%d%s%s)", w.n,
	   w.n ? ": " : "", w.n ? w.w[0].msg : "");
	ipcb_noise_read(fixture("partition"), pair, 0, &in);
	ipcb_noise_assess(&in, pair, &w);
	ok(count(&w, "not-isolated") == 2, "CPUs 0,1 outside them: not isolated");
	ok(count(&w, "turbo") == 1 && strstr(w.w[w.n - 1].msg, "for CPU 0") != NULL,
	   "CPU 0's policy boosts: %s", w.n ? w.w[w.n - 1].msg : "");
	{
		const int one[2] = { 1, 1 };

		ipcb_noise_read(fixture("partition"), one, 0, &in);
		ipcb_noise_assess(&in, one, &w);
		ok(count(&w, "turbo") == 0,
		   "CPU 1's policy does not, whatever the global file says");
		/* one CPU's policy off, the other without a policy switch: that
		 * one follows the global switch, which is on */
		in.boost = 1;
		in.policy_boost[0] = 0;
		in.policy_boost[1] = -1;
		ipcb_noise_assess(&in, pair, &w);
		ok(count(&w, "turbo") == 1,
		   "a CPU without a policy switch follows the global boost");
	}
	{
		const int pairs[2][2] = { { 0, 1 }, { 1, 0 } };

		ipcb_noise_check(fixture("noisy"), pairs, 2, 0, &w);
		ok(count(&w, "not-isolated") == 2 && count(&w, "load") == 1,
		   "two pairs of the same CPUs: each warning once (%d)", w.n);
	}

	ipcb_noise_read(fixture("noisy-intel"), pair, 0, &in);
	ok(in.boost == 1, "intel_pstate no_turbo=0 means turbo on");
	ipcb_noise_read(fixture("missing"), pair, 0, &in);
	ipcb_noise_assess(&in, pair, &w);
	ok(in.load1 < 0 && in.boost == -1 && count(&w, "load") == 0 && count(&w, "turbo") == 0,
	   "missing files: unknown, no guesses");
	return tap_done();
}
