/* cacheline: the hardware floor. The two sides ping-pong one counter in one
 * cache line of shared memory, spinning, with no kernel involved: the
 * lowest round trip any IPC between these two CPUs can have. It carries no
 * payload (every size measures the same thing) and has no queue, so it has
 * a latency test only. With both sides on one CPU a spinner would hold the
 * CPU the peer needs, so there each side yields (sched_yield) while it
 * waits: the floor becomes two context switches. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "harness/mem.h"
#include "mechanisms/mech.h"
#include "mechanisms/relax.h"

struct cl_state {
	_Atomic uint64_t *line; /* the shared counter, alone in its cache line */
	uint64_t last;          /* the last value this side stored or saw */
	bool yield;             /* both sides on one CPU */
};

static int cl_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	if (cfg->test == IPCB_TEST_LATENCY)
		return 0;
	ipcb_err_set(err, 0,
		     "one cache line holds one value and no queue: the floor is a round trip only");
	return -EMSGSIZE;
}

static int cl_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct cl_state *st = calloc(1, sizeof *st);
	void *p;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "cacheline state");
	*state = st;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1,
		 0);
	if (p == MAP_FAILED)
		return ipcb_err_set(err, errno, "mmap(shared cache line)");
	st->line = p;
	atomic_store(st->line, 0);
	st->yield = cfg->cpu[0] == cfg->cpu[1];
	return 0;
}

static int cl_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct cl_state *st = state;

	(void)self;
	(void)err;
	st->last = 0;
	ipcb_prefault((void *)st->line, 4096);
	return 0;
}

/* A stores odd values, B even ones; each waits for the other's next. */
static int cl_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	struct cl_state *st = state;

	(void)buf;
	(void)len;
	(void)err;
	atomic_store_explicit(st->line, ++st->last, memory_order_release);
	return 0;
}

static int cl_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	struct cl_state *st = state;
	uint64_t want = st->last + 1;

	(void)buf;
	(void)len;
	(void)err;
	for (uint32_t i = 1; atomic_load_explicit(st->line, memory_order_acquire) != want; i++) {
		/* A long wait (tens of microseconds) may mean the peer shares
		 * this CPU after all (its affinity was changed, the host stopped
		 * a vCPU): let it run instead of spinning out a time slice. */
		if (st->yield || (i & 4095) == 0)
			sched_yield();
		else
			ipcb_cpu_relax();
	}
	st->last = want;
	return 0;
}

static void cl_teardown(void *state)
{
	struct cl_state *st = state;

	if (st == NULL)
		return;
	if (st->line != NULL)
		munmap((void *)st->line, 4096);
	free(st);
}

const struct ipcb_mech ipcb_mech_cacheline = {
	.name = "cacheline",
	.summary = "the floor: both sides spin on one shared cache line (no kernel, no payload)",
	.flags = IPCB_MECH_NO_DATA | IPCB_MECH_BOUNDARIES | IPCB_MECH_REFERENCE,
	.check = cl_check,
	.setup = cl_setup,
	.attach = cl_attach,
	.send = cl_send,
	.recv = cl_recv,
	.teardown = cl_teardown,
	.state_size = sizeof(struct cl_state),
};
