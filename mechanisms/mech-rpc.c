/* rpc: ONC RPC (Sun RPC, RFC 5531) through libtirpc, with the program of
 * mechanisms/ipcb_rpc.x, whose XDR routine rpcgen writes at build time.
 * Side B serves, side A calls; rpcbind is never asked or told anything:
 * the parent creates B's socket on an address of its own (127.0.0.1 and a
 * port the kernel picks for tcp and udp, a path in a private directory for
 * unix), and A's client is created on that address directly
 * (clnt_vc_create, clnt_dg_create).
 *
 * Latency: one call of ECHO is one round trip. Side A's send() keeps the
 * message and its recv() makes the call (clnt_call), decoding the reply
 * into the receive buffer: the round trip timed covers the whole call.
 * Side B's recv() receives one call through its server transport
 * (svc_fd_create, svc_dg_create: SVC_RECV, _authenticate, SVC_GETARGS,
 * the steps of svc_getreq_common for one request), its argument decoded
 * into the buffer, and B's send() answers it with those bytes
 * (svc_sendreply).
 *
 * Throughput (tcp, unix): each message is a one-way call of SEND: a
 * clnt_call whose result is xdr_void with a zero timeout, which libtirpc
 * writes at once and does not wait for ("rpc-based message passing");
 * side B never replies to SEND. Batching proper (a NULL result routine:
 * calls held in the client's record buffer until a call that waits)
 * needs the sender to know which message is the last, to flush it; the
 * harness's send() does not, so the last calls would never leave A. UDP
 * has neither batching nor flow control: its throughput cells are
 * skipped. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "mechanisms/mech.h"

static const char *const transport_names[] = { "tcp", "udp", "unix", NULL };
static const char *const transport_help[] = {
	"TCP over loopback (127.0.0.1, ephemeral port): clnt_vc_create, svc_fd_create",
	"UDP over loopback (127.0.0.1, ephemeral port): clnt_dg_create, svc_dg_create; one call "
	"is one datagram",
	"a Unix domain stream socket on a private path: clnt_vc_create, svc_fd_create",
	NULL,
};

static const struct ipcb_opt_def rpc_opts[] = {
	{ .name = "transport",
	  .type = IPCB_OPT_CHOICE,
	  .def = "tcp",
	  .choices = transport_names,
	  .choice_help = transport_help,
	  .help = "the transport the calls go over (no rpcbind: the client is given the "
		  "server's address)" },
	{ .name = NULL },
};

#ifdef HAVE_LIBTIRPC

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rpc/rpc.h>
#include <rpc/svc_auth.h>

#include "harness/tmpdir.h"
#include "mechanisms/io.h"
#include "mechanisms/ipcb_rpc.h"
#include "mechanisms/sock.h"

/* rpcgen's routines declare a variable they may not use. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#include "mechanisms/ipcb_rpc_xdr.c"
#pragma GCC diagnostic pop

enum transport { TP_TCP = 0, TP_UDP = 1, TP_UNIX = 2 };

/* The record (tcp, unix) and datagram (udp) buffers of client and server
 * (sendsz, recvsz): for udp the largest IPv4 UDP payload, 65535 - 20 (IP
 * header) - 8 (UDP header); for the streams the same, so that tcp and
 * unix are compared with equal buffers. */
#define RPC_BUF_BYTES 65507u
/* Connections from other sockets turned away before giving up. */
#define STRANGERS_MAX 16
/* The socket's name in its private directory (unix). */
#define SOCK_NAME "sock"
/* Room for the decoded credentials of a call (RQCRED_SIZE in libtirpc's
 * svc.c, which is private). */
#define RPC_CLNTCRED_BYTES 400
/* xdr_void as a result routine: it takes no arguments, so cast through
 * the generic function pointer type. */
#define XDR_VOID ((xdrproc_t)(void (*)(void))xdr_void)

