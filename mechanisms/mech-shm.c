/* shm: one single-producer/single-consumer ring per direction (ring.h) in
 * shared memory, with a choice of where the memory comes from
 * (-o backing, shm-region.h) and of how a waiting side sleeps and is woken
 * (-o wait, shm-wake.h). Every combination is one variant of the same ring
 * and protocol, so the variants differ only in the backing and the
 * wake-up. shm-futex, the name of the memfd/futex ring before the choice
 * existed, stays as an alias with its own three ways of waiting.
 *
 * The shared memory holds, in this order: the semaphores or mutexes of the
 * wake-up (one page), ring 0 (A->B), ring 1 (B->A), each on page
 * boundaries. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mechanisms/mech.h"
#include "mechanisms/ring.h"
#include "mechanisms/shm-region.h"
#include "mechanisms/shm-wake.h"

struct shm_state {
	struct ipcb_shm_region region;
	struct ipcb_wake wake;
	enum ipcb_wake_kind kind; /* as the cell runs it: hybrid may become futex */
	size_t ring_bytes;        /* one ring, page-rounded */
	struct ipcb_ring tx, rx;
};

#define PAGE 4096u

static size_t page_round(size_t n)
{
	return (n + PAGE - 1) & ~(size_t)(PAGE - 1);
}

struct shm_choice {
	enum ipcb_shm_backing backing;
	enum ipcb_wake_kind kind;
	bool huge;
	const char *dir;
	uint64_t cap;
	size_t one, bytes; /* one ring; the whole region */
};

/* The options of a cell; shm-futex has no backing, huge or dir, which
 * read as memfd, 0 and "". */
static void choose(const struct ipcb_opt_set *opts, struct shm_choice *c)
{
	c->backing = (enum ipcb_shm_backing)ipcb_opt_num(opts, "backing");
	c->kind = (enum ipcb_wake_kind)ipcb_opt_num(opts, "wait");
	c->huge = ipcb_opt_num(opts, "huge") != 0;
	c->dir = ipcb_opt_text(opts, "dir");
	c->cap = ipcb_opt_num(opts, "ring");
	c->one = page_round(ipcb_ring_bytes(c->cap));
	c->bytes = page_round(sizeof(struct ipcb_wake_shared)) + 2 * c->one;
}

static int shm_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		      struct ipcb_err *err)
{
	struct shm_choice c;
	int rc;

	choose(opts, &c);
	ipcb_limits_add(lim, "ring_capacity_bytes", (int64_t)c.cap, "-o ring (per direction)");
	ipcb_limits_add(lim, "spin_ns", (int64_t)ipcb_opt_num(opts, "spin_us") * 1000,
			"-o spin_us (wait=hybrid)");
	ipcb_limits_add(lim, "shared_bytes", (int64_t)c.bytes,
			"two rings and a page of wake-up objects");
	ipcb_shm_region_limits(c.backing, c.huge, c.dir, lim);
	ipcb_wake_limits(c.kind, lim);
	lim->max_msg_bytes = 0; /* larger messages travel in pieces */
	if ((rc = ipcb_shm_region_check(c.backing, c.huge, c.dir, c.bytes, err)) != 0)
		return rc;
	return ipcb_wake_check(c.kind, err);
}

static int shm_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	if (ipcb_opt_num(cfg->opts, "wait") == IPCB_WAKE_SPIN && cfg->paced) {
		ipcb_err_set(err, 0,
			     "wait=spin at a rate: side A's echo taker would spin on the CPU its "
			     "sender needs, measuring the scheduler's time slice");
		ipcb_err_hint(err, "use another -o wait");
		return -EMSGSIZE;
	}
	if (ipcb_opt_num(cfg->opts, "wait") == IPCB_WAKE_SPIN && cfg->cpu[0] == cfg->cpu[1]) {
		ipcb_err_set(err, 0,
			     "wait=spin with both sides on CPU %d would measure the scheduler's "
			     "time slice, not the ring",
			     cfg->cpu[0]);
		ipcb_err_hint(err, "use another -o wait, or two CPUs");
		return -EMSGSIZE;
	}
	return 0;
}

