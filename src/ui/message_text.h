/* message_text.h - a SIP message laid out for the screen: split into
 * lines, wrapped to a width, each row knowing what it shows (start line,
 * header, body/SDP) so it can be highlighted.  Used by the raw view and
 * the call flow's side pane. */
#ifndef SIPMON_UI_MESSAGE_TEXT_H
#define SIPMON_UI_MESSAGE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "ui/window.h"

enum text_kind {
	TEXT_INFO = 0,    /* sipmon's own line: time and addresses */
	TEXT_START,       /* request or status line */
	TEXT_HEADER,
	TEXT_BODY,
	TEXT_SDP,         /* an SDP "x=value" line */
};

struct text_row {
	uint32_t off, len;    /* bytes in the text buffer */
	uint8_t kind;         /* enum text_kind */
	uint16_t name_len;    /* header name / SDP type bytes to highlight */
	uint32_t line;        /* 0-based line number within its message */
	uint8_t mark;         /* set by the caller (diff) */
};

struct text_rows {
	struct text_row *rows;
	size_t count, cap;
	size_t limit;         /* rows kept at most; more are counted */
	size_t dropped;
};

/* Appends the rows of one message text[off, off+len) wrapped to width
 * (no wrap when width <= 0).  Lines start as a start line, then headers
 * up to the empty line, then body (SDP lines recognised by "x="). */
void text_rows_add_message(struct text_rows *r, const uint8_t *text, uint32_t off, uint32_t len,
			   int width);
/* One TEXT_INFO row (a line sipmon wrote, e.g. time and addresses). */
void text_rows_add_info(struct text_rows *r, uint32_t off, uint32_t len);
void text_rows_reset(struct text_rows *r);

/* Draws one row at y, x in width columns, highlighted by kind; extra is
 * added to every attribute (the diff marks). */
void text_row_draw(const uint8_t *text, const struct text_row *row, int y, int x, int width,
		   attr_t extra);

#endif
