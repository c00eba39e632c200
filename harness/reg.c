/* The registry of live kernel objects, and the cleanup of what killed runs
 * left behind. See reg.h. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(HAVE_SYS_MSG_H) && defined(HAVE_MSGGET)
#define HAVE_SYSV_MSG 1 /* else no System V queue is ever made or removed here */
#include <sys/ipc.h>
#include <sys/msg.h>
#endif
#if defined(HAVE_SYS_SHM_H) && defined(HAVE_SHMGET)
#define HAVE_SYSV_SHM 1 /* likewise for segments */
#include <sys/ipc.h>
#include <sys/shm.h>
#endif
#if defined(HAVE_SYS_SEM_H) && defined(HAVE_SEMGET)
#define HAVE_SYSV_SEM 1 /* and semaphore sets */
#include <sys/ipc.h>
#include <sys/sem.h>
#endif
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/reg.h"
#include "harness/rtnl.h"
#include "harness/tmpdir.h"

#define REG_MAX 512
#define REG_NAME 512
#define REGISTRY_TAG "objects-"

struct entry {
	volatile sig_atomic_t live;
	enum ipcb_obj_kind kind;
	int id;
	bool on_disk; /* a file in the registry directory stands for it */
	char name[REG_NAME];
};

static struct entry table[REG_MAX];
static char regdir[PATH_MAX];
static volatile sig_atomic_t have_regdir;
static struct stat regparent; /* the directory holding regdir */

/* Whether objects of this kind are identified by id, not by name. */
static bool by_id(enum ipcb_obj_kind kind)
{
	return kind == IPCB_OBJ_SYSV_MSG || kind == IPCB_OBJ_SYSV_SHM || kind == IPCB_OBJ_SYSV_SEM;
}

/* The registry file of an entry: "sysv-msg.<id>", "sysv-shm.<id>",
 * "sysv-sem.<id>", "mqueue.<name>", "shm.<name>", or "dir.<slot>" (which
 * holds the path); false for kinds that have none. */
static bool disk_name(const struct entry *e, char *out, size_t len)
{
	const char *name = e->name[0] == '/' ? e->name + 1 : e->name;
	int n;

	switch (e->kind) {
	case IPCB_OBJ_SYSV_MSG:
		n = snprintf(out, len, "%s/sysv-msg.%d", regdir, e->id);
		break;
	case IPCB_OBJ_SYSV_SHM:
		n = snprintf(out, len, "%s/sysv-shm.%d", regdir, e->id);
		break;
	case IPCB_OBJ_SYSV_SEM:
		n = snprintf(out, len, "%s/sysv-sem.%d", regdir, e->id);
		break;
	case IPCB_OBJ_MQUEUE:
		n = snprintf(out, len, "%s/mqueue.%s", regdir, name);
		break;
	case IPCB_OBJ_SHM:
		n = snprintf(out, len, "%s/shm.%s", regdir, name);
		break;
	case IPCB_OBJ_DIR:
		n = snprintf(out, len, "%s/dir.%d", regdir, (int)(e - table));
		break;
	default:
		return false;
	}
	return n > 0 && (size_t)n < len;
}

/* Whether the directory at path lies outside the one holding regdir
 * ($TMPDIR), where cleanup would not find it by its prefix. */
static bool outside_tmpdir(const char *path)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (slash == NULL || (size_t)(slash - path) >= sizeof parent)
		return false;
	memcpy(parent, path, (size_t)(slash - path));
	parent[slash - path] = '\0';
	if (stat(parent[0] ? parent : "/", &st) != 0)
		return false;
	return st.st_dev != regparent.st_dev || st.st_ino != regparent.st_ino;
}

/* Write the entry's registry file (a directory's holds its path). */
static void write_disk(struct entry *e)
{
	char path[PATH_MAX];
	int fd;

	if (!have_regdir || (e->kind == IPCB_OBJ_DIR && !outside_tmpdir(e->name)) ||
	    !disk_name(e, path, sizeof path))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	e->on_disk = true;
	if (e->kind == IPCB_OBJ_DIR) {
		ssize_t n = write(fd, e->name, strlen(e->name));

		(void)n; /* a short entry names no directory: cleanup ignores it */
	}
	close(fd);
}

