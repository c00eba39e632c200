/* CPU sets from sysfs and the affinity mask; pinning. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/pin.h"
#include "harness/sysfs.h"

/* Read one non-negative CPU number at *p, advancing it. */
static int read_cpu(const char **p, long *out)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*out = strtol(*p, &end, 10);
	if (errno != 0 || *out >= CPU_SETSIZE)
		return -EINVAL;
	*p = end;
	return 0;
}

int ipcb_cpulist_parse(const char *s, cpu_set_t *set)
{
	const char *p = s;

	CPU_ZERO(set);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n')
		return 0;
	for (;;) {
		long lo, hi;

		if (read_cpu(&p, &lo) != 0)
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (read_cpu(&p, &hi) != 0 || hi < lo)
				return -EINVAL;
		}
		for (long c = lo; c <= hi; c++)
			CPU_SET((int)c, set);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0' || *p == '\n')
			return 0;
		return -EINVAL;
	}
}

void ipcb_cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE; c++) {
		int end = c;
		int n;

		if (!CPU_ISSET(c, set))
			continue;
		while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, set))
			end++;
		if (end == c)
			n = snprintf(buf + used, len - used, "%s%d", used ? "," : "", c);
		else
			n = snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", c, end);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
		c = end;
	}
}

static int read_cpulist_file(const char *path, cpu_set_t *set)
{
	char buf[4096];
	int rc = ipcb_sysfs_read_str(path, buf, sizeof buf);

	if (rc != 0)
		return rc;
	return ipcb_cpulist_parse(buf, set);
}

int ipcb_cpus_present(cpu_set_t *set)
{
	return read_cpulist_file("/sys/devices/system/cpu/possible", set);
}

int ipcb_cpus_online(cpu_set_t *set)
{
	return read_cpulist_file("/sys/devices/system/cpu/online", set);
}

int ipcb_cpus_allowed(cpu_set_t *set)
{
	CPU_ZERO(set);
	if (sched_getaffinity(0, sizeof *set, set) != 0)
		return -errno;
	return 0;
}

int ipcb_pin_self(int cpu, struct ipcb_err *err)
{
	cpu_set_t set;
	int now;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return ipcb_err_set(err, EINVAL, "pin to CPU %d", cpu);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		return ipcb_err_set(err, errno, "sched_setaffinity(CPU %d)", cpu);
	/* The kernel migrates the caller before sched_setaffinity returns. */
	now = sched_getcpu();
	if (now != cpu)
		return ipcb_err_set(err, EAGAIN, "pinned to CPU %d but running on CPU %d", cpu,
				    now);
	return 0;
}
