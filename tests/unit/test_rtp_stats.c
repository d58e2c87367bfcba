/* Unit tests: per-stream RTP statistics and RFC 4733 events, with streams
 * crafted packet by packet.  Expected values are worked out in the
 * comments (sequence accounting) or recomputed independently in the test
 * (RFC 3550 A.8 jitter). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/rtp_event.h"
#include "store/emodel.h"
#include "store/rtp_stats.h"

#define CLOCK 8000u
#define PTIME_MS 20
#define TS_STEP 160u                    /* 20 ms at 8000 Hz */
#define MS 1000000LL                    /* ns */
#define T0 (1700000000LL * 1000000000LL) /* an arbitrary epoch time */
#define PT_PCMA 8
#define PT_CN 13
#define PT_EVENT 101
#define EPS 1e-9

static struct rtp_header audio(uint16_t seq, uint32_t ts, bool marker)
{
	struct rtp_header h = { .marker = marker, .pt = PT_PCMA, .seq = seq, .timestamp = ts,
				.ssrc = 0x11223344, .payload = view_empty() };
	return h;
}

static void feed(struct rtp_stats *s, uint16_t seq, uint32_t ts, int64_t t_ns, bool marker)
{
	struct rtp_header h = audio(seq, ts, marker);
	rtp_stats_update(s, &h, t_ns);
}

/* A regular stream: n packets from seq0/ts0, one per 20 ms from t0,
 * skipping the sequence numbers for which skip returns true. */
static void feed_run(struct rtp_stats *s, uint16_t seq0, uint32_t ts0, int64_t t0, int n,
		     bool (*skip)(int i))
{
	for (int i = 0; i < n; i++) {
		if (skip && skip(i))
			continue;
		feed(s, (uint16_t)(seq0 + i), ts0 + (uint32_t)i * TS_STEP, t0 + i * PTIME_MS * MS,
		     i == 0);
	}
}

static struct rtp_figures figures_of(const struct rtp_stats *s)
{
	struct rtp_figures f;
	rtp_stats_figures(s, emodel_codec_lookup("PCMA", PT_PCMA), -1.0, &f);
	return f;
}

START_TEST(clean_stream)
{
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed_run(&s, 1000, 5000, T0, 50, NULL);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.packets, 50);
	ck_assert_uint_eq(f.expected, 50);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_uint_eq(f.duplicates, 0);
	ck_assert_uint_eq(f.out_of_order, 0);
	ck_assert_uint_eq(f.seq_errors, 0);
	ck_assert(f.seq_validated);
	ck_assert(f.has_timing);
	ck_assert_double_eq_tol(f.max_delta_ms, 20.0, EPS);
	ck_assert_double_eq_tol(f.mean_delta_ms, 20.0, EPS);
	ck_assert(f.has_jitter);
	ck_assert_double_eq_tol(f.jitter_ms, 0.0, EPS);
	ck_assert_double_eq_tol(f.max_jitter_ms, 0.0, EPS);
	ck_assert_double_eq_tol(f.burst_r, 1.0, EPS);
	/* G.711 with no loss and no delay: R 93.2, MOS 4.409. */
	ck_assert(f.has_mos);
	ck_assert_double_eq_tol(f.r_factor, 93.2, EPS);
	ck_assert_double_eq_tol(f.mos, 4.41, 0.005);
	ck_assert_str_eq(f.events, "");
	/* No codec: no MOS. */
	rtp_stats_figures(&s, NULL, -1.0, &f);
	ck_assert(!f.has_mos);
}
END_TEST

static bool skip_10(int i) { return i == 10; }

