/* ipcbench list: every mechanism, whether it works here, and its limits
 * and options. */
#include "config.h"

#include <stdio.h>

#include "bench/cli.h"
#include "harness/result.h"
#include "mechanisms/mech.h"

const char ipcb_cli_list_usage[] =
	"Usage: ipcbench list [--json]\n"
	"List every mechanism, whether it works on this machine (and why not),\n"
	"whether it keeps message boundaries, and the system limits that bound it.\n";

static void print_mech(const struct ipcb_mech_info *mi)
{
	const struct ipcb_mech *m = mi->mech;

	printf("%-10s %-9s %-10s %s\n", m->name, mi->supported == 0 ? "yes" : "no",
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
		printf("%-10s   -o %s=%s (default %s): %s\n", "", d->name, desc, d->def, d->help);
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
		printf("%-10s %-9s %-10s %s\n", "mechanism", "available", "boundaries", "summary");
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
