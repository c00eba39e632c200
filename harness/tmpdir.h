/* Private temporary directories for named IPC objects (FIFOs, sockets). */
#ifndef IPCB_TMPDIR_H
#define IPCB_TMPDIR_H

#include <stddef.h>

#include "harness/err.h"

/* Prefix of every name ipcbench creates: "ipcb-<pid>-", so leftovers can be
 * traced to the process that made them. */
#define IPCB_NAME_PREFIX "ipcb-"

/* $TMPDIR, or /tmp when it is unset, empty or relative. */
const char *ipcb_tmpdir_base(void);

/* Write "<base>/ipcb-<pid>-<tag>XXXXXX" to dir without creating it: the
 * length a directory of ipcb_tmpdir_make will have. 0 or -ENAMETOOLONG. */
int ipcb_tmpdir_template(char *dir, size_t len, const char *tag, struct ipcb_err *err);

/* Create "<base>/ipcb-<pid>-<tag>XXXXXX" with mode 0700 and write its path
 * to dir. 0 or -errno. */
int ipcb_tmpdir_make(char *dir, size_t len, const char *tag, struct ipcb_err *err);

/* ipcb_tmpdir_make with no tag, the directory registered (reg.h) until
 * ipcb_tmpdir_remove. 0 or -errno. */
int ipcb_tmpdir_create(char *dir, size_t len, struct ipcb_err *err);

/* ipcb_tmpdir_create under base instead of $TMPDIR (NULL or "": $TMPDIR);
 * what names where base came from for the hint ("-o dir"). A directory
 * outside $TMPDIR also gets an entry in the registry directory, so that
 * `ipcbench cleanup` finds it after a SIGKILL. 0 or -errno. */
int ipcb_tmpdir_create_in(const char *base, const char *what, char *dir, size_t len,
			  struct ipcb_err *err);

/* Join dir and name into out, failing with -ENAMETOOLONG (never
 * truncating) when out is too small. */
int ipcb_path_join(char *out, size_t len, const char *dir, const char *name, struct ipcb_err *err);

/* A name unique to this process and call: "/ipcb-<pid>-<n>-<tag>" (the
 * leading slash is what POSIX IPC names want). 0 or -ENAMETOOLONG. */
int ipcb_unique_name(char *out, size_t len, const char *tag);

/* rmdir(dir) if dir is non-empty, ignoring ENOENT; then empty dir. */
void ipcb_tmpdir_remove(char *dir);

#endif