START_TEST(single_loss)
{
	/* 100 sent, #10 lost: expected 100, lost 1 (1 %).  Final states:
	 * R x10, L, R x89: transitions R->L 1, L->R 1, R->R 97, L->L 0, so
	 * p = 1/98, q = 1/1, BurstR = 1 / (1 + 1/98) = 98/99 (below 1, the
	 * E-model clamps it to 1: Ie,eff = 95 * 1 / (1 + 25.1) = 3.6398,
	 * R = 89.560, MOS = 4.328). */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed_run(&s, 1000, 5000, T0, 100, skip_10);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.packets, 99);
	ck_assert_uint_eq(f.expected, 100);
	ck_assert_uint_eq(f.lost, 1);
	ck_assert_double_eq_tol(f.lost_pct, 1.0, EPS);
	ck_assert_uint_eq(f.seq_errors, 0);
	ck_assert_double_eq_tol(f.max_delta_ms, 40.0, EPS);
	ck_assert_double_eq_tol(f.burst_r, 98.0 / 99.0, EPS);
	ck_assert_double_eq_tol(f.r_factor, 89.56015, 1e-4);
	ck_assert_double_eq_tol(f.mos, 4.32808, 1e-4);
}
END_TEST

static bool skip_burst(int i) { return i >= 20 && i < 25; }

START_TEST(burst_loss)
{
	/* 100 sent, #20..#24 lost: lost 5 (5 %).  Transitions R->L 1, L->L 4,
	 * L->R 1, R->R 93: p = 1/94, q = 1/5, BurstR = 1/(1/94 + 1/5)
	 * = 4.74747.  Ie,eff = 95 * 5 / (5 / 4.74747 + 25.1) = 18.1622,
	 * R = 75.0378, MOS = 1 + 2.62632 + 75.0378 * 15.0378 * 24.9622 * 7e-6
	 * = 3.82349. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed_run(&s, 1000, 5000, T0, 100, skip_burst);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.packets, 95);
	ck_assert_uint_eq(f.expected, 100);
	ck_assert_uint_eq(f.lost, 5);
	ck_assert_double_eq_tol(f.burst_r, 1.0 / (1.0 / 94.0 + 1.0 / 5.0), EPS);
	ck_assert_double_eq_tol(f.r_factor, 75.03778, 1e-4);
	ck_assert_double_eq_tol(f.mos, 3.82349, 1e-4);
	ck_assert_double_eq_tol(f.max_delta_ms, 120.0, EPS);
}
END_TEST

START_TEST(loss_far_past_the_window)
{
	/* A gap longer than the duplicate window (300 > 128 sequence numbers,
	 * below MAX_DROPOUT) is plain loss: R x10, L x300, R x10. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed_run(&s, 100, 0, T0, 10, NULL);
	feed_run(&s, 410, 310 * TS_STEP, T0 + 310 * PTIME_MS * MS, 10, NULL);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.expected, 320);
	ck_assert_uint_eq(f.lost, 300);
	ck_assert_uint_eq(f.seq_errors, 0);
	/* R->R 9 + 9, R->L 1, L->L 299, L->R 1: p = 1/19, q = 1/300. */
	ck_assert_double_eq_tol(f.burst_r, 1.0 / (1.0 / 19.0 + 1.0 / 300.0), EPS);
}
END_TEST

START_TEST(duplicates_never_make_loss_negative)
{
	/* 20 sent; #5 arrives twice at once, #10 again after #13. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	for (int i = 0; i < 20; i++) {
		int64_t t = T0 + i * PTIME_MS * MS;
		feed(&s, (uint16_t)(200 + i), (uint32_t)i * TS_STEP, t, i == 0);
		if (i == 5)
			feed(&s, 205, 5 * TS_STEP, t + MS / 2, false);
		if (i == 13)
			feed(&s, 210, 10 * TS_STEP, t + MS, false);
	}
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.packets, 22);
	ck_assert_uint_eq(f.expected, 20);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_uint_eq(f.duplicates, 2);
	ck_assert_uint_eq(f.out_of_order, 0);
	ck_assert_uint_eq(f.seq_errors, 0);
	/* A duplicate of the highest sequence number too. */
	feed(&s, 219, 19 * TS_STEP, T0 + 19 * PTIME_MS * MS + MS, false);
	f = figures_of(&s);
	ck_assert_uint_eq(f.duplicates, 3);
	ck_assert_uint_eq(f.lost, 0);
}
END_TEST

