/* The JSON layout (harness/jsonout.c): exact text for small documents, and
 * for many generated ones (nested containers, escapes and unicode, reals,
 * big integers, empty containers, long arrays) text that parses back to an
 * equal document, holds jansson's own encoding of every key and scalar in
 * order, and keeps its lines within the width unless one scalar is longer. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/err.h"
#include "harness/jsonout.h"
#include "harness/result.h"
#include "tests/tap.h"

#define FLAGS (JSON_ENCODE_ANY | IPCB_JSON_REAL_FLAGS)

/* The layout of a document given as JSON text. */
static char *layout_of(const char *text)
{
	json_t *doc = json_loads(text, JSON_DECODE_ANY, NULL);
	char *s = ipcb_json_dumps(doc);

	json_decref(doc);
	return s;
}

static void exact(const char *text, const char *want, const char *what)
{
	char *got = layout_of(text);

	is_str(got, want, "%s", what);
	free(got);
}

/* A long array of n small integers, and of n histogram buckets. */
static json_t *ints(int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_integer(i * 7));
	return a;
}

static json_t *buckets(int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("[i, i, i]", 1000 + i, 1000 + i, i % 5 + 1));
	return a;
}

static void exact_cases(void)
{
	char long_str[151], want[400];
	json_t *doc;
	char *s;

	exact("{\"a\": 1, \"b\": [1, 2.5, \"x\"], \"c\": {}}",
	      "{\"a\": 1, \"b\": [1, 2.5, \"x\"], \"c\": {}}\n", "a document that fits: one line");
	exact("[]", "[]\n", "an empty array");
	exact("{}", "{}\n", "an empty object");
	exact("\"\\u00e9\\n\\\"\"", "\"\xc3\xa9\\n\\\"\"\n",
	      "a scalar document, as jansson encodes it");
	exact("{\"x\": 0.1, \"y\": 1e300, \"z\": -0.0}",
	      "{\"x\": 0.1, \"y\": 1e300, \"z\": -0.0}\n",
	      "reals as jansson writes them with 10 digits");

	doc = json_pack("{s:o, s:s}", "buckets", buckets(12), "after", "end");
	s = ipcb_json_dumps(doc);
	is_str(s,
	       "{\n"
	       " \"buckets\": [\n"
	       "  [1000, 1000, 1], [1001, 1001, 2], [1002, 1002, 3], "
	       "[1003, 1003, 4], [1004, 1004, 5],\n"
	       "  [1005, 1005, 1], [1006, 1006, 2], [1007, 1007, 3], "
	       "[1008, 1008, 4], [1009, 1009, 5],\n"
	       "  [1010, 1010, 1], [1011, 1011, 2]\n"
	       " ],\n"
	       " \"after\": \"end\"\n"
	       "}\n",
	       "histogram buckets packed up to 100 columns, the rest one member a line");
	free(s);
	json_decref(doc);

	doc = json_pack("{s:{s:o, s:i}}", "cell", "values", ints(40), "n", 40);
	s = ipcb_json_dumps(doc);
	is_str(s,
	       "{\n"
	       " \"cell\": {\n"
	       "  \"values\": [\n"
	       "   0, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98, 105, 112, "
	       "119, 126, 133, 140, 147, 154,\n"
	       "   161, 168, 175, 182, 189, 196, 203, 210, 217, 224, 231, 238, 245, 252, "
	       "259, 266, 273\n"
	       "  ],\n"
	       "  \"n\": 40\n"
	       " }\n"
	       "}\n",
	       "an array of numbers packed, nested objects indented one space a level");
	free(s);
	json_decref(doc);

	memset(long_str, 'w', 150);
	long_str[150] = '\0';
	doc = json_pack("{s:[s, i], s:s}", "list", long_str, 1, "k", long_str);
	s = ipcb_json_dumps(doc);
	snprintf(want, sizeof want, "{\n \"list\": [\n  \"%s\",\n  1\n ],\n \"k\": \"%s\"\n}\n",
		 long_str, long_str);
	is_str(s, want, "a string longer than a line: alone on its line");
	free(s);
	json_decref(doc);
}

