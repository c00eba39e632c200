/* Memory helpers for the children. */
#ifndef IPCB_MEM_H
#define IPCB_MEM_H

#include <stddef.h>

/* Map every page of [addr, addr + len) into the calling process's page
 * tables, writable, without changing its contents, so that no page fault
 * lands in a timed loop. Shared mappings need this in each child: fork
 * does not copy their page tables. Best effort (older kernels: reads each
 * page). */
void ipcb_prefault(void *addr, size_t len);

#endif