START_TEST(reordering_counts_out_of_order_not_loss)
{
	/* Arrival order: 0..4, 6, 5, 7..12, 14, 15, 16, 13, 17..19. */
	static const int order[] = { 0, 1, 2, 3, 4, 6, 5, 7, 8, 9, 10, 11, 12,
				     14, 15, 16, 13, 17, 18, 19 };
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		int i = order[k];
		feed(&s, (uint16_t)(300 + i), (uint32_t)i * TS_STEP,
		     T0 + (int64_t)k * PTIME_MS * MS, i == 0);
	}
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.packets, 20);
	ck_assert_uint_eq(f.expected, 20);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_uint_eq(f.out_of_order, 2);
	ck_assert_uint_eq(f.duplicates, 0);
	ck_assert_double_eq_tol(f.burst_r, 1.0, EPS);
}
END_TEST

START_TEST(late_packet_before_the_first)
{
	/* #101 arrives before #100: the stream started at 100. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed(&s, 101, TS_STEP, T0, true);
	feed(&s, 100, 0, T0 + MS, false);
	feed(&s, 102, 2 * TS_STEP, T0 + 20 * MS, false);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.expected, 3);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_uint_eq(f.out_of_order, 1);
}
END_TEST

static bool skip_wrap(int i) { return i == 5 || i == 6; } /* 65535 and 0 */

START_TEST(sequence_wraps)
{
	/* 20 packets from 65530: ..., 65535, 0, ... 13; no loss. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed_run(&s, 65530, 0xfffff000u, T0, 20, NULL);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.expected, 20);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_double_eq_tol(f.max_jitter_ms, 0.0, EPS); /* timestamp wraps too */
	ck_assert_double_eq_tol(f.max_delta_ms, 20.0, EPS);

	/* The same with 65535 and 0 lost across the wrap. */
	rtp_stats_init(&s, CLOCK, -1);
	feed_run(&s, 65530, 0, T0, 20, skip_wrap);
	f = figures_of(&s);
	ck_assert_uint_eq(f.expected, 20);
	ck_assert_uint_eq(f.lost, 2);
	ck_assert_uint_eq(f.packets, 18);
}
END_TEST

START_TEST(large_jump_resyncs)
{
	/* 10 packets from 100, then the sender restarts at 20000 (10 more):
	 * the first jumped packet is a sequence error, the second confirms
	 * the restart (RFC 3550 A.1); both epochs count, nothing is lost. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed_run(&s, 100, 0, T0, 10, NULL);
	feed_run(&s, 20000, 10 * TS_STEP, T0 + 10 * PTIME_MS * MS, 10, NULL);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.packets, 20);
	ck_assert_uint_eq(f.expected, 20);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_uint_eq(f.seq_errors, 1);

	/* A single stray packet far away is an error, not loss. */
	rtp_stats_init(&s, CLOCK, -1);
	feed_run(&s, 100, 0, T0, 10, NULL);
	feed(&s, 40000, 10 * TS_STEP, T0 + 195 * MS, false);
	feed_run(&s, 110, 10 * TS_STEP, T0 + 200 * MS, 10, NULL);
	f = figures_of(&s);
	ck_assert_uint_eq(f.packets, 21);
	ck_assert_uint_eq(f.expected, 20);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_uint_eq(f.seq_errors, 1);
}
END_TEST

START_TEST(probation_packets_are_counted)
{
	/* A jump right after the first packet (still on probation): A.1
	 * restarts at once; the first packet stays counted as its own epoch. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed(&s, 100, 0, T0, true);
	struct rtp_figures f = figures_of(&s);
	ck_assert(!f.seq_validated);
	ck_assert_uint_eq(f.expected, 1);
	feed_run(&s, 9000, TS_STEP, T0 + 20 * MS, 5, NULL);
	f = figures_of(&s);
	ck_assert(f.seq_validated);
	ck_assert_uint_eq(f.packets, 6);
	ck_assert_uint_eq(f.expected, 6);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_uint_eq(f.seq_errors, 1);
}
END_TEST

START_TEST(marker_talkspurt_gap)
{
	/* 10 packets, 1 s of silence (nothing sent), then a talkspurt whose
	 * first packet carries the marker bit and a timestamp advanced by
	 * the silence: no jitter, and the 1020 ms gap is not a max delta. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed_run(&s, 10, 0, T0, 10, NULL);
	int64_t t = T0 + 9 * PTIME_MS * MS + 1020 * MS;
	uint32_t ts = 9 * TS_STEP + 1020 * (CLOCK / 1000);
	for (int i = 0; i < 10; i++)
		feed(&s, (uint16_t)(20 + i), ts + (uint32_t)i * TS_STEP, t + i * PTIME_MS * MS, i == 0);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_double_eq_tol(f.max_delta_ms, 20.0, EPS);
	ck_assert_double_eq_tol(f.mean_delta_ms, 20.0, EPS);
	ck_assert_double_eq_tol(f.jitter_ms, 0.0, EPS);
	ck_assert_double_eq_tol(f.max_jitter_ms, 0.0, EPS);
}
END_TEST

START_TEST(timestamp_jump_without_arrival_gap)
{
	/* Packet #10 has the marker bit and a timestamp 8000 ticks (1 s)
	 * ahead, yet arrives 20 ms after #9.  A.8: D = |20 - 1020| = 1000 ms,
	 * J = 1000/16 = 62.5 at #10 (left out: marker), then D = 0 and
	 * J = 62.5 * 15/16 = 58.59375 at #11, the maximum.  The mean is over
	 * the 19 intervals, the one left out (#10) counting as the mean of
	 * the ones before it. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	double j = 0.0, values[20];
	int n = 0;
	for (int i = 0; i < 20; i++) {
		uint32_t ts = (uint32_t)i * TS_STEP + (i >= 10 ? CLOCK : 0);
		feed(&s, (uint16_t)(500 + i), ts, T0 + i * PTIME_MS * MS, i == 0 || i == 10);
		if (i == 0)
			continue;
		j += ((i == 10 ? 1000.0 : 0.0) - j) / 16.0;
		double v = j;
		if (i == 10) {
			v = 0.0;
			for (int k = 0; k < n; k++)
				v += values[k] / n;
		}
		values[n++] = v;
	}
	double mean = 0.0;
	for (int k = 0; k < n; k++)
		mean += values[k] / n;
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_double_eq_tol(f.max_jitter_ms, 58.59375, EPS);
	ck_assert_double_eq_tol(f.jitter_ms, j, EPS);
	ck_assert_double_eq_tol(f.mean_jitter_ms, mean, EPS);
	ck_assert_double_eq_tol(f.max_delta_ms, 20.0, EPS);
	ck_assert_double_eq_tol(f.mean_delta_ms, 20.0, EPS);
}
END_TEST

START_TEST(controlled_jitter)
{
	/* Packets sent every 20 ms, each delayed by a known amount (us).
	 * The expected values use RFC 3550 A.8 literally, in timestamp units
	 * (transit = arrival * clock - timestamp), converted to ms at the end. */
	static const int delay_us[] = { 0, 3000, 1000, 7500, 250, 0, 12000, 4000, 4000,
					9000, 100, 2500, 0, 6000, 1500, 11000, 700, 300, 5000, 0 };
	const int n = (int)(sizeof(delay_us) / sizeof(delay_us[0]));
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	double jitter_ts = 0.0, prev_transit = 0.0, max_ms = 0.0, sum_ms = 0.0;
	double max_delta = 0.0, sum_delta = 0.0;
	int64_t prev_arrival = 0;
	for (int i = 0; i < n; i++) {
		int64_t arrival = T0 + i * PTIME_MS * MS + delay_us[i] * 1000LL;
		uint32_t ts = 1000u + (uint32_t)i * TS_STEP;
		feed(&s, (uint16_t)(7 + i), ts, arrival, i == 0);
		double arrival_ts = (double)(arrival - T0) * CLOCK / 1e9;
		double transit = arrival_ts - ts;
		if (i > 0) {
			double d = fabs(transit - prev_transit);
			jitter_ts += (d - jitter_ts) / 16.0;
			double j_ms = jitter_ts * 1000.0 / CLOCK;
			if (j_ms > max_ms)
				max_ms = j_ms;
			sum_ms += j_ms;
			double delta = (double)(arrival - prev_arrival) / 1e6;
			if (delta > max_delta)
				max_delta = delta;
			sum_delta += delta;
		}
		prev_transit = transit;
		prev_arrival = arrival;
	}
	struct rtp_figures f = figures_of(&s);
	ck_assert(f.has_jitter);
	ck_assert_double_eq_tol(f.jitter_ms, jitter_ts * 1000.0 / CLOCK, 1e-9);
	ck_assert_double_eq_tol(f.max_jitter_ms, max_ms, 1e-9);
	ck_assert_double_eq_tol(f.mean_jitter_ms, sum_ms / (n - 1), 1e-9);
	ck_assert_double_eq_tol(f.max_delta_ms, max_delta, 1e-9);
	ck_assert_double_eq_tol(f.mean_delta_ms, sum_delta / (n - 1), 1e-9);
	/* Spot check: #6 delayed 12 ms after #5 on time: D = 12 ms there. */
	ck_assert_double_eq_tol(max_delta, 32.0, 1e-9);
}
END_TEST

START_TEST(comfort_noise_and_next_packet_left_out)
{
	/* Audio, then a CN packet 200 ms later (DTX), then audio again 200 ms
	 * after it without a marker: neither gap counts as a max delta. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed_run(&s, 1, 0, T0, 5, NULL);
	int64_t t = T0 + 4 * PTIME_MS * MS;
	struct rtp_header cn = audio(6, 5 * TS_STEP, false);
	cn.pt = PT_CN;
	rtp_stats_update(&s, &cn, t + 200 * MS);
	feed(&s, 7, 5 * TS_STEP + 200 * (CLOCK / 1000), t + 400 * MS, false);
	feed(&s, 8, 5 * TS_STEP + 220 * (CLOCK / 1000), t + 420 * MS, false);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_double_eq_tol(f.max_delta_ms, 20.0, EPS);
}
END_TEST

START_TEST(no_clock_rate_no_jitter)
{
	struct rtp_stats s;
	rtp_stats_init(&s, 0, -1);
	feed_run(&s, 1, 0, T0, 10, NULL);
	struct rtp_figures f = figures_of(&s);
	ck_assert(f.has_timing);
	ck_assert(!f.has_jitter);
	ck_assert_double_eq_tol(f.max_delta_ms, 20.0, EPS);
}
END_TEST

/* One telephone-event packet. */
static void feed_event(struct rtp_stats *s, uint16_t seq, uint32_t ts, int64_t t, bool marker,
		       uint8_t event, bool end, uint16_t duration)
{
	uint8_t payload[RTP_EVENT_PAYLOAD_LEN] = { event, (uint8_t)((end ? 0x80 : 0) | 10),
						   (uint8_t)(duration >> 8), (uint8_t)duration };
	struct rtp_header h = { .marker = marker, .pt = PT_EVENT, .seq = seq, .timestamp = ts,
				.ssrc = 0x11223344, .payload = view_make(payload, sizeof(payload)) };
	rtp_stats_update(s, &h, t);
}

/* One key press as RFC 4733 2.5.1 sends it: updates every 20 ms (marker
 * on the first), the end packet, and two re-sends of the end packet with
 * the same sequence number.  Consumes 4 sequence numbers from *seq. */
static void press_key(struct rtp_stats *s, uint16_t *seq, uint32_t ts, int64_t t, uint8_t event)
{
	for (int k = 0; k < 4; k++) {
		bool end = k == 3;
		feed_event(s, (*seq)++, ts, t + k * PTIME_MS * MS, k == 0, event, end,
			   (uint16_t)((k + 1) * TS_STEP));
	}
	for (int r = 1; r <= 2; r++)
		feed_event(s, (uint16_t)(*seq - 1), ts, t + (3 * PTIME_MS + r) * MS, false, event,
			   true, 4 * TS_STEP);
}

START_TEST(telephone_events_in_the_audio_stream)
{
	/* Audio, then three key presses (1, 5, #) sharing the SSRC and the
	 * sequence space, audio between them: no loss, no duplicates, events
	 * left out of delta/jitter, digits "15#", 640-tick (80 ms) durations. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, PT_EVENT);
	uint16_t seq = 40000;
	uint32_t ts = 0;
	int64_t t = T0;
	static const uint8_t keys[] = { 1, 5, 11 };
	for (size_t k = 0; k < 3; k++) {
		for (int i = 0; i < 10; i++) {
			feed(&s, seq++, ts, t, k == 0 && i == 0);
			ts += TS_STEP;
			t += PTIME_MS * MS;
		}
		/* The key press replaces 4 audio packets (80 ms). */
		press_key(&s, &seq, ts, t, keys[k]);
		ts += 4 * TS_STEP;
		t += 4 * PTIME_MS * MS;
		/* Audio resumes with the marker bit (new talkspurt). */
		feed(&s, seq++, ts, t, true);
		ts += TS_STEP;
		t += PTIME_MS * MS;
	}
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.event_packets, 18);
	ck_assert_uint_eq(f.packets, 33 + 18);
	ck_assert_uint_eq(f.expected, 33 + 12);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert_uint_eq(f.duplicates, 0);
	ck_assert_uint_eq(s.event_retransmissions, 6);
	ck_assert_str_eq(f.events, "15#");
	ck_assert_double_eq_tol(f.max_delta_ms, 20.0, EPS);
	ck_assert_double_eq_tol(f.max_jitter_ms, 0.0, EPS);
	ck_assert_double_eq_tol(rtp_event_duration_ms(&s.events, 2, CLOCK), 80.0, EPS);
	ck_assert(f.has_mos);
	ck_assert_double_eq_tol(f.mos, 4.41, 0.005);
}
END_TEST

