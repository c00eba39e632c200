/* Every data-carrying mechanism carries 100,000 messages of random sizes
 * intact and in order, in both directions, between two real processes (and
 * again between two threads of one): 50,000 in ping-pong (25,000 each way),
 * then 50,000 streamed from A to B; then, where it can send and receive on
 * two threads at once (latency at a rate), 4,000 more pipelined: side A
 * sends 2,000 on one thread, up to 4 ahead of the echoes, while a second
 * thread takes B's 2,000 echoes. Each message is a full
 * pattern with a checksum (ipcb_msg_fill) that the receiver verifies byte for byte. As in the
 * harness, each part has its own setup() for its test (latency for the ping-pong, throughput for
 * the stream): a mechanism may carry the two differently (rpc: calls answered, then one-way calls).
 *
 * Usage: test-mech-integrity [--processes | --threads | SPEC...]
 *   SPEC is a mechanism name with options: "shm-futex:wait=spin,ring=4096",
 *   and "@threads" at its end to run the two sides as two threads of one
 *   process (--mode threads): "pipe@threads", "shm:wait=spin@threads".
 *   Default: every mechanism with its default options, plus the variants
 *   in extra_specs, each between processes and then between threads;
 *   --processes or --threads: all of them in that mode only.
 *
 * Under the sanitizers (IPCB_SANITIZED_SUITE set, by scripts/test
 * --sanitize) a tenth as many messages: that run looks for memory errors on
 * the same code paths, the plain suite proves the 100,000. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/msg.h"
#include "mechanisms/mech.h"
#include "tests/tap.h"

/* Round trips of the ping-pong and messages streamed (main() divides both
 * by 10 under the sanitizers). */
static int pingpong_n = 25000;
static int stream_n = 50000;
static int pipelined_n = 2000;

/* The parts of a mechanism's run: ping-pong and streaming (the latency
 * and throughput tests), and the ping-pong pipelined (latency at a rate:
 * side A sends on one thread, a second one takes the echoes). */
enum part { PART_PINGPONG, PART_STREAM, PART_PIPELINED };
#define STREAM_MAX 4096
#define STREAM_CAP 262144 /* largest ping-pong message for unbounded mechanisms */
/* A mechanism the kernel may drop messages of (IPCB_MECH_LOSSY: udp)
 * streams in windows of this many messages, each acknowledged by B before
 * A sends the next: at most 16 messages of up to STREAM_MAX bytes in the
 * receive buffer, far below what it holds, so that every message must
 * arrive and a loss is a failure. (Skipping gaps would not do here: with
 * random sizes, B could not know the size of the message after a lost
 * one. The harness's throughput test is where losses are counted.) */
#define WINDOW 16

/* Same sequence of sizes on both sides: xorshift from a fixed seed, one
 * state per thread (each side its own, as with two processes). */
static _Thread_local uint64_t rng = 0x9E3779B97F4A7C15u;

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
	/* A lossy mechanism's wait is bounded (udp: 100 ms while streaming):
	 * a message that has not come after 100 such waits was lost. */
	for (int waits = 0; waits < 100; waits++)
		if ((rc = m->recv(st, buf, len, err)) != -ETIMEDOUT ||
		    !(m->flags & IPCB_MECH_LOSSY))
			break;
	if (rc != 0)
		return rc;
	if (ipcb_msg_verify(buf, len, seq, err->msg, sizeof err->msg) != 0)
		return -EBADMSG;
	return 0;
}

/* Both sides attached before either sends, as the harness guarantees: a
 * signal sent before the peer blocks it would end the peer. */
static int barrier(int ready_fd, int go_fd)
{
	char c = 1;

	if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 1)
		return -1;
	return 0;
}

/* Side A's echo taker in the pipelined part: the echoes in order, each of
 * the size the ping-pong's sequence gives it (its own copy of the
 * sequence: the generator's state is per thread). */
struct echoes {
	const struct ipcb_mech *m;
	void *st;
	unsigned char *rx;
	size_t max;
	_Atomic int taken; /* echoes received so far */
};

