/* uds-stream: a Unix domain stream socket between the two sides. The
 * listening socket is bound to a path in a private mkdtemp directory; side
 * B accepts, side A connects, and the path is removed once they are
 * connected; B turns away a connection from any process but side A. A
 * byte stream: messages are written and read whole by looping over short
 * writes and reads. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness/tmpdir.h"
#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/sock.h"

/* The socket's name in its private directory. */
#define SOCK_NAME "sock"

struct uds_state {
	struct ipcb_fd_link link; /* first: send/recv are ipcb_fd_link_* */
	char dir[PATH_MAX];
	char path[PATH_MAX];
	struct sockaddr_un addr;
	int listen_fd;
	int fd;
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
	return ipcb_sock_tmp_path_check(SOCK_NAME, err);
}

/* Remove the socket's path and directory; safe to repeat. */
static void uds_unlink(struct uds_state *st)
{
	if (st->path[0] != '\0')
		(void)unlink(st->path);
	st->path[0] = '\0';
	ipcb_tmpdir_remove(st->dir);
}

static int uds_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct uds_state *st = calloc(1, sizeof *st);
	int rc;

	(void)cfg;
	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "uds-stream state");
	st->link.tx = st->link.rx = st->listen_fd = st->fd = -1;
	*state = st;
	if ((rc = ipcb_tmpdir_create(st->dir, sizeof st->dir, err)) != 0 ||
	    (rc = ipcb_path_join(st->path, sizeof st->path, st->dir, SOCK_NAME, err)) != 0 ||
	    (rc = ipcb_sock_un_addr(&st->addr, st->path, err)) != 0) {
		st->path[0] = '\0';
		return rc;
	}
	st->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (st->listen_fd < 0)
		return ipcb_err_set(err, errno, "socket(AF_UNIX, SOCK_STREAM)");
	if (bind(st->listen_fd, (struct sockaddr *)&st->addr, sizeof st->addr) != 0) {
		rc = ipcb_err_set(err, errno, "bind(%s)", st->path);
		st->path[0] = '\0';
		return rc;
	}
	if (listen(st->listen_fd, 1) != 0)
		return ipcb_err_set(err, errno, "listen(%s)", st->path);
	return 0;
}

/* Accept side A's connection into st->fd. The directory is private (0700),
 * but a process of the same user could still connect first: the kernel's
 * record of who connected (SO_PEERCRED) tells side A from a stranger, who
 * is turned away. */
static int accept_side_a(struct uds_state *st, pid_t side_a, struct ipcb_err *err)
{
	enum { MAX_STRANGERS = 16 };
	struct ucred cred;
	socklen_t len;

	for (int strangers = 0; strangers <= MAX_STRANGERS; strangers++) {
		int fd = ipcb_sock_accept(st->listen_fd, st->path, err);

		if (fd < 0)
			return fd;
		len = sizeof cred;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
			int e = errno;

			close(fd);
			return ipcb_err_set(err, e, "getsockopt(SO_PEERCRED) on %s", st->path);
		}
		if (cred.pid == side_a) {
			st->fd = fd;
			return 0;
		}
		close(fd);
	}
	return ipcb_err_set(err, EPERM,
			    "%d connections to %s came from other processes than side A (pid %d)",
			    MAX_STRANGERS + 1, st->path, (int)side_a);
}

static int uds_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct uds_state *st = state;
	int rc;

	if (self->side == IPCB_SIDE_B) {
		if ((rc = accept_side_a(st, self->peer_pid, err)) != 0)
			return rc;
		/* Connected: the name has done its job. */
		uds_unlink(st);
	} else {
		st->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (st->fd < 0)
			return ipcb_err_set(err, errno, "socket(AF_UNIX, SOCK_STREAM)");
		rc = ipcb_sock_connect(st->fd, (struct sockaddr *)&st->addr, sizeof st->addr,
				       st->path, err);
		if (rc != 0)
			return rc;
	}
	ipcb_io_close(&st->listen_fd);
	st->link.tx = st->link.rx = st->fd;
	st->link.tx_what = self->side == IPCB_SIDE_A ? "write(uds A->B)" : "write(uds B->A)";
	st->link.rx_what = self->side == IPCB_SIDE_A ? "read(uds B->A)" : "read(uds A->B)";
	return 0;
}

static void uds_teardown(void *state)
{
	struct uds_state *st = state;

	if (st == NULL)
		return;
	ipcb_io_close(&st->fd);
	ipcb_io_close(&st->listen_fd);
	uds_unlink(st);
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
};
