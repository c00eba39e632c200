/* Single-producer, single-consumer shared-memory ring with futex wake-ups. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "harness/clock.h"
#include "harness/futex.h"
#include "mechanisms/ring.h"

#define HDR 8u

struct chunk_hdr {
	uint32_t chunk_bytes;   /* payload bytes in this chunk */
	uint32_t message_bytes; /* bytes of the whole message */
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static inline uint64_t pad8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

size_t ipcb_ring_bytes(uint64_t capacity)
{
	return sizeof(struct ipcb_ring_ctl) + capacity;
}

void ipcb_ring_init(struct ipcb_ring_ctl *ctl, uint64_t capacity)
{
	atomic_store(&ctl->head, 0);
	atomic_store(&ctl->tail, 0);
	atomic_store(&ctl->data_seq, 0);
	atomic_store(&ctl->space_seq, 0);
	atomic_store(&ctl->producer_waiting, 0);
	atomic_store(&ctl->consumer_waiting, 0);
	ctl->capacity = capacity;
}

/* Copy in or out at a ring position, in two pieces across the end. */
static void copy_in(struct ipcb_ring_ctl *c, uint64_t pos, const void *src, uint64_t n)
{
	uint64_t off = pos & (c->capacity - 1), first = c->capacity - off;

	if (n <= first) {
		memcpy(c->data + off, src, n);
	} else {
		memcpy(c->data + off, src, first);
		memcpy(c->data, (const char *)src + first, n - first);
	}
}

static void copy_out(const struct ipcb_ring_ctl *c, uint64_t pos, void *dst, uint64_t n)
{
	uint64_t off = pos & (c->capacity - 1), first = c->capacity - off;

	if (n <= first) {
		memcpy(dst, c->data + off, n);
	} else {
		memcpy(dst, c->data + off, first);
		memcpy((char *)dst + first, c->data, n - first);
	}
}

/* What one end waits for: `need` bytes of data (consumer) or of free
 * space (producer). */
struct waiter {
	_Atomic uint32_t *seq;     /* futex word to sleep on */
	_Atomic uint32_t *flag;    /* "I am asleep" */
	bool data;                 /* consumer? */
	uint64_t need;
};

static bool ready(const struct ipcb_ring_ctl *c, const struct waiter *w)
{
	uint64_t head = atomic_load_explicit(&c->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&c->tail, memory_order_acquire);

	return w->data ? head - tail >= w->need : c->capacity - (head - tail) >= w->need;
}

static bool spin(const struct ipcb_ring *r, const struct waiter *w)
{
	uint64_t deadline = 0;

	if (r->wait == IPCB_RING_FUTEX)
		return false;
	for (uint32_t i = 1;; i++) {
		if (ready(r->ctl, w))
			return true;
		cpu_relax();
		/* Read the clock only now and then: it costs more than a pause. */
		if (r->wait == IPCB_RING_HYBRID && (i & 63) == 0) {
			uint64_t now = ipcb_clock_now_ns();

			if (deadline == 0)
				deadline = now + r->spin_ns;
			else if (now >= deadline)
				return false;
		}
	}
}

static void wait_for(const struct ipcb_ring *r, const struct waiter *w)
{
	if (ready(r->ctl, w) || spin(r, w))
		return;
	for (;;) {
		uint32_t seq = atomic_load_explicit(w->seq, memory_order_acquire);

		atomic_store_explicit(w->flag, 1, memory_order_relaxed);
		/* Pairs with the fence in wake(): either the other end sees the
		 * flag, or we see its update below. */
		atomic_thread_fence(memory_order_seq_cst);
		if (ready(r->ctl, w))
			break;
		(void)ipcb_futex_wait(w->seq, seq);
		if (ready(r->ctl, w))
			break;
	}
	atomic_store_explicit(w->flag, 0, memory_order_relaxed);
}

/* After publishing: wake the other end if it said it sleeps. */
static void wake(_Atomic uint32_t *flag, _Atomic uint32_t *seq)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(flag, memory_order_relaxed)) {
		atomic_fetch_add_explicit(seq, 1, memory_order_release);
		(void)ipcb_futex_wake(seq, 1);
	}
}

int ipcb_ring_send(struct ipcb_ring *r, const void *buf, size_t len, struct ipcb_err *err)
{
	struct ipcb_ring_ctl *c = r->ctl;
	uint64_t done = 0;

	if (len == 0 || len > UINT32_MAX)
		return ipcb_err_set(err, EMSGSIZE, "ring message of %zu bytes", len);
	while (done < len) {
		uint64_t rest = len - done, half = c->capacity / 2, head, tail, chunk;
		struct chunk_hdr h;
		/* Wait for room for the rest, or for half the ring when the rest
		 * is larger: big messages move in big chunks. */
		struct waiter w = { .seq = &c->space_seq, .flag = &c->producer_waiting,
				    .data = false, .need = HDR + pad8(rest < half ? rest : half) };

		wait_for(r, &w);
		head = atomic_load_explicit(&c->head, memory_order_relaxed);
		tail = atomic_load_explicit(&c->tail, memory_order_acquire);
		chunk = (c->capacity - (head - tail) - HDR) & ~(uint64_t)7;
		if (chunk > rest)
			chunk = rest;
		h.chunk_bytes = (uint32_t)chunk;
		h.message_bytes = (uint32_t)len;
		copy_in(c, head, &h, HDR);
		copy_in(c, head + HDR, (const char *)buf + done, chunk);
		atomic_store_explicit(&c->head, head + HDR + pad8(chunk), memory_order_release);
		wake(&c->consumer_waiting, &c->data_seq);
		done += chunk;
	}
	return 0;
}

int ipcb_ring_recv(struct ipcb_ring *r, void *buf, size_t len, struct ipcb_err *err)
{
	struct ipcb_ring_ctl *c = r->ctl;
	uint64_t done = 0;

	while (done < len) {
		struct waiter w = { .seq = &c->data_seq, .flag = &c->consumer_waiting,
				    .data = true, .need = HDR };
		uint64_t tail;
		struct chunk_hdr h;

		wait_for(r, &w);
		tail = atomic_load_explicit(&c->tail, memory_order_relaxed);
		copy_out(c, tail, &h, HDR);
		if (h.message_bytes != len || h.chunk_bytes == 0 || h.chunk_bytes > len - done)
			return ipcb_err_set(err, EPROTO,
					    "ring chunk of %u bytes of a %u-byte message, expected a %zu-byte message with %llu bytes left",
					    h.chunk_bytes, h.message_bytes, len,
					    (unsigned long long)(len - done));
		copy_out(c, tail + HDR, (char *)buf + done, h.chunk_bytes);
		atomic_store_explicit(&c->tail, tail + HDR + pad8(h.chunk_bytes), memory_order_release);
		wake(&c->producer_waiting, &c->space_seq);
		done += h.chunk_bytes;
	}
	return 0;
}
