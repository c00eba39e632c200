/* The shared-memory ring in one process with two threads: random sizes up
 * to three times the capacity (so messages wrap and split), sizes on and
 * around chunk boundaries with small chunks, a full ring, an empty ring, a
 * length mismatch, a corrupt header, for every wait strategy; and in one
 * thread, stale bytes that look like headers in every free slot past the
 * cleared ones. Built a second time with ThreadSanitizer (test-ring-tsan)
 * to check the memory ordering. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "harness/msg.h"
#include "mechanisms/ring.h"
#include "tests/tap.h"

#define CAP 4096
#define MESSAGES 20000
#define MAX_SIZE (3 * CAP)

struct run {
	struct ipcb_ring prod, cons;
	const size_t *sizes; /* cycled through, or NULL: random sizes from seed */
	size_t nsizes;
	uint64_t seed;
	int count;
	int delay_producer_ms; /* > 0: the consumer waits on an empty ring */
	int delay_consumer_ms; /* > 0: the producer fills the ring and waits */
	int errors;
	char why[256];
};

static size_t random_size(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (size_t)(*x % MAX_SIZE) + 1;
}

static size_t next_size(const struct run *r, uint64_t *x, int i)
{
	return r->sizes != NULL ? r->sizes[(size_t)i % r->nsizes] : random_size(x);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void *producer(void *arg)
{
	struct run *r = arg;
	unsigned char *buf = malloc(MAX_SIZE);
	uint64_t x = r->seed;
	struct ipcb_err err;

	sleep_ms(r->delay_producer_ms);
	for (int i = 0; i < r->count; i++) {
		size_t len = next_size(r, &x, i);

		ipcb_msg_fill(buf, len, (uint64_t)i);
		if (ipcb_ring_send(&r->prod, buf, len, &err) != 0)
			break;
	}
	free(buf);
	return NULL;
}

static void *consumer(void *arg)
{
	struct run *r = arg;
	unsigned char *buf = malloc(MAX_SIZE);
	uint64_t x = r->seed;
	struct ipcb_err err;

	sleep_ms(r->delay_consumer_ms);
	for (int i = 0; i < r->count; i++) {
		size_t len = next_size(r, &x, i);

		if (ipcb_ring_recv(&r->cons, buf, len, &err) != 0 ||
		    ipcb_msg_verify(buf, len, (uint64_t)i, r->why, sizeof r->why) != 0) {
			r->errors++;
			break;
		}
	}
	free(buf);
	return NULL;
}

static struct ipcb_ring_ctl *new_ring(void)
{
	struct ipcb_ring_ctl *ctl = aligned_alloc(64, (ipcb_ring_bytes(CAP) + 63) & ~(size_t)63);

	memset(ctl, 0, ipcb_ring_bytes(CAP));
	ipcb_ring_init(ctl, CAP);
	return ctl;
}

/* Run r's messages between two threads, through its ring. */
static void run_threads(struct run *r, const char *name, const char *what)
{
	struct ipcb_ring_ctl *ctl = r->prod.ctl;
	pthread_t p, c;

	pthread_create(&c, NULL, consumer, r);
	pthread_create(&p, NULL, producer, r);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	ok(r->errors == 0 && r->prod.pos == r->cons.pos && atomic_load(&ctl->tail) == r->prod.pos,
	   "wait=%s: %s", name, what);
	if (r->errors)
		printf("# %s\n", r->why);
}

/* Run count messages through a new ring; the two ends are left in *out
 * (their pause counts), when out is not NULL. */
static void run_case(enum ipcb_ring_wait wait, uint64_t spin_ns, const char *name, int count,
		     int dp, int dc, const char *what, struct run *out)
{
	struct ipcb_ring_ctl *ctl = new_ring();
	struct run r = { .count = count,
			 .seed = 0x2545F4914F6CDD1Du,
			 .delay_producer_ms = dp,
			 .delay_consumer_ms = dc };

	r.prod = (struct ipcb_ring){ .ctl = ctl, .wait = wait, .spin_ns = spin_ns };
	r.cons = r.prod;
	run_threads(&r, name, what);
	if (out != NULL)
		*out = r;
	free(ctl);
}

/* Sizes on and around multiples of a small chunk, and around the sizes
 * where the ring changes its ways: the inline path for small messages (256
 * bytes) and line-aligned payloads (chunks of 1024 bytes and more). */
static void chunk_boundaries(enum ipcb_ring_wait wait, const char *name)
{
	static const size_t chunks[] = { 48, 1024 };

	for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
		size_t c = chunks[k];
		const size_t sizes[] = {
			1,   c - 1, c,   c + 1, 2 * c - 1, 2 * c, 2 * c + 1, 3 * c,
			255, 256,   257, 1023,  1024,      1025,  4096,      12288
		};
		struct ipcb_ring_ctl *ctl = new_ring();
		struct run r = { .count = 3000,
				 .sizes = sizes,
				 .nsizes = sizeof sizes / sizeof *sizes };
		char what[160];

		r.prod = (struct ipcb_ring){
			.ctl = ctl, .wait = wait, .spin_ns = 200, .chunk_max = c
		};
		r.cons = r.prod;
		snprintf(what, sizeof what,
			 "chunks of %zu bytes: 3000 messages of 1..12288 bytes on and around "
			 "multiples of it, intact and in order",
			 c);
		run_threads(&r, name, what);
		free(ctl);
	}
}