/* At most this many messages in flight, as at a rate the schedule bounds
 * them; over a lossy mechanism one (its receive buffer holds one message
 * of the largest size, not several, and a loss is a failure here): the
 * echo taker still blocks in recv() while the sender sends. */
#define PIPELINE_DEPTH 4

static void *take_echoes(void *arg)
{
	const struct echoes *e = arg;
	struct ipcb_err err = { { 0 }, { 0 } };

	for (int i = 0; i < pipelined_n; i++) {
		size_t back;

		(void)rand_size(e->max);
		back = rand_size(e->max);
		if (recv_one(e->m, e->st, e->rx, back, 2 * (uint64_t)i + 1, &err) != 0)
			_exit(fail_child("A recv (echo taker)", &err));
		atomic_store(&e->taken, i + 1);
	}
	return NULL;
}

/* Side A pipelined: every message sent without waiting for its echo; a
 * failure on either thread ends the process. */
static int pipelined_a(const struct ipcb_mech *m, void *st, unsigned char *tx, unsigned char *rx,
		       size_t max)
{
	struct echoes e = { .m = m, .st = st, .rx = rx, .max = max, .taken = 0 };
	struct ipcb_err err = { { 0 }, { 0 } };
	pthread_t th;

	if (pthread_create(&th, NULL, take_echoes, &e) != 0)
		abort();
	for (int i = 0; i < pipelined_n; i++) {
		size_t out = rand_size(max);

		(void)rand_size(max);
		while (i - atomic_load(&e.taken) >=
		       (m->flags & IPCB_MECH_LOSSY ? 1 : PIPELINE_DEPTH))
			sched_yield();
		if (send_one(m, st, tx, out, 2 * (uint64_t)i, &err) != 0)
			_exit(fail_child("A send (pipelined)", &err));
	}
	pthread_join(th, NULL);
	free(tx - IPCB_HEADROOM_MAX);
	return 0;
}

/* This side's messages of one part, once attached. 0, or 1 with the
 * reason printed. */
static int side_loop(const struct ipcb_mech *m, void *st, enum part part, enum ipcb_side side,
		     size_t max)
{
	/* A buffer to send from and one to receive into, as the harness has:
	 * a side's send() may leave its message there until its next recv()
	 * (rpc's side A makes the call then). */
	size_t span = (IPCB_HEADROOM_MAX + max + 64) & ~(size_t)63;
	unsigned char *block = malloc(2 * span);
	unsigned char *tx = block + IPCB_HEADROOM_MAX, *rx = tx + span;
	struct ipcb_err err = { { 0 }, { 0 } };
	uint64_t seq = 0;

	if (block == NULL)
		abort();
	if (part == PART_PIPELINED && side == IPCB_SIDE_A)
		return pipelined_a(m, st, tx, rx, max);
	for (int i = 0;
	     part != PART_STREAM && i < (part == PART_PINGPONG ? pingpong_n : pipelined_n); i++) {
		size_t out = rand_size(max), back = rand_size(max);

		if (side == IPCB_SIDE_A) {
			if (send_one(m, st, tx, out, seq, &err) != 0)
				return fail_child("A send", &err);
			if (recv_one(m, st, rx, back, seq + 1, &err) != 0)
				return fail_child("A recv", &err);
		} else {
			if (recv_one(m, st, rx, out, seq, &err) != 0)
				return fail_child("B recv", &err);
			if (send_one(m, st, tx, back, seq + 1, &err) != 0)
				return fail_child("B send", &err);
		}
		seq += 2;
	}
	for (int i = 0; part == PART_STREAM && i < stream_n; i++, seq++) {
		size_t len = rand_size(max < STREAM_MAX ? max : STREAM_MAX);

		if (side == IPCB_SIDE_A && send_one(m, st, tx, len, seq, &err) != 0)
			return fail_child("A stream send", &err);
		if (side == IPCB_SIDE_B && recv_one(m, st, rx, len, seq, &err) != 0)
			return fail_child("B stream recv", &err);
		if (!(m->flags & IPCB_MECH_LOSSY) || (i + 1) % WINDOW != 0)
			continue;
		/* B's acknowledgement of the window, carrying the last number. */
		len = max < 8 ? max : 8;
		if (side == IPCB_SIDE_B && send_one(m, st, tx, len, seq, &err) != 0)
			return fail_child("B stream ack send", &err);
		if (side == IPCB_SIDE_A && recv_one(m, st, rx, len, seq, &err) != 0)
			return fail_child("A stream ack recv", &err);
	}
	free(block);
	return 0;
}