int ipcb_reg_init(struct ipcb_err *err)
{
	int rc;

	if (have_regdir)
		return 0;
	if ((rc = ipcb_tmpdir_make(regdir, sizeof regdir, REGISTRY_TAG, err)) != 0)
		return rc;
	if (stat(ipcb_tmpdir_base(), &regparent) != 0)
		memset(&regparent, 0, sizeof regparent);
	have_regdir = 1;
	return 0;
}

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Remove every entry of the directory at path (not recursively), with
 * system calls only. */
static void empty_dir(const char *path)
{
	char buf[2048] __attribute__((aligned(8)));
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	long n;

	if (fd < 0)
		return;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(void *)(buf + off);

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			if (unlinkat(fd, d->d_name, 0) != 0 && errno == EISDIR)
				(void)unlinkat(fd, d->d_name, AT_REMOVEDIR);
		}
	}
	close(fd);
}

void ipcb_reg_fini(void)
{
	if (!have_regdir)
		return;
	have_regdir = 0;
	empty_dir(regdir);
	(void)rmdir(regdir);
	regdir[0] = '\0';
}

int ipcb_reg_add(enum ipcb_obj_kind kind, int id, const char *name)
{
	if (name == NULL)
		name = "";
	if (strlen(name) >= REG_NAME)
		return -ENAMETOOLONG;
	for (int i = 0; i < REG_MAX; i++) {
		struct entry *e = &table[i];

		if (e->live)
			continue;
		e->kind = kind;
		e->id = id;
		e->on_disk = false;
		strcpy(e->name, name);
		/* The handler must never see a half-written entry. */
		atomic_signal_fence(memory_order_seq_cst);
		e->live = 1;
		write_disk(e);
		return 0;
	}
	return -ENOSPC;
}

static bool matches(const struct entry *e, enum ipcb_obj_kind kind, int id, const char *name)
{
	if (!e->live || e->kind != kind)
		return false;
	if (by_id(kind))
		return e->id == id;
	return strcmp(e->name, name ? name : "") == 0;
}

static void forget(struct entry *e)
{
	char path[PATH_MAX];

	if (have_regdir && e->on_disk && disk_name(e, path, sizeof path))
		(void)unlink(path);
	e->on_disk = false;
	e->live = 0;
}

void ipcb_reg_del(enum ipcb_obj_kind kind, int id, const char *name)
{
	for (int i = 0; i < REG_MAX; i++) {
		if (matches(&table[i], kind, id, name)) {
			forget(&table[i]);
			return;
		}
	}
}

/* unlink("/dev/shm/<name without its slash>"), which is what shm_unlink
 * does, with no library call but the system call. */
static void unlink_shm(const char *name)
{
	static const char dir[] = "/dev/shm/";
	char path[sizeof dir + REG_NAME];
	size_t n = 0;

	for (const char *p = dir; *p; p++)
		path[n++] = *p;
	for (const char *p = name[0] == '/' ? name + 1 : name; *p && n < sizeof path - 1; p++)
		path[n++] = *p;
	path[n] = '\0';
	(void)unlink(path);
}

/* Remove one object, with system calls only. */
static void remove_object(const struct entry *e)
{
	switch (e->kind) {
	case IPCB_OBJ_SYSV_MSG:
#ifdef HAVE_SYSV_MSG
		(void)msgctl(e->id, IPC_RMID, NULL);
#endif
		break;
	case IPCB_OBJ_SYSV_SHM:
#ifdef HAVE_SYSV_SHM
		/* gone once the last process attached to it (this one) exits */
		(void)shmctl(e->id, IPC_RMID, NULL);
#endif
		break;
	case IPCB_OBJ_SYSV_SEM:
#ifdef HAVE_SYSV_SEM
		(void)semctl(e->id, 0, IPC_RMID);
#endif
		break;
	case IPCB_OBJ_MQUEUE:
		/* the system call takes the name without its slash */
		(void)syscall(SYS_mq_unlink, e->name[0] == '/' ? e->name + 1 : e->name);
		break;
	case IPCB_OBJ_SHM:
		unlink_shm(e->name);
		break;
	case IPCB_OBJ_DIR:
		empty_dir(e->name);
		(void)rmdir(e->name);
		break;
	case IPCB_OBJ_FILE:
		(void)unlink(e->name);
		break;
	}
}

