/* ui.c - the terminal interface's main loop: window stack, key dispatch,
 * and the redraw policy (see ui.h).
 *
 * Events only mark the screen dirty; the loop redraws once (the tmux way):
 * after a key (every pending key is handled first), when the store's
 * generation moved (at most UI_MAX_FPS times a second), or once a second
 * while a window shows durations that run with the clock.  Between events
 * the loop sleeps in the terminal read with a timeout, so an idle sipmon
 * wakes UI_TICKS_PER_SEC times a second and does almost nothing. */
#include "config.h"

#include "ui/ui.h"

#include "output/pcap_writer.h"
#include "output/text_writer.h"

#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui/draw.h"
#include "ui/quality.h"
#include "ui/text_field.h"
#include "ui/window.h"
#include "util/signals.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

/* How often the loop wakes when nothing happens: often enough to follow
 * the store at UI_MAX_FPS, rarely enough to stay far below 1% CPU. */
#define UI_TICKS_PER_SEC UI_MAX_FPS
#define UI_TICK_MS (1000 / UI_TICKS_PER_SEC)
#define UI_FRAME_NS (1000000000LL / UI_MAX_FPS)
#define UI_CLOCK_NS 1000000000LL
/* Esc alone must not wait for an escape sequence for long (ncurses'
 * default is a full second). */
#define UI_ESC_DELAY_MS 25
/* Keys handled before the screen is drawn again: a held key or a paste
 * cannot starve the redraw. */
#define UI_KEYS_PER_FRAME 64

static const struct ui_window *const windows[UI_WIN_COUNT] = {
	[UI_WIN_CALL_LIST] = &call_list_window,
	[UI_WIN_CALL_FLOW] = &call_flow_window,
	[UI_WIN_RAW] = &raw_view_window,
	[UI_WIN_RTP] = &rtp_view_window,
	[UI_WIN_STATS] = &stats_view_window,
	[UI_WIN_FILTER] = &filter_dialog_window,
	[UI_WIN_SAVE] = &save_dialog_window,
	[UI_WIN_COLUMNS] = &columns_dialog_window,
	[UI_WIN_HELP] = &help_window,
	[UI_WIN_CONFIRM_QUIT] = &confirm_quit_window,
	[UI_WIN_SETTINGS] = &settings_view_window,
};

static struct config *settings_in_force;

struct config *ui_config(void)
{
	return settings_in_force;
}

void ui_apply_settings(struct ui *ui)
{
	if (!settings_in_force)
		return;
	draw_apply_settings(settings_in_force);
	quality_apply_settings(settings_in_force);
	call_list_apply_settings(ui, settings_in_force);
	call_flow_apply_settings(settings_in_force);
}

const struct ui_window *ui_window_of(enum ui_window_id id)
{
	return id < UI_WIN_COUNT ? windows[id] : NULL;
}

static const struct ui_window *top_window(const struct ui *ui)
{
	return windows[ui->stack[ui->depth - 1]];
}

void ui_push(struct ui *ui, enum ui_window_id id)
{
	/* A window already on the stack comes back to the top instead of
	 * stacking twice (flow -> raw -> flow ...). */
	for (size_t i = 0; i < ui->depth; i++) {
		if (ui->stack[i] == id) {
			ui->depth = i;
			break;
		}
	}
	if (ui->depth == UI_STACK_MAX)
		ui->depth--;
	ui->stack[ui->depth++] = id;
	if (windows[id]->open)
		windows[id]->open(ui);
}

void ui_pop(struct ui *ui)
{
	if (ui->depth > 1)
		ui->depth--;
}

void ui_note(struct ui *ui, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->note, sizeof(ui->note), fmt, ap);
	va_end(ap);
	ui->note_until_ns = time_monotonic_ns() + UI_NOTE_SHOW_NS;
}

bool ui_is_live(const struct ui *ui)
{
	return ui->ctx->mode && strcmp(ui->ctx->mode, "device") == 0;
}

int64_t ui_now_ns(const struct ui *ui)
{
	if (ui_is_live(ui)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	}
	int64_t last = 0;
	if (ui->ctx->dissector) {
		store_read_lock(ui->ctx->store);
		last = dissector_counters(ui->ctx->dissector)->last_ns;
		store_read_unlock(ui->ctx->store);
	}
	return last;
}

void ui_request_quit(struct ui *ui)
{
	if (ui_is_live(ui) && ui->stack[ui->depth - 1] != UI_WIN_CONFIRM_QUIT)
		ui_push(ui, UI_WIN_CONFIRM_QUIT);
	else
		ui->quit = true;
}

void ui_toggle_pause(struct ui *ui)
{
	struct pipeline *p = ui->ctx->pipeline;
	if (!p)
		return;
	bool paused = !pipeline_paused(p);
	pipeline_set_paused(p, paused);
	ui_note(ui, paused ? "capture paused (p resumes)" : "capture resumed");
}

