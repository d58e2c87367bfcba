/* json_check.h - a strict RFC 8259 validator for the fuzz harnesses: the
 * report writer promises valid JSON (and valid UTF-8, RFC 8259 8.1)
 * whatever bytes the network sent, and this checks it.
 *
 * Recursive descent over a length-bounded buffer; nesting deeper than
 * JSON_CHECK_MAX_DEPTH is refused (the writer nests far less). */
#ifndef SIPMON_TESTS_FUZZ_JSON_CHECK_H
#define SIPMON_TESTS_FUZZ_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JSON_CHECK_MAX_DEPTH 64

struct json_check {
	const uint8_t *p, *end;
};

static bool json_check_value(struct json_check *c, int depth);

static inline void json_check_ws(struct json_check *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static inline bool json_check_literal(struct json_check *c, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return false;
	c->p += n;
	return true;
}

static inline bool json_check_digits(struct json_check *c)
{
	const uint8_t *start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > start;
}

/* RFC 8259 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static inline bool json_check_number(struct json_check *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!json_check_digits(c))
		return false;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!json_check_digits(c))
			return false;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!json_check_digits(c))
			return false;
	}
	return true;
}

static inline int json_check_hex(uint8_t h)
{
	if (h >= '0' && h <= '9')
		return h - '0';
	if (h >= 'a' && h <= 'f')
		return h - 'a' + 10;
	if (h >= 'A' && h <= 'F')
		return h - 'A' + 10;
	return -1;
}

/* One UTF-8 sequence (RFC 3629 4): no overlong forms, no surrogates,
 * nothing above U+10FFFF. */
static inline bool json_check_utf8(struct json_check *c)
{
	uint8_t b = *c->p;
	size_t n;
	uint32_t cp, min;
	if (b < 0x80)
		n = 1, cp = b, min = 0;
	else if ((b & 0xE0) == 0xC0)
		n = 2, cp = b & 0x1F, min = 0x80;
	else if ((b & 0xF0) == 0xE0)
		n = 3, cp = b & 0x0F, min = 0x800;
	else if ((b & 0xF8) == 0xF0)
		n = 4, cp = b & 0x07, min = 0x10000;
	else
		return false;
	if ((size_t)(c->end - c->p) < n)
		return false;
	for (size_t i = 1; i < n; i++) {
		if ((c->p[i] & 0xC0) != 0x80)
			return false;
		cp = (cp << 6) | (c->p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return false;
	c->p += n;
	return true;
}

/* RFC 8259 7: no raw control characters; only the listed escapes. */
static inline bool json_check_string(struct json_check *c)
{
	if (c->p >= c->end || *c->p != '"')
		return false;
	c->p++;
	while (c->p < c->end) {
		uint8_t b = *c->p;
		if (b == '"') {
			c->p++;
			return true;
		}
		if (b < 0x20)
			return false;
		if (b != '\\') {
			if (!json_check_utf8(c))
				return false;
			continue;
		}
		if (c->end - c->p < 2)
			return false;
		uint8_t e = c->p[1];
		c->p += 2;
		if (e == 'u') {
			if (c->end - c->p < 4)
				return false;
			for (int i = 0; i < 4; i++)
				if (json_check_hex(c->p[i]) < 0)
					return false;
			c->p += 4;
		} else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
			return false;
		}
	}
	return false;
}

static inline bool json_check_container(struct json_check *c, int depth, uint8_t open,
					uint8_t close, bool object)
{
	if (depth >= JSON_CHECK_MAX_DEPTH || c->p >= c->end || *c->p != open)
		return false;
	c->p++;
	json_check_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return true;
	}
	for (;;) {
		if (object) {
			if (!json_check_string(c))
				return false;
			json_check_ws(c);
			if (c->p >= c->end || *c->p != ':')
				return false;
			c->p++;
		}
		if (!json_check_value(c, depth + 1))
			return false;
		json_check_ws(c);
		if (c->p >= c->end)
			return false;
		if (*c->p == close) {
			c->p++;
			return true;
		}
		if (*c->p != ',')
			return false;
		c->p++;
		json_check_ws(c);
	}
}

static bool json_check_value(struct json_check *c, int depth)
{
	json_check_ws(c);
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{':
		return json_check_container(c, depth, '{', '}', true);
	case '[':
		return json_check_container(c, depth, '[', ']', false);
	case '"':
		return json_check_string(c);
	case 't':
		return json_check_literal(c, "true");
	case 'f':
		return json_check_literal(c, "false");
	case 'n':
		return json_check_literal(c, "null");
	default:
		return json_check_number(c);
	}
}

/* True when buf holds exactly one JSON text (RFC 8259 2). */
static inline bool json_check_text(const void *buf, size_t len)
{
	struct json_check c = { buf, (const uint8_t *)buf + len };
	if (!json_check_value(&c, 0))
		return false;
	json_check_ws(&c);
	return c.p == c.end;
}

#endif
