/* file: the bytes go through a regular file per direction, written with
 * pwrite and read with pread, in a private directory (-o dir=PATH for
 * another file system; its type is recorded). The protocol (file-ring.h):
 * the writer pwrites the payload into the ring of its file, then pwrites
 * the header with the new head; the reader waits for the head to pass its
 * message (woken by inotify IN_MODIFY on the file, or polling the header
 * with pread: -o notify), preads the payload, and acknowledges it in its
 * own file's header. -o sync=fdatasync makes each message durable before
 * send returns.
 *
 * Why the reader never sees a header before the payload it announces: the
 * writer's two pwrites are two system calls, the second begun after the
 * first returned, when its bytes were in the page cache; the header's
 * pwrite looks its page up with a fully ordered atomic (the page-cache
 * reference), and so does the reader's pread of the payload after its
 * pread of the header: a reader that sees the new head sees the bytes
 * written before it. A header read while it is being written may be torn:
 * its check word says so, and it is read again. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "harness/tmpdir.h"
#include "mechanisms/file-ring.h"
#include "mechanisms/fsdir.h"
#include "mechanisms/io.h"
#include "mechanisms/mech.h"

enum file_notify { NOTIFY_INOTIFY = 0, NOTIFY_POLL = 1 };
enum file_sync { SYNC_NONE = 0, SYNC_FDATASYNC = 1 };

#define WAIT_DEFAULT_NS (60ull * 1000000000ull) /* without a watchdog's timeout */
#define POLL_CLOCK_EVERY 4096                   /* header reads between two looks at the clock */

static const char *const file_names[2] = { "a-to-b", "b-to-a" };

struct file_state {
	/* parent, inherited */
	char dir[160];     /* the private directory, "" once removed */
	char path[2][224]; /* [0] A->B, [1] B->A; "" once unlinked */
	char fs_type[24];  /* from statfs: "ext4", "tmpfs" */
	uint64_t cap;      /* ring bytes per direction */
	enum file_notify notify;
	enum file_sync sync;
	uint64_t wait_ns; /* longest wait before saying why it is stuck */
	/* child */
	int out, in, ifd; /* our file (we write), the peer's (we read), inotify */
	const char *out_what, *in_what;
	uint64_t head;      /* bytes we have written into our ring */
	uint64_t consumed;  /* bytes we have read of the peer's ring */
	uint64_t published; /* consumed as our header last said it */
	uint64_t peer_head; /* the peer's header as last read */
	uint64_t peer_tail;
	int64_t header_reads, wakeups, torn;
};

struct file_choice {
	enum file_notify notify;
	enum file_sync sync;
	const char *dir;
};

static void choose(const struct ipcb_opt_set *opts, struct file_choice *c)
{
	c->notify = (enum file_notify)ipcb_opt_num(opts, "notify");
	c->sync = (enum file_sync)ipcb_opt_num(opts, "sync");
	c->dir = ipcb_opt_text(opts, "dir");
}

/* ---- limits -------------------------------------------------------- */

static void inotify_limits(struct ipcb_limits *lim)
{
	static const char *const names[][2] = {
		{ "inotify_max_user_instances", "/proc/sys/fs/inotify/max_user_instances" },
		{ "inotify_max_user_watches", "/proc/sys/fs/inotify/max_user_watches" },
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ipcb_limits_add(lim, names[i][0],
				ipcb_sysfs_read_u64(names[i][1], &v) == 0 ? (int64_t)v : -1,
				names[i][1]);
}

static int file_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim,
		       struct ipcb_err *err)
{
	struct file_choice c;
	int64_t avail;

	choose(opts, &c);
	ipcb_fsdir_limits(c.dir, lim);
	ipcb_limits_add(lim, "ring_min_bytes", (int64_t)IPCB_FILE_RING_MIN,
			"per direction; twice the message when larger");
	if (c.notify == NOTIFY_INOTIFY) {
		int fd = inotify_init1(IN_CLOEXEC);

		inotify_limits(lim);
		if (fd < 0) {
			ipcb_err_set(err, errno, "inotify_init1");
			ipcb_err_hint(err, "raise fs.inotify.max_user_instances, or use -o "
					   "notify=poll");
			return -errno;
		}
		close(fd);
	}
	avail = ipcb_fs_free_bytes(ipcb_fsdir_base(c.dir));
	lim->max_msg_bytes = avail < 0 ? IPCB_FILE_MSG_MAX : ipcb_file_max_msg((uint64_t)avail);
	if (lim->max_msg_bytes == 0) {
		ipcb_err_set(err, 0,
			     "%s has %lld bytes free; the two files need %llu for the smallest "
			     "message",
			     ipcb_fsdir_base(c.dir), (long long)avail,
			     (unsigned long long)ipcb_file_cell_bytes(1));
		ipcb_err_hint(err, "free space there, or give -o dir= on another file system");
		return -ENOSPC;
	}
	return 0;
}

