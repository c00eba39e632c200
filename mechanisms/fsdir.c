/* A private directory on a chosen file system: see fsdir.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "harness/tmpdir.h"
#include "mechanisms/fsdir.h"

const char *ipcb_fsdir_base(const char *dir)
{
	return dir != NULL && dir[0] != '\0' ? dir : ipcb_tmpdir_base();
}

void ipcb_fs_name(unsigned long magic, char *out, size_t len)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} known[] = {
		{ 0xEF53UL, "ext4" }, /* ext2, ext3 and ext4 share it */
		{ 0x01021994UL, "tmpfs" }, { 0x858458f6UL, "ramfs" }, { 0x958458f6UL, "hugetlbfs" },
		{ 0x9123683EUL, "btrfs" }, { 0x58465342UL, "xfs" },   { 0x794c7630UL, "overlay" },
		{ 0x6969UL, "nfs" },       { 0x2fc12fc1UL, "zfs" },   { 0xF2F52010UL, "f2fs" },
		{ 0x65735546UL, "fuse" },  { 0x01021997UL, "9p" },    { 0xFF534D42UL, "cifs" },
		{ 0xFE534D42UL, "smb2" },  { 0x4d44UL, "vfat" },      { 0x5346544eUL, "ntfs" },
	};

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (known[i].magic == (magic & 0xffffffffUL)) {
			snprintf(out, len, "%s", known[i].name);
			return;
		}
	}
	snprintf(out, len, "0x%lx", magic);
}

int ipcb_fs_type(const char *path, char *out, size_t len)
{
	struct statfs sf;

	if (statfs(path, &sf) != 0) {
		int e = errno;

		snprintf(out, len, "unknown");
		return -e;
	}
	ipcb_fs_name((unsigned long)sf.f_type, out, len);
	return 0;
}

int64_t ipcb_fs_free_bytes(const char *path)
{
	struct statvfs sv;
	unsigned long long b;

	if (statvfs(path, &sv) != 0)
		return -1;
	b = (unsigned long long)sv.f_bavail * sv.f_frsize;
	return b > (unsigned long long)INT64_MAX ? INT64_MAX : (int64_t)b;
}

void ipcb_fsdir_limits(const char *dir, struct ipcb_limits *lim)
{
	const char *base = ipcb_fsdir_base(dir);
	char src[96], type[24];

	(void)ipcb_fs_type(base, type, sizeof type);
	snprintf(src, sizeof src, "statvfs(%.60s), %s", base, type);
	ipcb_limits_add(lim, "dir_free_bytes", ipcb_fs_free_bytes(base), src);
}

int ipcb_fsdir_make(const char *dir, char *priv, size_t plen, char *fs_type, size_t tlen,
		    struct ipcb_err *err)
{
	int rc = ipcb_fs_type(ipcb_fsdir_base(dir), fs_type, tlen);

	priv[0] = '\0';
	if (rc != 0)
		return ipcb_err_set(err, -rc, "statfs(%s)", ipcb_fsdir_base(dir));
	return ipcb_tmpdir_create_in(dir, "-o dir", priv, plen, err);
}

int ipcb_fsdir_new_file(const char *priv, const char *name, char *path, size_t len,
			struct ipcb_err *err)
{
	int fd, rc;

	if ((rc = ipcb_path_join(path, len, priv, name, err)) != 0) {
		path[0] = '\0';
		return rc;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		ipcb_err_set(err, e, "open(%s)", path);
		path[0] = '\0';
		return -e;
	}
	return fd;
}
