/* Single-producer, single-consumer shared-memory ring with futex wake-ups. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>

#include "harness/clock.h"
#include "harness/futex.h"
#include "mechanisms/relax.h"
#include "mechanisms/ring.h"

#define HDR 16u

struct chunk_hdr {
	_Atomic uint32_t stamp; /* tag(position) once published; 0 before */
	uint32_t chunk_bytes;   /* payload bytes in this chunk */
	uint32_t message_bytes; /* bytes of the whole message */
	uint32_t reserved;
};

_Static_assert(sizeof(struct chunk_hdr) == HDR, "chunk header is 16 bytes");

static inline uint64_t pad16(uint64_t n)
{
	return (n + 15) & ~(uint64_t)15;
}

/* The stamp of a chunk at pos: never 0 (a cleared slot), and repeating only
 * every 32 GiB of traffic, while a slot is cleared every lap. */
static inline uint32_t tag(uint64_t pos)
{
	return (uint32_t)(pos >> 4) | 0x80000000u;
}

size_t ipcb_ring_bytes(uint64_t capacity)
{
	return sizeof(struct ipcb_ring_ctl) + capacity;
}

void ipcb_ring_init(struct ipcb_ring_ctl *ctl, uint64_t capacity)
{
	atomic_store(&ctl->tail, 0);
	atomic_store(&ctl->consumer_sleeping, 0);
	atomic_store(&ctl->producer_sleeping, 0);
	ctl->capacity = capacity;
	memset(ctl->data, 0, capacity);
}

static struct chunk_hdr *hdr_at(struct ipcb_ring_ctl *c, uint64_t pos)
{
	return (struct chunk_hdr *)(c->data + (pos & (c->capacity - 1)));
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

/* What one end waits for: the chunk at the consumer's position, or `need`
 * bytes of free space for the producer. */
struct waiter {
	_Atomic uint32_t *flag; /* "I am asleep" */
	int ch;                 /* waker channel */
	bool data;              /* consumer? */
	uint64_t need;          /* producer: bytes of space */
};

static bool ready(struct ipcb_ring *r, const struct waiter *w)
{
	struct ipcb_ring_ctl *c = r->ctl;

	if (w->data)
		return atomic_load_explicit(&hdr_at(c, r->pos)->stamp, memory_order_acquire) ==
		       tag(r->pos);
	r->cached_tail = atomic_load_explicit(&c->tail, memory_order_acquire);
	return c->capacity - (r->pos - r->cached_tail) >= w->need;
}

/* Pauses between two clock readings while a hybrid end spins: a clock
 * reading costs more than a pause, and 16 pauses stay well under a
 * microsecond, the unit of spin_us. */
#define SPIN_CLOCK_EVERY 16u

static bool spin(struct ipcb_ring *r, const struct waiter *w)
{
	uint64_t deadline = 0;
	uint32_t i = 0;

	if (r->wait == IPCB_RING_FUTEX || (r->wait == IPCB_RING_HYBRID && r->spin_ns == 0))
		return false;
	if (r->wait == IPCB_RING_HYBRID)
		deadline = ipcb_clock_now_ns() + r->spin_ns;
	while (!ready(r, w)) {
		ipcb_cpu_relax();
		i++;
		/* A long wait (tens of microseconds) may mean the other end
		 * shares this CPU after all (its affinity was changed, the host
		 * stopped a vCPU): let it run instead of spinning out a whole
		 * time slice. */
		if (r->wait == IPCB_RING_SPIN && (i & 4095) == 0)
			sched_yield();
		if (r->wait == IPCB_RING_HYBRID && i % SPIN_CLOCK_EVERY == 0 &&
		    ipcb_clock_now_ns() >= deadline) {
			r->pauses += i;
			return false;
		}
	}
	r->pauses += i;
	return true;
}

static int sleep_on(struct ipcb_ring *r, const struct waiter *w, struct ipcb_err *err)
{
	if (r->waker != NULL)
		return r->waker->sleep(r->waker->ctx, w->ch, w->flag, err);
	(void)ipcb_futex_wait(w->flag, 1); /* EAGAIN (woken already), EINTR: re-check */
	return 0;
}

/* Ready after announcing: withdraw the announcement. When the other end
 * has claimed it already, a post is on its way, and a precise waker must
 * take it now, or the next sleep would return at once. */
static int withdraw(struct ipcb_ring *r, const struct waiter *w, struct ipcb_err *err)
{
	if (atomic_exchange_explicit(w->flag, 0, memory_order_acq_rel) == 1)
		return 0;
	if (r->waker != NULL && r->waker->precise)
		return r->waker->sleep(r->waker->ctx, w->ch, w->flag, err);
	return 0;
}

static int wait_for(struct ipcb_ring *r, const struct waiter *w, struct ipcb_err *err)
{
	if (ready(r, w) || spin(r, w))
		return 0;
	for (;;) {
		int rc;

		atomic_store_explicit(w->flag, 1, memory_order_relaxed);
		/* Pairs with the fence in wake(): either the other end sees the
		 * flag, or we see its update below. */
		atomic_thread_fence(memory_order_seq_cst);
		if (ready(r, w))
			return withdraw(r, w, err);
		if ((rc = sleep_on(r, w, err)) != 0)
			return rc;
		/* A precise waker's sleep returned with a post, which answered
		 * a claimed announcement: nothing is left to withdraw. */
		if (ready(r, w))
			return r->waker != NULL && r->waker->precise ? 0 : withdraw(r, w, err);
	}
}

/* After an update: wake the other end if it announced a sleep, claiming
 * the announcement so that exactly one post answers it. */
static int wake(const struct ipcb_ring *r, _Atomic uint32_t *flag, int ch, struct ipcb_err *err)
{
	if (r->wait == IPCB_RING_SPIN)
		return 0;
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(flag, memory_order_relaxed) == 0 ||
	    atomic_exchange_explicit(flag, 0, memory_order_acq_rel) == 0)
		return 0;
	if (r->waker != NULL)
		return r->waker->post(r->waker->ctx, ch, flag, err);
	(void)ipcb_futex_wake(flag, 1);
	return 0;
}

