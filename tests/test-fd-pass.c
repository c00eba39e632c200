/* fd-pass leaks no descriptor on either side. Each side counts the entries
 * of /proc/self/fd after attach() (the mechanism's own socket and pool
 * memfds included) and again after the messages: ping-pong and streaming
 * with random sizes, in each -o read and -o memfd combination, must leave
 * both counts as they were. Then side A hands side B malformed records
 * (two descriptors, none, more than B makes room for, a file of the wrong
 * size, a pipe, a short header, an acknowledgement with a descriptor):
 * each receive must fail and leave B's count as it was, and a good record
 * after them must still arrive intact. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/msg.h"
#include "mechanisms/fd-pass.h"
#include "mechanisms/mech.h"
#include "tests/tap.h"

#ifndef HAVE_MEMFD_CREATE
int main(void)
{
	printf("1..0 # SKIP built without memfd_create()\n");
	return 0;
}
#else

#define PINGPONG 2000
#define STREAM 5000
#define MAX_LEN 65536
#define BAD_LEN 4096

static uint64_t rng = 0x2545F4914F6CDD1Du;

static size_t rand_len(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return 1 + (size_t)(rng % MAX_LEN);
}

/* Open descriptors of this process, but the directory's own. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* What a child reports: its counts, and for the malformed records each
 * receive's outcome and count. */
#define CASES 9
struct report {
	int rc;
	int pre;           /* before attach() */
	int before, after; /* after attach(), after the messages */
	int case_rc[CASES];
	int case_fds[CASES];
	char msg[400];
};

static const char *const case_name[CASES] = {
	"two descriptors",
	"no descriptor",
	"more descriptors than the receiver makes room for",
	"a memfd one byte larger than the header says",
	"a header length one byte short of the message",
	"a pipe instead of a memfd",
	"a short header",
	"an acknowledgement carrying a descriptor",
	"a good record after them",
};

static const struct ipcb_mech *mech(void)
{
	return ipcb_mech_find("fd-pass");
}

static int messages(void *st, enum ipcb_side side, unsigned char *buf, struct report *r)
{
	const struct ipcb_mech *m = mech();
	struct ipcb_err err = { { 0 }, { 0 } };
	uint64_t seq = 0;

	for (int i = 0; i < PINGPONG + STREAM; i++, seq++) {
		size_t len = rand_len();
		int sends =
			i < PINGPONG ? (i % 2 == 0) == (side == IPCB_SIDE_A) : side == IPCB_SIDE_A;
		int rc;

		if (sends) {
			ipcb_msg_fill(buf, len, seq);
			rc = m->send(st, buf, len, &err);
		} else {
			rc = m->recv(st, buf, len, &err);
			if (rc == 0 && ipcb_msg_verify(buf, len, seq, err.msg, sizeof err.msg) != 0)
				rc = -EBADMSG;
		}
		if (rc != 0) {
			snprintf(r->msg, sizeof r->msg, "message %d: %s", i, err.msg);
			return rc;
		}
	}
	return 0;
}

/* Side A's socket after attach(): its only socket. */
static int find_socket(void)
{
	for (int fd = 0; fd < 1024; fd++) {
		char path[64], link[64];
		ssize_t n;

		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof link - 1);
		if (n > 0 && (link[n] = '\0', strncmp(link, "socket:", 7) == 0))
			return fd;
	}
	return -1;
}

static int memfd_of(size_t len)
{
	int fd = memfd_create("test-fd-pass", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)len) != 0)
		abort();
	return fd;
}

/* One raw record: a header of hlen bytes and nfd descriptors. */
static void raw_send(int sock, uint32_t kind, uint64_t len, size_t hlen, const int *fds, int nfd)
{
	struct ipcb_fdp_hdr h = { .len = len, .kind = kind };
	union {
		char buf[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &h, .iov_len = hlen };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfd > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof ctl);
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfd * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfd * sizeof(int));
	}
	if (sendmsg(sock, &msg, 0) != (ssize_t)hlen)
		abort();
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
}

