/* Reading the fields of a results document, as compare and export do. */
#ifndef IPCB_CLI_FIELDS_H
#define IPCB_CLI_FIELDS_H

#include <jansson.h>
#include <stdbool.h>

/* The value at path below v: object keys and array indexes separated by
 * '.' ("cpus.requested.0"); NULL when a step is missing (or v is NULL). */
const json_t *ipcb_cli_get(const json_t *v, const char *path);

/* The string at path, or "" when there is none. */
const char *ipcb_cli_get_str(const json_t *v, const char *path);

/* The number (integer or real) at path, or NaN when there is none. */
double ipcb_cli_get_num(const json_t *v, const char *path);

/* The integer at path, or 0 when there is none. */
json_int_t ipcb_cli_get_int(const json_t *v, const char *path);

/* Does the cell have figures: repetitions, and a status that stands
 * behind them (ok or interrupted; a failed cell has none, though files
 * written before that rule may still list some)? */
bool ipcb_cli_cell_has_figures(const json_t *cell);

#endif
