/* The registry of the kernel objects this process has created and not yet
 * removed, so that nothing outlives ipcbench:
 *
 * - in memory, for the second SIGINT/SIGTERM, which exits at once: the
 *   signal handler removes every object still registered, using system
 *   calls only (ipcb_reg_remove_all is async-signal-safe);
 * - on disk, for a SIGKILL of ipcbench itself, which no handler sees: each
 *   System V queue, shared memory segment and semaphore set, POSIX queue
 *   and shared memory name is also an empty file in the run's registry
 *   directory, "$TMPDIR/ipcb-<pid>-XXXXXX/", which `ipcbench cleanup`
 *   reads once process <pid> is gone.
 *
 * A veth pair (-o netns=veth) needs no entry: its other end is in a
 * network namespace that dies with ipcbench's processes and takes the
 * pair along; its name "ipcb-<pid>-<n>" lets cleanup find an end whose
 * namespace is still being destroyed.
 *
 * Private temporary directories (FIFOs, sockets, mapped files) carry the
 * "ipcb-<pid>-" prefix themselves, so cleanup finds those in $TMPDIR
 * without a registry entry; one made elsewhere (-o dir=PATH) has an entry
 * holding its path. */
#ifndef IPCB_REG_H
#define IPCB_REG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness/err.h"

enum ipcb_obj_kind {
	IPCB_OBJ_SYSV_MSG, /* a System V message queue id */
	IPCB_OBJ_MQUEUE,   /* a POSIX message queue name ("/ipcb-...") */
	IPCB_OBJ_DIR,      /* a private directory: emptied, then removed */
	IPCB_OBJ_FILE,     /* a file (a results file being written) */
	IPCB_OBJ_SYSV_SHM, /* a System V shared memory segment id */
	IPCB_OBJ_SYSV_SEM, /* a System V semaphore set id */
	IPCB_OBJ_SHM,      /* a POSIX shared memory name ("/ipcb-...") */
};

/* Create this run's registry directory. Without it (not called, or it
 * failed) the registry still works in memory. 0 or -errno. */
int ipcb_reg_init(struct ipcb_err *err);

/* Remove the registry directory (and anything still in it). */
void ipcb_reg_fini(void);

/* Register an object: id for System V objects, name otherwise. Called just
 * before creating a named object (so that no moment exists where it exists
 * unregistered), just after creating an id-numbered one. 0, or -ENOSPC when
 * the table is full. */
int ipcb_reg_add(enum ipcb_obj_kind kind, int id, const char *name);

/* Forget an object once it is removed (or was never created). */
void ipcb_reg_del(enum ipcb_obj_kind kind, int id, const char *name);

/* Remove every registered object and the registry directory. System calls
 * only: safe in a signal handler. */
void ipcb_reg_remove_all(void);

/* ---- ipcbench cleanup ------------------------------------------------ */

struct ipcb_leftover {
	const char *what; /* "sysv-msg", "sysv-shm", "sysv-sem", "mqueue", "shm",
			   * "directory", "registry", "veth" */
	const char *name; /* id or path as text */
	long pid;         /* the ipcbench process that made it */
	int error;        /* 0, or errno of a removal that failed */
};

/* Find what ipcbench processes of this user that no longer exist left in
 * tmpdir (NULL: $TMPDIR or /tmp), /dev/mqueue and /dev/shm: registry
 * directories and the System V queues, segments (those not yet marked for
 * removal) and semaphore sets, the POSIX queues and the private
 * directories elsewhere that they list, private directories, and names
 * with the "ipcb-<pid>-" prefix, and veth links with that prefix in this
 * network namespace (-o netns=veth). Objects of a live process, of another
 * user, or that do not look like ipcbench's (a System V object with a key,
 * another creator or mode; a segment made by another process) are never
 * touched. Calls report for each object found, after removing it unless
 * dry_run. Returns the number found, or -errno when tmpdir cannot be
 * read. */
int ipcb_reg_cleanup(const char *tmpdir, bool dry_run,
		     void (*report)(void *arg, const struct ipcb_leftover *o), void *arg);

#endif