START_TEST(telephone_event_only_stream)
{
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, PT_EVENT);
	uint16_t seq = 7;
	press_key(&s, &seq, 123456, T0, 9);
	press_key(&s, &seq, 123456 + 8000, T0 + 1000 * MS, 9);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.packets, 12);
	ck_assert_uint_eq(f.event_packets, 12);
	ck_assert_uint_eq(f.expected, 8);
	ck_assert_uint_eq(f.lost, 0);
	ck_assert(!f.has_timing);
	ck_assert(!f.has_jitter);
	ck_assert(!f.has_mos);
	ck_assert_str_eq(f.events, "99");
}
END_TEST

START_TEST(event_decoding)
{
	const uint8_t p[] = { 11, 0x80 | 0x0a, 0x03, 0x20 };
	struct rtp_event ev;
	ck_assert_int_eq(rtp_event_decode(view_make(p, sizeof(p)), &ev), ANOMALY_NONE);
	ck_assert_uint_eq(ev.event, 11);
	ck_assert(ev.end);
	ck_assert_uint_eq(ev.volume, 10);
	ck_assert_uint_eq(ev.duration, 800);
	ck_assert_int_eq(rtp_event_digit(ev.event), '#');
	ck_assert_int_eq(rtp_event_digit(0), '0');
	ck_assert_int_eq(rtp_event_digit(10), '*');
	ck_assert_int_eq(rtp_event_digit(15), 'D');
	ck_assert_int_eq(rtp_event_digit(16), 0);
	for (size_t n = 0; n < sizeof(p); n++)
		ck_assert_int_eq(rtp_event_decode(view_make(p, n), &ev), ANOMALY_RTP_BAD);
}
END_TEST

