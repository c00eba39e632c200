/* ipcbench list: every mechanism, whether it works here, and its limits
 * and options. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench/cli.h"
#include "harness/parse.h"
#include "harness/result.h"
#include "mechanisms/mech.h"

const char ipcb_cli_list_usage[] =
	"Usage: ipcbench list [--json]\n"
	"List every mechanism, whether it works on this machine (and why not),\n"
	"whether it keeps message boundaries, and the system limits that bound it.\n";

static const char *const bool_choices[] = { "0", "1", NULL };

/* The values of d that `list` describes one by one: every choice, and
 * both values of a boolean that has a phrase for each. NULL: none. */
static const char *const *listed_values(const struct ipcb_opt_def *d)
{
	if (d->type == IPCB_OPT_CHOICE)
		return d->choices;
	if (d->type == IPCB_OPT_BOOL && d->choice_help != NULL)
		return bool_choices;
	return NULL;
}

/* The variant of mi's mechanism with option d set to its value c (of
 * listed_values), the other options at their defaults, queried here. */
static void query_choice(const struct ipcb_mech_info *mi, const struct ipcb_opt_def *d, int c,
			 struct ipcb_variant *v, struct ipcb_mech_info *out)
{
	char why[IPCB_WHY_MAX];

	memset(v, 0, sizeof *v);
	v->mech = mi->mech;
	ipcb_opt_defaults(v->mech, &v->opts);
	for (int i = 0; i < v->opts.n; i++)
		if (v->opts.v[i].def == d)
			ipcb_opt_parse(d, listed_values(d)[c], &v->opts.v[i], why, sizeof why);
	ipcb_mech_query(v, out);
}

/* Whether the default variant already has a limit of this name. */
static bool has_limit(const struct ipcb_mech_info *mi, const char *name)
{
	for (int k = 0; k < mi->limits.n; k++)
		if (strcmp(mi->limits.v[k].name, name) == 0)
			return true;
	return false;
}

/* Each choice of d: what it is, whether it works here (and why not), and
 * the limits it adds to the default variant's. */
static void print_choices(const struct ipcb_mech_info *mi, const struct ipcb_opt_def *d)
{
	const char *const *vals = listed_values(d);

	for (int c = 0; vals != NULL && vals[c] != NULL; c++) {
		struct ipcb_variant v;
		struct ipcb_mech_info ci;

		query_choice(mi, d, c, &v, &ci);
		/* no trailing blank where a value has no phrase */
		if (d->choice_help != NULL)
			printf("%-10s     %-10s %-3s %s\n", "", vals[c],
			       ci.supported == 0 ? "yes" : "no", d->choice_help[c]);
		else
			printf("%-10s     %-10s %s\n", "", vals[c],
			       ci.supported == 0 ? "yes" : "no");
		if (ci.supported != 0)
			printf("%-10s       not available: %s\n", "", ci.why.msg);
		for (int k = 0; k < ci.limits.n; k++)
			if (!has_limit(mi, ci.limits.v[k].name))
				printf("%-10s       %s = %lld (%s)\n", "", ci.limits.v[k].name,
				       (long long)ci.limits.v[k].value, ci.limits.v[k].source);
	}
}

/* The same as JSON: {choice: {help, available, reason, limits}}. */
static json_t *choices_json(const struct ipcb_mech_info *mi)
{
	json_t *all = json_object();

	for (const struct ipcb_opt_def *d = mi->mech->opts; d != NULL && d->name != NULL; d++) {
		const char *const *vals = listed_values(d);
		json_t *one = json_object();

		for (int c = 0; vals != NULL && vals[c] != NULL; c++) {
			struct ipcb_variant v;
			struct ipcb_mech_info ci;
			json_t *j;

			query_choice(mi, d, c, &v, &ci);
			j = ipcb_result_mech(&ci);
			json_object_set_new(j, "help",
					    d->choice_help != NULL ? json_string(d->choice_help[c])
								   : json_null());
			json_object_del(j, "summary");
			json_object_del(j, "flags");
			json_object_del(j, "options");
			json_object_set_new(one, vals[c], j);
		}
		if (json_object_size(one) > 0)
			json_object_set_new(all, d->name, one);
		else
			json_decref(one);
	}
	return all;
}

/* Width of the name column: the longest name in the registry. */
static int name_width(void)
{
	size_t w = strlen("mechanism");

	for (size_t i = 0; i < ipcb_mech_count; i++)
		if (strlen(ipcb_mechs[i]->name) > w)
			w = strlen(ipcb_mechs[i]->name);
	return (int)w;
}

static void print_mech(const struct ipcb_mech_info *mi)
{
	const struct ipcb_mech *m = mi->mech;

	printf("%-*s %-9s %-10s %s\n", name_width(), m->name, mi->supported == 0 ? "yes" : "no",
	       m->flags & IPCB_MECH_BOUNDARIES ? "kept" : "stream", m->summary);
	if (mi->supported != 0)
		printf("%-10s   not available: %s\n", "", mi->why.msg);
	if (mi->limits.max_msg_bytes)
		printf("%-10s   largest message here: %llu bytes\n", "",
		       (unsigned long long)mi->limits.max_msg_bytes);
	for (int k = 0; k < mi->limits.n; k++)
		printf("%-10s   %s = %lld (%s)\n", "", mi->limits.v[k].name,
		       (long long)mi->limits.v[k].value, mi->limits.v[k].source);
	for (const struct ipcb_opt_def *d = m->opts; d != NULL && d->name != NULL; d++) {
		char desc[160];

		ipcb_opt_describe(d, desc, sizeof desc);
		if (d->def[0] != '\0')
			printf("%-10s   -o %s=%s (default %s): %s\n", "", d->name, desc, d->def,
			       d->help);
		else
			printf("%-10s   -o %s=%s: %s\n", "", d->name, desc, d->help);
		print_choices(mi, d);
	}
}

int ipcb_cli_cmd_list(int argc, char **argv)
{
	bool as_json = false;
	json_t *doc = NULL;
	int c;

	c = ipcb_cli_parse_one_flag(argc, argv, "json", 'j', "list", ipcb_cli_list_usage, &as_json);
	if (c != IPCB_CLI_GO_ON)
		return c;
	if (as_json)
		doc = json_object();
	else
		printf("%-*s %-9s %-10s %s\n", name_width(), "mechanism", "available", "boundaries",
		       "summary");
	for (size_t i = 0; i < ipcb_mech_count; i++) {
		struct ipcb_variant v = { .mech = ipcb_mechs[i] };
		struct ipcb_mech_info mi;

		ipcb_opt_defaults(v.mech, &v.opts);
		ipcb_mech_query(&v, &mi);
		if (as_json) {
			json_t *j = ipcb_result_mech(&mi);

			/* measured in every run, so not part of --mech all */
			json_object_set_new(j, "reference",
					    json_boolean(mi.mech->flags & IPCB_MECH_REFERENCE));
			json_object_set_new(j, "alias",
					    json_boolean(mi.mech->flags & IPCB_MECH_ALIAS));
			json_object_set_new(j, "choices", choices_json(&mi));
			json_object_set_new(doc, mi.mech->name, j);
			continue;
		}
		print_mech(&mi);
	}
	if (as_json) {
		json_t *top = json_pack("{s:i, s:o}", "schema_version", IPCB_SCHEMA_VERSION,
					"mechanisms", doc);
		struct ipcb_err err;
		int rc = ipcb_result_write(top, "-", &err);

		json_decref(top);
		if (rc != 0) {
			ipcb_cli_print_err(NULL, &err);
			return EXIT_FAILED;
		}
	}
	return 0;
}
