/* window.h - what every window of the terminal interface shares: the
 * window table (one const struct per window, the tmux mode idea), key
 * bindings that also feed the help screen, and the UI's state.
 *
 * ncurses is process-global, so there is one UI per process; each window
 * keeps its own state in its file and talks to the others through the
 * small functions declared at the end. */
#ifndef SIPMON_UI_WINDOW_H
#define SIPMON_UI_WINDOW_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui/ui.h"

/* A key as the main loop hands it over: characters are their code point,
 * function and cursor keys (KEY_*) carry UI_KEY_FUNCTION so that they
 * cannot be mistaken for a character of the same value. */
#define UI_KEY_FUNCTION (1 << 24)
#define UI_FKEY(k) ((k) | UI_KEY_FUNCTION)
#define UI_CTRL(c) ((c) & 0x1f)
#define UI_KEY_ESC 27
#define UI_KEY_ENTER '\n'
#define UI_KEY_TAB '\t'

enum ui_window_id {
	UI_WIN_CALL_LIST = 0,
	UI_WIN_CALL_FLOW,
	UI_WIN_RAW,
	UI_WIN_RTP,
	UI_WIN_STATS,
	UI_WIN_FILTER,
	UI_WIN_SAVE,
	UI_WIN_COLUMNS,
	UI_WIN_HELP,
	UI_WIN_CONFIRM_QUIT,
	UI_WIN_SETTINGS,
	UI_WIN_COUNT
};

/* One binding: the default keys (up to UI_BINDING_KEYS) doing one action
 * of a window.  sipmon.rc can bind and unbind keys (ui/keymap.c keeps the
 * keys in force); the help screen lists what is in force, so help cannot
 * drift from what the keys do. */
#define UI_BINDING_KEYS 3
struct ui_binding {
	int keys[UI_BINDING_KEYS];  /* 0 ends the list early */
	const char *key_names;      /* "F1 h ?" as help shows the defaults */
	const char *help;
	int action;                 /* window-specific action number */
	const char *name;           /* in sipmon.rc: "list.save" */
};

struct ui;

struct ui_window {
	const char *title;
	/* Called when the window comes to the top of the stack. */
	void (*open)(struct ui *ui);
	/* Reads what the screen needs from the store (briefly, under the
	 * read lock) and draws it on stdscr. */
	void (*draw)(struct ui *ui);
	/* An action of bindings[]; false when it does not apply now. */
	bool (*action)(struct ui *ui, int action);
	/* Keys no binding claims (text input); true when used. */
	bool (*key)(struct ui *ui, int key);
	void (*mouse)(struct ui *ui, const MEVENT *ev);
	const struct ui_binding *bindings;
	size_t binding_count;
	/* Drawn over the window below it (dialogs). */
	bool is_dialog;
	/* Shows values that change with time (durations): redraw every
	 * second even when nothing else moved. */
	bool needs_clock;
};

extern const struct ui_window call_list_window;
extern const struct ui_window call_flow_window;
extern const struct ui_window raw_view_window;
extern const struct ui_window rtp_view_window;
extern const struct ui_window stats_view_window;
extern const struct ui_window filter_dialog_window;
extern const struct ui_window save_dialog_window;
extern const struct ui_window columns_dialog_window;
extern const struct ui_window help_window;
extern const struct ui_window confirm_quit_window;
extern const struct ui_window settings_view_window;

/* Windows open on top of each other; Esc goes back one. */
#define UI_STACK_MAX 8
/* A transient note on the status line ("saved 10 dialogs to x.txt"). */
#define UI_NOTE_LEN 160
#define UI_NOTE_SHOW_NS (4LL * 1000 * 1000 * 1000)

struct ui {
	const struct ui_context *ctx;
	enum ui_window_id stack[UI_STACK_MAX];
	size_t depth;
	bool quit;
	int exit_status;
	bool utf8;      /* the locale speaks UTF-8: box drawing characters */
	bool color;     /* the terminal has colours */
	char note[UI_NOTE_LEN];
	int64_t note_until_ns;
	/* Which window asked for help (help lists its bindings). */
	enum ui_window_id help_for;
};

/* Keys every full window offers (help, pause, clear, stats, back, quit);
 * dialogs do not. */
extern const struct ui_binding ui_global_bindings[];
extern const size_t ui_global_binding_count;

/* --- key bindings in force (keymap.c) -------------------------------- */
/* The table of ui_global_bindings, next to the window ids. */
#define UI_KEYMAP_GLOBAL UI_WIN_COUNT
/* The binding of window id (or UI_KEYMAP_GLOBAL) that key triggers now. */
const struct ui_binding *keymap_find(int id, int key);
/* The keys of binding i of window id as help shows them ("" for none). */
const char *keymap_key_names(int id, size_t i);

