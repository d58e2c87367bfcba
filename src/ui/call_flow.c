/* call_flow.c - the call flow: a ladder with one column per address:port
 * (or per address, compressed), one arrow per SIP message labelled with
 * its method or status, time and delta, retransmissions marked, the SDP
 * each offer/answer carries, and the RTP streams as arrows.  The selected
 * message shows in a side pane when the terminal is wide enough.
 *
 * The ladder is copied from the store (bounded: FLOW_MAX_ITEMS arrows)
 * when the window opens and whenever the store changed; the dialogs are
 * held by index, so one evicted meanwhile just disappears. */
#include "ui/window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "dissect/multipart.h"
#include "dissect/sdp.h"
#include "dissect/sip.h"
#include "ui/draw.h"
#include "ui/message_text.h"
#include "ui/quality.h"
#include "util/netaddr.h"
#include "util/xalloc.h"

/* A dialog keeps at most STORE_DEFAULT_MAX_MESSAGES messages; several
 * dialogs shown together are bounded by this many arrows in all. */
#define FLOW_MAX_ITEMS 8192
#define FLOW_MAX_COLUMNS 64
#define FLOW_LABEL_LEN 64
#define FLOW_SDP_LEN 128
/* "22:13:20.002000" and a space either side. */
#define FLOW_TIME_WIDTH 17
/* Room between two lifelines for labels like "183 Session Progress". */
#define FLOW_COLUMN_MIN 24
#define FLOW_COLUMN_MAX 36
/* The side pane is worth showing from this width on. */
#define FLOW_PANE_MIN 40
#define FLOW_PANE_STEP 4
#define FLOW_TOP_LINES 3
#define FLOW_RAW_MAX (SIP_MAX_MESSAGE + 1024)

struct flow_item {
	bool is_rtp;
	struct ui_message_ref ref;
	int64_t ts_ns;
	uint64_t seq;               /* copy order, to keep sorting stable */
	struct endpoint src, dst;
	bool is_request, retransmission, has_sdp;
	uint16_t status;
	uint8_t call_slot;          /* which of the shown dialogs */
	char label[FLOW_LABEL_LEN];
	char sdp[FLOW_SDP_LEN];
	uint32_t ssrc;
	uint64_t packets;
	int from_col, to_col;
};

struct flow_column {
	struct endpoint addr;       /* port 0 in compressed mode */
	char label[ENDPOINT_STRLEN];
};

static struct {
	uint64_t calls[UI_FLOW_MAX_CALLS];
	size_t call_count;
	char title[192];
	struct flow_item *items;
	size_t count;
	bool truncated;
	struct flow_column cols[FLOW_MAX_COLUMNS];
	size_t col_count;
	bool cols_overflow;
	uint64_t generation;
	bool stale;
	size_t cursor, top;
	size_t first_col;           /* horizontal scroll */
	bool show_sdp, show_rtp, compressed, show_pane;
	int pane_extra;             /* 9/0 resize */
	/* Compare marks (Space): up to two messages. */
	struct ui_message_ref marks[2];
	size_t mark_count;
	/* The selected message's text for the side pane. */
	uint8_t *raw;
	size_t raw_len;
	struct text_rows pane_rows;
	bool initialised;
} flow;

static void flow_init(void)
{
	if (flow.initialised)
		return;
	flow.initialised = true;
	flow.show_sdp = flow.show_rtp = flow.show_pane = true;
}

void call_flow_apply_settings(const struct config *cfg)
{
	flow_init();
	bool compress = config_bool(cfg, SET_FLOW_COMPRESS);
	if (compress != flow.compressed) {
		flow.compressed = compress;
		flow.stale = true;
	}
}

void call_flow_show(struct ui *ui, const uint64_t *calls, size_t count)
{
	flow_init();
	if (count > UI_FLOW_MAX_CALLS)
		count = UI_FLOW_MAX_CALLS;
	memcpy(flow.calls, calls, count * sizeof(*calls));
	flow.call_count = count;
	flow.cursor = flow.top = flow.first_col = 0;
	flow.mark_count = 0;
	flow.stale = true;
	ui_push(ui, UI_WIN_CALL_FLOW);
}

/* --- copying the ladder ------------------------------------------------ */

