/* websocket.c - WebSocket framing (RFC 6455 5.2) and the HTTP upgrade
 * handshake (RFC 6455 4.1, 4.2.2) for SIP over WebSocket (RFC 7118).
 * Everything is read through bounded views; nothing relies on a NUL. */
#include "dissect/websocket.h"

#include <string.h>

/* RFC 6455 5.2: first two header bytes. */
enum {
	WS_FIN_BIT = 0x80,
	WS_RSV_BITS = 0x70,
	WS_OPCODE_BITS = 0x0F,
	WS_MASK_BIT = 0x80,
	WS_LEN7_BITS = 0x7F,
	WS_CONTROL_BIT = 0x08, /* opcodes 0x8-0xF are control frames (5.5) */
};

enum {
	WS_BASE_HEADER_LEN = 2,
	WS_LEN7_MAX = 125,      /* larger values announce an extended length */
	WS_LEN7_EXT16 = 126,
	WS_LEN7_EXT64 = 127,
	WS_EXT16_LEN = 2,
	WS_EXT64_LEN = 8,
	WS_MASK_KEY_LEN = 4,
	WS_CONTROL_MAX_PAYLOAD = 125, /* RFC 6455 5.5 */
};

/* RFC 6455 5.2: "the most significant bit MUST be 0" in a 64-bit length. */
#define WS_LEN64_TOP_BIT (1ULL << 63)

/* How far ws_http_header_length looks for the end of the header block:
 * handshakes are a few hundred bytes; a longer block is not a handshake. */
#define WS_HTTP_HEADER_SCAN_MAX 16384

/* RFC 6455 5.2 and 11.8: opcodes 0x3-0x7 and 0xB-0xF are reserved. */
static bool ws_opcode_known(uint8_t op)
{
	switch (op) {
	case WS_OP_CONTINUATION:
	case WS_OP_TEXT:
	case WS_OP_BINARY:
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		return true;
	default:
		return false;
	}
}

/* Malformed is reported as soon as the bytes present show it, so the
 * consumer does not wait for more of a frame that can never be valid.
 * RSV bits are refused: SIP over WebSocket negotiates no extension that
 * would define them (RFC 6455 5.2, RFC 7118 5). */
enum ws_parse_result ws_frame_header(struct view buf, struct ws_frame *out)
{
	uint8_t b0, b1;
	if (!view_u8(buf, 0, &b0))
		return WS_NEED_MORE;
	uint8_t opcode = b0 & WS_OPCODE_BITS;
	bool fin = (b0 & WS_FIN_BIT) != 0;
	bool control = (opcode & WS_CONTROL_BIT) != 0;
	if ((b0 & WS_RSV_BITS) || !ws_opcode_known(opcode))
		return WS_MALFORMED;
	/* RFC 6455 5.5: control frames are never fragmented. */
	if (control && !fin)
		return WS_MALFORMED;
	if (!view_u8(buf, 1, &b1))
		return WS_NEED_MORE;
	uint8_t len7 = b1 & WS_LEN7_BITS;
	if (control && len7 > WS_CONTROL_MAX_PAYLOAD)
		return WS_MALFORMED;

	size_t off = WS_BASE_HEADER_LEN;
	uint64_t payload_len = len7;
	if (len7 == WS_LEN7_EXT16) {
		uint16_t n16;
		if (!view_be16(buf, off, &n16))
			return WS_NEED_MORE;
		payload_len = n16;
		off += WS_EXT16_LEN;
	} else if (len7 == WS_LEN7_EXT64) {
		/* The top bit is in the first length byte: refuse early. */
		uint8_t top;
		if (view_u8(buf, off, &top) && (top & (WS_LEN64_TOP_BIT >> 56)))
			return WS_MALFORMED;
		if (!view_be64(buf, off, &payload_len))
			return WS_NEED_MORE;
		off += WS_EXT64_LEN;
	}
	/* Non-minimal length encodings (RFC 6455 5.2 "MUST") are accepted:
	 * they do not change the framing, and refusing them would lose the
	 * SIP inside. */

	bool masked = (b1 & WS_MASK_BIT) != 0;
	uint8_t key[WS_MASK_KEY_LEN] = { 0 };
	if (masked) {
		struct view k;
		if (!view_slice(buf, off, WS_MASK_KEY_LEN, &k))
			return WS_NEED_MORE;
		memcpy(key, k.p, WS_MASK_KEY_LEN);
		off += WS_MASK_KEY_LEN;
	}

	out->fin = fin;
	out->opcode = opcode;
	out->masked = masked;
	memcpy(out->mask, key, sizeof(out->mask));
	out->payload_len = payload_len;
	out->header_len = off;
	return WS_FRAME_OK;
}

/* RFC 6455 5.3: octet i of the payload is XORed with key[i mod 4].  Eight
 * bytes at a time with the key rotated to the chunk's offset; out may be
 * payload.p itself. */
