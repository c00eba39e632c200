/* Message pattern, checksum and checks. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "harness/msg.h"

#define CSUM_OFFSET 8
#define PAYLOAD_OFFSET 16

/* Pattern word for word index j (byte offset 8 * j) of message seq. */
static uint64_t pattern_word(uint64_t seq, uint64_t j)
{
	uint64_t x = seq * 0x9E3779B97F4A7C15u ^ (j + 1) * 0xD1B54A32D192ED03u;

	x ^= x >> 31;
	return x;
}

/* Write the pattern into [from, len), from a multiple of 8. */
static void fill_pattern(unsigned char *p, size_t from, size_t len, uint64_t seq)
{
	size_t off = from;

	for (; off + 8 <= len; off += 8) {
		uint64_t w = htole64(pattern_word(seq, off / 8));

		memcpy(p + off, &w, 8);
	}
	if (off < len) {
		uint64_t w = htole64(pattern_word(seq, off / 8));

		memcpy(p + off, &w, len - off);
	}
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x100000001B3u;
	return h ^ (h >> 29);
}

/* The checksum of [0, 8) and [payload, len). */
static uint64_t checksum_from(const unsigned char *p, size_t len, size_t payload)
{
	uint64_t h = 0xCBF29CE484222325u ^ len, w;
	size_t off;

	memcpy(&w, p, 8);
	h = mix(h, w);
	for (off = payload; off + 8 <= len; off += 8) {
		memcpy(&w, p + off, 8);
		h = mix(h, w);
	}
	if (off < len) {
		w = 0;
		memcpy(&w, p + off, len - off);
		h = mix(h, w);
	}
	return h;
}

uint64_t ipcb_msg_checksum(const void *buf, size_t len)
{
	return checksum_from(buf, len, PAYLOAD_OFFSET);
}

void ipcb_msg_fill_hdr(void *buf, size_t len, uint64_t seq, size_t hdr)
{
	unsigned char *p = buf;

	ipcb_msg_stamp(p, len, seq);
	if (len <= CSUM_OFFSET + hdr)
		return;
	fill_pattern(p, CSUM_OFFSET + hdr, len, seq);
	if (len >= PAYLOAD_OFFSET + hdr) {
		uint64_t c = htole64(checksum_from(p, len, PAYLOAD_OFFSET + hdr));

		memcpy(p + CSUM_OFFSET + hdr, &c, 8);
	}
}

void ipcb_msg_fill(void *buf, size_t len, uint64_t seq)
{
	ipcb_msg_fill_hdr(buf, len, seq, 0);
}

/* How far the carried sequence number is from the expected one, as a
 * signed distance modulo what `bytes` bytes can carry: > 0 ahead (messages
 * missing), < 0 behind (an old message again). */
static int64_t seq_distance(uint64_t got, uint64_t want, size_t bytes)
{
	uint64_t mask = ipcb_msg_seq_mask(bytes), d = (got - want) & mask;

	return d > mask / 2 ? -(int64_t)(mask - d) - 1 : (int64_t)d;
}

void ipcb_msg_seq_mismatch(uint64_t seq, uint64_t got, size_t bytes, char *why, size_t whylen)
{
	uint64_t want = seq & ipcb_msg_seq_mask(bytes);
	int64_t d = seq_distance(got, want, bytes);
	char modulo[24] = "";
	int n;

	if (bytes < 8)
		snprintf(modulo, sizeof modulo, " (modulo 2^%zu)", 8 * bytes);
	n = snprintf(why, whylen,
		     "carries sequence number %" PRIu64 ", expected %" PRIu64 "%s: ", got, want,
		     modulo);
	if (n < 0 || (size_t)n >= whylen)
		return;
	why += n;
	whylen -= (size_t)n;
	if (d == 1)
		snprintf(why, whylen, "message %" PRIu64 " lost (or overtaken: reordered)", seq);
	else if (d > 1)
		snprintf(why, whylen,
			 "%" PRId64 " messages lost, %" PRIu64 " to %" PRIu64
			 " (or overtaken: reordered)",
			 d, seq, seq + (uint64_t)d - 1);
	else if (d == -1 && seq > 0)
		snprintf(why, whylen, "message %" PRIu64 " duplicated (received twice)", seq - 1);
	else
		snprintf(why, whylen,
			 "an old message again, %" PRId64
			 " behind: duplicated (or late: reordered)",
			 -d);
}

int ipcb_msg_check_seq(const void *buf, size_t len, uint64_t seq, char *why, size_t whylen)
{
	int n;

	if (ipcb_msg_seq_ok(buf, len, seq))
		return 0;
	n = snprintf(why, whylen, "message %" PRIu64 " (%zu bytes): ", seq, len);
	if (n >= 0 && (size_t)n < whylen)
		ipcb_msg_seq_mismatch(seq, ipcb_msg_seq(buf, len), len < 8 ? len : 8, why + n,
				      whylen - (size_t)n);
	return -1;
}

int ipcb_msg_verify_hdr(const void *buf, size_t len, uint64_t seq, size_t hdr, char *why,
			size_t whylen)
{
	const unsigned char *p = buf;
	const size_t csum = CSUM_OFFSET + hdr, payload = PAYLOAD_OFFSET + hdr;

	if (ipcb_msg_check_seq(buf, len, seq, why, whylen) != 0)
		return -1;
	if (len <= csum)
		return 0;
	if (len >= payload) {
		uint64_t stored, actual = checksum_from(p, len, payload);

		memcpy(&stored, p + csum, 8);
		stored = le64toh(stored);
		if (stored == actual)
			return 0;
		snprintf(why, whylen,
			 "message %" PRIu64 " (%zu bytes): checksum 0x%016" PRIx64
			 " does not match the payload (0x%016" PRIx64 "): corrupted data",
			 seq, len, stored, actual);
		return -1;
	}
	{
		unsigned char expect[PAYLOAD_OFFSET + IPCB_MSG_HDR_MAX];

		fill_pattern(expect, csum, len, seq);
		if (memcmp(p + csum, expect + csum, len - csum) == 0)
			return 0;
	}
	snprintf(why, whylen,
		 "message %" PRIu64 " (%zu bytes): payload bytes differ from what was sent", seq,
		 len);
	return -1;
}

int ipcb_msg_verify(const void *buf, size_t len, uint64_t seq, char *why, size_t whylen)
{
	return ipcb_msg_verify_hdr(buf, len, seq, 0, why, whylen);
}
