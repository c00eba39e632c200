/* Fault injection for tests: a wrapper around a mechanism that makes one
 * side misbehave at a chosen message. Costs nothing when no fault is set:
 * the harness uses the wrapper only then. */
#ifndef IPCB_FAULT_H
#define IPCB_FAULT_H

#include <stdint.h>

#include "mechanisms/mech.h"

enum ipcb_fault_kind {
	IPCB_FAULT_NONE = 0,
	IPCB_FAULT_KILL,    /* the side SIGKILLs itself at its at-th send or receive */
	IPCB_FAULT_STALL,   /* the side stops answering at its at-th send or receive */
	IPCB_FAULT_CORRUPT, /* the side flips the last bit of its at-th sent message */
	IPCB_FAULT_DELAY,   /* the side busy-waits delay_ns before every send */
	IPCB_FAULT_DROP,    /* the side does not send its at-th message (a loss) */
	IPCB_FAULT_DUP,     /* the side sends its at-th message twice */
	IPCB_FAULT_PAUSE,   /* the side sleeps delay_ns once every period_ns */
};

struct ipcb_fault {
	enum ipcb_fault_kind kind;
	enum ipcb_side side;
	uint64_t at;        /* 0-based count at which the fault fires */
	uint64_t delay_ns;  /* IPCB_FAULT_DELAY; IPCB_FAULT_PAUSE: the pause */
	uint64_t period_ns; /* IPCB_FAULT_PAUSE: from one pause to the next */
	unsigned rep;  /* only in this repetition (1-based, pilots excluded); 0 = every run of the
			  cell */
	char mech[32]; /* only cells of this mechanism; "" = every mechanism */
};

/* Parse "MECH:KIND[-SIDE][@N][#R]" (KIND kill|stall|corrupt|drop|dup, SIDE
 * a|b, default b, N default 100), "MECH:delay=NS[-SIDE][@N][#R]" or
 * "MECH:pause=NS/PERIOD[-SIDE][@N][#R]" (a pause of NS ns every PERIOD ns,
 * the first PERIOD after operation N, default 0). MECH may
 * be "*". #R: only in repetition R (1-based), never in a pilot. 0, or -EINVAL
 * with the reason in err. */
int ipcb_fault_parse(const char *spec, struct ipcb_fault *f, struct ipcb_err *err);

/* "kill", "stall", "corrupt", "delay", "drop", "dup" or "none". */
const char *ipcb_fault_kind_name(enum ipcb_fault_kind k);

/* The wrapping mechanism; only attach, send, recv and notes are used. */
extern const struct ipcb_mech ipcb_fault_mech;

/* Wrap a mechanism's state (after its setup) so ipcb_fault_mech's calls go
 * to it with the fault applied. Free with free(); the inner state stays the
 * real mechanism's. NULL on allocation failure. */
void *ipcb_fault_wrap(const struct ipcb_mech *real, void *inner, const struct ipcb_fault *f);

#endif
