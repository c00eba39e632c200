/* fd-pass: each message is an open descriptor passed with SCM_RIGHTS. The
 * sender writes the payload into a memfd and sends its descriptor, with a
 * small header (struct ipcb_fdp_hdr: the length), in one sendmsg() on an
 * AF_UNIX SOCK_SEQPACKET socketpair made by the parent before fork; the
 * receiver checks that it got exactly one descriptor to a file of exactly
 * len bytes, reads the payload (-o read=pread, or mmap and copy) and
 * closes it. SOCK_SEQPACKET keeps each header and its descriptor one
 * record, so a short or merged header cannot happen unnoticed (MSG_TRUNC).
 *
 * -o memfd=fresh creates a memfd per message (memfd_create, ftruncate,
 * pwrite, sendmsg, close the sender's copy: the receiver's close frees it);
 * memfd=pool cycles through IPCB_FDP_WINDOW memfds made in attach() and
 * rewrites one per message. Both need to know when the receiver has
 * finished with a message: a pool to reuse its memfd, and fresh memfds to
 * bound the descriptors (and memory) in flight, which the socket alone
 * would let grow into the hundreds (per-user unix in-flight limit,
 * RLIMIT_NOFILE, ETOOMANYREFS). The return channel is the same socket:
 * each header carries the count of the peer's messages the sender has
 * finished with since it last said (free in ping-pong, where the echo
 * carries it), and a receiver that has sent nothing back for
 * IPCB_FDP_ACK_EVERY messages sends an IPCB_FDP_ACK record (streaming).
 * A sender with IPCB_FDP_WINDOW messages unreturned waits for one. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "mechanisms/fd-pass.h"
#include "mechanisms/io.h"
#include "mechanisms/mech.h"
#include "mechanisms/sock.h"

enum fdp_read { READ_PREAD, READ_MMAP };
enum fdp_memfd { MEMFD_FRESH, MEMFD_POOL };

static const char *const read_names[] = { "pread", "mmap", NULL };
static const char *const read_help[] = {
	"pread() the memfd into the receive buffer",
	"mmap() the memfd, copy from the mapping into the receive buffer, munmap()",
	NULL,
};
static const char *const memfd_names[] = { "fresh", "pool", NULL };
static const char *const memfd_help[] = {
	"memfd_create() and ftruncate() a new memfd for every message",
	"reuse a pool of 16 memfds per side, each returned by the receiver's acknowledgement",
	NULL,
};

/* Descriptors a side needs besides the harness's: the socket, a pool, one
 * received, and the in-flight ones the per-user unix limit counts
 * against RLIMIT_NOFILE. */
#define FDS_NEEDED (4 * IPCB_FDP_WINDOW + 64)

struct fdp_state {
	int sv[2];
	int sock; /* this side's end after attach */
	enum fdp_read read;
	enum fdp_memfd memfd;
	int pool[IPCB_FDP_WINDOW];
	size_t pool_len[IPCB_FDP_WINDOW]; /* each pool memfd's size now */
	uint64_t sent, acked;             /* this side's messages; those the peer returned */
	uint64_t done, told;              /* the peer's messages read and closed; those said */
	int64_t memfds_created, acks_sent, window_waits;
	const char *tx_what, *rx_what;
};

/* MemAvailable in bytes; -1 unknown. */
static int64_t mem_available(void)
{
	int64_t kb = ipcb_sysfs_meminfo("MemAvailable");

	return kb < 0 ? -1 : kb * 1024;
}

/* Every message may have IPCB_FDP_WINDOW memfds of its size in flight or
 * in a pool in each direction. */
static uint64_t max_by_memory(int64_t avail)
{
	return avail < 0 ? 0 : (uint64_t)avail / (2 * IPCB_FDP_WINDOW);
}

static int fdp_supported(struct ipcb_err *err)
{
#ifndef HAVE_MEMFD_CREATE
	return ipcb_mech_unbuilt(err, "memfd_create()", "fd-pass writes each message into a memfd");
#else
	(void)err;
	return 0;
#endif
}

/* RLIMIT_NOFILE holds need descriptors: FDS_NEEDED per side, both sides'
 * in one process in threads mode. 0, or -EMFILE with the reason. */
static int enough_fds(int need, struct ipcb_err *err)
{
	struct rlimit nofile;

	if (getrlimit(RLIMIT_NOFILE, &nofile) != 0 || nofile.rlim_cur == RLIM_INFINITY ||
	    nofile.rlim_cur >= (rlim_t)need)
		return 0;
	ipcb_err_set(err, 0,
		     "RLIMIT_NOFILE is %llu; fd-pass needs %d descriptors per side (a window of %d "
		     "in flight each way, a pool of %d)%s",
		     (unsigned long long)nofile.rlim_cur, FDS_NEEDED, IPCB_FDP_WINDOW,
		     IPCB_FDP_WINDOW, need > FDS_NEEDED ? ", both sides in one process" : "");
	ipcb_err_hint(err, "raise it: ulimit -n %d", need);
	return -EMFILE;
}

