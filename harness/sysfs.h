/* Small readers for /proc and /sys files. */
#ifndef IPCB_SYSFS_H
#define IPCB_SYSFS_H

#include <stddef.h>
#include <stdint.h>

/* root and rel joined by one slash into out ("/" + "proc/x" is "/proc/x"),
 * truncated to len. For reading fixture trees in place of "/". */
void ipcb_sysfs_join(char *out, size_t len, const char *root, const char *rel);

/* Read the first line of a file into buf (no trailing newline).
 * Returns 0, or -errno (buf then holds ""). */
int ipcb_sysfs_read_str(const char *path, char *buf, size_t len);

/* Read a file holding one non-negative decimal integer. 0 or -errno
 * (-EINVAL when the content is not a number). */
int ipcb_sysfs_read_u64(const char *path, uint64_t *out);

/* A field of /proc/meminfo ("MemAvailable", "Hugepagesize"), in its unit
 * (kB for sizes); -1 when missing. */
int64_t ipcb_sysfs_meminfo(const char *key);

#endif
