/* Parsers for values given on the command line (sizes, counts, CPU pairs,
 * option values). Pure functions (no printing, no exit),
 * so the tests and fuzzers can call them. Each returns 0, or -1 with a
 * one-line reason that names the bad value in `why`. */
#ifndef IPCB_PARSE_H
#define IPCB_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define IPCB_WHY_MAX 256

/* A decimal integer in [min, max]; no sign, spaces or suffix. */
int ipcb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why, size_t len);

/* A positive decimal number of seconds in [min, max] ("10", "0.5"). */
int ipcb_parse_seconds(const char *s, double min, double max, double *out, char *why, size_t len);

/* A message size: digits with an optional binary suffix K, M, G (or KiB,
 * MiB, GiB; case-insensitive), from 1 byte to `max`. */
int ipcb_parse_size(const char *s, uint64_t max, uint64_t *out, char *why, size_t len);

/* A comma list of sizes and ranges "LO-HI" (LO, every power of two between,
 * HI). Sorted ascending; a size given twice is an error; at most `cap`
 * sizes. */
int ipcb_parse_sizes(const char *s, uint64_t max, uint64_t *out, size_t cap, size_t *n, char *why,
		     size_t len);

/* Two CPU numbers "A,B" (syntax only: whether they exist is checked
 * against the machine by the caller). */
int ipcb_parse_cpu_pair(const char *s, int out[2], char *why, size_t len);

/* The candidate closest to word by edit distance, if close enough to be a
 * plausible typo; NULL otherwise. */
const char *ipcb_suggest(const char *word, const char *const *cands, size_t n);

/* Cut s before a UTF-8 character that a truncation left incomplete, so
 * that a shortened name is still valid UTF-8 (JSON needs it). */
void ipcb_utf8_trim(char *s);

#endif
