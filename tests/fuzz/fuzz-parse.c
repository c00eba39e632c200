/* libFuzzer target: every command-line value parser of harness/parse.h.
 *
 * The input, cut at its first NUL, is given to each parser with the
 * bounds the CLI uses (bench/run-opts.c, budget.c, matrix.c) and with small ones.
 * Besides the sanitizers' findings, a parse that succeeds must give a
 * value that obeys the documented contract, and the simple grammars
 * (whole numbers, sizes, CPU pairs) are checked against a second, naive
 * implementation here: any disagreement abort()s, so it is a finding.
 * A failed parse must leave a non-empty, NUL-terminated reason. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/parse.h"
#include "harness/run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL 'Z'

static void violation(const char *what, const char *s)
{
	fprintf(stderr, "fuzz-parse: invariant violated: %s (input '%s')\n", what, s);
	abort();
}

/* A reason must be written, NUL-terminated within len, non-empty. */
static void check_why(const char *why, size_t len, const char *s)
{
	if (len == 0)
		return;
	if (memchr(why, '\0', len) == NULL)
		violation("reason not NUL-terminated within its buffer", s);
	if (why[0] == '\0' || why[0] == SENTINEL)
		violation("failure without a reason", s);
}

/* Naive reference: digits only, no overflow, value in [min, max]. */
static int ref_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Naive reference for a size: digits, then nothing or one of the binary
 * suffixes in any case; at least 1, at most max. */
static int ref_size(const char *s, uint64_t max, uint64_t *out)
{
	static const char *const suf[] = { "", "k", "kib", "m", "mib", "g", "gib" };
	static const unsigned shift[] = { 0, 10, 10, 20, 20, 30, 30 };
	const char *p = s;
	uint64_t v = 0;
	int big = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (big || v > (UINT64_MAX - d) / 10)
			big = 1;
		else
			v = v * 10 + d;
	}
	for (size_t i = 0; i < sizeof suf / sizeof suf[0]; i++) {
		if (strcasecmp(p, suf[i]) != 0)
			continue;
		if (big || v == 0 || v > (max >> shift[i]))
			return -1;
		*out = v << shift[i];
		return 0;
	}
	return -1;
}

/* Naive reference for "A,B": two runs of digits, each at most 1000000. */
static int ref_cpu_pair(const char *s, int out[2])
{
	const char *p = s;

	for (int i = 0; i < 2; i++) {
		uint64_t v = 0;
		const char *start = p;

		for (; *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (uint64_t)(*p - '0');
			if (v > 1000000)
				return -1;
		}
		if (p == start || *p != (i == 0 ? ',' : '\0'))
			return -1;
		out[i] = (int)v;
		p++;
	}
	return 0;
}

static void fuzz_u64(const char *s, uint64_t min, uint64_t max)
{
	char why[IPCB_WHY_MAX];
	uint64_t v = 0xdeadbeef, r = 0;
	int rc, ref;

	memset(why, SENTINEL, sizeof why);
	rc = ipcb_parse_u64(s, min, max, &v, why, sizeof why);
	ref = ref_u64(s, min, max, &r);
	if ((rc == 0) != (ref == 0))
		violation(rc == 0 ? "u64: accepted what the reference rejects"
				  : "u64: rejected what the reference accepts",
			  s);
	if (rc != 0) {
		check_why(why, sizeof why, s);
		return;
	}
	if (v < min || v > max || v != r)
		violation("u64: value out of range or different from the reference", s);
}

static void fuzz_seconds(const char *s, double min, double max)
{
	char why[IPCB_WHY_MAX];
	double v = -1;

	memset(why, SENTINEL, sizeof why);
	if (ipcb_parse_seconds(s, min, max, &v, why, sizeof why) != 0) {
		check_why(why, sizeof why, s);
		return;
	}
	if (!isfinite(v) || v < min || v > max || !isdigit((unsigned char)s[0]) ||
	    v != strtod(s, NULL))
		violation("seconds: value not finite, out of range, or not what strtod reads", s);
}

static void fuzz_size(const char *s, uint64_t max)
{
	char why[IPCB_WHY_MAX], back[32];
	uint64_t v = 0, r = 0, again = 0;
	int rc, ref;

	memset(why, SENTINEL, sizeof why);
	rc = ipcb_parse_size(s, max, &v, why, sizeof why);
	ref = ref_size(s, max, &r);
	if ((rc == 0) != (ref == 0))
		violation(rc == 0 ? "size: accepted what the reference rejects"
				  : "size: rejected what the reference accepts",
			  s);
	if (rc != 0) {
		check_why(why, sizeof why, s);
		return;
	}
	if (v < 1 || v > max || v != r)
		violation("size: value out of 1..max or different from the reference", s);
	/* The canonical decimal form reads back as the same size. */
	snprintf(back, sizeof back, "%llu", (unsigned long long)v);
	if (ipcb_parse_size(back, max, &again, why, sizeof why) != 0 || again != v)
		violation("size: its decimal form does not read back", s);
}