struct rpc_state {
	enum transport tp;
	enum ipcb_test test;
	size_t len;
	struct timeval wait; /* how long A's calls wait for the reply */
	int srv_fd;          /* B's: listening (tcp, unix) or bound (udp) */
	int cli_fd;          /* A's: bound (tcp, udp); made in attach (unix) */
	struct sockaddr_storage srv_addr, cli_addr;
	socklen_t srv_len, cli_len;
	char dir[PATH_MAX], path[PATH_MAX]; /* unix */
	/* Children: */
	CLIENT *clnt;        /* side A */
	SVCXPRT *xprt;       /* side B */
	const void *pending; /* side A: the message send() keeps for recv()'s call */
	size_t pending_len;
	bool_t called; /* side B: a call decoded and not answered yet */
	char cred[2 * MAX_AUTH_BYTES + RPC_CLNTCRED_BYTES]; /* side B: credentials of a call */
};

/* What a message decodes into: the receiver's buffer, at most cap bytes.
 * The wire format is ipcb_rpc_msg's (an opaque<>), bounded by the buffer
 * rather than IPCB_RPC_MSG_MAX so that a longer one cannot overrun it. */
struct rpc_into {
	char *buf;
	u_int cap, len;
};

static bool_t xdr_rpc_into(XDR *xdrs, struct rpc_into *m)
{
	char *b = m->buf;

	return xdr_bytes(xdrs, &b, &m->len, m->cap);
}

static const char *tp_name(enum transport tp)
{
	return transport_names[tp];
}

/* Bytes of XDR a call of proc (AUTH_NONE) and an accepted reply put in
 * front of the message's opaque<>, its 4-byte length included. */
static u_long call_header_bytes(u_long proc)
{
	struct rpc_msg m;
	u_int len = 0;

	memset(&m, 0, sizeof m);
	m.rm_direction = CALL;
	m.rm_call.cb_rpcvers = RPC_MSG_VERSION;
	m.rm_call.cb_prog = IPCB_RPC_PROG;
	m.rm_call.cb_vers = IPCB_RPC_VERS;
	m.rm_call.cb_proc = proc;
	m.rm_call.cb_cred = _null_auth;
	m.rm_call.cb_verf = _null_auth;
	return xdr_sizeof((xdrproc_t)xdr_callmsg, &m) + xdr_sizeof((xdrproc_t)xdr_u_int, &len);
}

static u_long reply_header_bytes(void)
{
	struct rpc_msg m;
	u_int len = 0;

	memset(&m, 0, sizeof m);
	m.rm_direction = REPLY;
	m.rm_reply.rp_stat = MSG_ACCEPTED;
	m.acpted_rply.ar_verf = _null_auth;
	m.acpted_rply.ar_stat = SUCCESS;
	m.acpted_rply.ar_results.proc = XDR_VOID;
	return xdr_sizeof((xdrproc_t)xdr_replymsg, &m) + xdr_sizeof((xdrproc_t)xdr_u_int, &len);
}

/* The largest message one datagram carries both ways: the buffer less the
 * larger header, the payload padded to a multiple of 4. */
static u_long udp_max_msg(void)
{
	u_long call = call_header_bytes(IPCB_RPC_ECHO), reply = reply_header_bytes();
	u_long hdr = call > reply ? call : reply;

	return hdr >= RPC_BUF_BYTES ? 0 : (RPC_BUF_BYTES - hdr) & ~3ul;
}

static int rpc_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		      struct ipcb_err *err)
{
	enum transport tp = (enum transport)ipcb_opt_num(opts, "transport");
	int rc;

	ipcb_limits_add(lim, "rpc_buffer_bytes", RPC_BUF_BYTES,
			"sendsz and recvsz of client and server (ipcbench's choice)");
	ipcb_limits_add(lim, "rpc_call_header_bytes", (int64_t)call_header_bytes(IPCB_RPC_ECHO),
			"xdr_sizeof(call of ECHO, AUTH_NONE) + 4 (opaque length)");
	ipcb_limits_add(lim, "rpc_reply_header_bytes", (int64_t)reply_header_bytes(),
			"xdr_sizeof(accepted reply) + 4 (opaque length)");
	if (tp == TP_UDP) {
		lim->max_msg_bytes = udp_max_msg();
		ipcb_limits_add(lim, "udp_payload_max_bytes", RPC_BUF_BYTES,
				"IPv4: 65535 - 20 (IP header) - 8 (UDP header)");
		ipcb_limits_add(lim, "rpc_udp_max_msg_bytes", (int64_t)lim->max_msg_bytes,
				"udp_payload_max_bytes - the larger header, to a multiple of 4");
		ipcb_sock_core_limits(lim);
		return 0;
	}
	lim->max_msg_bytes = IPCB_RPC_MSG_MAX;
	ipcb_limits_add(lim, "xdr_opaque_max_bytes", IPCB_RPC_MSG_MAX,
			"mechanisms/ipcb_rpc.x: opaque<IPCB_RPC_MSG_MAX>");
	if (tp == TP_UNIX && (rc = ipcb_sock_tmp_path_check(SOCK_NAME, err)) != 0)
		return rc;
	return 0;
}

