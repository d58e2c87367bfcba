/* rtp_view.c - the RTP streams of the chosen dialogs and how good they
 * are, live: packets, loss, jitter, delta and MOS per stream (RFC 3550 A.3
 * and A.8, G.107), and for the stream under the cursor every figure, its
 * DTMF digits, what the far end's RTCP says, and per-second graphs of
 * jitter and loss drawn with block characters.  Figures past their
 * threshold (quality.h) are drawn in the warning colour. */
#include "ui/window.h"

#include <stdio.h>
#include <string.h>

#include "dissect/packet.h"
#include "store/rtp_stats.h"
#include "ui/draw.h"
#include "ui/quality.h"
#include "util/netaddr.h"

/* Streams listed at most: a dialog with more is unusual (re-INVITEs with
 * new SSRCs), and the count says when some were left out. */
#define RTP_MAX_STREAMS 256
#define RTP_TOP_LINES 3
/* The detail pane under the table: 6 lines of figures, 2 graphs of 2. */
#define RTP_DETAIL_LINES 11
/* Eight heights of U+2581..U+2588, and their ASCII stand-ins. */
static const char *const graph_blocks_utf8[] = {
	" ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588",
};
static const char graph_blocks_ascii[] = " .:-=+*#@";
#define GRAPH_LEVELS 8

struct stream_row {
	uint64_t call_index;
	struct endpoint src, dst;
	uint32_t ssrc;
	char codec[MEDIA_CODEC_LEN];
	uint64_t packets;
	int64_t first_ns, last_ns;
	struct stream_quality q;
};

static struct {
	uint64_t calls[UI_FLOW_MAX_CALLS];
	size_t call_count;
	struct stream_row rows[RTP_MAX_STREAMS];
	size_t count;
	bool truncated;
	size_t cursor;
	size_t announced;    /* media endpoints the SDP named */
	/* The per-second history of the stream under the cursor. */
	struct rtp_second history[RTP_HISTORY_SECONDS];
	size_t history_count;
} rtp;

void rtp_view_show(struct ui *ui, const uint64_t *calls, size_t count)
{
	if (count > UI_FLOW_MAX_CALLS)
		count = UI_FLOW_MAX_CALLS;
	memcpy(rtp.calls, calls, count * sizeof(*calls));
	rtp.call_count = count;
	rtp.cursor = 0;
	ui_push(ui, UI_WIN_RTP);
}

static void copy_streams(struct ui *ui)
{
	struct store *s = ui->ctx->store;
	rtp.count = 0;
	rtp.truncated = false;
	rtp.announced = 0;
	rtp.history_count = 0;
	store_read_lock(s);
	for (size_t k = 0; k < rtp.call_count; k++) {
		const struct call *c = store_call_by_index(s, rtp.calls[k]);
		if (!c)
			continue;
		for (const struct media_endpoint *me = c->media; me; me = me->call_next)
			rtp.announced += me->kind == MEDIA_RTP;
		for (const struct rtp_stream *st = c->streams; st; st = st->call_next) {
			if (rtp.count == RTP_MAX_STREAMS) {
				rtp.truncated = true;
				break;
			}
			struct stream_row *r = &rtp.rows[rtp.count++];
			r->call_index = c->index;
			r->src = st->src;
			r->dst = st->dst;
			r->ssrc = st->ssrc;
			if (st->codec[0])
				snprintf(r->codec, sizeof(r->codec), "%s", st->codec);
			else
				snprintf(r->codec, sizeof(r->codec), "PT %u", st->pt);
			r->packets = st->packets;
			r->first_ns = st->first_ns;
			r->last_ns = st->last_ns;
			stream_quality_get(st, &r->q);
			if (rtp.count - 1 == rtp.cursor)
				rtp.history_count = rtp_stats_history(&st->stats, rtp.history,
								      RTP_HISTORY_SECONDS);
		}
	}
	store_read_unlock(s);
	if (rtp.cursor >= rtp.count)
		rtp.cursor = rtp.count ? rtp.count - 1 : 0;
}

/* A figure or '-' when unknown. */
static void figure(char *buf, size_t cap, bool known, int decimals, double v)
{
	if (known)
		snprintf(buf, cap, "%.*f", decimals, v);
	else
		snprintf(buf, cap, "-");
}

struct rtp_column {
	const char *title;
	int width;
	bool right;
};

/* In the order they are dropped from the right on a narrow screen: the
 * verdict (loss, MOS) before the details. */
enum {
	RC_CALL, RC_SRC, RC_DST, RC_SSRC, RC_CODEC, RC_PACKETS, RC_LOST, RC_LOSS,
	RC_MOS, RC_JITTER, RC_MAX_JITTER, RC_MAX_DELTA, RC_DURATION, RC_COUNT
};

