/* The shared-memory backings (mechanisms/shm-region.c) between real
 * processes: for each backing a region is made, two children attach to it
 * and exchange a pattern through it, the name is gone once both have
 * mapped it, and nothing is left once it is destroyed. Then the refusals
 * (huge pages where they cannot be, a directory that is not writable,
 * kernel.shmmax and shmall lowered in a private IPC namespace, sizes past
 * what /dev/shm, memory or a file system hold), and the registry's removal
 * of segments, semaphore sets, names and directories elsewhere, as the
 * second SIGINT does it.
 *
 * Usage: test-shm-region
 *        test-shm-region --hold MARK DIR
 *   The second makes a System V segment, a semaphore set, a POSIX name and
 *   a private directory under DIR, registered as a run registers them,
 *   prints them, creates MARK and waits to be killed (tests/leaks.sh kills
 *   it with SIGKILL and runs ipcbench cleanup). */
#include "config.h"

#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/reg.h"
#include "harness/tmpdir.h"
#include "mechanisms/shm-region.h"
#include "tests/tap.h"

#define WORDS 512 /* pattern words each side writes */
#define REQUEST 10000
#define NOBODY 65534

static char scratch[256]; /* this test's directory, removed at the end */

static uint64_t pattern(int side, int i)
{
	return ((uint64_t)(side + 1) << 56) ^ ((uint64_t)i * 0x9E3779B97F4A7C15u);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Whether words[0..WORDS) hold side's pattern. */
static bool holds(const _Atomic uint64_t *words, int side)
{
	for (int i = 0; i < WORDS; i++)
		if (atomic_load(&words[i]) != pattern(side, i))
			return false;
	return true;
}

/* A child: attach, write this side's pattern into its half (the last word
 * last), wait for the other side's (a deadline only against a hang), and
 * check every word of it. Exit status 0, or what failed. */
static int side_main(struct ipcb_shm_region *r, int side)
{
	struct ipcb_err err = { { 0 }, { 0 } };
	_Atomic uint64_t *mine, *other;
	double deadline = now() + 30;

	if (ipcb_shm_region_attach(r, &err) != 0) {
		printf("# side %d: attach: %s\n", side, err.msg);
		return 1;
	}
	mine = (_Atomic uint64_t *)r->addr + side * WORDS;
	other = (_Atomic uint64_t *)r->addr + (1 - side) * WORDS;
	for (int i = 0; i < WORDS; i++)
		atomic_store(&mine[i], pattern(side, i));
	while (atomic_load(&other[WORDS - 1]) != pattern(1 - side, WORDS - 1)) {
		if (now() > deadline) {
			printf("# side %d: the other side's pattern never came\n", side);
			return 2;
		}
		usleep(200);
	}
	if (!holds(other, 1 - side)) {
		printf("# side %d: the other side's pattern is damaged\n", side);
		return 3;
	}
	return 0;
}

/* Fork both sides; true when both exited 0. */
static bool exchange(struct ipcb_shm_region *r)
{
	pid_t pid[2];
	bool good = true;

	for (int s = 0; s < 2; s++) {
		pid[s] = fork();
		if (pid[s] == 0) {
			fflush(stdout);
			_exit(side_main(r, s));
		}
	}
	for (int s = 0; s < 2; s++) {
		int st = 0;

		if (pid[s] < 0 || waitpid(pid[s], &st, 0) != pid[s] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			good = false;
	}
	return good;
}

/* Whether System V segment id is gone or marked for removal (SHM_DEST),
 * as /proc/sysvipc/shm shows it. */
static bool segment_marked(int id)
{
	FILE *f = fopen("/proc/sysvipc/shm", "re");
	char line[512];
	bool marked = true;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof line, f) != NULL) {
		long key, shmid;
		unsigned perms;

		if (sscanf(line, "%ld %ld %o", &key, &shmid, &perms) == 3 && shmid == id)
			marked = (perms & 01000) != 0;
	}
	fclose(f);
	return marked;
}

