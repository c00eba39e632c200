/* JSON text laid out for people and for diffs: what fits in a line stays on
 * one line, arrays of numbers are packed, the rest one member per line. */
#ifndef IPCB_JSONOUT_H
#define IPCB_JSONOUT_H

#include <jansson.h>
#include <stdio.h>

/* Lines end by this column, unless a single key or scalar is longer. */
#define IPCB_JSON_WIDTH 100

/* Reals keep 10 significant digits, as results always had. */
#define IPCB_JSON_REAL_FLAGS JSON_REAL_PRECISION(10)

/* doc as text, ending with a newline. A container whose one-line form
 * (", " and ": " between items) fits in IPCB_JSON_WIDTH columns where it
 * starts stays on one line; an array of scalars, or of arrays of scalars
 * (histogram buckets), that does not is packed several entries a line;
 * any other container has one member a line, indented by one space per
 * level. Keys come in insertion order; keys and scalars are encoded as
 * jansson encodes them (json_dumps with JSON_ENCODE_ANY and
 * IPCB_JSON_REAL_FLAGS), so the text parses back to an equal document.
 * A new string for free(), or NULL when out of memory. */
char *ipcb_json_dumps(const json_t *doc);

/* Write ipcb_json_dumps(doc) to f and flush it. 0, -EINVAL (doc is NULL),
 * -ENOMEM, or -EIO (errno says why). */
int ipcb_json_dumpf(const json_t *doc, FILE *f);

#endif
