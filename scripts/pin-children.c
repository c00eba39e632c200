/* LD_PRELOAD helper for scripts/bench: pins a fork-based peer benchmark
 * (perf bench sched pipe) the way ipcbench pins its pair, so the figures
 * compare like with like.
 *
 *   IPCB_PIN_PROG   the program's short name (only it is affected)
 *   IPCB_PIN_SELF   CPU for the program itself
 *   IPCB_PIN_FORKED CPU for every process it forks
 *
 * Build: cc -shared -fPIC -O2 -o pin-children.so pin-children.c -lpthread */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

static void pin_env(const char *var)
{
	const char *v = getenv(var);
	cpu_set_t set;

	if (v == NULL || *v < '0' || *v > '9')
		return;
	CPU_ZERO(&set);
	CPU_SET(atoi(v), &set);
	(void)sched_setaffinity(0, sizeof set, &set);
}

static void after_fork_in_child(void)
{
	pin_env("IPCB_PIN_FORKED");
}

__attribute__((constructor)) static void pin_at_load(void)
{
	const char *prog = getenv("IPCB_PIN_PROG");

	if (prog == NULL || strcmp(prog, program_invocation_short_name) != 0)
		return;
	pin_env("IPCB_PIN_SELF");
	(void)pthread_atfork(NULL, NULL, after_fork_in_child);
}