/* Segments made by process pid that still exist. */
static int segments_of(pid_t pid)
{
	FILE *f = fopen("/proc/sysvipc/shm", "re");
	char line[512];
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		long key, shmid, size, cpid;
		unsigned perms;

		if (sscanf(line, "%ld %ld %o %ld %ld", &key, &shmid, &perms, &size, &cpid) == 5 &&
		    cpid == pid)
			n++;
	}
	fclose(f);
	return n;
}

/* Entries of dir whose name starts "ipcb-<pid>-". */
static int names_of(const char *dir, pid_t pid)
{
	char prefix[32];
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return 0;
	snprintf(prefix, sizeof prefix, IPCB_NAME_PREFIX "%ld-", (long)pid);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/* Nothing of process pid left: no /dev/shm name, no segment, no entry in
 * dir (the directory backing=file used) or in $TMPDIR. */
static bool nothing_left(pid_t pid, const char *dir)
{
	int shm = names_of("/dev/shm", pid), seg = segments_of(pid);
	int tmp = names_of(dir != NULL && dir[0] ? dir : ipcb_tmpdir_base(), pid);

	if (shm + seg + tmp != 0)
		printf("# left: %d in /dev/shm, %d segments, %d in %s\n", shm, seg, tmp,
		       dir != NULL && dir[0] ? dir : ipcb_tmpdir_base());
	return shm + seg + tmp == 0;
}

/* Whether the name of region r is gone, now that both sides mapped it. */
static bool name_gone(const struct ipcb_shm_region *r)
{
	char path[128];

	switch (r->backing) {
	case IPCB_SHM_POSIX:
		snprintf(path, sizeof path, "/dev/shm%s", r->name);
		return access(path, F_OK) != 0 && errno == ENOENT;
	case IPCB_SHM_SYSV:
		return segment_marked(r->shmid);
	case IPCB_SHM_FILE:
		return access(r->path, F_OK) != 0 && errno == ENOENT;
	case IPCB_SHM_MEMFD:
		break;
	}
	return true;
}

/* One backing's whole life: made and zeroed, two children exchange a
 * pattern through it, the name is gone once both mapped it, destroyed
 * with nothing left, destroyed again harmlessly. */
static void life(enum ipcb_shm_backing b, bool huge, const char *dir)
{
	struct ipcb_shm_region r;
	struct ipcb_err err = { { 0 }, { 0 } };
	char label[200], made_dir[sizeof r.dir];
	_Atomic uint64_t *w;
	bool zero = true;

	snprintf(label, sizeof label, "%s%s%s%s", ipcb_shm_backing_names[b], huge ? " huge" : "",
		 dir ? " dir=" : "", dir ? dir : "");
	int rc = ipcb_shm_region_create(&r, b, REQUEST, huge, dir, &err);

	if (!ok(rc == 0, "%s: made (%d bytes asked, %zu mapped)", label, REQUEST, r.bytes)) {
		printf("# %s%s%s\n", err.msg, err.hint[0] ? "; " : "", err.hint);
		ipcb_shm_region_destroy(&r);
		return;
	}
	w = r.addr;
	for (size_t i = 0; i < r.bytes / sizeof *w; i++)
		zero = zero && atomic_load(&w[i]) == 0;
	ok(zero && r.bytes >= REQUEST && r.bytes % 4096 == 0, "%s: zeroed, whole pages", label);
	ok(exchange(&r), "%s: two children map it and each sees the other's pattern", label);
	ok(holds(w, 0) && holds(w + WORDS, 1), "%s: the parent sees both patterns", label);
	is_u64(atomic_load(r.mapped), 2, "%s: both sides counted as mapped", label);
	ok(name_gone(&r), "%s: its name is gone once both mapped it (%s)", label,
	   b == IPCB_SHM_MEMFD  ? "it has none"
	   : b == IPCB_SHM_SYSV ? "segment marked SHM_DEST"
				: "no such file");
	if (b == IPCB_SHM_FILE)
		ok(r.fs_type[0] != '\0', "%s: the file system is named: %s", label, r.fs_type);
	snprintf(made_dir, sizeof made_dir, "%s", r.dir);
	ipcb_shm_region_destroy(&r);
	ok(nothing_left(getpid(), dir) && (made_dir[0] == '\0' || access(made_dir, F_OK) != 0),
	   "%s: destroyed, nothing left", label);
	ipcb_shm_region_destroy(&r);
	ok(r.addr == NULL && r.mapped == NULL && r.shmid == -1, "%s: destroyed twice, harmlessly",
	   label);
}

/* check() and create() both refuse, saying fragment (in the reason or
 * the hint); nothing is left. create is skipped for sizes not to try. */
static void refused(enum ipcb_shm_backing b, bool huge, const char *dir, size_t bytes,
		    bool try_create, const char *fragment, const char *what)
{
	struct ipcb_err err = { { 0 }, { 0 } };
	struct ipcb_shm_region r;
	int rc = ipcb_shm_region_check(b, huge, dir, bytes, &err);

	ok(rc < 0 && (strstr(err.msg, fragment) || strstr(err.hint, fragment)),
	   "%s: check refuses (%s), naming '%s'", what, strerror(-rc), fragment);
	printf("# %s%s%s\n", err.msg, err.hint[0] ? "; " : "", err.hint);
	if (!try_create)
		return;
	memset(&err, 0, sizeof err);
	rc = ipcb_shm_region_create(&r, b, bytes, huge, dir, &err);
	ok(rc < 0 && (strstr(err.msg, fragment) || strstr(err.hint, fragment)) &&
		   strchr(err.msg, '\n') == NULL,
	   "%s: create refuses on one line, naming '%s'", what, fragment);
	printf("# %s%s%s\n", err.msg, err.hint[0] ? "; " : "", err.hint);
	ipcb_shm_region_destroy(&r);
	ok(nothing_left(getpid(), dir), "%s: nothing left", what);
}

/* Free huge pages of the default size, as /proc/meminfo says, and that
 * size in bytes. */
static long huge_free(size_t *size)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	long free = 0, resv = 0, kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		sscanf(line, "HugePages_Free: %ld", &free);
		sscanf(line, "HugePages_Rsvd: %ld", &resv);
		sscanf(line, "Hugepagesize: %ld", &kb);
	}
	fclose(f);
	*size = (size_t)kb * 1024;
	return free - resv;
}

