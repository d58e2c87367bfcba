/* rtcp.c - RTCP compound packet parser (RFC 3550 6.4, A.2; RFC 3611 4.7). */
#include "dissect/rtcp.h"

#include <string.h>

/* RFC 3550 6.4.1: common header, word-counted lengths. */
#define RTCP_HEADER_LEN 4
#define RTCP_WORD 4u
#define RTCP_VERSION 2
#define RTCP_PADDING_BIT 0x20
#define RTCP_COUNT_MASK 0x1f

/* RFC 3550 6.4.1 / 6.4.2 layouts. */
#define RTCP_SSRC_OFF 4
#define RTCP_SR_NTP_OFF 8
#define RTCP_SR_RTP_TS_OFF 16
#define RTCP_SR_PACKETS_OFF 20
#define RTCP_SR_OCTETS_OFF 24
#define RTCP_SR_BLOCKS_OFF 28      /* header + SSRC + 20-byte sender info */
#define RTCP_RR_BLOCKS_OFF 8       /* header + SSRC */
#define RTCP_BLOCK_LEN 24
#define RTCP_BLOCK_LOST_OFF 4      /* fraction (8 bits) + cumulative (24) */
#define RTCP_BLOCK_SEQ_OFF 8
#define RTCP_BLOCK_JITTER_OFF 12
#define RTCP_BLOCK_LSR_OFF 16
#define RTCP_BLOCK_DLSR_OFF 20
#define RTCP_CUMULATIVE_MASK 0xffffffu
#define RTCP_CUMULATIVE_SIGN 0x800000
#define RTCP_FRACTION_SHIFT 24

/* RFC 3611 3 and 4.7. */
#define XR_BLOCKS_OFF 8            /* header + reporter SSRC */
#define XR_BLOCK_HEADER_LEN 4
#define XR_BT_VOIP_METRICS 7
#define XR_VOIP_LEN 36             /* block length field 8: (8 + 1) words */
#define XR_VOIP_SSRC 4
#define XR_VOIP_LOSS_RATE 8
#define XR_VOIP_DISCARD_RATE 9
#define XR_VOIP_BURST_DENSITY 10
#define XR_VOIP_GAP_DENSITY 11
#define XR_VOIP_BURST_DURATION 12
#define XR_VOIP_GAP_DURATION 14
#define XR_VOIP_RTT 16
#define XR_VOIP_END_SYSTEM_DELAY 18
#define XR_VOIP_SIGNAL_LEVEL 20
#define XR_VOIP_NOISE_LEVEL 21
#define XR_VOIP_RERL 22
#define XR_VOIP_GMIN 23
#define XR_VOIP_R_FACTOR 24
#define XR_VOIP_EXT_R_FACTOR 25
#define XR_VOIP_MOS_LQ 26
#define XR_VOIP_MOS_CQ 27
#define XR_VOIP_RX_CONFIG 28
#define XR_VOIP_JB_NOMINAL 30
#define XR_VOIP_JB_MAXIMUM 32
#define XR_VOIP_JB_ABS_MAX 34
/* RFC 3611 4.7: MOS values are MOS x 10, from 10 to 50. */
#define XR_MOS_SCALE 10.0
#define XR_MOS_MIN 10
#define XR_MOS_MAX 50

/* RFC 3550 6.4.1: LSR/DLSR units. */
#define NTP_MIDDLE_SHIFT 16
#define DLSR_UNITS_PER_SECOND 65536.0
#define FRACTION_SCALE 256.0
#define MS_PER_SECOND 1000.0
#define NS_PER_MS 1000000.0
#define RTT_UNKNOWN (-1.0)

static void parse_block(struct view b, struct rtcp_report_block *out)
{
	/* The caller checked that all RTCP_BLOCK_LEN bytes are there. */
	uint32_t lost = 0;
	view_be32(b, 0, &out->ssrc);
	view_be32(b, RTCP_BLOCK_LOST_OFF, &lost);
	view_be32(b, RTCP_BLOCK_SEQ_OFF, &out->ext_highest_seq);
	view_be32(b, RTCP_BLOCK_JITTER_OFF, &out->jitter);
	view_be32(b, RTCP_BLOCK_LSR_OFF, &out->lsr);
	view_be32(b, RTCP_BLOCK_DLSR_OFF, &out->dlsr);
	out->fraction_lost = (uint8_t)(lost >> RTCP_FRACTION_SHIFT);
	/* 24-bit two's complement: flip the sign bit, then subtract it. */
	out->cumulative_lost = (int32_t)((lost & RTCP_CUMULATIVE_MASK) ^ RTCP_CUMULATIVE_SIGN) -
			       RTCP_CUMULATIVE_SIGN;
}

