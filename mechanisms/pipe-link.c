/* What the pipe and FIFO mechanisms share: limits, -o capacity and -o io,
 * and the vmsplice(2) way of writing.
 *
 * io=vmsplice. vmsplice without SPLICE_F_GIFT puts references to the
 * caller's pages into the pipe: the bytes are read from those pages when
 * the reader reads, so a page must not change until the reader has
 * consumed what the pipe holds of it. The harness writes the next message
 * into the same buffer at once, so a side cannot vmsplice the harness's
 * buffer. It copies each message into a ring of page-aligned staging pages
 * instead, each message from the start of a page, and vmsplices from
 * there. Why a page of the ring is never written while the pipe refers to
 * it (N = the pipe's capacity in pages, F_GETPIPE_SZ / page size; K = the
 * pages of the largest message; the ring has N + 2K pages):
 *  - vmsplice makes one pipe buffer per page (or part of a page) and never
 *    merges them, and the pipe holds at most N buffers, so what the reader
 *    has not consumed lies in at most N pages: the last ones this side
 *    filled, in order, up to the end of the previous message.
 *  - Messages take consecutive pages; one that would pass the end of the
 *    ring starts again at its first page, skipping fewer than K pages.
 *    Counting pages from the start (skipped ones included), the pages in
 *    flight lie in the N + (fewer than K) pages before the new message's
 *    first, and its own pages in the K from there: less than N + 2K apart,
 *    so no page in flight shares its place in the ring with a new one. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "harness/sysfs.h"
#include "mechanisms/pipe-link.h"
#include "mechanisms/sock.h"

#define PIPE_MAX_SIZE "/proc/sys/fs/pipe-max-size"
#define USER_SOFT "/proc/sys/fs/pipe-user-pages-soft"
#define USER_HARD "/proc/sys/fs/pipe-user-pages-hard"

static const char *const io_names[] = { "write", "vmsplice", NULL };
static const char *const io_help[] = {
	"write(2): the kernel copies the message into the pipe's own pages",
	"the message is copied into page-aligned staging pages, whose pages vmsplice(2) "
	"hands to the pipe without copying",
};

const struct ipcb_opt_def ipcb_pipe_opts[] = {
	{ .name = "capacity",
	  .type = IPCB_OPT_SIZE,
	  .def = "0",
	  .min = 0,
	  .max = (uint64_t)1 << 30,
	  .help = "F_SETPIPE_SZ of both pipes (0: the kernel's default), up to "
		  "fs.pipe-max-size; the kernel rounds up to a power of two pages" },
	{ .name = "io",
	  .type = IPCB_OPT_CHOICE,
	  .def = "write",
	  .choices = io_names,
	  .choice_help = io_help,
	  .help = "how a side puts a message into the pipe: write, or vmsplice from staging "
		  "pages (the reader read()s in both)" },
	{ .name = NULL },
};

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

/* What F_SETPIPE_SZ makes of a size: one page at least, else the next
 * power of two (the kernel's round_pipe_size). */
static uint64_t round_capacity(uint64_t want)
{
	uint64_t r = page_size();

	while (r < want)
		r <<= 1;
	return r;
}

/* F_SETPIPE_SZ of want on fd, the refusal explained. 0 or -errno. */
static int set_capacity(int fd, uint64_t want, struct ipcb_err *err)
{
	uint64_t soft = 0, hard = 0;
	int e;

#ifdef F_SETPIPE_SZ
	if (fcntl(fd, F_SETPIPE_SZ, (int)want) >= 0)
		return 0;
	e = errno;
#else
	e = ENOSYS;
#endif
	if (e != EPERM)
		return ipcb_err_set(err, e, "fcntl(F_SETPIPE_SZ, %llu)", (unsigned long long)want);
	(void)ipcb_sysfs_read_u64(USER_SOFT, &soft);
	(void)ipcb_sysfs_read_u64(USER_HARD, &hard);
	ipcb_err_set(err, e,
		     "fcntl(F_SETPIPE_SZ, %llu): EPERM: this user's pipes are over "
		     "fs.pipe-user-pages-soft=%llu or fs.pipe-user-pages-hard=%llu pages (0: no "
		     "limit), counted over every pipe the user has open",
		     (unsigned long long)want, (unsigned long long)soft, (unsigned long long)hard);
	ipcb_err_hint(err,
		      "raise them (sysctl -w fs.pipe-user-pages-soft=PAGES; 0 lifts the limit) "
		      "or close other pipes of this user");
	return -e;
}

