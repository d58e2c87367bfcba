/* ring.h - the bounded ring between a capture thread and the dissection
 * thread.
 *
 * One producer, one consumer (each source has its own ring).  Records are
 * variable-sized (header + captured bytes) and stored contiguously, so a
 * 60-byte RTP packet costs 60 bytes plus a header, not a 256 KiB slot.  A
 * live producer never waits: ring_try_push() fails when the ring is full and
 * the caller counts the drop.  A file producer uses ring_push_wait(), which
 * sleeps until the consumer makes room (nothing from a file is lost). */
#ifndef SIPMON_CAPTURE_RING_H
#define SIPMON_CAPTURE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ring_record {
	int64_t ts_ns;
	uint32_t caplen;
	uint32_t wirelen;
	int32_t linktype;
	uint16_t source;
	uint16_t flags;      /* internal */
	uint32_t slot_bytes; /* internal: header + data + padding */
	uint32_t extra_len;  /* bytes of producer notes after the data (0: none) */
	/* caplen bytes of packet data follow, then (aligned) extra_len bytes of
	 * what the producer worked out about them (ring_reserve_wait()) */
};

/* Alignment of a record and of its extra bytes. */
#define RING_ALIGN 16u

static inline const uint8_t *ring_record_data(const struct ring_record *r)
{
	return (const uint8_t *)(r + 1);
}

/* The record's extra bytes, or NULL when it has none. */
static inline void *ring_record_extra(const struct ring_record *r)
{
	if (r->extra_len == 0)
		return NULL;
	size_t data_end = sizeof(*r) + r->caplen;
	return (uint8_t *)r + ((data_end + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1));
}

struct ring;

/* A ring of about `bytes` bytes (rounded up to a power of two, at least
 * large enough for one record of max_record data bytes). */
struct ring *ring_new(size_t bytes, size_t max_record);
void ring_free(struct ring *r);

/* Copies one record in; false (and nothing written) when it does not fit. */
bool ring_try_push(struct ring *r, const struct ring_record *hdr, const uint8_t *data);

/* Like ring_try_push() but waits for room; false only after ring_close(). */
bool ring_push_wait(struct ring *r, const struct ring_record *hdr, const uint8_t *data);

/* Whether a record of caplen data bytes and extra bytes of notes can ever
 * be pushed into r (the ring takes records up to half its size). */
bool ring_record_fits(const struct ring *r, uint32_t caplen, uint32_t extra);

/* ring_push_wait() in two steps, for a producer that derives notes from the
 * data it pushes: copies the header and the data into the next slot, with
 * room for extra bytes at ring_record_extra(), and returns the slot, not yet
 * visible to the consumer; ring_commit() publishes it.  NULL after
 * ring_close().  The record must fit (ring_record_fits()). */
struct ring_record *ring_reserve_wait(struct ring *r, const struct ring_record *hdr,
				      const uint8_t *data, uint32_t extra);
void ring_commit(struct ring *r, struct ring_record *slot);

/* The oldest record, or NULL when the ring is empty.  The record stays valid
 * until ring_pop(). */
const struct ring_record *ring_peek(struct ring *r);
void ring_pop(struct ring *r);

/* Batch consumption, for a consumer that handles many records at a time
 * (the file writers): the records queued when ring_cursor_start() looked,
 * oldest first, each valid until ring_release() hands all those returned
 * so far back to the producer at once (one store and one wake-up check per
 * batch, not per record).  Not mixed with ring_peek()/ring_pop() within a
 * batch. */
struct ring_cursor {
	size_t pos, tail;
};
void ring_cursor_start(struct ring *r, struct ring_cursor *c);
const struct ring_record *ring_cursor_next(struct ring *r, struct ring_cursor *c);
void ring_release(struct ring *r, const struct ring_cursor *c);

/* The producer is done: no more records will come. */
void ring_finish(struct ring *r);
bool ring_finished(struct ring *r);   /* finished and drained */

/* Stops a waiting producer (shutdown). */
void ring_close(struct ring *r);

/* Consumer side: sleeps until any of the rings has a record, is finished,
 * or timeout_ns passes. */
void ring_wait_any(struct ring *const *rings, size_t n, int64_t timeout_ns);

/* A consumer that is content to work in batches (the file writer): a
 * producer wakes it only once `bytes` are queued, and ring_wait_any() does
 * not count fewer as ready; the consumer finds a smaller remainder when its
 * wait times out.  Set before the producer starts; 0 (the default) wakes
 * it for every record. */
void ring_set_wake_bytes(struct ring *r, size_t bytes);

/* Bytes in use and capacity (for the status line). */
size_t ring_used(struct ring *r);
size_t ring_capacity(const struct ring *r);

#endif
