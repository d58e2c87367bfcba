/* dissect.c - glue between the decoders and the call store (see dissect.h).
 * Each protocol lives in its own file; this one only routes. */
#include "dissect/dissect.h"

#include <stdlib.h>
#include <string.h>

#include "dissect/link.h"
#include "dissect/rtcp.h"
#include "dissect/rtp.h"
#include "dissect/sip.h"
#include "dissect/sip_early.h"
#include "dissect/udp.h"
#include "dissect/websocket.h"
#include "filter/filter.h"
#include "store/orphan.h"
#include "util/hash.h"
#include "util/xalloc.h"

/* Expiry of fragments and idle connections runs when capture time has
 * advanced this much since the last run. */
#define EXPIRE_INTERVAL_NS (1 * NS_PER_SEC)
/* A stream direction is classified once this many bytes have arrived
 * (enough for "SIP/2.0 " or "GET / HTTP/1.1"). */
#define STREAM_CLASSIFY_BYTES 16
/* Largest WebSocket message reassembled from fragments (RFC 6455 5.4). */
#define WS_MAX_MESSAGE SIP_MAX_MESSAGE
/* All fragmented WebSocket messages being assembled, together: a flood of
 * connections that never finish a message cannot hold more. */
#define WS_MAX_TOTAL_BYTES (16u * 1024u * 1024u)

struct dissector {
	struct store *store;
	const struct filter *filter;
	struct ip_layer *ip;
	struct tcp_table *tcp;
	struct capture_counters c;
	int64_t last_expire_ns;
	/* The frame being dissected, for the observer. */
	bool observed;
	struct dissect_observer obs;
	uint64_t frame_calls[DISSECT_MAX_FRAME_CALLS];
	size_t frame_call_count;
	bool frame_media;
	uint64_t frame_pending_key;
	uint8_t ws_scratch[WS_MAX_MESSAGE];
	size_t ws_held_bytes;  /* fragment buffers, all connections */
};

/* Per-direction state of a WebSocket connection: small, since every
 * connection has one; the fragment buffer exists only while a fragmented
 * message is being assembled. */
struct ws_state {
	uint64_t skip;        /* bytes of an oversized frame still to discard */
	uint8_t *msg;         /* fragments so far (NULL when none) */
	size_t msg_len, msg_cap;
	bool in_message;      /* a fragmented message is being assembled */
	bool overflow;        /* it outgrew WS_MAX_MESSAGE or the total */
};

/* The current frame belongs to dialog index (once). */
static void note_frame_call(struct dissector *d, uint64_t index)
{
	for (size_t i = 0; i < d->frame_call_count; i++)
		if (d->frame_calls[i] == index)
			return;
	if (d->frame_call_count < DISSECT_MAX_FRAME_CALLS)
		d->frame_calls[d->frame_call_count++] = index;
}

/* The key a TCP direction's frames are held under until a message claims
 * them (distinct from fragment keys by construction: odd vs any). */
static uint64_t stream_claim_key(const struct endpoint *src, const struct endpoint *dst)
{
	return hash_mix(endpoint_hash(src) * 3 + endpoint_hash(dst) + 0x5157) | 1;
}

void dissect_config_default(struct dissect_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	ip_limits_default(&cfg->ip);
	tcp_limits_default(&cfg->tcp);
	cfg->filter = NULL;
}

/* Re-evaluates the dialog filter after a message (filter.h: message-level
 * conditions accumulate in the dialog's atom mask). */
static void apply_filter(const struct filter *f, struct call *c, const struct sip_msg *m,
			 struct view raw)
{
	if (filter_uses_messages(f))
		c->filter_atoms |= filter_message_atoms(f, m, raw);
	struct filter_dialog fd = {
		.from = view_cstr(c->from_uri),
		.to = view_cstr(c->to_uri),
		.from_user = view_cstr(c->from_user),
		.to_user = view_cstr(c->to_user),
		.call_id = view_make(c->call_id, c->call_id_len),
		.user_agent = view_cstr(c->user_agent),
		.state = call_state_name(c->state),
		.method = sip_method_name(c->first_method),
		.final_status = c->final_status,
		.src = c->src,
		.dst = c->dst,
	};
	c->filter_pass = filter_eval(f, &fd, c->filter_atoms);
}

/* claim_key: nonzero when earlier frames (TCP segments, IP fragments)
 * hold parts of this message and belong to its dialog too. */