static const struct rtp_column rtp_columns[RC_COUNT] = {
	[RC_CALL] = { "Idx", 4, true },
	[RC_SRC] = { "Source", 21, false },
	[RC_DST] = { "Destination", 21, false },
	[RC_SSRC] = { "SSRC", 10, false },
	[RC_CODEC] = { "Codec", 8, false },
	[RC_PACKETS] = { "Packets", 8, true },
	[RC_LOST] = { "Lost", 6, true },
	[RC_LOSS] = { "Loss%", 6, true },
	[RC_JITTER] = { "Jitter", 7, true },
	[RC_MAX_JITTER] = { "MaxJit", 7, true },
	[RC_MAX_DELTA] = { "MaxDelta", 8, true },
	[RC_MOS] = { "MOS", 4, true },
	[RC_DURATION] = { "Duration", 8, true },
};

static void cells(const struct stream_row *r, char out[RC_COUNT][ENDPOINT_STRLEN])
{
	snprintf(out[RC_CALL], ENDPOINT_STRLEN, "%llu", (unsigned long long)r->call_index);
	endpoint_format(&r->src, out[RC_SRC], ENDPOINT_STRLEN);
	endpoint_format(&r->dst, out[RC_DST], ENDPOINT_STRLEN);
	snprintf(out[RC_SSRC], ENDPOINT_STRLEN, "0x%08x", r->ssrc);
	snprintf(out[RC_CODEC], ENDPOINT_STRLEN, "%s", r->codec);
	snprintf(out[RC_PACKETS], ENDPOINT_STRLEN, "%llu", (unsigned long long)r->packets);
	figure(out[RC_LOST], ENDPOINT_STRLEN, r->q.has_loss, 0, (double)r->q.lost);
	figure(out[RC_LOSS], ENDPOINT_STRLEN, r->q.has_loss, 1, r->q.loss_pct);
	figure(out[RC_JITTER], ENDPOINT_STRLEN, r->q.has_jitter, 1, r->q.jitter_ms);
	figure(out[RC_MAX_JITTER], ENDPOINT_STRLEN, r->q.has_jitter, 1, r->q.max_jitter_ms);
	figure(out[RC_MAX_DELTA], ENDPOINT_STRLEN, r->q.has_delta, 1, r->q.max_delta_ms);
	figure(out[RC_MOS], ENDPOINT_STRLEN, r->q.has_mos, 1, r->q.mos);
	draw_format_duration(r->last_ns - r->first_ns, out[RC_DURATION], ENDPOINT_STRLEN);
}

/* A cell's colour: the warning colour past the thresholds. */
static attr_t figure_attr(const struct stream_row *r, int column, attr_t base)
{
	bool bad = (column == RC_LOSS || column == RC_LOST) ? r->q.has_loss && quality_bad_loss(r->q.loss_pct)
		 : (column == RC_JITTER) ? r->q.has_jitter && quality_bad_jitter(r->q.jitter_ms)
		 : (column == RC_MAX_JITTER) ? r->q.has_jitter && quality_bad_jitter(r->q.max_jitter_ms)
		 : (column == RC_MOS) ? r->q.has_mos && quality_bad_mos(r->q.mos)
		 : false;
	return bad ? draw_attr(UI_COLOR_BAD) | A_BOLD : base;
}

/* One graph row: the last `width` seconds of value(), scaled to the
 * largest shown, as block characters. */
static void draw_graph(const struct ui *ui, int y, int x, int width, bool jitter)
{
	char buf[RTP_HISTORY_SECONDS * 3 + 1];
	size_t n = rtp.history_count;
	size_t shown = (size_t)width < n ? (size_t)width : n;
	size_t first = n - shown;
	double max = 0;
	for (size_t i = first; i < n; i++) {
		double v = jitter ? rtp.history[i].max_jitter_ms : rtp.history[i].lost;
		if (v > max)
			max = v;
	}
	size_t len = 0;
	for (size_t i = first; i < n; i++) {
		double v = jitter ? rtp.history[i].max_jitter_ms : rtp.history[i].lost;
		int level = max > 0 ? (int)(v / max * GRAPH_LEVELS + 0.999) : 0;
		if (level > GRAPH_LEVELS)
			level = GRAPH_LEVELS;
		if (v > 0 && level == 0)
			level = 1;
		const char *b = ui->utf8 ? graph_blocks_utf8[level] : (char[]){ graph_blocks_ascii[level], 0 };
		size_t bl = strlen(b);
		if (len + bl >= sizeof(buf))
			break;
		memcpy(buf + len, b, bl);
		len += bl;
	}
	buf[len] = '\0';
	bool bad = jitter ? quality_bad_jitter(max) : max > 0;
	draw_text(y, x, width, buf, bad ? draw_attr(UI_COLOR_BAD) : draw_attr(UI_COLOR_GOOD));
}