void ipcb_reg_remove_all(void)
{
	for (int i = 0; i < REG_MAX; i++) {
		struct entry *e = &table[i];

		if (!e->live)
			continue;
		remove_object(e);
		forget(e);
	}
	ipcb_reg_fini();
}

/* ---- cleanup of dead runs -------------------------------------------- */

struct sweep {
	bool dry_run;
	uid_t uid;
	bool mqueue_listed; /* /dev/mqueue was readable: queues are found there */
	int found;
	void (*report)(void *, const struct ipcb_leftover *);
	void *arg;
};

/* The pid in "ipcb-<pid>-...", or 0 when name does not have that form. */
static long prefix_pid(const char *name)
{
	const char *p = name + strlen(IPCB_NAME_PREFIX);
	char *end;
	long pid;

	if (strncmp(name, IPCB_NAME_PREFIX, strlen(IPCB_NAME_PREFIX)) != 0 ||
	    !isdigit((unsigned char)*p))
		return 0;
	pid = strtol(p, &end, 10);
	return *end == '-' && pid > 0 ? pid : 0;
}

static bool process_gone(long pid)
{
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void found(struct sweep *s, const char *what, const char *name, long pid, int rc)
{
	struct ipcb_leftover o = { what, name, pid, rc };

	s->found++;
	if (s->report != NULL)
		s->report(s->arg, &o);
}

/* Named POSIX objects (/dev/mqueue, /dev/shm) of dead runs. */
static void sweep_names(struct sweep *s, const char *dir, const char *what)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	if (strcmp(what, "mqueue") == 0)
		s->mqueue_listed = true;
	while ((de = readdir(d)) != NULL) {
		long pid = prefix_pid(de->d_name);
		struct stat st;
		char name[NAME_MAX + 2];
		int rc = 0;

		/* POSIX queues and shared memory are regular files there (a
		 * private directory made with -o dir=/dev/shm is not: its
		 * registry names it) */
		if (pid == 0 || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != s->uid || !process_gone(pid))
			continue;
		snprintf(name, sizeof name, "/%s", de->d_name);
		if (!s->dry_run && unlinkat(dirfd(d), de->d_name, 0) != 0)
			rc = errno;
		found(s, what, name, pid, rc);
	}
	closedir(d);
}

/* Whether a System V object still looks like the one ipcbench made:
 * private key, this user as creator, mode 0600. */
#if defined(HAVE_SYSV_MSG) || defined(HAVE_SYSV_SHM) || defined(HAVE_SYSV_SEM)
static bool ours(const struct sweep *s, const struct ipc_perm *p)
{
	return p->__key == IPC_PRIVATE && p->cuid == s->uid && (p->mode & 0777) == 0600;
}

/* Remove a System V object (unless dry_run) and report it. */
static void found_id(struct sweep *s, const char *what, int id, long pid, int (*rm)(int))
{
	char name[32];
	int rc = 0;

	snprintf(name, sizeof name, "%d", id);
	if (!s->dry_run && rm(id) != 0)
		rc = errno;
	found(s, what, name, pid, rc);
}
#endif

/* A System V queue listed by a registry: removed only if it still looks
 * like ipcbench's. A build without System V queues has made none, and
 * leaves another build's. */
#ifdef HAVE_SYSV_MSG
static int rm_msg(int id)
{
	return msgctl(id, IPC_RMID, NULL);
}
#endif

