/* rtp_stats.h - per-stream RTP quality, updated packet by packet.
 *
 * One struct rtp_stats per RTP stream (source, destination, SSRC), embedded
 * in the stream and fed every packet of it in capture order.  An update is
 * O(1) and allocates nothing; the figures are computed on demand.
 *
 * What is computed, and where it comes from:
 *  - sequence: RFC 3550 A.1 (extended highest sequence, MAX_DROPOUT,
 *    MAX_MISORDER, MIN_SEQUENTIAL probation, resync after a confirmed large
 *    jump), with two changes: the probation packets and both packets of a
 *    resync are counted (A.1 forgets them), and received counts unique
 *    sequence numbers, so duplicates never make loss negative;
 *  - expected and lost: RFC 3550 A.3, summed over resyncs;
 *  - delta and jitter: RFC 3550 A.8 in milliseconds, with Wireshark's
 *    choices of which packets count (see rtp_stats.c and
 *    tests/shared/rtp_vs_tshark.md) so that max delta and max/mean jitter
 *    equal `tshark -z rtp,streams` on ordinary streams;
 *  - loss burstiness for the E-model: a 2-state Markov chain over the
 *    final received/lost state of each sequence number (G.107 7.5);
 *  - RFC 4733 telephone-events of the same SSRC: in the sequence space,
 *    out of delta/jitter, decoded into digits. */
#ifndef SIPMON_STORE_RTP_STATS_H
#define SIPMON_STORE_RTP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/rtp.h"
#include "dissect/rtp_event.h"
#include "store/emodel.h"

/* Per-second history kept for the TUI graphs (5 minutes). */
#define RTP_HISTORY_SECONDS 300

/* Recent sequence numbers remembered for duplicate and late-packet
 * detection: more than RFC 3550 A.1's MAX_MISORDER (100), so every late
 * packet A.1 accepts is still in the window. */
#define RTP_SEQ_WINDOW_BITS 128
#define RTP_SEQ_WINDOW_WORDS (RTP_SEQ_WINDOW_BITS / 64)

struct rtp_second {
	int64_t second;          /* seconds since the epoch (arrival time) */
	uint32_t packets;        /* packets arriving in that second */
	uint32_t lost;           /* sequence gaps seen in that second, less
				    late packets that filled them */
	float max_jitter_ms;     /* largest jitter estimate in that second */
};

/* Internal history slot; the second is implied by its position. */
struct rtp_history_slot {
	uint32_t packets;
	uint32_t lost;
	float max_jitter_ms;
};

struct rtp_stats {
	/* Hot: read or written by every packet. */
	uint32_t clock_rate;             /* 0 = unknown: no jitter */
	int telephone_event_pt;          /* -1 = none */
	bool seq_started;
	uint32_t probation;              /* A.1: sequential packets still needed */
	uint32_t bad_seq;                /* A.1: seq that would confirm a jump */
	uint64_t ext_max;                /* extended highest seq (+ one cycle) */
	uint64_t base;                   /* extended first seq of this epoch */
	uint64_t received;               /* unique seqs received in this epoch */
	uint64_t window[RTP_SEQ_WINDOW_WORDS]; /* bit i: ext_max - i received */

	bool timing_started;
	uint8_t prev_pt;                 /* payload type of the last audio packet */
	int64_t ref_arrival_ns;          /* previous audio packet's arrival */
	int64_t ref_ext_ts;              /* its extended RTP timestamp */
	int64_t first_ext_ts;            /* first audio packet's */
	double jitter_ms;                /* A.8 estimate, in ms */

	/* Counters. */
	uint64_t packets;
	uint64_t audio_packets;
	uint64_t event_packets;
	uint64_t event_retransmissions;  /* RFC 4733 2.5.1.4 end packets re-sent */
	uint64_t event_malformed;
	uint64_t duplicates, out_of_order, seq_errors;
	uint64_t done_expected;          /* earlier epochs (before resyncs) */
	uint64_t done_received;

	/* Delta and jitter over the packets that count (see rtp_stats.c). */
	uint64_t timing_packets;         /* audio packets through the timing */
	uint64_t regular_packets;        /* of which counted in max/mean */
	double max_delta_ms, mean_delta_ms;
	double max_jitter_ms, mean_jitter_ms;

	/* Loss pattern: transitions between final states of consecutive
	 * sequence numbers, [from][to], 0 = received, 1 = lost. */
	uint8_t loss_prev;               /* 0 none yet, 1 received, 2 lost */
	uint64_t loss_trans[2][2];

	struct rtp_event_tracker events;

	/* Cold: per-second history ring, indexed by second modulo its size. */
	bool history_started;
	int64_t history_first, history_last;
	struct rtp_history_slot history[RTP_HISTORY_SECONDS];
};

void rtp_stats_init(struct rtp_stats *s, uint32_t clock_rate, int telephone_event_pt);

/* One RTP packet of this stream (already decoded), captured at arrival_ns
 * (ns since the epoch). */
void rtp_stats_update(struct rtp_stats *s, const struct rtp_header *h, int64_t arrival_ns);

#define RTP_EVENTS_LEN (RTP_EVENT_DIGITS_MAX + 1)

struct rtp_figures {
	uint64_t packets;            /* all packets of the SSRC incl. telephone-event */
	uint64_t expected, lost;     /* RFC 3550 A.3; lost never negative */
	double lost_pct;
	uint64_t duplicates, out_of_order, seq_errors;
	bool seq_validated;          /* A.1 probation passed */
	bool has_timing;             /* false when no delta could be computed */
	double max_delta_ms, mean_delta_ms;
	bool has_jitter;             /* false without clock rate or timing */
	double jitter_ms, max_jitter_ms, mean_jitter_ms; /* jitter_ms: current A.8 */
	double burst_r;              /* G.107 BurstR from the loss pattern */
	double r_factor;             /* valid when has_mos */
	double mos;
	bool has_mos;
	char events[RTP_EVENTS_LEN]; /* RFC 4733 digits seen, "" when none */
	uint64_t event_packets;
};

/* Figures as of now.  codec may be NULL (no MOS); rtt_ms < 0 = unknown
 * (the E-model then assumes no delay impairment). */
void rtp_stats_figures(const struct rtp_stats *s, const struct emodel_codec *codec,
		       double rtt_ms, struct rtp_figures *out);

/* Up to max most recent seconds, oldest first, seconds without packets
 * included; returns how many were written. */
size_t rtp_stats_history(const struct rtp_stats *s, struct rtp_second *out, size_t max);

#endif