/* The label of a message: the method as written, or "code reason". */
static void message_label(const struct call_message *m, char *buf, size_t cap)
{
	if (m->raw && m->raw_len) {
		struct view raw = view_make(m->raw, m->raw_len);
		long eol = view_find_byte(raw, '\n');
		struct view line = view_trim(view_sub(raw, 0, eol < 0 ? raw.len : (size_t)eol));
		if (m->is_request) {
			long sp = view_find_byte(line, ' ');
			view_to_cstr(view_sub(line, 0, sp < 0 ? line.len : (size_t)sp), buf, cap);
		} else {
			/* "SIP/2.0 200 OK" -> "200 OK" */
			long sp = view_find_byte(line, ' ');
			view_to_cstr(sp < 0 ? line : view_trim(view_from(line, (size_t)sp + 1)), buf, cap);
		}
		if (buf[0])
			return;
	}
	if (m->is_request)
		snprintf(buf, cap, "%s", sip_method_name(m->method));
	else
		snprintf(buf, cap, "%u", m->status);
}

/* "audio 192.0.2.10:21000 PCMU PCMA telephone-event" per m= line. */
static void sdp_summary(const struct call_message *m, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (!m->raw || !m->raw_len)
		return;
	struct sip_msg parsed;
	if (sip_parse(view_make(m->raw, m->raw_len), &parsed) != ANOMALY_NONE)
		return;
	struct view body;
	if (!parsed.body.len || !multipart_find_sdp(parsed.content_type, parsed.body, &body))
		return;
	static struct sdp sdp;   /* large; the UI runs on one thread */
	if (sdp_parse(body, &sdp) != ANOMALY_NONE)
		return;
	size_t used = 0;
	for (unsigned i = 0; i < sdp.media_count && used + 1 < cap; i++) {
		const struct sdp_media *md = &sdp.media[i];
		char type[16], addr[ENDPOINT_STRLEN];
		view_to_cstr(md->type, type, sizeof(type));
		if (md->addr.family) {
			struct endpoint e = { .ip = md->addr, .port = md->port };
			endpoint_format(&e, addr, sizeof(addr));
		} else {
			snprintf(addr, sizeof(addr), "?:%u", md->port);
		}
		int n = snprintf(buf + used, cap - used, "%s%s %s", i ? "; " : "", type, addr);
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
		for (unsigned f = 0; f < md->format_count && used + 1 < cap; f++) {
			const struct sdp_format *fmt = &md->formats[f];
			n = fmt->encoding[0] ? snprintf(buf + used, cap - used, " %s", fmt->encoding)
					     : snprintf(buf + used, cap - used, " %u", fmt->pt);
			if (n < 0 || (size_t)n >= cap - used)
				break;
			used += (size_t)n;
		}
		if (md->direction != SDP_DIR_UNSET && md->direction != SDP_DIR_SENDRECV) {
			n = snprintf(buf + used, cap - used, " %s", sdp_direction_name(md->direction));
			if (n > 0 && (size_t)n < cap - used)
				used += (size_t)n;
		}
	}
}

static struct flow_item *new_item(void)
{
	if (flow.count >= FLOW_MAX_ITEMS) {
		flow.truncated = true;
		return NULL;
	}
	struct flow_item *it = &flow.items[flow.count];
	memset(it, 0, sizeof(*it));
	it->seq = flow.count++;
	return it;
}