static int fdp_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		      struct ipcb_err *err)
{
	int64_t avail = mem_available();
	struct rlimit nofile, fsize;
	uint64_t max = max_by_memory(avail);
	int sv[2];

	(void)opts;
	ipcb_limits_add(lim, "mem_available_bytes", avail, "/proc/meminfo MemAvailable");
	ipcb_limits_add(lim, "window_messages", IPCB_FDP_WINDOW,
			"compiled in: unreturned messages per direction; pool memfds");
	if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY) {
		ipcb_limits_add(lim, "rlimit_fsize_bytes", (int64_t)fsize.rlim_cur,
				"getrlimit(RLIMIT_FSIZE) soft: bounds ftruncate of a memfd");
		if (max == 0 || fsize.rlim_cur < max)
			max = fsize.rlim_cur;
	}
	lim->max_msg_bytes = max;
	if (getrlimit(RLIMIT_NOFILE, &nofile) != 0)
		return ipcb_err_set(err, errno, "getrlimit(RLIMIT_NOFILE)");
	ipcb_limits_add(lim, "rlimit_nofile",
			nofile.rlim_cur == RLIM_INFINITY ? -1 : (int64_t)nofile.rlim_cur,
			"getrlimit(RLIMIT_NOFILE) soft: open descriptors, and this user's "
			"descriptors in flight in unix sockets (ETOOMANYREFS)");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0) {
		ipcb_sock_buf_limits(lim, sv[0], "socket");
		close(sv[0]);
		close(sv[1]);
	}
	return enough_fds(FDS_NEEDED, err);
}

static int fdp_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	struct rlimit fsize;
	int64_t avail = mem_available();
	uint64_t max = max_by_memory(avail);

	if (getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY &&
	    cfg->msg_size_bytes > fsize.rlim_cur) {
		ipcb_err_set(err, 0,
			     "a %zu-byte memfd exceeds RLIMIT_FSIZE (%llu bytes): ftruncate would "
			     "fail with EFBIG",
			     cfg->msg_size_bytes, (unsigned long long)fsize.rlim_cur);
		ipcb_err_hint(err, "raise it: ulimit -f unlimited");
		return -EMSGSIZE;
	}
	if (cfg->mode == IPCB_MODE_THREADS && enough_fds(2 * FDS_NEEDED, err) != 0)
		return -EMFILE;
	if (avail >= 0 && cfg->msg_size_bytes > max) {
		ipcb_err_set(
			err, 0,
			"%d memfds of %zu bytes each way (a window of %d messages, or a pool) "
			"exceed the memory available (MemAvailable %lld bytes in /proc/meminfo)",
			2 * IPCB_FDP_WINDOW, cfg->msg_size_bytes, IPCB_FDP_WINDOW,
			(long long)avail);
		ipcb_err_hint(err, "free memory, or use smaller messages");
		return -EMSGSIZE;
	}
	return 0;
}

static int fdp_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct fdp_state *st = calloc(1, sizeof *st);

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "fd-pass state");
	st->sv[0] = st->sv[1] = st->sock = -1;
	for (int i = 0; i < IPCB_FDP_WINDOW; i++)
		st->pool[i] = -1;
	st->read = (enum fdp_read)ipcb_opt_num(cfg->opts, "read");
	st->memfd = (enum fdp_memfd)ipcb_opt_num(cfg->opts, "memfd");
	*state = st;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st->sv) != 0)
		return ipcb_err_set(err, errno, "socketpair(AF_UNIX, SOCK_SEQPACKET)");
	return 0;
}

static int new_memfd(struct fdp_state *st, struct ipcb_err *err)
{
#ifdef HAVE_MEMFD_CREATE
	int fd = memfd_create("ipcb-fd-pass", MFD_CLOEXEC);

	if (fd < 0)
		return ipcb_err_set(err, errno, "memfd_create(ipcb-fd-pass)");
	st->memfds_created++;
	return fd;
#else
	(void)st;
	return ipcb_err_set(err, ENOSYS, "memfd_create()");
#endif
}

static int fdp_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct fdp_state *st = state;
	int a = self->side == IPCB_SIDE_A;

	st->sock = st->sv[self->side];
	st->sv[self->side] = -1;
	ipcb_io_drop(self, &st->sv[!self->side]);
	st->tx_what = a ? "sendmsg(fd-pass A->B)" : "sendmsg(fd-pass B->A)";
	st->rx_what = a ? "recvmsg(fd-pass B->A)" : "recvmsg(fd-pass A->B)";
	if (st->memfd == MEMFD_POOL)
		for (int i = 0; i < IPCB_FDP_WINDOW; i++)
			if ((st->pool[i] = new_memfd(st, err)) < 0)
				return st->pool[i];
	return 0;
}

