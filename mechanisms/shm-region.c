/* TEMPORARY STUB: memfd only */
#include "config.h"
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness/mem.h"
#include "mechanisms/shm-region.h"
const char *const ipcb_shm_backing_names[] = { "memfd", "posix", "sysv", "file", NULL };
int ipcb_shm_region_create(struct ipcb_shm_region *r, enum ipcb_shm_backing backing, size_t bytes,
			   bool huge, const char *dir, struct ipcb_err *err)
{
	(void)dir; (void)huge;
	r->backing = backing; r->bytes = bytes; r->addr = NULL;
	int fd = memfd_create("ipcb-shm", MFD_CLOEXEC);
	if (fd < 0) return ipcb_err_set(err, errno, "memfd_create");
	if (ftruncate(fd, (off_t)bytes) != 0) { close(fd); return ipcb_err_set(err, errno, "ftruncate"); }
	void *a = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (a == MAP_FAILED) return ipcb_err_set(err, errno, "mmap");
	r->addr = a;
	return 0;
}
int ipcb_shm_region_attach(struct ipcb_shm_region *r, struct ipcb_err *err)
{ (void)err; ipcb_prefault(r->addr, r->bytes); return 0; }
void ipcb_shm_region_destroy(struct ipcb_shm_region *r)
{ if (r->addr) munmap(r->addr, r->bytes); r->addr = NULL; }
void ipcb_shm_region_limits(enum ipcb_shm_backing backing, bool huge, const char *dir, struct ipcb_limits *lim)
{ (void)backing; (void)huge; (void)dir; (void)lim; }
int ipcb_shm_region_check(enum ipcb_shm_backing backing, bool huge, const char *dir, size_t bytes, struct ipcb_err *err)
{ (void)huge; (void)dir; (void)bytes; if (backing != IPCB_SHM_MEMFD) return ipcb_err_set(err, ENOSYS, "stub"); return 0; }
