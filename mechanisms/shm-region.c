/* The shared-memory backings of the shm mechanism: memfd, POSIX shm_open,
 * System V segments, and files mapped MAP_SHARED, on normal or huge pages;
 * their limits and why a region cannot be made here. See shm-region.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#if defined(HAVE_SYS_SHM_H) && defined(HAVE_SHMGET)
#define HAVE_SYSV_SHM 1 /* else backing=sysv says it was left out */
#include <sys/ipc.h>
#include <sys/shm.h>
#endif

#include "harness/mem.h"
#include "harness/reg.h"
#include "harness/sysfs.h"
#include "harness/tmpdir.h"
#include "mechanisms/fsdir.h"
#include "mechanisms/shm-region.h"

#define HUGETLBFS_MAGIC_ 0x958458f6UL
#define DEV_SHM "/dev/shm"
#define SHM_FILE "shm" /* the file in the private directory */

const char *const ipcb_shm_backing_names[] = { "memfd", "posix", "sysv", "file", NULL };

/* ---- what the system says ------------------------------------------ */

static int64_t read_i64(const char *path)
{
	uint64_t v;

	if (ipcb_sysfs_read_u64(path, &v) != 0)
		return -1;
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int64_t kernel_shm(const char *name)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/sys/kernel/%s", name);
	return read_i64(path);
}

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

/* One pool of huge pages: its page size and how many are reserved (total),
 * free, and promised to mappings not yet faulted in (resv). */
struct huge_pool {
	uint64_t size;
	int64_t total, free, resv;
	char src[96]; /* where free was read */
};

/* The pool of pages of size bytes (0: the default size, Hugepagesize). */
static void huge_pool(uint64_t size, struct huge_pool *h)
{
	char dir[64], path[96];

	memset(h, 0, sizeof *h);
	h->total = h->free = h->resv = -1;
	if (size == 0) {
		int64_t kb = ipcb_sysfs_meminfo("Hugepagesize");

		size = kb > 0 ? (uint64_t)kb * 1024 : 0;
	}
	h->size = size;
	snprintf(dir, sizeof dir, "/sys/kernel/mm/hugepages/hugepages-%llukB",
		 (unsigned long long)(size / 1024));
	snprintf(path, sizeof path, "%s/nr_hugepages", dir);
	if (size != 0 && (h->total = read_i64(path)) >= 0) {
		snprintf(path, sizeof path, "%s/free_hugepages", dir);
		h->free = read_i64(path);
		snprintf(path, sizeof path, "%s/resv_hugepages", dir);
		h->resv = read_i64(path);
		snprintf(h->src, sizeof h->src, "%s/free_hugepages", dir);
		return;
	}
	h->total = ipcb_sysfs_meminfo("HugePages_Total");
	h->free = ipcb_sysfs_meminfo("HugePages_Free");
	h->resv = ipcb_sysfs_meminfo("HugePages_Rsvd");
	snprintf(h->src, sizeof h->src, "/proc/meminfo HugePages_Free");
}

/* Huge pages a new mapping can still have: free, less those promised. */
static int64_t huge_available(const struct huge_pool *h)
{
	if (h->free < 0)
		return -1;
	return h->free - (h->resv > 0 ? h->resv : 0);
}

/* The page size of the region's memory: a huge page (the default size, or
 * the hugetlbfs mount's) or the normal page; 0 when not known. */
static uint64_t region_unit(enum ipcb_shm_backing backing, bool huge, const char *dir)
{
	struct statfs sf;
	struct huge_pool h;

	if (!huge)
		return page_size();
	if (backing == IPCB_SHM_FILE && statfs(ipcb_fsdir_base(dir), &sf) == 0 &&
	    (unsigned long)sf.f_type == HUGETLBFS_MAGIC_)
		return (uint64_t)sf.f_bsize;
	huge_pool(0, &h);
	return h.size;
}

/* bytes rounded up to unit; 0 on overflow. */
static size_t round_up(size_t bytes, uint64_t unit)
{
	if (unit == 0 || bytes > SIZE_MAX - unit + 1)
		return 0;
	return (size_t)((bytes + unit - 1) / unit * unit);
}

/* ---- limits and checks --------------------------------------------- */