/* Point the rings of this process at its mapping of the region. */
static void place_rings(struct shm_state *st, enum ipcb_side side)
{
	char *base = (char *)st->region.addr + page_round(sizeof(struct ipcb_wake_shared));
	struct ipcb_ring_ctl *ring0 = (struct ipcb_ring_ctl *)base;
	struct ipcb_ring_ctl *ring1 = (struct ipcb_ring_ctl *)(base + st->ring_bytes);

	st->tx.ctl = side == IPCB_SIDE_A ? ring0 : ring1;
	st->rx.ctl = side == IPCB_SIDE_A ? ring1 : ring0;
	st->tx.ch = side == IPCB_SIDE_A ? 0 : 2;
	st->rx.ch = side == IPCB_SIDE_A ? 2 : 0;
	st->wake.sh = st->region.addr;
}

static int shm_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct shm_state *st = calloc(1, sizeof *st);
	struct shm_choice c;
	enum ipcb_ring_wait wait;
	int rc;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "shm state");
	*state = st;
	st->region.shmid = -1;
	st->wake.semid = -1;
	for (int ch = 0; ch < IPCB_WAKE_CHANNELS; ch++)
		st->wake.efd[ch] = -1;
	choose(cfg->opts, &c);
	st->ring_bytes = c.one;
	if ((rc = ipcb_shm_region_create(&st->region, c.backing, c.bytes, c.huge, c.dir, err)) != 0)
		return rc;
	place_rings(st, IPCB_SIDE_A);
	ipcb_ring_init(st->tx.ctl, c.cap);
	ipcb_ring_init(st->rx.ctl, c.cap);
	st->kind = c.kind;
	/* Like an adaptive mutex, hybrid spins only while the peer can run:
	 * with both sides on one CPU the peer waits for the spinner's CPU, and
	 * at a rate side A's sender shares its CPU with the echo taker. With
	 * spin_us=0 it is futex by definition. */
	if (st->kind == IPCB_WAKE_HYBRID &&
	    (cfg->cpu[0] == cfg->cpu[1] || cfg->paced || ipcb_opt_num(cfg->opts, "spin_us") == 0))
		st->kind = IPCB_WAKE_FUTEX;
	wait = st->kind == IPCB_WAKE_SPIN     ? IPCB_RING_SPIN
	       : st->kind == IPCB_WAKE_HYBRID ? IPCB_RING_HYBRID
					      : IPCB_RING_FUTEX;
	st->tx.wait = st->rx.wait = wait;
	st->tx.spin_ns = st->rx.spin_ns = ipcb_opt_num(cfg->opts, "spin_us") * 1000;
	return ipcb_wake_setup(&st->wake, st->kind, st->region.addr, err);
}

static int shm_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct shm_state *st = state;
	const struct ipcb_ring_waker *waker;
	int rc;

	if (self->mode == IPCB_MODE_THREADS)
		ipcb_shm_region_forget_inherited(&st->region);
	if ((rc = ipcb_shm_region_attach(&st->region, err)) != 0)
		return rc;
	place_rings(st, self->side);
	if ((rc = ipcb_wake_attach(&st->wake, self->side, &waker, err)) != 0)
		return rc;
	st->tx.waker = st->rx.waker = waker;
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

/* The way of waiting this cell actually used (hybrid becomes futex with
 * both sides on one CPU or with spin_us=0, while the cell's options still
 * say hybrid), and the file system of a file backing. */
static void shm_notes(void *state, struct ipcb_notes *out)
{
	const struct shm_state *st = state;

	ipcb_notes_word(out, "wait_effective", ipcb_wake_names[st->kind]);
	if (st->region.backing == IPCB_SHM_FILE)
		ipcb_notes_word(out, "fs_type", st->region.fs_type);
}

static void shm_teardown(void *state)
{
	struct shm_state *st = state;

	if (st == NULL)
		return;
	ipcb_wake_teardown(&st->wake);
	ipcb_shm_region_destroy(&st->region);
	free(st);
}

/* 2M by default: a 1 MiB message (the default sweep's largest) fits whole
 * with its chunk headers, so in a round trip the writer never sleeps for
 * space (wait=futex at 1 MiB: 0.87 ms a round trip with 256K, 0.14 ms with
 * 2M), and streams ran faster (doc/method.md, "The shared-memory ring"). */
#define RING_OPT                                                                             \
	{                                                                                    \
		.name = "ring", .type = IPCB_OPT_SIZE, .flags = IPCB_OPT_POW2, .def = "2M",  \
		.min = 4096, .max = (uint64_t)1 << 30, .help = "ring capacity per direction" \
	}