static void handle_sip(struct dissector *d, const struct frame *f,
		       const struct endpoint *src, const struct endpoint *dst,
		       enum transport transport, struct view raw, bool cut, uint64_t claim_key,
		       struct sip_early *early)
{
	/* An early parse is used where it lies (the frame's record is this
	 * thread's until it is done with the frame): no copy. */
	struct sip_msg parsed, *m = early ? &early->msg : &parsed;
	enum anomaly a = early ? early->result : sip_parse_fast(raw, &parsed);
	if (a != ANOMALY_NONE) {
		/* A message the snaplen cut is reported as cut, whatever part
		 * of it the parser then missed. */
		anomaly_count(&d->c.anomalies, cut ? ANOMALY_SIP_CUT : a);
		return;
	}
	if (m->body_cut || cut)
		anomaly_count(&d->c.anomalies, ANOMALY_SIP_CUT);
	d->c.sip_messages++;
	struct sip_event ev = {
		.frame = f, .src = *src, .dst = *dst, .transport = transport,
		.raw = raw, .msg = m,
	};
	struct call *c = store_sip_message(d->store, &ev);
	if (c && d->filter)
		apply_filter(d->filter, c, m, raw);
	if (c && d->observed) {
		note_frame_call(d, c->index);
		if (claim_key)
			d->obs.claim(d->obs.ctx, claim_key, c->index);
		if (d->obs.message)
			d->obs.message(d->obs.ctx, c->index, src, dst, transport, raw);
	}
}

/* Applies one compound RTCP packet to the streams of call it names
 * (RFC 3550 6.4: report blocks are about the reportee's SSRC). */
static void handle_rtcp(struct dissector *d, struct call *call, const struct segment *seg,
			struct view payload)
{
	struct rtcp_compound rc;
	enum anomaly a = rtcp_parse(payload, &rc);
	if (a != ANOMALY_NONE) {
		anomaly_count(&d->c.anomalies, a);
		if (rc.report_count == 0 && rc.xr_voip_count == 0)
			return;
	}
	int64_t now = seg->frame->ts_ns;
	for (unsigned i = 0; i < rc.report_count; i++) {
		const struct rtcp_report *r = &rc.reports[i];
		if (r->has_sender_info) {
			struct rtp_stream *sender = call_stream_by_ssrc(call, r->ssrc);
			if (sender)
				rtcp_last_sr_record(&sender->last_sr, r->ssrc, r->sender.ntp, now);
		}
		for (unsigned b = 0; b < r->block_count; b++) {
			const struct rtcp_report_block *blk = &r->blocks[b];
			struct rtp_stream *s = call_stream_by_ssrc(call, blk->ssrc);
			if (!s)
				continue;
			s->rtcp.seen = true;
			s->rtcp.reports++;
			s->rtcp.fraction_lost = rtcp_fraction(blk->fraction_lost);
			s->rtcp.cumulative_lost = blk->cumulative_lost;
			s->rtcp.jitter_ms = rtcp_jitter_ms(blk->jitter, s->clock_rate);
			double rtt = rtcp_rtt_ms(&s->last_sr, blk, now);
			if (rtt >= 0)
				s->rtcp.rtt_ms = rtt;
		}
	}
	for (unsigned i = 0; i < rc.xr_voip_count; i++) {
		const struct rtcp_xr_voip *x = &rc.xr_voip[i];
		struct rtp_stream *s = call_stream_by_ssrc(call, x->ssrc);
		if (!s)
			continue;
		s->rtcp.seen = true;
		s->rtcp.mos_lq = rtcp_xr_mos(x->mos_lq);
		s->rtcp.mos_cq = rtcp_xr_mos(x->mos_cq);
	}
}

static void handle_media(struct dissector *d, struct media_endpoint *me,
			 const struct segment *seg, struct view payload)
{
	if (d->observed) {
		note_frame_call(d, me->call->index);
		d->frame_media = true;
	}
	if (me->kind == MEDIA_RTCP || (me->rtcp_mux && rtp_is_rtcp(payload))) {
		d->c.rtcp_packets++;
		handle_rtcp(d, me->call, seg, payload);
		return;
	}
	struct rtp_header h;
	if (rtp_decode(payload, &h) != ANOMALY_NONE) {
		anomaly_count(&d->c.anomalies, ANOMALY_RTP_BAD);
		return;
	}
	d->c.rtp_packets++;
	struct rtp_stream *s = media_endpoint_stream(me, &seg->src, &seg->dst, h.ssrc, h.pt);
	if (!s) {
		anomaly_count(&d->c.anomalies, ANOMALY_RTP_STREAM_LIMIT);
		return;
	}
	if (s->packets == 0) {
		s->first_ns = seg->frame->ts_ns;
		d->c.rtp_streams++;
	}
	s->last_ns = seg->frame->ts_ns;
	s->packets++;
	rtp_stats_update(&s->stats, &h, seg->frame->ts_ns);
}