/* A mounted hugetlbfs of the default page size this process can write
 * in, into out; false when there is none. */
static bool hugetlbfs_mount(char *out, size_t len)
{
	FILE *f = fopen("/proc/mounts", "re");
	char dev[256], dir[256], type[64], opts[256];
	bool found = false;

	while (f != NULL && !found &&
	       fscanf(f, "%255s %255s %63s %255s %*d %*d", dev, dir, type, opts) == 4) {
		found = strcmp(type, "hugetlbfs") == 0 && access(dir, W_OK | X_OK) == 0 &&
			(strstr(opts, "pagesize=") == NULL || strstr(opts, "pagesize=2M") != NULL);
		if (found)
			snprintf(out, len, "%s", dir);
	}
	if (f != NULL)
		fclose(f);
	return found;
}

static void huge_pages(void)
{
	size_t size;
	long n = huge_free(&size);
	char mnt[256];
	bool have_mnt = hugetlbfs_mount(mnt, sizeof mnt);

	refused(IPCB_SHM_POSIX, true, NULL, REQUEST, true, "hugetlbfs", "posix, huge pages");
	refused(IPCB_SHM_FILE, true, NULL, REQUEST, true, "hugetlbfs",
		"file in $TMPDIR (not hugetlbfs), huge pages");
	if (n < 4) {
		printf("# %ld huge pages free: the refusals are tested\n", n);
		refused(IPCB_SHM_MEMFD, true, NULL, REQUEST, true, "vm.nr_hugepages",
			"memfd, huge pages, none free");
		refused(IPCB_SHM_SYSV, true, NULL, REQUEST, true, "vm.nr_hugepages",
			"sysv, huge pages, none free");
		if (have_mnt)
			refused(IPCB_SHM_FILE, true, mnt, REQUEST, true, "vm.nr_hugepages",
				"file on hugetlbfs, none free");
		return;
	}
	printf("# %ld huge pages free: regions on them are tested\n", n);
	life(IPCB_SHM_MEMFD, true, NULL);
	life(IPCB_SHM_SYSV, true, NULL);
	if (have_mnt)
		life(IPCB_SHM_FILE, true, mnt);
	else
		printf("# no hugetlbfs mounted: backing=file on huge pages is not tested\n");
	refused(IPCB_SHM_MEMFD, true, NULL, (size_t)(n + 1) * size, false, "vm.nr_hugepages",
		"memfd, more huge pages than are free");
}

