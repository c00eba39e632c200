/* uds-seqpacket: a Unix domain sequenced-packet socket (SOCK_SEQPACKET)
 * between the two sides: a connection, made as uds-stream makes its own
 * (a listening socket on a path in a private mkdtemp directory, side B
 * accepting side A only, the path removed once connected: ipcb_uds_conn in
 * sock.c), that keeps message boundaries. One message is one record, so
 * the largest message is bounded by the sender's SO_SNDBUF (EMSGSIZE;
 * -o sndbuf, capped by net.core.wmem_max) and, beyond a few MB, by what
 * the kernel allocates for one record (ENOBUFS), as for uds-dgram (the
 * kernel sends both through the same path): larger sizes are skipped,
 * never split. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/sock.h"

struct seqpacket_state {
	struct ipcb_fd_link link; /* first: send/recv are ipcb_sock_msg_* */
	struct ipcb_uds_conn conn;
	uint64_t sndbuf;
};

static int seqpacket_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
			    struct ipcb_err *err)
{
	struct sockaddr_un sa;
	int rc = ipcb_sock_msg_limits(SOCK_SEQPACKET, ipcb_opt_num(opts, "sndbuf"), "record", lim,
				      err);

	ipcb_limits_add(lim, "sun_path_bytes", (int64_t)sizeof sa.sun_path, "sizeof(sun_path)");
	return rc;
}

static int seqpacket_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	return ipcb_sock_msg_check(SOCK_SEQPACKET, ipcb_opt_num(cfg->opts, "sndbuf"), "record",
				   cfg->msg_size_bytes, err);
}

/* Unavailable when the socket's path would not fit sun_path (a long
 * TMPDIR). */
static int seqpacket_supported(struct ipcb_err *err)
{
	return ipcb_sock_tmp_path_check(IPCB_UDS_CONN_NAME, err);
}

static int seqpacket_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct seqpacket_state *st = calloc(1, sizeof *st);

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "uds-seqpacket state");
	st->link.tx = st->link.rx = -1;
	st->sndbuf = ipcb_opt_num(cfg->opts, "sndbuf");
	*state = st;
	return ipcb_uds_conn_setup(&st->conn, SOCK_SEQPACKET, err);
}

static int seqpacket_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct seqpacket_state *st = state;
	int rc;

	if ((rc = ipcb_uds_conn_attach(&st->conn, self, st->sndbuf, err)) != 0)
		return rc;
	st->link.tx = st->link.rx = st->conn.fd;
	st->link.tx_what =
		self->side == IPCB_SIDE_A ? "send(uds-seqpacket A->B)" : "send(uds-seqpacket B->A)";
	st->link.rx_what =
		self->side == IPCB_SIDE_A ? "recv(uds-seqpacket B->A)" : "recv(uds-seqpacket A->B)";
	return 0;
}

static void seqpacket_teardown(void *state)
{
	struct seqpacket_state *st = state;

	if (st == NULL)
		return;
	ipcb_uds_conn_close(&st->conn);
	free(st);
}

static const struct ipcb_opt_def seqpacket_opts[] = {
	IPCB_SOCK_SNDBUF_OPT("SO_SNDBUF to ask for (0: the system default); bounds the largest "
			     "record"),
	{ .name = NULL },
};

const struct ipcb_mech ipcb_mech_uds_seqpacket = {
	.name = "uds-seqpacket",
	.summary = "Unix domain sequenced-packet socket on a private path; one message = one "
		   "record",
	.flags = IPCB_MECH_BOUNDARIES,
	.opts = seqpacket_opts,
	.supported = seqpacket_supported,
	.limits = seqpacket_limits,
	.check = seqpacket_check,
	.setup = seqpacket_setup,
	.attach = seqpacket_attach,
	.send = ipcb_sock_msg_send,
	.recv = ipcb_sock_msg_recv,
	.teardown = seqpacket_teardown,
	.state_size = sizeof(struct seqpacket_state),
};
