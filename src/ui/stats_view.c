/* stats_view.c - what the capture holds at a glance: capture counters,
 * drops (kernel / interface / ring), dialogs by state, requests by method,
 * responses by code, and the malformed packets by reason.
 *
 * Counting walks every stored dialog, so it runs only while this window
 * is open, at most once per STATS_REFRESH_NS, holding the read lock
 * STATS_CHUNK dialogs at a time. */
#include "ui/window.h"

#include <stdio.h>
#include <string.h>

#include "ui/draw.h"
#include "util/timefmt.h"

#define STATS_REFRESH_NS (1000LL * 1000 * 1000)
#define STATS_CHUNK 8192
/* SIP status codes are 100..699 (RFC 3261 7.2). */
#define STATUS_CODE_MAX 700
#define STATS_MAX_LINES 160
#define STATS_LINE_LEN 96
#define STATS_TOP_LINES 1
/* Two columns of text from this width on. */
#define STATS_TWO_COLUMNS_MIN 100

struct stats_line {
	char text[STATS_LINE_LEN];
	enum ui_color color;
	bool heading;
};

static struct {
	uint64_t requests[SIP_METHOD_COUNT];
	uint64_t responses[STATUS_CODE_MAX];
	uint64_t states[CALL_STATE_COMPLETED + 1];
	uint64_t dialogs, retransmissions, messages_forgotten;
	struct capture_counters capture;
	uint64_t malformed;
	struct store_stats store;
	size_t stored;
	struct drop_counters drops;
	uint64_t generation;
	int64_t computed_ns;
	bool valid;
	struct stats_line lines[STATS_MAX_LINES];
	size_t line_count;
	size_t top;
} stats;

static void count_all(struct ui *ui)
{
	struct store *s = ui->ctx->store;
	memset(stats.requests, 0, sizeof(stats.requests));
	memset(stats.responses, 0, sizeof(stats.responses));
	memset(stats.states, 0, sizeof(stats.states));
	stats.dialogs = stats.retransmissions = stats.messages_forgotten = 0;
	store_read_lock(s);
	uint64_t first = store_first_index(s), last = store_last_index(s);
	stats.generation = store_generation(s);
	if (ui->ctx->dissector) {
		stats.capture = *dissector_counters(ui->ctx->dissector);
		stats.malformed = dissector_malformed(ui->ctx->dissector);
	}
	store_get_stats(s, &stats.store);
	stats.stored = store_call_count(s);
	store_read_unlock(s);
	for (uint64_t start = first; start <= last; start += STATS_CHUNK) {
		uint64_t end = start + STATS_CHUNK - 1 < last ? start + STATS_CHUNK - 1 : last;
		store_read_lock(s);
		for (uint64_t i = start; i <= end; i++) {
			const struct call *c = store_call_by_index(s, i);
			if (!c)
				continue;
			stats.dialogs++;
			stats.retransmissions += c->retransmissions;
			stats.messages_forgotten += c->messages_dropped;
			if (c->state <= CALL_STATE_COMPLETED)
				stats.states[c->state]++;
			for (int m = 0; m < SIP_METHOD_COUNT; m++)
				stats.requests[m] += c->method_counts[m];
			/* Responses of the kept messages (counts of forgotten
			 * ones are not kept per code). */
			for (uint32_t k = 0; k < c->messages_kept; k++) {
				const struct call_message *msg = call_message_at(c, k);
				if (!msg->is_request && !msg->retransmission && msg->status < STATUS_CODE_MAX)
					stats.responses[msg->status]++;
			}
		}
		store_read_unlock(s);
	}
	if (ui->ctx->pipeline)
		pipeline_drops(ui->ctx->pipeline, &stats.drops);
	stats.computed_ns = time_monotonic_ns();
	stats.valid = true;
}

