/* A command's options as a table: each entry names the field it sets, or
 * the function that takes its value, and one getopt loop reads them all. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bench/cli.h"
#include "harness/parse.h"

#define OPTS_MAX 32
#define LONG_ONLY 256 /* getopt's value for entry i without a letter: LONG_ONLY + i */

/* An unknown option or a missing value, in one line; returns EXIT_USAGE. */
static int bad_option(int c, char **argv, const struct option *opts)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return ipcb_cli_usage_error("option '%s' needs a value", arg);
	if (optopt != 0 && strncmp(arg, "--", 2) != 0)
		return ipcb_cli_usage_error("unknown option '-%c' (see --help)", optopt);
	return ipcb_cli_unknown_option(arg, opts);
}

/* getopt's view of the table, --help last; false when it is too long. */
static bool getopt_tables(const struct ipcb_cli_opt *table, size_t n, struct option *lopts,
			  char *shortopts)
{
	size_t k = 0;

	if (n >= OPTS_MAX)
		return false;
	shortopts[k++] = ':';
	for (size_t i = 0; i < n; i++) {
		bool arg = table[i].kind != IPCB_CLI_FLAG;

		lopts[i] =
			(struct option){ table[i].name, arg ? required_argument : no_argument, NULL,
					 table[i].letter ? table[i].letter : LONG_ONLY + (int)i };
		if (table[i].letter) {
			shortopts[k++] = table[i].letter;
			if (arg)
				shortopts[k++] = ':';
		}
	}
	lopts[n] = (struct option){ "help", no_argument, NULL, 'h' };
	lopts[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[k++] = 'h';
	shortopts[k] = '\0';
	return true;
}

/* The entry getopt returned c for, or NULL. */
static const struct ipcb_cli_opt *entry_of(int c, const struct ipcb_cli_opt *table, size_t n)
{
	if (c >= LONG_ONLY && (size_t)(c - LONG_ONLY) < n)
		return &table[c - LONG_ONLY];
	for (size_t i = 0; i < n; i++)
		if (table[i].letter != 0 && table[i].letter == c)
			return &table[i];
	return NULL;
}

/* Set what e stands for from its value arg. 0, or the exit status. */
static int take(const struct ipcb_cli_opt *e, void *opts, const char *arg)
{
	void *field = (char *)opts + e->field;
	char why[IPCB_WHY_MAX];
	int rc = 0;

	switch (e->kind) {
	case IPCB_CLI_FLAG:
		*(bool *)field = true;
		break;
	case IPCB_CLI_TEXT:
		*(const char **)field = arg;
		break;
	case IPCB_CLI_U64:
		rc = ipcb_parse_u64(arg, (uint64_t)e->min, (uint64_t)e->max, field, why,
				    sizeof why);
		break;
	case IPCB_CLI_SECONDS:
		rc = ipcb_parse_seconds(arg, e->min, e->max, field, why, sizeof why);
		break;
	case IPCB_CLI_CALL:
		return e->take(field, arg);
	}
	return rc == 0 ? 0 : ipcb_cli_usage_error("--%s: %s", e->name, why);
}

int ipcb_cli_parse(int argc, char **argv, const struct ipcb_cli_opt *table, const char *usage,
		   void *opts)
{
	struct option lopts[OPTS_MAX + 1];
	char shortopts[2 * OPTS_MAX + 3];
	size_t n = 0;
	int c;

	while (n < OPTS_MAX && table[n].name != NULL)
		n++;
	if (!getopt_tables(table, n, lopts, shortopts))
		return ipcb_cli_error(EXIT_FAILED, "too many options in a table (a bug)");
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, lopts, NULL)) != -1) {
		const struct ipcb_cli_opt *e = entry_of(c, table, n);
		int rc;

		if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		if (e == NULL)
			return bad_option(c, argv, lopts);
		if ((rc = take(e, opts, optarg)) != 0)
			return rc;
	}
	return IPCB_CLI_GO_ON;
}

int ipcb_cli_parse_one_flag(int argc, char **argv, const char *name, char letter, const char *cmd,
			    const char *usage, bool *flag)
{
	const struct ipcb_cli_opt table[] = {
		{ name, letter, IPCB_CLI_FLAG, 0, 0, 0, NULL },
		IPCB_CLI_OPT_END,
	};
	int rc = ipcb_cli_parse(argc, argv, table, usage, flag);

	if (rc != IPCB_CLI_GO_ON)
		return rc;
	if (optind < argc)
		return ipcb_cli_usage_error("%s: unexpected argument '%.60s'", cmd, argv[optind]);
	return IPCB_CLI_GO_ON;
}