static int rpc_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	enum transport tp = (enum transport)ipcb_opt_num(cfg->opts, "transport");
	u_long max = tp == TP_UDP ? udp_max_msg() : IPCB_RPC_MSG_MAX;

	if (tp == TP_UDP && cfg->test != IPCB_TEST_LATENCY) {
		ipcb_err_set(err, 0,
			     "rpc over udp has no streaming: ONC RPC batches calls over "
			     "connections only, and one-way datagrams that overrun side B's "
			     "socket buffer are dropped with no trace in the RPC layer");
		ipcb_err_hint(err, "use -o transport=tcp or unix for the throughput and one-way "
				   "tests");
		return -ENOTSUP;
	}
	/* One-way cells are one-way calls, as in the throughput test. */
	if (cfg->test == IPCB_TEST_ONEWAY && cfg->sender == IPCB_SIDE_B) {
		ipcb_err_set(err, 0,
			     "rpc's side B is the server: it answers calls and has no way to send "
			     "side A a message of its own, so there is no B to A direction");
		return -ENOTSUP;
	}
	if (cfg->msg_size_bytes > max) {
		if (tp == TP_UDP) {
			ipcb_err_set(err, 0,
				     "a %zu-byte message exceeds what one call over udp carries: "
				     "%lu bytes (a %u-byte IPv4 UDP payload less the %lu-byte RPC "
				     "call header, down to a multiple of 4)",
				     cfg->msg_size_bytes, max, RPC_BUF_BYTES,
				     call_header_bytes(IPCB_RPC_ECHO));
			ipcb_err_hint(err, "use -o transport=tcp or unix for larger messages");
		} else {
			ipcb_err_set(err, 0,
				     "a %zu-byte message exceeds the opaque<> bound of "
				     "mechanisms/ipcb_rpc.x (%lu bytes)",
				     cfg->msg_size_bytes, max);
		}
		return -EMSGSIZE;
	}
	return 0;
}

static int bind_loopback(int *fd, int type, struct sockaddr_storage *ss, socklen_t *len,
			 const char *who, struct ipcb_err *err)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return ipcb_err_set(err, errno, "socket(AF_INET) for side %s", who);
	if (bind(*fd, (struct sockaddr *)&sin, sizeof sin) != 0)
		return ipcb_err_set(err, errno, "bind(127.0.0.1:0) for side %s", who);
	*len = sizeof *ss;
	if (getsockname(*fd, (struct sockaddr *)ss, len) != 0)
		return ipcb_err_set(err, errno, "getsockname(side %s)", who);
	return 0;
}

/* Remove the socket's path and directory (unix); safe to repeat. */
static void rpc_unlink(struct rpc_state *st)
{
	if (st->path[0] != '\0')
		(void)unlink(st->path);
	st->path[0] = '\0';
	ipcb_tmpdir_remove(st->dir);
}

static int setup_unix(struct rpc_state *st, struct ipcb_err *err)
{
	struct sockaddr_un *sa = (struct sockaddr_un *)&st->srv_addr;
	int rc;

	if ((rc = ipcb_tmpdir_create(st->dir, sizeof st->dir, err)) != 0 ||
	    (rc = ipcb_path_join(st->path, sizeof st->path, st->dir, SOCK_NAME, err)) != 0 ||
	    (rc = ipcb_sock_un_addr(sa, st->path, err)) != 0) {
		st->path[0] = '\0';
		return rc;
	}
	st->srv_len = sizeof *sa;
	st->srv_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (st->srv_fd < 0)
		return ipcb_err_set(err, errno, "socket(AF_UNIX, SOCK_STREAM)");
	if (bind(st->srv_fd, (struct sockaddr *)sa, st->srv_len) != 0) {
		rc = ipcb_err_set(err, errno, "bind(%s)", st->path);
		st->path[0] = '\0';
		return rc;
	}
	if (listen(st->srv_fd, STRANGERS_MAX) != 0)
		return ipcb_err_set(err, errno, "listen(%s)", st->path);
	return 0;
}

