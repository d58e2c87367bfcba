/* fuzz_rtp.c - libFuzzer harness for the media decoders: RTP header
 * recognition (rtp.h), RTCP compound packets with the round-trip time
 * (rtcp.h), and RFC 4733 telephone-events (rtp_event.h).  The input is one
 * UDP payload on a media port.
 *
 * Checks beyond the sanitizers: the RTP payload lies inside the packet,
 * after the fixed header; RTCP and RTP tell each other apart as RFC 5761 4
 * says; rtcp_parse() never claims more reports or blocks than its arrays
 * hold, even on a malformed packet; the derived numbers are never NaN. */
#include <math.h>

#include "fuzz.h"

#include "dissect/packet.h"
#include "dissect/rtcp.h"
#include "dissect/rtp.h"
#include "dissect/rtp_event.h"

/* Clock rates the derived values are computed at: unknown, narrowband,
 * wideband, Opus. */
static const uint32_t clock_rates[] = { 0, 8000, 16000, 48000 };
#define CLOCK_RATE_COUNT (sizeof(clock_rates) / sizeof(clock_rates[0]))

/* RTP timestamp units between the events the tracker is fed (20 ms at
 * 8000 Hz), and how many consecutive events share one timestamp (the
 * repeated packets of one key press, RFC 4733 2.5.1.2). */
#define EVENT_TS_STEP 160
#define EVENTS_PER_TIMESTAMP 3

/* Capture times span at most this far either side of the epoch here
 * (year 2096): differences of two of them fit an int64_t. */
#define CAPTURE_TIME_SPAN (4000000000LL * NS_PER_SEC)

static void check_rtp(struct view pkt)
{
	bool rtcp = rtp_is_rtcp(pkt);
	struct rtp_header h;
	enum anomaly a = rtp_decode(pkt, &h);
	FUZZ_CHECK(a == ANOMALY_NONE || a == ANOMALY_RTP_BAD);
	if (a != ANOMALY_NONE)
		return;
	FUZZ_CHECK(pkt.len >= RTP_HEADER_LEN);
	FUZZ_CHECK(fuzz_view_within(h.payload, pkt));
	FUZZ_CHECK(h.payload.len == 0 || h.payload.p >= pkt.p + RTP_HEADER_LEN);
	FUZZ_CHECK(h.pt <= 127);
	fuzz_touch(h.payload);
	/* RFC 5761 4: with the marker bit folded in, RTCP types 192-223
	 * are the RTP payload types 64-95 that must not be used. */
	if (rtcp)
		FUZZ_CHECK(h.marker && h.pt >= 64 && h.pt <= 95);

	/* The payload read as telephone-events, one after another; each
	 * group shares a timestamp as the packets of one key press do. */
	struct rtp_event_tracker t;
	rtp_event_tracker_init(&t);
	struct view rest = h.payload;
	for (uint32_t i = 0; rest.len; i++) {
		struct rtp_event ev;
		struct view piece = fuzz_dup(view_sub(rest, 0, RTP_EVENT_PAYLOAD_LEN));
		enum anomaly ea = rtp_event_decode(piece, &ev);
		fuzz_free(piece);
		rest = view_from(rest, RTP_EVENT_PAYLOAD_LEN);
		if (ea != ANOMALY_NONE) {
			FUZZ_CHECK(ea == ANOMALY_RTP_BAD);
			break;
		}
		FUZZ_CHECK(ev.volume <= 63);
		char digit = rtp_event_digit(ev.event);
		FUZZ_CHECK((digit != 0) == (ev.event <= RTP_EVENT_DTMF_LAST));
		uint32_t ts = h.timestamp + (i / EVENTS_PER_TIMESTAMP) * EVENT_TS_STEP;
		rtp_event_tracker_update(&t, ts, h.marker && i == 0, &ev);
	}
	FUZZ_CHECK(t.digit_count <= RTP_EVENT_DIGITS_MAX);
	FUZZ_CHECK(strlen(t.digits) == t.digit_count);
	for (size_t i = 0; i <= t.digit_count; i++)
		for (size_t c = 0; c < CLOCK_RATE_COUNT; c++)
			FUZZ_CHECK(!isnan(rtp_event_duration_ms(&t, i, clock_rates[c])));
}

