/* socketpair: an AF_UNIX socketpair(2) made by the parent before the fork,
 * each side keeping one end: no path, no listener, the way related
 * processes usually get a Unix socket. -o type picks the socket type:
 * stream (a byte stream, messages written and read whole by looping over
 * short transfers), dgram or seqpacket (one message is one datagram or
 * record, received with MSG_TRUNC so that a message of another length is
 * an error; the largest is bounded by SO_SNDBUF, as for uds-dgram and
 * uds-seqpacket, and larger sizes are skipped, never split).
 *
 * Message boundaries depend on -o type, while IPCB_MECH_BOUNDARIES is one
 * flag per mechanism: it is not set, since the default (stream) keeps
 * none; the record types keep them and recv() checks it. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/sock.h"

enum sp_type { SP_STREAM, SP_DGRAM, SP_SEQPACKET };

static const char *const type_names[] = { "stream", "dgram", "seqpacket", NULL };
static const int type_sock[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
/* what a message is called in limits and reasons (stream: none) */
static const char *const type_noun[] = { NULL, "datagram", "record" };
static const char *const type_what[][2][2] = {
	/* [type][side][tx, rx] */
	{ { "write(socketpair A->B)", "read(socketpair B->A)" },
	  { "write(socketpair B->A)", "read(socketpair A->B)" } },
	{ { "send(socketpair dgram A->B)", "recv(socketpair dgram B->A)" },
	  { "send(socketpair dgram B->A)", "recv(socketpair dgram A->B)" } },
	{ { "send(socketpair seqpacket A->B)", "recv(socketpair seqpacket B->A)" },
	  { "send(socketpair seqpacket B->A)", "recv(socketpair seqpacket A->B)" } },
};

struct sp_state {
	struct ipcb_fd_link link; /* first: ipcb_fd_link_* and ipcb_sock_msg_* */
	enum sp_type type;
	int fd[2]; /* A's and B's end */
};

static enum sp_type opt_type(const struct ipcb_opt_set *opts)
{
	return (enum sp_type)ipcb_opt_num(opts, "type");
}

static int sp_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim, struct ipcb_err *err)
{
	enum sp_type t = opt_type(opts);
	uint64_t sndbuf = ipcb_opt_num(opts, "sndbuf");
	int sv[2];

	if (t != SP_STREAM)
		return ipcb_sock_msg_limits(type_sock[t], sndbuf, type_noun[t], lim, err);
	/* a byte stream: no largest message; its buffers as they start */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
		if (ipcb_sock_set_sndbuf(sv[0], sndbuf, NULL) == 0)
			ipcb_sock_buf_limits(lim, sv[0], "socket");
		close(sv[0]);
		close(sv[1]);
	}
	ipcb_sock_core_limits(lim);
	return 0;
}

static int sp_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	enum sp_type t = opt_type(cfg->opts);

	if (t == SP_STREAM)
		return 0;
	return ipcb_sock_msg_check(type_sock[t], ipcb_opt_num(cfg->opts, "sndbuf"), type_noun[t],
				   cfg->msg_size_bytes, err);
}

static int sp_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct sp_state *st = calloc(1, sizeof *st);
	uint64_t sndbuf = ipcb_opt_num(cfg->opts, "sndbuf");
	int rc;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "socketpair state");
	st->link.tx = st->link.rx = st->fd[0] = st->fd[1] = -1;
	st->type = opt_type(cfg->opts);
	*state = st;
	if (socketpair(AF_UNIX, type_sock[st->type] | SOCK_CLOEXEC, 0, st->fd) != 0)
		return ipcb_err_set(err, errno, "socketpair(AF_UNIX, type=%s)",
				    type_names[st->type]);
	for (int i = 0; i < 2; i++)
		if ((rc = ipcb_sock_set_sndbuf(st->fd[i], sndbuf, err)) != 0)
			return rc;
	return 0;
}

static int sp_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct sp_state *st = state;

	(void)err;
	ipcb_fd_link_keep_end(&st->link, st->fd, self, type_what[st->type]);
	return 0;
}

static int sp_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	const struct sp_state *st = state;

	if (st->type == SP_STREAM)
		return ipcb_fd_link_send(state, buf, len, err);
	return ipcb_sock_msg_send(state, buf, len, err);
}

static int sp_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	const struct sp_state *st = state;

	if (st->type == SP_STREAM)
		return ipcb_fd_link_recv(state, buf, len, err);
	return ipcb_sock_msg_recv(state, buf, len, err);
}

static void sp_teardown(void *state)
{
	struct sp_state *st = state;

	if (st == NULL)
		return;
	ipcb_io_close(&st->fd[0]);
	ipcb_io_close(&st->fd[1]);
	free(st);
}

static const char *const type_help[] = {
	"SOCK_STREAM: a byte stream, read and written whole by looping",
	"SOCK_DGRAM: one message = one datagram, bounded by SO_SNDBUF",
	"SOCK_SEQPACKET: one message = one record on a connection, bounded by SO_SNDBUF",
};

static const struct ipcb_opt_def sp_opts[] = {
	{ .name = "type",
	  .type = IPCB_OPT_CHOICE,
	  .def = "stream",
	  .choices = type_names,
	  .choice_help = type_help,
	  .help = "socket type: stream (a byte stream), dgram or seqpacket (message boundaries "
		  "kept)" },
	IPCB_SOCK_SNDBUF_OPT("SO_SNDBUF to ask for on both ends (0: the system default); bounds "
			     "the largest message of dgram and seqpacket"),
	{ .name = NULL },
};

const struct ipcb_mech ipcb_mech_socketpair = {
	.name = "socketpair",
	.summary = "AF_UNIX socketpair made before fork, no path; -o type=stream|dgram|seqpacket",
	.flags = 0,
	.opts = sp_opts,
	.limits = sp_limits,
	.check = sp_check,
	.setup = sp_setup,
	.attach = sp_attach,
	.send = sp_send,
	.recv = sp_recv,
	.teardown = sp_teardown,
	.state_size = sizeof(struct sp_state),
};
