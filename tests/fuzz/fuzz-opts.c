/* libFuzzer target: mechanism options (-o KEY=VALUE[,VALUE...]) as the
 * `ipcbench run` command line takes them, against the real mechanism
 * table, without running anything.
 *
 * The input is a command line, one argument per line (argv[0] is added):
 * it goes through run's own parser, ipcb_cli_run_parse() (bench/run-opts.c),
 * which splits -o, checks keys against the selected mechanisms (--mech),
 * parses every value with ipcb_opt_parse() and expands the variants
 * (ipcb_cli_variants_build(), bench/variants.c). Each line is also parsed
 * directly as a value of every option of every mechanism.
 *
 * Invariants (abort() when violated): a resolved option value lies within
 * its definition (range, power of two, choice index, a directory empty or
 * absolute) and its canonical text parses back to the same value; an
 * accepted command line gives 1 to IPCB_VARIANTS_MAX variants, each with
 * every option of its mechanism in definition order, no two variants of a
 * mechanism alike (a directory's values differ in text alone), and a
 * NUL-terminated label. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/run.h"
#include "harness/parse.h"
#include "mechanisms/mech.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static void violation(const char *what, const char *detail)
{
	/* fd 2 itself: stderr is the sink in this file (fuzz-quiet.h). */
	dprintf(2, "fuzz-opts: invariant violated: %s (%s)\n", what, detail);
	abort();
}

static size_t n_choices(const struct ipcb_opt_def *d)
{
	size_t n = 0;

	while (d->choices[n] != NULL)
		n++;
	return n;
}

/* A resolved value obeys its definition, and its text reads back. */
static void check_val(const struct ipcb_opt_def *def, const struct ipcb_opt_val *v)
{
	struct ipcb_opt_val again;
	char why[IPCB_WHY_MAX];

	if (v->def != def)
		violation("value bound to another definition", def->name);
	/* Only a path may be empty: the mechanism's own choice. */
	if (memchr(v->text, '\0', sizeof v->text) == NULL ||
	    (v->text[0] == '\0' && def->type != IPCB_OPT_PATH))
		violation("canonical text empty or not NUL-terminated", def->name);
	switch (def->type) {
	case IPCB_OPT_BOOL:
		if (v->num > 1)
			violation("bool not 0 or 1", def->name);
		break;
	case IPCB_OPT_UINT:
		if (v->num < def->min || v->num > def->max)
			violation("number out of its range", def->name);
		break;
	case IPCB_OPT_SIZE:
		if (v->num < def->min || v->num > def->max)
			violation("size out of its range", def->name);
		if ((def->flags & IPCB_OPT_POW2) && (v->num & (v->num - 1)) != 0)
			violation("size not a power of two", def->name);
		break;
	case IPCB_OPT_CHOICE:
		if (v->num >= n_choices(def) || strcmp(v->text, def->choices[v->num]) != 0)
			violation("choice index or text wrong", def->name);
		break;
	case IPCB_OPT_PATH:
		if (v->text[0] != '\0' && v->text[0] != '/')
			violation("path not absolute", def->name);
		break;
	}
	if (ipcb_opt_parse(def, v->text, &again, why, sizeof why) != 0 || again.num != v->num ||
	    strcmp(again.text, v->text) != 0)
		violation("canonical text does not parse back to the same value", v->text);
}

/* One text as a value of every option of every mechanism. */
static void fuzz_values(const char *text)
{
	for (size_t i = 0; i < ipcb_mech_count; i++) {
		for (const struct ipcb_opt_def *d = ipcb_mechs[i]->opts;
		     d != NULL && d->name != NULL; d++) {
			struct ipcb_opt_val v;
			char why[IPCB_WHY_MAX];

			memset(why, 'Z', sizeof why);
			if (ipcb_opt_parse(d, text, &v, why, sizeof why) == 0)
				check_val(d, &v);
			else if (why[0] == '\0' || why[0] == 'Z' ||
				 memchr(why, '\0', sizeof why) == NULL)
				violation("failure without a NUL-terminated reason", d->name);
		}
	}
}

static void check_run_opts(const struct ipcb_cli_run_opts *o, const char *line)
{
	if (o->n_variants < 1 || o->n_variants > IPCB_VARIANTS_MAX)
		violation("variant count not in 1..IPCB_VARIANTS_MAX", line);
	if (o->n_oargs > IPCB_CLI_OPT_ARGS_MAX || o->n_mechs < 1 || o->n_mechs > ipcb_mech_count)
		violation("option or mechanism count out of bounds", line);
	if (o->n_sizes < 1 || o->n_sizes > IPCB_SIZES_MAX)
		violation("size count out of bounds", line);
	for (size_t i = 0; i < o->n_variants; i++) {
		const struct ipcb_variant *v = &o->variants[i];
		int n = 0;

		if (memchr(v->label, '\0', sizeof v->label) == NULL)
			violation("label not NUL-terminated", line);
		for (const struct ipcb_opt_def *d = v->mech->opts; d != NULL && d->name != NULL;
		     d++, n++) {
			if (n >= v->opts.n)
				violation("variant lacks an option of its mechanism", d->name);
			check_val(d, &v->opts.v[n]);
		}
		if (n != v->opts.n)
			violation("variant has options its mechanism does not", v->mech->name);
		for (size_t j = 0; j < i; j++) {
			const struct ipcb_variant *w = &o->variants[j];
			int same = w->mech == v->mech;

			for (int k = 0; same && k < v->opts.n; k++)
				same = w->opts.v[k].num == v->opts.v[k].num &&
				       strcmp(w->opts.v[k].text, v->opts.v[k].text) == 0;
			if (same)
				violation("two variants of a mechanism with the same options",
					  v->label);
		}
	}
}

/* glibc's getopt keeps a pointer into the argv it scanned last unless
 * optind is 0 on the next call; the parser sets optind to 1, so reset
 * here (the real program parses one command line per process). */
static void reset_getopt(void)
{
	static char arg0[] = "ipcbench";
	static char *argv[] = { arg0, NULL };

	optind = 0;
	while (getopt(1, argv, "") != -1)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ipcb_cli_run_opts o; /* large: not on the stack */
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2], *p;
	int argc = 0, rc;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "ipcbench";
	for (p = buf; argc <= MAX_ARGS;) {
		char *nl = strchr(p, '\n');

		argv[argc++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	argv[argc] = NULL;

	fuzz_values(argv[1]);
	if (argc > 2)
		fuzz_values(argv[argc - 1]);

	reset_getopt();
	rc = ipcb_cli_run_parse(argc, argv, &o);
	if (rc == IPCB_CLI_GO_ON)
		check_run_opts(&o, argv[1]);
	free(buf);
	return 0;
}
