/* settings_view.c - the settings window: every sipmon.rc setting with its
 * value and where that came from.  Settings the interface draws change at
 * once; capture settings are kept for the next start.  F2 writes what was
 * changed here into ~/.sipmonrc, keeping the rest of that file as it was
 * (config_save_changes). */
#include "ui/window.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "ui/draw.h"
#include "ui/text_field.h"

#define SETTINGS_TOP_LINES 3
#define SETTINGS_BOTTOM_LINES 3
#define SETTINGS_NAME_WIDTH 22
#define SETTINGS_VALUE_WIDTH 40
#define SETTINGS_MESSAGE_LEN 512

static struct {
	size_t cursor, top;
	bool editing;
	struct text_field field;
	char message[SETTINGS_MESSAGE_LEN];
	bool message_is_error;
} settings;

static void settings_open(struct ui *ui)
{
	settings.editing = false;
	settings.message[0] = '\0';
}

static size_t visible_rows(void)
{
	int h = LINES - SETTINGS_TOP_LINES - SETTINGS_BOTTOM_LINES;
	return h > 1 ? (size_t)h : 1;
}

static void settings_draw(struct ui *ui)
{
	draw_title_bar(ui, "Settings");
	const struct config *cfg = ui_config();
	if (!cfg) {
		draw_text(SETTINGS_TOP_LINES, 1, COLS - 2, "No configuration.", A_NORMAL);
		return;
	}
	draw_text_fill(SETTINGS_TOP_LINES - 1, 0, COLS, " Setting", draw_attr(UI_COLOR_HEADER));
	int value_x = 1 + SETTINGS_NAME_WIDTH + 1;
	int origin_x = value_x + SETTINGS_VALUE_WIDTH + 1;
	draw_text(SETTINGS_TOP_LINES - 1, value_x, SETTINGS_VALUE_WIDTH, "Value",
		  draw_attr(UI_COLOR_HEADER));
	if (origin_x < COLS)
		draw_text(SETTINGS_TOP_LINES - 1, origin_x, COLS - origin_x, "From",
			  draw_attr(UI_COLOR_HEADER));
	size_t rows = visible_rows();
	if (settings.cursor < settings.top)
		settings.top = settings.cursor;
	if (settings.cursor >= settings.top + rows)
		settings.top = settings.cursor - rows + 1;
	for (size_t r = 0; r < rows && settings.top + r < SET_COUNT; r++) {
		size_t i = settings.top + r;
		const struct setting_def *d = config_setting_def((enum setting_id)i);
		int y = SETTINGS_TOP_LINES + (int)r;
		bool on_cursor = i == settings.cursor;
		attr_t a = on_cursor ? draw_attr(UI_COLOR_CURSOR) : A_NORMAL;
		draw_text_fill(y, 0, COLS, "", a);
		draw_text(y, 1, SETTINGS_NAME_WIDTH, d->name, a);
		if (on_cursor && settings.editing) {
			text_field_draw(&settings.field, y, value_x, SETTINGS_VALUE_WIDTH, true);
		} else {
			const char *v = config_value(cfg, (enum setting_id)i);
			draw_text_clipped(y, value_x, SETTINGS_VALUE_WIDTH, v[0] ? v : "\"\"", a);
		}
		if (origin_x < COLS) {
			char from[CONFIG_ORIGIN_LEN + 24];
			snprintf(from, sizeof(from), "%s%s", config_origin(cfg, (enum setting_id)i),
				 d->scope == SETTING_AT_START ? " (at start)" : "");
			draw_text_clipped(y, origin_x, COLS - origin_x, from,
					  on_cursor ? a : draw_attr(UI_COLOR_DIM));
		}
	}
	const struct setting_def *cur = config_setting_def((enum setting_id)settings.cursor);
	char help[512];
	snprintf(help, sizeof(help), "%s: %s%s", cur->name, cur->help,
		 cur->scope == SETTING_AT_START ? " (takes effect at the next start)" : "");
	draw_text(LINES - 3, 1, COLS - 2, help, A_NORMAL);
	if (settings.message[0])
		draw_text(LINES - 2, 1, COLS - 2, settings.message,
			  draw_attr(settings.message_is_error ? UI_COLOR_WARN : UI_COLOR_NOTICE));
	static const struct draw_key_hint hints[] = {
		{ "Enter", "Change", "settings.change" },
		{ "F2", "Save to ~/.sipmonrc", "settings.save" }, { "Esc", "Back", "global.back" },
		{ "F1", "Help", "global.help" },
	};
	static const struct draw_key_hint editing_hints[] = {
		{ "Enter", "Set", NULL }, { "Esc", "Cancel", NULL },
	};
	if (settings.editing)
		draw_key_bar(editing_hints, sizeof(editing_hints) / sizeof(editing_hints[0]));
	else
		draw_key_bar(hints, sizeof(hints) / sizeof(hints[0]));
}

static void say(bool error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(settings.message, sizeof(settings.message), fmt, ap);
	va_end(ap);
	settings.message_is_error = error;
}