START_TEST(event_tracker_folds_packets_into_digits)
{
	struct rtp_event_tracker t;
	rtp_event_tracker_init(&t);
	struct rtp_event ev = { .event = 4, .end = false, .volume = 10, .duration = 160 };
	ck_assert(rtp_event_tracker_update(&t, 1000, true, &ev));
	ev.duration = 320;
	ck_assert(!rtp_event_tracker_update(&t, 1000, false, &ev));
	ev.end = true;
	ev.duration = 400;
	for (int r = 0; r < 3; r++)
		ck_assert(!rtp_event_tracker_update(&t, 1000, false, &ev));
	/* A late update of the same event after its end: still one digit. */
	ev.end = false;
	ev.duration = 160;
	ck_assert(!rtp_event_tracker_update(&t, 1000, false, &ev));
	ck_assert_str_eq(t.digits, "4");
	ck_assert_double_eq_tol(rtp_event_duration_ms(&t, 0, CLOCK), 50.0, EPS);
	/* The same key again is a new digit (new timestamp). */
	ev.duration = 160;
	ck_assert(rtp_event_tracker_update(&t, 5000, true, &ev));
	/* A packet of an older event arriving late starts nothing. */
	ck_assert(!rtp_event_tracker_update(&t, 1000, false, &ev));
	/* A long event continues in a second segment (RFC 4733 2.5.1.3). */
	ev.event = 7;
	ev.duration = 0xffff;
	ck_assert(rtp_event_tracker_update(&t, 9000, true, &ev));
	ev.duration = 800;
	ck_assert(!rtp_event_tracker_update(&t, 9000 + 0xffff, false, &ev));
	ck_assert_str_eq(t.digits, "447");
	ck_assert_double_eq_tol(rtp_event_duration_ms(&t, 2, CLOCK),
				(0xffff + 800) * 1000.0 / CLOCK, EPS);
	ck_assert_double_eq_tol(rtp_event_duration_ms(&t, 3, CLOCK), -1.0, EPS);
	/* Non-DTMF events (16: flash) are counted, not written. */
	ev.event = 16;
	ck_assert(rtp_event_tracker_update(&t, 200000, true, &ev));
	ck_assert_uint_eq(t.other_events, 1);
	ck_assert_str_eq(t.digits, "447");
}
END_TEST