/* ---- generated documents ----------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

static const char *const words[] = {
	"",
	"a",
	"pipe",
	"tab\there",
	"quote\"s",
	"back\\slash",
	"line\nbreak",
	"slash/",
	"\x01\x1f",
	"caf\xc3\xa9",
	"\xe6\x97\xa5\xe6\x9c\xac",
	"\xf0\x9f\x98\x80 emoji",
	"\x7f",
	"rtt_p50_ns",
	"shm-futex wait=spin",
};

static json_t *gen_string(void)
{
	char buf[600];
	size_t len = 0;
	int parts = (int)rnd(rnd(6) == 0 ? 40 : 4);

	for (int i = 0; i < parts; i++) {
		const char *w = words[rnd(sizeof words / sizeof words[0])];
		size_t n = strlen(w);

		if (len + n + 1 >= sizeof buf)
			break;
		memcpy(buf + len, w, n);
		len += n;
	}
	/* Now and then a NUL inside, which jansson writes as \u0000. */
	if (rnd(20) == 0 && len + 2 < sizeof buf)
		buf[len++] = '\0';
	return json_stringn(buf, len);
}

/* A real that 10 significant digits write exactly. */
static json_t *gen_real(void)
{
	static const double scale[] = { 1e-30, 1e-9, 1e-3, 1, 1e3, 1e9, 1e30, 1e300 };
	double m = (double)rnd(2000000000) / 1e9 - 1.0;
	char buf[64];

	snprintf(buf, sizeof buf, "%.9e", m * scale[rnd(sizeof scale / sizeof scale[0])]);
	return json_real(strtod(buf, NULL));
}

static json_t *gen_int(void)
{
	switch (rnd(5)) {
	case 0:
		return json_integer(INT64_MAX - rnd(3));
	case 1:
		return json_integer(INT64_MIN + rnd(3));
	case 2:
		return json_integer(((json_int_t)rnd(UINT32_MAX) << 20) - (1LL << 40));
	default:
		return json_integer((json_int_t)rnd(100000));
	}
}

static json_t *gen(int depth);

static json_t *gen_array(int depth)
{
	json_t *a = json_array();
	int n = (int)rnd(8);

	switch (rnd(6)) {
	case 0:
		json_decref(a);
		return rnd(2) ? ints((int)rnd(300)) : buckets((int)rnd(200));
	case 1: /* strings and numbers mixed, packed */
		n = (int)rnd(60);
		for (int i = 0; i < n; i++)
			json_array_append_new(a, rnd(2) ? gen_string() : gen_real());
		return a;
	default:
		for (int i = 0; i < n; i++)
			json_array_append_new(a, gen(depth + 1));
		return a;
	}
}

static json_t *gen_object(int depth)
{
	json_t *o = json_object();
	int n = (int)rnd(9);

	for (int i = 0; i < n; i++) {
		json_t *k = gen_string();
		char key[700];

		/* Keys hold no NUL (jansson refuses them when parsing). */
		snprintf(key, sizeof key, "%s%d", json_string_value(k), i);
		json_object_set_new(o, key, gen(depth + 1));
		json_decref(k);
	}
	return o;
}

static json_t *gen(int depth)
{
	uint32_t kind = rnd(depth >= 6 ? 6 : 10);

	switch (kind) {
	case 0:
		return json_null();
	case 1:
		return json_boolean(rnd(2));
	case 2:
		return gen_int();
	case 3:
		return gen_real();
	case 4:
	case 5:
		return gen_string();
	case 6:
	case 7:
		return gen_array(depth);
	default:
		return gen_object(depth);
	}
}

/* ---- properties --------------------------------------------------------- */