/* Sets the setting under the cursor from the settings window. */
static void set_value(struct ui *ui, const char *value)
{
	struct config *cfg = ui_config();
	enum setting_id id = (enum setting_id)settings.cursor;
	char err[512];
	if (!config_set(cfg, id, value, CONFIG_ORIGIN_WINDOW, err, sizeof(err))) {
		say(true, "%s", err);
		return;
	}
	const struct setting_def *d = config_setting_def(id);
	ui_apply_settings(ui);
	say(false, "%s set%s", d->name,
	    d->scope == SETTING_LIVE ? "" : " (takes effect at the next start)");
}

/* Yes/no flips and choices turn to the next one; other values are typed. */
static void change(struct ui *ui)
{
	const struct config *cfg = ui_config();
	enum setting_id id = (enum setting_id)settings.cursor;
	const struct setting_def *d = config_setting_def(id);
	if (d->type == SETTING_BOOL) {
		set_value(ui, config_bool(cfg, id) ? "no" : "yes");
		return;
	}
	if (d->type == SETTING_CHOICE) {
		size_t n = 0, at = 0;
		while (d->choices[n]) {
			if (strcmp(d->choices[n], config_value(cfg, id)) == 0)
				at = n;
			n++;
		}
		set_value(ui, d->choices[(at + 1) % n]);
		return;
	}
	settings.editing = true;
	text_field_set(&settings.field, config_value(cfg, id));
	settings.message[0] = '\0';
}

static void save(void)
{
	struct config *cfg = ui_config();
	char path[CONFIG_ORIGIN_LEN];
	if (!config_user_file(path, sizeof(path))) {
		say(true, "no home directory: nowhere to save");
		return;
	}
	size_t changed = 0;
	for (int i = 0; i < SET_COUNT; i++)
		changed += config_changed(cfg, (enum setting_id)i);
	if (changed == 0) {
		say(false, "nothing changed to save in %s", path);
		return;
	}
	char err[512];
	if (!config_save_changes(cfg, path, err, sizeof(err))) {
		say(true, "%s", err);
		return;
	}
	say(false, "saved %zu changed setting%s to %s", changed, changed == 1 ? "" : "s", path);
}

enum settings_action {
	SETTINGS_UP = 1, SETTINGS_DOWN, SETTINGS_PAGE_UP, SETTINGS_PAGE_DOWN, SETTINGS_CHANGE,
	SETTINGS_SAVE, SETTINGS_RESET,
};

static const struct ui_binding settings_bindings[] = {
	{ { UI_FKEY(KEY_UP), 'k' }, "Up k", "Previous setting", SETTINGS_UP, "settings.up" },
	{ { UI_FKEY(KEY_DOWN), 'j' }, "Down j", "Next setting", SETTINGS_DOWN, "settings.down" },
	{ { UI_FKEY(KEY_PPAGE) }, "PgUp", "Page up", SETTINGS_PAGE_UP, "settings.page_up" },
	{ { UI_FKEY(KEY_NPAGE) }, "PgDn", "Page down", SETTINGS_PAGE_DOWN, "settings.page_down" },
	{ { UI_KEY_ENTER, '\r', ' ' }, "Enter Space", "Change the setting (yes/no and choices turn to the next)", SETTINGS_CHANGE, "settings.change" },
	{ { UI_FKEY(KEY_F(2)), 's', 'S' }, "F2 s", "Save the settings changed here to ~/.sipmonrc", SETTINGS_SAVE, "settings.save" },
	{ { 'd' }, "d", "Back to the default value", SETTINGS_RESET, "settings.reset" },
};

static bool settings_action(struct ui *ui, int action)
{
	if (!ui_config())
		return false;
	size_t page = visible_rows();
	switch (action) {
	case SETTINGS_UP:
		if (settings.cursor > 0)
			settings.cursor--;
		return true;
	case SETTINGS_DOWN:
		if (settings.cursor + 1 < SET_COUNT)
			settings.cursor++;
		return true;
	case SETTINGS_PAGE_UP:
		settings.cursor = settings.cursor > page ? settings.cursor - page : 0;
		return true;
	case SETTINGS_PAGE_DOWN:
		settings.cursor = settings.cursor + page < SET_COUNT ? settings.cursor + page
								     : SET_COUNT - 1;
		return true;
	case SETTINGS_CHANGE:
		change(ui);
		return true;
	case SETTINGS_SAVE:
		save();
		return true;
	case SETTINGS_RESET:
		set_value(ui, config_setting_def((enum setting_id)settings.cursor)->default_value);
		return true;
	default:
		return false;
	}
}

/* While a value is typed, keys edit it; Enter sets it, Esc cancels. */
static bool settings_key(struct ui *ui, int key)
{
	if (!settings.editing)
		return false;
	if (key == UI_KEY_ESC) {
		settings.editing = false;
		settings.message[0] = '\0';
		return true;
	}
	if (key == UI_KEY_ENTER || key == '\r') {
		settings.editing = false;
		set_value(ui, settings.field.text);
		return true;
	}
	text_field_key(&settings.field, key);
	return true;
}

const struct ui_window settings_view_window = {
	.title = "Settings",
	.open = settings_open,
	.draw = settings_draw,
	.action = settings_action,
	.key = settings_key,
	.bindings = settings_bindings,
	.binding_count = sizeof(settings_bindings) / sizeof(settings_bindings[0]),
};
