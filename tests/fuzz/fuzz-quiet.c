/* The sink behind fuzz-quiet.h, linked into every fuzz target. Also sends
 * stdout (tables, exported files, --help) to /dev/null: libFuzzer reports
 * on stderr. */
#define IPCB_FUZZ_QUIET_IMPL 1
#include "tests/fuzz/fuzz-quiet.h"

#include <stdlib.h>

/* This file is force-included with fuzz-quiet.h too: the real stderr. */
#undef stderr

FILE *ipcb_fuzz_stderr;

__attribute__((constructor)) static void ipcb_fuzz_quiet_init(void)
{
	const char *v = getenv("IPCB_FUZZ_VERBOSE");

	if (v != NULL && *v != '\0' && *v != '0') {
		ipcb_fuzz_stderr = stderr;
		return;
	}
	ipcb_fuzz_stderr = fopen("/dev/null", "w");
	if (ipcb_fuzz_stderr == NULL || freopen("/dev/null", "w", stdout) == NULL) {
		perror("fuzz: /dev/null");
		abort();
	}
}
