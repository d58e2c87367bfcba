/* sdp.h - SDP (RFC 8866) as far as media association needs it: session- and
 * media-level c=, m=, rtpmap/fmtp/ptime (RFC 8866 6), direction attributes,
 * a=rtcp (RFC 3605), a=rtcp-mux (RFC 5761). IPv4 and IPv6. */
#ifndef SIPMON_DISSECT_SDP_H
#define SIPMON_DISSECT_SDP_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/anomaly.h"
#include "util/netaddr.h"
#include "util/view.h"

#define SDP_MAX_MEDIA 8     /* m= lines kept; more are counted, not kept */
#define SDP_MAX_FORMATS 16  /* payload types kept per m= line */
#define SDP_ENCODING_LEN 24

enum sdp_direction {
	SDP_DIR_UNSET = 0,
	SDP_DIR_SENDRECV,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE,
};
const char *sdp_direction_name(enum sdp_direction d);

struct sdp_format {
	uint8_t pt;                      /* payload type, 0..127 */
	bool has_rtpmap;
	char encoding[SDP_ENCODING_LEN]; /* "PCMA", "telephone-event" */
	uint32_t clock_rate;             /* 0 when unknown */
	uint8_t channels;                /* 0 when not given */
	struct view fmtp;                /* a=fmtp parameters, or empty */
};

struct sdp_media {
	struct view type;        /* "audio", "video", "image", ... */
	struct view proto;       /* "RTP/AVP", "RTP/SAVP", "udptl", ... */
	uint16_t port;           /* 0 = rejected / disabled stream */
	uint16_t port_count;     /* from "port/count", 1 by default */
	struct netaddr addr;     /* media c= or else session c=; family 0 if none */
	enum sdp_direction direction; /* media-level, else session-level, else sendrecv */
	uint32_t ptime_ms;       /* 0 when not given */
	uint16_t rtcp_port;      /* a=rtcp port, 0 when absent */
	struct netaddr rtcp_addr;/* a=rtcp address, family 0 when absent */
	bool rtcp_mux;
	uint8_t format_count;
	struct sdp_format formats[SDP_MAX_FORMATS];
};

struct sdp {
	struct netaddr session_addr;  /* session-level c=, family 0 if none */
	enum sdp_direction session_direction;
	uint8_t media_count;
	uint8_t media_dropped;        /* m= lines beyond SDP_MAX_MEDIA */
	struct sdp_media media[SDP_MAX_MEDIA];
};

/* Parses an SDP body.  Lines that cannot be understood are skipped; returns
 * SDP_BAD only when the body is not SDP at all (no v= line first).  Only
 * media[0..media_count) and their formats[0..format_count) are written:
 * entries past the counts keep whatever they held. */
enum anomaly sdp_parse(struct view body, struct sdp *out);

/* RFC 3551 6: the encoding and clock rate of a static payload type. */
bool sdp_static_payload(uint8_t pt, const char **encoding, uint32_t *clock_rate);

/* The format entry of payload type pt in m, or NULL. */
const struct sdp_format *sdp_media_format(const struct sdp_media *m, uint8_t pt);

#endif
