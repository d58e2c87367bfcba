/* call_list.c - the call list: one row per dialog, live.
 *
 * The rows are a display array of dialog indexes (never pointers: a
 * dialog may be evicted with -R, or cleared).  It grows incrementally:
 * each draw looks only at dialogs created since the last one (indexes
 * above the last seen), and drops evicted ones by index (evictions only
 * ever take the oldest).  Sorting and filtering rebuild it only when the
 * user asks.  So a key press costs the visible rows, never a walk over
 * every dialog, however many are stored.  Typing into the display filter
 * re-tests only the rows shown (a longer substring can only drop rows);
 * a deleted character walks every dialog again, each test one substring
 * search over the dialog's folded text (dialog_text.h). */
#include "ui/window.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "output/pcap_writer.h"
#include "output/text_writer.h"
#include "ui/dialog_text.h"
#include "ui/draw.h"
#include "ui/quality.h"
#include "ui/text_field.h"
#include "util/netaddr.h"
#include "util/prefix_sort.h"
#include "util/xalloc.h"

enum column_id {
	COL_INDEX = 0,
	COL_METHOD,
	COL_FROM,
	COL_TO,
	COL_SRC,
	COL_DST,
	COL_MSGS,
	COL_STATE,
	COL_START,
	COL_DURATION,
	COL_CODEC,
	COL_LOSS,
	COL_MOS,
	COL_CALL_ID,
	COL_USER_AGENT,
	COL_TRANSPORT,
	COL_STATUS,
	COL_TALK,
	COL_COUNT
};

enum sort_kind { SORT_NUMBER, SORT_TEXT, SORT_ADDRESS };

struct column_def {
	const char *key;      /* in sipmon.rc: list.columns, list.sort */
	const char *title;
	const char *name;     /* in the columns dialog and help */
	int width;            /* preferred */
	int min_width;        /* flexible columns shrink to it first */
	int priority;         /* the higher, the longer it stays on a narrow screen */
	bool flexible;
	bool right_align;
	bool shown_by_default;
	enum sort_kind sort;
};

/* Widths: an IPv4 address:port is at most 21 columns and is never cut
 * (the column goes first); users and states are short; times are
 * HH:MM:SS. */
static const struct column_def columns[COL_COUNT] = {
	[COL_INDEX] = { "index", "Idx", "Index", 3, 3, 100, false, true, true, SORT_NUMBER },
	[COL_METHOD] = { "method", "Method", "Method", 9, 6, 90, false, false, true, SORT_TEXT },
	[COL_FROM] = { "from", "From", "From user", 16, 8, 85, true, false, true, SORT_TEXT },
	[COL_TO] = { "to", "To", "To user", 16, 8, 84, true, false, true, SORT_TEXT },
	[COL_SRC] = { "src", "Source", "Source address:port", 21, 21, 50, true, false, true, SORT_ADDRESS },
	[COL_DST] = { "dst", "Destination", "Destination address:port", 21, 21, 49, true, false, true, SORT_ADDRESS },
	[COL_MSGS] = { "msgs", "Msgs", "Messages", 4, 4, 70, false, true, true, SORT_NUMBER },
	[COL_STATE] = { "state", "State", "Call state", 10, 10, 80, false, false, true, SORT_TEXT },
	[COL_START] = { "start", "Start", "Start time", 8, 8, 30, false, false, true, SORT_NUMBER },
	[COL_DURATION] = { "duration", "Duration", "Duration (first to last message, live while in progress)", 8, 7, 60, false, true, true, SORT_NUMBER },
	[COL_CODEC] = { "codec", "Codec", "Codec", 5, 5, 40, false, false, true, SORT_TEXT },
	[COL_LOSS] = { "loss", "Loss%", "RTP loss % (worst stream)", 5, 5, 44, false, true, true, SORT_NUMBER },
	[COL_MOS] = { "mos", "MOS", "MOS (lowest stream)", 4, 4, 45, false, true, true, SORT_NUMBER },
	[COL_CALL_ID] = { "callid", "Call-ID", "Call-ID", 24, 12, 20, true, false, false, SORT_TEXT },
	[COL_USER_AGENT] = { "useragent", "User-Agent", "User agent", 20, 10, 10, true, false, false, SORT_TEXT },
	[COL_TRANSPORT] = { "transport", "Proto", "Transport", 5, 5, 15, false, false, false, SORT_TEXT },
	[COL_STATUS] = { "status", "Final", "Final status", 5, 5, 25, false, true, false, SORT_NUMBER },
	[COL_TALK] = { "talk", "Talk", "Talk time (answer to BYE)", 8, 7, 35, false, true, false, SORT_NUMBER },
};

/* Cells are cut to the column anyway; this bounds what one copies. */
#define CELL_LEN 96
/* Sorting compares this much of a text column (then the index): enough
 * to order users, addresses and Call-IDs, small enough that 100k keys
 * sort in a few tens of milliseconds without touching the store. */
#define SORT_TEXT_PREFIX 32
/* Filtering every dialog holds the read lock this many dialogs at a time,
 * so the capture never waits long behind a rebuild. */
#define REBUILD_CHUNK 8192
/* Lines kept for the header above the rows and the key bar below. */
#define LIST_TOP_LINES 4
#define LIST_BOTTOM_LINES 1
#define LIST_FIRST_ROW LIST_TOP_LINES
#define MOUSE_WHEEL_ROWS 3
#define MAX_VISIBLE_ROWS 512

struct list_row {
	uint64_t index;
	int64_t num;                     /* numeric sort key */
	char text[SORT_TEXT_PREFIX];     /* text sort key (prefix) */
};

struct row_view {
	uint64_t index;
	char cells[COL_COUNT][CELL_LEN];
	enum call_state state;
	bool selected;
};

static struct {
	struct list_row *rows;
	size_t count, cap;
	uint64_t seen_last;   /* dialogs up to this index were considered */
	uint64_t floor;       /* dialogs up to this index were cleared */
	size_t cursor, top;
	bool autoscroll;
	bool autoscroll_from_settings;  /* list.autoscroll is yes or no */
	bool user_moved;
	enum column_id sort_col;
	bool sort_desc;
	bool shown[COL_COUNT];
	/* Shown columns left to right (list.columns), and widths the user
	 * set (0: the column's own). */
	enum column_id order[COL_COUNT];
	size_t order_count;
	int width[COL_COUNT];
	/* Multi-selection: sorted indexes. */
	uint64_t *selected;
	size_t selected_count, selected_cap;
	/* Display filter typed in place. */
	struct text_field search;
	char search_applied[TEXT_FIELD_MAX + 1];
	struct dialog_needle search_needle;   /* search_applied, folded */
	char search_before[TEXT_FIELD_MAX + 1];
	char display_setting[TEXT_FIELD_MAX + 1];  /* filter.display last applied */
	bool searching;
	/* Visible columns for the current width. */
	int col_x[COL_COUNT], col_w[COL_COUNT];
	bool col_visible[COL_COUNT];
	int layout_cols;
	uint64_t layout_digits;
	struct row_view view[MAX_VISIBLE_ROWS];
	size_t view_count;
	bool initialised;
} list;

static void list_init(void)
{
	if (list.initialised)
		return;
	list.initialised = true;
	list.autoscroll = true;
	list.sort_col = COL_INDEX;
	for (int i = 0; i < COL_COUNT; i++) {
		list.shown[i] = columns[i].shown_by_default;
		if (list.shown[i])
			list.order[list.order_count++] = (enum column_id)i;
	}
}

/* --- cells ---------------------------------------------------------- */

static int64_t call_duration_ns(const struct call *c, int64_t now)
{
	bool in_progress = c->state == CALL_STATE_SETUP || c->state == CALL_STATE_IN_CALL;
	int64_t end = in_progress && now > c->end_ns ? now : c->end_ns;
	return end >= c->start_ns ? end - c->start_ns : 0;
}

static int64_t call_talk_ns(const struct call *c, int64_t now)
{
	if (!c->answer_ns)
		return -1;
	int64_t end = c->bye_ns ? c->bye_ns : (c->state == CALL_STATE_IN_CALL ? now : c->end_ns);
	return end >= c->answer_ns ? end - c->answer_ns : 0;
}

static const char *user_or_uri(const char *user, const char *uri)
{
	return user && user[0] ? user : (uri ? uri : "");
}

