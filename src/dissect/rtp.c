/* rtp.c - RTP/RTCP header decoding (RFC 3550 5.1, 6.4; RFC 5761 4). */
#include "dissect/rtp.h"

/* RFC 5761 4: RTCP packet types in the range 192..223 (SR 200, RR 201,
 * SDES 202, BYE 203, APP 204, and feedback 205/206/207). */
#define RTCP_PT_FIRST 192
#define RTCP_PT_LAST 223
#define RTP_EXT_HEADER_LEN 4

enum anomaly rtp_decode(struct view pkt, struct rtp_header *out)
{
	uint8_t b0, b1;
	if (!view_u8(pkt, 0, &b0) || !view_u8(pkt, 1, &b1) || pkt.len < RTP_HEADER_LEN)
		return ANOMALY_RTP_BAD;
	if ((b0 >> 6) != RTP_VERSION)
		return ANOMALY_RTP_BAD;
	out->padding = (b0 & 0x20) != 0;
	bool extension = (b0 & 0x10) != 0;
	unsigned csrc_count = b0 & 0x0f;
	out->marker = (b1 & 0x80) != 0;
	out->pt = b1 & 0x7f;
	view_be16(pkt, 2, &out->seq);
	view_be32(pkt, 4, &out->timestamp);
	view_be32(pkt, 8, &out->ssrc);

	size_t off = RTP_HEADER_LEN + 4u * csrc_count;
	if (extension) {
		uint16_t words;
		if (!view_be16(pkt, off + 2, &words))
			return ANOMALY_RTP_BAD;
		off += RTP_EXT_HEADER_LEN + 4u * words;
	}
	if (off > pkt.len)
		return ANOMALY_RTP_BAD;
	size_t end = pkt.len;
	if (out->padding) {
		uint8_t pad;
		if (!view_u8(pkt, pkt.len - 1, &pad) || pad == 0 || pad > end - off)
			return ANOMALY_RTP_BAD;
		end -= pad;
	}
	out->payload = view_sub(pkt, off, end - off);
	return ANOMALY_NONE;
}

bool rtp_is_rtcp(struct view pkt)
{
	uint8_t b0, b1;
	if (!view_u8(pkt, 0, &b0) || !view_u8(pkt, 1, &b1))
		return false;
	return (b0 >> 6) == RTP_VERSION && b1 >= RTCP_PT_FIRST && b1 <= RTCP_PT_LAST;
}
