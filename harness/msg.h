/* Message framing for integrity checks: a sequence number in every message
 * and, in verify mode, a payload pattern and checksum.
 *
 * Layout of a message of len bytes:
 *   [0, min(len, 8))  sequence number, little-endian, truncated to len bytes
 *   verify mode only:
 *   [8, 16)           checksum of every other byte (when len >= 16)
 *   the rest          a pattern derived from the sequence number and offset
 * A message shorter than 16 bytes carries no checksum; in verify mode its
 * pattern bytes are compared directly, so every byte is still checked. */
#ifndef IPCB_MSG_H
#define IPCB_MSG_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Mask of the sequence bits a len-byte message can carry. */
static inline uint64_t ipcb_msg_seq_mask(size_t len)
{
	return len >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * len)) - 1;
}

/* Write seq into the message header (as many bytes as fit). */
static inline void ipcb_msg_stamp(void *buf, size_t len, uint64_t seq)
{
	uint64_t le = htole64(seq);

	memcpy(buf, &le, len < 8 ? len : 8);
}

/* The (truncated) sequence number a message carries. */
static inline uint64_t ipcb_msg_seq(const void *buf, size_t len)
{
	uint64_t le = 0;

	memcpy(&le, buf, len < 8 ? len : 8);
	return le64toh(le);
}

/* Whether buf carries sequence number seq (as far as len bytes can). */
static inline int ipcb_msg_seq_ok(const void *buf, size_t len, uint64_t seq)
{
	return ipcb_msg_seq(buf, len) == (seq & ipcb_msg_seq_mask(len));
}

/* A receiver that accepts lost messages (IPCB_MECH_LOSSY): the full
 * sequence number of a message that carries got (its first `bytes` bytes,
 * 1..8, of the number), when the next one expected is `expected` and the
 * sender has started no message from `bound` on: the smallest number at or
 * after expected that is got modulo 2^(8 * bytes), if it is below bound.
 * 0 and *seq, or -1 when there is none: a duplicate, a reordered message
 * or a corrupt number. When more than 2^(8 * bytes) messages in a row may
 * have been lost (bound - expected above that), the smallest candidate is
 * taken. */
static inline int ipcb_msg_seq_forward(uint64_t expected, uint64_t got, size_t bytes,
				       uint64_t bound, uint64_t *seq)
{
	uint64_t mask = ipcb_msg_seq_mask(bytes), s = expected + ((got - expected) & mask);

	if ((got & ~mask) != 0 || s < expected || s >= bound)
		return -1;
	*seq = s;
	return 0;
}

/* Verify mode: stamp seq, fill the pattern and store the checksum. */
void ipcb_msg_fill(void *buf, size_t len, uint64_t seq);

/* Most bytes a header between the sequence number and the checksum may
 * take (the one-way test's stamps: harness/oneway.h). */
#define IPCB_MSG_HDR_MAX 32

/* ipcb_msg_fill and ipcb_msg_verify with hdr bytes (a multiple of 8, at
 * most IPCB_MSG_HDR_MAX) left after the sequence number for a header the
 * caller writes (the one-way test's send stamp): the checksum moves to
 * [8 + hdr, 16 + hdr) and covers [0, 8) and [16 + hdr, len); the header
 * is neither filled nor checked. hdr 0 is the layout above. */
void ipcb_msg_fill_hdr(void *buf, size_t len, uint64_t seq, size_t hdr);
int ipcb_msg_verify_hdr(const void *buf, size_t len, uint64_t seq, size_t hdr, char *why,
			size_t whylen);

/* Verify mode: check the sequence number and every other byte (through the
 * checksum, or directly below 16 bytes). Returns 0, or -1 with a one-line
 * description of the mismatch in why. */
int ipcb_msg_verify(const void *buf, size_t len, uint64_t seq, char *why, size_t whylen);

/* Without verify: check the sequence number only. Same return as above. */
int ipcb_msg_check_seq(const void *buf, size_t len, uint64_t seq, char *why, size_t whylen);

/* Describe why a carried sequence number got is not the expected seq,
 * when only `bytes` (1..8) bytes of it travel (got is already truncated):
 * "carries sequence number G, expected E: message E lost (or overtaken:
 * reordered)", "... message E-1 duplicated (received twice)", ... A gap
 * that is a multiple of 2^(8 * bytes) is invisible and cannot be told. */
void ipcb_msg_seq_mismatch(uint64_t seq, uint64_t got, size_t bytes, char *why, size_t whylen);

/* The checksum stored at [8, 16): a 64-bit multiplicative hash of
 * [0, 8) and [16, len). len must be >= 16. */
uint64_t ipcb_msg_checksum(const void *buf, size_t len);

#endif