static void cell_text(const struct call *c, enum column_id col, int64_t now, char *buf, size_t cap)
{
	struct call_quality q;
	switch (col) {
	case COL_INDEX:
		snprintf(buf, cap, "%llu", (unsigned long long)c->index);
		break;
	case COL_METHOD:
		snprintf(buf, cap, "%s", sip_method_name(c->first_method));
		break;
	case COL_FROM:
		snprintf(buf, cap, "%s", user_or_uri(c->from_user, c->from_uri));
		break;
	case COL_TO:
		snprintf(buf, cap, "%s", user_or_uri(c->to_user, c->to_uri));
		break;
	case COL_SRC:
		endpoint_format(&c->src, buf, cap);
		break;
	case COL_DST:
		endpoint_format(&c->dst, buf, cap);
		break;
	case COL_MSGS:
		snprintf(buf, cap, "%u", c->messages);
		break;
	case COL_STATE: {
		const char *name = call_state_name(c->state);
		/* Other dialogs have no state: their outcome is the answer. */
		if (name)
			snprintf(buf, cap, "%s", name);
		else if (c->final_status)
			snprintf(buf, cap, "%u", c->final_status);
		else
			snprintf(buf, cap, "%s", "");
		break;
	}
	case COL_START:
		draw_format_clock(c->start_ns, false, buf, cap);
		break;
	case COL_DURATION:
		draw_format_duration(call_duration_ns(c, now), buf, cap);
		break;
	case COL_CODEC:
		call_quality_get(c, &q);
		snprintf(buf, cap, "%s", q.codec[0] ? q.codec : "-");
		break;
	case COL_LOSS:
		call_quality_get(c, &q);
		if (q.has_loss)
			snprintf(buf, cap, "%.1f", q.loss_pct);
		else
			snprintf(buf, cap, "-");
		break;
	case COL_MOS:
		call_quality_get(c, &q);
		if (q.has_mos)
			snprintf(buf, cap, "%.1f", q.mos);
		else
			snprintf(buf, cap, "-");
		break;
	case COL_CALL_ID:
		snprintf(buf, cap, "%s", c->call_id ? c->call_id : "");
		break;
	case COL_USER_AGENT:
		snprintf(buf, cap, "%s", c->user_agent ? c->user_agent : "");
		break;
	case COL_TRANSPORT:
		snprintf(buf, cap, "%s", transport_name(c->transport));
		break;
	case COL_STATUS:
		if (c->final_status)
			snprintf(buf, cap, "%u", c->final_status);
		else
			snprintf(buf, cap, "-");
		break;
	case COL_TALK:
		draw_format_duration(call_talk_ns(c, now), buf, cap);
		break;
	default:
		buf[0] = '\0';
	}
}

/* Numeric sort key; unknown figures sort first. */
static int64_t cell_number(const struct call *c, enum column_id col, int64_t now)
{
	struct call_quality q;
	/* Figures are compared in thousandths so one decimal survives. */
	const double milli = 1000.0;
	switch (col) {
	case COL_INDEX: return (int64_t)c->index;
	case COL_MSGS: return c->messages;
	case COL_START: return c->start_ns;
	case COL_DURATION: return call_duration_ns(c, now);
	case COL_TALK: return call_talk_ns(c, now);
	case COL_STATUS: return c->final_status;
	case COL_LOSS:
		call_quality_get(c, &q);
		return q.has_loss ? (int64_t)(q.loss_pct * milli) : -1;
	case COL_MOS:
		call_quality_get(c, &q);
		return q.has_mos ? (int64_t)(q.mos * milli) : -1;
	default: return 0;
	}
}

/* Addresses sort as numbers (10.0.0.9 before 10.0.0.10): family, bytes,
 * port in network order. */
#define ADDRESS_KEY_LEN (1 + 16 + 2)
_Static_assert(ADDRESS_KEY_LEN <= SORT_TEXT_PREFIX, "address keys fit a row's key");

static void address_key(const struct endpoint *e, char *key)
{
	key[0] = (char)e->ip.family;
	memcpy(key + 1, e->ip.bytes, sizeof(e->ip.bytes));
	key[1 + 16] = (char)(e->port >> 8);
	key[1 + 16 + 1] = (char)(e->port & 0xff);
}

/* The text a text column sorts by, without formatting it. */
static const char *sort_text(const struct call *c, enum column_id col, char *buf, size_t cap)
{
	struct call_quality q;
	switch (col) {
	case COL_METHOD: return sip_method_name(c->first_method);
	case COL_FROM: return user_or_uri(c->from_user, c->from_uri);
	case COL_TO: return user_or_uri(c->to_user, c->to_uri);
	case COL_CALL_ID: return c->call_id ? c->call_id : "";
	case COL_USER_AGENT: return c->user_agent ? c->user_agent : "";
	case COL_TRANSPORT: return transport_name(c->transport);
	case COL_STATE: {
		const char *name = call_state_name(c->state);
		return name ? name : "";
	}
	case COL_CODEC:
		call_quality_get(c, &q);
		snprintf(buf, cap, "%s", q.codec);
		return buf;
	default:
		buf[0] = '\0';
		return buf;
	}
}

static void fill_sort_key(struct list_row *r, const struct call *c, int64_t now)
{
	r->index = c->index;
	r->num = 0;
	r->text[0] = '\0';
	switch (columns[list.sort_col].sort) {
	case SORT_NUMBER:
		r->num = cell_number(c, list.sort_col, now);
		break;
	case SORT_ADDRESS:
		address_key(list.sort_col == COL_SRC ? &c->src : &c->dst, r->text);
		break;
	case SORT_TEXT: {
		/* Lower-cased once here, so comparing is a plain strcmp. */
		char buf[QUALITY_CODEC_LEN];
		const char *t = sort_text(c, list.sort_col, buf, sizeof(buf));
		size_t i = 0;
		for (; i + 1 < sizeof(r->text) && t[i]; i++)
			r->text[i] = (char)tolower((unsigned char)t[i]);
		r->text[i] = '\0';
		break;
	}
	}
}

/* A row sorted by index needs nothing from its dialog. */
static void index_row(struct list_row *r, uint64_t index)
{
	r->index = index;
	r->num = (int64_t)index;
	r->text[0] = '\0';
}

static int compare_rows_ascending(const void *pa, const void *pb)
{
	const struct list_row *a = pa, *b = pb;
	int r = 0;
	switch (columns[list.sort_col].sort) {
	case SORT_NUMBER: r = (a->num > b->num) - (a->num < b->num); break;
	case SORT_ADDRESS: r = memcmp(a->text, b->text, ADDRESS_KEY_LEN); break;
	case SORT_TEXT: r = strcmp(a->text, b->text); break;
	}
	if (r == 0)
		r = (a->index > b->index) - (a->index < b->index);
	return r;
}

static int compare_rows(const void *pa, const void *pb)
{
	int r = compare_rows_ascending(pa, pb);
	return list.sort_desc ? -r : r;
}

static bool sorted_by_index(void)
{
	return list.sort_col == COL_INDEX;
}

/* Ties on every key are broken by the index, so the descending order is
 * the ascending one backwards. */
static void reverse_rows(struct list_row *rows, size_t n)
{
	for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
		struct list_row t = rows[i];
		rows[i] = rows[j - 1];
		rows[j - 1] = t;
	}
}

/* --- sorting ------------------------------------------------------------ */

/* A 64-bit prefix of a row's key that orders as compare_rows_ascending()
 * does (util/prefix_sort.h). */
static uint64_t row_prefix(const void *p)
{
	const struct list_row *r = p;
	switch (columns[list.sort_col].sort) {
	case SORT_NUMBER:
		/* Flipping the sign bit orders signed numbers as unsigned. */
		return (uint64_t)r->num ^ (UINT64_C(1) << 63);
	case SORT_ADDRESS:
		return prefix_of_bytes(r->text, ADDRESS_KEY_LEN, false);
	case SORT_TEXT:
		return prefix_of_bytes(r->text, sizeof(r->text), true);
	}
	return 0;
}

/* Sorts rows by the list's sort column and direction. */
static void sort_rows(struct list_row *rows, size_t n)
{
	prefix_sort(rows, n, sizeof(*rows), row_prefix, compare_rows_ascending);
	if (list.sort_desc)
		reverse_rows(rows, n);
}

/* --- filtering --------------------------------------------------------- */

/* Under the read lock, for dialog index (which is c).  Both filters
 * search the dialog's folded text (dialog_text.h): a test is one
 * substring search, not the formatting and folding of five strings. */
