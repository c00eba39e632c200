/* udp: two UDP sockets on the loopback address (127.0.0.1, or ::1 with -o
 * family=inet6), each bound to a port the kernel picks (never a fixed one)
 * and connected to the other, so that each receives only what comes from
 * its peer's address and port (the kernel filters the rest; setup checks
 * that each socket's peer is the other's address). One message is one
 * datagram: the largest is what the kernel takes (65,507 bytes over IPv4,
 * 65,527 over IPv6, probed), larger sizes are skipped, never split.
 *
 * The kernel drops a datagram that finds the receiver's buffer full, and
 * tells nobody: the mechanism is IPCB_MECH_LOSSY. recv() waits a bounded
 * time (SO_RCVTIMEO) and returns -ETIMEDOUT; the harness counts what
 * never arrived in the throughput test and fails a latency cell whose
 * reply does not come. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/netns.h"
#include "mechanisms/sock.h"

/* Above the largest datagram either family can carry (65,535 bytes of IP
 * payload at most, without IPv6 jumbograms, which loopback does not use). */
#define PROBE_MAX ((size_t)70000)
/* recv()'s bounded wait when the watchdog's stall timeout is unknown. */
#define WAIT_LATENCY_NS 1000000000ull
#define WAIT_THROUGHPUT_NS 100000000ull

struct udp_state {
	struct ipcb_fd_link link; /* first: send is ipcb_sock_msg_send */
	int fd[2];
	uint64_t wait_ns;
	struct ipcb_netns *ns; /* -o netns=veth; NULL with none */
	enum ipcb_side side;   /* after attach */
};

/* Both buffer options on fd. 0 or -errno. */
static int set_bufs(int fd, const struct ipcb_opt_set *opts, struct ipcb_err *err)
{
	int rc = ipcb_sock_set_buf(fd, SO_SNDBUF, ipcb_opt_num(opts, "sndbuf"), err);

	return rc != 0 ? rc : ipcb_sock_set_buf(fd, SO_RCVBUF, ipcb_opt_num(opts, "rcvbuf"), err);
}

/* A UDP socket of side (in its namespace with netns=veth) bound to its
 * address, on a port the kernel picks; the address in *ss. The fd, or
 * -errno with err filled. */
static int bind_side(const struct ipcb_netns *ns, enum ipcb_side side, int family,
		     struct sockaddr_storage *ss, struct ipcb_err *err)
{
	socklen_t len;
	char where[64];
	int fd, rc;

	if ((rc = ipcb_netns_addr(ns, side, family, ss, &len, err)) != 0)
		return rc;
	ipcb_sock_addr_text(ss, where, sizeof where);
	fd = ipcb_netns_socket(side == IPCB_SIDE_B ? ns : NULL, family, SOCK_DGRAM, err);
	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)ss, len) != 0) {
		rc = ipcb_err_set(err, errno, "bind(%s)", where);
		close(fd);
		return rc;
	}
	len = sizeof *ss;
	if (getsockname(fd, (struct sockaddr *)ss, &len) != 0) {
		rc = ipcb_err_set(err, errno, "getsockname(%s)", where);
		close(fd);
		return rc;
	}
	return fd;
}

/* Two UDP sockets of family bound to the loopback address (or each side's
 * veth address, side B's socket in its namespace), each connected to the
 * other, with the -o buffers; each one's peer checked to be the other's
 * address. On failure the caller closes whatever fd[] holds. */
static int connect_pair(int family, const struct ipcb_opt_set *opts, const struct ipcb_netns *ns,
			int fd[2], struct ipcb_err *err)
{
	struct sockaddr_storage addr[2], peer;
	socklen_t len;
	char where[64];
	int rc;

	for (int i = 0; i < 2; i++) {
		if ((rc = bind_side(ns, (enum ipcb_side)i, family, &addr[i], err)) < 0)
			return rc;
		fd[i] = rc;
		if ((rc = set_bufs(fd[i], opts, err)) != 0)
			return rc;
	}
	for (int i = 0; i < 2; i++) {
		ipcb_sock_addr_text(&addr[!i], where, sizeof where);
		len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		if ((rc = ipcb_sock_connect(fd[i], (struct sockaddr *)&addr[!i], len, where,
					    err)) != 0)
			return rc;
		len = sizeof peer;
		if (getpeername(fd[i], (struct sockaddr *)&peer, &len) != 0)
			return ipcb_err_set(err, errno, "getpeername(%s)", where);
		if (!ipcb_sock_same_endpoint(&peer, &addr[!i]))
			return ipcb_err_set(err, EPROTO,
					    "the socket of side %c is connected to another "
					    "address than %s",
					    i ? 'B' : 'A', where);
	}
	if ((rc = ipcb_netns_check(ns, fd[0], IPCB_SIDE_A, err)) != 0)
		return rc;
	return ipcb_netns_check(ns, fd[1], IPCB_SIDE_B, err);
}

