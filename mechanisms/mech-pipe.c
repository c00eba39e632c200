/* pipe: two anonymous pipes, one per direction. A byte stream: a message
 * larger than the pipe's capacity is written and read in several pieces. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/pipe-limits.h"

struct pipe_state {
	struct ipcb_fd_link link; /* first: send/recv are ipcb_fd_link_* */
	int ab[2];                /* A writes [1], B reads [0] */
	int ba[2];                /* B writes [1], A reads [0] */
};

int ipcb_pipe_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim, struct ipcb_err *err)
{
	uint64_t max_size;
	int fds[2];

	(void)opts;
	(void)err;
	if (pipe2(fds, O_CLOEXEC) == 0) {
		int cap = -1;
#ifdef F_GETPIPE_SZ
		cap = fcntl(fds[0], F_GETPIPE_SZ);
#endif
		ipcb_limits_add(lim, "pipe_capacity_bytes", cap,
				"fcntl(F_GETPIPE_SZ) of a new pipe");
		close(fds[0]);
		close(fds[1]);
	}
	if (ipcb_sysfs_read_u64("/proc/sys/fs/pipe-max-size", &max_size) == 0)
		ipcb_limits_add(lim, "pipe_max_size_bytes", (int64_t)max_size,
				"/proc/sys/fs/pipe-max-size");
	ipcb_limits_add(lim, "pipe_buf_atomic_bytes", PIPE_BUF, "PIPE_BUF");
	lim->max_msg_bytes = 0;
	return 0;
}

static int pipe_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct pipe_state *st = malloc(sizeof *st);

	(void)cfg;
	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "pipe state");
	st->ab[0] = st->ab[1] = st->ba[0] = st->ba[1] = -1;
	st->link.tx = st->link.rx = -1;
	*state = st;
	if (pipe2(st->ab, O_CLOEXEC) != 0)
		return ipcb_err_set(err, errno, "pipe2(A->B)");
	if (pipe2(st->ba, O_CLOEXEC) != 0)
		return ipcb_err_set(err, errno, "pipe2(B->A)");
	return 0;
}

static int pipe_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct pipe_state *st = state;
	int a = self->side == IPCB_SIDE_A;
	int *out = a ? st->ab : st->ba, *in = a ? st->ba : st->ab;

	(void)err;
	st->link.tx = out[1];
	st->link.rx = in[0];
	ipcb_io_close(&out[0]);
	ipcb_io_close(&in[1]);
	st->link.tx_what = a ? "write(pipe A->B)" : "write(pipe B->A)";
	st->link.rx_what = a ? "read(pipe B->A)" : "read(pipe A->B)";
	return 0;
}

static void pipe_teardown(void *state)
{
	struct pipe_state *st = state;

	if (st == NULL)
		return;
	ipcb_io_close(&st->ab[0]);
	ipcb_io_close(&st->ab[1]);
	ipcb_io_close(&st->ba[0]);
	ipcb_io_close(&st->ba[1]);
	free(st);
}

const struct ipcb_mech ipcb_mech_pipe = {
	.name = "pipe",
	.summary = "two anonymous pipes (pipe2), one per direction; byte stream",
	.flags = 0,
	.limits = ipcb_pipe_limits,
	.setup = pipe_setup,
	.attach = pipe_attach,
	.send = ipcb_fd_link_send,
	.recv = ipcb_fd_link_recv,
	.teardown = pipe_teardown,
};
