/* ipcbench report: the HTML report of a results file, drawn by
 * ipcbench-plot (Python and matplotlib), which this command runs. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
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
	"'what to pick' per message size (latency, throughput and CPU time per\n"
	"operation, the Pareto front of latency against CPU time marked). Runs\n"
	"ipcbench-plot (/usr/bin/python3 with python3-matplotlib), found as\n"
	"$IPCBENCH_PLOT, else next to this program, else in its installation or\n"
	"source directory.\n\n"
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

struct report_opts {
	const char *output, *base, *figures;
};

#define AT(member) offsetof(struct report_opts, member)

/* In the order of --help, where a misspelt option finds its suggestion. */
static const struct ipcb_cli_opt report_options[] = {
	{ "output", 'o', IPCB_CLI_TEXT, AT(output), 0, 0, NULL },
	{ "compare-with", 0, IPCB_CLI_TEXT, AT(base), 0, 0, NULL },
	{ "figures", 0, IPCB_CLI_TEXT, AT(figures), 0, 0, NULL },
	IPCB_CLI_OPT_END,
};

#undef AT

int ipcb_cli_cmd_report(int argc, char **argv)
{
	struct report_opts o = { NULL, NULL, NULL };
	char plot[PATH_MAX], self[PATH_MAX];
	const char *args[12];
	int rc, n = 0;

	rc = ipcb_cli_parse(argc, argv, report_options, ipcb_cli_report_usage, &o);
	if (rc != IPCB_CLI_GO_ON)
		return rc;
	if (argc - optind != 1)
		return ipcb_cli_usage_error("report: give one results file (%d given)",
					    argc - optind);
	if (o.output == NULL)
		return ipcb_cli_usage_error("report: give the report's file with -o REPORT.html");
	if (find_plot(plot, sizeof plot, self, sizeof self) != 0)
		return ipcb_cli_error(EXIT_FAILED,
				      "report: ipcbench-plot not found (beside this "
				      "program, nor as %s; set IPCBENCH_PLOT)",
				      plot);
	/* The comparison, if any, is made by this very program. */
	if (self[0] != '\0')
		setenv("IPCBENCH", self, 0);
	args[n++] = plot;
	args[n++] = "--report";
	args[n++] = o.output;
	args[n++] = argv[optind];
	if (o.base != NULL) {
		args[n++] = "--compare-with";
		args[n++] = o.base;
	}
	if (o.figures != NULL) {
		args[n++] = "-o";
		args[n++] = o.figures;
	}
	args[n] = NULL;
	fflush(NULL);
	execv(plot, (char *const *)args);
	return ipcb_cli_error(EXIT_FAILED, "report: cannot run %s: %s", plot, strerror(errno));
}