static int rpc_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct rpc_state *st = calloc(1, sizeof *st);
	/* Three quarters of the watchdog's timeout: a call without an answer
	 * is reported by the call rather than the watchdog. */
	uint64_t wait_ns = cfg->stall_timeout_ns ? cfg->stall_timeout_ns / 4 * 3 : 25000000000ull;
	int rc;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "rpc state");
	st->srv_fd = st->cli_fd = -1;
	st->tp = (enum transport)ipcb_opt_num(cfg->opts, "transport");
	st->test = cfg->test;
	st->len = cfg->msg_size_bytes;
	st->wait.tv_sec = (time_t)(wait_ns / 1000000000ull);
	st->wait.tv_usec = (suseconds_t)(wait_ns % 1000000000ull / 1000);
	*state = st;
	if (st->tp == TP_UNIX)
		return setup_unix(st, err);
	rc = bind_loopback(&st->srv_fd, st->tp == TP_UDP ? SOCK_DGRAM : SOCK_STREAM, &st->srv_addr,
			   &st->srv_len, "B", err);
	if (rc == 0)
		rc = bind_loopback(&st->cli_fd, st->tp == TP_UDP ? SOCK_DGRAM : SOCK_STREAM,
				   &st->cli_addr, &st->cli_len, "A", err);
	if (rc != 0)
		return rc;
	if (st->tp == TP_TCP) {
		if (listen(st->srv_fd, STRANGERS_MAX) != 0)
			return ipcb_err_set(err, errno, "listen(127.0.0.1)");
		return 0;
	}
	/* udp: each socket hears only the other. */
	if (connect(st->srv_fd, (struct sockaddr *)&st->cli_addr, st->cli_len) != 0 ||
	    connect(st->cli_fd, (struct sockaddr *)&st->srv_addr, st->srv_len) != 0)
		return ipcb_err_set(err, errno, "connect(udp 127.0.0.1)");
	return 0;
}

/* Whether fd, just accepted, is side A's connection: its peer is A's
 * bound socket (tcp), or the kernel's record of who connected names A's
 * pid (unix). */
static int is_side_a(const struct rpc_state *st, int fd, pid_t side_a, struct ipcb_err *err)
{
	if (st->tp == TP_UNIX) {
		struct ucred cred;
		socklen_t len = sizeof cred;

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
			return ipcb_err_set(err, errno, "getsockopt(SO_PEERCRED) on %s", st->path);
		return cred.pid == side_a;
	}
	struct sockaddr_in peer;
	const struct sockaddr_in *want = (const struct sockaddr_in *)&st->cli_addr;
	socklen_t len = sizeof peer;

	if (getpeername(fd, (struct sockaddr *)&peer, &len) != 0)
		return ipcb_err_set(err, errno, "getpeername(rpc tcp)");
	return len == sizeof peer && peer.sin_port == want->sin_port &&
	       peer.sin_addr.s_addr == want->sin_addr.s_addr;
}

/* Accept side A's connection; turn away any other. The fd or -errno. */
static int accept_side_a(const struct rpc_state *st, pid_t side_a, struct ipcb_err *err)
{
	const char *where = st->tp == TP_UNIX ? st->path : "rpc tcp 127.0.0.1";

	for (int strangers = 0; strangers <= STRANGERS_MAX; strangers++) {
		int fd = ipcb_sock_accept(st->srv_fd, where, err), ok;

		if (fd < 0)
			return fd;
		if ((ok = is_side_a(st, fd, side_a, err)) == 1)
			return fd;
		close(fd);
		if (ok < 0)
			return ok;
	}
	return ipcb_err_set(err, EPERM, "%d connections to %s came from others than side A",
			    STRANGERS_MAX + 1, where);
}

/* TCP_NODELAY on a tcp connection, as libtirpc sets it on the connections
 * it makes (clnt_tli_create) and accepts (svc_vc): Nagle's algorithm would
 * hold back the last, partial segment of each record. 0 or -errno. */