/* skip REASON: one check that cannot run here. */
static void skip(const char *reason)
{
	printf("ok %d # SKIP %s\n", ++tap_n, reason);
}

/* Run fn in a child; its exit status (255 when it died or could not be
 * forked). */
static int in_child(int (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		fflush(stdout);
		_exit(fn(arg));
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 255;
	return WEXITSTATUS(st);
}

/* A directory this process cannot write (as nobody, when root): check
 * and create refuse, naming it. 0, or the first thing that failed. */
static int unwritable(const char *dir)
{
	struct ipcb_err err = { { 0 }, { 0 } };
	struct ipcb_shm_region r;
	int rc;

	if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
			       setresuid(NOBODY, NOBODY, NOBODY) != 0))
		return 77;
	rc = ipcb_shm_region_check(IPCB_SHM_FILE, false, dir, REQUEST, &err);
	printf("# check: %s; %s\n", err.msg, err.hint);
	if (rc != -EACCES || strstr(err.msg, dir) == NULL || strstr(err.hint, "-o dir") == NULL)
		return 1;
	rc = ipcb_shm_region_create(&r, IPCB_SHM_FILE, REQUEST, false, dir, &err);
	printf("# create: %s; %s\n", err.msg, err.hint);
	ipcb_shm_region_destroy(&r);
	if (rc != -EACCES || strstr(err.msg, "mkdtemp(") == NULL || strstr(err.msg, dir) == NULL)
		return 2;
	return nothing_left(getpid(), dir) ? 0 : 3;
}

static bool write_sysctl(const char *name, const char *value)
{
	char path[64];
	FILE *f;
	bool good;

	snprintf(path, sizeof path, "/proc/sys/kernel/%s", name);
	if ((f = fopen(path, "we")) == NULL)
		return false;
	good = fputs(value, f) >= 0;
	return fclose(f) == 0 && good;
}

/* In a private IPC namespace with kernel.shmmax, then kernel.shmall,
 * lowered: check and create refuse, naming the sysctl to raise. */
static int lowered_limits(const char *unused)
{
	struct ipcb_err err = { { 0 }, { 0 } };
	struct ipcb_shm_region r;
	int rc;

	(void)unused;
	if (unshare(CLONE_NEWIPC) != 0 || !write_sysctl("shmmax", "8192"))
		return 77;
	rc = ipcb_shm_region_check(IPCB_SHM_SYSV, false, NULL, 16384, &err);
	printf("# check: %s; %s\n", err.msg, err.hint);
	if (rc != -EMSGSIZE || !strstr(err.msg, "kernel.shmmax (8192)") ||
	    !strstr(err.hint, "sysctl -w kernel.shmmax=16384"))
		return 1;
	rc = ipcb_shm_region_create(&r, IPCB_SHM_SYSV, 16384, false, NULL, &err);
	printf("# create: %s; %s\n", err.msg, err.hint);
	ipcb_shm_region_destroy(&r);
	if (rc != -EMSGSIZE || !strstr(err.msg, "shmget: ") || !strstr(err.msg, "kernel.shmmax"))
		return 2;
	if (!write_sysctl("shmmax", "1073741824") || !write_sysctl("shmall", "1"))
		return 77;
	rc = ipcb_shm_region_check(IPCB_SHM_SYSV, false, NULL, 8192, &err);
	printf("# check: %s; %s\n", err.msg, err.hint);
	if (rc != -EMSGSIZE || !strstr(err.msg, "kernel.shmall (1 pages") ||
	    !strstr(err.hint, "kernel.shmall"))
		return 3;
	return 0;
}

