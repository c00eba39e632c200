/* Every data-carrying mechanism carries messages of random sizes intact and
 * in order, in both directions, between two real processes: 100,000
 * messages in ping-pong (50,000 each way), then 100,000 streamed from A to
 * B. Each message is a full pattern with a checksum (ipcb_msg_fill) that the
 * receiver verifies byte for byte.
 *
 * Usage: test-mech-integrity [MECH...]   (default: every mechanism) */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/msg.h"
#include "mechanisms/mech.h"
#include "tests/tap.h"

#define PINGPONG 50000
#define STREAM 100000
#define STREAM_MAX 4096
#define STREAM_CAP 262144 /* largest ping-pong message for unbounded mechanisms */

/* Same sequence of sizes in both processes: xorshift from a fixed seed. */
static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Log-uniform in [1, max]: as many small messages as large ones. */
static size_t rand_size(size_t max)
{
	unsigned bits = 0;
	uint64_t v;

	while (((size_t)1 << bits) < max)
		bits++;
	v = next_rand() & (((uint64_t)1 << (next_rand() % (bits + 1))) - 1);
	v += 1;
	return v > max ? max : (size_t)v;
}

static int fail_child(const char *what, const struct ipcb_err *err)
{
	printf("# %s: %s\n", what, err->msg);
	return 1;
}

static int send_one(const struct ipcb_mech *m, void *st, unsigned char *buf, size_t len,
		    uint64_t seq, struct ipcb_err *err)
{
	ipcb_msg_fill(buf, len, seq);
	return m->send(st, buf, len, err);
}

static int recv_one(const struct ipcb_mech *m, void *st, unsigned char *buf, size_t len,
		    uint64_t seq, struct ipcb_err *err)
{
	int rc;

	memset(buf, 0xEE, len);
	rc = m->recv(st, buf, len, err);
	if (rc != 0)
		return rc;
	if (ipcb_msg_verify(buf, len, seq, err->msg, sizeof err->msg) != 0)
		return -EBADMSG;
	return 0;
}

static int side_main(const struct ipcb_mech *m, void *st, enum ipcb_side side, size_t max,
		     int pid_fd)
{
	struct ipcb_peer self = { .side = side, .pid = getpid() };
	unsigned char *buf = malloc(max + 1);
	struct ipcb_err err = { { 0 }, { 0 } };
	uint64_t seq = 0;

	alarm(300);
	/* The parent sends each side its peer's pid once both exist. */
	if (read(pid_fd, &self.peer_pid, sizeof self.peer_pid) != sizeof self.peer_pid) {
		printf("# no peer pid\n");
		return 1;
	}
	if (buf == NULL || m->attach(st, &self, &err) != 0)
		return fail_child("attach", &err);
	for (int i = 0; i < PINGPONG; i++) {
		size_t out = rand_size(max), back = rand_size(max);

		if (side == IPCB_SIDE_A) {
			if (send_one(m, st, buf, out, seq, &err) != 0)
				return fail_child("A send", &err);
			if (recv_one(m, st, buf, back, seq + 1, &err) != 0)
				return fail_child("A recv", &err);
		} else {
			if (recv_one(m, st, buf, out, seq, &err) != 0)
				return fail_child("B recv", &err);
			if (send_one(m, st, buf, back, seq + 1, &err) != 0)
				return fail_child("B send", &err);
		}
		seq += 2;
	}
	for (int i = 0; i < STREAM; i++, seq++) {
		size_t len = rand_size(max < STREAM_MAX ? max : STREAM_MAX);

		if (side == IPCB_SIDE_A && send_one(m, st, buf, len, seq, &err) != 0)
			return fail_child("A stream send", &err);
		if (side == IPCB_SIDE_B && recv_one(m, st, buf, len, seq, &err) != 0)
			return fail_child("B stream recv", &err);
	}
	free(buf);
	return 0;
}

static void run_mech(const struct ipcb_mech *m)
{
	struct ipcb_cell_cfg cfg = { .test = IPCB_TEST_LATENCY, .cpu = { 0, 0 } };
	struct ipcb_limits lim = { 0 };
	struct ipcb_err err = { { 0 }, { 0 } };
	void *st = NULL;
	pid_t pid[2];
	int status[2], rc, pids[2][2];
	size_t max;

	if (m->flags & IPCB_MECH_NO_DATA)
		return;
	if (m->supported != NULL && m->supported(&err) != 0) {
		printf("ok %d - %s # SKIP not available here: %s\n", ++tap_n, m->name, err.msg);
		return;
	}
	if (m->limits != NULL)
		m->limits(&lim, &err);
	max = lim.max_msg_bytes ? (size_t)lim.max_msg_bytes : STREAM_CAP;
	if (max > STREAM_CAP)
		max = STREAM_CAP;
	cfg.msg_size_bytes = max;
	rc = m->setup(&cfg, &st, &err);
	if (!ok(rc == 0, "%s: setup for messages up to %zu bytes", m->name, max)) {
		printf("# %s\n", err.msg);
		m->teardown(st);
		return;
	}
	fflush(stdout);
	for (int s = 0; s < 2; s++) {
		if (pipe(pids[s]) != 0)
			abort();
		pid[s] = fork();
		if (pid[s] == 0)
			_exit(side_main(m, st, (enum ipcb_side)s, max, pids[s][0]));
	}
	for (int s = 0; s < 2; s++) {
		if (write(pids[s][1], &pid[!s], sizeof pid[!s]) != sizeof pid[!s])
			abort();
		close(pids[s][0]);
		close(pids[s][1]);
	}
	for (int s = 0; s < 2; s++) {
		waitpid(pid[s], &status[s], 0);
		if (!(WIFEXITED(status[s]) && WEXITSTATUS(status[s]) == 0))
			kill(pid[!s], SIGKILL);
	}
	m->teardown(st);
	ok(WIFEXITED(status[0]) && WEXITSTATUS(status[0]) == 0 && WIFEXITED(status[1]) &&
		   WEXITSTATUS(status[1]) == 0,
	   "%s: %d messages ping-pong both ways and %d streamed, random sizes 1..%zu, intact and in order",
	   m->name, 2 * PINGPONG, STREAM, max);
}

int main(int argc, char **argv)
{
	tap_init();
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			const struct ipcb_mech *m = ipcb_mech_find(argv[i]);

			if (ok(m != NULL, "mechanism %s exists", argv[i]))
				run_mech(m);
		}
	} else {
		for (size_t i = 0; i < ipcb_mech_count; i++)
			run_mech(ipcb_mechs[i]);
	}
	return tap_done();
}