#define SPIN_US_OPT                                                                              \
	{                                                                                        \
		.name = "spin_us", .type = IPCB_OPT_UINT, .def = "10", .min = 0, .max = 1000000, \
		.help = "wait=hybrid: microseconds to spin before sleeping"                      \
	}

static const char *const backing_help[] = {
	"memfd_create: an anonymous file, no name anywhere",
	"shm_open: a 0600 name in /dev/shm, unlinked once both sides mapped it",
	"shmget(IPC_PRIVATE): a 0600 segment, IPC_RMID once both sides attached",
	"a file in a private directory (-o dir), MAP_SHARED, unlinked once mapped",
};

static const char *const wait_help[] = {
	"never sleeps: polls the ring (needs two CPUs)",
	"sleeps at once on a futex in the ring",
	"spins up to -o spin_us, then sleeps on the futex",
	"sem_wait/sem_post on a sem_t (pshared) in the shared memory",
	"semop(-1)/semop(+1) on a System V semaphore set of four",
	"pthread_cond_wait under a robust process-shared mutex",
	"read/write of an eventfd per direction and purpose",
	"flock(LOCK_EX) on lock files the other side passes like a baton",
};

static const char *const huge_help[] = {
	"pages of the base size",
	"huge pages: MFD_HUGETLB, SHM_HUGETLB, or a file on hugetlbfs",
};

static const struct ipcb_opt_def shm_opts[] = {
	{ .name = "backing",
	  .type = IPCB_OPT_CHOICE,
	  .def = "memfd",
	  .choices = ipcb_shm_backing_names,
	  .choice_help = backing_help,
	  .help = "where the memory comes from: memfd (no name), posix (shm_open), sysv "
		  "(shmget), file (a file mapped MAP_SHARED)" },
	{ .name = "wait",
	  .type = IPCB_OPT_CHOICE,
	  .def = "hybrid",
	  .choices = ipcb_wake_names,
	  .choice_help = wait_help,
	  .help = "how a side waits: spin, futex, hybrid (spins, then a futex), or sleeps on "
		  "posix-sem, sysv-sem, mutex (+ condition), eventfd, flock" },
	RING_OPT,
	SPIN_US_OPT,
	{ .name = "huge",
	  .type = IPCB_OPT_BOOL,
	  .def = "0",
	  .choice_help = huge_help,
	  .help = "map huge pages (memfd, sysv; file on hugetlbfs)" },
	{ .name = "dir",
	  .type = IPCB_OPT_PATH,
	  .def = "",
	  .help = "backing=file: where its private directory goes (default $TMPDIR)" },
	{ .name = NULL },
};

static const char *const futex_wait_names[] = { "spin", "futex", "hybrid", NULL };

static const struct ipcb_opt_def shm_futex_opts[] = {
	{ .name = "wait",
	  .type = IPCB_OPT_CHOICE,
	  .def = "hybrid",
	  .choices = futex_wait_names,
	  .help = "how a side waits: spin (never sleeps), futex (never spins), hybrid (spins, then "
		  "sleeps; sleeps at once when both sides share a CPU)" },
	RING_OPT,
	SPIN_US_OPT,
	{ .name = NULL },
};

#ifndef SHM_MISSING
#define SHM_OPS                                                                             \
	.limits = shm_limits, .check = shm_check, .setup = shm_setup, .attach = shm_attach, \
	.send = shm_send, .recv = shm_recv, .notes = shm_notes, .teardown = shm_teardown,   \
	.state_size = sizeof(struct shm_state)
#else
#define SHM_OPS .supported = shm_unbuilt
#endif

const struct ipcb_mech ipcb_mech_shm = {
	.name = "shm",
	.summary = "shared-memory SPSC ring per direction; -o backing=memfd|posix|sysv|file, "
		   "-o wait=spin|futex|hybrid|posix-sem|sysv-sem|mutex|eventfd|flock",
	.flags = IPCB_MECH_BOUNDARIES,
	.opts = shm_opts,
	SHM_OPS,
};

const struct ipcb_mech ipcb_mech_shm_futex = {
	.name = "shm-futex",
	.summary = "alias of shm -o backing=memfd with -o wait=spin|futex|hybrid",
	.flags = IPCB_MECH_BOUNDARIES | IPCB_MECH_ALIAS,
	.opts = shm_futex_opts,
	SHM_OPS,
};
