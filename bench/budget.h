/* How much each cell measures: the options run and matrix share. */
#ifndef IPCB_CLI_BUDGET_H
#define IPCB_CLI_BUDGET_H

#include <stdint.h>

struct ipcb_cli_budget {
	uint64_t repetitions; /* fresh process pairs per cell; 0 until given */
	uint64_t iterations;  /* timed operations per repetition; 0: sized to cell_time_s */
	double cell_time_s;   /* target time of each cell; 0 until given */
};

/* The take() of the table entries (struct ipcb_cli_opt) for -r,
 * --repetitions, -n, --iterations and --cell-time, whose field is the
 * command's struct ipcb_cli_budget. 0, or "--name: reason" and
 * EXIT_USAGE. */
int ipcb_cli_budget_repetitions(void *budget, const char *arg);
int ipcb_cli_budget_iterations(void *budget, const char *arg);
int ipcb_cli_budget_cell_time(void *budget, const char *arg);

/* After the options: --iterations and --cell-time contradict each other
 * (EXIT_USAGE); what was not given gets the command's default. 0 or
 * EXIT_USAGE. */
int ipcb_cli_budget_check(struct ipcb_cli_budget *b, uint64_t repetitions, double cell_time_s);

#endif
