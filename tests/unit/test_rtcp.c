/* Unit tests: RTCP compound packets (RFC 3550 6.4, RFC 3611 4.7), built
 * byte by byte, and the LSR/DLSR round-trip time. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/rtcp.h"

#define MS 1000000LL
#define T0 (1700000000LL * 1000000000LL)

/* SR from 0x11111111 with two report blocks.  sngrep 1.8.4 reads SR report
 * blocks at the RR offset (8, where the NTP timestamp is): the values
 * below would then come out as SSRC 0xe1234567, and so on. */
static const uint8_t sr_two_blocks[] = {
	0x82, 200, 0x00, 18,                            /* V=2 RC=2 SR, 19 words */
	0x11, 0x11, 0x11, 0x11,                         /* sender SSRC */
	0xe1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, /* NTP timestamp */
	0x00, 0x01, 0x00, 0x00,                         /* RTP timestamp 65536 */
	0x00, 0x00, 0x01, 0xf4,                         /* 500 packets */
	0x00, 0x01, 0x38, 0x80,                         /* 80000 octets */
	/* block 1 */
	0x22, 0x22, 0x22, 0x22,                         /* reportee */
	0x40, 0x00, 0x00, 0x05,                         /* 64/256 lost, 5 in all */
	0x00, 0x01, 0x12, 0x34,                         /* 1 cycle, seq 0x1234 */
	0x00, 0x00, 0x00, 0x50,                         /* jitter 80 */
	0x45, 0x67, 0x89, 0xab,                         /* LSR */
	0x00, 0x01, 0x80, 0x00,                         /* DLSR 1.5 s */
	/* block 2 */
	0x33, 0x33, 0x33, 0x33,
	0x00, 0xff, 0xff, 0xfd,                         /* 0 lost, -3 in all (dups) */
	0x00, 0x00, 0x00, 0x64,
	0x00, 0x00, 0x00, 0x10,
	0x00, 0x00, 0x00, 0x00,                         /* no SR received yet */
	0x00, 0x00, 0x00, 0x00,
};

static const uint8_t rr_one_block[] = {
	0x81, 201, 0x00, 7,
	0x44, 0x44, 0x44, 0x44,                         /* reporter */
	0x11, 0x11, 0x11, 0x11,                         /* reportee */
	0xff, 0x7f, 0xff, 0xff,                         /* 255/256, +8388607 */
	0x00, 0x02, 0xff, 0xff,
	0x00, 0x00, 0x01, 0x00,                         /* jitter 256 */
	0x45, 0x67, 0x89, 0xab,
	0x00, 0x00, 0x40, 0x00,                         /* DLSR 0.25 s */
};

/* SR without blocks + SDES (CNAME) + BYE, as RFC 3550 6.1 compounds. */
static const uint8_t sr_sdes_bye[] = {
	0x80, 200, 0x00, 6,
	0x55, 0x55, 0x55, 0x55,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05,
	0x81, 202, 0x00, 3,                             /* SDES, 1 chunk */
	0x55, 0x55, 0x55, 0x55,
	0x01, 0x05, 'a', '@', 'b', '.', 'c', 0x00,      /* CNAME, END */
	0x81, 203, 0x00, 1,                             /* BYE */
	0x55, 0x55, 0x55, 0x55,
};

/* XR from 0x66666666: a receiver reference time block (skipped) and a
 * VoIP Metrics block about 0x77777777. */
static const uint8_t xr_voip[] = {
	0x80, 207, 0x00, 13,
	0x66, 0x66, 0x66, 0x66,
	4, 0x00, 0x00, 0x02,                            /* BT 4, 3 words */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	7, 0x00, 0x00, 0x08,                            /* BT 7, 9 words */
	0x77, 0x77, 0x77, 0x77,
	0x0c, 0x05, 0x80, 0x02,                         /* loss, discard, densities */
	0x00, 0x78, 0x13, 0x88,                         /* burst 120 ms, gap 5000 ms */
	0x00, 0x32, 0x00, 0x64,                         /* RTT 50 ms, ESD 100 ms */
	0xec, 0xb5, 127, 16,                            /* -20 dBm, -75 dBm, RERL n/a, Gmin */
	90, 127, 42, 41,                                /* R, ext R n/a, MOS-LQ, MOS-CQ */
	0x00, 0x00, 0x00, 40,                           /* RX config, JB nominal */
	0x00, 80, 0x00, 200,                            /* JB max, JB abs max */
};

