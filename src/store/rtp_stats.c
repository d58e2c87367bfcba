/* rtp_stats.c - per-stream RTP quality (RFC 3550 A.1, A.3, A.8; RFC 4733;
 * G.107 burst ratio).  See rtp_stats.h for what is computed.
 *
 * Delta and jitter follow RFC 3550 A.8 in arrival order and Wireshark's
 * RTP analysis (tshark 4.0, -z rtp,streams) in choosing which packets
 * count, the reference users compare with, so that the numbers agree:
 *  - delta is the arrival time since the previous audio packet;
 *  - jitter is A.8's estimator J += (|D| - J) / 16 computed in ms, where D
 *    is the difference between that arrival interval and the RTP timestamp
 *    interval; every audio packet after the first updates it, including
 *    late, duplicated, marked and comfort-noise ones (a timestamp jump
 *    without an arrival gap does raise the estimate, as A.8 says);
 *  - max delta, max jitter and the means only count "regular" packets:
 *    not the first, not one with the marker bit (a talkspurt's silence is
 *    not network delay, RFC 3551 4.1), not comfort noise (RFC 3389) nor
 *    the packet right after it;
 *  - a packet stamped before the stream's first timestamp cannot be placed
 *    in time and is left out entirely;
 *  - telephone-event packets (RFC 4733) are left out of delta and jitter:
 *    their timestamp is the event's start, not their sending time
 *    (RFC 4733 2.2.1).
 * The means are Wireshark's: over all intervals of the stream, an
 * interval left out counting as the mean so far (so with no packet left
 * out it is the plain average).  Every difference from tshark is listed
 * in tests/shared/rtp_vs_tshark.md. */
#include "store/rtp_stats.h"

#include <math.h>
#include <string.h>

/* RFC 3550 A.1 constants. */
#define RTP_SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000u
#define MAX_MISORDER 100u
#define MIN_SEQUENTIAL 2u
/* bad_seq value no 16-bit sequence number can take (A.1 uses the same). */
#define RTP_SEQ_NONE (RTP_SEQ_MOD + 1)

/* RFC 3550 A.8: the estimator's gain is 1/16. */
#define RTP_JITTER_GAIN 16.0
/* RTP timestamps are 32 bits; extended ones start one wrap in so that a
 * packet older than the first never gives a negative value. */
#define RTP_TS_MOD (INT64_C(1) << 32)

/* RFC 3551 6 / RFC 3389: comfort noise (13), and 19, reserved but
 * used for comfort noise by older equipment (Wireshark treats it so). */
#define RTP_PT_CN 13
#define RTP_PT_CN_OLD 19

#define NS_PER_MS 1000000.0
#define NS_PER_SECOND INT64_C(1000000000)
#define MS_PER_SECOND 1000.0
#define PERCENT 100.0
#define WORD_BITS 64u

enum { LOSS_NONE = 0, LOSS_RECEIVED = 1, LOSS_LOST = 2 };
enum { STATE_RECEIVED = 0, STATE_LOST = 1 };

enum seq_verdict {
	SEQ_IN_ORDER,    /* new highest sequence number (maybe after a gap) */
	SEQ_LATE,        /* fills an earlier gap */
	SEQ_DUPLICATE,   /* already received */
	SEQ_JUMP,        /* A.1 large jump, not (yet) accepted */
};

/* --- sequence window ---------------------------------------------------- */

static bool window_bit(const uint64_t *w, uint64_t i)
{
	return (w[i / WORD_BITS] >> (i % WORD_BITS)) & 1u;
}

static void window_set(uint64_t *w, uint64_t i)
{
	w[i / WORD_BITS] |= UINT64_C(1) << (i % WORD_BITS);
}

