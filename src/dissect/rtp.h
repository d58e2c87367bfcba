/* rtp.h - RTP (RFC 3550 5.1) and RTCP (RFC 3550 6.4) header recognition. */
#ifndef SIPMON_DISSECT_RTP_H
#define SIPMON_DISSECT_RTP_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/anomaly.h"
#include "util/view.h"

#define RTP_VERSION 2
#define RTP_HEADER_LEN 12

struct rtp_header {
	bool marker;
	bool padding;
	uint8_t pt;            /* payload type, 7 bits */
	uint16_t seq;
	uint32_t timestamp;
	uint32_t ssrc;
	struct view payload;   /* after CSRCs and header extension, padding removed */
};

/* Decodes an RTP header; RTP_BAD when it is not version 2 or its CSRC
 * list / extension / padding do not fit the packet. */
enum anomaly rtp_decode(struct view pkt, struct rtp_header *out);

/* RFC 5761 4: on a multiplexed port, RTCP packet types 192..223 are told
 * apart from RTP payload types by the second byte. */
bool rtp_is_rtcp(struct view pkt);

#endif
