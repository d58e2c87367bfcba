/* draw.h - drawing helpers shared by the windows: colours with a
 * monochrome fallback, text clipped to a width in display columns (UTF-8,
 * untrusted bytes made printable), line drawing with wide characters (or
 * ASCII when the locale is not UTF-8), dialog frames and the key bar. */
#ifndef SIPMON_UI_DRAW_H
#define SIPMON_UI_DRAW_H

#include <stddef.h>
#include <stdint.h>

#include "ui/window.h"

enum ui_color {
	UI_COLOR_NORMAL = 0,
	UI_COLOR_TITLE,       /* the top bar */
	UI_COLOR_HEADER,      /* column headers */
	UI_COLOR_CURSOR,      /* the row under the cursor */
	UI_COLOR_SELECTED,    /* multi-selected rows */
	UI_COLOR_WARN,        /* drops, errors: must catch the eye */
	UI_COLOR_GOOD,
	UI_COLOR_BAD,         /* failed calls */
	UI_COLOR_NOTICE,      /* busy, diverted, in progress */
	UI_COLOR_REQUEST,
	UI_COLOR_RESPONSE,
	UI_COLOR_RETRANS,
	UI_COLOR_SDP,
	UI_COLOR_RTP,
	UI_COLOR_START_LINE,
	UI_COLOR_HEADER_NAME,
	UI_COLOR_DIM,
	UI_COLOR_KEY,         /* key names in the key bar */
	UI_COLOR_DIFF,        /* lines only one side of a diff has */
	UI_COLOR_COUNT
};

void draw_init(bool utf8, bool color);
/* The color.* and ui.theme settings, at start and when they change. */
struct config;
void draw_apply_settings(const struct config *cfg);
attr_t draw_attr(enum ui_color c);

/* Draws UTF-8 (or any) bytes at y, x in at most width columns; bytes that
 * are not printable show as '?' (a tab as a space).  Returns the columns
 * used. */
int draw_bytes(int y, int x, int width, const uint8_t *p, size_t len, attr_t a);
int draw_text(int y, int x, int width, const char *s, attr_t a);
/* Like draw_text, ending with an ellipsis when the text was cut. */
void draw_text_clipped(int y, int x, int width, const char *s, attr_t a);
/* Like draw_text, then fills the rest of width with spaces in a. */
void draw_text_fill(int y, int x, int width, const char *s, attr_t a);
/* Right-aligned, or centred, in width columns. */
void draw_text_right(int y, int x, int width, const char *s, attr_t a);
void draw_text_center(int y, int x, int width, const char *s, attr_t a);
/* How many of the len bytes at p fit in width columns (at least one
 * character when len > 0, so wrapping always advances). */
size_t draw_fit_bytes(const uint8_t *p, size_t len, int width);
/* Display columns the UTF-8 string takes. */
int draw_text_width(const char *s);

enum draw_glyph {
	GLYPH_HLINE, GLYPH_VLINE,
	GLYPH_TL, GLYPH_TR, GLYPH_BL, GLYPH_BR,
	GLYPH_TEE_DOWN, GLYPH_TEE_UP, GLYPH_TEE_RIGHT, GLYPH_TEE_LEFT,
	GLYPH_ARROW_RIGHT, GLYPH_ARROW_LEFT,
	GLYPH_BLOCK, GLYPH_SHADE,
	GLYPH_COUNT
};
void draw_glyph(int y, int x, enum draw_glyph g, attr_t a);
void draw_hline(int y, int x, int n, attr_t a);
void draw_vline(int y, int x, int n, attr_t a);

/* A centred dialog frame of h x w (clamped to the screen) with its title;
 * its inside is cleared.  *y, *x receive the frame's top-left corner. */
void draw_dialog(int h, int w, const char *title, int *y, int *x);

/* The bottom key bar: pairs of key name and what it does.  A hint naming
 * its action ("list.save") follows sipmon.rc's bind and unbind lines: the
 * key in force is shown instead of key, and an unbound action is left
 * out. */
struct draw_key_hint {
	const char *key;
	const char *what;
	const char *action; /* or NULL: key is fixed text */
};
void draw_key_bar(const struct draw_key_hint *hints, size_t n);

/* The top bar: window title left, sipmon and the capture mode right. */
void draw_title_bar(const struct ui *ui, const char *title);

/* "22:13:20.002000" (with_us) or "22:13:20", local time like tcpdump and
 * sngrep show it (the report uses UTC; TZ=UTC makes them agree). */
char *draw_format_clock(int64_t ts_ns, bool with_us, char *buf, size_t cap);
/* "0:01:23", "12:34:56", "3d 04:05:06"; "-" when ns < 0. */
char *draw_format_duration(int64_t ns, char *buf, size_t cap);

#endif
