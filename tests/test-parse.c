/* Parsers for sizes, counts, seconds, CPU pairs and the did-you-mean
 * suggestion. */
#include "config.h"

#include <stdint.h>

#include "harness/parse.h"
#include "harness/pin.h"
#include "harness/run.h"
#include "tests/tap.h"

static char why[IPCB_WHY_MAX];

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0;
	int rc = ipcb_parse_size(s, IPCB_SIZE_MAX, &v, why, sizeof why);

	ok(rc == 0 && v == want, "size '%s' = %llu", s, (unsigned long long)want);
}

/* Bad input fails and the message quotes it. */
static void size_bad(const char *s)
{
	uint64_t v;
	int rc = ipcb_parse_size(s, IPCB_SIZE_MAX, &v, why, sizeof why);

	ok(rc != 0 && strstr(why, s) != NULL, "size '%s' refused: %s", s, why);
}

static void sizes_ok(const char *s, const uint64_t *want, size_t n_want)
{
	uint64_t v[IPCB_SIZES_MAX];
	size_t n = 0;
	int rc = ipcb_parse_sizes(s, IPCB_SIZE_MAX, v, IPCB_SIZES_MAX, &n, why, sizeof why);
	int same = rc == 0 && n == n_want;

	for (size_t i = 0; same && i < n; i++)
		same = v[i] == want[i];
	ok(same, "size list '%s'", s);
}

static void sizes_bad(const char *s, const char *needle)
{
	uint64_t v[IPCB_SIZES_MAX];
	size_t n;
	int rc = ipcb_parse_sizes(s, IPCB_SIZE_MAX, v, IPCB_SIZES_MAX, &n, why, sizeof why);

	ok(rc != 0 && strstr(why, needle) != NULL, "size list '%.40s' refused: %s", s, why);
}

static void test_sizes(void)
{
	static const uint64_t sweep[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 };
	static const uint64_t odd[] = { 3, 4, 8, 10 };
	static const uint64_t sorted[] = { 64, 4096, 1048576 };
	char many[1024] = "";

	size_ok("1", 1);
	size_ok("64", 64);
	size_ok("4K", 4096);
	size_ok("4k", 4096);
	size_ok("4KiB", 4096);
	size_ok("1M", 1048576);
	size_ok("1G", 1073741824);
	size_ok("1536", 1536);
	size_bad("0");
	size_bad("-5");
	size_bad("abc");
	size_bad("99999999999999999999");
	size_bad("4KB");
	size_bad("2G");
	size_bad("1.5K");
	size_bad(" 64");
	size_bad("64 ");
	size_bad("");
	sizes_ok("1-1K", sweep, sizeof sweep / sizeof sweep[0]);
	sizes_ok("3-10", odd, 4);
	sizes_ok("1M,64,4K", sorted, 3);
	sizes_bad("64,64", "twice");
	sizes_bad("64,,4K", "empty");
	sizes_bad("", "empty");
	sizes_bad("1K-64", "larger");
	sizes_bad("64,abc", "abc");
	sizes_bad("4-", "'4-': give both ends");
	for (int i = 1; i <= 70; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "%s%d", i > 1 ? "," : "",
			 i);
	sizes_bad(many, "too many");
}

static void test_numbers(void)
{
	uint64_t v;
	double d;

	ok(ipcb_parse_u64("5000", 1, 1000000000, &v, why, sizeof why) == 0 && v == 5000,
	   "count 5000");
	ok(ipcb_parse_u64("0", 1, 10, &v, why, sizeof why) != 0 && strstr(why, "'0'"),
	   "count 0 below min: %s", why);
	ok(ipcb_parse_u64("-1", 1, 10, &v, why, sizeof why) != 0 && strstr(why, "'-1'"),
	   "count -1: %s", why);
	ok(ipcb_parse_u64("12x", 1, 100, &v, why, sizeof why) != 0 && strstr(why, "'12x'"),
	   "count 12x: %s", why);
	ok(ipcb_parse_u64("18446744073709551616", 1, 10, &v, why, sizeof why) != 0 &&
		   strstr(why, "out of range"),
	   "count overflowing 64 bits: %s", why);
	ok(ipcb_parse_u64("", 1, 10, &v, why, sizeof why) != 0, "empty count");
	ok(ipcb_parse_seconds("0.5", 0.1, 10, &d, why, sizeof why) == 0 && d == 0.5, "0.5 s");
	ok(ipcb_parse_seconds("nan", 0.1, 10, &d, why, sizeof why) != 0, "nan seconds: %s", why);
	ok(ipcb_parse_seconds("1e999", 0.1, 10, &d, why, sizeof why) != 0, "huge seconds: %s", why);
	ok(ipcb_parse_seconds("0.01", 0.1, 10, &d, why, sizeof why) != 0, "too few seconds: %s",
	   why);
}

static void test_cpus(void)
{
	int c[2];
	cpu_set_t set;
	char buf[64];

	ok(ipcb_parse_cpu_pair("0,1", c, why, sizeof why) == 0 && c[0] == 0 && c[1] == 1,
	   "cpus 0,1");
	ok(ipcb_parse_cpu_pair("3,3", c, why, sizeof why) == 0 && c[0] == 3 && c[1] == 3,
	   "cpus 3,3 (same CPU)");
	ok(ipcb_parse_cpu_pair("0", c, why, sizeof why) != 0, "one CPU: %s", why);
	ok(ipcb_parse_cpu_pair("0,1,2", c, why, sizeof why) != 0, "three CPUs: %s", why);
	ok(ipcb_parse_cpu_pair("a,b", c, why, sizeof why) != 0 && strstr(why, "'a,b'"),
	   "letters: %s", why);
	ok(ipcb_parse_cpu_pair("-1,0", c, why, sizeof why) != 0, "negative: %s", why);
	ok(ipcb_parse_cpu_pair("0,", c, why, sizeof why) != 0, "missing second: %s", why);
	ok(ipcb_cpulist_parse("0-3,8,10-11\n", &set) == 0 && CPU_COUNT(&set) == 7 &&
		   CPU_ISSET(8, &set) && !CPU_ISSET(9, &set),
	   "kernel cpu list 0-3,8,10-11");
	ipcb_cpulist_format(&set, buf, sizeof buf);
	is_str(buf, "0-3,8,10-11", "cpu list formats back");
	ok(ipcb_cpulist_parse("3-1", &set) != 0, "descending range refused");
	ok(ipcb_cpulist_parse("1,,2", &set) != 0, "empty element refused");
	ok(ipcb_cpulist_parse("", &set) == 0 && CPU_COUNT(&set) == 0, "empty list is empty set");
}

static void test_suggest(void)
{
	static const char *const mechs[] = { "null", "pipe", "fifo", "uds-stream", "tcp" };

	is_str(ipcb_suggest("pipes", mechs, 5), "pipe", "pipes -> pipe");
	is_str(ipcb_suggest("fifi", mechs, 5), "fifo", "fifi -> fifo");
	is_str(ipcb_suggest("uds", mechs, 5), "uds-stream", "uds -> uds-stream (prefix)");
	is_str(ipcb_suggest("PIPE", mechs, 5), "pipe", "case is ignored");
	is_str(ipcb_suggest("tpc", mechs, 5), "tcp", "a swap of two letters counts once");
	ok(ipcb_suggest("zzzzzz", mechs, 5) == NULL, "nothing close: no suggestion");
}

int main(void)
{
	tap_init();
	test_sizes();
	test_numbers();
	test_cpus();
	test_suggest();
	return tap_done();
}