static int file_check(const struct ipcb_cell_cfg *cfg, struct ipcb_err *err)
{
	struct file_choice c;
	size_t size = cfg->msg_size_bytes;
	int64_t avail;
	char type[24];

	choose(cfg->opts, &c);
	if (size > IPCB_FILE_MSG_MAX) {
		ipcb_err_set(err, 0,
			     "a %zu-byte message exceeds the 1 GiB the file mechanism carries",
			     size);
		ipcb_err_hint(err, "use sizes up to 1G");
		return -EMSGSIZE;
	}
	avail = ipcb_fs_free_bytes(ipcb_fsdir_base(c.dir));
	if (avail >= 0 && ipcb_file_cell_bytes(size) > (uint64_t)avail) {
		(void)ipcb_fs_type(ipcb_fsdir_base(c.dir), type, sizeof type);
		ipcb_err_set(err, 0,
			     "a %zu-byte message needs two files of %llu bytes (a ring of twice "
			     "the message each); %s (%s) has %lld bytes free (statvfs)",
			     size, (unsigned long long)(ipcb_file_cell_bytes(size) / 2),
			     ipcb_fsdir_base(c.dir), type, (long long)avail);
		ipcb_err_hint(err, "free space there, or give -o dir= on a larger file system");
		return -EMSGSIZE;
	}
	return 0;
}

/* ---- setup and teardown -------------------------------------------- */

/* Make the file of one direction: its ring allocated (so that a full file
 * system fails here, not in the middle of a cell) and its header zero. */
static int make_file(struct file_state *st, int dirn, struct ipcb_err *err)
{
	struct ipcb_file_hdr h;
	uint64_t bytes = IPCB_FILE_DATA_OFF + st->cap;
	int fd, rc;

	fd = ipcb_fsdir_new_file(st->dir, file_names[dirn], st->path[dirn], sizeof st->path[dirn],
				 err);
	if (fd < 0)
		return fd;
	rc = posix_fallocate(fd, 0, (off_t)bytes);
	if (rc == EINVAL || rc == EOPNOTSUPP)
		rc = ftruncate(fd, (off_t)bytes) == 0 ? 0 : errno;
	if (rc != 0) {
		ipcb_err_set(err, rc, "allocating %llu bytes for %s", (unsigned long long)bytes,
			     st->path[dirn]);
		if (rc == ENOSPC)
			ipcb_err_hint(err, "free space there, or give -o dir= on a larger file "
					   "system");
		close(fd);
		return -rc;
	}
	ipcb_file_hdr_seal(&h, 0, 0);
	rc = ipcb_io_pwrite_full(fd, &h, sizeof h, 0, "pwrite(header)", err);
	close(fd);
	return rc;
}

static int file_setup(const struct ipcb_cell_cfg *cfg, void **state, struct ipcb_err *err)
{
	struct file_state *st = calloc(1, sizeof *st);
	struct file_choice c;
	int rc;

	if (st == NULL)
		return ipcb_err_set(err, ENOMEM, "file state");
	*state = st;
	st->out = st->in = st->ifd = -1;
	choose(cfg->opts, &c);
	st->notify = c.notify;
	st->sync = c.sync;
	st->cap = ipcb_file_ring_bytes(cfg->msg_size_bytes);
	if (st->cap == 0)
		return file_check(cfg, err);
	st->wait_ns = cfg->stall_timeout_ns ? cfg->stall_timeout_ns / 4 * 3 : WAIT_DEFAULT_NS;
	rc = ipcb_fsdir_make(c.dir, st->dir, sizeof st->dir, st->fs_type, sizeof st->fs_type, err);
	for (int d = 0; rc == 0 && d < 2; d++)
		rc = make_file(st, d, err);
	return rc;
}

static void file_teardown(void *state)
{
	struct file_state *st = state;

	if (st == NULL)
		return;
	for (int d = 0; d < 2; d++) {
		if (st->path[d][0] != '\0')
			(void)unlink(st->path[d]);
		st->path[d][0] = '\0';
	}
	ipcb_tmpdir_remove(st->dir);
	free(st);
}

/* ---- a side -------------------------------------------------------- */