static void limits_huge(enum ipcb_shm_backing backing, const char *dir, struct ipcb_limits *lim)
{
	struct huge_pool h;

	huge_pool(region_unit(backing, true, dir), &h);
	ipcb_limits_add(lim, "huge_page_bytes", h.size ? (int64_t)h.size : -1,
			backing == IPCB_SHM_FILE ? "statfs(-o dir) f_bsize"
						 : "/proc/meminfo Hugepagesize");
	ipcb_limits_add(lim, "huge_pages_free", huge_available(&h), h.src);
}

void ipcb_shm_region_limits(enum ipcb_shm_backing backing, bool huge, const char *dir,
			    struct ipcb_limits *lim)
{
	int64_t avail;

	if (huge)
		limits_huge(backing, dir, lim);
	switch (backing) {
	case IPCB_SHM_MEMFD:
		/* shmem on the kernel's internal mount: no size bound of its own */
		avail = ipcb_sysfs_meminfo("MemAvailable");
		ipcb_limits_add(lim, "mem_available_bytes", avail >= 0 ? avail * 1024 : -1,
				"/proc/meminfo MemAvailable");
		break;
	case IPCB_SHM_POSIX:
		ipcb_limits_add(lim, "dev_shm_free_bytes", ipcb_fs_free_bytes(DEV_SHM),
				"statvfs(" DEV_SHM ")");
		break;
	case IPCB_SHM_SYSV:
		ipcb_limits_add(lim, "kernel_shmmax_bytes", kernel_shm("shmmax"),
				"/proc/sys/kernel/shmmax");
		ipcb_limits_add(lim, "kernel_shmall_pages", kernel_shm("shmall"),
				"/proc/sys/kernel/shmall");
		ipcb_limits_add(lim, "kernel_shmmni", kernel_shm("shmmni"),
				"/proc/sys/kernel/shmmni");
		break;
	case IPCB_SHM_FILE:
		ipcb_fsdir_limits(dir, lim);
		break;
	}
}

/* The hint for too few huge pages: the sysctl (or sysfs file) to raise. */
static void hint_huge(struct ipcb_err *err, const struct huge_pool *h, int64_t want)
{
	uint64_t dflt = region_unit(IPCB_SHM_MEMFD, true, NULL);

	if (h->size == dflt)
		ipcb_err_hint(err,
			      "reserve them as root: sysctl -w vm.nr_hugepages=%lld (now %lld)",
			      (long long)want, (long long)(h->total > 0 ? h->total : 0));
	else
		ipcb_err_hint(err,
			      "reserve them as root: echo %lld > "
			      "/sys/kernel/mm/hugepages/hugepages-%llukB/nr_hugepages",
			      (long long)want, (unsigned long long)(h->size / 1024));
}

static int check_huge(enum ipcb_shm_backing backing, const char *dir, size_t bytes,
		      struct ipcb_err *err)
{
	struct huge_pool h;
	int64_t avail, need;

	huge_pool(region_unit(backing, true, dir), &h);
	avail = huge_available(&h);
	if (h.size == 0) {
		ipcb_err_set(err, 0,
			     "this kernel has no huge pages (no Hugepagesize in "
			     "/proc/meminfo)");
		return -ENOTSUP;
	}
	need = (int64_t)((bytes + h.size - 1) / h.size);
	if (h.total <= 0 || avail <= 0) {
		ipcb_err_set(err, 0,
			     "no huge pages of %llu kB are free (%lld reserved by vm.nr_hugepages, "
			     "%lld free in %s)",
			     (unsigned long long)(h.size / 1024), (long long)h.total,
			     (long long)avail, h.src);
		hint_huge(err, &h, need + (h.total > 0 ? h.total : 0));
		return -ENOMEM;
	}
	if (need > avail) {
		ipcb_err_set(
			err, 0,
			"a region of %zu bytes needs %lld huge pages of %llu kB; %lld are free "
			"(%s)",
			bytes, (long long)need, (unsigned long long)(h.size / 1024),
			(long long)avail, h.src);
		hint_huge(err, &h, h.total + need - avail);
		return -EMSGSIZE;
	}
	return 0;
}

