/* Helpers shared by the socket mechanisms. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "harness/tmpdir.h"
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
