/* Private temporary directories for named IPC objects. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/reg.h"
#include "harness/tmpdir.h"

const char *ipcb_tmpdir_base(void)
{
	const char *base = getenv("TMPDIR");

	return base == NULL || base[0] != '/' ? "/tmp" : base;
}

/* "<base>/ipcb-<pid>-<tag>XXXXXX" in dir; the hint names what to change
 * (TMPDIR, or the option that gave base). */
static int template_in(const char *base, const char *what, char *dir, size_t len, const char *tag,
		       struct ipcb_err *err)
{
	int n = snprintf(dir, len, "%s/" IPCB_NAME_PREFIX "%ld-%sXXXXXX", base, (long)getpid(),
			 tag);

	if (n < 0 || (size_t)n >= len) {
		dir[0] = '\0';
		ipcb_err_set(err, ENAMETOOLONG, "temporary directory under %s", base);
		ipcb_err_hint(err, "set %s to a shorter path", what);
		return -ENAMETOOLONG;
	}
	return 0;
}

static int make_in(const char *base, const char *what, char *dir, size_t len, const char *tag,
		   struct ipcb_err *err)
{
	int rc = template_in(base, what, dir, len, tag, err);

	if (rc != 0)
		return rc;
	if (mkdtemp(dir) == NULL) {
		int e = errno;

		ipcb_err_set(err, e, "mkdtemp(%s)", dir);
		ipcb_err_hint(err, "set %s to a writable directory", what);
		dir[0] = '\0';
		return -e;
	}
	return 0;
}

int ipcb_tmpdir_template(char *dir, size_t len, const char *tag, struct ipcb_err *err)
{
	return template_in(ipcb_tmpdir_base(), "TMPDIR", dir, len, tag, err);
}

int ipcb_tmpdir_make(char *dir, size_t len, const char *tag, struct ipcb_err *err)
{
	return make_in(ipcb_tmpdir_base(), "TMPDIR", dir, len, tag, err);
}

int ipcb_tmpdir_create_in(const char *base, const char *what, char *dir, size_t len,
			  struct ipcb_err *err)
{
	sigset_t stop, old;
	int rc;

	if (base == NULL || base[0] == '\0') {
		base = ipcb_tmpdir_base();
		what = "TMPDIR";
	}
	/* Its name is known once it exists: SIGINT and SIGTERM wait until it
	 * is registered too. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	rc = make_in(base, what, dir, len, "", err);
	if (rc == 0 && ipcb_reg_add(IPCB_OBJ_DIR, 0, dir) != 0) {
		(void)rmdir(dir);
		rc = ipcb_err_set(err, ENOSPC, "too many IPC objects at once to keep track of");
		dir[0] = '\0';
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int ipcb_tmpdir_create(char *dir, size_t len, struct ipcb_err *err)
{
	return ipcb_tmpdir_create_in(NULL, NULL, dir, len, err);
}

int ipcb_path_join(char *out, size_t len, const char *dir, const char *name, struct ipcb_err *err)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len) {
		ipcb_err_set(err, ENAMETOOLONG, "path %s/%s is longer than %zu bytes", dir, name,
			     len - 1);
		ipcb_err_hint(err, "set TMPDIR to a shorter path");
		return -ENAMETOOLONG;
	}
	return 0;
}

void ipcb_tmpdir_remove(char *dir)
{
	if (dir[0] != '\0') {
		(void)rmdir(dir);
		ipcb_reg_del(IPCB_OBJ_DIR, 0, dir);
		dir[0] = '\0';
	}
}

int ipcb_unique_name(char *out, size_t len, const char *tag)
{
	static unsigned long counter;
	int n = snprintf(out, len, "/" IPCB_NAME_PREFIX "%ld-%lu-%s", (long)getpid(), ++counter,
			 tag);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