/* One record: the header and, when fd >= 0, that descriptor. */
static int send_record(struct fdp_state *st, uint32_t kind, uint64_t len, int fd,
		       struct ipcb_err *err)
{
	struct ipcb_fdp_hdr h = { .len = len, .kind = kind };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof h };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	h.ack = (uint32_t)(st->done - st->told);
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof ctl);
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof ctl.buf;
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	do
		n = sendmsg(st->sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ipcb_err_set(err, errno, "%s of a %s record", st->tx_what,
				    kind == IPCB_FDP_ACK ? "acknowledgement" : "descriptor");
	st->told = st->done;
	return 0;
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* Receive one record into *h and its descriptors into fds (*nfd of them,
 * owned by the caller). Anything malformed fails with every descriptor
 * that came with it closed. */
static int recv_record(struct fdp_state *st, struct ipcb_fdp_hdr *h, int *fds, int *nfd,
		       struct ipcb_err *err)
{
	union {
		char buf[CMSG_SPACE(IPCB_FDP_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = h, .iov_len = sizeof *h };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	ssize_t n;

	*nfd = 0;
	do
		n = recvmsg(st->sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ipcb_err_set(err, errno, "%s", st->rx_what);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t off = 0;
		     CMSG_LEN(off + sizeof(int)) <= c->cmsg_len && *nfd < IPCB_FDP_MAX_FDS;
		     off += sizeof(int))
			memcpy(&fds[(*nfd)++], CMSG_DATA(c) + off, sizeof(int));
	}
	if (n == 0) {
		close_all(fds, *nfd);
		ipcb_err_set(err, 0, "%s: peer closed", st->rx_what);
		return -EPIPE;
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		close_all(fds, *nfd);
		return ipcb_err_set(err, EPROTO,
				    "%s: control data truncated (more than %d descriptors in one "
				    "message)",
				    st->rx_what, IPCB_FDP_MAX_FDS);
	}
	if ((msg.msg_flags & MSG_TRUNC) || (size_t)n != sizeof *h) {
		close_all(fds, *nfd);
		return ipcb_err_set(err, EPROTO,
				    "%s: a record of %zd bytes, expected a %zu-byte "
				    "header",
				    st->rx_what, n, sizeof *h);
	}
	return 0;
}

/* Copy the payload of fd, which must be a file of exactly len bytes. */
static int read_payload(struct fdp_state *st, int fd, void *buf, size_t len, struct ipcb_err *err)
{
	struct stat sb;
	void *p;

	if (fstat(fd, &sb) != 0)
		return ipcb_err_set(err, errno, "%s: fstat of the received descriptor",
				    st->rx_what);
	if (!S_ISREG(sb.st_mode))
		return ipcb_err_set(err, EPROTO,
				    "%s: the received descriptor is not a regular file (mode 0%o), "
				    "expected a memfd",
				    st->rx_what, (unsigned)sb.st_mode);
	if ((uint64_t)sb.st_size != len)
		return ipcb_err_set(err, EPROTO,
				    "%s: the received memfd holds %lld bytes, the message is %zu",
				    st->rx_what, (long long)sb.st_size, len);
	if (st->read == READ_PREAD)
		return ipcb_io_pread_full(fd, buf, len, 0, "pread(received memfd)", err);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return ipcb_err_set(err, errno, "mmap(received memfd, %zu bytes)", len);
	memcpy(buf, p, len);
	munmap(p, len);
	return 0;
}

/* Take the peer's count of this side's messages it has finished with. */
static int take_ack(struct fdp_state *st, const struct ipcb_fdp_hdr *h, struct ipcb_err *err)
{
	if (h->ack > st->sent - st->acked)
		return ipcb_err_set(err, EPROTO,
				    "%s: the peer returned %u messages, but only %llu were "
				    "outstanding",
				    st->rx_what, h->ack,
				    (unsigned long long)(st->sent - st->acked));
	st->acked += h->ack;
	return 0;
}

/* Receive records until a descriptor one (into buf) or an error; data is
 * 0 when only an acknowledgement is wanted (a sender waiting for its
 * window). */
static int receive(struct fdp_state *st, void *buf, size_t len, bool data, struct ipcb_err *err)
{
	for (;;) {
		struct ipcb_fdp_hdr h;
		int fds[IPCB_FDP_MAX_FDS], nfd, rc;

		if ((rc = recv_record(st, &h, fds, &nfd, err)) != 0)
			return rc;
		if ((rc = take_ack(st, &h, err)) != 0) {
			close_all(fds, nfd);
			return rc;
		}
		if (h.kind == IPCB_FDP_ACK && nfd == 0) {
			if (!data)
				return 0;
			continue;
		}
		if (h.kind != IPCB_FDP_DATA || nfd != 1 || h.len != len || !data) {
			close_all(fds, nfd);
			if (!data)
				return ipcb_err_set(err, EPROTO,
						    "%s: a message arrived while this side waited "
						    "for its descriptors to be returned",
						    st->rx_what);
			return ipcb_err_set(err, EPROTO,
					    "%s: a record of kind %u with %d descriptors for %llu "
					    "bytes, expected one descriptor for %zu bytes",
					    st->rx_what, h.kind, nfd, (unsigned long long)h.len,
					    len);
		}
		rc = read_payload(st, fds[0], buf, len, err);
		close(fds[0]);
		if (rc != 0)
			return rc;
		st->done++;
		if (st->done - st->told >= IPCB_FDP_ACK_EVERY) {
			st->acks_sent++;
			return send_record(st, IPCB_FDP_ACK, 0, -1, err);
		}
		return 0;
	}
}

static int fdp_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	return receive(state, buf, len, true, err);
}

/* The descriptor to carry the next message: a new memfd, or the pool's
 * next, sized to len. */
static int memfd_for(struct fdp_state *st, size_t len, struct ipcb_err *err)
{
	int fd, i = (int)(st->sent % IPCB_FDP_WINDOW);

	if (st->memfd == MEMFD_POOL) {
		fd = st->pool[i];
		if (st->pool_len[i] == len)
			return fd;
	} else if ((fd = new_memfd(st, err)) < 0) {
		return fd;
	}
	if (ftruncate(fd, (off_t)len) != 0) {
		int rc = ipcb_err_set(err, errno, "ftruncate(memfd, %zu)", len);

		if (st->memfd == MEMFD_FRESH)
			close(fd);
		return rc;
	}
	if (st->memfd == MEMFD_POOL)
		st->pool_len[i] = len;
	return fd;
}

static int fdp_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	struct fdp_state *st = state;
	int fd, rc;

	while (st->sent - st->acked >= IPCB_FDP_WINDOW) {
		st->window_waits++;
		if ((rc = receive(st, NULL, 0, false, err)) != 0)
			return rc;
	}
	if ((fd = memfd_for(st, len, err)) < 0)
		return fd;
	rc = ipcb_io_pwrite_full(fd, buf, len, 0, "pwrite(memfd)", err);
	if (rc == 0)
		rc = send_record(st, IPCB_FDP_DATA, len, fd, err);
	if (st->memfd == MEMFD_FRESH)
		close(fd);
	if (rc == 0)
		st->sent++;
	return rc;
}

