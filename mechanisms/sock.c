/* Helpers shared by the socket mechanisms. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "harness/tmpdir.h"
#include "mechanisms/io.h"
#include "mechanisms/sock.h"

int ipcb_sock_un_addr(struct sockaddr_un *sa, const char *path, struct ipcb_err *err)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path) {
		ipcb_err_set(err, 0,
			     "socket path %s is %zu bytes; sun_path holds %zu bytes including the "
			     "terminating NUL",
			     path, strlen(path), sizeof sa->sun_path);
		ipcb_err_hint(err, "set TMPDIR to a shorter directory");
		return -ENAMETOOLONG;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

int ipcb_sock_tmp_path_check(const char *name, struct ipcb_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct sockaddr_un sa;
	int rc;

	if ((rc = ipcb_tmpdir_template(dir, sizeof dir, "", err)) != 0 ||
	    (rc = ipcb_path_join(path, sizeof path, dir, name, err)) != 0)
		return rc;
	return ipcb_sock_un_addr(&sa, path, err);
}

void ipcb_sock_buf_limits(struct ipcb_limits *lim, int fd, const char *prefix)
{
	int v;
	socklen_t len = sizeof v;
	char name[48];

	snprintf(name, sizeof name, "%s_sndbuf_initial_bytes", prefix);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len) == 0)
		ipcb_limits_add(lim, name, v,
				"getsockopt(SO_SNDBUF) of a connected socket before any traffic");
	len = sizeof v;
	snprintf(name, sizeof name, "%s_rcvbuf_initial_bytes", prefix);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0)
		ipcb_limits_add(lim, name, v,
				"getsockopt(SO_RCVBUF) of a connected socket before any traffic");
}

void ipcb_limits_add_file(struct ipcb_limits *lim, const char *name, const char *path)
{
	uint64_t v;

	if (ipcb_sysfs_read_u64(path, &v) == 0)
		ipcb_limits_add(lim, name, (int64_t)v, path);
}

void ipcb_sock_core_limits(struct ipcb_limits *lim)
{
	ipcb_limits_add_file(lim, "net_core_wmem_default_bytes", "/proc/sys/net/core/wmem_default");
	ipcb_limits_add_file(lim, "net_core_wmem_max_bytes", "/proc/sys/net/core/wmem_max");
	ipcb_limits_add_file(lim, "net_core_rmem_default_bytes", "/proc/sys/net/core/rmem_default");
	ipcb_limits_add_file(lim, "net_core_rmem_max_bytes", "/proc/sys/net/core/rmem_max");
}

int ipcb_sock_accept(int listen_fd, const char *what, struct ipcb_err *err)
{
	int fd;

	do
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return ipcb_err_set(err, errno, "accept(%s)", what);
	return fd;
}

int ipcb_sock_connect(int fd, const struct sockaddr *sa, socklen_t len, const char *what,
		      struct ipcb_err *err)
{
	int rc = connect(fd, sa, len);

	/* An interrupted connect goes on in the background: wait for it and
	 * take its outcome from SO_ERROR. */
	if (rc != 0 && errno == EINTR) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int soerr = 0;
		socklen_t sl = sizeof soerr;

		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
		rc = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (rc == 0 && soerr != 0) {
			errno = soerr;
			rc = -1;
		}
	}
	if (rc != 0)
		return ipcb_err_set(err, errno, "connect(%s)", what);
	return 0;
}

int ipcb_sock_set_buf(int fd, int opt, uint64_t want, struct ipcb_err *err)
{
	int v = (int)want;

	if (want == 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, opt, &v, sizeof v) != 0)
		return ipcb_err_set(err, errno, "setsockopt(%s=%d)",
				    opt == SO_SNDBUF ? "SO_SNDBUF" : "SO_RCVBUF", v);
	return 0;
}

int ipcb_sock_get_buf(int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof v;

	(void)getsockopt(fd, SOL_SOCKET, opt, &v, &len);
	return v;
}

int ipcb_sock_buf_origin(int opt, uint64_t want, int eff, char *buf, size_t len)
{
	const char *key = opt == SO_SNDBUF ? "sndbuf" : "rcvbuf";
	const char *sysctl = opt == SO_SNDBUF ? "wmem" : "rmem";
	char path[64];
	uint64_t max = 0;

	if (want == 0) {
		snprintf(buf, len, "net.core.%s_default", sysctl);
	} else if (eff >= 0 && (uint64_t)eff < 2 * want) {
		snprintf(path, sizeof path, "/proc/sys/net/core/%s_max", sysctl);
		(void)ipcb_sysfs_read_u64(path, &max);
		snprintf(buf, len, "-o %s=%llu capped by net.core.%s_max=%llu", key,
			 (unsigned long long)want, sysctl, (unsigned long long)max);
		return 1;
	} else {
		snprintf(buf, len, "from -o %s", key);
	}
	return 0;
}