void ui_clear_calls(struct ui *ui)
{
	if (ui->ctx->pipeline)
		pipeline_request_clear(ui->ctx->pipeline);
	call_list_forget_all(ui);
	ui->depth = 1;
	ui_note(ui, "call list cleared");
}

/* --- keys every window shares ------------------------------------------ */

enum global_action {
	GLOBAL_HELP = 1,
	GLOBAL_PAUSE,
	GLOBAL_CLEAR,
	GLOBAL_STATS,
	GLOBAL_BACK,
	GLOBAL_QUIT,
	GLOBAL_SETTINGS,
};

const struct ui_binding ui_global_bindings[] = {
	{ { UI_FKEY(KEY_F(1)), 'h', '?' }, "F1 h ?", "Show the keys of this window", GLOBAL_HELP, "global.help" },
	{ { 'p' }, "p", "Pause / resume the capture", GLOBAL_PAUSE, "global.pause" },
	{ { UI_FKEY(KEY_F(5)), UI_CTRL('l') }, "F5 ^L", "Clear the call list (cannot be undone)", GLOBAL_CLEAR, "global.clear" },
	{ { 'i' }, "i", "Statistics", GLOBAL_STATS, "global.stats" },
	{ { UI_KEY_ESC, 'q', 'Q' }, "Esc q", "Back to the previous window (quit in the call list)", GLOBAL_BACK, "global.back" },
	{ { UI_CTRL('c') }, "^C", "Quit sipmon", GLOBAL_QUIT, "global.quit" },
	{ { UI_FKEY(KEY_F(8)) }, "F8", "Settings (sipmon.rc), changed live", GLOBAL_SETTINGS, "global.settings" },
};
const size_t ui_global_binding_count = sizeof(ui_global_bindings) / sizeof(ui_global_bindings[0]);

static bool global_action(struct ui *ui, int action)
{
	switch (action) {
	case GLOBAL_HELP:
		ui->help_for = ui->stack[ui->depth - 1];
		ui_push(ui, UI_WIN_HELP);
		return true;
	case GLOBAL_PAUSE:
		ui_toggle_pause(ui);
		return true;
	case GLOBAL_CLEAR:
		ui_clear_calls(ui);
		return true;
	case GLOBAL_STATS:
		ui_push(ui, UI_WIN_STATS);
		return true;
	case GLOBAL_BACK:
		if (ui->depth > 1)
			ui_pop(ui);
		else
			ui_request_quit(ui);
		return true;
	case GLOBAL_QUIT:
		ui_request_quit(ui);
		return true;
	case GLOBAL_SETTINGS:
		if (ui->stack[ui->depth - 1] != UI_WIN_SETTINGS)
			ui_push(ui, UI_WIN_SETTINGS);
		return true;
	default:
		return false;
	}
}

static void dispatch_key(struct ui *ui, int key)
{
	const struct ui_window *w = top_window(ui);
	if (key == UI_FKEY(KEY_MOUSE)) {
		MEVENT ev;
		if (getmouse(&ev) == OK && w->mouse)
			w->mouse(ui, &ev);
		return;
	}
	if (w->key && w->key(ui, key))
		return;
	const struct ui_binding *b = keymap_find(ui->stack[ui->depth - 1], key);
	if (b && w->action(ui, b->action))
		return;
	/* Dialogs take every key they do not bind as "close" except the
	 * global ones below, which they do not offer. */
	if (w->is_dialog)
		return;
	b = keymap_find(UI_KEYMAP_GLOBAL, key);
	if (b)
		global_action(ui, b->action);
}

/* --- the loop ---------------------------------------------------------- */

static void draw_screen(struct ui *ui)
{
	text_field_cursor_reset();
	erase();
	const struct ui_window *w = top_window(ui);
	if (w->is_dialog) {
		/* Dialogs float over the last full window below them. */
		size_t i = ui->depth - 1;
		while (i > 0 && windows[ui->stack[i]]->is_dialog)
			i--;
		windows[ui->stack[i]]->draw(ui);
	}
	w->draw(ui);
	if (ui->note[0] && time_monotonic_ns() < ui->note_until_ns)
		draw_text_fill(LINES - 1, 0, COLS, ui->note, draw_attr(UI_COLOR_NOTICE) | A_REVERSE);
	int cy, cx;
	if (text_field_cursor(&cy, &cx)) {
		curs_set(1);
		move(cy, cx);
	} else {
		curs_set(0);
	}
	refresh();
}

static bool wants_clock(const struct ui *ui)
{
	for (size_t i = 0; i < ui->depth; i++)
		if (windows[ui->stack[i]]->needs_clock)
			return ui_is_live(ui);
	return false;
}

/* Reads one key; ERR when none came within the current timeout. */
static int read_key(void)
{
	wint_t wc;
	int r = get_wch(&wc);
	if (r == ERR)
		return ERR;
	if (r == KEY_CODE_YES)
		return UI_FKEY((int)wc);
	return (int)wc;
}