static int side_main(const struct ipcb_mech *m, void *st, enum part part, enum ipcb_side side,
		     size_t max, int pid_fd, int ready_fd, int go_fd)
{
	struct ipcb_peer self = { .side = side, .pid = getpid(), .tid = getpid() };
	struct ipcb_err err = { { 0 }, { 0 } };

	alarm(120);
	/* The parent sends each side its peer's pid once both exist. */
	if (read(pid_fd, &self.peer_pid, sizeof self.peer_pid) != sizeof self.peer_pid) {
		printf("# no peer pid\n");
		return 1;
	}
	self.peer_tid = self.peer_pid;
	if (m->attach(st, &self, &err) != 0)
		return fail_child("attach", &err);
	if (barrier(ready_fd, go_fd) != 0) {
		printf("# barrier failed\n");
		return 1;
	}
	return side_loop(m, st, part, side, max);
}

/* ---- threads mode: both sides in one forked process ------------------ */

struct thread_side {
	const struct ipcb_mech *m;
	void *st; /* this side's own copy of the state */
	enum part part;
	enum ipcb_side side;
	size_t max;
	pthread_barrier_t *bar;
	_Atomic pid_t *tid; /* both sides' thread ids */
};

/* A side as a thread: its id to the peer, attach, wait for the peer to
 * attach too, then the messages. A failure ends the process (the pair). */
static void *thread_side(void *arg)
{
	struct thread_side *t = arg;
	struct ipcb_peer self = {
		.side = t->side, .pid = getpid(), .peer_pid = getpid(), .mode = IPCB_MODE_THREADS
	};
	struct ipcb_err err = { { 0 }, { 0 } };

	self.tid = (pid_t)syscall(SYS_gettid);
	t->tid[t->side] = self.tid;
	pthread_barrier_wait(t->bar);
	self.peer_tid = t->tid[!t->side];
	if (t->m->attach(t->st, &self, &err) != 0)
		_exit(fail_child("attach", &err));
	pthread_barrier_wait(t->bar);
	if (side_loop(t->m, t->st, t->part, t->side, t->max) != 0)
		_exit(1);
	return NULL;
}

/* The pair's process: each side its own copy of the state (as the harness
 * makes them), side A on this thread, side B on another. */
static int pair_main(const struct ipcb_mech *m, void *st, enum part part, size_t max)
{
	struct thread_side t[2];
	pthread_barrier_t bar;
	_Atomic pid_t tid[2] = { 0, 0 };
	pthread_t tb;

	alarm(120);
	if (pthread_barrier_init(&bar, NULL, 2) != 0)
		return 1;
	for (int s = 0; s < 2; s++) {
		t[s] = (struct thread_side){ .m = m,
					     .part = part,
					     .side = (enum ipcb_side)s,
					     .max = max,
					     .bar = &bar,
					     .tid = tid };
		if (st != NULL && (t[s].st = malloc(m->state_size)) == NULL)
			return 1;
		if (st != NULL)
			memcpy(t[s].st, st, m->state_size);
	}
	if (pthread_create(&tb, NULL, thread_side, &t[1]) != 0)
		return 1;
	thread_side(&t[0]);
	pthread_join(tb, NULL);
	return 0;
}

