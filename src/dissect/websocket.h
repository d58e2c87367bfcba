/* websocket.h - WebSocket framing (RFC 6455) as used for SIP (RFC 7118):
 * the HTTP upgrade handshake and data frames, masked or not, with 7-bit,
 * 16-bit and 64-bit payload lengths. */
#ifndef SIPMON_DISSECT_WEBSOCKET_H
#define SIPMON_DISSECT_WEBSOCKET_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect/anomaly.h"
#include "util/view.h"

enum ws_opcode {
	WS_OP_CONTINUATION = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xA,
};

struct ws_frame {
	bool fin;
	uint8_t opcode;
	bool masked;
	uint8_t mask[4];
	uint64_t payload_len;  /* as the header claims */
	size_t header_len;     /* 2 to 14 bytes */
};

enum ws_parse_result { WS_NEED_MORE = 0, WS_FRAME_OK = 1, WS_MALFORMED = -1 };

/* Parses the frame header at the start of buf. */
enum ws_parse_result ws_frame_header(struct view buf, struct ws_frame *out);

/* Copies payload (which starts at byte `offset` of the frame's payload)
 * into out, removing the mask. */
void ws_unmask(const struct ws_frame *f, struct view payload, uint64_t offset,
	       uint8_t *out);

/* The complete HTTP header block at the start of buf ("...\r\n\r\n"):
 * returns its length, 0 when not complete yet. */
size_t ws_http_header_length(struct view buf);

/* An HTTP request asking to upgrade to WebSocket (RFC 6455 4.1). */
bool ws_is_upgrade_request(struct view http);

/* An HTTP "101 Switching Protocols" answer with Upgrade: websocket. */
bool ws_is_upgrade_response(struct view http);

#endif
