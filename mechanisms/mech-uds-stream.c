/* uds-stream: a Unix domain stream socket between the two sides. The
 * listening socket is bound to a path in a private mkdtemp directory; side
 * B accepts, side A connects, and the path is removed once they are
 * connected; B turns away a connection from any process but side A
 * (ipcb_uds_conn in sock.c). A byte stream: messages are written and read
 * whole by looping over short writes and reads. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/sock.h"

struct uds_state {
	struct ipcb_fd_link link; /* first: send/recv are ipcb_fd_link_* */
	struct ipcb_uds_conn conn;
};

static int uds_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		      struct ipcb_err *err)
{
	struct sockaddr_un sa;
	int sv[2];

	(void)opts;
	(void)err;
	/* A socketpair's ends have the buffers an accepted and a connected
	 * socket start with. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
		ipcb_sock_buf_limits(lim, sv[0], "socket");
		close(sv[0]);
		close(sv[1]);
	}
	ipcb_sock_core_limits(lim);
	ipcb_limits_add(lim, "sun_path_bytes", (int64_t)sizeof sa.sun_path, "sizeof(sun_path)");
	return 0;
}

/* Unavailable when the socket's path would not fit sun_path (a long
 * TMPDIR). */
static int uds_supported(struct ipcb_err *err)
{
	return ipcb_sock_tmp_path_check(IPCB_UDS_CONN_NAME, err);
}

static int uds_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct uds_state *st = calloc(1, sizeof *st);

	(void)cfg;
	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "uds-stream state");
	st->link.tx = st->link.rx = -1;
	*state = st;
	return ipcb_uds_conn_setup(&st->conn, SOCK_STREAM, err);
}

static int uds_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct uds_state *st = state;
	int rc;

	if ((rc = ipcb_uds_conn_attach(&st->conn, self, 0, err)) != 0)
		return rc;
	st->link.tx = st->link.rx = st->conn.fd;
	st->link.tx_what = self->side == IPCB_SIDE_A ? "write(uds A->B)" : "write(uds B->A)";
	st->link.rx_what = self->side == IPCB_SIDE_A ? "read(uds B->A)" : "read(uds A->B)";
	return 0;
}

static void uds_teardown(void *state)
{
	struct uds_state *st = state;

	if (st == NULL)
		return;
	ipcb_uds_conn_close(&st->conn);
	free(st);
}

const struct ipcb_mech ipcb_mech_uds_stream = {
	.name = "uds-stream",
	.summary = "Unix domain stream socket (bind/listen/accept/connect on a private path)",
	.flags = 0,
	.supported = uds_supported,
	.limits = uds_limits,
	.setup = uds_setup,
	.attach = uds_attach,
	.send = ipcb_fd_link_send,
	.recv = ipcb_fd_link_recv,
	.teardown = uds_teardown,
	.state_size = sizeof(struct uds_state),
};