/* What bounds the datagrams of a connected pair with given options. */
struct udp_probe {
	size_t max_bytes;   /* largest datagram accepted */
	int eff_sndbuf;     /* getsockopt(SO_SNDBUF) after asking; -1 unknown */
	int eff_rcvbuf;     /* getsockopt(SO_RCVBUF) after asking; -1 unknown */
	int boundary_errno; /* send()'s errno one byte above max_bytes; 0 none */
	int rc;             /* 0, or -errno when no pair could be made (in err) */
	struct ipcb_err err;
	struct ipcb_limits ns_lim; /* netns=veth: the link's, as it was */
};

/* The largest datagram a connected pair with these options takes here,
 * found by sending. The last answer is kept, since every cell asks. */
static const struct udp_probe *probe(const struct ipcb_opt_set *opts)
{
	static uint64_t cached[4] = { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX };
	static struct udp_probe p;
	uint64_t key[4] = { (uint64_t)ipcb_sock_family(opts), ipcb_opt_num(opts, "sndbuf"),
			    ipcb_opt_num(opts, "rcvbuf"), ipcb_opt_num(opts, "netns") };
	struct ipcb_netns *ns = NULL;
	int fd[2] = { -1, -1 };

	if (memcmp(key, cached, sizeof key) == 0)
		return &p;
	memset(&p, 0, sizeof p);
	p.eff_sndbuf = p.eff_rcvbuf = -1;
	p.rc = ipcb_sock_family_check((int)key[0], SOCK_DGRAM, &p.err);
	if (p.rc == 0)
		p.rc = ipcb_netns_open(opts, &ns, &p.err);
	if (p.rc == 0)
		p.rc = connect_pair((int)key[0], opts, ns, fd, &p.err);
	if (p.rc == 0) {
		p.eff_sndbuf = ipcb_sock_get_buf(fd[0], SO_SNDBUF);
		p.eff_rcvbuf = ipcb_sock_get_buf(fd[1], SO_RCVBUF);
		p.max_bytes = ipcb_sock_probe_dgram(fd[0], fd[1], PROBE_MAX, &p.boundary_errno);
		ipcb_netns_limits(ns, &p.ns_lim);
	}
	ipcb_io_close(&fd[0]);
	ipcb_io_close(&fd[1]);
	ipcb_netns_close(&ns);
	memcpy(cached, key, sizeof key);
	return &p;
}

static int udp_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		      struct ipcb_err *err)
{
	const struct udp_probe *p = probe(opts);
	uint64_t want;
	char origin[96];

	if (p->rc != 0) {
		*err = p->err;
		return p->rc;
	}
	lim->max_msg_bytes = p->max_bytes;
	ipcb_limits_add(lim, "max_datagram_bytes", (int64_t)p->max_bytes,
			"largest datagram a connected pair accepted (probed)");
	want = ipcb_opt_num(opts, "sndbuf");
	ipcb_sock_buf_origin(SO_SNDBUF, want, p->eff_sndbuf, origin, sizeof origin);
	ipcb_limits_add(lim, "sndbuf_effective_bytes", p->eff_sndbuf, origin);
	want = ipcb_opt_num(opts, "rcvbuf");
	ipcb_sock_buf_origin(SO_RCVBUF, want, p->eff_rcvbuf, origin, sizeof origin);
	ipcb_limits_add(lim, "rcvbuf_effective_bytes", p->eff_rcvbuf, origin);
	ipcb_sock_core_limits(lim);
	for (int k = 0; k < p->ns_lim.n; k++)
		ipcb_limits_add(lim, p->ns_lim.v[k].name, p->ns_lim.v[k].value,
				p->ns_lim.v[k].source);
	if (p->max_bytes == 0)
		return ipcb_err_set(err, p->boundary_errno ? p->boundary_errno : EIO,
				    "not even a 1-byte datagram went through a connected UDP pair");
	return 0;
}

/* What the protocol's length fields leave for a datagram's payload, for
 * the reason of a skipped cell ("" when the probe found another bound). */
static const char *protocol_bound(int family, size_t max)
{
	if (family == AF_INET && max == 65535 - 20 - 8)
		return ": the IPv4 total length (65535) less the 20-byte IP and 8-byte UDP "
		       "headers";
	if (family == AF_INET6 && max == 65535 - 8)
		return ": the IPv6 payload length (65535) less the 8-byte UDP header";
	return "";
}

static int udp_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	const struct udp_probe *p = probe(cfg->opts);
	int e = p->boundary_errno, family = ipcb_sock_family(cfg->opts);
	char origin[96];

	if (p->rc != 0) {
		*err = p->err;
		return p->rc;
	}
	if (cfg->msg_size_bytes <= p->max_bytes)
		return 0;
	if (e == EMSGSIZE && protocol_bound(family, p->max_bytes)[0] != '\0') {
		ipcb_err_set(err, 0,
			     "a %zu-byte datagram exceeds the largest UDP payload over %s: %zu "
			     "bytes%s (send fails with EMSGSIZE)",
			     cfg->msg_size_bytes, family == AF_INET6 ? "IPv6" : "IPv4",
			     p->max_bytes, protocol_bound(family, p->max_bytes));
		ipcb_err_hint(err, "a limit of the protocol that no setting raises; use a stream "
				   "mechanism (tcp) for larger messages");
		return -EMSGSIZE;
	}
	ipcb_sock_buf_origin(SO_SNDBUF, ipcb_opt_num(cfg->opts, "sndbuf"), p->eff_sndbuf, origin,
			     sizeof origin);
	ipcb_err_set(err, 0,
		     "a %zu-byte datagram exceeds the largest this socket takes here: %zu bytes "
		     "with SO_SNDBUF %d (%s; send fails with %s)",
		     cfg->msg_size_bytes, p->max_bytes, p->eff_sndbuf, origin,
		     e ? strerror(e) : "nothing");
	ipcb_err_hint(err, "raise it with -o sndbuf=SIZE, up to net.core.wmem_max");
	return -EMSGSIZE;
}

