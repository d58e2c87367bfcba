/* quality.c - RTP quality figures for the windows (see quality.h). */
#include "ui/quality.h"

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "store/emodel.h"
#include "store/rtp_stats.h"

/* The same figures the report prints (RFC 3550 A.3/A.8, G.107 MOS with
 * the RTCP round trip when known). */
void stream_quality_get(const struct rtp_stream *s, struct stream_quality *out)
{
	memset(out, 0, sizeof(*out));
	struct rtp_figures f;
	const struct emodel_codec *codec = emodel_codec_lookup(s->codec[0] ? s->codec : NULL, s->pt);
	rtp_stats_figures(&s->stats, codec, s->rtcp.rtt_ms, &f);
	out->has_loss = f.expected > 0;
	out->expected = f.expected;
	out->lost = f.lost;
	out->loss_pct = f.lost_pct;
	out->duplicates = f.duplicates;
	out->out_of_order = f.out_of_order;
	out->seq_errors = f.seq_errors;
	out->has_jitter = f.has_jitter;
	out->jitter_ms = f.jitter_ms;
	out->max_jitter_ms = f.max_jitter_ms;
	out->mean_jitter_ms = f.mean_jitter_ms;
	out->has_delta = f.has_timing;
	out->max_delta_ms = f.max_delta_ms;
	out->mean_delta_ms = f.mean_delta_ms;
	out->has_mos = f.has_mos;
	out->mos = f.mos;
	out->r_factor = f.r_factor;
	snprintf(out->events, sizeof(out->events), "%s", f.events);
	out->clock_rate = s->clock_rate;
	out->rtcp = s->rtcp;
}

/* The thresholds in force (quality.* settings). */
static struct {
	double jitter_ms, loss_pct, mos;
} bad = { QUALITY_BAD_JITTER_MS, QUALITY_BAD_LOSS_PCT, QUALITY_BAD_MOS };

void quality_apply_settings(const struct config *cfg)
{
	bad.jitter_ms = config_double(cfg, SET_QUALITY_JITTER_MS);
	bad.loss_pct = config_double(cfg, SET_QUALITY_LOSS_PCT);
	bad.mos = config_double(cfg, SET_QUALITY_MOS);
}

bool quality_bad_jitter(double ms)
{
	return ms > bad.jitter_ms;
}

bool quality_bad_loss(double pct)
{
	return pct > bad.loss_pct;
}

bool quality_bad_mos(double mos)
{
	return mos < bad.mos;
}

void call_quality_get(const struct call *c, struct call_quality *out)
{
	memset(out, 0, sizeof(*out));
	for (const struct rtp_stream *s = c->streams; s; s = s->call_next) {
		if (!out->codec[0] && s->codec[0])
			snprintf(out->codec, sizeof(out->codec), "%s", s->codec);
		struct stream_quality q;
		stream_quality_get(s, &q);
		if (q.has_loss && (!out->has_loss || q.loss_pct > out->loss_pct)) {
			out->has_loss = true;
			out->loss_pct = q.loss_pct;
		}
		if (q.has_mos && (!out->has_mos || q.mos < out->mos)) {
			out->has_mos = true;
			out->mos = q.mos;
		}
	}
	/* Before any RTP flows, what the SDP offered is what the engineer
	 * wants to know. */
	for (const struct media_endpoint *me = c->media; me && !out->codec[0]; me = me->call_next)
		if (me->kind == MEDIA_RTP && me->format_count && me->formats)
			snprintf(out->codec, sizeof(out->codec), "%s", me->formats[0].encoding);
}
