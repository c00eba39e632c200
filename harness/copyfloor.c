/* The copy floor: memcpy's rate per message size on side B's CPU. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/clock.h"
#include "harness/copyfloor.h"
#include "harness/mem.h"
#include "harness/pin.h"
#include "harness/stats.h"

/* Most copies in one batch (a batch of the smallest sizes). */
#define COPIES_MAX ((uint64_t)1 << 26)

/* What the child writes, the parent reads once it is reaped. copies[s] is
 * set by the parent from the first round on, 0 there: the child chooses. */
struct ipcb_copy_page {
	struct ipcb_err err;
	int cpu_start, cpu_end;
	uint64_t copies[IPCB_COPY_SIZES_MAX];
	uint64_t ns[IPCB_COPY_SIZES_MAX][IPCB_COPY_BATCHES];
};

static size_t page_up(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

struct ipcb_copy_floor *ipcb_copy_floor_new(int cpu, const uint64_t *sizes, size_t n_sizes,
					    unsigned rounds, uint64_t stall_ns,
					    struct ipcb_err *err)
{
	struct ipcb_copy_floor *cf = calloc(1, sizeof *cf);
	double moved = 0; /* bytes a round copies and touches */

	if (cf == NULL || n_sizes > IPCB_COPY_SIZES_MAX ||
	    (cf->size = calloc(n_sizes ? n_sizes : 1, sizeof *cf->size)) == NULL)
		goto fail;
	cf->cpu = cpu;
	cf->rounds_planned = rounds;
	cf->n_sizes = n_sizes;
	for (size_t s = 0; s < n_sizes; s++) {
		cf->size[s].size = sizes[s];
		cf->size[s].bps = calloc((size_t)rounds * IPCB_COPY_BATCHES + 1, sizeof(double));
		if (cf->size[s].bps == NULL)
			goto fail;
		/* the timed batches, the warm-up, and the growing batches of
		 * the first round (at most about twice the last one) */
		moved += (double)sizes[s] * (IPCB_COPY_BATCHES + 3);
	}
	if (n_sizes > 0)
		moved += 2.0 * (double)sizes[n_sizes - 1];
	cf->page = mmap(NULL, page_up(sizeof *cf->page), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cf->page == MAP_FAILED) {
		cf->page = NULL;
		goto fail;
	}
	/* Ten times the batches' own time, every byte at a slow 100 MB/s
	 * (10 ns a byte), and the watchdog's allowance on top. */
	cf->deadline_ns = stall_ns +
			  (uint64_t)n_sizes * 10 * (IPCB_COPY_BATCHES + 3) * IPCB_COPY_BATCH_NS +
			  (uint64_t)(moved * 10.0);
	return cf;
fail:
	ipcb_copy_floor_free(cf);
	ipcb_err_set(err, ENOMEM, "copy floor");
	return NULL;
}

void ipcb_copy_floor_free(struct ipcb_copy_floor *cf)
{
	if (cf == NULL)
		return;
	for (size_t s = 0; cf->size != NULL && s < cf->n_sizes; s++)
		free(cf->size[s].bps);
	free(cf->size);
	if (cf->page != NULL)
		munmap(cf->page, page_up(sizeof *cf->page));
	free(cf);
}

/* ---- child ------------------------------------------------------------- */

/* n copies of len bytes from src to dst; the time they took. */
static uint64_t copy_batch(unsigned char *dst, const unsigned char *src, size_t len, uint64_t n)
{
	uint64_t t0 = ipcb_clock_now_ns(), t1;

	for (uint64_t i = 0; i < n; i++) {
		memcpy(dst, src, len);
		/* Every copy is made, whole and in turn: the compiler must
		 * assume the buffers are read here. */
		__asm__ __volatile__("" : : "r"(dst), "r"(src) : "memory");
	}
	t1 = ipcb_clock_now_ns();
	return t1 > t0 ? t1 - t0 : 1;
}

/* Copies per batch: batches growing from one copy (at most 64 times a
 * step) until one takes IPCB_COPY_BATCH_NS; they warm the buffers up. */
static uint64_t choose_copies(unsigned char *dst, const unsigned char *src, size_t len)
{
	uint64_t n = 1;

	for (;;) {
		uint64_t ns = copy_batch(dst, src, len, n), next;

		if (ns >= IPCB_COPY_BATCH_NS || n >= COPIES_MAX)
			return n;
		next = (uint64_t)((double)n * 1.25 * IPCB_COPY_BATCH_NS / (double)ns);
		next = next < 2 * n ? 2 * n : next > 64 * n ? 64 * n : next;
		n = next < COPIES_MAX ? next : COPIES_MAX;
	}
}

static void child_measure(struct ipcb_copy_page *pg, const struct ipcb_copy_floor *cf,
			  unsigned char *dst, const unsigned char *src)
{
	pg->cpu_start = sched_getcpu();
	for (size_t s = 0; s < cf->n_sizes; s++) {
		size_t len = (size_t)cf->size[s].size;

		if (pg->copies[s] == 0)
			pg->copies[s] = choose_copies(dst, src, len);
		else
			(void)copy_batch(dst, src, len, pg->copies[s]); /* warm-up */
		for (int b = 0; b < IPCB_COPY_BATCHES; b++)
			pg->ns[s][b] = copy_batch(dst, src, len, pg->copies[s]);
	}
	pg->cpu_end = sched_getcpu();
}

static void __attribute__((noreturn)) child_main(const struct ipcb_copy_floor *cf, pid_t parent)
{
	struct ipcb_copy_page *pg = cf->page;
	size_t each =
		page_up(IPCB_COPY_OFFSET + (cf->n_sizes ? cf->size[cf->n_sizes - 1].size : 1));
	unsigned char *buf;
	sigset_t none;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
		ipcb_err_set(&pg->err, errno, "copy floor: prctl(PR_SET_PDEATHSIG)");
		_exit(1);
	}
	if (getppid() != parent)
		_exit(1);
	/* The parent handles Ctrl-C and SIGTERM; this child ends by itself. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (ipcb_pin_self(cf->cpu, &pg->err) != 0)
		_exit(1);
	buf = mmap(NULL, 2 * each, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		ipcb_err_set(&pg->err, errno, "copy floor: mmap(2 x %zu bytes)", each);
		_exit(1);
	}
	/* Touched: every page of both buffers is mapped before any timing. */
	memset(buf, 0x5a, each);
	memset(buf + each, 0, each);
	ipcb_prefault(pg, sizeof *pg);
	child_measure(pg, cf, buf + each + IPCB_COPY_OFFSET, buf + IPCB_COPY_OFFSET);
	_exit(0);
}

