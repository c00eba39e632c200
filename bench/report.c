/* ipcbench report: the HTML report of a results file, drawn by
 * ipcbench-plot (Python and matplotlib), which this command runs. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cli.h"

/* Set by the build (bench/Makemodule.am); these serve other builds. */
#ifndef IPCB_PLOT_INSTALLED
#define IPCB_PLOT_INSTALLED "/usr/local/bin/ipcbench-plot"
#endif
#ifndef IPCB_PLOT_SOURCE
#define IPCB_PLOT_SOURCE "scripts/ipcbench-plot"
#endif

const char ipcb_cli_report_usage[] =
	"Usage: ipcbench report [OPTION]... RESULTS.json -o REPORT.html\n"
	"Write one self-contained HTML file (figures as inline SVG, nothing fetched\n"
	"from elsewhere): the machine, the warnings, a summary table, the figures and\n"
	"'what to pick' per message size. Runs ipcbench-plot (/usr/bin/python3 with\n"
	"python3-matplotlib), found as $IPCBENCH_PLOT, else next to this program,\n"
	"else in its installation or source directory.\n\n"
	"  -o, --output FILE        the report (required)\n"
	"      --compare-with BASE  add the comparison with BASE.json (ipcbench compare)\n"
	"      --figures DIR        also write every figure as PNG and SVG into DIR\n"
	"  -h, --help               show this help\n\n"
	"Exit status: 0 written, 1 not written, 2 usage error or unusable input,\n"
	"77 matplotlib is not installed.\n";

/* ipcbench-plot: $IPCBENCH_PLOT, or beside this program (installed), or in
 * scripts/ beside it (the build tree), or where make install puts it, or in
 * the source tree. */
static int find_plot(char *out, size_t len, char *self, size_t self_len)
{
	const char *env = getenv("IPCBENCH_PLOT");
	ssize_t n = readlink("/proc/self/exe", self, self_len - 1);
	char *slash;

	self[n > 0 ? n : 0] = '\0';
	if (env != NULL && env[0] != '\0') {
		snprintf(out, len, "%s", env);
		return access(out, X_OK) == 0 ? 0 : -1;
	}
	slash = strrchr(self, '/');
	for (int i = 0; slash != NULL && i < 2; i++) {
		const char *rel = i == 0 ? "/ipcbench-plot" : "/scripts/ipcbench-plot";
		size_t dir = (size_t)(slash - self);

		if (dir + strlen(rel) >= len)
			break;
		memcpy(out, self, dir);
		strcpy(out + dir, rel);
		if (access(out, X_OK) == 0)
			return 0;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(out, len, "%s", i == 0 ? IPCB_PLOT_INSTALLED : IPCB_PLOT_SOURCE);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

int ipcb_cli_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "compare-with", required_argument, NULL, 'b' },
		{ "figures", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *base = NULL, *figures = NULL;
	char plot[PATH_MAX], self[PATH_MAX];
	const char *args[12];
	int c, n = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		if (c == 'o')
			output = optarg;
		else if (c == 'b')
			base = optarg;
		else if (c == 'f')
			figures = optarg;
		else if (c == 'h')
			return fputs(ipcb_cli_report_usage, stdout), 0;
		else
			return ipcb_cli_bad_option(c, argv, opts);
	}
	if (argc - optind != 1)
		return ipcb_cli_usage_error("report: give one results file (%d given)", argc - optind);
	if (output == NULL)
		return ipcb_cli_usage_error("report: give the report's file with -o REPORT.html");
	if (find_plot(plot, sizeof plot, self, sizeof self) != 0) {
		ipcb_cli_msg("report: ipcbench-plot not found (beside this program, nor as %s; set IPCBENCH_PLOT)", plot);
		return EXIT_FAILED;
	}
	/* The comparison, if any, is made by this very program. */
	if (self[0] != '\0')
		setenv("IPCBENCH", self, 0);
	args[n++] = plot;
	args[n++] = "--report";
	args[n++] = output;
	args[n++] = argv[optind];
	if (base != NULL) {
		args[n++] = "--compare-with";
		args[n++] = base;
	}
	if (figures != NULL) {
		args[n++] = "-o";
		args[n++] = figures;
	}
	args[n] = NULL;
	fflush(NULL);
	execv(plot, (char *const *)args);
	ipcb_cli_msg("report: cannot run %s: %s", plot, strerror(errno));
	return EXIT_FAILED;
}
