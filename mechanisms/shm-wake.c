/* The wake-up primitives of the shm mechanism (see shm-wake.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <unistd.h>

/* configure's verdict: without System V semaphores, wait=sysv-sem says it
 * was left out. */
#if defined(HAVE_SYS_SEM_H) && defined(HAVE_SEMGET)
#define HAVE_SYSV_SEM 1
#include <sys/ipc.h>
#include <sys/sem.h>
#endif

#include "harness/reg.h"
#include "harness/sysfs.h"
#include "harness/tmpdir.h"
#include "mechanisms/shm-wake.h"

const char *const ipcb_wake_names[] = { "spin",  "futex",   "hybrid", "posix-sem", "sysv-sem",
					"mutex", "eventfd", "flock",  NULL };

/* The side that sleeps on channel ch (shm-wake.h): the consumer of ring
 * ch / 2 for its data, the producer for its space. */
static int sleeper(int ch)
{
	int ring = ch / 2, space = ch % 2;

	return (ring == 0) != (space == 1) ? IPCB_SIDE_B : IPCB_SIDE_A;
}

/* ---- posix-sem ------------------------------------------------------- */

static int psem_sleep(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err)
{
	struct ipcb_wake *w = ctx;

	(void)flag;
	while (sem_wait(&w->sh->sem[ch]) != 0)
		if (errno != EINTR)
			return ipcb_err_set(err, errno, "sem_wait (channel %d)", ch);
	return 0;
}

static int psem_post(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err)
{
	struct ipcb_wake *w = ctx;

	(void)flag;
	if (sem_post(&w->sh->sem[ch]) != 0)
		return ipcb_err_set(err, errno, "sem_post (channel %d)", ch);
	return 0;
}

/* ---- sysv-sem ------------------------------------------------------- */

#ifdef HAVE_SYSV_SEM

static int ssem_op(struct ipcb_wake *w, int ch, short op, struct ipcb_err *err)
{
	struct sembuf sb = { .sem_num = (unsigned short)ch, .sem_op = op, .sem_flg = 0 };

	while (semop(w->semid, &sb, 1) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == EIDRM || errno == EINVAL)
			return ipcb_err_set(err, EPIPE, "semop on set %d: the set was removed",
					    w->semid);
		return ipcb_err_set(err, errno, "semop(%+d) on set %d, semaphore %d", op, w->semid,
				    ch);
	}
	return 0;
}

static int ssem_sleep(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err)
{
	(void)flag;
	return ssem_op(ctx, ch, -1, err);
}

static int ssem_post(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err)
{
	(void)flag;
	return ssem_op(ctx, ch, 1, err);
}

#endif

/* ---- mutex + condition variable -------------------------------------- */

/* A lock or wait that returned EOWNERDEAD: the peer died holding the
 * mutex. Make it consistent (so the parent's teardown finds it sane),
 * release it, and say so. */
static int owner_died(pthread_mutex_t *m, int ch, struct ipcb_err *err)
{
	pthread_mutex_consistent(m);
	pthread_mutex_unlock(m);
	return ipcb_err_set(err, EPIPE, "the other side died holding the mutex of channel %d", ch);
}

static int mutex_sleep(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err)
{
	struct ipcb_wake *w = ctx;
	pthread_mutex_t *m = &w->sh->mutex[ch];
	int rc = pthread_mutex_lock(m);

	if (rc == EOWNERDEAD)
		return owner_died(m, ch, err);
	if (rc != 0)
		return ipcb_err_set(err, rc, "pthread_mutex_lock (channel %d)", ch);
	while (rc == 0 && atomic_load_explicit(flag, memory_order_acquire) == 1)
		rc = pthread_cond_wait(&w->sh->cond[ch], m);
	if (rc == EOWNERDEAD)
		return owner_died(m, ch, err);
	pthread_mutex_unlock(m);
	if (rc != 0)
		return ipcb_err_set(err, rc, "pthread_cond_wait (channel %d)", ch);
	return 0;
}

/* The flag was swapped to 0 outside the mutex; taking and releasing the
 * mutex orders that with the sleeper's check under it: the sleeper either
 * has not checked yet (and will not wait) or waits on the condition (and
 * this signal wakes it). Signalling after the unlock lets the woken side
 * take the mutex at once instead of blocking on the poster's. */