/* Huge pages with a backing that cannot have them. */
static int refuse_huge(enum ipcb_shm_backing backing, const char *dir, struct ipcb_err *err)
{
	struct statfs sf;
	char type[24];

	if (backing == IPCB_SHM_POSIX) {
		ipcb_err_set(err, 0,
			     "backing=posix cannot have huge pages: shm_open makes its names "
			     "in " DEV_SHM ", a tmpfs, not hugetlbfs");
		ipcb_err_hint(err, "use backing=memfd or sysv, or backing=file with -o dir= on a "
				   "hugetlbfs mount");
		return -ENOTSUP;
	}
	if (backing != IPCB_SHM_FILE)
		return 0;
	if (statfs(ipcb_fsdir_base(dir), &sf) != 0)
		return ipcb_err_set(err, errno, "statfs(%s)", ipcb_fsdir_base(dir));
	if ((unsigned long)sf.f_type == HUGETLBFS_MAGIC_)
		return 0;
	ipcb_fs_name((unsigned long)sf.f_type, type, sizeof type);
	ipcb_err_set(err, 0,
		     "backing=file has huge pages only in a hugetlbfs directory; %.100s is on %s",
		     ipcb_fsdir_base(dir), type);
	ipcb_err_hint(err, "mount one (mount -t hugetlbfs none /mnt/huge) and give -o "
			   "dir=/mnt/huge, or use backing=memfd or sysv");
	return -ENOTSUP;
}

static int check_memfd(size_t bytes, struct ipcb_err *err)
{
	int64_t kb = ipcb_sysfs_meminfo("MemAvailable");

	if (kb >= 0 && (uint64_t)bytes / 1024 > (uint64_t)kb) {
		ipcb_err_set(err, 0,
			     "a region of %zu bytes exceeds the memory available (MemAvailable "
			     "%lld kB in /proc/meminfo)",
			     bytes, (long long)kb);
		ipcb_err_hint(err, "free memory, or ask for a smaller region");
		return -EMSGSIZE;
	}
	return 0;
}

static int check_posix(size_t bytes, struct ipcb_err *err)
{
	int64_t avail = ipcb_fs_free_bytes(DEV_SHM);

	if (avail >= 0 && (uint64_t)bytes > (uint64_t)avail) {
		ipcb_err_set(err, 0,
			     "a region of %zu bytes exceeds the %lld bytes free in " DEV_SHM, bytes,
			     (long long)avail);
		ipcb_err_hint(err, "remove files there, or enlarge it as root: mount -o "
				   "remount,size=SIZE " DEV_SHM);
		return -EMSGSIZE;
	}
	return 0;
}

#ifdef HAVE_SYSV_SHM
/* Pages and ids of System V shared memory in use now (shm_tot, used_ids);
 * both -1 when unknown. */
static void sysv_usage(int64_t *pages, int64_t *ids)
{
	struct shm_info info;

	*pages = *ids = -1;
	if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info) >= 0) {
		*pages = (int64_t)info.shm_tot;
		*ids = (int64_t)info.used_ids;
	}
}
#endif

static int check_sysv(size_t bytes, struct ipcb_err *err)
{
#ifdef HAVE_SYSV_SHM
	int64_t max = kernel_shm("shmmax"), all = kernel_shm("shmall"), mni = kernel_shm("shmmni");
	int64_t pages = (int64_t)((bytes + page_size() - 1) / page_size()), used, ids;

	sysv_usage(&used, &ids);
	if (max >= 0 && (uint64_t)bytes > (uint64_t)max) {
		ipcb_err_set(err, 0, "a region of %zu bytes exceeds kernel.shmmax (%lld)", bytes,
			     (long long)max);
		ipcb_err_hint(err, "raise it as root: sysctl -w kernel.shmmax=%zu", bytes);
		return -EMSGSIZE;
	}
	if (all >= 0 && pages > all - (used > 0 ? used : 0)) {
		ipcb_err_set(err, 0,
			     "a region of %lld pages exceeds kernel.shmall (%lld pages, %lld in "
			     "use)",
			     (long long)pages, (long long)all, (long long)(used > 0 ? used : 0));
		ipcb_err_hint(err, "raise it as root: sysctl -w kernel.shmall=%lld",
			      (long long)(pages + (used > 0 ? used : 0)));
		return -EMSGSIZE;
	}
	if (mni >= 0 && ids >= mni) {
		ipcb_err_set(err, 0, "no more System V segments: kernel.shmmni (%lld) is reached",
			     (long long)mni);
		ipcb_err_hint(err, "raise it (sysctl -w kernel.shmmni=N) or remove stale segments "
				   "(ipcbench cleanup removes those of killed runs; ipcs -m lists "
				   "all)");
		return -EMSGSIZE;
	}
	return 0;
#else
	(void)bytes;
	ipcb_err_set(err, 0,
		     "built without <sys/shm.h> or shmget(): this C library has no "
		     "System V shared memory");
	return -ENOSYS;
#endif
}

