/* Shared by the ipcbench commands: exit codes, one-line messages, the
 * command line, and the commands themselves. */
#ifndef IPCB_CLI_H
#define IPCB_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/err.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_UNSUPPORTED 77
#define EXIT_INTERRUPTED 130 /* SIGINT or SIGTERM: results so far kept */

/* "ipcbench: MESSAGE" as one line on stderr (fmt without the newline). */
void ipcb_cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same; returns status, the exit status to give. */
int ipcb_cli_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same for a usage error; returns EXIT_USAGE. */
int ipcb_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "ipcbench: what: message (hint)" on stderr; what may be NULL. */
void ipcb_cli_print_err(const char *what, const struct ipcb_err *err);

/* Can a results file be written to path, given by option opt? A NULL
 * path (not asked for) is fine. 0, or a one-line error and EXIT_USAGE. */
int ipcb_cli_check_target(const char *opt, const char *path);

/* The whole command line as main() got it (kept, not copied), recorded in
 * the results; ipcb_cli_command_line() returns argv and sets *argc. */
void ipcb_cli_set_command_line(int argc, char **argv);
char **ipcb_cli_command_line(int *argc);

/* A set of names an option or argument takes (commands, mechanisms, tests,
 * formats...), as messages speak of them. */
struct ipcb_cli_names {
	const char *what; /* "mechanism", "test" */
	const char *const *names;
	size_t n;
	bool suggest;          /* offer the closest name for a likely typo */
	const char *otherwise; /* said when none is offered; NULL: the names */
};

/* The index of word in v's names, or -1. */
int ipcb_cli_lookup(const char *word, const struct ipcb_cli_names *v);

/* v's names as a list for a message: "a, b or c" (cut to len). */
void ipcb_cli_names_list(const struct ipcb_cli_names *v, char *buf, size_t len);

/* word is none of v's names: one line, "OPT: unknown WHAT 'WORD' (did you
 * mean 'NAME'?)" when a name is close to it, else with v->otherwise (or
 * the list of names) in the parentheses; opt may be NULL. EXIT_USAGE. */
int ipcb_cli_unknown(const char *opt, const char *word, const struct ipcb_cli_names *v);

/* word's index in v's names into *index (0), or the message above. */
int ipcb_cli_choose(const char *opt, const char *word, const struct ipcb_cli_names *v, int *index);

/* An option that is not among opts: "unknown option 'ARG'", with the
 * closest long option for a likely typo of one. EXIT_USAGE. */
int ipcb_cli_unknown_option(const char *arg, const struct option *opts);

/* The mechanisms, by name. */
const struct ipcb_cli_names *ipcb_cli_mech_names(void);

/* What an option sets from its value. */
enum ipcb_cli_kind {
	IPCB_CLI_FLAG,    /* no value: a bool, set true */
	IPCB_CLI_TEXT,    /* the value as given: a const char * */
	IPCB_CLI_U64,     /* a whole number in [min, max]: a uint64_t */
	IPCB_CLI_SECONDS, /* seconds in [min, max]: a double */
	IPCB_CLI_CALL,    /* take() reads the value */
};

/* One option of a command. A bad number is "--NAME: reason". */
struct ipcb_cli_opt {
	const char *name; /* long form, without "--" */
	char letter;      /* short form, or 0 for none */
	enum ipcb_cli_kind kind;
	size_t field;    /* where it lies in the command's options (offsetof) */
	double min, max; /* IPCB_CLI_U64, IPCB_CLI_SECONDS: the range */
	int (*take)(void *field, const char *arg); /* CALL: 0, or the exit status */
};

/* The entry that ends a table of options. */
/* clang-format off */
#define IPCB_CLI_OPT_END { .name = NULL }
/* clang-format on */

/* What a parser returns when the command is to go on. */
#define IPCB_CLI_GO_ON (-1)

/* Read argv's options by the table (up to IPCB_CLI_OPT_END) into opts (the
 * command's options, which the entries' fields lie in); -h and --help
 * print usage.
 * IPCB_CLI_GO_ON when every option was taken (optind then indexes the
 * first argument that is none), 0 after --help, or the exit status after
 * a one-line error (an unknown option, with a suggestion for a typo). */
int ipcb_cli_parse(int argc, char **argv, const struct ipcb_cli_opt *table, const char *usage,
		   void *opts);

/* The options of a command that takes one flag (--name, -letter), --help
 * and no argument: *flag set when given. IPCB_CLI_GO_ON, or the exit
 * status (0 after printing usage, EXIT_USAGE naming cmd). */
int ipcb_cli_parse_one_flag(int argc, char **argv, const char *name, char letter, const char *cmd,
			    const char *usage, bool *flag);

/* The commands, each in its own file(s): the command (argv from the
 * command's name on) returns the exit status; the usage is what --help
 * prints. */
extern const char ipcb_cli_run_usage[];
int ipcb_cli_cmd_run(int argc, char **argv);
extern const char ipcb_cli_list_usage[];
int ipcb_cli_cmd_list(int argc, char **argv);
extern const char ipcb_cli_info_usage[];
int ipcb_cli_cmd_info(int argc, char **argv);
extern const char ipcb_cli_matrix_usage[];
int ipcb_cli_cmd_matrix(int argc, char **argv);
extern const char ipcb_cli_compare_usage[];
int ipcb_cli_cmd_compare(int argc, char **argv);
extern const char ipcb_cli_export_usage[];
int ipcb_cli_cmd_export(int argc, char **argv);
extern const char ipcb_cli_report_usage[];
int ipcb_cli_cmd_report(int argc, char **argv);
extern const char ipcb_cli_cleanup_usage[];
int ipcb_cli_cmd_cleanup(int argc, char **argv);

#endif
