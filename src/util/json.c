/* json.c - see json.h. */
#include "util/json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void json_init(struct json *j, FILE *out, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
	j->first[0] = true;
}

static void newline_indent(struct json *j)
{
	if (!j->pretty)
		return;
	static const char spaces[2 * JSON_MAX_DEPTH + 1] = "                                ";
	fputc_unlocked('\n', j->out);
	fwrite_unlocked(spaces, 1, 2 * (size_t)j->depth, j->out);
}

/* Separator before a value in an array, or before a key in an object. */
static void before_item(struct json *j)
{
	if (!j->first[j->depth])
		fputc_unlocked(',', j->out);
	j->first[j->depth] = false;
	if (j->depth > 0)
		newline_indent(j);
}

static void before_value(struct json *j)
{
	if (j->after_key)
		j->after_key = false;
	else
		before_item(j);
}

static void open(struct json *j, char c)
{
	before_value(j);
	fputc_unlocked(c, j->out);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void close(struct json *j, char c)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		newline_indent(j);
	fputc_unlocked(c, j->out);
	if (j->depth == 0 && j->pretty)
		fputc_unlocked('\n', j->out);
}

void json_object_begin(struct json *j) { open(j, '{'); }
void json_object_end(struct json *j) { close(j, '}'); }
void json_array_begin(struct json *j) { open(j, '['); }
void json_array_end(struct json *j) { close(j, ']'); }

/* Length of a valid UTF-8 sequence at s (RFC 3629 4), or 0. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t min, cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0) { len = 2; min = 0x80; cp = c & 0x1F; }
	else if ((c & 0xF0) == 0xE0) { len = 3; min = 0x800; cp = c & 0x0F; }
	else if ((c & 0xF8) == 0xF0) { len = 4; min = 0x10000; cp = c & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

/* Writes runs of plain characters with one fwrite each; only quotes,
 * backslashes, control characters and non-ASCII bytes are looked at one by
 * one. */
static void raw_string(struct json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	FILE *out = j->out;
	fputc_unlocked('"', out);
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && !needs_escape(s[run]))
			run++;
		if (run > i) {
			fwrite_unlocked(s + i, 1, run - i, out);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			fputc_unlocked('\\', out);
			fputc_unlocked(c, out);
			i++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n': fputs_unlocked("\\n", out); break;
			case '\r': fputs_unlocked("\\r", out); break;
			case '\t': fputs_unlocked("\\t", out); break;
			default: fprintf(out, "\\u%04x", c); break;
			}
			i++;
		} else {
			size_t len = utf8_valid_len(s + i, n - i);
			if (len == 0) {
				fputs_unlocked("\\ufffd", out);
				i++;
			} else {
				fwrite_unlocked(s + i, 1, len, out);
				i += len;
			}
		}
	}
	fputc_unlocked('"', out);
}

void json_key(struct json *j, const char *key)
{
	before_item(j);
	raw_string(j, key, strlen(key));
	fputs_unlocked(j->pretty ? ": " : ":", j->out);
	j->after_key = true;
}

void json_string_n(struct json *j, const char *s, size_t len)
{
	before_value(j);
	raw_string(j, s, len);
}

void json_string(struct json *j, const char *s)
{
	before_value(j);
	if (!s)
		fputs_unlocked("null", j->out);
	else
		raw_string(j, s, strlen(s));
}

/* Decimal digits of v, written backwards from end; returns the start. */
static char *format_u64(uint64_t v, char *end)
{
	char *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

void json_u64(struct json *j, uint64_t v)
{
	char buf[24];
	before_value(j);
	char *p = format_u64(v, buf + sizeof(buf));
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), j->out);
}

void json_i64(struct json *j, int64_t v)
{
	char buf[24];
	before_value(j);
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char *p = format_u64(mag, buf + sizeof(buf));
	if (v < 0)
		*--p = '-';
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), j->out);
}

void json_ns_as_ms(struct json *j, int64_t ns)
{
	char buf[32];
	before_value(j);
	uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	uint64_t us = (mag + 500) / 1000; /* round to the microsecond */
	char *end = buf + sizeof(buf);
	char *p = end;
	uint64_t frac = us % 1000;
	for (int i = 0; i < 3; i++) {
		*--p = (char)('0' + frac % 10);
		frac /= 10;
	}
	*--p = '.';
	p = format_u64(us / 1000, p);
	if (ns < 0)
		*--p = '-';
	fwrite_unlocked(p, 1, (size_t)(end - p), j->out);
}

void json_double(struct json *j, double v, int decimals)
{
	before_value(j);
	if (!isfinite(v))
		fputs_unlocked("null", j->out);
	else
		fprintf(j->out, "%.*f", decimals, v);
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	fputs_unlocked(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	before_value(j);
	fputs_unlocked("null", j->out);
}
