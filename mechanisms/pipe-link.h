/* What the pipe and FIFO mechanisms share (both are kernel pipes): their
 * limits, their options (-o capacity, -o io) and one side's end of the
 * link, with vmsplice(2) as the other way of writing. */
#ifndef IPCB_PIPE_LINK_H
#define IPCB_PIPE_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "mechanisms/io.h"
#include "mechanisms/mech.h"

/* -o io: how a side puts its messages into the pipe it writes. */
enum ipcb_pipe_io { IPCB_PIPE_IO_WRITE = 0, IPCB_PIPE_IO_VMSPLICE = 1 };

/* One side's end: a mechanism whose state starts with this uses
 * ipcb_pipe_link_send, ipcb_fd_link_recv and ipcb_pipe_link_notes. */
struct ipcb_pipe_link {
	struct ipcb_fd_link fd; /* first: recv is ipcb_fd_link_recv */
	uint64_t capacity;      /* -o capacity: 0 leaves the kernel's default */
	enum ipcb_pipe_io io;
	size_t max_msg;       /* the cell's message size: no message is larger */
	int64_t granted;      /* F_GETPIPE_SZ of the pipe this side writes */
	unsigned char *stage; /* io=vmsplice: page-aligned staging ring */
	size_t stage_pages, cursor, page;
	uint64_t partial; /* io=vmsplice: calls that took part of what was left */
};

/* The options both take, and their limits (pipe-max-size, the per-user
 * page budgets, the size a new pipe gets and the one -o capacity gets). */
extern const struct ipcb_opt_def ipcb_pipe_opts[];
int ipcb_pipe_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		     struct ipcb_err *err);

/* Parent, in setup: the options of the cell, no descriptor yet. */
void ipcb_pipe_link_init(struct ipcb_pipe_link *l, const struct ipcb_cell_cfg *cfg);

/* Child, once fd.tx and fd.rx are open: sets -o capacity on the pipe this
 * side writes, records what it got, and maps the staging ring of
 * io=vmsplice. 0 or -errno. */
int ipcb_pipe_link_attach(struct ipcb_pipe_link *l, struct ipcb_err *err);

int ipcb_pipe_link_send(void *state, const void *buf, size_t len, struct ipcb_err *err);
void ipcb_pipe_link_notes(void *state, struct ipcb_notes *out);

#endif