/* --- settings (ui.c) -------------------------------------------------- */
/* The configuration in force (NULL in programs without one). */
struct config *ui_config(void);
/* Applies the live settings to every window (after the settings window
 * changed one). */
void ui_apply_settings(struct ui *ui);

/* --- window stack (ui.c) ---------------------------------------------- */
void ui_push(struct ui *ui, enum ui_window_id id);
void ui_pop(struct ui *ui);
const struct ui_window *ui_window_of(enum ui_window_id id);
void ui_note(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Quit: asks first while a live capture runs. */
void ui_request_quit(struct ui *ui);
/* Capture time "now": the newest packet for files, the clock for live
 * devices (durations of calls still in progress run up to it). */
int64_t ui_now_ns(const struct ui *ui);
bool ui_is_live(const struct ui *ui);

/* --- shared actions every window offers (ui.c) ------------------------ */
/* Pause/resume, clear: sngrep's p and F5. */
void ui_toggle_pause(struct ui *ui);
void ui_clear_calls(struct ui *ui);

/* --- call list (call_list.c) ------------------------------------------ */
/* The dialogs the user picked: the multi-selection when there is one,
 * else the one under the cursor; returns how many were written. */
size_t call_list_chosen(uint64_t *out, size_t cap);
/* Dialogs as the list shows them (filtered and sorted), from position
 * `from`; returns how many were written. */
size_t call_list_displayed(size_t from, uint64_t *out, size_t cap);
size_t call_list_displayed_count(void);
size_t call_list_selected(uint64_t *out, size_t cap);
size_t call_list_selected_count(void);
/* The dialogs given plus those related to them: the leg an X-Call-ID
 * names, the dialog a Replaces names, and nearby dialogs naming them so
 * (chosen and out may be the same array). */
size_t calls_related(struct ui *ui, const uint64_t *chosen, size_t count, uint64_t *out,
		     size_t cap);
/* The filter dialog changed the filter: rebuild the list. */
void call_list_refilter(struct ui *ui);
/* Forgets every row (clear); only dialogs newer than the store's current
 * last index show from now on. */
void call_list_forget_all(struct ui *ui);

/* list.columns and the other list.* settings (sipmon.rc). */
struct config;
int call_list_column_find(const char *key);
const char *call_list_column_keys(void);
bool call_list_columns_check(const char *spec, char *err, size_t errlen);
/* The columns shown now, as list.columns writes them. */
void call_list_columns_spec(char *buf, size_t cap);
void call_list_apply_settings(struct ui *ui, const struct config *cfg);

/* The columns dialog's view of the list's columns. */
size_t call_list_column_count(void);
const char *call_list_column_name(size_t i);
bool call_list_column_shown(size_t i);
void call_list_column_toggle(size_t i);

/* --- the filter dialog's filter (filter_dialog.c) --------------------- */
struct call;
struct dialog_text;
bool call_filter_active(void);
/* Under the store's read lock.  Whether dialog c, whose folded text is t
 * (dialog_text.h), passes the method and From/To/source/destination: what
 * the dialog's first message decided, so the answer never changes. */
bool call_filter_identity_match(const struct call *c, const struct dialog_text *t);
/* Whether a kept message of dialog c matches the payload regex (true when
 * there is none): may change as the dialog gains messages.  The verdict
 * is kept with the dialog's text t until either changes. */
bool call_filter_payload_match(const struct call *c, struct dialog_text *t);
/* One line saying what the filter keeps, "" when inactive. */
void call_filter_describe(char *buf, size_t cap);

/* --- call flow, raw, rtp (their files) -------------------------------- */
#define UI_FLOW_MAX_CALLS 16
void call_flow_show(struct ui *ui, const uint64_t *calls, size_t count);
void call_flow_apply_settings(const struct config *cfg);
/* A message is named by its dialog's index and its ordinal among all the
 * messages the dialog ever had (forgotten ones included), which stays the
 * same while newer messages arrive. */
struct ui_message_ref {
	uint64_t call_index;
	uint64_t ordinal;
};
void raw_view_show_message(struct ui *ui, struct ui_message_ref msg);
void raw_view_show_calls(struct ui *ui, const uint64_t *calls, size_t count);
void raw_view_show_diff(struct ui *ui, struct ui_message_ref a, struct ui_message_ref b);
void rtp_view_show(struct ui *ui, const uint64_t *calls, size_t count);

#endif
