/* Error context helpers. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "harness/err.h"

int ipcb_err_set(struct ipcb_err *err, int errnum, const char *fmt, ...)
{
	if (errnum < 0)
		errnum = -errnum;
	if (err != NULL) {
		va_list ap;
		int n;

		va_start(ap, fmt);
		n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		if (errnum != 0 && n >= 0 && (size_t)n < sizeof err->msg)
			snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s",
				 strerror(errnum));
		err->hint[0] = '\0';
		if (errnum == EMFILE)
			ipcb_err_hint(err, "the process's file descriptor limit (RLIMIT_NOFILE) is "
					   "reached: raise it with 'ulimit -n'");
		else if (errnum == ENFILE)
			ipcb_err_hint(err,
				      "the system's limit on open files (fs.file-max) is reached");
	}
	return errnum != 0 ? -errnum : -EIO;
}

void ipcb_err_hint(struct ipcb_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof err->hint, fmt, ap);
	va_end(ap);
}

void ipcb_err_clear(struct ipcb_err *err)
{
	if (err != NULL) {
		err->msg[0] = '\0';
		err->hint[0] = '\0';
	}
}
