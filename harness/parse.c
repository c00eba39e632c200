/* Parsers for command-line values. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/parse.h"

/* Quote at most 40 characters of user input in a message. */
#define QUOTE "'%.40s%s'"
#define QARG(s) (s), strlen(s) > 40 ? "..." : ""

static int fail(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Leading digits of s as a uint64; sets *end. -1 on overflow or none. */
static int digits(const char *s, uint64_t *v, const char **end)
{
	uint64_t x = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (x > (UINT64_MAX - d) / 10)
			return -2;
		x = x * 10 + d;
	}
	*v = x;
	*end = p;
	return 0;
}

int ipcb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why, size_t len)
{
	const char *end;
	uint64_t v;
	int rc = digits(s, &v, &end);

	if (rc == -2 || (rc == 0 && *end == '\0' && (v < min || v > max)))
		return fail(why, len, QUOTE " is out of range (%llu to %llu)", QARG(s),
			    (unsigned long long)min, (unsigned long long)max);
	if (rc != 0 || *end != '\0')
		return fail(why, len, QUOTE " is not a whole number (%llu to %llu)", QARG(s),
			    (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int ipcb_parse_seconds(const char *s, double min, double max, double *out, char *why, size_t len)
{
	char *end;
	double v;

	/* plain decimals only: strtod would also take 0x10 and 1e3 */
	if (!isdigit((unsigned char)s[0]) || s[strspn(s, "0123456789.")] != '\0')
		return fail(why, len, QUOTE " is not a number of seconds (%g to %g)", QARG(s), min,
			    max);
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v))
		return fail(why, len, QUOTE " is not a number of seconds (%g to %g)", QARG(s), min,
			    max);
	if (v < min || v > max)
		return fail(why, len, QUOTE " is out of range (%g to %g seconds)", QARG(s), min,
			    max);
	*out = v;
	return 0;
}

/* Multiplier of a size suffix, or 0 when it is not one. */
static uint64_t suffix_scale(const char *suf)
{
	static const struct {
		const char *a, *b;
		uint64_t scale;
	} table[] = {
		{ "", "", 1 },
		{ "K", "KiB", 1ull << 10 },
		{ "M", "MiB", 1ull << 20 },
		{ "G", "GiB", 1ull << 30 },
	};

	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcasecmp(suf, table[i].a) == 0 || strcasecmp(suf, table[i].b) == 0)
			return table[i].scale;
	return 0;
}

static int human(uint64_t v, char *buf, size_t len)
{
	if (v >= (1ull << 30) && v % (1ull << 30) == 0)
		return snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
	if (v >= (1ull << 20) && v % (1ull << 20) == 0)
		return snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
	if (v >= (1ull << 10) && v % (1ull << 10) == 0)
		return snprintf(buf, len, "%lluK", (unsigned long long)(v >> 10));
	return snprintf(buf, len, "%llu", (unsigned long long)v);
}

