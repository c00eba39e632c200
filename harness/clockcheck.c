/* The clock check of one-way cells: stamps exchanged both ways between two
 * pinned processes through a shared cache line. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/clockcheck.h"
#include "harness/pin.h"

/* How long the whole exchange may take before it is abandoned. */
#define CHECK_DEADLINE_NS 5000000000ull

struct exchange {
	_Alignas(64) _Atomic uint64_t turn; /* 2i: A writes; 2i + 1: B writes */
	uint64_t stamp;                     /* the writer's reading */
	_Alignas(64) int64_t min[2];        /* [0] A->B, [1] B->A */
	int failed[2];
};

int64_t ipcb_clockcheck_diff_ns(const struct ipcb_clock *clk, uint64_t later, uint64_t earlier)
{
	uint64_t d = later >= earlier ? later - earlier : earlier - later;

	if (clk->kind == IPCB_CLOCK_TSC)
		d = ipcb_tsc_to_ns(&clk->tsc, d);
	return later >= earlier ? (int64_t)d : -(int64_t)d;
}

bool ipcb_clockcheck_judge(struct ipcb_clockcheck *cc, char *why, size_t len)
{
	const int64_t tol = (int64_t)(cc->tolerance_ns + 0.5);

	cc->consistent = cc->min_ab_ns >= -tol && cc->min_ba_ns >= -tol;
	if (!cc->consistent)
		snprintf(why, len,
			 "clock check: the clock of CPU %d reads %" PRId64
			 " ns earlier than that of CPU %d (min B-A %" PRId64 " ns, min A-B %" PRId64
			 " ns over %u samples each way; tolerance %.0f ns): one-way latency "
			 "cannot be measured between them",
			 cc->min_ab_ns < -tol ? cc->cpu[1] : cc->cpu[0],
			 cc->min_ab_ns < -tol ? -cc->min_ab_ns : -cc->min_ba_ns,
			 cc->min_ab_ns < -tol ? cc->cpu[0] : cc->cpu[1], cc->min_ab_ns,
			 cc->min_ba_ns, cc->samples, cc->tolerance_ns);
	else if (len > 0)
		why[0] = '\0';
	return cc->consistent;
}

static inline uint64_t raw_now(const struct ipcb_clock *clk)
{
	return clk->kind == IPCB_CLOCK_TSC ? ipcb_tsc_now() : ipcb_clock_now_ns();
}

/* Wait for turn t; false past the deadline. */
static bool await_turn(struct exchange *x, uint64_t t, bool yield, uint64_t deadline)
{
	unsigned n = 0;

	while (atomic_load_explicit(&x->turn, memory_order_acquire) != t) {
		if (yield)
			sched_yield();
		if ((++n & 1023) == 0 && ipcb_clock_now_ns() > deadline)
			return false;
	}
	return true;
}

/* One side's part: write on its turns, read on the other's. */
static int exchange_side(struct exchange *x, int side, const struct ipcb_clock *clk,
			 unsigned samples, bool yield)
{
	uint64_t deadline = ipcb_clock_now_ns() + CHECK_DEADLINE_NS;

	for (unsigned i = 0; i < samples; i++) {
		uint64_t base = 2 * (uint64_t)i;

		/* A writes on 2i and reads on 2i + 2 (B's write of 2i + 1). */
		if (side == 0) {
			if (i > 0) {
				if (!await_turn(x, base, yield, deadline))
					return -1;
				ipcb_clockcheck_fold(
					&x->min[1],
					ipcb_clockcheck_diff_ns(clk, raw_now(clk), x->stamp),
					i == 1);
			}
			x->stamp = raw_now(clk);
			atomic_store_explicit(&x->turn, base + 1, memory_order_release);
		} else {
			if (!await_turn(x, base + 1, yield, deadline))
				return -1;
			ipcb_clockcheck_fold(&x->min[0],
					     ipcb_clockcheck_diff_ns(clk, raw_now(clk), x->stamp),
					     i == 0);
			x->stamp = raw_now(clk);
			atomic_store_explicit(&x->turn, base + 2, memory_order_release);
		}
	}
	if (side == 0) {
		if (!await_turn(x, 2 * (uint64_t)samples, yield, deadline))
			return -1;
		ipcb_clockcheck_fold(&x->min[1],
				     ipcb_clockcheck_diff_ns(clk, raw_now(clk), x->stamp),
				     samples == 1);
	}
	return 0;
}

static pid_t spawn_side(struct exchange *x, int side, int cpu, const struct ipcb_clock *clk,
			unsigned samples, bool yield)
{
	pid_t parent = getpid(), pid = fork();
	struct ipcb_err err;

	if (pid != 0)
		return pid;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent ||
	    ipcb_pin_self(cpu, &err) != 0 || exchange_side(x, side, clk, samples, yield) != 0)
		x->failed[side] = 1;
	_exit(x->failed[side]);
}

int ipcb_clockcheck_run(int cpu_a, int cpu_b, const struct ipcb_clock *clk, double tolerance_ns,
			struct ipcb_clockcheck *cc, struct ipcb_err *err)
{
	struct exchange *x =
		mmap(NULL, sizeof *x, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid[2];
	int status[2] = { 0, 0 }, e = 0;
	char why[256];

	if (x == MAP_FAILED)
		return ipcb_err_set(err, errno, "clock check: mmap");
	memset(cc, 0, sizeof *cc);
	cc->cpu[0] = cpu_a;
	cc->cpu[1] = cpu_b;
	cc->samples = IPCB_CLOCKCHECK_SAMPLES;
	cc->tolerance_ns = tolerance_ns;
	fflush(NULL);
	pid[0] = spawn_side(x, 0, cpu_a, clk, cc->samples, cpu_a == cpu_b);
	pid[1] = pid[0] < 0 ? -1 : spawn_side(x, 1, cpu_b, clk, cc->samples, cpu_a == cpu_b);
	if (pid[0] < 0 || pid[1] < 0)
		e = errno;
	for (int s = 0; s < 2; s++) {
		if (pid[s] < 0)
			continue;
		if (e != 0)
			kill(pid[s], SIGKILL);
		while (waitpid(pid[s], &status[s], 0) < 0 && errno == EINTR)
			;
	}
	cc->min_ab_ns = x->min[0];
	cc->min_ba_ns = x->min[1];
	if (e == 0 && (x->failed[0] || x->failed[1] || status[0] != 0 || status[1] != 0))
		e = ETIMEDOUT;
	munmap(x, sizeof *x);
	if (e != 0)
		return ipcb_err_set(err, e, "clock check between CPUs %d and %d could not run",
				    cpu_a, cpu_b);
	ipcb_clockcheck_judge(cc, why, sizeof why);
	return 0;
}
