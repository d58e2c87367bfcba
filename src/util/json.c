/* json.c - see json.h. */
#include "util/json.h"

#include "util/utf8.h"

#include <math.h>
#include <string.h>

void json_init(struct json *j, FILE *out, bool pretty)
{
	j->out = out;
	j->depth = 0;
	j->pretty = pretty;
	j->after_key = false;
	j->used = 0;
	memset(j->first, 0, sizeof(j->first));
	j->first[0] = true;
}

void json_flush(struct json *j)
{
	if (j->used) {
		fwrite(j->buf, 1, j->used, j->out);
		j->used = 0;
	}
}

static void put(struct json *j, const void *p, size_t n)
{
	if (j->used + n > sizeof(j->buf)) {
		json_flush(j);
		if (n > sizeof(j->buf)) {
			fwrite(p, 1, n, j->out);
			return;
		}
	}
	memcpy(j->buf + j->used, p, n);
	j->used += n;
}

static void put_char(struct json *j, char c)
{
	if (j->used == sizeof(j->buf))
		json_flush(j);
	j->buf[j->used++] = c;
}

static void newline_indent(struct json *j)
{
	static const char spaces[2 * JSON_MAX_DEPTH + 1] = "                                ";
	if (!j->pretty)
		return;
	put_char(j, '\n');
	put(j, spaces, 2 * (size_t)j->depth);
}

/* Separator before a value in an array, or before a key in an object. */
static void before_item(struct json *j)
{
	if (!j->first[j->depth])
		put_char(j, ',');
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
	put_char(j, c);
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
	put_char(j, c);
	if (j->depth == 0) {
		if (j->pretty)
			put_char(j, '\n');
		json_flush(j);
	}
}

void json_object_begin(struct json *j) { open(j, '{'); }
void json_object_end(struct json *j) { close(j, '}'); }
void json_array_begin(struct json *j) { open(j, '['); }
void json_array_end(struct json *j) { close(j, ']'); }

static bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

/* Copies runs of plain characters at once; only quotes, backslashes,
 * control characters and non-ASCII bytes are looked at one by one. */
static void quoted_string(struct json *j, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	put_char(j, '"');
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && !needs_escape(s[run]))
			run++;
		if (run > i) {
			put(j, s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			put(j, esc, 2);
			i++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n': put(j, "\\n", 2); break;
			case '\r': put(j, "\\r", 2); break;
			case '\t': put(j, "\\t", 2); break;
			default: {
				char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				put(j, esc, 6);
				break;
			}
			}
			i++;
		} else {
			size_t len = utf8_valid_len(s + i, n - i);
			if (len == 0) {
				put(j, "\\ufffd", 6);
				i++;
			} else {
				put(j, s + i, len);
				i += len;
			}
		}
	}
	put_char(j, '"');
}

void json_key(struct json *j, const char *key)
{
	size_t n = strlen(key);
	before_item(j);
	/* Keys are the program's own constants: no escaping to look for. */
	if (j->used + n + 4 > sizeof(j->buf)) {
		json_flush(j);
		if (n + 4 > sizeof(j->buf))
			n = sizeof(j->buf) - 4;
	}
	char *p = j->buf + j->used;
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	if (j->pretty)
		*p++ = ' ';
	j->used = (size_t)(p - j->buf);
	j->after_key = true;
}

void json_string_n(struct json *j, const char *s, size_t len)
{
	before_value(j);
	quoted_string(j, s, len);
}

void json_string(struct json *j, const char *s)
{
	before_value(j);
	if (!s)
		put(j, "null", 4);
	else
		quoted_string(j, s, strlen(s));
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
	put(j, p, (size_t)(buf + sizeof(buf) - p));
}

void json_i64(struct json *j, int64_t v)
{
	char buf[24];
	before_value(j);
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char *p = format_u64(mag, buf + sizeof(buf));
	if (v < 0)
		*--p = '-';
	put(j, p, (size_t)(buf + sizeof(buf) - p));
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
	put(j, p, (size_t)(end - p));
}

void json_double(struct json *j, double v, int decimals)
{
	char buf[64];
	before_value(j);
	if (!isfinite(v)) {
		put(j, "null", 4);
		return;
	}
	int n = snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	if (n > 0 && (size_t)n < sizeof(buf))
		put(j, buf, (size_t)n);
	else
		put(j, "null", 4);
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void json_null(struct json *j)
{
	before_value(j);
	put(j, "null", 4);
}
