/* tcp.c - TCP (RFC 9293) header decoding and per-direction stream
 * reassembly for SIP (RFC 3261 18.3) and SIP over WebSocket (RFC 7118).
 *
 * A connection is found with one hash lookup on the 4-tuple (both
 * directions hash alike).  Each direction tracks the next sequence number
 * it expects; in-order bytes go to the consumer, from the segment itself
 * when nothing is pending (no copy, no allocation), otherwise from the
 * direction's pending buffer.  Segments ahead of a gap wait in a short
 * sorted queue.  A gap is declared lost (TCP_GAP) when the receiver has
 * acknowledged bytes the capture never saw, when it stays open
 * TCP_GAP_TIMEOUT_NS, when the direction's bytes reach max_stream_bytes,
 * or when the connection is reset - so a stream never stalls forever. */
#include "dissect/tcp.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/xalloc.h"

/* RFC 9293 3.1: fixed part of the header, field offsets and flag bits. */
enum {
	TCP_MIN_HEADER_LEN = 20,
	TCP_OFF_SRC_PORT = 0,
	TCP_OFF_DST_PORT = 2,
	TCP_OFF_SEQ = 4,
	TCP_OFF_ACK = 8,
	TCP_OFF_DATA_OFFSET = 12, /* high nibble, in 32-bit words */
	TCP_OFF_FLAGS = 13,
	TCP_DATA_OFFSET_WORD = 4,
};

enum {
	TCP_FLAG_FIN = 0x01,
	TCP_FLAG_SYN = 0x02,
	TCP_FLAG_RST = 0x04,
	TCP_FLAG_ACK = 0x10,
};

/* Defaults (documented in sipmon.8).  256 KiB holds any SIP message a
 * proxy accepts with room for a few segments of reordering; 300 s is far
 * longer than the 30 s CRLF keep-alive of RFC 5626 4.4.1. */
#define TCP_DEFAULT_MAX_CONNECTIONS 65536
#define TCP_DEFAULT_MAX_STREAM_BYTES (256 * 1024)
#define TCP_DEFAULT_MAX_TOTAL_BYTES (64 * 1024 * 1024)
#define TCP_DEFAULT_IDLE_TIMEOUT_NS (300 * NS_PER_SEC)

/* A gap the receiver has not acknowledged either (real network loss) is
 * normally filled by a retransmission within a few RTOs (RFC 6298: 1 s
 * minimum, doubling); past this the capture is assumed to have lost it. */
#define TCP_GAP_TIMEOUT_NS (10 * NS_PER_SEC)

/* Out-of-order segments held per direction: bounds the sorted-insert walk
 * and the per-segment overhead tiny segments could otherwise pile up. */
#define TCP_MAX_QUEUED_SEGMENTS 256

/* Hash buckets: start small, double while connections outnumber them. */
#define TCP_HASH_MIN_BUCKETS 1024

/* First allocation of a direction's pending buffer. */
#define TCP_PENDING_MIN_CAPACITY 2048

/* Sequence numbers compare modulo 2^32 (RFC 9293 3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* A segment that arrived ahead of a gap and waits for it to fill. */
struct tcp_queued {
	struct tcp_queued *next;
	uint32_t seq;  /* sequence number of data[0] */
	uint32_t len;  /* bytes held */
	uint32_t lost; /* bytes the sender sent after data[] that the capture
			  cut off (snaplen): a gap known in advance */
	uint8_t data[];
};

/* What a queued segment costs beyond its payload: its record and the
 * allocator's header.  The total limit charges it, or a flood of one-byte
 * segments over many connections would hold fifty times what it counts. */
#define MALLOC_HEADER_BYTES 16
#define QUEUED_OVERHEAD (sizeof(struct tcp_queued) + MALLOC_HEADER_BYTES)

/* One direction of a connection.  Hot fields (read on every segment) first. */
struct tcp_dir {
	struct tcp_half half; /* the consumer's view; first, see dir_of() */
	struct tcp_conn *conn;
	uint32_t next_seq;    /* next byte expected, valid when synced */
	bool synced;          /* next_seq is known */
	bool syn_seen;
	bool fin_seen;
	bool waiting;         /* a gap is open since waiting_since_ns */
	size_t pending_len;   /* in-order bytes delivered but not consumed */
	struct tcp_queued *queue;
	uint8_t *pending;
	size_t pending_cap;
	size_t queued_bytes;
	size_t queued_count;
	uint32_t isn;         /* from the SYN, when syn_seen */
	uint32_t fin_seq;     /* sequence number of the FIN, when fin_seen */
	int64_t waiting_since_ns;
};