START_TEST(sr_with_two_blocks)
{
	struct rtcp_compound c;
	ck_assert_int_eq(rtcp_parse(view_make(sr_two_blocks, sizeof(sr_two_blocks)), &c),
			 ANOMALY_NONE);
	ck_assert_uint_eq(c.packet_count, 1);
	ck_assert_uint_eq(c.report_count, 1);
	const struct rtcp_report *r = &c.reports[0];
	ck_assert_uint_eq(r->pt, RTCP_PT_SR);
	ck_assert_uint_eq(r->ssrc, 0x11111111);
	ck_assert(r->has_sender_info);
	ck_assert_uint_eq(r->sender.ntp, 0xe123456789abcdefULL);
	ck_assert_uint_eq(r->sender.rtp_timestamp, 65536);
	ck_assert_uint_eq(r->sender.packets, 500);
	ck_assert_uint_eq(r->sender.octets, 80000);
	ck_assert_uint_eq(r->block_count, 2);

	const struct rtcp_report_block *b = &r->blocks[0];
	ck_assert_uint_eq(b->ssrc, 0x22222222);
	ck_assert_uint_eq(b->fraction_lost, 64);
	ck_assert_double_eq_tol(rtcp_fraction(b->fraction_lost), 0.25, 1e-12);
	ck_assert_int_eq(b->cumulative_lost, 5);
	ck_assert_uint_eq(b->ext_highest_seq, 0x00011234);
	ck_assert_uint_eq(b->jitter, 80);
	ck_assert_double_eq_tol(rtcp_jitter_ms(b->jitter, 8000), 10.0, 1e-12);
	ck_assert_uint_eq(b->lsr, 0x456789ab);
	ck_assert_uint_eq(b->dlsr, 0x18000);

	b = &r->blocks[1];
	ck_assert_uint_eq(b->ssrc, 0x33333333);
	ck_assert_uint_eq(b->fraction_lost, 0);
	ck_assert_int_eq(b->cumulative_lost, -3);
	ck_assert_uint_eq(b->ext_highest_seq, 100);
	ck_assert_uint_eq(b->jitter, 16);
	ck_assert_uint_eq(b->lsr, 0);
	ck_assert_uint_eq(b->dlsr, 0);
}
END_TEST

START_TEST(rr_with_one_block)
{
	struct rtcp_compound c;
	ck_assert_int_eq(rtcp_parse(view_make(rr_one_block, sizeof(rr_one_block)), &c),
			 ANOMALY_NONE);
	ck_assert_uint_eq(c.report_count, 1);
	const struct rtcp_report *r = &c.reports[0];
	ck_assert_uint_eq(r->pt, RTCP_PT_RR);
	ck_assert(!r->has_sender_info);
	ck_assert_uint_eq(r->ssrc, 0x44444444);
	ck_assert_uint_eq(r->block_count, 1);
	ck_assert_uint_eq(r->blocks[0].ssrc, 0x11111111);
	ck_assert_uint_eq(r->blocks[0].fraction_lost, 255);
	ck_assert_int_eq(r->blocks[0].cumulative_lost, 8388607);
	ck_assert_uint_eq(r->blocks[0].ext_highest_seq, 0x0002ffff);
	ck_assert_uint_eq(r->blocks[0].jitter, 256);
	ck_assert_uint_eq(r->blocks[0].dlsr, 0x4000);
	ck_assert_uint_eq(c.skipped, 0);
}
END_TEST

