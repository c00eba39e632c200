/* ipcbench: the command line's entry point: the commands, the global
 * help and the version. Only bench/ prints or exits. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench/cli.h"

static int cmd_help(int argc, char **argv);

static int cmd_version(int argc, char **argv)
{
	if (argc > 1)
		return ipcb_cli_usage_error("version: unexpected argument '%.60s'", argv[1]);
	printf("ipcbench %s\n", PACKAGE_VERSION);
	return 0;
}

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;   /* its --help, or NULL: its summary */
	const char *summary; /* in the list of commands; a second line
			      * brings its own indent to the first's column */
};

static const struct command commands[] = {
	{ "run", ipcb_cli_cmd_run, ipcb_cli_run_usage, "run the benchmark (the default command)" },
	{ "list", ipcb_cli_cmd_list, ipcb_cli_list_usage,
	  "list the mechanisms, whether they work here, and their limits" },
	{ "info", ipcb_cli_cmd_info, ipcb_cli_info_usage,
	  "describe this machine: CPU, topology, placements, kernel settings" },
	{ "matrix", ipcb_cli_cmd_matrix, ipcb_cli_matrix_usage,
	  "round trips between every pair of CPUs (core-to-core map)" },
	{ "compare", ipcb_cli_cmd_compare, ipcb_cli_compare_usage,
	  "compare two results files: faster, slower or the same, cell by cell" },
	{ "export", ipcb_cli_cmd_export, ipcb_cli_export_usage,
	  "convert a results file for other tools\n"
	  "            (gbench, gab-*, bmf, hgrm, csv)" },
	{ "report", ipcb_cli_cmd_report, ipcb_cli_report_usage,
	  "an HTML report with figures and 'what to pick'\n"
	  "            (needs python3-matplotlib)" },
	{ "cleanup", ipcb_cli_cmd_cleanup, ipcb_cli_cleanup_usage,
	  "remove IPC objects left by ipcbench runs that were killed" },
	{ "help", cmd_help, NULL, "show help for a command" },
	{ "version", cmd_version, NULL, "print the version" },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void main_usage(FILE *f)
{
	fprintf(f, "Usage: ipcbench [COMMAND] [OPTION]...\n"
		   "Benchmark inter-process communication on this machine: latency and\n"
		   "throughput of each IPC mechanism between two pinned processes.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nWith no command (or options only), 'run' is assumed.\n"
		   "'ipcbench COMMAND --help' shows a command's options.\n"
		   "  -h, --help     show this help\n"
		   "  -V, --version  print the version\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *names[N_COMMANDS];
	const struct ipcb_cli_names v = { "command", names, N_COMMANDS, true,
					  "see 'ipcbench --help'" };

	for (size_t i = 0; i < N_COMMANDS; i++)
		names[i] = commands[i].name;
	return ipcb_cli_unknown(NULL, name, &v);
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		main_usage(stdout);
		return 0;
	}
	c = find_command(argv[1]);
	if (c == NULL)
		return unknown_command(argv[1]);
	if (argc > 2)
		return ipcb_cli_usage_error("help: unexpected argument '%.60s'", argv[2]);
	if (c->usage != NULL)
		fputs(c->usage, stdout);
	else
		printf("ipcbench %s: %s\n", c->name, c->summary);
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *c;

	ipcb_cli_set_command_line(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			main_usage(stdout);
			return 0;
		}
		if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0))
			return cmd_version(0, NULL);
		return ipcb_cli_cmd_run(argc, argv);
	}
	c = find_command(argv[1]);
	if (c == NULL)
		return unknown_command(argv[1]);
	return c->fn(argc - 1, argv + 1);
}
