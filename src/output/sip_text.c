/* sip_text.c - SIP messages as text (format in sip_text.h). */
#include "output/sip_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/utf8.h"

#define NS_PER_SEC_TEXT 1000000000LL
#define NS_PER_USEC 1000
#define ESCAPED_BYTE_LEN SIP_TEXT_ESCAPED_BYTE_LEN
/* The blank line after the message (sngrep writes the same). */
static const char message_end[] = "\n\n";
_Static_assert(sizeof(message_end) - 1 == 2, "SIP_TEXT_MAX_FOR counts two bytes after the message");

size_t sip_text_max_bytes(size_t len)
{
	return SIP_TEXT_MAX_FOR(len);
}

/* "YYYY/MM/DD HH:MM:SS" of secs in local time, or "-".  Consecutive
 * messages mostly share their second, and localtime_r() with the
 * formatting around it was a third of the text writer: the last second's
 * text is kept (per thread: the interface formats too). */
static size_t format_second(int64_t secs, char out[32], bool *valid)
{
	static _Thread_local int64_t cached_secs;
	static _Thread_local bool cached;
	static _Thread_local bool cached_valid;
	static _Thread_local char cached_text[32];
	static _Thread_local size_t cached_len;
	if (!cached || secs != cached_secs) {
		time_t t = (time_t)secs;
		struct tm tm;
		cached_valid = localtime_r(&t, &tm) != NULL;
		int n = cached_valid ? snprintf(cached_text, sizeof(cached_text),
						"%04d/%02d/%02d %02d:%02d:%02d", tm.tm_year + 1900,
						tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
						tm.tm_sec)
				     : snprintf(cached_text, sizeof(cached_text), "-");
		cached_len = n > 0 && (size_t)n < sizeof(cached_text) ? (size_t)n : 0;
		cached_secs = secs;
		cached = true;
	}
	memcpy(out, cached_text, cached_len);
	*valid = cached_valid;
	return cached_len;
}

/* Appends text to out (pos of cap used), as much as fits. */
static size_t put(char *out, size_t pos, size_t cap, const char *text, size_t len)
{
	size_t room = pos < cap ? cap - pos : 0;
	if (len > room)
		len = room;
	memcpy(out + pos, text, len);
	return pos + len;
}

/* The header line, in local time as sngrep writes it:
 * "2023/11/14 22:13:20.123456 192.0.2.10:5060 -> 198.51.100.20:5060 UDP". */
static size_t format_header(const struct sip_text_message *m, char *out, size_t cap)
{
	/* Floor division: times before 1970 keep a positive fraction. */
	int64_t secs = m->ts_ns / NS_PER_SEC_TEXT, frac = m->ts_ns % NS_PER_SEC_TEXT;
	if (frac < 0) {
		secs--;
		frac += NS_PER_SEC_TEXT;
	}
	char when[40];
	bool valid;
	size_t wlen = format_second(secs, when, &valid);
	if (valid) {
		long usec = (long)(frac / NS_PER_USEC);
		when[wlen++] = '.';
		for (int i = 5; i >= 0; i--) {
			when[wlen + (size_t)i] = (char)('0' + usec % 10);
			usec /= 10;
		}
		wlen += 6;
	}
	char a[ENDPOINT_STRLEN], b[ENDPOINT_STRLEN];
	const char *src = endpoint_format(&m->src, a, sizeof(a));
	const char *dst = endpoint_format(&m->dst, b, sizeof(b));
	const char *tr = transport_name(m->transport);
	/* One byte of cap stays free, as snprintf would keep it for its NUL. */
	size_t room = cap ? cap - 1 : 0, pos = 0;
	pos = put(out, pos, room, when, wlen);
	pos = put(out, pos, room, " ", 1);
	pos = put(out, pos, room, src, strlen(src));
	pos = put(out, pos, room, " -> ", 4);
	pos = put(out, pos, room, dst, strlen(dst));
	pos = put(out, pos, room, " ", 1);
	pos = put(out, pos, room, tr, strlen(tr));
	pos = put(out, pos, room, "\n", 1);
	return pos;
}

/* Printable ASCII, tab and line feed: written as they are (a table: the
 * loop over a message's bytes is the formatter's hot path). */
#define PLAIN_RANGE(lo, hi) [lo ... hi] = true
static const bool plain_byte[256] = { PLAIN_RANGE(0x20, 0x7E), ['\t'] = true, ['\n'] = true };

static inline bool is_plain(uint8_t c)
{
	return plain_byte[c];
}

/* U+0080..U+009F: valid UTF-8, but terminals act on them (CSI is U+009B). */
static int is_c1_control(const uint8_t *p, size_t seq_len)
{
	return seq_len == 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F;
}

size_t sip_text_format(const struct sip_text_message *m, uint8_t *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	char header[SIP_TEXT_HEADER_MAX];
	size_t hlen = format_header(m, header, sizeof(header));
	size_t pos = hlen < cap ? hlen : cap;
	memcpy(out, header, pos);
	const uint8_t *p = m->raw;
	size_t len = m->raw ? m->len : 0;
	for (size_t i = 0; i < len;) {
		uint8_t c = p[i];
		size_t keep = 0;
		if (is_plain(c)) {
			/* The common case, a run of plain text, in one copy. */
			keep = 1;
			while (i + keep < len && is_plain(p[i + keep]))
				keep++;
		} else if (c == '\r' && i + 1 < len && p[i + 1] == '\n')
			keep = 1;
		else if (c >= 0x80) {
			keep = utf8_valid_len(p + i, len - i);
			if (keep && is_c1_control(p + i, keep))
				keep = 0;
		}
		if (keep) {
			if (cap - pos < keep)
				return pos;
			memcpy(out + pos, p + i, keep);
			pos += keep;
			i += keep;
			continue;
		}
		if (cap - pos < ESCAPED_BYTE_LEN)
			return pos;
		out[pos++] = '\\';
		out[pos++] = 'x';
		out[pos++] = (uint8_t)hex[c >> 4];
		out[pos++] = (uint8_t)hex[c & 0xF];
		i++;
	}
	size_t end = sizeof(message_end) - 1;
	if (cap - pos < end)
		return pos;
	memcpy(out + pos, message_end, end);
	return pos + end;
}