START_TEST(cumulative_lost_sign_extension)
{
	uint8_t p[sizeof(rr_one_block)];
	memcpy(p, rr_one_block, sizeof(p));
	static const struct {
		uint8_t b[3];
		int32_t v;
	} cases[] = {
		{ { 0x80, 0x00, 0x00 }, -8388608 },
		{ { 0xff, 0xff, 0xff }, -1 },
		{ { 0x00, 0x00, 0x00 }, 0 },
		{ { 0x00, 0x01, 0x00 }, 256 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(p + 13, cases[i].b, 3);
		struct rtcp_compound c;
		ck_assert_int_eq(rtcp_parse(view_make(p, sizeof(p)), &c), ANOMALY_NONE);
		ck_assert_int_eq(c.reports[0].blocks[0].cumulative_lost, cases[i].v);
	}
}
END_TEST

START_TEST(compound_sr_sdes_bye)
{
	struct rtcp_compound c;
	ck_assert_int_eq(rtcp_parse(view_make(sr_sdes_bye, sizeof(sr_sdes_bye)), &c),
			 ANOMALY_NONE);
	ck_assert_uint_eq(c.packet_count, 3);
	ck_assert_uint_eq(c.report_count, 1);
	ck_assert_uint_eq(c.reports[0].ssrc, 0x55555555);
	ck_assert_uint_eq(c.reports[0].block_count, 0);
	ck_assert_uint_eq(c.reports[0].sender.ntp, 0x0000000100000002ULL);
	ck_assert_uint_eq(c.reports[0].sender.rtp_timestamp, 3);
	ck_assert_uint_eq(c.reports[0].sender.packets, 4);
	ck_assert_uint_eq(c.reports[0].sender.octets, 5);
	ck_assert_uint_eq(c.skipped, 2);
}
END_TEST

START_TEST(xr_voip_metrics)
{
	struct rtcp_compound c;
	ck_assert_int_eq(rtcp_parse(view_make(xr_voip, sizeof(xr_voip)), &c), ANOMALY_NONE);
	ck_assert_uint_eq(c.packet_count, 1);
	ck_assert_uint_eq(c.report_count, 0);
	ck_assert_uint_eq(c.skipped, 1);
	ck_assert_uint_eq(c.xr_voip_count, 1);
	const struct rtcp_xr_voip *x = &c.xr_voip[0];
	ck_assert_uint_eq(x->reporter_ssrc, 0x66666666);
	ck_assert_uint_eq(x->ssrc, 0x77777777);
	ck_assert_uint_eq(x->loss_rate, 12);
	ck_assert_double_eq_tol(rtcp_fraction(x->loss_rate), 12.0 / 256.0, 1e-12);
	ck_assert_uint_eq(x->discard_rate, 5);
	ck_assert_uint_eq(x->burst_density, 128);
	ck_assert_uint_eq(x->gap_density, 2);
	ck_assert_uint_eq(x->burst_duration_ms, 120);
	ck_assert_uint_eq(x->gap_duration_ms, 5000);
	ck_assert_uint_eq(x->round_trip_delay_ms, 50);
	ck_assert_uint_eq(x->end_system_delay_ms, 100);
	ck_assert_int_eq(x->signal_level_dbm, -20);
	ck_assert_int_eq(x->noise_level_dbm, -75);
	ck_assert_uint_eq(x->rerl_db, RTCP_XR_UNAVAILABLE);
	ck_assert_uint_eq(x->gmin, 16);
	ck_assert_uint_eq(x->r_factor, 90);
	ck_assert_uint_eq(x->ext_r_factor, RTCP_XR_UNAVAILABLE);
	ck_assert_double_eq_tol(rtcp_xr_mos(x->mos_lq), 4.2, 1e-12);
	ck_assert_double_eq_tol(rtcp_xr_mos(x->mos_cq), 4.1, 1e-12);
	ck_assert_uint_eq(x->jb_nominal_ms, 40);
	ck_assert_uint_eq(x->jb_maximum_ms, 80);
	ck_assert_uint_eq(x->jb_abs_max_ms, 200);
	ck_assert(rtcp_xr_mos(RTCP_XR_UNAVAILABLE) < 0);
	ck_assert(rtcp_xr_mos(9) < 0);
	ck_assert(rtcp_xr_mos(51) < 0);
	ck_assert_double_eq_tol(rtcp_xr_mos(10), 1.0, 1e-12);
}
END_TEST

/* sr_two_blocks + sr_sdes_bye's SDES + xr_voip in one datagram. */
static size_t build_compound(uint8_t *buf, size_t *bounds, size_t *nbounds)
{
	size_t n = 0;
	*nbounds = 0;
	memcpy(buf + n, sr_two_blocks, sizeof(sr_two_blocks));
	n += sizeof(sr_two_blocks);
	bounds[(*nbounds)++] = n;
	memcpy(buf + n, sr_sdes_bye + 28, 16);
	n += 16;
	bounds[(*nbounds)++] = n;
	memcpy(buf + n, xr_voip, sizeof(xr_voip));
	n += sizeof(xr_voip);
	bounds[(*nbounds)++] = n;
	return n;
}

START_TEST(truncated_at_every_byte)
{
	uint8_t full[256];
	size_t bounds[4], nb;
	size_t len = build_compound(full, bounds, &nb);
	struct rtcp_compound c;
	ck_assert_int_eq(rtcp_parse(view_make(full, len), &c), ANOMALY_NONE);
	ck_assert_uint_eq(c.packet_count, 3);
	ck_assert_uint_eq(c.report_count, 1);
	ck_assert_uint_eq(c.xr_voip_count, 1);
	for (size_t n = 0; n < len; n++) {
		/* A copy of exactly n bytes, so ASan sees any read past it. */
		uint8_t *cut = malloc(n ? n : 1);
		memcpy(cut, full, n);
		bool boundary = false;
		for (size_t i = 0; i < nb; i++)
			boundary |= bounds[i] == n;
		enum anomaly a = rtcp_parse(view_make(cut, n), &c);
		if (boundary)
			ck_assert_msg(a == ANOMALY_NONE, "cut at %zu (packet boundary)", n);
		else
			ck_assert_msg(a == ANOMALY_RTP_BAD, "cut at %zu", n);
		free(cut);
	}
}
END_TEST

START_TEST(corrupted_bytes_never_read_out_of_bounds)
{
	uint8_t full[256];
	size_t bounds[4], nb;
	size_t len = build_compound(full, bounds, &nb);
	static const uint8_t values[] = { 0x00, 0x01, 0x1f, 0x20, 0x7f, 0x80, 0xbf, 0xff };
	for (size_t i = 0; i < len; i++) {
		for (size_t v = 0; v < sizeof(values); v++) {
			uint8_t *p = malloc(len);
			memcpy(p, full, len);
			p[i] = values[v];
			struct rtcp_compound c;
			enum anomaly a = rtcp_parse(view_make(p, len), &c);
			ck_assert(a == ANOMALY_NONE || a == ANOMALY_RTP_BAD);
			ck_assert_uint_le(c.report_count, RTCP_MAX_REPORTS);
			ck_assert_uint_le(c.xr_voip_count, RTCP_MAX_XR_VOIP);
			free(p);
		}
	}
}
END_TEST

START_TEST(malformed_packets)
{
	struct rtcp_compound c;
	uint8_t p[sizeof(rr_one_block)];

	ck_assert_int_eq(rtcp_parse(view_empty(), &c), ANOMALY_RTP_BAD);

	/* Version 1. */
	memcpy(p, rr_one_block, sizeof(p));
	p[0] = 0x41;
	ck_assert_int_eq(rtcp_parse(view_make(p, sizeof(p)), &c), ANOMALY_RTP_BAD);

	/* RC says 2 blocks, the packet holds 1. */
	memcpy(p, rr_one_block, sizeof(p));
	p[0] = 0x82;
	ck_assert_int_eq(rtcp_parse(view_make(p, sizeof(p)), &c), ANOMALY_RTP_BAD);

	/* Length beyond the datagram. */
	memcpy(p, rr_one_block, sizeof(p));
	p[3] = 8;
	ck_assert_int_eq(rtcp_parse(view_make(p, sizeof(p)), &c), ANOMALY_RTP_BAD);

	/* Trailing bytes that are not a whole RTCP header. */
	uint8_t q[sizeof(rr_one_block) + 2];
	memcpy(q, rr_one_block, sizeof(rr_one_block));
	q[sizeof(rr_one_block)] = 0x80;
	q[sizeof(rr_one_block) + 1] = 201;
	ck_assert_int_eq(rtcp_parse(view_make(q, sizeof(q)), &c), ANOMALY_RTP_BAD);
	/* ... what came before is still there. */
	ck_assert_uint_eq(c.report_count, 1);

	/* Up to 3 zero bytes after the last packet are tolerated... */
	q[sizeof(rr_one_block)] = 0;
	q[sizeof(rr_one_block) + 1] = 0;
	ck_assert_int_eq(rtcp_parse(view_make(q, sizeof(q)), &c), ANOMALY_NONE);
	ck_assert_uint_eq(c.trailing, 2);
	/* ... not other bytes, nor a whole zero word (version 0). */
	q[sizeof(rr_one_block) + 1] = 1;
	ck_assert_int_eq(rtcp_parse(view_make(q, sizeof(q)), &c), ANOMALY_RTP_BAD);
	uint8_t z[sizeof(rr_one_block) + 4] = { 0 };
	memcpy(z, rr_one_block, sizeof(rr_one_block));
	ck_assert_int_eq(rtcp_parse(view_make(z, sizeof(z)), &c), ANOMALY_RTP_BAD);

	/* XR VoIP Metrics block shorter than RFC 3611 4.7's 9 words. */
	uint8_t x[sizeof(xr_voip)];
	memcpy(x, xr_voip, sizeof(x));
	x[3] = 12;   /* XR one word shorter */
	x[23] = 7;   /* VoIP block 8 words */
	ck_assert_int_eq(rtcp_parse(view_make(x, sizeof(x) - 4), &c), ANOMALY_RTP_BAD);
}
END_TEST

START_TEST(padding)
{
	/* RR padded with 4 bytes (count in the last byte). */
	uint8_t p[sizeof(rr_one_block) + 4];
	memcpy(p, rr_one_block, sizeof(rr_one_block));
	p[0] |= 0x20;
	p[3] = 8;
	memcpy(p + sizeof(rr_one_block), (const uint8_t[]){ 0, 0, 0, 4 }, 4);
	struct rtcp_compound c;
	ck_assert_int_eq(rtcp_parse(view_make(p, sizeof(p)), &c), ANOMALY_NONE);
	ck_assert_uint_eq(c.reports[0].block_count, 1);
	/* Padding count larger than the packet. */
	p[sizeof(p) - 1] = 200;
	ck_assert_int_eq(rtcp_parse(view_make(p, sizeof(p)), &c), ANOMALY_RTP_BAD);
	/* Zero padding count. */
	p[sizeof(p) - 1] = 0;
	ck_assert_int_eq(rtcp_parse(view_make(p, sizeof(p)), &c), ANOMALY_RTP_BAD);
	/* Padding bit on a packet that is not the last. */
	uint8_t q[sizeof(rr_one_block) * 2];
	memcpy(q, rr_one_block, sizeof(rr_one_block));
	memcpy(q + sizeof(rr_one_block), rr_one_block, sizeof(rr_one_block));
	q[0] |= 0x20;
	ck_assert_int_eq(rtcp_parse(view_make(q, sizeof(q)), &c), ANOMALY_RTP_BAD);
	/* Padding that eats into the report blocks. */
	memcpy(p, rr_one_block, sizeof(rr_one_block));
	p[0] |= 0x20;
	p[3] = 8;
	memcpy(p + sizeof(rr_one_block), (const uint8_t[]){ 0, 0, 0, 8 }, 4);
	ck_assert_int_eq(rtcp_parse(view_make(p, sizeof(p)), &c), ANOMALY_RTP_BAD);
}
END_TEST

START_TEST(reports_beyond_the_limit_are_counted)
{
	uint8_t p[sizeof(rr_one_block) * (RTCP_MAX_REPORTS + 2)];
	for (size_t i = 0; i < RTCP_MAX_REPORTS + 2; i++)
		memcpy(p + i * sizeof(rr_one_block), rr_one_block, sizeof(rr_one_block));
	struct rtcp_compound c;
	ck_assert_int_eq(rtcp_parse(view_make(p, sizeof(p)), &c), ANOMALY_NONE);
	ck_assert_uint_eq(c.packet_count, RTCP_MAX_REPORTS + 2);
	ck_assert_uint_eq(c.report_count, RTCP_MAX_REPORTS);
	ck_assert_uint_eq(c.dropped, 2);
}
END_TEST

START_TEST(thirty_one_blocks)
{
	/* RC 31, the most a header can announce. */
	enum { BLOCKS = 31 };
	uint8_t p[8 + BLOCKS * 24];
	memset(p, 0, sizeof(p));
	p[0] = 0x80 | BLOCKS;
	p[1] = RTCP_PT_RR;
	p[3] = (uint8_t)(sizeof(p) / 4 - 1);
	for (int i = 0; i < BLOCKS; i++)
		p[8 + i * 24 + 3] = (uint8_t)(i + 1);
	struct rtcp_compound c;
	ck_assert_int_eq(rtcp_parse(view_make(p, sizeof(p)), &c), ANOMALY_NONE);
	ck_assert_uint_eq(c.reports[0].block_count, BLOCKS);
	ck_assert_uint_eq(c.reports[0].blocks[BLOCKS - 1].ssrc, BLOCKS);
}
END_TEST

START_TEST(round_trip_time)
{
	ck_assert_uint_eq(rtcp_ntp_middle32(0xe123456789abcdefULL), 0x456789ab);
	struct rtcp_compound sr, rr;
	ck_assert_int_eq(rtcp_parse(view_make(sr_two_blocks, sizeof(sr_two_blocks)), &sr),
			 ANOMALY_NONE);
	ck_assert_int_eq(rtcp_parse(view_make(rr_one_block, sizeof(rr_one_block)), &rr),
			 ANOMALY_NONE);
	/* The SR from 0x11111111 is captured at T0; the RR about 0x11111111
	 * echoing it (LSR 0x456789ab, DLSR 0.25 s) 300 ms later: 50 ms. */
	struct rtcp_last_sr last = { 0 };
	const struct rtcp_report_block *b = &rr.reports[0].blocks[0];
	ck_assert(rtcp_rtt_ms(&last, b, T0 + 300 * MS) < 0);
	rtcp_last_sr_record(&last, sr.reports[0].ssrc, sr.reports[0].sender.ntp, T0);
	ck_assert_double_eq_tol(rtcp_rtt_ms(&last, b, T0 + 300 * MS), 50.0, 1e-9);
	/* Before the reporter could have held the SR that long: unknown. */
	ck_assert(rtcp_rtt_ms(&last, b, T0 + 200 * MS) < 0);
	/* Another SR (LSR mismatch), LSR 0, or a block about someone else. */
	struct rtcp_report_block other = *b;
	other.lsr = 0x12345678;
	ck_assert(rtcp_rtt_ms(&last, &other, T0 + 300 * MS) < 0);
	other = *b;
	other.lsr = 0;
	ck_assert(rtcp_rtt_ms(&last, &other, T0 + 300 * MS) < 0);
	other = *b;
	other.ssrc = 0x99999999;
	ck_assert(rtcp_rtt_ms(&last, &other, T0 + 300 * MS) < 0);
	ck_assert(rtcp_rtt_ms(NULL, b, T0 + 300 * MS) < 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rtcp");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, sr_with_two_blocks);
	tcase_add_test(tc, rr_with_one_block);
	tcase_add_test(tc, cumulative_lost_sign_extension);
	tcase_add_test(tc, compound_sr_sdes_bye);
	tcase_add_test(tc, xr_voip_metrics);
	tcase_add_test(tc, truncated_at_every_byte);
	tcase_add_test(tc, corrupted_bytes_never_read_out_of_bounds);
	tcase_add_test(tc, malformed_packets);
	tcase_add_test(tc, padding);
	tcase_add_test(tc, reports_beyond_the_limit_are_counted);
	tcase_add_test(tc, thirty_one_blocks);
	tcase_add_test(tc, round_trip_time);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