static int set_nodelay(const struct rpc_state *st, int fd, struct ipcb_err *err)
{
	int one = 1;

	if (st->tp == TP_TCP && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		return ipcb_err_set(err, errno, "setsockopt(TCP_NODELAY) on rpc tcp");
	return 0;
}

static int attach_b(struct rpc_state *st, const struct ipcb_peer *self, struct ipcb_err *err)
{
	int fd, rc;

	ipcb_io_drop(self, &st->cli_fd);
	if (st->tp == TP_UDP) {
		st->xprt = svc_dg_create(st->srv_fd, RPC_BUF_BYTES, RPC_BUF_BYTES);
		if (st->xprt == NULL)
			return ipcb_err_set(err, ENOMEM, "svc_dg_create(rpc udp) failed");
		st->srv_fd = -1; /* the transport's now */
		return 0;
	}
	if ((fd = accept_side_a(st, self->peer_pid, err)) < 0)
		return fd;
	ipcb_io_drop(self, &st->srv_fd);
	if (st->tp == TP_UNIX)
		rpc_unlink(st); /* connected: the name has done its job */
	if ((rc = set_nodelay(st, fd, err)) != 0) {
		close(fd);
		return rc;
	}
	st->xprt = svc_fd_create(fd, RPC_BUF_BYTES, RPC_BUF_BYTES);
	if (st->xprt == NULL) {
		close(fd);
		return ipcb_err_set(err, ENOMEM, "svc_fd_create(rpc %s) failed", tp_name(st->tp));
	}
	return 0;
}

static int attach_a(struct rpc_state *st, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct netbuf nb = { .maxlen = st->srv_len, .len = st->srv_len, .buf = &st->srv_addr };
	int rc;

	ipcb_io_drop(self, &st->srv_fd);
	if (st->tp == TP_UNIX) {
		st->cli_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (st->cli_fd < 0)
			return ipcb_err_set(err, errno, "socket(AF_UNIX, SOCK_STREAM)");
	}
	if (st->tp != TP_UDP &&
	    ((rc = ipcb_sock_connect(st->cli_fd, (struct sockaddr *)&st->srv_addr, st->srv_len,
				     tp_name(st->tp), err)) != 0 ||
	     (rc = set_nodelay(st, st->cli_fd, err)) != 0))
		return rc;
	if (st->tp == TP_UDP)
		st->clnt = clnt_dg_create(st->cli_fd, &nb, IPCB_RPC_PROG, IPCB_RPC_VERS,
					  RPC_BUF_BYTES, RPC_BUF_BYTES);
	else
		st->clnt = clnt_vc_create(st->cli_fd, &nb, IPCB_RPC_PROG, IPCB_RPC_VERS,
					  RPC_BUF_BYTES, RPC_BUF_BYTES);
	if (st->clnt == NULL)
		return ipcb_err_set(err, 0, "%s(rpc %s): %s",
				    st->tp == TP_UDP ? "clnt_dg_create" : "clnt_vc_create",
				    tp_name(st->tp), clnt_spcreateerror(""));
	/* udp: no retransmission within a call's wait: a lost datagram is a
	 * failed call, not a duplicate one. */
	if (st->tp == TP_UDP && !clnt_control(st->clnt, CLSET_RETRY_TIMEOUT, (char *)&st->wait))
		return ipcb_err_set(err, EINVAL, "clnt_control(CLSET_RETRY_TIMEOUT)");
	return 0;
}

static int rpc_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct rpc_state *st = state;

	return self->side == IPCB_SIDE_B ? attach_b(st, self, err) : attach_a(st, self, err);
}

/* A failed clnt_call as an error: -EPIPE when side B has gone. */
static int call_error(struct rpc_state *st, const char *proc, enum clnt_stat stat,
		      struct ipcb_err *err)
{
	struct rpc_err re;

