/* What run and matrix both do around their measurements: checks against
 * the machine, its description, noise warnings, the harness, stop signals
 * and progress lines. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench/cli.h"
#include "bench/session.h"
#include "harness/cell.h"
#include "harness/pin.h"
#include "harness/run.h"

int ipcb_cli_fd_headroom(unsigned pairs)
{
	/* Each pair's objects and the harness's own (wake-up pipe, registry,
	 * probes of /proc and /sys) fit in this many with room to spare. */
	int need = 8 * (int)pairs + 8, got = 0, fds[8 * IPCB_PAIRS_MAX + 8], want;
	struct rlimit rl;

	while (got < need && (fds[got] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		got++;
	for (int i = 0; i < got; i++)
		close(fds[i]);
	if (got == need)
		return 0;
	getrlimit(RLIMIT_NOFILE, &rl);
	want = rl.rlim_cur + (rlim_t)need < 1024 ? 1024 : (int)(rl.rlim_cur + (rlim_t)need);
	return ipcb_cli_error(EXIT_FAILED,
			      "only %d file descriptors are free (RLIMIT_NOFILE is "
			      "%llu): %u pair%s need%s %d; raise it with 'ulimit -n %d'",
			      got, (unsigned long long)rl.rlim_cur, pairs, pairs == 1 ? "" : "s",
			      pairs == 1 ? "s" : "", need, want);
}

/* Check a CPU against the machine: exists, online, allowed. */
int ipcb_cli_check_cpu(const char *opt, int cpu)
{
	cpu_set_t present, online, allowed;
	char list[256];

	if (ipcb_cpus_present(&present) != 0) {
		CPU_ZERO(&present);
		for (long c = 0; c < sysconf(_SC_NPROCESSORS_CONF) && c < CPU_SETSIZE; c++)
			CPU_SET((int)c, &present);
	}
	if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &present)) {
		ipcb_cpulist_format(&present, list, sizeof list);
		return ipcb_cli_usage_error("%s: CPU %d does not exist (this machine has CPUs %s)",
					    opt, cpu, list);
	}
	if (ipcb_cpus_online(&online) == 0 && !CPU_ISSET(cpu, &online)) {
		ipcb_cpulist_format(&online, list, sizeof list);
		return ipcb_cli_usage_error("%s: CPU %d is offline (online CPUs: %s)", opt, cpu,
					    list);
	}
	if (ipcb_cpus_allowed(&allowed) == 0 && !CPU_ISSET(cpu, &allowed)) {
		ipcb_cpulist_format(&allowed, list, sizeof list);
		return ipcb_cli_usage_error("%s: CPU %d is not in this process's allowed CPUs (%s)",
					    opt, cpu, list);
	}
	return 0;
}

/* What the first stop signal was, for telling a repeat of the same stop
 * request from a second one. Written only by the handler, which blocks
 * both signals while it runs. */
static struct {
	pid_t sender;
	struct timespec at; /* CLOCK_MONOTONIC */
} first_stop;

/* One stop request can arrive as several signals: timeout(1) sends SIGTERM
 * to the process and then to its whole process group. A signal sent by the
 * same process as the first, within this long of it, is part of the first
 * request. Signals from the kernel (a terminal's Ctrl-C, si_pid 0) always
 * count, so pressing Ctrl-C twice still stops at once. */
#define REPEAT_WINDOW_NS 500000000LL

static bool repeats_first_stop(const siginfo_t *si, const struct timespec *now)
{
	long long since_ns = (long long)(now->tv_sec - first_stop.at.tv_sec) * 1000000000LL +
			     (now->tv_nsec - first_stop.at.tv_nsec);

	if (since_ns >= REPEAT_WINDOW_NS)
		return false;
	return si != NULL && si->si_pid != 0 && si->si_pid == first_stop.sender;
}

/* The first SIGINT/SIGTERM stops the run cleanly (children killed, objects
 * removed, results so far written); a second request exits at once, still
 * removing the objects. Only async-signal-safe calls here. */
static void on_stop_signal(int signo, siginfo_t *si, void *ctx)
{
	struct timespec now;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ipcb_harness_stop_signal() == 0) {
		first_stop.sender = si != NULL ? si->si_pid : 0;
		first_stop.at = now;
		ipcb_harness_request_stop(signo);
		return;
	}
	if (!repeats_first_stop(si, &now))
		ipcb_harness_abort(signo);
}

/* SIGINT/SIGTERM stop the running repetition and the run. */
static void stop_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_stop_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void ipcb_cli_session_init(struct ipcb_cli_session *s)
{
	memset(s, 0, sizeof *s);
	s->meta.version = PACKAGE_VERSION;
	s->meta.argv = ipcb_cli_command_line(&s->meta.argc);
	s->meta.warnings = &s->warnings;
	s->meta.counters_note = s->counters_note;
}

void ipcb_cli_session_noise(struct ipcb_cli_session *s, const int (*pairs)[2], size_t n,
			    const struct ipcb_warning *extra)
{
	struct ipcb_warnings *w = &s->warnings;

	ipcb_noise_check("/", pairs, n, 100, w);
	if (extra != NULL && w->n < IPCB_WARNINGS_MAX)
		w->w[w->n++] = *extra;
	for (int i = 0; i < w->n; i++)
		ipcb_cli_msg("warning: %s", w->w[i].msg);
}

int ipcb_cli_session_start(struct ipcb_cli_session *s, const char *what,
			   const struct ipcb_clock *clk, int cpu)
{
	struct ipcb_err err = { { 0 }, { 0 } };

	clock_gettime(CLOCK_REALTIME, &s->meta.start);
	ipcb_sysinfo_collect(&s->si, clk, cpu);
	if (ipcb_harness_init(&err) != 0) {
		ipcb_cli_print_err(what, &err);
		ipcb_sysinfo_free(&s->si);
		return EXIT_FAILED;
	}
	stop_handlers();
	s->progress = isatty(STDERR_FILENO);
	return 0;
}

void ipcb_cli_session_end(struct ipcb_cli_session *s)
{
	(void)ipcb_clock_recalibrate(&s->si.clock, IPCB_TSC_CAL_WINDOW_NS);
	clock_gettime(CLOCK_REALTIME, &s->meta.end);
}

double ipcb_cli_session_elapsed_s(const struct ipcb_cli_session *s)
{
	return (double)(s->meta.end.tv_sec - s->meta.start.tv_sec) +
	       (double)(s->meta.end.tv_nsec - s->meta.start.tv_nsec) / 1e9;
}

void ipcb_cli_session_free(struct ipcb_cli_session *s)
{
	ipcb_sysinfo_free(&s->si);
	ipcb_harness_fini();
}