static int check_file(const char *dir, bool huge, size_t bytes, struct ipcb_err *err)
{
	const char *base = ipcb_fsdir_base(dir);
	int64_t avail = ipcb_fs_free_bytes(base);

	if (access(base, W_OK | X_OK) != 0) {
		int e = errno;

		ipcb_err_set(err, e, "backing=file: directory %.120s", base);
		ipcb_err_hint(err, "give a writable directory with -o dir=PATH%s",
			      dir != NULL && dir[0] != '\0' ? "" : " or TMPDIR");
		return -e;
	}
	if (!huge && avail >= 0 && (uint64_t)bytes > (uint64_t)avail) {
		ipcb_err_set(err, 0, "a region of %zu bytes exceeds the %lld bytes free in %.120s",
			     bytes, (long long)avail, base);
		ipcb_err_hint(err, "free space there, or choose another file system with -o "
				   "dir=PATH");
		return -EMSGSIZE;
	}
	return 0;
}

static int unbuilt(enum ipcb_shm_backing backing, struct ipcb_err *err);

int ipcb_shm_region_check(enum ipcb_shm_backing backing, bool huge, const char *dir, size_t bytes,
			  struct ipcb_err *err)
{
	uint64_t unit = region_unit(backing, huge, dir);
	size_t size = round_up(bytes, unit ? unit : page_size());
	int rc;

	if ((rc = unbuilt(backing, err)) != 0)
		return rc;
	if (huge && (rc = refuse_huge(backing, dir, err)) != 0)
		return rc;
	if (size == 0) {
		ipcb_err_set(err, 0, "a region of %zu bytes is too large for this address space",
			     bytes);
		return -EMSGSIZE;
	}
	if (huge && (rc = check_huge(backing, dir, size, err)) != 0)
		return rc;
	switch (backing) {
	case IPCB_SHM_MEMFD:
		return huge ? 0 : check_memfd(size, err);
	case IPCB_SHM_POSIX:
		return check_posix(size, err);
	case IPCB_SHM_SYSV:
		return check_sysv(size, err);
	case IPCB_SHM_FILE:
		return check_file(dir, huge, size, err);
	}
	ipcb_err_set(err, 0, "unknown shared memory backing %d", (int)backing);
	return -EINVAL;
}

/* ---- making, attaching, removing ----------------------------------- */

/* A backing this build left out: -ENOSYS with what is missing; else 0. */
static int unbuilt(enum ipcb_shm_backing backing, struct ipcb_err *err)
{
	const char *missing = NULL;

#ifndef HAVE_MEMFD_CREATE
	if (backing == IPCB_SHM_MEMFD)
		missing = "memfd_create()";
#endif
#ifndef HAVE_SHM_OPEN
	if (backing == IPCB_SHM_POSIX)
		missing = "shm_open()";
#endif
#ifndef HAVE_SYSV_SHM
	if (backing == IPCB_SHM_SYSV)
		missing = "<sys/shm.h> or shmget()";
#endif
	if (missing == NULL)
		return 0;
	ipcb_err_set(err, 0, "backing=%s: built without %s", ipcb_shm_backing_names[backing],
		     missing);
	return -ENOSYS;
}

/* The hint that goes with a mapping or allocation the kernel refused. */
static int map_error(const struct ipcb_shm_region *r, int e, const char *call, struct ipcb_err *err)
{
	ipcb_err_set(err, e, "%s(%s, %zu bytes%s)", call, ipcb_shm_backing_names[r->backing],
		     r->bytes, r->huge ? ", huge pages" : "");
	if (r->huge && (e == ENOMEM || e == ENOSPC))
		ipcb_err_hint(err, "too few huge pages are free: raise vm.nr_hugepages "
				   "(sysctl -w vm.nr_hugepages=N)");
	else if (e == ENOSPC && r->backing == IPCB_SHM_POSIX)
		ipcb_err_hint(err, DEV_SHM " is full: remove files there, or enlarge it "
					   "(mount -o remount,size=SIZE " DEV_SHM ")");
	else if (e == ENOSPC)
		ipcb_err_hint(err, "the file system is full: choose another with -o dir=PATH");
	return -e;
}

