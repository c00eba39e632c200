/* pipe: two anonymous pipes, one per direction. A byte stream: a message
 * larger than the pipe's capacity is written and read in several pieces.
 * -o capacity and -o io: mechanisms/pipe-link.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/pipe-link.h"

struct pipe_state {
	struct ipcb_pipe_link link; /* first: send/recv/notes are ipcb_pipe_link_* */
	int ab[2];                  /* A writes [1], B reads [0] */
	int ba[2];                  /* B writes [1], A reads [0] */
};

static int pipe_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct pipe_state *st = malloc(sizeof *st);

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "pipe state");
	st->ab[0] = st->ab[1] = st->ba[0] = st->ba[1] = -1;
	ipcb_pipe_link_init(&st->link, cfg);
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

	st->link.fd.tx = out[1];
	st->link.fd.rx = in[0];
	ipcb_io_drop(self, &out[0]);
	ipcb_io_drop(self, &in[1]);
	st->link.fd.tx_what = a ? "write(pipe A->B)" : "write(pipe B->A)";
	st->link.fd.rx_what = a ? "read(pipe B->A)" : "read(pipe A->B)";
	return ipcb_pipe_link_attach(&st->link, err);
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
	.opts = ipcb_pipe_opts,
	.limits = ipcb_pipe_limits,
	.setup = pipe_setup,
	.attach = pipe_attach,
	.send = ipcb_pipe_link_send,
	.recv = ipcb_fd_link_recv,
	.notes = ipcb_pipe_link_notes,
	.teardown = pipe_teardown,
	.state_size = sizeof(struct pipe_state),
};
