/* Helpers shared by the socket mechanisms (Unix stream and datagram, TCP). */
#ifndef IPCB_SOCK_H
#define IPCB_SOCK_H

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

#endif
