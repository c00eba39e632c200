/* The protocol of the file mechanism, without its I/O: a ring of bytes in
 * a regular file per direction, with a header at offset 0 that only the
 * writing side writes.
 *
 *   offset 0                 IPCB_FILE_DATA_OFF          + cap
 *   | header: head, tail, check | ring of cap bytes ........ |
 *
 * The file X->Y is written by X only. head counts the bytes X has put in
 * its ring (messages whole, one header write per message, after the
 * payload); tail counts the bytes X has consumed of the other direction's
 * ring, Y->X (its acknowledgement, published with each of X's header
 * writes, and by itself once half of Y's ring waits to be acknowledged);
 * check is a hash of both, because a pread of the header that races a
 * pwrite of it may see some of the old bytes and some of the new (the page
 * cache copies are not atomic): a header whose check does not match is
 * read again.
 *
 * The ring holds at least two messages (cap >= 2 * message rounded up to
 * the page) so that a writer whose last messages are consumed but not yet
 * acknowledged still finds room for the next: see ipcb_file_should_publish. */
#ifndef IPCB_FILE_RING_H
#define IPCB_FILE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPCB_FILE_DATA_OFF 4096u               /* the ring starts a page in */
#define IPCB_FILE_RING_MIN ((uint64_t)2 << 20) /* smallest ring: 2 MiB */
#define IPCB_FILE_MSG_MAX ((uint64_t)1 << 30)  /* largest message: 1 GiB */

/* The header, as it is in the file (host byte order: both sides are on
 * this machine). */
struct ipcb_file_hdr {
	uint64_t head;  /* bytes this side has written into its ring */
	uint64_t tail;  /* bytes this side has consumed of the peer's ring */
	uint64_t check; /* ipcb_file_hdr_check(head, tail) */
};

/* The check word of a header. */
uint64_t ipcb_file_hdr_check(uint64_t head, uint64_t tail);

/* Fill h with head and tail and their check. */
void ipcb_file_hdr_seal(struct ipcb_file_hdr *h, uint64_t head, uint64_t tail);

/* Whether h was read whole (its check matches). */
bool ipcb_file_hdr_valid(const struct ipcb_file_hdr *h);

/* The ring of a cell whose messages are at most msg bytes:
 * max(IPCB_FILE_RING_MIN, 2 * msg rounded up to the page); 0 when msg
 * exceeds IPCB_FILE_MSG_MAX. */
uint64_t ipcb_file_ring_bytes(uint64_t msg);

/* The bytes the two files of such a cell take: 2 * (data offset + ring). */
uint64_t ipcb_file_cell_bytes(uint64_t msg);

/* The largest message whose two files fit in free bytes (at most
 * IPCB_FILE_MSG_MAX, rounded down to the page); 0 when not even the
 * smallest ring fits. */
uint64_t ipcb_file_max_msg(uint64_t free_bytes);

/* Where [pos, pos + len) of a ring of cap bytes is in the file: the offset
 * of its first piece and that piece's length; the rest, if any (len -
 * *first bytes), is at IPCB_FILE_DATA_OFF (the ring wrapped). */
void ipcb_file_ring_span(uint64_t cap, uint64_t pos, size_t len, uint64_t *off, size_t *first);

/* Whether a writer at head may put len more bytes into a ring of cap
 * bytes whose reader has acknowledged tail. */
bool ipcb_file_room(uint64_t cap, uint64_t head, uint64_t tail, size_t len);

/* Whether a reader that has consumed `consumed` bytes and last published
 * `published` must publish its tail now: once half the ring waits for an
 * acknowledgement. A writer then always finds room for a message of at
 * most cap / 2 once its reader has caught up, so it never waits for an
 * acknowledgement that is not coming. */
bool ipcb_file_should_publish(uint64_t cap, uint64_t consumed, uint64_t published);

#endif
