/* confirm_quit.c - quitting stops a live capture, so it asks first. */
#include "ui/window.h"

#include "ui/draw.h"

#define CONFIRM_WIDTH 52
#define CONFIRM_HEIGHT 5

static void confirm_draw(struct ui *ui)
{
	int y0, x0;
	draw_dialog(CONFIRM_HEIGHT, CONFIRM_WIDTH, "Quit", &y0, &x0);
	draw_text_center(y0 + 2, x0 + 1, CONFIRM_WIDTH - 2, "Stop the live capture and quit? (y/n)",
			 A_BOLD);
}

enum confirm_action { CONFIRM_YES = 1, CONFIRM_NO };

static const struct ui_binding confirm_bindings[] = {
	{ { 'y', 'Y', UI_CTRL('c') }, "y", "Quit", CONFIRM_YES, "confirm.yes" },
	{ { 'n', 'N', UI_KEY_ESC }, "n Esc", "Stay", CONFIRM_NO, "confirm.no" },
};

static bool confirm_action(struct ui *ui, int action)
{
	if (action == CONFIRM_YES)
		ui->quit = true;
	else
		ui_pop(ui);
	return true;
}

const struct ui_window confirm_quit_window = {
	.title = "Quit",
	.draw = confirm_draw,
	.action = confirm_action,
	.bindings = confirm_bindings,
	.binding_count = sizeof(confirm_bindings) / sizeof(confirm_bindings[0]),
	.is_dialog = true,
};