/* --orphan-rtp: RTP to an address no SDP named (rtp_decode and the
 * orphan table's probation keep other UDP traffic out). */
static void handle_orphan(struct dissector *d, const struct segment *seg, struct view payload)
{
	struct rtp_header h;
	if (rtp_is_rtcp(payload) || rtp_decode(payload, &h) != ANOMALY_NONE ||
	    !orphan_plausible(&h))
		return;
	orphan_table_packet(store_orphans(d->store), &seg->src, &seg->dst, &h, seg->frame->ts_ns);
}

/* RTP and RTCP version 2 start with binary 10 (RFC 3550 5.1); SIP starts
 * with a letter, so one byte tells which path to try first. */
static bool looks_like_rtp_version2(struct view payload)
{
	return payload.len && (payload.p[0] & 0xC0) == 0x80;
}

static void handle_udp(struct dissector *d, struct segment *seg)
{
	struct view payload;
	bool cut = false;
	enum anomaly a = udp_decode(seg, &payload, &cut);
	if (a != ANOMALY_NONE) {
		anomaly_count(&d->c.anomalies, a);
		return;
	}
	if (payload.len == 0)
		return;
	if (looks_like_rtp_version2(payload)) {
		struct media_endpoint *me = store_media_lookup(d->store, &seg->dst);
		/* Symmetric RTP (RFC 4961): a side sends from the port it
		 * receives on, so a stream whose destination's SDP we missed
		 * is still found by its source. */
		if (!me)
			me = store_media_lookup(d->store, &seg->src);
		if (me)
			handle_media(d, me, seg, payload);
		else if (store_orphans(d->store))
			handle_orphan(d, seg, payload);
		return;
	}
	/* An early parse exists only for a payload that looks like SIP. */
	struct sip_early *early = sip_early_for(seg->frame->sip_early, payload);
	if (early || sip_looks_like(payload))
		handle_sip(d, seg->frame, &seg->src, &seg->dst, TRANSPORT_UDP, payload,
			   cut || seg->cut, seg->frag_key, early);
}

/* --- SIP over TCP and WebSocket ------------------------------------- */

static size_t deliver_sip_stream(struct dissector *d, struct tcp_half *half,
				 const struct segment *seg, struct view data)
{
	/* CRLF keep-alives between messages (RFC 5626 3.5.1). */
	size_t crlf = 0;
	while (crlf < data.len && (data.p[crlf] == '\r' || data.p[crlf] == '\n'))
		crlf++;
	if (crlf)
		return crlf;
	long n = sip_frame_length(data);
	if (n > 0) {
		handle_sip(d, seg->frame, &half->src, &half->dst, TRANSPORT_TCP,
			   view_sub(data, 0, (size_t)n), false,
			   stream_claim_key(&half->src, &half->dst), NULL);
		return (size_t)n;
	}
	if (n == 0)
		return 0;
	/* Unusable framing (no message start, oversized, bad length):
	 * counted once, then the direction waits for the next segment that
	 * starts a message. */
	anomaly_count(&d->c.anomalies, sip_looks_like(data) ? ANOMALY_SIP_TOO_BIG
							     : ANOMALY_SIP_BAD_START_LINE);
	half->app = TCP_APP_IGNORE;
	return data.len;
}

static struct ws_state *ws_state_of(struct tcp_half *half)
{
	if (!half->app_data)
		half->app_data = xcalloc(1, sizeof(struct ws_state));
	return half->app_data;
}

static void ws_release(struct dissector *d, struct ws_state *st)
{
	d->ws_held_bytes -= st->msg_cap;
	free(st->msg);
	st->msg = NULL;
	st->msg_len = st->msg_cap = 0;
	st->in_message = false;
}

/* Room for n more bytes of the message being assembled, within the
 * per-message and total limits. */
static bool ws_reserve(struct dissector *d, struct ws_state *st, size_t n)
{
	size_t need = st->msg_len + n;
	if (need > WS_MAX_MESSAGE)
		return false;
	if (need <= st->msg_cap)
		return true;
	size_t cap = st->msg_cap ? st->msg_cap : 1024;
	while (cap < need)
		cap *= 2;
	if (cap > WS_MAX_MESSAGE)
		cap = WS_MAX_MESSAGE;
	if (d->ws_held_bytes - st->msg_cap + cap > WS_MAX_TOTAL_BYTES)
		return false;
	st->msg = xrealloc(st->msg, cap);
	d->ws_held_bytes += cap - st->msg_cap;
	st->msg_cap = cap;
	return true;
}