/* Moves every bit from position i to i + d (bits past the end drop). */
static void window_shift(uint64_t *w, uint64_t d)
{
	if (d >= RTP_SEQ_WINDOW_BITS) {
		memset(w, 0, sizeof(uint64_t) * RTP_SEQ_WINDOW_WORDS);
		return;
	}
	size_t words = (size_t)(d / WORD_BITS);
	unsigned bits = (unsigned)(d % WORD_BITS);
	for (size_t k = RTP_SEQ_WINDOW_WORDS; k-- > 0;) {
		uint64_t v = 0;
		if (k >= words) {
			v = w[k - words] << bits;
			if (bits && k > words)
				v |= w[k - words - 1] >> (WORD_BITS - bits);
		}
		w[k] = v;
	}
}

/* Positions of the window that belong to this epoch (ext_max - base + 1,
 * at most the window). */
static uint64_t window_span(const struct rtp_stats *s)
{
	uint64_t span = s->ext_max - s->base + 1;
	return span < RTP_SEQ_WINDOW_BITS ? span : RTP_SEQ_WINDOW_BITS;
}

/* --- loss pattern (G.107 7.5 burst ratio) -------------------------------- */

static void loss_note(uint8_t *prev, uint64_t trans[2][2], bool received, uint64_t n)
{
	if (n == 0)
		return;
	int to = received ? STATE_RECEIVED : STATE_LOST;
	if (*prev != LOSS_NONE)
		trans[*prev == LOSS_RECEIVED ? STATE_RECEIVED : STATE_LOST][to]++;
	trans[to][to] += n - 1;
	*prev = received ? LOSS_RECEIVED : LOSS_LOST;
}

/* The window positions from..to (from >= to, oldest first) become final. */
static void loss_note_window(uint8_t *prev, uint64_t trans[2][2], const uint64_t *w,
			     uint64_t from, uint64_t to)
{
	for (uint64_t i = from + 1; i-- > to;)
		loss_note(prev, trans, window_bit(w, i), 1);
}

/* Every position of the epoch still in the window becomes final. */
static void loss_flush(struct rtp_stats *s)
{
	uint64_t span = window_span(s);
	loss_note_window(&s->loss_prev, s->loss_trans, s->window, span - 1, 0);
}

/* --- per-second history -------------------------------------------------- */

static size_t history_index(int64_t second)
{
	int64_t i = second % RTP_HISTORY_SECONDS;
	return (size_t)(i < 0 ? i + RTP_HISTORY_SECONDS : i);
}

static struct rtp_history_slot *history_slot(struct rtp_stats *s, int64_t second)
{
	if (!s->history_started) {
		s->history_started = true;
		s->history_first = s->history_last = second;
		memset(s->history, 0, sizeof(s->history));
	} else if (second > s->history_last) {
		/* Clear the slots of the seconds skipped, at most the ring. */
		int64_t gap = second - s->history_last;
		if (gap >= RTP_HISTORY_SECONDS) {
			memset(s->history, 0, sizeof(s->history));
		} else {
			for (int64_t t = s->history_last + 1; t <= second; t++)
				memset(&s->history[history_index(t)], 0,
				       sizeof(s->history[0]));
		}
		s->history_last = second;
	} else if (second <= s->history_last - RTP_HISTORY_SECONDS ||
		   second < s->history_first) {
		/* Older than what the ring holds (time went backwards). */
		return NULL;
	}
	return &s->history[history_index(second)];
}

/* --- RFC 3550 A.1 sequence tracking -------------------------------------- */

/* Starts an epoch at seq: A.1 init_seq, counting this packet. */
static void seq_init(struct rtp_stats *s, uint16_t seq)
{
	s->seq_started = true;
	s->ext_max = RTP_SEQ_MOD + (uint64_t)seq;
	s->base = s->ext_max;
	s->bad_seq = RTP_SEQ_NONE;
	s->received = 1;
	memset(s->window, 0, sizeof(s->window));
	window_set(s->window, 0);
	s->loss_prev = LOSS_NONE;
}

/* Closes the current epoch (before a resync) into the totals. */
static void seq_fold(struct rtp_stats *s)
{
	loss_flush(s);
	s->done_expected += s->ext_max - s->base + 1;
	s->done_received += s->received;
}

