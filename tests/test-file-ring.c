/* The protocol of the file mechanism without its I/O (mechanisms/file-ring.c):
 * the header's check catches every torn read of a header being rewritten,
 * the ring's size and the largest message the free bytes allow, the pieces
 * of a message that wraps, the room a writer has, and, played out on two
 * rings in memory with random sizes, that the lazy acknowledgement never
 * leaves a writer without room once its reader has caught up (ping-pong
 * and streaming), and that every message arrives intact. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mechanisms/file-ring.h"
#include "tests/tap.h"

#define PENDING (1u << 17) /* messages in flight the streaming test tracks */

static uint64_t rng = 0x2545F4914F6CDD1Du;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Every mix of an old and a new header, byte by byte at each split point
 * and in both directions of copying, is either one of them or invalid. */
static void torn_headers(void)
{
	static const uint64_t pairs[][4] = {
		{ 0, 0, 64, 0 },
		{ 255, 0, 256, 0 },
		{ 0xffff, 77, 0x10000, 77 },
		{ 4096, 100, 4096, 2097152 },
		{ 0xffffffffu, 1, 0x100000000u, 1 },
		{ 1u << 20, 1u << 20, (1u << 20) + 1, (1u << 20) + 1 },
	};
	int bad = 0, cases = 0;

	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		struct ipcb_file_hdr old, new, mix;
		unsigned char *o = (unsigned char *)&old, *n = (unsigned char *)&new;
		unsigned char *m = (unsigned char *)&mix;

		ipcb_file_hdr_seal(&old, pairs[i][0], pairs[i][1]);
		ipcb_file_hdr_seal(&new, pairs[i][2], pairs[i][3]);
		for (size_t k = 1; k < sizeof mix; k++) {
			for (int dir = 0; dir < 2; dir++, cases++) {
				for (size_t b = 0; b < sizeof mix; b++)
					m[b] = (b < k) == (dir == 0) ? n[b] : o[b];
				if (ipcb_file_hdr_valid(&mix) &&
				    memcmp(&mix, &old, sizeof mix) != 0 &&
				    memcmp(&mix, &new, sizeof mix) != 0)
					bad++;
			}
		}
		ok(ipcb_file_hdr_valid(&old) && ipcb_file_hdr_valid(&new),
		   "headers (%llu, %llu) and (%llu, %llu) are valid once sealed",
		   (unsigned long long)pairs[i][0], (unsigned long long)pairs[i][1],
		   (unsigned long long)pairs[i][2], (unsigned long long)pairs[i][3]);
	}
	is_u64((uint64_t)bad, 0, "none of %d torn headers passes its check", cases);
	{
		struct ipcb_file_hdr zero = { 0, 0, 0 };

		ok(!ipcb_file_hdr_valid(&zero),
		   "a header of zero bytes (never written) is invalid");
	}
}

static void sizes(void)
{
	const uint64_t M = 1u << 20, P = IPCB_FILE_DATA_OFF;

	is_u64(ipcb_file_ring_bytes(1), 2 * M, "a 1-byte message gets the smallest ring, 2 MiB");
	is_u64(ipcb_file_ring_bytes(M), 2 * M, "a 1 MiB message: 2 MiB");
	is_u64(ipcb_file_ring_bytes(M + 1), 2 * (M + 4096), "1 MiB + 1: twice its pages");
	is_u64(ipcb_file_ring_bytes(IPCB_FILE_MSG_MAX), 2 * IPCB_FILE_MSG_MAX, "1 GiB: 2 GiB");
	is_u64(ipcb_file_ring_bytes(IPCB_FILE_MSG_MAX + 1), 0, "past 1 GiB: none");
	is_u64(ipcb_file_cell_bytes(64), 2 * (P + 2 * M), "two files of a page and a ring");
	is_u64(ipcb_file_max_msg(0), 0, "no free bytes: no message");
	is_u64(ipcb_file_max_msg(ipcb_file_cell_bytes(1) - 1), 0,
	       "a byte short of the smallest cell: no message");
	is_u64(ipcb_file_max_msg(ipcb_file_cell_bytes(1)), M,
	       "the smallest cell carries up to half its ring");
	is_u64(ipcb_file_max_msg((uint64_t)1 << 40), IPCB_FILE_MSG_MAX, "a large disk: 1 GiB");
	for (uint64_t free = ipcb_file_cell_bytes(1); free < ((uint64_t)1 << 34);
	     free = free * 3 / 2 + 12345) {
		uint64_t max = ipcb_file_max_msg(free);

		if (!ok(ipcb_file_cell_bytes(max) <= free &&
				(max == IPCB_FILE_MSG_MAX ||
				 ipcb_file_cell_bytes(max + 4096) > free),
			"%llu bytes free: %llu is the largest message that fits",
			(unsigned long long)free, (unsigned long long)max))
			break;
	}
}

