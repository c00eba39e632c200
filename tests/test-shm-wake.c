/* The wake-up primitives of the shm mechanism on their own (their traffic
 * through the ring is test-mech-integrity's): each wakes a sleeper in
 * another process on each channel; a side that dies holding the robust
 * mutex makes the other's sleep and post fail with EPIPE instead of
 * hanging; teardown leaves no semaphore set, eventfd or lock file. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mechanisms/shm-wake.h"
#include "tests/tap.h"

static struct ipcb_wake_shared *shared_page(void)
{
	void *p = mmap(NULL, 4096 * 4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The side that sleeps on ch, as shm-wake.h numbers the channels. */
static enum ipcb_side sleeper_of(int ch)
{
	return (ch / 2 == 0) != (ch % 2 == 1) ? IPCB_SIDE_B : IPCB_SIDE_A;
}

/* Child: attach as side, then for every channel this side sleeps on,
 * announce and sleep until the parent (the other side) posts, three times
 * per channel (so flock's baton goes round its pair of files). Exit 0 when
 * every sleep returned with the flag claimed. */
static int sleeper_child(struct ipcb_wake *w, enum ipcb_side side, _Atomic uint32_t *flags)
{
	const struct ipcb_ring_waker *wk;
	struct ipcb_err err;

	if (ipcb_wake_attach(w, side, &wk, &err) != 0 || wk == NULL)
		return 2;
	for (int round = 0; round < 3; round++)
		for (int ch = 0; ch < IPCB_WAKE_CHANNELS; ch++) {
			if (sleeper_of(ch) != side)
				continue;
			atomic_store(&flags[ch], 1);
			if (wk->sleep(wk->ctx, ch, &flags[ch], &err) != 0)
				return 3;
			if (atomic_load(&flags[ch]) != 0)
				return 4;
		}
	return 0;
}

/* Parent as the other side, attached before the child exists (as the
 * harness starts both sides only once both are attached): claim each
 * announcement and post. */
static int poster(const struct ipcb_ring_waker *wk, enum ipcb_side side, _Atomic uint32_t *flags)
{
	struct ipcb_err err;

	for (int round = 0; round < 3; round++)
		for (int ch = 0; ch < IPCB_WAKE_CHANNELS; ch++) {
			if (sleeper_of(ch) == side)
				continue;
			while (atomic_exchange(&flags[ch], 0) != 1)
				usleep(100);
			if (wk->post(wk->ctx, ch, &flags[ch], &err) != 0) {
				printf("# post: %s\n", err.msg);
				return -1;
			}
		}
	return 0;
}

static void wakes_across_processes(enum ipcb_wake_kind kind)
{
	struct ipcb_wake_shared *sh = shared_page();
	_Atomic uint32_t *flags = (_Atomic uint32_t *)((char *)sh + 3 * 4096);
	const struct ipcb_ring_waker *wk;
	struct ipcb_wake w;
	struct ipcb_err err;
	int st = -1, posted;
	pid_t pid;

	if (!ok(sh != NULL && ipcb_wake_setup(&w, kind, sh, &err) == 0 &&
			ipcb_wake_attach(&w, IPCB_SIDE_A, &wk, &err) == 0 && wk != NULL,
		"%s: set up and attached", ipcb_wake_names[kind]))
		return;
	/* The child sleeps on B's channels; the parent is A. */
	pid = fork();
	if (pid == 0)
		_exit(sleeper_child(&w, IPCB_SIDE_B, flags));
	posted = poster(wk, IPCB_SIDE_A, flags);
	waitpid(pid, &st, 0);
	ok(posted == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "%s: a sleeper in another process is woken on each of its channels, three times",
	   ipcb_wake_names[kind]);
	if (kind == IPCB_WAKE_SYSV_SEM) {
		int id = w.semid;

		ipcb_wake_teardown(&w);
		ok(semctl(id, 0, GETVAL) < 0 && (errno == EINVAL || errno == EIDRM),
		   "sysv-sem: teardown removes semaphore set %d", id);
	} else if (kind == IPCB_WAKE_FLOCK) {
		char dir[sizeof w.dir];
		struct stat sb;

		snprintf(dir, sizeof dir, "%s", w.dir);
		ipcb_wake_teardown(&w);
		ok(stat(dir, &sb) != 0 && errno == ENOENT,
		   "flock: teardown removes the lock files' directory");
	} else {
		ipcb_wake_teardown(&w);
	}
	ipcb_wake_teardown(&w); /* idempotent */
	munmap(sh, 4096 * 4);
}

/* A side dies holding the mutex of channel 0: the other side's sleep and
 * post on that channel fail with EPIPE, at once. */
static void robust_mutex(void)
{
	struct ipcb_wake_shared *sh = shared_page();
	_Atomic uint32_t *flags = (_Atomic uint32_t *)((char *)sh + 3 * 4096);
	const struct ipcb_ring_waker *wk;
	struct ipcb_wake w;
	struct ipcb_err err;
	int st;
	pid_t pid;

	if (!ok(sh != NULL && ipcb_wake_setup(&w, IPCB_WAKE_MUTEX, sh, &err) == 0, "mutex: set up"))
		return;
	pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(&sh->mutex[0]);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	ipcb_wake_attach(&w, IPCB_SIDE_B, &wk, &err);
	atomic_store(&flags[0], 1);
	ok(wk->sleep(wk->ctx, 0, &flags[0], &err) == -EPIPE && strstr(err.msg, "died") != NULL,
	   "mutex: a sleep whose peer died holding the mutex fails with EPIPE: %s", err.msg);
	pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(&sh->mutex[1]);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	ok(wk->post(wk->ctx, 1, &flags[1], &err) == -EPIPE, "mutex: so does a post: %s", err.msg);
	ok(pthread_mutex_lock(&sh->mutex[0]) == 0 && pthread_mutex_unlock(&sh->mutex[0]) == 0,
	   "mutex: made consistent, it works again");
	ipcb_wake_teardown(&w);
	munmap(sh, 4096 * 4);
}

int main(void)
{
	struct ipcb_err err;

	tap_init();
	tap_serialize();
	alarm(120); /* a wake-up that never comes fails the test, not hangs it */
	for (int k = IPCB_WAKE_POSIX_SEM; k <= IPCB_WAKE_FLOCK; k++) {
		if (ipcb_wake_check((enum ipcb_wake_kind)k, &err) != 0) {
			printf("ok %d - %s # SKIP %s\n", ++tap_n, ipcb_wake_names[k], err.msg);
			continue;
		}
		wakes_across_processes((enum ipcb_wake_kind)k);
	}
	robust_mutex();
	return tap_done();
}