static int mutex_post(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err)
{
	struct ipcb_wake *w = ctx;
	pthread_mutex_t *m = &w->sh->mutex[ch];
	int rc = pthread_mutex_lock(m);

	(void)flag;
	if (rc == EOWNERDEAD)
		return owner_died(m, ch, err);
	if (rc != 0)
		return ipcb_err_set(err, rc, "pthread_mutex_lock (channel %d)", ch);
	pthread_mutex_unlock(m);
	if ((rc = pthread_cond_signal(&w->sh->cond[ch])) != 0)
		return ipcb_err_set(err, rc, "pthread_cond_signal (channel %d)", ch);
	return 0;
}

static int mutex_init(struct ipcb_wake_shared *sh, struct ipcb_err *err)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	int rc = 0;

	pthread_mutexattr_init(&ma);
	pthread_condattr_init(&ca);
	if ((rc = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED)) == 0 &&
	    (rc = pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST)) == 0)
		rc = pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	for (int ch = 0; rc == 0 && ch < IPCB_WAKE_CHANNELS; ch++)
		if ((rc = pthread_mutex_init(&sh->mutex[ch], &ma)) == 0)
			rc = pthread_cond_init(&sh->cond[ch], &ca);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		return ipcb_err_set(err, rc, "a process-shared robust mutex and condition");
	return 0;
}

/* ---- eventfd --------------------------------------------------------- */

static int efd_sleep(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err)
{
	struct ipcb_wake *w = ctx;
	uint64_t v;

	(void)flag;
	while (read(w->efd[ch], &v, sizeof v) != (ssize_t)sizeof v)
		if (errno != EINTR)
			return ipcb_err_set(err, errno, "read(eventfd of channel %d)", ch);
	return 0;
}

static int efd_post(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err)
{
	struct ipcb_wake *w = ctx;
	uint64_t one = 1;

	(void)flag;
	while (write(w->efd[ch], &one, sizeof one) != (ssize_t)sizeof one)
		if (errno != EINTR)
			return ipcb_err_set(err, errno, "write(eventfd of channel %d)", ch);
	return 0;
}

/* ---- flock ----------------------------------------------------------- */

static int lock_file(int fd, int op, int ch, struct ipcb_err *err)
{
	while (flock(fd, op) != 0)
		if (errno != EINTR)
			return ipcb_err_set(err, errno, "flock(%s) on a lock file of channel %d",
					    op == LOCK_UN ? "LOCK_UN" : "LOCK_EX", ch);
	return 0;
}

/* Sleep k takes file k % 2 as soon as the poster lets go of it, and gives
 * it back at once: the poster needs it again for post k + 2. */
static int flock_sleep(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err)
{
	struct ipcb_wake *w = ctx;
	int fd = w->lock[ch][w->turn[ch]++ % 2], rc;

	(void)flag;
	if ((rc = lock_file(fd, LOCK_EX, ch, err)) != 0)
		return rc;
	return lock_file(fd, LOCK_UN, ch, err);
}

/* Post k takes file (k + 1) % 2 (the sleeper gave it back before
 * announcing sleep k), then lets go of file k % 2, on which the sleeper
 * blocks. In this order the poster always holds the file of the next
 * sleep: letting go first would let a sleeper that woke and at once
 * announced its next sleep take that file before the poster does. */
static int flock_post(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err)
{
	struct ipcb_wake *w = ctx;
	uint64_t k = w->turn[ch]++;
	int rc;

	(void)flag;
	if ((rc = lock_file(w->lock[ch][(k + 1) % 2], LOCK_EX, ch, err)) != 0)
		return rc;
	return lock_file(w->lock[ch][k % 2], LOCK_UN, ch, err);
}

static int lock_path(const struct ipcb_wake *w, int ch, int i, char *out, size_t len,
		     struct ipcb_err *err)
{
	char name[16];

	snprintf(name, sizeof name, "lock-%d-%d", ch, i);
	return ipcb_path_join(out, len, w->dir, name, err);
}