/* SR (sender info, then blocks) or RR (blocks right after the SSRC). */
static enum anomaly parse_report(struct view p, uint8_t pt, unsigned count,
				 struct rtcp_compound *out)
{
	bool sr = pt == RTCP_PT_SR;
	size_t blocks_off = sr ? RTCP_SR_BLOCKS_OFF : RTCP_RR_BLOCKS_OFF;
	/* Everything the header announces must be inside the packet; bytes
	 * after the blocks are a profile-specific extension (6.4.1). */
	if (!view_has(p, blocks_off, (size_t)count * RTCP_BLOCK_LEN))
		return ANOMALY_RTP_BAD;
	if (out->report_count >= RTCP_MAX_REPORTS) {
		out->dropped++;
		return ANOMALY_NONE;
	}
	struct rtcp_report *r = &out->reports[out->report_count++];
	r->pt = pt;
	view_be32(p, RTCP_SSRC_OFF, &r->ssrc);
	r->has_sender_info = sr;
	if (sr) {
		view_be64(p, RTCP_SR_NTP_OFF, &r->sender.ntp);
		view_be32(p, RTCP_SR_RTP_TS_OFF, &r->sender.rtp_timestamp);
		view_be32(p, RTCP_SR_PACKETS_OFF, &r->sender.packets);
		view_be32(p, RTCP_SR_OCTETS_OFF, &r->sender.octets);
	}
	for (unsigned i = 0; i < count; i++)
		parse_block(view_sub(p, blocks_off + (size_t)i * RTCP_BLOCK_LEN, RTCP_BLOCK_LEN),
			    &r->blocks[r->block_count++]);
	return ANOMALY_NONE;
}

static void parse_voip_metrics(struct view b, uint32_t reporter, struct rtcp_xr_voip *x)
{
	/* The caller checked that XR_VOIP_LEN bytes are there. */
	uint8_t u8 = 0;
	x->reporter_ssrc = reporter;
	view_be32(b, XR_VOIP_SSRC, &x->ssrc);
	view_u8(b, XR_VOIP_LOSS_RATE, &x->loss_rate);
	view_u8(b, XR_VOIP_DISCARD_RATE, &x->discard_rate);
	view_u8(b, XR_VOIP_BURST_DENSITY, &x->burst_density);
	view_u8(b, XR_VOIP_GAP_DENSITY, &x->gap_density);
	view_be16(b, XR_VOIP_BURST_DURATION, &x->burst_duration_ms);
	view_be16(b, XR_VOIP_GAP_DURATION, &x->gap_duration_ms);
	view_be16(b, XR_VOIP_RTT, &x->round_trip_delay_ms);
	view_be16(b, XR_VOIP_END_SYSTEM_DELAY, &x->end_system_delay_ms);
	view_u8(b, XR_VOIP_SIGNAL_LEVEL, &u8);
	x->signal_level_dbm = (int8_t)u8;
	view_u8(b, XR_VOIP_NOISE_LEVEL, &u8);
	x->noise_level_dbm = (int8_t)u8;
	view_u8(b, XR_VOIP_RERL, &x->rerl_db);
	view_u8(b, XR_VOIP_GMIN, &x->gmin);
	view_u8(b, XR_VOIP_R_FACTOR, &x->r_factor);
	view_u8(b, XR_VOIP_EXT_R_FACTOR, &x->ext_r_factor);
	view_u8(b, XR_VOIP_MOS_LQ, &x->mos_lq);
	view_u8(b, XR_VOIP_MOS_CQ, &x->mos_cq);
	view_u8(b, XR_VOIP_RX_CONFIG, &x->rx_config);
	view_be16(b, XR_VOIP_JB_NOMINAL, &x->jb_nominal_ms);
	view_be16(b, XR_VOIP_JB_MAXIMUM, &x->jb_maximum_ms);
	view_be16(b, XR_VOIP_JB_ABS_MAX, &x->jb_abs_max_ms);
}

/* RFC 3611 3: report blocks, each with its own word-counted length. */
static enum anomaly parse_xr(struct view p, struct rtcp_compound *out)
{
	uint32_t reporter;
	if (!view_be32(p, RTCP_SSRC_OFF, &reporter))
		return ANOMALY_RTP_BAD;
	size_t off = XR_BLOCKS_OFF;
	while (off < p.len) {
		uint8_t bt;
		uint16_t words;
		if (!view_u8(p, off, &bt) || !view_be16(p, off + 2, &words))
			return ANOMALY_RTP_BAD;
		size_t size = ((size_t)words + 1) * RTCP_WORD;
		struct view b;
		if (!view_slice(p, off, size, &b))
			return ANOMALY_RTP_BAD;
		if (bt == XR_BT_VOIP_METRICS) {
			if (b.len < XR_VOIP_LEN)
				return ANOMALY_RTP_BAD;
			if (out->xr_voip_count < RTCP_MAX_XR_VOIP)
				parse_voip_metrics(b, reporter, &out->xr_voip[out->xr_voip_count++]);
			else
				out->dropped++;
		} else {
			out->skipped++;
		}
		off += size;
	}
	return ANOMALY_NONE;
}

