/* filter_dialog.c - which dialogs the call list shows: From, To, source
 * and destination substrings, the methods that start a dialog, and a
 * payload regular expression (PCRE2) over the kept message text.
 *
 * The regex is matched over the stored bytes with their length (never a
 * NUL-terminated copy), with a match limit so that a pathological pattern
 * costs bounded time per message; a pattern that does not compile is
 * shown in the dialog and not applied. */
#include "ui/window.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "ui/dialog_text.h"
#include "ui/draw.h"
#include "ui/text_field.h"

/* Backtracking steps one message may cost the payload regex. */
#define FILTER_MATCH_LIMIT 100000u
#define FILTER_ERROR_LEN 160
#define FILTER_DIALOG_WIDTH 64
#define FILTER_LABEL_WIDTH 14

enum filter_field { FIELD_FROM, FIELD_TO, FIELD_SRC, FIELD_DST, FIELD_PAYLOAD, FIELD_COUNT };

static const char *const field_labels[FIELD_COUNT] = {
	[FIELD_FROM] = "From", [FIELD_TO] = "To", [FIELD_SRC] = "Source",
	[FIELD_DST] = "Destination", [FIELD_PAYLOAD] = "Payload regex",
};

/* The methods offered as checkboxes: those that start dialogs. */
static const enum sip_method filter_methods[] = {
	SIP_METHOD_INVITE, SIP_METHOD_REGISTER, SIP_METHOD_OPTIONS, SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_NOTIFY, SIP_METHOD_PUBLISH, SIP_METHOD_MESSAGE, SIP_METHOD_INFO,
	SIP_METHOD_REFER, SIP_METHOD_UPDATE, SIP_METHOD_UNKNOWN,
};
#define FILTER_METHOD_COUNT (sizeof(filter_methods) / sizeof(filter_methods[0]))
#define METHODS_PER_ROW 4

enum { BUTTON_APPLY, BUTTON_CLEAR, BUTTON_CANCEL, BUTTON_COUNT };
static const char *const button_labels[BUTTON_COUNT] = { "[ Apply ]", "[ Clear ]", "[ Cancel ]" };

/* What is applied. */
static struct {
	bool active;
	char text[FIELD_COUNT][TEXT_FIELD_MAX + 1];
	/* The substrings folded once, for matching every dialog. */
	struct dialog_needle needle[FIELD_COUNT];
	bool method_off[SIP_METHOD_COUNT];
	bool any_method_off;
	pcre2_code *re;
	uint32_t generation;   /* counts applies: verdicts kept before are stale */
	pcre2_match_data *match;
	pcre2_match_context *match_ctx;
} applied;

/* What is being edited. */
static struct {
	struct text_field fields[FIELD_COUNT];
	bool method_on[FILTER_METHOD_COUNT];
	size_t focus;
	char error[FILTER_ERROR_LEN];
} edit;

#define FOCUS_FIRST_METHOD FIELD_COUNT
#define FOCUS_FIRST_BUTTON (FIELD_COUNT + FILTER_METHOD_COUNT)
#define FOCUS_COUNT (FOCUS_FIRST_BUTTON + BUTTON_COUNT)

bool call_filter_active(void)
{
	return applied.active;
}

/* The dialog text field each substring field searches (the substring
 * fields come before the payload regex). */
static const enum dialog_text_field searched_field[FIELD_PAYLOAD] = {
	[FIELD_FROM] = DIALOG_TEXT_FROM, [FIELD_TO] = DIALOG_TEXT_TO,
	[FIELD_SRC] = DIALOG_TEXT_SRC, [FIELD_DST] = DIALOG_TEXT_DST,
};

bool call_filter_identity_match(const struct call *c, const struct dialog_text *t)
{
	if (!applied.active)
		return true;
	/* The substrings first: they need only the text, not the dialog. */
	for (int f = 0; f < FIELD_PAYLOAD; f++)
		if (applied.needle[f].len &&
		    !dialog_text_field_contains(t, searched_field[f], &applied.needle[f]))
			return false;
	return !applied.any_method_off || !applied.method_off[c->first_method];
}

static bool payload_regex_matches(const struct call *c)
{
	for (uint32_t i = 0; i < c->messages_kept; i++) {
		const struct call_message *m = call_message_at(c, i);
		if (!m->raw || !m->raw_len)
			continue;
		int rc = pcre2_match(applied.re, m->raw, m->raw_len, 0, 0, applied.match,
				     applied.match_ctx);
		if (rc >= 0)
			return true;
	}
	return false;
}

bool call_filter_payload_match(const struct call *c, struct dialog_text *t)
{
	if (!applied.active || !applied.re)
		return true;
	bool passes;
	if (dialog_text_verdict(t, applied.generation, c->messages, &passes))
		return passes;
	passes = payload_regex_matches(c);
	dialog_text_keep_verdict(t, applied.generation, c->messages, passes);
	return passes;
}

