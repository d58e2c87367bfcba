/* rtcp.h - RTCP compound packets (RFC 3550 6.4 SR/RR, 6.5-6.7 skipped by
 * length) and RFC 3611 XR VoIP Metrics (4.7), plus the round-trip time of
 * RFC 3550 6.4.1 from LSR/DLSR.
 *
 * The parser fills a bounded struct: up to RTCP_MAX_REPORTS SR/RR packets
 * per compound with up to RTCP_MAX_BLOCKS report blocks each (the 5-bit
 * count allows 31), and up to RTCP_MAX_XR_VOIP VoIP Metrics blocks.  What
 * does not fit is counted, never written past the end. */
#ifndef SIPMON_DISSECT_RTCP_H
#define SIPMON_DISSECT_RTCP_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/anomaly.h"
#include "util/view.h"

/* RFC 3550 12.1 and RFC 3611 2: packet types. */
#define RTCP_PT_SR 200
#define RTCP_PT_RR 201
#define RTCP_PT_SDES 202
#define RTCP_PT_BYE 203
#define RTCP_PT_APP 204
#define RTCP_PT_XR 207

#define RTCP_MAX_BLOCKS 31        /* RFC 3550 6.4.1: RC is 5 bits */
#define RTCP_MAX_REPORTS 4        /* SR/RR packets kept per compound */
#define RTCP_MAX_XR_VOIP 4        /* XR VoIP Metrics blocks kept */

/* RFC 3550 6.4.1 report block: what the reporter says about one source. */
struct rtcp_report_block {
	uint32_t ssrc;               /* the source reported on (reportee) */
	uint8_t fraction_lost;       /* since the last report, /256 */
	int32_t cumulative_lost;     /* 24-bit signed, sign-extended */
	uint32_t ext_highest_seq;    /* cycles << 16 | highest seq */
	uint32_t jitter;             /* A.8 estimate, RTP timestamp units */
	uint32_t lsr;                /* middle 32 bits of the last SR's NTP time */
	uint32_t dlsr;               /* delay since that SR, 1/65536 s */
};

/* RFC 3550 6.4.1 sender info of an SR. */
struct rtcp_sender_info {
	uint64_t ntp;                /* NTP timestamp, 32.32 fixed point */
	uint32_t rtp_timestamp;
	uint32_t packets;            /* sender's packet count */
	uint32_t octets;             /* sender's octet count */
};

/* One SR or RR. */
struct rtcp_report {
	uint8_t pt;                  /* RTCP_PT_SR or RTCP_PT_RR */
	uint32_t ssrc;               /* the reporter */
	bool has_sender_info;        /* SR */
	struct rtcp_sender_info sender;
	uint8_t block_count;         /* blocks[] filled */
	struct rtcp_report_block blocks[RTCP_MAX_BLOCKS];
};

/* RFC 3611 4.7 VoIP Metrics.  Rates and densities are fractions /256;
 * RTCP_XR_UNAVAILABLE (127) marks the one-byte metrics not measured. */
#define RTCP_XR_UNAVAILABLE 127
struct rtcp_xr_voip {
	uint32_t reporter_ssrc;      /* the XR packet's sender */
	uint32_t ssrc;               /* the source reported on */
	uint8_t loss_rate, discard_rate;      /* /256 */
	uint8_t burst_density, gap_density;   /* /256 */
	uint16_t burst_duration_ms, gap_duration_ms;
	uint16_t round_trip_delay_ms, end_system_delay_ms;
	int8_t signal_level_dbm, noise_level_dbm; /* 127 = unavailable */
	uint8_t rerl_db;             /* residual echo return loss, 127 = n/a */
	uint8_t gmin;
	uint8_t r_factor, ext_r_factor;       /* 127 = unavailable */
	uint8_t mos_lq, mos_cq;               /* MOS x10, 127 = unavailable */
	uint8_t rx_config;
	uint16_t jb_nominal_ms, jb_maximum_ms, jb_abs_max_ms;
};

struct rtcp_compound {
	uint8_t packet_count;        /* RTCP packets in the compound */
	uint8_t report_count;        /* reports[] filled */
	struct rtcp_report reports[RTCP_MAX_REPORTS];
	uint8_t xr_voip_count;       /* xr_voip[] filled */
	struct rtcp_xr_voip xr_voip[RTCP_MAX_XR_VOIP];
	uint32_t skipped;            /* SDES, BYE, APP, feedback, other XR blocks */
	uint32_t dropped;            /* reports or XR blocks beyond the limits */
	uint8_t trailing;            /* zero bytes (< 4) after the last packet */
};

/* Parses a compound RTCP packet (one UDP payload).  On a malformed packet
 * returns the anomaly; out then holds what was parsed before the fault.
 * Checks (RFC 3550 A.2): version 2 everywhere, each packet's length within
 * what was captured, report blocks within their packet, padding only in
 * the last packet.  The first packet need not be SR/RR (RFC 5506).  Up to
 * 3 zero bytes after the last packet are tolerated (seen from real
 * devices) and counted in out->trailing. */
enum anomaly rtcp_parse(struct view pkt, struct rtcp_compound *out);

/* RFC 3550 6.4.1: the middle 32 bits of a 64-bit NTP timestamp, as carried
 * in LSR. */
uint32_t rtcp_ntp_middle32(uint64_t ntp);

/* Fraction lost as a number 0..1 (fraction / 256). */
double rtcp_fraction(uint8_t fraction);

/* Interarrival jitter in ms for clock_rate; negative when clock_rate is 0. */
double rtcp_jitter_ms(uint32_t jitter, uint32_t clock_rate);

/* XR MOS-LQ / MOS-CQ as 1.0..5.0, or negative when unavailable (127) or
 * outside RFC 3611 4.7's 10..50 range. */
double rtcp_xr_mos(uint8_t mos_x10);

/* The last SR seen from one sender, kept by the caller per SSRC, for the
 * round-trip time of a later report block that echoes it. */
struct rtcp_last_sr {
	bool valid;
	uint32_t ssrc;               /* the SR's sender */
	uint32_t ntp_middle;         /* rtcp_ntp_middle32 of its NTP time */
	int64_t arrival_ns;          /* when the SR was captured */
};

void rtcp_last_sr_record(struct rtcp_last_sr *r, uint32_t ssrc, uint64_t ntp,
			 int64_t arrival_ns);

/* RFC 3550 6.4.1 round trip, seen from the capture point: the report block
 * b (about r's sender, echoing its SR in LSR) captured at report_arrival_ns
 * gives RTT = report arrival - SR arrival - DLSR, in ms.  Negative when it
 * cannot be computed (no SR recorded, LSR 0 or another SR's, result < 0).
 * The time measured is the round trip between the capture point and the
 * reporter: when capturing beside the SR sender it is the path's RTT. */
double rtcp_rtt_ms(const struct rtcp_last_sr *r, const struct rtcp_report_block *b,
		   int64_t report_arrival_ns);

#endif
