/* signal: real-time signals sent with sigqueue(), the payload carried in
 * the signal's value (union sigval), so a message holds at most
 * sizeof(union sigval) bytes; larger sizes are skipped. The receiver keeps
 * the signal blocked and takes it with sigwaitinfo(). Real-time signals
 * queue in order and are not merged; the harness's sequence numbers would
 * show a lost or merged one. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mechanisms/mech.h"

struct sig_state {
	int signo;
	pid_t peer;
	sigset_t set;
	unsigned long full_retries; /* sigqueue() found the peer's queue full */
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

	if (sigprocmask(SIG_BLOCK, &st->set, NULL) != 0)
		return ipcb_err_set(err, errno, "sigprocmask(SIG_BLOCK)");
	st->peer = self->peer_pid;
	if (st->peer <= 0)
		return ipcb_err_set(err, ESRCH, "no peer pid");
	return 0;
}

static int sig_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	struct sig_state *st = state;
	union sigval v;

	memset(&v, 0, sizeof v);
	memcpy(&v, buf, len);
	/* A full queue of pending signals (RLIMIT_SIGPENDING) is this
	 * mechanism's flow control: give the receiver the CPU and retry. */
	while (sigqueue(st->peer, st->signo, v) != 0) {
		if (errno != EAGAIN && errno != EINTR)
			return ipcb_err_set(err, errno, "sigqueue(pid %ld)", (long)st->peer);
		st->full_retries++;
		sched_yield();
	}
	return 0;
}

static int sig_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	struct sig_state *st = state;
	siginfo_t si;
	int rc;

	do
		rc = sigwaitinfo(&st->set, &si);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return ipcb_err_set(err, errno, "sigwaitinfo");
	if (si.si_code != SI_QUEUE || si.si_pid != st->peer)
		return ipcb_err_set(err, EPROTO, "signal %d from pid %ld (code %d), expected sigqueue from pid %ld",
				    rc, (long)si.si_pid, si.si_code, (long)st->peer);
	memcpy(buf, &si.si_value, len);
	return 0;
}

static void sig_teardown(void *state)
{
	free(state);
}

const struct ipcb_mech ipcb_mech_signal = {
	.name = "signal",
	.summary = "real-time signals (sigqueue, sigwaitinfo); payload in the sigval, at most 8 bytes",
	.flags = IPCB_MECH_BOUNDARIES,
	.limits = sig_limits,
	.check = sig_check,
	.setup = sig_setup,
	.attach = sig_attach,
	.send = sig_send,
	.recv = sig_recv,
	.teardown = sig_teardown,
};