void ws_unmask(const struct ws_frame *f, struct view payload, uint64_t offset,
	       uint8_t *out)
{
	if (payload.len == 0)
		return;
	if (!f->masked) {
		if (out != payload.p)
			memmove(out, payload.p, payload.len);
		return;
	}
	uint8_t key[2 * WS_MASK_KEY_LEN];
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = f->mask[(offset + i) % WS_MASK_KEY_LEN];
	uint64_t key64;
	memcpy(&key64, key, sizeof(key64));

	size_t i = 0;
	for (; i + sizeof(key64) <= payload.len; i += sizeof(key64)) {
		uint64_t w;
		memcpy(&w, payload.p + i, sizeof(w));
		w ^= key64;
		memcpy(out + i, &w, sizeof(w));
	}
	/* i is a multiple of 8, hence of 4: the tail starts at key[0]. */
	for (; i < payload.len; i++)
		out[i] = payload.p[i] ^ key[i % WS_MASK_KEY_LEN];
}

/* RFC 9112 2.1: the header block ends with an empty line.  CRLF is the
 * rule; a bare LF is tolerated (RFC 9112 2.2), so "\n\n" and "\n\r\n"
 * end it too. */
size_t ws_http_header_length(struct view buf)
{
	struct view scan = view_sub(buf, 0, WS_HTTP_HEADER_SCAN_MAX);
	size_t off = 0;
	for (;;) {
		long lf = view_find_byte(view_from(scan, off), '\n');
		if (lf < 0)
			return 0;
		size_t after = off + (size_t)lf + 1;
		uint8_t c;
		if (!view_u8(scan, after, &c))
			return 0;
		if (c == '\n')
			return after + 1;
		if (c == '\r') {
			if (!view_u8(scan, after + 1, &c))
				return 0;
			if (c == '\n')
				return after + 2;
		}
		off = after;
	}
}

/* --- header fields --------------------------------------------------------- */

static bool is_http_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static struct view trim_http_space(struct view v)
{
	while (v.len && is_http_space(v.p[0])) {
		v.p++;
		v.len--;
	}
	while (v.len && is_http_space(v.p[v.len - 1]))
		v.len--;
	return v;
}

/* True when the comma-separated list contains token, ignoring ASCII case
 * (RFC 9110 5.6.1 lists; tokens compare case-insensitively for Upgrade,
 * 7.8, and Connection, 7.6.1). */
static bool list_has_token(struct view list, const char *token)
{
	while (list.len) {
		long comma = view_find_byte(list, ',');
		size_t item_len = comma < 0 ? list.len : (size_t)comma;
		if (view_eq_nocase(trim_http_space(view_sub(list, 0, item_len)), token))
			return true;
		list = view_from(list, item_len + 1);
	}
	return false;
}

/* The next line of v from *off (without its CR LF); false at the end. */
static bool next_line(struct view v, size_t *off, struct view *line)
{
	if (*off >= v.len)
		return false;
	struct view rest = view_from(v, *off);
	long lf = view_find_byte(rest, '\n');
	size_t len = lf < 0 ? rest.len : (size_t)lf;
	*off += lf < 0 ? rest.len : len + 1;
	if (len && rest.p[len - 1] == '\r')
		len--;
	*line = view_sub(rest, 0, len);
	return true;
}

/* Whether some header field named name (any case) holds token in its
 * comma-separated value.  The start line is skipped; the block ends at the
 * first empty line.  Obsolete line folding is not joined (RFC 9112 5.2
 * lets a recipient refuse it). */
static bool http_header_has_token(struct view http, const char *name, const char *token)
{
	size_t off = 0;
	struct view line;
	if (!next_line(http, &off, &line))
		return false;
	while (next_line(http, &off, &line)) {
		if (line.len == 0)
			break;
		long colon = view_find_byte(line, ':');
		if (colon <= 0)
			continue;
		struct view field = trim_http_space(view_sub(line, 0, (size_t)colon));
		if (!view_eq_nocase(field, name))
			continue;
		if (list_has_token(view_from(line, (size_t)colon + 1), token))
			return true;
	}
	return false;
}

/* RFC 6455 4.1: "GET", Upgrade: websocket, Connection: ... Upgrade. */
bool ws_is_upgrade_request(struct view http)
{
	return view_starts_with(http, "GET ") &&
	       http_header_has_token(http, "Upgrade", "websocket") &&
	       http_header_has_token(http, "Connection", "upgrade");
}

/* RFC 6455 4.2.2: status 101 with Upgrade: websocket.  The status code is
 * exactly three digits, so "HTTP/1.1 1010" is not a match. */
bool ws_is_upgrade_response(struct view http)
{
	static const char status[] = "HTTP/1.1 101";
	if (!view_starts_with(http, status))
		return false;
	uint8_t after;
	if (view_u8(http, sizeof(status) - 1, &after) && after != ' ' && after != '\r' &&
	    after != '\n')
		return false;
	return http_header_has_token(http, "Upgrade", "websocket");
}