static int file_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct file_state *st = state;
	int a = self->side == IPCB_SIDE_A;
	const char *out = st->path[a ? 0 : 1], *in = st->path[a ? 1 : 0];

	st->out_what = a ? "file A->B" : "file B->A";
	st->in_what = a ? "file B->A" : "file A->B";
	st->out = open(out, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (st->out < 0)
		return ipcb_err_set(err, errno, "open(%s)", out);
	st->in = open(in, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (st->in < 0)
		return ipcb_err_set(err, errno, "open(%s)", in);
	if (st->notify == NOTIFY_INOTIFY) {
		/* Watched before either side sends (the harness releases both
		 * once both are attached): no modification goes unseen. */
		st->ifd = inotify_init1(IN_CLOEXEC);
		if (st->ifd < 0)
			return ipcb_err_set(err, errno, "inotify_init1");
		if (inotify_add_watch(st->ifd, in, IN_MODIFY) < 0)
			return ipcb_err_set(err, errno, "inotify_add_watch(%s, IN_MODIFY)", in);
	}
	return 0;
}

/* Read the peer's header until it is read whole. */
static int read_peer(struct file_state *st, struct ipcb_err *err)
{
	struct ipcb_file_hdr h;
	int rc;

	for (;;) {
		st->header_reads++;
		rc = ipcb_io_pread_full(st->in, &h, sizeof h, 0, "pread(header)", err);
		if (rc != 0)
			return rc;
		if (ipcb_file_hdr_valid(&h))
			break;
		st->torn++;
	}
	st->peer_head = h.head;
	st->peer_tail = h.tail;
	return 0;
}

/* Write our header: our head, and what we have consumed of the peer's
 * ring (published from then on). */
static int write_header(struct file_state *st, struct ipcb_err *err)
{
	struct ipcb_file_hdr h;

	ipcb_file_hdr_seal(&h, st->head, st->consumed);
	st->published = st->consumed;
	return ipcb_io_pwrite_full(st->out, &h, sizeof h, 0, "pwrite(header)", err);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Whether what we wait for is there: len bytes to read (room false), or
 * room for len bytes in our ring (room true). */
static bool ready(const struct file_state *st, size_t len, bool room)
{
	if (room)
		return ipcb_file_room(st->cap, st->head, st->peer_tail, len);
	return st->peer_head - st->consumed >= len;
}

static int stuck(const struct file_state *st, size_t len, bool room, struct ipcb_err *err)
{
	if (room)
		ipcb_err_set(
			err, 0,
			"no room for %zu bytes in %s for %.1f s: the peer has acknowledged %llu "
			"of %llu bytes",
			len, st->out_what, (double)st->wait_ns / 1e9,
			(unsigned long long)st->peer_tail, (unsigned long long)st->head);
	else
		ipcb_err_set(err, 0,
			     "no %zu-byte message in %s for %.1f s: its header says %llu bytes "
			     "written, %llu read",
			     len, st->in_what, (double)st->wait_ns / 1e9,
			     (unsigned long long)st->peer_head, (unsigned long long)st->consumed);
	ipcb_err_hint(err, "the wait is three quarters of --timeout; raise it if the peer is just "
			   "slow");
	return -ETIMEDOUT;
}

/* Sleep until the peer's file is modified; 0, or 1 when wait_ns passed. */
static int sleep_inotify(struct file_state *st, uint64_t deadline, struct ipcb_err *err)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = { .fd = st->ifd, .events = POLLIN };
	uint64_t now = now_ns();
	int n;

	if (now >= deadline)
		return 1;
	n = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
	if (n < 0 && errno != EINTR)
		return ipcb_err_set(err, errno, "poll(inotify)");
	if (n <= 0)
		return 0;
	/* the events themselves say nothing the header does not */
	if (read(st->ifd, ev, sizeof ev) < 0 && errno != EINTR && errno != EAGAIN)
		return ipcb_err_set(err, errno, "read(inotify)");
	st->wakeups++;
	return 0;
}

/* Wait until ready(st, len, room), reading the peer's header after each
 * notification (inotify) or in a loop (poll). */
static int wait_for(struct file_state *st, size_t len, bool room, struct ipcb_err *err)
{
	uint64_t deadline = 0;
	unsigned spins = 0;
	int rc;

	for (;;) {
		if ((rc = read_peer(st, err)) != 0)
			return rc;
		if (ready(st, len, room))
			return 0;
		if (deadline == 0)
			deadline = now_ns() + st->wait_ns;
		if (st->notify == NOTIFY_INOTIFY) {
			rc = sleep_inotify(st, deadline, err);
			if (rc < 0)
				return rc;
			if (rc == 1)
				return stuck(st, len, room, err);
		} else if (++spins % POLL_CLOCK_EVERY == 0 && now_ns() >= deadline) {
			return stuck(st, len, room, err);
		}
	}
}

/* Move a message between buf and the ring: into our ring at head (send),
 * or out of the peer's at consumed (recv), once there is room or data. */
static int ring_io(struct file_state *st, char *buf, size_t len, bool send, struct ipcb_err *err)
{
	int fd = send ? st->out : st->in;
	const char *what = send ? st->out_what : st->in_what;
	uint64_t off;
	size_t first;
	int rc;

	if (len > st->cap / 2)
		return ipcb_err_set(err, EMSGSIZE,
				    "a %zu-byte message exceeds half the %llu-byte ring of %s", len,
				    (unsigned long long)st->cap, what);
	if (!ready(st, len, send) && (rc = wait_for(st, len, send, err)) != 0)
		return rc;
	ipcb_file_ring_span(st->cap, send ? st->head : st->consumed, len, &off, &first);
	rc = send ? ipcb_io_pwrite_full(fd, buf, first, off, what, err)
		  : ipcb_io_pread_full(fd, buf, first, off, what, err);
	if (rc != 0 || first == len)
		return rc;
	/* the ring wrapped: the rest is at its start */
	return send ? ipcb_io_pwrite_full(fd, buf + first, len - first, IPCB_FILE_DATA_OFF, what,
					  err)
		    : ipcb_io_pread_full(fd, buf + first, len - first, IPCB_FILE_DATA_OFF, what,
					 err);
}

static int file_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	struct file_state *st = state;
	int rc;

	if ((rc = ring_io(st, (char *)buf, len, true, err)) != 0)
		return rc;
	/* the header last: the message exists for the reader from here on */
	st->head += len;
	if ((rc = write_header(st, err)) != 0)
		return rc;
	if (st->sync == SYNC_FDATASYNC && fdatasync(st->out) != 0)
		return ipcb_err_set(err, errno, "fdatasync(%s)", st->out_what);
	return 0;
}

