/* A single-producer, single-consumer ring of variable-length records in
 * shared memory, with a choice of how each end waits: spin, sleep on a
 * futex, or spin briefly and then sleep.
 *
 * Positions are 64-bit byte counters that only grow; the capacity is a
 * power of two, so a position's offset is `pos & (capacity - 1)`. A
 * message is one or more chunks; each chunk is an 8-byte header
 * {chunk_bytes, message_bytes} followed by the payload, padded to 8 bytes.
 * A message larger than half the ring travels in several chunks, so any
 * size works with any capacity.
 *
 * Waking: a waiter announces itself in a flag before sleeping, and the
 * other end calls FUTEX_WAKE only when that flag is set (with a full fence
 * between publishing and reading the flag on one side, and between setting
 * the flag and re-checking on the other, so no wake-up is lost). */
#ifndef IPCB_RING_H
#define IPCB_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/err.h"

enum ipcb_ring_wait {
	IPCB_RING_SPIN = 0,   /* never sleep */
	IPCB_RING_FUTEX = 1,  /* never spin: sleep at once */
	IPCB_RING_HYBRID = 2, /* spin up to spin_ns, then sleep */
};

/* The shared part of one ring: written by the producer on the first cache
 * line, by the consumer on the second. */
struct ipcb_ring_ctl {
	_Alignas(64) _Atomic uint64_t head;        /* bytes published */
	_Atomic uint32_t data_seq;                 /* futex word the consumer sleeps on */
	_Atomic uint32_t producer_waiting;         /* producer sleeps on space_seq */
	_Alignas(64) _Atomic uint64_t tail;        /* bytes consumed */
	_Atomic uint32_t space_seq;                /* futex word the producer sleeps on */
	_Atomic uint32_t consumer_waiting;         /* consumer sleeps on data_seq */
	_Alignas(64) uint64_t capacity;            /* fixed at init */
	_Alignas(64) unsigned char data[];
};

/* Bytes of shared memory for a ring of this capacity. */
size_t ipcb_ring_bytes(uint64_t capacity);

/* Initialise a ring in zeroed shared memory. capacity: a power of two,
 * at least 4096. */
void ipcb_ring_init(struct ipcb_ring_ctl *ctl, uint64_t capacity);

/* One end of a ring, private to its process or thread. */
struct ipcb_ring {
	struct ipcb_ring_ctl *ctl;
	enum ipcb_ring_wait wait;
	uint64_t spin_ns;   /* HYBRID: how long to spin before sleeping */
};

/* Producer: send one message of len >= 1 bytes, waiting for space as the
 * ring's wait mode says. 0 or -errno. */
int ipcb_ring_send(struct ipcb_ring *r, const void *buf, size_t len, struct ipcb_err *err);

/* Consumer: receive one whole message of exactly len bytes. A message of
 * another length is -EPROTO. 0 or -errno. */
int ipcb_ring_recv(struct ipcb_ring *r, void *buf, size_t len, struct ipcb_err *err);

#endif
