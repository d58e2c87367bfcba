/* quality.c - RTP quality figures for the windows (see quality.h). */
#include "ui/quality.h"

#include <stdio.h>
#include <string.h>

void stream_quality_get(const struct rtp_stream *s, struct stream_quality *out)
{
	memset(out, 0, sizeof(*out));
	(void)s;
	/* struct rtp_stream has no loss/jitter/MOS fields yet: every figure
	 * stays unknown.  When they land, fill them here, e.g.
	 * out->has_loss = true; out->lost = s->lost; ... */
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