static bool search_passes(uint64_t index, const struct call *c)
{
	return !list.search_needle.len ||
	       dialog_text_contains(dialog_text_of(index, c), &list.search_needle);
}

static bool filter_passes(uint64_t index, const struct call *c)
{
	if (!call_filter_active())
		return true;
	struct dialog_text *t = dialog_text_of(index, c);
	return call_filter_identity_match(c, t) && call_filter_payload_match(c, t);
}

static bool row_passes(uint64_t index, const struct call *c)
{
	return search_passes(index, c) && filter_passes(index, c);
}

/* --- the display array -------------------------------------------------- */

static void rows_reserve(size_t n)
{
	list.rows = xreserve(list.rows, &list.cap, n, sizeof(*list.rows), 1024);
}

static size_t find_row(uint64_t index)
{
	if (sorted_by_index() && !list.sort_desc) {
		size_t lo = 0, hi = list.count;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (list.rows[mid].index < index)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo < list.count && list.rows[lo].index == index ? lo : list.count;
	}
	for (size_t i = 0; i < list.count; i++)
		if (list.rows[i].index == index)
			return i;
	return list.count;
}

static uint64_t cursor_index(void)
{
	return list.cursor < list.count ? list.rows[list.cursor].index : 0;
}

/* Puts the cursor back on dialog `index` after the rows moved. */
static void restore_cursor(uint64_t index)
{
	if (!index || list.count == 0) {
		list.cursor = 0;
		return;
	}
	size_t at = find_row(index);
	if (at < list.count)
		list.cursor = at;
	else if (list.cursor >= list.count)
		list.cursor = list.count - 1;
}

/* Sorts rows [from, count) and merges them into the sorted [0, from). */
static void merge_new_rows(size_t from)
{
	size_t fresh = list.count - from;
	if (fresh == 0)
		return;
	sort_rows(list.rows + from, fresh);
	if (from == 0 || compare_rows(&list.rows[from - 1], &list.rows[from]) <= 0)
		return;
	struct list_row *merged = xmalloc(list.count * sizeof(*merged));
	size_t a = 0, b = from, o = 0;
	while (a < from && b < list.count)
		merged[o++] = compare_rows(&list.rows[a], &list.rows[b]) <= 0 ? list.rows[a++]
									       : list.rows[b++];
	while (a < from)
		merged[o++] = list.rows[a++];
	while (b < list.count)
		merged[o++] = list.rows[b++];
	free(list.rows);
	list.rows = merged;
	list.cap = list.count;
}

/* Drops rows of dialogs the store no longer has: -R evicts the oldest,
 * so they are exactly the indexes below store_first_index(). */
static void drop_evicted(uint64_t first)
{
	if (list.count == 0 || first <= 1)
		return;
	uint64_t at_cursor = cursor_index();
	size_t o = 0;
	if (sorted_by_index() && !list.sort_desc) {
		size_t skip = 0;
		while (skip < list.count && list.rows[skip].index < first)
			skip++;
		if (skip == 0)
			return;
		memmove(list.rows, list.rows + skip, (list.count - skip) * sizeof(*list.rows));
		o = list.count - skip;
	} else {
		for (size_t i = 0; i < list.count; i++)
			if (list.rows[i].index >= first)
				list.rows[o++] = list.rows[i];
		if (o == list.count)
			return;
	}
	list.count = o;
	restore_cursor(at_cursor);
}

/* A dialog the F7 filter turned away while it was still going on may
 * match later (a payload regex on its BYE): it is tested again whenever
 * it gained messages, until it ends.  Bounded: past RECHECK_MAX such
 * dialogs, the oldest wait for the next rebuild. */
#define RECHECK_MAX 4096

struct recheck {
	uint64_t index;
	uint32_t messages;    /* when last tested */
};

/* A ring, oldest at recheck_head: a full queue forgets its oldest in
 * constant time (a filter that turns away 100k live dialogs at once
 * pushes them all through it). */
static struct recheck recheck_queue[RECHECK_MAX];
static size_t recheck_head, recheck_count;

static struct recheck *recheck_at(size_t i)
{
	return &recheck_queue[(recheck_head + i) % RECHECK_MAX];
}

static bool call_in_progress(const struct call *c)
{
	if (c->first_method == SIP_METHOD_INVITE)
		return c->state == CALL_STATE_SETUP || c->state == CALL_STATE_IN_CALL;
	return c->final_status == 0;
}

static void recheck_add(const struct call *c)
{
	if (!call_in_progress(c))
		return;
	if (recheck_count == RECHECK_MAX) {
		recheck_head = (recheck_head + 1) % RECHECK_MAX;
		recheck_count--;
	}
	*recheck_at(recheck_count++) = (struct recheck){ c->index, c->messages };
}

/* row_passes(), and a dialog the F7 payload regex turns away is queued
 * to be tested again as it changes.  What the search and F7's other
 * fields turn away stays away: they read only what the dialog's first
 * message set. */
static bool row_admitted(uint64_t index, const struct call *c)
{
	if (!search_passes(index, c))
		return false;
	if (!call_filter_active())
		return true;
	struct dialog_text *t = dialog_text_of(index, c);
	if (!call_filter_identity_match(c, t))
		return false;
	if (call_filter_payload_match(c, t))
		return true;
	recheck_add(c);
	return false;
}

static void append_row(const struct call *c, int64_t now)
{
	rows_reserve(list.count + 1);
	struct list_row *r = &list.rows[list.count++];
	if (sorted_by_index())
		index_row(r, c->index);
	else
		fill_sort_key(r, c, now);
}

/* Under the read lock: dialogs turned away that now pass join the rows. */
static void recheck_rejected(struct store *s, int64_t now)
{
	size_t o = 0;
	for (size_t i = 0; i < recheck_count; i++) {
		struct recheck q = *recheck_at(i);
		const struct call *c = store_call_by_index(s, q.index);
		if (!c || q.index <= list.floor)
			continue;
		if (c->messages != q.messages) {
			q.messages = c->messages;
			if (row_passes(q.index, c)) {
				append_row(c, now);
				continue;
			}
			if (!call_in_progress(c))
				continue;
		}
		*recheck_at(o++) = q;
	}
	recheck_count = o;
}

/* Under the read lock: takes in the dialogs created since the last call. */
static void absorb_new(struct store *s, int64_t now)
{
	uint64_t first = store_first_index(s), last = store_last_index(s);
	drop_evicted(first);
	dialog_text_forget_before(first);
	if (list.seen_last < list.floor)
		list.seen_last = list.floor;
	size_t before = list.count;
	bool at_end = list.count == 0 || list.cursor + 1 >= list.count;
	bool filtering = list.search_applied[0] || call_filter_active();
	if (filtering && recheck_count)
		recheck_rejected(s, now);
	size_t before_new = list.count;
	uint64_t from = list.seen_last + 1 > first ? list.seen_last + 1 : first;
	for (uint64_t i = from; i <= last; i++) {
		const struct call *c = store_call_by_index(s, i);
		if (!c)
			continue;
		/* Folded as it arrives, even with no filter yet: the cost
		 * is spread over the capture instead of landing on the
		 * first key typed into a filter. */
		dialog_text_of(i, c);
		if (filtering && !row_admitted(i, c))
			continue;
		append_row(c, now);
	}
	if (last > list.seen_last)
		list.seen_last = last;
	if (list.count == before)
		return;
	uint64_t keep = cursor_index();
	if (sorted_by_index() && list.sort_desc && before_new == before) {
		/* Newest first: the new rows go on top, newest first. */
		size_t fresh = list.count - before;
		struct list_row *tmp = xmalloc(fresh * sizeof(*tmp));
		for (size_t i = 0; i < fresh; i++)
			tmp[i] = list.rows[list.count - 1 - i];
		memmove(list.rows + fresh, list.rows, before * sizeof(*list.rows));
		memcpy(list.rows, tmp, fresh * sizeof(*tmp));
		free(tmp);
	} else if (!sorted_by_index() || list.sort_desc || before_new != before) {
		/* Rows of rechecked dialogs are older than the rest: merge. */
		merge_new_rows(before);
	}
	/* Autoscroll follows new dialogs unless the user moved away. */
	if (list.autoscroll && (!list.user_moved || at_end) && sorted_by_index())
		list.cursor = list.sort_desc ? 0 : list.count - 1;
	else
		restore_cursor(keep);
}

/* Rebuilds the rows from every stored dialog: on a new filter or sort.
 * The read lock is released every REBUILD_CHUNK dialogs. */