int ipcb_parse_size(const char *s, uint64_t max, uint64_t *out, char *why, size_t len)
{
	const char *end;
	uint64_t v, scale;
	char maxs[32];
	int rc;

	human(max, maxs, sizeof maxs);
	if (s[0] == '-')
		return fail(why, len, "invalid size " QUOTE ": sizes are positive (1 to %s)",
			    QARG(s), maxs);
	rc = digits(s, &v, &end);
	if (rc == -2)
		return fail(why, len, "size " QUOTE " is too large (at most %s)", QARG(s), maxs);
	if (rc != 0)
		return fail(why, len,
			    "invalid size " QUOTE
			    " (a number with an optional K, M or G suffix, e.g. 64, 4K, 1M)",
			    QARG(s));
	scale = suffix_scale(end);
	if (scale == 0)
		return fail(why, len,
			    "invalid size " QUOTE ": unknown suffix " QUOTE
			    " (use K, M or G, powers of 1024)",
			    QARG(s), QARG(end));
	if (v == 0)
		return fail(why, len, "invalid size " QUOTE ": must be at least 1 byte", QARG(s));
	if (v > max / scale)
		return fail(why, len, "size " QUOTE " is too large (at most %s)", QARG(s), maxs);
	*out = v * scale;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int add_size(uint64_t v, uint64_t *out, size_t cap, size_t *n, const char *whole, char *why,
		    size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (out[i] == v)
			return fail(why, len, "size %llu appears twice in " QUOTE,
				    (unsigned long long)v, QARG(whole));
	if (*n >= cap)
		return fail(why, len, "too many sizes in " QUOTE " (at most %zu)", QARG(whole),
			    cap);
	out[(*n)++] = v;
	return 0;
}

/* One list element: a size or a range "LO-HI". */
static int parse_item(const char *item, uint64_t max, uint64_t *out, size_t cap, size_t *n,
		      const char *whole, char *why, size_t len)
{
	const char *dash = item[0] != '\0' ? strchr(item + 1, '-') : NULL;
	char lo_s[64];
	uint64_t lo, hi;

	if (dash == NULL) {
		if (ipcb_parse_size(item, max, &lo, why, len) != 0)
			return -1;
		return add_size(lo, out, cap, n, whole, why, len);
	}
	if ((size_t)(dash - item) >= sizeof lo_s)
		return fail(why, len, "invalid size range " QUOTE, QARG(item));
	memcpy(lo_s, item, (size_t)(dash - item));
	lo_s[dash - item] = '\0';
	if (lo_s[0] == '\0' || dash[1] == '\0')
		return fail(why, len, "invalid size range " QUOTE ": give both ends, LO-HI",
			    QARG(item));
	if (ipcb_parse_size(lo_s, max, &lo, why, len) != 0 ||
	    ipcb_parse_size(dash + 1, max, &hi, why, len) != 0)
		return -1;
	if (lo > hi)
		return fail(why, len,
			    "invalid size range " QUOTE
			    ": the first size is larger than the second",
			    QARG(item));
	if (add_size(lo, out, cap, n, whole, why, len) != 0)
		return -1;
	for (uint64_t p = 1; p < hi && p <= (UINT64_MAX >> 1); p <<= 1)
		if (p > lo && add_size(p, out, cap, n, whole, why, len) != 0)
			return -1;
	return hi != lo ? add_size(hi, out, cap, n, whole, why, len) : 0;
}

int ipcb_parse_sizes(const char *s, uint64_t max, uint64_t *out, size_t cap, size_t *n, char *why,
		     size_t len)
{
	char item[128];
	const char *p = s;

	*n = 0;
	if (*s == '\0')
		return fail(why, len, "empty size list");
	for (;;) {
		size_t l = strcspn(p, ",");

		if (l == 0)
			return fail(why, len, "empty element in size list " QUOTE, QARG(s));
		if (l >= sizeof item)
			return fail(why, len, "invalid size " QUOTE, QARG(p));
		memcpy(item, p, l);
		item[l] = '\0';
		if (parse_item(item, max, out, cap, n, s, why, len) != 0)
			return -1;
		if (p[l] == '\0')
			break;
		p += l + 1;
	}
	qsort(out, *n, sizeof *out, cmp_u64);
	return 0;
}

int ipcb_parse_cpu_pair(const char *s, int out[2], char *why, size_t len)
{
	const char *p = s, *end = s;
	uint64_t v;

	for (int i = 0; i < 2; i++) {
		if (digits(p, &v, &end) != 0 || v > 1000000)
			return fail(why, len,
				    "invalid CPU pair " QUOTE " (two CPU numbers, e.g. 0,1)",
				    QARG(s));
		out[i] = (int)v;
		if (i == 0 && *end != ',')
			return fail(why, len,
				    "invalid CPU pair " QUOTE " (two CPU numbers, e.g. 0,1)",
				    QARG(s));
		p = end + 1;
	}
	if (*end != '\0')
		return fail(why, len,
			    "invalid CPU pair " QUOTE " (exactly two CPU numbers, e.g. 0,1)",
			    QARG(s));
	return 0;
}

/* Optimal string alignment distance, case-insensitive: insertions,
 * deletions, substitutions and swaps of two neighbours cost 1 each. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[64][64];

	if (la >= 63 || lb >= 63)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ai = tolower((unsigned char)a[i - 1]),
			    bj = tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (ai != bj);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == bj && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *ipcb_suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX, wl = strlen(word);

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, cands[i]);

		/* A candidate that starts with the word is a likely intent too. */
		if (wl >= 2 && strncasecmp(cands[i], word, wl) == 0)
			d = d < 1 ? d : 1;
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	if (best == NULL || best_d > (wl <= 4 ? 1 : wl <= 8 ? 2 : 3))
		return NULL;
	return best;
}

void ipcb_utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, cont = 0, need;
	unsigned char lead;

	while (i > 0 && cont < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
		i--;
		cont++;
	}
	if (i == 0) {
		s[0] = '\0';
		return;
	}
	lead = (unsigned char)s[i - 1];
	need = lead < 0x80             ? 1
	       : (lead & 0xE0) == 0xC0 ? 2
	       : (lead & 0xF0) == 0xE0 ? 3
	       : (lead & 0xF8) == 0xF0 ? 4
				       : 0;
	if (need == 1 && cont > 0)
		s[i] = '\0'; /* stray continuation bytes */
	else if (need != 1 && need != cont + 1)
		s[i - 1] = '\0'; /* a character cut short (or a bad lead byte) */
}
