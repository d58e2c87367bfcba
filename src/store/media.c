/* media.c - media endpoint index and RTP streams (see media.h). */
#include "store/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/call.h"
#include "util/hash.h"
#include "util/xalloc.h"

#define MEDIA_INITIAL_BUCKETS 1024u

struct media_index {
	struct media_endpoint **buckets;
	size_t mask;
	size_t count;
	uint64_t seed;
};

struct media_index *media_index_new(void)
{
	struct media_index *idx = xcalloc(1, sizeof(*idx));
	idx->buckets = xcalloc(MEDIA_INITIAL_BUCKETS, sizeof(*idx->buckets));
	idx->mask = MEDIA_INITIAL_BUCKETS - 1;
	idx->seed = hash_seed();
	return idx;
}

void media_index_free(struct media_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i <= idx->mask; i++) {
		struct media_endpoint *e = idx->buckets[i];
		while (e) {
			struct media_endpoint *next = e->hash_next;
			free(e->formats);
			free(e);
			e = next;
		}
	}
	free(idx->buckets);
	free(idx);
}

static size_t bucket_of(const struct media_index *idx, const struct endpoint *ep)
{
	return (size_t)(endpoint_hash(ep) ^ idx->seed) & idx->mask;
}

static void grow(struct media_index *idx)
{
	size_t old_n = idx->mask + 1, new_n = old_n * 2;
	struct media_endpoint **old = idx->buckets;
	idx->buckets = xcalloc(new_n, sizeof(*idx->buckets));
	idx->mask = new_n - 1;
	for (size_t i = 0; i < old_n; i++) {
		struct media_endpoint *e = old[i];
		while (e) {
			struct media_endpoint *next = e->hash_next;
			size_t b = bucket_of(idx, &e->addr);
			e->hash_next = idx->buckets[b];
			idx->buckets[b] = e;
			e = next;
		}
	}
	free(old);
}

struct media_endpoint *media_index_lookup(struct media_index *idx,
					  const struct endpoint *dst)
{
	struct media_endpoint *e = idx->buckets[bucket_of(idx, dst)];
	while (e && !endpoint_eq(&e->addr, dst))
		e = e->hash_next;
	return e;
}

static void unlink_from_call(struct media_endpoint *e)
{
	struct call *c = e->call;
	struct media_endpoint **pp = &c->media;
	while (*pp && *pp != e)
		pp = &(*pp)->call_next;
	if (*pp)
		*pp = e->call_next;
	e->call_next = NULL;
}

static void copy_formats(struct media_endpoint *e, const struct sdp_media *m)
{
	if (e->format_count != m->format_count) {
		free(e->formats);
		e->formats = m->format_count ? xcalloc(m->format_count, sizeof(*e->formats)) : NULL;
	}
	e->format_count = m->format_count;
	for (unsigned i = 0; i < m->format_count && i < SDP_MAX_FORMATS; i++) {
		e->formats[i].pt = m->formats[i].pt;
		e->formats[i].clock_rate = m->formats[i].clock_rate;
		memcpy(e->formats[i].encoding, m->formats[i].encoding, MEDIA_CODEC_LEN);
		e->formats[i].encoding[MEDIA_CODEC_LEN - 1] = '\0';
	}
}

static void announce_one(struct media_index *idx, struct call *c,
			 const struct endpoint *addr, enum media_kind kind,
			 const struct sdp_media *m)
{
	struct media_endpoint *e = media_index_lookup(idx, addr);
	if (e && e->call != c) {
		/* The port was reused by another dialog: hand it over.  The
		 * old dialog keeps the streams it already had. */
		unlink_from_call(e);
		e->streams = NULL;
		e->call = NULL;
	}
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->addr = *addr;
		size_t b = bucket_of(idx, addr);
		e->hash_next = idx->buckets[b];
		idx->buckets[b] = e;
		if (++idx->count > idx->mask + 1)
			grow(idx);
	}
	if (!e->call) {
		e->call = c;
		e->call_next = c->media;
		c->media = e;
	}
	e->kind = (uint8_t)kind;
	e->rtcp_mux = m->rtcp_mux;
	/* A re-INVITE may change the codec list; the newest SDP wins.  RTCP
	 * needs no codec table. */
	if (kind == MEDIA_RTP)
		copy_formats(e, m);
}