static bool all_zero(struct view v)
{
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] != 0)
			return false;
	return true;
}

enum anomaly rtcp_parse(struct view pkt, struct rtcp_compound *out)
{
	memset(out, 0, sizeof(*out));
	if (pkt.len == 0)
		return ANOMALY_RTP_BAD;
	size_t off = 0;
	while (off < pkt.len) {
		if (off > 0 && pkt.len - off < RTCP_HEADER_LEN && all_zero(view_from(pkt, off))) {
			/* Some senders zero-fill the datagram past the last
			 * packet without setting P; Wireshark accepts it too. */
			out->trailing = (uint8_t)(pkt.len - off);
			break;
		}
		uint8_t b0, pt;
		uint16_t words;
		if (!view_u8(pkt, off, &b0) || !view_u8(pkt, off + 1, &pt) ||
		    !view_be16(pkt, off + 2, &words))
			return ANOMALY_RTP_BAD;
		if ((b0 >> 6) != RTCP_VERSION)
			return ANOMALY_RTP_BAD;
		size_t size = ((size_t)words + 1) * RTCP_WORD;
		struct view p;
		if (!view_slice(pkt, off, size, &p))
			return ANOMALY_RTP_BAD;
		if (b0 & RTCP_PADDING_BIT) {
			/* A.2: only the last packet of a compound may be padded;
			 * its last byte counts the padding, itself included. */
			uint8_t pad;
			if (off + size != pkt.len || !view_u8(p, size - 1, &pad) || pad == 0 ||
			    pad > size - RTCP_HEADER_LEN)
				return ANOMALY_RTP_BAD;
			p.len -= pad;
		}
		out->packet_count++;
		unsigned count = b0 & RTCP_COUNT_MASK;
		enum anomaly a = ANOMALY_NONE;
		switch (pt) {
		case RTCP_PT_SR:
		case RTCP_PT_RR:
			a = parse_report(p, pt, count, out);
			break;
		case RTCP_PT_XR:
			a = parse_xr(p, out);
			break;
		default:
			/* SDES, BYE, APP, feedback (RFC 4585): skipped by length. */
			out->skipped++;
			break;
		}
		if (a != ANOMALY_NONE)
			return a;
		off += size;
	}
	return ANOMALY_NONE;
}

uint32_t rtcp_ntp_middle32(uint64_t ntp)
{
	return (uint32_t)(ntp >> NTP_MIDDLE_SHIFT);
}

double rtcp_fraction(uint8_t fraction)
{
	return (double)fraction / FRACTION_SCALE;
}

double rtcp_jitter_ms(uint32_t jitter, uint32_t clock_rate)
{
	if (clock_rate == 0)
		return -1.0;
	return (double)jitter * MS_PER_SECOND / (double)clock_rate;
}

double rtcp_xr_mos(uint8_t mos_x10)
{
	if (mos_x10 < XR_MOS_MIN || mos_x10 > XR_MOS_MAX)
		return -1.0;
	return (double)mos_x10 / XR_MOS_SCALE;
}

void rtcp_last_sr_record(struct rtcp_last_sr *r, uint32_t ssrc, uint64_t ntp,
			 int64_t arrival_ns)
{
	r->valid = true;
	r->ssrc = ssrc;
	r->ntp_middle = rtcp_ntp_middle32(ntp);
	r->arrival_ns = arrival_ns;
}

double rtcp_rtt_ms(const struct rtcp_last_sr *r, const struct rtcp_report_block *b,
		   int64_t report_arrival_ns)
{
	/* 6.4.1: LSR 0 means the reporter has received no SR yet. */
	if (!r || !r->valid || b->lsr == 0 || b->lsr != r->ntp_middle || b->ssrc != r->ssrc)
		return RTT_UNKNOWN;
	double rtt = (double)(report_arrival_ns - r->arrival_ns) / NS_PER_MS -
		     (double)b->dlsr * MS_PER_SECOND / DLSR_UNITS_PER_SECOND;
	return rtt >= 0.0 ? rtt : RTT_UNKNOWN;
}