static int flock_setup(struct ipcb_wake *w, struct ipcb_err *err)
{
	char path[256];
	int rc, fd;

	if ((rc = ipcb_tmpdir_create(w->dir, sizeof w->dir, err)) != 0)
		return rc;
	for (int ch = 0; ch < IPCB_WAKE_CHANNELS; ch++)
		for (int i = 0; i < 2; i++) {
			if ((rc = lock_path(w, ch, i, path, sizeof path, err)) != 0)
				return rc;
			fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (fd < 0)
				return ipcb_err_set(err, errno, "open(%s)", path);
			close(fd);
		}
	return 0;
}

/* Each side opens every lock file itself: a description shared over fork
 * would hold both sides' locks at once. The poster of a channel starts out
 * holding file 0 of its pair. */
static int flock_attach(struct ipcb_wake *w, struct ipcb_err *err)
{
	char path[256];
	int rc;

	for (int ch = 0; ch < IPCB_WAKE_CHANNELS; ch++) {
		for (int i = 0; i < 2; i++) {
			if ((rc = lock_path(w, ch, i, path, sizeof path, err)) != 0)
				return rc;
			w->lock[ch][i] = open(path, O_RDWR | O_CLOEXEC);
			if (w->lock[ch][i] < 0)
				return ipcb_err_set(err, errno, "open(%s)", path);
		}
		w->turn[ch] = 0;
		if (sleeper(ch) != w->side &&
		    (rc = lock_file(w->lock[ch][0], LOCK_EX, ch, err)) != 0)
			return rc;
	}
	return 0;
}

/* ---- the table ------------------------------------------------------- */

static const struct ipcb_ring_waker wakers[] = {
	[IPCB_WAKE_POSIX_SEM] = { .sleep = psem_sleep, .post = psem_post, .precise = true },
#ifdef HAVE_SYSV_SEM
	[IPCB_WAKE_SYSV_SEM] = { .sleep = ssem_sleep, .post = ssem_post, .precise = true },
#endif
	[IPCB_WAKE_MUTEX] = { .sleep = mutex_sleep, .post = mutex_post, .precise = false },
	[IPCB_WAKE_EVENTFD] = { .sleep = efd_sleep, .post = efd_post, .precise = true },
	[IPCB_WAKE_FLOCK] = { .sleep = flock_sleep, .post = flock_post, .precise = true },
};

#define SEM_SOURCE "/proc/sys/kernel/sem"