static void rebuild(struct ui *ui)
{
	struct store *s = ui->ctx->store;
	uint64_t keep = cursor_index();
	list.count = 0;
	recheck_count = 0;
	int64_t now = ui_now_ns(ui);
	store_read_lock(s);
	uint64_t first = store_first_index(s), last = store_last_index(s);
	store_read_unlock(s);
	if (first <= list.floor)
		first = list.floor + 1;
	bool filtering = list.search_applied[0] || call_filter_active();
	for (uint64_t start = first; start <= last; start += REBUILD_CHUNK) {
		uint64_t end = start + REBUILD_CHUNK - 1 < last ? start + REBUILD_CHUNK - 1 : last;
		store_read_lock(s);
		for (uint64_t i = start; i <= end; i++) {
			const struct call *c = store_call_by_index(s, i);
			if (!c)
				continue;
			if (filtering && !row_admitted(i, c))
				continue;
			rows_reserve(list.count + 1);
			struct list_row *r = &list.rows[list.count++];
			/* The index order needs no look into the dialog. */
			if (sorted_by_index())
				index_row(r, i);
			else
				fill_sort_key(r, c, now);
		}
		store_read_unlock(s);
	}
	list.seen_last = last > list.seen_last ? last : list.seen_last;
	if (!sorted_by_index())
		sort_rows(list.rows, list.count);
	else if (list.sort_desc)
		reverse_rows(list.rows, list.count);
	restore_cursor(keep);
}

/* Narrows the rows to those still matching (the search only got
 * stricter: typing more characters of a substring).  The rows passed the
 * F7 filter when they came in and only the search changed, so only the
 * search is tested: a payload regex is not run again per key. */
static void narrow(struct ui *ui)
{
	struct store *s = ui->ctx->store;
	uint64_t keep = cursor_index();
	size_t o = 0;
	store_read_lock(s);
	for (size_t i = 0; i < list.count; i++) {
		uint64_t index = list.rows[i].index;
		const struct call *c = store_call_by_index(s, index);
		if (c && search_passes(index, c))
			list.rows[o++] = list.rows[i];
	}
	store_read_unlock(s);
	list.count = o;
	restore_cursor(keep);
}

/* Makes the rows follow the display filter as typed.  Keys only edit the
 * text; this runs before anything reads the rows (a draw, an action, a
 * click), so the keys of one burst (a paste, a held Backspace) cost one
 * pass.  A dialog whose text contains the new search contains the old
 * one (the new one contains it), so typing only ever drops rows: the
 * rows shown are tested again, not every dialog.  Anything else (a
 * character deleted) may bring rows back and goes over every dialog. */
static void apply_search(struct ui *ui)
{
	const char *text = list.search.text;
	if (strcmp(text, list.search_applied) == 0)
		return;
	bool stricter = strcasestr(text, list.search_applied) != NULL;
	snprintf(list.search_applied, sizeof(list.search_applied), "%s", text);
	dialog_needle_set(&list.search_needle, list.search_applied);
	if (stricter)
		narrow(ui);
	else
		rebuild(ui);
}

void call_list_refilter(struct ui *ui)
{
	rebuild(ui);
}

void call_list_forget_all(struct ui *ui)
{
	store_read_lock(ui->ctx->store);
	list.floor = store_last_index(ui->ctx->store);
	store_read_unlock(ui->ctx->store);
	list.count = 0;
	recheck_count = 0;
	list.cursor = list.top = 0;
	list.selected_count = 0;
	list.user_moved = false;
}

/* --- selection ---------------------------------------------------------- */

static size_t selected_pos(uint64_t index, bool *found)
{
	size_t lo = 0, hi = list.selected_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (list.selected[mid] < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < list.selected_count && list.selected[lo] == index;
	return lo;
}

static bool is_selected(uint64_t index)
{
	bool found;
	selected_pos(index, &found);
	return found;
}

static void toggle_selected(uint64_t index)
{
	bool found;
	size_t at = selected_pos(index, &found);
	if (found) {
		memmove(list.selected + at, list.selected + at + 1,
			(list.selected_count - at - 1) * sizeof(*list.selected));
		list.selected_count--;
		return;
	}
	if (list.selected_count == list.selected_cap) {
		list.selected_cap = list.selected_cap ? list.selected_cap * 2 : 64;
		list.selected = xrealloc(list.selected, list.selected_cap * sizeof(*list.selected));
	}
	memmove(list.selected + at + 1, list.selected + at,
		(list.selected_count - at) * sizeof(*list.selected));
	list.selected[at] = index;
	list.selected_count++;
}

size_t call_list_selected_count(void)
{
	return list.selected_count;
}

size_t call_list_selected(uint64_t *out, size_t cap)
{
	size_t n = list.selected_count < cap ? list.selected_count : cap;
	if (n)
		memcpy(out, list.selected, n * sizeof(*out));
	return n;
}

size_t call_list_chosen(uint64_t *out, size_t cap)
{
	if (list.selected_count)
		return call_list_selected(out, cap);
	if (list.cursor < list.count && cap) {
		out[0] = list.rows[list.cursor].index;
		return 1;
	}
	return 0;
}

size_t call_list_displayed(size_t from, uint64_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = from; i < list.count && n < cap; i++)
		out[n++] = list.rows[i].index;
	return n;
}

size_t call_list_displayed_count(void)
{
	return list.count;
}

/* --- columns ------------------------------------------------------------ */

size_t call_list_column_count(void)
{
	return COL_COUNT;
}

const char *call_list_column_name(size_t i)
{
	return i < COL_COUNT ? columns[i].name : "";
}

bool call_list_column_shown(size_t i)
{
	list_init();
	return i < COL_COUNT && list.shown[i];
}

void call_list_column_toggle(size_t i)
{
	if (i >= COL_COUNT || i == COL_INDEX)
		return;
	list.shown[i] = !list.shown[i];
	/* A column turned on goes to the right end; one turned off leaves
	 * the order. */
	size_t o = 0;
	for (size_t k = 0; k < list.order_count; k++)
		if (list.order[k] != (enum column_id)i)
			list.order[o++] = list.order[k];
	list.order_count = o;
	if (list.shown[i])
		list.order[list.order_count++] = (enum column_id)i;
}

int call_list_column_find(const char *key)
{
	for (int i = 0; i < COL_COUNT; i++)
		if (strcmp(columns[i].key, key) == 0)
			return i;
	return -1;
}

const char *call_list_column_keys(void)
{
	static char keys[COL_COUNT * 12];
	if (!keys[0])
		for (int i = 0; i < COL_COUNT; i++)
			snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s",
				 i ? " " : "", columns[i].key);
	return keys;
}

/* Widest a column may be set to, and the narrowest (one character and the
 * ellipsis). */
#define COLUMN_WIDTH_MAX 200
#define COLUMN_WIDTH_MIN 2

/* Parses list.columns, "NAME[:WIDTH] ...": order[] and width[] (0 = the
 * column's own) when they are not NULL. */
static bool parse_columns(const char *spec, enum column_id *order, size_t *count, int *width,
			  char *err, size_t errlen)
{
	bool seen[COL_COUNT] = { false };
	size_t n = 0;
	const char *p = spec;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, " \t,");
		char word[48];
		if (len >= sizeof(word)) {
			snprintf(err, errlen, "column name too long");
			return false;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;
		int w = 0;
		char *colon = strchr(word, ':');
		if (colon) {
			*colon = '\0';
			char *end;
			long v = strtol(colon + 1, &end, 10);
			if (!colon[1] || *end || v < COLUMN_WIDTH_MIN || v > COLUMN_WIDTH_MAX) {
				snprintf(err, errlen, "column %s: width from %d to %d, not '%s'", word,
					 COLUMN_WIDTH_MIN, COLUMN_WIDTH_MAX, colon + 1);
				return false;
			}
			w = (int)v;
		}
		int col = call_list_column_find(word);
		if (col < 0) {
			snprintf(err, errlen, "no column '%s' (columns: %s)", word,
				 call_list_column_keys());
			return false;
		}
		if (seen[col]) {
			snprintf(err, errlen, "column %s given twice", word);
			return false;
		}
		seen[col] = true;
		if (order)
			order[n] = (enum column_id)col;
		if (width)
			width[col] = w;
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "no column given");
		return false;
	}
	if (count)
		*count = n;
	return true;
}

