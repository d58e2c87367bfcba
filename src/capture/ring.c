/* ring.c - single-producer single-consumer byte ring (see ring.h).
 *
 * head and tail are free-running byte counters; the position in the buffer
 * is counter & mask.  A record never wraps: when it does not fit before the
 * end of the buffer, the producer writes a WRAP marker (or leaves the tail
 * when there is no room even for a marker) and starts again at offset 0.
 * Sleeping uses one mutex and condition variable per ring, taken only when
 * a side actually has to wait.  Each side keeps its own copy of the other
 * side's counter and reads the shared one only when its copy says the ring
 * is full (producer) or empty (consumer), so the two cache lines do not
 * travel between cores for every record; a consumer reading with a cursor
 * also publishes its progress once per batch. */
#include "capture/ring.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/xalloc.h"

#define RING_FLAG_WRAP 1u
#define RING_MIN_BYTES (64u * 1024u)
/* Wake-up checks never sleep longer than this, so a lost wake-up costs at
 * most this much latency instead of a hang. */
#define RING_MAX_SLEEP_NS (20 * 1000 * 1000LL)

struct ring {
	/* Consumer-written, producer-read; and the consumer's own copy of tail. */
	_Alignas(64) _Atomic size_t head;
	size_t tail_seen;
	/* Producer-written, consumer-read; and the producer's own copy of head. */
	_Alignas(64) _Atomic size_t tail;
	size_t head_seen;
	_Alignas(64) uint8_t *buf;
	size_t size;
	size_t mask;
	_Atomic bool finished;
	_Atomic bool closed;
	_Atomic int consumer_waiting;
	_Atomic int producer_waiting;
	size_t wake_bytes;      /* ring_set_wake_bytes(); 0 = every record */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

/* The consumer may wait on several rings: it registers on all of them and
 * waits on one shared condition variable. */
static pthread_mutex_t any_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t any_cond = PTHREAD_COND_INITIALIZER;

static size_t round_up_pow2(size_t n)
{
	size_t p = RING_MIN_BYTES;
	while (p < n)
		p <<= 1;
	return p;
}

static size_t align_up(size_t n)
{
	return (n + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1);
}

/* Header, data, and the extra bytes after the data (at ring_record_extra()). */
static size_t slot_size(uint32_t caplen, uint32_t extra)
{
	size_t n = sizeof(struct ring_record) + caplen;
	return extra ? align_up(n) + align_up(extra) : align_up(n);
}

struct ring *ring_new(size_t bytes, size_t max_record)
{
	struct ring *r = xcalloc(1, sizeof(*r));
	size_t need = 2 * slot_size((uint32_t)max_record, 0);
	r->size = round_up_pow2(bytes > need ? bytes : need);
	r->mask = r->size - 1;
	r->buf = aligned_alloc(64, r->size);
	if (!r->buf) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	return r;
}

void ring_free(struct ring *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->buf);
	free(r);
}

/* Called by the producer after publishing up to tail. */
static void wake_consumer(struct ring *r, size_t tail)
{
	/* Below the threshold the consumer finds the records when its wait
	 * times out (ring_set_wake_bytes).  The producer's copy of head only
	 * overstates what is queued: look at the real one before deciding. */
	if (r->wake_bytes) {
		if (tail - r->head_seen < r->wake_bytes)
			return;
		r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
		if (tail - r->head_seen < r->wake_bytes)
			return;
		/* Such a consumer also looks by itself after its timeout, so
		 * the fence below (against a wake-up lost to reordering) is not
		 * worth paying for every record while it is busy. */
		if (!atomic_load_explicit(&r->consumer_waiting, memory_order_relaxed))
			return;
	}
	/* Order the tail store before the flag load (the consumer sets the
	 * flag, then re-checks the tail): no wake-up is lost. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->consumer_waiting, memory_order_seq_cst)) {
		pthread_mutex_lock(&any_lock);
		pthread_cond_broadcast(&any_cond);
		pthread_mutex_unlock(&any_lock);
	}
}

/* A waiting producer is woken only once the ring has drained to half:
 * waking it for every freed record makes the two threads trade the CPU
 * (and a futex call) per packet. */
static void wake_producer(struct ring *r)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&r->producer_waiting, memory_order_seq_cst) &&
	    ring_used(r) <= r->size / 2) {
		pthread_mutex_lock(&r->lock);
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
	}
}

bool ring_record_fits(const struct ring *r, uint32_t caplen, uint32_t extra)
{
	return slot_size(caplen, extra) <= r->size / 2;
}

/* Writes hdr and data into the next slot without publishing it, or NULL
 * when the ring has no room for them now. */
static struct ring_record *try_reserve(struct ring *r, const struct ring_record *hdr,
				       const uint8_t *data, uint32_t extra)
{
	size_t need = slot_size(hdr->caplen, extra);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = r->head_seen;
	size_t pos = tail & r->mask;
	size_t to_end = r->size - pos;
	size_t pad = need > to_end ? to_end : 0;

	if (need > r->size / 2)
		return NULL;
	if ((tail - head) + pad + need > r->size) {
		/* Full by the old copy: see how far the consumer has got. */
		head = r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
		if ((tail - head) + pad + need > r->size)
			return NULL;
	}
	if (pad) {
		/* Mark the rest of the buffer as skipped, then start at 0.  The
		 * marker is published with the record (ring_commit()). */
		if (to_end >= sizeof(struct ring_record)) {
			struct ring_record *w = (struct ring_record *)(r->buf + pos);
			memset(w, 0, sizeof(*w));
			w->flags = RING_FLAG_WRAP;
			w->slot_bytes = (uint32_t)to_end;
		}
		pos = 0;
	}
	struct ring_record *slot = (struct ring_record *)(r->buf + pos);
	*slot = *hdr;
	slot->flags = 0;
	slot->slot_bytes = (uint32_t)need;
	slot->extra_len = extra;
	memcpy(slot + 1, data, hdr->caplen);
	return slot;
}