/* A hybrid end with spin_us=0 sleeps at once, like a futex one: not a
 * single pause, on an empty ring, a full ring or in a stream. */
static void never_spins(enum ipcb_ring_wait wait, uint64_t spin_ns, const char *name)
{
	struct run r;
	uint64_t pauses = 0;

	run_case(wait, spin_ns, name, 200, 50, 0,
		 "an empty ring: the consumer waits for a late producer", &r);
	pauses += r.prod.pauses + r.cons.pauses;
	run_case(wait, spin_ns, name, 200, 0, 50,
		 "a full ring: the producer waits for a late consumer", &r);
	pauses += r.prod.pauses + r.cons.pauses;
	run_case(wait, spin_ns, name, 2000, 0, 0, "2000 messages, intact and in order", &r);
	pauses += r.prod.pauses + r.cons.pauses;
	is_u64(pauses, 0, "wait=%s: no end ever spun (pause count)", name);
}

static void length_mismatch(void)
{
	struct ipcb_ring_ctl *ctl = new_ring();
	struct ipcb_ring p = { .ctl = ctl, .wait = IPCB_RING_SPIN }, c = p;
	unsigned char buf[100] = { 0 };
	struct ipcb_err err;

	ok(ipcb_ring_send(&p, buf, 100, &err) == 0, "send 100 bytes");
	ok(ipcb_ring_recv(&c, buf, 50, &err) == -EPROTO && strstr(err.msg, "100-byte message"),
	   "receiving it as 50 bytes is a protocol error: %s", err.msg);
	ok(ipcb_ring_send(&p, buf, 0, &err) == -EMSGSIZE, "an empty message is refused");
	free(ctl);
}

/* A header whose payload offset no sender writes is a protocol error,
 * not a copy from wherever it points. */
static void corrupt_header(void)
{
	struct ipcb_ring_ctl *ctl = new_ring();
	struct ipcb_ring p = { .ctl = ctl, .wait = IPCB_RING_SPIN }, c = p;
	unsigned char buf[100] = { 0 };
	struct ipcb_err err;
	uint32_t bad = 8;

	ipcb_ring_send(&p, buf, 100, &err);
	memcpy(ctl->data + 12, &bad, sizeof bad); /* the header's payload offset */
	ok(ipcb_ring_recv(&c, buf, 100, &err) == -EPROTO && strstr(err.msg, "offset 8"),
	   "a chunk header with payload offset 8 is a protocol error: %s", err.msg);
	free(ctl);
}

/* The stamp a header at pos carries (as mechanisms/ring.c makes it). */
static uint32_t stamp_of(uint64_t pos)
{
	return (uint32_t)(pos >> 4) | 0x80000000u;
}

