/* draw.c - drawing helpers (see draw.h). */
#include "config.h"

#include "ui/draw.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "config/config.h"
#include "dissect/packet.h"
#include "ui/keymap.h"

static bool draw_utf8;
static bool draw_color;

/* Attributes by role; the colours themselves are settings (color.*,
 * config/config.c), -1 being the terminal's default colour. */
struct color_role {
	attr_t extra;      /* added in colour mode */
	attr_t mono;       /* used instead on a monochrome terminal */
};

static const struct color_role color_roles[UI_COLOR_COUNT] = {
	[UI_COLOR_NORMAL] = { A_NORMAL, A_NORMAL },
	[UI_COLOR_TITLE] = { A_BOLD, A_REVERSE },
	[UI_COLOR_HEADER] = { A_NORMAL, A_REVERSE | A_BOLD },
	[UI_COLOR_CURSOR] = { A_NORMAL, A_REVERSE },
	[UI_COLOR_SELECTED] = { A_BOLD, A_BOLD | A_UNDERLINE },
	[UI_COLOR_WARN] = { A_BOLD, A_REVERSE | A_BOLD },
	[UI_COLOR_GOOD] = { A_NORMAL, A_NORMAL },
	[UI_COLOR_BAD] = { A_NORMAL, A_BOLD },
	[UI_COLOR_NOTICE] = { A_NORMAL, A_BOLD },
	[UI_COLOR_REQUEST] = { A_BOLD, A_BOLD },
	[UI_COLOR_RESPONSE] = { A_NORMAL, A_NORMAL },
	[UI_COLOR_RETRANS] = { A_NORMAL, A_UNDERLINE },
	[UI_COLOR_SDP] = { A_NORMAL, A_NORMAL },
	[UI_COLOR_RTP] = { A_NORMAL, A_DIM },
	[UI_COLOR_START_LINE] = { A_BOLD, A_BOLD },
	[UI_COLOR_HEADER_NAME] = { A_BOLD, A_BOLD },
	[UI_COLOR_DIM] = { A_BOLD, A_DIM },
	[UI_COLOR_KEY] = { A_NORMAL, A_REVERSE },
	[UI_COLOR_DIFF] = { A_NORMAL, A_REVERSE },
};

struct glyph_pair {
	const wchar_t *wide;
	char ascii;
};

static const struct glyph_pair glyphs[GLYPH_COUNT] = {
	[GLYPH_HLINE] = { L"\u2500", '-' },
	[GLYPH_VLINE] = { L"\u2502", '|' },
	[GLYPH_TL] = { L"\u250c", '+' },
	[GLYPH_TR] = { L"\u2510", '+' },
	[GLYPH_BL] = { L"\u2514", '+' },
	[GLYPH_BR] = { L"\u2518", '+' },
	[GLYPH_TEE_DOWN] = { L"\u252c", '+' },
	[GLYPH_TEE_UP] = { L"\u2534", '+' },
	[GLYPH_TEE_RIGHT] = { L"\u251c", '+' },
	[GLYPH_TEE_LEFT] = { L"\u2524", '+' },
	/* Arrow heads stay ASCII: the triangles are "ambiguous width" in
	 * Unicode and break alignment in some terminals. */
	[GLYPH_ARROW_RIGHT] = { L">", '>' },
	[GLYPH_ARROW_LEFT] = { L"<", '<' },
	[GLYPH_BLOCK] = { L"\u2588", '#' },
	[GLYPH_SHADE] = { L"\u2591", '.' },
};

static bool terminal_color;

/* The colour pair of each role from its color.* setting (the defaults
 * when there is no configuration). */
static void init_pairs(const struct config *cfg)
{
	for (short i = 1; i < UI_COLOR_COUNT; i++) {
		enum setting_id id = (enum setting_id)(SET_COLOR_TITLE + i - 1);
		const char *v = cfg ? config_value(cfg, id) : config_setting_def(id)->default_value;
		short fg, bg;
		if (!config_parse_color(v, &fg, &bg))
			fg = bg = -1;
		/* A 256-colour number on an 8-colour terminal: the default. */
		if (fg >= COLORS)
			fg = -1;
		if (bg >= COLORS)
			bg = -1;
		init_pair(i, fg, bg);
	}
}

void draw_init(bool utf8, bool color)
{
	draw_utf8 = utf8;
	draw_color = terminal_color = color;
	if (!color)
		return;
	start_color();
	use_default_colors();
	init_pairs(NULL);
}

void draw_apply_settings(const struct config *cfg)
{
	draw_color = terminal_color && strcmp(config_value(cfg, SET_UI_THEME), "mono") != 0;
	if (terminal_color)
		init_pairs(cfg);
}