/* text without the whitespace outside strings. */
static char *squeeze(const char *text)
{
	char *out = malloc(strlen(text) + 1), *p = out;
	bool in_str = false;

	for (const char *s = text; out != NULL && *s; s++) {
		if (in_str && *s == '\\' && s[1] != '\0') {
			*p++ = *s++;
			*p++ = *s;
			continue;
		}
		if (*s == '"')
			in_str = !in_str;
		if (in_str || (*s != ' ' && *s != '\n'))
			*p++ = *s;
	}
	if (out != NULL)
		*p = '\0';
	return out;
}

/* A scalar, or an empty container (which the layout treats as one). */
static bool atom(const json_t *v)
{
	if (json_is_object(v))
		return json_object_size(v) == 0;
	return !json_is_array(v) || json_array_size(v) == 0;
}

static bool is_atom_text(const char *t)
{
	json_t *v = json_loads(t, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	bool yes = v != NULL && atom(v);

	json_decref(v);
	return yes;
}

/* `"key": ` followed by an atom, or by nothing when the line opens a
 * container. */
static bool is_one_member(const char *t, bool opens)
{
	char *obj = malloc(strlen(t) + 8);
	json_t *v;
	bool one;

	if (obj == NULL)
		return false;
	sprintf(obj, "{%s%s}", t, opens ? "null" : "");
	v = json_loads(obj, JSON_ALLOW_NUL, NULL);
	one = v != NULL && json_object_size(v) == 1 &&
	      atom(json_object_iter_value(json_object_iter(v)));
	json_decref(v);
	free(obj);
	return one;
}

/* A line over the width must be one member or entry: an atom, a key and
 * an atom, or a key that opens a container. */
static bool long_line_ok(const char *line, size_t len)
{
	char *t = strndup(line, len), *s = t;
	size_t n;
	bool opens, good;

	if (t == NULL)
		return false;
	while (*s == ' ')
		s++;
	n = strlen(s);
	if (n > 0 && s[n - 1] == ',')
		s[--n] = '\0';
	opens = n > 0 && (s[n - 1] == '{' || s[n - 1] == '[');
	if (opens) {
		s[--n] = '\0';
		while (n > 0 && s[n - 1] == ' ')
			s[--n] = '\0';
	}
	good = (!opens && is_atom_text(s)) || is_one_member(s, opens);
	free(t);
	return good;
}

/* Every line within the width or a single member; no trailing blank. */
static bool lines_ok(const char *text, char *why, size_t why_len)
{
	int no = 1;

	for (const char *l = text; *l; no++) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		if (nl == NULL) {
			snprintf(why, why_len, "no final newline");
			return false;
		}
		if (len > 0 && l[len - 1] == ' ') {
			snprintf(why, why_len, "line %d ends with a space", no);
			return false;
		}
		if (len > IPCB_JSON_WIDTH && !long_line_ok(l, len)) {
			snprintf(why, why_len, "line %d is %zu columns: %.*s", no, len, (int)len,
				 l);
			return false;
		}
		l = nl + 1;
	}
	return true;
}

/* The checks on one document; 0 or the failure in why. */
static int check_doc(const json_t *doc, char *why, size_t why_len)
{
	char *text = ipcb_json_dumps(doc), *compact, *flat;
	json_t *back;
	int bad = 0;

	if (text == NULL) {
		snprintf(why, why_len, "no text");
		return -1;
	}
	back = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	compact = json_dumps(doc, FLAGS | JSON_COMPACT);
	flat = squeeze(text);
	if (back == NULL || !json_equal(back, (json_t *)doc)) {
		snprintf(why, why_len, "does not parse back to an equal document");
		bad = -1;
	} else if (compact == NULL || flat == NULL || strcmp(compact, flat) != 0) {
		snprintf(why, why_len, "keys or scalars differ from jansson's encoding");
		bad = -1;
	} else if (!lines_ok(text, why, why_len)) {
		bad = -1;
	} else if (strlen(text) > 1 && text[strlen(text) - 2] == '\n') {
		snprintf(why, why_len, "not exactly one final newline");
		bad = -1;
	}
	json_decref(back);
	free(compact);
	free(flat);
	free(text);
	return bad;
}