void call_list_columns_spec(char *buf, size_t cap)
{
	list_init();
	buf[0] = '\0';
	for (size_t k = 0; k < list.order_count; k++) {
		enum column_id i = list.order[k];
		size_t used = strlen(buf);
		if (list.width[i])
			snprintf(buf + used, cap - used, "%s%s:%d", k ? " " : "", columns[i].key,
				 list.width[i]);
		else
			snprintf(buf + used, cap - used, "%s%s", k ? " " : "", columns[i].key);
	}
}

bool call_list_columns_check(const char *spec, char *err, size_t errlen)
{
	return parse_columns(spec, NULL, NULL, NULL, err, errlen);
}

/* Whether a setting's value differs from the one applied last time (so
 * that changing one setting does not undo what the user did with keys,
 * say a sort chosen with < and >). */
static bool setting_moved(char *applied, size_t cap, const char *value)
{
	if (strncmp(applied, value, cap) == 0)
		return false;
	snprintf(applied, cap, "%s", value);
	return true;
}

void call_list_apply_settings(struct ui *ui, const struct config *cfg)
{
	static char columns_applied[CONFIG_VALUE_MAX + 1], sort_applied[64], order_applied[16],
		scroll_applied[16];
	list_init();
	enum column_id order[COL_COUNT];
	int width[COL_COUNT] = { 0 };
	size_t n;
	char err[256];
	const char *spec = config_value(cfg, SET_LIST_COLUMNS);
	if (setting_moved(columns_applied, sizeof(columns_applied), spec) &&
	    parse_columns(spec, order, &n, width, err, sizeof(err))) {
		for (int i = 0; i < COL_COUNT; i++) {
			list.shown[i] = false;
			list.width[i] = width[i];
		}
		for (size_t k = 0; k < n; k++)
			list.shown[order[k]] = true;
		memcpy(list.order, order, n * sizeof(order[0]));
		list.order_count = n;
	}
	bool sort_moved = setting_moved(sort_applied, sizeof(sort_applied),
					config_value(cfg, SET_LIST_SORT));
	sort_moved |= setting_moved(order_applied, sizeof(order_applied),
				    config_value(cfg, SET_LIST_SORT_ORDER));
	int sort = call_list_column_find(config_value(cfg, SET_LIST_SORT));
	if (sort_moved && sort >= 0) {
		list.sort_col = (enum column_id)sort;
		list.sort_desc = strcmp(config_value(cfg, SET_LIST_SORT_ORDER), "descending") == 0;
		if (ui)
			rebuild(ui);
	}
	const char *scroll = config_value(cfg, SET_LIST_AUTOSCROLL);
	if (setting_moved(scroll_applied, sizeof(scroll_applied), scroll)) {
		if (strcmp(scroll, "auto") != 0)
			list.autoscroll = strcmp(scroll, "yes") == 0;
		list.autoscroll_from_settings = strcmp(scroll, "auto") != 0;
		/* Turned on: go to the newest dialog now, as End does. */
		if (list.autoscroll && list.count && sorted_by_index())
			list.cursor = list.sort_desc ? 0 : list.count - 1;
	}
	/* filter.display: the list starts filtered (and follows a change in
	 * the settings window). */
	const char *display = config_value(cfg, SET_FILTER_DISPLAY);
	if (setting_moved(list.display_setting, sizeof(list.display_setting), display)) {
		text_field_set(&list.search, display);
		snprintf(list.search_applied, sizeof(list.search_applied), "%s", display);
		dialog_needle_set(&list.search_needle, list.search_applied);
		if (ui)
			rebuild(ui);
	}
}

/* A column the user turned on is wanted more than most defaults. */
#define USER_COLUMN_PRIORITY 75

static int column_priority(int i)
{
	return columns[i].shown_by_default ? columns[i].priority : USER_COLUMN_PRIORITY;
}

/* A width the user set is kept before flexible columns shrink. */
static int min_width(int i)
{
	return list.width[i] ? list.width[i] : columns[i].min_width;
}

/* Fits the shown columns into the screen width.  Each column first gets
 * what its title and the visible cells need (up to its preferred width);
 * when that is too wide, flexible columns shrink towards their minimum,
 * then the least important columns go; room left over lets flexible
 * columns show long values whole. */
static void layout_columns(void)
{
	int want[COL_COUNT], content[COL_COUNT];
	bool on[COL_COUNT];
	const int marker = 2;   /* selection mark and a space */
	const int sort_mark = 1;
	for (int i = 0; i < COL_COUNT; i++) {
		on[i] = list.shown[i];
		int title = draw_text_width(columns[i].title) + (i == (int)list.sort_col ? sort_mark : 0);
		int cells = 0;
		for (size_t r = 0; on[i] && r < list.view_count; r++) {
			int w = draw_text_width(list.view[r].cells[i]);
			if (w > cells)
				cells = w;
		}
		content[i] = cells > title ? cells : title;
		int preferred = list.width[i] ? list.width[i] : columns[i].width;
		want[i] = content[i] < preferred ? content[i] : preferred;
		if (want[i] < title)
			want[i] = title;
		/* Numbers are never cut (the index grows with the capture). */
		if (columns[i].right_align && cells > want[i])
			want[i] = cells;
	}
	for (;;) {
		int total = marker, slack = 0, n = 0;
		for (int i = 0; i < COL_COUNT; i++) {
			if (!on[i])
				continue;
			total += want[i] + (n++ ? 1 : 0);
			if (columns[i].flexible && want[i] > min_width(i))
				slack += want[i] - min_width(i);
		}
		int over = total - COLS;
		if (over <= 0) {
			int spare = -over;
			for (int i = 0; i < COL_COUNT && spare > 0; i++) {
				if (!on[i] || !columns[i].flexible || content[i] <= want[i])
					continue;
				int add = content[i] - want[i] < spare ? content[i] - want[i] : spare;
				want[i] += add;
				spare -= add;
			}
			break;
		}
		if (slack > 0) {
			/* Take from the widest flexible column first, a column
			 * at a time, so no one column is cut to nothing. */
			int widest = -1;
			for (int i = 0; i < COL_COUNT; i++)
				if (on[i] && columns[i].flexible && want[i] > min_width(i) &&
				    (widest < 0 || want[i] > want[widest]))
					widest = i;
			want[widest]--;
			continue;
		}
		int drop = -1;
		for (int i = 0; i < COL_COUNT; i++)
			if (on[i] && i != COL_INDEX &&
			    (drop < 0 || column_priority(i) < column_priority(drop)))
				drop = i;
		if (drop < 0)
			break;
		on[drop] = false;
	}
	int x = marker;
	for (int i = 0; i < COL_COUNT; i++)
		list.col_visible[i] = false;
	for (size_t k = 0; k < list.order_count; k++) {
		enum column_id i = list.order[k];
		if (!on[i])
			continue;
		list.col_visible[i] = true;
		list.col_x[i] = x;
		list.col_w[i] = want[i];
		x += want[i] + 1;
	}
}

/* --- drawing ------------------------------------------------------------ */

static size_t visible_rows(void)
{
	int h = LINES - LIST_TOP_LINES - LIST_BOTTOM_LINES;
	if (h < 1)
		h = 1;
	if (h > MAX_VISIBLE_ROWS)
		h = MAX_VISIBLE_ROWS;
	return (size_t)h;
}

static void keep_cursor_visible(void)
{
	size_t h = visible_rows();
	if (list.count == 0) {
		list.cursor = list.top = 0;
		return;
	}
	if (list.cursor >= list.count)
		list.cursor = list.count - 1;
	if (list.cursor < list.top)
		list.top = list.cursor;
	if (list.cursor >= list.top + h)
		list.top = list.cursor - h + 1;
	if (list.top + h > list.count)
		list.top = list.count > h ? list.count - h : 0;
}

static enum ui_color state_color(enum call_state s)
{
	switch (s) {
	case CALL_STATE_IN_CALL: return UI_COLOR_GOOD;
	case CALL_STATE_SETUP: return UI_COLOR_NOTICE;
	case CALL_STATE_CANCELLED:
	case CALL_STATE_REJECTED:
	case CALL_STATE_BUSY: return UI_COLOR_BAD;
	case CALL_STATE_DIVERTED: return UI_COLOR_NOTICE;
	default: return UI_COLOR_NORMAL;
	}
}

struct status_figures {
	uint64_t packets, sip, stored, malformed;
	struct drop_counters drops;
	bool done, paused;
	uint64_t read_bytes, total_bytes; /* of the input files, for the bar */
	/* -O and --text: what was written, what was lost, and why writing
	 * stopped (the writers are quiet under the interface: this is where
	 * a full disk is told). */
	bool saving;
	uint64_t saved, save_drops;
	char save_error[PCAP_WRITER_ERROR_LEN];
};