static void draw_detail(const struct ui *ui, int y0)
{
	if (rtp.count == 0 || y0 < RTP_TOP_LINES + 1)
		return;
	const struct stream_row *r = &rtp.rows[rtp.cursor];
	const struct stream_quality *q = &r->q;
	char a[ENDPOINT_STRLEN], b[ENDPOINT_STRLEN], line[512];
	char v1[24], v2[24], v3[24];
	draw_hline(y0, 0, COLS, draw_attr(UI_COLOR_DIM));
	snprintf(line, sizeof(line), "%s -> %s  SSRC 0x%08x  %s %u Hz  dialog %llu",
		 endpoint_format(&r->src, a, sizeof(a)), endpoint_format(&r->dst, b, sizeof(b)),
		 r->ssrc, r->codec, q->clock_rate, (unsigned long long)r->call_index);
	draw_text(y0 + 1, 1, COLS - 2, line, A_BOLD);
	snprintf(line, sizeof(line),
		 "Packets %llu   expected %llu   lost %llu (%.2f %%)   duplicates %llu   out of order %llu   sequence errors %llu",
		 (unsigned long long)r->packets, (unsigned long long)q->expected,
		 (unsigned long long)q->lost, q->loss_pct, (unsigned long long)q->duplicates,
		 (unsigned long long)q->out_of_order, (unsigned long long)q->seq_errors);
	draw_text(y0 + 2, 1, COLS - 2, line,
		  q->has_loss && quality_bad_loss(q->loss_pct) ? draw_attr(UI_COLOR_BAD) : A_NORMAL);
	figure(v1, sizeof(v1), q->has_delta, 2, q->max_delta_ms);
	figure(v2, sizeof(v2), q->has_delta, 2, q->mean_delta_ms);
	snprintf(line, sizeof(line), "Delta ms      max %s   mean %s", v1, v2);
	draw_text(y0 + 3, 1, COLS - 2, line, A_NORMAL);
	figure(v1, sizeof(v1), q->has_jitter, 2, q->jitter_ms);
	figure(v2, sizeof(v2), q->has_jitter, 2, q->max_jitter_ms);
	figure(v3, sizeof(v3), q->has_jitter, 2, q->mean_jitter_ms);
	snprintf(line, sizeof(line), "Jitter ms     now %s   max %s   mean %s", v1, v2, v3);
	draw_text(y0 + 4, 1, COLS - 2, line,
		  q->has_jitter && quality_bad_jitter(q->max_jitter_ms) ? draw_attr(UI_COLOR_BAD) : A_NORMAL);
	figure(v1, sizeof(v1), q->has_mos, 2, q->mos);
	figure(v2, sizeof(v2), q->has_mos, 1, q->r_factor);
	snprintf(line, sizeof(line), "MOS %s (R %s)   DTMF %s", v1, v2, q->events[0] ? q->events : "-");
	draw_text(y0 + 5, 1, COLS - 2, line,
		  q->has_mos && quality_bad_mos(q->mos) ? draw_attr(UI_COLOR_BAD) : A_NORMAL);
	if (q->rtcp.seen) {
		figure(v1, sizeof(v1), q->rtcp.jitter_ms >= 0, 2, q->rtcp.jitter_ms);
		figure(v2, sizeof(v2), q->rtcp.rtt_ms >= 0, 2, q->rtcp.rtt_ms);
		figure(v3, sizeof(v3), q->rtcp.mos_lq >= 0, 1, q->rtcp.mos_lq);
		snprintf(line, sizeof(line),
			 "RTCP (far end)  fraction lost %.3f   cumulative lost %d   jitter %s ms   RTT %s ms   MOS-LQ %s   reports %llu",
			 q->rtcp.fraction_lost, q->rtcp.cumulative_lost, v1, v2, v3,
			 (unsigned long long)q->rtcp.reports);
	} else {
		snprintf(line, sizeof(line), "RTCP (far end)  none seen for this SSRC");
	}
	draw_text(y0 + 6, 1, COLS - 2, line, A_NORMAL);
	/* Graphs: one column per second, newest on the right. */
	const int label = 22;
	int width = COLS - label - 2;
	if (width < 1)
		return;
	double max_j = 0, max_l = 0;
	for (size_t i = 0; i < rtp.history_count; i++) {
		if (rtp.history[i].max_jitter_ms > max_j)
			max_j = rtp.history[i].max_jitter_ms;
		if (rtp.history[i].lost > max_l)
			max_l = rtp.history[i].lost;
	}
	snprintf(line, sizeof(line), "Jitter/s  top %.1f ms", max_j);
	draw_text(y0 + 7, 1, label, line, A_NORMAL);
	draw_graph(ui, y0 + 8, label, width, true);
	snprintf(line, sizeof(line), "Lost/s    top %.0f", max_l);
	draw_text(y0 + 9, 1, label, line, A_NORMAL);
	draw_graph(ui, y0 + 10, label, width, false);
}

