/* raw_view.c - whole SIP messages: one message, every message of the
 * chosen dialogs in time order, or two messages side by side with the
 * lines only one of them has marked (what changed between an INVITE and
 * its re-INVITE, a 401 challenge and the retry...).  Start line, header
 * names and SDP are highlighted; long lines wrap.
 *
 * The text is copied out of the store (bounded by RAW_MAX_BYTES) when the
 * view opens, and again when the dialogs gained messages. */
#include "ui/window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dissect/packet.h"
#include "ui/draw.h"
#include "ui/message_text.h"
#include "util/netaddr.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

/* All messages of 16 dialogs of 1000 messages can be large: show the
 * first RAW_MAX_BYTES and say the rest was left out. */
#define RAW_MAX_BYTES (8u * 1024u * 1024u)
#define RAW_MAX_ROWS (1u << 20)
#define RAW_INFO_LEN 256
#define RAW_TOP_LINES 1

enum raw_mode { RAW_MESSAGE, RAW_CALLS, RAW_DIFF };

/* Where one message sits in the text buffer. */
struct raw_segment {
	uint32_t info_off, info_len;
	uint32_t msg_off, msg_len;
};

struct raw_side {
	uint8_t *text;
	size_t len, cap;
	struct raw_segment *segs;
	size_t seg_count, seg_cap;
	struct text_rows rows;
	bool truncated;
};

static struct {
	enum raw_mode mode;
	struct ui_message_ref refs[2];
	uint64_t calls[UI_FLOW_MAX_CALLS];
	size_t call_count;
	uint64_t calls_messages;     /* messages seen when last copied */
	struct raw_side side[2];
	int laid_width;
	size_t top;
	char title[256];
} rv;

/* --- copying ------------------------------------------------------------ */

static void side_reset(struct raw_side *s)
{
	s->len = 0;
	s->seg_count = 0;
	s->truncated = false;
	text_rows_reset(&s->rows);
}

static bool side_append(struct raw_side *s, const void *p, size_t n, uint32_t *off)
{
	if (s->len + n > RAW_MAX_BYTES) {
		s->truncated = true;
		return false;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n)
			cap *= 2;
		s->text = xrealloc(s->text, cap);
		s->cap = cap;
	}
	memcpy(s->text + s->len, p, n);
	*off = (uint32_t)s->len;
	s->len += n;
	return true;
}

