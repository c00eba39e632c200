/* Whole-message I/O on file descriptors. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "mechanisms/io.h"

int ipcb_io_write_full(int fd, const void *buf, size_t len, const char *what, struct ipcb_err *err)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ipcb_err_set(err, errno, "%s after %zu of %zu bytes", what, done,
					    len);
		}
		done += (size_t)n;
	}
	return 0;
}

int ipcb_io_read_full(int fd, void *buf, size_t len, const char *what, struct ipcb_err *err)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, p + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ipcb_err_set(err, errno, "%s after %zu of %zu bytes", what, done,
					    len);
		}
		if (n == 0) {
			ipcb_err_set(err, 0, "%s: peer closed after %zu of %zu bytes", what, done,
				     len);
			return -EPIPE;
		}
		done += (size_t)n;
	}
	return 0;
}

/* pwrite (write true) or pread all len bytes at off. */
static int pio_full(int fd, char *p, size_t len, uint64_t off, bool write, const char *what,
		    struct ipcb_err *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write ? pwrite(fd, p + done, len - done, (off_t)(off + done))
				  : pread(fd, p + done, len - done, (off_t)(off + done));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ipcb_err_set(err, errno, "%s at offset %llu after %zu of %zu bytes",
					    what, (unsigned long long)off, done, len);
		}
		if (n == 0) {
			ipcb_err_set(err, 0, "%s: the file ends at offset %llu, before %zu bytes",
				     what, (unsigned long long)(off + done), len);
			return -EPIPE;
		}
		done += (size_t)n;
	}
	return 0;
}

int ipcb_io_pwrite_full(int fd, const void *buf, size_t len, uint64_t off, const char *what,
			struct ipcb_err *err)
{
	return pio_full(fd, (char *)buf, len, off, true, what, err);
}

int ipcb_io_pread_full(int fd, void *buf, size_t len, uint64_t off, const char *what,
		       struct ipcb_err *err)
{
	return pio_full(fd, buf, len, off, false, what, err);
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
