/* Fault injection wrapper for tests. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/clock.h"
#include "harness/fault.h"

struct fault_state {
	const struct ipcb_mech *real;
	void *inner;
	struct ipcb_fault f;
	int armed; /* this process is the faulty side */
	/* Sends and receives so far. Side A at a rate sends on one thread and
	 * receives on another: the count is atomic, and one thread at a time
	 * pauses (the other goes on, as a second thread would). */
	_Atomic uint64_t ops;
	atomic_flag pausing;
	uint64_t sends;
	unsigned char *copy; /* the corrupted message, kept: see send_corrupted */
	uint64_t next_pause; /* IPCB_FAULT_PAUSE: CLOCK_MONOTONIC; 0 until armed */
};

const char *ipcb_fault_kind_name(enum ipcb_fault_kind k)
{
	static const char *const names[] = { "none",  "kill", "stall", "corrupt",
					     "delay", "drop", "dup",   "pause" };

	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "none";
}

static int parse_count(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -EINVAL : 0;
}

/* "NS/PERIOD": a pause shorter than its period, both above 0. */
static int parse_pause(char *s, struct ipcb_fault *f)
{
	char *slash = strchr(s, '/');

	if (slash == NULL)
		return -EINVAL;
	*slash = '\0';
	if (parse_count(s, &f->delay_ns) != 0 || parse_count(slash + 1, &f->period_ns) != 0 ||
	    f->delay_ns == 0 || f->delay_ns >= f->period_ns)
		return -EINVAL;
	return 0;
}

int ipcb_fault_parse(const char *spec, struct ipcb_fault *f, struct ipcb_err *err)
{
	const char *colon = strchr(spec, ':');
	char kind[64], *at, *dash, *hash;
	uint64_t rep;
	size_t mlen;

	memset(f, 0, sizeof *f);
	f->side = IPCB_SIDE_B;
	f->at = 100;
	if (colon == NULL || colon == spec || strlen(colon + 1) >= sizeof kind)
		goto bad;
	mlen = (size_t)(colon - spec);
	if (mlen >= sizeof f->mech)
		goto bad;
	if (!(mlen == 1 && spec[0] == '*'))
		memcpy(f->mech, spec, mlen);
	strcpy(kind, colon + 1);
	hash = strchr(kind, '#');
	if (hash != NULL) {
		*hash++ = '\0';
		if (parse_count(hash, &rep) != 0 || rep < 1 || rep > 1000000)
			goto bad;
		f->rep = (unsigned)rep;
	}
	at = strchr(kind, '@');
	if (at != NULL) {
		*at++ = '\0';
		if (parse_count(at, &f->at) != 0)
			goto bad;
	}
	dash = strrchr(kind, '-');
	if (dash != NULL) {
		if (strcmp(dash, "-a") == 0)
			f->side = IPCB_SIDE_A;
		else if (strcmp(dash, "-b") != 0)
			goto bad;
		*dash = '\0';
	}
	if (strcmp(kind, "kill") == 0)
		f->kind = IPCB_FAULT_KILL;
	else if (strcmp(kind, "stall") == 0)
		f->kind = IPCB_FAULT_STALL;
	else if (strcmp(kind, "corrupt") == 0)
		f->kind = IPCB_FAULT_CORRUPT;
	else if (strcmp(kind, "drop") == 0)
		f->kind = IPCB_FAULT_DROP;
	else if (strcmp(kind, "dup") == 0)
		f->kind = IPCB_FAULT_DUP;
	else if (strncmp(kind, "delay=", 6) == 0 && parse_count(kind + 6, &f->delay_ns) == 0)
		f->kind = IPCB_FAULT_DELAY;
	else if (strncmp(kind, "pause=", 6) == 0 && parse_pause(kind + 6, f) == 0)
		f->kind = IPCB_FAULT_PAUSE;
	else
		goto bad;
	/* a delay or pauses start at the first message unless @N says otherwise */
	if ((f->kind == IPCB_FAULT_DELAY || f->kind == IPCB_FAULT_PAUSE) && at == NULL)
		f->at = 0;
	return 0;
bad:
	return ipcb_err_set(
		err, EINVAL,
		"fault '%s' not understood (MECH:kill|stall|corrupt|drop|dup[-a|-b][@N][#R], "
		"MECH:delay=NS[-a|-b][@N][#R] or MECH:pause=NS/PERIOD_NS[-a|-b][@N][#R])",
		spec);
}

void *ipcb_fault_wrap(const struct ipcb_mech *real, void *inner, const struct ipcb_fault *f)
{
	struct fault_state *fs = calloc(1, sizeof *fs);

	if (fs == NULL)
		return NULL;
	fs->real = real;
	fs->inner = inner;
	fs->f = *f;
	return fs;
}