/* Fill every 16-byte slot of the free space past the producer's cleared
 * slots with what a header published there would hold: the stamp of that
 * position and the next message's length. */
static void poison(const struct ipcb_ring *p, const struct ipcb_ring *c, uint32_t len)
{
	uint64_t cap = p->ctl->capacity, from = p->cleared > p->pos ? p->cleared : p->pos;

	for (uint64_t pos = from; pos < c->pos + cap; pos += 16) {
		uint32_t h[4] = { stamp_of(pos), len, len, 16 };

		memcpy(p->ctl->data + (pos & (cap - 1)), h, sizeof h);
	}
}

/* Whether every slot the producer counts as cleared reads 0. */
static int cleared_are_zero(const struct ipcb_ring *p)
{
	uint64_t cap = p->ctl->capacity;

	for (uint64_t pos = p->pos; pos < p->cleared; pos += 16) {
		uint32_t stamp;

		memcpy(&stamp, p->ctl->data + (pos & (cap - 1)), sizeof stamp);
		if (stamp != 0)
			return 0;
	}
	return 1;
}

/* In one thread: before each send and before each receive, every free
 * slot the producer has not cleared yet looks like the header the consumer
 * waits for, and every slot it counts as cleared must read 0. The producer
 * must clear a slot before publishing a chunk that ends there, so the
 * consumer never takes stale bytes for a header. */
static void stale_headers(uint64_t chunk_max, const char *what)
{
	struct ipcb_ring_ctl *ctl = new_ring();
	struct ipcb_ring p = { .ctl = ctl, .wait = IPCB_RING_SPIN, .chunk_max = chunk_max }, c = p;
	unsigned char *buf = malloc(3000);
	uint64_t x = 0x9E3779B97F4A7C15u;
	char why[256] = "";
	struct ipcb_err err;
	int bad = 0;

	for (int i = 0; i < 5000 && !bad; i++) {
		size_t len = (size_t)(random_size(&x) % 3000) + 1;

		ipcb_msg_fill(buf, len, (uint64_t)i);
		poison(&p, &c, (uint32_t)len);
		bad = ipcb_ring_send(&p, buf, len, &err) != 0 || !cleared_are_zero(&p);
		poison(&p, &c, (uint32_t)len);
		memset(buf, 0, len);
		if (!bad && (ipcb_ring_recv(&c, buf, len, &err) != 0 ||
			     ipcb_msg_verify(buf, len, (uint64_t)i, why, sizeof why) != 0))
			bad = 1;
	}
	ok(!bad && p.pos == c.pos, "%s", what);
	if (bad)
		printf("# %s %s\n", err.msg, why);
	free(buf);
	free(ctl);
}

int main(void)
{
	static const struct {
		enum ipcb_ring_wait wait;
		const char *name;
	} modes[] = { { IPCB_RING_SPIN, "spin" },
		      { IPCB_RING_FUTEX, "futex" },
		      { IPCB_RING_HYBRID, "hybrid" } };

	tap_init();
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		struct run r;

		run_case(modes[i].wait, 200, modes[i].name, MESSAGES, 0, 0,
			 "20000 messages of 1..12288 bytes through a 4096-byte ring, intact and in "
			 "order",
			 NULL);
		run_case(modes[i].wait, 200, modes[i].name, 200, 0, 50,
			 "a full ring: the producer waits for a late consumer", NULL);
		run_case(modes[i].wait, 200, modes[i].name, 200, 50, 0,
			 "an empty ring: the consumer waits for a late producer", &r);
		printf("# wait=%s: %llu pauses spun by the consumer\n", modes[i].name,
		       (unsigned long long)r.cons.pauses);
		chunk_boundaries(modes[i].wait, modes[i].name);
	}
	never_spins(IPCB_RING_HYBRID, 0, "hybrid spin_us=0");
	never_spins(IPCB_RING_FUTEX, 0, "futex");
	length_mismatch();
	corrupt_header();
	stale_headers(0, "stale headers in every free slot not yet cleared: never taken for one "
			 "(5000 messages of 1..3000 bytes, default chunks)");
	stale_headers(48, "the same with chunks of 48 bytes");
	return tap_done();
}
