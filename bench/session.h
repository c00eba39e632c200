/* What run and matrix both do around their measurements: checks against
 * the machine, its description, the noise warnings, the harness, stop
 * signals and progress lines. */
#ifndef IPCB_CLI_SESSION_H
#define IPCB_CLI_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/clock.h"
#include "harness/err.h"
#include "harness/noise.h"
#include "harness/result.h"
#include "harness/sysinfo.h"

struct ipcb_cli_session {
	struct ipcb_sysinfo si;                    /* the machine, described at the start */
	struct ipcb_warnings warnings;             /* noise warnings given at the start */
	char counters_note[IPCB_ERR_MSG_MAX + 32]; /* about --counters, or "" */
	struct ipcb_result_meta meta;              /* for the results: all of the above */
	bool progress;                             /* progress lines on stderr (a terminal) */
};

/* Check a CPU against the machine: exists, online, in the affinity mask.
 * 0, or a one-line error naming opt and the CPU (EXIT_USAGE). */
int ipcb_cli_check_cpu(const char *opt, int cpu);

/* Enough free file descriptors for this many pairs at once? 0, or a
 * one-line error naming RLIMIT_NOFILE and EXIT_FAILED. */
int ipcb_cli_fd_headroom(unsigned pairs);

/* An empty session whose meta speaks of this ipcbench and its command
 * line, the warnings and the counters note. */
void ipcb_cli_session_init(struct ipcb_cli_session *s);

/* Noise warnings over the n CPU pairs into s->warnings, then extra (when
 * not NULL and there is room), each said on stderr ("warning: ..."). */
void ipcb_cli_session_noise(struct ipcb_cli_session *s, const int (*pairs)[2], size_t n,
			    const struct ipcb_warning *extra);

/* Begin measuring: the start time, the machine described (with clk, its
 * clock read on CPU cpu), the harness ready, SIGINT/SIGTERM handled,
 * progress on when stderr is a terminal. 0, or "what: reason" on stderr
 * (what may be NULL) and EXIT_FAILED, with nothing left to free. */
int ipcb_cli_session_start(struct ipcb_cli_session *s, const char *what,
			   const struct ipcb_clock *clk, int cpu);

/* After measuring: the clock recalibrated (--clock tsc) and the end time. */
void ipcb_cli_session_end(struct ipcb_cli_session *s);

/* Seconds from the start to the end. */
double ipcb_cli_session_elapsed_s(const struct ipcb_cli_session *s);

/* Release what ipcb_cli_session_start() took. */
void ipcb_cli_session_free(struct ipcb_cli_session *s);

#endif
