/* Message framing: sequence numbers, pattern, checksum, and that every
 * kind of damage is caught. */
#include "config.h"

#include <stdlib.h>

#include "harness/msg.h"
#include "tests/tap.h"

static char why[256];

int main(void)
{
	static const size_t sizes[] = { 1, 2, 7, 8, 9, 15, 16, 17, 64, 4096, 65537 };
	unsigned char *buf = malloc(65537), *old = malloc(65537);

	tap_init();
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		size_t len = sizes[k];
		int caught = 0;

		ipcb_msg_fill(buf, len, 1000);
		ok(ipcb_msg_verify(buf, len, 1000, why, sizeof why) == 0,
		   "%zu bytes: intact message passes", len);
		ok(ipcb_msg_verify(buf, len, 1001, why, sizeof why) != 0 && strstr(why, "sequence"),
		   "%zu bytes: wrong sequence number caught", len);
		/* Flip each byte in turn: every single-byte change is caught. */
		for (size_t i = 0; i < len && i < 64; i++) {
			buf[i] ^= 0x40;
			caught += ipcb_msg_verify(buf, len, 1000, why, sizeof why) != 0;
			buf[i] ^= 0x40;
		}
		is_u64((uint64_t)caught, len < 64 ? len : 64,
		       "%zu bytes: every flipped byte caught", len);
		/* A message that is half the previous one and half this one (torn). */
		if (len >= 32) {
			ipcb_msg_fill(old, len, 999);
			memcpy(buf + len / 2, old + len / 2, len - len / 2);
			ok(ipcb_msg_verify(buf, len, 1000, why, sizeof why) != 0,
			   "%zu bytes: torn message caught", len);
		}
	}
	ipcb_msg_stamp(buf, 1, 0x1234);
	ok(ipcb_msg_seq_ok(buf, 1, 0x1234) && ipcb_msg_seq(buf, 1) == 0x34,
	   "1-byte message carries the low 8 bits");
	ok(ipcb_msg_check_seq(buf, 1, 0x1235, why, sizeof why) != 0 && strstr(why, "0x") == NULL,
	   "1-byte sequence mismatch: %s", why);
	ipcb_msg_stamp(buf, 64, 77);
	ok(ipcb_msg_check_seq(buf, 64, 77, why, sizeof why) == 0, "sequence-only check passes");
	ok(ipcb_msg_check_seq(buf, 64, 78, why, sizeof why) != 0,
	   "sequence-only check fails on mismatch");
	/* The mismatch says what happened to the stream. */
	ok(ipcb_msg_check_seq(buf, 64, 76, why, sizeof why) != 0 && strstr(why, "message 76 lost"),
	   "one message ahead: %s", why);
	ok(ipcb_msg_check_seq(buf, 64, 70, why, sizeof why) != 0 &&
		   strstr(why, "7 messages lost, 70 to 76"),
	   "seven ahead: %s", why);
	ok(ipcb_msg_check_seq(buf, 64, 78, why, sizeof why) != 0 &&
		   strstr(why, "message 77 duplicated"),
	   "one behind: %s", why);
	ok(ipcb_msg_check_seq(buf, 64, 90, why, sizeof why) != 0 &&
		   strstr(why, "13 behind: duplicated"),
	   "further behind: %s", why);
	/* At one byte, across the wrap of the carried number. */
	ipcb_msg_stamp(buf, 1, 256);
	ok(ipcb_msg_check_seq(buf, 1, 255, why, sizeof why) != 0 && strstr(why, "message 255 lost"),
	   "1 byte, 256 where 255 was due: %s", why);
	ipcb_msg_stamp(buf, 1, 255);
	ok(ipcb_msg_check_seq(buf, 1, 256, why, sizeof why) != 0 &&
		   strstr(why, "message 255 duplicated"),
	   "1 byte, 255 where 256 was due: %s", why);
	ipcb_msg_stamp(buf, 1, 300);
	ok(ipcb_msg_check_seq(buf, 1, 44, why, sizeof why) == 0,
	   "1 byte: 256 messages lost go unseen (the number is carried modulo 256)");
	/* The receiver of a lossy mechanism: forward gaps, nothing else. */
	{
		uint64_t seq = 0;

		ok(ipcb_msg_seq_forward(10, 10, 8, 11, &seq) == 0 && seq == 10,
		   "forward: the expected message");
		ok(ipcb_msg_seq_forward(10, 15, 8, 100, &seq) == 0 && seq == 15,
		   "forward: 5 lost before it");
		ok(ipcb_msg_seq_forward(10, 9, 8, 100, &seq) != 0, "forward: one behind refused");
		ok(ipcb_msg_seq_forward(10, 15, 8, 15, &seq) != 0,
		   "forward: a number the sender has not started refused");
		ok(ipcb_msg_seq_forward(250, 4, 1, 300, &seq) == 0 && seq == 260,
		   "forward, 1 byte: across the wrap (4 carried, 250 expected: 260)");
		ok(ipcb_msg_seq_forward(250, 249, 1, 300, &seq) != 0,
		   "forward, 1 byte: a duplicate is refused while the sender is near");
		ok(ipcb_msg_seq_forward(250, 249, 1, 600, &seq) == 0 && seq == 505,
		   "forward, 1 byte: with 350 sent ahead, 249 reads as 505 (the smallest)");
		ok(ipcb_msg_seq_forward(0x1000, 0x10005, 2, 0x20000, &seq) != 0,
		   "forward, 2 bytes: a number wider than the message refused");
		ok(ipcb_msg_seq_forward(0x1ff00, 0x0005, 2, 0x30000, &seq) == 0 && seq == 0x20005,
		   "forward, 2 bytes: across the wrap");
	}
	free(buf);
	free(old);
	return tap_done();
}
