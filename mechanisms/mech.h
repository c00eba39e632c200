/* The interface every IPC mechanism implements, and the registry.
 *
 * A mechanism is a duplex link between side A and side B, two processes
 * forked by the harness (--mode processes), or two threads of one forked
 * process (--mode threads). The harness owns the loops, the clock and the
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
 * mappings.
 *
 * Threads mode: the harness forks one process per pair, which runs side A
 * and side B as two threads. Before attach() it gives each side its own
 * copy of *state (state_size bytes, copied as fork would copy them: a
 * shallow copy; pointers in it still lead to what setup() made), so that
 * per-side fields stay apart. attach() is told the mode (self->mode): the
 * two sides now share one descriptor table and one address space, so a
 * side must not close, unmap or remove what its peer still uses; what a
 * side would have dropped stays open until the pair's process exits. A
 * mechanism that cannot run between threads says why in no_threads. */
#ifndef IPCB_MECH_H
#define IPCB_MECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness/err.h"

struct ipcb_mech;

enum ipcb_side { IPCB_SIDE_A = 0, IPCB_SIDE_B = 1 };

/* ONEWAY: messages from one side (the sender, side A unless the run asks
 * for B to A) to the other, one at a time or at a rate: unidirectional
 * data, as in the throughput test. */
enum ipcb_test { IPCB_TEST_LATENCY = 0, IPCB_TEST_THROUGHPUT = 1, IPCB_TEST_ONEWAY = 2 };

/* How the two sides run: two processes, or two threads of one process. */
enum ipcb_mode { IPCB_MODE_PROCESSES = 0, IPCB_MODE_THREADS = 1 };

#define IPCB_MODE_N 2

/* "processes", "threads" */
const char *ipcb_mode_name(enum ipcb_mode mode);

/* The mechanism moves no bytes (null): integrity checks do not apply. */
#define IPCB_MECH_NO_DATA (1u << 0)
/* One send is one receive: message boundaries are kept by the kernel. */
#define IPCB_MECH_BOUNDARIES (1u << 1)
/* Measured in every run as a reference (the floor, the harness), so not
 * part of "--mech all". */
#define IPCB_MECH_REFERENCE (1u << 2)
/* Another name for a variant of another mechanism, kept for results and
 * scripts that use it: not part of "--mech all" either. */
#define IPCB_MECH_ALIAS (1u << 3)
/* The kernel may drop messages (UDP): recv() waits a bounded time and
 * returns -ETIMEDOUT when nothing came. Side B of the throughput test then
 * accepts forward gaps and counts what never arrived (lost); in the latency
 * test a reply that does not come fails the cell, naming the message. */
#define IPCB_MECH_LOSSY (1u << 4)

/* Per-mechanism options (`-o key=value`). Each mechanism declares its
 * options as data; the CLI validates values centrally against these
 * definitions, and `ipcbench list` shows them. */
enum ipcb_opt_type {
	IPCB_OPT_BOOL,   /* 0/1 (also no/yes, off/on, false/true) */
	IPCB_OPT_UINT,   /* decimal integer in [min, max] */
	IPCB_OPT_SIZE,   /* bytes with an optional K/M/G suffix, in [min, max] */
	IPCB_OPT_CHOICE, /* one of choices[]; num is its index */
	IPCB_OPT_PATH,   /* an absolute path to an existing directory, in text */
};

#define IPCB_OPT_POW2 (1u << 0) /* IPCB_OPT_SIZE: must be a power of two */

struct ipcb_opt_def {
	const char *name; /* NULL ends a mechanism's list */
	enum ipcb_opt_type type;
	unsigned flags;                 /* IPCB_OPT_* */
	const char *def;                /* default, as the user would write it */
	const char *const *choices;     /* IPCB_OPT_CHOICE, NULL-terminated */
	const char *const *choice_help; /* IPCB_OPT_CHOICE: a phrase per choice, or NULL */
	uint64_t min, max;              /* IPCB_OPT_UINT and IPCB_OPT_SIZE */
	const char *help;               /* one line */
};

#define IPCB_OPTS_MAX 8

