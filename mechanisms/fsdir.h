/* A private directory on a chosen file system (-o dir=PATH, default
 * $TMPDIR) for mechanisms that put regular files there (shm's
 * backing=file, file): where it goes, the type of its file system from
 * statfs, its free bytes from statvfs, and new files in it. */
#ifndef IPCB_FSDIR_H
#define IPCB_FSDIR_H

#include <stddef.h>
#include <stdint.h>

#include "harness/err.h"
#include "mechanisms/mech.h"

/* Where the private directory goes: dir, or $TMPDIR when dir is NULL or "". */
const char *ipcb_fsdir_base(const char *dir);

/* The name of a file system type from statfs f_type ("ext4", "tmpfs",
 * "overlay"), or "0x..." for one this table lacks. */
void ipcb_fs_name(unsigned long magic, char *out, size_t len);

/* The type of the file system under path, named; "unknown" when statfs
 * fails (0, or -errno then). */
int ipcb_fs_type(const char *path, char *out, size_t len);

/* Free bytes for an unprivileged writer in the file system of path; -1
 * when it cannot be read. */
int64_t ipcb_fs_free_bytes(const char *path);

/* Add "dir_free_bytes" of ipcb_fsdir_base(dir), its source naming the
 * directory and its file system type. */
void ipcb_fsdir_limits(const char *dir, struct ipcb_limits *lim);

/* Parent: record the file system type of ipcb_fsdir_base(dir) in fs_type
 * and create the private directory there (registered: harness/tmpdir.h)
 * in priv. 0 or -errno. */
int ipcb_fsdir_make(const char *dir, char *priv, size_t plen, char *fs_type, size_t tlen,
		    struct ipcb_err *err);

/* Create the file name in the private directory priv (O_EXCL, 0600,
 * O_NOFOLLOW), its path in path ("" on failure). The open descriptor
 * (O_RDWR, O_CLOEXEC), or -errno. */
int ipcb_fsdir_new_file(const char *priv, const char *name, char *path, size_t len,
			struct ipcb_err *err);

#endif