static int fault_attach(void *state, const struct ipcb_peer *self, struct ipcb_err *err)
{
	struct fault_state *fs = state;

	fs->armed = self->side == fs->f.side;
	return fs->real->attach(fs->inner, self, err);
}

/* A pause of delay_ns (asleep, as a preempted or page-faulting process
 * would be) once every period_ns, the first one period after arming. */
static void maybe_pause(struct fault_state *fs)
{
	uint64_t now = ipcb_clock_now_ns();
	struct timespec ts = { .tv_sec = (time_t)(fs->f.delay_ns / 1000000000u),
			       .tv_nsec = (long)(fs->f.delay_ns % 1000000000u) };

	if (fs->next_pause == 0) {
		fs->next_pause = now + fs->f.period_ns;
		return;
	}
	if (now < fs->next_pause)
		return;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	fs->next_pause += fs->f.period_ns;
	if (fs->next_pause <= now)
		fs->next_pause = now + fs->f.period_ns;
}

/* Kill and stall fire at the at-th send or receive of the faulty side, so
 * they hit a receive-only side (B in the throughput test) too. */
static void maybe_die(struct fault_state *fs)
{
	uint64_t n = atomic_fetch_add_explicit(&fs->ops, 1, memory_order_relaxed);

	if (fs->armed && fs->f.kind == IPCB_FAULT_PAUSE && n >= fs->f.at &&
	    !atomic_flag_test_and_set_explicit(&fs->pausing, memory_order_acquire)) {
		maybe_pause(fs);
		atomic_flag_clear_explicit(&fs->pausing, memory_order_release);
	}
	if (!fs->armed || n != fs->f.at)
		return;
	if (fs->f.kind == IPCB_FAULT_KILL)
		raise(SIGKILL);
	if (fs->f.kind == IPCB_FAULT_STALL) {
		/* Tests wait for this file to know the side is held. */
		const char *mark = getenv("IPCBENCH_FAULT_MARK");

		if (mark != NULL && *mark != '\0') {
			int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

			if (fd >= 0)
				close(fd);
		}
		for (;;)
			pause();
	}
}

static int send_corrupted(struct fault_state *fs, const void *buf, size_t len, struct ipcb_err *err)
{
	/* Keep the headroom every buffer has in front of it. */
	unsigned char *block = malloc(IPCB_HEADROOM_MAX + len), *copy;
	int rc;

	if (block == NULL)
		return ipcb_err_set(err, ENOMEM, "fault copy");
	copy = block + IPCB_HEADROOM_MAX;
	memcpy(copy, buf, len);
	copy[len - 1] ^= 0x01;
	rc = fs->real->send(fs->inner, copy, len, err);
	/* Kept (the child exits without freeing it): a mechanism may read the
	 * message until this side's next recv() returns (mech.h). */
	free(fs->copy);
	fs->copy = block;
	return rc;
}

static int fault_send(void *state, const void *buf, size_t len, struct ipcb_err *err)
{
	struct fault_state *fs = state;
	uint64_t n = fs->sends++;

	maybe_die(fs);
	if (fs->armed && fs->f.kind == IPCB_FAULT_DELAY && n >= fs->f.at) {
		uint64_t until = ipcb_clock_now_ns() + fs->f.delay_ns;

		while (ipcb_clock_now_ns() < until)
			;
	}
	if (fs->armed && n == fs->f.at) {
		int rc;

		switch (fs->f.kind) {
		case IPCB_FAULT_CORRUPT:
			if (len > 0)
				return send_corrupted(fs, buf, len, err);
			break;
		case IPCB_FAULT_DROP:
			/* Lost on the way: the sender believes it went. */
			return 0;
		case IPCB_FAULT_DUP:
			if ((rc = fs->real->send(fs->inner, buf, len, err)) != 0)
				return rc;
			break;
		default:
			break;
		}
	}
	return fs->real->send(fs->inner, buf, len, err);
}

static int fault_recv(void *state, void *buf, size_t len, struct ipcb_err *err)
{
	struct fault_state *fs = state;

	maybe_die(fs);
	return fs->real->recv(fs->inner, buf, len, err);
}

static void fault_notes(void *state, struct ipcb_notes *out)
{
	struct fault_state *fs = state;

	if (fs->real->notes != NULL)
		fs->real->notes(fs->inner, out);
}

const struct ipcb_mech ipcb_fault_mech = {
	.name = "fault",
	.summary = "fault-injection wrapper (tests only)",
	.attach = fault_attach,
	.send = fault_send,
	.recv = fault_recv,
	.notes = fault_notes,
};
