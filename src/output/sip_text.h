/* sip_text.h - one SIP message as text, the way sngrep saves messages: a
 * header line (local date and time with microseconds, source -> destination,
 * transport), the message as received, and a blank line.  Used by --text
 * and by the interface's "save as text".
 *
 *   2023/11/14 22:13:20.123456 192.0.2.10:5060 -> 198.51.100.20:5060 UDP
 *   INVITE sip:2001@198.51.100.20:5060 SIP/2.0
 *   ...
 *
 * The bytes come from the network and the file is read with cat and less:
 * printable ASCII, tab, line feed, a carriage return before a line feed
 * and valid UTF-8 (RFC 3629) other than C1 controls are written as they
 * are; every other byte (escape, NUL, a lone carriage return, DEL, C1
 * controls, invalid UTF-8) is written as \xNN.  A backslash is written as
 * it is, so a message that itself holds the text "\x1b" reads the same as
 * one holding the escape byte; messages are text (RFC 3261 7), so that is
 * the rare case, and keeping everything else byte for byte matters more. */
#ifndef SIPMON_OUTPUT_SIP_TEXT_H
#define SIPMON_OUTPUT_SIP_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "store/call.h"
#include "util/netaddr.h"

struct sip_text_message {
	int64_t ts_ns;             /* capture time, ns since the Unix epoch */
	struct endpoint src, dst;
	enum transport transport;
	const uint8_t *raw;        /* the message as received */
	size_t len;
};

/* The header line's longest form: date and time, two endpoints, " -> ",
 * a transport name. */
#define SIP_TEXT_HEADER_MAX 192
/* An escaped byte: backslash, 'x', two hex digits. */
#define SIP_TEXT_ESCAPED_BYTE_LEN 4
/* The most bytes sip_text_format() writes for a message of len bytes (a
 * constant expression, for buffers). */
#define SIP_TEXT_MAX_FOR(len) (SIP_TEXT_HEADER_MAX + (len) * SIP_TEXT_ESCAPED_BYTE_LEN + 2)
size_t sip_text_max_bytes(size_t len);

/* Writes message m into out (cap >= sip_text_max_bytes(m->len), or the text
 * is cut at cap); returns the bytes written. */
size_t sip_text_format(const struct sip_text_message *m, uint8_t *out, size_t cap);

#endif