	clnt_geterr(st->clnt, &re);
	if (stat == RPC_TIMEDOUT) {
		ipcb_err_set(err, 0, "clnt_call(%s, rpc %s): no reply from side B within %.3f s",
			     proc, tp_name(st->tp),
			     (double)st->wait.tv_sec + (double)st->wait.tv_usec / 1e6);
		ipcb_err_hint(err, "a call waits three quarters of --timeout; raise it if side B "
				   "is only slow");
		return -ETIMEDOUT;
	}
	if ((stat == RPC_CANTSEND || stat == RPC_CANTRECV) &&
	    (re.re_errno == EPIPE || re.re_errno == ECONNRESET || re.re_errno == 0)) {
		ipcb_err_set(err, 0, "clnt_call(%s, rpc %s): %s: side B has gone", proc,
			     tp_name(st->tp), clnt_sperrno(stat));
		return -EPIPE;
	}
	return ipcb_err_set(err, re.re_errno > 0 ? re.re_errno : EPROTO,
			    "clnt_call(%s, rpc %s): %s", proc, tp_name(st->tp), clnt_sperrno(stat));
}

static int rpc_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	struct rpc_state *st = state;
	ipcb_rpc_msg arg = { .ipcb_rpc_msg_len = (u_int)len, .ipcb_rpc_msg_val = (char *)buf };
	struct timeval now = { 0, 0 };
	enum clnt_stat stat;

	if (st->xprt != NULL) { /* side B: answer the call recv() took */
		if (!st->called)
			return ipcb_err_set(err, EPROTO, "rpc: side B has no call to answer");
		st->called = FALSE;
		if (!svc_sendreply(st->xprt, (xdrproc_t)xdr_ipcb_rpc_msg, (char *)&arg))
			return ipcb_err_set(err, EPIPE, "svc_sendreply(ECHO, rpc %s) failed",
					    tp_name(st->tp));
		return 0;
	}
	if (st->test == IPCB_TEST_LATENCY) { /* recv() makes the call */
		if (st->pending != NULL)
			return ipcb_err_set(err, EPROTO,
					    "rpc: side A sent a second message before the reply to "
					    "the first: one call of ECHO carries one message");
		st->pending = buf;
		st->pending_len = len;
		return 0;
	}
	/* A one-way call: written at once, no reply awaited (RPC_TIMEDOUT). */
	stat = clnt_call(st->clnt, IPCB_RPC_SEND, (xdrproc_t)xdr_ipcb_rpc_msg, (char *)&arg,
			 XDR_VOID, NULL, now);
	if (stat != RPC_TIMEDOUT)
		return call_error(st, "SEND", stat, err);
	return 0;
}

static int call_echo(struct rpc_state *st, void *buf, size_t len, struct ipcb_err *err)
{
	ipcb_rpc_msg arg = { .ipcb_rpc_msg_len = (u_int)st->pending_len,
			     .ipcb_rpc_msg_val = (char *)st->pending };
	struct rpc_into res = { .buf = buf, .cap = (u_int)len };
	enum clnt_stat stat;

	if (st->pending == NULL)
		return ipcb_err_set(err, EPROTO, "rpc: side A has no message to call with");
	stat = clnt_call(st->clnt, IPCB_RPC_ECHO, (xdrproc_t)xdr_ipcb_rpc_msg, (char *)&arg,
			 (xdrproc_t)xdr_rpc_into, (char *)&res, st->wait);
	st->pending = NULL;
	if (stat != RPC_SUCCESS)
		return call_error(st, "ECHO", stat, err);
	if (res.len != len)
		return ipcb_err_set(err, EPROTO, "rpc: ECHO returned %u bytes, not %zu", res.len,
				    len);
	return 0;
}

/* Side B: wait until the transport has a call to read (stream transports
 * may already hold one in their record buffer). 0 or -errno. */
static int wait_call(struct rpc_state *st, struct ipcb_err *err)
{
	struct pollfd p = { .fd = st->xprt->xp_fd, .events = POLLIN };

	if (st->tp == TP_UDP || SVC_STAT(st->xprt) == XPRT_MOREREQS)
		return 0;
	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return ipcb_err_set(err, errno, "poll(rpc %s)", tp_name(st->tp));
	return 0;
}

/* Side B: receive one call, check it is the expected procedure of this
 * program, and decode its argument into buf. */
