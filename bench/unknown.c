/* Names the command line takes from a fixed set (commands, options,
 * mechanisms, tests, placement classes, formats...): their lookup, and the
 * one message for a name that is not in the set, with the closest one when
 * it looks like a typo. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench/cli.h"
#include "harness/parse.h"
#include "mechanisms/mech.h"

#define MECHS_MAX 64

/* "[OPT: ]unknown WHAT 'SHOWN' (did you mean 'MARK+SUGGESTION'?)", or
 * with OTHERWISE in the parentheses when there is no suggestion. */
static int report(const char *opt, const char *what, const char *shown, const char *mark,
		  const char *suggestion, const char *otherwise)
{
	if (suggestion != NULL)
		return ipcb_cli_usage_error("%s%sunknown %s '%.60s' (did you mean '%s%s'?)",
					    opt ? opt : "", opt ? ": " : "", what, shown, mark,
					    suggestion);
	return ipcb_cli_usage_error("%s%sunknown %s '%.60s' (%s)", opt ? opt : "", opt ? ": " : "",
				    what, shown, otherwise);
}

int ipcb_cli_lookup(const char *word, const struct ipcb_cli_names *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(word, v->names[i]) == 0)
			return (int)i;
	return -1;
}

void ipcb_cli_names_list(const struct ipcb_cli_names *v, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < v->n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == v->n ? " or " : ", ";
		int n = snprintf(buf + used, len - used, "%s%s", sep, v->names[i]);

		if (n < 0)
			return;
		used += (size_t)n;
	}
}

int ipcb_cli_unknown(const char *opt, const char *word, const struct ipcb_cli_names *v)
{
	const char *s = v->suggest ? ipcb_suggest(word, v->names, v->n) : NULL;
	char list[512];

	if (v->otherwise == NULL)
		ipcb_cli_names_list(v, list, sizeof list);
	return report(opt, v->what, word, "", s, v->otherwise ? v->otherwise : list);
}

int ipcb_cli_choose(const char *opt, const char *word, const struct ipcb_cli_names *v, int *index)
{
	*index = ipcb_cli_lookup(word, v);
	return *index < 0 ? ipcb_cli_unknown(opt, word, v) : 0;
}

int ipcb_cli_unknown_option(const char *arg, const struct option *opts)
{
	const char *names[64], *s = NULL;
	size_t n = 0;
	char word[64];

	for (; opts[n].name != NULL && n < 64; n++)
		names[n] = opts[n].name;
	/* "--name=value": the name alone is what may be misspelt */
	if (strncmp(arg, "--", 2) == 0) {
		snprintf(word, sizeof word, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
		s = ipcb_suggest(word, names, n);
	}
	return report(NULL, "option", arg, "--", s, "see --help");
}

const struct ipcb_cli_names *ipcb_cli_mech_names(void)
{
	static const char *names[MECHS_MAX];
	static struct ipcb_cli_names v = { "mechanism", names, 0, true, "see 'ipcbench list'" };

	for (v.n = 0; v.n < ipcb_mech_count && v.n < MECHS_MAX; v.n++)
		names[v.n] = ipcb_mechs[v.n]->name;
	return &v;
}