struct tcp_conn {
	struct tcp_conn *hash_next;
	struct tcp_conn *lru_prev, *lru_next;   /* least recently used first */
	struct tcp_conn *hold_prev, *hold_next; /* conns holding bytes, oldest first */
	uint64_t hash;
	int64_t last_seen_ns;
	bool holding;
	struct tcp_dir dir[2];
};

struct tcp_table {
	struct tcp_conn **buckets;
	size_t bucket_mask;
	size_t count;
	uint64_t seed;
	struct tcp_conn *lru_head, *lru_tail;
	struct tcp_conn *hold_head, *hold_tail;
	size_t held_bytes; /* pending + queued, all connections */
	size_t held_overhead; /* QUEUED_OVERHEAD per queued segment */
	struct tcp_limits limits;
	struct anomaly_counters *anomalies;
	tcp_deliver_fn deliver;
	tcp_free_app_fn free_app;
	void *ctx;
	uint64_t segments;
	uint64_t retransmitted_bytes;
	uint64_t out_of_order;
};

/* The decoded parts of a segment this file uses. */
struct tcp_header {
	uint32_t seq, ack;
	uint8_t flags;
	struct view payload; /* as captured */
	uint32_t lost;       /* payload bytes the header claims beyond payload */
};

void tcp_limits_default(struct tcp_limits *l)
{
	l->max_connections = TCP_DEFAULT_MAX_CONNECTIONS;
	l->max_stream_bytes = TCP_DEFAULT_MAX_STREAM_BYTES;
	l->max_total_bytes = TCP_DEFAULT_MAX_TOTAL_BYTES;
	l->idle_timeout_ns = TCP_DEFAULT_IDLE_TIMEOUT_NS;
}

/* --- header ----------------------------------------------------------- */

/* RFC 9293 3.1.  The data offset is checked against what the IP header
 * claims (a lie: bad header length) and against what was captured (cut:
 * short).  Checksums are not verified: loopback captures carry partial
 * offload checksums. */
static enum anomaly tcp_parse(struct segment *seg, struct tcp_header *h)
{
	struct view l4 = seg->l4;
	uint8_t offset_byte;
	if (!view_be16(l4, TCP_OFF_SRC_PORT, &seg->src.port) ||
	    !view_be16(l4, TCP_OFF_DST_PORT, &seg->dst.port) ||
	    !view_u8(l4, TCP_OFF_DATA_OFFSET, &offset_byte))
		return ANOMALY_TCP_SHORT;
	size_t header_len = (size_t)(offset_byte >> 4) * TCP_DATA_OFFSET_WORD;
	if (header_len < TCP_MIN_HEADER_LEN || header_len > seg->l4_len)
		return ANOMALY_TCP_BAD_HEADER_LEN;
	if (header_len > l4.len)
		return ANOMALY_TCP_SHORT;
	view_be32(l4, TCP_OFF_SEQ, &h->seq);
	view_be32(l4, TCP_OFF_ACK, &h->ack);
	view_u8(l4, TCP_OFF_FLAGS, &h->flags);
	size_t captured = l4.len < seg->l4_len ? l4.len : seg->l4_len;
	h->payload = view_sub(l4, header_len, captured - header_len);
	h->lost = (uint32_t)(seg->l4_len - captured);
	return ANOMALY_NONE;
}

/* --- byte accounting --------------------------------------------------- */

static size_t dir_bytes(const struct tcp_dir *d)
{
	return d->pending_len + d->queued_bytes;
}

static size_t conn_bytes(const struct tcp_conn *c)
{
	return dir_bytes(&c->dir[0]) + dir_bytes(&c->dir[1]);
}

static void pending_append(struct tcp_table *t, struct tcp_dir *d, struct view data)
{
	if (data.len == 0)
		return;
	size_t need = d->pending_len + data.len;
	if (need > d->pending_cap) {
		size_t cap = d->pending_cap ? d->pending_cap : TCP_PENDING_MIN_CAPACITY;
		while (cap < need)
			cap *= 2;
		d->pending = xrealloc(d->pending, cap);
		d->pending_cap = cap;
	}
	memcpy(d->pending + d->pending_len, data.p, data.len);
	d->pending_len += data.len;
	t->held_bytes += data.len;
}

/* The buffer is released as soon as it is empty, so idle connections hold
 * no memory beyond their bookkeeping. */
