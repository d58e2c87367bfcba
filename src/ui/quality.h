/* quality.h - the RTP quality figures the windows show, in one place:
 * loss, jitter and delta (RFC 3550 A.3/A.8) and MOS (the G.107 E-model of
 * store/emodel.h), read from each stream's struct rtp_stats.  A figure
 * that cannot be computed (no clock rate, unknown codec) says so and the
 * windows show '-'. */
#ifndef SIPMON_UI_QUALITY_H
#define SIPMON_UI_QUALITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/call.h"
#include "store/media.h"

/* Where a figure turns red by default (what VoIP engineers call audibly
 * bad); the quality.* settings of sipmon.rc change them. */
#define QUALITY_BAD_JITTER_MS 30.0
#define QUALITY_BAD_LOSS_PCT 1.0
#define QUALITY_BAD_MOS 3.6

struct stream_quality {
	bool has_loss;
	uint64_t expected, lost;
	double loss_pct;
	uint64_t duplicates, out_of_order, seq_errors;
	bool has_jitter;
	double jitter_ms, max_jitter_ms, mean_jitter_ms;
	bool has_delta;
	double max_delta_ms, mean_delta_ms;
	bool has_mos;
	double mos, r_factor;
	char events[64];                 /* RFC 4733 digits, "" when none */
	uint32_t clock_rate;
	struct stream_rtcp rtcp;         /* the far end's reports */
};

struct config;
void quality_apply_settings(const struct config *cfg);

/* Whether a figure is past its threshold (drawn in the warning colour). */
bool quality_bad_jitter(double ms);
bool quality_bad_loss(double pct);
bool quality_bad_mos(double mos);

void stream_quality_get(const struct rtp_stream *s, struct stream_quality *out);

/* The call list's summary: the codec heard (or else offered), the worst
 * loss and the lowest MOS over the dialog's streams. */
#define QUALITY_CODEC_LEN 24
struct call_quality {
	char codec[QUALITY_CODEC_LEN];   /* "" when neither heard nor offered */
	bool has_loss;
	double loss_pct;
	bool has_mos;
	double mos;
};

/* Reads the dialog; call under the store's read lock. */
void call_quality_get(const struct call *c, struct call_quality *out);

#endif
