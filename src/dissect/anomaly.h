/* anomaly.h - why a packet or message was not (fully) decoded.
 *
 * Every byte is untrusted: a decoder that gives up says why with one of
 * these codes, the caller counts it, and the report shows the counts per
 * reason.  Nothing malformed is dropped silently. */
#ifndef SIPMON_DISSECT_ANOMALY_H
#define SIPMON_DISSECT_ANOMALY_H

#include <stdint.h>

/* X(code, report name, human description) */
#define ANOMALY_LIST(X)                                                            \
	X(LINK_SHORT, "link_short", "link-layer header cut short")                 \
	X(LINK_UNSUPPORTED, "link_unsupported", "unsupported link type")           \
	X(LINK_VLAN_DEPTH, "link_vlan_depth", "VLAN tags nested too deep")         \
	X(IP_SHORT, "ip_short", "IP header cut short")                             \
	X(IP_BAD_VERSION, "ip_bad_version", "IP version not 4 or 6")               \
	X(IP_BAD_HEADER_LEN, "ip_bad_header_len", "IP header length invalid")      \
	X(IP_BAD_TOTAL_LEN, "ip_bad_total_len", "IP total length invalid")         \
	X(IP6_BAD_EXT, "ip6_bad_ext", "IPv6 extension header chain malformed")     \
	X(IP_TUNNEL_DEPTH, "ip_tunnel_depth", "IP-in-IP nested too deep")          \
	X(FRAG_BAD, "frag_bad", "IP fragment inconsistent")                        \
	X(FRAG_TIMEOUT, "frag_timeout", "IP fragments expired incomplete")         \
	X(FRAG_LIMIT, "frag_limit", "IP fragments evicted at the memory limit")    \
	X(FRAG_TOO_BIG, "frag_too_big", "reassembled IP datagram over 65535")      \
	X(FRAG_CUT, "frag_cut", "IP fragment cut by snaplen, not reassembled")     \
	X(UDP_SHORT, "udp_short", "UDP header cut short")                          \
	X(UDP_BAD_LEN, "udp_bad_len", "UDP length invalid")                        \
	X(TCP_SHORT, "tcp_short", "TCP header cut short")                          \
	X(TCP_BAD_HEADER_LEN, "tcp_bad_header_len", "TCP data offset invalid")     \
	X(TCP_GAP, "tcp_gap", "TCP stream bytes never captured (gap skipped)")     \
	X(TCP_LIMIT, "tcp_limit", "TCP stream buffer over its limit")              \
	X(TCP_CONN_LIMIT, "tcp_conn_limit", "TCP connection evicted at the limit") \
	X(TCP_TIMEOUT, "tcp_timeout", "TCP connection expired with data pending")  \
	X(WS_BAD_FRAME, "ws_bad_frame", "WebSocket frame malformed")               \
	X(WS_TOO_BIG, "ws_too_big", "WebSocket message over its limit")            \
	X(SIP_BAD_START_LINE, "sip_bad_start_line", "SIP start line malformed")    \
	X(SIP_BAD_HEADER, "sip_bad_header", "SIP header line malformed")           \
	X(SIP_NO_CALL_ID, "sip_no_call_id", "SIP message without Call-ID")         \
	X(SIP_BAD_CSEQ, "sip_bad_cseq", "SIP CSeq missing or malformed")           \
	X(SIP_BAD_CONTENT_LENGTH, "sip_bad_content_length", "SIP Content-Length malformed") \
	X(SIP_CUT, "sip_cut", "SIP message cut short (snaplen or body)")           \
	X(SIP_TOO_BIG, "sip_too_big", "SIP message over its size limit")           \
	X(SDP_BAD, "sdp_bad", "SDP body malformed")                                \
	X(SDP_MEDIA_LIMIT, "sdp_media_limit", "SDP media endpoint over its dialog's limit") \
	X(RTP_BAD, "rtp_bad", "RTP/RTCP header malformed")                          \
	X(RTP_STREAM_LIMIT, "rtp_stream_limit", "RTP stream over its endpoint's limit")

enum anomaly {
	ANOMALY_NONE = 0,
#define ANOMALY_ENUM(code, name, text) ANOMALY_##code,
	ANOMALY_LIST(ANOMALY_ENUM)
#undef ANOMALY_ENUM
	ANOMALY_COUNT
};

/* Per-reason counters; owned by the dissection thread. */
struct anomaly_counters {
	uint64_t count[ANOMALY_COUNT];
};

static inline void anomaly_count(struct anomaly_counters *c, enum anomaly a)
{
	if (c && a > ANOMALY_NONE && a < ANOMALY_COUNT)
		c->count[a]++;
}

const char *anomaly_name(enum anomaly a);        /* "ip_short" */
const char *anomaly_description(enum anomaly a); /* "IP header cut short" */

#endif