size_t ipcb_sock_probe_dgram(int tx, int rx, size_t max, int *boundary_errno)
{
	size_t lo = 0, hi = max;
	char *buf = calloc(1, max);

	*boundary_errno = 0;
	if (buf == NULL)
		return 0;
	/* Invariant: lo fits, hi + 1 does not (after the first step). The
	 * last failure is at hi + 1, so its errno is the boundary's. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;

		if (send(tx, buf, mid, MSG_DONTWAIT) == (ssize_t)mid) {
			(void)!recv(rx, buf, max, MSG_DONTWAIT);
			lo = mid;
		} else {
			*boundary_errno = errno;
			hi = mid - 1;
		}
	}
	free(buf);
	return lo;
}

const char *const ipcb_sock_family_choices[] = { "inet", "inet6", NULL };
const char *const ipcb_sock_family_help[] = { "IPv4 over 127.0.0.1", "IPv6 over ::1", NULL };

int ipcb_sock_family(const struct ipcb_opt_set *opts)
{
	return ipcb_opt_num(opts, "family") == 1 ? AF_INET6 : AF_INET;
}

socklen_t ipcb_sock_loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		return sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof *s4;
	}
}

void ipcb_sock_addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host, (unsigned)ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		snprintf(buf, len, "%s:%u", host, (unsigned)ntohs(s4->sin_port));
	}
}

int ipcb_sock_same_endpoint(const struct sockaddr_storage *x, const struct sockaddr_storage *y)
{
	if (x->ss_family != y->ss_family)
		return 0;
	if (x->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)x;
		const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)y;

		return a->sin6_port == b->sin6_port &&
		       memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
	}
	if (x->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)x;
		const struct sockaddr_in *b = (const struct sockaddr_in *)y;

		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	return 0;
}

int ipcb_sock_bind_loopback(int family, int type, struct sockaddr_storage *ss, struct ipcb_err *err)
{
	const char *fam = family == AF_INET6 ? "AF_INET6" : "AF_INET";
	const char *ty = type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM";
	socklen_t len = ipcb_sock_loopback(family, ss);
	char where[64];
	int fd, rc;

	ipcb_sock_addr_text(ss, where, sizeof where);
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ipcb_err_set(err, errno, "socket(%s, %s)", fam, ty);
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

int ipcb_sock_family_check(int family, int type, struct ipcb_err *err)
{
	struct sockaddr_storage ss;
	uint64_t off = 0;
	int fd;

	if (family != AF_INET6)
		return 0;
	if (ipcb_sysfs_read_u64("/proc/sys/net/ipv6/conf/all/disable_ipv6", &off) == 0 &&
	    off != 0) {
		ipcb_err_set(err, 0,
			     "IPv6 is disabled here "
			     "(/proc/sys/net/ipv6/conf/all/disable_ipv6 is 1)");
		ipcb_err_hint(err, "sysctl -w net.ipv6.conf.all.disable_ipv6=0 (as root), or "
				   "-o family=inet");
		return -EAFNOSUPPORT;
	}
	fd = ipcb_sock_bind_loopback(family, type, &ss, err);
	if (fd == -EAFNOSUPPORT) {
		ipcb_err_set(err, 0,
			     "IPv6 is not available here: socket(AF_INET6) fails with "
			     "EAFNOSUPPORT (a kernel without IPv6, or ipv6.disable=1)");
		ipcb_err_hint(err, "use -o family=inet");
		return -EAFNOSUPPORT;
	}
	if (fd == -EADDRNOTAVAIL) {
		ipcb_err_set(err, 0,
			     "::1 is not configured on the loopback interface here "
			     "(bind fails with EADDRNOTAVAIL; IPv6 disabled on lo?)");
		ipcb_err_hint(err, "sysctl -w net.ipv6.conf.lo.disable_ipv6=0 (as root), or "
				   "-o family=inet");
		return -EADDRNOTAVAIL;
	}
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int ipcb_sock_set_sndbuf(int fd, uint64_t want, struct ipcb_err *err)
{
	return ipcb_sock_set_buf(fd, SO_SNDBUF, want, err);
}

#define PROBE_MAX ((size_t)64 << 20)

/* The largest message a connected AF_UNIX pair of this type takes, into p. */
static void probe_max_msg(int type, uint64_t sndbuf, struct ipcb_sock_msg_probe *p)
{
	int sv[2];

	*p = (struct ipcb_sock_msg_probe){ .eff_sndbuf = -1 };
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) != 0)
		return;
	if (ipcb_sock_set_sndbuf(sv[0], sndbuf, NULL) == 0) {
		p->eff_sndbuf = ipcb_sock_get_buf(sv[0], SO_SNDBUF);
		p->max_bytes = ipcb_sock_probe_dgram(sv[0], sv[1], PROBE_MAX, &p->boundary_errno);
	}
	close(sv[0]);
	close(sv[1]);
}

