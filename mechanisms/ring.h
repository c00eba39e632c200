/* A single-producer, single-consumer ring of variable-length records in
 * shared memory, with a choice of how each end waits: spin, sleep on a
 * futex, or spin briefly and then sleep.
 *
 * Layout. Positions are 64-bit byte counters that only grow; the capacity
 * is a power of two, so a position's offset is `pos & (capacity - 1)`. A
 * message is one or more chunks; a chunk is a 16-byte header {stamp,
 * chunk_bytes, message_bytes, offset} at a 16-byte boundary, then, offset
 * bytes from the header, the payload, padded to 16 bytes. The payload of a
 * chunk of 1 KiB or more starts on the next cache line (offset 16 to 64),
 * where the copies run at full speed; a smaller one follows its header. A
 * message larger than the largest chunk (ipcb_ring_chunk_max: 32 KiB by
 * default, at most half the ring) travels in several, so any size works
 * with any capacity, and the consumer copies one chunk while the producer
 * writes the next.
 *
 * Publishing. The producer writes the payload and the header, then stores
 * the header's stamp (a tag derived from the chunk's position, never 0)
 * with release order. The consumer waits on the stamp of the header at its
 * own position, in the same cache line as the data: a small message costs
 * one cache-line transfer each way, as close to a bare shared counter as a
 * ring gets. The slot of the next header reads 0 before a chunk is
 * published, so the consumer never mistakes stale bytes for a header:
 * after a small message the producer clears the slots of the lines the
 * next one of its size would take (as far as the free space it knows of),
 * so that it finds them in the producer's cache, and it clears what was
 * not cleared ahead just before publishing. While it waits for a small
 * message, the consumer prefetches the message's other lines right after
 * each read of the header, so that they cross with the header's line and
 * not after it. The consumer publishes how far it has read (tail); the
 * producer reads it only when its cached copy says the ring may be full.
 * Messages of up to 256 bytes take inline paths with no call into the C
 * library.
 *
 * Waking. A waiter announces itself in a flag (on a cache line of its own,
 * written only around a sleep), re-checks, and sleeps; the other end, after
 * its update, wakes it only when that flag is set, claiming the
 * announcement by swapping the flag back to 0. A full fence sits between
 * an update and reading the flag on both sides, so no wake-up is lost. The
 * sleep itself is a futex on the flag word, or any primitive handed in as
 * a waker (semaphores, a mutex and condition variable, eventfd, file
 * locks): one protocol for all, so variants differ only in the price of
 * one sleep and one wake-up. In spin mode nobody sleeps and the fence is
 * skipped.
 *
 * Where the time goes, per message and size, and why each of these
 * choices was made: doc/method.md, "The shared-memory ring". */
#ifndef IPCB_RING_H
#define IPCB_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/err.h"

enum ipcb_ring_wait {
	IPCB_RING_SPIN = 0,   /* never sleep */
	IPCB_RING_FUTEX = 1,  /* never spin: sleep at once */
	IPCB_RING_HYBRID = 2, /* spin up to spin_ns (the clock read on entry, then
			       * every 16 pauses), then sleep; 0: never spin */
};

/* The shared part of one ring. Each field is written by one end only and
 * sits on a cache line of its own. */
struct ipcb_ring_ctl {
	_Alignas(64) _Atomic uint64_t tail;              /* consumer: bytes consumed */
	_Alignas(64) _Atomic uint32_t consumer_sleeping; /* 1: the consumer sleeps or is about to */
	_Alignas(64) _Atomic uint32_t producer_sleeping; /* 1: the producer sleeps or is about to */
	_Alignas(64) uint64_t capacity;                  /* fixed at init */
	_Alignas(64) unsigned char data[];
};

/* Bytes of shared memory for a ring of this capacity. */
size_t ipcb_ring_bytes(uint64_t capacity);

/* Initialise a ring in shared memory. capacity: a power of two, at least
 * 4096. */
void ipcb_ring_init(struct ipcb_ring_ctl *ctl, uint64_t capacity);

/* How an end sleeps and is woken, when not on a futex. Channel ch is the
 * ring's data (the consumer sleeps) and ch + 1 its space (the producer
 * sleeps). flag is the announcement word of the sleeping end. */
struct ipcb_ring_waker {
	/* Sleep until post(ch). A non-precise waker may return early: the
	 * ring re-checks. 0 or -errno (-EPIPE: the other end is gone). */
	int (*sleep)(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err);
	/* Wake the end sleeping on ch, whose announcement was just claimed
	 * (flag swapped to 0). 0 or -errno. */
	int (*post)(void *ctx, int ch, _Atomic uint32_t *flag, struct ipcb_err *err);
	/* Each post must be taken by exactly one sleep (a counting
	 * semaphore, file locks): a waiter that finds its announcement
	 * claimed after all sleeps once more to take the post. */
	bool precise;
	void *ctx;
};

/* One end of a ring, private to its process or thread. Zero-initialise,
 * then set ctl, wait and spin_ns (and waker and ch, to sleep on something
 * other than a futex; chunk_max, to move large messages in other pieces
 * than the default). */
struct ipcb_ring {
	struct ipcb_ring_ctl *ctl;
	const struct ipcb_ring_waker *waker; /* NULL: futex */
	int ch;                              /* the ring's data channel for waker */
	enum ipcb_ring_wait wait;
	uint64_t spin_ns;     /* HYBRID: how long to spin before sleeping */
	uint64_t chunk_max;   /* largest chunk in bytes; 0: ipcb_ring_chunk_max's default */
	uint64_t pos;         /* producer: head; consumer: tail */
	uint64_t cached_tail; /* producer: last tail read from ctl */
	uint64_t cleared;     /* producer: every slot in [pos, cleared) reads 0 */
	uint64_t pauses;      /* pause instructions spun so far (tests) */
};

/* Default largest chunk: a large message moves in pieces this size, so the
 * consumer copies one while the producer writes the next. */
#define IPCB_RING_CHUNK ((uint64_t)32 << 10)

/* The largest chunk this end sends: chunk_max, or by default
 * IPCB_RING_CHUNK; never more than half the capacity, a multiple of 16. */
uint64_t ipcb_ring_chunk_max(const struct ipcb_ring *r);

/* Producer: send one message of len >= 1 bytes, waiting for space as the
 * ring's wait mode says. 0 or -errno. */
int ipcb_ring_send(struct ipcb_ring *r, const void *buf, size_t len, struct ipcb_err *err);

/* Consumer: receive one whole message of exactly len bytes. A message of
 * another length is -EPROTO. 0 or -errno. */
int ipcb_ring_recv(struct ipcb_ring *r, void *buf, size_t len, struct ipcb_err *err);

#endif