static void sweep_sysv_msg(struct sweep *s, int id, long pid)
{
#ifdef HAVE_SYSV_MSG
	struct msqid_ds ds;

	if (msgctl(id, IPC_STAT, &ds) == 0 && ours(s, &ds.msg_perm))
		found_id(s, "sysv-msg", id, pid, rm_msg);
#else
	(void)s;
	(void)id;
	(void)pid;
#endif
}

/* A segment listed by a registry: made by that very process, and not yet
 * marked for removal (a marked one goes with its last detach by itself). */
#ifdef HAVE_SYSV_SHM
static int rm_shm(int id)
{
	return shmctl(id, IPC_RMID, NULL);
}
#endif

static void sweep_sysv_shm(struct sweep *s, int id, long pid)
{
#ifdef HAVE_SYSV_SHM
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds) == 0 && ours(s, &ds.shm_perm) &&
	    !(ds.shm_perm.mode & SHM_DEST) && (long)ds.shm_cpid == pid)
		found_id(s, "sysv-shm", id, pid, rm_shm);
#else
	(void)s;
	(void)id;
	(void)pid;
#endif
}

/* A semaphore set listed by a registry (semctl's fourth argument is a
 * union the caller defines). */
#ifdef HAVE_SYSV_SEM
union reg_semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int rm_sem(int id)
{
	return semctl(id, 0, IPC_RMID);
}
#endif

static void sweep_sysv_sem(struct sweep *s, int id, long pid)
{
#ifdef HAVE_SYSV_SEM
	struct semid_ds ds;
	union reg_semun arg = { .buf = &ds };

	if (semctl(id, 0, IPC_STAT, arg) == 0 && ours(s, &ds.sem_perm))
		found_id(s, "sysv-sem", id, pid, rm_sem);
#else
	(void)s;
	(void)id;
	(void)pid;
#endif
}

/* A POSIX queue listed by a registry, when /dev/mqueue could not show it. */
static void sweep_mqueue(struct sweep *s, const char *file, long pid)
{
	char name[NAME_MAX + 2];
	long fd;
	int rc = 0;

	if (s->mqueue_listed || prefix_pid(file) != pid)
		return;
	snprintf(name, sizeof name, "/%s", file);
	/* Does it exist? Opening reads nothing and changes nothing. */
	fd = syscall(SYS_mq_open, file, O_RDONLY | O_CLOEXEC, 0, NULL);
	if (fd < 0)
		return;
	close((int)fd);
	if (!s->dry_run && syscall(SYS_mq_unlink, file) != 0)
		rc = errno;
	found(s, "mqueue", name, pid, rc);
}

static void sweep_dir(struct sweep *s, int parent, const char *base, const char *name, long pid);

/* A private directory outside $TMPDIR (-o dir=PATH) that a registry entry
 * names: swept like one in $TMPDIR if it still is a directory of this user
 * with the prefix of that run. */