int ipcb_ring_send(struct ipcb_ring *r, const void *buf, size_t len, struct ipcb_err *err)
{
	struct ipcb_ring_ctl *c = r->ctl;
	uint64_t done = 0;

	if (len == 0 || len > UINT32_MAX)
		return ipcb_err_set(err, EMSGSIZE, "ring message of %zu bytes", len);
	while (done < len) {
		uint64_t rest = len - done, half = c->capacity / 2, head = r->pos, chunk, next;
		struct chunk_hdr *h = hdr_at(c, head);
		/* Room for the rest (or half the ring, when the rest is larger:
		 * big messages move in big chunks), plus the next header slot,
		 * which is cleared before this chunk is published. */
		struct waiter w = { .flag = &c->producer_sleeping,
				    .ch = r->ch + 1,
				    .data = false,
				    .need = 2 * HDR + pad16(rest < half ? rest : half) };
		int rc;

		if (c->capacity - (head - r->cached_tail) < w.need &&
		    (rc = wait_for(r, &w, err)) != 0)
			return rc;
		chunk = (c->capacity - (head - r->cached_tail) - 2 * HDR) & ~(uint64_t)15;
		if (chunk > rest)
			chunk = rest;
		next = head + HDR + pad16(chunk);
		copy_in(c, head + HDR, (const char *)buf + done, chunk);
		h->chunk_bytes = (uint32_t)chunk;
		h->message_bytes = (uint32_t)len;
		atomic_store_explicit(&hdr_at(c, next)->stamp, 0, memory_order_relaxed);
		atomic_store_explicit(&h->stamp, tag(head), memory_order_release);
		r->pos = next;
		if ((rc = wake(r, &c->consumer_sleeping, r->ch, err)) != 0)
			return rc;
		done += chunk;
	}
	return 0;
}

int ipcb_ring_recv(struct ipcb_ring *r, void *buf, size_t len, struct ipcb_err *err)
{
	struct ipcb_ring_ctl *c = r->ctl;
	uint64_t done = 0;

	while (done < len) {
		struct waiter w = { .flag = &c->consumer_sleeping, .ch = r->ch, .data = true };
		struct chunk_hdr *h;
		int rc;

		if ((rc = wait_for(r, &w, err)) != 0)
			return rc;
		h = hdr_at(c, r->pos);
		if (h->message_bytes != len || h->chunk_bytes == 0 || h->chunk_bytes > len - done)
			return ipcb_err_set(err, EPROTO,
					    "ring chunk of %u bytes of a %u-byte message, expected "
					    "a %zu-byte message with %llu bytes left",
					    h->chunk_bytes, h->message_bytes, len,
					    (unsigned long long)(len - done));
		copy_out(c, r->pos + HDR, (char *)buf + done, h->chunk_bytes);
		done += h->chunk_bytes;
		r->pos += HDR + pad16(h->chunk_bytes);
		atomic_store_explicit(&c->tail, r->pos, memory_order_release);
		if ((rc = wake(r, &c->producer_sleeping, r->ch + 1, err)) != 0)
			return rc;
	}
	return 0;
}