/* Advances the highest sequence number by d >= 1; returns the gap. */
static uint64_t seq_advance(struct rtp_stats *s, uint64_t d)
{
	uint64_t span = window_span(s);
	/* Positions pushed out of the window are final. */
	if (d < RTP_SEQ_WINDOW_BITS) {
		uint64_t first_out = RTP_SEQ_WINDOW_BITS - d;
		if (span > first_out)
			loss_note_window(&s->loss_prev, s->loss_trans, s->window, span - 1,
					 first_out);
	} else {
		loss_note_window(&s->loss_prev, s->loss_trans, s->window, span - 1, 0);
		/* Lost positions that never enter the window. */
		loss_note(&s->loss_prev, s->loss_trans, false, d - RTP_SEQ_WINDOW_BITS);
	}
	window_shift(s->window, d);
	window_set(s->window, 0);
	s->ext_max += d;
	s->received++;
	return d - 1;
}

/* A.1 update_seq for one packet; *gap gets how many sequence numbers an
 * in-order packet skipped. */
static enum seq_verdict seq_update(struct rtp_stats *s, uint16_t seq, uint64_t *gap)
{
	*gap = 0;
	if (!s->seq_started) {
		seq_init(s, seq);
		s->probation = MIN_SEQUENTIAL - 1;
		return SEQ_IN_ORDER;
	}
	uint16_t max_seq = (uint16_t)s->ext_max;
	uint16_t udelta = (uint16_t)(seq - max_seq);

	if (udelta == 0)
		return SEQ_DUPLICATE;
	if (udelta < MAX_DROPOUT) {
		/* In order, with a permissible gap. */
		if (s->probation > 0)
			s->probation = udelta == 1 ? s->probation - 1 : MIN_SEQUENTIAL - 1;
		*gap = seq_advance(s, udelta);
		return SEQ_IN_ORDER;
	}
	if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
		/* A very large jump. */
		if (s->probation == 0 && seq == s->bad_seq) {
			/* Two sequential packets: the sender restarted its
			 * sequence (A.1).  The jump was counted with the first
			 * of them; both go into the new epoch. */
			seq_fold(s);
			seq_init(s, (uint16_t)(seq - 1));
			seq_advance(s, 1);
			return SEQ_IN_ORDER;
		}
		s->seq_errors++;
		if (s->probation > 0) {
			/* A.1: a source still on probation restarts at once; the
			 * packets before stay counted as their own epoch. */
			seq_fold(s);
			seq_init(s, seq);
			s->probation = MIN_SEQUENTIAL - 1;
			return SEQ_IN_ORDER;
		}
		s->bad_seq = (uint32_t)(uint16_t)(seq + 1);
		return SEQ_JUMP;
	}
	/* Duplicate or late, at most MAX_MISORDER behind. */
	uint64_t back = RTP_SEQ_MOD - udelta;
	uint64_t ext = s->ext_max - back;
	if (ext < s->base) {
		/* Older than the first packet: the stream started earlier
		 * (as newer Wireshark does; A.1 and tshark 4.0 keep the
		 * first number as the base and report negative loss). */
		s->base = ext;
	} else if (window_bit(s->window, back)) {
		return SEQ_DUPLICATE;
	}
	window_set(s->window, back);
	s->received++;
	return SEQ_LATE;
}

/* --- delta and jitter ---------------------------------------------------- */

static bool is_comfort_noise(uint8_t pt)
{
	return pt == RTP_PT_CN || pt == RTP_PT_CN_OLD;
}

