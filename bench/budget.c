/* How much each cell measures: --repetitions, --iterations and
 * --cell-time, the options run and matrix share, and their defaults. */
#include "config.h"

#include <stdint.h>

#include "bench/budget.h"
#include "bench/cli.h"
#include "harness/parse.h"
#include "harness/run.h"

/* "--name: reason" for a bad number, or 0. */
static int checked(int rc, const char *name, const char *why)
{
	return rc == 0 ? 0 : ipcb_cli_usage_error("%s: %s", name, why);
}

int ipcb_cli_budget_repetitions(void *budget, const char *arg)
{
	struct ipcb_cli_budget *b = budget;
	char why[IPCB_WHY_MAX];

	return checked(ipcb_parse_u64(arg, 1, IPCB_REPS_MAX, &b->repetitions, why, sizeof why),
		       "--repetitions", why);
}

int ipcb_cli_budget_iterations(void *budget, const char *arg)
{
	struct ipcb_cli_budget *b = budget;
	char why[IPCB_WHY_MAX];

	return checked(ipcb_parse_u64(arg, 1, 1000000000, &b->iterations, why, sizeof why),
		       "--iterations", why);
}

int ipcb_cli_budget_cell_time(void *budget, const char *arg)
{
	struct ipcb_cli_budget *b = budget;
	char why[IPCB_WHY_MAX];

	return checked(ipcb_parse_seconds(arg, 0.001, 3600, &b->cell_time_s, why, sizeof why),
		       "--cell-time", why);
}

int ipcb_cli_budget_check(struct ipcb_cli_budget *b, uint64_t repetitions, double cell_time_s)
{
	if (b->iterations != 0 && b->cell_time_s != 0)
		return ipcb_cli_usage_error("--iterations and --cell-time contradict each other: "
					    "give one");
	if (b->repetitions == 0)
		b->repetitions = repetitions;
	if (b->cell_time_s == 0)
		b->cell_time_s = cell_time_s;
	return 0;
}
