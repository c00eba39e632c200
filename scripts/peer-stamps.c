/* LD_PRELOAD helper for scripts/peers: records, per thread, the moment of
 * every gettimeofday() a peer benchmark makes (CLOCK_MONOTONIC, read right
 * after it), so that the one-way samples of rt-tests' pmqtest and
 * sigwaittest, which print only their minimum, mean and maximum, can be
 * seen whole: median and tail.
 *
 *   IPCB_STAMPS  file prefix; at exit each process that made calls writes
 *                PREFIX.PID, one "TID NANOSECONDS" line per call
 *
 * Build: cc -shared -fPIC -O2 -o peer-stamps.so peer-stamps.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define STAMPS_MAX (1 << 21)

static long long stamp_ns[STAMPS_MAX];
static int stamp_tid[STAMPS_MAX];
static atomic_int n_stamps;

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	static int (*real)(struct timeval *restrict, void *restrict);
	struct timespec now;
	int rc, i;

	if (real == NULL)
		real = (int (*)(struct timeval *restrict, void *restrict))dlsym(RTLD_NEXT,
										"gettimeofday");
	rc = real(tv, tz);
	clock_gettime(CLOCK_MONOTONIC, &now);
	i = atomic_fetch_add(&n_stamps, 1);
	if (i < STAMPS_MAX) {
		stamp_ns[i] = (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
		stamp_tid[i] = (int)syscall(SYS_gettid);
	}
	return rc;
}

__attribute__((destructor)) static void write_stamps(void)
{
	const char *prefix = getenv("IPCB_STAMPS");
	int n = atomic_load(&n_stamps);
	char path[4096];
	FILE *f;

	if (prefix == NULL || n == 0)
		return;
	if (n > STAMPS_MAX)
		n = STAMPS_MAX;
	snprintf(path, sizeof path, "%s.%d", prefix, (int)getpid());
	if ((f = fopen(path, "w")) == NULL)
		return;
	for (int i = 0; i < n; i++)
		fprintf(f, "%d %lld\n", stamp_tid[i], stamp_ns[i]);
	fclose(f);
}