static void pending_release(struct tcp_dir *d)
{
	free(d->pending);
	d->pending = NULL;
	d->pending_cap = 0;
}

static void pending_drop(struct tcp_table *t, struct tcp_dir *d)
{
	t->held_bytes -= d->pending_len;
	d->pending_len = 0;
	pending_release(d);
}

static void queue_free(struct tcp_table *t, struct tcp_dir *d)
{
	struct tcp_queued *q = d->queue;
	while (q) {
		struct tcp_queued *next = q->next;
		free(q);
		q = next;
	}
	t->held_bytes -= d->queued_bytes;
	t->held_overhead -= d->queued_count * QUEUED_OVERHEAD;
	d->queue = NULL;
	d->queued_bytes = 0;
	d->queued_count = 0;
}

static struct tcp_queued *queue_pop(struct tcp_table *t, struct tcp_dir *d)
{
	struct tcp_queued *q = d->queue;
	d->queue = q->next;
	d->queued_bytes -= q->len;
	d->queued_count--;
	t->held_bytes -= q->len;
	t->held_overhead -= QUEUED_OVERHEAD;
	return q;
}

/* --- delivery ---------------------------------------------------------- */

/* Offers data to the consumer until it stops consuming or nothing is left;
 * returns how many bytes it consumed. */
static size_t deliver_all(struct tcp_table *t, struct tcp_dir *d,
			  const struct segment *seg, struct view data)
{
	size_t done = 0;
	while (done < data.len) {
		size_t used = t->deliver ? t->deliver(t->ctx, &d->half, seg, view_from(data, done))
					 : data.len - done;
		if (used == 0)
			break;
		/* A consumer cannot take more than it was offered. */
		if (used > data.len - done)
			used = data.len - done;
		done += used;
	}
	return done;
}

static void pending_deliver(struct tcp_table *t, struct tcp_dir *d, const struct segment *seg)
{
	if (d->pending_len == 0)
		return;
	size_t used = deliver_all(t, d, seg, view_make(d->pending, d->pending_len));
	if (used == 0)
		return;
	d->pending_len -= used;
	t->held_bytes -= used;
	if (d->pending_len == 0)
		pending_release(d);
	else
		memmove(d->pending, d->pending + used, d->pending_len);
}

/* Unconsumed bytes over the limit can never frame (the message is larger
 * than we keep): drop them and let the consumer look for a new start. */
static void enforce_stream_limit(struct tcp_table *t, struct tcp_dir *d)
{
	if (d->pending_len <= t->limits.max_stream_bytes)
		return;
	anomaly_count(t->anomalies, ANOMALY_TCP_LIMIT);
	pending_drop(t, d);
	d->half.resync = true;
}

/* The bytes between next_seq and target will never be seen: skip them.
 * Pending bytes were waiting for the lost ones, so they go too. */
static void declare_lost(struct tcp_table *t, struct tcp_dir *d, uint32_t target)
{
	anomaly_count(t->anomalies, ANOMALY_TCP_GAP);
	pending_drop(t, d);
	d->next_seq = target;
	d->half.resync = true;
}

/* Moves queued segments that are now in order to the pending bytes and
 * delivers.  lost_end > next_seq means the bytes up to lost_end were cut
 * from the capture; fresh says pending holds bytes not offered yet. */
static void advance(struct tcp_table *t, struct tcp_dir *d, const struct segment *seg,
		    uint32_t lost_end, bool fresh)
{
	for (;;) {
		while (!seq_gt(lost_end, d->next_seq) && d->queue &&
		       seq_leq(d->queue->seq, d->next_seq)) {
			struct tcp_queued *q = queue_pop(t, d);
			uint32_t end = q->seq + q->len;
			if (seq_gt(end, d->next_seq)) {
				uint32_t seen = d->next_seq - q->seq;
				t->retransmitted_bytes += seen;
				pending_append(t, d, view_make(q->data + seen, q->len - seen));
				d->next_seq = end;
				fresh = true;
			} else {
				t->retransmitted_bytes += q->len;
			}
			if (q->lost)
				lost_end = end + q->lost;
			free(q);
		}
		if (fresh)
			pending_deliver(t, d, seg);
		fresh = false;
		if (!seq_gt(lost_end, d->next_seq))
			break;
		/* Skip only up to data we hold: a queued segment may already
		 * carry some of the cut bytes. */
		uint32_t target = lost_end;
		if (d->queue && seq_lt(d->queue->seq, target))
			target = d->queue->seq;
		if (seq_gt(target, d->next_seq))
			declare_lost(t, d, target);
		lost_end = d->next_seq;
	}
	enforce_stream_limit(t, d);
}

