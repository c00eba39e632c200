/* The wire format of the fd-pass mechanism, for the mechanism and its
 * descriptor tests (tests/test-fd-pass.c). */
#ifndef IPCB_FD_PASS_H
#define IPCB_FD_PASS_H

#include <stdint.h>

/* Messages a sender may have sent that the receiver has not yet returned
 * (read and closed): the descriptors in flight per direction, and the
 * size of a side's pool with -o memfd=pool. */
#define IPCB_FDP_WINDOW 16
/* A receiver that has finished with this many messages and sent nothing
 * back says so in a message of its own (IPCB_FDP_ACK). */
#define IPCB_FDP_ACK_EVERY (IPCB_FDP_WINDOW / 2)
/* Descriptors a receiver makes room for in one message, so that extra
 * ones arrive (and are closed) rather than being cut off. */
#define IPCB_FDP_MAX_FDS 8

enum ipcb_fdp_kind {
	IPCB_FDP_DATA = 1, /* carries one memfd of exactly len bytes */
	IPCB_FDP_ACK = 2,  /* carries no descriptor; len is 0 */
};

/* One sendmsg() on the SOCK_SEQPACKET pair: this header as the data, and
 * for IPCB_FDP_DATA one descriptor as SCM_RIGHTS. */
struct ipcb_fdp_hdr {
	uint64_t len;  /* payload bytes in the memfd */
	uint32_t ack;  /* messages of the peer's the sender has finished with since it last said */
	uint32_t kind; /* enum ipcb_fdp_kind */
};

#endif
