/* Shared by the ipcbench commands: exit codes and one-line error output. */
#ifndef IPCB_CLI_H
#define IPCB_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "harness/err.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_UNSUPPORTED 77
#define EXIT_INTERRUPTED 130 /* SIGINT or SIGTERM: results so far kept */

extern const char *prog;

/* The whole command line, recorded in the results. */
extern int all_argc;
extern char **all_argv;

/* One line on stderr ("ipcbench: ..."); returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "ipcbench: what: message (hint)" on stderr. */
void print_err(const char *what, const struct ipcb_err *err);

/* An unknown option or a missing value, in one line; returns EXIT_USAGE. */
int bad_option(int c, char **argv, const struct option *opts);

/* The options of a command that takes one flag (its long form in opts,
 * short form flag_char), --help and no argument: *flag set when given.
 * -1 to go on, or the exit status (0 after printing usage, EXIT_USAGE). */
int parse_one_flag(int argc, char **argv, const struct option *opts, char flag_char,
		   const char *cmd, const char *usage, bool *flag);

/* Check a CPU against the machine: exists, online, in the affinity mask.
 * 0, or a one-line error naming opt and the CPU (EXIT_USAGE). */
int check_cpu(const char *opt, int cpu);

/* Enough free file descriptors for this many pairs at once? 0, or a
 * one-line error naming RLIMIT_NOFILE and EXIT_FAILED. */
int check_fd_headroom(unsigned pairs);

/* SIGINT/SIGTERM stop the running repetition and the run. */
void install_stop_handlers(void);

/* Progress lines on stderr (it is a terminal). */
extern bool progress_on;

/* The commands other than run, each in its own file. */
extern const char info_usage[];
int cmd_info(int argc, char **argv);
extern const char matrix_usage[];
int cmd_matrix(int argc, char **argv);
extern const char compare_usage[];
int cmd_compare(int argc, char **argv);
extern const char export_usage[];
int cmd_export(int argc, char **argv);
extern const char cleanup_usage[];
extern const char report_usage[];
int cmd_report(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);

#endif