attr_t draw_attr(enum ui_color c)
{
	if (c <= UI_COLOR_NORMAL || c >= UI_COLOR_COUNT)
		return A_NORMAL;
	if (!draw_color)
		return color_roles[c].mono;
	return COLOR_PAIR(c) | color_roles[c].extra;
}

/* The character at p[i] (len bytes in all) and how many bytes it takes:
 * untrusted bytes that are not valid in the locale become '?'. */
static wchar_t next_char(const uint8_t *p, size_t len, size_t i, mbstate_t *st, size_t *used)
{
	*used = 1;
	if (!draw_utf8)
		return p[i] < 0x80 ? (wchar_t)p[i] : L'?';
	wchar_t wc;
	size_t r = mbrtowc(&wc, (const char *)p + i, len - i, st);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		memset(st, 0, sizeof(*st));
		return L'?';
	}
	*used = r;
	return wc;
}

/* Longest run drawn at once; a screen line is never wider. */
#define DRAW_MAX_COLUMNS 1024

int draw_bytes(int y, int x, int width, const uint8_t *p, size_t len, attr_t a)
{
	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + width > COLS)
		width = COLS - x;
	if (width > DRAW_MAX_COLUMNS)
		width = DRAW_MAX_COLUMNS;
	wchar_t out[DRAW_MAX_COLUMNS + 1];
	int n = 0, cols = 0;
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t i = 0;
	while (i < len && cols < width) {
		size_t used;
		wchar_t wc = next_char(p, len, i, &st, &used);
		i += used;
		if (wc == L'\t')
			wc = L' ';
		int w = wcwidth(wc);
		if (w < 0) {
			wc = L'?';
			w = 1;
		}
		if (w == 0)
			continue;   /* combining marks: dropped rather than misaligned */
		if (cols + w > width)
			break;
		out[n++] = wc;
		cols += w;
	}
	out[n] = L'\0';
	attr_t old_attr;
	short old_pair;
	attr_get(&old_attr, &old_pair, NULL);
	attrset(a);
	mvaddnwstr(y, x, out, n);
	attr_set(old_attr, old_pair, NULL);
	return cols;
}

int draw_text(int y, int x, int width, const char *s, attr_t a)
{
	return draw_bytes(y, x, width, (const uint8_t *)s, s ? strlen(s) : 0, a);
}

void draw_text_clipped(int y, int x, int width, const char *s, attr_t a)
{
	if (width <= 1 || draw_text_width(s) <= width) {
		draw_text(y, x, width, s, a);
		return;
	}
	int used = draw_text(y, x, width - 1, s, a);
	draw_text(y, x + used, 1, draw_utf8 ? "\u2026" : "~", a);
}

void draw_text_fill(int y, int x, int width, const char *s, attr_t a)
{
	int used = draw_text(y, x, width, s, a);
	if (x + width > COLS)
		width = COLS - x;
	if (used < width) {
		attr_t old_attr;
		short old_pair;
		attr_get(&old_attr, &old_pair, NULL);
		attrset(a);
		mvhline(y, x + used, ' ', width - used);
		attr_set(old_attr, old_pair, NULL);
	}
}

size_t draw_fit_bytes(const uint8_t *p, size_t len, int width)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t i = 0;
	int cols = 0;
	while (i < len) {
		size_t used;
		wchar_t wc = next_char(p, len, i, &st, &used);
		int w = wcwidth(wc == L'\t' ? L' ' : wc);
		if (w < 0)
			w = 1;
		if (cols + w > width && i > 0)
			break;
		cols += w;
		i += used;
	}
	return i;
}

int draw_text_width(const char *s)
{
	if (!s)
		return 0;
	if (!draw_utf8)
		return (int)strlen(s);
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t len = strlen(s), i = 0;
	int cols = 0;
	while (i < len) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, s + i, len - i, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			memset(&st, 0, sizeof(st));
			r = 1;
			wc = L'?';
		}
		i += r;
		int w = wcwidth(wc == L'\t' ? L' ' : wc);
		cols += w < 0 ? 1 : w;
	}
	return cols;
}

void draw_text_right(int y, int x, int width, const char *s, attr_t a)
{
	int w = draw_text_width(s);
	int pad = width > w ? width - w : 0;
	draw_text(y, x + pad, width - pad, s, a);
}

void draw_text_center(int y, int x, int width, const char *s, attr_t a)
{
	int w = draw_text_width(s);
	int pad = width > w ? (width - w) / 2 : 0;
	draw_text(y, x + pad, width - pad, s, a);
}

