/* tcp: a TCP connection over the loopback interface (127.0.0.1, or ::1
 * with -o family=inet6), listening
 * on an ephemeral port chosen by the kernel, never a fixed one. The parent
 * connects side A's socket and accepts side B's before the fork, keeping
 * only the connection whose peer is A's socket (any process here may
 * connect to the port first). TCP_NODELAY is on unless -o nodelay=0, and
 * is read back on each side's connected socket. With -o netns=veth, side B's
 * socket is in a network namespace of its own, joined by a veth pair
 * (mechanisms/netns.c), and the addresses are the pair's. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/netns.h"
#include "mechanisms/sock.h"

/* Connections from other sockets accepted and closed before giving up. */
#define STRANGERS_MAX 16
/* How long to wait for side A's connection to reach the listener. */
#define CONNECT_WAIT_MS 5000

struct tcp_state {
	struct ipcb_fd_link link; /* first: send/recv are ipcb_fd_link_* */
	int fd[2];                /* A's connected socket, B's accepted one */
	int nodelay;
	struct ipcb_netns *ns; /* -o netns=veth; NULL with none */
	enum ipcb_side side;   /* after attach */
};

static void add_triplet(struct ipcb_limits *lim, const char *prefix, const char *path)
{
	char buf[128], name[48];
	long long v[3];

	if (ipcb_sysfs_read_str(path, buf, sizeof buf) != 0 ||
	    sscanf(buf, "%lld %lld %lld", &v[0], &v[1], &v[2]) != 3)
		return;
	for (int i = 0; i < 3; i++) {
		static const char *const which[] = { "min", "default", "max" };

		snprintf(name, sizeof name, "%s_%s_bytes", prefix, which[i]);
		ipcb_limits_add(lim, name, v[i], path);
	}
}

/* Accept on listen_fd until the peer is want; close strangers. The fd, or
 * -errno with err filled. */
static int accept_peer(int listen_fd, const struct sockaddr_storage *want, const char *where,
		       struct ipcb_err *err)
{
	for (int strangers = 0; strangers <= STRANGERS_MAX; strangers++) {
		struct pollfd p = { .fd = listen_fd, .events = POLLIN };
		struct sockaddr_storage peer;
		socklen_t len = sizeof peer;
		int rc, fd;

		while ((rc = poll(&p, 1, CONNECT_WAIT_MS)) < 0 && errno == EINTR)
			;
		if (rc < 0)
			return ipcb_err_set(err, errno, "poll(%s)", where);
		if (rc == 0)
			return ipcb_err_set(
				err, ETIMEDOUT,
				"accept(%s): side A's connection did not arrive within %d ms",
				where, CONNECT_WAIT_MS);
		do
			fd = accept4(listen_fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0)
			return ipcb_err_set(err, errno, "accept(%s)", where);
		if (len <= sizeof peer && ipcb_sock_same_endpoint(&peer, want))
			return fd;
		close(fd);
	}
	return ipcb_err_set(
		err, 0, "accept(%s): %d connections came from other sockets, none from side A's",
		where, STRANGERS_MAX + 1);
}

/* Wait for the non-blocking connect of fd to finish, then make fd
 * blocking. 0 or -errno. */
static int finish_connect(int fd, const char *where, struct ipcb_err *err)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int rc, soerr = 0;
	socklen_t sl = sizeof soerr;

	while ((rc = poll(&p, 1, CONNECT_WAIT_MS)) < 0 && errno == EINTR)
		;
	if (rc <= 0)
		return ipcb_err_set(err, rc == 0 ? ETIMEDOUT : errno, "connect(%s)", where);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return ipcb_err_set(err, errno, "getsockopt(SO_ERROR)");
	if (soerr != 0)
		return ipcb_err_set(err, soerr, "connect(%s)", where);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
		return ipcb_err_set(err, errno, "fcntl(O_NONBLOCK off)");
	return 0;
}

/* A connected pair on the loopback address of family (127.0.0.1 or ::1),
 * or across ns's veth pair: fd[0] connected, fd[1] accepted from it. On
 * failure the caller closes whatever fd[] holds. 0 or -errno. */
static int connect_pair(int family, int fd[2], const struct ipcb_netns *ns, struct ipcb_err *err)
{
	struct sockaddr_storage addr, mine;
	socklen_t len = sizeof addr;
	char where[64];
	int lfd, rc;

	if ((rc = ipcb_netns_addr(ns, IPCB_SIDE_B, family, &addr, &len, err)) != 0)
		return rc;
	ipcb_sock_addr_text(&addr, where, sizeof where);
	lfd = ipcb_netns_socket(ns, family, SOCK_STREAM, err);
	if (lfd < 0)
		return lfd;
	if (bind(lfd, (struct sockaddr *)&addr, len) != 0) {
		rc = ipcb_err_set(err, errno, "bind(%s)", where);
		goto out;
	}
	len = sizeof addr;
	if (listen(lfd, STRANGERS_MAX) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len) != 0) {
		rc = ipcb_err_set(err, errno, "listen(%s)", where);
		goto out;
	}
	ipcb_sock_addr_text(&addr, where, sizeof where);
	fd[0] = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd[0] < 0) {
		rc = ipcb_err_set(err, errno, "socket(%s, SOCK_STREAM)",
				  family == AF_INET6 ? "AF_INET6" : "AF_INET");
		goto out;
	}
	len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (connect(fd[0], (struct sockaddr *)&addr, len) != 0 && errno != EINPROGRESS) {
		rc = ipcb_err_set(err, errno, "connect(%s)", where);
		goto out;
	}
	len = sizeof mine;
	if (getsockname(fd[0], (struct sockaddr *)&mine, &len) != 0) {
		rc = ipcb_err_set(err, errno, "getsockname(side A)");
		goto out;
	}
	if ((rc = accept_peer(lfd, &mine, where, err)) < 0)
		goto out;
	fd[1] = rc;
	if ((rc = finish_connect(fd[0], where, err)) == 0 &&
	    (rc = ipcb_netns_check(ns, fd[0], IPCB_SIDE_A, err)) == 0)
		rc = ipcb_netns_check(ns, fd[1], IPCB_SIDE_B, err);
