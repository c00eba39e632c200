/* shm-futex: one single-producer/single-consumer ring per direction in
 * shared memory (memfd_create, mapped by the parent before fork, the
 * descriptor closed at once: no name exists). The reader waits as
 * -o wait says: spin (never sleeps), futex (never spins), or hybrid (spins
 * up to -o spin_us, then sleeps on a futex; with both sides on one CPU it
 * sleeps at once, since the peer cannot run while it spins, and so it does
 * with spin_us=0: each repetition's mech_notes say wait_effective futex
 * then); a writer calls
 * FUTEX_WAKE only when the reader has said it sleeps. Messages larger than the ring travel
 * in pieces, so every size works. */
#include "config.h"

/* configure's verdict: without it the mechanism registers, unbuilt. */
#ifndef HAVE_MEMFD_CREATE
#define SHM_MISSING "memfd_create()"
#endif

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness/mem.h"
#include "mechanisms/mech.h"
#include "mechanisms/ring.h"

struct shm_state {
	void *map;
	size_t map_bytes;
	struct ipcb_ring_ctl *ctl[2]; /* [0] carries A->B, [1] carries B->A */
	struct ipcb_ring tx, rx;
};

static const char *const wait_names[] = { "spin", "futex", "hybrid", NULL };

#ifndef SHM_MISSING

static size_t page_round(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

static int shm_supported(struct ipcb_err *err)
{
	int fd = memfd_create("ipcb-probe", MFD_CLOEXEC);

	if (fd < 0)
		return ipcb_err_set(err, errno, "memfd_create");
	close(fd);
	return 0;
}

static int shm_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		      struct ipcb_err *err)
{
	(void)err;
	ipcb_limits_add(lim, "ring_capacity_bytes", (int64_t)ipcb_opt_num(opts, "ring"),
			"-o ring (per direction)");
	ipcb_limits_add(lim, "spin_ns", (int64_t)ipcb_opt_num(opts, "spin_us") * 1000,
			"-o spin_us (wait=hybrid)");
	lim->max_msg_bytes = 0; /* larger messages travel in pieces */
	return 0;
}

static int shm_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	if (ipcb_opt_num(cfg->opts, "wait") == IPCB_RING_SPIN && cfg->cpu[0] == cfg->cpu[1]) {
		ipcb_err_set(err, 0,
			     "wait=spin with both sides on CPU %d would measure the scheduler's "
			     "time slice, not the ring",
			     cfg->cpu[0]);
		ipcb_err_hint(err, "use -o wait=futex or wait=hybrid, or two CPUs");
		return -EMSGSIZE;
	}
	return 0;
}

static int shm_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct shm_state *st = calloc(1, sizeof *st);
	uint64_t cap = ipcb_opt_num(cfg->opts, "ring");
	size_t one = page_round(ipcb_ring_bytes(cap));
	int fd;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "shm-futex state");
	*state = st;
	st->map = MAP_FAILED;
	fd = memfd_create("ipcb-shm-futex", MFD_CLOEXEC);
	if (fd < 0)
		return ipcb_err_set(err, errno, "memfd_create");
	st->map_bytes = 2 * one;
	if (ftruncate(fd, (off_t)st->map_bytes) != 0) {
		int e = errno;

		close(fd);
		return ipcb_err_set(err, e, "ftruncate(memfd, %zu)", st->map_bytes);
	}
	/* Populated now, so no page fault lands in a timed loop. */
	st->map =
		mmap(NULL, st->map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (st->map == MAP_FAILED)
		return ipcb_err_set(err, errno, "mmap(%zu bytes)", st->map_bytes);
	for (int i = 0; i < 2; i++) {
		st->ctl[i] = (struct ipcb_ring_ctl *)((char *)st->map + (size_t)i * one);
		ipcb_ring_init(st->ctl[i], cap);
	}
	st->tx.wait = st->rx.wait = (enum ipcb_ring_wait)ipcb_opt_num(cfg->opts, "wait");
	st->tx.spin_ns = st->rx.spin_ns = ipcb_opt_num(cfg->opts, "spin_us") * 1000;
	/* Like an adaptive mutex, hybrid spins only while the peer can run:
	 * with both sides on one CPU the peer waits for the spinner's CPU.
	 * With spin_us=0 it is futex by definition. */
	if (st->tx.wait == IPCB_RING_HYBRID && (cfg->cpu[0] == cfg->cpu[1] || st->tx.spin_ns == 0))
		st->tx.wait = st->rx.wait = IPCB_RING_FUTEX;
	return 0;
}

static int shm_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct shm_state *st = state;
	int a = self->side == IPCB_SIDE_A;

	(void)err;
	st->tx.ctl = st->ctl[a ? 0 : 1];
	st->rx.ctl = st->ctl[a ? 1 : 0];
	ipcb_prefault(st->map, st->map_bytes);
	return 0;
}

static int shm_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	return ipcb_ring_send(&((struct shm_state *)state)->tx, buf, len, err);
}

static int shm_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	return ipcb_ring_recv(&((struct shm_state *)state)->rx, buf, len, err);
}

/* The strategy this cell actually used: hybrid becomes futex with both
 * sides on one CPU or with spin_us=0, while the cell's options still say
 * hybrid. */
static void shm_notes(void *state, struct ipcb_notes *out)
{
	const struct shm_state *st = state;

	ipcb_notes_word(out, "wait_effective", wait_names[st->rx.wait]);
}

static void shm_teardown(void *state)
{
	struct shm_state *st = state;

	if (st == NULL)
		return;
	if (st->map != MAP_FAILED)
		munmap(st->map, st->map_bytes);
	free(st);
}

#else
static int shm_unbuilt(struct ipcb_err *err)
{
	return ipcb_mech_unbuilt(err, SHM_MISSING,
				 "this C library cannot make the anonymous shared memory file");
}
#endif

static const struct ipcb_opt_def shm_opts[] = {
	{ .name = "wait",
	  .type = IPCB_OPT_CHOICE,
	  .def = "hybrid",
	  .choices = wait_names,
	  .help = "how a side waits: spin (never sleeps), futex (never spins), hybrid (spins, then "
		  "sleeps; sleeps at once when both sides share a CPU)" },
	{ .name = "ring",
	  .type = IPCB_OPT_SIZE,
	  .flags = IPCB_OPT_POW2,
	  .def = "256K",
	  .min = 4096,
	  .max = (uint64_t)1 << 30,
	  .help = "ring capacity per direction" },
	{ .name = "spin_us",
	  .type = IPCB_OPT_UINT,
	  .def = "10",
	  .min = 0,
	  .max = 1000000,
	  .help = "wait=hybrid: microseconds to spin before sleeping" },
	{ .name = NULL },
};

const struct ipcb_mech ipcb_mech_shm_futex = {
	.name = "shm-futex",
	.summary = "shared-memory SPSC ring per direction (memfd), futex wake-ups; -o "
		   "wait=spin|futex|hybrid",
	.flags = IPCB_MECH_BOUNDARIES,
	.opts = shm_opts,
#ifndef SHM_MISSING
	.supported = shm_supported,
	.limits = shm_limits,
	.check = shm_check,
	.setup = shm_setup,
	.attach = shm_attach,
	.send = shm_send,
	.recv = shm_recv,
	.notes = shm_notes,
	.teardown = shm_teardown,
#else
	.supported = shm_unbuilt,
#endif
};
