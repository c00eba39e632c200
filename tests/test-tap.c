/* tests/tap.h itself: tap_done()'s exit status says whether a check failed. */
#include "config.h"

#include <sys/wait.h>
#include <unistd.h>

#include "tests/tap.h"

/* What a child's checks printed and how it exited. */
struct outcome {
	int status; /* exit status, or -1 when it did not exit normally */
	int not_ok; /* "not ok" lines */
	int plan;   /* N of the "1..N" line, or -1 without one */
};

/* The checks a child runs: check i passes when bit i of pass is set; the
 * last one goes through is_u64(), the others through ok(). */
static int run_checks(int n, unsigned pass)
{
	tap_n = 0;
	tap_failed = 0;
	for (int i = 0; i < n - 1; i++)
		ok((pass >> i) & 1, "check %d", i + 1);
	if (n > 0)
		is_u64((pass >> (n - 1)) & 1, 1, "check %d (is_u64)", n);
	return tap_done();
}

/* Read the child's TAP output from fd into o. */
static void read_tap(int fd, struct outcome *o)
{
	FILE *in = fdopen(fd, "r");
	char line[256];

	o->not_ok = 0;
	o->plan = -1;
	if (in == NULL)
		abort();
	while (fgets(line, sizeof line, in) != NULL) {
		if (strncmp(line, "not ok ", 7) == 0)
			o->not_ok++;
		else if (strncmp(line, "1..", 3) == 0)
			o->plan = atoi(line + 3);
	}
	fclose(in);
}

/* Run n checks (see run_checks) in a child whose standard output is a pipe
 * this process reads, and describe the outcome in o. */
static void in_child(int n, unsigned pass, struct outcome *o)
{
	int fds[2], status;
	pid_t pid;

	fflush(stdout);
	if (pipe(fds) != 0 || (pid = fork()) < 0)
		abort();
	if (pid == 0) {
		int rc;

		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(99);
		rc = run_checks(n, pass);
		fflush(stdout);
		_exit(rc);
	}
	close(fds[1]);
	read_tap(fds[0], o);
	if (waitpid(pid, &status, 0) != pid)
		abort();
	o->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	static const struct {
		int n;         /* checks */
		unsigned pass; /* bit i set: check i + 1 passes */
		int status, not_ok;
		const char *what;
	} cases[] = {
		{ 3, 07, 0, 0, "three passing checks" },
		{ 3, 05, 1, 1, "one failing ok() among three" },
		{ 3, 03, 1, 1, "a failing is_u64() after two passing ok()" },
		{ 2, 00, 1, 2, "every check failing" },
	};

	tap_init();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct outcome o;

		in_child(cases[i].n, cases[i].pass, &o);
		ok(o.status == cases[i].status && o.not_ok == cases[i].not_ok &&
			   o.plan == cases[i].n,
		   "%s: exit %d (got %d), %d 'not ok' (got %d), plan 1..%d (got %d)", cases[i].what,
		   cases[i].status, o.status, cases[i].not_ok, o.not_ok, cases[i].n, o.plan);
	}
	return tap_done();
}
