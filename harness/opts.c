/* Per-mechanism options (declared in mechanisms/mech.h): parsing against
 * their definitions and defaults, the central validation of -o values. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include "harness/parse.h"
#include "mechanisms/mech.h"

static int parse_bool(const char *t, uint64_t *v)
{
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };

	for (int i = 0; i < 4; i++) {
		if (strcasecmp(t, yes[i]) == 0) {
			*v = 1;
			return 0;
		}
		if (strcasecmp(t, no[i]) == 0) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

/* An absolute path to an existing directory; "" (the default) means the
 * mechanism's own choice. */
static int parse_path(const struct ipcb_opt_def *def, const char *text, struct ipcb_opt_val *out,
		      char *why, size_t len)
{
	struct stat sb;

	if (text[0] == '\0')
		return 0;
	if (text[0] != '/') {
		snprintf(why, len, "%s: '%.60s' is not an absolute path", def->name, text);
		return -1;
	}
	if (strlen(text) >= sizeof out->text) {
		snprintf(why, len, "%s: '%.60s...' is longer than %zu bytes", def->name, text,
			 sizeof out->text - 1);
		return -1;
	}
	if (stat(text, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(why, len, "%s: '%.60s' is not a directory", def->name, text);
		return -1;
	}
	snprintf(out->text, sizeof out->text, "%s", text);
	return 0;
}

int ipcb_opt_parse(const struct ipcb_opt_def *def, const char *text, struct ipcb_opt_val *out,
		   char *why, size_t len)
{
	char inner[IPCB_WHY_MAX], desc[160];

	memset(out, 0, sizeof *out);
	out->def = def;
	switch (def->type) {
	case IPCB_OPT_BOOL:
		if (parse_bool(text, &out->num) != 0) {
			snprintf(why, len, "%s: '%.40s' is not 0 or 1", def->name, text);
			return -1;
		}
		snprintf(out->text, sizeof out->text, "%u", (unsigned)out->num);
		return 0;
	case IPCB_OPT_UINT:
		if (ipcb_parse_u64(text, def->min, def->max, &out->num, inner, sizeof inner) != 0) {
			snprintf(why, len, "%s: %s", def->name, inner);
			return -1;
		}
		snprintf(out->text, sizeof out->text, "%llu", (unsigned long long)out->num);
		return 0;
	case IPCB_OPT_SIZE:
		if (def->min == 0 && strcmp(text, "0") == 0) {
			snprintf(out->text, sizeof out->text, "0");
			return 0;
		}
		if (ipcb_parse_size(text, def->max, &out->num, inner, sizeof inner) != 0) {
			snprintf(why, len, "%s: %s", def->name, inner);
			return -1;
		}
		if (out->num < def->min) {
			ipcb_opt_describe(def, desc, sizeof desc);
			snprintf(why, len, "%s: '%.40s' is too small (%s)", def->name, text, desc);
			return -1;
		}
		if ((def->flags & IPCB_OPT_POW2) && (out->num & (out->num - 1)) != 0) {
			snprintf(why, len, "%s: '%.40s' is not a power of two", def->name, text);
			return -1;
		}
		snprintf(out->text, sizeof out->text, "%llu", (unsigned long long)out->num);
		return 0;
	case IPCB_OPT_CHOICE:
		for (uint64_t i = 0; def->choices[i] != NULL; i++) {
			if (strcmp(text, def->choices[i]) == 0) {
				out->num = i;
				snprintf(out->text, sizeof out->text, "%s", def->choices[i]);
				return 0;
			}
		}
		ipcb_opt_describe(def, desc, sizeof desc);
		snprintf(why, len, "%s: '%.40s' is not one of %s", def->name, text, desc);
		return -1;
	case IPCB_OPT_PATH:
		return parse_path(def, text, out, why, len);
	}
	snprintf(why, len, "%s: unknown option type", def->name);
	return -1;
}

int ipcb_opt_defaults(const struct ipcb_mech *m, struct ipcb_opt_set *set)
{
	char why[IPCB_WHY_MAX];

	memset(set, 0, sizeof *set);
	for (const struct ipcb_opt_def *d = m->opts; d != NULL && d->name != NULL; d++) {
		if (set->n >= IPCB_OPTS_MAX ||
		    ipcb_opt_parse(d, d->def, &set->v[set->n], why, sizeof why) != 0)
			return -EINVAL;
		set->n++;
	}
	return 0;
}

const char *ipcb_opt_text(const struct ipcb_opt_set *set, const char *name)
{
	for (int i = 0; set != NULL && i < set->n; i++)
		if (strcmp(set->v[i].def->name, name) == 0)
			return set->v[i].text;
	return "";
}

uint64_t ipcb_opt_num(const struct ipcb_opt_set *set, const char *name)
{
	for (int i = 0; set != NULL && i < set->n; i++)
		if (strcmp(set->v[i].def->name, name) == 0)
			return set->v[i].num;
	return 0;
}

void ipcb_opt_describe(const struct ipcb_opt_def *def, char *buf, size_t len)
{
	size_t used;

	switch (def->type) {
	case IPCB_OPT_BOOL:
		snprintf(buf, len, "0 or 1");
		return;
	case IPCB_OPT_UINT:
		snprintf(buf, len, "%llu to %llu", (unsigned long long)def->min,
			 (unsigned long long)def->max);
		return;
	case IPCB_OPT_SIZE:
		snprintf(buf, len, "bytes, %llu to %llu%s", (unsigned long long)def->min,
			 (unsigned long long)def->max,
			 def->flags & IPCB_OPT_POW2 ? ", a power of two" : "");
		return;
	case IPCB_OPT_PATH:
		snprintf(buf, len, "an absolute path to a directory");
		return;
	case IPCB_OPT_CHOICE:
		buf[0] = '\0';
		used = 0;
		for (int i = 0; def->choices[i] != NULL && used < len; i++) {
			int n = snprintf(buf + used, len - used, "%s%s", i ? "|" : "",
					 def->choices[i]);

			if (n < 0)
				break;
			used += (size_t)n;
		}
		return;
	}
	buf[0] = '\0';
}

const char *ipcb_mode_name(enum ipcb_mode mode)
{
	return mode == IPCB_MODE_THREADS ? "threads" : "processes";
}