/* "2023-11-14 22:13:20.002000", local time like the flow shows. */
static void format_when(int64_t ts_ns, char *buf, size_t cap)
{
	time_t secs = (time_t)(ts_ns / NS_PER_SEC);
	struct tm tm;
	char clock[32];
	if (!localtime_r(&secs, &tm)) {
		snprintf(buf, cap, "-");
		return;
	}
	snprintf(buf, cap, "%04d-%02d-%02d %s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 draw_format_clock(ts_ns, true, clock, sizeof(clock)));
}

/* Under the read lock. */
static void side_add_message(struct raw_side *s, const struct call *c, const struct call_message *m)
{
	char info[RAW_INFO_LEN], when[TIMEFMT_LEN], a[ENDPOINT_STRLEN], b[ENDPOINT_STRLEN];
	format_when(m->ts_ns, when, sizeof(when));
	int n = snprintf(info, sizeof(info), "%s  %s -> %s  %s  %u bytes  dialog %llu%s",
			 when, endpoint_format(&m->src, a, sizeof(a)),
			 endpoint_format(&m->dst, b, sizeof(b)), transport_name(m->transport),
			 m->wire_len, (unsigned long long)c->index,
			 m->retransmission ? "  RETRANSMISSION" : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(info))
		n = sizeof(info) - 1;
	struct raw_segment seg = { 0 };
	seg.info_len = (uint32_t)n;
	if (!side_append(s, info, (size_t)n, &seg.info_off))
		return;
	const char *none = "(message text not kept)";
	const void *body = m->raw ? (const void *)m->raw : none;
	size_t body_len = m->raw ? m->raw_len : strlen(none);
	if (!side_append(s, body, body_len, &seg.msg_off))
		return;
	seg.msg_len = (uint32_t)body_len;
	if (s->seg_count == s->seg_cap) {
		s->seg_cap = s->seg_cap ? s->seg_cap * 2 : 16;
		s->segs = xrealloc(s->segs, s->seg_cap * sizeof(*s->segs));
	}
	s->segs[s->seg_count++] = seg;
}

static const struct call_message *find_message(struct store *st, struct ui_message_ref ref,
					       const struct call **call)
{
	const struct call *c = store_call_by_index(st, ref.call_index);
	*call = c;
	if (!c || ref.ordinal < c->messages_dropped)
		return NULL;
	uint64_t i = ref.ordinal - c->messages_dropped;
	return i < c->messages_kept ? call_message_at(c, (uint32_t)i) : NULL;
}

struct msg_pos {
	int64_t ts_ns;
	uint32_t call_slot, i;
};

static int compare_pos(const void *pa, const void *pb)
{
	const struct msg_pos *a = pa, *b = pb;
	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns ? -1 : 1;
	if (a->call_slot != b->call_slot)
		return a->call_slot < b->call_slot ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* Under the read lock: every kept message of the dialogs, in time order. */
static void copy_calls(struct store *st)
{
	struct raw_side *s = &rv.side[0];
	side_reset(s);
	size_t total = 0;
	const struct call *calls[UI_FLOW_MAX_CALLS];
	uint64_t seen = 0;
	for (size_t k = 0; k < rv.call_count; k++) {
		calls[k] = store_call_by_index(st, rv.calls[k]);
		if (calls[k]) {
			total += calls[k]->messages_kept;
			seen += calls[k]->messages;
		}
	}
	rv.calls_messages = seen;
	struct msg_pos *pos = xmalloc((total ? total : 1) * sizeof(*pos));
	size_t n = 0;
	for (size_t k = 0; k < rv.call_count; k++)
		for (uint32_t i = 0; calls[k] && i < calls[k]->messages_kept; i++)
			pos[n++] = (struct msg_pos){ call_message_at(calls[k], i)->ts_ns, (uint32_t)k, i };
	qsort(pos, n, sizeof(*pos), compare_pos);
	for (size_t j = 0; j < n && !s->truncated; j++)
		side_add_message(s, calls[pos[j].call_slot],
				 call_message_at(calls[pos[j].call_slot], pos[j].i));
	free(pos);
	snprintf(rv.title, sizeof(rv.title), "Raw messages  %s%s",
		 rv.call_count && calls[0] ? calls[0]->call_id : "(dialog no longer stored)",
		 rv.call_count > 1 ? "  (+ more dialogs)" : "");
}

static void copy_refs(struct store *st)
{
	size_t sides = rv.mode == RAW_DIFF ? 2 : 1;
	for (size_t k = 0; k < sides; k++) {
		struct raw_side *s = &rv.side[k];
		side_reset(s);
		const struct call *c;
		const struct call_message *m = find_message(st, rv.refs[k], &c);
		if (m)
			side_add_message(s, c, m);
	}
	const struct call *c;
	find_message(st, rv.refs[0], &c);
	snprintf(rv.title, sizeof(rv.title), "%s  %s", rv.mode == RAW_DIFF ? "Compare messages" : "Raw message",
		 c ? c->call_id : "(dialog no longer stored)");
}

static void open_mode(struct ui *ui, enum raw_mode mode)
{
	rv.mode = mode;
	rv.top = 0;
	struct store *st = ui->ctx->store;
	store_read_lock(st);
	if (mode == RAW_CALLS)
		copy_calls(st);
	else
		copy_refs(st);
	store_read_unlock(st);
	rv.laid_width = -1;
	ui_push(ui, UI_WIN_RAW);
}

void raw_view_show_message(struct ui *ui, struct ui_message_ref msg)
{
	rv.refs[0] = msg;
	open_mode(ui, RAW_MESSAGE);
}

void raw_view_show_diff(struct ui *ui, struct ui_message_ref a, struct ui_message_ref b)
{
	rv.refs[0] = a;
	rv.refs[1] = b;
	open_mode(ui, RAW_DIFF);
}

void raw_view_show_calls(struct ui *ui, const uint64_t *calls, size_t count)
{
	if (count > UI_FLOW_MAX_CALLS)
		count = UI_FLOW_MAX_CALLS;
	memcpy(rv.calls, calls, count * sizeof(*calls));
	rv.call_count = count;
	open_mode(ui, RAW_CALLS);
}

/* --- layout ------------------------------------------------------------- */

static int side_width(void)
{
	return rv.mode == RAW_DIFF ? (COLS - 1) / 2 : COLS;
}

static void layout_side(struct raw_side *s, int width)
{
	text_rows_reset(&s->rows);
	s->rows.limit = RAW_MAX_ROWS;
	for (size_t i = 0; i < s->seg_count; i++) {
		const struct raw_segment *seg = &s->segs[i];
		text_rows_add_info(&s->rows, seg->info_off, seg->info_len);
		text_rows_add_message(&s->rows, s->text, seg->msg_off, seg->msg_len, width);
		/* An empty row between messages. */
		if (i + 1 < s->seg_count)
			text_rows_add_info(&s->rows, seg->msg_off + seg->msg_len, 0);
	}
}

/* A message line as a view, without its line end. */
static struct view line_view(const struct raw_side *s, const struct text_row *row,
			     const struct text_row *rows, size_t count, size_t at)
{
	/* Wrapped rows of one line are adjacent: join their extent. */
	uint32_t end = row->off + row->len;
	for (size_t j = at + 1; j < count && rows[j].line == row->line && rows[j].kind == row->kind &&
			       rows[j].name_len == 0 && rows[j].off == end;
	     j++)
		end = rows[j].off + rows[j].len;
	return view_make(s->text + row->off, end - row->off);
}

static bool side_has_line(const struct raw_side *s, struct view line)
{
	const struct text_rows *r = &s->rows;
	for (size_t i = 0; i < r->count; i++) {
		const struct text_row *row = &r->rows[i];
		if (row->kind == TEXT_INFO || (i > 0 && r->rows[i - 1].line == row->line &&
						    r->rows[i - 1].kind == row->kind && row->name_len == 0 &&
						    r->rows[i - 1].off + r->rows[i - 1].len == row->off))
			continue;
		if (view_eq(line_view(s, row, r->rows, r->count, i), line))
			return true;
	}
	return false;
}

/* Marks the rows of lines the other side does not have. */
static void mark_diff(struct raw_side *a, const struct raw_side *b)
{
	struct text_rows *r = &a->rows;
	bool mark = false;
	for (size_t i = 0; i < r->count; i++) {
		struct text_row *row = &r->rows[i];
		if (row->kind == TEXT_INFO) {
			row->mark = 0;
			continue;
		}
		bool continuation = i > 0 && r->rows[i - 1].line == row->line &&
				    r->rows[i - 1].kind == row->kind && row->name_len == 0 &&
				    r->rows[i - 1].off + r->rows[i - 1].len == row->off;
		if (!continuation)
			mark = !side_has_line(b, line_view(a, row, r->rows, r->count, i));
		row->mark = mark;
	}
}

static void relayout(void)
{
	int w = side_width();
	if (w == rv.laid_width)
		return;
	rv.laid_width = w;
	layout_side(&rv.side[0], w);
	if (rv.mode == RAW_DIFF) {
		layout_side(&rv.side[1], w);
		mark_diff(&rv.side[0], &rv.side[1]);
		mark_diff(&rv.side[1], &rv.side[0]);
	}
}

/* --- drawing ------------------------------------------------------------- */

static size_t page_rows(void)
{
	int h = LINES - RAW_TOP_LINES - 1;
	return h > 1 ? (size_t)h : 1;
}

static size_t max_rows(void)
{
	size_t n = rv.side[0].rows.count;
	if (rv.mode == RAW_DIFF && rv.side[1].rows.count > n)
		n = rv.side[1].rows.count;
	return n;
}

static void draw_side(const struct raw_side *s, int x, int width)
{
	size_t h = page_rows();
	for (size_t r = 0; r < h && rv.top + r < s->rows.count; r++) {
		const struct text_row *row = &s->rows.rows[rv.top + r];
		attr_t extra = row->mark ? draw_attr(UI_COLOR_DIFF) : 0;
		if (row->mark)
			draw_text_fill(RAW_TOP_LINES + (int)r, x, width, "", extra);
		text_row_draw(s->text, row, RAW_TOP_LINES + (int)r, x, width, extra);
	}
	if (s->truncated || s->rows.dropped)
		draw_text(LINES - 2, x, width, "[text cut: too large to show whole]",
			  draw_attr(UI_COLOR_WARN));
}

static const struct draw_key_hint raw_hints[] = {
	{ "Esc", "Back", "global.back" }, { "Up/Down", "Scroll", NULL },
	{ "PgUp/PgDn", "Page", NULL }, { "F1", "Help", "global.help" },
};

static void raw_refresh(struct ui *ui)
{
	if (rv.mode != RAW_CALLS)
		return;
	/* The dialogs may have gained messages since the copy. */
	struct store *st = ui->ctx->store;
	store_read_lock(st);
	uint64_t seen = 0;
	for (size_t k = 0; k < rv.call_count; k++) {
		const struct call *c = store_call_by_index(st, rv.calls[k]);
		if (c)
			seen += c->messages;
	}
	if (seen != rv.calls_messages) {
		copy_calls(st);
		rv.laid_width = -1;
	}
	store_read_unlock(st);
}

static void raw_draw(struct ui *ui)
{
	raw_refresh(ui);
	relayout();
	size_t total = max_rows(), h = page_rows();
	if (rv.top + h > total)
		rv.top = total > h ? total - h : 0;
	char title[320];
	snprintf(title, sizeof(title), "%s  [%zu/%zu]", rv.title, total ? rv.top + 1 : 0, total);
	draw_title_bar(ui, title);
	if (rv.mode == RAW_DIFF) {
		int w = side_width();
		draw_side(&rv.side[0], 0, w);
		draw_vline(RAW_TOP_LINES, w, LINES - RAW_TOP_LINES - 1, draw_attr(UI_COLOR_DIM));
		draw_side(&rv.side[1], w + 1, COLS - w - 1);
	} else {
		draw_side(&rv.side[0], 0, COLS);
	}
	if (total == 0)
		draw_text(RAW_TOP_LINES + 1, 2, COLS - 2, "No message stored.", draw_attr(UI_COLOR_DIM));
	draw_key_bar(raw_hints, sizeof(raw_hints) / sizeof(raw_hints[0]));
}

enum raw_action { RAW_UP = 1, RAW_DOWN, RAW_PAGE_UP, RAW_PAGE_DOWN, RAW_HOME, RAW_END };

static const struct ui_binding raw_bindings[] = {
	{ { UI_FKEY(KEY_UP), 'k' }, "Up k", "Scroll up", RAW_UP, "raw.up" },
	{ { UI_FKEY(KEY_DOWN), 'j' }, "Down j", "Scroll down", RAW_DOWN, "raw.down" },
	{ { UI_FKEY(KEY_PPAGE), UI_CTRL('b') }, "PgUp ^B", "Page up", RAW_PAGE_UP, "raw.page_up" },
	{ { UI_FKEY(KEY_NPAGE), UI_CTRL('f'), ' ' }, "PgDn ^F Space", "Page down", RAW_PAGE_DOWN, "raw.page_down" },
	{ { UI_FKEY(KEY_HOME), 'g' }, "Home g", "Top", RAW_HOME, "raw.home" },
	{ { UI_FKEY(KEY_END), 'G' }, "End G", "Bottom", RAW_END, "raw.end" },
};

static void scroll_by(long delta)
{
	long top = (long)rv.top + delta;
	long last = (long)max_rows() - (long)page_rows();
	if (top > last)
		top = last;
	if (top < 0)
		top = 0;
	rv.top = (size_t)top;
}

static bool raw_action(struct ui *ui, int action)
{
	switch (action) {
	case RAW_UP: scroll_by(-1); return true;
	case RAW_DOWN: scroll_by(1); return true;
	case RAW_PAGE_UP: scroll_by(-(long)page_rows()); return true;
	case RAW_PAGE_DOWN: scroll_by((long)page_rows()); return true;
	case RAW_HOME: rv.top = 0; return true;
	case RAW_END: scroll_by((long)max_rows()); return true;
	default: return false;
	}
}

static void raw_mouse(struct ui *ui, const MEVENT *ev)
{
	const long wheel_rows = 3;
	if (ev->bstate & BUTTON4_PRESSED)
		scroll_by(-wheel_rows);
	else if (ev->bstate & BUTTON5_PRESSED)
		scroll_by(wheel_rows);
}

const struct ui_window raw_view_window = {
	.title = "Raw message",
	.draw = raw_draw,
	.action = raw_action,
	.mouse = raw_mouse,
	.bindings = raw_bindings,
	.binding_count = sizeof(raw_bindings) / sizeof(raw_bindings[0]),
};