static void child_checks(void)
{
	char ro[300];
	int rc;

	snprintf(ro, sizeof ro, "%s/ro", scratch);
	rc = in_child(unwritable, ro);
	if (rc == 77)
		skip("cannot become nobody to meet an unwritable directory");
	else
		ok(rc == 0, "file, unwritable -o dir: check and create refuse, naming it (%d)", rc);
	rc = in_child(lowered_limits, NULL);
	if (rc == 77)
		skip("no private IPC namespace here (unshare(CLONE_NEWIPC) needs root)");
	else
		ok(rc == 0,
		   "sysv, kernel.shmmax then kernel.shmall lowered: refused, naming them "
		   "(%d)",
		   rc);
}

/* The objects a run registers, made as a run makes them. */
struct objects {
	struct ipcb_shm_region sysv, posix, file, local;
	int semid;
	bool made;
};

/* A System V segment, a semaphore set, a POSIX name, a private directory
 * under elsewhere and (when local) one in $TMPDIR, all registered. */
static bool make_objects(struct objects *o, const char *elsewhere, bool local)
{
	struct ipcb_err err = { { 0 }, { 0 } };

	memset(o, 0, sizeof *o);
	o->semid = -1;
	if (ipcb_reg_init(&err) != 0 ||
	    ipcb_shm_region_create(&o->sysv, IPCB_SHM_SYSV, REQUEST, false, NULL, &err) != 0 ||
	    ipcb_shm_region_create(&o->posix, IPCB_SHM_POSIX, REQUEST, false, NULL, &err) != 0 ||
	    ipcb_shm_region_create(&o->file, IPCB_SHM_FILE, REQUEST, false, elsewhere, &err) != 0 ||
	    (local &&
	     ipcb_shm_region_create(&o->local, IPCB_SHM_FILE, REQUEST, false, NULL, &err) != 0)) {
		printf("# %s\n", err.msg);
		return false;
	}
	o->semid = semget(IPC_PRIVATE, 2, IPC_CREAT | IPC_EXCL | 0600);
	if (o->semid < 0 || ipcb_reg_add(IPCB_OBJ_SYSV_SEM, o->semid, NULL) != 0) {
		printf("# semget: %s\n", strerror(errno));
		return false;
	}
	o->made = true;
	return true;
}

/* --hold MARK DIR: make the objects, say which, create MARK and wait to
 * be killed. */
static int hold(const char *mark, const char *dir)
{
	struct objects o;
	int fd;

	if (!make_objects(&o, dir, false)) {
		ipcb_reg_remove_all();
		return 1;
	}
	printf("sysv-shm %d\nsysv-sem %d\nshm %s\ndirectory %s\n", o.sysv.shmid, o.semid,
	       o.posix.name, o.file.dir);
	fflush(stdout);
	fd = open(mark, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ipcb_reg_remove_all();
		return 1;
	}
	close(fd);
	for (;;)
		pause();
}

