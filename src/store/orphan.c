/* orphan.c - unannounced RTP streams (see orphan.h). */
#include "store/orphan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/sdp.h"
#include "util/hash.h"
#include "util/xalloc.h"

/* RFC 5761 4: payload types 64..95 are reserved so RTP and RTCP can share
 * a port; no real stream uses them. */
#define RTP_PT_RTCP_CONFLICT_FIRST 64
#define RTP_PT_RTCP_CONFLICT_LAST 95
/* A confirmed stream received most of what its sequence numbers span. */
#define ORPHAN_MIN_RECEIVED_SHARE 0.5

struct orphan_entry {
	struct rtp_stream stream;      /* first: entries are handed out as streams */
	uint64_t key_hash;
	struct orphan_entry *hash_next;
	struct orphan_entry *lru_prev, *lru_next;  /* most recent at lru_head */
	bool confirmed;
};

struct orphan_table {
	struct orphan_entry **buckets;
	size_t bucket_count;
	size_t count, max;
	size_t evicted;
	uint64_t seed;
	struct orphan_entry *lru_head, *lru_tail;
};

struct orphan_table *orphan_table_new(size_t max_streams)
{
	struct orphan_table *t = xcalloc(1, sizeof(*t));
	t->max = max_streams ? max_streams : ORPHAN_DEFAULT_MAX_STREAMS;
	t->bucket_count = 1;
	while (t->bucket_count < t->max)
		t->bucket_count <<= 1;
	t->buckets = xcalloc(t->bucket_count, sizeof(*t->buckets));
	t->seed = hash_seed();
	return t;
}

void orphan_table_free(struct orphan_table *t)
{
	if (!t)
		return;
	struct orphan_entry *e = t->lru_head;
	while (e) {
		struct orphan_entry *next = e->lru_next;
		free(e);
		e = next;
	}
	free(t->buckets);
	free(t);
}

bool orphan_plausible(const struct rtp_header *h)
{
	return !(h->pt >= RTP_PT_RTCP_CONFLICT_FIRST && h->pt <= RTP_PT_RTCP_CONFLICT_LAST) &&
	       h->payload.len > 0;
}

static uint64_t key_hash(const struct orphan_table *t, const struct endpoint *src,
			 const struct endpoint *dst, uint32_t ssrc)
{
	return hash_mix(endpoint_hash(src) * 31 + endpoint_hash(dst) + ssrc + t->seed);
}

static void lru_unlink(struct orphan_table *t, struct orphan_entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		t->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		t->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(struct orphan_table *t, struct orphan_entry *e)
{
	e->lru_next = t->lru_head;
	e->lru_prev = NULL;
	if (t->lru_head)
		t->lru_head->lru_prev = e;
	t->lru_head = e;
	if (!t->lru_tail)
		t->lru_tail = e;
}

static void remove_entry(struct orphan_table *t, struct orphan_entry *e)
{
	struct orphan_entry **pp = &t->buckets[e->key_hash & (t->bucket_count - 1)];
	while (*pp && *pp != e)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = e->hash_next;
	lru_unlink(t, e);
	free(e);
	t->count--;
	t->evicted++;
}

/* At the limit: the least recently seen candidate goes, else the least
 * recently seen stream. */
static void make_room(struct orphan_table *t)
{
	struct orphan_entry *victim = NULL;
	for (struct orphan_entry *e = t->lru_tail; e; e = e->lru_prev)
		if (!e->confirmed) {
			victim = e;
			break;
		}
	remove_entry(t, victim ? victim : t->lru_tail);
}

static void check_confirmed(struct orphan_entry *e)
{
	struct rtp_figures f;
	rtp_stats_figures(&e->stream.stats, NULL, -1, &f);
	e->confirmed = f.seq_validated && f.packets >= ORPHAN_MIN_PACKETS && f.expected > 0 &&
		       (double)(f.expected - f.lost) / (double)f.expected >= ORPHAN_MIN_RECEIVED_SHARE;
}

struct rtp_stream *orphan_table_packet(struct orphan_table *t, const struct endpoint *src,
				       const struct endpoint *dst, const struct rtp_header *h,
				       int64_t ts_ns)
{
	uint64_t kh = key_hash(t, src, dst, h->ssrc);
	struct orphan_entry *e = t->buckets[kh & (t->bucket_count - 1)];
	while (e && !(e->key_hash == kh && e->stream.ssrc == h->ssrc &&
		      endpoint_eq(&e->stream.src, src) && endpoint_eq(&e->stream.dst, dst)))
		e = e->hash_next;
	if (!e) {
		if (t->count >= t->max)
			make_room(t);
		e = xcalloc(1, sizeof(*e));
		e->key_hash = kh;
		struct rtp_stream *s = &e->stream;
		s->src = *src;
		s->dst = *dst;
		s->ssrc = h->ssrc;
		s->pt = h->pt;
		const char *encoding;
		uint32_t rate;
		if (sdp_static_payload(h->pt, &encoding, &rate)) {
			s->clock_rate = rate;
			snprintf(s->codec, sizeof(s->codec), "%s", encoding);
		}
		rtp_stats_init(&s->stats, s->clock_rate, -1);
		s->rtcp.jitter_ms = s->rtcp.rtt_ms = s->rtcp.mos_lq = s->rtcp.mos_cq = -1;
		s->first_ns = ts_ns;
		size_t b = kh & (t->bucket_count - 1);
		e->hash_next = t->buckets[b];
		t->buckets[b] = e;
		t->count++;
	} else {
		lru_unlink(t, e);
	}
	lru_push_front(t, e);
	struct rtp_stream *s = &e->stream;
	s->last_ns = ts_ns;
	s->packets++;
	rtp_stats_update(&s->stats, h, ts_ns);
	if (!e->confirmed)
		check_confirmed(e);
	return s;
}

static int by_first_seen(const void *a, const void *b)
{
	const struct rtp_stream *x = *(const struct rtp_stream *const *)a;
	const struct rtp_stream *y = *(const struct rtp_stream *const *)b;
	return (x->first_ns > y->first_ns) - (x->first_ns < y->first_ns);
}

size_t orphan_table_collect(struct orphan_table *t, const struct rtp_stream **out, size_t max)
{
	size_t n = 0;
	for (struct orphan_entry *e = t->lru_head; e && n < max; e = e->lru_next)
		if (e->confirmed)
			out[n++] = &e->stream;
	qsort(out, n, sizeof(*out), by_first_seen);
	return n;
}

size_t orphan_table_count(const struct orphan_table *t)
{
	return t->count;
}

size_t orphan_table_evicted(const struct orphan_table *t)
{
	return t->evicted;
}