void media_index_announce(struct media_index *idx, struct call *c,
			  const struct sdp_media *m)
{
	if (m->port == 0 || m->addr.family == 0)
		return; /* rejected stream (RFC 3264 6) or no address */
	struct endpoint rtp = { .ip = m->addr, .port = m->port };
	announce_one(idx, c, &rtp, MEDIA_RTP, m);
	if (m->rtcp_mux)
		return;
	struct endpoint rtcp = { .ip = m->addr, .port = (uint16_t)(m->port + 1) };
	if (m->rtcp_port) {
		rtcp.port = m->rtcp_port;
		if (m->rtcp_addr.family)
			rtcp.ip = m->rtcp_addr;
	} else if (m->port == UINT16_MAX) {
		return;
	}
	announce_one(idx, c, &rtcp, MEDIA_RTCP, m);
}

void media_index_remove_call(struct media_index *idx, struct call *c)
{
	struct media_endpoint *e = c->media;
	while (e) {
		struct media_endpoint *next = e->call_next;
		size_t b = bucket_of(idx, &e->addr);
		struct media_endpoint **pp = &idx->buckets[b];
		while (*pp && *pp != e)
			pp = &(*pp)->hash_next;
		if (*pp)
			*pp = e->hash_next;
		idx->count--;
		free(e->formats);
		free(e);
		e = next;
	}
	c->media = NULL;
}

static const struct media_format *find_format(const struct media_endpoint *me, uint8_t pt)
{
	for (unsigned i = 0; i < me->format_count; i++)
		if (me->formats[i].pt == pt)
			return &me->formats[i];
	return NULL;
}

struct rtp_stream *media_endpoint_stream(struct media_endpoint *me,
					 const struct endpoint *src,
					 const struct endpoint *dst,
					 uint32_t ssrc, uint8_t pt)
{
	struct rtp_stream *s = me->streams;
	for (; s; s = s->endpoint_next)
		if (s->ssrc == ssrc && endpoint_eq(&s->src, src) && endpoint_eq(&s->dst, dst))
			return s;
	s = xcalloc(1, sizeof(*s));
	s->src = *src;
	s->dst = *dst;
	s->ssrc = ssrc;
	s->pt = pt;
	const struct media_format *f = find_format(me, pt);
	const char *encoding;
	uint32_t rate;
	if (f) {
		s->clock_rate = f->clock_rate;
		memcpy(s->codec, f->encoding, MEDIA_CODEC_LEN);
	} else if (sdp_static_payload(pt, &encoding, &rate)) {
		/* RFC 3551 6: static types need no rtpmap. */
		s->clock_rate = rate;
		snprintf(s->codec, sizeof(s->codec), "%s", encoding);
	}
	/* RFC 4733 events share the audio SSRC: the SDP names their type. */
	int event_pt = -1;
	for (unsigned i = 0; i < me->format_count; i++)
		if (strcasecmp(me->formats[i].encoding, "telephone-event") == 0)
			event_pt = me->formats[i].pt;
	rtp_stats_init(&s->stats, s->clock_rate, event_pt);
	s->rtcp.jitter_ms = s->rtcp.rtt_ms = s->rtcp.mos_lq = s->rtcp.mos_cq = -1;
	s->endpoint_next = me->streams;
	me->streams = s;
	struct call *c = me->call;
	if (c->streams_tail)
		c->streams_tail->call_next = s;
	else
		c->streams = s;
	c->streams_tail = s;
	return s;
}

struct rtp_stream *call_stream_by_ssrc(struct call *c, uint32_t ssrc)
{
	for (struct rtp_stream *s = c->streams; s; s = s->call_next)
		if (s->ssrc == ssrc)
			return s;
	return NULL;
}

void rtp_stream_list_free(struct rtp_stream *s)
{
	while (s) {
		struct rtp_stream *next = s->call_next;
		free(s);
		s = next;
	}
}

size_t media_index_count(const struct media_index *idx)
{
	return idx->count;
}