static void fuzz_sizes(const char *s, uint64_t max, size_t cap)
{
	/* Exactly cap entries on the heap: a write past them is an ASan
	 * finding. */
	uint64_t *out = malloc((cap ? cap : 1) * sizeof *out);
	char why[IPCB_WHY_MAX];
	size_t n = (size_t)-1, commas = 0;

	if (out == NULL)
		abort();
	memset(why, SENTINEL, sizeof why);
	if (ipcb_parse_sizes(s, max, out, cap, &n, why, sizeof why) != 0) {
		check_why(why, sizeof why, s);
		free(out);
		return;
	}
	if (n < 1 || n > cap)
		violation("sizes: count not in 1..cap", s);
	for (size_t i = 0; i < n; i++) {
		if (out[i] < 1 || out[i] > max)
			violation("sizes: a size out of 1..max", s);
		if (i > 0 && out[i - 1] >= out[i])
			violation("sizes: not strictly ascending (unsorted or a duplicate)", s);
	}
	for (const char *p = s; *p; p++)
		commas += *p == ',';
	/* No range (no '-' after an element's first character): one size per
	 * element, each the value of that element alone. */
	if (strchr(s, '-') == NULL) {
		if (n != commas + 1)
			violation("sizes: a list without ranges gave a different number of sizes",
				  s);
		for (const char *p = s;;) {
			char item[128];
			size_t l = strcspn(p, ",");
			uint64_t v;
			int found = 0;

			if (l >= sizeof item)
				violation("sizes: accepted an overlong element", s);
			memcpy(item, p, l);
			item[l] = '\0';
			if (ref_size(item, max, &v) != 0)
				violation("sizes: accepted an element the size reference rejects",
					  s);
			for (size_t i = 0; i < n; i++)
				found |= out[i] == v;
			if (!found)
				violation("sizes: an element's size is missing from the result", s);
			if (p[l] == '\0')
				break;
			p += l + 1;
		}
	}
	free(out);
}

static void fuzz_cpu_pair(const char *s)
{
	char why[IPCB_WHY_MAX];
	int out[2] = { -7, -7 }, ref[2];
	int rc, rrc;

	memset(why, SENTINEL, sizeof why);
	rc = ipcb_parse_cpu_pair(s, out, why, sizeof why);
	rrc = ref_cpu_pair(s, ref);
	if ((rc == 0) != (rrc == 0))
		violation(rc == 0 ? "cpu pair: accepted what the reference rejects"
				  : "cpu pair: rejected what the reference accepts",
			  s);
	if (rc != 0) {
		check_why(why, sizeof why, s);
		return;
	}
	if (out[0] != ref[0] || out[1] != ref[1])
		violation("cpu pair: values differ from the reference", s);
}

static void fuzz_suggest(const char *s)
{
	/* The candidate lists the CLI passes: commands, tests, formats,
	 * mechanism and option names, placements. */
	static const char *const cands[] = {
		"run",        "list",      "info",       "matrix",      "compare",
		"export",     "cleanup",   "help",       "version",     "latency",
		"throughput", "both",      "gbench",     "gab-latency", "gab-throughput",
		"bmf",        "hgrm",      "csv",        "cacheline",   "null",
		"pipe",       "fifo",      "uds-stream", "uds-dgram",   "tcp",
		"mqueue",     "sysv-msg",  "shm-futex",  "signal",      "wait",
		"ring",       "spin_us",   "depth",      "nodelay",     "sndbuf",
		"auto",       "all",       "same-cpu",   "smt",         "same-l2",
		"same-l3",    "same-node", "cross-l3",   "cross-numa",
	};
	size_t n = sizeof cands / sizeof cands[0];
	const char *r = ipcb_suggest(s, cands, n);
	int member = 0;

	for (size_t i = 0; i < n; i++) {
		member |= r == cands[i];
		/* A word that is a candidate is its own best suggestion. */
		if (strcmp(s, cands[i]) == 0 && r != cands[i])
			violation("suggest: an exact candidate is not suggested", s);
	}
	if (r != NULL && !member)
		violation("suggest: returned something not in the candidates", s);
	/* No candidates, no suggestion. */
	if (ipcb_suggest(s, cands, 0) != NULL)
		violation("suggest: suggested from an empty list", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char tiny[8];
	uint64_t v;
	int pair[2];

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	/* The bounds of the CLI. */
	fuzz_sizes(s, IPCB_SIZE_MAX, IPCB_SIZES_MAX);
	fuzz_size(s, IPCB_SIZE_MAX);
	fuzz_u64(s, 1, 1000000000);     /* --iterations */
	fuzz_u64(s, 0, 1000000000);     /* --warmup */
	fuzz_u64(s, 1, IPCB_REPS_MAX);  /* --repetitions */
	fuzz_u64(s, 1, IPCB_PAIRS_MAX); /* --pairs */
	fuzz_seconds(s, 0.1, 86400);    /* --timeout */
	fuzz_seconds(s, 0.001, 3600);   /* --cell-time */
	fuzz_cpu_pair(s);
	fuzz_suggest(s);

	/* Other bounds: small caps and limits, the extremes of uint64. */
	fuzz_sizes(s, 1u << 20, 4);
	fuzz_sizes(s, UINT64_MAX, IPCB_SIZES_MAX);
	fuzz_sizes(s, 1, 1);
	fuzz_size(s, 1);
	fuzz_size(s, UINT64_MAX);
	fuzz_u64(s, 0, UINT64_MAX);
	fuzz_u64(s, UINT64_MAX, UINT64_MAX);
	fuzz_seconds(s, 0, 1e300);

	/* A reason buffer shorter than any reason must still be safe. */
	ipcb_parse_sizes(s, IPCB_SIZE_MAX, (uint64_t[IPCB_SIZES_MAX]){ 0 }, IPCB_SIZES_MAX,
			 &(size_t){ 0 }, tiny, sizeof tiny);
	ipcb_parse_size(s, IPCB_SIZE_MAX, &v, tiny, sizeof tiny);
	ipcb_parse_u64(s, 1, 10, &v, tiny, sizeof tiny);
	ipcb_parse_seconds(s, 0.1, 10, &(double){ 0 }, tiny, sizeof tiny);
	ipcb_parse_cpu_pair(s, pair, tiny, sizeof tiny);

	free(s);
	return 0;
}