/* kernel.sem: semmsl semmns semopm semmni; -1 each when unreadable. */
static void read_sem_limits(long long v[4])
{
	FILE *f = fopen(SEM_SOURCE, "re");

	v[0] = v[1] = v[2] = v[3] = -1;
	if (f == NULL)
		return;
	if (fscanf(f, "%lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3]) != 4)
		v[0] = v[1] = v[2] = v[3] = -1;
	fclose(f);
}

void ipcb_wake_limits(enum ipcb_wake_kind kind, struct ipcb_limits *lim)
{
	static const char *const names[4] = { "sem_per_set_max", "sem_system_max",
					      "sem_ops_per_call_max", "sem_sets_max" };
	long long v[4];

	if (kind != IPCB_WAKE_SYSV_SEM)
		return;
	read_sem_limits(v);
	for (int i = 0; i < 4; i++)
		ipcb_limits_add(lim, names[i], v[i], SEM_SOURCE);
}

int ipcb_wake_check(enum ipcb_wake_kind kind, struct ipcb_err *err)
{
	long long v[4];

	if (kind != IPCB_WAKE_SYSV_SEM)
		return 0;
#ifndef HAVE_SYSV_SEM
	return ipcb_mech_unbuilt(err, "semget()", "this C library has no System V semaphores");
#endif
	read_sem_limits(v);
	if (v[0] >= 0 && (v[0] < IPCB_WAKE_CHANNELS || v[1] < IPCB_WAKE_CHANNELS || v[3] < 1)) {
		ipcb_err_set(err, 0,
			     "kernel.sem (%lld %lld %lld %lld) refuses a set of %d semaphores",
			     v[0], v[1], v[2], v[3], IPCB_WAKE_CHANNELS);
		ipcb_err_hint(err, "raise kernel.sem: sysctl -w kernel.sem='250 32000 32 128'");
		return -ENOSPC;
	}
	return 0;
}

#ifdef HAVE_SYSV_SEM
static int sysv_setup(struct ipcb_wake *w, struct ipcb_err *err)
{
	unsigned short zero[IPCB_WAKE_CHANNELS] = { 0 };

	w->semid = semget(IPC_PRIVATE, IPCB_WAKE_CHANNELS, IPC_CREAT | IPC_EXCL | 0600);
	if (w->semid < 0) {
		int e = errno;

		ipcb_err_set(err, e, "semget(IPC_PRIVATE, %d semaphores)", IPCB_WAKE_CHANNELS);
		if (e == ENOSPC)
			ipcb_err_hint(err, "the system's semaphore sets are used up (kernel.sem): "
					   "ipcs -s lists them");
		return -e;
	}
	if (ipcb_reg_add(IPCB_OBJ_SYSV_SEM, w->semid, NULL) != 0)
		return ipcb_err_set(err, ENOSPC, "the registry of IPC objects is full");
	if (semctl(w->semid, 0, SETALL, zero) != 0)
		return ipcb_err_set(err, errno, "semctl(%d, SETALL)", w->semid);
	return 0;
}

#endif

static int setup_objects(struct ipcb_wake *w, struct ipcb_err *err)
{
	switch (w->kind) {
	case IPCB_WAKE_POSIX_SEM:
		for (int ch = 0; ch < IPCB_WAKE_CHANNELS; ch++)
			if (sem_init(&w->sh->sem[ch], 1, 0) != 0)
				return ipcb_err_set(err, errno, "sem_init(pshared=1)");
		return 0;
#ifdef HAVE_SYSV_SEM
	case IPCB_WAKE_SYSV_SEM:
		return sysv_setup(w, err);
#endif
	case IPCB_WAKE_MUTEX:
		return mutex_init(w->sh, err);
	case IPCB_WAKE_EVENTFD:
		for (int ch = 0; ch < IPCB_WAKE_CHANNELS; ch++)
			if ((w->efd[ch] = eventfd(0, EFD_CLOEXEC)) < 0)
				return ipcb_err_set(err, errno, "eventfd");
		return 0;
	case IPCB_WAKE_FLOCK:
		return flock_setup(w, err);
	default:
		return 0;
	}
}

int ipcb_wake_setup(struct ipcb_wake *w, enum ipcb_wake_kind kind, struct ipcb_wake_shared *sh,
		    struct ipcb_err *err)
{
	memset(w, 0, sizeof *w);
	w->kind = kind;
	w->sh = sh;
	w->semid = -1;
	for (int ch = 0; ch < IPCB_WAKE_CHANNELS; ch++)
		w->efd[ch] = w->lock[ch][0] = w->lock[ch][1] = -1;
	return setup_objects(w, err);
}

int ipcb_wake_attach(struct ipcb_wake *w, enum ipcb_side side, const struct ipcb_ring_waker **waker,
		     struct ipcb_err *err)
{
	int rc;

	w->side = side;
	*waker = NULL;
	if (w->kind <= IPCB_WAKE_HYBRID)
		return 0;
	if (w->kind == IPCB_WAKE_FLOCK && (rc = flock_attach(w, err)) != 0)
		return rc;
	w->waker = wakers[w->kind];
	w->waker.ctx = w;
	*waker = &w->waker;
	return 0;
}

static void remove_lock_files(struct ipcb_wake *w)
{
	char path[256];
	struct ipcb_err err;

	for (int ch = 0; ch < IPCB_WAKE_CHANNELS; ch++)
		for (int i = 0; i < 2; i++)
			if (lock_path(w, ch, i, path, sizeof path, &err) == 0)
				unlink(path);
	ipcb_tmpdir_remove(w->dir);
}

void ipcb_wake_teardown(struct ipcb_wake *w)
{
#ifdef HAVE_SYSV_SEM
	if (w->semid >= 0) {
		semctl(w->semid, 0, IPC_RMID);
		ipcb_reg_del(IPCB_OBJ_SYSV_SEM, w->semid, NULL);
		w->semid = -1;
	}
#endif
	for (int ch = 0; ch < IPCB_WAKE_CHANNELS; ch++) {
		if (w->efd[ch] >= 0)
			close(w->efd[ch]);
		w->efd[ch] = -1;
	}
	/* The semaphores, mutexes and conditions in the shared memory are
	 * not destroyed: they hold nothing outside it, and destroying a
	 * condition that a killed child was waiting on can block for ever. */
	if (w->dir[0] != '\0')
		remove_lock_files(w);
}
