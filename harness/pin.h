/* CPUs: which exist, which are online, which this process may use, and
 * pinning the calling process to one of them. */
#ifndef IPCB_PIN_H
#define IPCB_PIN_H

#include <sched.h>
#include <stddef.h>

#include "harness/err.h"

/* Parse a kernel CPU list ("0-3,8,10-11") into set. 0 or -EINVAL. */
int ipcb_cpulist_parse(const char *s, cpu_set_t *set);

/* Format set as a kernel CPU list into buf ("" when empty). */
void ipcb_cpulist_format(const cpu_set_t *set, char *buf, size_t len);

/* CPUs the kernel knows (possible), online, and allowed for this process
 * (affinity mask). 0 or -errno. */
int ipcb_cpus_present(cpu_set_t *set);
int ipcb_cpus_online(cpu_set_t *set);
int ipcb_cpus_allowed(cpu_set_t *set);

/* Pin the calling process to one CPU and check that it now runs there.
 * 0 or -errno. */
int ipcb_pin_self(int cpu, struct ipcb_err *err);

#endif
