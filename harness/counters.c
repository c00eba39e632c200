/* Hardware performance counters around a timed loop. */
#include "config.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/counters.h"

static const uint64_t configs[IPCB_CTR_N] = {
	PERF_COUNT_HW_CPU_CYCLES,
	PERF_COUNT_HW_INSTRUCTIONS,
	PERF_COUNT_HW_CACHE_MISSES,
};

static int open_one(uint64_t config, int group, bool user_only)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_HARDWARE;
	a.config = config;
	a.disabled = group < 0;
	a.exclude_kernel = user_only;
	a.exclude_hv = 1;
	a.read_format =
		PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, group, PERF_FLAG_FD_CLOEXEC);
}

int ipcb_counters_open(struct ipcb_counters *c, bool user_only, struct ipcb_err *err)
{
	for (int i = 0; i < IPCB_CTR_N; i++)
		c->fd[i] = -1;
	c->user_only = user_only;
	for (int i = 0; i < IPCB_CTR_N; i++) {
		c->fd[i] = open_one(configs[i], i == 0 ? -1 : c->fd[0], user_only);
		if (c->fd[i] < 0) {
			int e = errno;

			ipcb_counters_close(c);
			return ipcb_err_set(err, e, "perf_event_open(hardware counter %d)", i);
		}
	}
	return 0;
}

int ipcb_counters_probe(bool *user_only, struct ipcb_err *err)
{
	struct ipcb_counters c;
	int rc = ipcb_counters_open(&c, false, err);

	*user_only = false;
	if (rc == -EACCES || rc == -EPERM) {
		/* perf_event_paranoid may still allow the process's own user time. */
		*user_only = true;
		rc = ipcb_counters_open(&c, true, err);
	}
	if (rc == 0)
		ipcb_counters_close(&c);
	return rc;
}

void ipcb_counters_start(const struct ipcb_counters *c)
{
	if (c->fd[0] < 0)
		return;
	ioctl(c->fd[0], PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
	ioctl(c->fd[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

void ipcb_counters_stop(const struct ipcb_counters *c)
{
	if (c->fd[0] >= 0)
		ioctl(c->fd[0], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

void ipcb_counters_read(const struct ipcb_counters *c, int64_t out[IPCB_CTR_N])
{
	/* PERF_FORMAT_GROUP: nr, time_enabled, time_running, values[nr] */
	uint64_t buf[3 + IPCB_CTR_N];

	for (int i = 0; i < IPCB_CTR_N; i++)
		out[i] = -1;
	if (c->fd[0] < 0 || read(c->fd[0], buf, sizeof buf) != (ssize_t)sizeof buf ||
	    buf[0] != IPCB_CTR_N || buf[2] == 0)
		return;
	for (int i = 0; i < IPCB_CTR_N; i++)
		out[i] = (int64_t)((double)buf[3 + i] * (double)buf[1] / (double)buf[2]);
}

void ipcb_counters_close(struct ipcb_counters *c)
{
	for (int i = IPCB_CTR_N - 1; i >= 0; i--) {
		if (c->fd[i] >= 0)
			close(c->fd[i]);
		c->fd[i] = -1;
	}
}