/* One resolved option value. */
struct ipcb_opt_val {
	const struct ipcb_opt_def *def;
	uint64_t num;   /* bool 0/1, number, bytes, or choice index */
	char text[128]; /* canonical text: "1", "65536", "spin", "/mnt/data" */
};

/* Every option of one mechanism, resolved (defaults filled in). */
struct ipcb_opt_set {
	int n;
	struct ipcb_opt_val v[IPCB_OPTS_MAX];
};

/* What a mechanism is told about the cell it runs. */
struct ipcb_cell_cfg {
	size_t msg_size_bytes; /* every message of the cell has exactly this size */
	enum ipcb_test test;
	int cpu[2];                      /* CPU of side A and side B */
	const struct ipcb_opt_set *opts; /* this mechanism's options; never NULL */
	uint64_t stall_timeout_ns;       /* the watchdog's stall timeout (0: unknown): a
					  * mechanism that can bound its own waits keeps
					  * them shorter, to say why it is stuck */
	enum ipcb_side sender;           /* IPCB_TEST_ONEWAY: the side that sends (A unless the
					  * run asks for B to A); the other only receives */
	enum ipcb_mode mode;             /* two processes, or two threads of one */
	bool paced;                      /* IPCB_TEST_LATENCY at a rate (--rate): side A
					  * sends on one thread while a second thread of its
					  * process receives the echoes, on side A's CPU */
};

/* The value of an option in a set; 0 for a name the set lacks. */
uint64_t ipcb_opt_num(const struct ipcb_opt_set *set, const char *name);

/* The canonical text of an option in a set; "" for a name the set lacks. */
const char *ipcb_opt_text(const struct ipcb_opt_set *set, const char *name);

/* Parse text as a value of def into out. 0, or -1 with a one-line reason
 * naming the value in why. */
int ipcb_opt_parse(const struct ipcb_opt_def *def, const char *text, struct ipcb_opt_val *out,
		   char *why, size_t len);

/* Fill set with every option of m at its default. 0, or -EINVAL when a
 * definition's default does not parse (a bug in the mechanism). */
int ipcb_opt_defaults(const struct ipcb_mech *m, struct ipcb_opt_set *set);

/* "choice: spin|futex|hybrid", "size: 4K..1G", "bool", for help texts. */
void ipcb_opt_describe(const struct ipcb_opt_def *def, char *buf, size_t len);

/* Who a side is, handed to attach(). In threads mode pid == peer_pid
 * (one process) and the thread ids tell the sides apart; in processes
 * mode tid == pid and peer_tid == peer_pid. */
struct ipcb_peer {
	enum ipcb_side side;
	pid_t pid;
	pid_t peer_pid;
	int cpu;
	enum ipcb_mode mode;
	pid_t tid;      /* this side's thread (gettid) */
	pid_t peer_tid; /* the other side's thread */
};

#define IPCB_HEADROOM_MAX 64

#define IPCB_LIMITS_MAX 16

/* One limit of the running system that bounds a mechanism. */
struct ipcb_limit {
	char name[48];   /* snake_case with unit: "pipe_capacity_bytes" */
	int64_t value;   /* -1 when it could not be read */
	char source[96]; /* where it was read: "/proc/sys/fs/pipe-max-size" */
};

struct ipcb_limits {
	uint64_t max_msg_bytes; /* largest message carried here; 0 = no limit */
	int n;
	struct ipcb_limit v[IPCB_LIMITS_MAX];
};

/* Append a limit (silently ignored past IPCB_LIMITS_MAX). */
void ipcb_limits_add(struct ipcb_limits *lim, const char *name, int64_t value, const char *source);

#define IPCB_NOTES_MAX 4

/* One fact a side of a mechanism reports about a repetition: a counter
 * (text empty) or a word (text set, value unused). */
struct ipcb_note {
	char name[32]; /* snake_case with unit: "full_retries" */
	char text[24]; /* "futex", or "" for a counter */
	int64_t value;
};

/* A side's notes, in the result of each repetition (mech_notes). */
struct ipcb_notes {
	int n;
	struct ipcb_note v[IPCB_NOTES_MAX];
};

