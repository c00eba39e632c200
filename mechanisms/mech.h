/* The interface every IPC mechanism implements, and the registry.
 *
 * A mechanism is a duplex link between side A and side B, two processes
 * forked by the harness. The harness owns the loops, the clock and the
 * integrity checks; a mechanism only creates its kernel objects and moves
 * whole messages. Call order for one cell repetition:
 *
 *   parent:  check() -> setup() -> fork A and B ............ teardown()
 *   child:            attach() -> send()/recv() ... -> _exit
 *
 * teardown() runs in the parent on every path (success, failure, watchdog,
 * interrupt), also after a failed setup() with whatever *state setup() had
 * stored by then (NULL if nothing), and must be idempotent. Children never
 * call teardown(); they _exit and the kernel drops their descriptors and
 * mappings. */
#ifndef IPCB_MECH_H
#define IPCB_MECH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness/err.h"

enum ipcb_side { IPCB_SIDE_A = 0, IPCB_SIDE_B = 1 };

enum ipcb_test { IPCB_TEST_LATENCY = 0, IPCB_TEST_THROUGHPUT = 1 };

/* The mechanism moves no bytes (null): integrity checks do not apply. */
#define IPCB_MECH_NO_DATA (1u << 0)
/* One send is one receive: message boundaries are kept by the kernel. */
#define IPCB_MECH_BOUNDARIES (1u << 1)

/* What a mechanism is told about the cell it runs. */
struct ipcb_cell_cfg {
	size_t msg_size_bytes; /* every message of the cell has exactly this size */
	enum ipcb_test test;
	int cpu[2];            /* CPU of side A and side B */
};

/* Who a child is, handed to attach(). */
struct ipcb_peer {
	enum ipcb_side side;
	pid_t pid;
	pid_t peer_pid;
	int cpu;
};

#define IPCB_LIMITS_MAX 16

/* One limit of the running system that bounds a mechanism. */
struct ipcb_limit {
	char name[48];    /* snake_case with unit: "pipe_capacity_bytes" */
	int64_t value;    /* -1 when it could not be read */
	char source[96];  /* where it was read: "/proc/sys/fs/pipe-max-size" */
};

struct ipcb_limits {
	uint64_t max_msg_bytes; /* largest message carried here; 0 = no limit */
	int n;
	struct ipcb_limit v[IPCB_LIMITS_MAX];
};

/* Append a limit (silently ignored past IPCB_LIMITS_MAX). */
void ipcb_limits_add(struct ipcb_limits *lim, const char *name, int64_t value,
		     const char *source);

struct ipcb_mech {
	const char *name;    /* CLI and JSON name, kebab-case */
	const char *summary; /* one line for `ipcbench list` */
	unsigned flags;      /* IPCB_MECH_* */

	/* Whether the mechanism works on this system right now. 0, or -errno
	 * with the reason in err. NULL = always. */
	int (*supported)(struct ipcb_err *err);

	/* Fill the limits that apply here, read at run time. NULL = none. */
	int (*limits)(struct ipcb_limits *lim, struct ipcb_err *err);

	/* Whether this cell can run here. 0, or -EMSGSIZE (or another -errno)
	 * with a reason naming the limit and how to raise it: the cell is then
	 * recorded as skipped. NULL = every cell can run. */
	int (*check)(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err);

	/* Parent, before fork: create the kernel objects of one repetition.
	 * *state is owned by the mechanism until teardown(). 0 or -errno. */
	int (*setup)(const struct ipcb_cell_cfg *cfg, void **state,
		     struct ipcb_err *err);

	/* Child, after pinning: open this side's ends and drop the peer's.
	 * The child has its own copy of *state from here on. 0 or -errno. */
	int (*attach)(void *state, const struct ipcb_peer *self,
		      struct ipcb_err *err);

	/* Child: send one whole message of len bytes. 0 or -errno. */
	int (*send)(void *state, const void *buf, size_t len, struct ipcb_err *err);

	/* Child: receive one whole message of exactly len bytes. 0 or -errno
	 * (-EPIPE when the peer has gone). */
	int (*recv)(void *state, void *buf, size_t len, struct ipcb_err *err);

	/* Parent: release everything setup() made; idempotent; state may be
	 * NULL. Frees state. */
	void (*teardown)(void *state);
};

/* The registry, in `ipcbench list` order. */
extern const struct ipcb_mech *const ipcb_mechs[];
extern const size_t ipcb_mech_count;

/* The mechanism with this name, or NULL. */
const struct ipcb_mech *ipcb_mech_find(const char *name);

#endif
