/* media.c - media endpoint index and RTP streams (see media.h). */
#include "store/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/call.h"
#include "util/hash.h"
#include "util/xalloc.h"

/* Open addressing with linear probing: a slot holds the key's hash next
 * to the endpoint, so a probe that misses (a new endpoint being announced,
 * a packet to an unknown address) reads one cache line of the table and
 * never an endpoint.  Kept at most half full, so runs stay short. */
#define MEDIA_INITIAL_SLOTS 1024u
#define MEDIA_MAX_LOAD_DIVISOR 2 /* grow beyond 1/2 full */

struct media_slot {
	uint64_t hash;                 /* 0: empty (hashes are made odd) */
	struct media_endpoint *e;
};

struct media_index {
	struct media_slot *slots;
	size_t mask;
	size_t count;
	uint64_t seed;
};

struct media_index *media_index_new(void)
{
	struct media_index *idx = xcalloc(1, sizeof(*idx));
	idx->slots = xcalloc(MEDIA_INITIAL_SLOTS, sizeof(*idx->slots));
	idx->mask = MEDIA_INITIAL_SLOTS - 1;
	idx->seed = hash_seed();
	return idx;
}

/* The formats an endpoint was allocated with: they follow it in the same
 * block (one allocation per announced endpoint instead of two). */
static struct media_format *inline_formats(struct media_endpoint *e)
{
	return (struct media_format *)(e + 1);
}

static void release_formats(struct media_endpoint *e)
{
	if (e->formats != inline_formats(e))
		free(e->formats);
	e->formats = NULL;
}

void media_index_free(struct media_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i <= idx->mask; i++) {
		struct media_endpoint *e = idx->slots[i].e;
		if (e) {
			release_formats(e);
			free(e);
		}
	}
	free(idx->slots);
	free(idx);
}

/* The seed goes in before the final mix, so which addresses share a run
 * of slots differs from process to process (a capture cannot be crafted
 * to pile them up). */
static uint64_t slot_hash(const struct media_index *idx, const struct endpoint *ep)
{
	return hash_mix(endpoint_hash(ep) ^ idx->seed) | 1;
}

static void place(struct media_index *idx, uint64_t h, struct media_endpoint *e)
{
	size_t i = h & idx->mask;
	while (idx->slots[i].hash)
		i = (i + 1) & idx->mask;
	idx->slots[i].hash = h;
	idx->slots[i].e = e;
}

static void grow(struct media_index *idx)
{
	size_t old_n = idx->mask + 1;
	struct media_slot *old = idx->slots;
	idx->slots = xcalloc(old_n * 2, sizeof(*idx->slots));
	idx->mask = old_n * 2 - 1;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].hash)
			place(idx, old[i].hash, old[i].e);
	free(old);
}

/* The slot of dst (its endpoint, or the empty slot ending its run). */
static size_t find_slot(const struct media_index *idx, const struct endpoint *dst, uint64_t h)
{
	size_t i = h & idx->mask;
	for (;;) {
		const struct media_slot *s = &idx->slots[i];
		if (!s->hash || (s->hash == h && endpoint_eq(&s->e->addr, dst)))
			return i;
		i = (i + 1) & idx->mask;
	}
}

struct media_endpoint *media_index_lookup(struct media_index *idx,
					  const struct endpoint *dst)
{
	return idx->slots[find_slot(idx, dst, slot_hash(idx, dst))].e;
}

/* Empties slot i and moves later entries of the run back into the gap
 * (deletion without tombstones, so lookups never lengthen). */
static void remove_slot(struct media_index *idx, size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & idx->mask;
		if (!idx->slots[j].hash)
			break;
		size_t home = idx->slots[j].hash & idx->mask;
		/* Entry j may fill the gap at i only if its home is not in
		 * the cyclic range (i, j]. */
		bool home_after_gap = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!home_after_gap) {
			idx->slots[i] = idx->slots[j];
			i = j;
		}
	}
	idx->slots[i].hash = 0;
	idx->slots[i].e = NULL;
}

static void unlink_from_call(struct media_endpoint *e)
{
	struct call *c = e->call;
	struct media_endpoint **pp = &c->media;
	while (*pp && *pp != e)
		pp = &(*pp)->call_next;
	if (*pp) {
		*pp = e->call_next;
		c->media_endpoints--;
	}
	e->call_next = NULL;
}