/* Both sides as two forked processes; their wait statuses in status. */
static void run_processes(const struct ipcb_mech *m, void *st, enum part part, size_t max,
			  int status[2])
{
	pid_t pid[2];
	int pids[2][2], ready[2], go[2];

	if (pipe(ready) != 0 || pipe(go) != 0)
		abort();
	for (int s = 0; s < 2; s++) {
		if (pipe(pids[s]) != 0)
			abort();
		pid[s] = fork();
		if (pid[s] == 0)
			_exit(side_main(m, st, part, (enum ipcb_side)s, max, pids[s][0], ready[1],
					go[0]));
	}
	for (int s = 0; s < 2; s++) {
		if (write(pids[s][1], &pid[!s], sizeof pid[!s]) != sizeof pid[!s])
			abort();
		close(pids[s][0]);
		close(pids[s][1]);
	}
	/* Release both sides once both are attached (or one has died). */
	{
		char c[2];

		close(ready[1]);
		if (read(ready[0], c, 1) == 1 && read(ready[0], c + 1, 1) == 1 &&
		    write(go[1], c, 2) != 2)
			abort();
		close(ready[0]);
		close(go[0]);
		close(go[1]);
	}
	/* Reap in the order they end; a failed side takes its peer down. */
	for (int n = 0; n < 2; n++) {
		int wst;
		pid_t w = wait(&wst);
		int s = w == pid[0] ? 0 : 1;

		status[s] = wst;
		if (!(WIFEXITED(wst) && WEXITSTATUS(wst) == 0))
			kill(pid[!s], SIGKILL);
	}
}

/* Both sides as two threads of one forked process: its status for both. */
static void run_threads(const struct ipcb_mech *m, void *st, enum part part, size_t max,
			int status[2])
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(pair_main(m, st, part, max));
	if (pid < 0 || waitpid(pid, &status[0], 0) != pid)
		abort();
	status[1] = status[0];
}

/* Whether the part runs: a test the mechanism skips even for the smallest
 * message (rpc over udp has no streaming), or pipelining it cannot do
 * (no_pipelining, or a variant check() refuses at a rate), is skipped
 * here too, with its reason. */
static bool part_runs(const struct ipcb_mech *m, struct ipcb_cell_cfg *cfg, const char *label,
		      const char *part)
{
	struct ipcb_err err = { { 0 }, { 0 } };
	size_t max = cfg->msg_size_bytes;

	if (cfg->paced && m->no_pipelining != NULL) {
		printf("ok %d - %s: %s # SKIP %s\n", ++tap_n, label, part, m->no_pipelining);
		return false;
	}
	cfg->msg_size_bytes = 1;
	if (m->check != NULL && m->check(cfg, &err) != 0) {
		printf("ok %d - %s: %s # SKIP %s\n", ++tap_n, label, part, err.msg);
		return false;
	}
	cfg->msg_size_bytes = max;
	return true;
}

/* One part of a mechanism's run: setup() for its test, both sides forked
 * (or one process with both as threads), reaped, teardown(). */