static void fdp_notes(void *state, struct ipcb_notes *out)
{
	const struct fdp_state *st = state;

	ipcb_notes_count(out, "memfds_created", st->memfds_created);
	ipcb_notes_count(out, "acks_sent", st->acks_sent);
	ipcb_notes_count(out, "window_waits", st->window_waits);
}

static void fdp_teardown(void *state)
{
	struct fdp_state *st = state;

	if (st == NULL)
		return;
	ipcb_io_close(&st->sv[0]);
	ipcb_io_close(&st->sv[1]);
	ipcb_io_close(&st->sock);
	for (int i = 0; i < IPCB_FDP_WINDOW; i++)
		ipcb_io_close(&st->pool[i]);
	free(st);
}

static const struct ipcb_opt_def fdp_opts[] = {
	{ .name = "read",
	  .type = IPCB_OPT_CHOICE,
	  .def = "pread",
	  .choices = read_names,
	  .choice_help = read_help,
	  .help = "how the receiver takes the payload: pread, or mmap and copy" },
	{ .name = "memfd",
	  .type = IPCB_OPT_CHOICE,
	  .def = "fresh",
	  .choices = memfd_names,
	  .choice_help = memfd_help,
	  .help = "the sender's memfds: fresh (one per message) or pool (16 reused)" },
	{ .name = NULL },
};

const struct ipcb_mech ipcb_mech_fd_pass = {
	.name = "fd-pass",
	.summary = "a memfd per message passed with SCM_RIGHTS over a Unix seqpacket socketpair",
	.flags = IPCB_MECH_BOUNDARIES,
	.opts = fdp_opts,
	.supported = fdp_supported,
	.limits = fdp_limits,
	.check = fdp_check,
	.setup = fdp_setup,
	.attach = fdp_attach,
	.send = fdp_send,
	.recv = fdp_recv,
	.notes = fdp_notes,
	.teardown = fdp_teardown,
	.state_size = sizeof(struct fdp_state),
	.no_pipelining = "its sender takes the peer's acknowledgements from the socket the "
			 "echoes arrive on, so a second thread receiving there would race it",
};