/* Something waits beyond a gap: queued data, or a FIN not reached yet. */
static bool dir_has_gap(const struct tcp_dir *d)
{
	return d->queue || (d->fin_seen && seq_lt(d->next_seq, d->fin_seq));
}

/* Every byte up to the FIN arrived. */
static bool dir_finished(const struct tcp_dir *d)
{
	return d->fin_seen && !seq_lt(d->next_seq, d->fin_seq);
}

/* Where the data after the gap starts. */
static uint32_t dir_gap_end(const struct tcp_dir *d)
{
	if (d->queue && !(d->fin_seen && seq_lt(d->fin_seq, d->queue->seq)))
		return d->queue->seq;
	return d->fin_seq;
}

static void skip_gap_to(struct tcp_table *t, struct tcp_dir *d, const struct segment *seg,
			uint32_t target)
{
	if (!seq_gt(target, d->next_seq))
		return;
	declare_lost(t, d, target);
	d->waiting = false;
	advance(t, d, seg, d->next_seq, false);
}

/* Delivers everything queued, skipping every gap (the connection ends). */
static void flush_hopeless(struct tcp_table *t, struct tcp_dir *d, const struct segment *seg)
{
	while (d->queue) {
		size_t before = d->queued_count;
		if (seq_gt(d->queue->seq, d->next_seq))
			declare_lost(t, d, d->queue->seq);
		advance(t, d, seg, d->next_seq, false);
		if (d->queued_count == before) /* cannot happen; never spin */
			break;
	}
}

/* Keeps the queue sorted and free of overlaps, so each byte is held once;
 * bytes already held are counted as retransmitted. */
static void queue_insert(struct tcp_table *t, struct tcp_dir *d, uint32_t seq,
			 struct view data, uint32_t lost)
{
	struct tcp_queued **link = &d->queue;
	while (*link && seq_leq((*link)->seq + (*link)->len, seq))
		link = &(*link)->next;
	if (*link && seq_leq((*link)->seq, seq)) {
		uint32_t held = (*link)->seq + (*link)->len - seq;
		if (held >= data.len) {
			t->retransmitted_bytes += data.len;
			return;
		}
		t->retransmitted_bytes += held;
		data = view_from(data, held);
		seq += held;
		link = &(*link)->next;
	}
	uint32_t end = seq + (uint32_t)data.len;
	while (*link && seq_lt((*link)->seq, end)) {
		struct tcp_queued *q = *link;
		if (seq_leq(q->seq + q->len, end)) {
			/* The new segment holds all of q (and q's cut bytes). */
			t->retransmitted_bytes += q->len;
			*link = q->next;
			d->queued_bytes -= q->len;
			d->queued_count--;
			t->held_bytes -= q->len;
			t->held_overhead -= QUEUED_OVERHEAD;
			free(q);
		} else {
			uint32_t overlap = end - q->seq;
			t->retransmitted_bytes += overlap;
			data.len -= overlap;
			end = q->seq;
			lost = 0; /* what follows is q itself */
			break;
		}
	}
	if (data.len == 0 && lost == 0)
		return;
	struct tcp_queued *q = xmalloc(sizeof(*q) + data.len);
	q->seq = seq;
	q->len = (uint32_t)data.len;
	q->lost = lost;
	if (data.len)
		memcpy(q->data, data.p, data.len);
	q->next = *link;
	*link = q;
	d->queued_bytes += data.len;
	d->queued_count++;
	t->held_bytes += data.len;
	t->held_overhead += QUEUED_OVERHEAD;
}