/* Size the object behind fd and map it shared, populated. fallocate gives
 * its pages now, so that a full tmpfs or file system (or too few huge
 * pages) is an error here rather than a SIGBUS at the first touch. */
static int size_and_map(struct ipcb_shm_region *r, int fd, struct ipcb_err *err)
{
	void *p;
	int e;

	if (ftruncate(fd, (off_t)r->bytes) != 0)
		return map_error(r, errno, "ftruncate", err);
	if (fallocate(fd, 0, 0, (off_t)r->bytes) != 0 && (e = errno) != EOPNOTSUPP && e != ENOSYS)
		return map_error(r, e, "fallocate", err);
	p = mmap(NULL, r->bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED)
		return map_error(r, errno, "mmap", err);
	r->addr = p;
	return 0;
}

static int create_memfd(struct ipcb_shm_region *r, struct ipcb_err *err)
{
#ifdef HAVE_MEMFD_CREATE
	int fd = memfd_create("ipcb-shm", MFD_CLOEXEC | (r->huge ? MFD_HUGETLB : 0));
	int rc;

	if (fd < 0)
		return ipcb_err_set(err, errno, "memfd_create(%s)",
				    r->huge ? "MFD_HUGETLB" : "MFD_CLOEXEC");
	rc = size_and_map(r, fd, err);
	close(fd);
	return rc;
#else
	return unbuilt(r->backing, err);
#endif
}

static int create_posix(struct ipcb_shm_region *r, struct ipcb_err *err)
{
#ifdef HAVE_SHM_OPEN
	int fd, rc;

	if (ipcb_unique_name(r->name, sizeof r->name, "shm") != 0)
		return ipcb_err_set(err, ENAMETOOLONG, "shared memory name");
	/* Registered before it exists, so that no kill finds it unknown. */
	if (ipcb_reg_add(IPCB_OBJ_SHM, 0, r->name) != 0) {
		r->name[0] = '\0';
		return ipcb_err_set(err, ENOSPC, "too many IPC objects at once to keep track of");
	}
	fd = shm_open(r->name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		ipcb_reg_del(IPCB_OBJ_SHM, 0, r->name);
		ipcb_err_set(err, e, "shm_open(%s)", r->name);
		r->name[0] = '\0';
		return -e;
	}
	rc = size_and_map(r, fd, err);
	close(fd);
	return rc;
#else
	return unbuilt(r->backing, err);
#endif
}

#ifdef HAVE_SYSV_SHM
/* Why shmget refused a segment of r->bytes: the limit, and how to raise it. */
static int explain_shmget(const struct ipcb_shm_region *r, int e, struct ipcb_err *err)
{
	int rc = ipcb_shm_region_check(r->backing, r->huge, NULL, r->bytes, err);

	if (rc != 0) {
		char msg[IPCB_ERR_MSG_MAX];

		if (err != NULL) {
			snprintf(msg, sizeof msg, "shmget: %.*s", (int)sizeof msg - 9, err->msg);
			memcpy(err->msg, msg, sizeof msg);
		}
		return rc;
	}
	if (e == EPERM && r->huge) {
		ipcb_err_set(err, e, "shmget(%zu bytes, SHM_HUGETLB)", r->bytes);
		ipcb_err_hint(err, "huge-page segments need CAP_IPC_LOCK or a group in "
				   "vm.hugetlb_shm_group");
		return -e;
	}
	return map_error(r, e, "shmget", err);
}

/* A new private segment, registered before a signal can end the process:
 * SIGINT and SIGTERM wait while it is made and registered. */
