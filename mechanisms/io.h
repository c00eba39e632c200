/* Whole-message I/O on file descriptors: retries EINTR, loops over short
 * reads and writes, and reports a peer that went away. */
#ifndef IPCB_IO_H
#define IPCB_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "harness/err.h"
#include "mechanisms/mech.h"

/* Write all len bytes. `what` names the call for the error message, e.g.
 * "write(pipe A->B)". 0 or -errno. */
int ipcb_io_write_full(int fd, const void *buf, size_t len, const char *what, struct ipcb_err *err);

/* Read exactly len bytes. End of file before that is -EPIPE. 0 or -errno. */
int ipcb_io_read_full(int fd, void *buf, size_t len, const char *what, struct ipcb_err *err);

/* The same at file offset off (pwrite, pread; the file offset is left as
 * it was). End of file before len bytes is -EIO. 0 or -errno. */
int ipcb_io_pwrite_full(int fd, const void *buf, size_t len, off_t off, const char *what,
			struct ipcb_err *err);
int ipcb_io_pread_full(int fd, void *buf, size_t len, off_t off, const char *what,
		       struct ipcb_err *err);

/* One side's end of a byte-stream link over two descriptors (pipes,
 * FIFOs, stream sockets). A mechanism whose state struct starts with this
 * can use ipcb_fd_link_send/recv as its send and recv. */
struct ipcb_fd_link {
	int tx, rx;                    /* -1 until attached */
	const char *tx_what, *rx_what; /* for error messages: "write(pipe A->B)" */
};

/* Attach l to a socket both sides share before the fork (fd[0] A's end,
 * fd[1] B's): keep this side's end for both directions and drop the
 * other's (ipcb_io_drop). what[side] holds this side's {tx_what, rx_what}. */
void ipcb_fd_link_keep_end(struct ipcb_fd_link *l, int fd[2], const struct ipcb_peer *self,
			   const char *const what[2][2]);

int ipcb_fd_link_send(void *state, const void *buf, size_t len, struct ipcb_err *err);
int ipcb_fd_link_recv(void *state, void *buf, size_t len, struct ipcb_err *err);

/* close() fd when it is >= 0 and set it to -1. */
void ipcb_io_close(int *fd);

/* In attach(): a descriptor this side does not use. Processes mode closes
 * it; threads mode only forgets it (-1 in this side's copy of the state):
 * the peer thread may still use it, and it closes when the pair's process
 * exits. */
void ipcb_io_drop(const struct ipcb_peer *self, int *fd);

#endif
