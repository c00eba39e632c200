/* mqueue: two POSIX message queues, one per direction, each with
 * mq_msgsize = the message size. Created exclusively with mode 0600 under
 * a unique name and unlinked at once: the children inherit the open
 * descriptors, so no name exists while the cell runs. Every size and depth
 * is tried against the kernel before a cell runs; what the kernel refuses
 * is skipped with the limit that refused it. */
#include "config.h"

/* configure's verdict: without these the mechanism registers, unbuilt. */
#if !defined(HAVE_MQUEUE_H)
#define MQ_MISSING "<mqueue.h>"
#elif !defined(HAVE_MQ_OPEN)
#define MQ_MISSING "mq_open()"
#endif

#include <errno.h>
#include <fcntl.h>
#ifndef MQ_MISSING
#include <mqueue.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "harness/reg.h"
#include "harness/tmpdir.h"
#include "mechanisms/mech.h"

#ifndef MQ_MISSING
#define MQ_DIR "/proc/sys/fs/mqueue/"
/* The kernel's ceiling on mq_msgsize, even with CAP_SYS_RESOURCE. */
#define HARD_MSGSIZE_MAX ((size_t)16 << 20)
/* The kernel's MQ_PRIO_MAX (ipc/mqueue.c), which bounds the priority tree. */
#define KERNEL_PRIO_MAX 32768
/* sizeof(struct msg_msg) and sizeof(struct posix_msg_tree_node) in a
 * 64-bit kernel: 48 bytes each, as measured with prlimit --msgqueue on
 * x86-64. Fixed, not sizeof(void *)-based: a 32-bit program on a 64-bit
 * kernel is charged the kernel's sizes. (A 32-bit kernel charges less, so
 * the figure is then an upper bound.) */
#define KERNEL_MSG_BYTES ((size_t)48)
#define KERNEL_NODE_BYTES ((size_t)48)

struct mq_state {
	mqd_t q[2]; /* [0] carries A->B, [1] carries B->A */
	mqd_t tx, rx;
	size_t size;
	const char *tx_what, *rx_what;
};

static uint64_t read_limit(const char *file)
{
	uint64_t v = 0;

	(void)ipcb_sysfs_read_u64(file, &v);
	return v;
}

/* Bytes of RLIMIT_MSGQUEUE a pair of queues of this size and depth is
 * charged (mqueue_get_inode): per queue, every message slot with its
 * struct msg_msg, plus one priority tree node per slot up to MQ_PRIO_MAX. */
static uint64_t pair_charge(size_t size, long depth)
{
	uint64_t d = (uint64_t)depth;
	uint64_t nodes = d < KERNEL_PRIO_MAX ? d : KERNEL_PRIO_MAX;

	return 2 * (d * ((uint64_t)size + KERNEL_MSG_BYTES) + nodes * KERNEL_NODE_BYTES);
}

/* Hint: raise this sysctl to want, and RLIMIT_MSGQUEUE to what a pair of
 * this size and depth is then charged. */
static void hint_budget(struct ipcb_err *err, const char *sysctl, unsigned long long want,
			const char *alt, size_t size, long depth)
{
	struct rlimit rl = { 0, 0 };

	(void)getrlimit(RLIMIT_MSGQUEUE, &rl);
	ipcb_err_hint(
		err,
		"sysctl -w %s=%llu%s, then RLIMIT_MSGQUEUE must allow at least %llu bytes for the "
		"pair (now %llu, shared with the user's other queues): ulimit -q BYTES",
		sysctl, want, alt, (unsigned long long)pair_charge(size, depth),
		(unsigned long long)rl.rlim_cur);
}

