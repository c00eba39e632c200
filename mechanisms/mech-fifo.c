/* fifo: two named pipes (mkfifo) in a private mkdtemp directory, one per
 * direction, removed as soon as both sides have opened them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/tmpdir.h"
#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/pipe-link.h"

struct fifo_state {
	struct ipcb_pipe_link link; /* first: send/recv/notes are ipcb_pipe_link_* */
	char dir[PATH_MAX];
	char ab[PATH_MAX]; /* A writes, B reads */
	char ba[PATH_MAX]; /* B writes, A reads */
};

/* Unlink both FIFOs and the directory; safe to repeat. */
static void fifo_remove(struct fifo_state *st)
{
	if (st->ab[0] != '\0')
		(void)unlink(st->ab);
	if (st->ba[0] != '\0')
		(void)unlink(st->ba);
	st->ab[0] = st->ba[0] = '\0';
	ipcb_tmpdir_remove(st->dir);
}

static int fifo_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct fifo_state *st = calloc(1, sizeof *st);
	int rc;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "fifo state");
	ipcb_pipe_link_init(&st->link, cfg);
	*state = st;
	rc = ipcb_tmpdir_create(st->dir, sizeof st->dir, err);
	if (rc != 0)
		return rc;
	if ((rc = ipcb_path_join(st->ab, sizeof st->ab, st->dir, "ab", err)) != 0 ||
	    (rc = ipcb_path_join(st->ba, sizeof st->ba, st->dir, "ba", err)) != 0)
		return rc;
	if (mkfifo(st->ab, 0600) != 0) {
		rc = ipcb_err_set(err, errno, "mkfifo(%s)", st->ab);
		st->ab[0] = '\0';
		return rc;
	}
	if (mkfifo(st->ba, 0600) != 0) {
		rc = ipcb_err_set(err, errno, "mkfifo(%s)", st->ba);
		st->ba[0] = '\0';
		return rc;
	}
	return 0;
}

static int open_fifo(const char *path, int flags, int *fd, struct ipcb_err *err)
{
	do
		*fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW);
	while (*fd < 0 && errno == EINTR);
	if (*fd < 0)
		return ipcb_err_set(err, errno, "open(%s)", path);
	return 0;
}

static int fifo_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct fifo_state *st = state;
	int rc;

	/* Both sides open A->B first: opening one end of a FIFO blocks until
	 * the other end is opened, so the same order on both sides cannot
	 * deadlock. */
	if (self->side == IPCB_SIDE_A) {
		if ((rc = open_fifo(st->ab, O_WRONLY, &st->link.fd.tx, err)) != 0 ||
		    (rc = open_fifo(st->ba, O_RDONLY, &st->link.fd.rx, err)) != 0)
			return rc;
		st->link.fd.tx_what = "write(fifo A->B)";
		st->link.fd.rx_what = "read(fifo B->A)";
		return ipcb_pipe_link_attach(&st->link, err);
	}
	if ((rc = open_fifo(st->ab, O_RDONLY, &st->link.fd.rx, err)) != 0 ||
	    (rc = open_fifo(st->ba, O_WRONLY, &st->link.fd.tx, err)) != 0)
		return rc;
	st->link.fd.tx_what = "write(fifo B->A)";
	st->link.fd.rx_what = "read(fifo A->B)";
	/* B's second open returns only once A has opened both FIFOs, so the
	 * names are no longer needed. The parent removes them again in
	 * teardown in case B never got here. */
	fifo_remove(st);
	return ipcb_pipe_link_attach(&st->link, err);
}

static void fifo_teardown(void *state)
{
	struct fifo_state *st = state;

	if (st == NULL)
		return;
	ipcb_io_close(&st->link.fd.tx);
	ipcb_io_close(&st->link.fd.rx);
	fifo_remove(st);
	free(st);
}

const struct ipcb_mech ipcb_mech_fifo = {
	.name = "fifo",
	.summary = "two named FIFOs (mkfifo) in a private 0700 directory; byte stream",
	.flags = 0,
	.opts = ipcb_pipe_opts,
	.limits = ipcb_pipe_limits,
	.setup = fifo_setup,
	.attach = fifo_attach,
	.send = ipcb_pipe_link_send,
	.recv = ipcb_fd_link_recv,
	.notes = ipcb_pipe_link_notes,
	.teardown = fifo_teardown,
	.state_size = sizeof(struct fifo_state),
};