static int new_segment(const struct ipcb_shm_region *r)
{
	sigset_t stop, old;
	int id, e;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	id = shmget(IPC_PRIVATE, r->bytes,
		    IPC_CREAT | IPC_EXCL | 0600 | (r->huge ? SHM_HUGETLB : 0));
	e = errno;
	if (id >= 0 && ipcb_reg_add(IPCB_OBJ_SYSV_SHM, id, NULL) != 0) {
		(void)shmctl(id, IPC_RMID, NULL);
		id = -1;
		e = ENFILE;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return id;
}
#endif

static int create_sysv(struct ipcb_shm_region *r, struct ipcb_err *err)
{
#ifdef HAVE_SYSV_SHM
	void *p;

	r->shmid = new_segment(r);
	if (r->shmid < 0 && errno == ENFILE)
		return ipcb_err_set(err, ENOSPC, "too many IPC objects at once to keep track of");
	if (r->shmid < 0)
		return explain_shmget(r, errno, err);
	p = shmat(r->shmid, NULL, 0);
	if (p == (void *)-1)
		return ipcb_err_set(err, errno, "shmat(%d)", r->shmid);
	r->addr = p;
	/* shmat maps nothing yet: the pages are given now, as MAP_POPULATE
	 * gives the others' */
	ipcb_prefault(r->addr, r->bytes);
	return 0;
#else
	return unbuilt(r->backing, err);
#endif
}

static int create_file(struct ipcb_shm_region *r, const char *dir, struct ipcb_err *err)
{
	int fd, rc;

	rc = ipcb_fsdir_make(dir, r->dir, sizeof r->dir, r->fs_type, sizeof r->fs_type, err);
	if (rc != 0)
		return rc;
	if ((fd = ipcb_fsdir_new_file(r->dir, SHM_FILE, r->path, sizeof r->path, err)) < 0)
		return fd;
	rc = size_and_map(r, fd, err);
	close(fd);
	return rc;
}

int ipcb_shm_region_create(struct ipcb_shm_region *r, enum ipcb_shm_backing backing, size_t bytes,
			   bool huge, const char *dir, struct ipcb_err *err)
{
	void *word;
	int rc;

	memset(r, 0, sizeof *r);
	r->backing = backing;
	r->huge = huge;
	r->shmid = -1;
	if ((unsigned)backing > IPCB_SHM_FILE)
		return ipcb_err_set(err, EINVAL, "unknown shared memory backing %d", (int)backing);
	if ((rc = unbuilt(backing, err)) != 0 ||
	    (huge && (rc = refuse_huge(backing, dir, err)) != 0))
		return rc;
	r->bytes = round_up(bytes, region_unit(backing, huge, dir));
	if (r->bytes == 0)
		return ipcb_shm_region_check(backing, huge, dir, bytes, err);
	word = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (word == MAP_FAILED)
		return ipcb_err_set(err, errno, "mmap(%zu bytes, anonymous shared)", page_size());
	r->mapped = word;
	switch (backing) {
	case IPCB_SHM_MEMFD:
		return create_memfd(r, err);
	case IPCB_SHM_POSIX:
		return create_posix(r, err);
	case IPCB_SHM_SYSV:
		return create_sysv(r, err);
	case IPCB_SHM_FILE:
		return create_file(r, dir, err);
	}
	return -EINVAL;
}

/* Child: whether this side is the second to map the region (the one that
 * removes its name). */
static bool second_side(struct ipcb_shm_region *r)
{
	return r->mapped != NULL && atomic_fetch_add(r->mapped, 1) + 1 == 2;
}

/* Child: map the object fd refers to anew, populated in this process. */
static int remap_fd(struct ipcb_shm_region *r, int fd, const char *what, struct ipcb_err *err)
{
	void *p = mmap(NULL, r->bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);

	if (p == MAP_FAILED)
		return ipcb_err_set(err, errno, "mmap(%s, %zu bytes)", what, r->bytes);
	r->addr = p;
	ipcb_prefault(r->addr, r->bytes);
	return 0;
}

/* Child: map the object that fd (just opened by name; -1 with errno when
 * that failed) refers to, and when this side is the second to map it,
 * remove the name with rm (clearing name, so the parent does not). */
static int map_by_name(struct ipcb_shm_region *r, int fd, char *name, const char *open_call,
		       int (*rm)(const char *), const char *rm_call, struct ipcb_err *err)
{
	int rc;

	if (fd < 0)
		return ipcb_err_set(err, errno, "%s(%s)", open_call, name);
	rc = remap_fd(r, fd, name, err);
	close(fd);
	if (rc == 0 && second_side(r)) {
		if (rm(name) != 0 && errno != ENOENT)
			return ipcb_err_set(err, errno, "%s(%s)", rm_call, name);
		name[0] = '\0';
	}
	return rc;
}

static int attach_posix(struct ipcb_shm_region *r, struct ipcb_err *err)
{
#ifdef HAVE_SHM_OPEN
	return map_by_name(r, shm_open(r->name, O_RDWR | O_CLOEXEC, 0), r->name, "shm_open",
			   shm_unlink, "shm_unlink", err);
#else
	return unbuilt(r->backing, err);
#endif
}

static int attach_sysv(struct ipcb_shm_region *r, struct ipcb_err *err)
{
#ifdef HAVE_SYSV_SHM
	void *p = shmat(r->shmid, NULL, 0);

	if (p == (void *)-1)
		return ipcb_err_set(err, errno, "shmat(%d)", r->shmid);
	r->addr = p;
	ipcb_prefault(r->addr, r->bytes);
	/* marked: it goes with the last detach, the parent's or a side's */
	if (second_side(r) && shmctl(r->shmid, IPC_RMID, NULL) != 0)
		return ipcb_err_set(err, errno, "shmctl(%d, IPC_RMID)", r->shmid);
	return 0;
#else
	return unbuilt(r->backing, err);
#endif
}

static int attach_file(struct ipcb_shm_region *r, struct ipcb_err *err)
{
	return map_by_name(r, open(r->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC), r->path, "open",
			   unlink, "unlink", err);
}

/* The mapping inherited over fork goes first: each side maps the object
 * by its name or id, as unrelated processes would. */
static void unmap_inherited(struct ipcb_shm_region *r)
{
	if (r->addr == NULL)
		return;
#ifdef HAVE_SYSV_SHM
	if (r->backing == IPCB_SHM_SYSV) {
		(void)shmdt(r->addr);
		r->addr = NULL;
		return;
	}
#endif
	(void)munmap(r->addr, r->bytes);
	r->addr = NULL;
}

void ipcb_shm_region_forget_inherited(struct ipcb_shm_region *r)
{
	if (r->backing != IPCB_SHM_MEMFD)
		r->addr = NULL;
}

int ipcb_shm_region_attach(struct ipcb_shm_region *r, struct ipcb_err *err)
{
	switch (r->backing) {
	case IPCB_SHM_MEMFD:
		/* no name: the inherited mapping is the only way in */
		if (r->addr == NULL)
			return ipcb_err_set(err, EINVAL, "memfd region not mapped");
		ipcb_prefault(r->addr, r->bytes);
		(void)second_side(r);
		return 0;
	case IPCB_SHM_POSIX:
		unmap_inherited(r);
		return attach_posix(r, err);
	case IPCB_SHM_SYSV:
		unmap_inherited(r);
		return attach_sysv(r, err);
	case IPCB_SHM_FILE:
		unmap_inherited(r);
		return attach_file(r, err);
	}
	return ipcb_err_set(err, EINVAL, "unknown shared memory backing %d", (int)r->backing);
}

#ifdef HAVE_SYSV_SHM
/* Marked first, while this process is still attached, so that the id
 * cannot have been freed and given to another segment; gone with the
 * detach. */
static void destroy_sysv(struct ipcb_shm_region *r)
{
	if (r->shmid >= 0) {
		(void)shmctl(r->shmid, IPC_RMID, NULL); /* EINVAL, EIDRM: already gone */
		ipcb_reg_del(IPCB_OBJ_SYSV_SHM, r->shmid, NULL);
		r->shmid = -1;
	}
	if (r->addr != NULL)
		(void)shmdt(r->addr);
	r->addr = NULL;
}
#endif

void ipcb_shm_region_destroy(struct ipcb_shm_region *r)
{
#ifdef HAVE_SYSV_SHM
	if (r->backing == IPCB_SHM_SYSV)
		destroy_sysv(r);
#endif
	if (r->addr != NULL && r->backing != IPCB_SHM_SYSV)
		(void)munmap(r->addr, r->bytes);
	r->addr = NULL;
#ifdef HAVE_SHM_OPEN
	if (r->backing == IPCB_SHM_POSIX && r->name[0] != '\0') {
		(void)shm_unlink(r->name); /* ENOENT: the second side did */
		ipcb_reg_del(IPCB_OBJ_SHM, 0, r->name);
	}
#endif
	r->name[0] = '\0';
	if (r->backing == IPCB_SHM_FILE && r->path[0] != '\0')
		(void)unlink(r->path);
	r->path[0] = '\0';
	if (r->backing == IPCB_SHM_FILE)
		ipcb_tmpdir_remove(r->dir);
	if (r->mapped != NULL)
		(void)munmap((void *)r->mapped, page_size());
	r->mapped = NULL;
}