static struct ui *fatal_ui;

static void restore_terminal(void)
{
	if (fatal_ui)
		endwin();
}

static FILE *open_keyboard(void)
{
	/* With -I - the capture comes on standard input: keys then come
	 * from the controlling terminal. */
	if (isatty(STDIN_FILENO))
		return stdin;
	return fopen("/dev/tty", "r");
}

/* Moves whenever a figure the status line shows for -O or --text does. */
static uint64_t output_generation(const struct ui_context *ctx)
{
	uint64_t g = 0;
	if (ctx->writer) {
		struct pcap_writer_stats ws;
		pcap_writer_stats(ctx->writer, &ws);
		g += ws.written + ws.queue_drops + ws.write_drops + ws.failed;
	}
	if (ctx->text) {
		struct text_writer_stats ts;
		text_writer_stats(ctx->text, &ts);
		g += ts.written + ts.queue_drops + ts.write_drops + ts.failed;
	}
	return g;
}

int ui_run(const struct ui_context *ctx)
{
	setlocale(LC_ALL, "");
	struct ui ui;
	memset(&ui, 0, sizeof(ui));
	ui.ctx = ctx;
	ui.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

	FILE *keyboard = open_keyboard();
	if (!keyboard || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "sipmon: the interface needs a terminal (use -N for a report)\n");
		if (keyboard && keyboard != stdin)
			fclose(keyboard);
		return 1;
	}
	SCREEN *screen = newterm(NULL, stdout, keyboard);
	if (!screen) {
		fprintf(stderr, "sipmon: cannot use the terminal (TERM=%s); use -N for a report\n",
			getenv("TERM") ? getenv("TERM") : "");
		if (keyboard != stdin)
			fclose(keyboard);
		return 1;
	}
	fatal_ui = &ui;
	xalloc_set_fatal_hook(restore_terminal);
	set_escdelay(UI_ESC_DELAY_MS);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED,
		  NULL);
	ui.color = has_colors();
	draw_init(ui.utf8, ui.color);
	settings_in_force = ctx->config;
	ui_push(&ui, UI_WIN_CALL_LIST);
	ui_apply_settings(&ui);
	/* The messages went to stderr, which the screen now hides. */
	if (ctx->config_errors)
		ui_note(&ui, "sipmon.rc: %zu bad line%s, ignored (sipmon --check-config shows them)",
			ctx->config_errors, ctx->config_errors == 1 ? "" : "s");
	bool dirty = true;
	uint64_t drawn_generation = ~0ull, drawn_output = ~0ull;
	int64_t last_draw_ns = 0;
	while (!ui.quit) {
		/* SIGTERM (or SIGINT from outside the terminal) stops the run
		 * as it stops a headless one. */
		if (signals_stop_requested())
			break;
		int64_t now = time_monotonic_ns();
		uint64_t gen = store_generation(ctx->store);
		uint64_t output = output_generation(ctx);
		/* The writers flush once a second, after the store has stopped
		 * moving at the end of a file: their figures are changes too. */
		bool store_moved = gen != drawn_generation || output != drawn_output;
		bool note_expired = ui.note[0] && now >= ui.note_until_ns;
		bool frame_due = now - last_draw_ns >= UI_FRAME_NS;
		bool clock_due = wants_clock(&ui) && now - last_draw_ns >= UI_CLOCK_NS;
		if (dirty || note_expired || clock_due || (store_moved && frame_due)) {
			if (note_expired)
				ui.note[0] = '\0';
			drawn_generation = gen;
			drawn_output = output;
			draw_screen(&ui);
			last_draw_ns = now;
			dirty = false;
		}
		/* Sleep until a key, or until the next frame may show a store
		 * change, or the tick. */
		int wait_ms = UI_TICK_MS;
		if (store_moved && !dirty) {
			int64_t left = UI_FRAME_NS - (time_monotonic_ns() - last_draw_ns);
			wait_ms = left > 0 ? (int)(left / 1000000) + 1 : 0;
			if (wait_ms > UI_TICK_MS)
				wait_ms = UI_TICK_MS;
		}
		timeout(wait_ms);
		int key = read_key();
		if (key == ERR)
			continue;
		timeout(0);
		for (int n = 0; key != ERR && n < UI_KEYS_PER_FRAME && !ui.quit; n++) {
			if (key == UI_FKEY(KEY_RESIZE))
				clearok(curscr, TRUE);
			else
				dispatch_key(&ui, key);
			key = n + 1 < UI_KEYS_PER_FRAME ? read_key() : ERR;
		}
		dirty = true;
	}
	endwin();
	delscreen(screen);
	fatal_ui = NULL;
	xalloc_set_fatal_hook(NULL);
	if (keyboard != stdin)
		fclose(keyboard);
	return ui.exit_status;
}