static void ws_message(struct dissector *d, struct tcp_half *half,
		       const struct segment *seg, struct view msg)
{
	if (sip_looks_like(msg))
		handle_sip(d, seg->frame, &half->src, &half->dst, TRANSPORT_WS, msg, false,
			   stream_claim_key(&half->src, &half->dst), NULL);
}

static size_t deliver_websocket(struct dissector *d, struct tcp_half *half,
				const struct segment *seg, struct view data)
{
	struct ws_state *st = ws_state_of(half);
	if (st->skip) {
		size_t n = st->skip < data.len ? (size_t)st->skip : data.len;
		st->skip -= n;
		return n;
	}
	struct ws_frame f;
	enum ws_parse_result r = ws_frame_header(data, &f);
	if (r == WS_NEED_MORE)
		return 0;
	if (r == WS_MALFORMED) {
		anomaly_count(&d->c.anomalies, ANOMALY_WS_BAD_FRAME);
		half->app = TCP_APP_IGNORE;
		return data.len;
	}
	if (f.payload_len > WS_MAX_MESSAGE) {
		anomaly_count(&d->c.anomalies, ANOMALY_WS_TOO_BIG);
		uint64_t total = f.header_len + f.payload_len;
		size_t n = total < data.len ? (size_t)total : data.len;
		st->skip = total - n;
		st->in_message = false;
		return n;
	}
	size_t total = f.header_len + (size_t)f.payload_len;
	if (data.len < total)
		return 0;
	struct view payload = view_sub(data, f.header_len, (size_t)f.payload_len);
	switch (f.opcode) {
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		if (f.fin) {
			ws_unmask(&f, payload, 0, d->ws_scratch);
			ws_message(d, half, seg, view_make(d->ws_scratch, payload.len));
			ws_release(d, st);
			break;
		}
		ws_release(d, st);
		st->in_message = true;
		st->overflow = false;
		/* The first fragment starts the message (RFC 6455 5.4). */
		__attribute__((fallthrough));
	case WS_OP_CONTINUATION:
		if (!st->in_message)
			break;
		if (st->overflow || !ws_reserve(d, st, payload.len)) {
			if (!st->overflow)
				anomaly_count(&d->c.anomalies, ANOMALY_WS_TOO_BIG);
			st->overflow = true;
		} else if (payload.len) { /* an empty fragment may find msg NULL */
			ws_unmask(&f, payload, 0, st->msg + st->msg_len);
			st->msg_len += payload.len;
		}
		if (f.fin) {
			if (!st->overflow)
				ws_message(d, half, seg, view_make(st->msg, st->msg_len));
			ws_release(d, st);
		}
		break;
	default:
		break; /* close, ping, pong: nothing for us */
	}
	return total;
}

static size_t deliver_handshake(struct tcp_half *half, struct view data)
{
	size_t hl = ws_http_header_length(data);
	if (hl == 0)
		return 0;
	struct view http = view_sub(data, 0, hl);
	if (ws_is_upgrade_request(http) || ws_is_upgrade_response(http)) {
		half->app = TCP_APP_WEBSOCKET;
	} else {
		half->app = TCP_APP_IGNORE;
		return data.len;
	}
	return hl;
}

static void classify_stream(struct tcp_half *half, struct view data)
{
	if (sip_looks_like(data) || data.p[0] == '\r' || data.p[0] == '\n')
		half->app = TCP_APP_SIP;
	else if (view_starts_with(data, "GET ") || view_starts_with(data, "HTTP/1.1 101"))
		half->app = TCP_APP_WS_HANDSHAKE;
	else
		half->app = TCP_APP_IGNORE;
}

static size_t tcp_deliver(void *ctx, struct tcp_half *half, const struct segment *seg,
			  struct view data)
{
	struct dissector *d = ctx;
	if (data.len == 0)
		return 0;
	if (half->resync) {
		/* Bytes were lost: a half-built WebSocket message is void. */
		half->resync = false;
		if (half->app == TCP_APP_WEBSOCKET && half->app_data) {
			struct ws_state *st = half->app_data;
			ws_release(d, st);
			st->skip = 0;
		} else if (half->app == TCP_APP_SIP) {
			half->app = TCP_APP_IGNORE;
		}
	}
	switch (half->app) {
	case TCP_APP_UNKNOWN:
		if (data.len < STREAM_CLASSIFY_BYTES && !sip_looks_like(data))
			return 0;
		classify_stream(half, data);
		return tcp_deliver(ctx, half, seg, data);
	case TCP_APP_SIP:
		return deliver_sip_stream(d, half, seg, data);
	case TCP_APP_WS_HANDSHAKE:
		return deliver_handshake(half, data);
	case TCP_APP_WEBSOCKET:
		return deliver_websocket(d, half, seg, data);
	case TCP_APP_IGNORE:
		/* Resynchronise on a message start (capture joined mid-stream,
		 * or after a gap). */
		if (sip_looks_like(data)) {
			half->app = TCP_APP_SIP;
			return deliver_sip_stream(d, half, seg, data);
		}
		return data.len;
	}
	return data.len;
}