/* Returns true with *jitter when the packet counted as regular. */
static bool timing_update(struct rtp_stats *s, const struct rtp_header *h,
			  int64_t arrival_ns, double *jitter)
{
	if (!s->timing_started) {
		s->timing_started = true;
		s->first_ext_ts = s->ref_ext_ts = RTP_TS_MOD + (int64_t)h->timestamp;
		s->ref_arrival_ns = arrival_ns;
		s->prev_pt = h->pt;
		s->timing_packets = 1;
		return false;
	}
	/* Extend the 32-bit timestamp from the previous packet's (RFC 3550 5.1:
	 * it wraps; consecutive packets are within half its range). */
	int64_t ext_ts = s->ref_ext_ts + (int32_t)(h->timestamp - (uint32_t)s->ref_ext_ts);
	/* A packet stamped before the stream's first one cannot be placed
	 * in time: it changes neither delta nor jitter. */
	bool in_time = ext_ts >= s->first_ext_ts;
	bool regular = in_time && !h->marker && !is_comfort_noise(h->pt) &&
		       !is_comfort_noise(s->prev_pt);
	/* Intervals so far, this one included: the first packet has none. */
	double intervals = (double)s->timing_packets;
	s->prev_pt = h->pt;
	s->timing_packets++;
	if (!in_time)
		return false;

	double delta_ms = (double)(arrival_ns - s->ref_arrival_ns) / NS_PER_MS;
	if (s->clock_rate) {
		/* A.8: D is the change in transit time from the previous
		 * packet, here in ms. */
		double nominal_ms = (double)(ext_ts - s->ref_ext_ts) * MS_PER_SECOND /
				    (double)s->clock_rate;
		double d = fabs(delta_ms - nominal_ms);
		s->jitter_ms += (d - s->jitter_ms) / RTP_JITTER_GAIN;
	}
	s->ref_arrival_ns = arrival_ns;
	s->ref_ext_ts = ext_ts;
	if (!regular)
		return false;
	/* Means over all intervals, an interval left out standing in with
	 * the mean so far (Wireshark's running mean, kept for agreement). */
	s->regular_packets++;
	if (delta_ms > s->max_delta_ms)
		s->max_delta_ms = delta_ms;
	s->mean_delta_ms += (delta_ms - s->mean_delta_ms) / intervals;
	if (!s->clock_rate)
		return false;
	if (s->jitter_ms > s->max_jitter_ms)
		s->max_jitter_ms = s->jitter_ms;
	s->mean_jitter_ms += (s->jitter_ms - s->mean_jitter_ms) / intervals;
	*jitter = s->jitter_ms;
	return true;
}

/* --- public -------------------------------------------------------------- */

void rtp_stats_init(struct rtp_stats *s, uint32_t clock_rate, int telephone_event_pt)
{
	memset(s, 0, sizeof(*s));
	s->clock_rate = clock_rate;
	s->telephone_event_pt = telephone_event_pt;
	s->bad_seq = RTP_SEQ_NONE;
	rtp_event_tracker_init(&s->events);
}

void rtp_stats_update(struct rtp_stats *s, const struct rtp_header *h, int64_t arrival_ns)
{
	s->packets++;
	bool is_event = s->telephone_event_pt >= 0 && h->pt == (uint8_t)s->telephone_event_pt;
	struct rtp_event ev;
	bool event_ok = false;
	if (is_event) {
		s->event_packets++;
		event_ok = rtp_event_decode(h->payload, &ev) == ANOMALY_NONE;
		if (!event_ok)
			s->event_malformed++;
	} else {
		s->audio_packets++;
	}

	struct rtp_history_slot *slot = history_slot(s, arrival_ns / NS_PER_SECOND);
	if (slot)
		slot->packets++;

	uint64_t gap;
	switch (seq_update(s, h->seq, &gap)) {
	case SEQ_IN_ORDER:
		if (slot && gap)
			slot->lost = gap > UINT32_MAX - slot->lost ? UINT32_MAX
								   : slot->lost + (uint32_t)gap;
		break;
	case SEQ_LATE:
		s->out_of_order++;
		if (slot && slot->lost)
			slot->lost--;
		break;
	case SEQ_DUPLICATE:
		/* RFC 4733 2.5.1.4: the end of an event is sent three times;
		 * many senders (as RFC 2833 ones did) reuse its sequence
		 * number.  That is not network duplication. */
		if (event_ok && ev.end)
			s->event_retransmissions++;
		else
			s->duplicates++;
		break;
	case SEQ_JUMP:
		break;
	}

	if (is_event) {
		if (event_ok)
			rtp_event_tracker_update(&s->events, h->timestamp, h->marker, &ev);
		return;
	}
	double jitter;
	if (timing_update(s, h, arrival_ns, &jitter) && slot && jitter > slot->max_jitter_ms)
		slot->max_jitter_ms = (float)jitter;
}