/* Explain why mq_open refused a queue of this size and depth. */
static int explain(int e, size_t size, long depth, struct ipcb_err *err)
{
	struct rlimit rl;

	switch (e) {
	case EINVAL:
		if (size > HARD_MSGSIZE_MAX) {
			ipcb_err_set(err, 0,
				     "a %zu-byte message exceeds the kernel's hard maximum of %zu "
				     "bytes (HARD_MSGSIZEMAX)",
				     size, HARD_MSGSIZE_MAX);
		} else if (size > read_limit(MQ_DIR "msgsize_max")) {
			ipcb_err_set(err, 0,
				     "a %zu-byte message exceeds fs.mqueue.msgsize_max (%llu)",
				     size, (unsigned long long)read_limit(MQ_DIR "msgsize_max"));
			hint_budget(err, "fs.mqueue.msgsize_max", size, "", size, depth);
		} else {
			ipcb_err_set(err, 0,
				     "a depth of %ld messages exceeds fs.mqueue.msg_max (%llu)",
				     depth, (unsigned long long)read_limit(MQ_DIR "msg_max"));
			hint_budget(err, "fs.mqueue.msg_max", (unsigned long long)depth,
				    " (or lower -o depth)", size, depth);
		}
		return -EMSGSIZE;
	case EMFILE: {
		int probe = dup(0);

		if (probe < 0 && errno == EMFILE) {
			getrlimit(RLIMIT_NOFILE, &rl);
			ipcb_err_set(
				err, 0,
				"the process has no file descriptor left (RLIMIT_NOFILE is %llu)",
				(unsigned long long)rl.rlim_cur);
			ipcb_err_hint(err, "raise it with 'ulimit -n N'");
			return -EMFILE;
		}
		if (probe >= 0)
			close(probe);
	}
		getrlimit(RLIMIT_MSGQUEUE, &rl);
		/* The kernel reports an exhausted per-user byte budget as EMFILE. */
		ipcb_err_set(err, 0,
			     "two queues of %ld x %zu bytes need at least %llu bytes of the "
			     "per-user POSIX message queue budget, which the user's other queues "
			     "share; RLIMIT_MSGQUEUE is %llu (the kernel says EMFILE)",
			     depth, size, (unsigned long long)pair_charge(size, depth),
			     (unsigned long long)rl.rlim_cur);
		ipcb_err_hint(err,
			      "raise it with 'ulimit -q BYTES' (hard limit %llu) or lower -o depth",
			      (unsigned long long)rl.rlim_max);
		return -EMSGSIZE;
	case ENOSPC:
		ipcb_err_set(err, 0,
			     "no more POSIX queues: fs.mqueue.queues_max (%llu) is reached (a pair "
			     "needs 2)",
			     (unsigned long long)read_limit(MQ_DIR "queues_max"));
		ipcb_err_hint(err, "raise it (sysctl -w fs.mqueue.queues_max=N) or remove stale "
				   "queues (ipcbench cleanup removes those of killed runs)");
		return -EMSGSIZE;
	case ENOSYS:
		ipcb_err_set(err, 0, "POSIX message queues are not available in this kernel");
		return -ENOSYS;
	default:
		return ipcb_err_set(err, e, "mq_open(%ld x %zu bytes)", depth, size);
	}
}

/* Create both queues, unlinking each name as soon as it is open. */
static int open_pair(mqd_t q[2], size_t size, long depth, struct ipcb_err *err)
{
	struct mq_attr attr = { .mq_maxmsg = depth, .mq_msgsize = (long)size };

	q[0] = q[1] = (mqd_t)-1;
	for (int i = 0; i < 2; i++) {
		char name[64];

		if (ipcb_unique_name(name, sizeof name, i ? "ba" : "ab") != 0)
			return ipcb_err_set(err, ENAMETOOLONG, "queue name");
		/* Registered before it exists, so that no kill finds it unknown. */
		if (ipcb_reg_add(IPCB_OBJ_MQUEUE, 0, name) != 0)
			return ipcb_err_set(err, ENOSPC,
					    "too many IPC objects at once to keep track of");
		q[i] = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attr);
		if (q[i] == (mqd_t)-1) {
			int e = errno;

			ipcb_reg_del(IPCB_OBJ_MQUEUE, 0, name);
			return explain(e, size, depth, err);
		}
		(void)mq_unlink(name);
		ipcb_reg_del(IPCB_OBJ_MQUEUE, 0, name);
	}
	return 0;
}

static void close_pair(mqd_t q[2])
{
	for (int i = 0; i < 2; i++) {
		if (q[i] != (mqd_t)-1)
			mq_close(q[i]);
		q[i] = (mqd_t)-1;
	}
}

/* Whether messages of this size and depth can be carried here. */
static int try_pair(size_t size, long depth, struct ipcb_err *err)
{
	mqd_t q[2];
	int rc = open_pair(q, size, depth, err);

	close_pair(q);
	return rc;
}

/* Unavailable when not even two queues of one 1-byte message fit. */
static int mq_supported(struct ipcb_err *err)
{
	return try_pair(1, 1, err);
}

/* The largest message a pair of queues of this depth can carry here,
 * found by asking the kernel (it knows the privileges and budgets). */