static void tcp_free_app(void *ctx, struct tcp_half *half)
{
	struct dissector *d = ctx;
	if (half->app_data) /* a WebSocket's, even after it turned to IGNORE/SIP */
		ws_release(d, half->app_data);
	free(half->app_data);
	half->app_data = NULL;
}

/* --- IP layer output -------------------------------------------------- */

static void on_segment(void *ctx, const struct segment *in)
{
	struct dissector *d = ctx;
	struct segment seg = *in;
	switch (seg.ipproto) {
	case IPPROTO_NUM_UDP:
		handle_udp(d, &seg);
		break;
	case IPPROTO_NUM_TCP: {
		struct tcp_input_result r;
		tcp_input_ex(d->tcp, &seg, &r);
		/* Bytes of a SIP (or not yet classified) stream may belong to a
		 * message that completes later: hold the frame under its
		 * direction's key. */
		if (r.carried_data && r.app != TCP_APP_IGNORE && d->observed)
			d->frame_pending_key = stream_claim_key(&seg.src, &seg.dst);
		break;
	}
	default:
		break;
	}
}

struct dissector *dissector_new(const struct dissect_config *cfg, struct store *store)
{
	struct dissector *d = xcalloc(1, sizeof(*d));
	d->store = store;
	store_count_anomalies(store, &d->c.anomalies);
	d->filter = cfg->filter;
	d->ip = ip_layer_new(&cfg->ip, &d->c.anomalies, on_segment, d);
	d->tcp = tcp_table_new(&cfg->tcp, &d->c.anomalies, tcp_deliver, tcp_free_app, d);
	return d;
}

void dissector_set_observer(struct dissector *d, const struct dissect_observer *obs)
{
	d->observed = obs != NULL;
	if (obs)
		d->obs = *obs;
}

void dissector_free(struct dissector *d)
{
	if (!d)
		return;
	tcp_table_free(d->tcp);
	ip_layer_free(d->ip);
	free(d);
}

void dissector_frame(struct dissector *d, const struct frame *f)
{
	struct capture_counters *c = &d->c;
	if (c->packets == 0)
		c->first_ns = f->ts_ns;
	c->packets++;
	c->bytes += f->wirelen;
	if (f->ts_ns > c->last_ns)
		c->last_ns = f->ts_ns;
	if (f->caplen < f->wirelen)
		c->truncated++;

	struct view net;
	uint16_t ethertype = 0;
	enum anomaly a = link_decode(f->linktype, view_make(f->data, f->caplen), &net, &ethertype);
	if (a != ANOMALY_NONE) {
		anomaly_count(&c->anomalies, a);
	} else if (ethertype == 0) {
		c->not_ip++;
	} else {
		ip_input(d->ip, f, net, ethertype);
		if (d->observed && !d->frame_pending_key)
			d->frame_pending_key = ip_layer_held_fragment(d->ip);
	}
	if (d->observed) {
		d->obs.frame_done(d->obs.ctx, f, d->frame_calls, d->frame_call_count, d->frame_media,
				  d->frame_pending_key);
		d->frame_call_count = 0;
		d->frame_media = false;
		d->frame_pending_key = 0;
	}

	if (f->ts_ns - d->last_expire_ns >= EXPIRE_INTERVAL_NS) {
		ip_layer_expire(d->ip, f->ts_ns);
		tcp_table_expire(d->tcp, f->ts_ns);
		d->last_expire_ns = f->ts_ns;
	}
}

void dissector_finish(struct dissector *d)
{
	ip_layer_expire(d->ip, INT64_MAX);
	tcp_table_expire(d->tcp, INT64_MAX);
}

const struct capture_counters *dissector_counters(const struct dissector *d)
{
	return &d->c;
}

uint64_t dissector_malformed(const struct dissector *d)
{
	uint64_t n = 0;
	for (int i = 1; i < ANOMALY_COUNT; i++)
		n += d->c.anomalies.count[i];
	return n;
}