static int serve_one(struct rpc_state *st, void *buf, size_t len, struct ipcb_err *err)
{
	u_long want = st->test == IPCB_TEST_LATENCY ? IPCB_RPC_ECHO : IPCB_RPC_SEND;
	struct rpc_into arg = { .buf = buf, .cap = (u_int)len };
	struct rpc_msg msg;
	struct svc_req req;
	enum auth_stat why;
	int rc;

	if ((rc = wait_call(st, err)) != 0)
		return rc;
	memset(&msg, 0, sizeof msg);
	memset(&req, 0, sizeof req);
	msg.rm_call.cb_cred.oa_base = st->cred;
	msg.rm_call.cb_verf.oa_base = &st->cred[MAX_AUTH_BYTES];
	if (!SVC_RECV(st->xprt, &msg)) {
		if (st->tp != TP_UDP && SVC_STAT(st->xprt) == XPRT_DIED)
			return ipcb_err_set(err, EPIPE, "rpc %s: side A closed the connection",
					    tp_name(st->tp));
		return ipcb_err_set(err, EPROTO, "rpc %s: SVC_RECV: no call could be read",
				    tp_name(st->tp));
	}
	req.rq_xprt = st->xprt;
	req.rq_prog = msg.rm_call.cb_prog;
	req.rq_vers = msg.rm_call.cb_vers;
	req.rq_proc = msg.rm_call.cb_proc;
	req.rq_cred = msg.rm_call.cb_cred;
	req.rq_clntcred = &st->cred[2 * MAX_AUTH_BYTES];
	st->xprt->xp_verf = _null_auth;
	if ((why = _authenticate(&req, &msg)) != AUTH_OK) {
		svcerr_auth(st->xprt, why);
		return ipcb_err_set(err, EPROTO, "rpc: a call failed authentication (%d)",
				    (int)why);
	}
	if (req.rq_prog != IPCB_RPC_PROG || req.rq_vers != IPCB_RPC_VERS || req.rq_proc != want) {
		svcerr_noproc(st->xprt);
		return ipcb_err_set(
			err, EPROTO,
			"rpc: side B got a call of program %#x version %u procedure %u, "
			"not procedure %lu of %#x version %u",
			req.rq_prog, req.rq_vers, req.rq_proc, want, IPCB_RPC_PROG, IPCB_RPC_VERS);
	}
	if (!SVC_GETARGS(st->xprt, (xdrproc_t)xdr_rpc_into, (char *)&arg)) {
		svcerr_decode(st->xprt);
		return ipcb_err_set(err, EPROTO,
				    "rpc: the argument of a call is not a message of at most %zu "
				    "bytes",
				    len);
	}
	if (arg.len != len)
		return ipcb_err_set(err, EPROTO, "rpc: a call carried %u bytes, not %zu", arg.len,
				    len);
	st->called = want == IPCB_RPC_ECHO;
	return 0;
}

static int rpc_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	struct rpc_state *st = state;

	return st->xprt != NULL ? serve_one(st, buf, len, err) : call_echo(st, buf, len, err);
}

static void rpc_teardown(void *state)
{
	struct rpc_state *st = state;

	if (st == NULL)
		return;
	ipcb_io_close(&st->srv_fd);
	ipcb_io_close(&st->cli_fd);
	rpc_unlink(st);
	free(st);
}

const struct ipcb_mech ipcb_mech_rpc = {
	.name = "rpc",
	.summary = "ONC RPC (libtirpc): one call per round trip, one-way calls streaming; no "
		   "rpcbind",
	.flags = IPCB_MECH_BOUNDARIES,
	.opts = rpc_opts,
	.limits = rpc_limits,
	.check = rpc_check,
	.setup = rpc_setup,
	.attach = rpc_attach,
	.send = rpc_send,
	.recv = rpc_recv,
	.teardown = rpc_teardown,
	.state_size = sizeof(struct rpc_state),
	.no_pipelining = "a round trip is one synchronous call (clnt_call): a second message "
			 "cannot leave before the first one's reply is back",
};

#else /* !HAVE_LIBTIRPC */

static int rpc_unbuilt(struct ipcb_err *err)
{
	return ipcb_mech_unbuilt(err, IPCB_RPC_MISSING,
				 "ONC RPC needs libtirpc and rpcgen (Debian: libtirpc-dev, "
				 "rpcsvc-proto)");
}

const struct ipcb_mech ipcb_mech_rpc = {
	.name = "rpc",
	.summary = "ONC RPC (libtirpc): one call per round trip, one-way calls streaming; no "
		   "rpcbind",
	.flags = IPCB_MECH_BOUNDARIES,
	.supported = rpc_unbuilt,
	.opts = rpc_opts,
};

#endif
