/* message_text.c - SIP message rows for the screen (see message_text.h). */
#include "ui/message_text.h"

#include <stdlib.h>
#include <string.h>

#include "ui/draw.h"
#include "util/xalloc.h"

static void push_row(struct text_rows *r, const struct text_row *row)
{
	if (r->limit && r->count >= r->limit) {
		r->dropped++;
		return;
	}
	if (r->count == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->rows = xrealloc(r->rows, r->cap * sizeof(*r->rows));
	}
	r->rows[r->count++] = *row;
}

void text_rows_reset(struct text_rows *r)
{
	r->count = 0;
	r->dropped = 0;
}

void text_rows_add_info(struct text_rows *r, uint32_t off, uint32_t len)
{
	struct text_row row = { .off = off, .len = len, .kind = TEXT_INFO };
	push_row(r, &row);
}

/* An SDP line is one letter and '=' (RFC 8866 5). */
static bool is_sdp_line(const uint8_t *p, size_t len)
{
	return len >= 2 && p[1] == '=' && p[0] >= 'a' && p[0] <= 'z';
}

void text_rows_add_message(struct text_rows *r, const uint8_t *text, uint32_t off, uint32_t len,
			   int width)
{
	enum text_kind kind = TEXT_START;
	uint32_t line = 0;
	uint32_t at = off, end = off + len;
	while (at < end) {
		const uint8_t *p = text + at;
		const uint8_t *nl = memchr(p, '\n', end - at);
		uint32_t line_len = nl ? (uint32_t)(nl - p) : end - at;
		uint32_t next = at + line_len + (nl ? 1 : 0);
		if (line_len && p[line_len - 1] == '\r')
			line_len--;
		if (kind == TEXT_HEADER && line_len == 0)
			kind = TEXT_BODY;
		enum text_kind this_kind = kind;
		uint16_t name_len = 0;
		if (this_kind == TEXT_HEADER) {
			const uint8_t *colon = memchr(p, ':', line_len);
			/* Folded continuation lines start with white space. */
			if (colon && line_len && p[0] != ' ' && p[0] != '\t')
				name_len = (uint16_t)(colon - p);
		} else if (this_kind == TEXT_BODY && is_sdp_line(p, line_len)) {
			this_kind = TEXT_SDP;
			name_len = 1;
		}
		uint32_t done = 0;
		do {
			uint32_t take = line_len - done;
			if (width > 0 && take)
				take = (uint32_t)draw_fit_bytes(p + done, take, width);
			struct text_row row = {
				.off = at + done, .len = take, .kind = (uint8_t)this_kind,
				.name_len = done == 0 ? name_len : 0, .line = line,
			};
			push_row(r, &row);
			done += take;
		} while (done < line_len);
		if (kind == TEXT_START)
			kind = TEXT_HEADER;
		line++;
		at = next;
	}
}

void text_row_draw(const uint8_t *text, const struct text_row *row, int y, int x, int width,
		   attr_t extra)
{
	const uint8_t *p = text + row->off;
	attr_t base = extra;
	int used = 0;
	switch (row->kind) {
	case TEXT_INFO:
		draw_bytes(y, x, width, p, row->len, draw_attr(UI_COLOR_DIM) | extra);
		return;
	case TEXT_START:
		draw_bytes(y, x, width, p, row->len, draw_attr(UI_COLOR_START_LINE) | extra);
		return;
	case TEXT_HEADER:
		if (row->name_len && row->name_len <= row->len)
			used = draw_bytes(y, x, width, p, row->name_len, draw_attr(UI_COLOR_HEADER_NAME) | extra);
		break;
	case TEXT_SDP:
		if (row->name_len && row->name_len <= row->len)
			used = draw_bytes(y, x, width, p, row->name_len, draw_attr(UI_COLOR_SDP) | A_BOLD | extra);
		base = draw_attr(UI_COLOR_SDP) | extra;
		break;
	default:
		break;
	}
	uint32_t skip = used ? row->name_len : 0;
	draw_bytes(y, x + used, width - used, p + skip, row->len - skip, base);
}
