/* The protocol of the file mechanism, without its I/O: see file-ring.h. */
#include "config.h"

#include "mechanisms/file-ring.h"

#define PAGE 4096u

/* splitmix64's finaliser: every bit of x moves every bit of the result. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t ipcb_file_hdr_check(uint64_t head, uint64_t tail)
{
	return mix(head ^ mix(tail ^ 0x6970636266696c65ULL)); /* "ipcbfile" */
}

void ipcb_file_hdr_seal(struct ipcb_file_hdr *h, uint64_t head, uint64_t tail)
{
	h->head = head;
	h->tail = tail;
	h->check = ipcb_file_hdr_check(head, tail);
}

bool ipcb_file_hdr_valid(const struct ipcb_file_hdr *h)
{
	return h->check == ipcb_file_hdr_check(h->head, h->tail);
}

uint64_t ipcb_file_ring_bytes(uint64_t msg)
{
	uint64_t two;

	if (msg > IPCB_FILE_MSG_MAX)
		return 0;
	two = 2 * ((msg + PAGE - 1) / PAGE * PAGE);
	return two > IPCB_FILE_RING_MIN ? two : IPCB_FILE_RING_MIN;
}

uint64_t ipcb_file_cell_bytes(uint64_t msg)
{
	uint64_t ring = ipcb_file_ring_bytes(msg);

	return ring ? 2 * (IPCB_FILE_DATA_OFF + ring) : 0;
}

uint64_t ipcb_file_max_msg(uint64_t free_bytes)
{
	uint64_t ring, msg;

	if (free_bytes < ipcb_file_cell_bytes(1))
		return 0;
	ring = free_bytes / 2 - IPCB_FILE_DATA_OFF;
	msg = ring / 2 / PAGE * PAGE;
	if (msg < IPCB_FILE_RING_MIN / 2)
		msg = IPCB_FILE_RING_MIN / 2; /* the smallest ring fits, and carries that */
	return msg > IPCB_FILE_MSG_MAX ? IPCB_FILE_MSG_MAX : msg;
}

void ipcb_file_ring_span(uint64_t cap, uint64_t pos, size_t len, uint64_t *off, size_t *first)
{
	uint64_t at = pos % cap;

	*off = IPCB_FILE_DATA_OFF + at;
	*first = (uint64_t)len < cap - at ? len : (size_t)(cap - at);
}

bool ipcb_file_room(uint64_t cap, uint64_t head, uint64_t tail, size_t len)
{
	return head - tail <= cap && (uint64_t)len <= cap - (head - tail);
}

bool ipcb_file_should_publish(uint64_t cap, uint64_t consumed, uint64_t published)
{
	return consumed - published >= cap / 2;
}
