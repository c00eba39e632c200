/* How the two sides of the shm mechanism sleep and wake each other: the
 * kernel and libc primitives an application would pick to synchronise over
 * shared memory, each behind the ring's waker interface (ring.h).
 *
 * There are four channels: for each ring, its data (the consumer sleeps,
 * the producer posts) and its space (the producer sleeps, the consumer
 * posts). Ring 0 carries A->B: channel 0 is B's, channel 1 A's; ring 1
 * carries B->A: channel 2 is A's, channel 3 B's.
 *
 *   posix-sem  a sem_t per channel in the shared memory, sem_init(pshared=1):
 *              sem_post / sem_wait
 *   sysv-sem   one set of four semaphores, semget(IPC_PRIVATE, 0600):
 *              semop(+1) / semop(-1); removed on every path, registered
 *   mutex      a process-shared, robust pthread_mutex_t and a
 *              pthread_cond_t per channel in the shared memory: the sleeper
 *              waits on the condition while its flag is set, the poster
 *              signals under the mutex; a side that dies holding the mutex
 *              makes the other's lock fail with EOWNERDEAD: -EPIPE, no hang
 *   eventfd    one eventfd per channel: write(1) / read
 *   flock      two lock files per channel, opened by each side itself
 *              (locks belong to an open file description): the poster
 *              holds one; the sleeper's flock(LOCK_EX) on it blocks until
 *              the poster passes the baton: it locks the other file of the
 *              pair (which the sleeper released after its previous sleep),
 *              then unlocks the one the sleeper waits for
 *
 * The futex, spin and hybrid ways need no object here (the ring's own). */
#ifndef IPCB_SHM_WAKE_H
#define IPCB_SHM_WAKE_H

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness/err.h"
#include "mechanisms/mech.h"
#include "mechanisms/ring.h"

enum ipcb_wake_kind {
	IPCB_WAKE_SPIN = 0, /* the ring's own three, in shm-futex's order */
	IPCB_WAKE_FUTEX = 1,
	IPCB_WAKE_HYBRID = 2,
	IPCB_WAKE_POSIX_SEM = 3,
	IPCB_WAKE_SYSV_SEM = 4,
	IPCB_WAKE_MUTEX = 5,
	IPCB_WAKE_EVENTFD = 6,
	IPCB_WAKE_FLOCK = 7,
};

/* The choices of -o wait, NULL-terminated, in enum order. */
extern const char *const ipcb_wake_names[];

#define IPCB_WAKE_CHANNELS 4

/* The part that lives in the shared memory. */
struct ipcb_wake_shared {
	sem_t sem[IPCB_WAKE_CHANNELS];
	pthread_mutex_t mutex[IPCB_WAKE_CHANNELS];
	pthread_cond_t cond[IPCB_WAKE_CHANNELS];
};

struct ipcb_wake {
	enum ipcb_wake_kind kind;
	struct ipcb_wake_shared *sh;       /* set by the caller after each mapping */
	int side;                          /* IPCB_SIDE_A or IPCB_SIDE_B, from attach */
	int semid;                         /* sysv-sem, -1 when none */
	int efd[IPCB_WAKE_CHANNELS];       /* eventfd, -1 when none */
	char dir[192];                     /* flock: the private directory, "" */
	int lock[IPCB_WAKE_CHANNELS][2];   /* flock: this side's descriptions */
	uint64_t turn[IPCB_WAKE_CHANNELS]; /* flock: sleeps or posts so far */
	struct ipcb_ring_waker waker;
};

/* Whether kind can run here: 0, or -errno with the limit named (kernel.sem
 * refusing a set of four). */
int ipcb_wake_check(enum ipcb_wake_kind kind, struct ipcb_err *err);

/* The limits that bound kind, read now (kernel.sem's four fields). */
void ipcb_wake_limits(enum ipcb_wake_kind kind, struct ipcb_limits *lim);

/* Parent, before fork: make the objects of kind; sh points into the
 * region, zeroed. On failure ipcb_wake_teardown must still be called. */
int ipcb_wake_setup(struct ipcb_wake *w, enum ipcb_wake_kind kind, struct ipcb_wake_shared *sh,
		    struct ipcb_err *err);

/* Child, with w->sh pointing into this side's mapping: open this side's
 * ends. The waker to give the rings afterwards, or NULL when the ring's
 * futex (or spinning) does the waiting. 0 or -errno. */
int ipcb_wake_attach(struct ipcb_wake *w, enum ipcb_side side, const struct ipcb_ring_waker **waker,
		     struct ipcb_err *err);

/* Parent: remove everything setup made; idempotent. */
void ipcb_wake_teardown(struct ipcb_wake *w);

#endif
