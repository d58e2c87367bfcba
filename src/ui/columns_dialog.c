/* columns_dialog.c - which columns the call list shows (Call-ID, user
 * agent, transport, final status and talk time are off by default). */
#include "ui/window.h"

#include <stdio.h>

#include "config/config.h"
#include "ui/draw.h"

#define COLUMNS_DIALOG_WIDTH 64

static size_t columns_cursor;

static void columns_open(struct ui *ui)
{
	columns_cursor = 0;
}

static void columns_draw(struct ui *ui)
{
	size_t n = call_list_column_count();
	int y0, x0;
	draw_dialog((int)n + 4, COLUMNS_DIALOG_WIDTH, "Call list columns", &y0, &x0);
	int inner = (COLS < COLUMNS_DIALOG_WIDTH ? COLS : COLUMNS_DIALOG_WIDTH) - 4;
	for (size_t i = 0; i < n; i++) {
		char line[128];
		snprintf(line, sizeof(line), "[%c] %s", call_list_column_shown(i) ? 'x' : ' ',
			 call_list_column_name(i));
		draw_text_fill(y0 + 1 + (int)i, x0 + 2, inner, line,
			       i == columns_cursor ? draw_attr(UI_COLOR_CURSOR) : A_NORMAL);
	}
	draw_text(y0 + (int)n + 2, x0 + 2, inner,
		  "Space toggles; Esc closes. Narrow screens drop the least needed.",
		  draw_attr(UI_COLOR_DIM));
}

enum columns_action { COLUMNS_UP = 1, COLUMNS_DOWN, COLUMNS_TOGGLE, COLUMNS_CLOSE };

static const struct ui_binding columns_bindings[] = {
	{ { UI_FKEY(KEY_UP), 'k' }, "Up k", "Previous column", COLUMNS_UP, "columns.up" },
	{ { UI_FKEY(KEY_DOWN), 'j' }, "Down j", "Next column", COLUMNS_DOWN, "columns.down" },
	{ { ' ', UI_KEY_ENTER, '\r' }, "Space Enter", "Show / hide the column", COLUMNS_TOGGLE, "columns.toggle" },
	{ { UI_KEY_ESC, 'q' }, "Esc q", "Close", COLUMNS_CLOSE, "columns.close" },
};

static bool columns_action(struct ui *ui, int action)
{
	size_t n = call_list_column_count();
	switch (action) {
	case COLUMNS_UP:
		if (columns_cursor > 0)
			columns_cursor--;
		return true;
	case COLUMNS_DOWN:
		if (columns_cursor + 1 < n)
			columns_cursor++;
		return true;
	case COLUMNS_TOGGLE: {
		call_list_column_toggle(columns_cursor);
		/* The choice is list.columns, so the settings window can
		 * save it to ~/.sipmonrc. */
		struct config *cfg = ui_config();
		char spec[CONFIG_VALUE_MAX], err[256];
		call_list_columns_spec(spec, sizeof(spec));
		if (cfg)
			config_set(cfg, SET_LIST_COLUMNS, spec, CONFIG_ORIGIN_WINDOW, err, sizeof(err));
		return true;
	}
	case COLUMNS_CLOSE:
		ui_pop(ui);
		return true;
	default:
		return false;
	}
}

const struct ui_window columns_dialog_window = {
	.title = "Columns",
	.open = columns_open,
	.draw = columns_draw,
	.action = columns_action,
	.bindings = columns_bindings,
	.binding_count = sizeof(columns_bindings) / sizeof(columns_bindings[0]),
	.is_dialog = true,
};
