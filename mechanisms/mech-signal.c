/* signal: real-time signals sent with sigqueue(), the payload carried in
 * the signal's value (union sigval), so a message holds at most
 * sizeof(union sigval) bytes; larger sizes are skipped. The receiver keeps
 * the signal blocked and takes it with sigtimedwait(). Real-time signals
 * queue in order and are not merged.
 *
 * What shows a lost, merged or duplicated signal. Nothing else in a queued
 * signal carries data (si_code, si_pid and si_uid are the kernel's), so
 * the sequence number shares the 8 bytes of the sigval with the payload:
 *   - the first len bytes are the message, whose first min(len, 8) bytes
 *     are the harness's sequence number, i.e. that number modulo
 *     2^(8 len) (modulo 256 at 1 byte);
 *   - the 8 - len bytes the message leaves free carry this mechanism's own
 *     count of the signals sent in this direction, checked by the receiver
 *     modulo 2^(8 (8 - len)).
 * A gap of k signals lost in the kernel goes unseen only when k is a
 * multiple of both moduli: of 2^32 at 4 bytes, of 2^(8 max(len, 8 - len))
 * below 8 bytes, never at 8 bytes (the full 64-bit number). Messages
 * dropped or repeated above the mechanism (tests' fault injection) are seen
 * by the harness's number alone, modulo 2^(8 len).
 *
 * A lost signal in the latency test would leave both sides waiting: each
 * wait is bounded (below the watchdog's stall timeout) and ends the cell
 * with the message that did not come.
 *
 * Threads mode: sigqueue() to the process could be taken by either thread,
 * so a side queues the signal to its peer's thread (rt_tgsigqueueinfo, as
 * pthread_sigqueue does, with the same si_code, pid and value), and each
 * thread blocks the signal for itself (pthread_sigmask). */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/msg.h"
#include "mechanisms/mech.h"

/* Bound of one wait when the watchdog's timeout is unknown. */
#define WAIT_DEFAULT_NS 5000000000ull

struct sig_state {
	int signo;
	pid_t peer;
	pid_t peer_tid; /* threads mode: the peer's thread; 0 in processes mode */
	sigset_t set;
	uint64_t wait_ns;        /* longest wait for one signal */
	uint64_t sent, received; /* signals so far, each way (counts the spare bytes carry) */
	uint64_t full_retries;   /* sigqueue() found the peer's queue full */
};

/* The real-time signal used in both directions (each side receives it from
 * the other only). */
static int ipcb_signo(void)
{
	return SIGRTMIN + 2;
}

static int sig_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		      struct ipcb_err *err)
{
	struct rlimit rl;

	(void)opts;
	(void)err;
	lim->max_msg_bytes = sizeof(union sigval);
	ipcb_limits_add(lim, "sigval_bytes", sizeof(union sigval), "sizeof(union sigval)");
	ipcb_limits_add(lim, "signal_number", ipcb_signo(), "SIGRTMIN+2");
	if (getrlimit(RLIMIT_SIGPENDING, &rl) == 0)
		ipcb_limits_add(lim, "rlimit_sigpending", (int64_t)rl.rlim_cur,
				"getrlimit(RLIMIT_SIGPENDING): signals queued per user");
	return 0;
}

static int sig_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	/* (At a rate the harness's stamps need more than a signal carries;
	 * this says why for a caller that sends less, as the integrity test.) */
	if (cfg->paced && cfg->mode == IPCB_MODE_THREADS) {
		ipcb_err_set(err, 0,
			     "pipelined between threads: side B signals side A's sending thread "
			     "(rt_tgsigqueueinfo), not the thread that takes the echoes");
		return -EINVAL;
	}
	if (cfg->msg_size_bytes <= sizeof(union sigval))
		return 0;
	ipcb_err_set(err, 0, "a signal carries at most %zu bytes (sizeof(union sigval)), not %zu",
		     sizeof(union sigval), cfg->msg_size_bytes);
	ipcb_err_hint(err, "a fixed limit of the mechanism; it cannot be raised");
	return -EMSGSIZE;
}

static int sig_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct sig_state *st = calloc(1, sizeof *st);

	(void)cfg;
	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "signal state");
	st->signo = ipcb_signo();
	/* Three quarters of the watchdog's timeout: a lost signal is reported
	 * as one, before the watchdog's "no progress". */
	st->wait_ns = cfg->stall_timeout_ns ? cfg->stall_timeout_ns / 4 * 3 : WAIT_DEFAULT_NS;
	sigemptyset(&st->set);
	sigaddset(&st->set, st->signo);
	*state = st;
	return 0;
}

/* Block the signal before the harness releases either side, so that none
 * arrives unblocked (its default action would end the process). */
static int sig_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct sig_state *st = state;

	int rc = pthread_sigmask(SIG_BLOCK, &st->set, NULL);

	if (rc != 0)
		return ipcb_err_set(err, rc, "pthread_sigmask(SIG_BLOCK)");
	st->peer = self->peer_pid;
	st->peer_tid = self->mode == IPCB_MODE_THREADS ? self->peer_tid : 0;
	if (st->peer <= 0)
		return ipcb_err_set(err, ESRCH, "no peer pid");
	return 0;
}

