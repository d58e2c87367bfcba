/* fuzz_websocket.c - libFuzzer harness for WebSocket framing and the HTTP
 * upgrade handshake (websocket.h): the input is what one direction of a
 * connection carries, read the way the TCP consumer reads it.
 *
 * Checks beyond the sanitizers: a header that parses parses the same from
 * every longer prefix and needs more from every shorter one (malformed is
 * reported only when the bytes show it, never for a good frame cut short);
 * unmasking twice gives the bytes back, at any starting offset. */
#include "fuzz.h"

#include "dissect/websocket.h"

/* Frames walked per input: bounds the work of a stream of tiny frames. */
#define FRAMES_MAX 256

static void check_prefixes(struct view buf, const struct ws_frame *whole)
{
	for (size_t n = 0; n < whole->header_len + 2 && n <= buf.len; n++) {
		struct view prefix = fuzz_dup(view_sub(buf, 0, n));
		struct ws_frame f;
		enum ws_parse_result r = ws_frame_header(prefix, &f);
		if (n < whole->header_len) {
			FUZZ_CHECK(r == WS_NEED_MORE);
		} else {
			FUZZ_CHECK(r == WS_FRAME_OK);
			FUZZ_CHECK(f.header_len == whole->header_len);
			FUZZ_CHECK(f.payload_len == whole->payload_len);
			FUZZ_CHECK(f.opcode == whole->opcode && f.fin == whole->fin &&
				   f.masked == whole->masked);
		}
		fuzz_free(prefix);
	}
}

/* Unmasks payload (which starts at byte offset of the frame's payload)
 * into an exact-size buffer, then masks it back in place. */
static void check_unmask(const struct ws_frame *f, struct view payload, uint64_t offset)
{
	uint8_t *out = malloc(payload.len ? payload.len : 1);
	if (!out)
		abort();
	ws_unmask(f, payload, offset, out);
	if (!f->masked)
		FUZZ_CHECK(payload.len == 0 || memcmp(out, payload.p, payload.len) == 0);
	ws_unmask(f, view_make(out, payload.len), offset, out);
	FUZZ_CHECK(payload.len == 0 || memcmp(out, payload.p, payload.len) == 0);
	free(out);
}

static void walk_frames(struct view stream)
{
	for (int frames = 0; frames < FRAMES_MAX && stream.len; frames++) {
		struct ws_frame f;
		enum ws_parse_result r = ws_frame_header(stream, &f);
		if (r != WS_FRAME_OK)
			return;
		FUZZ_CHECK(f.header_len >= 2 && f.header_len <= 14);
		FUZZ_CHECK(f.header_len <= stream.len);
		FUZZ_CHECK(f.opcode <= 0xF);
		check_prefixes(stream, &f);
		struct view payload = view_sub(stream, f.header_len, f.payload_len);
		struct view exact = fuzz_dup(payload);
		check_unmask(&f, exact, 0);
		/* A frame delivered in pieces: the second piece starts at an
		 * offset that is not a multiple of the key length. */
		if (exact.len > 3)
			check_unmask(&f, view_from(exact, 3), 3);
		fuzz_free(exact);
		if (f.payload_len > stream.len - f.header_len)
			return;
		stream = view_from(stream, f.header_len + (size_t)f.payload_len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct view in = view_make(data, size);

	/* The handshake, then frames: what a connection carries. */
	size_t hl = ws_http_header_length(in);
	FUZZ_CHECK(hl <= size);
	if (hl > 0) {
		struct view http = fuzz_dup(view_sub(in, 0, hl));
		(void)ws_is_upgrade_request(http);
		(void)ws_is_upgrade_response(http);
		fuzz_free(http);
		walk_frames(view_from(in, hl));
	}
	/* And the whole input as frames, and as a (maybe partial) header
	 * block. */
	walk_frames(in);
	(void)ws_is_upgrade_request(in);
	(void)ws_is_upgrade_response(in);
	return 0;
}