static void sweep_elsewhere(struct sweep *s, int regfd, const char *entry, long pid)
{
	char path[PATH_MAX];
	int fd = openat(regfd, entry, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, path, sizeof path - 1);
	char *slash;
	struct stat st;
	int parent;

	if (fd >= 0)
		close(fd);
	if (n <= 1 || path[0] != '/')
		return;
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (prefix_pid(slash + 1) != pid || lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != s->uid)
		return;
	*slash = '\0';
	parent = open(path[0] ? path : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return;
	sweep_dir(s, parent, path, slash + 1, pid);
	close(parent);
}

/* One entry of a dead run's registry: the object it names. */
static void sweep_entry(struct sweep *s, int regfd, const char *e, long pid)
{
	if (strncmp(e, "sysv-msg.", 9) == 0)
		sweep_sysv_msg(s, atoi(e + 9), pid);
	else if (strncmp(e, "sysv-shm.", 9) == 0)
		sweep_sysv_shm(s, atoi(e + 9), pid);
	else if (strncmp(e, "sysv-sem.", 9) == 0)
		sweep_sysv_sem(s, atoi(e + 9), pid);
	else if (strncmp(e, "mqueue.", 7) == 0)
		sweep_mqueue(s, e + 7, pid);
	else if (strncmp(e, "dir.", 4) == 0)
		sweep_elsewhere(s, regfd, e, pid);
	/* "shm.<name>": the sweep of /dev/shm finds the name itself */
}

/* One directory "ipcb-<pid>-..." of a dead run: a registry (whose entries
 * name queues, segments, semaphore sets, directories elsewhere) or a
 * private directory (FIFOs, sockets, a mapped file). */
static void sweep_dir(struct sweep *s, int parent, const char *base, const char *name, long pid)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool registry = strstr(name + strlen(IPCB_NAME_PREFIX), "-" REGISTRY_TAG) != NULL;
	char path[PATH_MAX];
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		const char *e = de->d_name;

		if (strcmp(e, ".") == 0 || strcmp(e, "..") == 0)
			continue;
		if (registry)
			sweep_entry(s, dirfd(d), e, pid);
		if (!s->dry_run)
			(void)unlinkat(dirfd(d), e, 0);
	}
	closedir(d);
	snprintf(path, sizeof path, "%s/%s", base, name);
	if (!s->dry_run && unlinkat(parent, name, AT_REMOVEDIR) != 0)
		rc = errno;
	found(s, registry ? "registry" : "directory", path, pid, rc);
}

#define LINKS_MAX 64

struct link_sweep {
	int n;
	struct ipcb_rtnl_link l[LINKS_MAX];
};

/* A veth end "ipcb-<pid>-<n>" (-o netns=veth) of a dead run, kept for
 * after the dump, which the deletions would interrupt. */
static void note_link(void *arg, const struct ipcb_rtnl_link *l)
{
	struct link_sweep *ls = arg;

	if (ls->n < LINKS_MAX && prefix_pid(l->name) != 0 && strcmp(l->kind, "veth") == 0)
		ls->l[ls->n++] = *l;
}

/* The veth ends of dead runs in this network namespace: there only while
 * the kernel is still destroying the namespace of their other end, which
 * takes them along; deleting one deletes both ends. */
static void sweep_links(struct sweep *s)
{
	static struct link_sweep ls;
	int fd = ipcb_rtnl_open(NULL);

	ls.n = 0;
	if (fd < 0)
		return;
	if (ipcb_rtnl_links(fd, note_link, &ls, NULL) >= 0) {
		for (int i = 0; i < ls.n; i++) {
			long pid = prefix_pid(ls.l[i].name);
			int rc = 0;

			if (!process_gone(pid))
				continue;
			if (!s->dry_run &&
			    (rc = ipcb_rtnl_link_del(fd, ls.l[i].name, NULL)) == -ENODEV)
				rc = 0; /* gone with its namespace meanwhile */
			found(s, "veth", ls.l[i].name, pid, -rc);
		}
	}
	close(fd);
}

int ipcb_reg_cleanup(const char *tmpdir, bool dry_run,
		     void (*report)(void *arg, const struct ipcb_leftover *o), void *arg)
{
	struct sweep s = { .dry_run = dry_run, .uid = geteuid(), .report = report, .arg = arg };
	DIR *d;
	struct dirent *de;

	if (tmpdir == NULL)
		tmpdir = ipcb_tmpdir_base();
	d = opendir(tmpdir);
	if (d == NULL)
		return -errno;
	sweep_names(&s, "/dev/mqueue", "mqueue");
	sweep_names(&s, "/dev/shm", "shm");
	sweep_links(&s);
	while ((de = readdir(d)) != NULL) {
		long pid = prefix_pid(de->d_name);
		struct stat st;

		if (pid == 0 || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != s.uid || !process_gone(pid))
			continue;
		sweep_dir(&s, dirfd(d), tmpdir, de->d_name, pid);
	}
	closedir(d);
	return s.found;
}