/* Payload of one segment for direction d (synced), starting at seq. */
static void dir_receive(struct tcp_table *t, struct tcp_dir *d, const struct segment *seg,
			uint32_t seq, struct view data, uint32_t lost)
{
	if (seq_lt(seq, d->next_seq)) {
		/* Retransmitted or overlapping: trim what was delivered. */
		uint32_t seen = d->next_seq - seq;
		if (seen >= data.len) {
			t->retransmitted_bytes += data.len;
			uint32_t seen_lost = seen - (uint32_t)data.len;
			if (seen_lost >= lost)
				return;
			lost -= seen_lost;
			data = view_from(data, data.len);
		} else {
			t->retransmitted_bytes += seen;
			data = view_from(data, seen);
		}
		seq = d->next_seq;
	}

	if (seq != d->next_seq) {
		t->out_of_order++;
		queue_insert(t, d, seq, data, lost);
		/* The gap must fill within the direction's byte budget (and
		 * queue length); otherwise the missing bytes are given up. */
		while (d->queue && (dir_bytes(d) > t->limits.max_stream_bytes ||
				    d->queued_count > TCP_MAX_QUEUED_SEGMENTS))
			skip_gap_to(t, d, seg, d->queue->seq);
		return;
	}

	d->next_seq = seq + (uint32_t)data.len;
	bool fresh = false;
	if (d->pending_len == 0 && !d->queue) {
		/* Fast path: the consumer reads the segment in place; only an
		 * unconsumed tail is copied. */
		size_t used = deliver_all(t, d, seg, data);
		struct view tail = view_from(data, used);
		if (tail.len > t->limits.max_stream_bytes) {
			anomaly_count(t->anomalies, ANOMALY_TCP_LIMIT);
			d->half.resync = true;
		} else {
			pending_append(t, d, tail);
		}
		if (lost == 0)
			return;
	} else {
		pending_append(t, d, data);
		fresh = data.len > 0;
	}
	advance(t, d, seg, d->next_seq + lost, fresh);
}

/* --- connection table ---------------------------------------------------- */

static int endpoint_order(const struct endpoint *a, const struct endpoint *b)
{
	if (a->ip.family != b->ip.family)
		return a->ip.family < b->ip.family ? -1 : 1;
	int c = memcmp(a->ip.bytes, b->ip.bytes, sizeof(a->ip.bytes));
	if (c)
		return c;
	return (a->port > b->port) - (a->port < b->port);
}

/* Both directions hash alike: the endpoints are put in a fixed order.
 * Only the address bytes in use are hashed (IPv4 keys are 13 bytes). */
static uint64_t conn_hash(const struct tcp_table *t, const struct endpoint *a,
			  const struct endpoint *b)
{
	enum { V4_LEN = 4, V6_LEN = sizeof(a->ip.bytes), KEY_MAX = 1 + 2 * (V6_LEN + 2) };
	if (endpoint_order(a, b) > 0) {
		const struct endpoint *swap = a;
		a = b;
		b = swap;
	}
	size_t addr_len = (a->ip.family == NETADDR_V4 && b->ip.family == NETADDR_V4) ? V4_LEN
										      : V6_LEN;
	uint8_t key[KEY_MAX];
	size_t n = 0;
	key[n++] = a->ip.family;
	memcpy(key + n, a->ip.bytes, addr_len);
	n += addr_len;
	memcpy(key + n, b->ip.bytes, addr_len);
	n += addr_len;
	key[n++] = (uint8_t)(a->port >> 8);
	key[n++] = (uint8_t)a->port;
	key[n++] = (uint8_t)(b->port >> 8);
	key[n++] = (uint8_t)b->port;
	return hash_bytes(key, n, t->seed);
}

/* The direction of c that seg travels in, or NULL when seg is another
 * connection's. */
static struct tcp_dir *conn_match(struct tcp_conn *c, const struct segment *seg)
{
	struct tcp_half *h = &c->dir[0].half;
	if (endpoint_eq(&h->src, &seg->src) && endpoint_eq(&h->dst, &seg->dst))
		return &c->dir[0];
	if (endpoint_eq(&h->src, &seg->dst) && endpoint_eq(&h->dst, &seg->src))
		return &c->dir[1];
	return NULL;
}

static struct tcp_dir *conn_find(struct tcp_table *t, uint64_t hash, const struct segment *seg)
{
	for (struct tcp_conn *c = t->buckets[hash & t->bucket_mask]; c; c = c->hash_next) {
		if (c->hash != hash)
			continue;
		struct tcp_dir *d = conn_match(c, seg);
		if (d)
			return d;
	}
	return NULL;
}

static struct tcp_dir *dir_of(struct tcp_half *h)
{
	return (struct tcp_dir *)h; /* half is the first member */
}

static void lru_unlink(struct tcp_table *t, struct tcp_conn *c)
{
	if (c->lru_prev)
		c->lru_prev->lru_next = c->lru_next;
	else
		t->lru_head = c->lru_next;
	if (c->lru_next)
		c->lru_next->lru_prev = c->lru_prev;
	else
		t->lru_tail = c->lru_prev;
	c->lru_prev = c->lru_next = NULL;
}

static void lru_append(struct tcp_table *t, struct tcp_conn *c)
{
	c->lru_prev = t->lru_tail;
	c->lru_next = NULL;
	if (t->lru_tail)
		t->lru_tail->lru_next = c;
	else
		t->lru_head = c;
	t->lru_tail = c;
}