static void add_line(enum ui_color color, bool heading, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_line(enum ui_color color, bool heading, const char *fmt, ...)
{
	if (stats.line_count == STATS_MAX_LINES)
		return;
	struct stats_line *l = &stats.lines[stats.line_count++];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	l->color = color;
	l->heading = heading;
}

static void build_lines(struct ui *ui)
{
	stats.line_count = 0;
	const struct capture_counters *c = &stats.capture;
	char t1[TIMEFMT_LEN], t2[TIMEFMT_LEN];
	add_line(UI_COLOR_NORMAL, true, "Capture");
	add_line(UI_COLOR_NORMAL, false, "  packets          %llu (%llu bytes)",
		 (unsigned long long)c->packets, (unsigned long long)c->bytes);
	add_line(UI_COLOR_NORMAL, false, "  SIP messages     %llu", (unsigned long long)c->sip_messages);
	add_line(UI_COLOR_NORMAL, false, "  RTP / RTCP       %llu / %llu",
		 (unsigned long long)c->rtp_packets, (unsigned long long)c->rtcp_packets);
	add_line(UI_COLOR_NORMAL, false, "  not IP           %llu", (unsigned long long)c->not_ip);
	add_line(c->truncated ? UI_COLOR_NOTICE : UI_COLOR_NORMAL, false, "  truncated        %llu",
		 (unsigned long long)c->truncated);
	add_line(stats.malformed ? UI_COLOR_NOTICE : UI_COLOR_NORMAL, false, "  malformed        %llu",
		 (unsigned long long)stats.malformed);
	bool dropped = stats.drops.kernel || stats.drops.interface || stats.drops.ring;
	add_line(dropped ? UI_COLOR_WARN : UI_COLOR_NORMAL, false,
		 "  dropped          kernel %llu  interface %llu  ring %llu",
		 (unsigned long long)stats.drops.kernel, (unsigned long long)stats.drops.interface,
		 (unsigned long long)stats.drops.ring);
	if (c->first_ns) {
		add_line(UI_COLOR_NORMAL, false, "  first            %s",
			 time_format_rfc3339(c->first_ns, t1, sizeof(t1)));
		add_line(UI_COLOR_NORMAL, false, "  last             %s",
			 time_format_rfc3339(c->last_ns, t2, sizeof(t2)));
	}
	add_line(UI_COLOR_NORMAL, false, "%s", "");
	add_line(UI_COLOR_NORMAL, true, "Dialogs");
	add_line(UI_COLOR_NORMAL, false, "  stored           %zu (limit %u%s)", stats.stored,
		 store_get_config(ui->ctx->store)->max_calls,
		 store_get_config(ui->ctx->store)->rotate ? ", rotating" : "");
	add_line(UI_COLOR_NORMAL, false, "  created          %llu", (unsigned long long)stats.store.calls_created);
	add_line(stats.store.calls_evicted ? UI_COLOR_NOTICE : UI_COLOR_NORMAL, false,
		 "  evicted (-R)     %llu", (unsigned long long)stats.store.calls_evicted);
	add_line(stats.store.messages_over_limit ? UI_COLOR_WARN : UI_COLOR_NORMAL, false,
		 "  refused messages %llu", (unsigned long long)stats.store.messages_over_limit);
	add_line(UI_COLOR_NORMAL, false, "  retransmissions  %llu", (unsigned long long)stats.retransmissions);
	for (int st = CALL_STATE_SETUP; st <= CALL_STATE_COMPLETED; st++)
		add_line(UI_COLOR_NORMAL, false, "  %-16s %llu", call_state_name(st),
			 (unsigned long long)stats.states[st]);
	add_line(UI_COLOR_NORMAL, false, "  %-16s %llu", "other (no state)",
		 (unsigned long long)stats.states[CALL_STATE_NONE]);
	add_line(UI_COLOR_NORMAL, false, "%s", "");
	add_line(UI_COLOR_NORMAL, true, "Requests by method");
	for (int m = 0; m < SIP_METHOD_COUNT; m++)
		if (stats.requests[m])
			add_line(UI_COLOR_NORMAL, false, "  %-16s %llu", sip_method_name(m),
				 (unsigned long long)stats.requests[m]);
	add_line(UI_COLOR_NORMAL, false, "%s", "");
	add_line(UI_COLOR_NORMAL, true, "Responses by code (kept messages)");
	for (int code = 0; code < STATUS_CODE_MAX; code++)
		if (stats.responses[code])
			add_line(code >= 400 ? UI_COLOR_BAD : UI_COLOR_NORMAL, false, "  %-16d %llu", code,
				 (unsigned long long)stats.responses[code]);
	if (stats.malformed) {
		add_line(UI_COLOR_NORMAL, false, "%s", "");
		add_line(UI_COLOR_NORMAL, true, "Malformed by reason");
		for (int a = ANOMALY_NONE + 1; a < ANOMALY_COUNT; a++)
			if (c->anomalies.count[a])
				add_line(UI_COLOR_NOTICE, false, "  %-22s %llu  %s", anomaly_name(a),
					 (unsigned long long)c->anomalies.count[a], anomaly_description(a));
	}
}

static void stats_open(struct ui *ui)
{
	stats.valid = false;
	stats.top = 0;
}

static void stats_draw(struct ui *ui)
{
	int64_t now = time_monotonic_ns();
	if (!stats.valid || (store_generation(ui->ctx->store) != stats.generation &&
			     now - stats.computed_ns >= STATS_REFRESH_NS)) {
		count_all(ui);
		build_lines(ui);
	}
	draw_title_bar(ui, "Statistics");
	int rows = LINES - STATS_TOP_LINES - 1;
	if (rows < 1)
		return;
	bool two = COLS >= STATS_TWO_COLUMNS_MIN;
	int width = two ? COLS / 2 : COLS;
	size_t per_column = (size_t)rows;
	if (stats.top > stats.line_count)
		stats.top = 0;
	for (size_t i = stats.top, n = 0; i < stats.line_count; i++, n++) {
		size_t column = n / per_column;
		if (column >= (two ? 2u : 1u))
			break;
		const struct stats_line *l = &stats.lines[i];
		attr_t a = draw_attr(l->color) | (l->heading ? A_BOLD | A_UNDERLINE : 0);
		draw_text(STATS_TOP_LINES + (int)(n % per_column), (int)column * width + 1, width - 2,
			  l->text, a);
	}
	static const struct draw_key_hint hints[] = {
		{ "Esc", "Back", "global.back" }, { "Up/Down", "Scroll", NULL },
		{ "F1", "Help", "global.help" },
	};
	draw_key_bar(hints, sizeof(hints) / sizeof(hints[0]));
}

enum stats_action { STATS_UP = 1, STATS_DOWN };

static const struct ui_binding stats_bindings[] = {
	{ { UI_FKEY(KEY_UP), 'k' }, "Up k", "Scroll up", STATS_UP, "stats.up" },
	{ { UI_FKEY(KEY_DOWN), 'j' }, "Down j", "Scroll down", STATS_DOWN, "stats.down" },
};

static bool stats_action(struct ui *ui, int action)
{
	switch (action) {
	case STATS_UP:
		if (stats.top > 0)
			stats.top--;
		return true;
	case STATS_DOWN:
		if (stats.top + 1 < stats.line_count)
			stats.top++;
		return true;
	default:
		return false;
	}
}

const struct ui_window stats_view_window = {
	.title = "Statistics",
	.open = stats_open,
	.draw = stats_draw,
	.action = stats_action,
	.bindings = stats_bindings,
	.binding_count = sizeof(stats_bindings) / sizeof(stats_bindings[0]),
};
