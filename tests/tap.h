/* Minimal TAP output for the C unit tests (automake's tap-driver.sh reads
 * it). Line-buffered so a crash never loses earlier results. */
#ifndef IPCB_TAP_H
#define IPCB_TAP_H

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/file.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

__attribute__((format(printf, 2, 3))) static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	return cond;
}

__attribute__((format(printf, 3, 4))) static inline int is_u64(uint64_t got, uint64_t want,
							       const char *fmt, ...)
{
	char name[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	if (!ok(got == want, "%s", name))
		printf("# got %" PRIu64 ", want %" PRIu64 "\n", got, want);
	return got == want;
}

__attribute__((format(printf, 3, 4))) static inline int is_str(const char *got, const char *want,
							       const char *fmt, ...)
{
	char name[256];
	va_list ap;
	int same = got != NULL && want != NULL ? strcmp(got, want) == 0 : got == want;

	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	if (!ok(same, "%s", name))
		printf("# got '%s', want '%s'\n", got ? got : "(null)", want ? want : "(null)");
	return same;
}

/* The lock the shell tests take (tests/lib.sh: serialize) while a test
 * creates IPC objects, so that their leak snapshots never see another
 * test's: op is LOCK_EX, or LOCK_SH for tests that may run beside each
 * other but never beside a snapshot. */
static inline void tap_lock(int op)
{
	const char *dir = getenv("top_builddir");
	char path[4096];
	int fd;

	snprintf(path, sizeof path, "%s/tests/ipc-objects.lock", dir ? dir : ".");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		(void)flock(fd, op);
}

static inline void tap_serialize(void)
{
	tap_lock(LOCK_EX);
}

/* Print the plan at the end (TAP allows it last) and return the exit
 * status for main(): 1 when a check failed, so that the status says what
 * the "not ok" lines say; 0 otherwise. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
