/* JSON text laid out for people and for diffs (see jsonout.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/jsonout.h"

/* Indentation of one level, in spaces. */
#define STEP 1

struct out {
	char *p;
	size_t len, cap;
	size_t line; /* offset where the current line starts */
	int err;     /* 0, or -ENOMEM once an append failed */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->err != 0)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *p;

		while (o->len + n + 1 > cap)
			cap *= 2;
		p = realloc(o->p, cap);
		if (p == NULL) {
			o->err = -ENOMEM;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* The column the next byte goes to (bytes: a UTF-8 character counts as
 * the bytes it takes, which only ever breaks a line early). */
static size_t col(const struct out *o)
{
	return o->len - o->line;
}

static void newline(struct out *o, int indent)
{
	put(o, "\n", 1);
	o->line = o->len;
	for (int i = 0; i < indent; i++)
		put(o, " ", 1);
}

/* Forget what was appended after len. */
static void cut(struct out *o, size_t len)
{
	o->len = len;
	if (o->p != NULL)
		o->p[len] = '\0';
}

static int sink(const char *buf, size_t size, void *data)
{
	struct out *o = data;

	put(o, buf, size);
	return o->err;
}

static void scalar(struct out *o, const json_t *v)
{
	if (json_dump_callback(v, sink, o, JSON_ENCODE_ANY | IPCB_JSON_REAL_FLAGS) != 0 &&
	    o->err == 0)
		o->err = -ENOMEM;
}

/* "key": , the key encoded as jansson encodes a string. */
static void key(struct out *o, const char *k)
{
	json_t *s = json_string_nocheck(k);

	if (s == NULL) {
		o->err = -ENOMEM;
		return;
	}
	scalar(o, s);
	json_decref(s);
	put(o, ": ", 2);
}

static bool is_container(const json_t *v)
{
	return json_is_object(v) || json_is_array(v);
}

static bool is_empty(const json_t *v)
{
	return json_is_object(v) ? json_object_size(v) == 0 : json_array_size(v) == 0;
}

/* v on one line; false, with nothing appended, when it would pass the
 * buffer offset end (or memory ran out). */
static bool flat(struct out *o, const json_t *v, size_t end)
{
	size_t start = o->len, i = 0;
	bool fits = true;
	const char *k;
	json_t *m;

	if (!is_container(v)) {
		scalar(o, v);
	} else if (json_is_object(v)) {
		put(o, "{", 1);
		json_object_foreach((json_t *)v, k, m)
		{
			if (i++ > 0)
				put(o, ", ", 2);
			key(o, k);
			if (o->len > end || !flat(o, m, end)) {
				fits = false;
				break;
			}
		}
		put(o, "}", 1);
	} else {
		put(o, "[", 1);
		json_array_foreach(v, i, m)
		{
			if (i > 0)
				put(o, ", ", 2);
			if (o->len > end || !flat(o, m, end)) {
				fits = false;
				break;
			}
		}
		put(o, "]", 1);
	}
	if (!fits || o->err != 0 || o->len > end) {
		cut(o, start);
		return false;
	}
	return true;
}

/* An array of scalars whose one-line form fits in width columns. */
static bool small_scalar_array(const json_t *a, struct out *scratch, size_t width)
{
	json_t *e;
	size_t i;

	if (!json_is_array(a))
		return false;
	json_array_foreach(a, i, e) if (is_container(e)) return false;
	cut(scratch, 0);
	return flat(scratch, a, width);
}

/* Whether a's entries can be packed several a line at this indent:
 * scalars, or arrays of scalars short enough for a line of their own. */
static bool packable(const json_t *a, int indent, struct out *scratch)
{
	size_t room = IPCB_JSON_WIDTH - (size_t)indent - 1, i;
	json_t *e;

	if (!json_is_array(a) || (size_t)indent + 1 >= IPCB_JSON_WIDTH)
		return false;
	json_array_foreach(a, i, e) if (is_container(e) &&
					!small_scalar_array(e, scratch, room)) return false;
	return true;
}

/* a's entries several a line, each line as full as the width allows; an
 * entry longer than a line (a long string) alone on its line. */
static void packed(struct out *o, const json_t *a, int indent, struct out *scratch)
{
	size_t n = json_array_size(a), i;
	json_t *e;

	put(o, "[", 1);
	json_array_foreach(a, i, e)
	{
		size_t tail = i + 1 < n;

		cut(scratch, 0);
		if (!flat(scratch, e, (size_t)-1)) {
			o->err = scratch->err ? scratch->err : -ENOMEM;
			return;
		}
		if (i == 0 || col(o) + 1 + scratch->len + tail > IPCB_JSON_WIDTH)
			newline(o, indent + STEP);
		else
			put(o, " ", 1);
		put(o, scratch->p, scratch->len);
		if (tail)
			put(o, ",", 1);
	}
	newline(o, indent);
	put(o, "]", 1);
}

static void value(struct out *o, const json_t *v, int indent, size_t tail, struct out *scratch);

/* One member a line, one level deeper than indent. */
static void block(struct out *o, const json_t *v, int indent, struct out *scratch)
{
	bool obj = json_is_object(v);
	size_t n = obj ? json_object_size(v) : json_array_size(v), i = 0;
	const char *k;
	json_t *m;

	put(o, obj ? "{" : "[", 1);
	if (obj) {
		json_object_foreach((json_t *)v, k, m)
		{
			newline(o, indent + STEP);
			key(o, k);
			value(o, m, indent + STEP, ++i < n, scratch);
			if (i < n)
				put(o, ",", 1);
		}
	} else {
		json_array_foreach(v, i, m)
		{
			newline(o, indent + STEP);
			value(o, m, indent + STEP, i + 1 < n, scratch);
			if (i + 1 < n)
				put(o, ",", 1);
		}
	}
	newline(o, indent);
	put(o, obj ? "}" : "]", 1);
}

/* v where the current line stands (after its key, if any), followed on the
 * same line by tail more bytes (its comma). indent: the level of the line
 * it starts on. */
static void value(struct out *o, const json_t *v, int indent, size_t tail, struct out *scratch)
{
	if (!is_container(v) || is_empty(v)) {
		scalar(o, v);
		return;
	}
	if (col(o) + tail < IPCB_JSON_WIDTH &&
	    flat(o, v, o->len + (IPCB_JSON_WIDTH - col(o) - tail)))
		return;
	if (packable(v, indent + STEP, scratch))
		packed(o, v, indent, scratch);
	else
		block(o, v, indent, scratch);
}

/* The whole text into o; 0 or -ENOMEM. */
static int render(const json_t *doc, struct out *o)
{
	struct out scratch = { 0 };

	value(o, doc, 0, 0, &scratch);
	put(o, "\n", 1);
	free(scratch.p);
	return o->err != 0 ? o->err : scratch.err;
}

char *ipcb_json_dumps(const json_t *doc)
{
	struct out o = { 0 };

	if (doc == NULL || render(doc, &o) != 0) {
		free(o.p);
		return NULL;
	}
	return o.p;
}

int ipcb_json_dumpf(const json_t *doc, FILE *f)
{
	struct out o = { 0 };
	int rc = doc == NULL ? -EINVAL : render(doc, &o);

	if (rc == 0 && (fwrite(o.p, 1, o.len, f) != o.len || fflush(f) != 0))
		rc = -EIO;
	free(o.p);
	return rc;
}
