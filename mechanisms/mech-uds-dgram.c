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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "harness/tmpdir.h"
#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/sock.h"

#define PROBE_MAX ((size_t)64 << 20)

/* A's and B's socket names in their private directory. */
static const char *const sock_name[2] = { "a", "b" };

struct dgram_state {
	struct ipcb_fd_link link; /* first: send/recv are ipcb_dgram_link_* */
	char dir[PATH_MAX];
	char path[2][PATH_MAX]; /* A's and B's socket */
	int fd[2];
};

/* What bounds the datagrams of a connected pair with a given -o sndbuf. */
struct dgram_probe {
	size_t max_bytes;   /* largest datagram accepted */
	int eff_sndbuf;     /* getsockopt(SO_SNDBUF) after asking; -1 unknown */
	int boundary_errno; /* send()'s errno one byte above max_bytes; 0 none */
};

/* The largest datagram a connected pair with this send buffer takes here,
 * found by sending: the kernel's own bound, whatever its bookkeeping. The
 * last answer is kept, since every cell asks. */
static const struct dgram_probe *probe_max_datagram(uint64_t sndbuf)
{
	static uint64_t cached_for = UINT64_MAX;
	static struct dgram_probe p;
	int sv[2];

	if (cached_for == sndbuf)
		return &p;
	p = (struct dgram_probe){ .eff_sndbuf = -1 };
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		return &p;
	if (ipcb_sock_set_buf(sv[0], SO_SNDBUF, sndbuf, NULL) != 0) {
		close(sv[0]);
		close(sv[1]);
		return &p;
	}
	p.eff_sndbuf = ipcb_sock_get_buf(sv[0], SO_SNDBUF);
	p.max_bytes = ipcb_sock_probe_dgram(sv[0], sv[1], PROBE_MAX, &p.boundary_errno);
	close(sv[0]);
	close(sv[1]);
	cached_for = sndbuf;
	return &p;
}

/* Unavailable when the sockets' paths would not fit sun_path (a long
 * TMPDIR). */
static int dgram_supported(struct ipcb_err *err)
{
	return ipcb_sock_tmp_path_check(sock_name[0], err);
}

static int dgram_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
			struct ipcb_err *err)
{
	const struct dgram_probe *p = probe_max_datagram(ipcb_opt_num(opts, "sndbuf"));

	lim->max_msg_bytes = p->max_bytes;
	ipcb_limits_add(lim, "max_datagram_bytes", (int64_t)p->max_bytes,
			"largest datagram a connected pair accepted (probed)");
	ipcb_limits_add(lim, "sndbuf_effective_bytes", p->eff_sndbuf,
			"getsockopt(SO_SNDBUF) with -o sndbuf");
	ipcb_sock_core_limits(lim);
	ipcb_limits_add_file(lim, "unix_max_dgram_qlen", "/proc/sys/net/unix/max_dgram_qlen");
	if (p->max_bytes == 0)
		return ipcb_err_set(err, p->boundary_errno ? p->boundary_errno : EIO,
				    "not even a 1-byte datagram went through a connected pair with "
				    "SO_SNDBUF %d",
				    p->eff_sndbuf);
	return 0;
}

static int dgram_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	uint64_t want = ipcb_opt_num(cfg->opts, "sndbuf");
	const struct dgram_probe *p = probe_max_datagram(want);
	char origin[96];
	int e = p->boundary_errno, capped;

	if (cfg->msg_size_bytes <= p->max_bytes)
		return 0;
	capped = ipcb_sock_buf_origin(SO_SNDBUF, want, p->eff_sndbuf, origin, sizeof origin);
	if (e == ENOBUFS || e == ENOMEM) {
		ipcb_err_set(err, 0,
			     "a %zu-byte datagram exceeds the largest the kernel allocates for one "
			     "datagram here: %zu bytes (send fails with %s; SO_SNDBUF %d, %s)",
			     cfg->msg_size_bytes, p->max_bytes, e == ENOBUFS ? "ENOBUFS" : "ENOMEM",
			     p->eff_sndbuf, origin);
		ipcb_err_hint(err, "a kernel allocation limit that no setting raises; use a stream "
				   "mechanism (uds-stream) for larger messages");
	} else {
		ipcb_err_set(err, 0,
			     "a %zu-byte datagram exceeds the largest this socket takes here: %zu "
			     "bytes with SO_SNDBUF %d (%s; send fails with %s)",
			     cfg->msg_size_bytes, p->max_bytes, p->eff_sndbuf, origin,
			     e == EMSGSIZE ? "EMSGSIZE" : strerror(e));
		if (capped)
			ipcb_err_hint(err,
				      "raise net.core.wmem_max (sysctl -w net.core.wmem_max=BYTES) "
				      "so that -o sndbuf takes effect");
		else
			ipcb_err_hint(err, "raise it with -o sndbuf=SIZE, up to net.core.wmem_max "
					   "(sysctl -w net.core.wmem_max=BYTES)");
	}
	return -EMSGSIZE;
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
	return ipcb_sock_set_buf(st->fd[i], SO_SNDBUF, sndbuf, err);
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

	(void)err;
	st->link.tx = st->link.rx = st->fd[self->side];
	ipcb_io_close(&st->fd[!self->side]);
	st->link.tx_what =
		self->side == IPCB_SIDE_A ? "send(uds-dgram A->B)" : "send(uds-dgram B->A)";
	st->link.rx_what =
		self->side == IPCB_SIDE_A ? "recv(uds-dgram B->A)" : "recv(uds-dgram A->B)";
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
	{ .name = "sndbuf",
	  .type = IPCB_OPT_SIZE,
	  .def = "0",
	  .min = 0,
	  .max = (uint64_t)1 << 30,
	  .help = "SO_SNDBUF to ask for (0: the system default); bounds the largest datagram" },
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
	.send = ipcb_dgram_link_send,
	.recv = ipcb_dgram_link_recv,
	.teardown = dgram_teardown,
};