static size_t probe_max(long depth)
{
	size_t lo = 0, hi = HARD_MSGSIZE_MAX;

	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		if (try_pair(mid, depth, NULL) == 0)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static int mq_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim, struct ipcb_err *err)
{
	static const char *const files[] = { "msg_max", "msgsize_max", "queues_max", "msg_default",
					     "msgsize_default" };
	long depth = (long)ipcb_opt_num(opts, "depth");
	struct rlimit rl;
	char name[48], path[96];

	(void)err;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(name, sizeof name, "fs_mqueue_%s", files[i]);
		snprintf(path, sizeof path, MQ_DIR "%s", files[i]);
		ipcb_limits_add(lim, name, (int64_t)read_limit(path), path);
	}
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0) {
		ipcb_limits_add(lim, "rlimit_msgqueue_bytes", (int64_t)rl.rlim_cur,
				"getrlimit(RLIMIT_MSGQUEUE), soft");
		ipcb_limits_add(lim, "rlimit_msgqueue_hard_bytes", (int64_t)rl.rlim_max,
				"getrlimit(RLIMIT_MSGQUEUE), hard");
	}
	lim->max_msg_bytes = probe_max(depth);
	/* Not even 1-byte messages at this depth: say why (0 would read as
	 * "no limit"). Should the budget have been freed meanwhile, probe
	 * again rather than return 0. */
	for (int tries = 0; lim->max_msg_bytes == 0 && tries < 2; tries++) {
		int rc = try_pair(1, depth, err);

		if (rc != 0)
			return rc;
		lim->max_msg_bytes = probe_max(depth);
	}
	if (lim->max_msg_bytes == 0)
		return ipcb_err_set(err, EAGAIN,
				    "the POSIX message queue budget changed while it was probed");
	ipcb_limits_add(lim, "max_msg_bytes_at_depth", (int64_t)lim->max_msg_bytes,
			"largest mq_msgsize two queues of -o depth could be created with (probed)");
	return 0;
}

static int mq_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	return try_pair(cfg->msg_size_bytes, (long)ipcb_opt_num(cfg->opts, "depth"), err);
}

static int mq_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct mq_state *st = calloc(1, sizeof *st);

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "mqueue state");
	st->q[0] = st->q[1] = (mqd_t)-1;
	st->size = cfg->msg_size_bytes;
	*state = st;
	return open_pair(st->q, cfg->msg_size_bytes, (long)ipcb_opt_num(cfg->opts, "depth"), err);
}

static int mq_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct mq_state *st = state;
	int a = self->side == IPCB_SIDE_A;

	(void)err;
	st->tx = st->q[a ? 0 : 1];
	st->rx = st->q[a ? 1 : 0];
	st->tx_what = a ? "mq_send(A->B)" : "mq_send(B->A)";
	st->rx_what = a ? "mq_receive(B->A)" : "mq_receive(A->B)";
	return 0;
}

static int mq_send_msg(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	struct mq_state *st = state;
	int rc;

	do
		rc = mq_send(st->tx, buf, len, 0);
	while (rc != 0 && errno == EINTR);
	if (rc != 0)
		return ipcb_err_set(err, errno, "%s of %zu bytes", st->tx_what, len);
	return 0;
}

static int mq_recv_msg(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	struct mq_state *st = state;
	ssize_t n;

	do
		n = mq_receive(st->rx, buf, st->size, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ipcb_err_set(err, errno, "%s", st->rx_what);
	if ((size_t)n != len)
		return ipcb_err_set(err, EPROTO, "%s: message of %zd bytes, expected %zu",
				    st->rx_what, n, len);
	return 0;
}

static void mq_teardown(void *state)
{
	struct mq_state *st = state;

	if (st == NULL)
		return;
	close_pair(st->q);
	free(st);
}

#else
static int mq_unbuilt(struct ipcb_err *err)
{
	return ipcb_mech_unbuilt(err, MQ_MISSING, "this C library has no POSIX message queues");
}
#endif

static const struct ipcb_opt_def mq_opts[] = {
	{ .name = "depth",
	  .type = IPCB_OPT_UINT,
	  .def = "10",
	  .min = 1,
	  .max = 65536,
	  .help = "mq_maxmsg of each queue (the kernel default is 10)" },
	{ .name = NULL },
};

const struct ipcb_mech ipcb_mech_mqueue = {
	.name = "mqueue",
	.summary =
		"two POSIX message queues (mq_open, mq_msgsize = message size), one per direction",
	.flags = IPCB_MECH_BOUNDARIES,
	.opts = mq_opts,
#ifndef MQ_MISSING
	.supported = mq_supported,
	.limits = mq_limits,
	.check = mq_check,
	.setup = mq_setup,
	.attach = mq_attach,
	.send = mq_send_msg,
	.recv = mq_recv_msg,
	.teardown = mq_teardown,
	.state_size = sizeof(struct mq_state),
#else
	.supported = mq_unbuilt,
#endif
};