START_TEST(event_digits_are_bounded)
{
	struct rtp_event_tracker t;
	rtp_event_tracker_init(&t);
	struct rtp_event ev = { .event = 1, .end = true, .volume = 10, .duration = 160 };
	for (uint32_t i = 0; i < RTP_EVENT_DIGITS_MAX + 10; i++)
		rtp_event_tracker_update(&t, 1000 + i * 1000, true, &ev);
	ck_assert_uint_eq(t.digit_count, RTP_EVENT_DIGITS_MAX);
	ck_assert_uint_eq(t.digits_dropped, 10);
	ck_assert_uint_eq(strlen(t.digits), RTP_EVENT_DIGITS_MAX);
}
END_TEST

START_TEST(malformed_event_payload_counted)
{
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, PT_EVENT);
	struct rtp_header h = { .pt = PT_EVENT, .seq = 1, .timestamp = 0, .payload = view_empty() };
	rtp_stats_update(&s, &h, T0);
	ck_assert_uint_eq(s.event_malformed, 1);
	struct rtp_figures f = figures_of(&s);
	ck_assert_uint_eq(f.packets, 1);
	ck_assert_str_eq(f.events, "");
}
END_TEST

START_TEST(history_per_second)
{
	/* 3 s of packets (50 a second), #60 lost (in the 2nd second), a
	 * silent 4th second, then one packet in the 5th. */
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	for (int i = 0; i < 150; i++)
		if (i != 60)
			feed(&s, (uint16_t)i, (uint32_t)i * TS_STEP, T0 + i * PTIME_MS * MS, i == 0);
	feed(&s, 200, 200 * TS_STEP, T0 + 4000 * MS, false);
	struct rtp_second h[RTP_HISTORY_SECONDS];
	size_t n = rtp_stats_history(&s, h, RTP_HISTORY_SECONDS);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(h[0].second, T0 / 1000000000LL);
	ck_assert_uint_eq(h[0].packets, 50);
	ck_assert_uint_eq(h[1].packets, 49);
	ck_assert_uint_eq(h[1].lost, 1);
	ck_assert_uint_eq(h[2].packets, 50);
	ck_assert_uint_eq(h[3].packets, 0);
	ck_assert_uint_eq(h[4].packets, 1);
	/* 200 - 149 - 1 = 50 sequence numbers skipped. */
	ck_assert_uint_eq(h[4].lost, 50);
	/* Only the newest 2 when asked for 2. */
	n = rtp_stats_history(&s, h, 2);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(h[1].second, T0 / 1000000000LL + 4);
	/* The ring keeps RTP_HISTORY_SECONDS at most. */
	feed(&s, 201, 201 * TS_STEP, T0 + (4 + 1000) * 1000LL * MS, false);
	n = rtp_stats_history(&s, h, RTP_HISTORY_SECONDS);
	ck_assert_uint_eq(n, RTP_HISTORY_SECONDS);
	ck_assert_uint_eq(h[RTP_HISTORY_SECONDS - 1].packets, 1);
	ck_assert_uint_eq(h[0].packets, 0);
}
END_TEST

