/* The shared-memory ring in one process with two threads: random sizes up
 * to three times the capacity (so messages wrap and split), a full ring, an
 * empty ring, a length mismatch, for every wait strategy. Built a second
 * time with ThreadSanitizer (test-ring-tsan) to check the memory ordering. */
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
	uint64_t seed;
	int count;
	int delay_producer_ms; /* > 0: the consumer waits on an empty ring */
	int delay_consumer_ms; /* > 0: the producer fills the ring and waits */
	int errors;
	char why[256];
};

static size_t next_size(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (size_t)(*x % MAX_SIZE) + 1;
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
		size_t len = next_size(&x);

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
		size_t len = next_size(&x);

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
	pthread_t p, c;

	r.prod = (struct ipcb_ring){ .ctl = ctl, .wait = wait, .spin_ns = spin_ns };
	r.cons = r.prod;
	pthread_create(&c, NULL, consumer, &r);
	pthread_create(&p, NULL, producer, &r);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	ok(r.errors == 0 && r.prod.pos == r.cons.pos && atomic_load(&ctl->tail) == r.prod.pos,
	   "wait=%s: %s", name, what);
	if (r.errors)
		printf("# %s\n", r.why);
	if (out != NULL)
		*out = r;
	free(ctl);
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
	}
	never_spins(IPCB_RING_HYBRID, 0, "hybrid spin_us=0");
	never_spins(IPCB_RING_FUTEX, 0, "futex");
	length_mismatch();
	return tap_done();
}