const struct ipcb_sock_msg_probe *ipcb_sock_msg_probe(int type, uint64_t sndbuf)
{
	enum { SLOTS = 8 };
	static struct {
		int type; /* 0: empty */
		uint64_t sndbuf;
		struct ipcb_sock_msg_probe p;
	} cache[SLOTS];
	static unsigned next;
	unsigned i;

	for (i = 0; i < SLOTS; i++)
		if (cache[i].type == type && cache[i].sndbuf == sndbuf)
			return &cache[i].p;
	i = next++ % SLOTS;
	probe_max_msg(type, sndbuf, &cache[i].p);
	/* a failed probe (no socket, no memory) is asked again next time */
	cache[i].type = cache[i].p.eff_sndbuf >= 0 ? type : 0;
	cache[i].sndbuf = sndbuf;
	return &cache[i].p;
}

int ipcb_sock_msg_limits(int type, uint64_t sndbuf, const char *noun, struct ipcb_limits *lim,
			 struct ipcb_err *err)
{
	const struct ipcb_sock_msg_probe *p = ipcb_sock_msg_probe(type, sndbuf);
	char name[48], source[96];

	lim->max_msg_bytes = p->max_bytes;
	snprintf(name, sizeof name, "max_%s_bytes", noun);
	snprintf(source, sizeof source, "largest %s a connected pair accepted (probed)", noun);
	ipcb_limits_add(lim, name, (int64_t)p->max_bytes, source);
	ipcb_limits_add(lim, "sndbuf_effective_bytes", p->eff_sndbuf,
			"getsockopt(SO_SNDBUF) with -o sndbuf");
	ipcb_sock_core_limits(lim);
	ipcb_limits_add_file(lim, "unix_max_dgram_qlen", "/proc/sys/net/unix/max_dgram_qlen");
	if (p->max_bytes == 0)
		return ipcb_err_set(err, p->boundary_errno ? p->boundary_errno : EIO,
				    "not even a 1-byte %s went through a connected pair with "
				    "SO_SNDBUF %d",
				    noun, p->eff_sndbuf);
	return 0;
}

int ipcb_sock_msg_check(int type, uint64_t sndbuf, const char *noun, size_t size,
			struct ipcb_err *err)
{
	const struct ipcb_sock_msg_probe *p = ipcb_sock_msg_probe(type, sndbuf);
	char origin[96];
	int e = p->boundary_errno, capped;