/* ---- parent ------------------------------------------------------------ */

static void fail(struct ipcb_copy_floor *cf, int errnum, const char *what)
{
	cf->status = IPCB_FAILED;
	ipcb_err_set(&cf->why, errnum, "copy floor: %s", what);
}

/* Wait for the child: its end of the pipe closes when it exits. 0 with its
 * wait status, or -ETIMEDOUT (the child killed) past the deadline. */
static int await_child(const struct ipcb_copy_floor *cf, int fd, pid_t pid, int *status)
{
	uint64_t t0 = ipcb_clock_now_ns();
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc = 0;

	for (;;) {
		uint64_t el = ipcb_clock_now_ns() - t0, ms;
		int r;

		if (el >= cf->deadline_ns) {
			rc = -ETIMEDOUT;
			kill(pid, SIGKILL);
			break;
		}
		ms = (cf->deadline_ns - el) / 1000000 + 1;
		r = poll(&p, 1, ms > INT_MAX ? INT_MAX : (int)ms);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR) {
			rc = -errno;
			kill(pid, SIGKILL);
			break;
		}
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return rc;
}

/* A reaped child's batches into the sizes' lists. */
static void fold_round(struct ipcb_copy_floor *cf)
{
	const struct ipcb_copy_page *pg = cf->page;
	int cpus[2] = { pg->cpu_start, pg->cpu_end };

	for (size_t s = 0; s < cf->n_sizes; s++) {
		struct ipcb_copy_size *cs = &cf->size[s];

		cs->copies = pg->copies[s];
		for (int b = 0; b < IPCB_COPY_BATCHES; b++)
			cs->bps[cs->n++] = (double)cs->copies * (double)cs->size * 1e9 /
					   (double)(pg->ns[s][b] ? pg->ns[s][b] : 1);
	}
	for (int i = 0; i < 2; i++) {
		if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE)
			CPU_SET(cpus[i], &cf->seen);
		cf->mismatch |= cpus[i] != cf->cpu;
	}
	cf->rounds_done++;
}