static int compare_items(const void *pa, const void *pb)
{
	const struct flow_item *a = pa, *b = pb;
	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static bool same_column(const struct flow_column *col, const struct endpoint *e, bool by_ip)
{
	if (!netaddr_eq(&col->addr.ip, &e->ip))
		return false;
	return by_ip || col->addr.port == e->port;
}

static int column_of(const struct endpoint *e, bool media)
{
	/* Media goes on the column of the same address when there is one
	 * (ports show on the arrow), as the signalling does. */
	for (size_t i = 0; i < flow.col_count; i++)
		if (same_column(&flow.cols[i], e, flow.compressed || media))
			return (int)i;
	if (flow.col_count == FLOW_MAX_COLUMNS) {
		flow.cols_overflow = true;
		return (int)flow.col_count - 1;
	}
	struct flow_column *col = &flow.cols[flow.col_count];
	col->addr = *e;
	if (flow.compressed)
		col->addr.port = 0;
	/* sipmon.rc's alias lines name addresses (with their port, or any
	 * port); a column with both shows the one with the port. */
	const struct config *cfg = ui_config();
	const char *alias = cfg ? config_alias_lookup(cfg, &e->ip, flow.compressed ? 0 : e->port)
				: NULL;
	if (alias)
		snprintf(col->label, sizeof(col->label), "%s", alias);
	else if (flow.compressed)
		netaddr_format(&e->ip, col->label, sizeof(col->label));
	else
		endpoint_format(e, col->label, sizeof(col->label));
	return (int)flow.col_count++;
}

static void layout_columns(void)
{
	flow.col_count = 0;
	flow.cols_overflow = false;
	for (size_t i = 0; i < flow.count; i++) {
		struct flow_item *it = &flow.items[i];
		if (it->is_rtp)
			continue;
		it->from_col = column_of(&it->src, false);
		it->to_col = column_of(&it->dst, false);
	}
	for (size_t i = 0; i < flow.count; i++) {
		struct flow_item *it = &flow.items[i];
		if (!it->is_rtp)
			continue;
		it->from_col = column_of(&it->src, true);
		it->to_col = column_of(&it->dst, true);
	}
}

/* Under the read lock. */
static void copy_call(const struct call *c, uint8_t slot)
{
	for (uint32_t i = 0; i < c->messages_kept; i++) {
		const struct call_message *m = call_message_at(c, i);
		struct flow_item *it = new_item();
		if (!it)
			return;
		it->ref.call_index = c->index;
		it->ref.ordinal = (uint64_t)c->messages_dropped + i;
		it->ts_ns = m->ts_ns;
		it->src = m->src;
		it->dst = m->dst;
		it->is_request = m->is_request;
		it->retransmission = m->retransmission;
		it->status = m->status;
		it->call_slot = slot;
		message_label(m, it->label, sizeof(it->label));
		/* The store marks SDP on first copies only; a resent offer
		 * carries the same SDP. */
		if (m->has_sdp || m->retransmission)
			sdp_summary(m, it->sdp, sizeof(it->sdp));
		it->has_sdp = it->sdp[0] != '\0';
	}
	for (const struct rtp_stream *s = c->streams; s; s = s->call_next) {
		struct flow_item *it = new_item();
		if (!it)
			return;
		it->is_rtp = true;
		it->ref.call_index = c->index;
		it->ts_ns = s->first_ns;
		it->src = s->src;
		it->dst = s->dst;
		it->ssrc = s->ssrc;
		it->packets = s->packets;
		it->call_slot = slot;
		char codec[MEDIA_CODEC_LEN + 8];
		if (s->codec[0])
			snprintf(codec, sizeof(codec), "%s", s->codec);
		else
			snprintf(codec, sizeof(codec), "PT %u", s->pt);
		snprintf(it->label, sizeof(it->label), "RTP %s %llu pkts", codec,
			 (unsigned long long)s->packets);
	}
}

static void copy_selected_raw(struct store *s);

static void refresh_ladder(struct ui *ui)
{
	struct store *s = ui->ctx->store;
	uint64_t gen = store_generation(s);
	if (!flow.stale && gen == flow.generation) {
		store_read_lock(s);
		copy_selected_raw(s);
		store_read_unlock(s);
		return;
	}
	if (!flow.items)
		flow.items = xcalloc(FLOW_MAX_ITEMS, sizeof(*flow.items));
	struct ui_message_ref at = { 0, 0 };
	bool at_rtp = false;
	if (flow.cursor < flow.count) {
		at = flow.items[flow.cursor].ref;
		at_rtp = flow.items[flow.cursor].is_rtp;
	}
	flow.count = 0;
	flow.truncated = false;
	store_read_lock(s);
	flow.generation = store_generation(s);
	const struct call *first = NULL;
	size_t present = 0;
	for (size_t i = 0; i < flow.call_count; i++) {
		const struct call *c = store_call_by_index(s, flow.calls[i]);
		if (!c)
			continue;
		if (!first)
			first = c;
		present++;
		copy_call(c, (uint8_t)i);
	}
	if (first && present > 1)
		snprintf(flow.title, sizeof(flow.title), "Call flow  %s  + %zu more dialog%s",
			 first->call_id, present - 1, present > 2 ? "s" : "");
	else if (first)
		snprintf(flow.title, sizeof(flow.title), "Call flow  %s", first->call_id);
	else
		snprintf(flow.title, sizeof(flow.title), "Call flow  (dialog no longer stored)");
	qsort(flow.items, flow.count, sizeof(*flow.items), compare_items);
	layout_columns();
	/* Keep the cursor on the same message. */
	if (!flow.stale && at.call_index) {
		for (size_t i = 0; i < flow.count; i++) {
			if (flow.items[i].is_rtp == at_rtp && flow.items[i].ref.call_index == at.call_index &&
			    flow.items[i].ref.ordinal == at.ordinal) {
				flow.cursor = i;
				break;
			}
		}
	}
	if (flow.cursor >= flow.count)
		flow.cursor = flow.count ? flow.count - 1 : 0;
	flow.stale = false;
	copy_selected_raw(s);
	store_read_unlock(s);
}

static const struct call_message *find_message(struct store *s, struct ui_message_ref ref)
{
	const struct call *c = store_call_by_index(s, ref.call_index);
	if (!c || ref.ordinal < c->messages_dropped)
		return NULL;
	uint64_t i = ref.ordinal - c->messages_dropped;
	return i < c->messages_kept ? call_message_at(c, (uint32_t)i) : NULL;
}

static void set_pane_text(const char *text, size_t len)
{
	if (len > FLOW_RAW_MAX)
		len = FLOW_RAW_MAX;
	flow.raw = xrealloc(flow.raw, len ? len : 1);
	memcpy(flow.raw, text, len);
	flow.raw_len = len;
}

/* Under the read lock: the text the side pane shows for the cursor. */
static void copy_selected_raw(struct store *s)
{
	flow.raw_len = 0;
	if (flow.cursor >= flow.count)
		return;
	const struct flow_item *it = &flow.items[flow.cursor];
	char info[512];
	if (it->is_rtp) {
		char a[ENDPOINT_STRLEN], b[ENDPOINT_STRLEN], t[32];
		const char *codec = it->label;
		int n = snprintf(info, sizeof(info),
				 "%s\nsource %s\ndestination %s\nSSRC 0x%08x\nfirst packet %s\n"
				 "(v shows loss, jitter and MOS)\n",
				 codec, endpoint_format(&it->src, a, sizeof(a)),
				 endpoint_format(&it->dst, b, sizeof(b)), it->ssrc,
				 draw_format_clock(it->ts_ns, true, t, sizeof(t)));
		set_pane_text(info, n > 0 ? (size_t)n : 0);
		return;
	}
	const struct call_message *m = find_message(s, it->ref);
	if (!m) {
		set_pane_text("(message no longer stored)", strlen("(message no longer stored)"));
		return;
	}
	if (!m->raw) {
		const char *none = "(message text not kept)";
		set_pane_text(none, strlen(none));
		return;
	}
	set_pane_text((const char *)m->raw, m->raw_len);
}

/* --- drawing ------------------------------------------------------------ */

static int item_height(const struct flow_item *it)
{
	return 2 + (flow.show_sdp && it->has_sdp ? 1 : 0);
}

static bool item_shown(const struct flow_item *it)
{
	return !it->is_rtp || flow.show_rtp;
}

struct geometry {
	int flow_width;     /* columns for the ladder */
	int pane_x, pane_w; /* side pane, pane_w 0 when none */
	int spacing;        /* between lifelines */
	int rows;           /* lines for arrows */
};

static void compute_geometry(struct geometry *g)
{
	int cols = (int)(flow.col_count ? flow.col_count : 1);
	int want = FLOW_TIME_WIDTH + cols * FLOW_COLUMN_MIN;
	g->pane_w = 0;
	g->pane_x = COLS;
	g->flow_width = COLS;
	if (flow.show_pane && COLS - want - 1 >= FLOW_PANE_MIN) {
		/* The ladder first (up to roomy columns), the pane gets the
		 * rest, at least FLOW_PANE_MIN. */
		int ladder_max = FLOW_TIME_WIDTH + cols * FLOW_COLUMN_MAX;
		int pane = COLS - ladder_max - 1 + flow.pane_extra;
		if (pane < FLOW_PANE_MIN)
			pane = FLOW_PANE_MIN;
		if (pane > COLS - want - 1)
			pane = COLS - want - 1;
		g->pane_w = pane;
		g->flow_width = COLS - pane - 1;
		g->pane_x = g->flow_width + 1;
	}
	g->spacing = (g->flow_width - FLOW_TIME_WIDTH) / cols;
	if (g->spacing > FLOW_COLUMN_MAX)
		g->spacing = FLOW_COLUMN_MAX;
	if (g->spacing < FLOW_COLUMN_MIN)
		g->spacing = FLOW_COLUMN_MIN;
	g->rows = LINES - FLOW_TOP_LINES - 1;
}

static int column_x(const struct geometry *g, int col)
{
	return FLOW_TIME_WIDTH + g->spacing / 2 + (col - (int)flow.first_col) * g->spacing;
}

static bool x_in_flow(const struct geometry *g, int x)
{
	return x >= FLOW_TIME_WIDTH && x < g->flow_width;
}

static void keep_cursor_visible(const struct geometry *g)
{
	if (flow.cursor < flow.top)
		flow.top = flow.cursor;
	for (;;) {
		int used = 0;
		size_t i = flow.top;
		for (; i < flow.count && i <= flow.cursor; i++)
			if (item_shown(&flow.items[i]))
				used += item_height(&flow.items[i]);
		if (used <= g->rows || flow.top >= flow.cursor)
			break;
		flow.top++;
	}
}

static void draw_arrow(const struct geometry *g, const struct flow_item *it, int y, attr_t a)
{
	int x1 = column_x(g, it->from_col), x2 = column_x(g, it->to_col);
	if (it->from_col == it->to_col) {
		/* To itself (same address:port): a short stub. */
		for (int x = x1 + 1; x <= x1 + 4; x++)
			if (x_in_flow(g, x))
				draw_glyph(y, x, GLYPH_HLINE, a);
		if (x_in_flow(g, x1 + 1))
			draw_glyph(y, x1 + 1, GLYPH_ARROW_LEFT, a);
		return;
	}
	int lo = x1 < x2 ? x1 : x2, hi = x1 < x2 ? x2 : x1;
	for (int x = lo + 1; x < hi; x++)
		if (x_in_flow(g, x))
			draw_glyph(y, x, GLYPH_HLINE, a);
	int head = x2 > x1 ? hi - 1 : lo + 1;
	if (x_in_flow(g, head))
		draw_glyph(y, head, x2 > x1 ? GLYPH_ARROW_RIGHT : GLYPH_ARROW_LEFT, a);
	if (it->is_rtp) {
		/* Media ports at the ends, as the SIP columns may use others. */
		char p[8];
		snprintf(p, sizeof(p), "%u", it->src.port);
		int px = x2 > x1 ? lo + 1 : hi - (int)strlen(p);
		if (x_in_flow(g, px))
			draw_text(y - 1, px, (int)strlen(p), p, a);
		snprintf(p, sizeof(p), "%u", it->dst.port);
		px = x2 > x1 ? hi - (int)strlen(p) : lo + 1;
		if (x_in_flow(g, px) && hi - lo > 2 * FLOW_COLUMN_MIN / 2)
			draw_text(y - 1, px, (int)strlen(p), p, a);
	}
}

static bool is_marked(const struct flow_item *it)
{
	for (size_t i = 0; i < flow.mark_count; i++)
		if (!it->is_rtp && flow.marks[i].call_index == it->ref.call_index &&
		    flow.marks[i].ordinal == it->ref.ordinal)
			return true;
	return false;
}

static attr_t item_attr(const struct flow_item *it)
{
	if (it->is_rtp)
		return draw_attr(UI_COLOR_RTP);
	if (it->retransmission)
		return draw_attr(UI_COLOR_RETRANS);
	if (it->is_request)
		return draw_attr(UI_COLOR_REQUEST);
	return it->status >= 400 ? draw_attr(UI_COLOR_BAD) : draw_attr(UI_COLOR_RESPONSE);
}

/* A label centred over its arrow; one longer than the arrow starts at
 * the arrow and runs on to the right (an SDP summary is worth reading
 * whole). */
static void draw_label(const struct geometry *g, int lo, int hi, int y, const char *text, attr_t a)
{
	int lx = lo + 1 > FLOW_TIME_WIDTH ? lo + 1 : FLOW_TIME_WIDTH;
	int span = (hi < g->flow_width ? hi : g->flow_width) - lx;
	if (span <= 0)
		return;
	if (draw_text_width(text) <= span)
		draw_text_center(y, lx, span, text, a);
	else
		draw_text(y, lx, g->flow_width - lx, text, a);
}

static void draw_ladder(const struct geometry *g)
{
	attr_t line_attr = draw_attr(UI_COLOR_DIM);
	/* Column heads and lifelines. */
	for (size_t c = flow.first_col; c < flow.col_count; c++) {
		int x = column_x(g, (int)c);
		if (!x_in_flow(g, x))
			break;
		draw_text_center(1, x - g->spacing / 2, g->spacing, flow.cols[c].label, A_BOLD);
		draw_hline(2, x - g->spacing / 2 + 1, g->spacing - 2, line_attr);
		draw_glyph(2, x, GLYPH_TEE_DOWN, line_attr);
		for (int y = FLOW_TOP_LINES; y < LINES - 1; y++)
			draw_glyph(y, x, GLYPH_VLINE, line_attr);
	}
	int y = FLOW_TOP_LINES;
	int64_t prev_ts = 0;
	for (size_t i = 0; i < flow.top && i < flow.count; i++)
		if (item_shown(&flow.items[i]) && !flow.items[i].is_rtp)
			prev_ts = flow.items[i].ts_ns;
	for (size_t i = flow.top; i < flow.count; i++) {
		const struct flow_item *it = &flow.items[i];
		if (!item_shown(it))
			continue;
		int h = item_height(it);
		if (y + h > LINES - 1)
			break;
		bool on_cursor = i == flow.cursor;
		attr_t a = on_cursor ? draw_attr(UI_COLOR_CURSOR) : item_attr(it);
		char t[32];
		draw_text(y, 1, FLOW_TIME_WIDTH - 1, draw_format_clock(it->ts_ns, true, t, sizeof(t)),
			  on_cursor ? a : A_NORMAL);
		if (is_marked(it))
			draw_text(y, 0, 1, "*", draw_attr(UI_COLOR_SELECTED));
		if (!it->is_rtp && prev_ts) {
			double delta = (double)(it->ts_ns - prev_ts) / 1e9;
			snprintf(t, sizeof(t), "+%.6f", delta);
			draw_text(y + h - 1, 1, FLOW_TIME_WIDTH - 1, t, draw_attr(UI_COLOR_DIM));
		}
		if (!it->is_rtp)
			prev_ts = it->ts_ns;
		int x1 = column_x(g, it->from_col), x2 = column_x(g, it->to_col);
		int lo = x1 < x2 ? x1 : x2, hi = x1 < x2 ? x2 : x1;
		if (hi - lo < FLOW_COLUMN_MIN)
			hi = lo + FLOW_COLUMN_MIN;
		char label[FLOW_LABEL_LEN + 16];
		snprintf(label, sizeof(label), "%s%s%s", it->label, it->has_sdp ? " (SDP)" : "",
			 it->retransmission ? " (retrans)" : "");
		draw_label(g, lo, hi, y, label, a);
		if (flow.show_sdp && it->has_sdp)
			draw_label(g, lo, hi, y + 1, it->sdp, draw_attr(UI_COLOR_SDP));
		draw_arrow(g, it, y + h - 1, a);
		y += h;
	}
}

static void draw_pane(const struct geometry *g)
{
	if (!g->pane_w)
		return;
	draw_vline(1, g->pane_x - 1, LINES - 2, draw_attr(UI_COLOR_DIM));
	text_rows_reset(&flow.pane_rows);
	if (flow.raw_len)
		text_rows_add_message(&flow.pane_rows, flow.raw, 0, (uint32_t)flow.raw_len, g->pane_w);
	int rows = LINES - 2;
	for (int r = 0; r < rows && (size_t)r < flow.pane_rows.count; r++)
		text_row_draw(flow.raw, &flow.pane_rows.rows[r], 1 + r, g->pane_x, g->pane_w, 0);
}

static const struct draw_key_hint flow_hints[] = {
	{ "Esc", "Calls", "global.back" }, { "Enter", "Raw", "flow.raw_message" },
	{ "Space", "Compare", "flow.compare" }, { "F1", "Help", "global.help" },
	{ "F2", "SDP", "flow.toggle_sdp" }, { "F3", "RTP", "flow.toggle_rtp" },
	{ "F4", "Related", "flow.related" }, { "s", "Compress", "flow.compress" },
	{ "t", "Pane", "flow.pane" }, { "v", "Quality", "flow.quality" },
};

static void flow_draw(struct ui *ui)
{
	flow_init();
	refresh_ladder(ui);
	struct geometry g;
	compute_geometry(&g);
	keep_cursor_visible(&g);
	char title[256];
	snprintf(title, sizeof(title), "%s%s", flow.title,
		 flow.truncated ? "  [first arrows only]" : "");
	draw_title_bar(ui, title);
	if (flow.count == 0)
		draw_text(FLOW_TOP_LINES + 1, 2, COLS - 2, "No message stored for this dialog.",
			  draw_attr(UI_COLOR_DIM));
	else
		draw_ladder(&g);
	draw_pane(&g);
	draw_key_bar(flow_hints, sizeof(flow_hints) / sizeof(flow_hints[0]));
}

/* --- actions ------------------------------------------------------------ */

enum flow_action {
	FLOW_UP = 1, FLOW_DOWN, FLOW_PAGE_UP, FLOW_PAGE_DOWN, FLOW_HOME, FLOW_END,
	FLOW_RAW_MESSAGE, FLOW_COMPARE, FLOW_TOGGLE_SDP, FLOW_TOGGLE_RTP, FLOW_RELATED,
	FLOW_COMPRESS, FLOW_RAW_ALL, FLOW_LEFT, FLOW_RIGHT, FLOW_PANE, FLOW_PANE_WIDER,
	FLOW_PANE_NARROWER, FLOW_QUALITY,
};

static const struct ui_binding flow_bindings[] = {
	{ { UI_FKEY(KEY_UP), 'k' }, "Up k", "Previous message", FLOW_UP, "flow.up" },
	{ { UI_FKEY(KEY_DOWN), 'j' }, "Down j", "Next message", FLOW_DOWN, "flow.down" },
	{ { UI_FKEY(KEY_PPAGE), UI_CTRL('b') }, "PgUp ^B", "Page up", FLOW_PAGE_UP, "flow.page_up" },
	{ { UI_FKEY(KEY_NPAGE), UI_CTRL('f') }, "PgDn ^F", "Page down", FLOW_PAGE_DOWN, "flow.page_down" },
	{ { UI_FKEY(KEY_HOME) }, "Home", "First message", FLOW_HOME, "flow.home" },
	{ { UI_FKEY(KEY_END) }, "End", "Last message", FLOW_END, "flow.end" },
	{ { UI_KEY_ENTER, '\r', UI_FKEY(KEY_ENTER) }, "Enter", "The selected message in the raw view (two marked: their diff)", FLOW_RAW_MESSAGE, "flow.raw_message" },
	{ { ' ' }, "Space", "Mark the message for comparison (the second mark opens the diff)", FLOW_COMPARE, "flow.compare" },
	{ { UI_FKEY(KEY_F(2)), 'd' }, "F2 d", "SDP summary lines on / off", FLOW_TOGGLE_SDP, "flow.toggle_sdp" },
	{ { UI_FKEY(KEY_F(3)), 'm' }, "F3 m", "RTP stream arrows on / off", FLOW_TOGGLE_RTP, "flow.toggle_rtp" },
	{ { UI_FKEY(KEY_F(4)), 'x' }, "F4 x", "Add related dialogs (X-Call-ID, Replaces)", FLOW_RELATED, "flow.related" },
	{ { 's' }, "s", "One column per address instead of per address:port", FLOW_COMPRESS, "flow.compress" },
	{ { UI_FKEY(KEY_F(6)), 'R', 'r' }, "F6 R", "All messages of these dialogs in the raw view", FLOW_RAW_ALL, "flow.raw_all" },
	{ { UI_FKEY(KEY_LEFT) }, "Left", "Scroll the columns left", FLOW_LEFT, "flow.left" },
	{ { UI_FKEY(KEY_RIGHT) }, "Right", "Scroll the columns right", FLOW_RIGHT, "flow.right" },
	{ { 't' }, "t", "Message pane on / off", FLOW_PANE, "flow.pane" },
	{ { '9' }, "9", "Wider message pane", FLOW_PANE_WIDER, "flow.pane_wider" },
	{ { '0' }, "0", "Narrower message pane", FLOW_PANE_NARROWER, "flow.pane_narrower" },
	{ { 'v' }, "v", "RTP streams and their quality", FLOW_QUALITY, "flow.quality" },
};

static void move_cursor(long delta)
{
	long i = (long)flow.cursor;
	long step = delta < 0 ? -1 : 1;
	long left = labs(delta);
	while (left > 0) {
		long next = i + step;
		while (next >= 0 && next < (long)flow.count && !item_shown(&flow.items[next]))
			next += step;
		if (next < 0 || next >= (long)flow.count)
			break;
		i = next;
		left--;
	}
	flow.cursor = (size_t)i;
}

static long page_items(void)
{
	long rows = LINES - FLOW_TOP_LINES - 1;
	return rows / 2 > 1 ? rows / 2 : 1;
}

static bool flow_action(struct ui *ui, int action)
{
	switch (action) {
	case FLOW_UP: move_cursor(-1); return true;
	case FLOW_DOWN: move_cursor(1); return true;
	case FLOW_PAGE_UP: move_cursor(-page_items()); return true;
	case FLOW_PAGE_DOWN: move_cursor(page_items()); return true;
	case FLOW_HOME: move_cursor(-(long)flow.count); return true;
	case FLOW_END: move_cursor((long)flow.count); return true;
	case FLOW_RAW_MESSAGE:
		if (flow.mark_count == 2) {
			raw_view_show_diff(ui, flow.marks[0], flow.marks[1]);
			flow.mark_count = 0;
		} else if (flow.cursor < flow.count && !flow.items[flow.cursor].is_rtp) {
			raw_view_show_message(ui, flow.items[flow.cursor].ref);
		} else if (flow.cursor < flow.count) {
			rtp_view_show(ui, flow.calls, flow.call_count);
		}
		return true;
	case FLOW_COMPARE: {
		if (flow.cursor >= flow.count || flow.items[flow.cursor].is_rtp)
			return true;
		const struct flow_item *it = &flow.items[flow.cursor];
		for (size_t i = 0; i < flow.mark_count; i++) {
			if (flow.marks[i].call_index == it->ref.call_index &&
			    flow.marks[i].ordinal == it->ref.ordinal) {
				flow.marks[i] = flow.marks[--flow.mark_count];
				return true;
			}
		}
		flow.marks[flow.mark_count++] = it->ref;
		if (flow.mark_count == 2) {
			raw_view_show_diff(ui, flow.marks[0], flow.marks[1]);
			flow.mark_count = 0;
		} else {
			ui_note(ui, "marked; Space on another message compares them");
		}
		return true;
	}
	case FLOW_TOGGLE_SDP: flow.show_sdp = !flow.show_sdp; return true;
	case FLOW_TOGGLE_RTP:
		flow.show_rtp = !flow.show_rtp;
		if (flow.cursor < flow.count && !item_shown(&flow.items[flow.cursor]))
			move_cursor(-1);
		return true;
	case FLOW_RELATED: {
		uint64_t more[UI_FLOW_MAX_CALLS];
		size_t n = calls_related(ui, flow.calls, flow.call_count, more, UI_FLOW_MAX_CALLS);
		if (n > flow.call_count) {
			memcpy(flow.calls, more, n * sizeof(*more));
			flow.call_count = n;
			flow.stale = true;
		}
		return true;
	}
	case FLOW_COMPRESS:
		flow.compressed = !flow.compressed;
		flow.stale = true;
		flow.first_col = 0;
		return true;
	case FLOW_RAW_ALL: raw_view_show_calls(ui, flow.calls, flow.call_count); return true;
	case FLOW_LEFT:
		if (flow.first_col > 0)
			flow.first_col--;
		return true;
	case FLOW_RIGHT:
		if (flow.first_col + 1 < flow.col_count)
			flow.first_col++;
		return true;
	case FLOW_PANE: flow.show_pane = !flow.show_pane; return true;
	case FLOW_PANE_WIDER: flow.pane_extra += FLOW_PANE_STEP; return true;
	case FLOW_PANE_NARROWER: flow.pane_extra -= FLOW_PANE_STEP; return true;
	case FLOW_QUALITY: rtp_view_show(ui, flow.calls, flow.call_count); return true;
	default: return false;
	}
}

static void flow_mouse(struct ui *ui, const MEVENT *ev)
{
	if (ev->bstate & BUTTON4_PRESSED) {
		move_cursor(-1);
		return;
	}
	if (ev->bstate & BUTTON5_PRESSED) {
		move_cursor(1);
		return;
	}
	/* A click selects the arrow drawn on that line. */
	int y = FLOW_TOP_LINES;
	for (size_t i = flow.top; i < flow.count; i++) {
		if (!item_shown(&flow.items[i]))
			continue;
		int h = item_height(&flow.items[i]);
		if (ev->y >= y && ev->y < y + h) {
			flow.cursor = i;
			if (ev->bstate & BUTTON1_DOUBLE_CLICKED)
				flow_action(ui, FLOW_RAW_MESSAGE);
			return;
		}
		y += h;
		if (y >= LINES - 1)
			return;
	}
}

const struct ui_window call_flow_window = {
	.title = "Call flow",
	.draw = flow_draw,
	.action = flow_action,
	.mouse = flow_mouse,
	.bindings = flow_bindings,
	.binding_count = sizeof(flow_bindings) / sizeof(flow_bindings[0]),
};