/* Side A: every malformed record, then a good one. */
static void send_bad(unsigned char *buf)
{
	int sock = find_socket(), fds[16], p[2];
	const size_t h = sizeof(struct ipcb_fdp_hdr);

	if (sock < 0)
		abort();
	fds[0] = memfd_of(BAD_LEN);
	fds[1] = memfd_of(BAD_LEN);
	raw_send(sock, IPCB_FDP_DATA, BAD_LEN, h, fds, 2);
	raw_send(sock, IPCB_FDP_DATA, BAD_LEN, h, fds, 0);
	for (int i = 0; i < 16; i++)
		fds[i] = memfd_of(BAD_LEN);
	raw_send(sock, IPCB_FDP_DATA, BAD_LEN, h, fds, 16);
	fds[0] = memfd_of(BAD_LEN + 1);
	raw_send(sock, IPCB_FDP_DATA, BAD_LEN, h, fds, 1);
	fds[0] = memfd_of(BAD_LEN);
	raw_send(sock, IPCB_FDP_DATA, BAD_LEN - 1, h, fds, 1);
	if (pipe(p) != 0)
		abort();
	close(p[1]);
	fds[0] = p[0];
	raw_send(sock, IPCB_FDP_DATA, BAD_LEN, h, fds, 1);
	fds[0] = memfd_of(BAD_LEN);
	raw_send(sock, IPCB_FDP_DATA, BAD_LEN, h / 2, fds, 1);
	fds[0] = memfd_of(BAD_LEN);
	raw_send(sock, IPCB_FDP_ACK, 0, h, fds, 1);
	fds[0] = memfd_of(BAD_LEN);
	ipcb_msg_fill(buf, BAD_LEN, 7);
	if (pwrite(fds[0], buf, BAD_LEN, 0) != BAD_LEN)
		abort();
	raw_send(sock, IPCB_FDP_DATA, BAD_LEN, h, fds, 1);
}

/* Side B: receive each record, which must fail but the last. */
static void recv_bad(void *st, unsigned char *buf, struct report *r)
{
	struct ipcb_err err = { { 0 }, { 0 } };

	for (int i = 0; i < CASES; i++) {
		int rc = mech()->recv(st, buf, BAD_LEN, &err);

		if (rc == 0 && i == CASES - 1)
			rc = ipcb_msg_verify(buf, BAD_LEN, 7, err.msg, sizeof err.msg);
		r->case_rc[i] = rc;
		r->case_fds[i] = count_fds();
		if (i < CASES - 1 && rc != 0)
			printf("# %s: %s\n", case_name[i], err.msg);
	}
}

static void side(void *st, enum ipcb_side s, pid_t peer, int bad, int out)
{
	struct ipcb_peer self = { .side = s, .pid = getpid(), .peer_pid = peer };
	struct ipcb_err err = { { 0 }, { 0 } };
	struct report r = { 0 };
	unsigned char *buf = malloc(MAX_LEN);

	alarm(60);
	r.pre = count_fds();
	r.rc = buf == NULL ? -ENOMEM : mech()->attach(st, &self, &err);
	if (r.rc != 0)
		snprintf(r.msg, sizeof r.msg, "attach: %s", err.msg);
	r.before = count_fds();
	if (r.rc == 0 && !bad)
		r.rc = messages(st, s, buf, &r);
	if (r.rc == 0 && bad && s == IPCB_SIDE_A)
		send_bad(buf);
	if (r.rc == 0 && bad && s == IPCB_SIDE_B)
		recv_bad(st, buf, &r);
	r.after = count_fds();
	fflush(stdout);
	if (write(out, &r, sizeof r) != sizeof r)
		_exit(2);
	_exit(0);
}

/* Run one pair with opts; each side's report into r. */
static int run_pair(const char *spec, const char *rd, const char *memfd, int bad,
		    struct report r[2])
{
	const struct ipcb_mech *m = mech();
	struct ipcb_opt_set set;
	struct ipcb_cell_cfg cfg = { .msg_size_bytes = MAX_LEN, .cpu = { 0, 1 }, .opts = &set };
	struct ipcb_err err = { { 0 }, { 0 } };
	char why[256];
	void *st = NULL;
	pid_t pid[2];
	int pipes[2][2], ok_all = 1;

