/* help.c - the keys of the window help was asked from, and the keys every
 * window shares, straight from their binding tables (so help always says
 * what the keys do). */
#include "ui/window.h"

#include <stdio.h>

#include "ui/draw.h"

#define HELP_WIDTH 96
#define HELP_KEY_WIDTH 16

static size_t help_top;

static void help_open(struct ui *ui)
{
	help_top = 0;
}

struct help_line {
	const char *keys, *text;
	bool heading;
};

/* The lines help shows: the window's bindings, then the shared ones. */
static size_t help_lines(const struct ui *ui, struct help_line *out, size_t cap)
{
	const struct ui_window *w = ui_window_of(ui->help_for);
	size_t n = 0;
	if (n < cap)
		out[n++] = (struct help_line){ NULL, w->title, true };
	for (size_t i = 0; i < w->binding_count && n < cap; i++)
		out[n++] = (struct help_line){ keymap_key_names(ui->help_for, i), w->bindings[i].help,
					       false };
	if (!w->is_dialog) {
		if (n < cap)
			out[n++] = (struct help_line){ NULL, "Every window", true };
		for (size_t i = 0; i < ui_global_binding_count && n < cap; i++)
			out[n++] = (struct help_line){ keymap_key_names(UI_KEYMAP_GLOBAL, i),
						       ui_global_bindings[i].help, false };
	}
	return n;
}

#define HELP_MAX_LINES 64

static void help_draw(struct ui *ui)
{
	struct help_line lines[HELP_MAX_LINES];
	size_t n = help_lines(ui, lines, HELP_MAX_LINES);
	int h = (int)n + 4;
	int y0, x0;
	draw_dialog(h, HELP_WIDTH, "Help", &y0, &x0);
	int inner = (COLS < HELP_WIDTH ? COLS : HELP_WIDTH) - 4;
	int rows = (h > LINES ? LINES : h) - 4;
	if (help_top + (size_t)rows > n)
		help_top = n > (size_t)rows ? n - (size_t)rows : 0;
	for (int r = 0; r < rows && help_top + (size_t)r < n; r++) {
		const struct help_line *l = &lines[help_top + (size_t)r];
		int y = y0 + 1 + r;
		if (l->heading) {
			draw_text(y, x0 + 2, inner, l->text, A_BOLD | A_UNDERLINE);
			continue;
		}
		draw_text(y, x0 + 2, HELP_KEY_WIDTH, l->keys, draw_attr(UI_COLOR_REQUEST));
		draw_text(y, x0 + 2 + HELP_KEY_WIDTH, inner - HELP_KEY_WIDTH, l->text, A_NORMAL);
	}
	draw_text_center(y0 + (h > LINES ? LINES : h) - 2, x0 + 1, inner + 2,
			 "Up/Down scroll, any other key closes", draw_attr(UI_COLOR_DIM));
}

enum help_action { HELP_UP = 1, HELP_DOWN };

static const struct ui_binding help_bindings[] = {
	{ { UI_FKEY(KEY_UP), 'k' }, "Up k", "Scroll up", HELP_UP, "help.up" },
	{ { UI_FKEY(KEY_DOWN), 'j' }, "Down j", "Scroll down", HELP_DOWN, "help.down" },
};

static bool help_action(struct ui *ui, int action)
{
	if (action == HELP_UP && help_top > 0)
		help_top--;
	else if (action == HELP_DOWN)
		help_top++;
	return true;
}

/* Any key that does not scroll closes help. */
static bool help_key(struct ui *ui, int key)
{
	if (keymap_find(UI_WIN_HELP, key))
		return false;
	ui_pop(ui);
	return true;
}

const struct ui_window help_window = {
	.title = "Help",
	.open = help_open,
	.draw = help_draw,
	.action = help_action,
	.key = help_key,
	.bindings = help_bindings,
	.binding_count = sizeof(help_bindings) / sizeof(help_bindings[0]),
	.is_dialog = true,
};