void draw_glyph(int y, int x, enum draw_glyph g, attr_t a)
{
	if (y < 0 || y >= LINES || x < 0 || x >= COLS || g >= GLYPH_COUNT)
		return;
	if (draw_utf8) {
		cchar_t cc;
		setcchar(&cc, glyphs[g].wide, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
		mvadd_wch(y, x, &cc);
	} else {
		mvaddch(y, x, (chtype)glyphs[g].ascii | a);
	}
}

void draw_hline(int y, int x, int n, attr_t a)
{
	for (int i = 0; i < n; i++)
		draw_glyph(y, x + i, GLYPH_HLINE, a);
}

void draw_vline(int y, int x, int n, attr_t a)
{
	for (int i = 0; i < n; i++)
		draw_glyph(y + i, x, GLYPH_VLINE, a);
}

void draw_dialog(int h, int w, const char *title, int *y, int *x)
{
	if (h > LINES)
		h = LINES;
	if (w > COLS)
		w = COLS;
	*y = (LINES - h) / 2;
	*x = (COLS - w) / 2;
	attr_t a = draw_attr(UI_COLOR_NORMAL);
	for (int r = 0; r < h; r++)
		mvhline(*y + r, *x, ' ', w);
	draw_glyph(*y, *x, GLYPH_TL, a);
	draw_hline(*y, *x + 1, w - 2, a);
	draw_glyph(*y, *x + w - 1, GLYPH_TR, a);
	draw_vline(*y + 1, *x, h - 2, a);
	draw_vline(*y + 1, *x + w - 1, h - 2, a);
	draw_glyph(*y + h - 1, *x, GLYPH_BL, a);
	draw_hline(*y + h - 1, *x + 1, w - 2, a);
	draw_glyph(*y + h - 1, *x + w - 1, GLYPH_BR, a);
	if (title) {
		char t[128];
		snprintf(t, sizeof(t), " %s ", title);
		draw_text_center(*y, *x + 1, w - 2, t, draw_attr(UI_COLOR_START_LINE));
	}
}

void draw_key_bar(const struct draw_key_hint *hints, size_t n)
{
	int y = LINES - 1, x = 0;
	move(y, 0);
	clrtoeol();
	for (size_t i = 0; i < n && x < COLS; i++) {
		const char *key = keymap_bar_key(hints[i].action);
		if (key && !key[0])
			continue;
		x += draw_text(y, x, COLS - x, key ? key : hints[i].key, draw_attr(UI_COLOR_KEY));
		if (x < COLS)
			x += 1;
		x += draw_text(y, x, COLS - x, hints[i].what, A_NORMAL);
		x += 2;
	}
}

void draw_title_bar(const struct ui *ui, const char *title)
{
	attr_t a = draw_attr(UI_COLOR_TITLE);
	char right[96];
	bool paused = ui->ctx->pipeline && pipeline_paused(ui->ctx->pipeline);
	snprintf(right, sizeof(right), "%s%s  sipmon %s ", paused ? "PAUSED  " : "",
		 ui->ctx->mode ? ui->ctx->mode : "", PACKAGE_VERSION);
	draw_text_fill(0, 0, COLS, " ", a);
	int right_w = draw_text_width(right);
	/* The title keeps the room it needs; sipmon's name goes first. */
	if (draw_text_width(title) + 2 + right_w > COLS)
		right_w = 0;
	draw_text_clipped(0, 1, COLS - 1 - right_w, title, a);
	if (right_w)
		draw_text_right(0, 0, COLS, right, a);
}

char *draw_format_clock(int64_t ts_ns, bool with_us, char *buf, size_t cap)
{
	time_t secs = (time_t)(ts_ns / NS_PER_SEC);
	struct tm tm;
	if (ts_ns <= 0 || !localtime_r(&secs, &tm)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	if (with_us)
		snprintf(buf, cap, "%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (long)(ts_ns % NS_PER_SEC / 1000));
	else
		snprintf(buf, cap, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

char *draw_format_duration(int64_t ns, char *buf, size_t cap)
{
	if (ns < 0) {
		snprintf(buf, cap, "-");
		return buf;
	}
	const int64_t secs_per_day = 86400;
	int64_t s = ns / NS_PER_SEC;
	if (s >= secs_per_day)
		snprintf(buf, cap, "%lldd %02lld:%02lld:%02lld", (long long)(s / secs_per_day),
			 (long long)(s % secs_per_day / 3600), (long long)(s % 3600 / 60),
			 (long long)(s % 60));
	else
		snprintf(buf, cap, "%lld:%02lld:%02lld", (long long)(s / 3600),
			 (long long)(s % 3600 / 60), (long long)(s % 60));
	return buf;
}