static int file_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	struct file_state *st = state;
	int rc;

	if ((rc = ring_io(st, buf, len, false, err)) != 0)
		return rc;
	st->consumed += len;
	/* acknowledged with our next message, or now if half the ring waits */
	if (ipcb_file_should_publish(st->cap, st->consumed, st->published))
		return write_header(st, err);
	return 0;
}

/* The file system the files are on, how often a side read the peer's
 * header (a poll's spins), how often inotify woke it, and headers read
 * torn (while being written) and read again. */
static void file_notes(void *state, struct ipcb_notes *out)
{
	const struct file_state *st = state;

	ipcb_notes_word(out, "fs_type", st->fs_type);
	ipcb_notes_count(out, "header_reads", st->header_reads);
	ipcb_notes_count(out, "inotify_wakeups", st->wakeups);
	ipcb_notes_count(out, "torn_headers", st->torn);
}

static const char *const notify_names[] = { "inotify", "poll", NULL };
static const char *const notify_help[] = {
	"sleeps in read() of an inotify descriptor watching the peer's file for IN_MODIFY",
	"reads the peer's header with pread in a loop: burns a CPU like spinning",
};
static const char *const sync_names[] = { "none", "fdatasync", NULL };
static const char *const sync_help[] = {
	"the message stays in the page cache",
	"fdatasync after each message: durable before send returns (nearly free on tmpfs)",
};

static const struct ipcb_opt_def file_opts[] = {
	{ .name = "notify",
	  .type = IPCB_OPT_CHOICE,
	  .def = "inotify",
	  .choices = notify_names,
	  .choice_help = notify_help,
	  .help = "how the reader learns a message is there: inotify (IN_MODIFY), poll (pread "
		  "of the header in a loop)" },
	{ .name = "sync",
	  .type = IPCB_OPT_CHOICE,
	  .def = "none",
	  .choices = sync_names,
	  .choice_help = sync_help,
	  .help = "none, or fdatasync after each message (the cost of making it durable)" },
	{ .name = "dir",
	  .type = IPCB_OPT_PATH,
	  .def = "",
	  .help = "where the private directory of the two files goes (default $TMPDIR)" },
	{ .name = NULL },
};

const struct ipcb_mech ipcb_mech_file = {
	.name = "file",
	.summary = "a regular file per direction, pwrite/pread of a ring and a header; "
		   "-o notify=inotify|poll, -o sync=none|fdatasync, -o dir=PATH",
	.flags = 0,
	.opts = file_opts,
	.limits = file_limits,
	.check = file_check,
	.setup = file_setup,
	.attach = file_attach,
	.send = file_send,
	.recv = file_recv,
	.notes = file_notes,
	.teardown = file_teardown,
	.state_size = sizeof(struct file_state),
	.no_pipelining = "its send and its receive both rewrite the side's header in the file "
			 "and share one inotify descriptor, so they cannot run on two threads",
};
