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
	free(buf);
	free(old);
	return tap_done();
}