/* The registry directory of process pid under base, or "". */
static void find_registry(const char *base, pid_t pid, char *out, size_t len)
{
	char prefix[48];
	DIR *d = opendir(base);
	struct dirent *de;

	out[0] = '\0';
	snprintf(prefix, sizeof prefix, IPCB_NAME_PREFIX "%ld-objects-", (long)pid);
	while (d != NULL && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			snprintf(out, len, "%s/%s", base, de->d_name);
	if (d != NULL)
		closedir(d);
}

/* Whether the registry directory lists the objects of o: one entry per
 * System V object and name, and one "dir." entry holding the path of the
 * directory outside $TMPDIR (none for the one in it). */
static bool registry_lists(const char *reg, const struct objects *o)
{
	char want[3][96], path[600], text[300] = "";
	DIR *d = opendir(reg);
	struct dirent *de;
	int seen = 0, dirs = 0;

	snprintf(want[0], sizeof want[0], "sysv-shm.%d", o->sysv.shmid);
	snprintf(want[1], sizeof want[1], "sysv-sem.%d", o->semid);
	snprintf(want[2], sizeof want[2], "shm.%s", o->posix.name + 1);
	while (d != NULL && (de = readdir(d)) != NULL) {
		for (int i = 0; i < 3; i++)
			seen += strcmp(de->d_name, want[i]) == 0;
		if (strncmp(de->d_name, "dir.", 4) == 0) {
			FILE *f;

			dirs++;
			snprintf(path, sizeof path, "%s/%s", reg, de->d_name);
			if ((f = fopen(path, "re")) != NULL) {
				if (fgets(text, sizeof text, f) == NULL)
					text[0] = '\0';
				fclose(f);
			}
		}
	}
	if (d != NULL)
		closedir(d);
	printf("# registry %s: %d of 3 objects, %d dir entries (%s)\n", reg, seen, dirs, text);
	return seen == 3 && dirs == 1 && strcmp(text, o->file.dir) == 0;
}

/* What the child of registry_removal made, for its parent to look for. */
struct made {
	int shmid, semid;
	bool listed, made;
	char name[64], elsewhere[160], local[160];
};

static void registry_child(const char *tmp, const char *elsewhere, int fd)
{
	struct made m;
	struct objects o;
	char reg[600];
	ssize_t n;

	memset(&m, 0, sizeof m);
	setenv("TMPDIR", tmp, 1);
	if (make_objects(&o, elsewhere, true)) {
		find_registry(tmp, getpid(), reg, sizeof reg);
		m.listed = registry_lists(reg, &o);
		m.made = true;
		m.shmid = o.sysv.shmid;
		m.semid = o.semid;
		snprintf(m.name, sizeof m.name, "%s", o.posix.name);
		snprintf(m.elsewhere, sizeof m.elsewhere, "%s", o.file.dir);
		snprintf(m.local, sizeof m.local, "%s", o.local.dir);
	}
	n = write(fd, &m, sizeof m);
	/* as the second SIGINT does */
	ipcb_reg_remove_all();
	_exit(n == sizeof m ? 0 : 1);
}

/* A process registers a segment, a semaphore set, a name and directories
 * in and outside $TMPDIR, then removes them as the second SIGINT does. */
static void registry_removal(void)
{
	char tmp[300], elsewhere[300], path[300];
	struct made m = { 0 };
	struct semid_ds ds;
	int fds[2], st = 0;
	pid_t pid;

	snprintf(tmp, sizeof tmp, "%s/tmp", scratch);
	snprintf(elsewhere, sizeof elsewhere, "%s/elsewhere", scratch);
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		ok(0, "registry: fork");
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		registry_child(tmp, elsewhere, fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &m, sizeof m) != sizeof m)
		m.made = false;
	close(fds[0]);
	waitpid(pid, &st, 0);
	ok(m.made && m.listed, "registry: one entry per segment, semaphore set and name, and the "
			       "directory outside $TMPDIR by its path (none for the one in it)");
	snprintf(path, sizeof path, "/dev/shm%s", m.name);
	ok(m.made && WIFEXITED(st) && WEXITSTATUS(st) == 0 && segments_of(pid) == 0 &&
		   semctl(m.semid, 0, IPC_STAT, &ds) != 0 && access(path, F_OK) != 0 &&
		   access(m.elsewhere, F_OK) != 0 && access(m.local, F_OK) != 0 &&
		   names_of(tmp, pid) == 0,
	   "registry: removing every object (the second SIGINT) leaves no segment, semaphore "
	   "set, name, directory or registry");
}

static const char *limit_source(const struct ipcb_limits *lim, const char *name)
{
	for (int i = 0; i < lim->n; i++)
		if (strcmp(lim->v[i].name, name) == 0)
			return lim->v[i].source;
	return NULL;
}

static int64_t limit_value(const struct ipcb_limits *lim, const char *name)
{
	for (int i = 0; i < lim->n; i++)
		if (strcmp(lim->v[i].name, name) == 0)
			return lim->v[i].value;
	return -2;
}