void call_filter_describe(char *buf, size_t cap)
{
	buf[0] = '\0';
	if (!applied.active || cap == 0)
		return;
	size_t used = 0;
	for (int f = 0; f < FIELD_COUNT; f++) {
		if (!applied.text[f][0])
			continue;
		int n = snprintf(buf + used, cap - used, "%s%s=%s", used ? " " : "", field_labels[f],
				 applied.text[f]);
		if (n < 0 || (size_t)n >= cap - used)
			return;
		used += (size_t)n;
	}
	if (applied.any_method_off) {
		int n = snprintf(buf + used, cap - used, "%smethods=", used ? " " : "");
		if (n < 0 || (size_t)n >= cap - used)
			return;
		used += (size_t)n;
		bool first = true;
		for (size_t i = 0; i < FILTER_METHOD_COUNT; i++) {
			if (applied.method_off[filter_methods[i]])
				continue;
			n = snprintf(buf + used, cap - used, "%s%s", first ? "" : ",",
				     filter_methods[i] == SIP_METHOD_UNKNOWN ? "other"
									     : sip_method_name(filter_methods[i]));
			if (n < 0 || (size_t)n >= cap - used)
				return;
			used += (size_t)n;
			first = false;
		}
	}
}

static void free_regex(void)
{
	pcre2_match_data_free(applied.match);
	pcre2_code_free(applied.re);
	pcre2_match_context_free(applied.match_ctx);
	applied.match = NULL;
	applied.re = NULL;
	applied.match_ctx = NULL;
}

/* Applies what is edited; false (with edit.error set) when the regex does
 * not compile. */
static bool apply(void)
{
	const char *pattern = edit.fields[FIELD_PAYLOAD].text;
	pcre2_code *re = NULL;
	if (pattern[0]) {
		int err;
		PCRE2_SIZE at;
		re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &err, &at,
				   NULL);
		if (!re) {
			PCRE2_UCHAR msg[FILTER_ERROR_LEN / 2];
			pcre2_get_error_message(err, msg, sizeof(msg));
			snprintf(edit.error, sizeof(edit.error), "regex error at %zu: %s", (size_t)at,
				 (const char *)msg);
			return false;
		}
	}
	free_regex();
	if (re) {
		applied.re = re;
		applied.match = pcre2_match_data_create_from_pattern(re, NULL);
		applied.match_ctx = pcre2_match_context_create(NULL);
		pcre2_set_match_limit(applied.match_ctx, FILTER_MATCH_LIMIT);
	}
	bool any = re != NULL;
	for (int f = 0; f < FIELD_COUNT; f++) {
		snprintf(applied.text[f], sizeof(applied.text[f]), "%s", edit.fields[f].text);
		dialog_needle_set(&applied.needle[f], applied.text[f]);
		any |= applied.text[f][0] != '\0';
	}
	memset(applied.method_off, 0, sizeof(applied.method_off));
	applied.any_method_off = false;
	for (size_t i = 0; i < FILTER_METHOD_COUNT; i++) {
		if (!edit.method_on[i]) {
			applied.method_off[filter_methods[i]] = true;
			applied.any_method_off = true;
		}
	}
	/* Methods not offered (ACK, BYE, CANCEL, PRACK) do not start
	 * dialogs normally: they go with "other". */
	if (applied.method_off[SIP_METHOD_UNKNOWN])
		for (int m = 0; m < SIP_METHOD_COUNT; m++) {
			bool offered = false;
			for (size_t i = 0; i < FILTER_METHOD_COUNT; i++)
				offered |= filter_methods[i] == (enum sip_method)m;
			if (!offered)
				applied.method_off[m] = true;
		}
	applied.active = any || applied.any_method_off;
	/* Never 0, which means "no verdict kept". */
	applied.generation = applied.generation + 1 ? applied.generation + 1 : 1;
	edit.error[0] = '\0';
	return true;
}

static void filter_open(struct ui *ui)
{
	for (int f = 0; f < FIELD_COUNT; f++)
		text_field_set(&edit.fields[f], applied.text[f]);
	for (size_t i = 0; i < FILTER_METHOD_COUNT; i++)
		edit.method_on[i] = !applied.method_off[filter_methods[i]];
	edit.focus = 0;
	edit.error[0] = '\0';
}