START_TEST(late_fill_reduces_history_loss)
{
	struct rtp_stats s;
	rtp_stats_init(&s, CLOCK, -1);
	feed(&s, 1, 0, T0, true);
	feed(&s, 3, 2 * TS_STEP, T0 + 40 * MS, false);
	feed(&s, 2, TS_STEP, T0 + 41 * MS, false);
	struct rtp_second h[1];
	ck_assert_uint_eq(rtp_stats_history(&s, h, 1), 1);
	ck_assert_uint_eq(h[0].lost, 0);
	ck_assert_uint_eq(h[0].packets, 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rtp_stats");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, clean_stream);
	tcase_add_test(tc, single_loss);
	tcase_add_test(tc, burst_loss);
	tcase_add_test(tc, loss_far_past_the_window);
	tcase_add_test(tc, duplicates_never_make_loss_negative);
	tcase_add_test(tc, reordering_counts_out_of_order_not_loss);
	tcase_add_test(tc, late_packet_before_the_first);
	tcase_add_test(tc, sequence_wraps);
	tcase_add_test(tc, large_jump_resyncs);
	tcase_add_test(tc, probation_packets_are_counted);
	tcase_add_test(tc, marker_talkspurt_gap);
	tcase_add_test(tc, timestamp_jump_without_arrival_gap);
	tcase_add_test(tc, controlled_jitter);
	tcase_add_test(tc, comfort_noise_and_next_packet_left_out);
	tcase_add_test(tc, no_clock_rate_no_jitter);
	tcase_add_test(tc, telephone_events_in_the_audio_stream);
	tcase_add_test(tc, telephone_event_only_stream);
	tcase_add_test(tc, event_decoding);
	tcase_add_test(tc, event_tracker_folds_packets_into_digits);
	tcase_add_test(tc, event_digits_are_bounded);
	tcase_add_test(tc, malformed_event_payload_counted);
	tcase_add_test(tc, history_per_second);
	tcase_add_test(tc, late_fill_reduces_history_loss);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
