/* Futex wait and wake on a 32-bit word that may be shared between
 * processes (MAP_SHARED memory), so the non-private operations are used. */
#ifndef IPCB_FUTEX_H
#define IPCB_FUTEX_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Sleep while *word == expected (returns at once otherwise). Returns 0, or
 * -1 with errno (EAGAIN: the word had changed; EINTR: a signal). */
static inline int ipcb_futex_wait(_Atomic uint32_t *word, uint32_t expected)
{
	return (int)syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, NULL, NULL, 0);
}

/* Wake up to n sleepers on word. Returns how many were woken, or -1. */
static inline int ipcb_futex_wake(_Atomic uint32_t *word, int n)
{
	return (int)syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* Block until *word is non-zero. */
static inline void ipcb_futex_wait_nonzero(_Atomic uint32_t *word)
{
	while (atomic_load_explicit(word, memory_order_acquire) == 0)
		(void)ipcb_futex_wait(word, 0);
}

/* Set *word to value and wake every sleeper. */
static inline void ipcb_futex_set_wake(_Atomic uint32_t *word, uint32_t value)
{
	atomic_store_explicit(word, value, memory_order_release);
	(void)ipcb_futex_wake(word, 1 << 30);
}

#endif