static void filter_draw(struct ui *ui)
{
	int method_rows = (int)((FILTER_METHOD_COUNT + METHODS_PER_ROW - 1) / METHODS_PER_ROW);
	int h = 2 + FIELD_COUNT + 1 + method_rows + 1 + 1 + 1 + 1;
	int y0, x0;
	draw_dialog(h, FILTER_DIALOG_WIDTH, "Filter dialogs", &y0, &x0);
	int inner = (COLS < FILTER_DIALOG_WIDTH ? COLS : FILTER_DIALOG_WIDTH) - 4;
	int y = y0 + 1;
	for (int f = 0; f < FIELD_COUNT; f++, y++) {
		bool focused = edit.focus == (size_t)f;
		draw_text(y, x0 + 2, FILTER_LABEL_WIDTH, field_labels[f], focused ? A_BOLD : A_NORMAL);
		text_field_draw(&edit.fields[f], y, x0 + 2 + FILTER_LABEL_WIDTH,
				inner - FILTER_LABEL_WIDTH, focused);
	}
	y++;
	int col_w = inner / METHODS_PER_ROW;
	for (size_t i = 0; i < FILTER_METHOD_COUNT; i++) {
		int row = (int)(i / METHODS_PER_ROW), col = (int)(i % METHODS_PER_ROW);
		char box[32];
		snprintf(box, sizeof(box), "[%c] %s", edit.method_on[i] ? 'x' : ' ',
			 filter_methods[i] == SIP_METHOD_UNKNOWN ? "other" : sip_method_name(filter_methods[i]));
		bool focused = edit.focus == FOCUS_FIRST_METHOD + i;
		draw_text(y + row, x0 + 2 + col * col_w, col_w, box,
			  focused ? draw_attr(UI_COLOR_CURSOR) : A_NORMAL);
	}
	y += method_rows + 1;
	if (edit.error[0])
		draw_text(y, x0 + 2, inner, edit.error, draw_attr(UI_COLOR_WARN));
	else
		draw_text(y, x0 + 2, inner, "Substrings ignore case; the regex is PCRE2, caseless.",
			  draw_attr(UI_COLOR_DIM));
	y++;
	int bx = x0 + 2;
	for (int b = 0; b < BUTTON_COUNT; b++) {
		bool focused = edit.focus == FOCUS_FIRST_BUTTON + (size_t)b;
		bx += draw_text(y, bx, inner, button_labels[b],
				focused ? draw_attr(UI_COLOR_CURSOR) : A_BOLD) + 3;
	}
}

enum filter_action { FILTER_NEXT = 1, FILTER_PREV, FILTER_ENTER, FILTER_TOGGLE, FILTER_CANCEL };

static const struct ui_binding filter_bindings[] = {
	{ { UI_KEY_TAB, UI_FKEY(KEY_DOWN) }, "Tab Down", "Next field", FILTER_NEXT, "filter.next" },
	{ { UI_FKEY(KEY_BTAB), UI_FKEY(KEY_UP) }, "S-Tab Up", "Previous field", FILTER_PREV, "filter.prev" },
	{ { UI_KEY_ENTER, '\r', UI_FKEY(KEY_ENTER) }, "Enter", "Apply (or press the focused button)", FILTER_ENTER, "filter.enter" },
	{ { ' ' }, "Space", "Tick / untick the focused method", FILTER_TOGGLE, "filter.toggle" },
	{ { UI_KEY_ESC }, "Esc", "Close without applying", FILTER_CANCEL, "filter.cancel" },
};

static bool filter_action(struct ui *ui, int action)
{
	switch (action) {
	case FILTER_NEXT:
		edit.focus = (edit.focus + 1) % FOCUS_COUNT;
		return true;
	case FILTER_PREV:
		edit.focus = (edit.focus + FOCUS_COUNT - 1) % FOCUS_COUNT;
		return true;
	case FILTER_TOGGLE:
		if (edit.focus >= FOCUS_FIRST_METHOD && edit.focus < FOCUS_FIRST_BUTTON)
			edit.method_on[edit.focus - FOCUS_FIRST_METHOD] ^= true;
		return true;
	case FILTER_ENTER:
		if (edit.focus >= FOCUS_FIRST_METHOD && edit.focus < FOCUS_FIRST_BUTTON) {
			edit.method_on[edit.focus - FOCUS_FIRST_METHOD] ^= true;
			return true;
		}
		if (edit.focus == FOCUS_FIRST_BUTTON + BUTTON_CANCEL) {
			ui_pop(ui);
			return true;
		}
		if (edit.focus == FOCUS_FIRST_BUTTON + BUTTON_CLEAR) {
			for (int f = 0; f < FIELD_COUNT; f++)
				text_field_clear(&edit.fields[f]);
			for (size_t i = 0; i < FILTER_METHOD_COUNT; i++)
				edit.method_on[i] = true;
		}
		if (apply()) {
			ui_pop(ui);
			call_list_refilter(ui);
		}
		return true;
	case FILTER_CANCEL:
		ui_pop(ui);
		return true;
	default:
		return false;
	}
}

/* Typing goes to the focused text field; keys bound above do not. */
static bool filter_key(struct ui *ui, int key)
{
	if (edit.focus >= FIELD_COUNT)
		return false;
	if (key != ' ' && keymap_find(UI_WIN_FILTER, key))
		return false;
	return text_field_key(&edit.fields[edit.focus], key);
}

const struct ui_window filter_dialog_window = {
	.title = "Filter",
	.open = filter_open,
	.draw = filter_draw,
	.action = filter_action,
	.key = filter_key,
	.bindings = filter_bindings,
	.binding_count = sizeof(filter_bindings) / sizeof(filter_bindings[0]),
	.is_dialog = true,
};
