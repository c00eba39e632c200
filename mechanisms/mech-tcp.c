/* tcp: a TCP connection over the loopback interface (127.0.0.1), listening
 * on an ephemeral port chosen by the kernel, never a fixed one. Side B
 * accepts, side A connects. TCP_NODELAY is on unless -o nodelay=0. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/sock.h"

struct tcp_state {
	struct ipcb_fd_link link; /* first: send/recv are ipcb_fd_link_* */
	struct sockaddr_in addr;  /* where B listens */
	char where[32];           /* "127.0.0.1:PORT" */
	int listen_fd;
	int fd;
	int nodelay;
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

static int tcp_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		      struct ipcb_err *err)
{
	(void)err;
	ipcb_sock_buf_limits(lim, AF_INET, SOCK_STREAM, "socket");
	add_triplet(lim, "tcp_wmem", "/proc/sys/net/ipv4/tcp_wmem");
	add_triplet(lim, "tcp_rmem", "/proc/sys/net/ipv4/tcp_rmem");
	ipcb_limits_add(lim, "tcp_nodelay", (int64_t)ipcb_opt_num(opts, "nodelay"), "-o nodelay");
	return 0;
}

static int tcp_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct tcp_state *st = calloc(1, sizeof *st);
	socklen_t len = sizeof st->addr;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "tcp state");
	st->link.tx = st->link.rx = st->listen_fd = st->fd = -1;
	st->nodelay = (int)ipcb_opt_num(cfg->opts, "nodelay");
	*state = st;
	st->addr.sin_family = AF_INET;
	st->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	st->addr.sin_port = 0;
	st->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (st->listen_fd < 0)
		return ipcb_err_set(err, errno, "socket(AF_INET, SOCK_STREAM)");
	if (bind(st->listen_fd, (struct sockaddr *)&st->addr, sizeof st->addr) != 0)
		return ipcb_err_set(err, errno, "bind(127.0.0.1:0)");
	if (listen(st->listen_fd, 1) != 0)
		return ipcb_err_set(err, errno, "listen(127.0.0.1)");
	if (getsockname(st->listen_fd, (struct sockaddr *)&st->addr, &len) != 0)
		return ipcb_err_set(err, errno, "getsockname");
	snprintf(st->where, sizeof st->where, "127.0.0.1:%u", (unsigned)ntohs(st->addr.sin_port));
	return 0;
}

static int tcp_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct tcp_state *st = state;
	int rc;

	if (self->side == IPCB_SIDE_B) {
		st->fd = ipcb_sock_accept(st->listen_fd, st->where, err);
		if (st->fd < 0)
			return st->fd;
	} else {
		st->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (st->fd < 0)
			return ipcb_err_set(err, errno, "socket(AF_INET, SOCK_STREAM)");
		rc = ipcb_sock_connect(st->fd, (struct sockaddr *)&st->addr, sizeof st->addr,
				       st->where, err);
		if (rc != 0)
			return rc;
	}
	ipcb_io_close(&st->listen_fd);
	if (setsockopt(st->fd, IPPROTO_TCP, TCP_NODELAY, &st->nodelay, sizeof st->nodelay) != 0)
		return ipcb_err_set(err, errno, "setsockopt(TCP_NODELAY=%d)", st->nodelay);
	st->link.tx = st->link.rx = st->fd;
	st->link.tx_what = self->side == IPCB_SIDE_A ? "write(tcp A->B)" : "write(tcp B->A)";
	st->link.rx_what = self->side == IPCB_SIDE_A ? "read(tcp B->A)" : "read(tcp A->B)";
	return 0;
}

static void tcp_teardown(void *state)
{
	struct tcp_state *st = state;

	if (st == NULL)
		return;
	ipcb_io_close(&st->fd);
	ipcb_io_close(&st->listen_fd);
	free(st);
}

static const struct ipcb_opt_def tcp_opts[] = {
	{ .name = "nodelay", .type = IPCB_OPT_BOOL, .def = "1",
	  .help = "TCP_NODELAY on both ends (0: let Nagle's algorithm batch small writes)" },
	{ .name = NULL },
};

const struct ipcb_mech ipcb_mech_tcp = {
	.name = "tcp",
	.summary = "TCP over loopback (127.0.0.1, ephemeral port), TCP_NODELAY by default",
	.flags = 0,
	.opts = tcp_opts,
	.limits = tcp_limits,
	.setup = tcp_setup,
	.attach = tcp_attach,
	.send = ipcb_fd_link_send,
	.recv = ipcb_fd_link_recv,
	.teardown = tcp_teardown,
};
