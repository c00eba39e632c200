/* The pause of a spin-wait loop, per CPU architecture. */
#ifndef IPCB_RELAX_H
#define IPCB_RELAX_H

#include <stdatomic.h>

/* Tell the CPU this thread spins (x86 pause, arm64 yield), freeing the
 * core's resources to an SMT sibling; elsewhere only a compiler barrier,
 * so that the loop still reads memory afresh. */
static inline void ipcb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

#endif
