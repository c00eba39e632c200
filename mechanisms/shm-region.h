/* Where the shared memory of the shm mechanism comes from: an anonymous
 * memfd, a POSIX shm_open name, a System V segment, or a regular file
 * mapped MAP_SHARED, optionally on huge pages.
 *
 * Life of a region, as an application would live it:
 *
 *   parent: ipcb_shm_region_create()  makes the object, sizes it, maps it
 *           (the mechanism initialises its rings through r->addr)
 *   child:  ipcb_shm_region_attach()  maps the object anew by its name or
 *           id (not the mapping inherited over fork, which it unmaps), and
 *           the second side to map it removes the name: shm_unlink, IPC_RMID,
 *           unlink; memfd has no name and keeps the inherited mapping
 *   parent: ipcb_shm_region_destroy() unmaps and removes whatever is left,
 *           on every path, idempotent
 *
 * Named objects are registered (harness/reg.h) from before they exist
 * until they are removed, so a killed run leaves nothing that `ipcbench
 * cleanup` cannot find. */
#ifndef IPCB_SHM_REGION_H
#define IPCB_SHM_REGION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/err.h"
#include "mechanisms/mech.h"

enum ipcb_shm_backing {
	IPCB_SHM_MEMFD = 0, /* memfd_create: no name at all */
	IPCB_SHM_POSIX = 1, /* shm_open("/ipcb-<pid>-..."), in /dev/shm */
	IPCB_SHM_SYSV = 2,  /* shmget(IPC_PRIVATE), shmat */
	IPCB_SHM_FILE = 3,  /* a file in a private directory, MAP_SHARED */
};

/* "memfd", "posix", "sysv", "file", NULL: the choices of -o backing. */
extern const char *const ipcb_shm_backing_names[];

struct ipcb_shm_region {
	enum ipcb_shm_backing backing;
	bool huge;                /* MFD_HUGETLB / SHM_HUGETLB / a hugetlbfs directory */
	size_t bytes;             /* mapped length: the request rounded up to the page */
	void *addr;               /* this process's mapping, or NULL */
	_Atomic uint32_t *mapped; /* anonymous shared word: sides mapped so far */
	int shmid;                /* sysv: the id, -1 once removed */
	char name[64];            /* posix: "/ipcb-<pid>-<n>-shm", "" once unlinked */
	char dir[160];            /* file: the private directory, "" once removed */
	char path[224];           /* file: the file, "" once unlinked */
	char fs_type[24];         /* file: the file system type from statfs ("ext4") */
};

/* Parent: create a region of at least bytes (zeroed) and map it at
 * r->addr. dir: for IPCB_SHM_FILE, where the private directory goes
 * ("" or NULL: $TMPDIR). 0 or -errno, the reason in err naming the limit
 * that refused it. On failure, ipcb_shm_region_destroy still must be
 * called (and is safe). */
int ipcb_shm_region_create(struct ipcb_shm_region *r, enum ipcb_shm_backing backing, size_t bytes,
			   bool huge, const char *dir, struct ipcb_err *err);

/* Child: map the region by name or id, populate its pages in this
 * process, and remove the name when this side is the second to map it.
 * r->addr is the new mapping afterwards. 0 or -errno. */
int ipcb_shm_region_attach(struct ipcb_shm_region *r, struct ipcb_err *err);

/* Threads mode, before ipcb_shm_region_attach: the mapping inherited over
 * fork is the peer thread's too, so this side forgets it rather than
 * unmapping it (it goes when the pair's process exits) and maps the
 * region anew by name like a process would. A memfd region, which has no
 * name, keeps it. */
void ipcb_shm_region_forget_inherited(struct ipcb_shm_region *r);

/* Parent: unmap and remove what is left; idempotent; r may be zeroed. */
void ipcb_shm_region_destroy(struct ipcb_shm_region *r);

/* Add the limits of this system that bound a backing (kernel.shmmax,
 * shmall, shmmni, /dev/shm free bytes, huge pages free and their size,
 * the file system of dir and its free bytes). */
void ipcb_shm_region_limits(enum ipcb_shm_backing backing, bool huge, const char *dir,
			    struct ipcb_limits *lim);

/* Whether a region of bytes can be made here: 0, or -errno with the
 * reason naming the limit and how to raise it (no huge pages reserved,
 * shmmax too small, /dev/shm too small, hugetlbfs needed for posix or
 * file with huge pages). */
int ipcb_shm_region_check(enum ipcb_shm_backing backing, bool huge, const char *dir, size_t bytes,
			  struct ipcb_err *err);

#endif