static int udp_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct udp_state *st = calloc(1, sizeof *st);
	uint64_t stall = cfg->stall_timeout_ns;
	int rc;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "udp state");
	st->fd[0] = st->fd[1] = st->link.tx = st->link.rx = -1;
	/* Well inside the watchdog's stall timeout, so that a loss is named
	 * (latency) or counted (throughput, one-way at a rate) before the
	 * watchdog fires; short in the streaming tests, where the receiver
	 * waits this long (twice) after side A's last message when that one
	 * was lost. */
	if (cfg->test == IPCB_TEST_LATENCY)
		st->wait_ns = stall ? stall / 2 : WAIT_LATENCY_NS;
	else
		st->wait_ns =
			stall && stall / 10 < WAIT_THROUGHPUT_NS ? stall / 10 : WAIT_THROUGHPUT_NS;
	if (st->wait_ns < 1000000)
		st->wait_ns = 1000000;
	*state = st;
	if ((rc = ipcb_netns_open(cfg->opts, &st->ns, err)) != 0)
		return rc;
	return connect_pair(ipcb_sock_family(cfg->opts), cfg->opts, st->ns, st->fd, err);
}

static int udp_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct udp_state *st = state;
	struct timeval tv = { .tv_sec = (time_t)(st->wait_ns / 1000000000u),
			      .tv_usec = (suseconds_t)(st->wait_ns % 1000000000u / 1000u) };

	st->side = self->side;
	st->link.tx = st->link.rx = st->fd[self->side];
	ipcb_io_drop(self, &st->fd[!self->side]);
	st->link.tx_what = self->side == IPCB_SIDE_A ? "send(udp A->B)" : "send(udp B->A)";
	st->link.rx_what = self->side == IPCB_SIDE_A ? "recv(udp B->A)" : "recv(udp A->B)";
	/* The bounded wait of recv(): EAGAIN once it has passed. */
	if (setsockopt(st->link.rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
		return ipcb_err_set(err, errno, "setsockopt(SO_RCVTIMEO)");
	return 0;
}

static int udp_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	struct udp_state *st = state;
	int rc = ipcb_sock_msg_recv(state, buf, len, err);

	if (rc != -EAGAIN)
		return rc;
	ipcb_err_set(err, 0, "%s: no datagram within %llu ms", st->link.rx_what,
		     (unsigned long long)(st->wait_ns / 1000000u));
	return -ETIMEDOUT;
}

static void udp_teardown(void *state)
{
	struct udp_state *st = state;

	if (st == NULL)
		return;
	ipcb_io_close(&st->fd[0]);
	ipcb_io_close(&st->fd[1]);
	ipcb_netns_close(&st->ns);
	free(st);
}

static void udp_notes(void *state, struct ipcb_notes *out)
{
	const struct udp_state *st = state;

	ipcb_netns_notes(st->ns, st->side, out);
}

static const struct ipcb_opt_def udp_opts[] = {
	IPCB_SOCK_FAMILY_OPT,
	{ .name = "sndbuf",
	  .type = IPCB_OPT_SIZE,
	  .def = "0",
	  .min = 0,
	  .max = (uint64_t)1 << 30,
	  .help = "SO_SNDBUF to ask for (0: the system default)" },
	{ .name = "rcvbuf",
	  .type = IPCB_OPT_SIZE,
	  .def = "0",
	  .min = 0,
	  .max = (uint64_t)1 << 30,
	  .help = "SO_RCVBUF to ask for (0: the system default); a full one drops datagrams" },
	IPCB_NETNS_OPT,
	{ .name = NULL },
};

const struct ipcb_mech ipcb_mech_udp = {
	.name = "udp",
	.summary = "UDP over loopback (127.0.0.1 or ::1, ephemeral ports), connected pair; "
		   "one message = one datagram, losses counted",
	.flags = IPCB_MECH_BOUNDARIES | IPCB_MECH_LOSSY,
	.opts = udp_opts,
	.limits = udp_limits,
	.check = udp_check,
	.setup = udp_setup,
	.attach = udp_attach,
	.send = ipcb_sock_msg_send,
	.recv = udp_recv,
	.notes = udp_notes,
	.teardown = udp_teardown,
	.state_size = sizeof(struct udp_state),
};
