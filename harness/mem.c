/* Memory helpers for the children. */
#include "config.h"

#include <stdint.h>
#include <sys/mman.h>

#include "harness/mem.h"

void ipcb_prefault(void *addr, size_t len)
{
	uintptr_t start = (uintptr_t)addr & ~(uintptr_t)4095;

#ifdef MADV_POPULATE_WRITE
	if (madvise((void *)start, (uintptr_t)addr + len - start, MADV_POPULATE_WRITE) == 0)
		return;
#endif
	for (uintptr_t p = start; p < (uintptr_t)addr + len; p += 4096)
		(void)*(volatile const char *)p;
}
