/* ipcbench run's mechanism options: -o KEY=V[,V...] as given, checked
 * against the selected mechanisms, and expanded into one variant of each
 * mechanism per combination of values. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/run.h"
#include "harness/parse.h"

int ipcb_cli_variants_option(void *opts, const char *arg)
{
	struct ipcb_cli_run_opts *o = opts;
	const char *eq = strchr(arg, '=');
	struct ipcb_cli_opt_arg *a;

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return ipcb_cli_usage_error("-o: '%.60s' is not KEY=VALUE", arg);
	if (o->n_oargs >= IPCB_CLI_OPT_ARGS_MAX)
		return ipcb_cli_usage_error("-o: too many options (at most %d)",
					    IPCB_CLI_OPT_ARGS_MAX);
	a = &o->oargs[o->n_oargs];
	if ((size_t)(eq - arg) >= sizeof a->key || strlen(eq + 1) >= sizeof a->values)
		return ipcb_cli_usage_error("-o: '%.60s' is too long", arg);
	memcpy(a->key, arg, (size_t)(eq - arg));
	a->key[eq - arg] = '\0';
	strcpy(a->values, eq + 1);
	for (size_t i = 0; i < o->n_oargs; i++)
		if (strcmp(o->oargs[i].key, a->key) == 0)
			return ipcb_cli_usage_error("-o: option '%s' is given twice "
						    "(list values: %s=A,B)",
						    a->key, a->key);
	o->n_oargs++;
	return 0;
}

static const struct ipcb_opt_def *find_opt(const struct ipcb_mech *m, const char *key)
{
	for (const struct ipcb_opt_def *d = m->opts; d != NULL && d->name != NULL; d++)
		if (strcmp(d->name, key) == 0)
			return d;
	return NULL;
}

/* Every option name any mechanism takes, for suggestions. */
static size_t all_opt_names(const char **names, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < ipcb_mech_count; i++)
		for (const struct ipcb_opt_def *d = ipcb_mechs[i]->opts;
		     d != NULL && d->name != NULL && n < cap; d++)
			names[n++] = d->name;
	return n;
}

/* Each -o key must belong to a selected mechanism. */
static int check_option_keys(const struct ipcb_cli_run_opts *o)
{
	for (size_t k = 0; k < o->n_oargs; k++) {
		const char *key = o->oargs[k].key, *names[64];
		struct ipcb_cli_names keys = { "option", names, 0, true, "see 'ipcbench list'" };
		bool found = false;

		for (size_t m = 0; m < o->n_mechs && !found; m++)
			found = find_opt(o->mechs[m], key) != NULL;
		if (found)
			continue;
		for (size_t i = 0; i < ipcb_mech_count; i++)
			if (find_opt(ipcb_mechs[i], key) != NULL)
				return ipcb_cli_usage_error("-o %s: no selected mechanism takes "
							    "this option (%s does)",
							    key, ipcb_mechs[i]->name);
		keys.n = all_opt_names(names, 64);
		return ipcb_cli_unknown("-o", key, &keys);
	}
	return 0;
}

/* One dimension of the variant grid: an option and its parsed values. */
struct dim {
	int slot; /* index in the option set */
	size_t n;
	struct ipcb_opt_val val[16];
};

static int parse_dim(const struct ipcb_mech *m, const struct ipcb_cli_opt_arg *a,
		     const struct ipcb_opt_set *base, struct dim *d)
{
	char buf[256], why[IPCB_WHY_MAX], *save = NULL;

	d->n = 0;
	for (d->slot = 0; d->slot < base->n; d->slot++)
		if (strcmp(base->v[d->slot].def->name, a->key) == 0)
			break;
	strcpy(buf, a->values);
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,") != NULL)
		return ipcb_cli_usage_error("-o %s: empty value in '%s'", a->key, a->values);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (d->n >= sizeof d->val / sizeof d->val[0])
			return ipcb_cli_usage_error("-o %s: too many values", a->key);
		if (ipcb_opt_parse(base->v[d->slot].def, t, &d->val[d->n], why, sizeof why) != 0)
			return ipcb_cli_usage_error("-o %s (%s): %s", a->key, m->name, why);
		/* a directory option's values differ in text alone */
		for (size_t i = 0; i < d->n; i++)
			if (d->val[i].num == d->val[d->n].num &&
			    strcmp(d->val[i].text, d->val[d->n].text) == 0)
				return ipcb_cli_usage_error("-o %s: value '%s' is given twice",
							    a->key, t);
		d->n++;
	}
	return 0;
}

/* Expand every selected mechanism into one variant per combination of the
 * -o values that apply to it. */
int ipcb_cli_variants_build(struct ipcb_cli_run_opts *o)
{
	int rc = check_option_keys(o);

	if (rc != 0)
		return rc;
	o->n_variants = 0;
	for (size_t m = 0; m < o->n_mechs; m++) {
		const struct ipcb_mech *mech = o->mechs[m];
		struct ipcb_opt_set base;
		struct dim dims[IPCB_CLI_OPT_ARGS_MAX];
		size_t nd = 0, combos = 1;

		if (ipcb_opt_defaults(mech, &base) != 0)
			return ipcb_cli_usage_error("%s: bad option defaults (a bug)", mech->name);
		for (size_t k = 0; k < o->n_oargs; k++) {
			if (find_opt(mech, o->oargs[k].key) == NULL)
				continue;
			if ((rc = parse_dim(mech, &o->oargs[k], &base, &dims[nd])) != 0)
				return rc;
			combos *= dims[nd++].n;
		}
		for (size_t c = 0; c < combos; c++) {
			struct ipcb_variant *v = &o->variants[o->n_variants];
			size_t rest = c, used;

			if (o->n_variants >= IPCB_VARIANTS_MAX)
				return ipcb_cli_usage_error("-o: too many variants (at most %d)",
							    IPCB_VARIANTS_MAX);
			v->mech = mech;
			v->opts = base;
			used = (size_t)snprintf(v->label, sizeof v->label, "%s", mech->name);
			for (size_t i = 0; i < nd; i++) {
				const struct ipcb_opt_val *val = &dims[i].val[rest % dims[i].n];

				rest /= dims[i].n;
				v->opts.v[dims[i].slot] = *val;
				if (used < sizeof v->label)
					used += (size_t)snprintf(v->label + used,
								 sizeof v->label - used, " %s=%s",
								 val->def->name, val->text);
			}
			o->n_variants++;
		}
	}
	return 0;
}
