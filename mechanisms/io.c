/* Whole-message I/O on file descriptors. */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "mechanisms/io.h"

/* Move all len bytes between buf and fd: write or read, at the file offset
 * (off < 0) or at off (pwrite, pread). */
static int rw_full(int fd, char *p, size_t len, off_t off, int wr, const char *what,
		   struct ipcb_err *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (off < 0)
			n = wr ? write(fd, p + done, len - done) : read(fd, p + done, len - done);
		else
			n = wr ? pwrite(fd, p + done, len - done, off + (off_t)done)
			       : pread(fd, p + done, len - done, off + (off_t)done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ipcb_err_set(err, errno, "%s after %zu of %zu bytes", what, done,
					    len);
		}
		if (n == 0 && !wr) {
			ipcb_err_set(err, 0, "%s: %s after %zu of %zu bytes", what,
				     off < 0 ? "peer closed" : "end of file", done, len);
			return off < 0 ? -EPIPE : -EIO;
		}
		done += (size_t)n;
	}
	return 0;
}

int ipcb_io_write_full(int fd, const void *buf, size_t len, const char *what, struct ipcb_err *err)
{
	return rw_full(fd, (char *)buf, len, -1, 1, what, err);
}

int ipcb_io_read_full(int fd, void *buf, size_t len, const char *what, struct ipcb_err *err)
{
	return rw_full(fd, buf, len, -1, 0, what, err);
}

int ipcb_io_pwrite_full(int fd, const void *buf, size_t len, off_t off, const char *what,
			struct ipcb_err *err)
{
	return rw_full(fd, (char *)buf, len, off, 1, what, err);
}

int ipcb_io_pread_full(int fd, void *buf, size_t len, off_t off, const char *what,
		       struct ipcb_err *err)
{
	return rw_full(fd, buf, len, off, 0, what, err);
}

void ipcb_io_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

int ipcb_fd_link_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	const struct ipcb_fd_link *l = state;

	return ipcb_io_write_full(l->tx, buf, len, l->tx_what, err);
}

int ipcb_fd_link_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	const struct ipcb_fd_link *l = state;

	return ipcb_io_read_full(l->rx, buf, len, l->rx_what, err);
}

void ipcb_io_drop(const struct ipcb_peer *self, int *fd)
{
	if (self->mode == IPCB_MODE_THREADS)
		*fd = -1;
	else
		ipcb_io_close(fd);
}

void ipcb_fd_link_keep_end(struct ipcb_fd_link *l, int fd[2], const struct ipcb_peer *self,
			   const char *const what[2][2])
{
	int side = self->side;

	l->tx = l->rx = fd[side];
	ipcb_io_drop(self, &fd[!side]);
	l->tx_what = what[side][0];
	l->rx_what = what[side][1];
}
