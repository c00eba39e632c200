/* uds-dgram: two Unix domain datagram sockets bound to paths in a private
 * mkdtemp directory and connected to each other; the paths are removed as
 * soon as both are connected, before the children start. One message is
 * one datagram, so the largest message is bounded by the socket send
 * buffer (SO_SNDBUF, capped by net.core.wmem_max; EMSGSIZE) and, beyond
 * a few MB, by what the kernel allocates for one datagram (ENOBUFS):
 * larger sizes are skipped, never split. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/tmpdir.h"
#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/sock.h"

/* A's and B's socket names in their private directory. */
static const char *const sock_name[2] = { "a", "b" };

struct dgram_state {
	struct ipcb_fd_link link; /* first: send/recv are ipcb_sock_msg_* */
	char dir[PATH_MAX];
	char path[2][PATH_MAX]; /* A's and B's socket */
	int fd[2];
};

/* Unavailable when the sockets' paths would not fit sun_path (a long
 * TMPDIR). */
static int dgram_supported(struct ipcb_err *err)
{
	return ipcb_sock_tmp_path_check(sock_name[0], err);
}

static int dgram_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
			struct ipcb_err *err)
{
	return ipcb_sock_msg_limits(SOCK_DGRAM, ipcb_opt_num(opts, "sndbuf"), "datagram", lim, err);
}

static int dgram_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	return ipcb_sock_msg_check(SOCK_DGRAM, ipcb_opt_num(cfg->opts, "sndbuf"), "datagram",
				   cfg->msg_size_bytes, err);
}

static void dgram_unlink(struct dgram_state *st)
{
	for (int i = 0; i < 2; i++) {
		if (st->path[i][0] != '\0')
			(void)unlink(st->path[i]);
		st->path[i][0] = '\0';
	}
	ipcb_tmpdir_remove(st->dir);
}

static int make_socket(struct dgram_state *st, int i, uint64_t sndbuf, struct ipcb_err *err)
{
	struct sockaddr_un sa;
	int rc;

	if ((rc = ipcb_path_join(st->path[i], sizeof st->path[i], st->dir, sock_name[i], err)) !=
		    0 ||
	    (rc = ipcb_sock_un_addr(&sa, st->path[i], err)) != 0) {
		st->path[i][0] = '\0';
		return rc;
	}
	st->fd[i] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (st->fd[i] < 0)
		return ipcb_err_set(err, errno, "socket(AF_UNIX, SOCK_DGRAM)");
	if (bind(st->fd[i], (struct sockaddr *)&sa, sizeof sa) != 0) {
		rc = ipcb_err_set(err, errno, "bind(%s)", st->path[i]);
		st->path[i][0] = '\0';
		return rc;
	}
	return ipcb_sock_set_sndbuf(st->fd[i], sndbuf, err);
}

static int dgram_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct dgram_state *st = calloc(1, sizeof *st);
	uint64_t sndbuf = ipcb_opt_num(cfg->opts, "sndbuf");
	int rc;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "uds-dgram state");
	st->fd[0] = st->fd[1] = st->link.tx = st->link.rx = -1;
	*state = st;
	if ((rc = ipcb_tmpdir_create(st->dir, sizeof st->dir, err)) != 0 ||
	    (rc = make_socket(st, 0, sndbuf, err)) != 0 ||
	    (rc = make_socket(st, 1, sndbuf, err)) != 0)
		return rc;
	for (int i = 0; i < 2; i++) {
		struct sockaddr_un peer;

		if ((rc = ipcb_sock_un_addr(&peer, st->path[!i], err)) != 0)
			return rc;
		if (connect(st->fd[i], (struct sockaddr *)&peer, sizeof peer) != 0)
			return ipcb_err_set(err, errno, "connect(%s)", st->path[!i]);
	}
	/* Connected datagram sockets need their names no more. */
	dgram_unlink(st);
	return 0;
}

static int dgram_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct dgram_state *st = state;

	static const char *const what[2][2] = {
		{ "send(uds-dgram A->B)", "recv(uds-dgram B->A)" },
		{ "send(uds-dgram B->A)", "recv(uds-dgram A->B)" },
	};

	(void)err;
	ipcb_fd_link_keep_end(&st->link, st->fd, self, what);
	return 0;
}

static void dgram_teardown(void *state)
{
	struct dgram_state *st = state;

	if (st == NULL)
		return;
	ipcb_io_close(&st->fd[0]);
	ipcb_io_close(&st->fd[1]);
	dgram_unlink(st);
	free(st);
}

static const struct ipcb_opt_def dgram_opts[] = {
	IPCB_SOCK_SNDBUF_OPT("SO_SNDBUF to ask for (0: the system default); bounds the largest "
			     "datagram"),
	{ .name = NULL },
};

const struct ipcb_mech ipcb_mech_uds_dgram = {
	.name = "uds-dgram",
	.summary = "Unix domain datagram sockets, connected pair; one message = one datagram",
	.flags = IPCB_MECH_BOUNDARIES,
	.opts = dgram_opts,
	.supported = dgram_supported,
	.limits = dgram_limits,
	.check = dgram_check,
	.setup = dgram_setup,
	.attach = dgram_attach,
	.send = ipcb_sock_msg_send,
	.recv = ipcb_sock_msg_recv,
	.teardown = dgram_teardown,
	.state_size = sizeof(struct dgram_state),
};