static void copy_formats(struct media_endpoint *e, const struct sdp_media *m)
{
	if (e->format_count != m->format_count || !e->formats) {
		release_formats(e);
		if (m->format_count && m->format_count <= e->inline_format_cap)
			e->formats = inline_formats(e);
		else if (m->format_count)
			e->formats = xcalloc(m->format_count, sizeof(*e->formats));
	}
	e->format_count = m->format_count;
	for (unsigned i = 0; i < m->format_count && i < SDP_MAX_FORMATS; i++) {
		e->formats[i].pt = m->formats[i].pt;
		e->formats[i].clock_rate = m->formats[i].clock_rate;
		memcpy(e->formats[i].encoding, m->formats[i].encoding, MEDIA_CODEC_LEN);
		e->formats[i].encoding[MEDIA_CODEC_LEN - 1] = '\0';
	}
}

/* False when the endpoint would be the dialog's MEDIA_MAX_PER_CALL + 1st. */
static bool announce_one(struct media_index *idx, struct call *c,
			 const struct endpoint *addr, enum media_kind kind,
			 const struct sdp_media *m)
{
	uint64_t h = slot_hash(idx, addr);
	size_t slot = find_slot(idx, addr, h);
	struct media_endpoint *e = idx->slots[slot].e;
	if ((!e || e->call != c) && c->media_endpoints >= MEDIA_MAX_PER_CALL)
		return false;
	if (e && e->call != c) {
		/* The port was reused by another dialog: hand it over.  The
		 * old dialog keeps the streams it already had. */
		unlink_from_call(e);
		e->streams = NULL;
		e->stream_count = 0;
		e->call = NULL;
	}
	if (!e) {
		/* An RTP endpoint's codec table comes in the same block. */
		uint8_t cap = kind == MEDIA_RTP ? m->format_count : 0;
		e = xcalloc(1, sizeof(*e) + cap * sizeof(struct media_format));
		e->inline_format_cap = cap;
		e->addr = *addr;
		idx->slots[slot].hash = h;
		idx->slots[slot].e = e;
		if (++idx->count > (idx->mask + 1) / MEDIA_MAX_LOAD_DIVISOR)
			grow(idx);
	}
	if (!e->call) {
		e->call = c;
		e->call_next = c->media;
		c->media = e;
		c->media_endpoints++;
	}
	e->kind = (uint8_t)kind;
	e->rtcp_mux = m->rtcp_mux;
	/* A re-INVITE may change the codec list; the newest SDP wins.  RTCP
	 * needs no codec table. */
	if (kind == MEDIA_RTP)
		copy_formats(e, m);
	return true;
}

/* The RTCP endpoint an m= line implies (a=rtcp, else the next port);
 * false when there is none (rtcp-mux, or no port after the RTP one). */
static bool rtcp_endpoint(const struct sdp_media *m, struct endpoint *rtcp)
{
	if (m->rtcp_mux)
		return false;
	*rtcp = (struct endpoint){ .ip = m->addr, .port = (uint16_t)(m->port + 1) };
	if (m->rtcp_port) {
		rtcp->port = m->rtcp_port;
		if (m->rtcp_addr.family)
			rtcp->ip = m->rtcp_addr;
	} else if (m->port == UINT16_MAX) {
		return false;
	}
	return true;
}

void media_index_prefetch(const struct media_index *idx, const struct sdp_media *m)
{
	if (m->port == 0 || m->addr.family == 0)
		return;
	struct endpoint rtp = { .ip = m->addr, .port = m->port }, rtcp;
	__builtin_prefetch(&idx->slots[slot_hash(idx, &rtp) & idx->mask]);
	if (rtcp_endpoint(m, &rtcp))
		__builtin_prefetch(&idx->slots[slot_hash(idx, &rtcp) & idx->mask]);
}

bool media_index_announce(struct media_index *idx, struct call *c,
			  const struct sdp_media *m)
{
	if (m->port == 0 || m->addr.family == 0)
		return true; /* rejected stream (RFC 3264 6) or no address */
	struct endpoint rtp = { .ip = m->addr, .port = m->port };
	bool kept = announce_one(idx, c, &rtp, MEDIA_RTP, m);
	struct endpoint rtcp;
	if (kept && rtcp_endpoint(m, &rtcp))
		kept = announce_one(idx, c, &rtcp, MEDIA_RTCP, m);
	return kept;
}

void media_index_remove_call(struct media_index *idx, struct call *c)
{
	struct media_endpoint *e = c->media;
	while (e) {
		struct media_endpoint *next = e->call_next;
		size_t i = find_slot(idx, &e->addr, slot_hash(idx, &e->addr));
		if (idx->slots[i].e == e) {
			remove_slot(idx, i);
			idx->count--;
		}
		release_formats(e);
		free(e);
		e = next;
	}
	c->media = NULL;
	c->media_endpoints = 0;
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
	if (me->stream_count >= MEDIA_MAX_STREAMS_PER_ENDPOINT)
		return NULL;
	me->stream_count++;
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

