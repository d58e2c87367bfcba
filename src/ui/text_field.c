/* text_field.c - bounded one-line text input (see text_field.h). */
#include "ui/text_field.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui/draw.h"

/* Where the focused field wants the terminal cursor, placed after the
 * whole screen is drawn (drawing moves the cursor). */
static bool cursor_wanted;
static int cursor_y, cursor_x;

void text_field_set(struct text_field *f, const char *text)
{
	size_t n = strlen(text);
	if (n > TEXT_FIELD_MAX)
		n = TEXT_FIELD_MAX;
	memcpy(f->text, text, n);
	f->text[n] = '\0';
	f->len = f->cursor = n;
}

void text_field_clear(struct text_field *f)
{
	f->text[0] = '\0';
	f->len = f->cursor = 0;
}

static bool is_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

static size_t prev_boundary(const struct text_field *f, size_t at)
{
	while (at > 0 && is_continuation((unsigned char)f->text[--at]))
		;
	return at;
}

static size_t next_boundary(const struct text_field *f, size_t at)
{
	if (at >= f->len)
		return f->len;
	at++;
	while (at < f->len && is_continuation((unsigned char)f->text[at]))
		at++;
	return at;
}

static void erase_range(struct text_field *f, size_t from, size_t to)
{
	memmove(f->text + from, f->text + to, f->len - to + 1);
	f->len -= to - from;
	f->cursor = from;
}

static bool insert_char(struct text_field *f, int code)
{
	char enc[MB_LEN_MAX];
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t n = wcrtomb(enc, (wchar_t)code, &st);
	if (n == (size_t)-1 || n == 0)
		return true;   /* not representable: swallowed */
	if (f->len + n > TEXT_FIELD_MAX) {
		beep();
		return true;
	}
	memmove(f->text + f->cursor + n, f->text + f->cursor, f->len - f->cursor + 1);
	memcpy(f->text + f->cursor, enc, n);
	f->len += n;
	f->cursor += n;
	return true;
}

bool text_field_key(struct text_field *f, int key)
{
	switch (key) {
	case UI_FKEY(KEY_BACKSPACE):
	case 127:
	case UI_CTRL('h'):
		if (f->cursor > 0)
			erase_range(f, prev_boundary(f, f->cursor), f->cursor);
		return true;
	case UI_FKEY(KEY_DC):
		if (f->cursor < f->len)
			erase_range(f, f->cursor, next_boundary(f, f->cursor));
		return true;
	case UI_FKEY(KEY_LEFT):
		f->cursor = prev_boundary(f, f->cursor);
		return true;
	case UI_FKEY(KEY_RIGHT):
		f->cursor = next_boundary(f, f->cursor);
		return true;
	case UI_FKEY(KEY_HOME):
	case UI_CTRL('a'):
		f->cursor = 0;
		return true;
	case UI_FKEY(KEY_END):
	case UI_CTRL('e'):
		f->cursor = f->len;
		return true;
	case UI_CTRL('u'):
		erase_range(f, 0, f->cursor);
		return true;
	case UI_CTRL('w'): {
		size_t at = f->cursor;
		while (at > 0 && f->text[at - 1] == ' ')
			at--;
		while (at > 0 && f->text[at - 1] != ' ')
			at--;
		erase_range(f, at, f->cursor);
		return true;
	}
	default:
		break;
	}
	if (key & UI_KEY_FUNCTION || key < ' ' || key == 127)
		return false;
	return insert_char(f, key);
}

void text_field_draw(const struct text_field *f, int y, int x, int width, bool focused)
{
	if (width <= 0)
		return;
	attr_t a = focused ? A_UNDERLINE | A_BOLD : A_UNDERLINE;
	/* Keep the cursor in view: show the tail when the text is wider. */
	size_t start = 0;
	char before[TEXT_FIELD_MAX + 1];
	for (;;) {
		memcpy(before, f->text + start, f->cursor - start);
		before[f->cursor - start] = '\0';
		if (draw_text_width(before) < width || start >= f->cursor)
			break;
		start = next_boundary(f, start);
	}
	draw_text_fill(y, x, width, f->text + start, a);
	if (focused) {
		int cx = x + draw_text_width(before);
		if (cx >= x + width)
			cx = x + width - 1;
		cursor_wanted = true;
		cursor_y = y;
		cursor_x = cx;
	}
}

void text_field_cursor_reset(void)
{
	cursor_wanted = false;
}

bool text_field_cursor(int *y, int *x)
{
	*y = cursor_y;
	*x = cursor_x;
	return cursor_wanted;
}