void ring_commit(struct ring *r, struct ring_record *slot)
{
	/* The slot starts at the tail, or at 0 after a wrap marker. */
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t pos = tail & r->mask;
	if ((uint8_t *)slot != r->buf + pos)
		tail += r->size - pos;
	tail += slot->slot_bytes;
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	wake_consumer(r, tail);
}

bool ring_try_push(struct ring *r, const struct ring_record *hdr, const uint8_t *data)
{
	struct ring_record *slot = try_reserve(r, hdr, data, 0);
	if (!slot)
		return false;
	ring_commit(r, slot);
	return true;
}

static void deadline_after(struct timespec *ts, int64_t ns)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)(ns / 1000000000LL);
	ts->tv_nsec += (long)(ns % 1000000000LL);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

struct ring_record *ring_reserve_wait(struct ring *r, const struct ring_record *hdr,
				      const uint8_t *data, uint32_t extra)
{
	struct ring_record *slot;
	while (!(slot = try_reserve(r, hdr, data, extra))) {
		if (atomic_load(&r->closed))
			return NULL;
		pthread_mutex_lock(&r->lock);
		atomic_store(&r->producer_waiting, 1);
		/* Sleep until the consumer has drained the ring to half (see
		 * wake_producer); re-checked under the flag so a drain between
		 * the failed push and the flag is not missed. */
		atomic_thread_fence(memory_order_seq_cst);
		if (ring_used(r) > r->size / 2 && !atomic_load(&r->closed)) {
			struct timespec ts;
			deadline_after(&ts, RING_MAX_SLEEP_NS);
			pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		}
		atomic_store(&r->producer_waiting, 0);
		pthread_mutex_unlock(&r->lock);
	}
	return slot;
}

bool ring_push_wait(struct ring *r, const struct ring_record *hdr, const uint8_t *data)
{
	struct ring_record *slot = ring_reserve_wait(r, hdr, data, 0);
	if (!slot)
		return false;
	ring_commit(r, slot);
	return true;
}

const struct ring_record *ring_peek(struct ring *r)
{
	for (;;) {
		size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
		if (head == r->tail_seen) {
			/* Empty by the old copy: see whether more has come. */
			r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
			if (head == r->tail_seen)
				return NULL;
		}
		size_t pos = head & r->mask;
		size_t to_end = r->size - pos;
		const struct ring_record *rec = (const struct ring_record *)(r->buf + pos);
		if (to_end < sizeof(struct ring_record) || (rec->flags & RING_FLAG_WRAP)) {
			atomic_store_explicit(&r->head, head + to_end, memory_order_release);
			continue;
		}
		return rec;
	}
}

void ring_pop(struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	const struct ring_record *rec = (const struct ring_record *)(r->buf + (head & r->mask));
	atomic_store_explicit(&r->head, head + rec->slot_bytes, memory_order_release);
	wake_producer(r);
}

void ring_cursor_start(struct ring *r, struct ring_cursor *c)
{
	c->pos = atomic_load_explicit(&r->head, memory_order_relaxed);
	c->tail = r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
}

const struct ring_record *ring_cursor_next(struct ring *r, struct ring_cursor *c)
{
	while (c->pos != c->tail) {
		size_t pos = c->pos & r->mask;
		size_t to_end = r->size - pos;
		const struct ring_record *rec = (const struct ring_record *)(r->buf + pos);
		if (to_end < sizeof(struct ring_record) || (rec->flags & RING_FLAG_WRAP)) {
			c->pos += to_end;
			continue;
		}
		c->pos += rec->slot_bytes;
		return rec;
	}
	return NULL;
}

void ring_release(struct ring *r, const struct ring_cursor *c)
{
	atomic_store_explicit(&r->head, c->pos, memory_order_release);
	wake_producer(r);
}

void ring_finish(struct ring *r)
{
	atomic_store(&r->finished, true);
	pthread_mutex_lock(&any_lock);
	pthread_cond_broadcast(&any_cond);
	pthread_mutex_unlock(&any_lock);
}

bool ring_finished(struct ring *r)
{
	return atomic_load(&r->finished) && ring_used(r) == 0;
}

void ring_close(struct ring *r)
{
	atomic_store(&r->closed, true);
	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void ring_wait_any(struct ring *const *rings, size_t n, int64_t timeout_ns)
{
	pthread_mutex_lock(&any_lock);
	for (size_t i = 0; i < n; i++)
		atomic_store(&rings[i]->consumer_waiting, 1);
	bool ready = false;
	for (size_t i = 0; i < n && !ready; i++) {
		size_t used = ring_used(rings[i]);
		ready = (used > 0 && used >= rings[i]->wake_bytes) || atomic_load(&rings[i]->finished);
	}
	if (!ready && timeout_ns > 0) {
		struct timespec ts;
		deadline_after(&ts, timeout_ns < RING_MAX_SLEEP_NS ? timeout_ns : RING_MAX_SLEEP_NS);
		pthread_cond_timedwait(&any_cond, &any_lock, &ts);
	}
	for (size_t i = 0; i < n; i++)
		atomic_store(&rings[i]->consumer_waiting, 0);
	pthread_mutex_unlock(&any_lock);
}

void ring_set_wake_bytes(struct ring *r, size_t bytes)
{
	r->wake_bytes = bytes;
}

size_t ring_used(struct ring *r)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	return tail - head;
}

size_t ring_capacity(const struct ring *r)
{
	return r->size;
}
