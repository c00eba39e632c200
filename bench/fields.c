/* Reading the fields of a results document by path, as compare and
 * export do. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/fields.h"

/* An array index: digits only. */
static bool index_of(const char *s, size_t *i)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	*i = strtoul(s, &end, 10);
	return *end == '\0';
}

const json_t *ipcb_cli_get(const json_t *v, const char *path)
{
	char step[128];

	while (v != NULL && *path != '\0') {
		size_t len = strcspn(path, "."), i;

		if (len >= sizeof step)
			return NULL;
		memcpy(step, path, len);
		step[len] = '\0';
		if (json_is_array(v))
			v = index_of(step, &i) ? json_array_get(v, i) : NULL;
		else
			v = json_object_get(v, step);
		path += len + (path[len] == '.');
	}
	return v;
}

const char *ipcb_cli_get_str(const json_t *v, const char *path)
{
	const char *s = json_string_value(ipcb_cli_get(v, path));

	return s ? s : "";
}

double ipcb_cli_get_num(const json_t *v, const char *path)
{
	const json_t *n = ipcb_cli_get(v, path);

	return json_is_number(n) ? json_number_value(n) : NAN;
}

json_int_t ipcb_cli_get_int(const json_t *v, const char *path)
{
	return json_integer_value(ipcb_cli_get(v, path));
}

bool ipcb_cli_cell_has_figures(const json_t *cell)
{
	const char *st = ipcb_cli_get_str(cell, "status");

	return (strcmp(st, "ok") == 0 || strcmp(st, "interrupted") == 0) &&
	       json_array_size(json_object_get(cell, "repetitions")) > 0;
}