static void spans(void)
{
	uint64_t off;
	size_t first;

	ipcb_file_ring_span(8192, 0, 100, &off, &first);
	ok(off == IPCB_FILE_DATA_OFF && first == 100, "at the start: one piece after the header");
	ipcb_file_ring_span(8192, 8192 * 3 + 8000, 300, &off, &first);
	ok(off == IPCB_FILE_DATA_OFF + 8000 && first == 192,
	   "across the end: 192 bytes there, the rest at the start");
	ipcb_file_ring_span(8192, 8192 - 100, 100, &off, &first);
	ok(off == IPCB_FILE_DATA_OFF + 8092 && first == 100, "up to the end exactly: one piece");
	ok(ipcb_file_room(8192, 100, 100, 8192), "an empty ring has room for all of it");
	ok(!ipcb_file_room(8192, 101, 100, 8192), "one byte in: not for all of it");
	ok(ipcb_file_room(8192, 8191, 100, 100), "room for what was acknowledged");
	ok(!ipcb_file_room(8192, 8292, 100, 1), "a full ring has no room");
	ok(!ipcb_file_room(8192, 100, 101, 1), "a tail past the head (a bad header): no room");
}

/* One direction in memory: the ring, its writer's head and published
 * header, its reader's consumed and published counts. */
struct sim {
	uint64_t cap, head, consumed, published;
	unsigned char *ring;
};

static bool sim_send(struct sim *s, const unsigned char *msg, size_t len)
{
	if (!ipcb_file_room(s->cap, s->head, s->published, len))
		return false;
	for (size_t i = 0; i < len; i++)
		s->ring[(s->head + i) % s->cap] = msg[i];
	s->head += len;
	return true;
}

static bool sim_recv(struct sim *s, unsigned char *msg, size_t len, bool piggyback)
{
	if (s->head - s->consumed < len)
		return false;
	for (size_t i = 0; i < len; i++)
		msg[i] = s->ring[(s->consumed + i) % s->cap];
	s->consumed += len;
	if (piggyback || ipcb_file_should_publish(s->cap, s->consumed, s->published))
		s->published = s->consumed;
	return true;
}

static void fill(unsigned char *b, size_t len, uint64_t seq)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(seq * 131 + i * 7);
}

/* Messages of random sizes up to max through rings of ipcb_file_ring_bytes(max):
 * ping-pong (each reply acknowledges), then streaming (the reader consumes
 * whatever is there whenever the writer has no room); count round trips, five
 * times as many streamed. */
static void simulate(size_t max, int count)
{
	static unsigned char ring[2][1u << 22], out[1u << 20], in[1u << 20];
	struct sim ab = { .cap = ipcb_file_ring_bytes(max), .ring = ring[0] };
	struct sim ba = { .cap = ab.cap, .ring = ring[1] };
	int stuck = 0, wrong = 0;
	uint64_t seq = 0, rseq = 0;

	for (int i = 0; i < count; i++, seq++) {
		size_t len = 1 + next_rand() % max;

		fill(out, len, seq);
		if (!sim_send(&ab, out, len) || !sim_recv(&ab, in, len, false)) {
			stuck++;
			break;
		}
		wrong += memcmp(in, out, len) != 0;
		/* the echo carries B's acknowledgement of A->B */
		ab.published = ab.consumed;
		if (!sim_send(&ba, in, len) || !sim_recv(&ba, out, len, false)) {
			stuck++;
			break;
		}
		ba.published = ba.consumed;
	}
	ok(stuck == 0 && wrong == 0,
	   "ping-pong, sizes 1..%zu, ring %llu: never without room, every message intact", max,
	   (unsigned long long)ab.cap);
	rseq = seq;
	{
		static size_t pending[PENDING];
		size_t np = 0, at = 0;

		for (int i = 0; i < 5 * count && !stuck; i++, seq++) {
			size_t len = 1 + next_rand() % max;

			fill(out, len, seq);
			while (!sim_send(&ab, out, len)) {
				/* the writer waits: the reader catches up, and must
				 * then have left it room */
				if (at == np) {
					stuck++;
					break;
				}
				while (at < np) {
					if (!sim_recv(&ab, in, pending[at % PENDING], false)) {
						stuck++;
						break;
					}
					{
						static unsigned char want[1u << 20];

						fill(want, pending[at % PENDING], rseq);
						wrong += memcmp(in, want, pending[at % PENDING]) !=
							 0;
					}
					at++;
					rseq++;
				}
				fill(out, len, seq);
			}
			pending[np++ % PENDING] = len;
			if (np - at >= PENDING) {
				stuck++;
				break;
			}
		}
	}
	ok(stuck == 0 && wrong == 0,
	   "streaming, sizes 1..%zu: a writer without room always finds it once the reader has "
	   "caught up, every message intact",
	   max);
}

int main(void)
{
	tap_init();
	torn_headers();
	sizes();
	spans();
	simulate(64, 20000);
	simulate(4096, 4000);
	simulate(1u << 19, 40);
	return tap_done();
}