/* The round's end: its batches kept, or the copy floor failed. */
static void judge(struct ipcb_copy_floor *cf, int rc, int status)
{
	char what[96];

	if (rc == -ETIMEDOUT) {
		snprintf(what, sizeof what, "no result within %.1f s",
			 (double)cf->deadline_ns / 1e9);
		fail(cf, 0, what);
	} else if (rc != 0) {
		fail(cf, -rc, "waiting for the child");
	} else if (WIFSIGNALED(status)) {
		snprintf(what, sizeof what, "the measuring child was killed by signal %d",
			 WTERMSIG(status));
		fail(cf, 0, what);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cf->status = IPCB_FAILED;
		if (cf->page->err.msg[0] != '\0')
			cf->why = cf->page->err;
		else
			ipcb_err_set(&cf->why, 0, "copy floor: the measuring child failed");
	} else {
		fold_round(cf);
	}
}

void ipcb_copy_floor_round(struct ipcb_copy_floor *cf)
{
	sigset_t block, old;
	uint64_t t0 = ipcb_clock_now_ns();
	pid_t parent = getpid(), pid;
	int fd[2], status = 0, rc;

	if (cf->status != IPCB_PENDING || cf->rounds_done >= cf->rounds_planned)
		return;
	memset(&cf->page->err, 0, sizeof cf->page->err);
	cf->page->cpu_start = cf->page->cpu_end = -1;
	for (size_t s = 0; s < cf->n_sizes; s++)
		cf->page->copies[s] = cf->size[s].copies;
	if (pipe2(fd, O_CLOEXEC) != 0) {
		fail(cf, errno, "pipe2");
		return;
	}
	/* No stop handler runs in the child before it ignores the signals. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		child_main(cf, parent);
	}
	rc = pid < 0 ? errno : 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fd[1]);
	if (pid < 0) {
		close(fd[0]);
		fail(cf, rc, "fork");
		return;
	}
	rc = await_child(cf, fd[0], pid, &status);
	close(fd[0]);
	judge(cf, rc, status);
	cf->spent_ns += ipcb_clock_now_ns() - t0;
}

bool ipcb_copy_floor_has_figures(const struct ipcb_copy_floor *cf)
{
	return cf != NULL && cf->status != IPCB_FAILED && cf->rounds_done > 0;
}

void ipcb_copy_floor_finish(struct ipcb_copy_floor *cf)
{
	if (cf == NULL)
		return;
	if (cf->status == IPCB_PENDING) {
		cf->status = cf->rounds_done == cf->rounds_planned ? IPCB_OK : IPCB_INTERRUPTED;
		if (cf->status == IPCB_INTERRUPTED)
			ipcb_err_set(&cf->why, 0, "copy floor: interrupted after %u of %u rounds",
				     cf->rounds_done, cf->rounds_planned);
	}
	if (!ipcb_copy_floor_has_figures(cf))
		return;
	for (size_t s = 0; s < cf->n_sizes; s++) {
		struct ipcb_copy_size *cs = &cf->size[s];

		cs->bytes_per_s = ipcb_stats_median(cs->bps, cs->n);
		cs->min_bps = ipcb_stats_min(cs->bps, cs->n);
		cs->max_bps = ipcb_stats_max(cs->bps, cs->n);
	}
}

double ipcb_copy_floor_bps(const struct ipcb_copy_floor *cf, uint64_t size)
{
	if (!ipcb_copy_floor_has_figures(cf))
		return 0.0;
	for (size_t s = 0; s < cf->n_sizes; s++)
		if (cf->size[s].size == size)
			return cf->size[s].bytes_per_s;
	return 0.0;
}
