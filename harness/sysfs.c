/* Small readers for /proc and /sys files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/sysfs.h"

void ipcb_sysfs_join(char *out, size_t len, const char *root, const char *rel)
{
	size_t r = strlen(root);

	snprintf(out, len, "%s%s%s", root, r && root[r - 1] == '/' ? "" : "/", rel);
}

int ipcb_sysfs_read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, saved;

	if (len == 0)
		return -EINVAL;
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	saved = errno;
	close(fd);
	if (n < 0) {
		buf[0] = '\0';
		return -saved;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int ipcb_sysfs_read_u64(const char *path, uint64_t *out)
{
	char buf[64], *end;
	unsigned long long v;
	int rc = ipcb_sysfs_read_str(path, buf, sizeof buf);

	if (rc != 0)
		return rc;
	if (buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || (*end != '\0' && *end != ' ' && *end != '\t'))
		return -EINVAL;
	*out = v;
	return 0;
}

int64_t ipcb_sysfs_meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	size_t n = strlen(key);
	long long v = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			if (sscanf(line + n + 1, "%lld", &v) != 1)
				v = -1;
			break;
		}
	}
	fclose(f);
	return v;
}