/* The spare bytes of a sigval after a len-byte message: the send count,
 * little-endian, truncated. */
static void put_count(union sigval *v, size_t len, uint64_t count)
{
	uint64_t le = htole64(count);

	memcpy((unsigned char *)v + len, &le, sizeof *v - len);
}

static uint64_t get_count(const union sigval *v, size_t len)
{
	uint64_t le = 0;

	memcpy(&le, (const unsigned char *)v + len, sizeof *v - len);
	return le64toh(le);
}

/* Queue the signal to the peer: its process, or its thread. */
static int queue_to_peer(const struct sig_state *st, union sigval v)
{
	siginfo_t si;

	if (st->peer_tid == 0)
		return sigqueue(st->peer, st->signo, v);
	memset(&si, 0, sizeof si);
	si.si_signo = st->signo;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value = v;
	return (int)syscall(SYS_rt_tgsigqueueinfo, st->peer, st->peer_tid, st->signo, &si);
}

static int sig_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	struct sig_state *st = state;
	union sigval v;

	memset(&v, 0, sizeof v);
	memcpy(&v, buf, len);
	if (len < sizeof v)
		put_count(&v, len, st->sent);
	/* A full queue of pending signals (RLIMIT_SIGPENDING) is this
	 * mechanism's flow control: give the receiver the CPU and retry. */
	while (queue_to_peer(st, v) != 0) {
		if (errno != EAGAIN && errno != EINTR)
			return ipcb_err_set(err, errno, "%s(pid %ld, tid %ld)",
					    st->peer_tid ? "rt_tgsigqueueinfo" : "sigqueue",
					    (long)st->peer, (long)st->peer_tid);
		st->full_retries++;
		sched_yield();
	}
	st->sent++;
	return 0;
}

/* Wait for the next signal, at most st->wait_ns. */
static int wait_signal(struct sig_state *st, siginfo_t *si, struct ipcb_err *err)
{
	struct timespec ts = { .tv_sec = (time_t)(st->wait_ns / 1000000000u),
			       .tv_nsec = (long)(st->wait_ns % 1000000000u) };
	int rc;

	/* An interrupted wait starts its bound again: only a stop signal
	 * (which ends the process) interrupts it here. */
	do
		rc = sigtimedwait(&st->set, si, &ts);
	while (rc < 0 && errno == EINTR);
	if (rc >= 0)
		return rc;
	if (errno == EAGAIN) {
		ipcb_err_set(err, 0,
			     "signal: no signal arrived within %.1f s while waiting for message "
			     "%llu: lost? (or the peer stopped sending)",
			     (double)st->wait_ns / 1e9, (unsigned long long)st->received);
		ipcb_err_hint(err, "the wait is three quarters of --timeout; raise it if the peer "
				   "is just slow");
		return -ETIMEDOUT;
	}
	return ipcb_err_set(err, errno, "sigtimedwait");
}

static int sig_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	struct sig_state *st = state;
	siginfo_t si;
	int rc = wait_signal(st, &si, err);

	if (rc < 0)
		return rc;
	if (si.si_code != SI_QUEUE || si.si_pid != st->peer)
		return ipcb_err_set(
			err, EPROTO,
			"signal %d from pid %ld (code %d), expected sigqueue from pid %ld", rc,
			(long)si.si_pid, si.si_code, (long)st->peer);
	if (len < sizeof si.si_value) {
		uint64_t got = get_count(&si.si_value, len);

		if (got != (st->received & ipcb_msg_seq_mask(sizeof si.si_value - len))) {
			char why[IPCB_ERR_MSG_MAX - 64];

			ipcb_msg_seq_mismatch(st->received, got, sizeof si.si_value - len, why,
					      sizeof why);
			ipcb_err_set(err, 0, "signal count in the sigval's %zu spare bytes %s",
				     sizeof si.si_value - len, why);
			return -EBADMSG;
		}
	}
	st->received++;
	memcpy(buf, &si.si_value, len);
	return 0;
}

static void sig_notes(void *state, struct ipcb_notes *out)
{
	const struct sig_state *st = state;

	ipcb_notes_count(out, "full_retries", (int64_t)st->full_retries);
}

static void sig_teardown(void *state)
{
	free(state);
}

const struct ipcb_mech ipcb_mech_signal = {
	.name = "signal",
	.summary = "real-time signals (sigqueue, sigtimedwait); payload in the sigval, at most 8 "
		   "bytes",
	.flags = IPCB_MECH_BOUNDARIES,
	.limits = sig_limits,
	.check = sig_check,
	.setup = sig_setup,
	.attach = sig_attach,
	.send = sig_send,
	.recv = sig_recv,
	.notes = sig_notes,
	.teardown = sig_teardown,
	.state_size = sizeof(struct sig_state),
};
