/* media.h - where each dialog's SDP said media will arrive, and the RTP
 * streams seen arriving there.
 *
 * An SDP offer or answer names the address and port its sender receives
 * on (RFC 3264 5), so an RTP packet belongs to the dialog whose SDP named
 * the packet's destination.  The index is a hash on address:port: a packet
 * costs one lookup, never a scan over calls or streams (sngrep's per-packet
 * search is its known CPU sink). */
#ifndef SIPMON_STORE_MEDIA_H
#define SIPMON_STORE_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/rtcp.h"
#include "dissect/sdp.h"
#include "store/rtp_stats.h"
#include "util/netaddr.h"

struct call;

enum media_kind { MEDIA_RTP = 0, MEDIA_RTCP = 1 };

#define MEDIA_CODEC_LEN 24

struct media_format {
	uint8_t pt;
	uint32_t clock_rate;               /* 0 = unknown */
	char encoding[MEDIA_CODEC_LEN];
};

struct media_endpoint {
	/* Hot: compared on every media packet. */
	struct endpoint addr;
	struct call *call;
	struct rtp_stream *streams;        /* streams arriving here */
	uint8_t kind;                      /* enum media_kind */
	bool rtcp_mux;                     /* RFC 5761: RTCP shares this port */
	uint8_t format_count;
	uint8_t inline_format_cap;         /* formats the endpoint's block holds */
	uint8_t stream_count;              /* on streams, at most MEDIA_MAX_STREAMS_PER_ENDPOINT */
	struct media_endpoint *call_next;  /* the call's endpoints */
	struct media_format *formats;      /* RTP endpoints: exactly format_count
					      (in the endpoint's block when they fit) */
};

/* What RTCP receiver reports (RFC 3550 6.4) and XR VoIP metrics (RFC 3611
 * 4.7) from the far end say about a stream; negative = not reported. */
struct stream_rtcp {
	bool seen;
	double fraction_lost;              /* 0..1, of the last report */
	int32_t cumulative_lost;
	double jitter_ms;                  /* < 0: unknown */
	double rtt_ms;                     /* < 0: unknown */
	double mos_lq, mos_cq;             /* < 0: unknown */
	uint64_t reports;
};

/* One RTP stream: (source, destination, SSRC) as RFC 3550 3 defines a
 * synchronisation source. */
struct rtp_stream {
	struct rtp_stream *endpoint_next;  /* among streams to the same endpoint */
	struct rtp_stream *call_next;      /* the call's streams, first-seen order */
	struct endpoint src, dst;
	uint32_t ssrc;
	uint8_t pt;                        /* payload type of the first packet */
	uint32_t clock_rate;               /* 0 = unknown */
	char codec[MEDIA_CODEC_LEN];       /* "" = unknown */
	int64_t first_ns, last_ns;
	uint64_t packets;
	struct rtp_stats stats;            /* RFC 3550 figures, packet by packet */
	struct rtcp_last_sr last_sr;       /* the last SR this stream's sender sent */
	struct stream_rtcp rtcp;           /* what the far end reports about us */
};

struct media_index;

struct media_index *media_index_new(void);
void media_index_free(struct media_index *idx);

/* The endpoint packets to dst belong to, or NULL. */
struct media_endpoint *media_index_lookup(struct media_index *idx,
					  const struct endpoint *dst);

/* Endpoints one dialog may own: SDP_MAX_MEDIA m= lines, RTP and RTCP,
 * offer and answer, twice over (re-INVITEs that move the media).  A dialog
 * re-offering new ports without end would otherwise grow without bound. */
#define MEDIA_MAX_PER_CALL (SDP_MAX_MEDIA * 2 * 2 * 2)

/* Registers what one SDP m= line announces for call c: its RTP endpoint and
 * its RTCP endpoint (a=rtcp, else port+1, none with rtcp-mux).  An endpoint
 * already owned by another dialog moves to c (ports get reused).  False
 * when c owns MEDIA_MAX_PER_CALL endpoints already (not registered). */
bool media_index_announce(struct media_index *idx, struct call *c,
			  const struct sdp_media *m);

/* Starts fetching the index slots media_index_announce() will need for m
 * (a hint only: nothing changes). */
void media_index_prefetch(const struct media_index *idx, const struct sdp_media *m);
/* Forgets all endpoints of c (before c is freed). */
void media_index_remove_call(struct media_index *idx, struct call *c);

/* Streams (SSRC and source) one endpoint may gather: an SSRC change or
 * two, a few sources (forking, NAT rebinding).  Packets with ever new SSRCs
 * or sources must not grow a dialog without bound. */
#define MEDIA_MAX_STREAMS_PER_ENDPOINT 16

/* The stream (src, dst, ssrc) found through me (dst is me->addr, or src is
 * for symmetric RTP), created on first use and appended to the call's
 * streams; NULL when me has MEDIA_MAX_STREAMS_PER_ENDPOINT already. */
struct rtp_stream *media_endpoint_stream(struct media_endpoint *me,
					 const struct endpoint *src,
					 const struct endpoint *dst,
					 uint32_t ssrc, uint8_t pt);

/* The stream of call c whose SSRC is ssrc (RTCP names streams by SSRC);
 * a scan of the dialog's few streams, done per RTCP packet only. */
struct rtp_stream *call_stream_by_ssrc(struct call *c, uint32_t ssrc);

/* Frees a call's stream list. */
void rtp_stream_list_free(struct rtp_stream *s);

#endif
