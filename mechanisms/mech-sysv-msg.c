/* sysv-msg: two System V message queues (IPC_PRIVATE, mode 0600), one per
 * direction. Messages are built in place: the mtype word goes in the
 * headroom the harness leaves in front of every buffer, as an application
 * that lays out its own msgbuf would do. Limits: kernel.msgmax (largest
 * message) and kernel.msgmnb (bytes a queue holds). The queues are removed
 * with IPC_RMID in teardown, which runs on every exit path. */
#include "config.h"

/* configure's verdict: without these the mechanism registers, unbuilt. */
#if !defined(HAVE_SYS_MSG_H)
#define SYSV_MISSING "<sys/msg.h>"
#elif !defined(HAVE_MSGGET)
#define SYSV_MISSING "msgget()"
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef SYSV_MISSING
#include <sys/ipc.h>
#include <sys/msg.h>
#endif

#include "harness/reg.h"
#include "harness/sysfs.h"
#include "mechanisms/mech.h"

#ifndef SYSV_MISSING
struct sysv_state {
	int q[2]; /* [0] carries A->B, [1] carries B->A; -1 when none */
	int tx, rx;
	const char *tx_what, *rx_what;
};

/* A msgbuf laid over the headroom in front of buf. */
struct inplace {
	long mtype;
	char mtext[];
};

static uint64_t kernel_limit(const char *name)
{
	char path[64];
	uint64_t v = 0;

	snprintf(path, sizeof path, "/proc/sys/kernel/%s", name);
	(void)ipcb_sysfs_read_u64(path, &v);
	return v;
}

/* A new private queue, registered (reg.h) before a signal can end the
 * process: SIGINT and SIGTERM wait while it is made and registered. */
static int new_queue(void)
{
	sigset_t stop, old;
	int q, e;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	q = msgget(IPC_PRIVATE, IPC_CREAT | IPC_EXCL | 0600);
	e = errno;
	if (q >= 0 && ipcb_reg_add(IPCB_OBJ_SYSV_MSG, q, NULL) != 0) {
		(void)msgctl(q, IPC_RMID, NULL);
		q = -1;
		e = ENFILE;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return q;
}

static void remove_queue(int q)
{
	(void)msgctl(q, IPC_RMID, NULL);
	ipcb_reg_del(IPCB_OBJ_SYSV_MSG, q, NULL);
}

static int sysv_supported(struct ipcb_err *err)
{
	int q = new_queue();

	if (q < 0 && errno == ENOSYS) {
		ipcb_err_set(err, 0, "System V message queues are not available in this kernel");
		return -ENOSYS;
	}
	if (q >= 0)
		remove_queue(q);
	return 0;
}

static int sysv_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		       struct ipcb_err *err)
{
	uint64_t max = kernel_limit("msgmax"), mnb = kernel_limit("msgmnb");

	(void)opts;
	(void)err;
	ipcb_limits_add(lim, "kernel_msgmax_bytes", (int64_t)max, "/proc/sys/kernel/msgmax");
	ipcb_limits_add(lim, "kernel_msgmnb_bytes", (int64_t)mnb, "/proc/sys/kernel/msgmnb");
	ipcb_limits_add(lim, "kernel_msgmni", (int64_t)kernel_limit("msgmni"),
			"/proc/sys/kernel/msgmni");
	lim->max_msg_bytes = max < mnb ? max : mnb;
	return 0;
}

static int sysv_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	uint64_t max = kernel_limit("msgmax"), mnb = kernel_limit("msgmnb");
	size_t size = cfg->msg_size_bytes;

	if (size > max) {
		ipcb_err_set(err, 0, "a %zu-byte message exceeds kernel.msgmax (%llu)", size,
			     (unsigned long long)max);
		ipcb_err_hint(err, "raise it: sysctl -w kernel.msgmax=%zu (and kernel.msgmnb)",
			      size);
		return -EMSGSIZE;
	}
	if (size > mnb) {
		ipcb_err_set(
			err, 0,
			"a %zu-byte message does not fit a queue of kernel.msgmnb (%llu) bytes",
			size, (unsigned long long)mnb);
		ipcb_err_hint(err, "raise it: sysctl -w kernel.msgmnb=%zu", size);
		return -EMSGSIZE;
	}
	return 0;
}

static int sysv_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct sysv_state *st = calloc(1, sizeof *st);

	(void)cfg;
	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "sysv-msg state");
	st->q[0] = st->q[1] = -1;
	*state = st;
	for (int i = 0; i < 2; i++) {
		st->q[i] = new_queue();
		if (st->q[i] >= 0)
			continue;
		if (errno == ENOSPC) {
			ipcb_err_set(err, 0,
				     "no more System V queues: kernel.msgmni (%llu) is reached (a "
				     "pair needs 2)",
				     (unsigned long long)kernel_limit("msgmni"));
			ipcb_err_hint(err, "raise it (sysctl -w kernel.msgmni=N) or remove stale "
					   "queues (ipcbench cleanup removes those of killed runs; "
					   "ipcs -q lists all)");
			return -EMSGSIZE;
		}
		return ipcb_err_set(err, errno, "msgget(IPC_PRIVATE)");
	}
	return 0;
}

static int sysv_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct sysv_state *st = state;
	int a = self->side == IPCB_SIDE_A;

	(void)err;
	st->tx = st->q[a ? 0 : 1];
	st->rx = st->q[a ? 1 : 0];
	st->tx_what = a ? "msgsnd(A->B)" : "msgsnd(B->A)";
	st->rx_what = a ? "msgrcv(B->A)" : "msgrcv(A->B)";
	return 0;
}

static int sysv_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	struct sysv_state *st = state;
	/* The harness guarantees writable headroom before buf. */
	struct inplace *m = (struct inplace *)((char *)(uintptr_t)buf - sizeof(long));
	int rc;

	m->mtype = 1;
	do
		rc = msgsnd(st->tx, m, len, 0);
	while (rc != 0 && errno == EINTR);
	if (rc != 0)
		return ipcb_err_set(err, errno, "%s of %zu bytes", st->tx_what, len);
	return 0;
}

static int sysv_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	struct sysv_state *st = state;
	struct inplace *m = (struct inplace *)((char *)buf - sizeof(long));
	ssize_t n;

	do
		n = msgrcv(st->rx, m, len, 0, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ipcb_err_set(err, errno, "%s", st->rx_what);
	if ((size_t)n != len)
		return ipcb_err_set(err, EPROTO, "%s: message of %zd bytes, expected %zu",
				    st->rx_what, n, len);
	return 0;
}

static void sysv_teardown(void *state)
{
	struct sysv_state *st = state;

	if (st == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		if (st->q[i] >= 0)
			remove_queue(st->q[i]);
		st->q[i] = -1;
	}
	free(st);
}

#else
static int sysv_unbuilt(struct ipcb_err *err)
{
	return ipcb_mech_unbuilt(err, SYSV_MISSING,
				 "this C library has no System V message queues");
}
#endif

const struct ipcb_mech ipcb_mech_sysv_msg = {
	.name = "sysv-msg",
	.summary = "two System V message queues (msgget IPC_PRIVATE), one per direction",
	.flags = IPCB_MECH_BOUNDARIES,
	.headroom = sizeof(long),
#ifndef SYSV_MISSING
	.supported = sysv_supported,
	.limits = sysv_limits,
	.check = sysv_check,
	.setup = sysv_setup,
	.attach = sysv_attach,
	.send = sysv_send,
	.recv = sysv_recv,
	.teardown = sysv_teardown,
	.state_size = sizeof(struct sysv_state),
#else
	.supported = sysv_unbuilt,
#endif
};