static int64_t get_capacity(int fd)
{
#ifdef F_GETPIPE_SZ
	return fcntl(fd, F_GETPIPE_SZ);
#else
	(void)fd;
	return -1;
#endif
}

/* -o capacity against pipe-max-size, and what a new pipe is granted. */
static int capacity_limits(uint64_t want, struct ipcb_limits *lim, struct ipcb_err *err)
{
	uint64_t max_size, rounded = round_capacity(want);
	int fds[2], rc;

	/* The kernel lets a process with CAP_SYS_RESOURCE (root) go past
	 * pipe-max-size; ipcbench does not, so that a figure does not depend
	 * on who ran it. */
	if (ipcb_sysfs_read_u64(PIPE_MAX_SIZE, &max_size) == 0 && rounded > max_size) {
		ipcb_err_set(
			err, EPERM,
			"-o capacity=%llu (%llu bytes once rounded up to a power of two pages) "
			"is above fs.pipe-max-size=%llu (" PIPE_MAX_SIZE "): the kernel refuses it "
			"(EPERM) without CAP_SYS_RESOURCE, and ipcbench keeps to it even as root",
			(unsigned long long)want, (unsigned long long)rounded,
			(unsigned long long)max_size);
		ipcb_err_hint(err, "raise it: sysctl -w fs.pipe-max-size=BYTES");
		return -EPERM;
	}
	if (pipe2(fds, O_CLOEXEC) != 0)
		return ipcb_err_set(err, errno, "pipe2 (to try -o capacity)");
	rc = set_capacity(fds[1], want, err);
	if (rc == 0)
		ipcb_limits_add(
			lim, "pipe_capacity_granted_bytes", get_capacity(fds[1]),
			"fcntl(F_GETPIPE_SZ) of a new pipe after F_SETPIPE_SZ of -o capacity");
	close(fds[0]);
	close(fds[1]);
	return rc;
}

int ipcb_pipe_limits(const struct ipcb_opt_set *opts, struct ipcb_limits *lim, struct ipcb_err *err)
{
	uint64_t want = ipcb_opt_num(opts, "capacity");
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) == 0) {
		ipcb_limits_add(lim, "pipe_capacity_bytes", get_capacity(fds[0]),
				"fcntl(F_GETPIPE_SZ) of a new pipe");
		close(fds[0]);
		close(fds[1]);
	}
	ipcb_limits_add_file(lim, "pipe_max_size_bytes", PIPE_MAX_SIZE);
	ipcb_limits_add(lim, "pipe_buf_atomic_bytes", PIPE_BUF, "PIPE_BUF");
	ipcb_limits_add_file(lim, "pipe_user_pages_soft", USER_SOFT);
	ipcb_limits_add_file(lim, "pipe_user_pages_hard", USER_HARD);
	lim->max_msg_bytes = 0;
#ifndef HAVE_VMSPLICE
	if (ipcb_opt_num(opts, "io") == IPCB_PIPE_IO_VMSPLICE)
		return ipcb_mech_unbuilt(err, "vmsplice()", "-o io=vmsplice needs it");
#endif
	return want != 0 ? capacity_limits(want, lim, err) : 0;
}