void rtp_stats_figures(const struct rtp_stats *s, const struct emodel_codec *codec,
		       double rtt_ms, struct rtp_figures *out)
{
	memset(out, 0, sizeof(*out));
	out->packets = s->packets;
	uint64_t received = s->done_received;
	out->expected = s->done_expected;
	if (s->seq_started) {
		out->expected += s->ext_max - s->base + 1;
		received += s->received;
	}
	out->lost = out->expected > received ? out->expected - received : 0;
	out->lost_pct = out->expected ? PERCENT * (double)out->lost / (double)out->expected : 0.0;
	out->duplicates = s->duplicates;
	out->out_of_order = s->out_of_order;
	out->seq_errors = s->seq_errors;
	out->seq_validated = s->seq_started && s->probation == 0;

	if (s->regular_packets > 0) {
		out->has_timing = true;
		out->max_delta_ms = s->max_delta_ms;
		out->mean_delta_ms = s->mean_delta_ms;
		if (s->clock_rate) {
			out->has_jitter = true;
			out->jitter_ms = s->jitter_ms;
			out->max_jitter_ms = s->max_jitter_ms;
			out->mean_jitter_ms = s->mean_jitter_ms;
		}
	}

	/* Burst ratio: finish the chain over the positions still in the
	 * window, on a copy (figures never change the state). */
	uint8_t prev = s->loss_prev;
	uint64_t trans[2][2];
	memcpy(trans, s->loss_trans, sizeof(trans));
	if (s->seq_started)
		loss_note_window(&prev, trans, s->window, window_span(s) - 1, 0);
	uint64_t from_received = trans[STATE_RECEIVED][STATE_RECEIVED] +
				 trans[STATE_RECEIVED][STATE_LOST];
	uint64_t from_lost = trans[STATE_LOST][STATE_RECEIVED] + trans[STATE_LOST][STATE_LOST];
	double p = from_received ? (double)trans[STATE_RECEIVED][STATE_LOST] /
					   (double)from_received : 0.0;
	double q = from_lost ? (double)trans[STATE_LOST][STATE_RECEIVED] / (double)from_lost
			     : 0.0;
	out->burst_r = out->lost ? emodel_burst_ratio(p, q) : EMODEL_BURST_R_MIN;

	if (codec && s->audio_packets > 0) {
		double ta_ms = rtt_ms >= 0.0 ? rtt_ms / 2.0 : 0.0;
		out->r_factor = emodel_r(codec, out->lost_pct, out->burst_r, ta_ms);
		out->mos = emodel_mos_from_r(out->r_factor);
		out->has_mos = true;
	}

	memcpy(out->events, s->events.digits, sizeof(out->events));
	out->events[sizeof(out->events) - 1] = '\0';
	out->event_packets = s->event_packets;
}

size_t rtp_stats_history(const struct rtp_stats *s, struct rtp_second *out, size_t max)
{
	if (!s->history_started || max == 0)
		return 0;
	int64_t first = s->history_last - (RTP_HISTORY_SECONDS - 1);
	if (first < s->history_first)
		first = s->history_first;
	if ((uint64_t)(s->history_last - first) >= max)
		first = s->history_last - (int64_t)max + 1;
	size_t n = 0;
	for (int64_t t = first; t <= s->history_last; t++) {
		const struct rtp_history_slot *slot = &s->history[history_index(t)];
		out[n].second = t;
		out[n].packets = slot->packets;
		out[n].lost = slot->lost;
		out[n].max_jitter_ms = slot->max_jitter_ms;
		n++;
	}
	return n;
}