static void rtp_draw(struct ui *ui)
{
	copy_streams(ui);
	draw_title_bar(ui, "RTP streams");
	char line[160];
	snprintf(line, sizeof(line), "%zu stream%s in %zu dialog%s, %zu RTP endpoint%s announced in SDP%s",
		 rtp.count, rtp.count == 1 ? "" : "s", rtp.call_count, rtp.call_count == 1 ? "" : "s",
		 rtp.announced, rtp.announced == 1 ? "" : "s",
		 rtp.truncated ? "  (more streams not listed)" : "");
	draw_text(1, 1, COLS - 1, line, A_NORMAL);
	/* Lay out the columns that fit, left to right. */
	int x[RC_COUNT];
	int pos = 1;
	for (int i = 0; i < RC_COUNT; i++) {
		if (pos + rtp_columns[i].width > COLS) {
			x[i] = -1;
			continue;
		}
		x[i] = pos;
		pos += rtp_columns[i].width + 1;
	}
	attr_t ha = draw_attr(UI_COLOR_HEADER);
	draw_text_fill(RTP_TOP_LINES - 1, 0, COLS, "", ha);
	for (int i = 0; i < RC_COUNT; i++) {
		if (x[i] < 0)
			continue;
		if (rtp_columns[i].right)
			draw_text_right(RTP_TOP_LINES - 1, x[i], rtp_columns[i].width, rtp_columns[i].title, ha);
		else
			draw_text(RTP_TOP_LINES - 1, x[i], rtp_columns[i].width, rtp_columns[i].title, ha);
	}
	/* The detail pane takes the bottom when there is room for it and a
	 * few table rows. */
	int rows = LINES - RTP_TOP_LINES - 1;
	bool detail = rows >= RTP_DETAIL_LINES + 3;
	if (detail)
		rows -= RTP_DETAIL_LINES;
	size_t top = rtp.cursor >= (size_t)rows ? rtp.cursor - (size_t)rows + 1 : 0;
	for (int r = 0; r < rows && top + (size_t)r < rtp.count; r++) {
		size_t i = top + (size_t)r;
		char c[RC_COUNT][ENDPOINT_STRLEN];
		cells(&rtp.rows[i], c);
		attr_t a = i == rtp.cursor ? draw_attr(UI_COLOR_CURSOR) : A_NORMAL;
		int y = RTP_TOP_LINES + r;
		draw_text_fill(y, 0, COLS, "", a);
		for (int k = 0; k < RC_COUNT; k++) {
			if (x[k] < 0)
				continue;
			attr_t ca = figure_attr(&rtp.rows[i], k, a);
			if (rtp_columns[k].right)
				draw_text_right(y, x[k], rtp_columns[k].width, c[k], ca);
			else
				draw_text(y, x[k], rtp_columns[k].width, c[k], ca);
		}
	}
	if (detail)
		draw_detail(ui, RTP_TOP_LINES + rows);
	if (rtp.count == 0)
		draw_text(RTP_TOP_LINES + 1, 2, COLS - 2,
			  "No RTP seen for these dialogs (none flows without an SDP answer).",
			  draw_attr(UI_COLOR_DIM));
	static const struct draw_key_hint hints[] = {
		{ "Esc", "Back", "global.back" }, { "Up/Down", "Stream", NULL },
		{ "F1", "Help", "global.help" },
	};
	draw_key_bar(hints, sizeof(hints) / sizeof(hints[0]));
}

enum rtp_action { RTP_UP = 1, RTP_DOWN };

static const struct ui_binding rtp_bindings[] = {
	{ { UI_FKEY(KEY_UP), 'k' }, "Up k", "Previous stream", RTP_UP, "rtp.up" },
	{ { UI_FKEY(KEY_DOWN), 'j' }, "Down j", "Next stream", RTP_DOWN, "rtp.down" },
};

static bool rtp_action(struct ui *ui, int action)
{
	switch (action) {
	case RTP_UP:
		if (rtp.cursor > 0)
			rtp.cursor--;
		return true;
	case RTP_DOWN:
		if (rtp.cursor + 1 < rtp.count)
			rtp.cursor++;
		return true;
	default:
		return false;
	}
}

const struct ui_window rtp_view_window = {
	.title = "RTP streams",
	.draw = rtp_draw,
	.action = rtp_action,
	.bindings = rtp_bindings,
	.binding_count = sizeof(rtp_bindings) / sizeof(rtp_bindings[0]),
};
