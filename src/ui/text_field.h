/* text_field.h - a one-line text input of bounded length (the display
 * filter, the filter and save dialogs' fields).  Holds UTF-8; keys are
 * the main loop's (characters as code points, UI_KEY_FUNCTION keys). */
#ifndef SIPMON_UI_TEXT_FIELD_H
#define SIPMON_UI_TEXT_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/window.h"

/* Longest text a field accepts: filters and paths are short; the limit
 * keeps input bounded (typing more is refused, not overflowed). */
#define TEXT_FIELD_MAX 256

struct text_field {
	char text[TEXT_FIELD_MAX + 1];
	size_t len;      /* bytes */
	size_t cursor;   /* byte offset, on a character boundary */
};

void text_field_set(struct text_field *f, const char *text);
void text_field_clear(struct text_field *f);
/* Edits f with key (characters, Backspace, Delete, Left/Right, Home/End,
 * Ctrl-U, Ctrl-W); true when the key was an editing key. */
bool text_field_key(struct text_field *f, int key);
/* Draws f in width columns; shows the cursor when focused. */
void text_field_draw(const struct text_field *f, int y, int x, int width, bool focused);
/* The main loop shows the terminal cursor where the focused field drawn
 * since the last reset wants it, and hides it otherwise. */
void text_field_cursor_reset(void);
bool text_field_cursor(int *y, int *x);

#endif