static void snapshot_saving(const struct ui *ui, struct status_figures *st)
{
	st->saving = ui->ctx->writer || ui->ctx->text;
	st->saved = st->save_drops = 0;
	st->save_error[0] = '\0';
	if (ui->ctx->writer) {
		struct pcap_writer_stats ws;
		pcap_writer_stats(ui->ctx->writer, &ws);
		st->saved = ws.written;
		st->save_drops = ws.queue_drops + ws.write_drops;
		if (ws.failed)
			snprintf(st->save_error, sizeof(st->save_error), "%s", ws.error);
	}
	if (ui->ctx->text) {
		struct text_writer_stats ts;
		text_writer_stats(ui->ctx->text, &ts);
		if (!ui->ctx->writer)
			st->saved = ts.written;
		st->save_drops += ts.queue_drops + ts.write_drops;
		if (ts.failed && !st->save_error[0])
			snprintf(st->save_error, sizeof(st->save_error), "%s", ts.error);
	}
}

/* Under the read lock: copies the visible rows and the status figures. */
static void snapshot(struct ui *ui, struct status_figures *st)
{
	struct store *s = ui->ctx->store;
	int64_t now = ui_now_ns(ui);
	for (int pass = 0; pass < 2; pass++) {
		bool gone = false;
		store_read_lock(s);
		absorb_new(s, now);
		keep_cursor_visible();
		size_t h = visible_rows();
		list.view_count = 0;
		for (size_t i = list.top; i < list.count && list.view_count < h; i++) {
			const struct call *c = store_call_by_index(s, list.rows[i].index);
			if (!c) {
				gone = true;
				continue;
			}
			struct row_view *v = &list.view[list.view_count++];
			v->index = c->index;
			v->state = c->state;
			v->selected = is_selected(c->index);
			for (int col = 0; col < COL_COUNT; col++)
				if (list.shown[col])
					cell_text(c, col, now, v->cells[col], CELL_LEN);
		}
		if (ui->ctx->dissector) {
			const struct capture_counters *cc = dissector_counters(ui->ctx->dissector);
			st->packets = cc->packets;
			st->sip = cc->sip_messages;
			st->malformed = dissector_malformed(ui->ctx->dissector);
		}
		st->stored = store_call_count(s);
		store_read_unlock(s);
		if (!gone)
			break;
		/* A visible dialog went away (cleared): drop the rows whose
		 * dialog is gone, then copy again. */
		store_read_lock(s);
		size_t o = 0;
		uint64_t keep = cursor_index();
		for (size_t i = 0; i < list.count; i++)
			if (store_call_by_index(s, list.rows[i].index))
				list.rows[o++] = list.rows[i];
		list.count = o;
		restore_cursor(keep);
		store_read_unlock(s);
	}
	layout_columns();
	if (ui->ctx->pipeline) {
		pipeline_drops(ui->ctx->pipeline, &st->drops);
		pipeline_progress(ui->ctx->pipeline, &st->read_bytes, &st->total_bytes);
		st->done = pipeline_done(ui->ctx->pipeline);
		st->paused = pipeline_paused(ui->ctx->pipeline);
	} else {
		memset(&st->drops, 0, sizeof(st->drops));
		st->done = true;
	}
	snapshot_saving(ui, st);
}

static int put_status(int y, int x, const char *text, attr_t a)
{
	if (x >= COLS)
		return x;
	return x + draw_text(y, x, COLS - x, text, a) + 2;
}

static void draw_status(struct ui *ui, const struct status_figures *st)
{
	static const char spinner[] = "|/-\\";
	static unsigned spin;
	char buf[128];
	int y = 1, x = 1;
	attr_t normal = A_NORMAL;
	const char *mode = ui->ctx->mode ? ui->ctx->mode : "file";
	if (st->paused)
		x = put_status(y, x, "PAUSED", draw_attr(UI_COLOR_WARN));
	if (st->save_error[0]) {
		/* First, so that no terminal width hides it. */
		char line[PCAP_WRITER_ERROR_LEN + 32];
		snprintf(line, sizeof(line), "SAVING STOPPED: %s", st->save_error);
		x = put_status(y, x, line, draw_attr(UI_COLOR_BAD));
	}
	snprintf(buf, sizeof(buf), "Mode: %s", mode);
	x = put_status(y, x, buf, normal);
	bool loading = !st->done && !ui_is_live(ui);
	if (loading && st->total_bytes) {
		/* The files' share read so far: next to the mode, where even
		 * 80 columns show it.  100 % only once everything is dissected. */
		enum { BAR_CELLS = 10 };
		uint64_t pct = st->read_bytes * 100 / st->total_bytes;
		if (pct > 99)
			pct = 99;
		size_t filled = (size_t)(st->read_bytes * BAR_CELLS / st->total_bytes);
		if (filled > BAR_CELLS)
			filled = BAR_CELLS;
		const char *full = ui->utf8 ? "\u2588" : "#", *empty = ui->utf8 ? "\u2591" : ".";
		int n = snprintf(buf, sizeof(buf), "Loading %2u%% ", (unsigned)pct);
		for (size_t i = 0; i < BAR_CELLS && n > 0 && (size_t)n < sizeof(buf); i++)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", i < filled ? full : empty);
		x = put_status(y, x, buf, draw_attr(UI_COLOR_NOTICE));
	}
	snprintf(buf, sizeof(buf), "Packets: %llu", (unsigned long long)st->packets);
	x = put_status(y, x, buf, normal);
	snprintf(buf, sizeof(buf), "Dialogs: %zu/%llu", list.count, (unsigned long long)st->stored);
	x = put_status(y, x, buf, normal);
	bool dropped = st->drops.kernel || st->drops.interface || st->drops.ring;
	snprintf(buf, sizeof(buf), "Drops k/i/r: %llu/%llu/%llu", (unsigned long long)st->drops.kernel,
		 (unsigned long long)st->drops.interface, (unsigned long long)st->drops.ring);
	x = put_status(y, x, buf, dropped ? draw_attr(UI_COLOR_WARN) : normal);
	snprintf(buf, sizeof(buf), "Malformed: %llu", (unsigned long long)st->malformed);
	x = put_status(y, x, buf, st->malformed ? draw_attr(UI_COLOR_NOTICE) : normal);
	if (st->saving) {
		/* Packets with -O, messages with --text alone. */
		snprintf(buf, sizeof(buf), "Saved: %llu", (unsigned long long)st->saved);
		x = put_status(y, x, buf, normal);
		if (st->save_drops) {
			snprintf(buf, sizeof(buf), "Not saved: %llu",
				 (unsigned long long)st->save_drops);
			x = put_status(y, x, buf, draw_attr(UI_COLOR_WARN));
		}
	}
	if (loading && !st->total_bytes) {
		/* Standard input: no size to measure against. */
		snprintf(buf, sizeof(buf), "reading %c", spinner[spin++ % (sizeof(spinner) - 1)]);
		put_status(y, x, buf, draw_attr(UI_COLOR_NOTICE));
	}
}

static void draw_filter_line(void)
{
	int y = 2;
	char desc[256];
	call_filter_describe(desc, sizeof(desc));
	const char *label = "Display filter: ";
	int x = 1 + draw_text(y, 1, COLS - 1, label, A_BOLD);
	int field_w = COLS / 2 - x;
	if (field_w < 10)
		field_w = COLS - x - 1;
	if (list.searching)
		text_field_draw(&list.search, y, x, field_w, true);
	else
		draw_text(y, x, field_w, list.search_applied, A_NORMAL);
	if (desc[0] && x + field_w + 2 < COLS) {
		char f[300];
		snprintf(f, sizeof(f), "F7 filter: %s", desc);
		draw_text(y, x + field_w + 1, COLS - x - field_w - 1, f, draw_attr(UI_COLOR_NOTICE));
	}
}

static void draw_header(void)
{
	int y = LIST_TOP_LINES - 1;
	attr_t a = draw_attr(UI_COLOR_HEADER);
	draw_text_fill(y, 0, COLS, "", a);
	for (int i = 0; i < COL_COUNT; i++) {
		if (!list.col_visible[i])
			continue;
		char t[48];
		if (i == (int)list.sort_col)
			snprintf(t, sizeof(t), "%s%s", list.sort_desc ? "v" : "^", columns[i].title);
		else
			snprintf(t, sizeof(t), "%s", columns[i].title);
		if (columns[i].right_align)
			draw_text_right(y, list.col_x[i], list.col_w[i], t, a);
		else
			draw_text(y, list.col_x[i], list.col_w[i], t, a);
	}
}