static void run_part(const struct ipcb_mech *m, const struct ipcb_opt_set *opts, const char *label,
		     size_t max, enum part part, bool threads)
{
	static const char *const names[] = { "latency", "throughput", "pipelined" };
	struct ipcb_cell_cfg cfg = { .msg_size_bytes = max,
				     .test = part == PART_STREAM ? IPCB_TEST_THROUGHPUT
								 : IPCB_TEST_LATENCY,
				     .cpu = { 0, 1 },
				     .opts = opts,
				     .mode = threads ? IPCB_MODE_THREADS : IPCB_MODE_PROCESSES,
				     .paced = part == PART_PIPELINED };
	struct ipcb_err err = { { 0 }, { 0 } };
	void *st = NULL;
	int status[2] = { 0, 0 }, rc;
	bool passed;

	if (!part_runs(m, &cfg, label, names[part]))
		return;
	rc = m->setup(&cfg, &st, &err);
	if (!ok(rc == 0, "%s: setup for messages up to %zu bytes (%s)", label, max, names[part]) ||
	    !ok(!threads || st == NULL || m->state_size > 0, "%s: says its state's size", label)) {
		printf("# %s\n", err.msg);
		m->teardown(st);
		return;
	}
	fflush(stdout);
	if (threads)
		run_threads(m, st, part, max, status);
	else
		run_processes(m, st, part, max, status);
	m->teardown(st);
	passed = WIFEXITED(status[0]) && WEXITSTATUS(status[0]) == 0 && WIFEXITED(status[1]) &&
		 WEXITSTATUS(status[1]) == 0;
	if (part == PART_PINGPONG)
		ok(passed,
		   "%s: %d messages ping-pong both ways, random sizes 1..%zu, intact and in order",
		   label, 2 * pingpong_n, max);
	else if (part == PART_PIPELINED)
		ok(passed,
		   "%s: %d messages pipelined (A sends while a second thread takes the echoes), "
		   "random sizes 1..%zu, intact and in order",
		   label, 2 * pipelined_n, max);
	else
		ok(passed, "%s: %d messages streamed%s, random sizes 1..%zu, intact and in order",
		   label, stream_n,
		   m->flags & IPCB_MECH_LOSSY ? " (in acknowledged windows of 16)" : "",
		   max < STREAM_MAX ? max : STREAM_MAX);
}

static void run_mech(const struct ipcb_mech *m, const struct ipcb_opt_set *opts, const char *label,
		     bool threads)
{
	struct ipcb_limits lim = { 0 };
	struct ipcb_err err = { { 0 }, { 0 } };
	size_t max;

	if (m->flags & IPCB_MECH_NO_DATA)
		return;
	if (m->supported != NULL && m->supported(&err) != 0) {
		printf("ok %d - %s # SKIP not available here: %s\n", ++tap_n, label, err.msg);
		return;
	}
	if (m->limits != NULL && m->limits(opts, &lim, &err) != 0) {
		printf("ok %d - %s # SKIP not available with these options: %s\n", ++tap_n, label,
		       err.msg);
		return;
	}
	if (threads && m->no_threads != NULL) {
		printf("ok %d - %s # SKIP not between threads: %s\n", ++tap_n, label,
		       m->no_threads);
		return;
	}
	max = lim.max_msg_bytes ? (size_t)lim.max_msg_bytes : STREAM_CAP;
	if (max > STREAM_CAP)
		max = STREAM_CAP;
	run_part(m, opts, label, max, PART_PINGPONG, threads);
	run_part(m, opts, label, max, PART_STREAM, threads);
	run_part(m, opts, label, max, PART_PIPELINED, threads);
}

/* Run the mechanism and options that SPEC names. */
static void run_spec(const char *spec)
{
	char buf[256], *opts, *save = NULL, *at;
	const struct ipcb_mech *m;
	struct ipcb_opt_set set;
	bool threads = false;

	snprintf(buf, sizeof buf, "%s", spec);
	if ((at = strrchr(buf, '@')) != NULL) {
		if (!ok(strcmp(at, "@threads") == 0 || strcmp(at, "@processes") == 0,
			"%s: mode %s is processes or threads", spec, at + 1))
			return;
		threads = strcmp(at, "@threads") == 0;
		*at = '\0';
	}
	opts = strchr(buf, ':');
	if (opts != NULL)
		*opts++ = '\0';
	m = ipcb_mech_find(buf);
	if (!ok(m != NULL && ipcb_opt_defaults(m, &set) == 0, "mechanism %s exists", buf))
		return;
	for (char *kv = opts ? strtok_r(opts, ",", &save) : NULL; kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '='), why[256];
		int i;

		if (eq == NULL)
			continue;
		*eq = '\0';
		for (i = 0; i < set.n && strcmp(set.v[i].def->name, kv) != 0; i++)
			;
		if (!ok(i < set.n && ipcb_opt_parse(set.v[i].def, eq + 1, &set.v[i], why,
						    sizeof why) == 0,
			"%s: option %s=%s", buf, kv, eq + 1))
			return;
	}
	run_mech(m, &set, spec, threads);
}