static void generated(void)
{
	char why[2000] = "";
	int failed = 0, n = 2000, first = -1;

	rng_state = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < n; i++) {
		json_t *doc = rnd(2) ? gen_object(0) : gen_array(0);

		if (check_doc(doc, why, sizeof why) != 0 && failed++ == 0) {
			char *s = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);

			first = i;
			printf("# document %d: %.300s\n", i, s ? s : "?");
			free(s);
		}
		json_decref(doc);
	}
	if (!ok(failed == 0,
		"%d generated documents: parse back equal, jansson's encoding, "
		"lines within %d columns unless one scalar is longer",
		n, IPCB_JSON_WIDTH))
		printf("# %d failed, the first (%d): %s\n", failed, first, why);
}

/* A real results file: the same document, and at least twice fewer lines
 * than jansson's indented layout. */
static void results_file(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096], why[200] = "";
	json_t *doc;
	char *ours, *indented;
	int ours_lines = 0, indented_lines = 0;

	snprintf(path, sizeof path, "%s/tests/fixtures/results/base.json", top ? top : ".");
	doc = json_load_file(path, 0, NULL);
	if (!ok(doc != NULL, "the results fixture loads")) {
		printf("# %s\n", path);
		return;
	}
	ok(check_doc(doc, why, sizeof why) == 0, "the results fixture laid out: %s",
	   why[0] ? why : "same document, lines within the width");
	ours = ipcb_json_dumps(doc);
	indented = json_dumps(doc, JSON_INDENT(1) | IPCB_JSON_REAL_FLAGS);
	for (const char *p = ours; p && *p; p++)
		ours_lines += *p == '\n';
	for (const char *p = indented; p && *p; p++)
		indented_lines += *p == '\n';
	if (!ok(ours != NULL && indented != NULL && 2 * ours_lines < indented_lines,
		"the results fixture takes under half the lines of JSON_INDENT(1)"))
		printf("# %d lines, indented %d\n", ours_lines, indented_lines);
	free(ours);
	free(indented);
	json_decref(doc);
}

/* ipcb_json_dumpf and the atomic write give the same text. */
static void writers(void)
{
	json_t *doc = json_pack("{s:o, s:[]}", "b", buckets(30), "e");
	const char *tmp = getenv("TMPDIR");
	char *want = ipcb_json_dumps(doc), got[4096], dir[4096], path[4200];
	struct ipcb_err err;
	FILE *f = tmpfile(), *ro;
	size_t n = 0;

	ok(f != NULL && ipcb_json_dumpf(doc, f) == 0, "ipcb_json_dumpf writes");
	if (f != NULL) {
		rewind(f);
		n = fread(got, 1, sizeof got - 1, f);
		got[n] = '\0';
		fclose(f);
	}
	is_str(got, want, "ipcb_json_dumpf writes what ipcb_json_dumps returns");
	ro = fopen("/dev/null", "r");
	ok(ro != NULL && ipcb_json_dumpf(doc, ro) == -EIO, "a stream that cannot be written: -EIO");
	if (ro != NULL)
		fclose(ro);
	ok(ipcb_json_dumps(NULL) == NULL && ipcb_json_dumpf(NULL, stdout) == -EINVAL,
	   "no document: NULL, -EINVAL");
	snprintf(dir, sizeof dir, "%s/test-jsonout.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(dir) != NULL) {
		snprintf(path, sizeof path, "%s/out.json", dir);
		ok(ipcb_result_write(doc, path, &err) == 0, "ipcb_result_write writes a file");
		f = fopen(path, "r");
		n = f ? fread(got, 1, sizeof got - 1, f) : 0;
		got[n] = '\0';
		if (f != NULL)
			fclose(f);
		is_str(got, want, "the results file holds the same text");
		unlink(path);
		ok(rmdir(dir) == 0, "nothing else left in the directory (no temporary file)");
	}
	free(want);
	json_decref(doc);
}

int main(void)
{
	tap_init();
	exact_cases();
	generated();
	results_file();
	writers();
	return tap_done();
}