	if (size <= p->max_bytes)
		return 0;
	capped = ipcb_sock_buf_origin(SO_SNDBUF, sndbuf, p->eff_sndbuf, origin, sizeof origin);
	if (e == ENOBUFS || e == ENOMEM) {
		ipcb_err_set(err, 0,
			     "a %zu-byte %s exceeds the largest the kernel allocates for one "
			     "%s here: %zu bytes (send fails with %s; SO_SNDBUF %d, %s)",
			     size, noun, noun, p->max_bytes, e == ENOBUFS ? "ENOBUFS" : "ENOMEM",
			     p->eff_sndbuf, origin);
		ipcb_err_hint(err, "a kernel allocation limit that no setting raises; use a stream "
				   "mechanism (uds-stream) for larger messages");
	} else {
		ipcb_err_set(err, 0,
			     "a %zu-byte %s exceeds the largest this socket takes here: %zu "
			     "bytes with SO_SNDBUF %d (%s; send fails with %s)",
			     size, noun, p->max_bytes, p->eff_sndbuf, origin,
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

int ipcb_sock_msg_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	const struct ipcb_fd_link *l = state;
	ssize_t n;

	do
		n = send(l->tx, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ipcb_err_set(err, errno, "%s of %zu bytes", l->tx_what, len);
	if ((size_t)n != len)
		return ipcb_err_set(err, EMSGSIZE, "%s sent %zd of %zu bytes", l->tx_what, n, len);
	return 0;
}

int ipcb_sock_msg_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	const struct ipcb_fd_link *l = state;
	ssize_t n;
	int type = 0;
	socklen_t tl = sizeof type;

	/* MSG_TRUNC: the real length even when the message is larger. */
	do
		n = recv(l->rx, buf, len, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ipcb_err_set(err, errno == EWOULDBLOCK ? EAGAIN : errno, "%s", l->rx_what);
	if ((size_t)n == len)
		return 0;
	/* On a connection, 0 is the end of file: the peer has gone. */
	if (n == 0 && getsockopt(l->rx, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
	    type != SOCK_DGRAM) {
		ipcb_err_set(err, 0, "%s: peer closed, expected a %zu-byte message", l->rx_what,
			     len);
		return -EPIPE;
	}
	return ipcb_err_set(err, EPROTO, "%s: message of %zd bytes, expected %zu", l->rx_what, n,
			    len);
}

/* Remove the socket's path and directory; safe to repeat. */
static void uds_conn_unlink(struct ipcb_uds_conn *c)
{
	if (c->path[0] != '\0')
		(void)unlink(c->path);
	c->path[0] = '\0';
	ipcb_tmpdir_remove(c->dir);
}

static const char *type_name(int type)
{
	return type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_SEQPACKET";
}

int ipcb_uds_conn_setup(struct ipcb_uds_conn *c, int type, struct ipcb_err *err)
{
	int rc;

	memset(c, 0, sizeof *c);
	c->type = type;
	c->listen_fd = c->fd = -1;
	if ((rc = ipcb_tmpdir_create(c->dir, sizeof c->dir, err)) != 0 ||
	    (rc = ipcb_path_join(c->path, sizeof c->path, c->dir, IPCB_UDS_CONN_NAME, err)) != 0 ||
	    (rc = ipcb_sock_un_addr(&c->addr, c->path, err)) != 0) {
		c->path[0] = '\0';
		return rc;
	}
	c->listen_fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		return ipcb_err_set(err, errno, "socket(AF_UNIX, %s)", type_name(type));
	if (bind(c->listen_fd, (struct sockaddr *)&c->addr, sizeof c->addr) != 0) {
		rc = ipcb_err_set(err, errno, "bind(%s)", c->path);
		c->path[0] = '\0';
		return rc;
	}
	if (listen(c->listen_fd, 1) != 0)
		return ipcb_err_set(err, errno, "listen(%s)", c->path);
	return 0;
}

/* Accept side A's connection into c->fd. The directory is private (0700),
 * but a process of the same user could still connect first: the kernel's
 * record of who connected (SO_PEERCRED) tells side A from a stranger, who
 * is turned away. */
static int accept_side_a(struct ipcb_uds_conn *c, pid_t side_a, struct ipcb_err *err)
{
	enum { MAX_STRANGERS = 16 };
	struct ucred cred;
	socklen_t len;

	for (int strangers = 0; strangers <= MAX_STRANGERS; strangers++) {
		int fd = ipcb_sock_accept(c->listen_fd, c->path, err);

		if (fd < 0)
			return fd;
		len = sizeof cred;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
			int e = errno;

			close(fd);
			return ipcb_err_set(err, e, "getsockopt(SO_PEERCRED) on %s", c->path);
		}
		if (cred.pid == side_a) {
			c->fd = fd;
			return 0;
		}
		close(fd);
	}
	return ipcb_err_set(err, EPERM,
			    "%d connections to %s came from other processes than side A (pid %d)",
			    MAX_STRANGERS + 1, c->path, (int)side_a);
}

int ipcb_uds_conn_attach(struct ipcb_uds_conn *c, const struct ipcb_peer *self, uint64_t sndbuf,
			 struct ipcb_err *err)
{
	int rc;

	if (self->side == IPCB_SIDE_B) {
		if ((rc = accept_side_a(c, self->peer_pid, err)) != 0)
			return rc;
		/* Connected: the name has done its job. */
		uds_conn_unlink(c);
	} else {
		c->fd = socket(AF_UNIX, c->type | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			return ipcb_err_set(err, errno, "socket(AF_UNIX, %s)", type_name(c->type));
		if ((rc = ipcb_sock_set_sndbuf(c->fd, sndbuf, err)) != 0)
			return rc;
		rc = ipcb_sock_connect(c->fd, (struct sockaddr *)&c->addr, sizeof c->addr, c->path,
				       err);
		if (rc != 0)
			return rc;
	}
	ipcb_io_drop(self, &c->listen_fd);
	/* B's socket was made by A's connect(): set its buffer now. */
	return self->side == IPCB_SIDE_B ? ipcb_sock_set_sndbuf(c->fd, sndbuf, err) : 0;
}

void ipcb_uds_conn_close(struct ipcb_uds_conn *c)
{
	ipcb_io_close(&c->fd);
	ipcb_io_close(&c->listen_fd);
	uds_conn_unlink(c);
}
