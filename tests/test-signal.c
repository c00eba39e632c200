/* The signal mechanism's own checks, in one process that signals itself:
 * a gap or a repeat in the count carried by the sigval's spare bytes, and
 * a bounded wait that names the message that did not come. */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "mechanisms/mech.h"
#include "tests/tap.h"

extern const struct ipcb_mech ipcb_mech_signal;

/* Queue a 1-byte message whose spare bytes say it is signal number count. */
static void queue_as(unsigned char payload, uint64_t count)
{
	union sigval v;
	uint64_t le = htole64(count);

	memset(&v, 0, sizeof v);
	memcpy(&v, &payload, 1);
	memcpy((unsigned char *)&v + 1, &le, sizeof v - 1);
	sigqueue(getpid(), SIGRTMIN + 2, v);
}

int main(void)
{
	const struct ipcb_mech *m = &ipcb_mech_signal;
	struct ipcb_opt_set opts = { .n = 0 };
	struct ipcb_cell_cfg cfg = { .msg_size_bytes = 1,
				     .test = IPCB_TEST_THROUGHPUT,
				     .opts = &opts,
				     .stall_timeout_ns = 100000000 };
	struct ipcb_peer self = { .side = IPCB_SIDE_A, .pid = getpid(), .peer_pid = getpid() };
	struct ipcb_notes notes = { .n = 0 };
	struct ipcb_err err;
	unsigned char b = 7;
	void *st = NULL;

	tap_init();
	ok(m->setup(&cfg, &st, &err) == 0 && m->attach(st, &self, &err) == 0, "setup and attach");
	ok(m->send(st, &b, 1, &err) == 0 && m->recv(st, &b, 1, &err) == 0 && b == 7,
	   "a 1-byte message to itself");
	queue_as(1, 2);
	ok(m->recv(st, &b, 1, &err) == -EBADMSG && strstr(err.msg, "7 spare bytes") &&
		   strstr(err.msg, "message 1 lost"),
	   "a signal missing in the kernel is named lost: %s", err.msg);
	queue_as(1, 0);
	ok(m->recv(st, &b, 1, &err) == -EBADMSG && strstr(err.msg, "message 0 duplicated"),
	   "a signal delivered twice is named duplicated: %s", err.msg);
	queue_as(1, 1);
	ok(m->recv(st, &b, 1, &err) == 0 && b == 1, "the expected count passes");
	ok(m->recv(st, &b, 1, &err) == -ETIMEDOUT &&
		   strstr(err.msg,
			  "no signal arrived within 0.1 s while waiting for message 2: lost?"),
	   "a wait is bounded below the watchdog's timeout: %s", err.msg);
	m->notes(st, &notes);
	ok(notes.n == 1 && strcmp(notes.v[0].name, "full_retries") == 0 && notes.v[0].value == 0,
	   "full_retries is reported");
	m->teardown(st);
	return tap_done();
}
