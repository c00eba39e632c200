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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/reg.h"
#include "harness/tmpdir.h"

#define REG_MAX 512
#define REG_NAME 512
#define REGISTRY_TAG "objects-"

struct entry {
	volatile sig_atomic_t live;
	enum ipcb_obj_kind kind;
	int id;
	char name[REG_NAME];
};

static struct entry table[REG_MAX];
static char regdir[PATH_MAX];
static volatile sig_atomic_t have_regdir;

/* The registry file of an entry, "sysv-msg.<id>" or "mqueue.<name>";
 * false for kinds that have none. */
static bool disk_name(enum ipcb_obj_kind kind, int id, const char *name, char *out, size_t len)
{
	int n;

	if (kind == IPCB_OBJ_SYSV_MSG)
		n = snprintf(out, len, "%s/sysv-msg.%d", regdir, id);
	else if (kind == IPCB_OBJ_MQUEUE)
		n = snprintf(out, len, "%s/mqueue.%s", regdir, name[0] == '/' ? name + 1 : name);
	else
		return false;
	return n > 0 && (size_t)n < len;
}

int ipcb_reg_init(struct ipcb_err *err)
{
	int rc;

	if (have_regdir)
		return 0;
	if ((rc = ipcb_tmpdir_make(regdir, sizeof regdir, REGISTRY_TAG, err)) != 0)
		return rc;
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
	char path[PATH_MAX];

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
		strcpy(e->name, name);
		/* The handler must never see a half-written entry. */
		atomic_signal_fence(memory_order_seq_cst);
		e->live = 1;
		if (have_regdir && disk_name(kind, id, name, path, sizeof path)) {
			int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				      0600);

			if (fd >= 0)
				close(fd);
		}
		return 0;
	}
	return -ENOSPC;
}

static bool matches(const struct entry *e, enum ipcb_obj_kind kind, int id, const char *name)
{
	if (!e->live || e->kind != kind)
		return false;
	if (kind == IPCB_OBJ_SYSV_MSG)
		return e->id == id;
	return strcmp(e->name, name ? name : "") == 0;
}

static void forget(struct entry *e)
{
	char path[PATH_MAX];

	if (have_regdir && disk_name(e->kind, e->id, e->name, path, sizeof path))
		(void)unlink(path);
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

void ipcb_reg_remove_all(void)
{
	for (int i = 0; i < REG_MAX; i++) {
		struct entry *e = &table[i];

		if (!e->live)
			continue;
		switch (e->kind) {
		case IPCB_OBJ_SYSV_MSG:
#ifdef HAVE_SYSV_MSG
			(void)msgctl(e->id, IPC_RMID, NULL);
#endif
			break;
		case IPCB_OBJ_MQUEUE:
			/* the system call takes the name without its slash */
			(void)syscall(SYS_mq_unlink, e->name[0] == '/' ? e->name + 1 : e->name);
			break;
		case IPCB_OBJ_DIR:
			empty_dir(e->name);
			(void)rmdir(e->name);
			break;
		case IPCB_OBJ_FILE:
			(void)unlink(e->name);
			break;
		}
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

		if (pid == 0 || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    st.st_uid != s->uid || !process_gone(pid))
			continue;
		snprintf(name, sizeof name, "/%s", de->d_name);
		if (!s->dry_run && unlinkat(dirfd(d), de->d_name, 0) != 0)
			rc = errno;
		found(s, what, name, pid, rc);
	}
	closedir(d);
}

/* A System V queue listed by a registry: remove it only if it still looks
 * like the one ipcbench made (private key, our user, mode 0600). A build
 * without System V queues has made none, and leaves another build's. */
static void sweep_sysv(struct sweep *s, int id, long pid)
{
#ifdef HAVE_SYSV_MSG
	struct msqid_ds ds;
	char name[32];
	int rc = 0;

	if (msgctl(id, IPC_STAT, &ds) != 0 || ds.msg_perm.__key != IPC_PRIVATE ||
	    ds.msg_perm.cuid != s->uid || (ds.msg_perm.mode & 0777) != 0600)
		return;
	snprintf(name, sizeof name, "%d", id);
	if (!s->dry_run && msgctl(id, IPC_RMID, NULL) != 0)
		rc = errno;
	found(s, "sysv-msg", name, pid, rc);
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

/* One directory "ipcb-<pid>-..." of a dead run: a registry (whose entries
 * name queues) or a private directory (FIFOs, sockets). */
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
		if (registry && strncmp(e, "sysv-msg.", 9) == 0)
			sweep_sysv(s, atoi(e + 9), pid);
		else if (registry && strncmp(e, "mqueue.", 7) == 0)
			sweep_mqueue(s, e + 7, pid);
		if (!s->dry_run)
			(void)unlinkat(dirfd(d), e, 0);
	}
	closedir(d);
	snprintf(path, sizeof path, "%s/%s", base, name);
	if (!s->dry_run && unlinkat(parent, name, AT_REMOVEDIR) != 0)
		rc = errno;
	found(s, registry ? "registry" : "directory", path, pid, rc);
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