static void check_block(const struct rtcp_report_block *b, const struct rtcp_compound *c,
			int64_t arrival_ns)
{
	for (size_t r = 0; r < CLOCK_RATE_COUNT; r++)
		FUZZ_CHECK(!isnan(rtcp_jitter_ms(b->jitter, clock_rates[r])));
	double f = rtcp_fraction(b->fraction_lost);
	FUZZ_CHECK(f >= 0 && f <= 1);
	FUZZ_CHECK(b->cumulative_lost >= -(1 << 23) && b->cumulative_lost < (1 << 23));

	/* The round trip against every SR of the compound, recorded as if
	 * it had arrived earlier, the same instant, or (clock skew) later. */
	static const int64_t sr_offsets[] = { -5 * NS_PER_SEC, 0, 1, -CAPTURE_TIME_SPAN };
	struct rtcp_last_sr none = { .valid = false };
	FUZZ_CHECK(!isnan(rtcp_rtt_ms(&none, b, arrival_ns)));
	for (uint8_t i = 0; i < c->report_count; i++) {
		const struct rtcp_report *sr = &c->reports[i];
		if (!sr->has_sender_info)
			continue;
		for (size_t k = 0; k < sizeof(sr_offsets) / sizeof(sr_offsets[0]); k++) {
			struct rtcp_last_sr last;
			rtcp_last_sr_record(&last, sr->ssrc, sr->sender.ntp,
					    arrival_ns + sr_offsets[k]);
			FUZZ_CHECK(last.ntp_middle == rtcp_ntp_middle32(sr->sender.ntp));
			double rtt = rtcp_rtt_ms(&last, b, arrival_ns);
			FUZZ_CHECK(!isnan(rtt) && !isinf(rtt));
		}
	}
}

static void check_rtcp(struct view pkt)
{
	struct rtcp_compound c;
	memset(&c, 0xA5, sizeof(c)); /* rtcp_parse must set every count */
	enum anomaly a = rtcp_parse(pkt, &c);
	FUZZ_CHECK(a == ANOMALY_NONE || a == ANOMALY_RTP_BAD);
	/* Valid whatever the outcome: "out then holds what was parsed". */
	FUZZ_CHECK(c.report_count <= RTCP_MAX_REPORTS);
	FUZZ_CHECK(c.xr_voip_count <= RTCP_MAX_XR_VOIP);
	FUZZ_CHECK(c.report_count <= c.packet_count || a != ANOMALY_NONE);
	/* Arrival at an ordinary capture time, at the epoch, and late. */
	static const int64_t arrivals[] = { 1700000000LL * NS_PER_SEC, 0, CAPTURE_TIME_SPAN };
	for (uint8_t i = 0; i < c.report_count; i++) {
		const struct rtcp_report *r = &c.reports[i];
		FUZZ_CHECK(r->pt == RTCP_PT_SR || r->pt == RTCP_PT_RR);
		FUZZ_CHECK(r->has_sender_info == (r->pt == RTCP_PT_SR));
		FUZZ_CHECK(r->block_count <= RTCP_MAX_BLOCKS);
		for (uint8_t j = 0; j < r->block_count; j++)
			for (size_t k = 0; k < sizeof(arrivals) / sizeof(arrivals[0]); k++)
				check_block(&r->blocks[j], &c, arrivals[k]);
	}
	for (uint8_t i = 0; i < c.xr_voip_count; i++) {
		const struct rtcp_xr_voip *x = &c.xr_voip[i];
		double lq = rtcp_xr_mos(x->mos_lq), cq = rtcp_xr_mos(x->mos_cq);
		FUZZ_CHECK(lq < 0 || (lq >= 1.0 && lq <= 5.0));
		FUZZ_CHECK(cq < 0 || (cq >= 1.0 && cq <= 5.0));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct view pkt = view_make(data, size);
	check_rtp(pkt);
	check_rtcp(pkt);
	return 0;
}
