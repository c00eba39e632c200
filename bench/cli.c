/* One-line messages on stderr, the command line as given, and the check
 * of a file to write, for every ipcbench command. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "bench/cli.h"
#include "harness/result.h"

/* The name every message starts with. */
static const char prog[] = "ipcbench";

/* The whole command line, recorded in the results. */
static struct {
	int argc;
	char **argv;
} command_line;

static void vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ipcb_cli_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

int ipcb_cli_error(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return status;
}

int ipcb_cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

void ipcb_cli_print_err(const char *what, const struct ipcb_err *err)
{
	fprintf(stderr, "%s: %s%s%s", prog, what ? what : "", what ? ": " : "", err->msg);
	if (err->hint[0] != '\0')
		fprintf(stderr, " (%s)", err->hint);
	fputc('\n', stderr);
}

int ipcb_cli_check_target(const char *opt, const char *path)
{
	struct ipcb_err err;

	if (path == NULL || ipcb_result_check_target(opt, path, &err) == 0)
		return 0;
	ipcb_cli_print_err(NULL, &err);
	return EXIT_USAGE;
}

void ipcb_cli_set_command_line(int argc, char **argv)
{
	command_line.argc = argc;
	command_line.argv = argv;
}

char **ipcb_cli_command_line(int *argc)
{
	*argc = command_line.argc;
	return command_line.argv;
}
