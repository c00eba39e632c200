/* Error context carried from library code up to bench/, which prints it. */
#ifndef IPCB_ERR_H
#define IPCB_ERR_H

#include <stddef.h>

#define IPCB_ERR_MSG_MAX 320
#define IPCB_ERR_HINT_MAX 200

/* msg: what failed and why, e.g. "mq_open(/ipcb-42-1): Too many open files".
 * hint: what the user can do about it, or empty. */
struct ipcb_err {
	char msg[IPCB_ERR_MSG_MAX];
	char hint[IPCB_ERR_HINT_MAX];
};

/* Fill err->msg from a printf format; when errnum is non-zero, append
 * ": strerror(errnum)". Clears the hint. Returns -errnum (or -EIO when
 * errnum is 0) so callers can write `return ipcb_err_set(...)`. err may be NULL. */
int ipcb_err_set(struct ipcb_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set the hint that goes with the current message. */
void ipcb_err_hint(struct ipcb_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Empty both fields. */
void ipcb_err_clear(struct ipcb_err *err);

#endif