out:
	close(lfd);
	return rc;
}

/* Turn TCP_NODELAY to on (1) or off (0) and check that it reads back so. */
static int set_nodelay(int fd, int on, struct ipcb_err *err)
{
	int v = -1;
	socklen_t len = sizeof v;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0)
		return ipcb_err_set(err, errno, "setsockopt(TCP_NODELAY=%d)", on);
	if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) != 0)
		return ipcb_err_set(err, errno, "getsockopt(TCP_NODELAY)");
	if ((v != 0) != (on != 0))
		return ipcb_err_set(err, EPROTO,
				    "TCP_NODELAY reads back as %d on the connected socket, -o "
				    "nodelay=%d asked for %s",
				    v, on, on ? "on" : "off");
	return 0;
}

static int tcp_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		      struct ipcb_err *err)
{
	int fd[2] = { -1, -1 }, nodelay = (int)ipcb_opt_num(opts, "nodelay");
	int family = ipcb_sock_family(opts);
	struct ipcb_netns *ns = NULL;
	int rc = ipcb_sock_family_check(family, SOCK_STREAM, err);

	if (rc == 0)
		rc = ipcb_netns_open(opts, &ns, err);
	if (rc == 0 && (rc = connect_pair(family, fd, ns, err)) == 0 &&
	    (rc = set_nodelay(fd[0], nodelay, err)) == 0) {
		ipcb_sock_buf_limits(lim, fd[0], "socket");
		ipcb_limits_add(lim, "tcp_nodelay", nodelay,
				"getsockopt(TCP_NODELAY) of a connected socket, -o nodelay");
		ipcb_netns_limits(ns, lim);
	}
	ipcb_io_close(&fd[0]);
	ipcb_io_close(&fd[1]);
	ipcb_netns_close(&ns);
	/* Autotuning grows a connection's buffers up to these maxima. */
	add_triplet(lim, "tcp_wmem", "/proc/sys/net/ipv4/tcp_wmem");
	add_triplet(lim, "tcp_rmem", "/proc/sys/net/ipv4/tcp_rmem");
	return rc;
}

static int tcp_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct tcp_state *st = calloc(1, sizeof *st);
	int rc;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "tcp state");
	st->link.tx = st->link.rx = st->fd[0] = st->fd[1] = -1;
	st->nodelay = (int)ipcb_opt_num(cfg->opts, "nodelay");
	*state = st;
	if ((rc = ipcb_netns_open(cfg->opts, &st->ns, err)) != 0)
		return rc;
	return connect_pair(ipcb_sock_family(cfg->opts), st->fd, st->ns, err);
}

static int tcp_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct tcp_state *st = state;
	int mine = st->fd[self->side], rc;

	st->side = self->side;
	ipcb_io_drop(self, &st->fd[!self->side]);
	if ((rc = set_nodelay(mine, st->nodelay, err)) != 0)
		return rc;
	st->link.tx = st->link.rx = mine;
	st->link.tx_what = self->side == IPCB_SIDE_A ? "write(tcp A->B)" : "write(tcp B->A)";
	st->link.rx_what = self->side == IPCB_SIDE_A ? "read(tcp B->A)" : "read(tcp A->B)";
	return 0;
}

static void tcp_notes(void *state, struct ipcb_notes *out)
{
	const struct tcp_state *st = state;

	ipcb_netns_notes(st->ns, st->side, out);
}

static void tcp_teardown(void *state)
{
	struct tcp_state *st = state;

	if (st == NULL)
		return;
	ipcb_io_close(&st->fd[0]);
	ipcb_io_close(&st->fd[1]);
	ipcb_netns_close(&st->ns);
	free(st);
}

static const struct ipcb_opt_def tcp_opts[] = {
	{ .name = "nodelay",
	  .type = IPCB_OPT_BOOL,
	  .def = "1",
	  .help = "TCP_NODELAY on both ends (0: let Nagle's algorithm batch small writes)" },
	IPCB_SOCK_FAMILY_OPT,
	IPCB_NETNS_OPT,
	{ .name = NULL },
};

const struct ipcb_mech ipcb_mech_tcp = {
	.name = "tcp",
	.summary = "TCP over loopback (127.0.0.1 or ::1, ephemeral port), TCP_NODELAY by default",
	.flags = 0,
	.opts = tcp_opts,
	.limits = tcp_limits,
	.setup = tcp_setup,
	.attach = tcp_attach,
	.send = ipcb_fd_link_send,
	.recv = ipcb_fd_link_recv,
	.notes = tcp_notes,
	.teardown = tcp_teardown,
	.state_size = sizeof(struct tcp_state),
};