static void holders_update(struct tcp_table *t, struct tcp_conn *c)
{
	bool holding = conn_bytes(c) > 0;
	if (holding == c->holding)
		return;
	c->holding = holding;
	if (holding) {
		c->hold_prev = t->hold_tail;
		c->hold_next = NULL;
		if (t->hold_tail)
			t->hold_tail->hold_next = c;
		else
			t->hold_head = c;
		t->hold_tail = c;
		return;
	}
	if (c->hold_prev)
		c->hold_prev->hold_next = c->hold_next;
	else
		t->hold_head = c->hold_next;
	if (c->hold_next)
		c->hold_next->hold_prev = c->hold_prev;
	else
		t->hold_tail = c->hold_prev;
	c->hold_prev = c->hold_next = NULL;
}

static void buckets_grow(struct tcp_table *t)
{
	size_t n = (t->bucket_mask + 1) * 2;
	struct tcp_conn **b = xcalloc(n, sizeof(*b));
	for (size_t i = 0; i <= t->bucket_mask; i++) {
		struct tcp_conn *c = t->buckets[i];
		while (c) {
			struct tcp_conn *next = c->hash_next;
			c->hash_next = b[c->hash & (n - 1)];
			b[c->hash & (n - 1)] = c;
			c = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->bucket_mask = n - 1;
}

/* Forgets c: the consumer frees its state, the bytes held go. */
static void conn_destroy(struct tcp_table *t, struct tcp_conn *c)
{
	struct tcp_conn **link = &t->buckets[c->hash & t->bucket_mask];
	while (*link && *link != c)
		link = &(*link)->hash_next;
	if (*link)
		*link = c->hash_next;
	lru_unlink(t, c);
	for (int i = 0; i < 2; i++) {
		struct tcp_dir *d = &c->dir[i];
		if (t->free_app)
			t->free_app(t->ctx, &d->half);
		pending_drop(t, d);
		queue_free(t, d);
	}
	holders_update(t, c);
	t->count--;
	free(c);
}

/* The segment as seen from direction d: when d is not the direction seg
 * travels in (a reset or an acknowledgement made d's bytes available),
 * the consumer still gets d's addresses and the frame that did it. */
static const struct segment *segment_for(const struct segment *seg, const struct tcp_dir *d,
					 struct segment *scratch)
{
	if (endpoint_eq(&seg->src, &d->half.src) && endpoint_eq(&seg->dst, &d->half.dst))
		return seg;
	*scratch = *seg;
	scratch->src = d->half.src;
	scratch->dst = d->half.dst;
	scratch->l4 = view_empty();
	scratch->l4_len = 0;
	return scratch;
}

/* The connection ends: what can still be delivered is, then it is
 * forgotten. */
static void conn_close(struct tcp_table *t, struct tcp_conn *c, const struct segment *seg)
{
	struct segment scratch;
	for (int i = 0; i < 2; i++) {
		struct tcp_dir *d = &c->dir[i];
		if (dir_finished(d))
			queue_free(t, d); /* anything after a FIN is not stream */
		else
			flush_hopeless(t, d, segment_for(seg, d, &scratch));
	}
	conn_destroy(t, c);
}

static struct tcp_dir *conn_create(struct tcp_table *t, uint64_t hash, const struct segment *seg,
				   int64_t now_ns)
{
	if (t->count >= t->limits.max_connections && t->lru_head) {
		anomaly_count(t->anomalies, ANOMALY_TCP_CONN_LIMIT);
		conn_destroy(t, t->lru_head);
	}
	if (t->count >= t->bucket_mask + 1)
		buckets_grow(t);
	struct tcp_conn *c = xcalloc(1, sizeof(*c));
	c->hash = hash;
	c->dir[0].half.src = c->dir[1].half.dst = seg->src;
	c->dir[0].half.dst = c->dir[1].half.src = seg->dst;
	c->dir[0].half.peer = &c->dir[1].half;
	c->dir[1].half.peer = &c->dir[0].half;
	c->dir[0].conn = c->dir[1].conn = c;
	c->last_seen_ns = now_ns;
	size_t b = hash & t->bucket_mask;
	c->hash_next = t->buckets[b];
	t->buckets[b] = c;
	lru_append(t, c);
	t->count++;
	return &c->dir[0];
}

/* The direction has done more than answer a SYN: it sent data or a FIN,
 * or was joined mid-stream. */
static bool dir_past_handshake(const struct tcp_dir *d)
{
	return d->synced && (!d->syn_seen || d->fin_seen || d->next_seq != d->isn + 1);
}

/* A SYN that is not a retransmission of the one this direction already saw
 * means the 4-tuple was reused: the old connection is over (RFC 9293 3.5
 * and 3.6.1, TIME-WAIT reuse).  A client SYN after the server's SYN-ACK
 * (the first SYN missed, or the SYN-ACK lost past the capture point) is
 * still the same handshake. */
static bool syn_starts_new_connection(const struct tcp_dir *d, const struct tcp_header *h)
{
	const struct tcp_dir *peer = dir_of(d->half.peer);
	if (d->syn_seen && d->isn == h->seq)
		return false;
	if (h->flags & TCP_FLAG_ACK)
		return d->synced; /* SYN-ACK: only when this side had a life */
	return d->synced || dir_past_handshake(peer);
}

/* now - since >= span, without overflow for any timestamps. */
static bool elapsed_at_least(int64_t since_ns, int64_t now_ns, int64_t span_ns)
{
	return now_ns >= since_ns && (uint64_t)now_ns - (uint64_t)since_ns >= (uint64_t)span_ns;
}

static void wait_timer_update(struct tcp_dir *d, int64_t now_ns)
{
	bool gap = dir_has_gap(d);
	if (gap && !d->waiting)
		d->waiting_since_ns = now_ns;
	d->waiting = gap;
}

/* The receiver acknowledged bytes after the gap (RFC 9293 3.4): it has
 * them, so no retransmission will come; the capture lost them. */
static void ack_skips_gap(struct tcp_table *t, struct tcp_dir *d, const struct segment *seg,
			  uint32_t ack)
{
	while (d->synced && dir_has_gap(d) && seq_gt(ack, d->next_seq)) {
		uint32_t target = dir_gap_end(d);
		if (seq_lt(ack, target))
			target = ack;
		uint32_t before = d->next_seq;
		skip_gap_to(t, d, seg, target);
		if (d->next_seq == before)
			break;
	}
}

static void timeout_skips_gap(struct tcp_table *t, struct tcp_dir *d, const struct segment *seg,
			      int64_t now_ns)
{
	if (d->waiting && dir_has_gap(d) &&
	    elapsed_at_least(d->waiting_since_ns, now_ns, TCP_GAP_TIMEOUT_NS))
		skip_gap_to(t, d, seg, dir_gap_end(d));
}

/* Keeps all connections together under max_total_bytes: the connection
 * that has held bytes the longest loses them. */
static void enforce_total_limit(struct tcp_table *t)
{
	while (t->held_bytes + t->held_overhead > t->limits.max_total_bytes && t->hold_head) {
		struct tcp_conn *c = t->hold_head;
		for (int i = 0; i < 2; i++) {
			struct tcp_dir *d = &c->dir[i];
			if (dir_bytes(d) == 0)
				continue;
			anomaly_count(t->anomalies, ANOMALY_TCP_LIMIT);
			if (d->queue) {
				struct tcp_queued *last = d->queue;
				while (last->next)
					last = last->next;
				d->next_seq = last->seq + last->len + last->lost;
			}
			pending_drop(t, d);
			queue_free(t, d);
			d->waiting = false;
			d->half.resync = true;
		}
		holders_update(t, c);
	}
}

struct tcp_table *tcp_table_new(const struct tcp_limits *limits,
				struct anomaly_counters *anomalies,
				tcp_deliver_fn deliver, tcp_free_app_fn free_app,
				void *ctx)
{
	struct tcp_table *t = xcalloc(1, sizeof(*t));
	if (limits)
		t->limits = *limits;
	else
		tcp_limits_default(&t->limits);
	if (t->limits.max_connections == 0)
		t->limits.max_connections = 1;
	t->anomalies = anomalies;
	t->deliver = deliver;
	t->free_app = free_app;
	t->ctx = ctx;
	t->seed = hash_seed();
	t->buckets = xcalloc(TCP_HASH_MIN_BUCKETS, sizeof(*t->buckets));
	t->bucket_mask = TCP_HASH_MIN_BUCKETS - 1;
	return t;
}

void tcp_table_free(struct tcp_table *t)
{
	if (!t)
		return;
	while (t->lru_head)
		conn_destroy(t, t->lru_head);
	free(t->buckets);
	free(t);
}

void tcp_input(struct tcp_table *t, struct segment *seg)
{
	tcp_input_ex(t, seg, NULL);
}

void tcp_input_ex(struct tcp_table *t, struct segment *seg, struct tcp_input_result *res)
{
	struct tcp_header h;
	struct tcp_input_result ignored;
	if (!res)
		res = &ignored;
	res->carried_data = false;
	res->app = TCP_APP_UNKNOWN;
	t->segments++;
	enum anomaly a = tcp_parse(seg, &h);
	if (a != ANOMALY_NONE) {
		anomaly_count(t->anomalies, a);
		return;
	}
	int64_t now_ns = seg->frame ? seg->frame->ts_ns : 0;
	bool has_data = h.payload.len > 0 || h.lost > 0;
	uint64_t hash = conn_hash(t, &seg->src, &seg->dst);
	struct tcp_dir *d = conn_find(t, hash, seg);

	if (h.flags & TCP_FLAG_RST) {
		/* RFC 9293 3.5.3; any payload is diagnostic text, not stream. */
		if (d)
			conn_close(t, d->conn, seg);
		return;
	}
	if (!d) {
		/* Pure acknowledgements of unknown connections (e.g. the last
		 * ACK after both FINs) create nothing. */
		if (!(h.flags & TCP_FLAG_SYN) && !has_data)
			return;
		d = conn_create(t, hash, seg, now_ns);
	} else if ((h.flags & TCP_FLAG_SYN) && syn_starts_new_connection(d, &h)) {
		conn_close(t, d->conn, seg);
		d = conn_create(t, hash, seg, now_ns);
	}
	struct tcp_conn *c = d->conn;
	struct tcp_dir *peer = dir_of(d->half.peer);
	if (now_ns > c->last_seen_ns)
		c->last_seen_ns = now_ns;
	if (c != t->lru_tail) {
		lru_unlink(t, c);
		lru_append(t, c);
	}

	/* The SYN occupies one sequence number before the data (RFC 9293 3.4). */
	uint32_t data_seq = h.seq;
	if (h.flags & TCP_FLAG_SYN) {
		if (!d->syn_seen) {
			d->syn_seen = true;
			d->isn = h.seq;
			d->synced = true;
			d->next_seq = h.seq + 1;
		}
		data_seq = h.seq + 1;
	}
	if (!d->synced && (has_data || (h.flags & TCP_FLAG_FIN))) {
		/* Joined mid-stream: the first byte seen may be inside a
		 * message. */
		d->synced = true;
		d->next_seq = data_seq;
		d->half.resync = has_data;
	}
	if (has_data) {
		dir_receive(t, d, seg, data_seq, h.payload, h.lost);
		res->carried_data = h.payload.len > 0;
		res->app = d->half.app;
	}
	if ((h.flags & TCP_FLAG_FIN) && !d->fin_seen) {
		d->fin_seen = true;
		d->fin_seq = data_seq + (uint32_t)h.payload.len + h.lost;
	}

	struct segment scratch;
	if ((h.flags & TCP_FLAG_ACK) && peer->synced && dir_has_gap(peer))
		ack_skips_gap(t, peer, segment_for(seg, peer, &scratch), h.ack);
	timeout_skips_gap(t, d, seg, now_ns);
	if (peer->waiting)
		timeout_skips_gap(t, peer, segment_for(seg, peer, &scratch), now_ns);
	wait_timer_update(d, now_ns);
	wait_timer_update(peer, now_ns);

	if (dir_finished(d) && dir_finished(peer))
		conn_close(t, c, seg);
	else
		holders_update(t, c);
	enforce_total_limit(t);
}

void tcp_table_expire(struct tcp_table *t, int64_t now_ns)
{
	int64_t timeout = t->limits.idle_timeout_ns > 0 ? t->limits.idle_timeout_ns : 0;
	/* Least recently used first: stop at the first one still active.
	 * now_ns may be INT64_MAX at the end of a capture. */
	while (t->lru_head && elapsed_at_least(t->lru_head->last_seen_ns, now_ns, timeout)) {
		struct tcp_conn *c = t->lru_head;
		if (conn_bytes(c) > 0)
			anomaly_count(t->anomalies, ANOMALY_TCP_TIMEOUT);
		conn_destroy(t, c);
	}
}

void tcp_table_stats(const struct tcp_table *t, struct tcp_stats *out)
{
	out->segments = t->segments;
	out->connections = t->count;
	out->retransmitted_bytes = t->retransmitted_bytes;
	out->out_of_order = t->out_of_order;
	out->bytes_pending = t->held_bytes;
}
