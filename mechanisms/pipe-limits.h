/* Limits shared by the pipe and FIFO mechanisms (both are kernel pipes). */
#ifndef IPCB_PIPE_LIMITS_H
#define IPCB_PIPE_LIMITS_H

#include "mechanisms/mech.h"

/* Default capacity of a new pipe, pipe-max-size and PIPE_BUF. */
int ipcb_pipe_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		     struct ipcb_err *err);

#endif