/* SPEC, then SPEC@threads. */
static void run_both_modes(const char *spec)
{
	char buf[256];

	run_spec(spec);
	snprintf(buf, sizeof buf, "%s@threads", spec);
	run_spec(buf);
}

/* Variants worth their own run: every wait strategy of the ring, with a
 * small ring so that messages wrap and split; Nagle on. */
static const char *const extra_specs[] = {
	"shm-futex:wait=spin,ring=4096",
	"shm-futex:wait=futex,ring=4096",
	"shm-futex:wait=hybrid,ring=4096,spin_us=1",
	/* every wake-up, with a ring smaller than the largest message (the
	 * producer sleeps for space too), and every backing */
	"shm:wait=futex,ring=65536",
	"shm:wait=posix-sem,ring=65536",
	"shm:wait=sysv-sem,ring=65536",
	"shm:wait=mutex,ring=65536",
	"shm:wait=eventfd,ring=65536",
	"shm:wait=flock,ring=65536",
	"shm:backing=posix,wait=futex",
	"shm:backing=sysv,wait=futex",
	"shm:backing=file,wait=futex",
	"shm:backing=memfd,huge=1,wait=futex",
	"shm:backing=sysv,huge=1,wait=futex",
	"tcp:nodelay=0",
	/* one message = one datagram or record; a send buffer above the largest
	 * ping-pong message */
	"socketpair:type=dgram",
	"socketpair:type=seqpacket",
	"uds-seqpacket:sndbuf=1M",
	"fd-pass:read=mmap",
	"fd-pass:memfd=pool",
	/* side B in a network namespace of its own (skipped, with the reason,
	 * without CAP_SYS_ADMIN and CAP_NET_ADMIN) */
	"tcp:netns=veth",
	"udp:netns=veth",
	/* vmsplice from staging pages, which must not be rewritten while the
	 * pipe refers to them; capacities below and above the largest message
	 * (4096: a large message takes several calls; 1M: the pipe holds up
	 * to 256 streamed pages, four times the largest message's 64) */
	"pipe:io=vmsplice",
	"pipe:capacity=1M",
	"pipe:io=vmsplice,capacity=4096",
	"pipe:io=vmsplice,capacity=1M",
	"fifo:io=vmsplice",
	"fifo:capacity=4096",
	"rpc:transport=udp",
	"rpc:transport=unix",
	"tcp:family=inet6",
	"udp:family=inet6",
	/* file: polling the header; fdatasync on tmpfs (fast: the path, not the disk) */
	"file:notify=poll",
	"file:sync=fdatasync,dir=/dev/shm",
};

/* Every mechanism with its default options, then extra_specs, in one mode
 * ("" for processes, "@threads") or, mode NULL, in both. */
static void run_all(const char *mode)
{
	char buf[256];

	for (size_t i = 0; i < ipcb_mech_count + sizeof extra_specs / sizeof extra_specs[0]; i++) {
		const char *spec = i < ipcb_mech_count ? ipcb_mechs[i]->name
						       : extra_specs[i - ipcb_mech_count];

		if (mode == NULL) {
			run_both_modes(spec);
		} else {
			snprintf(buf, sizeof buf, "%s%s", spec, mode);
			run_spec(buf);
		}
	}
}

int main(int argc, char **argv)
{
	tap_init();
	/* The two modes' halves (--processes, --threads: make check runs
	 * each as a test of its own) may run side by side; never beside a
	 * shell test's leak snapshot. */
	tap_lock(LOCK_SH);
	if (getenv("IPCB_SANITIZED_SUITE") != NULL) {
		pingpong_n /= 10;
		stream_n /= 10;
		pipelined_n /= 10;
	}
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && strcmp(argv[1], "--processes") == 0) {
		run_all("");
	} else if (argc == 2 && strcmp(argv[1], "--threads") == 0) {
		run_all("@threads");
	} else if (argc > 1) {
		for (int i = 1; i < argc; i++)
			run_spec(argv[i]);
	} else {
		run_all(NULL);
	}
	return tap_done();
}