static void draw_rows(void)
{
	for (size_t r = 0; r < list.view_count; r++) {
		const struct row_view *v = &list.view[r];
		int y = LIST_FIRST_ROW + (int)r;
		bool on_cursor = list.top + r == list.cursor;
		attr_t base = on_cursor ? draw_attr(UI_COLOR_CURSOR)
					: (v->selected ? draw_attr(UI_COLOR_SELECTED) : A_NORMAL);
		draw_text_fill(y, 0, COLS, v->selected ? "*" : " ", base);
		for (int i = 0; i < COL_COUNT; i++) {
			if (!list.col_visible[i])
				continue;
			attr_t a = base;
			if (i == COL_STATE && !on_cursor)
				a = draw_attr(state_color(v->state)) | (v->selected ? A_BOLD : 0);
			if (columns[i].right_align)
				draw_text_right(y, list.col_x[i], list.col_w[i], v->cells[i], a);
			else
				draw_text_clipped(y, list.col_x[i], list.col_w[i], v->cells[i], a);
		}
	}
	if (list.view_count == 0)
		draw_text(LIST_FIRST_ROW + 1, 2, COLS - 2,
			  list.search_applied[0] || call_filter_active()
				  ? "No dialog matches the filter."
				  : "No dialog yet.",
			  draw_attr(UI_COLOR_DIM));
}

static const struct draw_key_hint list_hints[] = {
	{ "Esc", "Quit", "global.back" }, { "Enter", "Flow", "list.flow" },
	{ "Space", "Select", "list.select" }, { "F1", "Help", "global.help" },
	{ "F2", "Save", "list.save" }, { "F3", "Search", "list.search" },
	{ "F6", "Raw", "list.raw" }, { "F7", "Filter", "list.filter" },
	{ "<>", "Sort", NULL }, { "v", "RTP", "list.rtp" }, { "i", "Stats", "global.stats" },
	{ "p", "Pause", "global.pause" },
};

static void list_draw(struct ui *ui)
{
	list_init();
	apply_search(ui);
	struct status_figures st;
	memset(&st, 0, sizeof(st));
	snapshot(ui, &st);
	char title[256] = "Call list";
	if (ui->ctx->source_count)
		snprintf(title, sizeof(title), "Call list  %s%s", ui->ctx->sources[0],
			 ui->ctx->source_count > 1 ? " ..." : "");
	draw_title_bar(ui, title);
	draw_status(ui, &st);
	draw_filter_line();
	draw_header();
	draw_rows();
	draw_key_bar(list_hints, sizeof(list_hints) / sizeof(list_hints[0]));
}

/* --- actions ------------------------------------------------------------ */

enum list_action {
	LIST_UP = 1, LIST_DOWN, LIST_PAGE_UP, LIST_PAGE_DOWN, LIST_HOME, LIST_END,
	LIST_FLOW, LIST_FLOW_EXTENDED, LIST_SELECT, LIST_SEARCH, LIST_RAW, LIST_FILTER,
	LIST_SAVE, LIST_COLUMNS, LIST_SORT_PREV, LIST_SORT_NEXT, LIST_SORT_SWAP,
	LIST_AUTOSCROLL, LIST_RTP, LIST_SELECT_ALL,
};

static const struct ui_binding list_bindings[] = {
	{ { UI_FKEY(KEY_UP), 'k' }, "Up k", "Previous dialog", LIST_UP, "list.up" },
	{ { UI_FKEY(KEY_DOWN), 'j' }, "Down j", "Next dialog", LIST_DOWN, "list.down" },
	{ { UI_FKEY(KEY_PPAGE), UI_CTRL('b') }, "PgUp ^B", "Page up", LIST_PAGE_UP, "list.page_up" },
	{ { UI_FKEY(KEY_NPAGE), UI_CTRL('f') }, "PgDn ^F", "Page down", LIST_PAGE_DOWN, "list.page_down" },
	{ { UI_FKEY(KEY_HOME), UI_CTRL('a') }, "Home ^A", "First dialog", LIST_HOME, "list.home" },
	{ { UI_FKEY(KEY_END), UI_CTRL('e') }, "End ^E", "Last dialog (autoscroll follows new ones again)", LIST_END, "list.end" },
	{ { UI_KEY_ENTER, '\r', UI_FKEY(KEY_ENTER) }, "Enter", "Call flow of the selected dialogs (or the one under the cursor)", LIST_FLOW, "list.flow" },
	{ { UI_FKEY(KEY_F(4)), 'x' }, "F4 x", "Call flow with related dialogs (X-Call-ID, Replaces)", LIST_FLOW_EXTENDED, "list.flow_extended" },
	{ { ' ' }, "Space", "Select / unselect the dialog", LIST_SELECT, "list.select" },
	{ { UI_CTRL('s') }, "^S", "Select all displayed dialogs (again: none)", LIST_SELECT_ALL, "list.select_all" },
	{ { UI_FKEY(KEY_F(3)), '/' }, "F3 /", "Display filter: type a substring of From, To, Call-ID, source or destination", LIST_SEARCH, "list.search" },
	{ { UI_FKEY(KEY_F(6)), 'R', 'r' }, "F6 R", "Raw messages of the selected dialogs", LIST_RAW, "list.raw" },
	{ { UI_FKEY(KEY_F(7)), 'f', 'F' }, "F7 f", "Filter dialog (From, To, addresses, methods, payload regex)", LIST_FILTER, "list.filter" },
	{ { UI_FKEY(KEY_F(2)), 's', 'S' }, "F2 s", "Save dialogs' messages to a file", LIST_SAVE, "list.save" },
	{ { UI_FKEY(KEY_F(10)), 't', 'T' }, "F10 t", "Choose the columns shown", LIST_COLUMNS, "list.columns" },
	{ { '<' }, "<", "Sort by the previous column", LIST_SORT_PREV, "list.sort_prev" },
	{ { '>' }, ">", "Sort by the next column", LIST_SORT_NEXT, "list.sort_next" },
	{ { 'z' }, "z", "Reverse the sort order", LIST_SORT_SWAP, "list.sort_swap" },
	{ { 'A' }, "A", "Autoscroll to new dialogs on / off", LIST_AUTOSCROLL, "list.autoscroll" },
	{ { 'v', 'm' }, "v m", "RTP streams and their quality", LIST_RTP, "list.rtp" },
};

static void move_cursor(long delta)
{
	if (list.count == 0)
		return;
	long target = (long)list.cursor + delta;
	if (target < 0)
		target = 0;
	if (target >= (long)list.count)
		target = (long)list.count - 1;
	list.cursor = (size_t)target;
	list.user_moved = list.cursor + 1 < list.count;
}

static void change_sort(struct ui *ui, int step)
{
	int col = list.sort_col;
	for (int n = 0; n < COL_COUNT; n++) {
		col = (col + step + COL_COUNT) % COL_COUNT;
		if (list.col_visible[col])
			break;
	}
	list.sort_col = col;
	rebuild(ui);
	ui_note(ui, "sorted by %s%s", columns[col].name, list.sort_desc ? ", descending" : "");
}