static void limits(void)
{
	struct ipcb_limits lim[4];
	long long mni = -1;
	FILE *f = fopen("/proc/sys/kernel/shmmni", "re");

	if (f == NULL || fscanf(f, "%lld", &mni) != 1)
		mni = -1;
	if (f != NULL)
		fclose(f);
	memset(lim, 0, sizeof lim);
	for (int b = 0; b < 4; b++) {
		ipcb_shm_region_limits((enum ipcb_shm_backing)b, b != IPCB_SHM_POSIX,
				       b == IPCB_SHM_FILE ? "/dev/shm" : NULL, &lim[b]);
		for (int i = 0; i < lim[b].n; i++)
			printf("# %s: %s = %lld (%s)\n", ipcb_shm_backing_names[b],
			       lim[b].v[i].name, (long long)lim[b].v[i].value, lim[b].v[i].source);
	}
	ok(limit_value(&lim[IPCB_SHM_SYSV], "kernel_shmmni") == mni &&
		   limit_value(&lim[IPCB_SHM_SYSV], "kernel_shmmax_bytes") > 0 &&
		   limit_value(&lim[IPCB_SHM_SYSV], "kernel_shmall_pages") > 0,
	   "limits: sysv reads kernel.shmmax, shmall and shmmni");
	ok(limit_value(&lim[IPCB_SHM_POSIX], "dev_shm_free_bytes") > 0 &&
		   limit_value(&lim[IPCB_SHM_MEMFD], "mem_available_bytes") > 0,
	   "limits: posix the free bytes of /dev/shm, memfd the memory available");
	ok(limit_value(&lim[IPCB_SHM_FILE], "dir_free_bytes") > 0 &&
		   strstr(limit_source(&lim[IPCB_SHM_FILE], "dir_free_bytes"), "tmpfs") != NULL,
	   "limits: file the free bytes and file system type of its directory");
	ok(limit_value(&lim[IPCB_SHM_MEMFD], "huge_page_bytes") > 0 &&
		   limit_value(&lim[IPCB_SHM_SYSV], "huge_pages_free") >= 0,
	   "limits: huge pages their size and how many are free");
}

/* This test's directory: tmp/ (a $TMPDIR), elsewhere/ (an -o dir) and
 * ro/ (read-only), readable by nobody. */
static bool make_scratch(void)
{
	char path[300];

	snprintf(scratch, sizeof scratch, "%s/t-shm-region.XXXXXX", ipcb_tmpdir_base());
	if (mkdtemp(scratch) == NULL || chmod(scratch, 0755) != 0)
		return false;
	snprintf(path, sizeof path, "%s/tmp", scratch);
	if (mkdir(path, 0700) != 0)
		return false;
	snprintf(path, sizeof path, "%s/elsewhere", scratch);
	if (mkdir(path, 0700) != 0)
		return false;
	snprintf(path, sizeof path, "%s/ro", scratch);
	return mkdir(path, 0555) == 0;
}

static void remove_scratch(void)
{
	static const char *const sub[] = { "tmp", "elsewhere", "ro" };
	char path[300];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", scratch, sub[i]);
		(void)rmdir(path);
	}
	ok(rmdir(scratch) == 0, "the test's directories were left empty");
}

int main(int argc, char **argv)
{
	char elsewhere[300];

#if !defined(HAVE_MEMFD_CREATE) || !defined(HAVE_SHM_OPEN) || !defined(HAVE_SHMGET) || \
	!defined(HAVE_SEMGET)
	printf("1..0 # SKIP built without memfd_create, shm_open or System V IPC\n");
	return 0;
#endif
	if (argc == 4 && strcmp(argv[1], "--hold") == 0)
		return hold(argv[2], argv[3]);
	tap_init();
	tap_serialize();
	if (!make_scratch()) {
		printf("1..0 # SKIP cannot make a directory in %s\n", ipcb_tmpdir_base());
		return 0;
	}
	snprintf(elsewhere, sizeof elsewhere, "%s/elsewhere", scratch);
	life(IPCB_SHM_MEMFD, false, NULL);
	life(IPCB_SHM_POSIX, false, NULL);
	life(IPCB_SHM_SYSV, false, NULL);
	life(IPCB_SHM_FILE, false, NULL);
	life(IPCB_SHM_FILE, false, elsewhere);
	life(IPCB_SHM_FILE, false, "/dev/shm");
	limits();
	huge_pages();
	refused(IPCB_SHM_POSIX, false, NULL, SIZE_MAX / 4, false, "/dev/shm", "posix, 4 EiB");
	refused(IPCB_SHM_MEMFD, false, NULL, SIZE_MAX / 4, false, "MemAvailable", "memfd, 4 EiB");
	refused(IPCB_SHM_FILE, false, elsewhere, SIZE_MAX / 4, false, "bytes free in",
		"file, 4 EiB");
	child_checks();
	registry_removal();
	remove_scratch();
	return tap_done();
}
