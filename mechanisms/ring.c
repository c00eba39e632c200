/* Single-producer, single-consumer shared-memory ring: the data path
 * (chunks, copies, slots cleared ahead) and the waiting protocol. */
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
#define LINE 64u

/* Messages up to this size take the fast paths of send and receive, with
 * inline copies, and the producer clears the lines ahead for the next. */
#define SMALL 256u

/* A chunk of at least this many bytes starts its payload on a cache line,
 * where the copies in and out run at full speed. */
#define ALIGN_MIN 1024u

/* The consumer prefetches the lines of a message this small while it
 * waits for its header (more lines than this: the copy streams anyway). */
#define HINT_LINES 4u

struct chunk_hdr {
	_Atomic uint32_t stamp; /* tag(position) once published; 0 before */
	uint32_t chunk_bytes;   /* payload bytes in this chunk */
	uint32_t message_bytes; /* bytes of the whole message */
	uint32_t offset;        /* from the header to the payload: 16, 32, 48 or 64 */
};

_Static_assert(sizeof(struct chunk_hdr) == HDR, "chunk header is 16 bytes");

static inline uint64_t pad16(uint64_t n)
{
	return (n + 15) & ~(uint64_t)15;
}

static inline uint64_t line_end(uint64_t pos)
{
	return (pos + LINE - 1) & ~(uint64_t)(LINE - 1);
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

uint64_t ipcb_ring_chunk_max(const struct ipcb_ring *r)
{
	uint64_t cap = r->ctl->capacity, q = r->chunk_max;

	if (q == 0)
		q = IPCB_RING_CHUNK;
	if (q > cap / 2)
		q = cap / 2;
	return q < 16 ? 16 : q & ~(uint64_t)15;
}

static struct chunk_hdr *hdr_at(struct ipcb_ring_ctl *c, uint64_t pos)
{
	return (struct chunk_hdr *)(c->data + (pos & (c->capacity - 1)));
}

/* memcpy of a small message, inline: a call into the C library costs
 * about as much as a cache hit. Overlapping moves of 16, 8, 4 bytes. */
static inline void copy_small(void *dst, const void *src, uint64_t n)
{
	char *d = dst;
	const char *s = src;

	if (n >= 16) {
		for (uint64_t i = 0; i + 16 < n; i += 16)
			__builtin_memcpy(d + i, s + i, 16);
		__builtin_memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		__builtin_memcpy(d, s, 8);
		__builtin_memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		__builtin_memcpy(d, s, 4);
		__builtin_memcpy(d + n - 4, s + n - 4, 4);
	} else {
		for (uint64_t i = 0; i < n; i++)
			d[i] = s[i];
	}
}

static inline void copy(void *dst, const void *src, uint64_t n)
{
	if (n <= SMALL)
		copy_small(dst, src, n);
	else
		memcpy(dst, src, n);
}

/* Copy in or out at a ring position, in two pieces across the end. */
static void copy_in(struct ipcb_ring_ctl *c, uint64_t pos, const void *src, uint64_t n)
{
	uint64_t off = pos & (c->capacity - 1), first = c->capacity - off;

	if (n <= first) {
		copy(c->data + off, src, n);
	} else {
		copy(c->data + off, src, first);
		copy(c->data, (const char *)src + first, n - first);
	}
}

static void copy_out(const struct ipcb_ring_ctl *c, uint64_t pos, void *dst, uint64_t n)
{
	uint64_t off = pos & (c->capacity - 1), first = c->capacity - off;

	if (n <= first) {
		copy(dst, c->data + off, n);
	} else {
		copy(dst, c->data + off, first);
		copy((char *)dst + first, c->data, n - first);
	}
}

/* Zero the ring between two positions (16-byte aligned, free space), 16
 * bytes at a time: a few lines at most. */
static void zero(struct ipcb_ring_ctl *c, uint64_t from, uint64_t to)
{
	unsigned char *data = c->data;
	uint64_t mask = c->capacity - 1;

	for (; from < to; from += 16)
		__builtin_memset(data + (from & mask), 0, 16);
}

/* What one end waits for: the chunk at the consumer's position, or `need`
 * bytes of free space for the producer. */
struct waiter {
	_Atomic uint32_t *flag; /* "I am asleep" */
	int ch;                 /* waker channel */
	bool data;              /* consumer? */
	uint64_t need;          /* producer: bytes of space */
	const char *hint;       /* consumer: the first line to prefetch, or NULL */
	uint32_t hint_lines;    /* how many */
};

/* Ask for the other lines of the awaited message together with its
 * header's, so that they cross between the caches in parallel rather than
 * one after the other (only a hint: the copy reads them after the stamp). */
static inline void prefetch_hint(const struct waiter *w)
{
	for (uint32_t i = 0; i < w->hint_lines; i++)
		__builtin_prefetch(w->hint + (size_t)i * LINE, 0, 3);
}

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
		prefetch_hint(w);
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
static __attribute__((noinline)) int wake(const struct ipcb_ring *r, _Atomic uint32_t *flag, int ch,
					  struct ipcb_err *err)
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

/* Where the payload of an n-byte chunk at pos starts, from its header:
 * right after it, or at the next line for a large chunk. */
static inline uint32_t payload_offset(uint64_t pos, uint64_t n)
{
	return n >= ALIGN_MIN ? (uint32_t)(line_end(pos + HDR) - pos) : HDR;
}

/* Producer, after publishing: clear the slots of the lines ahead (as far
 * as the space known free allows), while the consumer copies, so that the
 * next chunk's stores find those lines in this CPU's cache. */
static __attribute__((noinline)) void clear_to(struct ipcb_ring *r, uint64_t from, uint64_t to)
{
	uint64_t limit = r->cached_tail + r->ctl->capacity;

	if (from < r->cleared)
		from = r->cleared;
	if (to > limit)
		to = limit;
	if (from < to) {
		zero(r->ctl, from, to);
		r->cleared = to;
	}
}

/* ... after a small message of span bytes (header and payload), as far as
 * another of its size would need. Not after a larger chunk: the lines
 * ahead would be cleared only to be overwritten by the next payload (512-
 * byte messages streamed 1.6 times as fast without), and the next slot's
 * line costs nothing among that payload's. */
static inline void clear_ahead(struct ipcb_ring *r, uint64_t span)
{
	uint64_t to = line_end(r->pos + span + HDR);

	if (span <= HDR + SMALL && r->cleared < to)
		clear_to(r, r->pos, to);
}

/* Write one chunk of n bytes (space checked) and publish it. The slot of
 * the next header must read 0 before the stamp is seen: every slot in
 * [pos, cleared) does, and the rest of the next header's line is cleared
 * now if it was not ahead of time. */
static void publish(struct ipcb_ring *r, const void *src, uint64_t n, uint32_t off, size_t len)
{
	struct ipcb_ring_ctl *c = r->ctl;
	uint64_t head = r->pos, next = head + off + pad16(n);
	struct chunk_hdr *h = hdr_at(c, head);

	copy_in(c, head + off, src, n);
	h->chunk_bytes = (uint32_t)n;
	h->message_bytes = (uint32_t)len;
	h->offset = off;
	if (r->cleared < next + HDR)
		clear_to(r, next, line_end(next + HDR));
	atomic_store_explicit(&h->stamp, tag(head), memory_order_release);
	r->pos = next;
	clear_ahead(r, next - head);
}

/* Every chunk of a message, waiting for space as the wait mode says. */
static __attribute__((noinline)) int send_chunks(struct ipcb_ring *r, const void *buf, size_t len,
						 struct ipcb_err *err)
{
	struct ipcb_ring_ctl *c = r->ctl;
	uint64_t done = 0, most = ipcb_ring_chunk_max(r);

	if (len == 0 || len > UINT32_MAX)
		return ipcb_err_set(err, EMSGSIZE, "ring message of %zu bytes", len);
	do {
		uint64_t n = len - done < most ? len - done : most;
		uint32_t off = payload_offset(r->pos, n);
		/* The chunk and the next header's slot. */
		struct waiter w = { .flag = &c->producer_sleeping,
				    .ch = r->ch + 1,
				    .need = off + pad16(n) + HDR };
		int rc;

		if (c->capacity - (r->pos - r->cached_tail) < w.need &&
		    (rc = wait_for(r, &w, err)) != 0)
			return rc;
		publish(r, (const char *)buf + done, n, off, len);
		if ((rc = wake(r, &c->consumer_sleeping, r->ch, err)) != 0)
			return rc;
		done += n;
	} while (done < len);
	return 0;
}

int ipcb_ring_send(struct ipcb_ring *r, const void *buf, size_t len, struct ipcb_err *err)
{
	struct ipcb_ring_ctl *c = r->ctl;
	uint64_t head = r->pos, end = head + HDR + pad16(len), at = head & (c->capacity - 1);
	struct chunk_hdr *h = (struct chunk_hdr *)(c->data + at);

	/* A small message in one chunk, not across the ring's end, whose
	 * slots and the next header's were cleared ahead by the last send
	 * (so they are free: cleared never passes the space known free):
	 * what a stream or a round trip of small messages finds. */
	if (len - 1 >= SMALL || end + HDR > r->cleared || at + (end - head) > c->capacity ||
	    r->chunk_max != 0)
		return send_chunks(r, buf, len, err);
	copy_small(h + 1, buf, len);
	h->chunk_bytes = (uint32_t)len;
	h->message_bytes = (uint32_t)len;
	h->offset = HDR;
	atomic_store_explicit(&h->stamp, tag(head), memory_order_release);
	r->pos = end;
	clear_ahead(r, end - head);
	return r->wait == IPCB_RING_SPIN ? 0 : wake(r, &c->consumer_sleeping, r->ch, err);
}

/* The header at the consumer's position, checked against the message it
 * expects: len bytes, done of them received. 0 or -EPROTO. */
static int check_hdr(const struct ipcb_ring *r, const struct chunk_hdr *h, size_t len,
		     uint64_t done, struct ipcb_err *err)
{
	uint64_t n = h->chunk_bytes, off = h->offset;

	if (h->message_bytes == len && n != 0 && n <= len - done && off >= HDR && off <= LINE &&
	    off % 16 == 0 && off + pad16(n) + HDR <= r->ctl->capacity)
		return 0;
	return ipcb_err_set(err, EPROTO,
			    "ring chunk of %u bytes at offset %u of a %u-byte message, expected a "
			    "%zu-byte message with %llu bytes left",
			    h->chunk_bytes, h->offset, h->message_bytes, len,
			    (unsigned long long)(len - done));
}

/* The lines of a small message after its header's line, when they are
 * few (HINT_LINES at most) and do not cross the ring's end: how many, and
 * the first in *first. A guess (the producer may have split the message),
 * used only to prefetch. */
static inline uint32_t hint_lines(const struct ipcb_ring *r, size_t len, const char **first)
{
	const struct ipcb_ring_ctl *c = r->ctl;
	uint64_t from = line_end(r->pos + 1), to = line_end(r->pos + HDR + len);

	if (len >= ALIGN_MIN || to <= from || to - from > HINT_LINES * LINE ||
	    (from & (c->capacity - 1)) + (to - from) > c->capacity)
		return 0;
	*first = (const char *)c->data + (from & (c->capacity - 1));
	return (uint32_t)((to - from) / LINE);
}

/* The consumer waits for the chunk at its position; for the first chunk
 * of a small message, it prefetches the message's other lines meanwhile. */
static int wait_chunk(struct ipcb_ring *r, size_t len, uint64_t done, struct ipcb_err *err)
{
	struct waiter w = { .flag = &r->ctl->consumer_sleeping, .ch = r->ch, .data = true };

	if (done == 0)
		w.hint_lines = hint_lines(r, len, &w.hint);
	return wait_for(r, &w, err);
}

/* The rest of a message, or all of it, chunk by chunk. */
static __attribute__((noinline)) int recv_chunks(struct ipcb_ring *r, void *buf, size_t len,
						 uint64_t done, struct ipcb_err *err)
{
	struct ipcb_ring_ctl *c = r->ctl;

	while (done < len) {
		struct chunk_hdr *h;
		int rc;

		if ((rc = wait_chunk(r, len, done, err)) != 0)
			return rc;
		h = hdr_at(c, r->pos);
		if ((rc = check_hdr(r, h, len, done, err)) != 0)
			return rc;
		copy_out(c, r->pos + h->offset, (char *)buf + done, h->chunk_bytes);
		done += h->chunk_bytes;
		r->pos += h->offset + pad16(h->chunk_bytes);
		atomic_store_explicit(&c->tail, r->pos, memory_order_release);
		if ((rc = wake(r, &c->producer_sleeping, r->ch + 1, err)) != 0)
			return rc;
	}
	return 0;
}

/* Spin for a small message's header, inline: a round trip of spinning
 * ends leaves this loop the moment the header's line arrives. */
static inline void spin_small(struct ipcb_ring *r, const struct chunk_hdr *h, size_t len)
{
	const char *line = NULL;
	uint32_t lines = hint_lines(r, len, &line), want = tag(r->pos), i = 0;

	while (atomic_load_explicit(&h->stamp, memory_order_acquire) != want) {
		/* The message's other lines, asked for right after the header's
		 * (measured: here, not after the pause). */
		for (uint32_t k = 0; k < lines; k++)
			__builtin_prefetch(line + (size_t)k * LINE, 0, 3);
		ipcb_cpu_relax();
		if ((++i & 4095) == 0)
			sched_yield(); /* as in spin() */
	}
	r->pauses += i;
}

int ipcb_ring_recv(struct ipcb_ring *r, void *buf, size_t len, struct ipcb_err *err)
{
	struct ipcb_ring_ctl *c = r->ctl;
	uint64_t pos = r->pos, at = pos & (c->capacity - 1);
	struct chunk_hdr *h = (struct chunk_hdr *)(c->data + at);
	int rc;

	if (len - 1 >= SMALL || at + HDR + len > c->capacity)
		return recv_chunks(r, buf, len, 0, err);
	if (atomic_load_explicit(&h->stamp, memory_order_acquire) != tag(pos)) {
		if (r->wait == IPCB_RING_SPIN)
			spin_small(r, h, len);
		else if ((rc = wait_chunk(r, len, 0, err)) != 0)
			return rc;
	}
	/* The whole small message in this one chunk. */
	if (h->chunk_bytes != len || h->message_bytes != len || h->offset != HDR)
		return recv_chunks(r, buf, len, 0, err);
	copy_small(buf, h + 1, len);
	r->pos = pos + HDR + pad16(len);
	atomic_store_explicit(&c->tail, r->pos, memory_order_release);
	return r->wait == IPCB_RING_SPIN ? 0 : wake(r, &c->producer_sleeping, r->ch + 1, err);
}