void ipcb_pipe_link_init(struct ipcb_pipe_link *l, const struct ipcb_cell_cfg *cfg)
{
	memset(l, 0, sizeof *l);
	l->fd.tx = l->fd.rx = -1;
	l->capacity = ipcb_opt_num(cfg->opts, "capacity");
	l->io = (enum ipcb_pipe_io)ipcb_opt_num(cfg->opts, "io");
	l->max_msg = cfg->msg_size_bytes;
	l->granted = -1;
}

/* The staging ring of io=vmsplice, touched so that its pages exist before
 * the timed part (see the top of this file for its size). */
static int map_stage(struct ipcb_pipe_link *l, struct ipcb_err *err)
{
	size_t k, n;
	void *p;

	l->page = page_size();
	if (l->granted <= 0)
		return ipcb_err_set(err, EIO, "F_GETPIPE_SZ of %s: %lld", l->fd.tx_what,
				    (long long)l->granted);
	n = (size_t)l->granted / l->page;
	k = (l->max_msg + l->page - 1) / l->page;
	l->stage_pages = n + 2 * (k > 0 ? k : 1);
	p = mmap(NULL, l->stage_pages * l->page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return ipcb_err_set(err, errno, "mmap of %zu staging pages for vmsplice",
				    l->stage_pages);
	l->stage = p;
	memset(l->stage, 0, l->stage_pages * l->page);
	return 0;
}

int ipcb_pipe_link_attach(struct ipcb_pipe_link *l, struct ipcb_err *err)
{
	int rc;

	if (l->capacity != 0 && (rc = set_capacity(l->fd.tx, l->capacity, err)) != 0)
		return rc;
	l->granted = get_capacity(l->fd.tx);
	if (l->io == IPCB_PIPE_IO_VMSPLICE)
		return map_stage(l, err);
	return 0;
}

#ifdef HAVE_VMSPLICE
static int vmsplice_send(struct ipcb_pipe_link *l, const void *buf, size_t len,
			 struct ipcb_err *err)
{
	size_t pages = (len + l->page - 1) / l->page;
	struct iovec iov;

	if (len > l->max_msg)
		return ipcb_err_set(err, EMSGSIZE,
				    "%s: a %zu-byte message, larger than the %zu "
				    "bytes the staging ring was sized for",
				    l->fd.tx_what, len, l->max_msg);
	if (l->cursor + pages > l->stage_pages)
		l->cursor = 0;
	iov.iov_base = l->stage + l->cursor * l->page;
	iov.iov_len = len;
	l->cursor += pages;
	memcpy(iov.iov_base, buf, len);
	while (iov.iov_len > 0) {
		ssize_t n = vmsplice(l->fd.tx, &iov, 1, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ipcb_err_set(err, errno, "vmsplice to %s after %zu of %zu bytes",
					    l->fd.tx_what, len - iov.iov_len, len);
		}
		iov.iov_base = (char *)iov.iov_base + n;
		iov.iov_len -= (size_t)n;
		if (iov.iov_len > 0)
			l->partial++;
	}
	return 0;
}
#endif

int ipcb_pipe_link_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	struct ipcb_pipe_link *l = state;

#ifdef HAVE_VMSPLICE
	if (l->io == IPCB_PIPE_IO_VMSPLICE)
		return vmsplice_send(l, buf, len, err);
#endif
	return ipcb_fd_link_send(&l->fd, buf, len, err);
}

/* The capacity of the pipe this side writes, as granted (a word, so that
 * the cell's notes do not add it up over repetitions), and with
 * io=vmsplice how many calls took only part of what was left. */
void ipcb_pipe_link_notes(void *state, struct ipcb_notes *out)
{
	const struct ipcb_pipe_link *l = state;
	char text[24];

	snprintf(text, sizeof text, "%lld", (long long)l->granted);
	ipcb_notes_word(out, "pipe_capacity_bytes", text);
	if (l->io == IPCB_PIPE_IO_VMSPLICE)
		ipcb_notes_count(out, "vmsplice_partial", (int64_t)l->partial);
}