	if (ipcb_opt_defaults(m, &set) != 0 ||
	    ipcb_opt_parse(set.v[0].def, rd, &set.v[0], why, sizeof why) != 0 ||
	    ipcb_opt_parse(set.v[1].def, memfd, &set.v[1], why, sizeof why) != 0 ||
	    m->setup(&cfg, &st, &err) != 0) {
		printf("# %s: setup: %s\n", spec, err.msg);
		m->teardown(st);
		return -1;
	}
	fflush(stdout);
	for (int s = 0; s < 2; s++)
		if (pipe(pipes[s]) != 0)
			abort();
	pid[0] = getpid();
	for (int s = 0; s < 2; s++) {
		pid[s] = fork();
		if (pid[s] == 0)
			side(st, (enum ipcb_side)s, s ? pid[0] : 0, bad, pipes[s][1]);
		close(pipes[s][1]);
	}
	/* B's report first: then A may go. */
	for (int s = 1; s >= 0; s--) {
		if (read(pipes[s][0], &r[s], sizeof r[s]) != sizeof r[s]) {
			printf("# %s: side %c ended without a report\n", spec, "AB"[s]);
			ok_all = 0;
		}
		close(pipes[s][0]);
	}
	for (int s = 0; s < 2; s++) {
		int wst;

		if (!ok_all)
			kill(pid[s], SIGKILL);
		waitpid(pid[s], &wst, 0);
	}
	m->teardown(st);
	return ok_all ? 0 : -1;
}

static void no_leak(const char *rd, const char *memfd)
{
	char spec[64];
	struct report r[2];
	/* attach() closes the peer's end of the socketpair and makes the pool */
	int own = (strcmp(memfd, "pool") == 0 ? IPCB_FDP_WINDOW : 0) - 1;

	snprintf(spec, sizeof spec, "fd-pass:read=%s,memfd=%s", rd, memfd);
	if (!ok(run_pair(spec, rd, memfd, 0, r) == 0, "%s: both sides report", spec))
		return;
	for (int s = 0; s < 2; s++) {
		if (r[s].rc != 0)
			printf("# side %c: %s\n", "AB"[s], r[s].msg);
		ok(r[s].before - r[s].pre == own,
		   "%s: side %c's attach() changes its descriptors by %d (%d before, %d after)",
		   spec, "AB"[s], own, r[s].pre, r[s].before);
		ok(r[s].rc == 0 && r[s].before > 0 && r[s].after == r[s].before,
		   "%s: side %c carries %d messages ping-pong and %d streamed with %d descriptors "
		   "open before and %d after",
		   spec, "AB"[s], PINGPONG, STREAM, r[s].before, r[s].after);
	}
}

static void bad_records(void)
{
	struct report r[2];

	if (!ok(run_pair("fd-pass (malformed records)", "pread", "fresh", 1, r) == 0 &&
			r[1].rc == 0,
		"malformed records: side B attached and reported"))
		return;
	for (int i = 0; i < CASES; i++) {
		int want_ok = i == CASES - 1;

		ok((r[1].case_rc[i] == 0) == want_ok && r[1].case_fds[i] == r[1].before,
		   "receiving %s %s, with %d descriptors open before and %d after", case_name[i],
		   want_ok ? "succeeds" : "fails", r[1].before, r[1].case_fds[i]);
	}
}

int main(void)
{
	const struct ipcb_mech *m = mech();
	struct ipcb_err err = { { 0 }, { 0 } };

	tap_init();
	if (m == NULL || (m->supported != NULL && m->supported(&err) != 0)) {
		printf("1..0 # SKIP fd-pass not available here: %s\n", err.msg);
		return 0;
	}
	tap_serialize();
	signal(SIGPIPE, SIG_IGN);
	no_leak("pread", "fresh");
	no_leak("mmap", "fresh");
	no_leak("pread", "pool");
	no_leak("mmap", "pool");
	bad_records();
	return tap_done();
}
#endif