/* Append a counter or a word (silently ignored past IPCB_NOTES_MAX). */
void ipcb_notes_count(struct ipcb_notes *nt, const char *name, int64_t value);
void ipcb_notes_word(struct ipcb_notes *nt, const char *name, const char *text);

struct ipcb_mech {
	const char *name;    /* CLI and JSON name, kebab-case */
	const char *summary; /* one line for `ipcbench list` */
	unsigned flags;      /* IPCB_MECH_* */
	/* Writable bytes the mechanism may use just before every buf handed
	 * to send() and recv() (at most IPCB_HEADROOM_MAX), so that an API
	 * with a header in front of the payload (SysV msgbuf) can build
	 * messages in place, as an application would. */
	size_t headroom;

	/* Whether the mechanism works on this system right now. 0, or -errno
	 * with the reason in err. NULL = always. */
	int (*supported)(struct ipcb_err *err);

	/* Options this mechanism takes, NULL-name terminated; NULL = none. */
	const struct ipcb_opt_def *opts;

	/* Fill the limits that apply here with these options, read at run
	 * time. 0, or -errno with the reason in err when not even the
	 * smallest message can be carried with these options: the mechanism
	 * is then unavailable. NULL = none. */
	int (*limits)(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		      struct ipcb_err *err);

	/* Whether this cell can run here. 0, or -EMSGSIZE (or another -errno)
	 * with a reason naming the limit and how to raise it: the cell is then
	 * recorded as skipped. NULL = every cell can run. */
	int (*check)(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err);

	/* Parent, before fork: create the kernel objects of one repetition.
	 * *state is owned by the mechanism until teardown(). 0 or -errno. */
	int (*setup)(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err);

	/* Child, after pinning: open this side's ends and drop the peer's
	 * (in processes mode only: see threads mode above). The side has its
	 * own copy of *state from here on. 0 or -errno. */
	int (*attach)(void *state, const struct ipcb_peer *self, struct ipcb_err *err);

	/* Child: send one whole message of len bytes. 0 or -errno. The
	 * harness leaves buf as it is until this side's next recv() returns
	 * (rpc's side A makes its call in recv(), with this message). */
	int (*send)(void *state, const void *buf, size_t len, struct ipcb_err *err);

	/* Child: receive one whole message of exactly len bytes. 0 or -errno
	 * (-EPIPE when the peer has gone; -ETIMEDOUT when an IPCB_MECH_LOSSY
	 * mechanism's bounded wait ended with nothing). */
	int (*recv)(void *state, void *buf, size_t len, struct ipcb_err *err);

	/* Child, after its timed loop: facts about this side's repetition
	 * (retries, the strategy actually used), counted from attach() on,
	 * warm-up included. NULL = none. */
	void (*notes)(void *state, struct ipcb_notes *out);

	/* Parent: release everything setup() made; idempotent; state may be
	 * NULL. Frees state. */
	void (*teardown)(void *state);

	/* Threads mode: the bytes of *state each side gets a copy of (0 when
	 * setup() stores NULL), and why the mechanism cannot run between two
	 * threads (NULL: it can). Its cells are then skipped with this reason. */
	size_t state_size;
	const char *no_threads;

	/* Latency at a rate (--rate): side A's send() runs on one thread while
	 * a second thread of its process blocks in recv() on the same state
	 * for the echoes. Why the mechanism cannot do that (NULL: it can).
	 * Its latency cells at a rate are then skipped with this reason. */
	const char *no_pipelining;
};

/* The registry, in `ipcbench list` order. */
extern const struct ipcb_mech *const ipcb_mechs[];
extern const size_t ipcb_mech_count;

/* The mechanism with this name, or NULL. */
const struct ipcb_mech *ipcb_mech_find(const char *name);

/* supported() of a mechanism this build left out because configure did
 * not find what it needs (missing: "<mqueue.h>", "memfd_create()"): "built
 * without MISSING: WHY" in err. Returns -ENOSYS. */
int ipcb_mech_unbuilt(struct ipcb_err *err, const char *missing, const char *why);

#endif
