/* Force-included (clang -include) into every file of a fuzz target by
 * scripts/fuzz: the project's own messages on stderr go to a sink, so that
 * libFuzzer's log shows findings, not thousands of "ipcbench: ..." lines.
 * The sanitizers and libFuzzer write to file descriptor 2 themselves and
 * are not affected. IPCB_FUZZ_VERBOSE=1 in the environment keeps the
 * messages (to reproduce a finding). */
#ifndef IPCB_FUZZ_QUIET_H
#define IPCB_FUZZ_QUIET_H

#include "config.h"

#include <stdio.h>

extern FILE *ipcb_fuzz_stderr;

#ifndef IPCB_FUZZ_QUIET_IMPL
#undef stderr
#define stderr ipcb_fuzz_stderr
#endif

#endif