static bool list_action(struct ui *ui, int action)
{
	uint64_t chosen[UI_FLOW_MAX_CALLS];
	size_t n;
	apply_search(ui);
	switch (action) {
	case LIST_UP: move_cursor(-1); return true;
	case LIST_DOWN: move_cursor(1); return true;
	case LIST_PAGE_UP: move_cursor(-(long)visible_rows()); return true;
	case LIST_PAGE_DOWN: move_cursor((long)visible_rows()); return true;
	case LIST_HOME: move_cursor(-(long)list.count); return true;
	case LIST_END:
		move_cursor((long)list.count);
		list.user_moved = false;
		return true;
	case LIST_FLOW:
		n = call_list_chosen(chosen, UI_FLOW_MAX_CALLS);
		if (n)
			call_flow_show(ui, chosen, n);
		return true;
	case LIST_FLOW_EXTENDED:
		n = call_list_chosen(chosen, UI_FLOW_MAX_CALLS);
		n = calls_related(ui, chosen, n, chosen, UI_FLOW_MAX_CALLS);
		if (n)
			call_flow_show(ui, chosen, n);
		return true;
	case LIST_SELECT:
		if (list.cursor < list.count)
			toggle_selected(list.rows[list.cursor].index);
		return true;
	case LIST_SELECT_ALL:
		if (list.selected_count) {
			list.selected_count = 0;
		} else {
			for (size_t i = 0; i < list.count; i++)
				if (!is_selected(list.rows[i].index))
					toggle_selected(list.rows[i].index);
		}
		return true;
	case LIST_SEARCH:
		list.searching = true;
		snprintf(list.search_before, sizeof(list.search_before), "%s", list.search_applied);
		text_field_set(&list.search, list.search_applied);
		return true;
	case LIST_RAW:
		n = call_list_chosen(chosen, UI_FLOW_MAX_CALLS);
		if (n)
			raw_view_show_calls(ui, chosen, n);
		return true;
	case LIST_FILTER: ui_push(ui, UI_WIN_FILTER); return true;
	case LIST_SAVE: ui_push(ui, UI_WIN_SAVE); return true;
	case LIST_COLUMNS: ui_push(ui, UI_WIN_COLUMNS); return true;
	case LIST_SORT_PREV: change_sort(ui, -1); return true;
	case LIST_SORT_NEXT: change_sort(ui, 1); return true;
	case LIST_SORT_SWAP: {
		uint64_t keep = cursor_index();
		list.sort_desc = !list.sort_desc;
		reverse_rows(list.rows, list.count);
		restore_cursor(keep);
		return true;
	}
	case LIST_AUTOSCROLL:
		list.autoscroll = !list.autoscroll;
		ui_note(ui, "autoscroll %s", list.autoscroll ? "on" : "off");
		return true;
	case LIST_RTP:
		n = call_list_chosen(chosen, UI_FLOW_MAX_CALLS);
		if (n)
			rtp_view_show(ui, chosen, n);
		return true;
	default:
		return false;
	}
}

/* Typing the display filter: every key edits it and the list follows
 * (apply_search(), before the rows are next read). */
static bool list_key(struct ui *ui, int key)
{
	if (!list.searching)
		return false;
	if (key == UI_KEY_ENTER || key == '\r' || key == UI_FKEY(KEY_ENTER)) {
		list.searching = false;
		return true;
	}
	if (key == UI_KEY_ESC) {
		list.searching = false;
		text_field_set(&list.search, list.search_before);
		apply_search(ui);
		return true;
	}
	if (key == UI_FKEY(KEY_UP) || key == UI_FKEY(KEY_DOWN)) {
		list.searching = false;
		return false;
	}
	text_field_key(&list.search, key);
	return true;
}

static void list_mouse(struct ui *ui, const MEVENT *ev)
{
	apply_search(ui);
	if (ev->bstate & BUTTON4_PRESSED) {
		move_cursor(-MOUSE_WHEEL_ROWS);
		return;
	}
	if (ev->bstate & BUTTON5_PRESSED) {
		move_cursor(MOUSE_WHEEL_ROWS);
		return;
	}
	if (ev->y == LIST_TOP_LINES - 1) {
		/* A click on a column title sorts by it; again reverses. */
		for (int i = 0; i < COL_COUNT; i++) {
			if (list.col_visible[i] && ev->x >= list.col_x[i] &&
			    ev->x < list.col_x[i] + list.col_w[i]) {
				if ((int)list.sort_col == i)
					list.sort_desc = !list.sort_desc;
				list.sort_col = i;
				rebuild(ui);
				return;
			}
		}
		return;
	}
	long row = ev->y - LIST_FIRST_ROW;
	if (row < 0 || (size_t)row >= list.view_count)
		return;
	list.cursor = list.top + (size_t)row;
	list.user_moved = list.cursor + 1 < list.count;
	if (ev->bstate & BUTTON1_DOUBLE_CLICKED)
		list_action(ui, LIST_FLOW);
}

static void list_open(struct ui *ui)
{
	list_init();
	/* Following new dialogs suits a capture that runs; a file is read
	 * in seconds and then read from the top.  A toggles it. */
	static bool autoscroll_chosen;
	if (!autoscroll_chosen && !list.autoscroll_from_settings) {
		autoscroll_chosen = true;
		list.autoscroll = ui->ctx->mode && strcmp(ui->ctx->mode, "file") != 0;
	}
}

const struct ui_window call_list_window = {
	.title = "Call list",
	.open = list_open,
	.draw = list_draw,
	.action = list_action,
	.key = list_key,
	.mouse = list_mouse,
	.bindings = list_bindings,
	.binding_count = sizeof(list_bindings) / sizeof(list_bindings[0]),
	.needs_clock = true,
};

/* --- related dialogs ------------------------------------------------------ */

/* How far around a dialog (in creation order) its B2BUA legs are looked
 * for: legs are created within moments of each other, so a bounded window
 * finds them without a walk over every dialog. */
#define RELATED_SEARCH_SPAN 256
/* Other legs carry the link in the request that created them. */
#define RELATED_FIRST_MESSAGES 2

static bool view_is(const char *s, struct view v)
{
	return s && strlen(s) == v.len && memcmp(s, v.p, v.len) == 0;
}

/* The X-Call-ID and Replaces Call-ID of a dialog's first kept message. */
static void link_ids(const struct call *c, uint32_t max_messages, struct view *xcid,
		     struct view *replaces)
{
	*xcid = view_empty();
	*replaces = view_empty();
	for (uint32_t i = 0; i < c->messages_kept && i < max_messages; i++) {
		const struct call_message *m = call_message_at(c, i);
		if (!m->raw)
			continue;
		struct sip_msg parsed;
		if (sip_parse(view_make(m->raw, m->raw_len), &parsed) != ANOMALY_NONE)
			continue;
		if (!xcid->len && parsed.x_call_id.len)
			*xcid = view_trim(parsed.x_call_id);
		if (!replaces->len && parsed.replaces.len) {
			/* Replaces: call-id;to-tag=..;from-tag=.. (RFC 3891 6.1) */
			struct view r = view_trim(parsed.replaces);
			long semi = view_find_byte(r, ';');
			*replaces = semi >= 0 ? view_trim(view_sub(r, 0, (size_t)semi)) : r;
		}
		if (xcid->len && replaces->len)
			break;
	}
}

static void add_unique(uint64_t *out, size_t *n, size_t cap, uint64_t index)
{
	for (size_t i = 0; i < *n; i++)
		if (out[i] == index)
			return;
	if (*n < cap)
		out[(*n)++] = index;
}

size_t calls_related(struct ui *ui, const uint64_t *chosen, size_t nbase, uint64_t *out,
		     size_t cap)
{
	uint64_t base[UI_FLOW_MAX_CALLS];
	if (nbase > UI_FLOW_MAX_CALLS)
		nbase = UI_FLOW_MAX_CALLS;
	memcpy(base, chosen, nbase * sizeof(*base));
	size_t n = 0;
	struct store *s = ui->ctx->store;
	store_read_lock(s);
	for (size_t b = 0; b < nbase; b++) {
		const struct call *c = store_call_by_index(s, base[b]);
		if (!c)
			continue;
		add_unique(out, &n, cap, c->index);
		struct view xcid, replaces;
		link_ids(c, c->messages_kept, &xcid, &replaces);
		const struct call *other = xcid.len ? store_find(s, xcid) : NULL;
		if (other)
			add_unique(out, &n, cap, other->index);
		other = replaces.len ? store_find(s, replaces) : NULL;
		if (other)
			add_unique(out, &n, cap, other->index);
		/* Legs whose X-Call-ID names this dialog. */
		uint64_t first = store_first_index(s), last = store_last_index(s);
		uint64_t from = c->index > first + RELATED_SEARCH_SPAN ? c->index - RELATED_SEARCH_SPAN : first;
		uint64_t to = c->index + RELATED_SEARCH_SPAN < last ? c->index + RELATED_SEARCH_SPAN : last;
		for (uint64_t i = from; i <= to && n < cap; i++) {
			const struct call *o = store_call_by_index(s, i);
			if (!o || o == c)
				continue;
			struct view ox, orep;
			link_ids(o, RELATED_FIRST_MESSAGES, &ox, &orep);
			if ((ox.len && view_is(c->call_id, ox)) || (orep.len && view_is(c->call_id, orep)))
				add_unique(out, &n, cap, o->index);
		}
	}
	store_read_unlock(s);
	if (n == nbase)
		ui_note(ui, "no related dialog found (X-Call-ID, Replaces)");
	return n;
}
