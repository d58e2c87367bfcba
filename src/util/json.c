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

/* Space for n more bytes (n <= JSON_BUFFER_BYTES): flushes when the
 * buffer cannot take them, so each piece is written with one check. */
static inline char *reserve(struct json *j, size_t n)
{
	if (j->used + n > sizeof(j->buf))
		json_flush(j);
	return j->buf + j->used;
}

static inline void commit(struct json *j, const char *end)
{
	j->used = (size_t)(end - j->buf);
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

/* The most bytes a separator takes: ',' '\n' and the indentation. */
#define SEPARATOR_MAX (2 + 2 * JSON_MAX_DEPTH)

/* Writes the line break and indentation at p (pretty output only).  The
 * room reserved always takes the deepest indentation, so a constant-size
 * copy writes it and the depth only sets where the next byte goes. */
static inline char *indent_at(const struct json *j, char *p)
{
	static const char spaces[2 * JSON_MAX_DEPTH] = "                                ";
	if (!j->pretty)
		return p;
	*p++ = '\n';
	memcpy(p, spaces, sizeof(spaces));
	return p + 2 * (size_t)j->depth;
}

static void newline_indent(struct json *j)
{
	if (j->pretty)
		commit(j, indent_at(j, reserve(j, SEPARATOR_MAX)));
}

/* Separator before a value in an array, or before a key in an object,
 * written at p (which has SEPARATOR_MAX bytes of room). */
static inline char *item_separator_at(struct json *j, char *p)
{
	if (!j->first[j->depth])
		*p++ = ',';
	j->first[j->depth] = false;
	if (j->depth > 0)
		p = indent_at(j, p);
	return p;
}

/* The separator a value needs (none right after its key), written at p. */
static inline char *value_separator_at(struct json *j, char *p)
{
	if (j->after_key) {
		j->after_key = false;
		return p;
	}
	return item_separator_at(j, p);
}

static void before_value(struct json *j)
{
	commit(j, value_separator_at(j, reserve(j, SEPARATOR_MAX)));
}

static void open(struct json *j, char c)
{
	char *p = value_separator_at(j, reserve(j, SEPARATOR_MAX + 1));
	*p++ = c;
	commit(j, p);
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

/* Bytes a string may not hold as they are (RFC 8259 7): quote, backslash,
 * control characters; non-ASCII bytes are checked as UTF-8. */
static const bool needs_escape[256] = {
	[0x00 ... 0x1f] = true, ['"'] = true, ['\\'] = true, [0x80 ... 0xff] = true,
};

/* Writes the escape for s[0] (or the valid UTF-8 sequence starting there);
 * returns how many input bytes it used. */
static size_t put_escaped(struct json *j, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = s[0];
	if (c == '"' || c == '\\') {
		char esc[2] = { '\\', (char)c };
		put(j, esc, 2);
		return 1;
	}
	if (c < 0x20) {
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
		return 1;
	}
	size_t len = utf8_valid_len(s, n);
	if (len == 0) {
		put(j, "\\ufffd", 6);
		return 1;
	}
	put(j, s, len);
	return len;
}

/* Bytes of one word at a time in quoted_string(). */
#define WORD_BYTES 8
#define BYTES_EQUAL_TO(c) (0x0101010101010101ULL * (uint8_t)(c))
#define HIGH_BITS BYTES_EQUAL_TO(0x80)

/* Whether any byte of the word needs escaping (below 0x20, '"', '\\', or
 * 0x80 and above): the usual "has a zero byte" test, so eight plain
 * characters cost a few instructions instead of eight table lookups. */
static inline bool word_needs_escape(uint64_t w)
{
	uint64_t below_space = (w - BYTES_EQUAL_TO(0x20)) & ~w;
	uint64_t quote = w ^ BYTES_EQUAL_TO('"');
	uint64_t backslash = w ^ BYTES_EQUAL_TO('\\');
	quote = (quote - BYTES_EQUAL_TO(1)) & ~quote;
	backslash = (backslash - BYTES_EQUAL_TO(1)) & ~backslash;
	return ((w | below_space | quote | backslash) & HIGH_BITS) != 0;
}

/* Copies plain characters straight into the buffer, a word at a time, as
 * much of a run as fits; only quotes, backslashes, control characters and
 * non-ASCII bytes are looked at one by one. */
static void quoted_string(struct json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	put_char(j, '"');
	size_t i = 0;
	while (i < n) {
		size_t room = sizeof(j->buf) - j->used;
		if (room == 0) {
			json_flush(j);
			room = sizeof(j->buf);
		}
		char *out = j->buf + j->used;
		size_t stop = n - i < room ? n : i + room;
		size_t k = i;
		while (stop - k >= WORD_BYTES) {
			uint64_t w;
			memcpy(&w, s + k, WORD_BYTES);
			if (word_needs_escape(w))
				break;
			memcpy(out, &w, WORD_BYTES);
			out += WORD_BYTES;
			k += WORD_BYTES;
		}
		while (k < stop && !needs_escape[s[k]])
			*out++ = (char)s[k++];
		commit(j, out);
		i = k;
		if (i < stop)
			i += put_escaped(j, s + i, n - i);
	}
	put_char(j, '"');
}

char *json_key_start(struct json *j, size_t n)
{
	char *p = item_separator_at(j, reserve(j, SEPARATOR_MAX + n + JSON_KEY_EXTRA));
	*p++ = '"';
	return p;
}

void json_key_n(struct json *j, const char *key, size_t n)
{
	/* Keys are the program's own short constants: no escaping to look
	 * for, and they always fit. */
	if (n > sizeof(j->buf) - SEPARATOR_MAX - JSON_KEY_EXTRA)
		n = sizeof(j->buf) - SEPARATOR_MAX - JSON_KEY_EXTRA;
	char *p = json_key_start(j, n);
	memcpy(p, key, n);
	json_key_finish(j, p + n);
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

/* Longest decimal uint64_t, with a sign. */
#define U64_DIGITS_MAX 21

void json_u64(struct json *j, uint64_t v)
{
	char *p = value_separator_at(j, reserve(j, SEPARATOR_MAX + U64_DIGITS_MAX));
	if (v < 10) {
		*p++ = (char)('0' + v);
	} else {
		char buf[U64_DIGITS_MAX];
		char *digits = format_u64(v, buf + sizeof(buf));
		size_t len = (size_t)(buf + sizeof(buf) - digits);
		memcpy(p, digits, len);
		p += len;
	}
	commit(j, p);
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
