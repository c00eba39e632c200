/* Helpers shared by the socket mechanisms (Unix stream, datagram and
 * sequenced-packet sockets, socketpair, TCP). */
#ifndef IPCB_SOCK_H
#define IPCB_SOCK_H

#include <limits.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "mechanisms/mech.h"

/* Fill a sockaddr_un for path; -ENAMETOOLONG (never truncated) when path
 * does not fit sun_path. */
int ipcb_sock_un_addr(struct sockaddr_un *sa, const char *path, struct ipcb_err *err);

/* Whether a socket called name in a directory of ipcb_tmpdir_create
 * fits sun_path: 0, or -ENAMETOOLONG with the path and its length in err. */
int ipcb_sock_tmp_path_check(const char *name, struct ipcb_err *err);

/* Record SO_SNDBUF and SO_RCVBUF of fd, a connected socket that has
 * carried nothing yet, under "<prefix>_sndbuf_initial_bytes" and
 * "<prefix>_rcvbuf_initial_bytes": initial values, since TCP autotuning
 * may grow them later (up to net.ipv4.tcp_wmem and tcp_rmem's max). */
void ipcb_sock_buf_limits(struct ipcb_limits *lim, int fd, const char *prefix);

/* Record net.core.{w,r}mem_{default,max}. */
void ipcb_sock_core_limits(struct ipcb_limits *lim);

/* Record the sysctl file at path under name (skipped when unreadable). */
void ipcb_limits_add_file(struct ipcb_limits *lim, const char *name, const char *path);

/* accept4() and connect() that retry EINTR. Return the fd / 0, or -errno
 * with err filled. */
int ipcb_sock_accept(int listen_fd, const char *what, struct ipcb_err *err);
int ipcb_sock_connect(int fd, const struct sockaddr *sa, socklen_t len, const char *what,
		      struct ipcb_err *err);

/* Ask for an SO_SNDBUF of want bytes (0: keep the system default; the
 * kernel doubles what it grants, capped at net.core.wmem_max). 0 or -errno
 * with err filled (err may be NULL). */
int ipcb_sock_set_sndbuf(int fd, uint64_t want, struct ipcb_err *err);

/* The -o sndbuf option of a socket mechanism, help its one line. */
#define IPCB_SOCK_SNDBUF_OPT(HELP)                                             \
	{                                                                      \
		.name = "sndbuf", .type = IPCB_OPT_SIZE, .def = "0", .min = 0, \
		.max = (uint64_t)1 << 30, .help = HELP                         \
	}

/* Sockets on which one message is one datagram or record (SOCK_DGRAM,
 * SOCK_SEQPACKET): the largest message is what the send buffer takes.
 * noun names a message of the type in limits and reasons: "datagram",
 * "record". */

/* What bounds the messages of a connected AF_UNIX pair of a type with a
 * given -o sndbuf, found by sending (the kernel's own bound, whatever its
 * bookkeeping); the answers are cached, since every cell asks. */
struct ipcb_sock_msg_probe {
	size_t max_bytes;   /* largest message accepted */
	int eff_sndbuf;     /* getsockopt(SO_SNDBUF) after asking; -1 unknown */
	int boundary_errno; /* send()'s errno one byte above max_bytes; 0 none */
};
const struct ipcb_sock_msg_probe *ipcb_sock_msg_probe(int type, uint64_t sndbuf);

/* limits() of such a mechanism: max_msg_bytes, "max_<noun>_bytes",
 * "sndbuf_effective_bytes", net.core's and net.unix.max_dgram_qlen. 0, or
 * -errno when not even one byte goes through. */
int ipcb_sock_msg_limits(int type, uint64_t sndbuf, const char *noun, struct ipcb_limits *lim,
			 struct ipcb_err *err);

/* check() of such a mechanism: 0, or -EMSGSIZE for a message larger than
 * the probe found, with the limit and how to raise it in err. */
int ipcb_sock_msg_check(int type, uint64_t sndbuf, const char *noun, size_t size,
			struct ipcb_err *err);

/* send() and recv() of one message as one datagram or record on link->tx
 * and link->rx (a struct ipcb_fd_link first in state): recv() takes
 * exactly one message and fails when it was not len bytes (MSG_TRUNC
 * tells a longer one). */
int ipcb_sock_msg_send(void *state, const void *buf, size_t len, struct ipcb_err *err);
int ipcb_sock_msg_recv(void *state, void *buf, size_t len, struct ipcb_err *err);

/* A Unix socket connection made through a path in a private directory
 * (ipcb_tmpdir_create): the parent binds and listens; side B accepts side
 * A's connection only (SO_PEERCRED), side A connects; the path is removed
 * as soon as they are connected. */
#define IPCB_UDS_CONN_NAME "sock" /* the socket's name in its directory */

struct ipcb_uds_conn {
	char dir[PATH_MAX];
	char path[PATH_MAX];
	struct sockaddr_un addr;
	int type; /* SOCK_STREAM, SOCK_SEQPACKET */
	int listen_fd;
	int fd; /* this side's connected socket after attach */
};

/* Parent: the directory, the path, the listening socket. c is reset
 * first; after a failure ipcb_uds_conn_close releases what was made. 0 or
 * -errno. */
int ipcb_uds_conn_setup(struct ipcb_uds_conn *c, int type, struct ipcb_err *err);

/* Child: connect (side A) or accept A (side B) into c->fd, with an
 * SO_SNDBUF of sndbuf (0: the default). 0 or -errno. */
int ipcb_uds_conn_attach(struct ipcb_uds_conn *c, const struct ipcb_peer *self, uint64_t sndbuf,
			 struct ipcb_err *err);

/* Close the sockets, remove the path and the directory; idempotent. */
void ipcb_uds_conn_close(struct ipcb_uds_conn *c);

#endif
